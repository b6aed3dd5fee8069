"""Each LLM brain over its provider's real wire protocol, against a scripted provider server on
loopback (tests/provider_wire.py): Bedrock Converse signed with SigV4 through
AWS_ENDPOINT_URL_BEDROCK_RUNTIME, Anthropic Messages and OpenAI Chat Completions through their base
URLs. The responder's own clients build every request; the server checks auth and tool pairing,
counts tokens from what was sent and simulates prompt caching and provider failures.

No lab here: the specialist's MCP toolbox is a fake with fixed results, so these tests are about
the wire -- what is sent, how failures are answered, what is traced and counted."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from langchain_core.tools import StructuredTool
from provider_wire import Reply, ScriptedProviderServer

from sre_agent.brains.llm.factory import make_llm_brain
from sre_agent.brains.llm.settings import LlmSettings
from sre_agent.contracts import Incident, ToolCallRecord
from sre_agent.graph.ports import ToolOutcome
from sre_agent.graph.state import Budget, Investigation
from sre_agent.tracing.tracer import Tracer

BEDROCK_MODEL = "eu.anthropic.claude-sonnet-4-6"
ANTHROPIC_MODEL = "claude-sonnet-4-6"
OPENAI_MODEL = "gpt-4o"
PODS = {"items": [{"name": "catalog-7d9f-abcde", "status": "ImagePullBackOff", "image": "shop/catalog:v2-typo"}]}
NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


def state(**budget: Any) -> Investigation:
    incident = Incident(id="wire-1", title="storefront returns 5xx", started_at=NOW, window_start=NOW - timedelta(hours=1),
                        window_end=NOW, affected=["shop/Service/frontend"])
    return Investigation(incident=incident, brain="bedrock", budget=Budget(**budget))


def lc_tool(name: str, description: str) -> StructuredTool:
    return StructuredTool.from_function(lambda **_: "", name=name, description=description,
                                        args_schema={"type": "object", "properties": {
                                            "kind": {"type": "string"}, "namespace": {"type": "string"}}})


class FixedTools:
    """The Kubernetes server's read-only tools with a fixed pod listing; it also has rollout_undo."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def read_only_tools(self, server: str) -> list:
        return [lc_tool("get_resources", "List resources of one kind with their status. " * 20),
                lc_tool("describe", "Describe one resource: spec, status, events. " * 20)]

    async def call(self, agent, server, tool, args, brain="offline") -> ToolOutcome:
        self.calls.append(tool)
        record = ToolCallRecord(id=f"ev-{len(self.calls)}", agent=agent, server=server, tool=tool, args=args,
                                brain=brain, excerpt=str(PODS))
        return ToolOutcome(record=record, data=PODS)


def human_text(messages: list[dict]) -> str:
    return "\n".join(m["content"] for m in messages if m["role"] == "user")


def scripted_sre(messages: list[dict], tools: list[str]) -> Reply:
    """Routes to kubernetes once, lists pods (and tries a write it was never given), reports, concludes."""
    text = human_text(messages)
    if tools == ["RouteDecision"]:
        if "- kubernetes |" in text:
            return Reply(calls=[("RouteDecision", {"done": True, "reason": "the cause is known"})])
        return Reply(calls=[("RouteDecision", {"done": False, "agent": "kubernetes", "target": "shop/Service/frontend",
                                               "question": "why does the storefront fail", "reason": "the alarm"})])
    if tools == ["FindingsReport"]:
        pods = re.findall(r"\[(ev-\d+)\] kubernetes\.get_resources", text)
        shown = any("ImagePullBackOff" in m["content"] for m in messages if m["role"] == "tool")
        return Reply(calls=[("FindingsReport", {"findings": [
            {"resource": "shop/Deployment/catalog", "signal": "ImagePullBackOff", "severity": "critical",
             "summary": "catalog pods cannot pull shop/catalog:v2-typo", "evidence": pods}] if shown else []})])
    if tools == ["DiagnosisAnswer"]:
        return Reply(calls=[("DiagnosisAnswer", {"category": "bad_image", "resource": "shop/Deployment/catalog",
                                                 "summary": "catalog's image cannot be pulled", "confidence": 0.9,
                                                 "evidence": re.findall(r"\[(ev-\d+)\] kubernetes", text)})])
    if not any(m["role"] == "tool" for m in messages):
        return Reply(calls=[("get_resources", {"kind": "pods", "namespace": "shop"}),
                            ("rollout_undo", {"namespace": "shop", "name": "catalog"})])
    return Reply(text="catalog's pods cannot pull their image")


