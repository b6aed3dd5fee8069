"""The console in a real browser (Debian's headless chromium driven by Playwright), against a real
`sre-agent serve` on a lab whose fix needs a human (bad-image, remediation "approve"):

an alarm comes in; the browser logs in with the token, sees the incident listed, asks the chat what is
broken while the run investigates, opens the incident, sees its
charts (the metric with threshold and onset, the path with the root cause), and waits for the
approval form; a page on another site posts the approval form at the service and is refused, with
nothing changed; then the Approve button is pressed, and the page (kept live by server-sent events)
ends on `remediated`. The finished run's report comes out as one self-contained HTML file, from the
console and from `sre-agent report --html`.

Skipped, saying why, without /usr/bin/chromium (`apt-get install -y chromium`) or the playwright
package. Playwright never downloads a browser here: it launches the Debian one."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from waiting import until as _until

CHROMIUM = os.environ.get("SRE_AGENT_TEST_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[3]
TOKEN = "browser-test-token"
START_S = 180  # the shared MCP servers start before the service listens; slow on a busy machine
RUN_S = 240  # an investigation, or a rollout and its verification
UI_S = 60  # a page, a click

playwright_api = pytest.importorskip("playwright.sync_api", reason="the browser test needs the playwright package "
                                     "(pip install playwright; its browsers are not needed: Debian's chromium is used)")
pytestmark = pytest.mark.skipif(not (os.access(CHROMIUM, os.X_OK) or shutil.which("chromium")),
                                reason=f"no chromium at {CHROMIUM}: apt-get install -y chromium (or set SRE_AGENT_TEST_CHROMIUM)")




class Serve:
    """`sre-agent serve` on a free port of 127.0.0.1, in its own process, against the lab."""

    def __init__(self, env: dict[str, str], state_dir: Path, namespaces: list[str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sre_agent.cli", "serve", "--port", "0", "--token", TOKEN, "--remediation", "approve",
             "--namespaces", ",".join(namespaces), "--state-dir", str(state_dir)],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.url: str | None = None
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.log.append(line.rstrip())
            found = re.search(r"sre-agent serving on (http://\S+)", line)
            if found:
                self.url = found.group(1)

    def ready(self) -> str:
        def listening() -> str | None:
            assert self.proc.poll() is None, f"serve exited {self.proc.returncode}:\n" + "\n".join(self.log[-30:])
            return self.url

        return _until(listening, "serve to listen", START_S)

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.url or "", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@pytest.fixture
def served(tmp_path):
    from sre_agent.lab.lab import Lab
    from sre_agent.lab.trigger import lab_namespaces, scenario_trigger

    lab = Lab().start()
    serve = None
    try:
        lab.load("bad-image")
        lab.run_clock(120)
        base = {k: v for k, v in os.environ.items() if not k.startswith("SRE_AGENT_")}
        env = {**base, **lab.env(), "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
        serve = Serve(env, tmp_path / "state", lab_namespaces(lab))
        serve.ready()
        yield serve, scenario_trigger(lab).alarm, tmp_path / "state"
    finally:
        if serve is not None:
            serve.stop()
        lab.stop()


def _svg_ids(img_src: str) -> set[str]:
    svg = base64.b64decode(img_src.partition("base64,")[2]).decode()
    return set(re.findall(r'\bid="([^"]+)"', svg))


def _charts(page) -> dict[str, str]:
    return {figure.get_attribute("data-chart"): figure.locator("img").get_attribute("src")
            for figure in page.locator("figure.chart").all()}


ATTACKER_PAGE = """<!doctype html><html><body>
<form id="f" method="post" action="{url}/ui/incidents/{incident}/approval">
<input name="decision" value="approved"><input name="action_id" value="{action_id}">
<input name="approval_id" value="{approval_id}"><input name="by" value="attacker"></form>
<script>document.getElementById("f").submit();</script></body></html>"""


def test_list_open_see_charts_refuse_a_cross_site_post_approve_and_watch_it_remediate(served):
    serve, alarm, state_dir = served
    with serve.api() as api:
        created = api.post("/v1/incidents", json=alarm)
    assert created.status_code == 202, created.text
    incident_id = created.json()["incident_id"]

    expect = playwright_api.expect
    with playwright_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"] if os.geteuid() == 0 else [])
        try:
            context = browser.new_context()
            page = context.new_page()
            page.set_default_timeout(UI_S * 1000)

            # Log in: the console sends an unknown browser to its login form, then back where it was going.
            page.goto(f"{serve.url}/ui/incidents")
            assert "/ui/login" in page.url
            page.fill("input[name=token]", TOKEN)
            page.click("button[type=submit]")
            row = page.locator(f"#row-{incident_id}")
            expect(row).to_be_visible()

            # While the run investigates: a question in the chat page, answered over the same servers.
            chat = context.new_page()
            chat.set_default_timeout(RUN_S * 1000)
            chat.goto(f"{serve.url}/ui/chat")
            chat.fill("input[name=question]", "what's broken in shop?")
            chat.click("form.chat button")
            expect(chat.locator("section.turn")).to_have_count(1)
            assert "catalog" in chat.locator("section.turn").inner_text() and "session=chat-" in chat.url
            chat.close()

            # Open it; the page reloads itself (server-sent events) when the run pauses on the approval.
            row.locator("a").click()
            expect(page.locator("#approval")).to_be_visible(timeout=RUN_S * 1000)
            expect(page.locator("#incident-status")).to_have_text("awaiting_approval")
            charts = _charts(page)
            assert {"metric-0", "path", "waterfall"} <= set(charts), charts.keys()
            assert {"threshold", "onset"} <= _svg_ids(charts["metric-0"])
            assert "root-cause" in _svg_ids(charts["path"])
            widths = page.locator("figure.chart img").evaluate_all("images => images.map(i => i.naturalWidth)")
            assert all(width > 0 for width in widths), widths  # the browser decoded every chart
            action_id = page.locator("#action-id").inner_text().strip()

            # Another site posts the approval form at the service (it even knows the ids): refused.
            with serve.api() as api:
                approval_id = api.get(f"/v1/incidents/{incident_id}").json()["pending_approval"]["approval_id"]
            attacker = context.new_page()
            attacker.route("http://attacker.test/**", lambda route: route.fulfill(content_type="text/html", body=ATTACKER_PAGE.format(
                url=serve.url, incident=incident_id, action_id=action_id, approval_id=approval_id)))
            with attacker.expect_response(lambda r: r.url.endswith("/approval")) as refused:
                attacker.goto("http://attacker.test/")
            assert refused.value.status in (401, 403), refused.value.status
            with serve.api() as api:
                assert api.get(f"/v1/incidents/{incident_id}").json()["status"] == "awaiting_approval"
            attacker.close()

            # The Approve button: the exact pinned action, and the page follows the run to its end.
            page.fill("input[name=by]", "browser-test")
            page.click("button.approve")
            expect(page.locator(".flash")).to_contain_text("approved")
            expect(page.locator("#incident-status")).to_have_text("remediated", timeout=RUN_S * 1000)
            finished = _charts(page)
            assert "action" in _svg_ids(finished["metric-0"])  # the finished run's chart marks when it acted
            # One waterfall for the whole run: the step before the pause, the wait for the human, the step after.
            assert any(i.startswith("wait-") for i in _svg_ids(finished["waterfall"])), _svg_ids(finished["waterfall"])

            report = context.request.get(f"{serve.url}/ui/incidents/{incident_id}/report.html")
            assert report.ok and "data:image/svg+xml;base64," in report.text() and "<script" not in report.text()
        finally:
            browser.close()

    # The same report from the command line, in this process (a second interpreter would import the
    # responder again for nothing): one file, charts inline, nothing to fetch.
    from typer.testing import CliRunner

    from sre_agent.cli import app

    written = state_dir.parent / "report.html"
    cli = CliRunner().invoke(app, ["report", incident_id, "--html", "--state-dir", str(state_dir), "-o", str(written)])
    assert cli.exit_code == 0, cli.output
    html = written.read_text()
    assert "remediated" in html and html.count("data:image/svg+xml;base64,") >= 3
    assert not re.search(r'(src|href)="https?:', html)
