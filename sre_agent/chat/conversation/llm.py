"""Chat with an LLM brain: each turn a tool-using conversation (brains/llm/chat_agent.py) that sees the
session's earlier turns from the same LangGraph thread the offline chat keeps, and whose answer is
the same Answer the offline chat gives -- with the tool calls behind it as evidence, the honesty rule
applied to it (`settle`), and a next step whenever it reports a problem. The answer is checked against
this turn's tool results and weighed against the offline chat's answer to the same question: a model
can only add (llm_check.py).

What code decides, whatever the model says:
- change requests ("roll it back", "restart it") never reach the model: the offline chat's pinned
  approval path answers them ("why is X failing?" keeps its path too: the investigation, with the
  session's brain). A change the model names is planned the same way only when the SRE's
  own question asks for a change (an instruction in a log line never does);
- the session's LLM budget (the run budget's tokens and dollars, counted over the session's turns
  and kept in its checkpoint) is checked before every model call; once spent, and when every model
  fails, the offline chat answers the turn from the tools and the answer says why."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from ...brains.llm.brain import LlmBrain
from ...brains.llm.chat_agent import ChatAgent, ChatReply, ChatToolset, ChatTurn
from ...brains.llm.prompts import facts, load_prompt
from ...brains.llm.resilience import BudgetSpent, ModelChain
from ...brains.llm.settings import LlmSettings
from ...contracts import parse_resource_id
from ...graph.coverage import HEALTH_BACKENDS
from ...graph.ports import Tools
from ...graph.state import Budget
from ..ask import HANDLERS, Ask, settle
from ..models import Answer, ChatUsage
from .llm_check import weigh

# Answered on their own path whatever the brain: changes are planned in code, never by a model, and
# "why is X failing?" is the full multi-agent investigation (which runs with the session's brain).
WRITE_FORMS = frozenset({"rollback_request", "write_request", "node_or_pod_write", "do_it"})
OWN_PATH_FORMS = WRITE_FORMS | {"help", "why_failing"}
# What makes a question a change request: only then may the model's `requested_change` be planned.
CHANGE_VERBS = re.compile(r"\b(roll(ed|ing)?\s*(it|them|\w+)?\s*back|rollback|revert|undo|restart|bounce|recycle|redeploy|"
                          r"scale|delete|kill|cordon|uncordon|drain|set\s+(its|the)?\s*\w*\s*(image|limit|request)|"
                          r"bump|raise|increase|decrease|lower)\b", re.IGNORECASE)
HISTORY_TURNS = 8


def budget_left(budget: Budget, used: dict[str, Any], pending_tokens: int, pending_cost: float) -> str | None:
    """Why the session's LLM budget is spent (the run budget's wording), or None while some is left."""
    tokens = int(used.get("input_tokens", 0)) + int(used.get("output_tokens", 0)) + pending_tokens
    cost = float(used.get("cost_usd", 0.0)) + pending_cost
    if tokens >= budget.max_tokens:
        return f"token budget spent ({tokens} of {budget.max_tokens})"
    if cost >= budget.max_cost_usd:
        return f"cost budget spent (${cost:.2f} of ${budget.max_cost_usd:.2f})"
    return None


def chat_prompt(settings: LlmSettings) -> str:
    """prompts/chat.md with its placeholders filled from code facts."""
    values = {**facts(settings.max_tool_calls), "tools_per_turn": str(settings.max_tool_calls),
              "health_backends": ", ".join(HEALTH_BACKENDS)}
    return load_prompt("chat", values, settings.prompts_dir)


def history_messages(turns: list[dict[str, Any]], keep: int = HISTORY_TURNS) -> list[BaseMessage]:
    """The session's last turns as the model reads them: each question, and the answer given with the
    tool calls it rested on (so "its logs" has an "it", and a fact already read need not be read again)."""
    messages: list[BaseMessage] = []
    for turn in turns[-keep:]:
        answer = turn.get("answer") or {}
        lines = [f"[{answer.get('status', 'answered')}] {answer.get('headline', '')}",
                 *(f"- {d}" for d in (answer.get("details") or [])[:10]),
                 *(f"next: {s}" for s in (answer.get("next_steps") or [])[:4])]
        if answer.get("resources"):
            lines.append("resources: " + ", ".join(answer["resources"][:6]))
        calls = [f"{e.get('id')} {e.get('server')}.{e.get('tool')} {e.get('args')}" + ("" if e.get("ok", True) else " (failed)")
                 for e in (answer.get("evidence") or [])[:12]]
        if calls:
            lines.append("tool calls: " + "; ".join(calls))
        messages += [HumanMessage(turn.get("question") or ""), AIMessage("\n".join(lines))]
    return messages


def question_block(ask: Ask) -> str:
    lines = []
    if ask.focus:
        lines.append("Resources discussed in this session, most recent first ('it' means the first): "
                     + ", ".join(ask.focus[:6]))
    if ask.namespace:
        lines.append(f"Namespace in scope: {ask.namespace}")
    lines.append(f"The SRE asks: {ask.question}")
    return "\n".join(lines)


def _resource_ids(candidates: list[str]) -> list[str]:
    valid = []
    for rid in candidates:
        try:
            parse_resource_id(rid)
        except ValueError:
            continue
        valid.append(rid)
    return list(dict.fromkeys(valid))


class LlmChat:
    """The session's LLM chat: its brain's models, the read-only tools offered, and the prompt."""

    def __init__(self, brain: LlmBrain, tools: Tools, budget: Budget) -> None:
        self.brain = brain
        self.budget = budget
        self.toolset = ChatToolset(tools)  # chosen once per session, by annotation
        self.instructions = chat_prompt(brain.settings)  # a missing or broken prompt fails the session's start

    def answers(self, form: str) -> bool:
        return form not in OWN_PATH_FORMS

    async def answer(self, ask: Ask, turns: list[dict[str, Any]], used: dict[str, Any], offline: Any) -> tuple[Answer, dict]:
        """(the answer, the session's LLM usage after it). `offline(ask)` answers the way the offline chat does."""
        meter = self.brain.meter
        # A fresh chain per turn: a model given up on in one turn is tried again in the next.
        chain = ModelChain(self.brain.chain.models, self.brain.settings, meter, self.brain.chain.sleep)
        chain.budget_check = lambda: budget_left(self.budget, used, meter.pending.input_tokens + meter.pending.output_tokens,
                                                 meter.pending.cost_usd)
        agent = ChatAgent(chain, self.brain.settings, self.toolset, self.instructions)
        turn = await agent.converse(history_messages(turns), question_block(ask))
        ask.records.extend(turn.records)
        if turn.failure is not None or turn.reply is None:
            answer = await self._fallback(ask, turn, offline)
        else:
            answer = await self._from_reply(ask, turn.reply)
            if answer.form == "llm":  # a model can only add: weighed against the offline chat's answer (llm_check.py)
                answer = weigh(answer, await offline(ask), turn.records)
        spent = meter.take()
        answer.llm = ChatUsage(brain=self.brain.name, models=spent.models, input_tokens=spent.input_tokens,
                               output_tokens=spent.output_tokens, cost_usd=round(spent.cost_usd, 6),
                               tools_offered=len(turn.offered), notes=[*turn.notes, *spent.notes])
        total = {"input_tokens": int(used.get("input_tokens", 0)) + spent.input_tokens,
                 "output_tokens": int(used.get("output_tokens", 0)) + spent.output_tokens,
                 "cost_usd": float(used.get("cost_usd", 0.0)) + spent.cost_usd}
        return answer, total

    async def _fallback(self, ask: Ask, turn: ChatTurn, offline: Any) -> Answer:
        failure = turn.failure
        if isinstance(failure, BudgetSpent):
            why = f"this session's LLM budget is spent ({failure.why}): no model was asked further"
        elif failure is not None:
            why = f"no model answered ({failure.failures[-1] if failure.failures else 'none configured'})"
        else:
            why = "the model gave no answer"
        kept = f" with the {len(turn.records)} tool call(s) the model made kept as evidence" if turn.records else ""
        answer = await offline(ask)
        answer.details.insert(0, f"(LLM brain {self.brain.name}: {why}; the offline chat answered this turn{kept})")
        return answer

    async def _from_reply(self, ask: Ask, reply: ChatReply) -> Answer:
        if reply.requested_change is not None:
            planned = await self._planned_change(ask, reply)
            if planned is not None:
                return planned
        resources = _resource_ids(reply.resources)
        answer = ask.answer(reply.headline, status=reply.status, details=list(reply.details),
                            next_steps=list(reply.next_steps), resources=resources)
        answer.form = "llm"
        if reply.requested_change is not None:
            change = reply.requested_change
            answer.details.append(f"(the model proposed a change the question did not ask for -- {change.change} on "
                                  f"{change.resource} -- nothing was planned; ask for it yourself if you want it)")
        if answer.status == "problems" and not answer.next_steps:  # every answer about a problem says what to do next
            subject = f" {resources[0]}" if resources else ""
            answer.next_steps = [f"Investigate it (read-only): sre-agent investigate --prompt \"{ask.question}{subject}\""]
        # "healthy" rests on the cluster and its telemetry; any other answer names what it could not see.
        return settle(answer, HEALTH_BACKENDS if answer.status == "healthy" else ())

    async def _planned_change(self, ask: Ask, reply: ChatReply) -> Answer | None:
        """The offline chat's approval path for a change the SRE asked for (None: the question asked for none)."""
        change = reply.requested_change
        assert change is not None
        if not CHANGE_VERBS.search(ask.question):
            return None
        try:
            _, kind, _ = parse_resource_id(change.resource)
        except ValueError:
            return None
        form = "rollback_request" if re.search(r"roll|revert|undo", f"{ask.question} {change.change}", re.IGNORECASE) \
            and kind == "Deployment" else "write_request"
        planning = replace(ask, question=f"{ask.question} ({change.change})",
                           recognised=ask.recognised.model_copy(update={"form": form}), resource=change.resource)
        registered = HANDLERS[form]
        answer = settle(await registered.handler(planning), registered.needs)
        answer.question = ask.question
        return answer
