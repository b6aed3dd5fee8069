"""A replay case on disk: one directory per scenario, recorded from a real run against the lab.

    <cases>/tools.json            the tool list with schemas and annotations, as the servers served it
                                  (shared by every case recorded together; a case may carry its own)
    <cases>/<id>/case.json        the entry (the Incident the alarm or question opened), the expected
                                  answer (category, resource, fix resources, facts -- from the scenario's
                                  truth), and what the recording brain concluded live
    <cases>/<id>/calls.json       every tool call's server, name, arguments and full structured result

Data, not code: a case can be read, diffed, trimmed or written by hand. Only sre_agent/eval reads
`expected`; the replay toolbox (app/replay_tools.py) gets the tool list and the calls, nothing else."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field

from ..app.replay_tools import RecordedCall, RecordedTool, Recording
from ..contracts import Incident

CATALOG_CASES = Path(__file__).parent / "replay_cases"  # the built-in catalog, recorded
CASE_FILE = "case.json"
CALLS_FILE = "calls.json"
TOOLS_FILE = "tools.json"


class Expected(BaseModel):
    category: str
    resource: str = ""
    fix_resources: list[str] = Field(default_factory=list)  # where a correct write may land
    fix_instances: list[str] = Field(default_factory=list)  # EC2 instance ids of the Nodes among them (SSM writes)
    facts: list[str] = Field(default_factory=list)  # words the diagnosis (summary or findings) must contain


class LiveOutcome(BaseModel):
    """What the brain that was recorded concluded in the live run."""

    brain: str
    category: str
    resource: str | None = None
    status: str
    tool_calls: int


class ReplayCase(BaseModel):
    id: str
    title: str
    entry: Incident
    namespaces: list[str] = Field(default_factory=list)  # the sandbox's namespaces (the remediation policy's scope)
    expected: Expected
    live: LiveOutcome


class LoadedCase(BaseModel):
    case: ReplayCase
    recording: Recording
    tools: list[RecordedTool]
    directory: Path


def without_repeats(calls: list[RecordedCall]) -> list[RecordedCall]:
    """The calls minus those that repeat the answer the same call got last time: the replay serves a
    repeated call the next recorded answer, then the last one again, so nothing it serves changes."""
    last: dict[str, str] = {}
    kept = []
    for call in calls:
        key = json.dumps([call.server, call.tool, call.args], sort_keys=True, default=str)
        answer = json.dumps([call.data, call.error], sort_keys=True, default=str)
        if last.get(key) != answer:
            kept.append(call)
        last[key] = answer
    return kept


def write_case(directory: Path, case: ReplayCase, recording: Recording) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / CASE_FILE).write_text(case.model_dump_json(indent=1, exclude_none=True) + "\n")
    # One call per line: a re-recorded case diffs call by call, and the file stays compact.
    # Keys in the order the server sent them: a brain may render a result as it came (no sort_keys).
    lines = [json.dumps(call.model_dump(exclude_none=True), default=str) for call in without_repeats(recording.calls)]
    (directory / CALLS_FILE).write_text('{"recorded_at": ' + json.dumps(recording.recorded_at.isoformat())
                                        + ', "calls": [\n' + ",\n".join(lines) + "\n]}\n")


def write_tools(directory: Path, tools: list[RecordedTool]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(tool.model_dump()) for tool in tools]
    (directory / TOOLS_FILE).write_text("[\n" + ",\n".join(lines) + "\n]\n")


def _tools_for(directory: Path) -> list[RecordedTool]:
    for path in (directory / TOOLS_FILE, directory.parent / TOOLS_FILE):
        if path.exists():
            return [RecordedTool.model_validate(t) for t in json.loads(path.read_text())]
    raise FileNotFoundError(f"no {TOOLS_FILE} in {directory} or {directory.parent}: record the case again "
                            "(sre-agent eval --record DIR)")


def load_case(directory: Path) -> LoadedCase:
    case = ReplayCase.model_validate_json((directory / CASE_FILE).read_text())
    recording = Recording.model_validate_json((directory / CALLS_FILE).read_text())
    return LoadedCase(case=case, recording=recording, tools=_tools_for(directory), directory=directory)


def case_dirs(root: Path, only: list[str] | None = None) -> list[Path]:
    """The case directories under `root` (or `root` itself when it is one), sorted by id."""
    if (root / CASE_FILE).exists():
        return [root]
    found = sorted(p.parent for p in root.glob(f"*/{CASE_FILE}"))
    return [p for p in found if not only or p.name in only]