@pytest.fixture
def server():
    with ScriptedProviderServer(scripted_sre, min_cacheable=256) as running:
        yield running


def provider_env(server: ScriptedProviderServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    # boto3 reads credentials from the process environment; the endpoint and keys come from `env`.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAWIRETEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wire-test-secret")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return {"AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": server.base_url,
            "ANTHROPIC_API_KEY": server.anthropic_key, "ANTHROPIC_BASE_URL": server.base_url,
            "OPENAI_API_KEY": server.openai_key, "OPENAI_BASE_URL": server.openai_url}


SETTINGS = {"bedrock": {}, "anthropic": {"anthropic_model": ANTHROPIC_MODEL}, "openai": {"openai_model": OPENAI_MODEL}}


def investigate(brain, run_state: Investigation, tools: FixedTools | None = None):
    tools = tools or FixedTools()

    async def go():
        task = await brain.next_task(run_state)
        result = await brain.investigate(task, run_state, tools)
        return task, result

    return asyncio.run(go())


@pytest.mark.parametrize("provider", ["bedrock", "anthropic", "openai"])
def test_each_brain_investigates_over_its_own_wire(provider, server, monkeypatch):
    env = provider_env(server, monkeypatch)
    brain = make_llm_brain(provider, settings=LlmSettings(**SETTINGS[provider], backoff_s=0), env=env)
    task, result = investigate(brain, state())

    assert (task.agent, task.target) == ("kubernetes", "shop/Service/frontend")
    assert {e.protocol for e in server.exchanges} == {provider} and not server.errors
    assert all(e.status == 200 for e in server.exchanges)
    [finding] = result.findings
    assert (finding.signal, finding.evidence) == ("ImagePullBackOff", ["ev-1"])
    # supervisor, two tool-loop turns, the report (same conversation: it carries the tool results)
    assert len(server.exchanges) == 4
    report = server.exchanges[-1]
    assert "ImagePullBackOff" in str(report.body) and "rollout_undo" in str(report.body)
    spend = brain.take_spend()
    assert spend.input_tokens == sum(e.input_tokens for e in server.exchanges)
    assert spend.output_tokens == sum(e.output_tokens for e in server.exchanges)


def test_bedrock_requests_are_sigv4_signed_for_the_region_with_its_inference_profile(server, monkeypatch):
    env = provider_env(server, monkeypatch)
    brain = make_llm_brain("bedrock", settings=LlmSettings(), env=env)
    assert brain.chain.models[0].model_id == BEDROCK_MODEL  # eu-west-1 -> the eu. profile by default
    assert brain.triage_chain.models[0].model_id == "eu.anthropic.claude-haiku-4-5-20251001-v1:0"  # routing: Haiku-class
    investigate(brain, state())
    first = server.exchanges[0]
    assert first.model == "eu.anthropic.claude-haiku-4-5-20251001-v1:0"  # the supervisor's question
    assert {e.model for e in server.exchanges[1:]} == {BEDROCK_MODEL}  # the specialist's loop and report
    scope = first.headers["authorization"].split("Credential=")[1].split(",")[0].split("/")
    assert (scope[0], scope[2], scope[3]) == ("AKIAWIRETEST", "eu-west-1", "bedrock")
    assert first.body["inferenceConfig"]["maxTokens"] == 4096
    # The refused write and the tool error travel back as error results, the read as a success.
    statuses = {block["toolResult"]["status"] for message in server.exchanges[2].body["messages"]
                for block in message["content"] if "toolResult" in block}
    assert statuses == {"success", "error"}


