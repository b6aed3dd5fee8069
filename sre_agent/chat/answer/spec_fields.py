"""A field of an object asked by its own name ("what's its readinessProbe", "the tolerations of eta-engine", "get deploy x
-o yaml | grep -A3 affinity"): the object's manifest read for the keys the question names, each shown with its path
and its block as kubectl -o yaml prints it -- for the fields no summary fact carries (strategy, affinity, tolerations,
probes, securityContext ...)."""

from __future__ import annotations

import re
from typing import Any

import yaml

from .facts import probe_said
from .templates import label_text

MAX_LINES = 12
LABEL_MAPS = {"labels", "matchlabels", "selector", "nodeselector"}  # flat string maps kubectl prints as k=v,k=v
FLOW_MAX = 360  # characters: a block up to this long is said on one line (flow style)
FLOW_WIDTH = 10_000  # never wrapped: one line
SKIPPED = {"metadata.managedFields"}  # the API server's bookkeeping, never what is asked
# words too common to be a field asked about ("what is the name of ...")
NOT_FIELDS = {"name", "kind", "spec", "status", "metadata", "data", "type", "value", "key", "items", "what", "the", "of", "is"}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]+")  # an env var's name (DEFAULT_CACHE_CONTROL) is one word
CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# the words an object's own kind is said with ("how big is that volume" of a claim): the object, never a field of it
KIND_SAID = {"PersistentVolumeClaim": {"volume", "volumes", "claim", "pvc", "disk"}, "Node": {"node", "box", "machine"},
             "Service": {"service", "svc"}, "ConfigMap": {"configmap", "cm", "config"}, "Secret": {"secret"},
             "StorageClass": {"storage", "class", "sc", "storageclass"}}


def _paths(node: Any, path: str = "") -> list[tuple[str, str, Any]]:
    """(path, key, value) of every mapping key in the object, depth first."""
    out: list[tuple[str, str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}" if path else str(key)
            if here in SKIPPED:
                continue
            out.append((here, str(key), value))
            out += _paths(value, here)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            label = item.get("name") if isinstance(item, dict) and item.get("name") else i
            if isinstance(item, dict) and item.get("name") and ("value" in item or "valueFrom" in item):
                # an env var is found by its name as a key is ("grep -A1 DEFAULT_CACHE_CONTROL" of -o yaml)
                out.append((f"{path}[{label}]", str(label), item))
                continue
            out += _paths(item, f"{path}[{label}]")
    return out


def fields_asked(question: str, obj: dict) -> list[str]:
    """The YAML lines of the object's fields the question names by key (case-insensitive, a plural as the singular),
    each block headed by its path; [] when no word of the question is a key of the object."""
    said = [w.lower() for w in WORD.findall(question)]
    words = set(said) - NOT_FIELDS - KIND_SAID.get(str(obj.get("kind") or ""), set())
    # a key said as words ("topology key", "init containers", "initial delay"): adjacent words joined, as camelCase is
    grams = {"".join(said[i:i + n]): said[i:i + n] for n in (2, 3) for i in range(len(said) - n + 1)
             if not set(said[i:i + n]) <= KIND_SAID.get(str(obj.get("kind") or ""), set())}  # "storage class": the kind
    paths = _paths(obj)
    # two words that are a key and its child ("limits cpu", as a jsonpath ends .limits.cpu): that one field, no other cpu
    pairs = {f".{a}.{b}" for a, b in zip(said, said[1:], strict=False)}
    if exact := [(path, key, value) for path, key, value in paths if any(path.lower().endswith(pair) for pair in pairs)]:
        return _blocks(exact, lambda _: True)[:MAX_LINES]
    keys = {key.lower() for _, key, _ in paths}
    joined = {g for g in grams if g in keys or g.rstrip("s") in {k.rstrip("s") for k in keys}
              or (len(g) >= 10 and any(k.startswith(g) for k in keys))}
    words -= {w for g in joined for w in grams[g]}  # "init container" is initContainers, not every container too
    def named(lowered: str) -> bool:
        return lowered in words or lowered.rstrip("s") in words or lowered in joined or lowered.rstrip("s") in joined \
            or any(len(j) >= 10 and lowered.startswith(j) for j in joined)

    lines = _blocks(paths, named)
    if not lines:  # as grep reads it: a word inside a key ("grep -i grace" finds terminationGracePeriodSeconds)
        inside = {w for w in words if len(w) >= 5}  # "grace", "liveness"; never "last" inside lastUpdateTime
        # where a word of the key begins (Grace of terminationGracePeriodSeconds), never inside one (serve, observedGeneration)
        keyed = {key.lower() for _, key, _ in paths
                 if any(re.search(rf"(?<![a-z]){re.escape(w)}", CAMEL.sub(" ", key).lower()) for w in inside)}
        lines = _blocks(paths, lambda lowered: lowered in keyed)
    return lines[:MAX_LINES]


def _blocks(paths: list[tuple[str, str, Any]], named: Any) -> list[str]:
    """Each named key's block, headed by its path (a plain value on the path's own line, as -o yaml prints it)."""
    lines: list[str] = []
    at, said = {path: value for path, _, value in paths}, set()
    for path, key, value in paths:
        if not named(key.lower()):
            continue
        probe = path.rsplit(".", 1)[0]
        if probe.endswith("Probe") and isinstance(at.get(probe), dict):  # a probe's setting: the probe's whole line
            path, key, value = probe, probe.rsplit(".", 1)[-1], at[probe]
        if path in said or any(path.startswith(shown + ".") or path.startswith(shown + "[") for shown in _shown(lines)):
            continue  # said already, or inside a block already shown
        said.add(path)
        if _conditions(value):  # kubectl describe's Conditions table: one row each, type=status (reason): message
            lines += [f"{path}:", *(f"  {c.get('type')}={c.get('status')}" + (f" ({c['reason']})" if c.get("reason") else "")
                                    + (f": {str(c['message'])[:120]}" if c.get("message") else "") for c in value)]
        elif not isinstance(value, dict | list):
            lines.append(f"{path}: {yaml.safe_dump(value, default_flow_style=True).strip().removesuffix(chr(10) + '...')}")
        elif key.endswith("Probe") and isinstance(value, dict):
            # as kubectl describe prints a probe, its defaults filled in ("timeout=1s" when timeoutSeconds is unset):
            # the line an on-call greps for and compares with how long the app takes
            lines.append(f"{path}: {probe_said(value)}")
        elif key.lower() in LABEL_MAPS and isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
            lines.append(f"{path}: {label_text(value)}")  # as kubectl writes a label set: app=web,tier=edge
        elif len(flow := yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=FLOW_WIDTH).strip()) <= FLOW_MAX:
            # a block small enough for one line, whole, as kubectl's jsonpath prints it: the answer is all of it
            # ({limits: {cpu: 300m, memory: 1Gi}, requests: {...}}), never its first lines
            lines.append(f"{path}: {flow}")
        else:
            block = yaml.safe_dump({key: value}, default_flow_style=False, sort_keys=False).rstrip().splitlines()
            lines += [f"{path}:", *(f"  {line}" for line in block[1:] or [block[0].split(":", 1)[-1].strip()])]
        if len(lines) >= MAX_LINES:
            break
    return lines


def _conditions(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(c, dict) and "type" in c and "status" in c for c in value)


def _shown(lines: list[str]) -> list[str]:
    return [line[:-1] for line in lines if line.endswith(":") and not line.startswith(" ")]
