"""Run every tool of the Kubernetes MCP server against a lab and record the API requests the lab's
API server serves meanwhile: the measured ground truth for the RBAC manifests.

The server runs as its own process (stdio, writes allowed in every namespace, every write a
server-side dry run), exactly as the responder starts it; the recorder wraps the lab API server's
request entry point, so what is recorded is what went over HTTP, not what the tools' code says."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from mcp_harness import SyncMcpClient, stdio_client_for

from mcp_servers.kubernetes.kube import KINDS
from sre_agent.lab.kube.errors import ApiError
from sre_agent.lab.kube.messages import error_response

from ...unit.infra.rbac_model import Authorizer, RequestAttributes, request_attributes

MODULE = "mcp_servers.kubernetes"
REASON = "rbac coverage probe"


class RequestRecorder:
    """Wraps `KubeApiServer.handle` (the one door every HTTP request goes through) while installed.
    With `enforce`, a request its authorizer does not allow is answered as kube-apiserver's
    RBAC authorizer answers it (403 Forbidden), so the tools can be run under the manifests' grants."""

    def __init__(self, api: Any, enforce: Authorizer | None = None) -> None:
        self.api = api
        self.enforce = enforce
        self.seen: list[tuple[str, str, str]] = []  # (tool being called, method, target)
        self.current_tool = ""
        self._lock = threading.Lock()
        self._original: Callable | None = None

    def __enter__(self) -> RequestRecorder:
        self._original = self.api.handle

        def recording(method: str, target: str, headers: Any, body: bytes) -> Any:
            with self._lock:
                self.seen.append((self.current_tool, method, target))
            attributes = request_attributes(method, target)
            permission = attributes.permission
            if self.enforce is not None and permission is not None and not self.enforce.allows(attributes):
                return error_response(ApiError(403, "Forbidden", f'{permission.resource} is forbidden: User '
                                               f'"system:serviceaccount:sre-agent:sre-agent" cannot {permission.verb} '
                                               f'resource "{permission.resource}" in API group "{permission.group}"'))
            return self._original(method, target, headers, body)

        self.api.handle = recording
        return self

    def __exit__(self, *exc: object) -> None:
        self.api.handle = self._original

    def attributes(self) -> list[tuple[str, RequestAttributes]]:
        """(tool, attributes) of every request recorded."""
        with self._lock:
            return [(tool, request_attributes(method, target)) for tool, method, target in self.seen]


