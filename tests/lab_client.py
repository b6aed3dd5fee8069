"""Drive a running lab the way an operator would: the official kubernetes client over the lab's
kubeconfig, boto3 against the lab's moto. Nothing here touches the lab's internals, so what the
tests prove through these helpers is what a responder (or kubectl, or the AWS CLI) would see.

`apply_remediation` is a small client-side executor for a scenario's remediation steps: each
action is done the way kubectl does it (rollout undo = patch the Deployment's template back to
the previous ReplicaSet's; apply = create, or replace when it exists; scale = the scale
subresource), and `node_up` is what fixes a dead kubelet on a real node: an SSM Run Command."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import boto3
from kubernetes import client, config
from kubernetes.client.rest import ApiException

from sre_agent.contracts import parse_resource_id
from sre_agent.lab.scenarios.schema import Step

REVISION = "deployment.kubernetes.io/revision"
TEMPLATE_HASH = "pod-template-hash"

# kind -> (which typed API, the snake_case name in its method names, namespaced?)
KINDS: dict[str, tuple[str, str, bool]] = {
    "Pod": ("core", "pod", True),
    "Service": ("core", "service", True),
    "Endpoints": ("core", "endpoints", True),
    "ConfigMap": ("core", "config_map", True),
    "Secret": ("core", "secret", True),
    "PersistentVolumeClaim": ("core", "persistent_volume_claim", True),
    "ResourceQuota": ("core", "resource_quota", True),
    "Node": ("core", "node", False),
    "Namespace": ("core", "namespace", False),
    "Deployment": ("apps", "deployment", True),
    "StatefulSet": ("apps", "stateful_set", True),
    "DaemonSet": ("apps", "daemon_set", True),
    "ReplicaSet": ("apps", "replica_set", True),
    "StorageClass": ("storage", "storage_class", False),
}


@dataclass
class LabClients:
    api: client.ApiClient
    core: client.CoreV1Api
    apps: client.AppsV1Api
    storage: client.StorageV1Api
    cloudwatch: Any
    logs: Any
    ssm: Any

    def call(self, verb: str, kind: str, namespace: str | None = None, **kwargs: Any) -> Any:
        """`verb` ("read", "patch", "create", ...) on `kind` through its typed API."""
        if kind not in KINDS:
            raise ValueError(f"the test client does not know kind {kind!r}; add it to KINDS in {__file__}")
        api_name, snake, namespaced = KINDS[kind]
        api = getattr(self, api_name)
        if namespaced:
            return getattr(api, f"{verb}_namespaced_{snake}")(namespace=namespace, **kwargs)
        return getattr(api, f"{verb}_{snake}")(**kwargs)

    def as_dict(self, obj: Any) -> Any:
        """A typed client object as the JSON the API server sent (camelCase keys)."""
        return self.api.sanitize_for_serialization(obj)


def clients_for(lab: Any) -> LabClients:
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(lab.kubeconfig), client_configuration=cfg)
    api = client.ApiClient(cfg)
    env = lab.env()
    session = boto3.session.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                    aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], region_name=env["AWS_REGION"])

    def aws(service: str) -> Any:
        return session.client(service, endpoint_url=env["AWS_ENDPOINT_URL"])

    return LabClients(api=api, core=client.CoreV1Api(api), apps=client.AppsV1Api(api), storage=client.StorageV1Api(api),
                      cloudwatch=aws("cloudwatch"), logs=aws("logs"), ssm=aws("ssm"))


# --- reading ---------------------------------------------------------------------------------

def workload_selector(clients: LabClients, resource: str) -> tuple[str, str]:
    """(namespace, label selector) of the pods a workload or Service selects."""
    namespace, kind, name = parse_resource_id(resource)
    obj = clients.as_dict(clients.call("read", kind, namespace, name=name))
    labels = obj["spec"]["selector"] if kind == "Service" else obj["spec"]["selector"]["matchLabels"]
    return namespace or "", ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def pods_of(clients: LabClients, resource: str) -> list[dict]:
    namespace, selector = workload_selector(clients, resource)
    return [clients.as_dict(p) for p in clients.core.list_namespaced_pod(namespace, label_selector=selector).items]


def events_about(clients: LabClients, namespace: str, kind: str, name: str) -> list[dict]:
    """Events for one object, found the way `kubectl describe` finds them: a field selector."""
    found = clients.core.list_namespaced_event(
        namespace, field_selector=f"involvedObject.kind={kind},involvedObject.name={name}")
    return [clients.as_dict(e) for e in found.items]


def pod_is_ready(pod: dict) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions") or [])


def unhealthy_pods(clients: LabClients) -> list[str]:
    """Every pod that is not Ready (or finished), with why: empty for a healthy cluster."""
    problems = []
    for pod in (clients.as_dict(p) for p in clients.core.list_pod_for_all_namespaces().items):
        where = f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
        if pod["metadata"].get("deletionTimestamp"):
            problems.append(f"{where}: terminating")
        elif pod["status"].get("phase") == "Succeeded":
            continue
        elif not pod_is_ready(pod):
            waiting = [s["state"]["waiting"].get("reason") for s in pod["status"].get("containerStatuses") or []
                       if (s.get("state") or {}).get("waiting")]
            problems.append(f"{where}: {pod['status'].get('phase')} {','.join(waiting) or 'not ready'}")
    return problems


def services_without_endpoints(clients: LabClients) -> list[str]:
    """Services with a selector but no ready address behind them."""
    endpoints = {(e.metadata.namespace, e.metadata.name): e for e in clients.core.list_endpoints_for_all_namespaces().items}
    empty = []
    for service in clients.core.list_service_for_all_namespaces().items:
        if not service.spec.selector:
            continue
        found = endpoints.get((service.metadata.namespace, service.metadata.name))
        if found is None or not any(subset.addresses for subset in found.subsets or []):
            empty.append(f"{service.metadata.namespace}/{service.metadata.name}")
    return empty


def alarm(clients: LabClients, name: str) -> dict:
    alarms = clients.cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    assert alarms, f"alarm {name!r} is not in CloudWatch"
    return alarms[0]


def metric_series(clients: LabClients, namespace: str, name: str, dimensions: dict[str, str], stat: str,
                  period: int, start: datetime, end: datetime) -> list[tuple[datetime, float]]:
    """(timestamp, value) oldest first, read with GetMetricData as a dashboard would."""
    result = clients.cloudwatch.get_metric_data(
        MetricDataQueries=[{"Id": "m", "MetricStat": {
            "Metric": {"Namespace": namespace, "MetricName": name,
                       "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()]},
            "Period": period, "Stat": stat}}],
        StartTime=start, EndTime=end, ScanBy="TimestampAscending")["MetricDataResults"][0]
    return list(zip(result["Timestamps"], result["Values"]))


def log_events(clients: LabClients, group_prefix: str, since: datetime, pattern: str | None = None) -> list[dict]:
    """Log events in every group under `group_prefix` since `since`, optionally matching a filter pattern."""
    events = []
    for group in clients.logs.describe_log_groups(logGroupNamePrefix=group_prefix)["logGroups"]:
        kwargs = {"logGroupName": group["logGroupName"], "startTime": int(since.timestamp() * 1000)}
        if pattern:
            kwargs["filterPattern"] = pattern
        for page in clients.logs.get_paginator("filter_log_events").paginate(**kwargs):  # a shared group spans pages
            events.extend(page["events"])
    return events


def workload_log_events(clients: LabClients, cluster: str, namespace: str, workload: str, since: datetime,
                        pattern: str | None = None) -> list[dict]:
    """The workload's lines in Container Insights' application group, read as Fluent Bit wrote them:
    each event's JSON record names its pod and namespace; `message` is the record's `log`."""
    events = []
    for event in log_events(clients, f"/aws/containerinsights/{cluster}/application", since, pattern):
        record = json.loads(event["message"])
        pod = record["kubernetes"]["pod_name"]
        if record["kubernetes"]["namespace_name"] == namespace and (pod == workload or pod.startswith(f"{workload}-")):
            events.append({**event, "message": record["log"].rstrip("\n"), "pod": pod})
    return events


# --- changing the world, kubectl's way ----------------------------------------------------------

def rollout_undo(clients: LabClients, namespace: str, name: str, to_revision: int | None = None) -> None:
    """`kubectl rollout undo`: find the Deployment's ReplicaSets, take the wanted (default: the
    previous) revision's pod template without its pod-template-hash label, and JSON-patch it over
    the Deployment's template."""
    deploy = clients.apps.read_namespaced_deployment(name, namespace)
    selector = ",".join(f"{k}={v}" for k, v in sorted(deploy.spec.selector.match_labels.items()))
    owned = [rs for rs in clients.apps.list_namespaced_replica_set(namespace, label_selector=selector).items
             if any(ref.uid == deploy.metadata.uid for ref in rs.metadata.owner_references or [])]

    def revision(rs: Any) -> int:
        return int((rs.metadata.annotations or {}).get(REVISION, 0))

    current = int((deploy.metadata.annotations or {}).get(REVISION, 0))
    if to_revision is None:
        older = [rs for rs in owned if revision(rs) < current]
        assert older, f"no rollout history for deployment {namespace}/{name}"
        target = max(older, key=revision)
    else:
        target = next(rs for rs in owned if revision(rs) == to_revision)
    template = copy.deepcopy(clients.as_dict(target.spec.template))
    template.get("metadata", {}).get("labels", {}).pop(TEMPLATE_HASH, None)
    clients.apps.patch_namespaced_deployment(name, namespace, [{"op": "replace", "path": "/spec/template", "value": template}])


