"""X-Ray tracing of investigations: segment documents built with aws-xray-sdk's entities, sent to
moto's X-Ray over PutTraceSegments and to a UDP "daemon" socket, read back through the X-Ray API
and drawn as a waterfall by `sre-agent trace`; plus one real investigation of the lab."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
import time

import pytest
import typer
from langgraph.errors import GraphInterrupt
from typer.testing import CliRunner

from sre_agent.commands.trace import build_trees, render_waterfall, trace
from sre_agent.lab.aws.server import MotoServer, aws_env, client
from sre_agent.tracing.emitters import MAX_DOCUMENT_BYTES, ApiEmitter, DaemonEmitter
from sre_agent.tracing.tracer import NullTracer, Tracer, node_span, tracer_for

XRAY_TRACE_ID = re.compile(r"^1-[0-9a-f]{8}-[0-9a-f]{24}$")


class MemoryEmitter:
    """Keeps the documents a tracer sends, parsed."""

    description = "memory"

    def __init__(self) -> None:
        self.documents: list[dict] = []

    def send(self, entities) -> None:
        self.documents += [json.loads(entity.serialize()) for entity in entities]


def scripted_investigation(tracer, incident_id: str = "INC-trace-1") -> None:
    """What the graph does to a tracer in a short run: two nodes with tool calls (one failing), an LLM call."""
    tracer.begin(incident_id=incident_id, severity="high", brain="offline", source="alarm")
    with tracer.node_span("supervisor"):
        pass
    kubernetes = tracer.node_span("kubernetes")
    tracer.tool_span("kubernetes", "get_resources").close()
    tracer.tool_span("kubernetes", "describe").close(error="not found: shop/Pod/catalog-0")
    kubernetes.close()
    metrics = tracer.node_span("metrics")
    tracer.llm_span("anthropic.claude-3-5-sonnet").close(input_tokens=1200, output_tokens=150)
    metrics.close()
    tracer.annotate(status="escalated", category="bad_image")
    tracer.end()


def by_name(root) -> dict[str, list]:
    found: dict[str, list] = {}
    for _, node in root.walk():
        found.setdefault(node.name, []).append(node)
    return found


def wait_for_next_second() -> None:
    """X-Ray queries take whole seconds; a trace that ended this very second is not in [start, now) yet."""
    time.sleep(1.05 - time.time() % 1)


@pytest.fixture(scope="module")
def moto():
    server = MotoServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def xray(moto):
    return client("xray", moto.url)


def test_segments_land_in_moto_and_parse_back_into_the_tree(moto, xray, caplog):
    caplog.set_level(logging.DEBUG, logger="aws_xray_sdk")
    tracer = tracer_for("auto", aws_env(moto.url))  # AWS_ENDPOINT_URL set: PutTraceSegments, the lab's default
    assert isinstance(tracer, Tracer) and isinstance(tracer.emitter, ApiEmitter)
    scripted_investigation(tracer)
    assert XRAY_TRACE_ID.match(tracer.trace_id)

    traces = xray.batch_get_traces(TraceIds=[tracer.trace_id])["Traces"]
    documents = [json.loads(s["Document"]) for s in traces[0]["Segments"]]
    assert len(documents) == 1  # small enough to travel as one segment document
    [root] = build_trees(documents)
    assert root.name == "sre-agent" and root.trace_id == tracer.trace_id
    assert root.annotations == {"incident_id": "INC-trace-1", "severity": "high", "brain": "offline",
                                "source": "alarm", "status": "escalated", "category": "bad_image"}
    assert [c.name for c in root.children] == ["supervisor", "kubernetes", "metrics"]
    kubernetes = by_name(root)["kubernetes"][0]
    ok, failed = kubernetes.children
    assert (ok.name, ok.annotations) == ("kubernetes.get_resources", {"server": "kubernetes", "tool": "get_resources"})
    assert not ok.failed and ok.metadata["duration_ms"] >= 0
    assert failed.name == "kubernetes.describe" and failed.error and not failed.fault
    assert failed.cause == "not found: shop/Pod/catalog-0"
    [llm] = by_name(root)["metrics"][0].children
    assert (llm.metadata["input_tokens"], llm.metadata["output_tokens"]) == (1200, 150)
    assert root.metadata["counts"] == {"tool_calls": 2, "tool_errors": 1, "llm_calls": 1,
                                       "input_tokens": 1200, "output_tokens": 150}
    assert documents[0]["subsegments"][1]["subsegments"][0]["namespace"] == "remote"
    # No "no segment found" or other complaints from the SDK: its global recorder is never used.
    assert not [r for r in caplog.records if r.name.startswith("aws_xray_sdk") and r.levelno >= logging.WARNING]


def test_an_oversized_trace_is_sent_as_independent_subsegments_and_reassembled(xray):
    tracer = Tracer(ApiEmitter(client=xray))
    tracer.begin(incident_id="INC-big", severity="low", brain="offline")
    node = tracer.node_span("kubernetes")
    for index in range(300):
        tracer.tool_span("kubernetes", "pod_logs").close(error=f"call {index}: " + "x" * 300)
    node.close()
    tracer.end()

    documents = [json.loads(s["Document"])
                 for s in xray.batch_get_traces(TraceIds=[tracer.trace_id])["Traces"][0]["Segments"]]
    assert len(documents) > 1
    assert all(len(json.dumps(d)) <= MAX_DOCUMENT_BYTES for d in documents)
    assert {d.get("type") for d in documents} == {None, "subsegment"}
    [root] = build_trees(documents)
    [kubernetes] = root.children
    assert len(kubernetes.children) == 300 and all(c.error for c in kubernetes.children)


def test_daemon_emitter_sends_a_segment_document_over_udp(monkeypatch):
    daemon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    daemon.bind(("127.0.0.1", 0))
    daemon.settimeout(5)
    address = f"127.0.0.1:{daemon.getsockname()[1]}"
    monkeypatch.setenv("AWS_XRAY_DAEMON_ADDRESS", address)  # the SDK reads the process environment too
    try:
        tracer = tracer_for("auto", {"AWS_XRAY_DAEMON_ADDRESS": address, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
        assert isinstance(tracer.emitter, DaemonEmitter)  # the daemon wins over the API when both are set
        scripted_investigation(tracer, "INC-udp")
        packet, _ = daemon.recvfrom(65535)
    finally:
        daemon.close()
    header, body = packet.decode().split("\n", 1)
    assert json.loads(header) == {"format": "json", "version": 1}
    document = json.loads(body)
    assert document["trace_id"] == tracer.trace_id and document["name"] == "sre-agent"
    assert document["annotations"]["incident_id"] == "INC-udp" and document["end_time"] > document["start_time"]
    assert [s["name"] for s in document["subsegments"]] == ["supervisor", "kubernetes", "metrics"]


@pytest.mark.parametrize("mode, env", [
    ("auto", {}),
    ("off", {"AWS_ENDPOINT_URL": "http://127.0.0.1:9"}),
    ("auto", {"AWS_XRAY_SDK_ENABLED": "false", "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000"}),
    ("sometimes", {"AWS_ENDPOINT_URL": "http://127.0.0.1:9"}),
], ids=["unconfigured", "off", "sdk-disabled", "unknown-mode"])
def test_null_tracer_when_tracing_is_not_configured(mode, env, caplog):
    tracer = tracer_for(mode, env)
    assert isinstance(tracer, NullTracer) and not tracer and tracer.trace_id is None

    async def run() -> None:
        async with tracer.investigation(incident_id="INC-off", severity="low", brain="offline"):
            with node_span(tracer, "supervisor"):
                tracer.tool_span("kubernetes", "events").close(error="boom")
                tracer.llm_span("m").close(input_tokens=1, output_tokens=1)
            tracer.annotate(status="healthy")

    asyncio.run(run())
    if mode == "sometimes":
        assert "tracing.mode (SRE_AGENT_TRACING_MODE)='sometimes' is not one of off, auto, api, daemon" in caplog.text


def test_spans_outside_a_traced_run_are_no_ops():
    emitter = MemoryEmitter()
    tracer = Tracer(emitter)
    tracer.tool_span("kubernetes", "events").close()  # not begun: nothing to hang it on, and no complaint
    scripted_investigation(tracer)
    tracer.tool_span("kubernetes", "events").close(error="late")  # after the end: ignored
    tracer.end()  # twice: nothing sent twice
    assert len(emitter.documents) == 1
    assert tracer.node_span("late").closed


def test_node_spans_record_faults_interrupts_and_unclosed_work():
    emitter = MemoryEmitter()
    tracer = Tracer(emitter).begin(incident_id="INC-nodes", severity="high", brain="offline")
    with pytest.raises(ValueError), node_span(tracer, "verify"):
        raise ValueError("resource vanished")
    with pytest.raises(GraphInterrupt), node_span(tracer, "remediate"):
        raise GraphInterrupt()
    tracer.node_span("kubernetes")  # a node that never closed its span (it raised first)
    tracer.tool_span("kubernetes", "describe")
    tracer.end()

    [root] = build_trees(emitter.documents)
    verify, remediate, kubernetes = root.children
    assert verify.fault and verify.cause == "ValueError: resource vanished"
    assert not remediate.failed and remediate.metadata["paused"].startswith("waiting for a human")
    assert kubernetes.metadata["unfinished"] and kubernetes.children[0].metadata["unfinished"]
    assert kubernetes.children[0].annotations["tool"] == "describe"  # nested under the open node


def test_a_run_that_fails_still_sends_its_segment_with_the_fault():
    emitter = MemoryEmitter()
    tracer = Tracer(emitter)

    async def failing_run() -> None:
        async with tracer.investigation(incident_id="INC-crash", severity="high", brain="offline"):
            tracer.node_span("kubernetes")
            raise RuntimeError("checkpointer unreachable")

    with pytest.raises(RuntimeError):
        asyncio.run(failing_run())
    [root] = build_trees(emitter.documents)
    assert root.fault and root.cause == "RuntimeError: checkpointer unreachable"
    assert root.children[0].metadata["unfinished"]


KNOWN_TRACE = [
    {"id": "a000000000000001", "trace_id": "1-65000000-000000000000000000000001", "name": "sre-agent",
     "start_time": 1000.0, "end_time": 1002.0,
     "annotations": {"incident_id": "INC-7", "severity": "high", "brain": "offline", "status": "escalated",
                     "category": "bad_image"},
     "subsegments": [
         {"id": "b000000000000001", "name": "supervisor", "start_time": 1000.0, "end_time": 1000.1},
         {"id": "b000000000000002", "name": "kubernetes", "start_time": 1000.1, "end_time": 1001.5, "subsegments": [
             {"id": "c000000000000001", "name": "kubernetes.describe", "start_time": 1000.2, "end_time": 1000.7},
             {"id": "c000000000000002", "name": "kubernetes.events", "start_time": 1000.7, "end_time": 1001.0,
              "error": True, "cause": {"working_directory": "/", "exceptions": [
                  {"id": "e1", "type": "ToolCallError", "message": "timed out"}]}}]}]},
    # Sent on its own (as an oversized trace's parts are): found its parent by parent_id.
    {"id": "b000000000000003", "trace_id": "1-65000000-000000000000000000000001", "type": "subsegment",
     "parent_id": "a000000000000001", "name": "metrics", "start_time": 1001.5, "end_time": 1002.0,
     "subsegments": [{"id": "c000000000000003", "name": "llm claude", "start_time": 1001.5, "end_time": 1002.0,
                      "metadata": {"sre_agent": {"input_tokens": 900, "output_tokens": 80}}}]},
]


def test_waterfall_of_a_known_tree():
    [root] = build_trees(KNOWN_TRACE)
    assert render_waterfall(root, width=20) == (
        "trace 1-65000000-000000000000000000000001\n"
        "incident_id=INC-7  severity=high  brain=offline  status=escalated  category=bad_image\n"
        "7 spans, 2000 ms, 1 failed\n"
        "   offset  duration  timeline                span\n"
        "     0 ms    2000 ms  [====================]  sre-agent\n"
        "     0 ms     100 ms  [=                   ]    supervisor\n"
        "   100 ms    1400 ms  [ ==============     ]    kubernetes\n"
        "   200 ms     500 ms  [  =====             ]      kubernetes.describe\n"
        "   700 ms     300 ms  [       !!!          ]      kubernetes.events  (ERROR: timed out)\n"
        "  1500 ms     500 ms  [               =====]    metrics\n"
        "  1500 ms     500 ms  [               =====]      llm claude  (tokens in=900 out=80)\n"
    )


@pytest.fixture
def trace_cli():
    app = typer.Typer()
    app.command()(trace)
    return lambda args, env: CliRunner().invoke(app, args, env=env)


def test_trace_command_draws_the_incident_from_moto(moto, trace_cli):
    tracer = tracer_for("auto", aws_env(moto.url))
    scripted_investigation(tracer, "INC-cli-1")
    scripted_investigation(tracer_for("auto", aws_env(moto.url)), "INC-cli-other")
    wait_for_next_second()
    result = trace_cli(["INC-cli-1"], aws_env(moto.url))
    assert result.exit_code == 0, result.output
    assert f"trace {tracer.trace_id}" in result.output and "INC-cli-other" not in result.output
    bars_and_spans = [line.split("[", 1)[1].split("]  ", 1) for line in result.output.splitlines() if "]  " in line]
    spans = {span: bar for bar, span in bars_and_spans}
    assert {"sre-agent", "  supervisor", "  kubernetes", "    kubernetes.get_resources", "  metrics",
            "    llm anthropic.claude-3-5-sonnet  (tokens in=1200 out=150)"} <= set(spans)
    failed = spans["    kubernetes.describe  (ERROR: not found: shop/Pod/catalog-0)"]
    assert "!" in failed and "=" not in failed


def test_trace_command_errors_say_what_to_do(moto, trace_cli):
    missing = trace_cli(["INC-nowhere", "--hours", "2"], aws_env(moto.url))
    assert missing.exit_code == 1
    assert "no trace for incident INC-nowhere" in missing.output and "(the last 2 h)" in missing.output
    assert "--hours" in missing.output

    no_credentials = {**aws_env(moto.url), "AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None,
                      "AWS_PROFILE": None, "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
                      "AWS_CONFIG_FILE": "/nonexistent", "AWS_EC2_METADATA_DISABLED": "true"}
    result = trace_cli(["INC-1"], no_credentials)
    assert result.exit_code == 1 and "no AWS credentials" in result.output and "lab.env" in result.output

    result = trace_cli(["INC-1", "--endpoint-url", "http://127.0.0.1:9"], aws_env(moto.url))
    assert result.exit_code == 1 and "cannot reach X-Ray at http://127.0.0.1:9" in result.output


def test_a_real_investigation_traces_its_kubernetes_tool_calls(tmp_path):
    from sre_agent.app.intake import incident_for_trigger
    from sre_agent.app.options import RunOptions
    from sre_agent.app.runs import run_investigation
    from sre_agent.app.servers import ServerConnection
    from sre_agent.lab.lab import Lab
    from sre_agent.lab.trigger import scenario_trigger

    with Lab(history_minutes=30) as lab:
        lab.load("bad-image")
        trigger = scenario_trigger(lab)
        incident = incident_for_trigger(trigger.alarm, trigger.question)
        settings = RunOptions(remediation="off", state_dir=tmp_path, env=lab.env(),
                              servers={"kubernetes": ServerConnection(module="mcp_servers.kubernetes", env=lab.env())})
        result, _ = asyncio.run(run_investigation(incident, settings))  # no tracer given: the lab env turns it on
        assert result.trace_id and XRAY_TRACE_ID.match(result.trace_id)
        segments = client("xray", lab.moto.url, lab.account).batch_get_traces(TraceIds=[result.trace_id])["Traces"]
        [root] = build_trees([json.loads(s["Document"]) for s in segments[0]["Segments"]])

    assert root.annotations["incident_id"] == incident.id and root.annotations["status"] == result.status
    assert root.annotations["run_id"] == result.run_id  # a second run of the incident is a second trace
    assert root.annotations["category"] == result.diagnosis.category.value
    spans = by_name(root)
    assert {"connect", "supervisor", "kubernetes", "finish"} <= set(spans)
    tools = [c for node in spans["kubernetes"] for c in node.children]
    assert tools and all(t.annotations["server"] == "kubernetes" and t.name == f"kubernetes.{t.annotations['tool']}"
                         for t in tools)
    assert not any(t.failed for t in tools)
    # Only the kubernetes server is connected: the other agents' calls are traced as errors.
    cloudwatch = [n for _, n in root.walk() if n.annotations.get("server") == "cloudwatch"]
    assert cloudwatch and all(n.error and "no MCP server 'cloudwatch'" in n.cause for n in cloudwatch)
    assert root.metadata["counts"]["tool_calls"] == result.tool_calls
