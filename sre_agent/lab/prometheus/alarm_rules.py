"""A lab alarm as a Prometheus alerting rule: the scenario's CloudWatch alarm (its metric, statistic, period,
threshold, comparison and evaluation periods) written as the PromQL rule an SRE would have over the same scrape
(alarm_rules.yaml), so `lab up --alerts alertmanager` raises the scenario's incident through Prometheus and
Alertmanager instead of CloudWatch and SNS. The rule keeps the alarm's name, so both entries name one incident."""

from __future__ import annotations

from functools import cache
from importlib import resources
from string import Template
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from ..aws.feed import AlarmSpec

COMPARISONS = {"GreaterThanThreshold": ">", "GreaterThanOrEqualToThreshold": ">=", "LessThanThreshold": "<",
               "LessThanOrEqualToThreshold": "<="}
LABELS = {"Namespace": "namespace", "Service": "service", "PodName": "workload"}


@cache
def _templates() -> dict[str, dict[str, str]]:
    return yaml.safe_load(resources.files(__package__).joinpath("alarm_rules.yaml").read_text(encoding="utf-8"))


def alert_rule(alarm: AlarmSpec, severity: str = "critical") -> dict[str, Any] | None:
    """The alerting rule for `alarm`, or None when its metric has no PromQL counterpart here. It fires once the
    alarm's breaching periods have lasted (Prometheus' `for`), as CloudWatch's N-of-M does for N = M."""
    template = _templates().get(alarm.metric_namespace, {}).get(alarm.metric_name)
    if template is None:
        return None
    dims = dict(alarm.dimensions)
    quantity = " ".join(Template(template).safe_substitute({**dims, "period": str(alarm.period),
                                                                         "window": str(3 * alarm.period)}).split())
    periods = alarm.datapoints_to_alarm or alarm.evaluation_periods
    return {"alert": alarm.name, "expr": f"{quantity} {COMPARISONS[alarm.comparison]} {alarm.threshold:g}",
            "for": f"{max(periods - 1, 0) * alarm.period}s",
            "labels": {"severity": severity, **{LABELS[k]: v for k, v in dims.items() if k in LABELS}},
            "annotations": {"summary": alarm.description or alarm.name}}
