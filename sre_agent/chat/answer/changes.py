"""What changed in a window: rollouts (new ReplicaSet revisions, with the image diff from the
rollout history), scale changes (ScalingReplicaSet events outside a rollout), node events, ConfigMaps and
Secrets written (chat/answer/config_changes.py), config breakages the kubelet reported, and alarm state
changes. "Nothing changed" rests on both backends."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from ...contracts import parse_resource_id, parse_time
from ..ask import Ask, handles
from ..models import Answer
from ..understand.exact_names import workload_running
from ..understand.forms import asks_for_window, kind_nouns
from ..understand.intent_model import VERSION
from ..understand.references import fuzzy_named, kind_of, name_of, named_exactly
from .config_changes import config_asked_about, config_record, config_writes
from .health import describe
from .investigate import latest_rollout_change
from .notes import change_note, peoples_notes
from .objects import pod_spec_of
from .records import held_values, last_writes
from .runs import age_seconds, ago, cronjob_of, run_state, runs_of
from .templates import revision_template, template_diff, template_of

# "what changed in it" / "what changed to that": a question about the object discussed, not only a window.
ABOUT_IT = re.compile(r"\bchang\w*\s+(in|to|on|with|about|for)\s+(it|that|this|them)\b", re.IGNORECASE)
# Event reasons that say a config object a workload needs changed or went missing.
CONFIG_REASONS = {"FailedMount", "CreateContainerConfigError", "FailedAttachVolume", "FailedCreate"}
MAX_ROLLOUTS = 8
# A warning whose message says a config object (or a key in one) a workload references is gone: the
# kubelet reports it as reason Failed ("configmap \"x\" not found", "couldn't find key K in Secret ns/x").
CONFIG_MISSING = re.compile(r"\b(configmaps?|secrets?)\b.*\b(not found|couldn.?t find|missing|does not exist)\b|"
                            r"\bcouldn.?t find key\b", re.IGNORECASE)


_CONFIG_NAMED = re.compile(r"\b(?:in|from)\s+(Secret|ConfigMap)\s+(?:([a-z0-9-]+)/)?([a-z0-9.-]+)|"
                           r"\b(secret|configmap)\s+\"([a-z0-9.-]+)\"", re.IGNORECASE)


def config_objects(message: str, namespace: str | None) -> list[str]:
    """The Secrets and ConfigMaps a kubelet warning names ("couldn't find key K in Secret ns/x",
    "configmap \"x\" not found"): what "that secret" means in the next question."""
    found = []
    for match in _CONFIG_NAMED.finditer(message):
        if match.group(1):
            kind = "Secret" if match.group(1).lower() == "secret" else "ConfigMap"
            where, name = match.group(2) or namespace, match.group(3)
        else:
            kind = "Secret" if match.group(4).lower() == "secret" else "ConfigMap"
            where, name = namespace, match.group(5)
        if where:  # an object whose namespace nothing says is no id to refer back to
            found.append(f"{where}/{kind}/{name}")
    return found


def _seconds_since(item: dict[str, Any], now: datetime) -> int:
    """How long ago a listed object was made: its exact creation time, else kubectl's age (whole units: "1h" is
    anything from 60 to 119 minutes, so a last-hour window needs the time itself)."""
    created = parse_time(item.get("created"))
    if created is not None:
        return int((now - created).total_seconds())
    return age_seconds(item.get("age")) or 10**9


def _when(item: dict[str, Any], now: datetime) -> str:
    created = parse_time(item.get("created"))
    return ago(created, now) if created is not None else f"{item.get('age')} ago"


def _window_text(seconds: int) -> str:
    return f"{seconds // 3600} h" if seconds % 3600 == 0 else f"{seconds // 60} min"


def _cause(revision: dict | None) -> str:
    """A revision's change-cause: who shipped it and why ("who pushed that", "which ticket brought 5.2.0 in")."""
    said = (revision or {}).get("change_cause")
    return f"; change-cause {said!r}" if said else ""


