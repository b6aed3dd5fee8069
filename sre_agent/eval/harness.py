"""The evaluation harness: run the full responder on scenarios and score it against their truth.

Per scenario: a fresh lab, the scenario loaded, its alarm fired (or question asked), the responder
run with `remediation: auto` and an approver standing in for the on-call human (who approves the
proposals by default: the score then measures whether the proposals were right). Scored as the
field scores agents (AIOpsLab / ITBench): detection, root-cause category and resource, mitigation
verified in the lab's world state, false actions, time to diagnosis and mitigation, steps, tool
calls, tokens and cost. This module is the only reader of a scenario's `truth`."""

from __future__ import annotations

import asyncio
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from ..app.intake import incident_for_trigger
from ..app.options import RunOptions
from ..app.runs import run_investigation
from ..app.servers import ServerConnection
from ..brains.llm.settings import LlmSettings
from ..contracts import Incident, InvestigationResult, RootCauseCategory, parse_resource_id, resource_id
from ..graph.state import MetricsSource
from ..lab.lab import Lab
from ..lab.prometheus_stack import for_metrics_source
from ..lab.scenarios.schema import LoadedScenario
from ..lab.trigger import lab_namespaces, scenario_trigger
from .fix_proof import FixProof, prove_fixes
from .world_check import fault_cleared


class ScenarioScore(BaseModel):
    id: str
    title: str
    expected_category: str
    expected_resource: str
    category: str | None = None
    resource: str | None = None
    status: str | None = None
    detection: bool = False
    root_cause_category: bool = False
    root_cause_resource: bool = False
    mitigation: bool | None = None  # None: nothing to mitigate (no-fault scenario)
    mitigation_detail: str = ""
    # Not mitigated, but the run named the fix a human makes on an object a correct fix changes
    # (the proposed fix's resource is the root cause or one the truth's remediation touches) -- a name match,
    # kept for comparison with older reports; fix_verified is the figure that counts.
    fix_proposed: bool | None = None
    # Not mitigated: did the proposed fixes, pasted into a fresh copy of the world, clear the fault (fix_proof.py)?
    # None with a fix_proof reason: could not check.
    fix_verified: bool | None = None
    fix_proof: str = ""
    proposed_fixes: list[str] = []
    false_actions: int = 0
    double_actions: int = 0  # the same write on the same target more than once in one run
    redacted: int = 0  # secret-shaped values the servers masked in the run's tool results
    actions: list[str] = []
    time_to_diagnosis_s: float | None = None
    time_to_mitigation_s: float | None = None
    steps: int = 0
    tool_calls: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    error: str | None = None
    seed: int = 0  # the lab world's seed (its uids, names and telemetry jitter)
    # eval --clusters N: the cluster the run was routed to (and by what), and the writes that reached any other one
    # (counted by those clusters' API servers, whatever the responder reported).
    cluster: str | None = None
    routed_by: str = ""
    wrong_cluster_actions: int = 0


class Totals(BaseModel):
    scenarios: int
    detection: float
    root_cause: float
    root_cause_category: float
    root_cause_resource: float
    mitigation: float | None
    mitigation_or_fix: float | None = None  # mitigated, or a fix proposed on the right object (a name match)
    mitigation_or_fix_verified: float | None = None  # mitigated, or the proposed fix cleared the fault in a copy
    false_actions: int
    double_actions: int = 0
    wrong_cluster_actions: int = 0
    median_time_to_diagnosis_s: float | None
    errors: int


class EvalReport(BaseModel):
    brain: str
    repeat: int
    metrics: str = "cloudwatch"  # where the Metrics agent read workload series (eval --metrics)
    clusters: int = 1  # eval --clusters: each scenario in a fleet of this many clusters, its fault in one
    scenarios: list[ScenarioScore]
    totals: Totals
    # Scenarios whose verdict (root cause, mitigation, fix, false actions) was not the same in every run:
    # with the offline brain each run is another world seed, so these verdicts hang on noise.
    unstable: list[str] = []


