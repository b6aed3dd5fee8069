"""Gathering a sweep's evidence through the MCP tools, with a bounded number of calls.

Round 1 (in parallel, one call per question): every analyzer, every alarm, the workload index,
warning events, the runbook list and the log groups. Round 2: anomaly detection on the series of
the metrics the alarms watch (the operators' own key metrics), siblings included, capped
(anomaly_plan.py); the alarms' own series start as soon as the alarms are read, alongside round 1
and the walks, since they need no walk. Round 3: ownership walks from the anchors (Services to the
workloads they select, workloads to their pods, nodes and the upstreams they call), capped.
Round 4: log templates of the workloads under suspicion, capped. Every call's record is kept: the coverage verdict rests on them."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from ..contracts import ToolCallRecord, resource_id
from ..graph.log_sources import is_application_group
from ..graph.ports import ToolOutcome
from .anomaly_plan import MAX_ANOMALY_SERIES, Family, FamilyKey, Series, alarm_series, metric_families, sibling_series
from .evidence import WORKLOAD_KINDS, SweepEvidence, kind_of, namespace_of
from .grouping import INTRINSIC, SERVICE_FAULTS, observations
from .mapping import cluster_of_log_group, in_scope, resource_for_dimensions, workload_for_log_group, workload_for_service_name
from .whole_reads import read_analysis, read_workloads

AGENT = "sweep"
MAX_WALKS = 40
# A slow leaf three hops down shows as latency on every hop: each round detects on the upstreams the last walk
# found and walks the ones that departed, until none is new (or the anomaly cap is reached).
MAX_UPSTREAM_ROUNDS = 3
# Where a slow chain often ends: a workload throttled at its CPU limit. Read for the slow workloads the walks
# reached (their Services' latency departed), Container Insights' series, as the investigation reads it.
THROTTLE_METRIC = ("ContainerInsights", "container_cpu_throttled_ratio")
MAX_THROTTLE_SERIES = 6
MAX_LOG_GROUPS = 10
# Calls in flight per server: the servers run tools in a few threads, and an API server answering big
# lists gains nothing from more at once (measured: 4 concurrent 5,000-pod lists time out on the emulator).
# The limit is the server's: sweeps that share a server share its gates (server_gates) -- a fleet sweep's
# clusters share the CloudWatch server, whose anomaly detection is CPU work in one process; 4 calls in flight
# per cluster made 12 threads contend for its GIL at 3 clusters (measured: 6.7-7.2 CPU-s, 3 in flight 5.1-5.5).
CONCURRENCY = {"kubernetes": 2, "cloudwatch": 4, "ssm": 2}
TEMPLATE_MATCH = re.compile(r"pod template matches: (Deployment|StatefulSet|DaemonSet)/([a-z0-9][a-z0-9.-]*)")

Progress = Callable[[str], None]
Gates = dict[str, asyncio.Semaphore]


def server_gates(servers: Iterable[str]) -> Gates:
    """The in-flight gates of `servers`, for every sweep that calls the same server processes (one event loop)."""
    return {server: asyncio.Semaphore(CONCURRENCY.get(server, 2)) for server in servers}


class Collector:
    def __init__(self, tools: Any, namespace: str | None, progress: Progress | None = None,
                 cluster: str | None = None, gates: Gates | None = None) -> None:
        self.tools = tools
        self.namespace = namespace
        # One cluster of several sharing an AWS account: only its alarms (ClusterName) and its Container Insights
        # log groups are its; an alarm that names no cluster is tied to none of them (`untied`), never guessed.
        self.cluster = cluster
        self.untied: list[str] = []
        self.records: list[ToolCallRecord] = []
        self.counts: dict[str, int] = {}
        self.progress = progress or (lambda _message: None)
        self._gates = {**server_gates(CONCURRENCY), **(gates or {})}  # shared servers: their shared gates
        self.walk_budget = MAX_WALKS
        self.selectors: dict[str, dict[str, dict[str, str]]] = {}  # namespace -> Service -> selector
        self.all_alarms: list[dict[str, Any]] = []
        self.families: list[tuple[FamilyKey, Family]] = []
        self.planned: list[Series] = []  # the alarms' own series
        self.asked: list[Series] = []  # every series anomaly detection was asked about
        self._early_anomalies: asyncio.Future[list[Any]] | None = None
        self.log_groups: list[str] = []
        self.incomplete: dict[str, str] = {}  # backend -> why what it answered is not the whole picture

    async def call(self, server: str, tool: str, args: dict[str, Any]) -> Any:
        async with self._gates.setdefault(server, asyncio.Semaphore(2)):
            outcome: ToolOutcome = await self.tools.call(AGENT, server, tool, args)
        self.records.append(outcome.record)
        return outcome.data if outcome.error is None else None

    def accepts(self, server: str, tool: str, argument: str) -> bool:
        """Whether `server`'s `tool` declares `argument` (as listed when the session opened): an optional argument
        a server of an older version lacks is sent only to one that takes it. Unknown (no listing): not sent."""
        declared = getattr(self.tools, "parameters", None)
        return isinstance(declared, dict) and argument in declared.get((server, tool), ())

    async def gather(self, calls: list[Awaitable[Any]]) -> list[Any]:
        return list(await asyncio.gather(*calls))

    async def collect(self) -> SweepEvidence:
        ev = SweepEvidence(scope=self.namespace or "(cluster)")
        self.progress("reading analyzers, alarms, workloads, events and runbooks")
        try:
            await self._round_one(ev)  # starts anomaly detection on the alarms' own series as soon as they are read
            self.progress(f"{len(ev.findings)} findings, {len(ev.alarms)} alarms; walking ownership and dependencies")
            await self._walks(ev)
        except BaseException:
            if self._early_anomalies is not None:
                self._early_anomalies.cancel()
            raise
        self.progress("looking for anomalies in the alarmed metrics of the suspects and what they call")
        await self._anomalies(ev)
        await self._walks(ev)  # what the anomalies pointed at
        for _round in range(MAX_UPSTREAM_ROUNDS):
            if not await self._upstream_anomalies(ev):
                break
            await self._walks(ev)
        await self._throttling(ev)
        await self._finish_walks(ev)
        self.progress("reading log templates of the workloads under suspicion")
        await self._logs(ev)
        return ev

    async def _alarms_then_anomalies(self) -> Any:
        return self._start_alarm_anomalies(await self.call("cloudwatch", "describe_alarms", {"max_results": 1000}))

    async def _round_one(self, ev: SweepEvidence) -> None:
        ns = self.namespace
        scoped = {"namespace": ns} if ns else {}
        ((findings, pages, partial), alarms, runbooks, groups, events, (workloads, unlisted)) = await self.gather([
            read_analysis(self.call, scoped),
            self._alarms_then_anomalies(),
            self.call("ssm", "list_runbooks", {}),
            self.call("cloudwatch", "describe_log_groups", {"max_results": 1000}),
            self.call("kubernetes", "events", {**scoped, "warnings_only": True, "limit": 1000}),
            read_workloads(self.call, scoped, names_only=self.accepts("kubernetes", "get_resources", "output")),
        ])
        if partial:
            self.incomplete["kubernetes"] = partial
        ev.findings = findings
        # Every alarm says which metrics the operators care about; only those of the scope are reported.
        ev.alarms = [a for a in self.all_alarms if in_scope(a.get("dimensions") or {}, ns)]
        ev.runbooks = (runbooks or {}).get("runbooks") or []
        self.log_groups = [g["name"] for g in (groups or {}).get("log_groups") or []
                           if self.cluster is None or cluster_of_log_group(g["name"]) in (None, self.cluster)]
        for event in (events or {}).get("events") or []:
            if event.get("object") and event.get("first"):
                kind, _, name = event["object"].partition("/")
                rid = resource_id(kind, name, event.get("namespace"))
                if event["first"] < ev.first_seen.get(rid, "~"):
                    ev.first_seen[rid] = event["first"]
        ev.workloads = workloads
        # No pod count: listing every pod again only to count it doubles the sweep's load on a big cluster.
        self.counts = {"findings": len(ev.findings), **({"analysis_pages": pages} if pages > 1 else {}), "alarms": len(ev.alarms),
                       "workloads": len(ev.workloads), **({"workloads_not_listed": unlisted} if unlisted else {})}

    def _start_alarm_anomalies(self, alarms: Any) -> Any:
        """Once the alarms are read: start detecting on their own series (no walk needed for those)."""
        self.all_alarms = [a for a in (alarms or {}).get("alarms") or [] if self._ours(a)]
        self.families = metric_families(self.all_alarms)
        self.planned = alarm_series(self.families, self.namespace)
        self._early_anomalies = asyncio.ensure_future(self._detect(self.planned[:MAX_ANOMALY_SERIES]))
        return alarms

    def _ours(self, alarm: dict[str, Any]) -> bool:
        if self.cluster is None:
            return True
        named = (alarm.get("dimensions") or {}).get("ClusterName")
        if named is None:
            self.untied.append(str(alarm.get("name")))
        return named == self.cluster

    async def _detect(self, series: list[Series]) -> list[Any]:
        return await self.gather([self.call("cloudwatch", "detect_anomalies", {
            "namespace": ns, "metric_name": name, "dimensions": dims, "statistic": family["statistic"],
            "period": family["period"], "start": "-3h"}) for ns, name, dims, family in series])

    async def _anomalies(self, ev: SweepEvidence) -> None:
        """The alarms' series (started with round one), then the same metrics for the suspects and their upstreams."""
        services, workloads = self._suspects(ev)
        siblings = sibling_series(self.families, self.namespace, services, workloads, self.planned)
        series = (self.planned + siblings)[:MAX_ANOMALY_SERIES]
        early = self._early_anomalies or asyncio.ensure_future(self._detect([]))
        self._early_anomalies = None
        from_alarms, from_suspects = await asyncio.gather(early, self._detect(series[len(self.planned):]))
        self._record(ev, series, [*from_alarms, *from_suspects])

    async def _upstream_anomalies(self, ev: SweepEvidence) -> bool:
        """The alarmed metrics of suspects the walks added since the last round; True when one of them departed."""
        services, workloads = self._suspects(ev)
        room = MAX_ANOMALY_SERIES - len(self.asked)
        series = sibling_series(self.families, self.namespace, services, workloads, self.asked)[:max(room, 0)]
        if not series:
            return False
        before = len(ev.anomalies)
        self._record(ev, series, await self._detect(series))
        return any(interval.get("ongoing") for result in ev.anomalies[before:] for interval in result.get("intervals") or [])

    async def _throttling(self, ev: SweepEvidence) -> None:
        """CPU throttling of the workloads behind Services whose latency departed (up, still going)."""
        slow = {ev.service_backing.get(r) for result in ev.anomalies if "latency" in str(result.get("metric") or "").lower()
                and any(i.get("ongoing") and i.get("direction") == "up" for i in result.get("intervals") or [])
                and (r := resource_for_dimensions(result.get("dimensions") or {}, ev.workloads))}
        slow.discard(None)
        if not slow:
            return
        ns, name = THROTTLE_METRIC
        listed = await self.call("cloudwatch", "list_metrics", {"namespace": ns, "metric_name": name, "max_results": 2000})
        family: Family = {"statistic": "Average", "period": 60, "direction": "up", "dims": []}
        series: list[Series] = []
        for metric in (listed or {}).get("metrics") or []:
            owner = resource_for_dimensions(metric.get("dimensions") or {}, ev.workloads)
            if owner in slow and set(metric["dimensions"]) <= {"ClusterName", "Namespace", "PodName"}:
                series.append((ns, name, metric["dimensions"], family))
        series = series[:MAX_THROTTLE_SERIES]
        self._record(ev, series, await self._detect(series))

    def _record(self, ev: SweepEvidence, series: list[Series], results: list[Any]) -> None:
        for (_, _, _, family), result in zip(series, results, strict=True):
            if result:
                ev.anomalies.append({**result, "bad_direction": family["direction"]})
        self.asked += series
        self.counts["metric_series"] = len(self.asked)

    def _suspects(self, ev: SweepEvidence) -> tuple[list[str], list[str]]:
        """Services and workloads under suspicion: the walked ones, what they call and the Services selecting them."""
        services: list[str] = [r for r in ev.walks if kind_of(r) == "Service"]
        workloads: list[str] = [r for r in ev.walks if kind_of(r) in WORKLOAD_KINDS]
        for workload in workloads:
            walk = ev.walks[workload]
            services += [dep["service"] for dep in walk.get("calls") or [] if dep.get("service")]
            services += [resource_id("Service", name, namespace_of(workload)) for name in walk.get("selected_by_services") or []]
        return list(dict.fromkeys(services)), workloads

    def _service_backing_from_findings(self, ev: SweepEvidence, service: str) -> str | None:
        for item in ev.findings:
            if item["resource"] == service:
                for line in item.get("evidence") or []:
                    match = TEMPLATE_MATCH.search(line)
                    if match:
                        return resource_id(match.group(1), match.group(2), namespace_of(service))
        return None

    async def _selectors(self, namespaces: list[str]) -> None:
        """Each namespace's Services and their selectors, listed once per sweep."""
        todo = [n for n in dict.fromkeys(namespaces) if n not in self.selectors]
        listed = await self.gather([self.call("kubernetes", "get_resources", {"kind": "Service", "namespace": n, "limit": 5000})
                                    for n in todo])
        for namespace, result in zip(todo, listed, strict=True):
            self.selectors[namespace] = {row["name"]: row.get("selector") or {} for row in (result or {}).get("items") or []}

    async def _walk_services(self, ev: SweepEvidence, services: list[str]) -> list[str]:
        """Service -> the workload whose pods it selects (one selected pod's owner chain); returns the workloads."""
        await self._selectors([namespace_of(s) or "" for s in services])
        chosen: list[tuple[str, str]] = []
        for service in services:
            namespace, name = namespace_of(service) or "", service.rsplit("/", 1)[1]
            selector = self.selectors.get(namespace, {}).get(name)
            ev.walks[service] = {"selector": selector}
            if selector:
                chosen.append((service, ",".join(f"{k}={v}" for k, v in selector.items())))
        pods = await self.gather([self.call("kubernetes", "get_resources", {
            "kind": "Pod", "namespace": namespace_of(s), "label_selector": sel, "limit": 1}) for s, sel in chosen])
        first = {s: rows[0]["name"] for (s, _), found in zip(chosen, pods, strict=True) if (rows := (found or {}).get("items"))}
        owners = await self.gather([self.call("kubernetes", "ownership", {"kind": "Pod", "name": pod, "namespace": namespace_of(s)})
                                    for s, pod in first.items()])
        for service, owner in zip(first, owners, strict=True):
            chain = (owner or {}).get("owners") or []
            if chain and kind_of(chain[-1]) in WORKLOAD_KINDS:
                ev.service_backing[service] = chain[-1]
        for service in services:
            if service in ev.service_backing:
                continue
            backing = self._service_backing_from_findings(ev, service)
            if backing is None and ev.walks[service].get("selector") is None:  # no such Service: the name may be the workload's
                backing = workload_for_service_name(service, ev.workloads)
            if backing:
                ev.service_backing[service] = backing
        return [ev.service_backing[s] for s in services if s in ev.service_backing]

    async def _walk_workloads(self, ev: SweepEvidence, workloads: list[str]) -> None:
        walked = await self.gather([self.call("kubernetes", "ownership", {
            "kind": kind_of(w), "name": w.rsplit("/", 1)[1], "namespace": namespace_of(w)}) for w in workloads])
        for workload, walk in zip(workloads, walked, strict=True):
            ev.walks[workload] = walk or {}

    async def _walks(self, ev: SweepEvidence) -> None:
        anchored = observations(ev)
        signals: dict[str, set[str]] = {}
        for item in anchored:
            signals.setdefault(item.anchor, set()).add(item.symptom.signal)
        services = [a for a in signals if kind_of(a) == "Service" and not signals[a] & SERVICE_FAULTS]
        workloads = [a for a in signals if kind_of(a) in WORKLOAD_KINDS]
        budget = self.walk_budget
        for _depth in range(4):  # anchors, then the upstreams they call, and theirs
            services = [s for s in dict.fromkeys(services) if s not in ev.walks][:budget]
            budget -= len(services)
            workloads += await self._walk_services(ev, services) if services else []
            workloads = [w for w in dict.fromkeys(workloads) if w not in ev.walks][:max(budget, 0)]
            budget -= len(workloads)
            if not workloads or budget <= 0:
                break
            await self._walk_workloads(ev, workloads)
            services = [dep["service"] for w in workloads for dep in (ev.walks[w].get("calls") or [])
                        if dep.get("service") and (not dep.get("exists") or not dep.get("ready_endpoints")
                                                   or dep["service"] in signals)]
            workloads = []
        self.walk_budget = max(budget, 0)

    async def _finish_walks(self, ev: SweepEvidence) -> None:
        signals: dict[str, set[str]] = {}
        for item in observations(ev):
            signals.setdefault(item.anchor, set()).add(item.symptom.signal)
        nodes = [a for a in signals if kind_of(a) == "Node" and "NodeNotReady" in signals[a]][:5]
        node_walks = await self.gather([self.call("kubernetes", "ownership", {"kind": "Node", "name": n.split("/", 1)[1]})
                                        for n in nodes])
        for node, walk in zip(nodes, node_walks, strict=True):
            ev.walks[node] = walk or {}
        await self._claims_and_rollouts(ev, signals)

    async def _claims_and_rollouts(self, ev: SweepEvidence, signals: dict[str, set[str]]) -> None:
        """Claims mounted by suspects where a claim is broken; rollouts of suspects with no fault of their own."""
        claim_namespaces = {namespace_of(a) for a in signals if kind_of(a) == "PersistentVolumeClaim"}
        suspects = [w for w in ev.walks if kind_of(w) in WORKLOAD_KINDS]
        described = [w for w in suspects if namespace_of(w) in claim_namespaces][:10]
        quiet = [w for w in suspects if kind_of(w) == "Deployment" and not signals.get(w, set()) & INTRINSIC][:10]
        results = await self.gather(
            [self.call("kubernetes", "describe", {"kind": kind_of(w), "name": w.rsplit("/", 1)[1],
                                                  "namespace": namespace_of(w), "events_limit": 0}) for w in described]
            + [self.call("kubernetes", "rollout_history", {"namespace": namespace_of(w), "name": w.rsplit("/", 1)[1]})
               for w in quiet])
        for workload, result in zip(described, results[:len(described)], strict=True):
            template = ((((result or {}).get("object") or {}).get("spec") or {}).get("template") or {}).get("spec") or {}
            ev.claims[workload] = [resource_id("PersistentVolumeClaim", v["persistentVolumeClaim"]["claimName"],
                                               namespace_of(workload))
                                   for v in template.get("volumes") or [] if (v.get("persistentVolumeClaim") or {}).get("claimName")]
        for workload, result in zip(quiet, results[len(described):], strict=True):
            if result:
                ev.rollouts[workload] = result

    async def _logs(self, ev: SweepEvidence) -> None:
        suspects = {w for w in ev.walks if kind_of(w) in WORKLOAD_KINDS} | set(ev.service_backing.values())
        groups: list[tuple[str, str, dict[str, str]]] = [
            (g, w, {}) for g in self.log_groups if (w := workload_for_log_group(g, ev.workloads)) in suspects]
        covered = {w for _, w, _ in groups}
        shared = [g for g in self.log_groups if is_application_group(g)]
        if shared:  # Container Insights: every suspect without a group of its own, read from the shared group
            groups += [(shared[0], w, {"pod_prefix": w.rsplit("/", 1)[1], "namespace": namespace_of(w)})
                       for w in sorted(suspects - covered)]
        groups = groups[:MAX_LOG_GROUPS]
        results = await self.gather([self.call("cloudwatch", "log_patterns",
                                               {"log_groups": [g], "max_templates": 20, **selector})
                                     for g, _, selector in groups])
        for (_, workload, _), result in zip(groups, results, strict=True):
            templates = [t for t in (result or {}).get("templates") or [] if t.get("change") in ("new", "surged")]
            if templates:
                ev.log_templates.setdefault(workload, []).extend(templates)

    async def runbooks(self, ev: SweepEvidence, categories: set[str], unsure: dict[str, str]) -> None:
        """The runbooks the problems need: by category, or searched by symptoms when the category is unsure."""
        ids = sorted({r["id"] for r in ev.runbooks if r.get("category") in categories})
        unsure_items = list(unsure.items())[:5]
        results = await self.gather(
            [self.call("ssm", "get_runbook", {"runbook_id": rid}) for rid in ids]
            + [self.call("ssm", "search_runbooks", {"symptoms": text[:4000], "limit": 3,
                                                 **({"resource_kind": kind_of(root)} if kind_of(root) else {})})
               for root, text in unsure_items])
        for rid, doc in zip(ids, results[:len(ids)], strict=True):
            if doc:
                ev.runbook_docs[rid] = doc.get("runbook") or {}
        hit_ids: set[str] = set()
        for (root, _), found in zip(unsure_items, results[len(ids):], strict=True):
            ev.runbook_hits[root] = (found or {}).get("results") or []
            hit_ids.update(h["id"] for h in ev.runbook_hits[root][:1])
        extra = sorted(hit_ids - set(ev.runbook_docs))
        docs = await self.gather([self.call("ssm", "get_runbook", {"runbook_id": rid}) for rid in extra])
        for rid, doc in zip(extra, docs, strict=True):
            if doc:
                ev.runbook_docs[rid] = doc.get("runbook") or {}
