"""The postmortem draft of a real run in the lab: `sre-agent postmortem ID` (markdown and --html) and the console's
page, with the impact dated from the alarmed metric, the timeline in order, the action with who approved it, and
the earlier occurrence the memory holds."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient
from typer.testing import CliRunner

from sre_agent.app.options import RunOptions
from sre_agent.cli import app
from sre_agent.console import mount_console
from sre_agent.service.guard import GuardSettings, guard

from .console.standin import BASE, TOKEN, StandInService
from .test_memory_recurrence import CATALOG, investigate, shared  # noqa: F401 -- the module's lab fixture

pytestmark = pytest.mark.slow
SECTIONS = ["## Summary", "## Impact", "## Timeline (UTC)", "## Root cause", "## Actions", "## What went well",
            "## What went badly", "## Earlier occurrences", "## Follow-ups"]


@pytest.fixture(scope="module")
def twice(shared, tmp_path_factory):  # noqa: F811
    """oom-killed investigated twice in one state dir (the second a recurrence with its own incident id)."""
    state_dir = tmp_path_factory.mktemp("postmortem")
    first, _ = investigate(shared, CATALOG["oom-killed"], state_dir)
    (state_dir / "actions.sqlite").unlink()  # see test_memory_recurrence: a lab reset repeats the revision numbers
    second, _ = investigate(shared, CATALOG["oom-killed"], state_dir)
    return state_dir, first, second


def test_the_postmortem_command_drafts_every_section_from_the_run(twice):
    state_dir, _, second = twice
    out = CliRunner().invoke(app, ["postmortem", second.run_id, "--state-dir", str(state_dir)])
    assert out.exit_code == 0, out.output
    text = out.output
    assert [s for s in SECTIONS if s not in text] == []
    assert "Root cause: oom_killed on shop/Deployment/search" in text
    assert re.search(r"Impact from \S+ \S+ UTC to \S+ UTC .*5xxCount peaked at [\d.]+", text)
    timeline = re.findall(r"^- (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) -- (.*)$", text, re.M)
    assert [t for t, _ in timeline] == sorted(t for t, _ in timeline)
    assert any("rollout_undo on shop/Deployment/search, approved by policy" in what for _, what in timeline)
    # the first run is the same alarm (the lab replays it at the same moment): remembered, but not an earlier incident
    assert "The incident memory recognised a recurrence" in text


def test_the_postmortem_as_one_html_page_and_a_clear_error_for_an_unknown_id(twice, tmp_path):
    state_dir, _, second = twice
    target = tmp_path / "pm.html"
    out = CliRunner().invoke(app, ["postmortem", second.incident_id, "--html", "-o", str(target),
                                   "--state-dir", str(state_dir)])
    assert out.exit_code == 0 and target.is_file()
    page = target.read_text()
    assert "<h2>Timeline (UTC)</h2>" in page and "<script" not in page and 'rel="stylesheet"' not in page
    missing = CliRunner().invoke(app, ["postmortem", "inc-nope", "--state-dir", str(state_dir)])
    assert missing.exit_code == 2 and "no finished run of 'inc-nope'" in missing.output


def test_the_console_shows_the_postmortem_and_offers_its_markdown(twice):
    state_dir, _, second = twice

    class Finished(StandInService):
        def view(self, record: str) -> dict:
            return {**super().view(record), "status": "remediated", "pending_approval": None,
                    "result": second.model_dump(mode="json")}

    api = FastAPI()
    mount_console(api, Finished(RunOptions(state_dir=state_dir)))
    guarded = guard(api, GuardSettings(token=TOKEN, allowed_hosts=["127.0.0.1"]))
    with TestClient(guarded, base_url=BASE, follow_redirects=False) as client:
        assert client.post("/ui/login", data={"token": TOKEN}, headers={"Origin": BASE}).status_code == 303
        page = client.get("/ui/incidents/inc-1/postmortem")
        assert page.status_code == 200 and "Postmortem (draft)" in page.text and "rollout_undo" in page.text
        markdown = client.get("/ui/incidents/inc-1/postmortem.md")
        assert markdown.status_code == 200 and markdown.text.startswith("# Postmortem (draft)")
        assert client.get("/ui/incidents/inc-2/postmortem").status_code == 404
