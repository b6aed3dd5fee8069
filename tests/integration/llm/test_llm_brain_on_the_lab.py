"""The LLM brain, driven by scripted chat models through the real graph and the real Kubernetes
MCP server against the lab (bad-image scenario). Its parts on their own (providers, prices, retries,
grounding, fallback per step) are tested in tests/unit/brains/llm/.

A specialist model is given only the tools its server declares read-only (readOnlyHint=True). A
server that declares no annotations offers the model nothing, so the tests that need the model to
call tools skip against such a server; the safe default itself is tested instead."""

from __future__ import annotations

import asyncio
import re
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from llm_fakes import ScriptedChatModel, always_failing, answer, call, evidence_of, prompt_text, structured, tool_results
from mcp_harness import HttpServerProcess

from sre_agent.app.options import RunOptions
from sre_agent.app.runs import run_investigation
from sre_agent.app.servers import ServerConnection
from sre_agent.brains.llm.providers import PROVIDERS
from sre_agent.brains.llm.settings import LlmSettings
from sre_agent.brains.llm.tool_binding import NOT_OFFERED
from sre_agent.brains.llm.usage import load_prices
from sre_agent.contracts import Incident
from sre_agent.graph.state import Investigation
from sre_agent.lab.lab import Lab

PRIMARY_ID = "us.anthropic.claude-sonnet-4-20250514-v1:0"
FALLBACK_ID = "claude-3-5-haiku-20241022"
TOKEN = "llm-brain-test-token-0123"
THROTTLED = RuntimeError("ThrottlingException: Rate exceeded")


def incident(now: datetime | None = None) -> Incident:
    now = now or datetime.now(UTC)
    return Incident(id=f"llm-{now.strftime('%H%M%S%f')}", title="storefront returns 5xx", started_at=now,
                    window_start=now - timedelta(hours=1), window_end=now, affected=["shop/Service/frontend"])


class ScriptedSre:
    """Plays the model through one investigation: routes to kubernetes, calls real read tools,
    reports only what the tool output it was shown contains, then concludes."""

    def __init__(self, category: str = "bad_image") -> None:
        self.category = category

    def __call__(self, messages, bound):
        text = prompt_text(messages)
        if "RouteDecision" in bound:
            # The same question every time: the brain must take the repeat as "done".
            return structured("RouteDecision", done=False, agent="kubernetes", target="shop/Service/frontend",
                              question="why does the storefront fail", reason="the alarm is on it")
        if bound == ["FindingsReport"]:
            pods = evidence_of(text, "get_resources")
            # The report is asked in the conversation the tools answered in: the results are right there.
            # The pod listing it cites, as rendered (a table of columns and rows): a pod's status value.
            shown = "\n".join(m.text for m in tool_results(messages) if m.name == "get_resources")
            pulling = re.search(r'"(ImagePullBackOff|ErrImagePull)"', shown)
            findings = [{"resource": "catalog", "signal": "Broken", "summary": "not a resource id", "evidence": pods}]
            if pods and pulling:
                findings += [
                    {"resource": "shop/Deployment/catalog", "signal": "ImagePullBackOff", "severity": "critical",
                     "summary": f"catalog pods are in {pulling.group(1)}", "evidence": pods},
                    # Claimed, but a pod listing does not show a rollout: must not reach the policy as one.
                    {"resource": "shop/Deployment/catalog", "signal": "RecentRollout", "severity": "info",
                     "summary": "catalog was rolled out recently", "evidence": pods}]
            return structured("FindingsReport", findings=findings)
        if "DiagnosisAnswer" in bound:
            return structured("DiagnosisAnswer", category=self.category, resource="shop/Deployment/catalog",
                              summary="catalog's new image cannot be pulled", confidence=0.9,
                              evidence=evidence_of(text, "get_resources"))
        if "describe" in bound:  # the kubernetes specialist's tools
            done = len(tool_results(messages))
            if done == 0:
                return answer(call("ownership", kind="Service", name="frontend", namespace="shop"),
                              call("analyze", namespace="shop"))
            if done == 2:  # and a write tool it was never given, as a confused or injected model might
                return answer(call("get_resources", kind="pods", namespace="shop", label_selector="app=catalog"),
                              call("rollout_undo", namespace="shop", name="catalog", reason="fix it"))
            return answer(text="catalog's pods cannot pull their image")
        raise AssertionError(f"unexpected request (bound tools {bound})")


# --- the lab, one Kubernetes MCP server over HTTP, and one investigation per brain setup ---------------

