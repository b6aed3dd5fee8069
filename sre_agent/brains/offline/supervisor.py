"""The offline supervisor: after every specialist, decide from the findings what to ask next.

The order of questions is the one an SRE follows: look at the alarmed thing; walk to what it
depends on when a dependency is down, to the node when pods sit on a dead node; corroborate the
leading hypothesis with metrics and logs of the resource it names; find the runbook. A question
already asked is never asked again, so the loop ends by construction."""

from __future__ import annotations

import re
from collections.abc import Callable

from ...categories import category
from ...contracts import Finding, RecalledIncident, RootCauseCategory
from ...graph.state import Hypothesis, Investigation, Task
from ...metric_kinds import said_stale, said_symptom_metrics
from .diagnosis import best, hypotheses
from .kubernetes import WALKABLE, walked

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
SWEEP_FOLLOW_KINDS = (*WORKLOAD_KINDS, "Job", "CronJob", "Pod")
MAX_SWEEP_FOLLOW = 3  # the first few flagged workloads: enough to explain, bounded for a broken cluster
DEGRADED = {"ErrorAnomaly", "LatencyAnomaly"}
WALK_BEFORE_BLAME = {RootCauseCategory.DEPENDENCY_FAILURE, RootCauseCategory.BAD_DEPLOY_REGRESSION}
# Corroboration worth the calls: these categories are told apart by metrics/logs.
NEEDS_METRICS = {RootCauseCategory.OOM_KILLED, RootCauseCategory.MEMORY_LEAK, RootCauseCategory.CPU_THROTTLING,
                 RootCauseCategory.BAD_DEPLOY_REGRESSION, RootCauseCategory.DEPENDENCY_FAILURE}
STOPWORDS = {"is", "the", "a", "an", "in", "of", "are", "what", "why", "how", "right", "now", "service", "namespace",
             "healthy", "ok", "we", "want", "to", "ship", "release", "check", "there", "any", "issue", "issues", "with",
             "and", "for", "on", "it", "this", "that", "does", "do", "pods", "pod", "deployment", "cluster", "please"}


def initial_tasks(state: Investigation) -> list[Task]:
    incident = state.incident
    if incident.affected:
        target = incident.affected[0]
        return [Task(agent="kubernetes", target=target, question="triage", reason=f"the incident points at {target}")]
    if incident.question:
        words = [w for w in re.findall(r"[a-z0-9][a-z0-9-]{2,}", incident.question.lower()) if w not in STOPWORDS]
        scope = incident.namespace or "cluster"
        return [Task(agent="kubernetes", target=scope, question="locate " + " ".join(dict.fromkeys(words)),
                     reason="find what the question is about" + (f" in namespace {scope}" if incident.namespace else ""))]
    return [Task(agent="kubernetes", target="cluster", question="sweep", reason="scheduled health sweep")]


def remembered_tasks(state: Investigation) -> list[Task]:
    """The root causes this alarm had before (the memory's hypotheses), each triaged right after the alarmed object:
    checked first, believed only if this run's own evidence shows them."""
    affected = set(state.incident.affected)
    seen = {f.resource for f in state.findings}  # what the questions so far already read: checked on the way
    return [Task(agent="kubernetes", target=past.resource, question="remembered",
                 reason=f"remembered: {past.incident_id} ({past.when:%Y-%m-%d}) was {past.category} on it")
            for past in state.recalled or [] if past.match == "alarm" and past.resource
            and past.resource not in affected and past.resource not in seen]


def remembered_confirmed(state: Investigation, leading: Hypothesis | None) -> RecalledIncident | None:
    """The remembered incident this run's own leading hypothesis repeats (same category, same object, confident)."""
    if leading is None or leading.confidence < 0.8:
        return None
    return next((past for past in state.recalled or [] if past.category == leading.category.value
                 and past.resource == leading.resource), None)


TRIAGES = ("triage", "remembered")


