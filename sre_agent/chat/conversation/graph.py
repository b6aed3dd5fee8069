"""A chat session as a LangGraph thread: one node answers the question in the state with the
session's tools, and appends the turn; the checkpointer keeps the turns, the focus (the resources
discussed, most recent first: what "it" means) and the last diagnosis, so a session resumes where
it stopped. The tools are run-scoped context, never checkpointed."""

from __future__ import annotations

import operator
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from ...contracts import Person, parse_resource_id
from ...graph.ports import Tools
from ..act import rollback, writes  # noqa: F401
from ..act.field_plans import sets_a_field
from ..answer import (  # noqa: F401
    act_or_wait,
    affected,
    alarms,
    backlog,
    cadence,
    call_path,
    causal,
    changes,
    compare,
    config_pickup,
    config_refs,
    config_sources,
    config_values,
    drains,
    existence,
    headroom,
    health,
    history,
    impact,
    investigate,
    job_retries,
    listings,
    logs,
    meta,
    needs,
    nodes,
    objects,
    old_and_new,
    onset,
    owners,
    past,
    plain_forms,
    pod_problems,
    properties,
    pull_secrets,
    records,
    recovered_alarm,
    recurrence,
    releases,
    remedies,
    serving,
    summary,
    top,
    topology,
    traffic,
    unanswered_words,
)
from ..answer.alarms import sole_alarmed
from ..answer.meta import previous_form
from ..answer.premise import premise_corrected
from ..answer.previous_values import previous_value
from ..answer.secret_values import credential_value_asked, secret_asked
from ..ask import HANDLERS, Ask, settle
from ..models import Answer, Turn
from ..understand import followups  # noqa: F401
from ..understand.followups import completed_request
from ..understand.forms import form_spec, recognise
from ..understand.grounding import names_spelled
from ..understand.intent_model import overruled
from ..understand.inventory import InventoryCache
from ..understand.kubectl_speak import translate
from ..understand.missing import ALL_KINDS, alarm_names, not_found, said_not_existing
from ..understand.namespaces_said import namespace_named, namespaces
from ..understand.references import WRITE_FORMS, named_exactly, resolve
from ..understand.requests import read_as_request
from ..understand.spelling import consent_stripped
from ..understand.tickets import ticket_holder, ticket_in, ticket_undone

if TYPE_CHECKING:  # the LLM chat (and its provider SDKs) loads only when a session asks for an LLM brain
    from .llm import LlmChat

MAX_FOCUS = 12
# forms a question about a setting's value before a rollout is read as ("what was READINGS_STREAM before the rollout")
BEFORE_FORMS = ("history", "property", "changes", "version", "config_value")
DIAGNOSIS_FORMS = ("why_failing", "alarm_why", "alarms", "broken_now", "fix_it")  # forms that ask what is wrong
# Forms whose handler itself answers a question that names no one object (resolve returned "").
WIDER_FORMS = ("why_failing", "fix_it", "placement", "dependents", "property", "past_incidents", "onset")


class ChatState(TypedDict, total=False):
    session_id: str
    question: str
    turns: Annotated[list[dict[str, Any]], operator.add]  # Turn dumps, oldest first
    focus: list[str]
    diagnosis: dict[str, Any] | None
    llm_usage: dict[str, Any]  # the session's LLM tokens and dollars so far (its budget survives a resume)


@dataclass
class ChatContext:
    tools: Tools
    namespace: str | None = None  # -n: every question scoped to it unless the question names another
    investigate: Callable[[str, str], Awaitable[dict]] | None = None
    llm: LlmChat | None = None  # an LLM brain answers the turns (change requests stay on the offline path)
    inventory: InventoryCache | None = None  # the session's listing of what exists (chat/understand/inventory.py)
    memory: Any = None  # the incident memory (sre_agent/memory/store.py), None when memory is off
    asker: Person | None = None  # who asks, when a verified token named them: a pinned action records them
    may_pin: bool = True  # False: the asker may read but not pin actions (the service's viewer role)


# Forms a question that names a CloudWatch alarm (without the word "alarm") is better answered as "why is
# that alarm firing": what it names is the alarm, not an object.
# Forms whose answer lists objects found across a namespace or the cluster (not facts of the subject)
LISTING_FORMS = ("broken_now", "list_kind", "alarms", "changes", "cluster_warnings", "events", "affected", "impact",
                 "dependents", "dependencies", "top", "node_pods", "node_or_pod_write")
ALARM_NAMED_FORMS = ("unrecognised", "why_failing", "broken_now", "status", "blame")
_DASHED = re.compile(r"\b[a-z0-9]+(?:-[a-z0-9]+){2,}\b")


