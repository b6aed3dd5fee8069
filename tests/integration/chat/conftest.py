"""A lab per scenario and a chat session on it through the real MCP servers over stdio, driven the
way the REPL drives it (SessionRunner: the session on its own event loop thread)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from sre_agent.app.options import RunOptions
from sre_agent.chat.conversation.repl import SessionRunner
from sre_agent.chat.conversation.session import ChatSession
from sre_agent.chat.models import Answer
from sre_agent.lab.lab import Lab


class Chat:
    def __init__(self, lab: Lab, state_dir: Path, namespace: str | None = None) -> None:
        self.lab = lab
        options = RunOptions(env=lab.env(), state_dir=state_dir, tracing_mode="off")
        self.session = ChatSession(options, namespace=namespace)
        self.runner = SessionRunner(self.session)
        self.runner.start()

    def ask(self, question: str) -> Answer:
        return self.runner.run(functools.partial(self.session.ask, question))

    def close(self) -> None:
        self.runner.close()


def text_of(answer: Answer) -> str:
    return "\n".join([answer.headline, *answer.details, *answer.next_steps])


@pytest.fixture(scope="module")
def chat_on(tmp_path_factory):
    """chat_on(scenario) -> a Chat on a fresh lab with the scenario loaded (closed after the module); scenario_dirs for a
    scenario outside the catalog (tests/scenarios)."""
    opened: list[tuple[Lab, Chat]] = []

    def make(scenario: str, namespace: str | None = None, scenario_dirs: list[Path] | None = None) -> Chat:
        lab = Lab(scenario_dirs=scenario_dirs).start()
        lab.load(scenario)
        chat = Chat(lab, tmp_path_factory.mktemp(scenario), namespace)
        opened.append((lab, chat))
        return chat

    yield make
    for lab, chat in opened:
        chat.close()
        lab.stop()


LAB_PROCESS = """
import json, sys
from sre_agent.lab.lab import Lab
lab = Lab().start()
lab.load(sys.argv[1])
print(json.dumps(lab.env()), flush=True)
sys.stdin.read()  # until the test closes our stdin
lab.stop()
"""


class LabProcess:
    """A lab in a process of its own: stopping it takes the whole world away (the Kubernetes API and
    the AWS endpoint), as an outage would -- in-process labs share one moto server."""

    def __init__(self, scenario: str) -> None:
        import json
        import subprocess
        import sys

        self.proc = subprocess.Popen([sys.executable, "-c", LAB_PROCESS, scenario], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line:
            raise RuntimeError(f"the lab process for {scenario} did not start")
        self.env: dict[str, str] = json.loads(line)

    def stop(self) -> None:
        if self.proc.poll() is None:
            if self.proc.stdin:
                self.proc.stdin.close()
            try:
                self.proc.wait(timeout=60)
            except Exception:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def lab_process():
    started: list[LabProcess] = []

    def make(scenario: str) -> LabProcess:
        started.append(LabProcess(scenario))
        return started[-1]

    yield make
    for lab in started:
        lab.stop()
