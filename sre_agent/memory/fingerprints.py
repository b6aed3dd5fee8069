"""A run's evidence signature, independent of names: which signals its findings raised, the log templates it saw
(names, numbers and ids masked), the fields its rollouts changed and the shapes its metrics took. Two incidents with
the same fault on differently named workloads share most of it -- that is how a fault that moved is recognised."""

from __future__ import annotations

import re

from ..contracts import Finding

# Signals that describe the investigation's own bookkeeping or a healthy read, not the fault: never a fingerprint.
NOT_EVIDENCE = frozenset({"Located", "Backs", "DependsOn", "WorkloadSpec", "TargetResolved", "RunbookMatched",
                          "NoAlarmsFiring", "NamespaceMentioned", "NoRecentJobs"})
TEMPLATE_SIGNALS = frozenset({"NewErrorTemplate", "UpstreamErrors", "ConfigErrorLog"})
METRIC_SIGNALS = frozenset({"ErrorAnomaly", "LatencyAnomaly", "MetricAnomaly", "MemoryRamp", "CpuThrottled",
                            "ErrorsWithTraffic"})
# How an incident was noticed -- the alarm's metric off its baseline, a Service with no ready endpoint -- rather than
# what the fault is: the same fault pages through 5xx on one service and through restarts on another.
SYMPTOM_SIGNALS = frozenset({"ErrorAnomaly", "LatencyAnomaly", "MetricAnomaly", "ErrorsWithTraffic", "AlarmFiring",
                             "NoReadyEndpoints"})
# In a log template: what differs from one workload, pod or request to the next.
_VARIABLE = re.compile(r"""
    "[^"]*" | '[^']*'                         # quoted values
  | \b[\w.-]*\d[\w.:/-]*                       # anything with a digit: counts, ids, versions, addresses
  | \b[a-z][a-z0-9]*(?:[-.][a-z0-9]+)+\b       # dashed or dotted names: hosts, services, pods
""", re.VERBOSE)


def mask_template(text: str) -> str:
    """A log template with its names and numbers replaced by <*>, spaces collapsed, lower case, bounded."""
    masked = _VARIABLE.sub("<*>", text.lower())
    masked = re.sub(r"(?:<\*>[\s,;:]*)+<\*>", "<*>", masked)
    return re.sub(r"\s+", " ", masked).strip()[:160]


def fingerprints(findings: list[Finding]) -> list[str]:
    """The sorted, de-duplicated fingerprints of `findings`: `signal:X` for every finding that bears on a fault,
    `template:...` per masked log template, `changed:field` per field a rollout changed, `metric:Signal:Metric` per
    metric shape."""
    prints: set[str] = set()
    for finding in findings:
        if finding.signal in NOT_EVIDENCE:
            continue
        if finding.severity != "info":
            prints.add(f"signal:{finding.signal}")
        if finding.signal in TEMPLATE_SIGNALS and finding.details.get("template"):
            prints.add("template:" + mask_template(str(finding.details["template"])))
        if finding.signal == "RecentRollout":
            prints.update(f"changed:{field}" for field in finding.details.get("changed") or [])
        if finding.signal in METRIC_SIGNALS:
            metric = finding.details.get("metric")
            prints.add(f"metric:{finding.signal}" + (f":{metric}" if metric else ""))
    return sorted(prints)


def fault_fingerprints(findings: list[Finding], root: str) -> list[str]:
    """What the fault itself looks like, apart from how it was noticed: the fingerprints of the findings on the root
    resource, without the symptoms and metric names (which follow the alarm that paged -- 5xx on one service,
    restarts on another -- not the fault; a saturation such as CPU throttling stays, as its signal). Two incidents
    that share these are the same fault, wherever it happened."""
    prints = fingerprints([f for f in findings if f.resource == root]) if root else []
    return [p for p in prints if not p.startswith("metric:") and p.removeprefix("signal:") not in SYMPTOM_SIGNALS]


def overlap(a: list[str] | set[str], b: list[str] | set[str]) -> float:
    """Jaccard similarity of two fingerprint sets (0 when both are empty)."""
    left, right = set(a), set(b)
    return len(left & right) / len(left | right) if left | right else 0.0
