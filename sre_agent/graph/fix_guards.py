"""What keeps a proposed fix honest after the builders (graph/fixes.py) have written it:

* an action this run already tried, and that did not clear the fault, is never proposed again as the fix (a rollback
  that failed, or ran and did not verify, is not the human's next step);
* a fix on an object that records a change made on purpose (graph/intent.py) says so, and asks the human to confirm
  with whoever made it, before it reverses that change;
* every category ends with a command that changes something -- never only `describe`, `get` or "see the runbook":
  where a value only a human knows is needed (an image tag that exists, a password, a probe's path), the command
  carries it as a named `<placeholder>` and `needs` says what it is.
Pure functions of the state: table tests feed findings and actions."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from ..contracts import Action, Finding, ProposedFix, parse_resource_id
from ..contracts import RootCauseCategory as C
from .intent import intents_in, reversed_by
from .kubectl_words import namespace_flag as _ns
from .oom_rollback import killed_limits
from .quantities import format_quantity, quantity
from .recreate import container_change, recreate_command
from .state import Investigation

WORD = {"Deployment": "deployment", "StatefulSet": "statefulset", "DaemonSet": "daemonset", "Job": "job",
        "CronJob": "cronjob", "Pod": "pod"}
TEMPLATED = ("Deployment", "StatefulSet", "DaemonSet", "CronJob")  # what `kubectl set ...` changes in place
# What a proposed command does, by the tool that would do the same (a command that repeats a tried action).
COMMAND_OF_TOOL = {"rollout_undo": "rollout undo {word}/{name}", "rollout_restart": "rollout restart {word}/{name}",
                   "scale": "scale {word}/{name}", "set_image": "set image {word}/{name}",
                   "set_resources": "set resources {word}/{name}", "delete_pod": "delete pod {name}",
                   "cordon": "cordon {node}", "uncordon": "uncordon {node}", "raise_quota": "patch resourcequota {name}",
                   "raise_hpa_max": "patch hpa {name}", "set_service_selector": "patch service {name}",
                   "set_service_target_port": "patch service {name}", "remove_node_taint": "taint nodes {node} {key}",
                   "relax_probe": "patch {word} {name}", "add_pull_secret": "patch {word} {name}",
                   "expand_claim": "patch pvc {name}", "set_config_value": "patch configmap {name}",
                   "stop_cronjob_pileup": "patch cronjob {name}", "set_cronjob_image": "set image cronjob/{name}",
                   "resume_cronjob": "patch cronjob {name}", "set_key_reference": "get {word} {name} -o json"}
# What changes the cluster: a fix none of whose commands does this only reads, and tells a human nothing to do. A
# `kubectl patch --local` edits a copy in a pipeline (what `replace` then writes); an `aws ...` call acts on its own.
WRITES = re.compile(r"\bkubectl (?:-n \S+ )?(?:apply|replace|patch(?! --local)|delete|create|scale|set|rollout (?:undo|restart)"
                    r"|uncordon|cordon|drain|taint|label|annotate|edit|autoscale)\b|^aws ")



def _tried_signature(action: Action) -> str | None:
    args = action.args
    pattern = COMMAND_OF_TOOL.get(action.tool)
    if pattern is None:
        return None
    kind = str(args.get("kind") or "Deployment")
    return pattern.format(word=WORD.get(kind, kind.lower()), name=args.get("name"), node=args.get("node"),
                          key=args.get("key"))


def tried_commands(state: Investigation) -> dict[str, Action]:
    """What this run did that did not fix the fault (the run is not `remediated`), keyed by the command it amounts to."""
    if state.status == "remediated" or state.verified:
        return {}
    out = {}
    for action in state.actions:
        signature = _tried_signature(action)
        if signature:
            out[signature] = action
    return out


def _repeats(command: str, tried: dict[str, Action]) -> Action | None:
    for signature, action in tried.items():
        namespace = action.args.get("namespace")
        if f" {signature}" in f" {command}" and (not namespace or f"-n {namespace} " in command):
            return action
    return None


def drop_tried(state: Investigation, fixes: list[ProposedFix]) -> list[ProposedFix]:
    """The fixes without the commands that repeat an action this run tried; a fix left with nothing to run goes."""
    tried = tried_commands(state)
    if not tried:
        return fixes
    kept = []
    for fix in fixes:
        commands = [c for c in fix.commands if c.startswith("#") or _repeats(c, tried) is None]
        if any(not c.startswith("#") for c in commands):
            kept.append(fix.model_copy(update={"commands": commands}))
    return kept


def tried_note(state: Investigation) -> str:
    actions = list(tried_commands(state).values())
    return "; ".join(f"{a.tool} was tried and did not clear it ({str(a.result)[:120]})" for a in actions)


def with_intent(state: Investigation, fixes: list[ProposedFix]) -> list[ProposedFix]:
    """Each fix on an object that records a change made on purpose asks the human to confirm with whoever made it."""
    held = state.plan.held if state.plan is not None and state.plan.held else ""
    out = []
    for fix in fixes:
        tool = "rollout_undo" if any("rollout undo" in c or " set image " in f" {c}" for c in fix.commands) else "write"
        intents = reversed_by(tool, intents_in(state.findings, fix.resource))
        ask = ""
        if intents:
            said = "; ".join(dict.fromkeys(i.sentence() for i in intents))
            ask = f"it was changed on purpose ({said}): confirm with {intents[0].who or 'whoever made that change'} first"
        elif held and state.plan is not None and fix.resource == state.plan.resource:  # what the pin's fresh read found
            ask = held
        if ask and ask not in fix.needs:
            fix = fix.model_copy(update={"needs": f"{fix.needs}; {ask}" if fix.needs else ask})
        out.append(fix)
    return out


def only_reads(fix: ProposedFix) -> bool:
    return not any(WRITES.search(c) for c in fix.commands if not c.startswith("#"))


def findings_about(findings: list[Finding], resource: str, *signals: str) -> list[Finding]:
    return [f for f in findings if f.resource == resource and (not signals or f.signal in signals)]


def evidence_of(findings: list[Finding]) -> list[str]:
    """The findings' evidence ids, each once, in order: what a proposed fix cites."""
    return list(dict.fromkeys(e for f in findings for e in f.evidence))


