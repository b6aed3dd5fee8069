"""The real `kubectl` binary against a started lab: what a person (or an agent shelling out to
kubectl) sees must be what a real cluster shows -- server-side Table columns with the computed
STATUS, `-o wide`, `get all`, `auth can-i`, `apply` with client-side validation on, `explain`.

Skipped when no kubectl is installed. Each call gets its own discovery cache directory, so a
cache written by an earlier lab on a reused port cannot hide what this lab serves."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import textwrap
import threading
import time

import pytest

from sre_agent.contracts import parse_resource_id

from .kubectl_cli import KUBECTL, NEEDS_KUBECTL, kubectl, started_lab

pytestmark = NEEDS_KUBECTL


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    yield from started_lab(tmp_path_factory)


def header(out: str) -> list[str]:
    return re.split(r"\s{2,}", out.splitlines()[0].strip())


def rows(out: str) -> list[list[str]]:
    return [re.split(r"\s{2,}", line.strip()) for line in out.splitlines()[1:] if line.strip()]


def broken_namespace_and_deployment(lab) -> tuple[str, str]:
    namespace, _, name = parse_resource_id(lab.find_scenario("bad-image").scenario.truth.resource)
    assert namespace is not None
    return namespace, name


def test_get_pods_shows_ready_status_restarts_and_the_broken_pods_status(lab):
    namespace, name = broken_namespace_and_deployment(lab)
    out = kubectl(lab, "get", "pods", "-n", namespace)
    assert header(out) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    broken = [r for r in rows(out) if r[0].startswith(name + "-")]
    assert broken, out
    assert all(r[1] == "0/1" and r[2] in ("ImagePullBackOff", "ErrImagePull", "CrashLoopBackOff") for r in broken), out
    assert any(r[2] == "Running" and r[1] == "1/1" for r in rows(out)), out


def test_get_pods_wide_and_all_namespaces(lab):
    namespace, _ = broken_namespace_and_deployment(lab)
    out = kubectl(lab, "get", "pods", "-n", namespace, "-o", "wide")
    assert header(out) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE",
                           "READINESS GATES"]
    assert all(re.fullmatch(r"10\.\d+\.\d+\.\d+", r[5]) for r in rows(out)), out
    out = kubectl(lab, "get", "pods", "-A")
    assert header(out) == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert {r[0] for r in rows(out)} >= {namespace}


def test_get_deployments_services_nodes_columns(lab):
    namespace, name = broken_namespace_and_deployment(lab)
    out = kubectl(lab, "get", "deploy", "-n", namespace)
    assert header(out) == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert [r for r in rows(out) if r[0] == name][0][1].startswith("0/"), out
    out = kubectl(lab, "get", "svc", "-n", namespace)
    assert header(out) == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert all(r[1] == "ClusterIP" and re.fullmatch(r"\d+/TCP(,.*)?", r[4]) for r in rows(out)), out
    out = kubectl(lab, "get", "nodes")
    assert header(out) == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert all(r[1] == "Ready" for r in rows(out)), out
    out = kubectl(lab, "get", "endpoints", "-n", namespace)
    assert header(out) == ["NAME", "ENDPOINTS", "AGE"]
    assert all(re.fullmatch(r"(\d+\.\d+\.\d+\.\d+:\d+,?)+( \+ \d+ more\.\.\.)?|<none>", r[1]) for r in rows(out)), out
    out = kubectl(lab, "get", "rs,sts,ds,cm,ns", "-A")
    for columns in ("DESIRED   CURRENT   READY", "DATA", "STATUS"):
        assert columns in out


def test_output_formats_that_need_the_full_object_still_work(lab):
    namespace, name = broken_namespace_and_deployment(lab)
    assert kubectl(lab, "get", "deploy", name, "-n", namespace, "-o", "jsonpath={.kind}") == "Deployment"
    out = kubectl(lab, "get", "pods", "-n", namespace, "--sort-by=.metadata.name", "--show-labels")
    assert header(out)[-1] == "LABELS"
    names = [r[0] for r in rows(out)]
    assert names == sorted(names)


def test_unreadable_bodies_are_refused_and_protobuf_first_accept_gets_json(lab):
    import urllib.error
    import urllib.request

    url = lab.api.url + "/api/v1/namespaces/default/configmaps"
    for content_type, body, code in (("application/vnd.kubernetes.protobuf", b"k8s\x00", 400),
                                     ("application/cbor", b"\xa0", 415)):  # 415: client-go retries CBOR as JSON
        request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(request, timeout=10)
        assert exc.value.code == code
    request = urllib.request.Request(url, headers={"Accept": "application/vnd.kubernetes.protobuf, */*"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.headers["Content-Type"] == "application/json"
        assert b'"kind":"ConfigMapList"' in answer.read()


def test_kubectl_create_writes_protobuf_and_every_served_kind_is_created(lab):
    """kubectl's typed `create` subcommands write protobuf and never retry as JSON: each must work."""
    ns = "made-by-hand"
    kubectl(lab, "create", "namespace", ns)
    for args in (["configmap", "app-config", "--from-literal=LOG_LEVEL=debug"],
                 ["secret", "generic", "db", "--from-literal=password=hunter2"],
                 ["secret", "docker-registry", "pull", "--docker-server=r.example", "--docker-username=u",
                  "--docker-password=p"],
                 ["deployment", "web", "--image=nginx:1.27", "--replicas=0", "--port=8080"],
                 ["cronjob", "nightly", "--image=busybox", "--schedule=0 3 * * *", "--", "echo", "hi"],
                 ["job", "nightly-now", "--from=cronjob/nightly"],
                 ["quota", "small", "--hard=pods=4,limits.memory=1Gi"],
                 ["serviceaccount", "runner"],
                 ["service", "clusterip", "web", "--tcp=80:8080"],
                 ["poddisruptionbudget", "web", "--selector=app=web", "--min-available=0"],
                 ["ingress", "web", "--rule=web.example/=web:80"]):
        kubectl(lab, "create", "-n", ns, *args)  # -n first: a cronjob's command follows --
    assert kubectl(lab, "get", "cm", "app-config", "-n", ns, "-o", "jsonpath={.data.LOG_LEVEL}") == "debug"
    password = kubectl(lab, "get", "secret", "db", "-n", ns, "-o", "jsonpath={.data.password}")
    assert base64.b64decode(password) == b"hunter2"
    assert kubectl(lab, "get", "deploy", "web", "-n", ns, "-o", "jsonpath={.spec.replicas}") == "0"  # kept, not 1
    ports = kubectl(lab, "get", "deploy", "web", "-n", ns, "-o", "jsonpath={.spec.template.spec.containers[0].ports}")
    assert json.loads(ports)[0]["containerPort"] == 8080
    job = json.loads(kubectl(lab, "get", "job", "nightly-now", "-n", ns, "-o", "json"))
    assert job["metadata"]["ownerReferences"][0]["name"] == "nightly"
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["echo", "hi"]
    assert kubectl(lab, "get", "quota", "small", "-n", ns, "-o", "jsonpath={.spec.hard.pods}") == "4"
    assert kubectl(lab, "get", "pdb", "web", "-n", ns, "-o", "jsonpath={.spec.minAvailable}") == "0"
    assert kubectl(lab, "get", "svc", "web", "-n", ns, "-o", "jsonpath={.spec.ports[0].targetPort}") == "8080"
    kubectl(lab, "delete", "namespace", ns)


