"""Causal yes/no questions: "is the sampling change to blame?", "did 4.3.0 cause this?", "is invoice-api
affected?". Each is answered from the investigation (the conversation's diagnosis, or a new one) and the
evidence that ties the thing named to it: the revision a named change went out in against the revision
the symptom began with, a named object against the root cause, a named workload's dependency walk
against what is failing. A verdict is said first (yes / no / not shown), then the evidence behind it."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from ...contracts import parse_resource_id
from ...graph.pins import began_with_revision
from ..ask import Ask, handles
from ..models import Answer
from ..understand.blamed import PRONOUN_THING, RELATED, blamed_thing, victim_of
from ..understand.forms import KIND_WORDS
from ..understand.grounding import grounded_subject
from ..understand.names import match_score
from ..understand.references import kind_of, name_of, named_exactly
from .alarms import sole_alarmed
from .benign_motion import what_moved
from .config_refs import config_users
from .diagnosis_text import cause_text
from .fault_kinds import category_verdict, fault_guessed, offered_kinds
from .health import broken_now
from .investigate import why_failing
from .objects import RUNS_PODS
from .others import beside_the_verdict, object_in, others_named
from .root_change import change_behind
from .templates import template_diff, template_of

# Words that say "a change" without saying which one.
_CHANGE_WORDS = {"change", "changes", "changed", "release", "rollout", "deploy", "deployment", "update", "upgrade", "edit",
                 "patch", "push", "bump", "version", "revision", "new", "last", "latest", "recent", "the", "a", "that",
                 "this", "config", "configuration", "setting", "settings", "env", "image", "tag", "build", "rev", "of", "to",
                 "on", "in", "for", "yesterday", "today", "earlier", "morning", "afternoon", "evening", "night", "s"}
_IMAGE_WORDS = {"image", "images", "tag", "build"}
_CONFIG_WORDS = {"config", "configuration", "setting", "settings", "env", "flag", "configmap", "secret"}
_VERSION = re.compile(r"\bv?(\d+\.\d+(?:\.\d+)?(?:[-.\w]*)?)\b")
# A theory that nothing is broken, only busy: "just busy", "the promo traffic", "the month-end load"
LOAD_THEORY = re.compile(r"\b(busy|load|loaded|traffic|spike|surge|peak|demand|rush|volume)\b", re.I)


def short_images(text: str) -> str:
    """An image by its repository's last part and tag: "<registry>/larkspur/reading-ingest:5.2.0" -> "reading-ingest:5.2.0"."""
    return re.sub(r"[\w.-]+(?::\d+)?/(?:[\w.-]+/)*([\w.-]+:[\w.-]+)", r"\1", text)


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9.]+", text.lower()) if w]


def _alike(word: str, part: str) -> bool:
    """"sampling" ~ OTEL_TRACES_SAMPLER_ARG's "sampler", "ttl" ~ "ttl": equal, or sharing a prefix of 4+
    letters that is most of the shorter word."""
    if word == part:
        return True
    common = len(os.path.commonprefix([word, part]))
    return common >= 4 and common >= 0.6 * min(len(word), len(part))


def _mentions(words: list[str], text: str) -> bool:
    """Does a specific word of the thing (not a generic change word) name something in `text`?"""
    parts = [p for p in re.split(r"[^a-z0-9]+", text.lower()) if p]
    return any(_alike(word, part) for word in words if word not in _CHANGE_WORDS and len(word) >= 3 for part in parts)


@dataclass(frozen=True)
class RevisionChange:
    revision: int
    current: bool
    changed: list[str]  # what this revision changed from the one before it (template_diff); [] for the first
    images: list[str]


async def _revision_changes(ask: Ask, culprit: str) -> list[RevisionChange]:
    """A Deployment's revisions, oldest first, each with what it changed from the revision before it."""
    namespace, kind, name = parse_resource_id(culprit)
    if kind != "Deployment" or not namespace:
        return []
    history = await ask.call("kubernetes", "rollout_history", {"namespace": namespace, "name": name})
    revisions = sorted((history.data or {}).get("revisions") or [], key=lambda r: r.get("revision") or 0)
    out, before = [], None
    for row in revisions:
        template = await template_of(ask, namespace, row["replicaset"]) if row.get("replicaset") else {}
        # template_diff(old, new) reads "new -> old"; what this revision changed is previous -> this.
        changed: list[str] = template_diff(template, before) if before is not None else []
        out.append(RevisionChange(int(row.get("revision") or 0), bool(row.get("current")), changed,
                                  [str(i) for i in row.get("images") or []]))
        before = template
    return out


