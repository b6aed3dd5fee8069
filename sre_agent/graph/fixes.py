"""The fix a human makes when the responder did not fix it: for the diagnosed fault, which object to
change and the kubectl commands that change it -- never "nothing to do" about a problem.

Each builder reads the findings' structured details and the API's own wording (graph/defects.py),
so the fix names the exact ConfigMap key, Secret, StorageClass, taint or selector the evidence
showed. Where the fix needs content the responder cannot know (a Secret's value, which pods a
Service should select), the command carries a `<placeholder>` and `needs` says what a human supplies.
Pure functions of the state: table tests feed findings."""

from __future__ import annotations

import json
from collections.abc import Callable

from ..contracts import Finding, ProposedFix, RootCauseCategory, resource_id
from .access_fixes import cloud_role_fixes, probe_timeout_fixes, pull_secret_fixes, volume_full_fixes
from .autoscaler_fixes import autoscaler_fixes, scaled_back_fixes
from .cronjob_fixes import last_worked_image, resume_fixes, runs_stuck_on_pull, stuck_run_fixes
from .defects import missing_refs
from .endpoint_fixes import endpoint_fixes, retired_behind
from .fix_guards import category_fallback, drop_tried, findings_about, only_reads, with_intent
from .fix_guards import evidence_of as _evidence
from .fix_guards import resource_parts as _ref
from .fix_values import (
    declared_number,
    leftover_cordon,
    leftover_taint,
    nearest_storage_class,
    port_mismatch,
    selector_mismatches,
    service_selector_fix,
)
from .held_update_fixes import held_update_fixes
from .kubectl_words import KUBECTL_KIND
from .kubectl_words import namespace_flag as _ns
from .missing_settings import missing_var_names
from .oom_rollback import rollback_clears_oom
from .pins import rollback_target
from .placement_fixes import placement_fixes
from .plan_fixes import plan_fix
from .quota_fixes import quota_fixes
from .recipe_fixes import recipe_fixes
from .recreate import container_change, recreate_command
from .renamed_refs import held_keys, renamed_key_fix
from .resource_fixes import oom_limit_fixes
from .state import Investigation

C = RootCauseCategory

def _about(state: Investigation, resource: str, *signals: str) -> list[Finding]:
    return findings_about(state.findings, resource, *signals)


def _rollback_target(state: Investigation, workload: str) -> int | None:
    """The revision a rollback goes to: the one before the last rollout's -- or before the one live when the symptom
    began -- when a workload kind with revisions rolled out."""
    return rollback_target(state.findings, state.incident, workload)


def _rollback(state: Investigation, workload: str) -> list[str]:
    """`kubectl rollout undo` to the revision before the last rollout, when the last rollout changed
    what the fault is about (its template, not only a hash)."""
    namespace, kind, name = _ref(workload)
    target = _rollback_target(state, workload)
    return [] if target is None else [f"kubectl {_ns(namespace)}rollout undo {KUBECTL_KIND[kind]}/{name} --to-revision={target}"]