@pytest.mark.parametrize("provider", ["bedrock", "anthropic"])
def test_prompt_caching_marks_the_static_prefix_and_later_turns_read_it(provider, server, monkeypatch):
    env = provider_env(server, monkeypatch)
    brain = make_llm_brain(provider, settings=LlmSettings(**SETTINGS[provider]), env=env)
    investigate(brain, state())
    loop = server.exchanges[1:]  # the specialist's turns and its report share tools and system prompt
    assert loop[0].cache_write > 0 and loop[0].cache_read == 0
    # The tool loop's next turn reads back all the first one wrote (tools, system prompt, the question) ...
    assert loop[1].cache_read >= loop[0].cache_write
    # ... and the forced report (its tool_choice invalidates the cached conversation, as the providers
    # do it) still reads the tools and the system prompt.
    assert loop[2].cache_read > 0
    total = brain.meter.total
    assert total.cache_read_tokens == sum(e.cache_read for e in server.exchanges) > 0
    body = str(loop[0].body)
    assert ("cachePoint" in body) if provider == "bedrock" else ("cache_control" in body)


def test_without_caching_nothing_is_marked_or_read(server, monkeypatch):
    env = provider_env(server, monkeypatch)
    brain = make_llm_brain("anthropic", settings=LlmSettings(**SETTINGS["anthropic"], prompt_caching=False), env=env)
    investigate(brain, state())
    assert not any(e.cache_read or e.cache_write for e in server.exchanges)
    assert "cache_control" not in str(server.exchanges[1].body)


def test_throttling_is_retried_with_backoff_then_the_model_answers(server, monkeypatch):
    env = provider_env(server, monkeypatch)
    delays: list[float] = []
    # One model (set explicitly: unset, Bedrock routes with Haiku): the retries are this model's.
    brain = make_llm_brain("bedrock", settings=LlmSettings(bedrock_model=BEDROCK_MODEL, retries=2, backoff_s=0.2), env=env)
    brain.chain.sleep = lambda seconds: delays.append(seconds) or asyncio.sleep(0)
    server.fail_next(429, times=2)
    task, result = investigate(brain, state())
    assert [e.status for e in server.exchanges[:3]] == [429, 429, 200]
    assert len(delays) == 2 and 0.1 <= delays[0] <= 0.2 and 0.2 <= delays[1] <= 0.4
    assert any("answered by bedrock:" in n and "after 2 failed attempt(s)" in n for n in brain.take_spend().notes)
    assert result.findings  # the run went on with the same model


def test_a_provider_that_stays_down_hands_over_to_the_fallback_then_to_the_offline_brain(server, monkeypatch):
    env = provider_env(server, monkeypatch)
    settings = LlmSettings(bedrock_model=BEDROCK_MODEL, retries=1, backoff_s=0, fallback_model=f"anthropic:{ANTHROPIC_MODEL}")
    brain = make_llm_brain("bedrock", settings=settings, env=env)
    server.fail_next(503, times=2)  # the primary's two attempts
    task = asyncio.run(brain.next_task(state()))
    assert task.agent == "kubernetes"
    assert [(e.protocol, e.status) for e in server.exchanges] == [("bedrock", 503), ("bedrock", 503), ("anthropic", 200)]
    notes = brain.take_spend().notes
    assert any(f"using anthropic:{ANTHROPIC_MODEL} for the rest of the run" in n for n in notes)

    server.fail_next(500, times=2)  # and now the fallback goes down too: the offline supervisor answers
    task = asyncio.run(brain.next_task(state()))
    notes = brain.take_spend().notes
    assert any("no model left for the rest of the run" in n for n in notes)
    assert any("the offline supervisor asked kubernetes" in n for n in notes)
    assert task is not None and task.agent == "kubernetes"


