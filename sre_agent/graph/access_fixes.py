"""Fixes for faults of access and room, each sized from what the findings showed: a liveness probe that gives
up before a slow-but-working app answers (raise its timeoutSeconds on the container it probes), a pull the
registry refused for want of credentials (reference the pull Secret that covers the registry, or create one),
a full volume (grow the claim when its StorageClass allows it), a ServiceAccount that lost its IAM role (name it
again, then restart the pods: the role is given to a pod when it starts)."""

from __future__ import annotations

import json
from typing import NamedTuple

from ..contracts import Finding, ProposedFix, parse_resource_id
from .kubectl_words import KUBECTL_KIND
from .kubectl_words import namespace_flag as _ns
from .quantities import quantity as parse_quantity

PROBE_TIMEOUT_FLOOR_S = 10  # a health check that must queue behind requests under load needs seconds, not one



class ProbeRaise(NamedTuple):
    container: str
    current: int
    raised: int
    finding: Finding


def probe_timeout_raise(findings: list[Finding], workload: str) -> ProbeRaise | None:
    """A liveness probe that timed out (the app answered too late, not wrongly): the container, its timeoutSeconds
    and the one to give it -- the value both the human's patch and the relax_probe plan set."""
    probe = next((f for f in findings if f.resource == workload and f.signal == "LivenessProbeFailing"
                  and f.details.get("probe_container")), None)
    if probe is None:
        return None
    current = int(probe.details.get("timeout_seconds") or 1)
    return ProbeRaise(probe.details["probe_container"], current, max(PROBE_TIMEOUT_FLOOR_S, 2 * current), probe)


def probe_timeout_fixes(findings: list[Finding], workload: str) -> list[ProposedFix]:
    """A liveness probe that timed out: give it time."""
    if (found := probe_timeout_raise(findings, workload)) is None:
        return []
    namespace, kind, name = parse_resource_id(workload)
    container, current, raised, probe = found
    patch = {"spec": {"template": {"spec": {"containers": [{"name": container, "livenessProbe": {"timeoutSeconds": raised}}]}}}}
    return [ProposedFix(resource=workload, summary=f"the liveness probe of {container} gives up after {current}s while the "
                        f"app answers slower under load, and the kubelet kills working pods: raise its timeoutSeconds to {raised}",
                        commands=[f"kubectl {_ns(namespace)}patch {KUBECTL_KIND.get(kind, kind.lower())} {name} -p '{json.dumps(patch)}'"],
                        evidence=list(probe.evidence))]


def the_pull_secret(findings: list[Finding], workload: str) -> str | None:
    """The one Secret in the namespace holding credentials for the registry that refused the workload's pulls;
    None when there is none or several (a human chooses)."""
    refused = next((f for f in findings if f.resource == workload and f.signal == "PullCredentialsMissing"), None)
    candidates = list((refused.details.get("candidates") or []) if refused else [])
    return str(candidates[0]) if len(candidates) == 1 else None


def pull_secret_fixes(findings: list[Finding], workload: str) -> list[ProposedFix]:
    """Reference the registry credential the namespace holds for the image's registry; none held: create one."""
    refused = next((f for f in findings if f.resource == workload and f.signal == "PullCredentialsMissing"), None)
    if refused is None:
        return []
    namespace, kind, name = parse_resource_id(workload)
    target = f"{KUBECTL_KIND.get(kind, kind.lower())} {name}"
    candidates, registry = list(refused.details.get("candidates") or []), refused.details.get("registry")
    kept = [n for n in refused.details.get("pull_secrets") or [] if n not in (refused.details.get("missing_secrets") or [])]
    if len(candidates) == 1:
        refs = [{"name": n} for n in [*kept, candidates[0]]]
        patch = {"spec": {"template": {"spec": {"imagePullSecrets": refs}}}}
        return [ProposedFix(resource=workload, summary=f"the registry {registry} refuses {name}'s pods without credentials; "
                            f"Secret {candidates[0]} holds credentials for it: reference it in the pod template",
                            commands=[f"kubectl {_ns(namespace)}patch {target} -p '{json.dumps(patch)}'"],
                            evidence=list(refused.evidence))]
    refused_held = [n for n in kept if n in (refused.details.get("covering") or [])]
    if refused_held and not candidates:
        # the pods present a credential for this very registry, and it is refused: its contents are stale (a rotated
        # token, an expired robot account) -- the fix is the credential in that Secret, not another Secret
        held = refused_held[0]
        return [ProposedFix(resource=workload, summary=f"the registry {registry} refuses the credentials {name}'s pods present "
                            f"from Secret {held}: put the registry's current credentials in {held} (the pulls retry on "
                            "their own)",
                            commands=[f"kubectl {_ns(namespace)}create secret docker-registry {held} --docker-server={registry} "
                                      "--docker-username=<registry-user> --docker-password=<registry-password> "
                                      f"--dry-run=client -o yaml | kubectl {_ns(namespace)}apply -f -"],
                            needs="the registry's current user and password (or token)", evidence=list(refused.evidence))]
    secret = "<pull-secret-name>"
    patch = {"spec": {"template": {"spec": {"imagePullSecrets": [*({"name": n} for n in kept), {"name": secret}]}}}}
    why = (f"several Secrets hold credentials for it ({', '.join(candidates)}): choose one" if candidates
           else "no Secret in the namespace holds credentials for it: create one")
    commands = [] if candidates else [
        f"kubectl {_ns(namespace)}create secret docker-registry {secret} --docker-server={registry} "
        "--docker-username=<registry-user> --docker-password=<registry-password>"]
    return [ProposedFix(resource=workload, summary=f"the registry {registry} refuses {name}'s pods without credentials; {why}, "
                        "then reference it in the pod template",
                        commands=[*commands, f"kubectl {_ns(namespace)}patch {target} -p '{json.dumps(patch)}'"],
                        needs="the pull Secret's name" + ("" if candidates else ", the registry's user and password"),
                        evidence=list(refused.evidence))]