def _said(change: RevisionChange) -> str:
    """What a revision is, in a line: what it changed, else (the first) the images it ran."""
    return short_images("; ".join(change.changed) or f"images {change.images}")


def _began_with(diagnosis: dict, changes: list[RevisionChange]) -> int | None:
    began = began_with_revision(diagnosis.get("summary") or "")
    if began is None and diagnosis.get("category") == "bad_deploy_regression":
        return next((c.revision for c in changes if c.current), None)
    return began


def _named_revisions(thing: str, culprit: str, changes: list[RevisionChange]) -> list[int]:
    """The revisions the thing names: the one that brought a named version in (its image moved *to* it, or the
    first revision ran it), else those whose changes a word names, else a config change, else the latest."""
    # The culprit's own name is in every revision's image: only the other words can pick one out.
    own = set(re.split(r"[^a-z0-9]+", culprit.lower()))
    words = [w for w in re.split(r"[^a-z0-9]+", thing.lower()) if w and w not in own]
    versions = _VERSION.findall(thing)
    if versions:
        return [c.revision for i, c in enumerate(changes)
                if any(re.search(rf"->\s*\S*{re.escape(v)}\b", line) for v in versions for line in c.changed)
                or (i == 0 and any(v in image for v in versions for image in c.images))][:1]
    named = [c.revision for c in changes if _mentions(words, " ".join(c.changed))]
    if not named and _CONFIG_WORDS & set(words):
        named = [c.revision for c in changes if any(re.search(r"\b(env|envFrom)\b", line) for line in c.changed)]
    if not named and {"last", "latest", "recent", "newest"} & set(words):
        named = [c.revision for c in changes if c.current]
    return named[-1:]


async def _change_verdict(ask: Ask, thing: str, diagnosis: dict) -> tuple[str, list[str]] | None:
    """The named change's revision against the revision the symptom began with, when the thing names one."""
    culprit = diagnosis.get("resource") or ""
    changes = await _revision_changes(ask, culprit)
    if _IMAGE_WORDS & set(_words(thing)) and not _VERSION.search(thing) and len(changes) > 1 and \
            not any(re.search(r"\bimage\b", line) for c in changes[1:] for line in c.changed):
        # "is the new image to blame?" when no rollout changed the image: the image is not what changed
        current = next((c for c in changes if c.current), changes[-1])
        return (f"No: no rollout changed {culprit}'s image -- all {len(changes)} revisions run "
                f"{short_images(', '.join(current.images))}; revision {current.revision} changed {_said(current)[:200]}",
                [f"revision {c.revision}{' (current)' if c.current else ''}: {_said(c)[:300]}" for c in changes])
    named = _named_revisions(thing, culprit, changes)
    if not named:
        return None
    by_revision = {c.revision: c for c in changes}
    said, began = named[0], _began_with(diagnosis, changes)
    evidence = [f"revision {c.revision}{' (current)' if c.current else ''}: {_said(c)[:300]}" for c in changes]
    what = f"'{thing}' is revision {said} of {culprit} ({_said(by_revision[said])[:200]})"
    if began is None:
        return f"Not shown: {what}, but the investigation did not tie the symptom to a revision ({diagnosis.get('category')})", evidence
    if began == said:
        return f"Yes: {what}, and the symptom began with that revision", evidence
    when = "after" if said > began else "before"
    began_said = _said(by_revision[began])[:200] if began in by_revision else ""
    return f"No: {what}, which went out {when} the revision the symptom began with -- revision {began} ({began_said})", evidence


VERDICT_SAID = 160  # the cause beside a yes: one line


def _object_verdict(thing: str, diagnosis: dict) -> str | None:
    """The thing names the root cause itself: by name, or by kind ("the node" when a node failed)."""
    culprit = diagnosis.get("resource") or ""
    words = [w for w in _words(thing) if w not in _CHANGE_WORDS]
    if not words or not culprit:
        return None
    category = diagnosis.get("category")
    kinds_said = {kind for w in words for stem in (w, w.rstrip("s")) if (kind := KIND_WORDS.get(stem))}
    if kinds_said and kind_of(culprit) not in kinds_said:
        return None  # "the clock-gateway cm": its ConfigMap, whatever the Deployment of that name did
    typed_names = [t for t in re.split(r"[^a-z0-9.-]+", thing.lower()) if "-" in t.strip("-.")]
    if typed_names:
        # a name typed whole names the culprit when it is the culprit's name (or a slip of it), never by one shared
        # word: "the coldchain-ingest config change" does not name storage-coldchain-tsdb-0
        named = any(match_score(n, name_of(culprit)) >= 0.8 for n in typed_names)
    else:
        named = any(match_score(w, name_of(culprit)) >= 0.8 for w in words) or kind_of(culprit) in kinds_said
    # with what it is: "Yes" alone leaves the on-call to ask why
    cause = cause_text(diagnosis, VERDICT_SAID)
    return f"Yes: {culprit} is the root cause ({category}" + (f": {cause}" if cause else "") + ")" if named else None


