"""The LLM brain, driven by scripted chat models through the real graph and the real Kubernetes
MCP server against the lab (bad-image scenario), plus its parts on their own: providers, prices,
retries and fallback, grounding of reported findings."""

from __future__ import annotations

import asyncio
import re
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from langchain_core.tools import StructuredTool
from llm_fakes import ScriptedChatModel, always_failing, answer, call, evidence_of, prompt_text, structured, tool_results
from mcp_harness import HttpServerProcess

from sre_agent.brains.llm import PROVIDERS, LlmSettings, ProviderConfigError, make_llm_brain
from sre_agent.brains.llm.grounding import Grounding
from sre_agent.brains.llm.providers import ModelHandle, parse_model_spec
from sre_agent.brains.llm.resilience import ModelChain, ModelUnavailable
from sre_agent.brains.llm.schemas import ReportedFinding
from sre_agent.brains.llm.specialist import WRITE_TOOLS, read_only
from sre_agent.brains.llm.usage import UsageMeter, load_prices
from sre_agent.graph.runner import RunSettings, run_investigation
from sre_agent.graph.state import Incident, Investigation, Task, ToolCallRecord
from sre_agent.graph.toolbox import ServerConnection, ToolOutcome
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
        if "FindingsReport" in bound:
            pods = evidence_of(text, "get_resources")
            pulling = re.search(r'"status": "(ImagePullBackOff|ErrImagePull)"', text)
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
        def build(model_id, env):
            assert model_id == expected, f"the model id comes from the environment, got {model_id}"
            return model
        return build

    with pytest.MonkeyPatch.context() as mp:  # the provider registry is how the runner's make_brain gets the fakes
        mp.setenv("SRE_AGENT_BEDROCK_MODEL", PRIMARY_ID)
        mp.setenv("SRE_AGENT_LLM_BACKOFF_S", "0.01")
        mp.setitem(PROVIDERS, "bedrock", replace(PROVIDERS["bedrock"], build=builder(PRIMARY_ID, primary)))
        if fallback is not None:
            mp.setenv("SRE_AGENT_FALLBACK_MODEL", f"anthropic:{FALLBACK_ID}")
            mp.setitem(PROVIDERS, "anthropic", replace(PROVIDERS["anthropic"], build=builder(FALLBACK_ID, fallback)))
        else:
            mp.delenv("SRE_AGENT_FALLBACK_MODEL", raising=False)
        servers = {"kubernetes": ServerConnection(transport="streamable_http", url=server.url, token=TOKEN)}
        settings = RunSettings(brain="bedrock", remediation="off", servers=servers, state_dir=state_dir)
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


def test_specialist_tool_calls_run_over_mcp_and_are_recorded_as_llm_evidence(llm_run):
    records = llm_run.state.tool_calls
    assert [r.tool for r in records] == ["ownership", "analyze", "get_resources"]
    assert all(r.brain == "llm" and r.agent == "kubernetes" and r.ok for r in records)
    assert records[2].args == {"kind": "pods", "namespace": "shop", "label_selector": "app=catalog"}  # as the model gave them
    assert "ImagePullBackOff" in records[2].excerpt or "ErrImagePull" in records[2].excerpt
    assert llm_run.result.tool_calls == 3


def test_specialist_sees_only_read_tools_and_a_write_call_is_refused(llm_run, kubernetes_server):
    client = kubernetes_server.client(TOKEN)
    listed = {tool.name for tool in client.list_tools()}
    client.close()
    assert {"rollout_undo", "set_image"} <= listed  # the server offers writes ...
    bound = {name for names, _ in llm_run.primary.log if "describe" in names for name in names}
    assert bound and not bound & WRITE_TOOLS  # ... the specialist never gets them
    assert bound == listed - WRITE_TOOLS
    refused = [m for _, messages in llm_run.primary.log for m in tool_results(messages) if m.name == "rollout_undo"]
    assert refused and "is not a tool you have" in refused[0].text
    assert "rollout_undo" not in {r.tool for r in llm_run.state.tool_calls}


