"""Finding the cluster's own words: which objects' annotations, labels, ConfigMap values, env values, specs,
conditions and events carry the words of a question -- `kubectl get all,cm,nodes,pv,events -o yaml | grep -i`, done
once in the server and answered as the lines that matched, each with its object and field path.

What a question asks in words no typed read names ("what is CHG-8841", "what is the exports bucket called now",
"what Cache-Control does it send") is often written down in the cluster itself: a change ticket in an annotation, a
setting in a ConfigMap, a reason in an event. Secrets are never read (their values, and the RBAC that would grant
them, stay out); each object is redacted whole before it is cut into lines (a value is a secret by the key beside
it), and the lines pass the registry's redaction again like every other result."""

from __future__ import annotations

import re
from typing import Annotated, Any

from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from pydantic import Field

from ...common.redaction import redact_payload
from ...common.registry import Row, ToolResult, tool_decorator
from ..ids import resource_id
from ..summaries import sanitize
from .context import KubeTools

# What a question's facts are written in; never a Pod (its workload says it once, not per replica). A Secret only by
# what is written about it -- its annotations and labels (a certificate's not-after, who rotated it), type and key
# names -- never its values.
SEARCHED = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job", "Service", "ConfigMap", "Secret",
            "PersistentVolumeClaim", "HorizontalPodAutoscaler", "Node", "PersistentVolume", "Event")
CLUSTER_SCOPED = ("Node", "PersistentVolume")
# The API server's bookkeeping: never what a question's words are about.
SKIPPED_KEYS = {"kind", "apiVersion", "managedFields", "uid", "resourceVersion", "selfLink", "generation", "creationTimestamp",
                "observedGeneration", "lastTransitionTime", "lastUpdateTime", "lastProbeTime", "involvedObject", "source",
                "kubectl.kubernetes.io/last-applied-configuration", "nodeInfo", "images", "daemonEndpoints"}
MAX_TEXT = 320
TOKEN = re.compile(r"[a-z0-9]+(?:[-._][a-z0-9]+)*")  # an env variable's name is one token too: READINGS_STREAM
PIECE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")  # camelCase and SNAKE_CASE apart: TaintManagerEviction


class TextMatch(Row):
    resource: str = Field(description="namespace/Kind/name of the object whose field carries the words")
    path: str = Field(description="the field, as kubectl -o jsonpath would name it (env entries as env.NAME)")
    text: str = Field(description="the field's value (cut to 320 characters)")
    words: list[str] = Field(description="the searched words this line carries")


class TextSearchResult(ToolResult):
    words: list[str]
    namespace: str = Field(description="the namespace searched, or (all); Nodes and PersistentVolumes always")
    count: int = Field(description="lines that carry at least one word (matches may hold fewer: limit)")
    matches: list[TextMatch] = Field(description="most words first")


def _stem(word: str) -> str:
    """A word and its plural are one word ("evictions", "eviction"; "buckets", "bucket")."""
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word


ROOT_ENDINGS = ("ations", "ation", "ions", "ion", "ings", "ing", "ors", "or", "ers", "er", "ed", "es", "e", "s")
ROOT_MIN = 5  # a root shorter than this is another word's piece: cache/cached, user/used stay apart


def root(word: str) -> str:
    """A word's inflections are one word: rotation, rotated, rotate and rotator are "rotat" -- a question asks "who did
    the rotation" of a line that says "rotated-by". Endings are cut while a root of ROOT_MIN letters remains.
    (chat's grounded search cuts its words the same way.)"""
    while (ending := next((e for e in ROOT_ENDINGS if word.endswith(e) and len(word) - len(e) >= ROOT_MIN), None)):
        word = word[:-len(ending)]
    return word


