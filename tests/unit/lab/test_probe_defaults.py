"""Probes are defaulted on write as kube-apiserver's SetDefaults_Probe does (timeoutSeconds 1, periodSeconds 10,
successThreshold 1, failureThreshold 3; an httpGet's path "/" and scheme HTTP), in every pod spec a kind carries,
so `kubectl get -o yaml` and `describe` show the values the kubelet runs with -- and a written value is kept."""

from __future__ import annotations

from tests.unit.lab.world_harness import TinyWorld

IMAGE = "ghcr.io/acme-shop/search:1.12.0"
DEFAULTS = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}


def container() -> dict:
    return {"name": "search", "image": IMAGE,
            "livenessProbe": {"httpGet": {"port": 8080}},
            "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 5, "failureThreshold": 6},
            "startupProbe": {"tcpSocket": {"port": 8080}}}


def test_a_deployments_probes_get_the_apiserver_defaults_and_keep_what_was_written():
    world = TinyWorld()
    stored = world.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "search", "namespace": "lab"},
                          "spec": {"selector": {"matchLabels": {"app": "search"}},
                                   "template": {"metadata": {"labels": {"app": "search"}},
                                                "spec": {"containers": [container()]}}}})
    probes = stored["spec"]["template"]["spec"]["containers"][0]
    assert probes["livenessProbe"] == {"httpGet": {"port": 8080, "path": "/", "scheme": "HTTP"}, **DEFAULTS}
    assert probes["readinessProbe"] == {"httpGet": {"path": "/ready", "port": 8080, "scheme": "HTTP"},
                                        **DEFAULTS, "periodSeconds": 5, "failureThreshold": 6}
    assert probes["startupProbe"] == {"tcpSocket": {"port": 8080}, **DEFAULTS}
    world.run(60)  # the pods the Deployment makes carry them too, and the rollout is not disturbed by them
    [replicaset] = world.list("ReplicaSet")
    pods = world.owned("Pod", replicaset)
    assert pods and all(p["spec"]["containers"][0]["livenessProbe"]["timeoutSeconds"] == 1 for p in pods)


def test_cronjob_and_init_container_probes_are_defaulted_too():
    world = TinyWorld()
    job_pod = {"restartPolicy": "Never", "initContainers": [{**container(), "name": "init"}], "containers": [container()]}
    stored = world.apply({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly", "namespace": "lab"},
                          "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": job_pod}}}}})
    pod_spec = stored["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod_spec["initContainers"][0]["livenessProbe"]["periodSeconds"] == 10
    assert pod_spec["containers"][0]["startupProbe"]["failureThreshold"] == 3