def _short(thing: str) -> str:
    return thing if len(thing) <= 60 else thing[:57].rsplit(" ", 1)[0] + " ..."


def _not_it(thing: str, diagnosis: dict) -> str | None:
    words = [w for w in _words(thing) if w not in _CHANGE_WORDS]
    if not words or not diagnosis.get("resource"):
        return None
    # never the question echoed, nor a pronoun quoted as a name
    said = "what the question names" if thing.endswith("?") or len(thing) > 60 or PRONOUN_THING.match(thing) else f"'{thing}'"
    return f"No: the root cause is {diagnosis.get('resource')} ({diagnosis.get('category')}); {said} is not it"


def next_subjects(verdict: str, culprit: str, asked_about: str | None, resource: str | None) -> list[str]:
    """What "it" means after the verdict: the root cause when it is what was blamed, or when the verdict names it in the
    suspect's place ("No: the root cause is X; Y is not it" -- "since when is it throttled" is X's); else still what the
    question was about."""
    if verdict.startswith("Yes"):
        order: tuple[str | None, ...] = (culprit, resource)
    elif culprit and verdict.startswith(f"No: the root cause is {culprit}"):
        order = (culprit, asked_about, resource)
    else:
        order = (asked_about, resource, culprit)
    return list(dict.fromkeys(r for r in order if r))