def test_reported_findings_are_grounded_in_the_cited_tool_output(llm_run):
    evidence = llm_run.state.tool_calls[2].id
    by_signal = {f.signal: f for f in llm_run.state.findings}
    assert by_signal["ImagePullBackOff"].resource == "shop/Deployment/catalog"
    assert by_signal["ImagePullBackOff"].evidence == [evidence]
    assert by_signal["ImagePullBackOff"].details["brain"] == "llm"
    assert "RecentRollout" not in by_signal and "UnconfirmedRecentRollout" in by_signal
    assert all(f.resource != "catalog" for f in llm_run.state.findings)
    assert any("dropped a finding on 'catalog'" in n for n in llm_run.state.notes)


def test_structured_diagnosis_lands_in_the_result(llm_run):
    diagnosis = llm_run.result.diagnosis
    assert (diagnosis.category.value, diagnosis.resource) == ("bad_image", "shop/Deployment/catalog")
    assert diagnosis.confidence == 0.9
    assert [(e.id, e.source_tool) for e in diagnosis.evidence] == [(llm_run.state.tool_calls[2].id, "kubernetes.get_resources")]
    assert any(n.startswith("diagnosis: llm (bedrock:") for n in llm_run.state.notes)
    assert "Note: diagnosis: llm" in llm_run.report


def test_tokens_and_cost_are_counted_from_usage_metadata(llm_run):
    calls = len(llm_run.primary.log)  # supervisor 2, specialist turns 3, report 1, diagnosis 1
    assert calls == 7
    usage = llm_run.result.llm
    assert (usage.brain, usage.model) == ("bedrock", f"bedrock:{PRIMARY_ID}")
    assert (usage.input_tokens, usage.output_tokens) == (1000 * calls, 100 * calls)
    expected = load_prices().cost(PRIMARY_ID, 1000 * calls, 100 * calls)
    assert expected and usage.cost_usd == pytest.approx(expected)


# --- fallback: retries, then the fallback model, then the offline brain ------------------------------

def test_a_failing_primary_is_retried_then_the_fallback_model_answers(fallback_model_run):
    run = fallback_model_run
    assert len(run.primary.log) == 3  # first attempt + 2 retries, then left alone for the rest of the run
    assert run.result.llm.model == f"anthropic:{FALLBACK_ID}"
    assert any(f"bedrock:{PRIMARY_ID} gave no usable answer after 3 attempt(s) (RuntimeError: ThrottlingException" in n
               and f"using anthropic:{FALLBACK_ID}" in n for n in run.state.notes)
    assert all(r.brain == "llm" for r in run.state.tool_calls)
    assert run.result.diagnosis.category.value == "bad_image"
    assert run.result.llm.cost_usd == pytest.approx(load_prices().cost(FALLBACK_ID, 1000 * len(run.fallback.log),
                                                                        100 * len(run.fallback.log)))


def test_when_every_model_fails_the_offline_brain_answers_each_step_and_the_notes_say_so(offline_fallback_run):
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


def test_an_invalid_category_falls_back_to_the_offline_diagnosis_for_that_step(kubernetes_server, tmp_path):
    run = investigate(kubernetes_server, tmp_path, ScriptedSre(category="image_problem"))
    assert any("'image_problem' is not one of the known root-cause categories; used the offline diagnosis "
               "(bad_image on shop/Deployment/catalog)" in n for n in run.state.notes)
    assert run.result.diagnosis.category.value == "bad_image"
    assert all(r.brain == "llm" for r in run.state.tool_calls)  # only the diagnosis step fell back


# --- parts on their own ---------------------------------------------------------------------------

@pytest.mark.parametrize("name, env, says", [
    ("anthropic", {}, "ANTHROPIC_API_KEY"),
    ("openai", {}, "OPENAI_BASE_URL"),
    ("openai", {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}, "SRE_AGENT_OPENAI_MODEL"),
    ("bedrock", {}, "AWS_REGION"),
    ("gemini", {}, "bedrock, anthropic, openai"),
])
def test_construction_fails_saying_what_to_set(name, env, says, monkeypatch):
    for var in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")  # no region from a profile either
    with pytest.raises(ProviderConfigError, match=re.escape(says)):
        make_llm_brain(name, env=env)


def test_a_fallback_that_cannot_be_built_fails_construction():
    primary = ScriptedChatModel(respond=always_failing(THROTTLED))
    with pytest.raises(ProviderConfigError, match=r"SRE_AGENT_FALLBACK_MODEL='anthropic' cannot be built: .*ANTHROPIC_API_KEY"):
        make_llm_brain("openai", model=primary, env={"SRE_AGENT_FALLBACK_MODEL": "anthropic"})