def _config_fixes(state: Investigation, workload: str) -> list[ProposedFix]:
    namespace, kind, name = _ref(workload)
    fixes = []
    for ref in missing_refs(state.findings, workload):
        obj = resource_id(ref.kind, ref.name, namespace)
        kind_word = "configmap" if ref.kind == "ConfigMap" else "secret"
        if ref.key:
            data = "data" if ref.kind == "ConfigMap" else "stringData"
            patch = json.dumps({data: {ref.key: "<value>"}})
            commands = [f"kubectl {_ns(namespace)}patch {kind_word} {ref.name} --type merge -p '{patch}'"]
            held = held_keys(state.findings, workload)
            summary = (f"add key {ref.key} to {ref.kind} {namespace}/{ref.name}, which {workload} requires"
                       + (f" (it holds {', '.join(held) or 'no keys'}: renamed?)" if held is not None else ""))
            renamed = renamed_key_fix(workload, ref.kind, ref.name, ref.key, held or [],
                                      _evidence(_about(state, workload, "CreateContainerConfigError")))
            if renamed is not None:  # a rename needs no value only a human knows: offered first
                fixes.append(renamed)
        else:
            create = "configmap" if ref.kind == "ConfigMap" else "secret generic"
            commands = [f"kubectl {_ns(namespace)}create {create} {ref.name} --from-literal=<KEY>=<value>"]
            summary = f"re-create {ref.kind} {namespace}/{ref.name}, which {workload} requires"
            successor = next((str(n) for f in _about(state, workload, "CreateContainerConfigError")
                              for n in f.details.get("successors") or []), None)
            if successor and kind in ("Deployment", "StatefulSet", "DaemonSet"):  # a rotation: point the reference at it
                word = KUBECTL_KIND[kind]
                fixes.append(ProposedFix(
                    resource=workload, summary=f"{workload} references {ref.kind} {ref.name}, which is gone; {successor} "
                    f"exists beside it (rotated?): point the reference at {successor}",
                    commands=[f"kubectl {_ns(namespace)}get {word} {name} -o yaml | sed 's/\\b{ref.name}\\b/{successor}/g' "
                              "| kubectl apply -f -"],
                    needs=f"that {successor} holds the keys {workload} reads",
                    evidence=_evidence(_about(state, workload, "CreateContainerConfigError"))))
        fixes.append(ProposedFix(
            resource=obj, summary=summary + f"; its pods start once it exists (or remove the reference from {workload})",
            commands=commands + [f"kubectl {_ns(namespace)}rollout restart {KUBECTL_KIND.get(kind, kind.lower())}/{name}"
                                 if kind in ("Deployment", "StatefulSet", "DaemonSet") else
                                 f"kubectl {_ns(namespace)}get pods -w"],
            needs=f"the {'value' if ref.key else 'keys and values'} from where {ref.kind}s are kept (the chart, "
                  "GitOps repository or secret store)",
            evidence=_evidence(_about(state, workload, "CreateContainerConfigError", "ConfigRefMissing", "FailedMount"))))
    return fixes


def _missing_env(state: Investigation, workload: str) -> list[ProposedFix]:
    namespace, kind, name = _ref(workload)
    crashes = [f for f in _about(state, workload, "CrashLoopBackOff", "ContainerFailed") if f.details.get("config_error")]
    crashes += _about(state, workload, "ConfigErrorLog")  # the same words, read from the log store
    if not crashes:
        return []
    line = str(crashes[0].details.get("last_log") or crashes[0].summary)
    names = missing_var_names(line)
    var = names[0] if names else "<VAR>"
    container = crashes[0].details.get("container") or "<container>"
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "CronJob"):  # a template changed in place (a CronJob's next run)
        only = f"-c {container} " if container != "<container>" else ""
        commands = [f"kubectl {_ns(namespace)}set env {KUBECTL_KIND[kind]}/{name} {only}{var}=<value>"]
        commands += [c + "   # or: back to the revision before the change" for c in _rollback(state, workload)]
    else:  # a Job's or a bare Pod's template cannot be changed in place: re-create it
        change = container_change(kind, container, {"env": [{"name": var, "value": "<value>"}]})
        commands = [recreate_command(kind, KUBECTL_KIND.get(kind, kind.lower()), namespace, name, change)]
    return [ProposedFix(resource=workload, summary=f"{workload} exits at start-up: {line[:160]} -- set {var}",
                        commands=commands, needs=f"the value of {var}" if names else "which setting the log names",
                        evidence=_evidence(crashes))]


def _pvc(state: Investigation, claim: str) -> list[ProposedFix]:
    namespace, _, name = _ref(claim)
    pending = _about(state, claim, "PVCPending", "StorageClassMissing", "ProvisioningFailed")
    if not pending:
        return []
    wanted = next((f.details.get("storage_class") for f in pending if f.details.get("storage_class")), None)
    classes = next((f.details.get("storage_classes") for f in pending if f.details.get("storage_classes")), None) or []
    target = nearest_storage_class(wanted, classes)
    return [ProposedFix(
        resource=claim, summary=f"claim {claim} asks for StorageClass {wanted or '?'}, which cannot provision it; "
                                + (f"re-create the claim on {target} (the existing class nearest that name)" if target else
                                   f"re-create the claim on an existing class ({', '.join(classes) or 'kubectl get storageclass'})")
                                + " -- a Pending claim holds no data",
        commands=[recreate_command("PersistentVolumeClaim", "pvc", namespace, name,
                                   {"spec": {"storageClassName": target or "<existing-storage-class>"}})],
        needs="" if target else "which StorageClass the claim should use", evidence=_evidence(pending))]