DEPLOYMENT = textwrap.dedent("""\
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: hello
      namespace: default
    spec:
      replicas: {replicas}
      selector:
        matchLabels: {{app: hello}}
      template:
        metadata:
          labels: {{app: hello}}
        spec:
          containers:
          - name: hello
            image: nginx:1.27
    """)


def test_apply_with_validation_on_creates_updates_and_refuses_unknown_fields(lab):
    assert kubectl(lab, "apply", "-f", "-", stdin=DEPLOYMENT.format(replicas=1)).strip() == \
        "deployment.apps/hello created"
    assert kubectl(lab, "apply", "-f", "-", stdin=DEPLOYMENT.format(replicas=2)).strip() == \
        "deployment.apps/hello configured"
    assert kubectl(lab, "get", "deploy", "hello", "-n", "default", "-o", "jsonpath={.spec.replicas}") == "2"
    typo = DEPLOYMENT.format(replicas=3).replace("replicas:", "replicaz:")
    out = kubectl(lab, "apply", "-f", "-", stdin=typo, check=False)
    assert 'strict decoding error: unknown field "spec.replicaz"' in out
    assert kubectl(lab, "get", "deploy", "hello", "-n", "default", "-o", "jsonpath={.spec.replicas}") == "2"
    kubectl(lab, "delete", "deploy", "hello", "-n", "default")