def _read_already(task: Task, state: Investigation) -> bool:
    """A triage of an object an earlier triage already read (as the memory's hypothesis, or on a walk), or of a workload
    an earlier question read in full (walking from its Service, say), adds nothing; nor does a read of a workload's
    container resources after its whole metrics read."""
    if task.agent == "metrics" and task.question == "container_resources":
        return any(t.agent == "metrics" and t.question == "workload" and t.target == task.target for t in state.tasks)
    if task.agent != "kubernetes" or task.question not in TRIAGES:
        return False
    if any(t.agent == "kubernetes" and t.question in TRIAGES and t.target == task.target for t in state.tasks):
        return True
    kind = task.target.split("/")[1] if task.target.count("/") == 2 else None
    return kind in WALKABLE and walked(state, task.target)


def next_task(state: Investigation) -> Task | None:
    candidates = [task for task in _candidates(state) if not state.asked(task) and not _read_already(task, state)]
    # The last question the step budget allows goes to the leading hypothesis's runbook: a diagnosis without
    # its remediation is an escalation, and one more corroborating read would not change the diagnosis.
    if state.budget.max_steps - state.usage.steps == 1:
        return next((t for t in candidates if t.agent == "runbooks"), candidates[0] if candidates else None)
    return candidates[0] if candidates else None