def verdict(row: ScenarioScore) -> tuple:
    """What a run concluded and did, as scored -- the parts a repeat must reproduce (not timings or counts)."""
    return (row.category, row.resource, row.mitigation, row.fix_verified, row.false_actions, bool(row.error))


def unstable(rows: list[ScenarioScore]) -> list[str]:
    """Ids of scenarios run more than once whose runs reached different verdicts, in first-seen order."""
    seen: dict[str, set[tuple]] = {}
    for row in rows:
        seen.setdefault(row.id, set()).add(verdict(row))
    return [sid for sid, verdicts in seen.items() if len(verdicts) > 1]


def _target_of(action_args: dict[str, Any], lab: Lab) -> str | None:
    """Which resource a write touched, for the false-action check."""
    if "node" in action_args:
        return resource_id("Node", action_args["node"])
    for instance in action_args.get("instance_ids") or []:
        for node in lab.store.list("Node"):
            if node["spec"].get("providerID", "").endswith(instance):
                return resource_id("Node", node["metadata"]["name"])
    if "namespace" in action_args and "name" in action_args:
        return f"{action_args['namespace']}/{action_args['name']}"
    return None


def _fix_resources(truth) -> list[str]:
    """Where a correct fix may write: the root cause, what the truth's remediations touch, and what
    the scenario says a fix may also change."""
    resources = [truth.resource, *truth.fix_may_touch]
    for step in truth.remediations:
        if step.resource:
            resources.append(step.resource)
        if step.node:
            resources.append(resource_id("Node", step.node))
        if step.manifest:
            meta = step.manifest.get("metadata") or {}
            resources.append(resource_id(step.manifest.get("kind"), meta.get("name"), meta.get("namespace")))
    return [r for r in resources if r]


def _same_target(target: str | None, resources: list[str], *, pod: bool = False) -> bool:
    """Is `target` (`namespace/name`, or `Kind/name` for a node) one of `resources` -- or, for a pod,
    one of a listed workload's pods (named after it, as its controller names them)?"""
    if target is None:
        return False
    for resource in resources:
        namespace, kind, name = parse_resource_id(resource)
        if target in (f"{kind}/{name}", f"{namespace}/{name}"):
            return True
        if pod and kind in OWNING_KINDS and target.startswith(f"{namespace}/{name}-"):
            return True
    return False


OWNING_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet")


def _fix_proposed(result: InvestigationResult, allowed: list[str]) -> bool:
    return any(fix.resource in allowed for fix in result.proposed_fixes)


def root_cause_hits(category: str, resource: str | None, expected_category: str, expected_resource: str) -> tuple[bool, bool]:
    """(category right, resource right) by the root-cause rule: with no fault expected, the resource is right
    when no fault was diagnosed either."""
    fault = expected_category != RootCauseCategory.NONE
    return category == expected_category, (resource == expected_resource) if fault else category == RootCauseCategory.NONE


