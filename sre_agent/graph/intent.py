"""A change a person made on purpose, as the object records it: a change ticket, a decommission or retirement
note, a maintenance window, a stated reason -- annotations (and a few label values) real teams write. Such a
change is evidence, not a fault: a write that would reverse it is never run by the responder; it stops and asks,
naming what it found (graph/remediation.py holds the plan; graph/fix_intent.py says so in the proposed fix).

The signals are data (INTENT_SIGNALS): words an annotation's key is made of, phrases its value says. Who and when
come from attribution keys beside it (owner, requested-by, until...). Tool output is untrusted text, and here it
can only make the responder more cautious: finding an intent removes an action, it never adds one. Machine-written
annotations (kubernetes.io, k8s.io, helm, argo... domains) are not a person's intent and are skipped, except
`kubernetes.io/change-cause`, which a person records. An attribution alone (an owner label) says who, not why:
it is no intent by itself. Pure functions of an object's metadata."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel

from ..contracts import Finding


class IntentSignal(BaseModel):
    """One kind of recorded intent: the words a key is made of, or phrases (lowercase, or regexes) a value says."""

    name: str
    key_words: tuple[str, ...] = ()
    value_phrases: tuple[str, ...] = ()


TICKET = r"\b[A-Z][A-Z0-9]{1,9}-\d{1,7}\b"  # CHG-2291, OPS-17, JIRA-4410: a change or incident record's id
INTENT_SIGNALS: tuple[IntentSignal, ...] = (
    IntentSignal(name="change record", key_words=("change", "cause", "ticket", "jira", "rfc", "cr", "chg", "changeset"),
                 value_phrases=(TICKET, r"\bchange (?:request|ticket|record)\b", r"\bticket\b")),
    IntentSignal(name="decommission", key_words=("decommission", "decommissioned", "retire", "retired", "retirement",
                                                 "sunset", "eol", "shutdown", "decom", "deprecation"),
                 value_phrases=(r"\bdecommission", r"\bretir(?:e|ed|ing|ement)\b", r"\bsunset", r"\bend[- ]of[- ]life\b",
                                r"\bshut (?:it )?down\b", r"\bscaled? (?:down|to (?:0|zero))\b", r"\bno longer (?:used|needed)\b",
                                r"\breplaced by\b", r"\bmigrated to\b")),
    # (an outage or incident its owner declares is off for a while too: "INC-88213 licence service outage; edge drained")
    IntentSignal(name="maintenance", key_words=("maintenance", "maint", "drain", "drained", "cordon", "cordoned",
                                                "window", "freeze", "outage", "incident"),
                 value_phrases=(r"\bmaintenance\b", r"\bdrain(?:ed|ing)? (?:for|by)\b", r"\bkernel (?:patch|upgrade)",
                                r"\bhardware (?:fault|check|replacement)\b", r"\bchange freeze\b", r"(?<![\w-])outage(?![\w-])")),
    # Turned off because it looked unused (a cost sweep, an idle reaper: "finops.x/idle-sweep: scaled to 0, avg cpu < 5%
    # over 14d"): a premise about its use, not a decision to retire it -- callers failing for want of it refute it.
    IntentSignal(name="idle", key_words=("idle", "sweep", "reaper", "janitor", "finops", "downscaler", "unused"),
                 value_phrases=(r"\bidle\b", r"\bunused\b", r"\bno (?:traffic|requests|usage|calls|load)\b",
                                r"\blow (?:usage|utili[sz]ation|traffic|load)\b", r"\bcpu\s*<\s*\d")),
    # (a key named for a plan says the state is what was planned -- "ops.x/plan: OPS-4410 fleet 12 -> 8 off-peak" --
    # however many tickets its value cites: a plan is held, never only asked)
    IntentSignal(name="stated reason", key_words=("reason", "plan", "plans", "planned", "purpose", "intent", "intentional",
                                                  "why"),
                 value_phrases=(r"\bplanned\b", r"\bon purpose\b", r"\bintentional(?:ly)?\b", r"\bdo not (?:scale|restart|"
                                r"uncordon|roll ?back|touch|undo)\b", r"\bdon'?t (?:scale|restart|uncordon|roll ?back|touch|undo)\b")),
)
# Who made the change, and when: reported beside an intent, never one by themselves.
WHO_WORDS = ("owner", "by", "author", "requester", "requested", "approver", "approved", "contact", "team", "oncall")
WHEN_WORDS = ("when", "date", "at", "since", "until", "expires", "expiry", "start", "end", "scheduled")
# Annotations the control plane and tools write: no person's intent. A person writes change-cause.
MACHINE_DOMAINS = ("kubernetes.io", "k8s.io", "amazonaws.com", "helm.sh", "argoproj.io", "fluxcd.io", "istio.io",
                   "linkerd.io", "prometheus.io", "cert-manager.io", "openshift.io", "karpenter.sh")
CHANGE_CAUSE = "kubernetes.io/change-cause"
PERSON_WRITTEN = (CHANGE_CAUSE, "kubernetes.io/description")
MACHINE_KEYS = ("deprecated.daemonset.template.generation",)
# A label value that is, whole, a lifecycle state a person set.
LIFECYCLE_STATES = ("decommissioned", "decommissioning", "retired", "retiring", "deprecated", "sunset", "maintenance",
                    "in-maintenance", "draining", "drained", "disabled", "parked", "frozen")
# A record that a time-bound hold is over: a key or a value saying the window (or the outage) closed. It ends the
# maintenance holds it cites (the same ticket; every one when it cites none) -- never a decommission, which "done"
# only confirms. A closing record can only take back what the hold's own note added: the object is then treated as if
# it carried no note at all, never given more than that.
# (past tense only: "maintenance-end: 02:00Z" is when a window ends, not that it has)
CLOSING_WORDS = ("closed", "ended", "over", "completed", "finished", "done", "lifted", "resolved")
CLOSED_PHRASE = re.compile(r"\b(?:closed|ended|over|complete(?:d)?|finished|done|lifted|resolved)\b", re.I)
# ... unless said of what is still to come or not yet so: "keep new pods off until done", "not finished", "once resolved"
NOT_YET_CLOSED = re.compile(r"\b(?:until|till|til|unless|once|when|before|after|not(?:\s+yet)?|isn'?t|is\s+not|"
                            r"aren'?t|wasn'?t|never|yet\s+to\s+be)\s+(?:it\s+|it'?s\s+|is\s+|are\s+|be\s+|been\s+|the\s+"
                            r"\w+\s+(?:is\s+)?)?$", re.I)
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?Z?)?\b")
MAX_VALUE = 200  # a recorded intent is a line, quoted as such


class Intent(BaseModel):
    """One recorded intent on an object: the annotation (or label) that says it, and who/when when recorded."""

    resource: str
    key: str
    value: str
    signal: str  # which IntentSignal matched
    who: str = ""
    when: str = ""
    # "rollout": recorded with a template change (its change-cause, the pod template's annotations) -- what an undo
    # or a set image reverses; "object": on the object itself (a decommission note, a cordon's reason).
    about: Literal["object", "rollout"] = "object"

    def sentence(self) -> str:
        by = "".join(part for part in (f" by {self.who}" if self.who else "", f" ({self.when})" if self.when else ""))
        return f"{self.resource} carries {self.key}={self.value!r} ({self.signal}){by}"


def _words(key: str) -> set[str]:
    """The words of an annotation's name (the part after its domain prefix)."""
    return {w for w in re.split(r"[._\-]+", key.rsplit("/", 1)[-1].lower()) if w}