def _candidates(state: Investigation) -> list[Task]:
    tasks = initial_tasks(state) + remembered_tasks(state)
    findings = state.findings
    # Located resources (chat) become triage targets.
    for finding in findings:
        if finding.signal == "Located":
            tasks.append(Task(agent="kubernetes", target=finding.resource, question="triage", reason=finding.summary))
    # A question that names no object: look wider -- the namespace it is scoped to or mentions, else the
    # whole cluster. A lookup that found nothing is never a reason to answer "healthy". A question about a
    # named object (chat resolved it: the incident's affected resource) is answered from that object and
    # what it depends on: a sweep would offer whatever else is broken in the cluster as its cause.
    located = any(f.signal == "Located" for f in findings) or bool(state.incident.affected)
    if state.incident.question and state.tasks and not located:
        mentioned = [f.resource for f in findings if f.signal == "NamespaceMentioned"]
        scopes = ([state.incident.namespace] if state.incident.namespace else mentioned) or ["cluster"]
        if said_symptom_metrics(state.incident.question):  # "bookings time out": whose own latency/5xx says so, first
            tasks += [Task(agent="metrics", target=scope, question="symptoms", reason="the question says a symptom and "
                           f"names nothing found: which service in {scope} shows it in its own telemetry")
                      for scope in scopes]
        for scope in scopes:
            tasks.append(Task(agent="kubernetes", target=scope, question="triage",
                              reason=f"nothing the question names was found; sweep {scope}"))
    if state.incident.question and said_stale(state.incident.question) and not any(
            t.question == "stopped" for t in state.tasks):  # data stale: a producer stopped fails nothing anywhere
        tasks.append(Task(agent="kubernetes", target=state.incident.namespace or "cluster", question="stopped",
                          reason="the question says data stopped moving: what was scaled to zero"))
    # What a sweep's analyzers flagged on a workload is investigated like an alarmed workload
    # (its pods, logs, rollouts): an analyzer's one-line reason is where an SRE starts, not the answer.
    flagged = [f.resource for f in findings if f.details.get("source") == "analyzer" and f.severity == "critical"
               and f.resource.count("/") == 2 and f.resource.split("/")[1] in SWEEP_FOLLOW_KINDS]
    for resource in list(dict.fromkeys(flagged))[:MAX_SWEEP_FOLLOW]:
        tasks.append(Task(agent="kubernetes", target=resource, question="triage",
                          reason="the namespace's analyzers flagged it"))
    # An alarmed or asked-about claim (a volume filling, a spool that stopped draining): what writes to it is where
    # the cause is -- its pods, their workload, its logs.
    for finding in findings:
        if finding.signal == "MountsClaim" and finding.details.get("claim") in state.incident.affected:
            tasks.append(Task(agent="kubernetes", target=finding.resource, question="triage", reason=finding.summary))
    # Walks: dependencies that are down, nodes that are not ready.
    for finding in findings:
        if finding.signal == "DependencyDown":
            dependency = finding.details["dependency"]
            tasks.append(Task(agent="kubernetes", target=dependency, question="triage",
                              reason=f"{finding.resource} depends on it and it has no ready endpoints"))
        elif finding.signal in ("NodeTopConsumer", "NodeDiskWriter") and any(
                x.signal == "UntoleratedTaint" and x.details.get("pressure") and finding.details.get("node") in
                (x.details.get("nodes") or []) for x in findings):  # it fills a node the kubelet tainted for pressure
            tasks.append(Task(agent="kubernetes", target=finding.resource, question="triage", reason=finding.summary))
        elif finding.signal == "NodeNotReady" and finding.resource.startswith("Node/"):
            tasks.append(Task(agent="kubernetes", target=finding.resource, question="triage",
                              reason=f"pods of {finding.details.get('workload', 'the workload')} run there"))
    leading = best(hypotheses(findings))
    # The memory's hypothesis, confirmed by this run's own evidence: the walks that would look for another cause are
    # not needed (the reads that tell its category from a look-alike still are).
    confirmed = remembered_confirmed(state, leading)
    alarm_target = state.incident.affected[0] if state.incident.affected else None
    if state.incident.alarm and alarm_target:
        tasks.append(Task(agent="metrics", target=alarm_target, question="alarm",
                          reason="when did the alarmed metric change, and how"))
    # The alarmed service's own saturation (CPU throttled at its limit, memory near it, an HPA pinned at its
    # max) is where an SRE looks before walking its dependencies: a slow service is most often a busy one.
    # A question about a workload ("why is the portal slow") reads the same: its own series before a quota or a
    # neighbour's finding is taken for the answer.
    own = next((f.resource for f in findings if f.signal == "Backs" and f.details.get("service") == alarm_target), None) \
        or (alarm_target if state.incident.question and alarm_target and alarm_target.count("/") == 2
            and alarm_target.split("/")[1] in WORKLOAD_KINDS else None)
    if (state.incident.alarm or state.incident.question) and own and (leading is None or leading.confidence < 0.8):
        tasks.append(Task(agent="metrics", target=own, question="workload",
                          reason=f"it is or backs {alarm_target}, which the incident is about: its CPU, memory and restarts"))
    # A service sent several times its usual requests is busy because it is asked more: which of its callers changed
    # just before (caller_load.callers_changed) is read before its own limits are blamed.
    backs = {f.resource: f.details.get("service") for f in findings if f.signal == "Backs"}  # workload -> its Service
    for finding in findings:
        if finding.signal in ("RequestSurge", "RequestDrop") and (service := finding.details.get("service")
                                                                  or backs.get(finding.resource, finding.resource)) \
                and "/Service/" in service:
            tasks.append(Task(agent="kubernetes", target=service, question="callers",
                              reason=f"{finding.summary}: did a caller change just before?"))
    # A service asked far less than usual: what it is told comes from its callers -- each is read whole (its pods may
    # not start, its own dependency may hold it), as an alarmed workload would be.
    dropped = {str(f.details.get("service") or backs.get(f.resource, f.resource)) for f in findings if f.signal == "RequestDrop"}
    for finding in findings:
        if finding.signal == "CallsInto" and finding.details.get("dependency") in dropped:
            tasks.append(Task(agent="kubernetes", target=finding.resource, question="triage",
                              reason=f"it calls {finding.details.get('dependency')}, which is sent far fewer requests"))
    # Walk along healthy-looking dependencies when the symptom is unexplained: a dependency whose own
    # metrics went bad is where the story continues (a slow upstream, a failing upstream's upstream).
    # A release of the alarmed service is blamed only after its dependencies were looked at: errors and latency flow
    # up from a dependency, so a change of its own that happened to land near the onset may be a bystander.
    if (leading is None or leading.confidence < 0.8 or leading.category in WALK_BEFORE_BLAME) and not confirmed:
        degraded = {f.resource for f in findings if f.signal in DEGRADED}
        checked = {t.target for t in state.tasks if t.agent == "metrics" and t.question == "service"}
        def dependencies_of(resource: str) -> list[Task]:
            return [Task(agent="metrics", target=f.details["dependency"], question="service",
                         reason=f"{f.resource} is degraded; is its dependency?")
                    for f in findings if f.signal == "DependsOn" and f.resource == resource]

        # The alarmed service's own dependencies first; then, depth first, each degraded dependency -- the most
        # degraded first (the alarm's own kind of symptom, then how many kinds) -- with its workload's resources
        # (CPU throttling, memory: where a slow chain often ends) before its own dependencies. The walk is
        # bounded, so a dependency that only looks like its siblings must not use it up first.
        backing = {f.details.get("service"): f.resource for f in findings if f.signal == "Backs"}
        for finding in findings:  # what backs the alarmed service (`own` is the first of them)
            if finding.signal == "Backs" and finding.details.get("service") == alarm_target:
                tasks += dependencies_of(finding.resource)
        tasks += _dependency_walk(findings, alarm_target, checked, backing, dependencies_of)
        # Anything degraded that calls something, reached otherwise (a question's subject, a located workload).
        for finding in findings:
            if finding.signal == "DependsOn" and (finding.resource in degraded or backs.get(finding.resource) in degraded):
                tasks += dependencies_of(finding.resource)
    focus = leading.resource if leading else _workload_of_alarm(state)
    if not leading and (failed := _finished_and_failed(state)):
        # A Job that failed and whose pods are gone (or say nothing): its lines are in the log store.
        tasks.append(Task(agent="logs", target=failed, question="patterns",
                          reason="it failed and its pods cannot tell why: what its logs said"))
    if focus and any(kind in focus for kind in WORKLOAD_KINDS):
        told_apart_by = category(leading.category.value).told_apart_by if confirmed and leading else []
        if told_apart_by == ["container_resources"]:  # a confirmed memory: only what tells it from its look-alikes
            tasks.append(Task(agent="metrics", target=focus, question="container_resources",
                              reason=f"its containers' memory and CPU: what tells {leading.category.value} from its "
                                     "look-alikes (the remembered hypothesis is confirmed)"))
        elif leading is None or leading.category in NEEDS_METRICS or leading.confidence < 0.8:
            tasks.append(Task(agent="metrics", target=focus, question="workload",
                              reason="memory, CPU and restarts of the leading suspect"))
        # Its logs, unless the memory's confirmed incident showed the same fault without a log line bearing on it.
        if not confirmed or any(p.startswith("template:") for p in confirmed.fingerprints):
            tasks.append(Task(agent="logs", target=focus, question="patterns",
                              reason="new or surging error templates of the leading suspect"))
    # "Nothing wrong" rests on the telemetry too (the honesty rule): when no other question went to
    # CloudWatch, ask which alarms are firing before concluding.
    if not state.incident.alarm and not any(t.agent in ("metrics", "logs") for t in [*tasks, *state.tasks]):
        tasks.append(Task(agent="metrics", target=state.incident.namespace or "cluster", question="firing",
                          reason="which alarms are firing: the telemetry's side of 'is anything wrong?'"))
    if leading and state.incident.source != "chat" and state.remediation_mode != "off":
        tasks.append(Task(agent="runbooks", target=leading.resource, question=leading.category.value,
                          reason="the runbook and remediation for the leading hypothesis"))
    # Still nothing after the alarmed workload's own lines: its neighbours in its namespace may say why in theirs -- a
    # controller the API now forbids, a pool used up (log_causes.yaml) -- read last, a few of them.
    if leading is None and state.incident.alarm and (around := _namespace_of_incident(state)) and \
            any(t.agent == "logs" for t in state.tasks):
        tasks.append(Task(agent="kubernetes", target=around, question="neighbours",
                          reason="nothing found on what the incident names: its namespace's other workloads"))
        tasks += [Task(agent="logs", target=f.resource, question="patterns", reason="a neighbour: do its error lines "
                       "say a cause?") for f in findings if f.signal == "Neighbour"][:MAX_NEIGHBOURS]
    return tasks


