"""A spec field changed by its own name ("set initialDelaySeconds back to 60", "set concurrencyPolicy to Allow on
tide-export", "set suspend to false"): the field found in the live object (never guessed from a list of known
fields), the one place it is set replaced by a JSON patch a human runs after approval. A field set in several places
(the liveness and the readiness probe's initialDelaySeconds) is asked back with each place; one not set is said so."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from ...contracts import parse_resource_id
from ...graph.kubectl_words import KUBECTL_KIND
from ..answer.health import describe
from ..ask import Ask
from .field_shapes import field_by_shape, value_from
from .plans import BY_HAND, Plan

# "activeDeadlineSeconds back to 2700", "=2700", ": 2700", or the number right after the field as YAML and kubectl
# users write it ("jobTemplate activeDeadlineSeconds 2700")
FIELD_SET = re.compile(r"(?<![\w.-])(?P<field>[a-z]+(?:[A-Z][a-z0-9]*)+|suspend|paused)(?:\s+(?:back\s+)?(?:to|=)\s*|\s*[:=]\s*|"
                       r"\s+(?=\d))(?P<value>[^\s'\"]+)")
PLACE_WORDS = {"livenessProbe": "liveness", "readinessProbe": "readiness", "startupProbe": "startup"}


def field_said(question: str) -> tuple[str, str] | None:
    """(field, value) a request sets by the field's own name."""
    match = FIELD_SET.search(question)
    if match and match.group("field") in ("suspend", "paused") and not question[match.end("field"):match.start("value")].strip():
        return None  # "suspend 3 jobs": a verb and a count, not the field set
    return (match.group("field"), value_from(question[match.start("value"):])) if match else None


PLAIN_SET = re.compile(r"(?<![\w.-])(?P<field>[a-z]{4,})\s+(?:back\s+)?(?:to|=)\s*(?P<value>[^\s'\"]+)")


def _plain_key_said(question: str, obj: dict) -> tuple[str, str] | None:
    """(field, value) set by a one-word field name the object's spec has ("put parallelism back to 4"): only a key that
    is there, never a word that merely stands before "to"."""
    for match in PLAIN_SET.finditer(question):
        if _places({"spec": obj.get("spec") or {}}, match.group("field")):
            return match.group("field"), value_from(question[match.start("value"):])
    return None


def _places(node: Any, field: str, pointer: str = "", *, any_case: bool = False, leaves: bool = True) -> list[tuple[str, Any]]:
    """(JSON pointer, current value) of every `field` key under `node` -- with a scalar value (`leaves`) or any value,
    spelled exactly or in any case (`any_case`: "nodeselector" is nodeSelector)."""
    found: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{pointer}/{key}"
            named = key.lower() == field.lower() if any_case else key == field
            if named and not (leaves and isinstance(value, (dict, list))):
                found.append((here, value))
            found += _places(value, field, here, any_case=any_case, leaves=leaves)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found += _places(item, field, f"{pointer}/{index}", any_case=any_case, leaves=leaves)
    return found


def _typed(value: str, current: Any) -> Any:
    """The value as JSON types it: a boolean field (or true/false said) a boolean, digits a number, else the text."""
    if isinstance(current, bool) or value.lower() in ("true", "false"):
        return value.lower() == "true"
    return int(value) if re.fullmatch(r"-?\d+", value) else value


# "set the nodeSelector back to pool=general", "patch its nodeselector to example.io/pool: ocr", "nodeSelector to general":
# a label map set by its field's name, to the one pair said (a bare value keeps the one key the map holds)
MAP_SET = re.compile(r"(?<![\w.-])(?P<field>node\s?selector)\b.*?\b(?:back\s+)?(?:to|=)\s+(?P<pair>[\w./-]+(?:\s*[=:]\s*[\w.-]+)?)",
                     re.IGNORECASE)


def sets_a_field(question: str) -> bool:
    """The request sets a spec field by its own name to a value it says."""
    return MAP_SET.search(question) is not None or field_said(question) is not None


def map_field_plan(question: str, rid: str, obj: dict) -> Plan | str | None:
    """The patch setting a label map (a pod template's nodeSelector) to the pair the request says; None when it says none."""
    said = MAP_SET.search(question)
    if said is None:
        return None
    places = [p for p in _places({"spec": obj.get("spec") or {}}, "nodeSelector", leaves=False) if isinstance(p[1], dict)]
    if len(places) != 1:
        return f"{rid} sets no nodeSelector to change; say the labels its pods need, or 'edit' it by hand" if not places \
            else f"{rid} sets nodeSelector in {len(places)} places: edit it by hand"
    pointer, current = places[0]
    key, _, value = [part.strip() for part in re.split(r"\s*([=:])\s*", said.group("pair"), maxsplit=1)][:3] \
        if re.search(r"[=:]", said.group("pair")) else ("", "", said.group("pair"))
    if not key:
        if len(current) != 1:
            return f"{rid}'s nodeSelector holds {len(current)} labels ({current}): say the label as key=value"
        key = next(iter(current))
    wanted = {key: value}
    if wanted == current:
        return f"{rid}: {pointer} is already {current}; nothing to change"
    return _replace(rid, pointer, current, wanted, json.dumps)


