"""Pod templates: a ReplicaSet's template as the kubernetes tools describe it, and what differs between two
of them (what a rollout changed, what a rollback would change) -- image, env, resources, probes, and the
pod-level fields that decide where and how pods run (nodeSelector, affinity, tolerations, volumes)."""

from __future__ import annotations

import json
from typing import Any

from ..ask import Ask

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
COMPARED = ("image", "env", "envFrom", "resources", "livenessProbe", "readinessProbe", "command", "args")


# Pod-level fields a rollout can change besides the containers (where pods may run, what they mount).
POD_COMPARED = ("nodeSelector", "affinity", "tolerations", "volumes", "serviceAccountName", "priorityClassName",
                "hostNetwork", "runtimeClassName")


# labels the controllers stamp on each revision's pods: every rollout changes them, no person did
CONTROLLER_LABELS = ("pod-template-hash", "controller-revision-hash", "pod-template-generation")


def template_diff(old: dict, new: dict) -> list[str]:
    """What moving from `new` (current) back to `old` changes: the pod-level fields, then container by container."""
    def containers(template: dict) -> dict[str, dict]:  # init containers too: a rollout can break one alone
        spec = template.get("spec") or {}
        return {**{f"init container {c.get('name')}": c for c in spec.get("initContainers") or []},
                **{f"container {c.get('name')}": c for c in spec.get("containers") or []}}

    before, after = containers(new), containers(old)
    lines = []
    cur_pod, tgt_pod = new.get("spec") or {}, old.get("spec") or {}
    for key in _every(POD_COMPARED, cur_pod, tgt_pod, skip=("containers", "initContainers")):
        if cur_pod.get(key) != tgt_pod.get(key):
            lines.append(f"pod {key} {shortened(cur_pod.get(key))} -> {shortened(tgt_pod.get(key))}")
    restarted = [((t.get("metadata") or {}).get("annotations") or {}).get(RESTARTED_AT) for t in (new, old)]
    if restarted[0] != restarted[1]:  # `kubectl rollout restart` stamps the template: every pod is replaced
        lines.append(f"pod template {RESTARTED_AT} {restarted[0] or '(none)'} -> {restarted[1] or '(none)'} "
                     "(a kubectl rollout restart)")
    labels = [{k: v for k, v in ((t.get("metadata") or {}).get("labels") or {}).items() if k not in CONTROLLER_LABELS}
              for t in (new, old)]
    if labels[0] != labels[1]:  # what Services select the pods by: a release that relabels them leaves a selector behind
        changed = [f"{k}={labels[0].get(k, '(none)')} -> {labels[1].get(k, '(none)')}"
                   for k in sorted({*labels[0], *labels[1]}) if labels[0].get(k) != labels[1].get(k)]
        lines.append(f"pod labels {'; '.join(changed)}")
    for name in dict.fromkeys([*before, *after]):
        cur, target = before.get(name) or {}, after.get(name) or {}
        for key in _every(COMPARED, cur, target, skip=("name",)):
            if cur.get(key) != target.get(key):
                if key == "env":
                    lines += _env_diff(name, cur.get("env") or [], target.get("env") or [])
                else:
                    lines += [f"{name}: {field} {before_value} -> {after_value}"
                              for field, before_value, after_value in _leaves(key, cur.get(key), target.get(key))]
    # the image a release changed is what an on-call reads first: said before every other field
    return sorted(lines, key=lambda line: ": image " not in line)


MAX_LEAVES = 4  # changed fields said one by one, at most; more is said as the whole value


def _every(known: tuple[str, ...], current: dict, target: dict, skip: tuple[str, ...]) -> list[str]:
    """The fields to compare: the usual ones first, then every other field either side has -- a release that sets
    terminationGracePeriodSeconds or a securityContext changed the template as surely as one that changed the image."""
    rest = sorted(({*current, *target} - set(known)) - set(skip))
    return [*known, *rest]