def score(loaded: LoadedScenario, result: InvestigationResult, lab: Lab, steps: int) -> ScenarioScore:
    truth = loaded.scenario.truth
    fault = truth.category != RootCauseCategory.NONE
    diagnosis = result.diagnosis
    got_fault = diagnosis.category != RootCauseCategory.NONE
    writes = [a for a in result.actions if not a.dry_run and not a.result.startswith("not repeated")]
    allowed = _fix_resources(truth)
    false_actions = sum(1 for a in writes
                        if not fault or not _same_target(_target_of(a.args, lab), allowed, pod=a.tool == "delete_pod"))
    targets = [(a.tool, _target_of(a.args, lab)) for a in writes]
    double_actions = len(targets) - len(set(targets))
    mitigation, detail = (None, "no fault")
    if fault:
        deadline = time.monotonic() + 15
        mitigation, detail = fault_cleared(lab, truth.resource)
        while not mitigation and writes and time.monotonic() < deadline:
            time.sleep(1)
            lab.tick()
            mitigation, detail = fault_cleared(lab, truth.resource)
    category_hit, resource_hit = root_cause_hits(diagnosis.category, diagnosis.resource, truth.category, truth.resource)
    return ScenarioScore(
        id=loaded.scenario.id, title=loaded.scenario.title, expected_category=truth.category.value,
        expected_resource=truth.resource, category=diagnosis.category.value, resource=diagnosis.resource,
        status=result.status, detection=got_fault == fault,
        root_cause_category=category_hit, root_cause_resource=resource_hit,
        mitigation=mitigation, mitigation_detail=detail,
        fix_proposed=None if not fault or mitigation else _fix_proposed(result, allowed),
        proposed_fixes=[f"{fix.resource}: {' && '.join(c for c in fix.commands if not c.startswith('#'))}"[:300]
                        for fix in result.proposed_fixes],
        false_actions=false_actions, double_actions=double_actions,
        redacted=result.redacted,
        actions=[f"{a.tool} {a.args}" for a in writes], time_to_diagnosis_s=result.time_to_diagnosis_s,
        time_to_mitigation_s=result.duration_s if mitigation and result.status == "remediated" else None,
        steps=steps, tool_calls=result.tool_calls, tokens=result.llm.input_tokens + result.llm.output_tokens,
        cost_usd=result.llm.cost_usd)


async def _approve_all(request: dict[str, Any]) -> dict[str, Any]:
    return {"decision": "approved", "by": "eval-harness", "note": "the harness approves every proposal",
            "action_id": request.get("action_id")}


async def _approve_none(request: dict[str, Any]) -> dict[str, Any]:
    return {"decision": "rejected", "by": "eval-harness", "note": "the harness rejects every proposal"}


@contextmanager
def scenario_in_lab(loaded: LoadedScenario, lab_speed: float, lab: Lab | None = None,
                    seed: int = 0, prometheus_history: bool = False) -> Iterator[tuple[Lab, Incident]]:
    """A lab holding the scenario, its clock running, and the incident its alarm or question raises: a fresh
    lab that stops on the way out, or `lab` (started by the caller, who keeps it) reset for this scenario.
    Shared by scoring a run and recording one. `seed` draws a fresh lab's uids and names, hence its noise.
    `prometheus_history`: also write the history for a Prometheus to backfill (prometheus_stack.for_metrics_source)."""
    own = lab is None
    lab = Lab(seed=seed).start() if lab is None else (lab.reset() if lab.scenario is not None else lab)
    lab.record_prometheus_history = prometheus_history
    try:
        lab.load(loaded)
        lab.run_clock(lab_speed)
        trigger = scenario_trigger(lab)
        yield lab, incident_for_trigger(trigger.alarm, trigger.question)
    finally:
        if own:
            lab.stop()


def sandbox_options(lab: Lab, state_dir: Path, **fields: Any) -> RunOptions:
    """Run options for the lab: every namespace it holds, node and SSM actions allowed -- the lab is a sandbox."""
    return RunOptions(namespaces=lab_namespaces(lab), allow_node_actions=True, ssm_targets=["*"], state_dir=state_dir,
                      env=lab.env(), **fields)


