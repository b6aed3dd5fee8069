"""Whether something exists: "does a gpu-spot node group exist", "is there a payments-db secret", "do we have a
billing-edge pool": the name looked up in what exists now -- objects of every kind the cluster serves, namespaces, and
the nodes' labels (a node group, a pool, a zone is a label value, never an object) -- answered yes with where it is,
or no with the nearest real names. Never a listing the on-call must search."""

from __future__ import annotations

import difflib
import re

from ...contracts import parse_resource_id
from ..ask import Ask, handles
from ..models import Answer
from ..understand.forms import KIND_WORDS, form_spec
from ..understand.intent_model import VERSION
from .health import describe
from .image_tags import tag_seen

TAG_WORDS = re.compile(r"\b(tag|image|push(ed)?|registry|ecr|harbor|docker\s*hub|gcr|quay)\b", re.IGNORECASE)

KINDS = ["Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job", "Service", "ConfigMap", "Secret",
         "PersistentVolumeClaim", "HorizontalPodAutoscaler", "ResourceQuota", "StorageClass", "Node", "Namespace"]
NEAREST = 4
REFERRING = {"it", "that", "this", "they", "them", "one"}
NODES_SAID = re.compile(r"\b(nodes?|node\s*groups?|nodegroups?|pools?)\b", re.IGNORECASE)


def name_asked(question: str) -> str | None:
    """The name asked about, as the form's own patterns (understand/forms.yaml, id exists) read it: their `name` group."""
    spec = form_spec("exists")
    patterns = [re.compile(p, re.IGNORECASE) for p in spec.patterns] if spec else []
    return next((m.group("name").strip("./-") for p in patterns if (m := p.search(question))), None)


GROUPING_KEY = re.compile(r"nodegroup|node-group|pool|group|tier|workload", re.IGNORECASE)  # a label that groups nodes


async def _labelled(ask: Ask, name: str) -> tuple[list[str], set[str], dict[str, set[str]]]:
    """The nodes whose labels carry `name` as a value ("key=value" each), every label value seen (for the nearest), and
    the values of the labels that group nodes (a node group's, a pool's) by key."""
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Node", "limit": 2000})
    found: list[str] = []
    values: set[str] = set()
    groups: dict[str, set[str]] = {}
    for node in (listed.data or {}).get("items") or []:
        for key, value in (node.get("labels") or {}).items():
            values.add(str(value))
            if GROUPING_KEY.search(key):
                groups.setdefault(key, set()).add(str(value))
            if str(value).lower() == name.lower():
                found.append(f"Node/{node.get('name')} ({key}={value})")
    return found, values, groups


async def _still_there(ask: Ask, rid: str) -> Answer:
    namespace, kind, name = parse_resource_id(rid)
    read = await describe(ask, rid)
    if read.error is None and (read.data or {}).get("object"):
        return ask.answer(f"Yes: {rid} exists", status="answered", resources=[rid])
    if read.error is not None and "not found" in read.error.lower():
        return ask.answer(f"No: {rid} is gone (the API server has no {kind} {name})", status="answered")
    return ask.answer(f"Could not check whether {rid} exists: {(read.error or 'no object returned')[:200]}", status="unknown")


@handles("exists", needs=("kubernetes",))
async def exists(ask: Ask) -> Answer:
    name = name_asked(ask.question)
    tag = next((w for w in re.findall(r"[\w.+-]+", ask.question) if VERSION.match(w)), None)
    if tag and (name is None or VERSION.match(name) or TAG_WORDS.search(ask.question)):
        return await tag_seen(ask, tag)  # "was 7.15.0 even pushed": a tag, read from what the cluster saw of it
    if name and (name.lower() in REFERRING or KIND_WORDS.get(name.lower().rstrip("s"))) and ask.focus:
        return await _still_there(ask, ask.focus[0])  # "does it still exist", "does the quota exist": the one talked about
    if not name:
        return ask.answer("Which name? e.g. 'does a payments-db secret exist'", status="needs_subject")
    found = await ask.call("kubernetes", "find_resource", {"name": name, "kinds": KINDS})
    if found.error is not None:
        return ask.answer(f"Could not check whether {name} exists: {found.error[:200]}", status="unknown")
    matches = (found.data or {}).get("matches") or []
    exact = [str(m.get("resource")) for m in matches if m.get("exact")]
    nodes, values, groups = await _labelled(ask, name)
    if exact or nodes:
        said = exact + [f"the label value of {len(nodes)} node(s): {', '.join(nodes[:4])}"] if nodes else exact
        return ask.answer(f"Yes: {name} is {'; '.join(said[:4])}", status="answered", resources=exact[:4],
                          details=nodes[4:8])
    near = [str(m.get("resource")) for m in matches][:NEAREST]
    near += [f"node label value {v}" for v in difflib.get_close_matches(name, sorted(values), n=NEAREST, cutoff=0.5)]
    grouped = [f"{key}: {', '.join(sorted(vals))}" for key, vals in sorted(groups.items())]
    return ask.answer(f"No: nothing is named {name} -- no object of any kind, no namespace, no node label value",
                      status="answered",
                      details=([f"nearest: {', '.join(near)}"] if near else []) +
                      ([f"the nodes' groups -- {line}" for line in grouped[:3]] if NODES_SAID.search(ask.question) else []),
                      next_steps=["Check the name's spelling, or where it should have been made (its node group, its chart)."])
