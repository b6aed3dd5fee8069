"""The `sre-agent` command as a user meets it: real subprocesses, real labs, real exit codes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sre_agent.lab.lab import Lab

CLI = [sys.executable, "-m", "sre_agent.cli"]


def run(*args: str, timeout: float = 300, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, cwd=cwd, stdin=subprocess.DEVNULL)


def test_help_teaches_the_commands():
    result = run("--help")
    assert result.returncode == 0
    for command in ("investigate", "demo", "chat", "sweep", "eval", "trace", "lab", "bench", "runbooks"):
        assert command in result.stdout


def test_investigate_a_scenario_prints_the_result_json(tmp_path):
    result = run("investigate", "--scenario", "crash-missing-env", "--remediation", "auto", "--json",
                 "--state-dir", str(tmp_path),
                 env={"SRE_AGENT_POLICY_VERIFY_POLL_S": "1"})  # the same two healthy checks in a row, a second apart
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads(result.stdout)
    assert set(data) >= {"incident_id", "run_id", "status", "diagnosis", "actions", "agents_invoked", "tool_calls", "llm",
                         "duration_s", "time_to_diagnosis_s", "trace_id", "report_path"}
    assert data["status"] == "remediated"
    assert data["diagnosis"]["category"] == "crash_missing_config"
    assert data["diagnosis"]["evidence"] and all(e["source_tool"] for e in data["diagnosis"]["evidence"])
    assert Path(data["report_path"]).exists() and Path(data["report_path"]).name == f"{data['run_id']}.md"
    # live progress goes to stderr: agent, tool and elapsed time
    assert "supervisor -> kubernetes" in result.stderr and "kubernetes.describe" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["investigate"], "give exactly one of --alarm-file, --prompt or --scenario"),
    (["investigate", "--prompt", "x", "--remediation", "sometimes"],
     "policy.remediation / SRE_AGENT_POLICY_REMEDIATION: Input should be 'auto', 'approve' or 'off' (got 'sometimes')"),
    (["investigate", "--alarm-file", "/nonexistent/alarm.json"], "cannot read alarm file /nonexistent/alarm.json"),
    (["investigate", "--scenario", "no-such-scenario"], "no scenario 'no-such-scenario'"),
])
def test_bad_input_says_what_is_wrong(args, message, tmp_path):
    result = run(*args, "--state-dir", str(tmp_path))
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_an_alarm_file_that_is_not_an_alarm_is_refused(tmp_path):
    alarm = tmp_path / "alarm.json"
    alarm.write_text(json.dumps({"hello": "world"}))
    result = run("investigate", "--alarm-file", str(alarm), "--state-dir", str(tmp_path))
    assert result.returncode == 2 and "not a CloudWatch alarm: no AlarmName" in result.stderr


def test_an_alarm_file_back_to_ok_starts_nothing(tmp_path):
    alarm = tmp_path / "alarm.json"
    alarm.write_text(json.dumps({"AlarmName": "frontend-5xx", "NewStateValue": "OK", "NewStateReason": "recovered"}))
    state = tmp_path / "state"
    result = run("investigate", "--alarm-file", str(alarm), "--state-dir", str(state), timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "alarm frontend-5xx is back to OK (recovered)" in result.stdout
    assert "resolved/annotated, no investigation started" in result.stdout
    assert "investigating" not in result.stderr and not (state / "checkpoints.sqlite").exists()


def test_eval_writes_the_scored_json(tmp_path):
    out = tmp_path / "eval.json"
    # --entry alarm: the scored JSON this test reads (the sweep and chat entries have their own tests)
    result = run("eval", "--only", "healthy-baseline", "--entry", "alarm", "--json", str(out), "--out", str(tmp_path / "runs"),
                 timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    kept = tmp_path / "runs" / "healthy-baseline"  # --out: the run's report, result, tool calls and score
    assert {"report.md", "report.json", "tool_calls.json", "score.json"} <= {p.name for p in kept.iterdir()}
    assert json.loads((kept / "tool_calls.json").read_text()) and "## Root cause" in (kept / "report.md").read_text()
    report = json.loads(out.read_text())
    assert set(report["totals"]) >= {"scenarios", "detection", "root_cause", "mitigation", "false_actions",
                                     "median_time_to_diagnosis_s"}
    row = report["scenarios"][0]
    assert row["id"] == "healthy-baseline" and row["detection"] is True and row["false_actions"] == 0
    assert "| healthy-baseline |" in result.stdout


def test_eval_over_another_set_skips_the_chat_cases_about_scenarios_it_does_not_hold():
    scenarios = Path(__file__).resolve().parent / "scenarios"  # no catalog scenario: the built-in chat cases name them
    result = run("eval", "--scenarios", str(scenarios), "--entry", "chat")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "[chat] skipped" in result.stderr
    assert "no chat cases over these scenarios" in result.stderr


def test_eval_refuses_unknown_scenarios():
    result = run("eval", "--only", "nope")
    assert result.returncode == 2 and "unknown scenario ids: ['nope']" in result.stderr


def test_runbooks_publish_then_list_and_show_against_aws(tmp_path):
    lab = Lab(history_minutes=10).start()
    try:
        env = lab.env()
        published = run("runbooks", "publish", env=env)
        assert published.returncode == 0, published.stderr
        library = len(list((Path(__file__).resolve().parents[2] / "infra" / "runbooks").glob("*.yaml")))
        assert f"published {library} runbooks" in published.stdout
        listed = run("runbooks", "list", "--json", env=env)
        ids = {row["id"] for row in json.loads(listed.stdout)}
        assert {"bad_image", "oom_killed", "node_failure"} <= ids
        shown = run("runbooks", "show", "bad_image", env=env)
        assert json.loads(shown.stdout)["category"] == "bad_image"
        missing = run("runbooks", "show", "nope", env=env)
        assert missing.returncode == 1 and "no published runbook 'nope'" in missing.stderr
    finally:
        lab.stop()


def test_lab_up_serves_until_sigterm_and_status_and_inject_reach_it(tmp_path):
    env_file = tmp_path / "lab.env"
    proc = subprocess.Popen([*CLI, "lab", "up", "--scenario", "healthy-baseline", "--env-file", str(env_file),
                             "--history-minutes", "20"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not env_file.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.5)
        assert env_file.exists(), proc.stderr.read() if proc.poll() is not None else "lab up did not write its env file"
        text = env_file.read_text()
        assert "export KUBECONFIG=" in text and "export AWS_ENDPOINT_URL=http://127.0.0.1:" in text
        status = run("lab", "status", "--env-file", str(env_file), "--json")
        assert status.returncode == 0 and json.loads(status.stdout)["scenario"] == "healthy-baseline"
        injected = run("lab", "inject", "bad-image", "--env-file", str(env_file))
        assert injected.returncode == 0, injected.stderr
        time.sleep(2)
        unhealthy = json.loads(run("lab", "status", "--env-file", str(env_file), "--json").stdout)["unhealthy_pods"]
        assert any("catalog" in line for line in unhealthy)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "lab stopped" in out
