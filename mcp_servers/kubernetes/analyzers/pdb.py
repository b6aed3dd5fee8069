"""PodDisruptionBudget analyzer, ported from k8sgpt pkg/analyzer/pdb.go: a budget whose
DisruptionAllowed condition is False blocks every voluntary eviction (a node drain hangs on it);
the finding names the labels the budget expects its pods to carry. A null selector matches no
pods and can block nothing; an empty one matches every pod in the namespace. From k8sgpt's
older event-based version: a NoPods event means the selector matches nothing."""

from __future__ import annotations

from .base import Finding, make_finding
from .describe import describe_condition, describe_event
from .labels import is_empty_selector
from .view import ClusterView, KubeObject, name_of, namespace_of, spec_of, status_of

_OPERATOR_WORDS = {"In": "in", "NotIn": "not in", "Exists": "exists", "DoesNotExist": "does not exist"}


def expected_labels(selector: dict) -> list[str]:
    """`label1=test1`, `app in (web)`, `app does not exist` -- k8sgpt's wording per requirement."""
    texts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expression in selector.get("matchExpressions") or []:
        operator = expression.get("operator") or ""
        text = f"{expression.get('key')} {_OPERATOR_WORDS.get(operator, operator.lower())}"
        if expression.get("values"):
            text += f" ({', '.join(expression['values'])})"
        texts.append(text)
    return texts


def _disruption_blocked(pdb: KubeObject) -> list[Finding]:
    status = status_of(pdb)
    condition = next((c for c in status.get("conditions") or [] if c.get("type") == "DisruptionAllowed"), None)
    selector = spec_of(pdb).get("selector")
    if condition is None or condition.get("status") != "False" or selector is None:
        return []
    reason = condition.get("reason") or "DisruptionNotAllowed"
    if is_empty_selector(selector):
        texts = [f"{reason}, selector {{}} selects every pod in namespace {namespace_of(pdb)}"]
    else:
        texts = [f"{reason}, expected pdb pod label {text}" for text in expected_labels(selector)]
    budget = ", ".join(f"{field}={spec_of(pdb)[field]}" for field in ("minAvailable", "maxUnavailable") if field in spec_of(pdb))
    health = f"{status.get('currentHealthy', 0)} healthy, {status.get('desiredHealthy', 0)} required"
    return [make_finding(
        "PodDisruptionBudget", pdb, "warning", "DisruptionBlocked",
        f"PodDisruptionBudget allows no voluntary disruptions ({health}); {'; '.join(texts)}",
        [describe_condition(condition),
         f"spec: {budget}" if budget else None, f"status.disruptionsAllowed={status.get('disruptionsAllowed', 0)}"],
    )]


def _no_pods(view: ClusterView, pdb: KubeObject) -> list[Finding]:
    event = view.latest_event("PodDisruptionBudget", name_of(pdb), namespace_of(pdb))
    if event is None or event.get("reason") != "NoPods" or not event.get("message"):
        return []
    selector = spec_of(pdb).get("selector")
    texts = [f"expected label {text}" for text in expected_labels(selector)] if selector else ["selector is nil"]
    return [make_finding("PodDisruptionBudget", pdb, "warning", "NoPodsMatch",
                         f"{event['message']}, {', '.join(texts)}", [describe_event(event)])]


class PodDisruptionBudgetAnalyzer:
    kind = "PodDisruptionBudget"
    reads: frozenset[str] = frozenset()

    def analyze(self, view: ClusterView) -> list[Finding]:
        findings: list[Finding] = []
        for pdb in view.of_kind("PodDisruptionBudget"):
            findings += _disruption_blocked(pdb)
            findings += _no_pods(view, pdb)
        return findings
