"""The brains against a third-party drop-in provider server: llm-katan's echo backend, which speaks
Bedrock Converse (checking the SigV4 scope and, with --validate-keys, the access key) and OpenAI
Chat Completions, answers a request that offers tools with a call of the first tool (dummy
arguments from its schema), and injects failures (--rate-limit-after N: 429 from request N+1).

Anthropic is left out on purpose: llm-katan 0.22 accepts only the x-api-key header, while the
anthropic SDK 2.x sends its key as `Authorization: Bearer`; tests/provider_wire.py covers it."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

pytest.importorskip("llm_katan")

from sre_agent.brains.llm.arbiter import REQUIRED
from sre_agent.brains.llm.factory import make_llm_brain  # noqa: E402
from sre_agent.brains.llm.settings import LlmSettings  # noqa: E402
from sre_agent.contracts import Incident  # noqa: E402
from sre_agent.graph.state import Investigation  # noqa: E402

BEDROCK_KEY = "llm-katan-bedrock-key"  # llm-katan's default expected keys with --validate-keys
OPENAI_KEY = "llm-katan-openai-key"
MODEL = "us.anthropic.claude-sonnet-4-6"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_katan(tmp_path, *extra: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "from llm_katan.cli import main; main()", "--model", "echo", "--backend", "echo",
         "--providers", "bedrock,openai", "--validate-keys", "--host", "127.0.0.1", "--port", str(port),
         "--stats-file", str(tmp_path / f"stats-{port}.json"), "--disable-dashboard", "--log-level", "WARNING", *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"llm-katan exited: {process.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    pytest.fail("llm-katan did not answer /health within 60 s")


@pytest.fixture(scope="module")
def katan(tmp_path_factory):
    process, url = start_katan(tmp_path_factory.mktemp("katan"))
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def throttling_katan(tmp_path_factory):
    process, url = start_katan(tmp_path_factory.mktemp("katan-429"), "--rate-limit-after", "1")
    yield url
    process.terminate()
    process.wait(10)


def state() -> Investigation:
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    return Investigation(incident=Incident(id="katan-1", title="storefront returns 5xx", started_at=now,
                                           window_start=now - timedelta(hours=1), window_end=now,
                                           affected=["shop/Service/frontend"]))


def env_for(url: str, monkeypatch: pytest.MonkeyPatch, access_key: str = BEDROCK_KEY) -> dict[str, str]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "katan-secret")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return {"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": url,
            "OPENAI_BASE_URL": f"{url}/v1", "OPENAI_API_KEY": OPENAI_KEY}


def test_bedrock_converse_is_signed_accepted_and_its_tool_call_parsed(katan, monkeypatch):
    brain = make_llm_brain("bedrock", settings=LlmSettings(bedrock_model=MODEL), env=env_for(katan, monkeypatch))
    task = asyncio.run(brain.next_task(state()))
    spend = brain.take_spend()
    # The echo backend calls RouteDecision with done=True (the first value of each type): the model concluded -- before
    # the alarmed object was looked at, so its "done" is overruled (brains/llm/arbiter.py): no verdict without evidence.
    assert any(n.startswith(f"supervisor: llm (bedrock:{MODEL}) concluded") for n in spend.notes), spend.notes
    assert task is not None and (task.agent, task.target) == ("kubernetes", "shop/Service/frontend")
    assert task.reason.startswith(REQUIRED)
    assert spend.input_tokens > 0 and spend.cost_usd > 0


def test_openai_compatible_endpoint_is_accepted(katan, monkeypatch):
    brain = make_llm_brain("openai", settings=LlmSettings(openai_model="gpt-4o"), env=env_for(katan, monkeypatch))
    task = asyncio.run(brain.next_task(state()))
    assert any(n.startswith("supervisor: llm (openai:gpt-4o) concluded") for n in brain.take_spend().notes)
    assert task is not None and task.reason.startswith(REQUIRED)  # concluded with nothing checked: overruled


def test_a_wrong_access_key_is_permanent_and_the_offline_supervisor_answers(katan, monkeypatch):
    brain = make_llm_brain("bedrock", settings=LlmSettings(bedrock_model=MODEL, backoff_s=0),
                           env=env_for(katan, monkeypatch, access_key="AKIAWRONGKEY"))
    task = asyncio.run(brain.next_task(state()))
    notes = "\n".join(brain.take_spend().notes)
    assert "after a permanent error" in notes and "UnrecognizedClientException" in notes
    assert task is not None and task.agent == "kubernetes"  # the offline supervisor took the step


def test_rate_limiting_is_retried_then_the_fallback_then_the_offline_brain(throttling_katan, monkeypatch):
    settings = LlmSettings(bedrock_model=MODEL, retries=1, backoff_s=0, fallback_model="openai:gpt-4o")
    brain = make_llm_brain("bedrock", settings=settings, env=env_for(throttling_katan, monkeypatch))
    first = asyncio.run(brain.next_task(state()))  # request 1 passes ("done", overruled: nothing was checked)
    assert first is not None and first.reason.startswith(REQUIRED)
    task = asyncio.run(brain.next_task(state()))  # then 429 for everyone
    notes = "\n".join(brain.take_spend().notes)
    assert f"bedrock:{MODEL} gave no usable answer after 2 attempt(s)" in notes and "ThrottlingException" in notes
    assert "using openai:gpt-4o for the rest of the run" in notes
    assert "openai:gpt-4o gave no usable answer after 2 attempt(s)" in notes
    assert "no model left for the rest of the run" in notes and "the offline supervisor asked kubernetes" in notes
    assert task is not None and task.agent == "kubernetes"
