"""A symptom said with no object named ("homepage slow since about 9, why", "bookings time out"), where nothing pages:
the Service whose own latency (or 5xx count) rose and stays up is what the question is about. Read from the apps' series
(CloudWatch namespace Application, LatencyP99 / 5xxCount per Namespace/Service) through the anomaly detector -- never
"nothing is broken" from a sweep that read no metric, since a sweep reads only the metrics alarms watch. The words are
metric_kinds.said_symptom_metrics, the ranking metric_kinds.symptom_rise: the run's question entry reads and ranks a
symptom the same way (brains/offline/metrics._symptoms)."""

from __future__ import annotations

from ...metric_kinds import said_symptom_metrics, symptom_rise
from ..ask import Ask
from .traffic import APP_NAMESPACE, DETECTOR_LOOKBACK_S

MAX_SERVICES = 40  # series read per metric at most: a question waits for these


FELT = ["LatencyP99", "5xxCount"]  # what a service's users feel, when the question says no symptom of its own


async def symptom_service(ask: Ask, *, unsaid: bool = False) -> str | None:
    """The Service (namespace/Service/name) whose series for the said symptom is up now against its own baseline the
    most, else None (no symptom said, or none shows it). `unsaid`: with no symptom said, what users feel (latency, then
    5xx) is read -- where nothing pages, a service degrading now is what is wrong before any quiet static finding."""
    worst: tuple[float, str] | None = None
    for metric in said_symptom_metrics(ask.question) or (FELT if unsaid else []):
        listed = await ask.call("cloudwatch", "list_metrics", {"namespace": APP_NAMESPACE, "metric_name": metric,
                                                               "max_results": 500})
        for series in ((listed.data or {}).get("metrics") or [])[:MAX_SERVICES]:
            dims = series.get("dimensions") or {}
            namespace, service = dims.get("Namespace"), dims.get("Service")
            if not namespace or not service or (ask.namespace and namespace != ask.namespace):
                continue
            report = await ask.call("cloudwatch", "detect_anomalies", {
                "namespace": APP_NAMESPACE, "metric_name": metric, "dimensions": dims,
                "start": f"-{DETECTOR_LOOKBACK_S}s", "statistic": "Sum" if metric == "5xxCount" else "Average"})
            if (rise := symptom_rise(report.data)) is not None and (worst is None or rise > worst[0]):
                worst = (rise, f"{namespace}/Service/{service}")
        if worst:  # slowness said and seen: the latency answers it; the 5xx series only when no latency rose
            break
    return worst[1] if worst else None