def _dependency_walk(findings: list[Finding], alarm_target: str | None, checked: set[str], backing: dict,
                     dependencies_of: Callable[[str], list[Task]]) -> list[Task]:
    """The degraded dependencies (those whose metrics were read), depth first from the alarmed service: each is
    triaged, its workload read, then the degraded dependencies below it are walked -- the most degraded first at
    every level -- and only then are its unread dependencies asked about, so a chain found going bad is followed
    to its end before a sibling that only looks like it; what was reached otherwise (not below the alarmed
    service) after."""
    degraded = {f.resource for f in findings if f.signal in DEGRADED and f.resource in checked}
    walked: list[str] = []
    tasks: list[Task] = []

    def ranked(services: list[str]) -> list[str]:
        return sorted((s for s in dict.fromkeys(services) if s in degraded and s not in walked),
                      key=lambda r: _degradation(findings, r, alarm_target), reverse=True)

    def calls_of(service: str | None) -> list[str]:
        workloads = {backing.get(service)} | {f.resource for f in findings if f.signal == "Backs"
                                              and f.details.get("service") == service}
        return [f.details["dependency"] for f in findings if f.signal == "DependsOn" and f.resource in workloads]

    def walk(service: str) -> None:
        walked.append(service)
        tasks.append(Task(agent="kubernetes", target=service, question="triage",
                          reason="a dependency of the degraded service is degraded itself"))
        if service not in backing:
            return
        tasks.append(Task(agent="metrics", target=backing[service], question="workload",
                          reason=f"it backs {service}, a degraded dependency: its CPU and memory"))
        for below in ranked(calls_of(service)):
            if below not in walked:
                walk(below)
        tasks.extend(dependencies_of(backing[service]))

    for service in ranked(calls_of(alarm_target)):
        if service not in walked:
            walk(service)
    for service in ranked(list(degraded)):
        if service not in walked:
            walk(service)
    return tasks