@pytest.fixture(scope="module")
def kubernetes_server():
    """The lab with bad-image loaded, and its Kubernetes MCP server over HTTP. The server process
    starts while the lab replays its history: both take seconds, and the server only needs the
    kubeconfig, which exists once the lab has started."""
    lab = Lab(history_minutes=30).start()
    started: dict = {}
    # Writes enabled so the server lists its write tools: the specialist must still never see them.
    starter = threading.Thread(target=lambda: started.update(server=HttpServerProcess(
        "mcp_servers.kubernetes", ["--token", TOKEN, "--allow-writes", "--namespaces", "shop"], lab.env())))
    starter.start()
    try:
        lab.load("bad-image")
        lab.run_clock(60)
    finally:
        starter.join()
    if "server" not in started:
        lab.stop()
        pytest.fail("the Kubernetes MCP server did not start (see stderr)")
    yield started["server"]
    started["server"].stop()
    lab.stop()


@pytest.fixture(scope="module")
def listed_tools(kubernetes_server) -> tuple[set[str], set[str]]:
    """(every tool the server lists, the ones it declares read-only)."""
    client = kubernetes_server.client(TOKEN)
    tools = client.list_tools()
    client.close()
    return {t.name for t in tools}, {t.name for t in tools if t.annotations and t.annotations.readOnlyHint is True}


@pytest.fixture
def annotated(listed_tools):
    if not listed_tools[1]:
        pytest.skip("the Kubernetes MCP server declares no readOnlyHint annotations, so a model gets no tools")


@dataclass
class Run:
    result: object
    state: Investigation
    primary: ScriptedChatModel
    fallback: ScriptedChatModel | None
    report: str


def investigate(server: HttpServerProcess, state_dir: Path, primary_respond, fallback_respond=None) -> Run:
    primary = ScriptedChatModel(respond=primary_respond, model_id=PRIMARY_ID)
    fallback = ScriptedChatModel(respond=fallback_respond, model_id=FALLBACK_ID) if fallback_respond else None

    def builder(expected: str, model: ScriptedChatModel):
        def build(model_id, env, limits):
            assert model_id == expected, f"the model id comes from the llm settings, got {model_id}"
            return model_id, model
        return build

    llm = LlmSettings(bedrock_model=PRIMARY_ID, backoff_s=0.01,
                      fallback_model=f"anthropic:{FALLBACK_ID}" if fallback is not None else None)
    with pytest.MonkeyPatch.context() as mp:  # the provider registry is how the runner's make_brain gets the fakes
        mp.setitem(PROVIDERS, "bedrock", replace(PROVIDERS["bedrock"], build=builder(PRIMARY_ID, primary)))
        if fallback is not None:
            mp.setitem(PROVIDERS, "anthropic", replace(PROVIDERS["anthropic"], build=builder(FALLBACK_ID, fallback)))
        servers = {"kubernetes": ServerConnection(transport="streamable_http", url=server.url, token=TOKEN)}
        settings = RunOptions(brain="bedrock", llm=llm, remediation="off", servers=servers, state_dir=state_dir)
        result, state = asyncio.run(run_investigation(incident(), settings))
    return Run(result, state, primary, fallback, Path(result.report_path).read_text())


@pytest.fixture(scope="module")
def llm_run(kubernetes_server, tmp_path_factory):
    return investigate(kubernetes_server, tmp_path_factory.mktemp("llm"), ScriptedSre())


@pytest.fixture(scope="module")
def fallback_model_run(kubernetes_server, tmp_path_factory):
    return investigate(kubernetes_server, tmp_path_factory.mktemp("fallback"), always_failing(THROTTLED), ScriptedSre())


@pytest.fixture(scope="module")
def offline_fallback_run(kubernetes_server, tmp_path_factory):
    return investigate(kubernetes_server, tmp_path_factory.mktemp("offline"), always_failing(THROTTLED),
                       always_failing(TimeoutError("read timed out")))


# --- routing, tool use, structured diagnosis, usage --------------------------------------------------

def test_supervisor_routes_to_kubernetes_then_a_repeated_question_ends_the_investigation(llm_run):
    assert llm_run.result.agents_invoked == ["kubernetes"]
    assert [(t.agent, t.target) for t in llm_run.state.tasks] == [("kubernetes", "shop/Service/frontend")]
    assert any("asked an earlier question again" in n for n in llm_run.state.notes)


