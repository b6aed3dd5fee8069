""""How much memory does it need", asked of a workload whose sidecar is OOM-killed after a release of its app
container: the answer names the container killed at its limit and says it needs more than that limit -- a floor, not a
number nobody measured -- and leaves the app container's larger limit as a fact, not the answer."""

from __future__ import annotations

import functools
from pathlib import Path

from sre_agent.app.options import RunOptions
from sre_agent.chat.conversation.repl import SessionRunner
from sre_agent.chat.conversation.session import ChatSession
from sre_agent.lab.lab import Lab

from .conftest import text_of

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_the_container_killed_at_its_limit_is_the_one_that_needs_more(tmp_path):
    lab = Lab(scenario_dirs=[SCENARIOS]).start()
    try:
        lab.load("sidecar-oom-after-app-release")
        session = ChatSession(RunOptions(env=lab.env(), state_dir=tmp_path, tracing_mode="off"))
        runner = SessionRunner(session)
        runner.start()
        try:
            ask = lambda question: runner.run(functools.partial(session.ask, question))  # noqa: E731
            ask("is reviews ok")
            need = ask("how much memory does it actually need?")
            assert need.form == "resource_need" and need.status == "problems", text_of(need)
            assert need.headline.startswith("proxy needs more memory than its 128Mi limit"), need.headline
            assert "container reviews: memory request 256Mi, limit 512Mi" in need.details
        finally:
            runner.close()
    finally:
        lab.stop()
