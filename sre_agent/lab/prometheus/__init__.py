"""The lab scraped like a cluster: the world's metrics in Prometheus text exposition format, on the lab's
`GET /metrics` (server.py), with the names, types, HELP texts and labels of the exporters a real cluster runs.

    kube_state_pods.py, kube_state_workloads.py, kube_state_cluster.py   kube-state-metrics: the API objects
    cadvisor.py                                                          the kubelets' cAdvisor and volume stats
    services.py                                                          the apps' own http_* metrics
    families.py                                                          what they share
    scrape.py                                                            one scrape of all of them (LabMetrics)
    history.py                                                           the replayed history, as scrapes to backfill

A real Prometheus on a lab (Debian's, the history backfilled, rules and an Alertmanager optional) is the assembly's
job: ../prometheus_stack.py.

Gauges are read from the world at its clock. Counters advance when the CloudWatch feed samples a minute
(aws/feed.py tells its `on_sample` listeners), from the very numbers it publishes: the requests and 5xx a service's
RequestCount and 5xxCount say, its published latency percentiles, the CPU of the pods' usage samples -- so a
counter's growth from one minute boundary to another is what CloudWatch's Sum over those minutes says."""
