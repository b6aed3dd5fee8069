""""are the lanes still checking vehicles in", "is the partner API still answering", "can customers still book": whether
what the conversation is about (or the one alarm firing watches) still serves. The first line says yes, partly or no from
its ready pods, by the version they run: a rollout that is stuck keeps its old pods serving (the old version answers, the
new one does not), a crash loop serves nothing."""

from __future__ import annotations

from ...contracts import parse_resource_id
from ..ask import Ask, handles
from ..models import Answer
from ..understand.references import workload_of_service
from .alarms import sole_alarmed
from .causal import short_images
from .health import describe
from .remedies import subject_named
from .rollout_pause import replica_set_rows

SERVING_KINDS = ("Deployment", "StatefulSet", "DaemonSet")


def _ready(text: object) -> tuple[int, int]:
    ready, _, wanted = str(text or "0/0").partition("/")
    return (int(ready) if ready.isdigit() else 0), (int(wanted) if wanted.isdigit() else 0)


def _tags(images: list[str]) -> str:
    return short_images(", ".join(images)) or "?"


@handles("still_serving", needs=("kubernetes",))
async def still_serving(ask: Ask) -> Answer:
    await subject_named(ask)
    if not ask.resource and (paged := await sole_alarmed(ask)):
        ask.notes.append(f"(took the question to be about {paged}, what the one alarm firing watches)")
        ask.resource = paged
    rid = ask.resource
    namespace, kind, name = parse_resource_id(rid) if rid else (None, None, None)
    if rid and kind == "Service" and (behind := await workload_of_service(ask, rid)):
        rid, (namespace, kind, name) = behind, parse_resource_id(behind)
    if not rid or kind not in SERVING_KINDS or not namespace or not name:
        return ask.answer("Which service? Name the workload or Service whose users you mean (e.g. 'is checkout still "
                          "taking orders')", status="needs_subject")
    ask.resource = rid
    described = await describe(ask, rid)
    if described.error is not None:
        return ask.answer(f"Could not read {rid}: {described.error[:200]}", status="unknown")
    obj = (described.data or {}).get("object") or {}
    template = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
    wanted_images = [str(c.get("image")) for c in template.get("containers") or []]
    desired = int((obj.get("spec") or {}).get("replicas", 1) if kind != "DaemonSet"
                  else (obj.get("status") or {}).get("desiredNumberScheduled", 0))
    rows = await replica_set_rows(ask, namespace, name) if kind == "Deployment" else []
    serving = [(r, _ready(r.get("ready"))[0]) for r in rows]
    old = [(r, n) for r, n in serving if n and list(r.get("images") or []) != wanted_images]
    new = next((r for r in rows if list(r.get("images") or []) == wanted_images), None)
    if rows:
        ready = sum(n for _, n in serving)
    else:
        status = obj.get("status") or {}
        ready = int(status.get("readyReplicas", status.get("numberReady", 0)) or 0)
    details = [f"ReplicaSet {r.get('name')}: ready {r.get('ready')}, running {_tags(list(r.get('images') or []))}"
               for r in rows]
    if ready == 0:
        headline = (f"No: none of {rid}'s pods is ready -- nothing serves its requests"
                    + (f" (it wants {desired}, running {_tags(wanted_images)})" if desired else " (scaled to 0)"))
        status_ = "problems" if desired else "answered"
    elif old:
        new_ready = _ready(new.get("ready")) if new else (0, 0)
        headline = (f"Yes, on the old version: {sum(n for _, n in old)} pod(s) of {rid} running "
                    f"{_tags(list(old[0][0].get('images') or []))} still serve; the new {_tags(wanted_images)} "
                    f"{'pods are' if new_ready[1] != 1 else 'pod is'} not serving yet ({new_ready[0]}/{new_ready[1]} ready)")
        status_ = "problems"
    elif ready < desired:
        headline = f"Partly: {ready} of {desired} pods of {rid} are ready and serving ({_tags(wanted_images)})"
        status_ = "problems"
    else:
        headline = f"Yes: {ready}/{desired} pods of {rid} are ready and serving ({_tags(wanted_images)})"
        status_ = "answered"
    return ask.answer(headline, status=status_, details=details, resources=[rid],
                      next_steps=[f"Ask 'why is {name} failing?' for why the rest do not serve."] if status_ == "problems"
                      else [])
