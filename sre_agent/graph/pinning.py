"""Pin a plan before anyone approves it: read the object it writes, fill in the exact target (a
rollback's revision from the evidence, the container a new image goes to) and record what was seen
as the write's precondition (`expect_*` arguments the MCP server checks before it writes).

Whatever the brain proposed, nothing is acted on that is not pinned: a plan whose object cannot be
read, whose container does not exist, whose target is where the object already is, or whose
revision is not the one the evidence points at is dropped here with the reason -- and escalated."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ..contracts import ToolCallRecord, resource_id
from .defects import same_defect
from .intent import Intent, change_cause_intent, intents_in, recorded_intent, reversed_by
from .oom_rollback import oom_rollback_refusal
from .pins import pinned_revision, symptom_seen
from .ports import Tools
from .quantities import quantity as parse_quantity
from .renamed_refs import key_readers
from .state import Investigation, RemediationPlan

# Workload writes whose precondition is the workload's spec generation (any spec change moves it).
GENERATION_PINNED = {"set_resources", "rollout_restart", "relax_probe", "add_pull_secret"}
NODE_TOOLS = {"cordon", "uncordon", "remove_node_taint"}
# The object a write tool changes, where it is not the workload its `kind` names.
OBJECT_OF = {"raise_quota": "ResourceQuota", "raise_hpa_max": "HorizontalPodAutoscaler", "set_service_selector": "Service",
             "set_service_target_port": "Service", "expand_claim": "PersistentVolumeClaim", "set_config_value": "ConfigMap",
             "stop_cronjob_pileup": "CronJob", "set_cronjob_image": "CronJob", "resume_cronjob": "CronJob",
             **{tool: "Node" for tool in NODE_TOOLS}}


class Pinned(BaseModel):
    plan: RemediationPlan | None = None
    refused: str = ""  # why the plan could not be pinned
    records: list[ToolCallRecord] = []
    # What the object written says was done to it on purpose (graph/intent.py): a pinned plan with any is held for
    # a human, never run (graph/remediation.py) -- read from the same fresh reads the pin is made of.
    intent: list[Intent] = []


def written_resource(plan: RemediationPlan) -> str:
    args = plan.args
    if plan.tool in NODE_TOOLS:
        return resource_id("Node", str(args.get("node")))
    if plan.tool == "delete_pod":
        return resource_id("Pod", str(args.get("name")), args.get("namespace"))
    if plan.tool in OBJECT_OF:
        return resource_id(OBJECT_OF[plan.tool], str(args.get("name")), args.get("namespace"))
    if plan.server == "kubernetes":
        return resource_id(str(args.get("kind") or "Deployment"), str(args.get("name")), args.get("namespace"))
    targets = args.get("instance_ids") or args.get("targets") or args.get("document_name") or "?"
    return f"ssm/{plan.tool}/{targets}"


async def pin_plan(plan: RemediationPlan, state: Investigation, tools: Tools) -> Pinned:
    records: list[ToolCallRecord] = []
    target = written_resource(plan)
    seen: list[Intent] = intents_in(state.findings, target)  # what the investigation read on it, and fresh reads below

    async def read(tool: str, args: dict[str, Any]) -> tuple[dict | None, str]:
        outcome = await tools.call("remediation", "kubernetes", tool, args)
        records.append(outcome.record)
        data = outcome.data if isinstance(outcome.data, dict) else None
        if tool == "describe" and data is not None and data.get("resource") == target:
            seen.extend(object_intents(target, data.get("object")))
        return data, outcome.error or ""

    pinned = await _pin(plan.model_copy(update={"resource": target}), state, read, records)
    if pinned.plan is not None and pinned.plan.tool == "rollout_undo":  # the workload's own notes, as for any write
        await read("describe", {"kind": str(plan.args.get("kind") or "Deployment"), "name": plan.args.get("name"),
                                "namespace": plan.args.get("namespace"), "events_limit": 0})
    unique = {(i.key, i.value): i for i in reversed_by(plan.tool, [*seen, *pinned.intent])}
    return pinned.model_copy(update={"intent": list(unique.values()), "records": records})


def object_intents(resource: str, obj: Any) -> list[Intent]:
    """The intents an object records on itself and, for a workload, on its pod template (a rollout's note)."""
    if not isinstance(obj, dict):
        return []
    template = ((obj.get("spec") or {}).get("template") or {}).get("metadata")
    return recorded_intent(resource, obj.get("metadata")) + [
        i.model_copy(update={"about": "rollout"}) for i in recorded_intent(resource, template)]


async def _pin(plan: RemediationPlan, state: Investigation, read, records: list[ToolCallRecord]) -> Pinned:
    namespace, name = plan.args.get("namespace"), plan.args.get("name")
    kind = str(plan.args.get("kind") or "Deployment")
    if plan.tool == "rollout_undo":
        history, error = await read("rollout_history", {"namespace": namespace, "name": name,
                                                        **({"kind": kind} if kind != "Deployment" else {})})
        if history is None:
            return Pinned(refused=f"could not read the rollout history of {plan.resource} to pin the rollback: {error}",
                          records=records)
        seen, because = symptom_seen(state.findings, state.incident)
        pin = pinned_revision(history.get("revisions") or [], history.get("current_revision"), seen, because)
        if pin.to_revision is None:
            return Pinned(refused=f"no revision to roll {plan.resource} back to: {pin.why}", records=records)
        target: dict = next((r for r in history.get("revisions") or [] if r.get("revision") == pin.to_revision), {})
        current = next((r for r in history.get("revisions") or [] if r.get("current")), None)
        defect = same_defect(target, state.findings, state.diagnosis.resource if state.diagnosis else plan.resource, current) \
            or _same_template(history.get("revisions") or [], pin.to_revision, current) \
            or oom_rollback_refusal(state, plan.resource, pin.to_revision)
        if defect:
            return Pinned(refused=f"no rollback of {plan.resource} can help: {defect}", records=records)
        asked = plan.args.get("to_revision")
        if asked not in (None, "") and int(asked) != pin.to_revision:
            return Pinned(refused=f"the plan rolls {plan.resource} back to revision {asked}, but the evidence points at "
                                  f"{pin.to_revision}: {pin.why}", records=records)
        return Pinned(plan=plan.model_copy(update={
            "args": {**plan.args, "to_revision": pin.to_revision},
            "precondition": {"expect_revision": history.get("current_revision")},
            "pin": f"{pin.why}; {plan.resource} is at revision {history.get('current_revision')}"}), records=records,
            intent=change_cause_intent(plan.resource, (current or {}).get("revision"), (current or {}).get("change_cause")))
    if plan.server != "kubernetes":
        return Pinned(plan=plan.model_copy(update={"pin": f"{plan.tool} names its targets; SSM takes no precondition"}),
                      records=records)
    if plan.tool in OBJECT_PINS:
        return await OBJECT_PINS[plan.tool](plan, read, records)
    if plan.tool in NODE_TOOLS or plan.tool == "delete_pod":
        return await _pin_pod_or_node_write(plan, read, records)
    if plan.tool == "raise_quota":
        return await _pin_quota(plan, read, records)
    described, error = await read("describe", {"kind": kind, "namespace": namespace, "name": name, "events_limit": 0})
    workload = (described or {}).get("object")
    if not isinstance(workload, dict):
        return Pinned(refused=f"could not read {plan.resource} to pin {plan.tool}: {error or 'no object returned'}",
                      records=records)
    if plan.tool == "scale":
        # An autoscaler owns the replica count of what it targets: a hand-set count is undone at its next sync.
        hpas, _ = await read("get_resources", {"kind": "HorizontalPodAutoscaler", "namespace": namespace})
        owner = next((h for h in (hpas or {}).get("items") or [] if h.get("target") == f"{kind}/{name}"), None)
        if owner is not None:
            return Pinned(refused=f"HorizontalPodAutoscaler {namespace}/{owner.get('name')} owns {plan.resource}'s replica "
                                  f"count ({owner.get('min')}..{owner.get('max')}): change its bounds, not the count",
                          records=records)
    return _pin_workload_write(plan, workload, records)


def _same_template(revisions: list[dict], target: int, current: dict | None) -> str | None:
    """Why a rollback to `target` changes nothing that can be at fault: every revision since changed no aspect of
    the pod template (a `rollout restart` only stamps an annotation) -- or None."""
    if current is None:
        return None
    since = [r for r in revisions if target < int(r.get("revision") or 0) <= int(current.get("revision") or 0)]
    if since and all(r.get("changed") == [] for r in since):
        return (f"revision {target} has the same pod template as revision {current.get('revision')} (the revisions since "
                "changed nothing but annotations, e.g. a restart): rolling back cannot clear the fault")
    return None


async def _pin_pod_or_node_write(plan: RemediationPlan, read, records: list[ToolCallRecord]) -> Pinned:
    """delete_pod: that very pod (its uid), never a replacement created under the same name since;
    cordon/uncordon: from the schedulability seen, and not at all when the node is already there."""
    if plan.tool == "delete_pod":
        described, error = await read("describe", {"kind": "Pod", "namespace": plan.args.get("namespace"),
                                                   "name": plan.args.get("name"), "events_limit": 0})
        uid = (((described or {}).get("object") or {}).get("metadata") or {}).get("uid")
        if not uid:
            return Pinned(refused=f"could not read {plan.resource} to pin its deletion: {error or 'no uid returned'}",
                          records=records)
        return Pinned(plan=plan.model_copy(update={"precondition": {"expect_uid": uid},
                                                   "pin": f"{plan.resource} with uid {uid}"}), records=records)
    node = plan.args.get("node")
    described, error = await read("describe", {"kind": "Node", "name": node, "events_limit": 0})
    obj = (described or {}).get("object")
    if not isinstance(obj, dict):
        return Pinned(refused=f"could not read {plan.resource} to pin {plan.tool}: {error or 'no object returned'}",
                      records=records)
    unschedulable = bool((obj.get("spec") or {}).get("unschedulable"))
    if unschedulable == (plan.tool == "cordon"):
        return Pinned(refused=f"{plan.resource} is already {'cordoned' if unschedulable else 'schedulable'}: "
                              f"{plan.tool} changes nothing", records=records)
    return Pinned(plan=plan.model_copy(update={"precondition": {"expect_unschedulable": unschedulable},
                                               "pin": f"{plan.resource} seen {'un' if unschedulable else ''}schedulable"}),
                  records=records)


async def _pin_quota(plan: RemediationPlan, read, records: list[ToolCallRecord]) -> Pinned:
    """raise_quota: from the hard limits seen, and only when every new limit is above them."""
    described, error = await read("describe", {"kind": "ResourceQuota", "namespace": plan.args.get("namespace"),
                                               "name": plan.args.get("name"), "events_limit": 0})
    hard = ((((described or {}).get("object") or {}).get("spec") or {}).get("hard")) or {}
    wanted = plan.args.get("hard") or {}
    if not hard or not isinstance(wanted, dict) or not wanted:
        return Pinned(refused=f"could not read {plan.resource}'s limits to pin the raise: {error or 'no hard limits'}",
                      records=records)
    seen = {k: str(hard.get(k)) for k in wanted}
    if any(hard.get(k) is None for k in wanted):
        return Pinned(refused=f"{plan.resource} does not cap {sorted(set(wanted) - set(hard))}", records=records)
    return Pinned(plan=plan.model_copy(update={"precondition": {"expect_hard": seen},
                                               "pin": f"{plan.resource} hard {seen} -> {wanted}"}), records=records)


async def _described(plan: RemediationPlan, read, records: list[ToolCallRecord], kind: str) -> dict | Pinned:
    """The object a plan writes, read now; or the refusal when it cannot be read."""
    described, error = await read("describe", {"kind": kind, "name": plan.args.get("node") or plan.args.get("name"),
                                               **({"namespace": plan.args["namespace"]} if plan.args.get("namespace") else {}),
                                               "events_limit": 0})
    obj = (described or {}).get("object")
    if not isinstance(obj, dict):
        return Pinned(refused=f"could not read {plan.resource} to pin {plan.tool}: {error or 'no object returned'}",
                      records=records)
    return obj


async def _pin_service_selector(plan: RemediationPlan, read, records: list[ToolCallRecord]) -> Pinned:
    """set_service_selector: from the selector seen, and not when it already selects that."""
    service = await _described(plan, read, records, "Service")
    if isinstance(service, Pinned):
        return service
    current = {str(k): str(v) for k, v in ((service.get("spec") or {}).get("selector") or {}).items()}
    wanted = plan.args.get("selector") or {}
    if not current or not wanted or current == wanted:
        return Pinned(refused=f"{plan.resource} selects {current or 'nothing (no selector)'}: setting {wanted or 'nothing'} "
                              "changes nothing a plan may change", records=records)
    return Pinned(plan=plan.model_copy(update={"precondition": {"expect_selector": current},
                                               "pin": f"{plan.resource} selector {current} -> {wanted}"}), records=records)


async def _pin_service_target_port(plan: RemediationPlan, read, records: list[ToolCallRecord]) -> Pinned:
    """set_service_target_port: from the port's targetPort seen, and not when it already targets that."""
    service = await _described(plan, read, records, "Service")
    if isinstance(service, Pinned):
        return service
    entry = next((p for p in (service.get("spec") or {}).get("ports") or [] if p.get("port") == plan.args.get("port")), None)
    if entry is None:
        return Pinned(refused=f"{plan.resource} has no port {plan.args.get('port')}", records=records)
    current = entry.get("targetPort", entry.get("port"))
    if current == plan.args.get("target_port"):
        return Pinned(refused=f"{plan.resource} port {entry.get('port')} already targets {current}", records=records)
    return Pinned(plan=plan.model_copy(update={"precondition": {"expect_target_port": current},
                                               "pin": f"{plan.resource} port {entry.get('port')} targetPort {current} -> "
                                                      f"{plan.args.get('target_port')}"}), records=records)


async def _pin_autoscaler_cap(plan: RemediationPlan, read, records: list[ToolCallRecord]) -> Pinned:
    """raise_hpa_max: from the cap seen, and only upwards."""
    hpa = await _described(plan, read, records, "HorizontalPodAutoscaler")
    if isinstance(hpa, Pinned):
        return hpa
    current, wanted = (hpa.get("spec") or {}).get("maxReplicas"), plan.args.get("max_replicas")
    if not isinstance(current, int) or not isinstance(wanted, int) or wanted <= current:
        return Pinned(refused=f"{plan.resource} maxReplicas is {current}: {wanted} would not raise it", records=records)
    return Pinned(plan=plan.model_copy(update={"precondition": {"expect_max_replicas": current},
                                               "pin": f"{plan.resource} maxReplicas {current} -> {wanted}"}), records=records)


async def _pin_taint_removal(plan: RemediationPlan, read, records: list[ToolCallRecord]) -> Pinned:
    """remove_node_taint: only a taint the node carries now (the server removes exactly that key and effect)."""
    node = await _described(plan, read, records, "Node")
    if isinstance(node, Pinned):
        return node
    key, effect = plan.args.get("key"), plan.args.get("effect")
    if not any(t.get("key") == key and t.get("effect") == effect for t in (node.get("spec") or {}).get("taints") or []):
        return Pinned(refused=f"{plan.resource} carries no taint {key}:{effect}: removing it changes nothing", records=records)
    return Pinned(plan=plan.model_copy(update={"pin": f"{plan.resource} seen with taint {key}:{effect}"}), records=records)


async def _pin_claim_growth(plan: RemediationPlan, read, records: list[ToolCallRecord]) -> Pinned:
    """expand_claim: from the storage request seen, and only when the new size is above it."""
    claim = await _described(plan, read, records, "PersistentVolumeClaim")
    if isinstance(claim, Pinned):
        return claim
    current = (((claim.get("spec") or {}).get("resources") or {}).get("requests") or {}).get("storage")
    now, wanted = parse_quantity(current) if current else None, parse_quantity(str(plan.args.get("size")))
    if now is None or wanted is None or wanted <= now:
        return Pinned(refused=f"{plan.resource} requests {current}: {plan.args.get('size')} would not grow it", records=records)
    return Pinned(plan=plan.model_copy(update={"precondition": {"expect_size": current},
                                               "pin": f"{plan.resource} storage {current} -> {plan.args.get('size')}"}),
                  records=records)


async def _pin_config_value(plan: RemediationPlan, read, records: list[ToolCallRecord]) -> Pinned:
    """set_config_value: from the value seen under the key, and not when it already holds the new one."""
    config_map = await _described(plan, read, records, "ConfigMap")
    if isinstance(config_map, Pinned):
        return config_map
    key, data, edit = plan.args.get("key"), config_map.get("data") or {}, plan.args.get("edit") or {}
    if key not in data or data[key] == plan.args.get("value"):
        return Pinned(refused=f"{plan.resource} {'has no key ' + repr(key) if key not in data else f'{key} already holds the value'}: "
                              "nothing to correct", records=records)
    if edit and str(data[key]).count(str(edit.get("find"))) != 1:  # the part to change, once in the value as shown
        return Pinned(refused=f"{plan.resource} {key} does not hold {edit.get('find')!r} once: nothing to correct in place",
                      records=records)
    change = (f"{edit.get('find')!r} -> {edit.get('replace')!r} in place (the rest, credentials included, unchanged)"
              if edit else f"{data[key]!r} -> {plan.args.get('value')!r}")
    return Pinned(plan=plan.model_copy(update={"precondition": {"expect_value": data[key]},
                                               "pin": f"{plan.resource} {key} {change}"}), records=records)


async def _pin_pileup(plan: RemediationPlan, read, records: list[ToolCallRecord]) -> Pinned:
    """stop_cronjob_pileup: from the concurrencyPolicy seen, and not when there is nothing left to stop."""
    cronjob = await _described(plan, read, records, "CronJob")
    if isinstance(cronjob, Pinned):
        return cronjob
    policy = (cronjob.get("spec") or {}).get("concurrencyPolicy") or "Allow"
    if policy == "Forbid" and not plan.args.get("stuck_runs"):
        return Pinned(refused=f"{plan.resource} already forbids overlapping runs", records=records)
    return Pinned(plan=plan.model_copy(update={"precondition": {"expect_policy": policy},
                                               "pin": f"{plan.resource} concurrencyPolicy {policy} -> Forbid; delete "
                                                      f"{', '.join(plan.args.get('stuck_runs') or []) or 'no run'}"}),
                  records=records)


async def _pin_cronjob_image(plan: RemediationPlan, read, records: list[ToolCallRecord]) -> Pinned:
    """set_cronjob_image: from the image its job template names now, and not when it already names the new one."""
    cronjob = await _described(plan, read, records, "CronJob")
    if isinstance(cronjob, Pinned):
        return cronjob
    pod = ((((cronjob.get("spec") or {}).get("jobTemplate") or {}).get("spec") or {}).get("template") or {}).get("spec") or {}
    container = plan.args.get("container")
    image = next((c.get("image") for field in ("containers", "initContainers") for c in pod.get(field) or []
                  if isinstance(c, dict) and c.get("name") == container), None)
    if image is None:
        return Pinned(refused=f"{plan.resource}'s job template has no container {container!r}", records=records)
    if image == plan.args.get("image"):
        return Pinned(refused=f"container {container!r} of {plan.resource} already runs {image}", records=records)
    runs = plan.args.get("rerun_stuck") or []
    return Pinned(plan=plan.model_copy(update={
        "precondition": {"expect_image": image},
        "pin": f"container {container!r} of {plan.resource}'s job template from {image} to {plan.args.get('image')}"
               + (f"; {', '.join(runs)} deleted" if runs else "")
               + ("; one run started from the fixed template" if runs or plan.args.get("run_now") else "")}),
        records=records)


async def _pin_resume(plan: RemediationPlan, read, records: list[ToolCallRecord]) -> Pinned:
    """resume_cronjob: only while the CronJob is still suspended (someone may have resumed it since)."""
    cronjob = await _described(plan, read, records, "CronJob")
    if isinstance(cronjob, Pinned):
        return cronjob
    if not (cronjob.get("spec") or {}).get("suspend"):
        return Pinned(refused=f"{plan.resource} is no longer suspended", records=records)
    return Pinned(plan=plan.model_copy(update={
        "pin": f"{plan.resource} suspend true -> false" + ("; one run started now" if plan.args.get("run_now") else "")}),
        records=records)


async def _pin_key_reference(plan: RemediationPlan, read, records: list[ToolCallRecord]) -> Pinned:
    """set_key_reference: only while the template still reads the old key of that object (someone may have fixed it)."""
    kind = str(plan.args.get("kind") or "Deployment")
    reader = await _described(plan, read, records, kind)
    if isinstance(reader, Pinned):
        return reader
    source_kind, source, key, renamed_to = (str(plan.args.get(k)) for k in ("source_kind", "source_name", "key", "renamed_to"))
    readers = key_readers(reader, kind, source_kind, source, key)
    if not readers:
        return Pinned(refused=f"{plan.resource} no longer reads key {key} of {source_kind} {source}", records=records)
    runs = plan.args.get("rerun_stuck") or []
    return Pinned(plan=plan.model_copy(update={
        "pin": f"{plan.resource} {', '.join(readers)}: {source_kind} {source} key {key} -> {renamed_to}"
               + (f"; {', '.join(runs)} deleted" if runs else "")
               + ("; one run started from the fixed template" if kind == "CronJob" and (runs or plan.args.get("run_now")) else "")}),
        records=records)


OBJECT_PINS = {"set_service_selector": _pin_service_selector, "set_service_target_port": _pin_service_target_port,
               "raise_hpa_max": _pin_autoscaler_cap, "remove_node_taint": _pin_taint_removal,
               "expand_claim": _pin_claim_growth, "set_config_value": _pin_config_value,
               "stop_cronjob_pileup": _pin_pileup, "set_cronjob_image": _pin_cronjob_image,
               "resume_cronjob": _pin_resume, "set_key_reference": _pin_key_reference}


def _pin_workload_write(plan: RemediationPlan, workload: dict, records: list[ToolCallRecord]) -> Pinned:
    spec = workload.get("spec") or {}
    if plan.tool == "scale":
        try:
            replicas = int(plan.args.get("replicas"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return Pinned(refused=f"scale of {plan.resource} names no replica count ({plan.args.get('replicas')!r})",
                          records=records)
        current = spec.get("replicas", 1)
        if replicas == current:
            return Pinned(refused=f"{plan.resource} already runs {current} replicas: scaling changes nothing", records=records)
        serving = ((workload.get("status") or {}).get("readyReplicas")) or 0
        if replicas < min(current, serving):
            # Capacity that serves now is never taken away during an incident: the fix is elsewhere
            # (a quota raised, an autoscaler capped), and a human decides a scale-down.
            return Pinned(refused=f"scaling {plan.resource} to {replicas} would cut the {serving} replicas serving now",
                          records=records)
        return Pinned(plan=plan.model_copy(update={"args": {**plan.args, "replicas": replicas},
                                                   "precondition": {"expect_replicas": current},
                                                   "pin": f"{plan.resource} from {current} to {replicas} replicas"}),
                      records=records)
    if plan.tool in ("set_image", "set_resources"):
        containers = [c for field in ("containers", "initContainers")
                      for c in ((spec.get("template") or {}).get("spec") or {}).get(field) or [] if isinstance(c, dict)]
        names = [c.get("name") for c in containers]
        container = plan.args.get("container") or (names[0] if len(names) == 1 else None)
        if container not in names:
            return Pinned(refused=f"{plan.tool} on {plan.resource} names container {plan.args.get('container')!r}; "
                                  f"it has {names}", records=records)
        plan = plan.model_copy(update={"args": {**plan.args, "container": container}})
        if plan.tool == "set_image":
            image = next(c.get("image") for c in containers if c.get("name") == container)
            if plan.args.get("image") == image:
                return Pinned(refused=f"container {container!r} of {plan.resource} already runs {image}", records=records)
            return Pinned(plan=plan.model_copy(update={"precondition": {"expect_image": image},
                                                       "pin": f"container {container!r} of {plan.resource} from {image} "
                                                              f"to {plan.args.get('image')}"}), records=records)
    generation = (workload.get("metadata") or {}).get("generation")
    if plan.tool in GENERATION_PINNED and generation is not None:
        return Pinned(plan=plan.model_copy(update={"precondition": {"expect_generation": generation},
                                                   "pin": f"{plan.resource} at spec generation {generation}"}), records=records)
    return Pinned(plan=plan.model_copy(update={"pin": f"{plan.tool} on {plan.resource}: no precondition observed"}),
                  records=records)