async def _note_of_current(ask: Ask, rid: str, revision: dict | None) -> str:
    """The change record on the workload itself, for its current revision with no change-cause of its own."""
    if not (revision or {}).get("current"):
        return ""
    described = await describe(ask, rid)
    return change_note(rid, ((described.data or {}).get("object") or {}).get("metadata"))


async def _rollouts(ask: Ask, scope: dict[str, Any], window_s: int) -> tuple[list[str], set[str], list[str]]:
    sets = await ask.call("kubernetes", "get_resources", {"kind": "ReplicaSet", "limit": 5000, **scope})
    lines, rolled, resources = [], set(), []
    now = datetime.now(UTC)
    fresh = [rs for rs in (sets.data or {}).get("items") or []
             if (rs.get("revision") or 0) > 1 and _seconds_since(rs, now) <= window_s]
    for rs in fresh[:MAX_ROLLOUTS]:
        namespace, deployment = rs.get("namespace"), str(rs.get("name", "")).rsplit("-", 1)[0]
        history = await ask.call("kubernetes", "rollout_history", {"namespace": namespace, "name": deployment})
        revisions = (history.data or {}).get("revisions") or []
        new = next((r for r in revisions if r.get("revision") == rs.get("revision")), None)
        old = max((r for r in revisions if r.get("revision", 0) < rs.get("revision", 0)), key=lambda r: r["revision"], default=None)
        diff = f"images {old['images']} -> {new['images']}" if old and new and old["images"] != new["images"] else \
            f"pod template changed (same images {rs.get('images')})"
        cause = _cause(new) or await _note_of_current(ask, f"{namespace}/Deployment/{deployment}", new)
        lines.append(f"rollout: {namespace}/Deployment/{deployment} revision {old['revision'] if old else '?'} -> "
                     f"{rs.get('revision')} {_when(rs, now)}, {diff}; now {rs.get('ready')} ready{cause}")
        if old and new and old.get("replicaset") and new.get("replicaset"):  # what in the template changed
            changed = template_diff(await template_of(ask, namespace, new["replicaset"]),
                                    await template_of(ask, namespace, old["replicaset"]))
            lines += [f"    changed in {deployment}'s template: {line}" for line in changed[:8]]
        rolled.add(f"{namespace}/{deployment}")
        resources.append(f"{namespace}/Deployment/{deployment}")
    return lines, rolled, resources


async def _controller_rollouts(ask: Ask, scope: dict[str, Any], since: datetime) -> tuple[list[str], list[str]]:
    """StatefulSet and DaemonSet rollouts (their ControllerRevisions, read by rollout_history) created since `since`."""
    lines, resources = [], []
    for kind in ("StatefulSet", "DaemonSet"):
        listed = await ask.call("kubernetes", "get_resources", {"kind": kind, "limit": 500, **scope})
        for item in ((listed.data or {}).get("items") or [])[:MAX_ROLLOUTS]:
            history = await ask.call("kubernetes", "rollout_history", {"namespace": item.get("namespace"),
                                                                       "name": item.get("name"), "kind": kind})
            revisions = (history.data or {}).get("revisions") or []
            for old, new in zip(revisions, revisions[1:], strict=False):
                created = parse_time(new.get("created"))
                if created is None or created < since:
                    continue
                rid = f"{item.get('namespace')}/{kind}/{item.get('name')}"
                diff = f"images {old.get('images')} -> {new.get('images')}" if old.get("images") != new.get("images") else \
                    f"changed {new.get('changed') or 'its pod template'} (same images {new.get('images')})"
                lines.append(f"rollout: {rid} revision {old.get('revision')} -> {new.get('revision')} "
                             f"({ago(created, datetime.now(UTC))}), {diff}; now {item.get('ready')} ready{_cause(new)}")
                if old.get("replicaset") and new.get("replicaset"):  # what in the template changed, value by value
                    namespace = str(item.get("namespace") or "")
                    changed = template_diff(await revision_template(ask, namespace, kind, str(new["replicaset"])),
                                            await revision_template(ask, namespace, kind, str(old["replicaset"])))
                    lines += [f"    changed in {item.get('name')}'s template: {line}" for line in changed[:8]]
                resources.append(rid)
    return lines, resources