def test_describe_shows_the_probe_defaults_the_apiserver_filled_in(lab):
    probed = DEPLOYMENT.format(replicas=0).replace("name: hello\n", "name: probed\n", 1).replace(
        "image: nginx:1.27", "image: nginx:1.27\n        livenessProbe: {httpGet: {path: /healthz, port: 80}}")
    kubectl(lab, "apply", "-f", "-", stdin=probed)
    out = kubectl(lab, "describe", "deploy", "probed", "-n", "default")
    liveness = next(line.split(None, 1)[1] for line in out.splitlines() if line.strip().startswith("Liveness:"))
    assert liveness == "http-get http://:80/healthz delay=0s timeout=1s period=10s #success=1 #failure=3", out
    probe = json.loads(kubectl(lab, "get", "deploy", "probed", "-n", "default", "-o",
                               "jsonpath={.spec.template.spec.containers[0].livenessProbe}"))
    assert probe == {"httpGet": {"path": "/healthz", "port": 80, "scheme": "HTTP"}, "timeoutSeconds": 1,
                     "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}
    kubectl(lab, "delete", "deploy", "probed", "-n", "default")


def test_explain_reads_the_openapi_documents(lab):
    out = kubectl(lab, "explain", "deployment.spec.replicas")
    assert "KIND:       Deployment" in out and "FIELD: replicas <integer>" in out
    assert "Number of desired pods" in out
    out = kubectl(lab, "explain", "pods.spec.containers")
    assert "<[]Container>" in out and "image\t<string>" in out


def test_get_all_expands_the_all_category(lab):
    namespace, name = broken_namespace_and_deployment(lab)
    out = kubectl(lab, "get", "all", "-n", namespace)
    for prefix in ("pod/", "service/", "deployment.apps/", "replicaset.apps/"):
        assert any(line.startswith(prefix) for line in out.splitlines()), (prefix, out)
    assert f"deployment.apps/{name} " in out
    assert "ImagePullBackOff" in out or "ErrImagePull" in out


def test_auth_can_i_and_whoami(lab):
    assert kubectl(lab, "auth", "can-i", "get", "pods").strip() == "yes"
    assert kubectl(lab, "auth", "can-i", "delete", "deployments", "-n", "shop").strip() == "yes"
    assert "*.*" in kubectl(lab, "auth", "can-i", "--list")
    out = kubectl(lab, "auth", "whoami")
    assert header(out) == ["ATTRIBUTE", "VALUE"] and "sre-lab-admin" in out


def test_get_watch_and_rollout_status_follow_the_world(lab):
    """`get -w` prints changes as Table rows under one header; `rollout status` returns once the
    simulated clock has moved far enough for the new pod to become ready."""
    manifest = DEPLOYMENT.format(replicas=1).replace("name: hello", "name: watched").replace(
        "app: hello", "app: watched").replace("nginx:1.27", "docker.io/grafana/grafana:11.2.0")
    env = {**os.environ, "KUBECONFIG": str(lab.kubeconfig)}
    base = [KUBECTL, f"--cache-dir={lab.kube_cache}", "-n", "default"]
    watcher = subprocess.Popen([*base, "get", "pods", "-l", "app=watched", "-w", "--request-timeout=0"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen: list[str] = []  # the watcher's lines as they come: the last row may trail `rollout status` on a busy machine
    reader = threading.Thread(target=lambda: seen.extend(iter(watcher.stdout.readline, "")), daemon=True)
    reader.start()
    rollout = None
    try:
        kubectl(lab, "apply", "-f", "-", stdin=manifest)
        rollout = subprocess.Popen([*base, "rollout", "status", "deploy/watched", "--timeout=60s"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(1.0)
        assert rollout.poll() is None  # the clock is frozen: the pod cannot be ready yet
        lab.advance(180)
        out, _ = rollout.communicate(timeout=30)
        assert rollout.returncode == 0, out
        assert 'deployment "watched" successfully rolled out' in out
        ready_row = re.compile(r"watched-\S+\s+1/1\s+Running")
        deadline = time.monotonic() + 30
        while not any(ready_row.match(line) for line in list(seen)) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        if rollout is not None and rollout.poll() is None:
            rollout.kill()
        watcher.terminate()
        watcher.wait(timeout=10)
        reader.join(timeout=10)
        kubectl(lab, "delete", "deploy", "watched", "-n", "default", check=False)
    printed = "".join(seen)
    lines = [line for line in printed.splitlines() if line.strip()]
    assert header(printed) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"], printed
    assert sum(line.startswith("NAME") for line in lines) == 1, printed
    assert any(re.match(r"watched-\S+\s+0/1\s+(Pending|ContainerCreating|Running)", line) for line in lines), printed
    assert any(re.match(r"watched-\S+\s+1/1\s+Running", line) for line in lines), printed


SHARED_LABEL_WORKLOADS = textwrap.dedent("""\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: shared-web, namespace: default}
    spec:
      replicas: 2
      selector: {matchLabels: {app: shared}}
      template:
        metadata: {labels: {app: shared}}
        spec:
          containers: [{name: web, image: "docker.io/grafana/grafana:11.2.0"}]
    ---
    apiVersion: batch/v1
    kind: Job
    metadata: {name: shared-report, namespace: default}
    spec:
      template:
        metadata: {labels: {app: shared}}
        spec:
          restartPolicy: Never
          containers: [{name: report, image: "ghcr.io/acme-shop/report-builder:2.0.0"}]
    """)


def test_logs_of_a_job_reads_its_own_pod_not_another_workloads_with_the_same_labels(lab):
    """The API server gives a Job a selector of its own uid (and its template the labels it selects),
    so `kubectl logs job/x` finds the Job's one pod even when a Deployment's pods share its `app` label."""
    kubectl(lab, "apply", "-f", "-", stdin=SHARED_LABEL_WORKLOADS)
    try:
        lab.advance(60)
        uid = kubectl(lab, "get", "job", "shared-report", "-n", "default", "-o", "jsonpath={.metadata.uid}")
        selector = kubectl(lab, "get", "job", "shared-report", "-n", "default", "-o",
                           "jsonpath={.spec.selector.matchLabels.batch\\.kubernetes\\.io/controller-uid}")
        assert selector == uid
        pods = rows(kubectl(lab, "get", "pods", "-n", "default", "-l", f"controller-uid={uid},job-name=shared-report"))
        assert len(pods) == 1
        out = kubectl(lab, "logs", "job/shared-report", "-n", "default", check=False)
        assert "Found" not in out and "shared-web" not in out, out
        assert out == kubectl(lab, "logs", pods[0][0], "-n", "default", check=False)
    finally:
        kubectl(lab, "delete", "-f", "-", stdin=SHARED_LABEL_WORKLOADS, check=False)


def test_a_statefulset_deleted_with_cascade_orphan_and_applied_again_adopts_its_members(lab):
    # what `kubectl delete --cascade=orphan` + apply does on a real cluster (to change an immutable field): the
    # controller adopts the member pods and ControllerRevision left behind -- the lab had created them again and
    # answered every later request with AlreadyExists
    manifest = json.dumps({"apiVersion": "apps/v1", "kind": "StatefulSet",
                           "metadata": {"name": "orphan-check", "namespace": "default"},
                           "spec": {"serviceName": "orphan-check", "replicas": 1,
                                    "selector": {"matchLabels": {"app": "orphan-check"}},
                                    "template": {"metadata": {"labels": {"app": "orphan-check"}},
                                                 "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}}}})
    kubectl(lab, "apply", "-f", "-", stdin=manifest)
    kubectl(lab, "delete", "statefulset", "orphan-check", "-n", "default", "--cascade=orphan")
    assert "orphan-check-0" in kubectl(lab, "get", "pods", "-n", "default", "-o", "name")  # left running
    kubectl(lab, "apply", "-f", "-", stdin=manifest)
    uid = kubectl(lab, "get", "statefulset", "orphan-check", "-n", "default", "-o", "jsonpath={.metadata.uid}")
    owners = kubectl(lab, "get", "pod", "orphan-check-0", "-n", "default", "-o", "jsonpath={.metadata.ownerReferences[0].uid}")
    revisions = kubectl(lab, "get", "controllerrevisions", "-n", "default", "-l", "app=orphan-check", "-o",
                        "jsonpath={.items[*].metadata.ownerReferences[0].uid}")
    assert owners == uid and revisions.split() == [uid]
    kubectl(lab, "delete", "statefulset", "orphan-check", "-n", "default")