def _machine(key: str) -> bool:
    if key in PERSON_WRITTEN:
        return False
    domain = key.split("/", 1)[0] if "/" in key else ""
    return key in MACHINE_KEYS or any(domain == d or domain.endswith("." + d) for d in MACHINE_DOMAINS)


def _attribution(key: str) -> bool:
    """owner, requested-by, until...: who or when, not why."""
    return bool(_words(key)) and _words(key) <= set(WHO_WORDS) | set(WHEN_WORDS)


def _signal_of(key: str, value: str) -> str | None:
    """The intent signal an annotation (key, value) matches, or None."""
    named = next((s.name for s in INTENT_SIGNALS if _words(key) & set(s.key_words)), None)  # the key says what it is
    if named is not None and value.strip():
        return named
    return next((s.name for s in INTENT_SIGNALS
                 if any(re.search(p, value, 0 if p == TICKET else re.I) for p in s.value_phrases)), None)


def recorded_intent(resource: str, metadata: dict[str, Any] | None) -> list[Intent]:
    """The intents an object's metadata records -- its annotations, and a label whose whole value is a lifecycle
    state (a label's key is an identity, and `app: maintenance-api` names a service) -- each with the who/when
    its attribution annotations give."""
    metadata = metadata or {}
    annotations = {str(k): str(v) for k, v in (metadata.get("annotations") or {}).items() if not _machine(str(k))}
    who = next((v for k, v in annotations.items() if _attribution(k) and _words(k) & set(WHO_WORDS)), "")
    when = next((v for k, v in annotations.items() if _attribution(k) and _words(k) & set(WHEN_WORDS)), "")
    found: list[Intent] = []
    for key, value in annotations.items():
        if key == CHANGE_CAUSE:
            found += [i.model_copy(update={"who": who, "when": when or i.when}) for i in change_cause_intent(resource, None, value)]
            continue
        signal = None if _attribution(key) else _signal_of(key, value)
        if signal is not None:
            dated = when or (m.group(0) if (m := ISO_DATE.search(value)) else "")
            found.append(Intent(resource=resource, key=key, value=value[:MAX_VALUE], signal=signal, who=who, when=dated))
    for key, value in (metadata.get("labels") or {}).items():
        if not _machine(str(key)) and str(value).lower() in LIFECYCLE_STATES:
            found.append(Intent(resource=resource, key=str(key), value=str(value), signal="lifecycle label", who=who,
                                when=when))
    return _without_closed_holds(found)


