"""The chat REPL as an on-call engineer meets it: a real pseudo-terminal (pexpect), the real CLI, the
real MCP servers, a lab in another process. A follow-up uses the previous turn's resource, Ctrl-C
cancels an answer but not the session, /help works, Ctrl-D exits 0, and no traceback is ever shown."""

from __future__ import annotations

import os
import sys
import time

import pytest

pexpect = pytest.importorskip("pexpect")

PROMPT = "sre-agent> "


@pytest.fixture(scope="module")
def lab():
    """One lab process for the module: chat only reads (a write is an approval request it never runs),
    so both REPL sessions can meet the same world, and it starts once."""
    from .conftest import LabProcess

    started = LabProcess("bad-deploy-regression")
    yield started
    started.stop()


def _spawn(env: dict[str, str], state_dir, *args: str):
    child = pexpect.spawn(sys.executable, ["-m", "sre_agent.cli", "chat", "--state-dir", str(state_dir), *args],
                          env={**os.environ, **env, "TERM": "dumb"}, encoding="utf-8", timeout=240,
                          dimensions=(50, 400))
    child.expect_exact(PROMPT)
    return child


def test_a_conversation_with_follow_ups_cancel_help_and_ctrl_d(lab, tmp_path):
    child = _spawn(lab.env, tmp_path)
    transcript = [child.before]

    def ask(line: str) -> str:
        child.sendline(line)
        child.expect_exact(PROMPT)
        transcript.append(child.before)
        return child.before

    assert "/help" in transcript[0] and "read-only" in transcript[0]
    first = ask("is it safe to roll back checkout?")
    assert "shop/Deployment/checkout" in first and "checkout:2.3.0" in first
    follow_up = ask("roll it back")  # "it" is the previous turn's deployment
    assert "rollout_undo shop/Deployment/checkout" in follow_up and "--to-revision=1" in follow_up
    assert "has changed nothing" in follow_up

    _interrupt_an_answer(child, "why is checkout failing?", transcript)  # a full investigation, cancelled
    after = ask("show me its logs")  # the session, its servers and its memory survived the Ctrl-C
    assert "Logs of shop/Deployment/checkout" in after

    helped = ask("/help")
    assert "what's broken right now?" in helped and "/history" in helped
    history = ask("/history")
    assert "roll it back" in history and "show me its logs" in history

    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Traceback" not in "".join(transcript) + (child.before or "")


def _interrupt_an_answer(child, question: str, transcript: list[str], attempts: int = 6) -> None:
    """Ctrl-C while an answer is being worked out must cancel it and keep the session. How long an
    answer takes depends on the machine, so the interrupt's delay adapts: an answer that finished
    first means interrupt sooner, a ^C that reached the idle prompt means later. Only where the
    interrupt lands is tuned -- what it must do is asserted every time."""
    delay = 0.8
    for _ in range(attempts):
        child.sendline(question)
        time.sleep(delay)
        child.sendintr()
        landed = child.expect_exact(["cancelled; the session goes on.", "^C (Ctrl-D or /exit leaves)", PROMPT])
        if landed == 0:
            child.expect_exact(PROMPT)
            transcript.append(child.before)
            return
        if landed == 1:  # before the answer started: the prompt said how to leave, and is back
            child.expect_exact(PROMPT)
            delay *= 1.5
        else:  # the answer finished before the interrupt: its ^C may reach the next prompt (and say so), or
            # land between the answer and the prompt -- either way, drain it before asking again, sooner
            if child.expect_exact(["^C (Ctrl-D or /exit leaves)", pexpect.TIMEOUT], timeout=5) == 0:
                child.expect_exact(PROMPT)
            delay /= 3
        transcript.append(child.before)
    pytest.fail(f"no interrupt landed mid-answer in {attempts} attempts (last delay {delay:.2f}s)")


def test_resuming_a_session_keeps_its_memory(lab, tmp_path):
    child = _spawn(lab.env, tmp_path)
    session_id = child.before.split("session ", 1)[1].split()[0]
    child.sendline("what changed in the last hour?")
    child.expect_exact(PROMPT)
    child.sendline("/exit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    child = _spawn(lab.env, tmp_path, "--session", session_id)
    assert f"resumed {session_id}" in child.before
    child.sendline("is it safe to roll it back?")  # "it": the rollout found before the restart
    child.expect_exact(PROMPT)
    assert "shop/Deployment/checkout" in child.before and "Traceback" not in child.before
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
