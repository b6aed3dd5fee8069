"""Summarising X-Ray trace summaries for the `trace_summaries` tool: counts of errors (4xx),
faults (5xx) and throttles (429), response-time percentiles and the slowest traces.

Pure logic over the GetTraceSummaries response shape, so it is testable without a backend."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

# X-Ray filter expressions quote service names with double quotes; anything else in a name is
# refused rather than escaped, so a caller cannot smuggle a second clause into the expression.
SERVICE_NAME = re.compile(r"^[\w.\-:/@ ]{1,200}$")


def service_filter(service: str | None, extra: str | None) -> str | None:
    """The FilterExpression for a service and/or a caller's own expression."""
    parts = []
    if service:
        if not SERVICE_NAME.match(service):
            raise ValueError(f"service {service!r} has characters X-Ray names do not use; "
                             "pass the name exactly as the service map shows it")
        parts.append(f'service("{service}")')
    if extra:
        parts.append(f"({extra})" if service else extra)
    return " AND ".join(parts) or None


def services_of(summary: dict[str, Any]) -> set[str]:
    return {s.get("Name") for s in summary.get("ServiceIds") or [] if s.get("Name")}


def segment_names(trace: dict[str, Any]) -> set[str]:
    """Service names in a BatchGetTraces trace: each segment document's `name`."""
    import json

    names = set()
    for segment in trace.get("Segments") or []:
        try:
            document = json.loads(segment.get("Document") or "{}")
        except ValueError:
            continue
        if document.get("name"):
            names.add(document["name"])
    return names


def _percentile(sorted_values: Sequence[float], q: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return round(sorted_values[index], 4)


def summarize_traces(summaries: Iterable[dict[str, Any]], slowest: int = 10) -> dict[str, Any]:
    """Counts, rates and the `slowest` traces (by response time, then duration)."""
    rows = list(summaries)
    errors = sum(1 for s in rows if s.get("HasError"))
    faults = sum(1 for s in rows if s.get("HasFault"))
    throttles = sum(1 for s in rows if s.get("HasThrottle"))
    times = sorted(float(s.get("ResponseTime") or s.get("Duration") or 0.0) for s in rows)
    total = len(rows)
    ranked = sorted(rows, key=lambda s: (float(s.get("ResponseTime") or 0.0), float(s.get("Duration") or 0.0)),
                    reverse=True)
    return {
        "traces": total,
        "errors": errors,
        "faults": faults,
        "throttles": throttles,
        "error_rate": round((errors + faults) / total, 4) if total else None,
        "response_time_s": {"p50": _percentile(times, 0.5), "p90": _percentile(times, 0.9),
                            "p99": _percentile(times, 0.99), "max": times[-1] if times else None},
        "slowest": [_trace_row(s) for s in ranked[:slowest]],
    }


def _trace_row(summary: dict[str, Any]) -> dict[str, Any]:
    http = summary.get("Http") or {}
    row: dict[str, Any] = {
        "id": summary.get("Id"),
        "response_time_s": summary.get("ResponseTime"),
        "duration_s": summary.get("Duration"),
        "error": bool(summary.get("HasError")),
        "fault": bool(summary.get("HasFault")),
        "throttle": bool(summary.get("HasThrottle")),
    }
    if http:
        row["http"] = {k: http.get(v) for k, v in (("method", "HttpMethod"), ("url", "HttpURL"), ("status", "HttpStatus"))
                       if http.get(v) is not None}
    services = sorted(services_of(summary))
    if services:
        row["services"] = services
    causes = [c.get("Name") for c in summary.get("FaultRootCauses") or [] for c in c.get("Services") or []]
    if causes:
        row["fault_root_causes"] = sorted({c for c in causes if c})
    return row