def exercise_every_tool(client: SyncMcpClient, recorder: RequestRecorder) -> set[str]:
    """Call every tool (each write for every workload kind it takes, as a dry run) and return the
    names called, so the caller can check that none was left out."""
    called: set[str] = set()

    def call(tool: str, args: dict) -> Any:
        recorder.current_tool = tool
        result = client.call(tool, args)
        recorder.current_tool = ""
        # A 404 (describe of a kind the lab has no object of) still made the request RBAC would check.
        assert not result.is_error or "not found" in result.text.lower(), f"{tool} {args}: {result.text}"
        called.add(tool)
        return result

    def one_of(kind: str, namespace: str | None = None, label_selector: str | None = None) -> dict:
        args = {"kind": kind, **({"namespace": namespace} if namespace else {}),
                **({"label_selector": label_selector} if label_selector else {})}
        items = call("get_resources", args).json()["items"]
        assert items, f"the lab has no {kind} {label_selector or ''} in {namespace or 'any namespace'}: the probe needs one"
        return items[0]

    for kind in sorted(k for k, spec in KINDS.items() if spec.group != "metrics.k8s.io"):
        call("get_resources", {"kind": kind})
        namespace = {"namespace": "shop"} if KINDS[kind].namespaced else {}
        call("describe", {"kind": kind, "name": "rbac-probe", **namespace})
    pod = one_of("Pod", "shop", "app=checkout")["name"]  # a running pod: it has logs
    node = one_of("Node")["name"]
    call("pod_logs", {"namespace": "shop", "name": pod, "tail": 5})
    call("events", {"namespace": "shop"})
    call("events", {})
    call("rollout_history", {"namespace": "shop", "name": "catalog"})
    call("rollout_history", {"namespace": "payments", "name": "ledger-db", "kind": "StatefulSet"})  # ControllerRevisions
    call("top", {"kind": "pods", "namespace": "shop"})
    call("top", {"kind": "nodes"})
    call("find_resource", {"name": "catalog"})
    call("search_text", {"words": ["catalog"]})
    call("search_text", {"words": ["catalog"], "namespace": "shop"})
    call("find_resource", {"name": "catalog", "kinds": sorted(k for k, s in KINDS.items() if s.group != "metrics.k8s.io")})
    for kind, name, namespace in (("Pod", pod, "shop"), ("Deployment", "checkout", "shop"), ("Service", "catalog", "shop"),
                                  ("Node", node, None), ("StatefulSet", "ledger-db", "payments"),
                                  ("DaemonSet", "fluent-bit", "platform"), ("ReplicaSet", "rbac-probe", "shop")):
        call("ownership", {"kind": kind, "name": name, **({"namespace": namespace} if namespace else {})})
    call("analyze", {})
    call("analyze", {"namespace": "shop", "min_severity": "info"})
    call("cluster_info", {})  # answers from the server's own settings: no request

    dry = {"reason": REASON, "dry_run": True}
    workloads = {"Deployment": ("shop", "checkout"), "StatefulSet": ("payments", "ledger-db"),
                 "DaemonSet": ("platform", "fluent-bit")}
    for kind, (namespace, name) in workloads.items():
        described = call("describe", {"kind": kind, "name": name, "namespace": namespace}).json()
        container = described["object"]["spec"]["template"]["spec"]["containers"][0]["name"]
        target = {"namespace": namespace, "name": name, "kind": kind, **dry}
        call("rollout_restart", target)
        call("set_image", {**target, "container": container, "image": "registry.example/probe:1"})
        call("set_resources", {**target, "container": container, "requests": {"cpu": "100m"}})
        if kind != "DaemonSet":
            call("scale", {**target, "replicas": 2})
    call("rollout_undo", {"namespace": "shop", "name": "catalog", **dry})
    call("raise_quota", {"namespace": "shop", "name": PROBE_QUOTA, "hard": {"requests.cpu": "40"}, **dry})
    call("delete_pod", {"namespace": "shop", "name": pod, **dry})
    call("cordon", {"node": node, **dry})
    call("uncordon", {"node": node, **dry})
    call("remove_node_taint", {"node": node, "key": PROBE_TAINT, "effect": "NoSchedule", **dry})
    call("raise_hpa_max", {"namespace": "shop", "name": PROBE_HPA, "max_replicas": 5, **dry})
    call("set_service_selector", {"namespace": "shop", "name": "catalog", "selector": {"app": "checkout"}, **dry})
    call("set_service_target_port", {"namespace": "shop", "name": "catalog", "port": 8080, "target_port": 8080, **dry})
    call("relax_probe", {"namespace": "shop", "name": "catalog", "container": "catalog", "timeout_seconds": 5, **dry})
    call("add_pull_secret", {"namespace": "shop", "name": "catalog", "secret_name": PROBE_PULL_SECRET, **dry})
    call("expand_claim", {"namespace": "shop", "name": PROBE_CLAIM, "size": "2Gi", **dry})
    call("set_config_value", {"namespace": "shop", "name": "inventory-config", "key": "WAREHOUSE_REGION",
                              "value": "us-west-2", **dry})
    call("stop_cronjob_pileup", {"namespace": "shop", "name": PROBE_CRON, "stuck_runs": [PROBE_CRON_RUN], **dry})
    call("set_cronjob_image", {"namespace": "shop", "name": PROBE_CRON, "container": "run",
                               "image": "registry.example/probe:2", "rerun_stuck": [PROBE_CRON_RUN], **dry})
    call("resume_cronjob", {"namespace": "shop", "name": PROBE_CRON, "run_now": True, **dry})  # (the probe is suspended)
    call("set_key_reference", {"namespace": "shop", "kind": "CronJob", "name": PROBE_CRON, "source_kind": "ConfigMap",
                               "source_name": PROBE_CONFIG, "key": "PROBE_OLD", "renamed_to": "PROBE_NEW",
                               "rerun_stuck": [PROBE_CRON_RUN], **dry})
    return called


PROBE_QUOTA = "rbac-probe-quota"
PROBE_HPA = "rbac-probe-hpa"
PROBE_TAINT = "example.com/rbac-probe"
PROBE_PULL_SECRET = "rbac-probe-pull"
PROBE_CLASS = "rbac-probe-expandable"
PROBE_CLAIM = "rbac-probe-claim"
PROBE_CRON, PROBE_CRON_RUN = "rbac-probe-cron", "rbac-probe-cron-1"
PROBE_CONFIG = "rbac-probe-config"  # holds PROBE_NEW; the probe CronJob reads PROBE_OLD (renamed)