def field_plan(question: str, rid: str, obj: dict) -> Plan | str | None:
    """The patch of the field the request names, why it cannot be pinned, or None when no field is said."""
    if (by_map := map_field_plan(question, rid, obj)) is not None:
        return by_map
    said = field_said(question) or _plain_key_said(question, obj)
    if said is None:  # no field named by its key: the one its value's shape and the request's words point at
        found = field_by_shape(question, obj)
        return _patch(rid, *found) if found is not None else None
    field, value = said
    places = _places({"spec": obj.get("spec") or {}}, field)
    named = [p for p in places if any(word in question.lower() for key, word in PLACE_WORDS.items() if f"/{key}/" in p[0])]
    places = named or places
    if not places:
        return f"{rid} does not set {field} (not in its spec); say where it goes, or 'edit' it by hand"
    if len(places) > 1:
        return f"{rid} sets {field} in {len(places)} places -- " + "; ".join(f"{p} = {v}" for p, v in places) + \
            ": say which (e.g. the liveness or the readiness probe's)"
    return _patch(rid, *places[0], value)


def _patch(rid: str, pointer: str, current: Any, value: str) -> Plan | str:
    """The JSON patch replacing one field's value, for a human to run after approval."""
    wanted = _typed(value, current)
    if wanted == current:  # nothing would change: said, never pinned as a change
        return f"{rid}: {pointer} is already {current}; nothing to change"
    return _replace(rid, pointer, current, wanted, str)


def _replace(rid: str, pointer: str, current: Any, wanted: Any, shown: Callable[[Any], str]) -> Plan:
    """The JSON patch replacing the value at `pointer` with `wanted`, for a human to run after approval (values said as
    `shown` says them: a scalar as it is, a label map as JSON)."""
    namespace, kind, name = parse_resource_id(rid)
    patch = json.dumps([{"op": "replace", "path": pointer, "value": wanted}])
    where = f" -n {namespace}" if namespace else ""
    return Plan(BY_HAND, {"kind": kind, "name": name, "namespace": namespace or "", "path": pointer, "value": wanted},
                f"{kind} {name}: {pointer} {shown(current)} -> {shown(wanted)}",
                f"kubectl patch {KUBECTL_KIND.get(kind, kind.lower())} {name}{where} --type json -p '{patch}'",
                f"{pointer}={shown(current)}", ["No MCP tool sets this field: a human runs the command after approval."])


async def object_setting_field(ask: Ask, rid: str, obj: dict, candidates: list[str]) -> tuple[str, dict] | None:
    """The conversation's object that sets the field a request names by its own name, where the one it refers to does
    not: "set concurrencyPolicy to Allow" after talking about a ConfigMap is about the CronJob that has the field
    (the diagnosis's object first, then the conversation's, newest first); None when the field is there, none is
    named, or no candidate sets it."""
    said = field_said(ask.question)
    # a label map named by its field ("fix the nodeselector to pool=ocr" after listing the nodes): a pod template's
    field, leaves = (said[0], True) if said else ("nodeSelector", False) if MAP_SET.search(ask.question) else ("", True)
    if not field or _places({"spec": obj.get("spec") or {}}, field, leaves=leaves):
        return None
    for other in dict.fromkeys(c for c in candidates if c and c != rid):
        found = ((await describe(ask, other)).data or {}).get("object") or {}
        if _places({"spec": found.get("spec") or {}}, field, leaves=leaves):
            return other, found
    return None


# "remove the nodeselector", "drop the nodeSelector from editorial-preview so it runs on the general nodes": a field
# taken out whole, by its own name (any case) -- never the object deleted
FIELD_REMOVED = re.compile(r"^\W*(?:(?:please|ok|okay|just|then|so)\s+)*(?:remove|drop|delete|strip|unset|take\s+out)\s+"
                           r"(?:the\s+|its\s+|that\s+)?(?P<field>[A-Za-z]{6,})\b", re.IGNORECASE)
NEVER_REMOVED = {"containers", "template", "spec", "metadata", "selector", "replicas", "image", "ports"}
# the pod-template fields that constrain where or how pods run, which a request takes out whole
REMOVABLE = {"nodeselector", "affinity", "nodeaffinity", "podantiaffinity", "podaffinity", "tolerations",
             "topologyspreadconstraints", "priorityclassname", "nodename", "securitycontext", "hostnetwork",
             "runtimeclassname", "schedulername", "activedeadlineseconds"}


def removes_field(question: str) -> bool:
    """A request that takes a pod-template field out by its name ("remove the nodeselector")."""
    said = FIELD_REMOVED.search(question)
    return said is not None and said.group("field").lower() in REMOVABLE


def field_removal_plan(question: str, rid: str, obj: dict) -> Plan | str | None:
    """The JSON patch taking out the one field a request removes by its own name (nodeSelector, affinity,
    tolerations...); why not, when it is set in several places; None when no field of the object is named."""
    said = FIELD_REMOVED.search(question)
    if said is None or said.group("field").lower() in NEVER_REMOVED:
        return None
    places = _places({"spec": obj.get("spec") or {}}, said.group("field"), any_case=True, leaves=False)
    if not places:
        return None
    if len(places) > 1:
        return f"{rid} sets {said.group('field')} in {len(places)} places ({', '.join(p for p, _ in places)}): say which"
    namespace, kind, name = parse_resource_id(rid)
    pointer, current = places[0]
    patch = json.dumps([{"op": "remove", "path": pointer}])
    where = f" -n {namespace}" if namespace else ""
    return Plan(BY_HAND, {"kind": kind, "name": name, "namespace": namespace or "", "path": pointer, "remove": True},
                f"{kind} {name}: remove {pointer} (now {json.dumps(current)[:120]})",
                f"kubectl patch {KUBECTL_KIND.get(kind, kind.lower())} {name}{where} --type json -p '{patch}'",
                f"{pointer}={json.dumps(current)[:120]}",
                ["No MCP tool removes this field: a human runs the command after approval; its pods roll out again."])
