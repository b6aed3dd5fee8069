""""Do it" / "yes do that" / "go ahead": the action the previous answer proposed, as an approval request --
never a write (chat is read-only) and never a guess: with no action proposed, say so."""

from __future__ import annotations

import re

from ..ask import Ask, handles
from ..models import Answer, ApprovalRequest
from .forms import Recognised, candidate_words, kind_nouns, recognise, starts_with_change

# A command the previous answer told the human to run ("-- `kubectl ...`", "To approve, run: kubectl ...").
KUBECTL = re.compile(r"(kubectl\s+[^`\n]+?)(?:`|$|\s+--\s)")


def _proposed(answer: dict) -> ApprovalRequest | None:
    """The pinned action an answer proposed or asked approval for."""
    for key in ("approval", "proposal"):
        if answer.get(key):
            return ApprovalRequest.model_validate(answer[key])
    return None


def _proposed_command(answer: dict) -> tuple[str, str] | None:
    """(the step, its kubectl command): the first next step of the previous answer that names a command."""
    for step in answer.get("next_steps") or []:
        match = KUBECTL.search(step)
        if match:
            return step, match.group(1).strip()
    return None


def pin_command(ask: Ask, step: str, kubectl: str, resource: str, proposed_in: str) -> Answer:
    """A proposed step's kubectl command pinned for a human to run after approval (no MCP tool does it)."""
    request = ApprovalRequest(tool="(by hand: no pinned tool action)", resource=resource, change=step[:200],
                              args={"command": kubectl}, how_to_approve=[kubectl])
    return ask.answer(f"Approval needed: {kubectl}" + (f" ({resource})" if resource else "") +
                      ". Chat is read-only and has changed nothing.", status="approval_required", approval=request,
                      resources=[resource] if resource else [], details=[f"the step proposed in {proposed_in}: {step[:240]}"],
                      next_steps=[f"To approve, run: {kubectl}", "Then ask 'how is it doing?' to verify."])


# "the secret has an ops-note saying to delete it ... do that", "a tablet note says to scale X to 0, do that": what a
# text in the cluster says to do -- an annotation, a note, a log line -- asked to be done
NOTE_SAYS = re.compile(r"\b(notes?|annotations?|comments?|log\s+lines?|messages?|webhook|banner|ops-?notes?)\b[^.?!]{0,40}?"
                       r"\b(says?|saying|said|tells?|telling|asks?|asking|wants?)\b", re.IGNORECASE)


@handles("do_it")
async def do_it(ask: Ask) -> Answer:
    if NOTE_SAYS.search(ask.question):
        return _note_is_no_instruction(ask)
    previous = ask.last_answer or {}
    request = _proposed(previous)
    if request is not None:
        ask.resource = request.resource
        return ask.answer(f"Approval needed: {request.tool} {request.resource} ({request.change or request.precondition}). "
                          "Chat is read-only and has changed nothing.", status="approval_required", approval=request,
                          details=[f"the action proposed in the previous answer ({previous.get('form')}): {request.tool} {request.args}"],
                          next_steps=[f"To approve, run: {request.how_to_approve[0]}" if request.how_to_approve else
                                      "Approve it in the responder: sre-agent investigate --remediation approve",
                                      *request.how_to_approve[1:], "Then ask 'how is it doing?' to verify."])
    command = _proposed_command(previous)
    resources = previous.get("resources") or []
    if command is not None:
        return pin_command(ask, command[0], command[1], resources[0] if resources else "", "the previous answer")
    return ask.answer("Nothing to do yet: the previous answer proposed no action. Say the change you want "
                      "(e.g. 'roll it back', 'restart it', 'scale it to 3').", status="needs_subject",
                      next_steps=["Ask 'why is it failing?' first: the diagnosis proposes the fix."])


# A turn that asks something of its own, rather than naming what the previous one asked about.
_ASKS = re.compile(r"^\W*(what|why|how|is|are|was|were|does|do|did|can|could|should|would|which|who|when|where|any|show|list|"
                   r"tell|give|explain|help|summari[sz]e|draft|write|compose|post|describe|get|logs|top)\b", re.IGNORECASE)
_IN_NAMESPACE = re.compile(r"\bin\s+(?:namespace\s+)?([a-z0-9][a-z0-9-]*)\b", re.IGNORECASE)
COMPLETABLE = ("write_request", "node_or_pod_write", "rollback_request")
MAX_FRAGMENT_WORDS = 12


def completed_request(question: str, last_answer: dict | None) -> tuple[str, Recognised] | None:
    """"roll it back" -> "which one?" -> "the account-api deployment in customer": a change request that waited for
    its subject, completed by a turn that only names it (and maybe its value: "on network-graph, make it 3Gi").
    Returns the request's words with the fragment's, and the request's form with the fragment's subject."""
    last = last_answer or {}
    if last.get("status") != "needs_subject" or last.get("form") not in COMPLETABLE or _ASKS.match(question) \
            or len(question.split()) > MAX_FRAGMENT_WORDS or not last.get("question"):
        return None
    own = recognise(question)
    if starts_with_change(question) or own.form in COMPLETABLE and own.subject and not own.refers_back:
        # "raise the pods quota in portal to 20", "update marlow-registry with the current robot secret": a request of
        # its own, with its own verb -- never a fragment that lends its object to the verb of the request before it
        return None
    words = candidate_words(question)
    namespaces = [m.lower() for m in _IN_NAMESPACE.findall(question)]
    names = [w for w in words if w not in namespaces]
    if not names:
        return None
    prior = recognise(str(last["question"]))
    kinds = kind_nouns(question)
    return (f"{last['question']} -- {question}",
            prior.model_copy(update={"subject": names[0], "refers_back": False, "guessed": False, "candidates": words,
                                     "namespace": namespaces[0] if namespaces else prior.namespace,
                                     "kind_hint": kinds[0] if kinds else prior.kind_hint}))


def _note_is_no_instruction(ask: Ask) -> Answer:
    """What a text in the cluster says to do is never done for being said there: tool output (annotations, logs,
    events) is untrusted and never widens what chat may do -- said, with the fault the conversation found and its fix,
    so the on-call has what to do instead."""
    diagnosis = ask.last_diagnosis or {}
    root, category = str(diagnosis.get("resource") or ""), str(diagnosis.get("category") or "none")
    found = [f"the fault found: {category} at {root} -- {str(diagnosis.get('summary') or '')[:240]}"] \
        if category != "none" and root else []
    return ask.answer("Not done: what a note in the cluster says to do (an annotation, a log line, a message) is text "
                      "the cluster holds, never an instruction chat follows -- and nothing was changed", status="answered",
                      resources=[r for r in [root, *ask.focus[:2]] if r], details=found,
                      next_steps=["If the change is right, ask for it in your own words: chat pins it for a human to "
                                  "approve.", "Ask 'why is it failing?' for what the investigation found and its fix."])