def run_scenario(loaded: LoadedScenario, *, brain: str = "offline", llm: LlmSettings | None = None,
                 approvals: Literal["all", "none"] = "all",
                 lab_speed: float = 60.0, verify_timeout_s: float = 60.0, verify_poll_s: float = 2.0,
                 lab: Lab | None = None, servers: dict[str, ServerConnection] | None = None,
                 seed: int = 0, prove: bool = True, out_dir: Path | None = None,
                 state_dir: Path | None = None, metrics: MetricsSource = "cloudwatch") -> ScenarioScore:
    """One scenario scored: in a fresh lab (its world drawn with `seed`) over the run's own stdio servers, or in
    `lab` (reset) over `servers` already started against it -- how the tests run the catalog without a lab and
    three servers per scenario. A fault left unmitigated has its proposed fixes pasted into a fresh copy of the
    world (`prove`, fix_proof.py). `out_dir` keeps the run's report, result, tool calls and the proof. `state_dir`:
    the run's state dir (its memory, ledger, reports), kept by the caller -- by default a fresh one per run.
    `metrics`: where the Metrics agent reads -- prometheus or both start Debian's Prometheus on the lab, its
    history backfilled (lab/prometheus_stack.for_metrics_source)."""
    try:
        with scenario_in_lab(loaded, lab_speed, lab, seed, prometheus_history=metrics != "cloudwatch") as (lab, incident):
            with _state_dir(state_dir) as state_dir, for_metrics_source(lab, metrics, Path(state_dir)) as prometheus_url:
                options = sandbox_options(lab, Path(state_dir), brain=brain, llm=llm or LlmSettings(), remediation="auto",
                                          verify_timeout_s=verify_timeout_s, verify_poll_s=verify_poll_s,
                                          world_speed=lab_speed, metrics_source=metrics, prometheus_url=prometheus_url,
                                          **({"servers": servers} if servers else {}))
                approver = _approve_all if approvals == "all" else _approve_none
                result, state = asyncio.run(run_investigation(incident, options, approver=approver))
                row = score(loaded, result, lab, steps=state.usage.steps).model_copy(update={"seed": seed})
                return proved_and_kept(row, loaded, result, lab, prove=prove, out_dir=out_dir,
                                       state_dir=Path(state_dir), tool_calls=state.tool_calls)
    except Exception as exc:  # one broken scenario is a row with the error, not a dead run
        return error_row(loaded, exc, seed)


def proved_and_kept(row: ScenarioScore, loaded: LoadedScenario, result: InvestigationResult, lab: Lab, *, prove: bool,
                    out_dir: Path | None, state_dir: Path, tool_calls: list) -> ScenarioScore:
    """A scored run finished: an unmitigated fault's proposed fixes pasted into a fresh copy of the world (`prove`,
    fix_proof.py), and with `out_dir` the run kept (keep_run)."""
    proof = prove_fixes(loaded, result.proposed_fixes, lab) if prove and row.mitigation is False else None
    if proof is not None:
        row = row.model_copy(update={"fix_verified": proof.verified, "fix_proof": proof.reason})
    if out_dir is not None:
        keep_run(out_dir / (loaded.scenario.id + (f".seed{row.seed}" if row.seed else "")), state_dir, tool_calls, row, proof)
    return row


def error_row(loaded: LoadedScenario, exc: Exception, seed: int) -> ScenarioScore:
    """A scenario that could not be run: a row with the error, not a dead evaluation."""
    truth = loaded.scenario.truth
    return ScenarioScore(id=loaded.scenario.id, title=loaded.scenario.title, expected_category=truth.category.value,
                         expected_resource=truth.resource, error=f"{type(exc).__name__}: {exc}", seed=seed)


@contextmanager
def _state_dir(kept: Path | None) -> Iterator[str]:
    if kept is not None:
        yield str(kept)
        return
    with tempfile.TemporaryDirectory(prefix="sre-eval-") as fresh:
        yield fresh


def keep_run(directory: Path, state_dir: Path, tool_calls: list, row: ScenarioScore, proof: FixProof | None) -> None:
    """What `eval --out` keeps of one run: the report and result (with its charts), every tool call, the score
    and, when the fixes were pasted into a copy of the world, each command and what it printed."""
    directory.mkdir(parents=True, exist_ok=True)
    for path in (state_dir / "reports").glob("*"):  # the charts keep their names: the report links to them
        shutil.copyfile(path, directory / (f"report{path.suffix}" if path.suffix in (".md", ".json") else path.name))
    (directory / "tool_calls.json").write_text(json.dumps([c.model_dump(mode="json") for c in tool_calls], indent=2))
    (directory / "score.json").write_text(row.model_dump_json(indent=2))
    if proof is not None:
        (directory / "fix_proof.json").write_text(proof.model_dump_json(indent=2))


