"""Following an investigation through, on a blind set's world (larkspur, scenarios_heldout3): a regression that came
in two revisions ago (ls13: reading-ingest 5.2.0, then a harmless env change on top) must not be "fixed" by a
rollback onto 5.2.0; a distractor asked about ("X is crashlooping too, is it related?") is not the incident but has a
fault of its own (ls16); a readiness-probe-only rollout (ls12) is not blamed on the image it did not change, "that
pod" is the unready one, and "fix the readiness probe port" is the pinned rollback past that rollout."""

from __future__ import annotations

from pathlib import Path

import pytest

from sre_agent.lab.lab import Lab
from sre_agent.lab.scenarios.loader import load_scenarios
from sre_agent.lab.world.images import load_catalog

from .conftest import Chat, text_of

SET_DIR = Path(__file__).resolve().parents[3] / "sre_agent" / "eval" / "scenarios_heldout3"


# History the lab simulates before "now": ls13's first release is two hours back; the others' faults are recent.
HISTORY = {"ls13-ingest-errors-two-releases": 180}


def _chat(scenario: str, tmp: Path):
    lab = Lab(history_minutes=HISTORY.get(scenario, 60)).start()
    lab.load(load_scenarios(load_catalog(), [SET_DIR])[scenario])
    return lab, Chat(lab, tmp)


@pytest.fixture
def world(request, tmp_path):
    lab, session = _chat(request.param, tmp_path)
    yield session
    session.close()
    lab.stop()


@pytest.mark.parametrize("world", ["ls13-ingest-errors-two-releases"], indirect=True)
def test_a_rollback_goes_back_past_the_revision_the_symptom_began_with(world):
    world.ask("metering-reading-ingest-5xx is firing, whats broken")
    safe = world.ask("if i roll back once where does it land, was that rev good?")
    assert "rollback target: revision 1" in text_of(safe) and "revision 2 (reading-ingest:5.2.0) is the one" in text_of(safe)
    undo = world.ask("roll it back to the last good version")
    assert undo.status == "approval_required" and undo.approval.args["to_revision"] == 1


@pytest.mark.parametrize("world", ["ls16-tariff-engine-setting-renamed"], indirect=True)
def test_a_distractor_asked_about_is_not_the_incident_and_its_own_fault_is_named(world):
    verdict = world.ask("heatmap-renderer is crashlooping too, is it related?")
    assert verdict.headline.startswith("No: the root cause is billing/Deployment/tariff-engine")
    assert "heatmap-renderer has a fault of its own" in verdict.headline and "MAPBOX_STYLE_URL" in text_of(verdict)
    crashing = world.ask("whats crashlooping in analytics")
    assert "last logged before it exited" in text_of(crashing) and "MAPBOX_STYLE_URL" in text_of(crashing)


@pytest.mark.parametrize("world", ["ls12-usage-api-readiness-port"], indirect=True)
def test_a_probe_only_rollout_is_not_the_images_fault_and_fix_means_undo_it(world):
    world.ask("metering-usage-api-unavailable whats wrong")
    image = world.ask("is the new image to blame?")
    assert image.headline.startswith("No: no rollout changed") and "usage-api:6.0.3" in image.headline
    events = world.ask("events for that pod")
    assert "Readiness probe failed" in text_of(events)
    fix = world.ask("fix the readiness probe port")
    assert fix.status == "approval_required" and fix.approval.tool == "rollout_undo"
