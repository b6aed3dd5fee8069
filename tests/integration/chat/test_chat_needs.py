""""How much memory does it need", asked of a workload whose sidecar is OOM-killed after a release of its app
container: the answer names the container killed at its limit and says it needs more than that limit -- a floor, not a
number nobody measured -- and leaves the app container's larger limit as a fact, not the answer."""

from __future__ import annotations

from pathlib import Path

from .conftest import text_of

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_the_container_killed_at_its_limit_is_the_one_that_needs_more(chat_on):
    chat = chat_on("sidecar-oom-after-app-release", scenario_dirs=[SCENARIOS])
    chat.ask("is reviews ok")
    need = chat.ask("how much memory does it actually need?")
    assert need.form == "resource_need" and need.status == "problems", text_of(need)
    assert need.headline.startswith("proxy needs more memory than its 128Mi limit"), need.headline
    assert "container reviews: memory request 256Mi, limit 512Mi" in need.details
