""""will it happen again tomorrow", "will other new deployments in notify hit the same thing", "what happens to the
other pods when the old nodes go away", "once it's resumed will the errors stop on their own": what comes next, read
from an investigation of what the conversation is about.

The future is the cause's: a cause in a spec, a config or a cluster object stays until it is fixed, so the trouble
comes back whenever pods meet it again (a restart, a reschedule, a new workload); a cause that load brings (a CPU
limit, a node group at its maximum) comes back with the load; a leak comes back with time. An action the question
says ("if we restart it", "once it is resumed") is checked against the fix the investigation found: it is that fix,
or pods recreated from the same spec, which meet the same cause."""

from __future__ import annotations

import re

from ...contracts import RootCauseCategory as C
from ..ask import Ask, handles
from ..models import Answer
from .remedies import (
    CLEARED_BY_NEW_PODS,
    RELIEVED_FOR_A_WHILE,
    by_investigation,
    cleared_by_new_pods,
    restart_verdict,
    subject_named,
)

# Causes that come back with the load that brought them, not with every pod start.
BROUGHT_BY_LOAD = {C.CPU_THROTTLING.value: "its pods are held at their CPU limit whenever the load is this high",
                   C.UNSCHEDULABLE.value: "new pods find no room whenever the load asks for more of them"}
# What the question says will be done first, and the words of the fix command that does it (graph's proposed fixes).
ACTIONS = (
    (re.compile(r"\b(resum\w*|unpaus\w*)\b", re.I), ("rollout resume",)),
    (re.compile(r"\b(roll(ed|ing)?\s*back|rollback|undo(ne)?|revert(ed|ing)?\s+the\s+(release|rollout|deploy\w*))\b", re.I),
     ("rollout undo",)),
    (re.compile(r"\b(scal(e|ed|ing)\s+(it\s+|them\s+)?(up|out|back)|more\s+(replicas|pods))\b", re.I), ("scale",)),
    (re.compile(r"\buncordon\w*\b", re.I), ("uncordon",)),
)
# Pods made again from the same spec: a restart, a delete, a reschedule, a node going away under them.
RECREATED = re.compile(r"\b(restart\w*|bounc\w*|recycl\w*|delet\w*|kill\w*|re-?schedul\w*|re-?creat\w*|evict\w*|"
                       r"drain\w*|go(es)?\s+away|moved?|replac\w*)\b", re.I)
WHEN_SAID = re.compile(r"\b(if|once|when|after)\b", re.I)
# "will removing the taint fix it for good": the action said as a gerund, before what it would do
GERUND = re.compile(r"\b(?:will|would|does|could|can)\s+(?:just\s+|only\s+)?(?P<verb>[a-z]{3,}ing)\b(?P<rest>.*)", re.I)
# The question asks whether the trouble ends ("will the errors stop on their own"), not whether it comes back.
ENDS = re.compile(r"\b(stop|clear|recover|settle|fix\s+(itself|themselves|it|this|that|things)|solve|sort|resolve|cure|"
                  r"heal|be\s+(ok|okay|fine)|come\s+back\s+up)\b|"
                  r"\b(errors?|5xx|it|they|this|that|problem|issue|crash\w*)\s+(will\s+|would\s+)?go\s+away\b", re.I)
# "what happens to the other pods when ...": asked openly, answered without a yes or no.
WHAT_HAPPENS = re.compile(r"^\W*what\s+(will\s+|would\s+)?happens?\b", re.I)


def _recurs(category: str, culprit: str, subject: str, summary: str) -> str:
    if category == "none":
        return (f"Not from anything found now: nothing is wrong with {subject} -- it comes back only if what set it off "
                "does (a surge or a dependency's outage)" + (f" -- {summary}" if summary else ""))
    if category in RELIEVED_FOR_A_WHILE:
        return f"Yes: {RELIEVED_FOR_A_WHILE[category]} -- the root cause is {category} on {culprit}: {summary}"
    if cleared_by_new_pods(category, summary):
        return (f"Yes: at every change of it whose readers are not restarted ({CLEARED_BY_NEW_PODS[category]}) -- "
                f"{category} on {culprit}: {summary}")
    if category in BROUGHT_BY_LOAD:
        return (f"Yes: whenever the load comes back until the cause is fixed ({BROUGHT_BY_LOAD[category]}) -- "
                f"{category} on {culprit}: {summary}")
    return (f"Yes: until the cause is fixed it stays in place and every pod that starts or moves meets it again -- "
            f"{category} on {culprit}: {summary}")


