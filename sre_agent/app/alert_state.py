"""An Alertmanager alert read back where it lives, after a fix: Alertmanager's API v2.

An alert that came in through Alertmanager's webhook has no CloudWatch alarm behind it -- looking its name up
there found nothing, and every such run ended escalated ("alarm ... still unreadable") after a fix that had
worked. Alertmanager keeps each alert, keyed by its fingerprint, until Prometheus stops sending it and its
`endsAt` passes; so the alert is still firing while /api/v2/alerts lists it active, and cleared once it does
not. The service's record of a `resolved` webhook is the other reader (service/resolved_alerts.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx

from ..contracts import Incident
from ..graph.health import AlarmReading

TIMEOUT_S = 5.0


def fingerprint_of(incident: Incident) -> str | None:
    key = incident.correlation_key or ""
    return key.removeprefix("alertmanager:") if key.startswith("alertmanager:") else None


def _matches(alert: dict, fingerprint: str | None, labels: dict[str, str]) -> bool:
    if fingerprint and alert.get("fingerprint") == fingerprint:
        return True
    return bool(labels) and alert.get("labels") == labels


def _seconds_until(moment: str | None) -> float | None:
    try:
        ends = datetime.fromisoformat(str(moment).replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(0.0, (ends - datetime.now(UTC)).total_seconds())


class AlertmanagerAlerts:
    """Reads an alert's state from Alertmanager's API (`alertmanager.url`)."""

    name = "Alertmanager"

    def __init__(self, url: str, timeout_s: float = TIMEOUT_S) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s

    async def read(self, incident: Incident) -> AlarmReading:
        alarm = incident.alarm or {}
        name = str(alarm.get("AlarmName") or "")
        labels = {str(k): str(v) for k, v in (alarm.get("Labels") or {}).items()}
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                response = await client.get(f"{self.url}/api/v2/alerts",
                                            params={"filter": f'alertname="{name}"', "active": "true"})
                response.raise_for_status()
                alerts = response.json()
        except (httpx.HTTPError, json.JSONDecodeError) as exc:
            return AlarmReading(ok=False, state=None, detail=f"Alertmanager at {self.url} could not be read "
                                                            f"({type(exc).__name__}: {str(exc)[:160]})")
        if not isinstance(alerts, list):
            return AlarmReading(ok=False, state=None, detail=f"Alertmanager at {self.url} answered no alert list")
        firing = next((a for a in alerts if isinstance(a, dict) and _matches(a, fingerprint_of(incident), labels)), None)
        if firing is None:
            return AlarmReading(ok=True, state="OK", detail=f"alert {name} is no longer active in Alertmanager")
        # Alertmanager drops it at endsAt unless Prometheus keeps sending it: that long, at most, to clear.
        return AlarmReading(ok=False, state="ALARM", detail=f"alert {name} is still firing in Alertmanager",
                            clear_window_s=_seconds_until(firing.get("endsAt")))