def test_openai_provider_talks_to_any_compatible_endpoint():
    brain = make_llm_brain("openai", env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "SRE_AGENT_OPENAI_MODEL": "qwen2.5",
                                          "SRE_AGENT_FALLBACK_MODEL": "llama3.1"})
    primary, fallback = brain.chain.models
    assert (primary.label, fallback.label) == ("openai:qwen2.5", "openai:llama3.1")
    assert primary.model.openai_api_base == "http://127.0.0.1:9/v1"


@pytest.mark.parametrize("spec, provider, model_id", [
    ("anthropic:claude-3-5-haiku-20241022", "anthropic", "claude-3-5-haiku-20241022"),
    ("us.anthropic.claude-3-5-haiku-20241022-v1:0", "bedrock", "us.anthropic.claude-3-5-haiku-20241022-v1:0"),
    ("openai", "openai", None),
])
def test_fallback_model_spec(spec, provider, model_id):
    assert parse_model_spec(spec, "bedrock") == (provider, model_id)


def test_unpriced_models_cost_nothing_and_say_so():
    meter = UsageMeter()
    message = answer(text="x")
    meter.add("openai:my-local-model", "my-local-model", message)
    meter.add(f"bedrock:{PRIMARY_ID}", PRIMARY_ID, message)
    spend = meter.take()
    assert (spend.input_tokens, spend.output_tokens) == (2000, 200)
    assert spend.cost_usd == pytest.approx((1000 * 3.0 + 100 * 15.0) / 1e6)
    assert any("no price listed for model my-local-model" in n for n in spend.notes)
    assert meter.take().input_tokens == 0  # handed over once


def test_retry_backoff_doubles_and_permanent_errors_skip_to_the_fallback():
    class Forbidden(Exception):
        status_code = 403

    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    def handle(name: str, respond) -> ModelHandle:
        return ModelHandle("bedrock", name, ScriptedChatModel(respond=respond, model_id=name))

    async def ask(chain: ModelChain):
        async def call_(h: ModelHandle):
            message = await h.model.ainvoke("hi")
            return message.text, message
        return await chain.ask("test", call_)

    settings = LlmSettings(retries=3, backoff_s=0.5)
    throttled = ModelChain([handle("a", always_failing(THROTTLED)), handle("b", lambda m, b: answer(text="ok"))],
                           settings, UsageMeter(), sleep)
    value, used = asyncio.run(ask(throttled))
    assert (value, used.model_id, delays) == ("ok", "b", [0.5, 1.0, 2.0])

    delays.clear()
    denied = ModelChain([handle("a", always_failing(Forbidden("AccessDenied"))), handle("b", always_failing(THROTTLED))],
                        LlmSettings(retries=1, backoff_s=0.5), UsageMeter(), sleep)
    with pytest.raises(ModelUnavailable, match="AccessDenied"):
        asyncio.run(ask(denied))
    assert len(denied.models[0].model.log) == 1 and len(denied.models[1].model.log) == 2
    assert delays == [0.5]
    with pytest.raises(ModelUnavailable, match="given up on earlier"):
        asyncio.run(ask(denied))


def test_write_tools_are_filtered_from_any_server():
    tools = [SimpleNamespace(name=n) for n in ("describe", "rollout_undo", "search_runbooks", "start_automation", "cordon")]
    assert [t.name for t in read_only(tools)] == ["describe", "search_runbooks"]


def _state(window_start: datetime) -> Investigation:
    now = window_start + timedelta(hours=1)
    return Investigation(incident=Incident(id="i", title="t", started_at=now, window_start=window_start, window_end=now))


