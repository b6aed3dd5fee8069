"""The daily LLM spend cap of `sre-agent serve`, over real HTTP: a run with an LLM brain -- a scripted model behind
the OpenAI wire protocol on loopback (tests/provider_wire.py), priced as gpt-4o -- spends past the cap; the next
run is given the offline brain, never asks the model, and its result, its report and /metrics say why."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from provider_wire import ScriptedProviderServer

from ...serve_process import running_lab, served
from ..llm.wire_sre import wire_sre

TOKEN = "spend-cap-token"
CAP_USD = 0.000001  # one model call spends more
RUN_BOUND_S = 240  # a bound on a broken test, not a timing


@pytest.fixture(scope="module")
def lab():
    with running_lab("bad-image") as lab:
        yield lab


def _ask(client: httpx.Client, url: str, question: str) -> dict:
    """A question's incident once its run ended."""
    created = client.post(f"{url}/v1/incidents", json={"question": question, "namespace": "shop"})
    assert created.status_code == 202, created.text
    deadline = time.monotonic() + RUN_BOUND_S
    while time.monotonic() < deadline:
        view = client.get(f"{url}/v1/incidents/{created.json()['incident_id']}").json()
        if view["result"] or view["error"]:
            assert view["error"] is None, view["error"]
            return view
        time.sleep(0.5)
    raise AssertionError(f"the run did not end within {RUN_BOUND_S}s: {view}")


def test_a_run_started_after_the_daily_cap_is_reached_uses_the_offline_brain_and_says_why(lab, tmp_path):
    if datetime.now(UTC) + timedelta(seconds=2 * RUN_BOUND_S) > datetime.now(UTC).replace(hour=23, minute=59, second=59):
        pytest.skip("the UTC day may end between the two runs (the daily spend starts again at midnight)")
    with ScriptedProviderServer(wire_sre) as model, \
            served(lab, tmp_path, TOKEN, remediation="off", brain="openai",
                   env={"OPENAI_BASE_URL": model.openai_url, "OPENAI_API_KEY": model.openai_key,
                        "SRE_AGENT_LLM_OPENAI_MODEL": "gpt-4o", "SRE_AGENT_BUDGET_DAILY_COST_USD": str(CAP_USD)}) as url, \
            httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as client:
        first = _ask(client, url, "is the catalog service healthy?")
        spent = first["result"]["llm"]
        assert spent["brain"] == "openai" and spent["brain_reason"] is None and spent["cost_usd"] > CAP_USD
        asked = len(model.exchanges)
        assert asked > 0

        second = _ask(client, url, "is the catalog service healthy now?")
        llm = second["result"]["llm"]
        assert llm["brain"] == "offline" and llm["cost_usd"] == 0 and len(model.exchanges) == asked
        assert llm["brain_reason"].startswith(f"the daily LLM spend cap ($0.000001) is reached: ${spent['cost_usd']:.6f}"
                                              .rstrip("0"))
        assert "this run uses the offline brain" in llm["brain_reason"]
        report = client.get(f"{url}/v1/incidents/{second['incident_id']}/report")
        assert report.status_code == 200 and f"**Brain:** offline -- {llm['brain_reason']}" in report.text

        metrics = client.get(f"{url}/metrics").text
        assert 'sre_agent_llm_spend_cap_reached{period="day"} 1.0' in metrics
        assert 'sre_agent_llm_spend_cap_reached{period="month"} 0.0' in metrics  # no monthly cap set
        assert 'sre_agent_llm_capped_runs_total{period="day"} 1.0' in metrics
        day = re.search(r'^sre_agent_llm_spend_usd\{period="day"\} (\S+)$', metrics, re.M)
        assert day and float(day.group(1)) == pytest.approx(spent["cost_usd"], abs=1e-6)
