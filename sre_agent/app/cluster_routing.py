"""Which configured cluster an incident is investigated in: told by what the notification itself says, never
guessed. An alarm whose cluster cannot be told -- or whose signals disagree -- is investigated in none, and says so.

The signals, each a general convention rather than a name of ours:
  * a CloudWatch alarm's dimensions: `ClusterName` (Container Insights, the EKS metrics), `cluster`/`cluster_name`
    (a Prometheus label the CloudWatch agent kept as a dimension);
  * an Alertmanager alert's labels: `cluster` (the usual external label of a federated or remote-write setup),
    `cluster_name`, `k8s_cluster_name` (OpenTelemetry's k8s.cluster.name as a Prometheus label);
  * the account and region the alarm lives in (EventBridge's `account`/`region`, an SNS notification's
    `AWSAccountId`/`AlarmArn`): the cluster configured with that account, when exactly one is;
  * a cluster the caller named (`investigate --cluster`, a chat or a sweep opened for one);
  * no signal and one configured cluster: that one (a single-cluster setup written as a list)."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel

from ..contracts import BackendCheck, Diagnosis, Incident, InvestigationResult
from .clusters import ClusterSettings

DIMENSION_NAMES = ("ClusterName", "cluster", "cluster_name")
LABEL_NAMES = ("cluster", "cluster_name", "k8s_cluster_name")


class ClusterRoute(BaseModel):
    """Where an incident goes: a cluster and the signal that named it, or none and why."""

    cluster: ClusterSettings | None = None
    signal: str = ""  # "its ClusterName dimension", "account 111122223333 (us-east-1)", ...
    why_none: str = ""

    def sentence(self) -> str:
        if self.cluster is not None:
            return f"cluster {self.cluster.name} ({self.signal})"
        return f"investigated in no cluster: {self.why_none}"


def _named(clusters: list[ClusterSettings], name: str) -> ClusterSettings | None:
    return next((c for c in clusters if name in (c.name, c.eks.name if c.eks else None)), None)


def _names_in(incident: Incident) -> list[tuple[str, str]]:
    """(cluster name, the signal that says it) for every cluster name the notification carries."""
    alarm = incident.alarm or {}
    found: list[tuple[str, str]] = []
    dimensions = (alarm.get("Trigger") or {}).get("Dimensions") or {}
    for key in DIMENSION_NAMES:
        if isinstance(dimensions, dict) and dimensions.get(key):
            found.append((str(dimensions[key]), f"its {key} dimension"))
    labels = alarm.get("Labels") or {}
    for key in LABEL_NAMES:
        if isinstance(labels, dict) and labels.get(key):
            found.append((str(labels[key]), f"its {key} label"))
    return found


def _by_account(clusters: list[ClusterSettings], account: str, region: str | None) -> list[ClusterSettings]:
    return [c for c in clusters if c.aws_account == account and (region is None or c.aws_region in (None, region))]


def route_incident(incident: Incident, clusters: Iterable[ClusterSettings]) -> ClusterRoute:
    """The configured cluster `incident` belongs to (see the module docstring for the signals)."""
    clusters = list(clusters)
    known = ", ".join(c.name for c in clusters) or "(none)"
    if incident.cluster:
        chosen = _named(clusters, incident.cluster)
        return ClusterRoute(cluster=chosen, signal="named by the caller") if chosen else ClusterRoute(
            why_none=f"cluster {incident.cluster!r} was asked for, and it is not one of the configured clusters ({known})")
    names = _names_in(incident)
    distinct = sorted({name for name, _ in names})
    if len(distinct) > 1:
        said = "; ".join(f"{signal} says {name}" for name, signal in names)
        return ClusterRoute(why_none=f"its signals name different clusters ({said}); not guessed")
    alarm = incident.alarm or {}
    account, region = alarm.get("AWSAccountId"), alarm.get("Region")
    by_account = _by_account(clusters, str(account), region) if account else []
    if distinct:
        name, signal = next(n for n in names if n[0] == distinct[0])
        chosen = _named(clusters, name)
        if chosen is None:
            return ClusterRoute(why_none=f"{signal} names cluster {name!r}, which is not one of the configured "
                                         f"clusters ({known}): add it to `clusters:` to investigate its alarms")
        if by_account and chosen not in by_account:
            return ClusterRoute(why_none=f"{signal} names cluster {name}, but the alarm is in account {account}, which "
                                         f"is {', '.join(c.name for c in by_account)}'s; not guessed")
        return ClusterRoute(cluster=chosen, signal=signal)
    if len(by_account) == 1:
        return ClusterRoute(cluster=by_account[0], signal=f"account {account}" + (f" ({region})" if region else ""))
    if len(by_account) > 1:
        return ClusterRoute(why_none=f"account {account} is configured for several clusters "
                                     f"({', '.join(c.name for c in by_account)}) and the alarm names none of them")
    if len(clusters) == 1:
        return ClusterRoute(cluster=clusters[0], signal="the only configured cluster")
    what = "alarm" if incident.source == "alarm" else incident.source
    return ClusterRoute(why_none=f"the {what} names no cluster (no ClusterName dimension, cluster label or account of "
                                 f"a configured cluster; configured: {known}); investigating it in one would be a guess")


def routed(incident: Incident, route: ClusterRoute) -> Incident:
    """The incident as investigated in `route`'s cluster: the cluster recorded on it and, when the key does not carry
    it already (a dimension or label named it, and both are in the key), in its correlation key -- the same alarm
    name in two accounts is two problems."""
    if route.cluster is None:
        return incident
    name, key = route.cluster.name, incident.correlation_key
    if key and route.signal.startswith("account") and not key.endswith(f"@{name}"):
        key = f"{key}@{name}"
    return incident.model_copy(update={"cluster": name, "correlation_key": key})


def unrouted_result(incident: Incident, route: ClusterRoute, run_id: str) -> InvestigationResult:
    """What an incident whose cluster cannot be told ends as: escalated, investigated in no cluster, with why -- the
    on-call reads which signal was missing or disagreed, and nothing was read or written in a cluster it guessed."""
    summary = (f"Not investigated: {route.why_none}. A human decides which cluster it belongs to "
               "(`sre-agent investigate --cluster NAME`), or the alarm gets a ClusterName dimension.")
    return InvestigationResult(incident_id=incident.id, run_id=run_id, status="escalated",
                               diagnosis=Diagnosis(summary=summary),
                               coverage=[BackendCheck(backend="kubernetes", status="not_asked",
                                                      reason=f"no cluster: {route.why_none}")])
