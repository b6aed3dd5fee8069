"""Specialist nodes: each answers the supervisor's pending question with its own MCP server."""

from __future__ import annotations

from langchain_core.runnables import RunnableConfig

from .brain import with_spend
from .runtime import runtime_of
from .state import Agent, Investigation


def specialist(agent: Agent):
    async def node(state: Investigation, config: RunnableConfig) -> dict:
        rt = runtime_of(config)
        task = state.pending
        assert task is not None and task.agent == agent, f"{agent} node reached without a question for it"
        rt.emit("agent", agent=agent, target=task.target, question=task.question)
        rt.toolbox.start_numbering_at(len(state.tool_calls))
        span = rt.tracer.node_span(agent) if rt.tracer else None
        result = await rt.brain.investigate(task, state, rt.toolbox)
        if span is not None:
            span.close()
        for finding in result.findings:
            if finding.severity != "info":
                rt.emit("finding", agent=agent, resource=finding.resource, signal=finding.signal, summary=finding.summary)
        return with_spend(rt.brain, state, {"tasks": [task], "pending": None, "tool_calls": result.records,
                                            "findings": result.findings})

    node.__name__ = f"{agent}_agent"
    return node
