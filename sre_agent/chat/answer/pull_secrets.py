"""Registry credentials: "does billing have a pull secret for harbor", "so how does meter-api pull from harbor" -- the
kubernetes.io/dockerconfigjson Secrets a namespace holds and the registries each covers (the kubernetes server reads
their `auths` hosts, never the credentials), and for a workload named, the imagePullSecrets its pods pull with beside
the registries its images come from."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ..ask import Ask, handles
from ..models import Answer
from ..understand.namespaces_said import namespace_named, namespaces
from ..understand.references import kind_of, named_exactly
from .objects import pod_spec_of

PULL_TYPES = ("kubernetes.io/dockerconfigjson", "kubernetes.io/dockercfg")
REGISTRY_SAID = re.compile(r"\b(?:for|from|to|on)\s+(?:the\s+)?([a-z0-9][\w.-]*)(?:\s+registry)?\b", re.IGNORECASE)


def _registry(image: str) -> str:
    first = image.split("/", 1)[0]
    return first if "/" in image and ("." in first or ":" in first or first == "localhost") else "docker.io"


async def _pull_secrets(ask: Ask, namespace: str | None) -> list[dict]:
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Secret", "limit": 1000,
                                                            **({"namespace": namespace} if namespace else {})})
    return [s for s in (listed.data or {}).get("items") or [] if s.get("type") in PULL_TYPES]


NAMESPACE_SAID = re.compile(r"\b([a-z0-9][a-z0-9-]*)\s+(?:namespace|ns)\b|\b(?:namespace|ns)\s+([a-z0-9][a-z0-9-]*)", re.I)


async def _namespace_said(ask: Ask) -> str | None:
    said = [w.lower() for pair in NAMESPACE_SAID.findall(ask.question) for w in pair if w]
    known = await namespaces(ask) if said else set()
    return next((w for w in said if w in known), None)


def _covers(secret: dict, wanted: str | None) -> bool:
    return wanted is None or any(wanted.lower() in str(host).lower() for host in secret.get("registries") or [])


PRONOUN = re.compile(r"\b(it|its|they|them|their)\b", re.IGNORECASE)
REGISTRY_WORDS = ("harbor", "ecr", "gcr", "ghcr", "quay", "docker", "dockerhub", "artifactory", "nexus", "acr", "gitlab")


@handles("pull_secrets", needs=("kubernetes",))
async def pull_secrets(ask: Ask) -> Answer:
    subject = ask.recognised.subject
    if subject and not ask.resource:
        ask.resource = await named_exactly(ask, subject)
    elif not ask.resource and ask.focus and PRONOUN.search(ask.question):  # "so how does it pull from harbor"
        ask.resource = ask.focus[0]
    wanted = next((w for w in REGISTRY_SAID.findall(ask.question) if "." in w or w.lower() in REGISTRY_WORDS), None)
    rid = ask.resource if ask.resource and kind_of(ask.resource) in ("Deployment", "StatefulSet", "DaemonSet", "CronJob",
                                                                        "Job", "Pod") else None
    if rid:  # "how does meter-api pull from harbor": what its pods pull with, and from where
        namespace, kind, name = parse_resource_id(rid)
        described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "namespace": namespace, "events_limit": 0})
        spec = pod_spec_of(kind, (described.data or {}).get("object") or {})
        used = [str(s.get("name")) for s in spec.get("imagePullSecrets") or []]
        images = [str(c.get("image")) for c in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]]
        secrets = {str(s.get("name")): s for s in await _pull_secrets(ask, namespace)}
        lines = [f"imagePullSecret {n}: " + (f"registries {', '.join(secrets[n].get('registries') or []) or '(none read)'}"
                                            if n in secrets else "no such registry Secret in " + str(namespace))
                 for n in used]
        lines += [f"image {i} (registry {_registry(i)})" for i in images]
        head = (f"{rid} pulls with imagePullSecrets {', '.join(used)}" if used
                else f"{rid} names no imagePullSecrets: its nodes pull its images with their own credentials only")
        return ask.answer(head, status="answered", details=lines, resources=[rid])
    namespace = ask.namespace or await namespace_named(ask) or await _namespace_said(ask)  # "the billing namespace"
    found = await _pull_secrets(ask, namespace)
    here = [s for s in found if _covers(s, wanted)]
    where = f"namespace {namespace}" if namespace else "the cluster"
    registry = f" for {wanted}" if wanted else ""
    lines = [f"{s.get('namespace')}/Secret/{s.get('name')}: registries {', '.join(s.get('registries') or []) or '(none read)'}"
             for s in found]
    if namespace and not here:  # none here: where one exists (a Secret is per namespace: it has to be copied)
        elsewhere = [s for s in await _pull_secrets(ask, None) if _covers(s, wanted)]
        lines += [f"elsewhere: {s.get('namespace')}/Secret/{s.get('name')}: registries {', '.join(s.get('registries') or [])}"
                  for s in elsewhere[:5]]
        return ask.answer(f"No: {where} has no registry Secret{registry}"
                          + (f"; {len(elsewhere)} in other namespaces (a Secret is read only in its own namespace)"
                             if elsewhere else ""), status="answered", details=lines,
                          resources=[f"{s.get('namespace')}/Secret/{s.get('name')}" for s in elsewhere[:1]])
    return ask.answer(f"{len(here)} registry Secret(s){registry} in {where}: "
                      + ", ".join(f"{s.get('namespace')}/{s.get('name')}" for s in here[:5]), status="answered",
                      details=lines, resources=[f"{s.get('namespace')}/Secret/{s.get('name')}" for s in here[:1]])