def resource_parts(resource: str) -> tuple[str, str, str]:
    """(namespace or "", kind, name) of a resource id, as the fix builders' commands write them."""
    namespace, kind, name = parse_resource_id(resource)
    return namespace or "", kind, name


def _container(findings: list[Finding], resource: str) -> str:
    return next((str(f.details["container"]) for f in findings if f.resource == resource and f.details.get("container")),
                "<container>")


def _detail(findings: list[Finding], resource: str, key: str) -> str | None:
    return next((str(f.details[key]) for f in findings if f.resource == resource and f.details.get(key)), None)


def category_fallback(state: Investigation, resource: str) -> list[ProposedFix]:
    """The change a human makes for the diagnosed category when no builder could name it from the evidence: a real
    command, with `<placeholders>` only for what a human supplies."""
    diagnosis = state.diagnosis
    category = diagnosis.category if diagnosis else C.NONE
    namespace, kind, name = parse_resource_id(resource)
    ns, word, findings = _ns(namespace), WORD.get(kind, kind.lower()), state.findings
    container = _container(findings, resource)
    evidence = [e for f in findings_about(findings, resource) if f.severity != "info" for e in f.evidence][:6]
    tried = tried_note(state)

    def fix(summary: str, commands: list[str], needs: str) -> list[ProposedFix]:
        return [ProposedFix(resource=resource, summary=summary + (f" ({tried})" if tried else ""), commands=commands,
                            needs=needs, evidence=evidence)]

    if kind == "Node":
        instance = _detail(findings, resource, "instance")
        commands = [f"kubectl drain {name} --ignore-daemonsets --delete-emptydir-data"]
        commands.append(f"aws ec2 reboot-instances --instance-ids {instance or '<instance id>'}")
        return fix(f"node {name}: move its pods off it, then reboot (or replace) the instance behind it", commands,
                   "" if instance else "the node's EC2 instance id (its providerID)")
    if kind == "ResourceQuota":
        patch = json.dumps({"spec": {"hard": {"<resource>": "<new limit>"}}})
        return fix(f"{resource} refuses pods: raise the limit it refuses them at", [
            f"kubectl {ns}patch resourcequota {name} --type merge -p '{patch}'"], "which resource and by how much")
    if kind == "PersistentVolumeClaim":
        return fix(f"{resource} cannot be provisioned: re-create it on a StorageClass that exists", [
            f"kubectl {ns}get pvc {name} -o json | kubectl patch --local -f - -p "
            "'{\"metadata\": {\"uid\": null, \"resourceVersion\": null}, \"status\": null, \"spec\": {\"volumeName\": null, "
            "\"storageClassName\": \"<existing storage class>\"}}' -o json | kubectl replace --force -f -"],
                   "which StorageClass the claim should use")
    alias = next((f for f in findings if f.signal == "DependsOnExternal" and f.details.get("dependency") == resource), None)
    if kind == "Service" and alias is not None:
        # an ExternalName has no pods to point at: its host outside answers failing -- nothing in the cluster changes that
        host = alias.details.get("host")
        if category == C.DEPENDENCY_FAILURE:
            return fix(f"{resource} is an alias for {host}, outside the cluster, which answers failing: the outage is its "
                       "owner's -- page them; no change in the cluster clears it", [], "")
        return fix(f"{resource} is an alias for {host}: point it at the host that serves it", [
            f"kubectl {ns}patch service {name} --type merge -p '{json.dumps({'spec': {'externalName': '<host>'}})}'"],
                   "the host the alias should name")
    if kind == "Service":
        patch = json.dumps({"spec": {"selector": {"<label>": "<value the pods carry>"}}})
        return fix(f"{resource} reaches no ready pod: point it at the pods that serve it", [
            f"kubectl {ns}patch service {name} --type merge -p '{patch}'"], "the labels (and port) of the pods it should reach")
    if kind in ("ConfigMap", "Secret"):
        verb = "patch configmap" if kind == "ConfigMap" else "patch secret"
        data = "data" if kind == "ConfigMap" else "stringData"
        return fix(f"{resource}: set the key its readers need", [
            f"kubectl {ns}{verb} {name} --type merge -p '{json.dumps({data: {'<KEY>': '<value>'}})}'"], "the key and its value")
    if kind not in WORD:
        return fix(f"{category.value} on {resource}: change what the evidence above points at", [
            f"kubectl {ns}edit {kind.lower()} {name}"], "the change to make, from the evidence above")
    if category in (C.MEMORY_LEAK, C.OOM_KILLED):
        kills = killed_limits(findings, resource)  # the container the kernel killed, not the template's first
        container, limit = next(iter(kills.items())) if kills else (container, _detail(findings, resource, "memory_limit"))
        raised = _raised(limit, "2" if category == C.MEMORY_LEAK else "1.5", "memory")
        commands = [_set(kind, ns, word, name, container, "resources", f"--limits=memory={raised or '<limit above its working set>'}")]
        if category == C.MEMORY_LEAK and kind in TEMPLATED[:3]:
            commands.append(f"kubectl {ns}rollout restart {word}/{name}")
        return fix(f"{resource}: container {container} runs out of memory at {limit or 'its limit'}: give it room"
                   + (" and restart it to reclaim what leaked (buys time; the leak is fixed in the code)"
                      if category == C.MEMORY_LEAK else ""), commands,
                   "" if raised else "the container's working set (kubectl top pod --containers)")
    if category == C.CPU_THROTTLING:
        limit = _detail(findings, resource, "cpu_limit")
        raised = _raised(limit, "2", "cpu")
        return fix(f"{resource}: container {container} is held at its CPU limit {limit or ''}: raise it", [
            _set(kind, ns, word, name, container, "resources", f"--limits=cpu={raised or '<cpu limit>'}")],
                   "" if raised else "how much CPU it needs under this load")
    if category == C.PROBE_MISCONFIG:
        probe = "readinessProbe" if findings_about(findings, resource, "ReadinessProbeFailing") and not \
            findings_about(findings, resource, "LivenessProbeFailing") else "livenessProbe"
        change = container_change(kind, container, {probe: {"httpGet": {"path": "<path the app answers 200 on>",
                                                                        "port": "<port the app listens on>"}}})
        command = (f"kubectl {ns}patch {word} {name} -p '{json.dumps(change)}'" if kind in TEMPLATED else
                   recreate_command(kind, word, namespace or "", name, change))
        return fix(f"{resource}: its {probe} fails against an app that serves: point it at what the app answers",
                   [command], "the path and port the app answers its health on")
    if category in (C.CRASH_MISSING_CONFIG, C.MISSING_CONFIG_REF):
        return fix(f"{resource}: container {container} needs a setting it is not given", [
            _set(kind, ns, word, name, container, "env", "<VAR>=<value>")],
                   "which setting the container's last log lines name, and its value")
    if category == C.BAD_IMAGE:
        return fix(f"{resource}: run an image that exists", [
            _set(kind, ns, word, name, container, "image", f"{container}=<image:tag that exists>")],
                   "an image tag that exists in the registry")
    if category == C.UNSCHEDULABLE:
        return fix(f"{resource}: its pods cannot be placed: relax the rule that keeps them off every node", [
            f"kubectl {ns}edit {word} {name}"], "which placement rule (nodeSelector, affinity, tolerations, requests) to relax")
    loaded = next((f for f in findings_about(findings, resource, "RecentScaleUp")
                   if findings_about(findings, resource, "LoadsDependency")), None)
    if category == C.DEPENDENCY_FAILURE and kind in TEMPLATED[:3] and loaded is not None:
        # it was scaled up just before the dependency it shares strained: back to its count before, a human deciding
        # (capacity is never taken away unattended)
        before, dependency = loaded.details.get("previous_replicas"), _detail(findings, resource, "dependency")
        return fix(f"{resource} was scaled up from {before} to {loaded.details.get('replicas')} replicas at "
                   f"{loaded.details.get('at')}, just before {dependency} strained under the load: scale it back", [
                       f"kubectl {ns}scale {word}/{name} --replicas={before}"],
                   "whoever scaled it up agrees (the work it was scaled for waits); a scale-down is a human's call")
    if category == C.DEPENDENCY_FAILURE and kind in TEMPLATED[:3]:
        return fix(f"{resource} serves its callers no ready pod: bring its pods back", [
            f"kubectl {ns}scale {word}/{name} --replicas=<replicas it needs>"
            if findings_about(findings, resource, "ScaledToZero") else f"kubectl {ns}rollout restart {word}/{name}"],
                   "how many replicas it should run" if findings_about(findings, resource, "ScaledToZero") else
                   "why its pods are not ready (the evidence above): a restart only clears a stuck state")
    if category == C.BAD_DEPLOY_REGRESSION and kind in TEMPLATED[:3]:
        return fix(f"{resource}: go back to the release before the regression", [
            f"kubectl {ns}rollout undo {word}/{name} --to-revision=<the revision before the release>"],
                   "the revision that ran before the symptom began (kubectl rollout history)")
    return fix(f"{category.value} on {resource}: change what the evidence above points at", [
        f"kubectl {ns}edit {word} {name}"], "the change to make, from the evidence above")


def _raised(limit: str | None, factor: str, resource: str) -> str | None:
    """`limit` times `factor`, written as people write `resource` (whole Mi, whole millicores)."""
    value = quantity(limit) if limit else None
    return format_quantity(resource, value * Decimal(factor)) if value is not None else None


def _set(kind: str, ns: str, word: str, name: str, container: str, what: str, value: str) -> str:
    """`kubectl set <what>` for a kind that changes in place; the re-created object with the change otherwise."""
    if kind in TEMPLATED:
        flag = f"-c {container} " if what in ("resources", "env") and container != "<container>" else ""
        return f"kubectl {ns}set {what} {word}/{name} {flag}{value}"
    fields = {"image": value.split("=", 1)[-1]} if what == "image" else \
        {"env": [{"name": value.split("=", 1)[0], "value": value.split("=", 1)[-1]}]} if what == "env" else \
        {"resources": {"limits": dict([value.removeprefix("--limits=").split("=", 1)])}}
    return recreate_command(kind, word, ns.removeprefix("-n ").strip(), name, container_change(kind, container, fields))