async def _node_state(ask: Ask) -> tuple[list[str], list[str]]:
    """Nodes that are tainted or cordoned now: a question about node changes gets their current state (a taint
    carries no timestamp, so this says "now", not when)."""
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Node", "limit": 1000})
    lines, resources = [], []
    for node in (listed.data or {}).get("items") or []:
        taints = [t for t in node.get("taints") or [] if "node-role.kubernetes.io" not in t]
        if taints or node.get("unschedulable"):
            lines.append(f"node now: Node/{node.get('name')} taints {taints or 'none'}, unschedulable "
                         f"{bool(node.get('unschedulable'))}, ready {node.get('ready')}")
            resources.append(f"Node/{node.get('name')}")
    return lines, resources


async def _last_rollout_of(ask: Ask, workload: str, since: datetime) -> tuple[list[str], list[str]]:
    """"what changed in it" / "what changed on roster-api": that workload's latest rollout, even when it is older
    than the window (said so): the question is about that object, not about the window."""
    namespace, kind, name = workload.split("/")
    history = await ask.call("kubernetes", "rollout_history", {"namespace": namespace, "name": name, "kind": kind})
    revisions = (history.data or {}).get("revisions") or []
    if len(revisions) == 1:  # "did anyone deploy quiz-api today": no, and what it has run since when
        only = revisions[0]
        created = parse_time(only.get("created"))
        when = "within the window" if created and created >= since else "before the window asked about"
        return [f"no rollout: {workload} has had none since it was created: revision {only.get('revision')} at "
                f"{only.get('created')} ({when}), images {only.get('images')}"], [workload]
    if len(revisions) < 2:
        return [], []
    old, new = revisions[-2], revisions[-1]
    created = parse_time(new.get("created"))
    when = "within the window" if created and created >= since else "before the window asked about"
    diff = f"images {old.get('images')} -> {new.get('images')}" if old.get("images") != new.get("images") else \
        f"changed {new.get('changed') or 'its pod template'} (same images {new.get('images')})"
    cause = f"; change-cause {str(new['change_cause'])!r}" if new.get("change_cause") else ""
    return [f"rollout: {workload} revision {old.get('revision')} -> {new.get('revision')} at {new.get('created')} "
            f"({when}), {diff}{cause}"], [workload]


DEPLOY_ASKED = re.compile(r"\b(deploy\w*|roll\w*\s+out|release\w*|shipp?\w*|upgrad\w*)\b", re.IGNORECASE)


async def _also_asked_about(ask: Ask, first: str) -> list[str]:
    """"did anyone deploy partner-feed-api or the publisher": the other workloads the question joins to the first."""
    if not re.search(r"\b(or|and)\b|,", ask.question):
        return []
    words = [w for w in ask.recognised.candidates[:5] if w != first.rsplit("/", 1)[-1] and w not in first]
    found = []
    for word in words:
        named = await named_exactly(ask, word, kinds=["Deployment", "StatefulSet", "DaemonSet", "CronJob"])
        for kind in ("Deployment", "StatefulSet", "DaemonSet") if named is None else ():
            if (named := await fuzzy_named(ask, [word], kind)) is not None:
                break
        if named and named != first and named not in found:
            found.append(named)
    return found[:2]


async def _object_asked_about(ask: Ask) -> str | None:
    """The one object a "what changed" question is about: "it" (the conversation's workload), a name the question
    types exactly ("what changed on roster-api"), or a kind noun for the conversation's object of that kind ("what
    changed on the cronjob")."""
    rollable = ("Deployment", "StatefulSet", "DaemonSet", "CronJob")
    for word in ask.question.split():  # "what did 3.4.0 change": the workload whose live image carries that version
        if VERSION.match(word.strip("?.,!'\"")) and (running := await workload_running(ask, word.strip("?.,!'\""))):
            return running
    if ABOUT_IT.search(ask.question):
        return next((r for r in ask.focus if kind_of(r) in rollable and r.count("/") == 2), None)
    for word in ask.recognised.candidates[:4]:
        named = await named_exactly(ask, word, kinds=list(rollable))
        if named:
            return named
    if DEPLOY_ASKED.search(ask.question) and ask.recognised.candidates:
        # "did anyone deploy the broker recently": a word standing for a workload's name (avl-broker)
        for rollable_kind in rollable:
            if (guessed := await fuzzy_named(ask, ask.recognised.candidates[:3], rollable_kind)) is not None:
                return guessed
    nouns = [k for k in kind_nouns(ask.question) if k in rollable]
    if nouns or ask.namespace or asks_for_window(ask.question):  # a window asked for is the whole question
        return next((r for r in ask.focus if kind_of(r) in nouns), None)
    # a bare "what changed" in a conversation about a workload (or one of a CronJob's runs): its last change too,
    # even when older than the window -- beside everything else that changed in the window
    for rid in ask.focus[:1]:
        if kind_of(rid) in rollable:
            return rid
        namespace, kind, name = parse_resource_id(rid)
        if kind == "Job" and namespace:
            return await cronjob_of(ask, namespace, name)
    return None