def _closes(intent: Intent) -> bool:
    """A maintenance record that says the window is over ("x/maintenance-closed: FIN-MW-0912 closed, verified") --
    never one that says when it will be ("keep new pods off until done")."""
    said_closed = any(not NOT_YET_CLOSED.search(intent.value[:m.start()]) for m in CLOSED_PHRASE.finditer(intent.value))
    return intent.signal == "maintenance" and bool(
        _words(intent.key) & set(CLOSING_WORDS) or said_closed and re.search(TICKET, intent.value))


def _without_closed_holds(found: list[Intent]) -> list[Intent]:
    """The intents still in force: a maintenance hold a closing record on the same object ends (citing its ticket, or
    citing none) is no longer one, nor is the closing record itself."""
    closing = [i for i in found if _closes(i)]
    if not closing:
        return found
    cited = {t for i in closing for t in re.findall(TICKET, i.value)}

    def ended(i: Intent) -> bool:
        tickets = set(re.findall(TICKET, i.value))
        return i.signal == "maintenance" and (not cited or not tickets or bool(tickets & cited))
    return [i for i in found if i not in closing and not ended(i)]


def change_cause_intent(resource: str, revision: int | None, change_cause: str | None) -> list[Intent]:
    """A rollout's recorded change-cause (the revision's `kubernetes.io/change-cause`), as an intent when it says
    one -- `kubectl ... --record` writes the bare command, which is a record of what ran, not why."""
    if not change_cause or re.match(r"^\s*kubectl\s", change_cause) and _signal_of("", change_cause) is None:
        return []
    signal = _signal_of("", change_cause) or "change record"
    return [Intent(resource=resource, key=CHANGE_CAUSE, value=change_cause[:MAX_VALUE], signal=signal, about="rollout",
                   when=f"revision {revision}" if revision is not None else "")]


# The writes that move a pod template back (what a rollout's record is about); the rest reverse what the object
# itself records. A scale or a new limit moves forward from a rollout: its change-cause is not theirs to ask about.
TEMPLATE_REVERSALS = {"rollout_undo", "set_image"}


def reversed_by(tool: str, intents: list[Intent]) -> list[Intent]:
    """The intents a write with `tool` would reverse."""
    return [i for i in intents if i.about == "object" or tool in TEMPLATE_REVERSALS]


def intents_in(findings: list[Finding], resource: str) -> list[Intent]:
    """The intents the investigation recorded (RecordedIntent findings) on `resource`."""
    return [Intent.model_validate(f.details["intent"]) for f in findings
            if f.signal == "RecordedIntent" and f.resource == resource and isinstance(f.details.get("intent"), dict)]


def scaled_on_purpose(findings: list[Finding], resource: str) -> list[Intent]:
    """What `resource` records about being changed on purpose that scaling it back would reverse (a decommission)."""
    return reversed_by("scale", intents_in(findings, resource))


def for_a_while(intents: list[Intent]) -> bool:
    """A maintenance window, or an idle sweep, recorded and no decommission: the workload is off for a while (a vendor's
    outage, a patch window) or because it looked unused, and is meant to come back when it is needed -- its callers'
    references to it are not out of date."""
    return any(i.signal in ("maintenance", "idle") for i in intents) and not any(i.signal == "decommission" for i in intents)


def off_because(intents: list[Intent]) -> str:
    """Why a workload recorded as off for a while is off, said for a diagnosis."""
    if any(i.signal == "idle" for i in intents):
        return f"by an idle sweep that its callers' failures say was wrong: {intent_sentence(intents)}"
    return f"for a maintenance window: {intent_sentence(intents)}"


def intent_sentence(intents: list[Intent]) -> str:
    return "; ".join(dict.fromkeys(i.sentence() for i in intents))


def held_because(intents: list[Intent]) -> str:
    """What a human is asked before a write that would reverse a change made on purpose."""
    return (f"the change was made on purpose -- {intent_sentence(intents)}: confirm with whoever made it "
            f"({intents[0].who or 'the owner named there'}) that reversing it is wanted before running this")