def _container_patch(step: Step, change: dict) -> dict:
    return {"spec": {"template": {"spec": {"containers": [{"name": step.container, **change}]}}}}


def apply_remediation(clients: LabClients, step: Step) -> None:
    """Carry out one remediation step through the Kubernetes and AWS APIs."""
    if step.action == "node_up":
        node = clients.core.read_node(step.node)
        instance = node.spec.provider_id.rsplit("/", 1)[-1]
        clients.ssm.send_command(DocumentName="AWS-RunShellScript", InstanceIds=[instance],
                                 Parameters={"commands": ["systemctl restart kubelet"]})
        return
    if step.action in ("cordon", "uncordon"):
        clients.core.patch_node(step.node, {"spec": {"unschedulable": step.action == "cordon"}})
        return
    if step.action == "apply":
        manifest = step.manifest
        kind, namespace = manifest["kind"], manifest["metadata"].get("namespace")
        try:
            clients.call("create", kind, namespace, body=manifest)
        except ApiException as exc:
            if exc.status != 409:
                raise
            clients.call("replace", kind, namespace, name=manifest["metadata"]["name"], body=manifest)
        return
    if step.action == "delete" and step.selector is not None:
        selector = ",".join(f"{k}={v}" for k, v in sorted(step.selector.items()))
        for obj in clients.call("list", step.kind, step.namespace, label_selector=selector).items:
            clients.call("delete", step.kind, step.namespace, name=obj.metadata.name)
        return
    namespace, kind, name = parse_resource_id(step.resource)
    if step.action == "delete":
        clients.call("delete", kind, namespace, name=name)
    elif step.action == "rollout_undo":
        rollout_undo(clients, namespace, name, step.to_revision)
    elif step.action == "scale":  # kubectl scale: the scale subresource
        api = getattr(clients, KINDS[kind][0])
        getattr(api, f"patch_namespaced_{KINDS[kind][1]}_scale")(name, namespace, {"spec": {"replicas": step.replicas}})
    elif step.action == "set_image":
        clients.call("patch", kind, namespace, name=name, body=_container_patch(step, {"image": step.image}))
    elif step.action == "set_resources":
        resources = {key: value for key, value in (("requests", step.requests), ("limits", step.limits)) if value}
        clients.call("patch", kind, namespace, name=name, body=_container_patch(step, {"resources": resources}))
    elif step.action == "patch":
        content_type = "application/merge-patch+json" if step.patch_type == "merge" else None
        clients.call("patch", kind, namespace, name=name, body=step.patch,
                     **({"_content_type": content_type} if content_type else {}))
    elif step.action == "rollout_restart":
        stamp = datetime.now().astimezone().isoformat()
        clients.call("patch", kind, namespace, name=name, body={"spec": {"template": {"metadata": {
            "annotations": {"kubectl.kubernetes.io/restartedAt": stamp}}}}})
    else:
        raise NotImplementedError(f"no client-side way to carry out {step.action!r} (a world change, not an operator action)")


def advance_until(lab: Any, done: Any, max_minutes: int = 20) -> int:
    """Let simulated minutes pass until `done()` is true; returns the minutes it took (or the cap)."""
    for minute in range(max_minutes + 1):
        if done():
            return minute
        lab.advance(60)
    return max_minutes


def minutes_before(moment: datetime, minutes: float) -> datetime:
    return moment - timedelta(minutes=minutes)
