"""`sre-agent eval --clusters N`: each scenario in a fleet of N labs (lab/fleet.py) -- its fault in one cluster, the
same names healthy in the others -- and the responder configured with all N as its `clusters:`, as a multi-cluster
user configures it. The incident is routed by what its alarm says (app/cluster_routing.py), never by the harness;
writes that reach any other cluster's API server are counted as `wrong_cluster_actions`.

Which cluster holds the fault is drawn from the scenario's id and the seed, so it is not always the first one (a
responder that always picks the first cluster would look right otherwise)."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Literal

from ..app.cluster_routing import route_incident, routed, unrouted_result
from ..app.clusters import ClusterSettings, options_for_cluster
from ..app.intake import incident_for_trigger
from ..app.options import RunOptions
from ..app.runs import new_run_id, run_investigation
from ..brains.llm.settings import LlmSettings
from ..lab.fleet import LabFleet
from ..lab.scenarios.schema import LoadedScenario
from ..lab.trigger import lab_namespaces, scenario_trigger
from .harness import ScenarioScore, _approve_all, _approve_none, _state_dir, error_row, proved_and_kept, score


def fault_cluster(scenario_id: str, seed: int, clusters: int) -> int:
    """The 0-based cluster the fault is placed in: spread over the fleet by the scenario's id and the seed."""
    return int(hashlib.sha256(f"{scenario_id}|{seed}".encode()).hexdigest(), 16) % clusters


def run_scenario_in_fleet(loaded: LoadedScenario, *, clusters: int, brain: str = "offline",
                          llm: LlmSettings | None = None, approvals: Literal["all", "none"] = "all",
                          lab_speed: float = 60.0, verify_timeout_s: float = 60.0, verify_poll_s: float = 2.0,
                          seed: int = 0, prove: bool = True, out_dir: Path | None = None,
                          state_dir: Path | None = None) -> ScenarioScore:
    """One scenario scored in a fleet of `clusters` labs (see the module docstring)."""
    index = fault_cluster(loaded.scenario.id, seed, clusters)
    fleet = LabFleet(clusters, seed=seed)
    try:
        fleet.start()
        fleet.load(loaded, fault_in=index)
        fleet.run_clock(lab_speed)
        lab = fleet.labs[index]
        trigger = scenario_trigger(lab)
        incident = incident_for_trigger(trigger.alarm, trigger.question)
        if trigger.question:  # a question names no alarm: its asker says which cluster, as `--cluster` does
            incident = incident.model_copy(update={"cluster": fleet.names[index]})
        configured = [ClusterSettings.model_validate(c)
                      for c in fleet.clusters_config([lab_namespaces(member) for member in fleet.labs])]
        route = route_incident(incident, configured)
        before = [len(member.api.audit) if member.api else 0 for member in fleet.labs]
        with _state_dir(state_dir) as kept:
            if route.cluster is None:
                result, steps, tool_calls = unrouted_result(incident, route, new_run_id()), 0, []
            else:
                base = RunOptions(allow_node_actions=True, ssm_targets=["*"], state_dir=Path(kept), env=fleet.profiles_env(),
                                  brain=brain, llm=llm or LlmSettings(), remediation="auto",  # type: ignore[arg-type]
                                  verify_timeout_s=verify_timeout_s, verify_poll_s=verify_poll_s, world_speed=lab_speed)
                approver = _approve_all if approvals == "all" else _approve_none
                result, state = asyncio.run(run_investigation(routed(incident, route), options_for_cluster(base, route.cluster),
                                                              approver=approver))
                steps, tool_calls = state.usage.steps, state.tool_calls
            wrong = sum(len(member.api.audit) - before[i] for i, member in enumerate(fleet.labs)
                        if i != index and member.api)
            row = score(loaded, result, lab, steps=steps).model_copy(update={
                "seed": seed, "cluster": route.cluster.name if route.cluster else None,
                "routed_by": route.signal or route.why_none, "wrong_cluster_actions": wrong})
            return proved_and_kept(row, loaded, result, lab, prove=prove, out_dir=out_dir, state_dir=Path(kept),
                                   tool_calls=tool_calls)
    except Exception as exc:  # one broken scenario is a row with the error, not a dead run
        return error_row(loaded, exc, seed)
    finally:
        fleet.stop()
