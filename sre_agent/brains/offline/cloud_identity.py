"""A workload's cloud identity (EKS IAM roles for service accounts). When a workload calls AWS (an *.amazonaws.com
host in its settings), its ServiceAccount's eks.amazonaws.com/role-arn annotation names the IAM role its pods get;
without it they fall back to the node's instance role, and every call only the workload's own role allowed is
AccessDenied. One describe, only for workloads that call AWS: the diagnosis reads it beside the workload's denied
calls (log_causes.yaml `cloud_access_denied`)."""

from __future__ import annotations

from ...contracts import Finding, resource_id
from .calls import Calls

ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"


def calls_aws(hosts: list[str]) -> bool:
    return any(host.lower().rstrip(".").endswith(".amazonaws.com") for host in hosts)


async def cloud_identity(workload: str, namespace: str, pod_spec: dict, hosts: list[str], calls: Calls) -> None:
    if not calls_aws(hosts):
        return
    account = pod_spec.get("serviceAccountName") or pod_spec.get("serviceAccount") or "default"
    described, ev = await calls("describe", kind="ServiceAccount", name=account, namespace=namespace, events_limit=0)
    if described is None:
        return
    meta = (described.get("object") or {}).get("metadata") or {}
    role = (meta.get("annotations") or {}).get(ROLE_ANNOTATION)
    holder = resource_id("ServiceAccount", account, namespace)
    written = max((str(m.get("time")) for m in meta.get("managedFields") or [] if m.get("time")), default=None)
    if role:
        calls.find(holder, "CloudRole", f"{workload}'s pods get IAM role {role} (ServiceAccount {account})", ev,
                   severity="info", workload=workload, role=role)
        return
    calls.find(holder, "NoCloudRole", f"{workload} calls AWS ({', '.join(hosts)}) but its ServiceAccount {account} names "
               f"no IAM role ({ROLE_ANNOTATION}"
               + (f"; the ServiceAccount was last written {written}" if written else "")
               + "): its pods get the node's instance role", ev, severity="warning", workload=workload, account=account,
               written=written)


def denied_without_role(f: Finding, all_: list[Finding]) -> bool:
    """A ServiceAccount that names no IAM role, whose workload's lines say its AWS calls are denied: the role's
    absence, not the workload's release, is why (the diagnosis roots there)."""
    workload = f.details.get("workload")
    return any(x.signal == "LogNamedCause" and x.details.get("cause") == "cloud_access_denied" and x.resource == workload
               for x in all_)
