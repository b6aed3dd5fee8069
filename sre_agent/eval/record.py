"""`sre-agent eval --record DIR`: run each scenario in the lab and keep what the MCP servers served,
as a replay case (replay_case.py) an LLM brain can later be measured on without a lab.

Per scenario: a fresh lab, the scenario loaded, its alarm fired (or question asked), then the
offline brain investigates through a recording toolbox. Writes are never executed while recording
(remediation `approve`, every proposal rejected): a replay never executes writes either, so a
recording must not hold reads of a world a write has already changed -- a replayed brain would be
shown a fix that never happened.

An LLM may choose other calls than the offline brain. Before the investigation starts, the
recorder also makes the standard reads an SRE (or a model) makes first, on the world as the run
finds it (STANDARD_READS below): the cluster and namespace analysis and warning events, the pods and
deployments of the namespace, describe and ownership of each resource the alarm names, the alarms,
the log groups and the runbook list. They cost one call each on a lab that is already up."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..app.options import RunOptions
from ..app.replay_tools import RecordedTool, Recording, RecordingToolbox, toolbox_override
from ..app.runs import run_investigation
from ..app.wiring import live_toolbox
from ..contracts import Incident, RootCauseCategory, parse_resource_id
from ..lab.lab import Lab
from ..lab.scenarios.schema import LoadedScenario
from ..lab.trigger import lab_namespaces
from .harness import _fix_resources, sandbox_options, scenario_in_lab
from .replay_case import Expected, LiveOutcome, ReplayCase, write_case

RECORDER = "recorder"


def standard_reads(incident: Incident) -> list[tuple[str, str, dict[str, Any]]]:
    """(server, tool, args) of the reads recorded beside the run's own, for the resources the alarm names."""
    namespaces: list[str] = []
    targets: list[tuple[str | None, str, str]] = []
    for affected in incident.affected:
        if affected.count("/") == 0:  # a namespace
            namespaces.append(affected)
            continue
        try:
            namespace, kind, name = parse_resource_id(affected)
        except ValueError:
            continue
        targets.append((namespace, kind, name))
        if namespace:
            namespaces.append(namespace)
    if incident.namespace:
        namespaces.append(incident.namespace)
    reads: list[tuple[str, str, dict[str, Any]]] = [
        ("kubernetes", "analyze", {}), ("kubernetes", "events", {}),
        ("cloudwatch", "describe_alarms", {}), ("cloudwatch", "describe_alarms", {"state": "ALARM"}),
        ("cloudwatch", "describe_log_groups", {}), ("ssm", "list_runbooks", {})]
    for namespace in dict.fromkeys(namespaces):
        reads += [("kubernetes", "analyze", {"namespace": namespace}), ("kubernetes", "events", {"namespace": namespace}),
                  ("kubernetes", "get_resources", {"kind": "Pod", "namespace": namespace}),
                  ("kubernetes", "get_resources", {"kind": "Deployment", "namespace": namespace})]
    for namespace, kind, name in targets:
        where = {"namespace": namespace} if namespace else {}
        reads += [("kubernetes", "describe", {"kind": kind, "name": name, **where}),
                  ("kubernetes", "ownership", {"kind": kind, "name": name, **where})]
    return reads


class StandardReadsRecorder(RecordingToolbox):
    """A recording toolbox that makes the standard reads once its servers are up, before the run."""

    def __init__(self, live: Any, incident: Incident) -> None:
        super().__init__(live)
        self.incident = incident

    async def __aenter__(self) -> StandardReadsRecorder:
        await super().__aenter__()
        offered = {(t.server, t.name): t for t in self.tools}
        for server, tool, args in standard_reads(self.incident):
            known = offered.get((server, tool))
            if known is not None and known.read_only and set(args) <= set(known.input_schema.get("properties") or {}):
                await self.call(RECORDER, server, tool, args, by=RECORDER)
        self.live._counter = 0  # the run's own evidence ids start at ev-1, as they would without the recorder
        return self


def _instances_of(lab: Lab, resources: list[str]) -> list[str]:
    """The EC2 instance ids (from providerID) of the Nodes among `resources`: an SSM write names an instance."""
    nodes = {r.split("/", 1)[1] for r in resources if r.startswith("Node/")}
    return sorted(node["spec"].get("providerID", "").rsplit("/", 1)[-1] for node in lab.store.list("Node")
                  if node["metadata"]["name"] in nodes and node["spec"].get("providerID"))


async def _reject_all(request: dict[str, Any]) -> dict[str, Any]:
    return {"decision": "rejected", "by": "eval-recorder", "note": "nothing is written while recording"}


def record_scenario(loaded: LoadedScenario, cases_dir: Path, *, lab_speed: float = 60.0) -> tuple[ReplayCase, list[RecordedTool]]:
    """Record one scenario into `cases_dir/<id>/`: its case and its calls; returns the case and the tool list."""
    with scenario_in_lab(loaded, lab_speed) as (lab, incident):
        recorders: list[StandardReadsRecorder] = []

        def recorder(options: RunOptions, tracer: Any) -> StandardReadsRecorder:
            recorders.append(StandardReadsRecorder(live_toolbox(options, tracer), incident))
            return recorders[-1]

        namespaces = lab_namespaces(lab)
        instances = _instances_of(lab, _fix_resources(loaded.scenario.truth))
        token = toolbox_override.set(recorder)
        recorded_at = datetime.now(UTC)
        try:
            with tempfile.TemporaryDirectory(prefix="sre-record-") as state_dir:
                options = sandbox_options(lab, Path(state_dir), brain="offline", remediation="approve", tracing_mode="off")
                result, _ = asyncio.run(run_investigation(incident, options, approver=_reject_all))
        finally:
            toolbox_override.reset(token)
    truth = loaded.scenario.truth
    fault = truth.category != RootCauseCategory.NONE
    case = ReplayCase(
        id=loaded.scenario.id, title=loaded.scenario.title, entry=incident, namespaces=namespaces,
        expected=Expected(category=truth.category.value, resource=truth.resource,
                          fix_resources=_fix_resources(truth) if fault else [],
                          fix_instances=instances if fault else []),
        live=LiveOutcome(brain="offline", category=result.diagnosis.category.value, resource=result.diagnosis.resource,
                         status=result.status, tool_calls=result.tool_calls))
    write_case(cases_dir / case.id, case, Recording(recorded_at=recorded_at, calls=recorders[-1].calls))
    return case, recorders[-1].tools
