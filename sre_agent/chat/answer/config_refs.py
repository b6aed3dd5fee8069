"""Which ConfigMaps and Secrets a workload reads ("what secret does it read", "what configmaps does X use") and which
workloads read a given one ("what depends on the app-config configmap"): env valueFrom, envFrom, volumes."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ..ask import Ask, handles
from ..models import Answer
from ..understand.forms import kind_nouns
from .objects import REFERENCING_KINDS, pod_spec_of


def references_config(pod_spec: dict, kind: str, name: str) -> list[str]:
    """How a pod spec references ConfigMap/Secret `name`: env valueFrom, envFrom, volumes (projected too)."""
    key = "configMapKeyRef" if kind == "ConfigMap" else "secretKeyRef"
    ref = "configMapRef" if kind == "ConfigMap" else "secretRef"
    how = []
    for container in (pod_spec.get("initContainers") or []) + (pod_spec.get("containers") or []):
        for env in container.get("env") or []:
            source = (env.get("valueFrom") or {}).get(key) or {}
            if source.get("name") == name:
                how.append(f"env {env.get('name')} <- key {source.get('key')}")
        for env_from in container.get("envFrom") or []:
            if (env_from.get(ref) or {}).get("name") == name:
                how.append("envFrom (every key)")
    for volume in pod_spec.get("volumes") or []:
        direct = volume.get("configMap" if kind == "ConfigMap" else "secret") or {}
        if direct.get("name") == name or direct.get("secretName") == name:
            how.append(f"volume {volume.get('name')}")
        for source in ((volume.get("projected") or {}).get("sources") or []):
            if ((source.get("configMap" if kind == "ConfigMap" else "secret")) or {}).get("name") == name:
                how.append(f"projected volume {volume.get('name')}")
    return how


async def config_users(ask: Ask, rid: str) -> tuple[list[str], list[str]]:
    """(the workloads, Jobs and CronJobs whose pod spec references ConfigMap/Secret `rid`, how each does)."""
    namespace, kind, name = parse_resource_id(rid)
    users: list[str] = []
    details: list[str] = []
    for workload_kind in REFERENCING_KINDS:
        listed = await ask.call("kubernetes", "get_resources", {"kind": workload_kind, "namespace": namespace, "limit": 500})
        for item in (listed.data or {}).get("items") or []:
            if workload_kind == "Pod" and item.get("owner"):
                continue  # its controller's template was read already
            described = await ask.call("kubernetes", "describe", {"kind": workload_kind, "name": item["name"],
                                                                  "namespace": namespace, "events_limit": 0})
            how = references_config(pod_spec_of(workload_kind, (described.data or {}).get("object") or {}), kind, name)
            if how:
                user = f"{namespace}/{workload_kind}/{item['name']}"
                users.append(user)
                details.append(f"{user}: {'; '.join(how)}")
    return users, details


async def config_dependents(ask: Ask) -> Answer:
    """What depends on a ConfigMap or Secret: the workloads, Jobs and CronJobs whose pod spec references it."""
    namespace = parse_resource_id(ask.resource or "")[0]
    users, details = await config_users(ask, ask.resource or "")
    if not users:
        return ask.answer(f"No workload, Job or CronJob in {namespace} references {ask.resource}", status="answered",
                          next_steps=["Pods created by hand may still mount it: kubectl get pods -n " f"{namespace} -o yaml"])
    return ask.answer(f"{len(users)} object(s) reference {ask.resource}: {', '.join(users)}", status="answered",
                      details=details, resources=[ask.resource or "", *users],
                      next_steps=["A change to it reaches these on their next restart (env) or within a minute (volumes)."])


def config_refs_of(pod_spec: dict) -> list[str]:
    """Every ConfigMap and Secret a pod spec reads: env keys, envFrom, volumes (projected too)."""
    refs = []
    for container in (pod_spec.get("initContainers") or []) + (pod_spec.get("containers") or []):
        for env in container.get("env") or []:
            source = env.get("valueFrom") or {}
            for key, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                if source.get(key):
                    refs.append(f"{kind}/{source[key].get('name')} key {source[key].get('key')} (env {env.get('name')})")
        for env_from in container.get("envFrom") or []:
            for key, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                if env_from.get(key):
                    refs.append(f"{kind}/{env_from[key].get('name')} (envFrom, every key)")
    for volume in pod_spec.get("volumes") or []:
        if volume.get("configMap"):
            refs.append(f"ConfigMap/{volume['configMap'].get('name')} (volume {volume.get('name')})")
        if volume.get("secret"):
            refs.append(f"Secret/{volume['secret'].get('secretName')} (volume {volume.get('name')})")
        for source in (volume.get("projected") or {}).get("sources") or []:
            for key, kind in (("configMap", "ConfigMap"), ("secret", "Secret")):
                if source.get(key):
                    refs.append(f"{kind}/{source[key].get('name')} (projected volume {volume.get('name')})")
    return list(dict.fromkeys(refs))


CLAIM_WORDS = re.compile(r"\b(persistent\s*volume\s*claims?|pvcs?|claims?|volumes?|disks?)\b", re.IGNORECASE)


async def _claims_used(ask: Ask, obj: dict) -> Answer:
    """The PersistentVolumeClaims a workload's pods mount: those its pod template names, and a StatefulSet's members'
    (<template>-<name>-<ordinal>, as its controller makes them), each with its size and class as listed."""
    namespace, kind, name = parse_resource_id(ask.resource or "")
    spec = pod_spec_of(kind, obj)
    named = {str(v["persistentVolumeClaim"].get("claimName")) for v in spec.get("volumes") or []
             if isinstance(v.get("persistentVolumeClaim"), dict)}
    templates = [str((t.get("metadata") or {}).get("name")) for t in (obj.get("spec") or {}).get("volumeClaimTemplates") or []]
    listed = await ask.call("kubernetes", "get_resources", {"kind": "PersistentVolumeClaim", "namespace": namespace or "default"})
    rows = [c for c in (listed.data or {}).get("items") or [] if c.get("name") in named or any(
        re.fullmatch(rf"{re.escape(t)}-{re.escape(name)}-\d+", str(c.get("name"))) for t in templates)]
    if not rows:
        return ask.answer(f"{ask.resource} mounts no PersistentVolumeClaim", status="answered")
    volumes = await ask.call("kubernetes", "get_resources", {"kind": "PersistentVolume", "limit": 2000}) \
        if any(c.get("volume") for c in rows) else None
    zones = {str(v.get("name")): v.get("zones") for v in ((volumes.data or {}) if volumes else {}).get("items") or []}
    # a zonal disk's zone: only a node there can mount it (what "where does the volume live" asks)
    said = [f"{c.get('name')} ({', '.join(str(c[k]) for k in ('capacity', 'storageClass', 'phase') if c.get(k))}"
            + (f"; volume {c['volume']} in {', '.join(zones[c['volume']])}" if zones.get(str(c.get("volume"))) else "") + ")"
            for c in rows]
    return ask.answer(f"{ask.resource} uses {', '.join(said)}", status="answered",
                      resources=[f"{namespace}/PersistentVolumeClaim/{c.get('name')}" for c in rows][:4],
                      next_steps=["Ask 'how full is it' for its use, or 'can it grow' for its StorageClass."])


@handles("config_refs", needs=("kubernetes",))
async def config_refs(ask: Ask) -> Answer:
    """"what secret does it read": the ConfigMaps and Secrets its pod spec references, and whether each exists."""
    namespace, kind, name = parse_resource_id(ask.resource or "")
    described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "events_limit": 0,
                                                          **({"namespace": namespace} if namespace else {})})
    obj = (described.data or {}).get("object") or {}
    if described.error is not None and not obj:
        return ask.answer(f"Could not read {ask.resource}: {described.error[:200]}", status="unknown")
    if "PersistentVolumeClaim" in kind_nouns(ask.question) or CLAIM_WORDS.search(ask.question):
        return await _claims_used(ask, obj)  # "which PVC does loans-db use": its claims, not its config
    refs = config_refs_of(pod_spec_of(kind, obj))
    wanted = [k for k in kind_nouns(ask.question) if k in ("Secret", "ConfigMap")]
    refs = [r for r in refs if not wanted or r.split("/", 1)[0] in wanted]
    if not refs:
        return ask.answer(f"{ask.resource} references no {' or '.join(wanted) or 'ConfigMap or Secret'}", status="answered")
    details, missing, resources = [], [], []
    for ref in refs:
        ref_kind, rest = ref.split("/", 1)
        ref_name = rest.split(" ", 1)[0]
        found = await ask.call("kubernetes", "describe", {"kind": ref_kind, "name": ref_name, "namespace": namespace,
                                                          "events_limit": 0})
        held = (found.data or {}).get("object") or {}
        exists = found.error is None and bool(held)
        keys = sorted({*(held.get("data") or {}), *(held.get("binaryData") or {})})
        details.append(f"{ref}: {'exists' if exists else 'MISSING'}" + (f", keys {', '.join(keys)}" if keys else ""))
        resources.append(f"{namespace}/{ref_kind}/{ref_name}")
        if not exists:
            missing.append(f"{ref_kind}/{ref_name}")
    headline = f"{ask.resource} reads {', '.join(dict.fromkeys(r.split(' ', 1)[0] for r in refs))}"
    if missing:
        return ask.answer(headline + f"; MISSING: {', '.join(dict.fromkeys(missing))}", status="problems", details=details,
                          resources=[*dict.fromkeys(resources), ask.resource or ""],  # "restore it": the missing object
                          next_steps=[f"Restore {missing[0]} (or point {name} at the right one), then its pods start."])
    return ask.answer(headline, status="answered", details=details, resources=[ask.resource or "", *dict.fromkeys(resources)])