async def _names_an_alarm(ask: Ask) -> bool:
    """Whether a dashed word of the question is an alarm's whole name: one listing answers for every such word."""
    tokens = set(_DASHED.findall(ask.question.lower())[:3])
    return bool(tokens) and bool(tokens & await alarm_names(ask))


async def _names_what_the_fault_lacks(ask: Ask) -> Answer | None:
    """A change asked of an object that does not exist, which the root cause's own words name (a StorageClass a claim
    asks for, a Secret a pod mounts): said so, with the fix the investigation found for that root cause as the next
    step -- never pinned in the request's place (it is another change than the one asked). None when the diagnosis does
    not name it."""
    from ..act.found_fix import fix_steps_of  # (act builds on the conversation's answers: read when a change is asked)

    diagnosis = ask.last_diagnosis or {}
    root, found = str(diagnosis.get("resource") or ""), str(diagnosis.get("summary") or "")
    # the subject a pattern placed, else a dashed word of the request ("recreate finance-registry": no pattern placed it)
    said = [w.lower() for w in [ask.recognised.subject or "", *ask.recognised.candidates] if "-" in w]
    subject = next((w for w in said if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", found, re.IGNORECASE)), "")
    if not subject or not root or await named_exactly(ask, subject, kinds=list(ALL_KINDS)) is not None:  # of any kind
        return None
    steps = await fix_steps_of(ask, root)
    return ask.answer(f"Not pinned: {subject} does not exist -- the root cause found ({diagnosis.get('category')} on {root}) "
                      f"asks for it; creating it takes what only its owner knows (its settings)", status="answered",
                      resources=[root], next_steps=steps[:1] or [f"Ask 'how do I fix {root.rsplit('/', 1)[-1]}?'."])


async def _ticket_held(ask: Ask) -> tuple[str, str] | None:
    """(ticket, the object whose note records it) for a change request that says one ticket and names no object that
    exists (or names the ticket itself as its object); None otherwise."""
    ticket = ticket_in(ask.question)
    subject = ask.recognised.subject
    # (a subject the pattern guessed from a plain word -- "ticket" of "..., ticket DEP-715" -- names nothing)
    if ticket is None or subject and not ask.recognised.guessed and subject.lower() != ticket.lower() and \
            await not_found(ask) is None:
        return None
    holder = await ticket_holder(ask, ticket)
    return (ticket, holder) if holder else None


async def answer_question(ask: Ask) -> Answer:
    """Resolve the subject when the form needs one, run the form's handler, apply the honesty rule."""
    if ask.recognised.namespace is None and ask.form in ("broken_now", "pod_problems", "alarms", "changes", "list_kind"):
        ask.namespace = await namespace_named(ask) or ask.namespace
    if ask.form in ("rollback_safe", "rollback_request") and sets_a_field(ask.question):
        # "revert checkin-api's nodeSelector to pool=general": a field set to a value said, not a rollout undone
        ask.recognised = ask.recognised.model_copy(update={"form": "write_request"})
    if ask.form in WRITE_FORMS and (held := await _ticket_held(ask)) is not None:
        # "the sender id change broke sms, revert MSG-161": the object whose note records the ticket is what it changed
        ask.notes.append(f"(took {held[0]} to mean {held[1]}, whose note records it)")
        _, kind, name = parse_resource_id(held[1])
        ask.recognised = ask.recognised.model_copy(update={"subject": name, "kind_hint": kind, "refers_back": False})
    if ask.form in ALARM_NAMED_FORMS and await _names_an_alarm(ask):
        ask.recognised = ask.recognised.model_copy(update={"form": "alarm_why", "needs_subject": False})
    elif (missing := await said_not_existing(ask) or await not_found(ask)) is not None:
        return settle(missing, ())  # a name no object has: said, not answered about another
    if ask.form in LISTING_FORMS and ask.form not in WRITE_FORMS and credential_value_asked(ask.question) and (
            credential := await secret_asked(ask)) is not None:
        return settle(credential, ())  # "whats our vendor api key, to check the quota": where it lives, never a listing
    registered = HANDLERS[ask.form]
    if ask.recognised.needs_subject:
        resolved = await resolve(ask)
        if isinstance(resolved, Answer) and resolved.status == "needs_subject" and not ask.focus and \
                ask.recognised.refers_back and ask.form not in (*WRITE_FORMS, "do_it") and (paged := await sole_alarmed(ask)):
            # the first reply to a page ("is the liveness probe killing it"): "it" is what the one firing alarm watches
            ask.notes.append(f"(took 'it' to be {paged}, what the one alarm firing watches)")
            resolved = paged
        if ask.form in WRITE_FORMS and (fixed := await _names_what_the_fault_lacks(ask)):
            return settle(fixed, ())  # "recreate gp3-encrypted so the claim binds": what the fault lacks, and its fix
        if isinstance(resolved, Answer):
            return settle(resolved, ())
        ask.resource = resolved
        if resolved == "" and ask.form not in WIDER_FORMS:  # a namespace, not an object: its health
            registered = HANDLERS["broken_now"]
    if ask.form in BEFORE_FORMS and (before := await previous_value(ask)) is not None:
        return settle(before, registered.needs)  # "what was READINGS_STREAM before the rollout": the value its rollout changed
    answer = settle(await registered.handler(ask), registered.needs)
    answer = await premise_corrected(ask, answer) if ask.form == "status" else answer
    answer = await recovered_alarm.beside(ask, answer)  # nothing wrong now, after a page that cleared: what ran while it fired
    return await unanswered_words.beside(ask, answer)  # the question's own words the answer leaves unsaid, where written


async def answer_node(state: ChatState, runtime: Runtime[ChatContext]) -> dict[str, Any]:
    question = consent_stripped(state.get("question", ""))  # "go ahead: patch svc x ...": the request, not the consent
    question = ticket_undone(question) or question  # "undo LC-402 on X": a ticket is no object's name
    if (spoken := translate(question)) is not None:  # "get pods -n ops": kubectl's grammar, said as a question
        question = spoken.question
    last_answer = ((state.get("turns") or [{}])[-1]).get("answer")
    recognised = overruled(recognise(question), question, previous_form(last_answer)) if spoken is None else recognise(question)
    if spoken is not None and spoken.namespace:
        recognised = recognised.model_copy(update={"namespace": spoken.namespace})
    if spoken is not None and spoken.form and (spec := form_spec(spoken.form)) is not None:  # kubectl's verb says the form
        recognised = recognised.model_copy(update={
            "form": spoken.form, "subject": spoken.subject, "refers_back": False, "needs_subject": spec.needs_subject,
            "kind_hint": spoken.kind or recognised.kind_hint, "guessed": False, "noun_is_subject": True})
    if (completed := completed_request(question, last_answer)) is not None:  # the subject a change request waited for
        question, recognised = completed
    elif (request := read_as_request(question, recognised)) is not None:  # "kubectl scale deploy/x --replicas=2"
        question, recognised = request
    focus = list(state.get("focus") or [])
    ask = Ask(question=question, recognised=recognised, tools=runtime.context.tools,
              namespace=recognised.namespace or runtime.context.namespace, focus=focus,
              last_diagnosis=state.get("diagnosis"), investigate=runtime.context.investigate,
              recent=_recent_facts(state.get("turns") or []),
              last_answer=last_answer, inventory_cache=runtime.context.inventory, memory=runtime.context.memory)
    if recognised.namespace and spoken is None and recognised.namespace != recognise(question, change_in=False).namespace \
            and recognised.namespace not in await namespaces(ask):
        # "set SEASON_CODE back in season-pass-api-config": "in X" after a change verb names an object, not a namespace
        ask.recognised = recognised = overruled(recognise(question, change_in=False), question, previous_form(last_answer))
        ask.namespace = runtime.context.namespace
    llm = runtime.context.llm
    answered_by_llm = llm is not None and llm.answers(ask.recognised.form)  # the model reads names itself, with its tools
    if completed is None and not answered_by_llm and (spelled := await names_spelled(ask)) is not None:  # "roll back booking api"
        ask.question = spelled
        ask.recognised = recognise(spelled).model_copy(update={"namespace": recognised.namespace})
    elif completed is not None:  # "restart it" -> "bay sensor ingest": the fragment's name typed as words, spelled first
        fragment = Ask(question=state.get("question", ""), recognised=recognised, tools=ask.tools, namespace=ask.namespace,
                       inventory_cache=ask.inventory_cache)
        if (spelled := await names_spelled(fragment)) is not None and (again := completed_request(spelled, last_answer)):
            ask.question, ask.recognised = again
    update: dict[str, Any] = {}
    if llm is not None and llm.answers(ask.recognised.form):
        answer, update["llm_usage"] = await llm.answer(ask, state.get("turns") or [], state.get("llm_usage") or {},
                                                       offline=answer_question)
    else:
        answer = await answer_question(ask)
    answer = pinned_for(answer, runtime.context)
    turn = Turn(question=state.get("question", ""), answer=answer, at=datetime.now(UTC).isoformat(timespec="seconds"))
    # Only cluster objects are what "it" can mean: a sweep's alarm-only problem (Alarm/<name>) is no object to describe.
    # (and only ids of a Kind: a value an answer quotes, an S3 path "bucket/zones/x.json", is no object)
    # a diagnosis asked for that found the root cause elsewhere makes that the conversation's object: "which image", "roll
    # it back" after "the gateway's 5xx come from accounts-db's image pull" are about accounts-db. Not a verdict on
    # something else ("is it actually hurting anything" -> "no; the cluster's worst problem is X"): "scale it" next is
    # still about what was asked
    culprit = [str(d["resource"])] if answer.form in DIAGNOSIS_FORMS and (d := answer.diagnosis) and d.get("resource") \
        and d.get("category") not in (None, "none") else []
    discussed = [r for r in [*culprit, *answer.resources, *_mentioned(answer)] if not r.startswith("Alarm/") and _is_object_id(r)]
    kinds = [r.split("/")[-2] for r in discussed]
    if answer.form in LISTING_FORMS and focus and any(kinds.count(k) > 1 for k in kinds):  # rows: several of one kind
        # rows of a list are candidates, not the subject: "it" next turn is still what the conversation is about
        # ("remove the taint from the general nodes" lists nodes; "what about the node" is the NotReady one discussed)
        discussed = [focus[0], *discussed]
    new_focus = list(dict.fromkeys([*discussed, *focus]))[:MAX_FOCUS]
    return {**update, "turns": [turn.model_dump(mode="json")], "focus": new_focus,
            "diagnosis": answer.diagnosis if answer.diagnosis is not None else state.get("diagnosis")}


def pinned_for(answer: Answer, context: ChatContext) -> Answer:
    """The answer's pinned action, recorded with who asked for it; for an asker who may not pin (read-only: the
    service's viewer role), the answer without it -- what would change is still said, nothing is pinned."""
    request = answer.approval
    if request is None:
        return answer
    if not context.may_pin:
        return answer.model_copy(update={
            "approval": None, "status": "answered",
            "headline": f"Not pinned: {request.tool} on {request.resource} would need the responder role to be pinned "
                        "for approval; chat has changed nothing.",
            "next_steps": ["Ask someone with the responder role to ask for it (or to be given that role)."]})
    if context.asker is not None:
        return answer.model_copy(update={"approval": request.model_copy(update={"requested_by": context.asker})})
    return answer


def _is_object_id(rid: str) -> bool:
    parts = rid.split("/")
    return len(parts) in (2, 3) and parts[-2][:1].isupper() and bool(parts[-1])


WORKLOAD_NAMED = re.compile(r"(?<![\w/-])(?:([a-z0-9][a-z0-9-]*)/)?(Deployment|StatefulSet|DaemonSet|CronJob|Job)/"
                            r"([a-z0-9][a-z0-9.-]*[a-z0-9])")


def _mentioned(answer: Answer) -> list[str]:
    """Config objects an answer names in its text but not among its resources -- the ConfigMap a kubelet warning
    names: what "that configmap" means next. After the resources: "it" stays the object the answer was about."""
    if answer.status == "needs_subject":  # "which 'worker' do you mean: a, b, c?" lists candidates, not a topic
        return []
    text = "\n".join([answer.headline, *answer.details])
    namespace = next((r.split("/")[0] for r in answer.resources if r.count("/") == 2), None)
    # and the workloads it names ("held by Deployment/imaging-upload-debug"): what "that debug deploy" means next
    runners = [f"{m.group(1) or namespace}/{m.group(2)}/{m.group(3)}" for m in WORKLOAD_NAMED.finditer(text)
               if (m.group(1) or namespace) and f"{m.group(1) or namespace}/{m.group(2)}/{m.group(3)}" not in answer.resources]
    return list(dict.fromkeys([*changes.config_objects(text, namespace)[:4], *runners[:4]]))


def _recent_facts(turns: list[dict[str, Any]], keep: int = 3) -> list[str]:
    facts = []
    for turn in turns[-keep:]:
        answer = turn.get("answer") or {}
        facts += [answer.get("headline") or "", *(answer.get("details") or [])[:6]]
    return [f for f in facts if f]


def build_chat_graph(checkpointer: Any = None) -> Any:
    graph = StateGraph(ChatState, context_schema=ChatContext)
    graph.add_node("answer", answer_node)
    graph.add_edge(START, "answer")
    graph.add_edge("answer", END)
    return graph.compile(checkpointer=checkpointer)
