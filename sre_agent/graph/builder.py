"""The investigation graph, on one screen. Run-scoped dependencies (brain, tools, policy, ...)
arrive per run as the RunContext; progress leaves through the custom stream."""

from __future__ import annotations

from contextlib import nullcontext

from langgraph.graph import END, StateGraph
from langgraph.runtime import Runtime

from .context import RunContext
from .escalation import escalate
from .remediation import act, after_act, after_approve, after_remediate, approve, remediate
from .report import finish
from .specialists import specialist
from .state import SPECIALISTS, Investigation
from .supervisor import next_step, supervise
from .verification import verdict, verify


def traced(name: str, node):
    """The node inside a tracing span when the run is traced (specialists open their own)."""
    async def run(state: Investigation, runtime: Runtime[RunContext]) -> dict:
        tracer = runtime.context.tracer
        with tracer.node_span(name) if tracer else nullcontext():
            return await node(state, runtime)
    return run


def build_graph(checkpointer=None):
    graph = StateGraph(Investigation, context_schema=RunContext)
    graph.add_node("supervisor", traced("supervisor", supervise))
    for name in SPECIALISTS:                      # kubernetes, metrics, logs, runbooks
        graph.add_node(name, specialist(name))
        graph.add_edge(name, "supervisor")
    graph.add_node("remediate", traced("remediate", remediate))  # plan, pin, gate
    graph.add_node("approve", approve)                             # the interrupt: a human names the action id
    graph.add_node("act", traced("act", act))                      # once per fault (the ledger), precondition checked
    graph.add_node("verify", traced("verify", verify))
    graph.add_node("escalate", traced("escalate", escalate))
    graph.add_node("finish", traced("finish", finish))
    graph.set_entry_point("supervisor")
    graph.add_conditional_edges("supervisor", next_step,
                                [*SPECIALISTS, "remediate", "escalate", "finish"])
    graph.add_conditional_edges("remediate", after_remediate, ["approve", "act", "escalate"])
    graph.add_conditional_edges("approve", after_approve, ["act", "escalate"])
    graph.add_conditional_edges("act", after_act, ["verify", "remediate", "escalate"])  # a stale plan: re-pin once
    graph.add_conditional_edges("verify", verdict, ["finish", "escalate"])
    graph.add_edge("escalate", "finish")
    graph.add_edge("finish", END)
    return graph.compile(checkpointer=checkpointer)