def totals(rows: list[ScenarioScore]) -> Totals:
    n = len(rows) or 1
    fault_rows = [r for r in rows if r.mitigation is not None]
    ttd = [r.time_to_diagnosis_s for r in rows if r.time_to_diagnosis_s is not None]
    return Totals(
        scenarios=len(rows), detection=round(sum(r.detection for r in rows) / n, 4),
        root_cause=round(sum(r.root_cause_category and r.root_cause_resource for r in rows) / n, 4),
        root_cause_category=round(sum(r.root_cause_category for r in rows) / n, 4),
        root_cause_resource=round(sum(r.root_cause_resource for r in rows) / n, 4),
        mitigation=round(sum(bool(r.mitigation) for r in fault_rows) / len(fault_rows), 4) if fault_rows else None,
        mitigation_or_fix=round(sum(bool(r.mitigation or r.fix_proposed) for r in fault_rows) / len(fault_rows), 4)
        if fault_rows else None,
        mitigation_or_fix_verified=round(sum(bool(r.mitigation or r.fix_verified) for r in fault_rows) / len(fault_rows), 4)
        if fault_rows else None,
        false_actions=sum(r.false_actions for r in rows), double_actions=sum(r.double_actions for r in rows),
        wrong_cluster_actions=sum(r.wrong_cluster_actions for r in rows),
        median_time_to_diagnosis_s=round(statistics.median(ttd), 3) if ttd else None,
        errors=sum(1 for r in rows if r.error))


def markdown_table(report: EvalReport) -> str:
    lines = ["| scenario | expected | diagnosed | status | RC | mitigated | fix verified | false actions | TTD s | tool calls "
             "| redacted |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in report.scenarios:
        got = f"{r.category} `{r.resource or '-'}`" if not r.error else f"error: {r.error[:60]}"
        mitigated = "-" if r.mitigation is None else ("yes" if r.mitigation else "no")
        ttd = f"{r.time_to_diagnosis_s:.2f}" if r.time_to_diagnosis_s is not None else "-"
        proved = "-" if r.fix_verified is None else ("yes" if r.fix_verified else f"no: {r.fix_proof[:90]}")
        lines.append(f"| {r.id} | {r.expected_category} `{r.expected_resource or '-'}` | {got} | {r.status or '-'} | "
                     f"{'yes' if r.root_cause_category and r.root_cause_resource else 'no'} | {mitigated} | "
                     f"{proved.replace('|', '/')} | {r.false_actions} | {ttd} | {r.tool_calls} | {r.redacted} |")
    t = report.totals
    mitigation = f"{t.mitigation:.0%}" if t.mitigation is not None else "-"
    proven = f"{t.mitigation_or_fix_verified:.0%}" if t.mitigation_or_fix_verified is not None else "-"
    named = f"{t.mitigation_or_fix:.0%}" if t.mitigation_or_fix is not None else "-"
    lines += ["", f"**Totals** ({t.scenarios} runs, brain `{report.brain}`, metrics `{report.metrics}`): detection {t.detection:.0%}, "
              f"root cause {t.root_cause:.0%} (category {t.root_cause_category:.0%}, resource {t.root_cause_resource:.0%}), "
              f"mitigation {mitigation} (or a proposed fix that cleared the fault in a copy of the world: {proven}; "
              f"a fix named on the right object: {named}), "
              f"false actions {t.false_actions}, double actions {t.double_actions}, "
              + (f"wrong-cluster actions {t.wrong_cluster_actions} ({report.clusters} clusters), " if report.clusters > 1 else "") +
              f"median time to diagnosis {t.median_time_to_diagnosis_s}s, errors {t.errors}"]
    if report.repeat > 1:
        changed = ", ".join(report.unstable) or "none"
        lines.append(f"\n**Stability** ({report.repeat} runs per scenario, world seeds 0-{report.repeat - 1}): "
                     f"{len(report.unstable)} of {len({r.id for r in report.scenarios})} scenarios changed verdict "
                     f"between runs: {changed}")
    return "\n".join(lines) + "\n"