def _ends_alone(category: str, culprit: str, subject: str, summary: str) -> str:
    if category == "none":
        return f"Yes: nothing is wrong with {subject} now -- nothing found is holding it" + (f": {summary}" if summary else "")
    return f"No: not on its own -- the cause stays until it is fixed: {category} on {culprit}: {summary}"


def _recreated_again(category: str, culprit: str, subject: str, summary: str) -> str:
    if category == "none":
        return f"Nothing was found wrong with {subject}: pods made again run as these do"
    if cleared_by_new_pods(category, summary):
        return f"No: {CLEARED_BY_NEW_PODS[category]} -- {category} on {culprit}: {summary}"
    if category in RELIEVED_FOR_A_WHILE:
        return f"Yes: after a while ({RELIEVED_FOR_A_WHILE[category]}) -- {category} on {culprit}: {summary}"
    return (f"Yes: pods made again run the same spec on the same cluster and meet the same cause -- "
            f"{category} on {culprit}: {summary}")


# the action's verb: the word after who does it ("if we only suspend the cronjob"), or the gerund ("removing the taint")
ACTION_VERB = re.compile(r"^\s*(?:(?:we|i|you|they)\s+(?:only\s+|just\s+|then\s+|first\s+)?(?P<verb>[a-z]{4,})|(?P<gerund>[a-z]{3,}ing))\b",
                         re.I)


def _verb_of(after: str) -> tuple[str, ...] | None:
    """The action's own verb, stemmed ("suspend", "remov"): the word a fix step that does it carries. None: no action
    said, or pods made again (RECREATED)."""
    match = ACTION_VERB.match(after)
    verb = (match.group("verb") or match.group("gerund")).lower() if match else ""
    if not verb or RECREATED.match(verb):
        return None
    stem = re.sub(r"(ing|ed|es|s|e)$", "", verb)
    return (stem,) if len(stem) >= 4 else None


@handles("will_recur", needs=("kubernetes", "cloudwatch"))
async def will_recur(ask: Ask) -> Answer:
    await subject_named(ask)
    said = ask.question
    when = WHEN_SAID.search(said)
    after = said[when.end():] if when else ""  # the action the question is conditioned on ("if we restart it")
    if not after and (gerund := GERUND.search(said)):  # "will removing the taint fix it": the action is the gerund
        after = gerund.group("verb") + gerund.group("rest")
    # "if we suspend it does the portal come back": after an action, coming back is recovering (never "again")
    ends = ENDS.search(said) is not None or bool(after and re.search(r"\bcome\s+back\b", said, re.I)
                                                  and not re.search(r"\bagain\b", said, re.I))
    wanted = next((words for pattern, words in ACTIONS if pattern.search(after)), None) or (
        None if RECREATED.search(after) else _verb_of(after))
    if wanted is None and after and RECREATED.search(after):  # new pods of the same spec: the same cause
        answer = await by_investigation(ask, restart_verdict if ends else _recreated_again)
        if WHAT_HAPPENS.search(said) and answer.headline.startswith("Yes: "):
            rest = answer.headline.removeprefix("Yes: ")
            answer.headline = rest[:1].upper() + rest[1:]
        return answer
    answer = await by_investigation(ask, _ends_alone if ends else _recurs)
    if wanted is None or answer.status == "unknown":
        return answer
    fixes = [step for step in answer.next_steps if step.startswith("Fix ")]
    fix = next((step for step in fixes if any(w in step.lower() for w in wanted)), None)
    if fix is not None:
        verdict = "Yes" if ends else "No once that is done"
        return answer.model_copy(update={"headline": f"{verdict}: that is the fix the investigation found -- {fix}"})
    if fixes:
        verdict = "Not by itself" if ends else "Yes: that alone leaves the cause"
        return answer.model_copy(update={"headline": f"{verdict}: the fix the investigation found is another -- {fixes[0]}",
                                         "details": [answer.headline, *answer.details]})
    return answer
