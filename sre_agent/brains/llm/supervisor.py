"""The LLM supervisor: the next question for a specialist, or done, as structured output.

The answer is checked in code: a known agent, a target that is a resource id, a namespace or
'cluster'. A question already asked means the model has nothing new to ask, so it counts as done
(the graph never repeats a task; this keeps the model from looping on one)."""

from __future__ import annotations

import re

from langchain_core.messages import HumanMessage, SystemMessage

from ...graph.state import SPECIALISTS, Investigation, Task
from .context import evidence_block, findings_block, incident_block, tasks_block
from .grounding import valid_resource_id
from .prompts import facts, load_prompt
from .resilience import InvalidAnswer, ModelChain, ask_structured
from .schemas import RouteDecision
from .settings import LlmSettings

NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def valid_target(target: str) -> bool:
    return target == "cluster" or bool(NAMESPACE.match(target)) or valid_resource_id(target)


def supervisor_messages(state: Investigation, settings: LlmSettings) -> list:
    budget = f"Questions used: {state.usage.steps} of {state.budget.max_steps}."
    return [SystemMessage(load_prompt("supervisor", facts(settings.max_tool_calls), settings.prompts_dir)),
            HumanMessage("\n\n".join([incident_block(state), tasks_block(state.tasks), findings_block(state.findings),
                                      evidence_block(state.tool_calls), budget]))]


async def route(chain: ModelChain, state: Investigation, settings: LlmSettings) -> tuple[Task | None, list[str]]:
    decision, handle = await ask_structured(chain, "supervisor", RouteDecision, supervisor_messages(state, settings))
    who = f"llm ({handle.label})"
    if decision.done:
        return None, [f"supervisor: {who} concluded the investigation: {decision.reason or '-'}"]
    agent, target = (decision.agent or "").strip(), (decision.target or "").strip()
    if agent not in SPECIALISTS:
        raise InvalidAnswer(f"the model routed to {agent!r}, not one of {', '.join(SPECIALISTS)}")
    if not valid_target(target):
        raise InvalidAnswer(f"the model's target {target!r} is not a resource id, a namespace or 'cluster'")
    task = Task(agent=agent, target=target, question=(decision.question or "triage").strip()[:300],
                reason=decision.reason.strip()[:300])
    if state.asked(task):
        return None, [f"supervisor: {who} asked an earlier question again ({agent} | {target}); treated as done"]
    return task, [f"supervisor: {who} asked {agent} about {target}"]