def _selector(state: Investigation, service: str) -> list[ProposedFix]:
    namespace, _, name = _ref(service)
    mismatch = selector_mismatches(state.findings, service)
    if not mismatch:
        return []
    details = mismatch[0].details
    selector, labels, workload = details.get("selector") or {}, details["labels"], details.get("workload", "")
    intended = service_selector_fix(state.findings, service)
    patch = json.dumps({"spec": {"selector": intended or labels}})
    commands = [f"kubectl {_ns(namespace)}patch service {name} --type merge -p '{patch}'"]
    changed = next((f for f in _about(state, workload, "RecentRollout") if "labels" in (f.details.get("changed") or [])), None)
    if changed is not None:  # the rollout moved the labels: undoing it restores what the Service selects
        commands = _rollback(state, workload) + [f"# or: {commands[0]}"]
    return [ProposedFix(resource=service if changed is None else workload,
                        summary=f"Service {service} selects {selector}; {workload}'s pods carry {labels}",
                        commands=commands, needs="" if changed is not None or intended else
                        "confirm the pods the Service should select", evidence=_evidence(mismatch))]


def _service_port(state: Investigation, service: str) -> list[ProposedFix]:
    namespace, _, name = _ref(service)
    if dropped := _about(state, service, "ServicePortMoved"):
        return [_port_restored(namespace, name, service, dropped[0])]
    mismatch = _about(state, service, "ServicePortMismatch", "TargetPortMismatch")
    details = port_mismatch(state.findings, service)
    if details is None:
        return []
    declared, workload = details.get("declared") or [], details.get("workload") or ""
    number = declared_number(declared, str(details["target_port"]))
    patch = json.dumps({"spec": {"ports": [{"port": details.get("port"), "targetPort": int(number) if number else
                                            "<container port>"}]}})
    # A strategic-merge patch (kubectl's default) merges Service ports by their `port`: the others stay.
    commands = [f"kubectl {_ns(namespace)}patch service {name} -p '{patch}'"]
    moved = next((f for f in _about(state, workload, "RecentRollout") if "ports" in (f.details.get("changed") or [])), None)
    if moved is not None:  # the rollout moved the container port: undoing it restores what the Service reaches
        commands = _rollback(state, workload) + [f"# or: {commands[0]}"]
    return [ProposedFix(resource=service if moved is None else workload,
                        summary=f"Service {service} port {details.get('port')} targets {details['target_port']}; its pods "
                                f"declare {', '.join(declared) or 'no ports'}",
                        commands=commands, needs="" if (number or moved is not None) else "which container port to target",
                        evidence=_evidence(mismatch))]


def _port_restored(namespace: str, name: str, service: str, moved: Finding) -> ProposedFix:
    """The port the callers dial exposed again beside the Service's new ones (added, not replaced: whatever dials the new
    port keeps working). Which targetPort it meant is known only when the Service has one port."""
    port, ports = moved.details.get("port"), [str(p) for p in moved.details.get("ports") or []]
    target = ports[0].split("->")[-1] if len(ports) == 1 else "<targetPort of the port the callers meant>"
    value = json.dumps([{"op": "add", "path": "/spec/ports/-", "value": {"name": f"port-{port}", "port": port,
                                                                          "targetPort": int(target) if target.isdigit() else target}}])
    return ProposedFix(resource=service, summary=f"Service {service} stopped exposing port {port}, which its callers dial "
                       f"({moved.details.get('caller')}): expose it again (it exposes {', '.join(ports) or 'no ports'})",
                       commands=[f"kubectl {_ns(namespace)}patch service {name} --type=json -p '{value}'"],
                       needs="" if len(ports) == 1 else f"which of {service}'s ports ({', '.join(ports)}) port {port} meant, "
                       "or whether the callers should move to the new port instead", evidence=list(moved.evidence))


def _unschedulable(state: Investigation, workload: str) -> list[ProposedFix]:
    return placement_fixes(state.findings, workload, lambda: _rollback(state, workload))


