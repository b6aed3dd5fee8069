"""Which cluster an incident the service takes in is investigated in, decided before it is stored (several clusters
configured; app/cluster_routing.py says how): every CloudWatch alarm (direct, SNS, EventBridge, SQS), Alertmanager
alert, question and sweep problem. The stored incident carries its cluster -- a resumed run comes back in it -- and,
when its account named it, a correlation key that says so (the same alarm name in two accounts is two problems).

One whose cluster cannot be told is stored like any other and ends escalated at once (`Unrouted`: a run recorded
as ended, never queued, with the reason); nothing is read or written in a cluster it would have guessed.

An OK notification finds its incident by correlation key: it is routed as the ALARM it resolves was, so a key routed
by account gets the same suffix. Without clusters configured nothing here changes anything."""

from __future__ import annotations

from typing import Any

from ..app.cluster_routing import route_incident, routed, unrouted_result
from ..app.clusters import ClusterSettings
from ..app.intake import IntakeError, incident_from_alarm
from ..contracts import Incident
from .records import Unrouted


def unrouted_report(incident: Incident, summary: str) -> str:
    return (f"# Not investigated: {incident.title}\n\n**Status:** escalated  \n**Cluster:** none  \n"
            f"**Source:** {incident.source}\n\n{summary}\n")


def _as_firing(alarm: dict[str, Any]) -> dict[str, Any]:
    """The ALARM notification an OK one resolves (the same alarm, dimensions and origin)."""
    if "detail-type" in alarm:
        detail = alarm.get("detail") or {}
        return {**alarm, "detail": {**detail, "state": {**(detail.get("state") or {}), "value": "ALARM"}}}
    return {**alarm, "NewStateValue": "ALARM"}


class IntakeRouting:
    def __init__(self, clusters: list[ClusterSettings] | None = None) -> None:
        self.clusters = list(clusters or [])

    def place(self, incident: Incident) -> tuple[Incident, Unrouted | None]:
        """The incident as it is stored: routed to its cluster, or with the Unrouted ending it gets instead of a run."""
        if not self.clusters:
            if incident.cluster:
                raise IntakeError(f"cluster {incident.cluster!r} was asked for, but this service has no clusters "
                                  "configured (`clusters:` in its config file, docs/clusters.md)")
            return incident, None
        route = route_incident(incident, self.clusters)
        if route.cluster is not None:
            return routed(incident, route), None
        from ..app.runs import new_run_id

        result = unrouted_result(incident, route, new_run_id())
        return incident, Unrouted(run_id=result.run_id, result=result.model_dump(mode="json"),
                                  report=unrouted_report(incident, result.diagnosis.summary),
                                  note=f"investigated in no cluster: {route.why_none}")

    def resolution_key(self, alarm: dict[str, Any], key: str) -> str:
        """The correlation key an OK notification (`alarm`, as payloads.alarm_in returns it) resolves: `key`, routed
        the way the ALARM before it was."""
        if not self.clusters:
            return key
        try:
            firing = incident_from_alarm(_as_firing(alarm))
        except (IntakeError, ValueError):
            return key
        route = route_incident(firing, self.clusters)
        return (routed(firing, route).correlation_key or key) if route.cluster is not None else key
