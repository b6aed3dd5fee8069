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
from .templates import template_diff, template_of

# The thing a blame question names: the words between its verb and its blame words.
_THING = [
    re.compile(r"^\W*(?:so\s+)?(?:is|are|was|were)\s+(?:it\s+)?(?P<thing>.+?)\s+(?:or\s+.+?\s+)?(?:that.?s|thats|which.?s)"
               r"\s+to\s+blame", re.I),
    re.compile(r"^\W*(?:so\s+)?(?:is|are|was|were)\s+(?P<thing>.+?)\s+(?:part\s+of\s+(?:the|this|it)|the\s+reason|related\s+to|"
               r"connected\s+to)\b", re.I),
    re.compile(r"^\W*(?:so\s+)?(?:is|are|was|were)\s+(?P<thing>.+?)\s+(?:breaking|hurting|slowing(?:\s+down)?|affecting)\s+\S", re.I),
    re.compile(r"^\W*(?:so\s+)?(?:is|was|are|were)\s+(?:it\s+)?(?P<thing>.+?)\s+(?:to\s+blame|the\s+(?:root\s+)?cause|"
               r"responsible|the\s+culprit|the\s+(?:real\s+)?(?:problem|issue)|behind\s+(?:it|this|that|the\s+\w+)|why\b)", re.I),
    re.compile(r"^\W*(?:so\s+)?(?:could|can|might|may)\s+(?!(?:it|this|that)\s+be\b)(?P<thing>.+?)\s+be\s+(?:the\s+|a\s+|part\s+of\s+the\s+)?"
               r"(?:root\s+|real\s+)?(?:cause|problem|culprit|issue|reason)\b", re.I),
    re.compile(r"^\W*(?:the\s+)?(?P<thing>[\w./-]+)\s+(?:is|are|was|keeps)\b.*\b(?:is|are)\s+(?:it|this|that|they)\s+(?:related|connected|linked)\b",
               re.I),
    # "streak-reminders is failing too, same cause?", "the streak-reminders failures, related?"
    re.compile(r"^\W*(?:and\s+)?(?:(?:is|are|was)\s+)?(?:the\s+)?(?P<thing>[a-z0-9]+(?:-[a-z0-9]+)+)\b.*\b(?:same\s+(?:cause|problem|issue|thing|root\s*cause)|"
               r"related|connected|linked|part\s+of\s+(?:this|it|the\s+\w+))\b", re.I),
    re.compile(r"^\W*(?:so\s+)?(?:did|could|can|might|would|does)\s+(?P<thing>.+?)\s+(?:have\s+)?(?:cause[ds]?|break|broke|"
               r"trigger(?:ed)?|start(?:ed)?)\b", re.I),
    # (never "from this morning": a time says when, not what)
    re.compile(r"\b(?:because\s+of|because|due\s+to|caused\s+by|from(?!\s+(?:this|last|yesterday|earlier|today|tonight|an?\s+hour|"
               r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|the\s+weekend|\d+\s*(?:h|m|min|mins|hours?|minutes?)\b)))\s+"
               r"(?P<thing>.+?)\s*\??$", re.I),
    re.compile(r"\bblame\s+(?P<thing>.+?)\s*\??$", re.I),
    re.compile(r"^\W*(?:could|can|might)\s+(?:it|this|that)\s+be\s+(?P<thing>.+?)\s*\??$", re.I),
    # "is it the banner change they did", "is it that cpu thing on the gateway": the thing pointed at, less who did it
    re.compile(r"^\W*(?:so\s+|ok\s+|but\s+)?(?:is|was)\s+it\s+(?:the|that|this|those|these)\s+(?P<thing>.+?)"
               r"(?:\s+(?:they|he|she|someone|somebody|we|you|ops|infra)\s+(?:did|made|pushed|shipped|rolled\s+out|deployed|"
               r"applied|ran))?\s*\??$", re.I),
    re.compile(r"^\W*was\s+it\s+(?P<thing>.+?)\s*\??$", re.I),
    # "is this a wrong tag or an auth problem": the kinds offered, both
    re.compile(r"^\W*(?:so\s+|ok\s+)?(?:is|was)\s+(?:it|this|that)\s+(?P<thing>.+?\s+or\s+.+?)\s*\??$", re.I),
    # pushback, the asker's theory offered as the obvious answer: "isnt it just the promo traffic", "surely it's just
    # load", "couldn't it just be the backup" -- the theory, less its frame
    re.compile(r"^\W*(?:.*?\bor\s+)?(?:so\s+|but\s+|ok\s+)?(?:isn.?t|isnt|is)\s+(?:it|this|that)\s+(?:just\s+|only\s+|simply\s+)"
               r"(?P<thing>.+?)\W*$", re.I),
    re.compile(r"^\W*(?:isn.?t|isnt)\s+(?:it|this|that)\s+(?P<thing>.+?)\W*$", re.I),
    re.compile(r"^\W*(?:surely|maybe|probably)\s+(?:it.?s|its|it\s+is|this\s+is|that.?s)\s+(?:just\s+|only\s+)?(?P<thing>.+?)\W*$", re.I),
    re.compile(r"^\W*(?:can.?t|cant|couldn.?t|couldnt|could|can)\s+(?:it|this|that)\s+(?:just\s+|simply\s+)?be\s+(?P<thing>.+?)\W*$",
               re.I),
    # "someone bumped the session ttl, thats it right", "the cache flush, right?": the theory before its tag question
    re.compile(r"^\W*(?:someone|somebody|they|ops|we)?\s*(?P<thing>[^,]+?)\s*,\s*(?:(?:that.?s|thats)\s+(?:it|the\s+(?:cause|"
               r"problem|reason))\b.*|right|isn.?t\s+it|correct|yeah)\W*$", re.I),
    # "support thinks the release broke it, is that right", "the app team says it's the database, true?": the claim
    re.compile(r"^\W*(?:the\s+)?(?:[\w-]+\s+){0,3}?(?:thinks?|says?|reckons?|believes?|claims?|swears?)\s+(?:that\s+)?"
               r"(?:it.?s\s+|its\s+|it\s+is\s+)?(?P<thing>.+?)\s*,?\s*(?:is\s+(?:that|it|this|he|she|they)\s+)?"
               r"(?:right|true|correct|so|agree[d]?|do\s+you\s+agree|are\s+they\s+right|confirm|yes\s+or\s+no)\W*$", re.I),
    # "its a memory leak in the scanner isnt it", "must be the image": the kind of fault claimed
    re.compile(r"^\W*(?:so\s+|but\s+|ok\s+|well\s+)?(?:it.?s|its|it\s+is|this\s+is|that.?s|thats|must\s+be|gotta\s+be|"
               r"has\s+to\s+be|sounds\s+like|looks\s+like|i\s+(?:bet|think|guess|reckon)\s+(?:it.?s|its))\s+"
               r"(?P<thing>.+?)(?:\W+(?:isn.?t\s+it|isnt\s+it|right|yeah|innit|correct|surely|to\s+me|then))?\W*$", re.I),
]
# "..., is it related?": is the object named before it part of the incident under way?
_RELATED = re.compile(r"\b(?:is|are)\s+(?:it|this|that|they)\s+(?:related|connected|linked)\b|\b(?:related|connected|linked)\s+to\b|"
                      r"\bpart\s+of\s+(?:this|it|the\s+(?:problem|issue|incident|outage))\b|"
                      r"\bsame\s+(?:cause|problem|issue|thing|root\s*cause)\b|\brelated\s*\?*\s*$", re.I)
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