def _image(state: Investigation, workload: str) -> list[ProposedFix]:
    """Back to the image that ran before the rollout (or the revision before), else a tag that exists -- on the
    container the evidence names; a one-off Job or a bare pod is re-created with it (its pod spec cannot change)."""
    namespace, kind, name = _ref(workload)
    pulls = _about(state, workload, "ImagePullBackOff", "ErrImagePull", "InvalidImageName")
    if not pulls or kind not in ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job", "Pod"):
        return []
    image = next((f.details["image"] for f in pulls if f.details.get("image")), "its image")
    container = next((f.details["container"] for f in pulls if f.details.get("container")), None)
    if container is None:  # its pods are gone (a Job past its deadline): the template's only container runs it
        names = next((f.details.get("containers") for f in _about(state, workload, "WorkloadSpec")), None) or []
        container = names[0] if len(names) == 1 else None
    wanted = "<image:tag that exists>"
    needs = f"an image tag that exists in the registry ({image} does not: push it, or name the one that ran before)"
    if (worked := last_worked_image(state.findings, workload, image)) is not None:  # its last completed run pulled it
        container, (wanted, needs) = container or worked[0], (worked[1], "")
    if kind in ("CronJob", "Job", "Pod"):  # no rollout history: the template (or the object itself) names the image
        if kind == "CronJob":  # its next run takes whatever image its job template names
            commands = [f"kubectl {_ns(namespace)}set image cronjob/{name} {container or '<container>'}={wanted}"]
            how = (f"point its job template back at {wanted}, the image its last completed run ran" if not needs else
                   "point its job template at an image that exists") + " (its next run starts with it)"
            # a failed run the alarm watches stays failed: run it again from the fixed template, under its own name
            # and a run stuck on the image it cannot pull holds off the next ones (Forbid): it starts again too
            watched = {str(f.details["run"]).rsplit("/", 1)[-1] for f in pulls if f.details.get("run") in state.incident.affected}
            rerun = sorted(watched | set(runs_stuck_on_pull(state.findings, workload)))
            for job in rerun:
                commands += [f"kubectl {_ns(namespace)}delete job {job}",
                             f"kubectl {_ns(namespace)}create job {job} --from=cronjob/{name}"]
                how += f"; then run the failed {job} again from it"
            if not rerun and not needs:  # what its failed runs left undone is done now, not at the next schedule
                commands.append(f"kubectl {_ns(namespace)}create job {name}-fix --from=cronjob/{name}")
                how += "; then start a run from it now"
        else:
            change = container_change(kind, container or "<container>", {"image": wanted})
            commands = [recreate_command(kind, KUBECTL_KIND[kind], namespace, name, change)]
            how = f"re-create it with an image that exists (a {kind}'s pod spec cannot change in place)"
        return [ProposedFix(resource=workload, summary=f"{workload} cannot pull {image} (container "
                            f"{container or '?'}): {how}", commands=commands,
                            needs="; ".join(n for n in (needs, "" if container else "which container runs it") if n),
                            evidence=_evidence(pulls))]
    rollout = next(iter(_about(state, workload, "RecentRollout")), None)
    previous = next(iter((rollout.details.get("previous_images") or []) if rollout else []), None)
    word = KUBECTL_KIND[kind]
    if previous and container and previous != image:
        commands = [f"kubectl {_ns(namespace)}set image {word}/{name} {container}={previous}"]
    else:
        commands = [f"kubectl {_ns(namespace)}rollout history {word}/{name}",
                    f"kubectl {_ns(namespace)}rollout undo {word}/{name}"]
    return [ProposedFix(resource=workload, summary=f"{workload} cannot pull {image}: go back to the image that ran "
                                                  "before it (or push the missing tag)",
                        commands=commands, evidence=_evidence(pulls))]


def _scaled_down(state: Investigation, workload: str) -> list[ProposedFix]:
    """A dependency scaled to zero serves again when scaled back: to the count it ran before when a scale
    change recorded it, else a count only a human knows (at least one)."""
    zero = _about(state, workload, "ScaledToZero")
    namespace, kind, name = _ref(workload)
    if not zero or kind not in ("Deployment", "StatefulSet"):
        return []
    before = next((f.details["previous_replicas"] for f in state.findings
                   if f.resource == workload and f.details.get("previous_replicas")), None)
    stale = any(f.resource == workload and f.signal == "StoppedWhileStale" for f in state.findings)
    why = "what reads its output goes stale" if stale else "its callers fail"
    return [ProposedFix(resource=workload, summary=f"{workload} is scaled to 0 and {why}: scale it back"
                        + (f" to the {before} replicas it ran before" if before else ""),
                        commands=[f"kubectl {_ns(namespace)}scale {KUBECTL_KIND[kind]}/{name} --replicas={before or '<replicas>'}"],
                        needs="" if before else "how many replicas it ran before it was scaled down (at least 1)",
                        evidence=_evidence(zero))]


def _leftover_taint(state: Investigation, node_id: str) -> list[ProposedFix]:
    """A node that alone in its group carries a taint the pending pods do not tolerate: the taint goes."""
    node = _ref(node_id)[2]
    found = leftover_taint(state.findings, node)
    if found is None:
        return []
    taint, finding = found
    return [ProposedFix(resource=node_id, summary=f"node {node} carries taint {taint}, which the other nodes of "
                                                  "its group do not: remove it",
                        commands=[f"kubectl taint nodes {node} {taint.replace('=:', ':')}-"], evidence=_evidence([finding]))]