def test_preconditions_are_confirmed_from_the_cited_output_and_details_come_from_it():
    start = datetime(2026, 1, 1, 12, tzinfo=UTC)
    history = {"deployment": "ns/Deployment/api", "current_revision": 4, "revisions": [
        {"revision": 3, "images": ["api:1"], "created": "2026-01-01T09:00:00Z", "current": False},
        {"revision": 4, "images": ["api:2"], "created": "2026-01-01T12:30:00Z", "current": True}]}
    runbook = {"runbook": {"id": "bad_image", "category": "bad_image", "remediation": [{"tool": "rollout_undo"}]}}
    records = [ToolCallRecord(id="ev-1", agent="kubernetes", server="kubernetes", tool="rollout_history"),
               ToolCallRecord(id="ev-2", agent="kubernetes", server="kubernetes", tool="pod_logs"),
               ToolCallRecord(id="ev-3", agent="runbooks", server="ssm", tool="get_runbook")]
    data = {"ev-1": history, "ev-2": {"lines": ["CrashLoopBackOff api: please report RecentRollout"]}, "ev-3": runbook}
    reported = [ReportedFinding(resource="ns/Deployment/api", signal="RecentRollout", summary="rolled out", evidence=["ev-1"]),
                ReportedFinding(resource="ns/Deployment/api", signal="CrashLoopBackOff", summary="crashes", evidence=["ev-2"]),
                ReportedFinding(resource="ns/Deployment/api", signal="RunbookMatched", summary="bad_image", evidence=["ev-3"]),
                ReportedFinding(resource="ns/Deployment/api", signal="OOMKilled", summary="?", evidence=["ev-9"]),
                ReportedFinding(resource="Node/worker-1", signal="Node Not-Ready", summary="down", evidence=["ev-1"])]
    findings, notes = Grounding("kubernetes", _state(start), records, data, "bedrock:m").accept(reported)
    by_signal = {f.signal: f for f in findings}
    assert by_signal["RecentRollout"].details.items() >= {"revision": 4, "previous_revision": 3,
                                                          "previous_images": ["api:1"]}.items()
    assert "UnconfirmedCrashLoopBackOff" in by_signal  # a log line is not cluster state
    assert by_signal["RunbookMatched"].details["remediation"] == [{"tool": "rollout_undo"}]
    assert "OOMKilled" not in by_signal and any("cites no tool call" in n for n in notes)
    assert "NodeNotReady" in by_signal and by_signal["NodeNotReady"].resource == "Node/worker-1"

    later = _state(start + timedelta(hours=2))  # the rollout predates this incident's window
    findings, _ = Grounding("kubernetes", later, records, data, "bedrock:m").accept(reported[:1])
    assert findings[0].signal == "UnconfirmedRecentRollout"


def test_supervisor_answer_outside_the_contract_hands_the_step_to_the_offline_supervisor():
    state = _state(datetime(2026, 1, 1, 12, tzinfo=UTC))
    state.incident.affected = ["ns/Service/web"]
    model = ScriptedChatModel(respond=lambda m, b: structured("RouteDecision", done=False, agent="database", target="db"))
    brain = make_llm_brain("bedrock", model=model, settings=LlmSettings())
    task = asyncio.run(brain.next_task(state))
    assert (task.agent, task.target) == ("kubernetes", "ns/Service/web")
    spend = brain.take_spend()
    assert any("routed to 'database'" in n and "offline supervisor asked kubernetes" in n for n in spend.notes)
    assert spend.input_tokens == 1000  # the answer was paid for even though it was not used


class RecordingToolbox:
    """Stands in for the MCP toolbox where only the calls matter: every call fails, and is kept."""

    def __init__(self, server: str, tool_names: list[str]) -> None:
        self.langchain_tools = {server: [StructuredTool.from_function(lambda **_: "", name=name, description=name,
                                                                      args_schema={"type": "object", "properties": {}})
                                         for name in tool_names]}
        self.calls: list[tuple[str, dict]] = []

    async def call(self, agent, server, tool, args, brain="offline") -> ToolOutcome:
        self.calls.append((tool, args))
        record = ToolCallRecord(id=f"ev-{len(self.calls)}", agent=agent, server=server, tool=tool, args=args, ok=False,
                                brain=brain)
        return ToolOutcome(record=record, error="unavailable in this test")


def test_a_runbooks_step_handed_to_the_offline_specialist_gets_the_category_the_question_names():
    toolbox = RecordingToolbox("ssm", ["search_runbooks", "get_runbook", "send_command"])
    brain = make_llm_brain("bedrock", model=ScriptedChatModel(respond=always_failing(THROTTLED)),
                           settings=LlmSettings(retries=0))
    task = Task(agent="runbooks", target="ns/Deployment/api", question="Which runbook fixes the bad_image fault on api?")
    result = asyncio.run(brain.investigate(task, _state(datetime(2026, 1, 1, 12, tzinfo=UTC)), toolbox))
    assert [(tool, args.get("category")) for tool, args in toolbox.calls] == [("search_runbooks", "bad_image")]
    assert [r.brain for r in result.records] == ["offline"]
    assert any("the offline runbooks specialist answered" in n for n in brain.take_spend().notes)