def test_specialist_tool_calls_run_over_mcp_and_are_recorded_as_llm_evidence(annotated, llm_run):
    records = llm_run.state.tool_calls
    assert [r.tool for r in records] == ["ownership", "analyze", "get_resources"]
    assert all(r.brain == "llm" and r.agent == "kubernetes" and r.ok for r in records)
    assert records[2].args == {"kind": "pods", "namespace": "shop", "label_selector": "app=catalog"}  # as the model gave them
    assert "ImagePullBackOff" in records[2].excerpt or "ErrImagePull" in records[2].excerpt
    assert llm_run.result.tool_calls == 3


def test_specialist_sees_only_read_tools_and_a_write_call_is_refused(annotated, llm_run, listed_tools):
    listed, read_only = listed_tools
    assert {"rollout_undo", "set_image"} <= listed  # the server offers writes ...
    bound = {name for names, _ in llm_run.primary.log if "describe" in names for name in names}
    assert bound and not bound & {"rollout_undo", "set_image"}  # ... the specialist never gets them
    # Every read tool of its server but those another tool answers better (tool_binding.NOT_OFFERED).
    assert bound == (read_only - set(NOT_OFFERED)) | {"FindingsReport"}
    refused = [m for _, messages in llm_run.primary.log for m in tool_results(messages) if m.name == "rollout_undo"]
    assert refused and "is not a tool you have" in refused[0].text
    assert "rollout_undo" not in {r.tool for r in llm_run.state.tool_calls}


def test_reported_findings_are_grounded_in_the_cited_tool_output(annotated, llm_run):
    evidence = llm_run.state.tool_calls[2].id
    by_signal = {f.signal: f for f in llm_run.state.findings}
    assert by_signal["ImagePullBackOff"].resource == "shop/Deployment/catalog"
    assert by_signal["ImagePullBackOff"].evidence == [evidence]
    assert by_signal["ImagePullBackOff"].details["brain"] == "llm"
    assert "RecentRollout" not in by_signal and "UnconfirmedRecentRollout" in by_signal
    assert all(f.resource != "catalog" for f in llm_run.state.findings)
    assert any("dropped a finding on 'catalog'" in n for n in llm_run.state.notes)


def test_structured_diagnosis_lands_in_the_result(annotated, llm_run):
    diagnosis = llm_run.result.diagnosis
    assert (diagnosis.category.value, diagnosis.resource) == ("bad_image", "shop/Deployment/catalog")
    assert diagnosis.confidence == 0.9
    assert [(e.id, e.source_tool) for e in diagnosis.evidence] == [(llm_run.state.tool_calls[2].id, "kubernetes.get_resources")]
    assert any(n.startswith("diagnosis: llm (bedrock:") for n in llm_run.state.notes)
    assert "Note: diagnosis: llm" in llm_run.report


def test_tokens_and_cost_are_counted_from_usage_metadata(annotated, llm_run):
    calls = len(llm_run.primary.log)  # supervisor 2, specialist turns 3, report 1, diagnosis 1
    assert calls == 7
    usage = llm_run.result.llm
    assert (usage.brain, usage.model) == ("bedrock", f"bedrock:{PRIMARY_ID}")
    assert (usage.input_tokens, usage.output_tokens) == (1000 * calls, 100 * calls)
    expected = load_prices().cost(PRIMARY_ID, 1000 * calls, 100 * calls)
    assert expected and usage.cost_usd == pytest.approx(expected)


# --- fallback: retries, then the fallback model, then the offline brain ------------------------------

def test_a_failing_primary_is_retried_then_the_fallback_model_answers(annotated, fallback_model_run):
    run = fallback_model_run
    assert len(run.primary.log) == 3  # first attempt + 2 retries, then left alone for the rest of the run
    assert run.result.llm.model == f"anthropic:{FALLBACK_ID}"
    assert any(f"bedrock:{PRIMARY_ID} gave no usable answer after 3 attempt(s) (RuntimeError: ThrottlingException" in n
               and f"using anthropic:{FALLBACK_ID}" in n for n in run.state.notes)
    assert all(r.brain == "llm" for r in run.state.tool_calls)
    assert run.result.diagnosis.category.value == "bad_image"
    assert run.result.llm.cost_usd == pytest.approx(load_prices().cost(FALLBACK_ID, 1000 * len(run.fallback.log),
                                                                        100 * len(run.fallback.log)))