async def _cronjob_runs(ask: Ask, rid: str) -> tuple[list[str], list[str]]:
    """A CronJob keeps no revisions: its history is its runs. Each Job carries the template it was made from, so
    where the runs' images change is where the CronJob was edited (between those two runs' start times), and a
    template that differs from its last run's is an edit no run has picked up yet."""
    namespace, _, name = parse_resource_id(rid)
    runs = await runs_of(ask, namespace or "", name)
    described = await ask.call("kubernetes", "describe", {"kind": "CronJob", "name": name, "namespace": namespace})
    template = [c.get("image") for c in pod_spec_of("CronJob", (described.data or {}).get("object") or {}).get("containers") or []]
    lines = []
    for before, after in zip(runs, runs[1:], strict=False):
        if before.get("images") != after.get("images"):
            lines.append(f"cronjob: {rid} edited between runs {before.get('name')} ({before.get('created')}, images "
                         f"{before.get('images')}) and {after.get('name')} ({after.get('created')}, images {after.get('images')})")
    if runs and template and runs[-1].get("images") != template:
        lines.append(f"cronjob: {rid} edited after its last run {runs[-1].get('name')}: template images now {template}")
    last_edit = max((i for i in range(1, len(runs)) if runs[i].get("images") != runs[i - 1].get("images")), default=0)
    since_change = runs[last_edit:]
    outcome = ", ".join(f"{j.get('name')} {run_state(j)}" for j in since_change[-6:])
    lines.append(f"cronjob: {rid} template images {template}; {len(runs)} run(s) kept"
                 + (f"; on these images: {outcome}" if outcome else "")
                 + ("" if len(lines) else "; no edit shows between the kept runs"))
    return lines, [f"{namespace}/Job/{j.get('name')}" for j in runs[-1:]]


SPIKE_ASKED = re.compile(r"\b(spike|surge|jump|blip|bump|peak|dip|slowdown|burst)\b"
                         r"|\bwhat\s+(was|were)\s+(hitting|hammering|loading|calling|slamming)\b"
                         r"|\b(at|around)\s+(the|that)\s+time\b|\bwhat\s+happened\s+(around\s+|at\s+|about\s+)?then\b"
                         r"|\b(run|ran)\s+against\b", re.IGNORECASE)
SPIKE_LOOKBACK_S = 3 * 3600


async def _job_runs(ask: Ask, scope: dict[str, Any], since: datetime, now: datetime,
                    scheduled: bool) -> list[tuple[datetime, str, str]]:
    """(start, line, Job id) for Jobs started in the window (a batch run is load, and a change in what runs), each
    with how it ended: one-off Jobs always; a CronJob's scheduled runs (routine) only when `scheduled` -- its latest
    run in the window."""
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Job", "limit": 2000, **scope})
    latest: dict[str, tuple[datetime, str, str]] = {}
    for job in (listed.data or {}).get("items") or []:
        created = parse_time(job.get("created"))
        if created is None or created < since or (job.get("cronjob") and not scheduled):
            continue
        state = job.get("condition") or ("running" if job.get("active") else "not finished")
        owner = f" (a run of CronJob {job['cronjob']})" if job.get("cronjob") else ""
        key = f"{job.get('namespace')}/{job.get('cronjob') or job.get('name')}"
        rid = f"{job.get('namespace')}/Job/{job.get('name')}"
        if key not in latest or created > latest[key][0]:
            latest[key] = (created, f"job: {rid}{owner} started {ago(created, now)}, {state}", rid)
    return sorted(latest.values())