def test_a_rejected_request_is_repaired_and_retried_not_a_reason_to_drop_the_model(server, monkeypatch):
    env = provider_env(server, monkeypatch)
    brain = make_llm_brain("anthropic", settings=LlmSettings(**SETTINGS["anthropic"], backoff_s=0), env=env)
    server.fail_next(400, after=1)  # the specialist's first turn: "prompt is too long" or broken pairing
    task, result = investigate(brain, state())
    assert [e.status for e in server.exchanges[:3]] == [200, 400, 200]
    assert result.findings and brain.chain.down == {}
    assert any("retrying once with a repaired request" in n for n in brain.take_spend().notes)


def test_every_model_call_is_a_traced_subsegment_with_tokens_latency_and_cost(server, monkeypatch):
    env = provider_env(server, monkeypatch)
    sent: list = []

    class Capture:
        description = "memory"

        def send(self, entities):
            sent.extend(entities)

    brain = make_llm_brain("bedrock", settings=LlmSettings(bedrock_model=BEDROCK_MODEL, retries=1, backoff_s=0), env=env)
    server.fail_next(429, times=1)

    async def traced():
        tracer = Tracer(Capture())
        async with tracer.investigation(incident_id="wire-1", severity="high", brain="bedrock"):
            with tracer.node_span("kubernetes"):
                run_state = state()
                task = await brain.next_task(run_state)
                await brain.investigate(task, run_state, FixedTools())

    asyncio.run(traced())
    [segment] = [e for e in sent if getattr(e, "name", "") == "sre-agent"] or sent[:1]
    [node] = segment.subsegments
    calls = [s for s in node.subsegments if s.name.startswith("llm ")]
    assert len(calls) == len(server.exchanges) == 5
    failed, *answered = calls
    assert failed.error and "ThrottlingException" in failed.cause["exceptions"][0].message
    meta = answered[-1].metadata["sre_agent"]
    assert meta["input_tokens"] == server.exchanges[-1].input_tokens and meta["cost_usd"] > 0
    assert meta["cache_read_tokens"] == server.exchanges[-1].cache_read and meta["latency_ms"] >= 0
    assert meta["step"] == "kubernetes report"
    assert answered[0].annotations["model"] == f"bedrock:{BEDROCK_MODEL}"


def test_a_spent_budget_stops_the_model_calls_and_the_offline_brain_answers(server, monkeypatch):
    env = provider_env(server, monkeypatch)
    brain = make_llm_brain("openai", settings=LlmSettings(**SETTINGS["openai"]), env=env)
    run_state = state(max_tokens=1500)
    task, result = investigate(brain, run_state)
    spent = brain.meter.total.input_tokens + brain.meter.total.output_tokens
    assert spent >= 1500 and len(server.exchanges) < 4  # stopped part-way through the specialist
    notes = brain.take_spend().notes
    assert any("the run's LLM budget is spent (token budget spent" in n for n in notes)
    assert result.records  # what the model already called is kept as evidence


def test_a_compatible_server_is_sent_the_answer_cap_under_both_names(server, monkeypatch):
    # The client calls it max_completion_tokens; llama.cpp's Python server knows only max_tokens and,
    # without it, writes until its context window is full.
    env = provider_env(server, monkeypatch)
    brain = make_llm_brain("openai", settings=LlmSettings(**SETTINGS["openai"], backoff_s=0, max_tokens=700), env=env)
    investigate(brain, state())
    bodies = [e.body for e in server.exchanges if e.protocol == "openai"]
    assert bodies and all(b.get("max_tokens") == 700 and b.get("max_completion_tokens") == 700 for b in bodies)