def test_when_every_model_fails_the_offline_brain_answers_each_step_and_the_notes_say_so(annotated, offline_fallback_run):
    run = offline_fallback_run
    assert (len(run.primary.log), len(run.fallback.log)) == (3, 3)  # each model's retries are paid once
    notes = "\n".join(run.state.notes)
    assert "no model left for the rest of the run" in notes
    assert "the offline supervisor asked kubernetes about shop/Service/frontend" in notes
    assert "the offline kubernetes specialist answered" in notes
    assert "used the offline diagnosis (bad_image on shop/Deployment/catalog)" in notes
    assert run.state.tool_calls and all(r.brain == "offline" for r in run.state.tool_calls)
    assert (run.result.diagnosis.category.value, run.result.diagnosis.resource) == ("bad_image", "shop/Deployment/catalog")
    assert (run.result.llm.input_tokens, run.result.llm.cost_usd) == (0, 0)


def test_an_invalid_category_falls_back_to_the_offline_diagnosis_for_that_step(annotated, kubernetes_server, tmp_path):
    run = investigate(kubernetes_server, tmp_path, ScriptedSre(category="image_problem"))
    assert any("'image_problem' is not one of the known root-cause categories; used the offline diagnosis "
               "(bad_image on shop/Deployment/catalog)" in n for n in run.state.notes)
    assert run.result.diagnosis.category.value == "bad_image"
    assert all(r.brain == "llm" for r in run.state.tool_calls)  # only the diagnosis step fell back


def test_without_read_only_annotations_the_specialist_gets_no_tools(llm_run, listed_tools):
    """The safe default: a tool that does not say it is read-only may write, so it is never given."""
    listed, read_only = listed_tools
    bound = {name for names, _ in llm_run.primary.log for name in names}
    assert not bound - read_only - {"RouteDecision", "DiagnosisAnswer", "FindingsReport"}
    if not read_only:
        assert not llm_run.state.tool_calls
        assert any("offers no read-only tools" in n for n in llm_run.state.notes)


# --- the whole run over a provider's real wire ---------------------------------------------------------

def test_a_bedrock_run_on_the_lab_over_the_converse_wire_is_counted_cached_and_grounded(annotated, kubernetes_server,
                                                                                        tmp_path, monkeypatch):
    """The graph, the Kubernetes MCP server and the Bedrock client for real; only the model's choices
    are scripted (wire_sre.py), behind SigV4-signed Converse on loopback."""
    from provider_wire import ScriptedProviderServer

    from .wire_sre import wire_sre

    with ScriptedProviderServer(wire_sre) as provider:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIALABWIRE")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "lab-wire-secret")
        monkeypatch.setenv("AWS_REGION", "us-east-1")
        monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", provider.base_url)
        servers = {"kubernetes": ServerConnection(transport="streamable_http", url=kubernetes_server.url, token=TOKEN)}
        options = RunOptions(brain="bedrock", llm=LlmSettings(), remediation="off", servers=servers, state_dir=tmp_path)
        result, state = asyncio.run(run_investigation(incident(), options))
    answered = [e for e in provider.exchanges if e.status == 200]
    assert answered and not provider.errors and {e.protocol for e in provider.exchanges} == {"bedrock"}
    # Tiered by default on Bedrock with no model set: Haiku 4.5 routes, Sonnet 4.6 investigates and concludes,
    # each through the region's inference profile -- on the wire, in the result and in its spend.
    haiku, sonnet = "us.anthropic.claude-haiku-4-5-20251001-v1:0", "us.anthropic.claude-sonnet-4-6"
    assert {e.model for e in answered} == {haiku, sonnet}
    assert all(e.model == (haiku if "RouteDecision" in str(e.body.get("toolConfig")) else sonnet) for e in answered)
    assert result.llm.model == f"bedrock:{haiku}, bedrock:{sonnet}"
    by_model = {m.model: m for m in result.llm.by_model}
    assert by_model[f"bedrock:{haiku}"].steps == ["supervisor"]
    assert {"kubernetes", "diagnosis"} <= set(by_model[f"bedrock:{sonnet}"].steps)
    assert sum(m.calls for m in by_model.values()) == len(answered)
    assert sum(m.input_tokens for m in by_model.values()) == result.llm.input_tokens
    assert result.llm.input_tokens == sum(e.input_tokens for e in answered)
    assert result.llm.output_tokens == sum(e.output_tokens for e in answered)
    assert state.tool_calls and all(r.brain == "llm" for r in state.tool_calls)
    assert any(f.agent == "kubernetes" and f.details.get("brain") == "llm" for f in state.findings)
    kubernetes_turns = [e for e in answered if "toolConfig" in e.body and len(e.body["toolConfig"]["tools"]) > 3]
    assert kubernetes_turns[1].cache_read >= kubernetes_turns[0].cache_write > 0  # the second turn reads the first's prefix
    assert any(n.startswith("llm usage:") for n in state.notes)
