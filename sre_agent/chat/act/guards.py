"""What a pinned chat write must not do on a passing request: reverse what a person recorded doing on purpose (a
decommission's scale to 0, a cordon with a reason), or undo/restart a workload that shows no fault while the
conversation found the root cause elsewhere (a harmless rollout undone is a false action). The reason is said and the
right object named; a request that says it knows ("anyway") is pinned as usual -- a human approves every pinned action
either way."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ...categories import acted_on_by
from ...contracts import parse_resource_id, parse_time
from ...graph.intent import INTENT_SIGNALS, Intent, recorded_intent
from ..answer.diagnosis_text import cause_text
from ..answer.pods import autoscaler_of, guarding_budget
from ..ask import Ask
from ..models import Answer

CAUSE_SAID = 160  # the root cause quoted in a refusal: one line
# Words that say the person knows the object was changed on purpose and wants it reversed anyway.
OVERRIDE = re.compile(r"\b(anyway|regardless|i\s+know|confirmed|override|approved\s+by|ticket\s+says)\b", re.IGNORECASE)
REVERSING_TOOLS = ("scale", "rollout_undo", "uncordon", "resume_cronjob", "rollout_resume")
# Writes that act on a workload's own spec or pods: they cannot clear a fault whose root is another object. A
# StatefulSet's scale-down ("scale_down") removes its highest members -- a database replica -- to make room elsewhere:
# guarded the same way (a Deployment's scale either way is capacity, not a fix of its spec).
OWN_FIX_TOOLS = ("rollout_undo", "rollout_restart", "delete_pod", "scale_down")
CONFIG_KINDS = ("ConfigMap", "Secret")  # a root whose users' restart is part of its fix


# a note that says how it is to be undone: "scale back to 3 after the retrain", "resume once INC-1 is closed"
# (read over every note people left on the object, keys too: "resume-when: set spec.suspend=false once the migration
# has completed" says how a suspension ends)
NOTE_UNDOES = {"scale": re.compile(r"\b(?:scale|set|bring|put)\s+(?:it\s+)?back\s+(?:up\s+)?to\s+(\d+)\b", re.IGNORECASE),
               "resume_cronjob": re.compile(r"\b(resume|unsuspend|re-?enable)\b|\bsuspend\W{0,3}(?:to\s+|=\s*|:\s*)?false\b",
                                            re.IGNORECASE),
               "rollout_resume": re.compile(r"\b(resume|unpause|unsuspend)\b|\b(suspend|paused)\s*[=:]\s*false\b",
                                            re.IGNORECASE),
               "uncordon": re.compile(r"\b(uncordon)\b(?!.*\bdo\s+not\b)", re.IGNORECASE)}
DO_NOT = re.compile(r"\b(do\s+not|don.?t|never)\b", re.IGNORECASE)


def _note_asks_for(note: str, tool: str, question: str) -> bool:
    """The person's note names the very reversal asked (a scale to the count it says to go back to): the state was
    temporary by its own words -- the request follows the note, it does not reverse it."""
    said = NOTE_UNDOES.get(tool)
    found = said.search(note) if said else None
    if found is None or DO_NOT.search(note):
        return False
    if tool == "scale":
        asked = re.findall(r"\b(\d+)\b", question)
        return bool(asked) and asked[-1] == found.group(1)
    return True


# A note guards a replica count when it records the workload off (a decommission, an idle sweep, a maintenance) or
# speaks of how many run ("one replica: two instances double-send"); a note on how it rolls out ("Recreate on purpose:
# two versions must never serve side by side") says nothing against another replica of the same version.
OFF_SIGNALS = ("decommission", "idle", "maintenance", "lifecycle label")
COUNT_WORDS = re.compile(r"\b(replicas?|instances?|workers?|consumers?|scal(e|ed|ing)|singleton|single|copies|leader|lease|"
                         r"zero)\b|\bto\s+0\b", re.IGNORECASE)


OFF_PHRASES = [p for signal in INTENT_SIGNALS if signal.name in OFF_SIGNALS for p in signal.value_phrases]


def _about_the_count(intent: Intent) -> bool:
    """The note records the workload off (by its signal, or by what its value says -- a ticket id makes the signal
    "change record" however the value reads) or speaks of how many run."""
    return intent.signal in OFF_SIGNALS or bool(COUNT_WORDS.search(f"{intent.key} {intent.value}")) or \
        any(re.search(p, intent.value, re.IGNORECASE) for p in OFF_PHRASES)


# the kind of change (categories.yaml acted_on_by) a reversing tool makes: a CronJob suspended on purpose whose
# missing runs are the fault found (dependency_failure acts by "suspend") is resumed on request like a scale-down
REVERSAL_KIND = {"rollout_undo": "undo", "scale": "scale", "resume_cronjob": "suspend"}


async def against_intent_unless_the_fault(ask: Ask, tool: str, rid: str, obj: dict) -> Answer | None:
    """against_intent, except where the change recorded on purpose is the fault: the conversation's diagnosis (the
    investigation of `rid` when it has none) puts the root cause on `rid` in a category this change acts on -- a release
    under a change ticket that broke the service is rolled back on request like any other (every release has a ticket);
    the ticket is said beside the approval."""
    refusal = against_intent(ask, tool, rid, obj)
    if refusal is None or (kind := REVERSAL_KIND.get(tool)) is None:
        return refusal
    diagnosis = ask.last_diagnosis or {}
    if not diagnosis and ask.investigate is not None:
        diagnosis = (await ask.investigate(f"why is {parse_resource_id(rid)[2]} failing", rid)).get("diagnosis") or {}
    if diagnosis.get("resource") != rid or kind not in (acted_on_by(str(diagnosis.get("category") or "none")) or []):
        return refusal
    intents = recorded_intent(rid, obj.get("metadata"))
    if any(i.signal == "maintenance" for i in intents):
        return refusal  # a maintenance window still open (a closed one is no intent any more): its owner ends it
    why, said = intents[0], tool.removeprefix("rollout_").removesuffix("_cronjob")
    ask.notes.append(f"note: {rid} was changed on purpose ({why.key}={why.value[:100]!r}) -- and the investigation puts "
                     f"the fault on it ({diagnosis.get('category')}): this {said} reverses that change")
    return None


def against_intent(ask: Ask, tool: str, rid: str, obj: dict) -> Answer | None:
    """A change that would reverse what a person recorded doing on purpose (a decommission's scale to 0, a cordon's
    reason) is not pinned on a passing request: the note is said, and who to confirm with. Said again with "anyway"
    (the person knows), it is pinned as usual -- a human still approves it."""
    if tool not in REVERSING_TOOLS or OVERRIDE.search(ask.question):
        return None
    intents = [i for i in recorded_intent(rid, obj.get("metadata")) if i.about == "object"
               and (tool != "scale" or _about_the_count(i))]
    notes = [f"{key}: {value}" for key, value in ((obj.get("metadata") or {}).get("annotations") or {}).items()]
    if not intents or any(_note_asks_for(note, tool, ask.question) for note in notes):
        return None  # no note -- or the note itself says to undo it so ("scale back to 3 after the retrain"): pinned
    why = intents[0]
    diagnosis = ask.last_diagnosis or {}
    found = [f"the fault found: {diagnosis.get('category')} on {diagnosis.get('resource')} -- {cause_text(diagnosis, CAUSE_SAID)}"
             ] if str(diagnosis.get("category") or "none") != "none" and diagnosis.get("resource") else []
    return ask.answer(f"Not pinned: {rid} was changed on purpose -- {why.signal}"
                      + (f" by {why.who}" if why.who else "") + f" ({why.key}={why.value[:100]!r}); {tool} would reverse it",
                      status="answered", resources=[rid],
                      details=[*(f"note {i.key}: {i.value[:160]}" for i in intents[:3]), *found],
                      next_steps=[f"Confirm with {why.who or 'whoever recorded it'} first; to reverse it anyway, say so "
                                  f"('{ANYWAY_SAID.get(tool, tool.replace('_', ' ') + ' it')} anyway') and a human approves "
                                  "the pinned action."])


# how the override is said for each reversal, as its example ("to reverse it anyway, say so ('uncordon it anyway')")
ANYWAY_SAID = {"scale": "scale it to 1", "rollout_undo": "roll it back", "uncordon": "uncordon it",
               "resume_cronjob": "resume it", "rollout_resume": "resume the rollout"}


def elsewhere(ask: Ask, rid: str, *, config_reader: bool = True) -> tuple[str, str] | None:
    """(root, category) when the conversation's diagnosis puts the root cause on another object than `rid` -- not `rid`,
    its pod, its Service of the same name, nor a ConfigMap/Secret `rid` reads (restarting its users is that fix);
    `config_reader` False: `rid` is known not to read that ConfigMap/Secret, so it is elsewhere too."""
    diagnosis = ask.last_diagnosis or {}
    root, category = str(diagnosis.get("resource") or ""), str(diagnosis.get("category") or "none")
    if not root or category == "none" or root == rid:
        return None
    try:
        root_ns, root_kind, root_name = parse_resource_id(root)
        ns, _, name = parse_resource_id(rid)
    except ValueError:
        return None
    if (root_kind in CONFIG_KINDS and config_reader) or (root_ns == ns and (root_name == name or root_name.startswith(name + "-"))):
        return None
    return root, category


# Faults in a Service's own spec: no restart or pod delete of the workload behind it changes that spec.
SERVICE_SPEC_FAULTS = ("service_port_mismatch", "service_selector_mismatch")


def elsewhere_for(ask: Ask, tool: str, rid: str, *, config_reader: bool = True,
                  service_untouched: bool = False) -> tuple[str, str] | None:
    """elsewhere(), and for a restart or pod delete -- or an undo that changes none of the ports or labels the Service
    matches (`service_untouched`) -- also the Service of the workload's own name when the fault is that Service's spec
    (its selector or targetPort): new pods meet the same Service."""
    if (found := elsewhere(ask, rid, config_reader=config_reader)) is not None:
        return found
    diagnosis = ask.last_diagnosis or {}
    root, category = str(diagnosis.get("resource") or ""), str(diagnosis.get("category") or "none")
    meets_the_same = tool in ("rollout_restart", "delete_pod") or (tool == "rollout_undo" and service_untouched)
    if meets_the_same and category in SERVICE_SPEC_FAULTS and "/Service/" in root and root != rid:
        return root, category
    return None


def not_the_cause(ask: Ask, tool: str, rid: str, *, own_fault: bool, config_reader: bool = True,
                  service_untouched: bool = False) -> Answer | None:
    """An undo, restart, pod delete or StatefulSet scale-down of a workload that shows no fault of its own, while the
    conversation found the root cause on another object, is not pinned on a passing request: it changes what works and
    leaves the fault. Said with "anyway", it is pinned as usual."""
    if tool not in OWN_FIX_TOOLS or own_fault or OVERRIDE.search(ask.question) or \
            (found := elsewhere_for(ask, tool, rid, config_reader=config_reader, service_untouched=service_untouched)) is None:
        return None
    root, category = found
    why = {"rollout_undo": f"an undo of {rid} would not clear it", "rollout_restart": f"a restart of {rid} would not clear it",
           "scale_down": f"a scale-down removes {rid}'s highest members (replicas of its data) to make room instead of "
                         "fixing that"}.get(tool, f"a delete of {rid} would not clear it")
    # the cause in its own words beside it: the value it hangs on (a port, a limit, a flag) is what the on-call checks
    cause = cause_text(ask.last_diagnosis, CAUSE_SAID) if (ask.last_diagnosis or {}).get("resource") == root else ""
    return ask.answer(f"Not pinned: {rid} shows no fault of its own -- the root cause found is {root} ({category}"
                      + (f": {cause}" if cause else "") + f"); {why}", status="answered", resources=[root, rid],
                      next_steps=[f"Ask 'how do I fix {parse_resource_id(root)[2]}?' for the fix; to do it anyway, "
                                  "say so ('... anyway') and a human approves the pinned action."])


async def autoscaled(ask: Ask, tool: str, rid: str) -> Answer | None:
    """A scale by hand of a workload a HorizontalPodAutoscaler scales is undone at the autoscaler's next sync (about 15
    s): not pinned on a passing request -- its bounds are what to change. Said with "anyway", pinned as usual."""
    namespace, kind, name = parse_resource_id(rid)
    if tool != "scale" or kind not in ("Deployment", "StatefulSet") or OVERRIDE.search(ask.question):
        return None
    if (hpa := await autoscaler_of(ask, rid)) is None:
        return None
    hpa_id = f"{namespace}/HorizontalPodAutoscaler/{hpa.get('name')}"
    return ask.answer(f"Not pinned: {hpa_id} scales {rid} (min {hpa.get('min')}, max {hpa.get('max')}, now "
                      f"{hpa.get('current')}); a scale by hand is undone at its next sync", status="answered",
                      resources=[rid, hpa_id], details=[f"{hpa_id}: {', '.join(hpa.get('conditions') or [])}"[:300]],
                      next_steps=[f"Change its bounds instead (e.g. 'set the hpa min of {name} to N'); to scale by hand "
                                  "anyway, say so and a human approves the pinned action."])


async def below_budget(ask: Ask, tool: str, args: dict, rid: str) -> Answer | None:
    """A scale down to or below what a PodDisruptionBudget guarding the workload's pods requires (minAvailable) leaves
    no room under the availability its owners wrote down -- every drain of their nodes refused: not pinned on a passing
    request. Said with "anyway", pinned as usual."""
    wanted = args.get("replicas")
    if tool != "scale" or not isinstance(wanted, int) or OVERRIDE.search(ask.question) or \
            isinstance(now := args.get("expect_replicas"), int) and wanted >= now:  # a scale-up leaves the budget more room
        return None
    if (guard := await guarding_budget(ask, rid)) is None or not wanted <= guard[1] < guard[2]:
        return None
    budget_id, floor, _ = guard
    name = parse_resource_id(rid)[2]
    where = "under it" if wanted < floor else "at it: the budget would allow no disruption"
    return ask.answer(f"Not pinned: {budget_id} requires at least {floor} of {name}'s pods available; "
                      f"{wanted} replica(s) would be {where}, and every drain of their nodes would be refused",
                      status="answered", resources=[rid, budget_id],
                      next_steps=[f"Ask the owners of {name} whether {wanted} is enough (then lower the budget "
                                  "first); to scale anyway, say so and a human approves the pinned action."])


async def healthy_run_killed(ask: Ask, rid: str) -> Answer | None:
    """A delete of a Job that is running with no failed pod, whose investigation (the conversation's, else one made
    now) found no fault: its work in progress is lost for nothing (the nightly reindex heating its node) -- said, not
    pinned; "anyway" pins it. A run that hangs is a fault the investigation names, and is pinned."""
    namespace, kind, name = parse_resource_id(rid)
    if kind != "Job" or OVERRIDE.search(ask.question):
        return None
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Job", "namespace": namespace or "default"})
    jobs = (listed.data or {}).get("items") or []
    job = next((j for j in jobs if j.get("name") == name), None)
    if job is None or not job.get("active") or job.get("failed") or _overrunning(job, jobs):
        return None
    diagnosis = ask.last_diagnosis
    if not diagnosis and ask.investigate is not None:
        # a CronJob's run is read as its CronJob's: a run that hangs shows there (the schedules it makes skip)
        owner = f"{namespace}/CronJob/{job['cronjob']}" if job.get("cronjob") else rid
        diagnosis = (await ask.investigate(ask.question, owner)).get("diagnosis") or {}
    if not diagnosis or diagnosis.get("category", "none") != "none":
        return None
    return ask.answer(f"Not pinned: {rid} is running ({job.get('active')} active pod(s), none failed, started "
                      f"{job.get('started') or job.get('created')}) and no fault was found in it; a delete loses its work "
                      "in progress", status="answered", resources=[rid],
                      next_steps=[f"Ask 'is {name} stuck?' or 'how long do its runs take?'; to stop it anyway, say so "
                                  "('... anyway') and a human approves the pinned action."])


def _overrunning(job: dict, jobs: list[dict]) -> bool:
    """A CronJob's run active for over twice its earlier runs' median time: hung or slowed, not work to wait for."""
    def seconds(row: dict, end: str | None) -> float | None:
        start, stop = parse_time(row.get("started")), parse_time(end)
        return (stop - start).total_seconds() if start and stop else None

    if not job.get("cronjob"):
        return False
    done = sorted(d for j in jobs if j.get("cronjob") == job["cronjob"] and j.get("completed")
                  and (d := seconds(j, j.get("completed"))) is not None)
    running = seconds(job, datetime.now(UTC).isoformat())
    return bool(done) and running is not None and running > 2 * done[len(done) // 2]