@handles("blame", needs=("kubernetes", "cloudwatch"))
async def blame(ask: Ask) -> Answer:
    asked_about = ask.resource or (ask.focus[0] if ask.focus else None)  # what the conversation is on, before any wander
    thing = blamed_thing(ask.question)
    if (guess := fault_guessed(ask.question)) is not None and not offered_kinds(thing):
        thing = guess  # "X restarting, exit 137, oom?": the kind of fault is what is asked, X is whose
    if PRONOUN_THING.match(thing) and ask.focus:  # "is it actually the cause": the conversation's object, not "it actually"
        thing = name_of(ask.focus[0])
    if thing == ask.question and isinstance(grounded := await grounded_subject(ask), str):
        # no pattern placed the thing ("grafana restarting all morning too, related?"): the object the question names,
        # from what exists -- never the whole question as a name
        thing = name_of(grounded)
    diagnosis = ask.last_diagnosis if (ask.last_diagnosis or {}).get("category") not in (None, "none") else None
    base: Answer | None = None
    victim = victim_of(ask.question)
    named = await named_exactly(ask, victim) if victim else None
    own = None
    related = RELATED.search(ask.question) is not None
    if named:  # the question names what it asks about: its diagnosis, not the conversation's last one
        ask.resource, diagnosis = named, None
    elif victim is None and diagnosis is None and not related and (own := await object_in(ask, thing)):
        # "is the ward-label-bridge image 1.2.0 to blame?" with nothing diagnosed yet: the object whose change
        # is blamed is what is asked about (with a diagnosis, the verdicts below weigh the object against it)
        ask.resource = own
    if diagnosis is None and not ask.resource and not named and not related and isinstance(
            grounded := await grounded_subject(ask, prefer=RUNS_PODS), str):
        # "someone changed donor-web's config and restarted it. is the config change the culprit?": the object the
        # question tells of is what it asks about, not the cluster's worst problem ("X is failing too, related?" is the
        # other way round: X is weighed against what is broken)
        ask.resource, own = grounded, own or grounded
    if diagnosis is None and ask.resource and kind_of(ask.resource) in ("ConfigMap", "Secret"):
        # "is the config change the culprit?": a ConfigMap shows no symptom of its own -- the workloads that read it do
        users = [u for u in (await config_users(ask, ask.resource))[0] if kind_of(u) in RUNS_PODS]
        if users:
            own, ask.resource = own or ask.resource, next((u for u in users if kind_of(u) != "Pod"), users[0])
    if diagnosis is None and not named and not related and (alarmed := await sole_alarmed(ask)) and alarmed != ask.resource:
        # "is the snow-report-api release the culprit" while an alarm fires on another object: the verdict weighs the
        # blamed object against what the alarm's investigation finds -- never its own investigation alone, where an
        # innocent release's harmless log surge reads as a regression
        blamed, ask.resource = ask.resource, alarmed
        incident = await why_failing(ask)
        if incident.status == "unknown":
            return incident
        ask.resource = blamed
        if (incident.diagnosis or {}).get("category") not in (None, "none"):
            base, diagnosis = incident, incident.diagnosis
    if diagnosis is None:
        if not ask.resource and ask.focus:
            ask.resource = ask.focus[0]
        base = await why_failing(ask)
        if base.status == "unknown":
            return base
        if own and (base.diagnosis or {}).get("category") in (None, "none") and \
                (earlier := next((r for r in ask.focus if r != own), None)):
            # the blamed object is fine ("is ehr-db to blame for the slowness?" after talking about terminology):
            # the symptom is the conversation's object's, so that is what is investigated next
            ask.resource = earlier
            base = await why_failing(ask)
            if base.status == "unknown":
                return base
        said_by_name = bool(own or (ask.recognised.subject and not ask.recognised.refers_back))
        if (base.diagnosis or {}).get("category") in (None, "none") and not named and not said_by_name and ask.resource:
            # the object last discussed is fine ("which node is slots-db on", then "is the new image to blame?"):
            # the question is about what is broken, so the worst problem is investigated instead -- unless the question
            # names the object whose change it blames: then "no fault on it" is the answer, not another object's fault
            ask.resource = None
            base = await why_failing(ask)
            if base.status == "unknown":
                return base
        diagnosis = base.diagnosis or {}
    category, culprit = diagnosis.get("category") or "none", diagnosis.get("resource") or ""
    evidence: list[str] = []
    failing: list[str] = []
    cause = (f"the investigation puts the root cause at {culprit} ({category}): {cause_text(diagnosis, 300)}"
             if category != "none" else f"the investigation found no fault: {cause_text(diagnosis, 300)}")
    if category == "none" and LOAD_THEORY.search(thing):
        # "is it just busy", "isn't it just the promo traffic": a theory of no fault, and none was found -- yes, and what
        # moved says how busy (the rise of its requests, its autoscaler's rescales)
        moved = await what_moved(ask, ask.resource) if ask.resource else []
        verdict = f"Yes: no fault was found{f' on {ask.resource}' if ask.resource else ''} -- it is load, not a failure"
        evidence = [f"what moved: {line}" for line in moved]
    elif category == "none":  # the verdict stays short: what the thing's own change was is said beside it
        where = f" on {ask.resource}" if ask.resource else ""
        verdict, evidence = f"No: no fault was found{where}, so nothing to blame on '{_short(thing)}'", []
        if ask.resource and (elsewhere := await broken_now(ask)).status == "problems":
            # what is broken, then: the page the question came from is about something (a worker beside the workload named)
            failing = [f"what is failing now: {elsewhere.headline[:300]}"]
    else:
        by_change = await _change_verdict(ask, thing, diagnosis)
        by_kind = category_verdict(thing, diagnosis)  # a kind of fault claimed that is not the one found decides
        by_words = (by_kind if by_kind and by_kind.startswith("No") else None) or _object_verdict(thing, diagnosis) \
            or by_kind or _not_it(thing, diagnosis)
        if by_change is not None:
            verdict, evidence = by_change
        elif by_words is not None:
            verdict = by_words
        else:
            verdict, evidence = f"Not shown: nothing in the evidence ties '{thing}' to the fault; {cause}", []
    beside: list[str] = []
    if not verdict.startswith("Yes"):  # not the root cause: a fault of its own is said beside it
        said, evidence = await beside_the_verdict(ask, await others_named(ask, thing, culprit), culprit, verdict, evidence)
        if said != verdict:  # what the other objects are (their fault, or the change exonerated) leads the facts
            verdict, beside, evidence = said, evidence[:1], evidence[1:]
    behind = [line] if category != "none" and (line := await change_behind(ask, diagnosis)) else []
    details = [*failing, *beside, *behind, cause, *evidence, *((base.details if base else [])[:8])]
    steps = (base.next_steps if base else []) or ([f"Ask 'why is {name_of(culprit)} failing?' for the full evidence and fix."]
                                                 if culprit else ["Ask 'what changed in the last hour?'"])
    return ask.answer(verdict, status="problems" if category != "none" else "answered", details=details,
                      resources=next_subjects(verdict, culprit, asked_about, ask.resource),
                      diagnosis=diagnosis, next_steps=steps)
