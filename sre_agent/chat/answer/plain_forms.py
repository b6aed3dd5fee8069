"""The forms that need no reading of the question: /help (what chat answers, by example), "more" (the last answer
whole) and "describe" (kubectl describe answered: the object's state, then its facts, its containers first)."""

from __future__ import annotations

import re

from ..ask import HANDLERS, Ask, handles, settle
from ..models import Answer
from .facts import object_facts
from .health import describe, status

EXAMPLES = [
    ("broken_now", "what's broken right now?   (add 'in namespace X' to scope it)"),
    ("alarms", "are any alarms firing?"),
    ("pod_problems", "any pods crashlooping?"),
    ("changes", "what changed in the last 2 hours?"),
    ("status", "is checkout healthy?"),
    ("why_failing", "why is checkout failing?   (a full investigation, read-only)"),
    ("logs", "show me checkout's logs   /   show me its logs"),
    ("traffic", "what happened to checkout's traffic in the last hour?   /   error rate of checkout"),
    ("events", "events for checkout"),
    ("describe", "describe checkout   /   describe the checkout pods   (its state and every fact; kubectl commands work too)"),
    ("dependencies", "what does checkout depend on?   /   and its dependencies?"),
    ("dependents", "what depends on ledger?   /   what depends on the app-config configmap?"),
    ("call_path", "walk me down the call chain from frontend   /   path from frontend to ledger   (where it breaks)"),
    ("blame", "is the config change to blame?   /   did 4.3.0 cause this?   (a verdict from the investigation)"),
    ("affected", "is payments affected?   (its own state and what it calls)"),
    ("compare", "compare checkout and payments   /   node-a vs node-b"),
    ("rollback_safe", "is it safe to roll back checkout?"),
    ("rollback_request", "roll it back   (answered with the action to approve; chat never writes)"),
    ("runbook", "which runbook applies?"),
    ("version", "what version is it running?"),
    ("placement", "which node is the broken checkout pod on?"),
    ("node_pods", "what else was running on it?   (a node: its pods and their workloads)"),
    ("rollout_state", "did the checkout rollout give up or is it still going?"),
    ("history", "rollout history of checkout"),
    ("config_refs", "what secret does it read?"),
    ("config_value", "what is DATABASE_URL set to?   (a ConfigMap's value, an env var, a flag; a Secret's value never)"),
    ("list_kind", "quota usage in shop   /   what storage classes do we have?   /   are the daemonsets all up?"),
    ("job_ran", "did the nightly job run?"),
    ("release_why", "why did 2.8.0 crash?   (a release by its version; rolled back: what its pods left behind)"),
    ("node_room", "how much cpu is requested on ip-10-0-1-20?   (its pods' requests against its allocatable)"),
    ("which_pods", "which pods?   (after naming a workload or its alarm: its pods in trouble, with their nodes)"),
    ("do_it", "do it   (after an answer that proposed an action: the approval request for it)"),
]
COMMANDS = "/help  /new (fresh conversation)  /history  /report (this session's answers)  /exit (or Ctrl-D)"


def help_text() -> list[str]:
    return [f"  {text}" for _, text in EXAMPLES] + ["", f"Commands: {COMMANDS}",
                                                    "Ctrl-C cancels the current answer; 'it' means the last resource discussed."]


@handles("help")
async def help_answer(ask: Ask) -> Answer:
    return ask.answer("I answer these questions from the cluster, CloudWatch and SSM (read-only):", details=help_text(),
                      full=True)


@handles("more")
async def more(ask: Ask) -> Answer:
    """The previous answer, every line of it: answers show what bears on the question first (chat/conversation/brief.py)."""
    if not ask.last_answer:
        return ask.answer("Nothing to expand yet: ask a question first.")
    return Answer.model_validate(ask.last_answer).model_copy(update={"question": ask.question, "form": "more", "full": True})


@handles("describe", needs=("kubernetes", "cloudwatch"))
async def describe_answer(ask: Ask) -> Answer:
    """kubectl describe, answered: the object's state first, then its facts (spec, pods, placement)."""
    answer = await state_and_facts(ask, ask.resource or "")
    answer.form = "describe"
    answer.details = containers_first(answer.details)
    return answer


_CONTAINER_STATE = re.compile(r"^(?:init )?container (\S+) (waiting|running|terminated|unknown)\b")
_CONTAINER_SPEC = re.compile(r"^(?:init )?container (\S+): ")
_TROUBLE = re.compile(r"OOMKilled|CrashLoop|BackOff|Error|exit code [1-9]|not ready", re.IGNORECASE)


def containers_first(details: list[str]) -> list[str]:
    """kubectl describe's heart, after the state's first line: each container's state with its spec under it (image,
    requests, limits), the ones in trouble first -- what a short answer keeps when it keeps little."""
    states = {m.group(1): line for line in details if (m := _CONTAINER_STATE.match(line))}
    specs = {m.group(1): line for line in details if (m := _CONTAINER_SPEC.match(line))}
    names = list(dict.fromkeys([*states, *specs]))
    if not names:
        return details
    said_in_trouble = " ".join(line for line in details if _TROUBLE.search(line) and not _CONTAINER_SPEC.match(line))

    def trouble(name: str) -> bool:  # its state says so, or its pods' trouble names it ("Container envoy is in CrashLoop...")
        state = states.get(name, "")
        return bool(state) and (" running" not in state or "last terminated" in state) or \
            re.search(rf"\bcontainer {re.escape(name)}\b", said_in_trouble, re.IGNORECASE) is not None
    blocks = []
    for name in sorted(names, key=lambda n: not trouble(n)):
        lines = [line for line in (states.get(name), specs.get(name)) if line]
        blocks += [lines[0], *("  " + line for line in lines[1:])]
    rest = [line for line in details[1:] if line not in states.values() and line not in specs.values()]
    return [*details[:1], *blocks, *rest]


async def state_and_facts(ask: Ask, rid: str) -> Answer:
    """`rid`'s status -- its "healthy" settled by the honesty rule first -- then every fact of it."""
    described = await describe(ask, rid)
    answer = settle(await status(ask, described), HANDLERS["status"].needs)
    answer.details += await object_facts(ask, rid, described)
    return answer