def _doubled(capacity: str | None) -> str | None:
    """Twice the capacity, in Gi (rounded up): '20Gi' -> '40Gi'."""
    size = parse_quantity(capacity) if capacity else None
    if size is None or size <= 0:
        return None
    gib = -(-int(size * 2) // (1024 ** 3))
    return f"{gib}Gi"


def claim_growth(findings: list[Finding], claim: str) -> tuple[str, str] | None:
    """A full claim whose StorageClass allows expansion: its capacity and the size to grow it to (twice that)."""
    full = next((f for f in findings if f.resource == claim and f.signal == "VolumeFull"), None)
    bigger = _doubled(full.details.get("capacity")) if full else None
    return (str(full.details["capacity"]), bigger) if full and full.details.get("expandable") and bigger else None


def volume_full_fixes(findings: list[Finding], claim: str) -> list[ProposedFix]:
    full = next((f for f in findings if f.resource == claim and f.signal == "VolumeFull"), None)
    if full is None:
        return []
    namespace, _, name = parse_resource_id(claim)
    capacity = full.details.get("capacity")
    if (growth := claim_growth(findings, claim)) is not None:
        capacity, bigger = growth
        patch = {"spec": {"resources": {"requests": {"storage": bigger}}}}
        return [ProposedFix(resource=claim, summary=f"claim {name} is full ({capacity}) and its StorageClass "
                            f"{full.details.get('storage_class')} allows expansion: grow it to {bigger} (the filesystem grows "
                            "while the pod runs); then find what filled it", commands=[
                                f"kubectl {_ns(namespace)}patch pvc {name} -p '{json.dumps(patch)}'",
                                f"kubectl {_ns(namespace)}get pvc {name} -w"], evidence=list(full.evidence))]
    return [ProposedFix(resource=claim, summary=f"claim {name} is full ({capacity}) and its StorageClass "
                        f"{full.details.get('storage_class')} does not allow expansion: free space on it (what to delete "
                        f"is a human's call), or move the data to a bigger claim", commands=[
                            f"kubectl {_ns(namespace)}exec <pod> -- du -sh {full.details.get('mount', '/')}/*"],
                        needs="the pod and what may be deleted", evidence=list(full.evidence))]


def cloud_role_fixes(findings: list[Finding], account: str) -> list[ProposedFix]:
    """A ServiceAccount whose workload calls AWS and names no IAM role: annotate it with the role, then restart the
    workload -- EKS gives a pod its web identity when the pod is created, never to a running one."""
    lost = next((f for f in findings if f.resource == account and f.signal == "NoCloudRole"), None)
    if lost is None:
        return []
    namespace, _, name = parse_resource_id(account)
    _, kind, workload = parse_resource_id(str(lost.details.get("workload") or ""))
    commands = [f"kubectl {_ns(namespace)}annotate serviceaccount {name} eks.amazonaws.com/role-arn=<role ARN>"]
    if kind in KUBECTL_KIND and workload:
        commands.append(f"kubectl {_ns(namespace)}rollout restart {KUBECTL_KIND[kind]}/{workload}")
    return [ProposedFix(resource=account, summary=f"ServiceAccount {name} names no IAM role, so {workload or 'its pods'} "
                        "run as the node's role and their AWS calls are denied: annotate it with its role, then restart "
                        "the pods", commands=commands, needs="the ARN of the IAM role the workload ran as (the "
                        "infrastructure code or IAM console that created it)", evidence=list(lost.evidence))]
