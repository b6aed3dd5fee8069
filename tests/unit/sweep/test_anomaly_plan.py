"""The anomaly round's series: alarmed families first, the alarms' own series, then the suspects'
siblings (the alarm's dimensions with the object swapped), in scope, never twice."""

from __future__ import annotations

from sre_agent.sweep.anomaly_plan import MAX_METRIC_FAMILIES, alarm_series, metric_families, sibling_series


def _alarm(state: str, metric: str, namespace: str, service: str, comparison: str = "GreaterThanThreshold") -> dict:
    return {"state": state, "comparison": comparison, "metric": {"namespace": "App", "name": metric, "statistic": "Sum"},
            "dimensions": {"Namespace": namespace, "Service": service}}


ALARMS = [
    _alarm("OK", "Latency", "shop", "cart"),
    _alarm("ALARM", "5xx", "shop", "pay"),
    _alarm("OK", "5xx", "bank", "ledger"),
    _alarm("ALARM", "Queue", "shop", "cart", comparison="LessThanThreshold"),
    {"state": "ALARM", "comparison": "GreaterThanThreshold", "metric": {"namespace": "App"}, "dimensions": {}},  # no name
    _alarm("ALARM", "Odd", "shop", "cart", comparison="Whatever"),  # no direction: skipped
]


def _names(series) -> list[tuple[str, str, str]]:
    return [(metric, dims.get("Namespace", ""), dims.get("Service", "")) for _, metric, dims, _ in series]


def test_alarmed_families_first_and_their_own_series_in_scope():
    families = metric_families(ALARMS)
    assert [(key[1], family["direction"], family["statistic"]) for key, family in families] == [
        ("5xx", "up", "Sum"), ("Queue", "down", "Sum"), ("Latency", "up", "Sum")]
    assert _names(alarm_series(families, None)) == [
        ("5xx", "shop", "pay"), ("5xx", "bank", "ledger"), ("Queue", "shop", "cart"), ("Latency", "shop", "cart")]
    assert _names(alarm_series(families, "bank")) == [("5xx", "bank", "ledger")]


def test_siblings_swap_the_object_and_skip_what_is_planned():
    families = metric_families(ALARMS)
    planned = alarm_series(families, None)
    siblings = sibling_series(families, None, ["shop/Service/pay", "shop/Service/search", "shop/Service/search"],
                              ["shop/Deployment/cart"], planned)
    # A dimension set is asked about once, whichever metric planned it first (the sweep has always
    # done so): shop/pay is an alarm's own, shop/search goes with the first family.
    assert _names(siblings) == [("5xx", "shop", "search")]
    assert sibling_series(families, "bank", ["shop/Service/search"], [], planned) == []


def test_families_are_capped():
    many = [_alarm("ALARM", f"m{i}", "shop", "cart") for i in range(MAX_METRIC_FAMILIES + 3)]
    assert len(metric_families(many)) == MAX_METRIC_FAMILIES
