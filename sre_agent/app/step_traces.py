"""The trace documents of a run's earlier steps, kept in the state dir until the run ends.

The service runs an investigation in steps (app/runs.py step_run): up to an approval pause, then on
from the checkpoint when a human answers (or after a crash). Each step is traced as its own X-Ray
segment, sent when the step ends; the report's waterfall must show the whole run, so the finished
segment document of every step that did not end the run is kept here -- as the tracer serialised it,
no X-Ray call -- and read back by the step that ends it. The later steps continue the first step's
trace id, so X-Ray (and `sre-agent trace`) see the run as one trace too.

One JSON-lines file per run: state_dir/traces/<run>.steps.jsonl, removed when the run's report is
written. A step's document is a few tens of KB (one subsegment per node, tool call and LLM call)."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def _file(state_dir: Path, run_id: str) -> Path:
    return state_dir / "traces" / f"{run_id}.steps.jsonl"


def keep_step(state_dir: Path, run_id: str, document: dict[str, Any] | None, *, ended: float | None = None) -> None:
    """Append a step's segment document; a step still open (taken before the tracer closed it) ends at `ended`."""
    if not document:
        return
    if document.get("end_time") is None:
        document = {**document, "end_time": ended if ended is not None else time.time(), "in_progress": False}
    target = _file(state_dir, run_id)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8") as out:
            out.write(json.dumps(document, separators=(",", ":")) + "\n")
    except OSError as exc:  # the run goes on; its waterfall will start at the next step
        log.warning("the trace of run %s's step could not be kept for its waterfall: %s", run_id, exc)


def earlier_steps(state_dir: Path, run_id: str) -> list[dict[str, Any]]:
    """The kept documents of run `run_id`'s earlier steps, oldest first ([] when none were kept)."""
    try:
        lines = _file(state_dir, run_id).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    documents = []
    for line in lines:
        try:
            document = json.loads(line)
        except ValueError:  # a line cut by a crash mid-write: the steps before it still count
            continue
        if isinstance(document, dict) and "start_time" in document:
            documents.append(document)
    return documents


def trace_id_of(steps: list[dict[str, Any]]) -> str | None:
    """The trace the run's first step opened: later steps add their segments to it."""
    return next((str(d["trace_id"]) for d in steps if d.get("trace_id")), None)


def forget_steps(state_dir: Path, run_id: str) -> None:
    """The run ended and its charts are drawn: its kept steps are no longer needed."""
    _file(state_dir, run_id).unlink(missing_ok=True)
