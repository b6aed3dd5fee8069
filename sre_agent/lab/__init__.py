"""The offline lab: a world the responder investigates as it would a real cluster and AWS account.

Layers, each importing only those before it (tests/unit/test_lab_layers.py holds the line):
kube/ (the Kubernetes API emulator) <- world/ (controllers, scheduler, kubelet, telemetry, images)
<- aws/ (CloudWatch, Logs, SNS, X-Ray, SSM over moto) <- prometheus/ (the same world as a Prometheus
scrape target) <- scenarios/ (the catalog and its loader) <- lab.py (the `Lab` that assembles them),
steps.py (a scenario step's change), trigger.py (what a scenario sends the responder) and admin.py
(the operator's back door of `sre-agent lab up`). Nothing here imports the responder:
only sre_agent.contracts."""