def _leftover_cordon(state: Investigation, node_id: str) -> list[ProposedFix]:
    """The one node the pending pods may run on is cordoned: uncordon it (after checking why it was cordoned)."""
    node = _ref(node_id)[2]
    finding = leftover_cordon(state.findings, node)
    if finding is None:
        return []
    return [ProposedFix(resource=node_id, summary=f"node {node} is cordoned and is the only node "
                                                  f"{finding.resource}'s pods may run on: uncordon it once its "
                                                  "maintenance is over",
                        commands=[f"kubectl uncordon {node}"], evidence=_evidence([finding]))]


# The named builders a category's recipe may call (categories.yaml `fix: [{builder: name}]`): fixes that need
# reasoning over the findings. Recipes that only fill a template need no builder (graph/recipe_fixes.py).
FIX_BUILDERS: dict[str, Callable[[Investigation, str], list[ProposedFix]]] = {
    "leftover_taint": _leftover_taint,
    "leftover_cordon": _leftover_cordon,
    "autoscaler_at_max": lambda state, workload: autoscaler_fixes(state.findings, workload),
    "scaled_back": lambda state, workload: scaled_back_fixes(state.findings, workload),
    "config_refs": _config_fixes,
    "missing_env": _missing_env,
    "pvc": _pvc,
    "image": _image,
    "selector": _selector,
    "service_port": _service_port,
    "unschedulable": _unschedulable,
    "scaled_down": _scaled_down,
    "endpoint": lambda state, holder: endpoint_fixes(state.findings, holder),
    "oom_limit": lambda state, workload: oom_limit_fixes(state.findings, workload, rollback_clears_oom(state, workload)),
    "quota": lambda state, quota: quota_fixes(state.findings, quota),
    "probe_timeout": lambda state, workload: probe_timeout_fixes(state.findings, workload),
    "pull_secrets": lambda state, workload: pull_secret_fixes(state.findings, workload),
    "volume_full": lambda state, claim: volume_full_fixes(state.findings, claim),
    "cloud_role": lambda state, account: cloud_role_fixes(state.findings, account),
    "resume_cronjob": lambda state, cronjob: resume_fixes(state.findings, cronjob),
    "stuck_runs": lambda state, cronjob: stuck_run_fixes(state.findings, cronjob),
}


def proposed_fixes(state: Investigation) -> list[ProposedFix]:
    """What a human should do about the diagnosed fault, most direct first (empty: nothing diagnosed)."""
    diagnosis = state.diagnosis
    if diagnosis is None or diagnosis.category == C.NONE or not diagnosis.resource:
        return []
    # a change already made that the pods have not taken (a paused rollout, OnDelete) is rolled out first
    fixes = held_update_fixes(state.findings, diagnosis.resource)
    fixes += recipe_fixes(state, diagnosis.category.value, diagnosis.resource, FIX_BUILDERS)
    for retired in retired_behind(state.findings, diagnosis.resource) if diagnosis.category == C.ENDPOINT_MISCONFIGURED else []:
        # the decommission undone is the other way out: offered after the caller's own fix, asked first (with_intent)
        fixes += recipe_fixes(state, C.DEPENDENCY_FAILURE.value, retired, FIX_BUILDERS)
    if state.plan is not None and state.plan.pin and not state.actions:  # pinned, never run (rejected, not allowed)
        fixes += plan_fix(state.plan)
    fixes = drop_tried(state, fixes)  # an action this run tried, and that did not clear it, is not the next step
    target = _rollback_target(state, diagnosis.resource)
    if not fixes and target is not None:
        fixes = drop_tried(state, [ProposedFix(
            resource=diagnosis.resource, summary=f"{diagnosis.category.value} on {diagnosis.resource}: roll back to "
            f"revision {target}, the last one before the change the fault came with (then fix that change and roll "
            "forward)", commands=_rollback(state, diagnosis.resource))])
    if not fixes or all(only_reads(fix) for fix in fixes):  # never only "describe it" or "see the runbook"
        fixes += category_fallback(state, diagnosis.resource)
    fixes = with_intent(state, fixes)
    unique: dict[tuple[str, str], ProposedFix] = {}
    for fix in fixes:
        unique.setdefault((fix.resource, " ".join(fix.commands)), fix)
    return list(unique.values())
