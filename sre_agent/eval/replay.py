"""`sre-agent eval --replay DIR --brain X`: run a brain on recorded evidence and score it.

Each case's entry opens the same incident the live run opened; the graph runs as in production
(supervisor, specialists, diagnosis, remediation with an approver that approves every proposal),
but every tool call is answered by the case's recording (app/replay_tools.py): no lab, cluster or
AWS account, so a prompt or model change is measured in seconds. Scored like the harness: root
cause category and resource, the case's facts, and each attempted write judged against where a
correct fix may land. Replay misses -- calls the brain made that the recording lacks -- are
reported: many misses mean the recording should capture more, or the brain wandered."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ..app.options import RunOptions
from ..app.replay_tools import ReplayToolbox, shift_times, toolbox_override
from ..app.runs import run_investigation
from ..brains.llm.settings import LlmSettings
from ..contracts import Incident, InvestigationResult, ToolCallRecord, parse_resource_id
from .harness import root_cause_hits
from .replay_case import Expected, LoadedCase, load_case


class ReplayScore(BaseModel):
    id: str
    expected_category: str
    expected_resource: str
    category: str | None = None
    resource: str | None = None
    status: str | None = None
    root_cause_category: bool = False
    root_cause_resource: bool = False
    facts_missing: list[str] = Field(default_factory=list)
    live_category: str
    live_resource: str | None = None
    same_as_live: bool = False  # the replayed diagnosis is the one the recorded brain reached live
    tool_calls: int = 0
    misses: list[str] = Field(default_factory=list)  # "server.tool {args}" not in the recording
    near_matches: int = 0
    attempted_writes: list[str] = Field(default_factory=list)
    false_writes: int = 0  # attempted writes outside where a correct fix may land
    input_tokens: int = 0
    output_tokens: int = 0
    error: str | None = None


class ReplayReport(BaseModel):
    brain: str
    cases: list[ReplayScore]
    root_cause: float
    same_as_live: float
    misses: int
    false_writes: int
    errors: int


def _call_line(record: ToolCallRecord) -> str:
    return f"{record.server}.{record.tool} {record.args}"


def _write_target(args: dict[str, Any]) -> str | None:
    if "node" in args:
        return f"Node/{args['node']}"
    if "namespace" in args and "name" in args:
        return f"{args['namespace']}/{args['name']}"
    return None


def _lands_on_fix(args: dict[str, Any], expected: Expected, tool: str) -> bool:
    instances = args.get("instance_ids") or []
    if instances:
        return set(instances) <= set(expected.fix_instances)
    fix_resources = expected.fix_resources
    target = _write_target(args)
    if target is None:
        return False
    for resource in fix_resources:
        namespace, kind, name = parse_resource_id(resource)
        if target in (f"{kind}/{name}", f"{namespace}/{name}"):
            return True
        if tool == "delete_pod" and target.startswith(f"{namespace}/{name}-"):
            return True
    return False


def _facts_missing(facts: list[str], result: InvestigationResult, findings_text: str) -> list[str]:
    said = f"{result.diagnosis.summary}\n{findings_text}".lower()
    return [fact for fact in facts if fact.lower() not in said]


async def _approve_all(request: dict[str, Any]) -> dict[str, Any]:
    return {"decision": "approved", "by": "eval-replay", "note": "the replay approves every proposal",
            "action_id": request.get("action_id")}


def replay_case(loaded: LoadedCase, *, brain: str = "offline", llm: LlmSettings | None = None) -> ReplayScore:
    case = loaded.case
    row = ReplayScore(id=case.id, expected_category=case.expected.category, expected_resource=case.expected.resource,
                      live_category=case.live.category, live_resource=case.live.resource)
    replay = ReplayToolbox(loaded.tools, loaded.recording)
    incident = Incident.model_validate(shift_times(case.entry.model_dump(mode="json"), replay.time_shift))
    token = toolbox_override.set(lambda options, tracer: replay)
    try:
        with tempfile.TemporaryDirectory(prefix="sre-replay-") as state_dir:
            options = RunOptions(brain=brain, llm=llm or LlmSettings(), remediation="auto", namespaces=case.namespaces,
                                 allow_node_actions=True, ssm_targets=["*"], state_dir=Path(state_dir),
                                 tracing_mode="off", verify_timeout_s=5, verify_poll_s=0.5)
            result, state = asyncio.run(run_investigation(incident, options, approver=_approve_all))
    except Exception as exc:  # one broken case is a row with the error, not a dead run
        row.error = f"{type(exc).__name__}: {exc}"
        return row
    finally:
        toolbox_override.reset(token)
    diagnosis = result.diagnosis
    expected = case.expected
    fault = expected.category != "none"
    findings_text = "\n".join(f"{f.resource} {f.signal} {f.summary}" for f in state.findings)
    row.category, row.resource, row.status = diagnosis.category.value, diagnosis.resource, result.status
    row.root_cause_category, row.root_cause_resource = root_cause_hits(row.category, row.resource, expected.category,
                                                                       expected.resource)
    row.facts_missing = _facts_missing(expected.facts, result, findings_text)
    row.same_as_live = (row.category, row.resource or None) == (case.live.category, case.live.resource or None)
    row.tool_calls = result.tool_calls
    row.misses = [_call_line(r) for r in replay.misses]
    row.near_matches = replay.near_matches
    row.attempted_writes = [_call_line(r) for r in replay.attempted_writes]
    row.false_writes = sum(1 for r in replay.attempted_writes
                           if not fault or not _lands_on_fix(r.args, expected, r.tool))
    row.input_tokens, row.output_tokens = result.llm.input_tokens, result.llm.output_tokens
    return row


def replay_all(directories: list[Path], *, brain: str = "offline", llm: LlmSettings | None = None,
               on_case=None) -> ReplayReport:
    rows = []
    for directory in directories:
        row = replay_case(load_case(directory), brain=brain, llm=llm)
        if on_case:
            on_case(row)
        rows.append(row)
    n = len(rows) or 1
    return ReplayReport(brain=brain, cases=rows,
                        root_cause=round(sum(r.root_cause_category and r.root_cause_resource for r in rows) / n, 4),
                        same_as_live=round(sum(r.same_as_live for r in rows) / n, 4),
                        misses=sum(len(r.misses) for r in rows), false_writes=sum(r.false_writes for r in rows),
                        errors=sum(1 for r in rows if r.error))


def replay_markdown(report: ReplayReport) -> str:
    lines = ["| case | expected | diagnosed | status | RC | same as live | tool calls | misses | near | writes (false) | "
             "tokens in/out |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in report.cases:
        got = f"{r.category} `{r.resource or '-'}`" if not r.error else f"error: {r.error[:80]}"
        lines.append(f"| {r.id} | {r.expected_category} `{r.expected_resource or '-'}` | {got} | {r.status or '-'} | "
                     f"{'yes' if r.root_cause_category and r.root_cause_resource else 'no'} | "
                     f"{'yes' if r.same_as_live else 'no'} | {r.tool_calls} | {len(r.misses)} | {r.near_matches} | "
                     f"{len(r.attempted_writes)} ({r.false_writes}) | {r.input_tokens}/{r.output_tokens} |")
    lines += ["", f"**Replay** ({len(report.cases)} cases, brain `{report.brain}`): root cause {report.root_cause:.0%}, "
              f"same diagnosis as the recorded live run {report.same_as_live:.0%}, replay misses {report.misses}, "
              f"false writes {report.false_writes}, errors {report.errors}"]
    return "\n".join(lines) + "\n"