# The workload a causal question asks about ("is ops-dashboard broken because of ...", "is X the reason
# acars-decoder is falling over", "is the spike breaking boarding-pass"), when it names one.
_VICTIM = [
    re.compile(r"^\W*(?:so\s+)?(?:is|are|does|did|was)\s+(?:the\s+)?(?P<victim>[\w./-]+)\s+(?:\w+\s+){0,2}?(?:because|due\s+to)\b", re.I),
    re.compile(r"\bthe\s+reason\s+(?:the\s+)?(?P<victim>[\w./-]+)\b", re.I),
    re.compile(r"\b(?:breaking|hurting|slowing(?:\s+down)?|affecting)\s+(?:the\s+)?(?P<victim>[\w./-]+)", re.I),
]


def victim_of(question: str) -> str | None:
    for pattern in _VICTIM:
        match = pattern.search(question)
        if match and match.group("victim").lower() not in ("it", "this", "that", "them", "the", "a"):
            return match.group("victim").lower()
    return None


_PRONOUN_THING = re.compile(r"^\s*(it|that|this|them|those|these|they)(\s+(actually|really|just|even|all|one|ones))*\s*$",
                            re.IGNORECASE)


# A question's clauses, last first: "someone changed X's config and restarted it. is the config change the culprit?"
# asks its question in the last one, after a sentence that says what happened.
# A comma before a question's verb starts a clause too ("X got a new version today, is the X rollout the culprit?").
_CLAUSE_END = re.compile(r"(?<=[.?!;])\s+|(?<=,)\s+(?=(?:so\s+)?(?:is|are|was|were|could|can|did|does|would|might)\b)", re.I)


def _thing_in(text: str) -> str | None:
    for pattern in _THING:
        if match := pattern.search(text):
            return re.sub(r"^(?:the|that|this|a|an|our|their)\s+", "", match.group("thing").strip(), flags=re.I)
    return None


def blamed_thing(question: str) -> str:
    clauses = [c for c in _CLAUSE_END.split(question.strip()) if c]
    if len(clauses) == 1:
        return _thing_in(question) or question
    for index in reversed(range(len(clauses))):
        thing = _thing_in(clauses[index])
        if thing is None:
            continue
        if _PRONOUN_THING.match(thing) and index > 0:
            # "X is crashlooping too, is it related?" / "X was restarted after a config change. is that the culprit?":
            # the pronoun is what the clauses before it tell of -- the name the whole question places, else their words
            whole = _thing_in(question)
            return whole if whole and not _PRONOUN_THING.match(whole) and len(whole) < len(clauses[0]) else \
                " ".join(clauses[:index]).rstrip(" .,;")
        return thing
    return _thing_in(question) or question


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
    said = "what the question names" if thing.endswith("?") or len(thing) > 60 or _PRONOUN_THING.match(thing) else f"'{thing}'"
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
    if _PRONOUN_THING.match(thing) and ask.focus:  # "is it actually the cause": the conversation's object, not "it actually"
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
    related = _RELATED.search(ask.question) is not None
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
    details = [*failing, *beside, cause, *evidence, *((base.details if base else [])[:8])]
    steps = (base.next_steps if base else []) or ([f"Ask 'why is {name_of(culprit)} failing?' for the full evidence and fix."]
                                                 if culprit else ["Ask 'what changed in the last hour?'"])
    return ask.answer(verdict, status="problems" if category != "none" else "answered", details=details,
                      resources=next_subjects(verdict, culprit, asked_about, ask.resource),
                      diagnosis=diagnosis, next_steps=steps)
