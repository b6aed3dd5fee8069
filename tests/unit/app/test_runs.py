"""Runs: every investigation has its own id; resuming names a run that exists, or says what to pass."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from sre_agent.app.options import RunOptions
from sre_agent.app.runs import checkpointed_run, new_run_id


def test_run_ids_are_unique_even_within_one_second():
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    ids = {new_run_id(now) for _ in range(200)}
    assert len(ids) == 200 and all(i.startswith("run-20260301T120000Z-") for i in ids)


def test_resuming_an_unknown_run_says_what_resume_takes(tmp_path):
    with pytest.raises(LookupError, match="no run 'run-nope' in the checkpoints in .*resume takes the run id"):
        asyncio.run(checkpointed_run("run-nope", RunOptions(state_dir=tmp_path)))