async def _fired_at(ask: Ask, alarms: list[dict], since: datetime) -> list[tuple[datetime, str]]:
    """(when, alarm) for each transition to ALARM in the window, from the alarms' histories."""
    fired = []
    for alarm in [a for a in alarms if (parse_time(a.get("updated")) or since) >= since][:5]:
        history = await ask.call("cloudwatch", "alarm_history", {"name": alarm.get("name"), "start": since.isoformat()})
        fired += [(when, str(alarm.get("name"))) for item in (history.data or {}).get("items") or []
                  if item.get("new_state") == "ALARM" and (when := parse_time(item.get("timestamp"))) is not None]
    return fired


def _by_closeness(runs: list[tuple[datetime, str, str]], fired: list[tuple[datetime, str]]) -> list[tuple[datetime, str, str]]:
    """Runs that started shortly before an alarm fired first, said so: a batch run's load is a spike's usual cause."""
    def lead(run: tuple[datetime, str, str]) -> tuple[float, str]:
        gaps = [((when - run[0]).total_seconds(), name) for when, name in fired if when >= run[0] - timedelta(minutes=5)]
        return min(gaps, default=(float("inf"), ""))
    ordered = sorted(runs, key=lambda run: lead(run)[0])
    return [(start, line + (f" -- {max(0, int(gap // 60))} min before alarm {name} fired" if gap != float("inf") else ""), rid)
            for start, line, rid in ordered for gap, name in [lead((start, line, rid))]]


_ONLY_IT = re.compile(r"\b(changed|change[sd]?)\s+(in|on|to)\s+(it|that|this|the\s+)?", re.IGNORECASE)