def _degradation(findings: list, resource: str, alarm_target: str | None) -> tuple[bool, int]:
    """How degraded `resource` looks: whether it shows the alarm's own kind of symptom (latency for a latency
    alarm), then how many kinds it shows."""
    shown = {f.signal for f in findings if f.resource == resource and f.signal in DEGRADED}
    alarmed = {f.signal for f in findings if f.resource == alarm_target and f.signal in DEGRADED}
    return bool(shown & alarmed), len(shown)


MAX_NEIGHBOURS = 4


def _namespace_of_incident(state: Investigation) -> str | None:
    """The namespace the incident is in: its alarmed or asked-about object's, else the one the question names."""
    named = [t.split("/")[0] for t in state.incident.affected if t.count("/") == 2]
    mentioned = [f.resource for f in state.findings if f.signal == "NamespaceMentioned"]
    return next(iter([*named, *([state.incident.namespace] if state.incident.namespace else []), *mentioned]), None)


def _finished_and_failed(state: Investigation) -> str | None:
    failed = [f.resource for f in state.findings if f.signal == "JobFailed" and ("/Job/" in f.resource or "/CronJob/" in f.resource)]
    # A CronJob's logs are every run's (its pods share its name as a prefix); a single Job's, only its own.
    return next((r for r in failed if "/CronJob/" in r), failed[0] if failed else None)


def _workload_of_alarm(state: Investigation) -> str | None:
    for finding in state.findings:
        if finding.agent == "kubernetes" and finding.signal != "Neighbour" and \
                any(f"/{kind}/" in finding.resource for kind in WORKLOAD_KINDS):
            return finding.resource
    return None
