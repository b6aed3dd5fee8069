"""A slowness said with no object named ("homepage slow since about 9, why"), where nothing pages: the Service whose
own latency rose and stays up is what the question is about. Read from the apps' latency series (CloudWatch namespace
Application, LatencyP99 per Namespace/Service) through the anomaly detector -- never "nothing is broken" from a sweep
that read no metric, since a sweep reads only the metrics alarms watch."""

from __future__ import annotations

import re

from ..ask import Ask
from .traffic import APP_NAMESPACE, DETECTOR_LOOKBACK_S

SLOW_SAID = re.compile(r"\b(slow\w*|latenc\w*|laggy|lagging|sluggish|takes?\s+forever|crawl\w*|p9\d|timing\s+out|"
                       r"time\s*outs?)\b", re.IGNORECASE)
MAX_SERVICES = 40  # latency series read at most: a question waits for these


async def slowest_service(ask: Ask) -> str | None:
    """The Service (namespace/Service/name) whose latency is up now against its own baseline the most, else None."""
    if not SLOW_SAID.search(ask.question):
        return None
    listed = await ask.call("cloudwatch", "list_metrics", {"namespace": APP_NAMESPACE, "metric_name": "LatencyP99",
                                                           "max_results": 500})
    worst: tuple[float, str] | None = None
    for metric in ((listed.data or {}).get("metrics") or [])[:MAX_SERVICES]:
        dims = metric.get("dimensions") or {}
        namespace, service = dims.get("Namespace"), dims.get("Service")
        if not namespace or not service or (ask.namespace and namespace != ask.namespace):
            continue
        report = await ask.call("cloudwatch", "detect_anomalies", {
            "namespace": APP_NAMESPACE, "metric_name": "LatencyP99", "dimensions": dims,
            "start": f"-{DETECTOR_LOOKBACK_S}s", "statistic": "Average"})
        data = report.data or {}
        median = float(((data.get("baseline") or {}).get("median")) or 0) or 1.0
        for interval in data.get("intervals") or []:
            if interval.get("ongoing") and interval.get("direction", "up") == "up":
                ratio = float(interval.get("max_value") or 0) / median
                if worst is None or ratio > worst[0]:
                    worst = (ratio, f"{namespace}/Service/{service}")
    return worst[1] if worst else None
