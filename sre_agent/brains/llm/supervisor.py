"""The LLM supervisor: the next questions for the specialists, or done, as structured output.

The model may plan ahead: the next question plus the ones to follow it (`then`), and whether to
conclude once they are answered (`conclude_after`). The planned questions are asked without a
model call each -- each call costs a full prompt -- until a finding names a resource that no
question asked or planned targets: that is news the plan did not foresee, so the model is asked
again. A plan lives in the brain for one investigation; a brain that lost it (a resumed run)
simply asks the model.

Every question is checked in code: a known agent, a target that is a resource id, a namespace or
'cluster'. A question already asked means the model has nothing new to ask, so it counts as done
(the graph never repeats a task; this keeps the model from looping on one)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_core.messages import HumanMessage, SystemMessage

from ...graph.state import SPECIALISTS, Investigation, Task
from .context import MAX_FINDINGS, calls_summary, finding_groups, incident_block, tasks_block
from .grounding import valid_resource_id
from .prompts import facts, load_prompt
from .resilience import InvalidAnswer, ModelChain, ask_structured
from .schemas import PlannedQuestion, RouteDecision
from .settings import LlmSettings

NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def valid_target(target: str) -> bool:
    return target == "cluster" or bool(NAMESPACE.match(target)) or valid_resource_id(target)


@dataclass
class Plan:
    """Questions the model planned ahead for one investigation, not asked yet."""

    incident: str
    label: str
    questions: list[Task]
    conclude_after: bool
    tasks_seen: int  # len(state.tasks) expected when the plan is next consulted
    findings_seen: int  # findings already read when the plan was made or last followed

    def new_lead(self, state: Investigation) -> str | None:
        """A finding since the plan was last followed about a resource no question targets."""
        targets = {t.target for t in state.tasks} | {t.target for t in self.questions}
        return next((f.resource for f in state.findings[self.findings_seen:]
                     if f.severity != "info" and f.resource not in targets), None)

    def follow(self, state: Investigation) -> tuple[bool, Task | None, str]:
        """(whether the plan answers this step, the next task or None to conclude, a note)."""
        if state.incident.id != self.incident or len(state.tasks) != self.tasks_seen:
            return False, None, ""
        lead = self.new_lead(state)
        if lead:
            return False, None, f"supervisor: a finding on {lead}, which no question targets, changes the plan"
        self.findings_seen = len(state.findings)
        while self.questions:
            task = self.questions.pop(0)
            if not state.asked(task):
                self.tasks_seen += 1
                return True, task, f"supervisor: llm ({self.label}) planned: asked {task.agent} about {task.target}"
        if self.conclude_after:
            return True, None, f"supervisor: llm ({self.label}) planned to conclude after its questions"
        return False, None, ""


def supervisor_messages(state: Investigation, settings: LlmSettings) -> tuple[list, int]:
    """The request, and the index of the last block of its question that the next supervisor request
    of this investigation sends again unchanged: the incident, then the findings one block per
    specialist's answer (the questions asked, the call counts and the budget change every time, so
    they come last). Cached up to that block, the next request reads it back."""
    budget = f"Questions used: {state.usage.steps} of {state.budget.max_steps}."
    groups = finding_groups(state.findings)
    if groups:  # the header goes with the first group: the incident's block is the same before and after
        groups[0] = "Findings so far:\n" + groups[0]
    cut = [f"({len(state.findings)} findings in all: the last {MAX_FINDINGS} are above.)"] \
        if len(state.findings) > MAX_FINDINGS else [] if groups else ["Findings so far: none."]
    rest = "\n\n".join([*cut, tasks_block(state.tasks), calls_summary(state.tool_calls), budget])
    blocks = [{"type": "text", "text": text + "\n\n"} for text in [incident_block(state), *groups]]
    blocks.append({"type": "text", "text": rest})
    system = SystemMessage(load_prompt("supervisor", facts(settings.max_tool_calls), settings.prompts_dir))
    return [system, HumanMessage(content=blocks)], len(groups)


def _task(question: PlannedQuestion) -> Task:
    agent, target = question.agent.strip(), question.target.strip()
    if agent not in SPECIALISTS:
        raise InvalidAnswer(f"the model routed to {agent!r}, not one of {', '.join(SPECIALISTS)}")
    if not valid_target(target):
        raise InvalidAnswer(f"the model's target {target!r} is not a resource id, a namespace or 'cluster'")
    return Task(agent=agent, target=target, question=(question.question or "triage").strip()[:300],
                reason=question.reason.strip()[:300])


async def route(chain: ModelChain, state: Investigation,
                settings: LlmSettings) -> tuple[Task | None, list[str], Plan | None]:
    """The model's next question (None: done), notes, and the questions it planned after it."""
    messages, stable_through = supervisor_messages(state, settings)
    decision, handle = await ask_structured(chain, "supervisor", RouteDecision, messages, stable_through)
    who = f"llm ({handle.label})"
    if decision.done:
        return None, [f"supervisor: {who} concluded the investigation: {decision.reason or '-'}"], None
    task = _task(PlannedQuestion(agent=decision.agent or "", target=decision.target or "",
                                 question=decision.question or "", reason=decision.reason))
    if state.asked(task):
        return None, [f"supervisor: {who} asked an earlier question again ({task.agent} | {task.target}); "
                      "treated as done"], None
    notes = [f"supervisor: {who} asked {task.agent} about {task.target}"]
    planned: list[Task] = []
    conclude_after = decision.conclude_after
    for question in decision.then:
        try:
            planned.append(_task(question))
        except InvalidAnswer as exc:  # the questions before it stand; the model is asked again after them
            notes.append(f"supervisor: dropped the rest of {who}'s plan: {exc}")
            conclude_after = False
            break
    plan = Plan(incident=state.incident.id, label=handle.label, questions=planned, conclude_after=conclude_after,
                tasks_seen=len(state.tasks) + 1, findings_seen=len(state.findings))
    if planned or plan.conclude_after:
        notes[0] += f", then {len(planned)} more planned" + ("; concluding after them" if plan.conclude_after else "")
    return task, notes, plan
