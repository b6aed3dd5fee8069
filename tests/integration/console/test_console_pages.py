"""The console's other pages and the report command, without a lab: sweeps ranked with what is new
since the previous sweep, the chat page, and `sre-agent report --html` from the reports directory
that `sre-agent investigate` writes (one self-contained file), or a clear error."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from sre_agent.cli import app
from sre_agent.contracts import Diagnosis, InvestigationResult, RootCauseCategory
from sre_agent.sweep.history import save
from sre_agent.sweep.models import Problem, SweepReport

from .standin import BASE, TOKEN, StandInService


def _login(client) -> None:
    response = client.post("/ui/login", data={"token": TOKEN}, headers={"Origin": BASE})
    assert response.status_code == 303


def _problem(resource: str, severity: str = "warning") -> Problem:
    return Problem(resource=resource, severity=severity, summary=f"{resource} is unwell")


def test_the_sweeps_page_ranks_problems_and_marks_the_new_ones(client, service):
    start = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)
    save(SweepReport(scope="shop", started_at=start, status="problems",
                     problems=[_problem("shop/Deployment/catalog"), _problem("shop/Deployment/cart")]), service.options.state_dir)
    save(SweepReport(scope="shop", started_at=start + timedelta(hours=1), status="problems",
                     problems=[_problem("shop/Deployment/payment", "critical"), _problem("shop/Deployment/catalog")]),
         service.options.state_dir)
    _login(client)
    page = client.get("/ui/sweeps")
    assert page.status_code == 200
    rows = re.findall(r"<tr( class=\"new\")?>\s*<td>(\d)</td>.*?<code>([^<]+)</code>", page.text, re.S)
    assert [(bool(new), rank, resource) for new, rank, resource in rows] == [
        (True, "1", "shop/Deployment/payment"), (False, "2", "shop/Deployment/catalog")]
    assert "1 new and 1 resolved" in page.text and "shop/Deployment/cart" in page.text


def test_the_chat_page_offers_a_new_conversation_and_ignores_a_malformed_session_id(client):
    _login(client)
    page = client.get("/ui/chat", params={"session": "../../etc/passwd"})
    assert page.status_code == 200 and 'name="question"' in page.text and "Conversation" not in page.text
    empty = client.post("/ui/chat", data={"question": " ", "csrf_token": re.search(
        r'name="csrf_token" value="([^"]+)"', page.text).group(1)}, headers={"Origin": BASE})
    assert empty.status_code == 422 and "Ask a question first" in empty.text


def _investigated(state_dir) -> InvestigationResult:
    reports = state_dir / "reports"
    reports.mkdir(parents=True)
    result = InvestigationResult(incident_id="inc-cli-1", run_id="run-20261122T180000Z-0000abcd", status="escalated",
                                 diagnosis=Diagnosis(category=RootCauseCategory.BAD_IMAGE, resource="shop/Deployment/catalog",
                                                     summary="image tag <does-not-exist>", confidence=0.9))
    (reports / f"{result.run_id}.json").write_text(result.model_dump_json())
    (reports / f"{result.run_id}.md").write_text("# Incident inc-cli-1\n\nescalated\n")
    return result


def test_report_html_from_the_reports_directory_is_one_self_contained_file(tmp_path):
    result = _investigated(tmp_path / "state")
    out = tmp_path / "ticket.html"
    cli = CliRunner().invoke(app, ["report", result.incident_id, "--html", "--state-dir", str(tmp_path / "state"), "-o", str(out)])
    assert cli.exit_code == 0, cli.output
    assert f"wrote {out}" in cli.output
    html = out.read_text()
    assert "escalated" in html and "shop/Deployment/catalog" in html and "&lt;does-not-exist&gt;" in html
    assert "<style>" in html and "<script" not in html and not re.search(r'(src|href)="(?!data:)', html)
    markdown = CliRunner().invoke(app, ["report", result.run_id, "--state-dir", str(tmp_path / "state")])
    assert markdown.exit_code == 0 and markdown.output.startswith("# Incident inc-cli-1")


def test_report_of_an_unknown_incident_says_what_to_give_instead(tmp_path):
    cli = CliRunner().invoke(app, ["report", "inc-nope", "--html", "--state-dir", str(tmp_path)])
    assert cli.exit_code == 2 and "no run of 'inc-nope'" in cli.output and "Traceback" not in cli.output


def test_an_incident_page_shows_its_root_cause_group(client, service):
    _login(client)
    grouped = {"root_key": "https://k8s shop/Deployment/catalog bad_image", "leader": "inc-0", "members": ["inc-1", "inc-2"],
               "outcome": None}
    service.view = lambda record: {**StandInService.view(service, record), "group": grouped}
    page = client.get("/ui/incidents/inc-1")
    assert page.status_code == 200 and "One root cause, 3 alarms" in page.text
    assert 'joined <a href="/ui/incidents/inc-0">inc-0</a>, which holds the approval and the action' in page.text
