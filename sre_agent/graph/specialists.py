"""Specialist nodes: each answers the supervisor's pending question with its own MCP server."""

from __future__ import annotations

from langgraph.runtime import Runtime

from .context import RunContext, emit, tools_of
from .spend import with_spend
from .state import Agent, Investigation


def specialist(agent: Agent):
    async def node(state: Investigation, runtime: Runtime[RunContext]) -> dict:
        brain, tracer = runtime.context.brain, runtime.context.tracer
        task = state.pending
        assert task is not None and task.agent == agent, f"{agent} node reached without a question for it"
        emit(runtime, "agent", agent=agent, target=task.target, question=task.question)
        tools = tools_of(runtime)
        tools.start_numbering_at(len(state.tool_calls))
        span = tracer.node_span(agent) if tracer else None
        result = await brain.investigate(task, state, tools)
        if span is not None:
            span.close()
        for finding in result.findings:
            if finding.severity != "info":
                emit(runtime, "finding", agent=agent, resource=finding.resource, signal=finding.signal,
                     summary=finding.summary)
        return with_spend(brain, state, {"tasks": [task], "pending": None, "tool_calls": result.records,
                                         "findings": result.findings, "links": tools.links})

    node.__name__ = f"{agent}_agent"
    return node