def lines_of(node: Any, path: str = "") -> list[tuple[str, str]]:
    """(path, text) of every scalar in an object, depth first; an env entry ({name, value}) is one line "env.NAME"."""
    out: list[tuple[str, str]] = []
    if isinstance(node, dict):
        if "name" in node and "value" in node and isinstance(node.get("value"), (str, int, float)):
            return [(f"{path}.{node['name']}" if path else str(node["name"]), str(node["value"]))]
        for key, value in node.items():
            if key in SKIPPED_KEYS:
                continue
            out += lines_of(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += lines_of(value, f"{path}[{index}]")
    elif node is not None and node != "":
        out.append((path, str(node)))
    return out


def written_about(secret: dict) -> dict:
    """What a Secret's metadata says of it -- annotations, labels, its type and the names of its keys -- and nothing
    of its values (data and stringData are dropped here, before redaction sees the object)."""
    meta = secret.get("metadata") or {}
    # (kubectl apply's copy of the object, values and all, is an annotation too)
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items()
                   if k != "kubectl.kubernetes.io/last-applied-configuration"}
    meta = {**meta, "annotations": annotations}
    return {"metadata": {k: meta.get(k) for k in ("name", "namespace", "annotations", "labels") if meta.get(k)},
            "type": secret.get("type"), "keys": sorted({*(secret.get("data") or {}), *(secret.get("stringData") or {})})}


def carried(words: list[str], path: str, text: str) -> list[str]:
    """The searched words a line carries: a word whole ("chg-8841"), or as a piece of a longer token
    ("cache" of DEFAULT_CACHE_CONTROL, "hit" of cache_hit_ratio), a plural as its singular, an inflection as its root
    ("rotation" of rotated-by); the field's path counts
    ("annotation" finds metadata.annotations). (chat's grounded search reads log lines the same way.)"""
    line = f"{path} {text}"
    whole = set(TOKEN.findall(line.lower()))
    tokens = whole | {part for token in whole for part in re.split(r"[._]", token)} | {_stem(p.lower()) for p in PIECE.findall(line)}
    roots = {root(p) for token in tokens for p in token.split("-")}
    return [w for w in words if w in tokens or _stem(w) in tokens or root(w) in roots]


def register(mcp: FastMCP, ctx: KubeTools) -> None:
    tool = tool_decorator(mcp)
    kube = ctx.kube

    @tool(title="Find the words a question asks about in the cluster's objects", read_only=True, destructive=False,
          idempotent=True, open_world=True, hint="add a namespace, or fewer and rarer words")
    def search_text(
        words: Annotated[list[Annotated[str, Field(min_length=2, max_length=80)]], Field(min_length=1, max_length=12,
                         description="words to find (case-insensitive; a plural finds its singular)")],
        namespace: Annotated[str | None, Field(description="namespace; omit for all namespaces")] = None,
        limit: Annotated[int, Field(ge=1, le=500)] = 40,
    ) -> TextSearchResult:
        """Lines of annotations, labels, ConfigMap values, env values, specs, conditions and events (of a Secret only
        its annotations, labels, type and key names, never a value) that carry the words, with their object and
        field path; the lines with most words first."""
        ctx.check_namespace(namespace)

        def _listed(kind: str, scope: str | None) -> list[dict]:
            try:
                items = ctx.k8s(lambda: kube.list(kind, scope), f"list {kind}")
            except ToolError as exc:
                if kind == "Secret" and ("forbidden" in str(exc) or "access denied" in str(exc)):
                    return []  # a role without Secret reads: the other kinds still answer
                raise
            return [written_about(s) for s in items] if kind == "Secret" else items

        wanted = [w.lower() for w in words]
        found: list[TextMatch] = []
        seen: set[tuple[str, str, str]] = set()  # one line per object and field: a pod's many events say it once
        for kind in SEARCHED:
            scope = None if kind in CLUSTER_SCOPED else namespace
            for obj in _listed(kind, scope):
                meta = obj.get("metadata") or {}
                if kind == "Event":
                    involved = obj.get("involvedObject") or {}
                    rid = resource_id(str(involved.get("kind")), str(involved.get("name")), involved.get("namespace"))
                    pairs = [(f"event {obj.get('reason')}", str(obj.get("message") or ""))]
                else:
                    rid = resource_id(kind, str(meta.get("name")), meta.get("namespace"))
                    # redacted whole before it is cut into lines: a value is known secret by the key beside it
                    # (API_TOKEN's value), which a line of its own no longer shows the registry
                    pairs = lines_of(redact_payload(sanitize(kind, obj))[0])
                for path, text in pairs:
                    if (rid, path, text) not in seen and (hits := carried(wanted, path, text)):
                        seen.add((rid, path, text))
                        found.append(TextMatch(resource=rid, path=path, text=text[:MAX_TEXT], words=hits))
        found.sort(key=lambda m: -len(m.words))
        return TextSearchResult(words=wanted, namespace=namespace or "(all)", count=len(found), matches=found[:limit])
