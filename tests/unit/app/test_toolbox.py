"""The MCP toolbox reads what servers send -- structured content from typed tools, FastMCP's
{"result": "<json>"} wrapping of str tools, plain text from servers without structured output --
as the same parsed dict, and offers a model only the tools annotated readOnlyHint=True."""

from __future__ import annotations

import asyncio
import json

import pytest
from mcp.server.fastmcp import FastMCP
from mcp.shared.memory import create_connected_server_and_client_session
from mcp.types import ToolAnnotations
from pydantic import BaseModel

from sre_agent.app.toolbox import Toolbox, result_data

PODS = {"items": [{"name": "api-1", "status": "Running"}], "count": 1}


class PodList(BaseModel):
    items: list[dict]
    count: int


def server() -> FastMCP:
    mcp = FastMCP("test")

    @mcp.tool(annotations=ToolAnnotations(readOnlyHint=True))
    def typed_pods(namespace: str) -> PodList:
        return PodList(**PODS)

    @mcp.tool(annotations=ToolAnnotations(readOnlyHint=True))
    def str_pods(namespace: str) -> str:
        return json.dumps(PODS)

    @mcp.tool(structured_output=False)
    def text_pods(namespace: str) -> str:
        return json.dumps(PODS)

    @mcp.tool(annotations=ToolAnnotations(readOnlyHint=False, destructiveHint=True))
    def restart(name: str) -> str:
        return f"restarted {name}"

    @mcp.tool()
    def failing(name: str) -> str:
        raise ValueError(f"no such thing: {name}")

    return mcp


def with_toolbox(check):
    async def run():
        async with create_connected_server_and_client_session(server()._mcp_server) as session:
            toolbox = Toolbox({})
            await toolbox.adopt("kubernetes", session)
            return await check(toolbox)
    return asyncio.run(run())


@pytest.mark.parametrize("tool", ["typed_pods", "str_pods", "text_pods"])
def test_every_result_shape_reads_as_the_same_dict(tool):
    async def check(toolbox: Toolbox):
        return await toolbox.call("kubernetes", "kubernetes", tool, {"namespace": "shop"})

    outcome = with_toolbox(check)
    assert outcome.error is None and outcome.data == PODS
    assert outcome.record.ok and "api-1" in outcome.record.excerpt and outcome.record.id == "ev-1"


def test_errors_and_non_json_text_are_kept_as_they_came():
    async def check(toolbox: Toolbox):
        return (await toolbox.call("remediation", "kubernetes", "restart", {"name": "api"}),
                await toolbox.call("kubernetes", "kubernetes", "failing", {"name": "x"}),
                await toolbox.call("metrics", "cloudwatch", "get_metric_data", {}))

    restarted, failed, unconnected = with_toolbox(check)
    assert restarted.data == "restarted api"
    assert failed.data is None and "no such thing: x" in failed.error and not failed.record.ok
    assert "no MCP server 'cloudwatch'" in unconnected.error
    assert [o.record.id for o in (restarted, failed, unconnected)] == ["ev-1", "ev-2", "ev-3"]


def test_only_tools_that_declare_read_only_are_offered_to_a_model():
    async def check(toolbox: Toolbox):
        return {t.name for t in toolbox.read_only_tools("kubernetes")}, toolbox.parameters

    read_only, parameters = with_toolbox(check)
    assert read_only == {"typed_pods", "str_pods"}  # unannotated tools count as tools that may write
    assert parameters[("kubernetes", "restart")] == {"name"}


@pytest.mark.parametrize("structured, text, data", [
    ({"items": [], "count": 0}, '{"items": [], "count": 0}', {"items": [], "count": 0}),
    ({"result": '{"items": []}'}, '{"items": []}', {"items": []}),
    ({"result": "rolled back"}, "rolled back", "rolled back"),
    ({"result": "x", "more": 1}, "", {"result": "x", "more": 1}),
    (None, '{"alarms": []}', {"alarms": []}),
    (None, "plain words", "plain words"),
])
def test_result_data(structured, text, data):
    assert result_data(structured, text) == data


def test_a_read_only_toolbox_refuses_tools_that_may_write_without_calling_them():
    async def run():
        async with create_connected_server_and_client_session(server()._mcp_server) as session:
            toolbox = Toolbox({}, reads_only=True)
            await toolbox.adopt("kubernetes", session)
            return (await toolbox.call("chat", "kubernetes", "restart", {"name": "api"}),
                    await toolbox.call("chat", "kubernetes", "text_pods", {"namespace": "shop"}),
                    await toolbox.call("chat", "kubernetes", "typed_pods", {"namespace": "shop"}))

    restart, unannotated, read = asyncio.run(run())
    assert restart.data is None and "read-only: nothing was called" in restart.error
    assert unannotated.error and "may write" in unannotated.error  # no annotation: assumed to write
    assert read.error is None and read.data == PODS


def test_the_servers_redaction_count_is_kept_on_the_evidence_record():
    masking = FastMCP("masking")

    @masking.tool(annotations=ToolAnnotations(readOnlyHint=True))
    def describe(name: str) -> str:
        return json.dumps({"object": {"env": [{"name": "DB_PASSWORD", "value": "***"}]}, "redacted": 2})

    async def run():
        async with create_connected_server_and_client_session(masking._mcp_server) as session:
            toolbox = Toolbox({})
            await toolbox.adopt("kubernetes", session)
            return await toolbox.call("kubernetes", "kubernetes", "describe", {"name": "api"})

    outcome = asyncio.run(run())
    assert outcome.record.redacted == 2 and outcome.data["redacted"] == 2


def test_a_metric_series_longer_than_the_excerpt_is_kept_typed_and_bounded():
    from datetime import UTC, datetime, timedelta

    from sre_agent.app.evidence_series import MAX_SERIES_POINTS
    from sre_agent.app.toolbox import EXCERPT_CHARS

    start = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    values = [40.0 + (i % 7) for i in range(180)]
    values[97] = 99.5  # a one-minute spike a plain thinning would step over
    stamps = [(start + timedelta(minutes=i)).isoformat().replace("+00:00", "Z") for i in range(180)]
    metrics = FastMCP("metrics")

    @metrics.tool(annotations=ToolAnnotations(readOnlyHint=True))
    def get_metric_data(metric_name: str) -> str:
        return json.dumps({"namespace": "ContainerInsights", "metric": metric_name, "period": 60,
                           "dimensions": {"Namespace": "shop", "PodName": "search"},
                           "series": {"Maximum": {"timestamps": stamps, "values": values}}})

    async def run():
        async with create_connected_server_and_client_session(metrics._mcp_server) as session:
            toolbox = Toolbox({})
            await toolbox.adopt("cloudwatch", session)
            return await toolbox.call("metrics", "cloudwatch", "get_metric_data", {"metric_name": "pod_memory"})

    record = asyncio.run(run()).record
    assert len(record.excerpt) == EXCERPT_CHARS  # the excerpt alone holds about a tenth of the series
    assert record.started_at is not None and record.started_at.tzinfo is not None  # when the call was made
    [series] = record.series
    assert (series.metric, series.statistic, series.period_s, series.points) == ("pod_memory", "Maximum", 60, 180)
    assert series.dimensions == {"Namespace": "shop", "PodName": "search"}
    assert len(series.values) <= MAX_SERIES_POINTS and max(series.values) == 99.5 and min(series.values) == 40.0
    assert series.timestamps == sorted(series.timestamps) and series.timestamps[0] == start