@handles("changes", needs=("kubernetes", "cloudwatch"))
async def changes(ask: Ask) -> Answer:
    window_s = ask.recognised.window_s
    if SPIKE_ASKED.search(ask.question) and not asks_for_window(ask.question):
        window_s = SPIKE_LOOKBACK_S  # "what caused the spike": the spike may be over; look back as far as the alarms do
    now = datetime.now(UTC)
    since = now - timedelta(seconds=window_s)
    scope = {"namespace": ask.namespace} if ask.namespace else {}
    lines, rolled, resources = await _rollouts(ask, scope, window_s)
    more, more_resources = await _controller_rollouts(ask, scope, since)
    lines, resources = lines + more, resources + more_resources
    written, written_resources = await config_writes(ask, scope, since, now)
    lines, resources = lines + written, resources + written_resources
    if (config := await config_asked_about(ask)) is not None:  # "what changed in that configmap": its own record first
        if _ONLY_IT.search(ask.question) and (obj := ((await describe(ask, config)).data or {}).get("object")):
            # "what changed in records-db-config": the answer is what it holds now and who wrote it
            held, writes = held_values(kind_of(config), obj), last_writes(obj)
            return ask.answer(f"{config}{' (' + writes[0] + ')' if writes else ''} holds: {'; '.join(held)[:500]}",
                              status="answered", details=[f"{config}: {line}" for line in [*peoples_notes(obj), *writes]],
                              resources=[config], next_steps=["Ask 'who uses it?' for the workloads that read it."])
        lines, resources = await config_record(ask, config) + lines, [config, *resources]
    about = await _object_asked_about(ask)
    for asked in [about, *await _also_asked_about(ask, about)] if about else []:
        if kind_of(asked) == "CronJob":
            runs, run_resources = await _cronjob_runs(ask, asked)
            lines, resources = runs + lines, [asked, *run_resources, *resources]
        else:  # the object asked about: its latest rollout, value by value ("what did that rollout change")
            if asked not in resources:  # a rollout in the window is listed with its template's changes already
                last, last_resources = await _last_rollout_of(ask, asked, since)
                lines, resources = last + await latest_rollout_change(ask, asked) + lines, last_resources + resources
    events = await ask.call("kubernetes", "events", {"warnings_only": False, "limit": 1000, **scope})
    seen_scale: set[str] = set()
    for event in reversed((events.data or {}).get("events") or []):  # oldest first
        when = parse_time(event.get("last") or event.get("first"))
        if when is None or when < since:
            continue
        kind, _, name = str(event.get("object", "")).partition("/")
        namespace = event.get("namespace")
        if event.get("reason") == "ScalingReplicaSet" and f"{namespace}/{name}" not in rolled:
            key = f"{namespace}/{name}:{event.get('message')}"
            if key not in seen_scale:
                seen_scale.add(key)
                lines.append(f"scale: {namespace}/Deployment/{name}: {event.get('message')} ({ago(when, now)})")
                resources.append(f"{namespace}/Deployment/{name}")
        elif kind == "StatefulSet" and event.get("reason") in ("SuccessfulCreate", "SuccessfulDelete"):
            # a member added or removed (a scale, or a member re-created): its controller's own record
            lines.append(f"member: {namespace}/StatefulSet/{name}: {event.get('message')} ({ago(when, now)})")
            resources.append(f"{namespace}/StatefulSet/{name}")
        elif kind == "Node":
            lines.append(f"node: Node/{name} {event.get('reason')}: {event.get('message')} ({ago(when, now)})")
            resources.append(f"Node/{name}")
        elif event.get("type") == "Warning" and (event.get("reason") in CONFIG_REASONS
                                                 or CONFIG_MISSING.search(str(event.get("message") or ""))):
            lines.append(f"config: {namespace}/{kind}/{name} {event.get('reason')}: {(event.get('message') or '')[:200]} "
                         f"({ago(when, now)}, x{event.get('count', 1)})")
            resources += config_objects(str(event.get("message") or ""), namespace)
    spike = bool(SPIKE_ASKED.search(ask.question))
    batch = await _job_runs(ask, scope, since, now, scheduled=spike)
    alarms = await ask.call("cloudwatch", "describe_alarms", {"max_results": 1000})
    if spike and batch:  # "what caused the spike": the run that started just before an alarm fired leads
        batch = _by_closeness(batch, await _fired_at(ask, (alarms.data or {}).get("alarms") or [], since))
        resources = [rid for _, _, rid in batch] + resources
    else:
        resources += [rid for _, _, rid in batch]
    lines += [line for _, line, _ in batch]
    for alarm in (alarms.data or {}).get("alarms") or []:
        when = parse_time(alarm.get("updated"))
        if when is not None and when >= since:
            lines.append(f"alarm: {alarm.get('name')} went to {alarm.get('state')} ({ago(when, now)})")
    if "Node" in kind_nouns(ask.question):
        node_lines, node_resources = await _node_state(ask)
        lines, resources = lines + node_lines, node_resources + resources
    lines = list(dict.fromkeys(lines))
    # what the conversation found at fault first (its root's own changes, and its config's): the change an on-call is
    # after among the window's others
    at_fault = name_of(str((ask.last_diagnosis or {}).get("resource") or ""))
    if at_fault:
        lines.sort(key=lambda line: at_fault not in line)
    where = f" in namespace {ask.namespace}" if ask.namespace else " across all namespaces"
    window = _window_text(window_s)
    if not lines:
        return ask.answer(f"Nothing changed in the last {window}{where}: no rollout, scale change, node event, config write, config "
                          "error or alarm transition", status="healthy",
                          next_steps=["Nothing changed: look wider ('what changed in the last 6 hours?') or at "
                                      "what's broken now."])
    rollouts = sum(1 for line in lines if line.startswith("rollout"))
    headline = f"{len(lines)} change(s) in the last {window}{where}" + (f", {rollouts} rollout(s)" if rollouts else "")
    steps = ["If a rollout lines up with the trouble, ask 'is it safe to roll back <deployment>?'."] if rollouts else \
        ["Correlate these with the alarms ('are any alarms firing?')."]
    return ask.answer(headline, status="answered", details=lines, next_steps=steps,
                      resources=list(dict.fromkeys(resources)))
