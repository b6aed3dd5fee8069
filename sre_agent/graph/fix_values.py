"""The value a fix sets, read from the findings' structured details: the selector a Service should
have, the port it should target, the cap an autoscaler should get, the taint a node should lose.

One reading for both uses: graph/fixes.py writes it into the commands a human would run, and the
offline brain's runbook step fills its write's arguments with it (brains/offline/runbooks.py). Each
returns None when the evidence leaves a choice a human has to make -- then nothing is written, and
the proposed fix says what the human supplies."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Any

from ..contracts import Finding, parse_resource_id

AT_MAX = re.compile(r"maxReplicas (\d+)")


def selector_mismatches(findings: list[Finding], service: str) -> list[Finding]:
    return [f for f in findings if f.resource == service and f.signal in ("ServiceSelectorMismatch", "SelectorMismatch")
            and f.details.get("labels")]


def intended_selector(details: dict[str, Any]) -> dict[str, str] | None:
    """The selector's own keys with the values the workload's pods carry -- a typo'd value, or a key the pods
    lack dropped; when the pods carry none of its keys, the workload's own pod selector (its matchLabels: the
    labels every one of its pods has, whatever the release). None when neither is known."""
    selector, labels = details.get("selector") or {}, details.get("labels") or {}
    wanted = {str(k): str(labels[k]) for k in selector if k in labels}
    own = {str(k): str(v) for k, v in (details.get("workload_selector") or {}).items()
           if labels.get(k) == v}  # only labels its pods do carry
    return wanted or own or None


def service_selector_fix(findings: list[Finding], service: str) -> dict[str, str] | None:
    """The selector to write on `service`: only when exactly one workload was the one it was meant for."""
    mismatches = selector_mismatches(findings, service)
    if len({str(f.details.get("workload")) for f in mismatches}) != 1:
        return None
    return intended_selector(mismatches[0].details)


def port_mismatch(findings: list[Finding], service: str) -> dict[str, Any] | None:
    return next((f.details for f in findings if f.resource == service
                 and f.signal in ("ServicePortMismatch", "TargetPortMismatch") and "target_port" in f.details), None)


def declared_number(declared: list[str], target: str) -> str | None:
    """The port a Service should target: the one declared port (name:port/PROTO) -- or the number behind
    a name -- when the pods leave no choice; None when a human has to pick."""
    numbers = {d.split(":")[-1].split("/")[0] for d in declared}
    return next(iter(numbers)) if len(numbers) == 1 and target not in numbers else None


def target_port_fix(findings: list[Finding], service: str) -> tuple[int, int] | None:
    """(Service port, the container port it should target) when the pods declare exactly one."""
    details = port_mismatch(findings, service)
    if details is None or details.get("port") is None:
        return None
    number = declared_number(details.get("declared") or [], str(details["target_port"]))
    return (int(details["port"]), int(number)) if number and number.isdigit() else None


def autoscaler_caps(findings: list[Finding], workload: str) -> list[tuple[str, int, Finding]]:
    """(HPA resource id, its maxReplicas, the finding) for each autoscaler of `workload` pinned at its cap."""
    caps = []
    for finding in findings:
        if finding.resource != workload or finding.signal != "HPAScalingLimited" or finding.severity == "info":
            continue
        bound = AT_MAX.search(finding.summary)
        hpa = str(finding.details.get("object") or "")
        if bound and "/HorizontalPodAutoscaler/" in hpa:
            caps.append((hpa, int(bound.group(1)), finding))
    return caps


def raised_cap(current: int) -> int:
    """Twice the cap: room for a surge that already saturates it (the quota and nodes still bound it)."""
    return current * 2


def parse_taint(taint: str) -> tuple[str, str, str]:
    """'key=value:Effect' or 'key:Effect' (a node row's taint) -> (key, value -- "" when none --, Effect)."""
    body, _, effect = taint.rpartition(":")
    key, _, value = body.partition("=")
    return key, value, effect


# Taints Kubernetes itself sets and lifts with a node's condition (not-ready, unreachable, memory-pressure, ... and a
# cloud node not yet initialised): never left behind by a person -- removing one hides the condition, the node's own
# fault stays (its kubelet, its instance).
CONDITION_TAINT = re.compile(r"^node\.(?:cloudprovider\.)?kubernetes\.io/")


def leftover_taint(findings: list[Finding], node: str) -> tuple[str, Finding] | None:
    """The taint `node` alone in its group carries and the pending pods do not tolerate, with its finding -- never one
    of the taints Kubernetes sets for a node's condition."""
    name = parse_resource_id(node)[2] if "/" in node else node
    return next(((str(f.details.get("taint")), f) for f in findings
                 if f.signal == "UntoleratedTaint" and name in (f.details.get("odd_nodes") or [])
                 and not CONDITION_TAINT.match(str(f.details.get("taint")))), None)


# The scheduler's verdict per node group: "0/7 nodes are available: 4 Insufficient nvidia.com/gpu, 2 node(s) had
# untolerated taint {dedicated: stateful}, ..." -- how many nodes each reason rules out.
SCHEDULER_VERDICT = re.compile(r"nodes are available: (.*?)(?:\. preemption:|\.?$)")
SCHEDULER_REASON = re.compile(r"(\d+) (?:node\(s\) )?([^,]+)")


def blockers(message: str) -> list[tuple[int, str]]:
    """The reasons the scheduler gave, most nodes first."""
    verdict = SCHEDULER_VERDICT.search(message)
    reasons = [(int(n), reason.strip()) for n, reason in SCHEDULER_REASON.findall(verdict.group(1))] if verdict else []
    return sorted(reasons, key=lambda r: -r[0])


def lone_cordon(finding: Finding) -> bool:
    """A CordonedNodes finding about the one node the pods may use (not one of several, nor one in a full pool):
    that node's fault, where the others are the workload's."""
    return len(finding.details.get("nodes") or []) == 1 and not finding.details.get("full")


def leftover_cordon(findings: list[Finding], node: str) -> Finding | None:
    """The finding that `node` is cordoned and is the only node the pending pods may run on."""
    name = parse_resource_id(node)[2] if "/" in node else node
    return next((f for f in findings if f.signal == "CordonedNodes" and f.details.get("nodes") == [name]
                 and lone_cordon(f)), None)


def cordons_in_the_way(findings: list[Finding], workload: str) -> list[tuple[str, Finding]]:
    """(node, finding) for each cordoned node the pending pods of `workload` may use -- several cordoned, or one
    while the rest are full (one cordoned alone is that node's fault: leftover_cordon)."""
    return [(str(node), f) for f in findings if f.signal == "CordonedNodes" and f.resource == workload
            and not lone_cordon(f) for node in f.details.get("nodes") or []]


def nearest_storage_class(wanted: str | None, classes: list[str]) -> str | None:
    """The existing StorageClass a claim asking for a missing one most likely meant: the one whose name is nearest
    (a typo, "gp3-encrpyted" -> gp3-encrypted; a short form, "efs" -> efs-shared). None when no name is near or two are
    as near -- a human picks."""
    if not wanted or not classes:
        return None

    def nearness(name: str) -> float:
        ratio = SequenceMatcher(None, wanted.lower(), name.lower()).ratio()
        return max(ratio, 0.8) if name.lower().startswith(wanted.lower()) or wanted.lower().startswith(name.lower()) else ratio

    ranked = sorted(((nearness(c), c) for c in classes), reverse=True)
    if ranked[0][0] < 0.5 or (len(ranked) > 1 and ranked[1][0] == ranked[0][0]):
        return None
    return ranked[0][1]