def _create_probes(lab: Any) -> None:
    """Objects the writes (dry-run) change: raise_quota patches an existing quota, raise_hpa_max an existing
    autoscaler, remove_node_taint a taint the node carries -- on the node the tools list first; add_pull_secret
    references a registry credential, expand_claim grows a Bound claim of a class that allows it, stop_cronjob_pileup
    deletes a CronJob's run that has not finished, set_cronjob_image replaces it with a run from the fixed template,
    set_key_reference points the CronJob's reference to a renamed key at the key its ConfigMap holds."""
    from kubernetes import client, config

    cfg = client.Configuration()
    config.load_kube_config(config_file=str(lab.kubeconfig), client_configuration=cfg)
    api = client.ApiClient(cfg)
    core = client.CoreV1Api(api)
    if PROBE_QUOTA not in {q.metadata.name for q in core.list_namespaced_resource_quota("shop").items}:
        core.create_namespaced_resource_quota("shop", {"metadata": {"name": PROBE_QUOTA},
                                                       "spec": {"hard": {"requests.cpu": "20"}}})
    autoscaling = client.AutoscalingV2Api(api)
    if PROBE_HPA not in {h.metadata.name for h in autoscaling.list_namespaced_horizontal_pod_autoscaler("shop").items}:
        autoscaling.create_namespaced_horizontal_pod_autoscaler("shop", {"metadata": {"name": PROBE_HPA}, "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "catalog"},
            "minReplicas": 1, "maxReplicas": 2}})
    if PROBE_PULL_SECRET not in {s.metadata.name for s in core.list_namespaced_secret("shop").items}:
        core.create_namespaced_secret("shop", {"metadata": {"name": PROBE_PULL_SECRET}, "type": "kubernetes.io/dockerconfigjson",
                                               "data": {".dockerconfigjson": "eyJhdXRocyI6e319"}})  # {"auths":{}}
    storage = client.StorageV1Api(api)
    if PROBE_CLASS not in {c.metadata.name for c in storage.list_storage_class().items}:
        storage.create_storage_class({"metadata": {"name": PROBE_CLASS}, "provisioner": "ebs.csi.aws.com",
                                      "allowVolumeExpansion": True})
    if PROBE_CLAIM not in {c.metadata.name for c in core.list_namespaced_persistent_volume_claim("shop").items}:
        core.create_namespaced_persistent_volume_claim("shop", {"metadata": {"name": PROBE_CLAIM}, "spec": {
            "storageClassName": PROBE_CLASS, "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})
    batch = client.BatchV1Api(api)
    if PROBE_CONFIG not in {c.metadata.name for c in core.list_namespaced_config_map("shop").items}:
        core.create_namespaced_config_map("shop", {"metadata": {"name": PROBE_CONFIG}, "data": {"PROBE_NEW": "x"}})
    if PROBE_CRON not in {c.metadata.name for c in batch.list_namespaced_cron_job("shop").items}:
        env = [{"name": "PROBE", "valueFrom": {"configMapKeyRef": {"name": PROBE_CONFIG, "key": "PROBE_OLD"}}}]
        template = {"spec": {"restartPolicy": "Never", "containers": [{"name": "run", "image": "registry.example/probe:1",
                                                                          "env": env}]}}
        cron = batch.create_namespaced_cron_job("shop", {"metadata": {"name": PROBE_CRON}, "spec": {
            "schedule": "0 3 * * *", "suspend": True, "jobTemplate": {"spec": {"template": template}}}})
        batch.create_namespaced_job("shop", {"metadata": {"name": PROBE_CRON_RUN, "ownerReferences": [
            {"apiVersion": "batch/v1", "kind": "CronJob", "name": PROBE_CRON, "uid": cron.metadata.uid, "controller": True}]},
            "spec": {"template": template}})  # a run that cannot pull its image: it never finishes
    deadline = time.monotonic() + 30  # the lab's volume controller binds it on its next pass
    while core.read_namespaced_persistent_volume_claim(PROBE_CLAIM, "shop").status.phase != "Bound":
        assert time.monotonic() < deadline, f"{PROBE_CLAIM} never bound"
        time.sleep(0.2)
    for node in core.list_node().items:
        taints = [t.to_dict() for t in node.spec.taints or []]
        if not any(t["key"] == PROBE_TAINT for t in taints):
            core.patch_node(node.metadata.name, {"spec": {"taints": [
                *[{k: v for k, v in t.items() if v is not None} for t in taints],
                {"key": PROBE_TAINT, "value": "true", "effect": "NoSchedule"}]}})


def record_tool_requests(lab: Any) -> tuple[set[str], set[str], list[tuple[str, RequestAttributes]]]:
    """(tools the server lists, tools called, (tool, attributes) of every request they made)."""
    _create_probes(lab)  # before recording: the probes' own setup is not a request the tools make
    client = stdio_client_for(MODULE, ["--allow-writes", "--namespaces", "*"], lab.env())
    try:
        listed = {tool.name for tool in client.list_tools()}
        with RequestRecorder(lab.api) as recorder:
            called = exercise_every_tool(client, recorder)
        return listed, called, recorder.attributes()
    finally:
        client.close()
