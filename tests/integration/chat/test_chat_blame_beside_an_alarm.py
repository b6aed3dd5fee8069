"""A release blamed while an alarm fires on another object, on a blind set's world (larkmoor, scenarios_heldout28 lk05:
snow-ingest-worker's pods still send a rotated token and get 401s; snow-report-api's release 4.2.1 went out earlier and
logs the rejections it answers). Investigated alone, the blamed API's surge of 401 warnings after its release read as a
regression ("Yes"); weighed against the alarm's investigation, the verdict is no, and the root cause is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import text_of

SET_DIR = Path(__file__).resolve().parents[3] / "sre_agent" / "eval" / "scenarios_heldout28"


@pytest.fixture(scope="module")
def chat(chat_on):
    return chat_on("lk05-snow-ingest-worker-5xx", scenario_dirs=[SET_DIR])


def test_an_innocent_release_is_not_the_culprit_when_the_alarms_investigation_finds_another(chat):
    verdict = chat.ask("is the snow-report-api release the culprit")
    assert verdict.headline.startswith("No"), verdict.headline
    assert "snow/Deployment/snow-ingest-worker" in text_of(verdict) and "stale_credential" in text_of(verdict)


def test_a_healthy_dependency_asked_as_down_is_said_up_with_what_fails(chat):
    answer = chat.ask("snow ingest worker 5xx. is snow report api down?")
    assert answer.headline.startswith("No: snow-report-api is up"), answer.headline
    assert "snow-ingest-worker" in answer.headline and answer.status == "answered"