def _leaves(path: str, current: object, target: object) -> list[tuple[str, str, str]]:
    """(field, current, target) of what differs: inside a probe or a resources block, the fields that changed
    ("readinessProbe.httpGet.path /ready -> /health/ready"), not two whole blocks cut at the same length."""
    if not (isinstance(current, dict) and isinstance(target, dict)):
        return [(path, shortened(current), shortened(target))]
    leaves = [leaf for key in dict.fromkeys([*current, *target]) if current.get(key) != target.get(key)
              for leaf in _leaves(f"{path}.{key}", current.get(key), target.get(key))]
    return leaves if len(leaves) <= MAX_LEAVES else [(path, shortened(current), shortened(target))]


def _env_diff(container: str, current: list[dict], target: list[dict]) -> list[str]:
    cur = {e.get("name"): e for e in current}
    tgt = {e.get("name"): e for e in target}
    lines = [f"{container}: env {n} removed (was {_env_value(cur[n])})" for n in cur if n not in tgt]
    lines += [f"{container}: env {n} added ({_env_value(tgt[n])})" for n in tgt if n not in cur]
    lines += [f"{container}: env {n} {_env_value(cur[n])} -> {_env_value(tgt[n])}"
              for n in cur if n in tgt and cur[n] != tgt[n]]
    return lines


def _env_value(env: dict) -> str:
    """A plain value as the server returned it (its redaction already applied), or where it comes from."""
    if "value" in env:
        return shortened(str(env.get("value")))
    source = env.get("valueFrom") or {}
    for key in ("secretKeyRef", "configMapKeyRef"):
        if key in source:
            ref = source[key]
            return f"<- {key} {ref.get('name')}:{ref.get('key')}"
    return shortened(source)


def label_text(labels: object, sep: str = ",") -> str:
    """A selector or label set as kubectl writes it: app=checkout,tier=api (anything else as it came)."""
    if isinstance(labels, dict):
        return sep.join(f"{k}={v}" for k, v in labels.items()) or "(none)"
    return str(labels)


def shortened(value: Any) -> str:
    """A value as one line of an answer: text as is, anything else as JSON, cut to 120 characters."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


async def template_of(ask: Ask, namespace: str, replicaset: str) -> dict:
    described = await ask.call("kubernetes", "describe", {"kind": "ReplicaSet", "name": replicaset, "namespace": namespace})
    return (((described.data or {}).get("object") or {}).get("spec") or {}).get("template") or {}


async def revision_template(ask: Ask, namespace: str, kind: str, revision_object: str) -> dict:
    """The pod template a revision holds: a Deployment's ReplicaSet, a StatefulSet's or DaemonSet's ControllerRevision
    (rollout_history names either as the revision's `replicaset`)."""
    if kind == "Deployment":
        return await template_of(ask, namespace, revision_object)
    described = await ask.call("kubernetes", "describe", {"kind": "ControllerRevision", "name": revision_object,
                                                          "namespace": namespace, "events_limit": 0})
    data = (((described.data or {}).get("object") or {}).get("data")) or {}
    return (data.get("spec") or {}).get("template") or {}



async def latest_rollout(ask: Ask, namespace: str, kind: str, name: str) -> tuple[dict, dict] | None:
    """(the revision before the current one, the current one) as rollout_history lists them, each naming the object
    that holds its template (`replicaset`); None when there is no earlier revision to read."""
    history = await ask.call("kubernetes", "rollout_history", {"namespace": namespace, "name": name, "kind": kind})
    revisions = (history.data or {}).get("revisions") or []
    current = next((r for r in revisions if r.get("current")), None)
    previous = max((r for r in revisions if current and r["revision"] < current["revision"]), key=lambda r: r["revision"],
                   default=None)
    if not current or not previous or not current.get("replicaset") or not previous.get("replicaset"):
        return None
    return previous, current
