""""was 7.15.0 even pushed", "does the 2.15.0 tag exist in the registry": chat reads no registry's tag list, so a tag is
answered from what the cluster saw of it -- the kubelet's pulls (a "not found" / "manifest unknown" from the registry is
its answer that the tag is not there; a 401 says the registry refused to answer) and the pods that run it. What was
never pulled or run is said as not seen, never as absent."""

from __future__ import annotations

import re

from ...brains.offline.pods import PULL_FAILED
from ...brains.offline.pull_auth import REFUSED_PULL
from ...graph.cronjob_fixes import image_tag
from ..ask import Ask
from ..models import Answer

ABSENT = re.compile(r"not\s+found|manifest\s+unknown|name\s+unknown|does\s+not\s+exist", re.IGNORECASE)


async def tag_seen(ask: Ask, tag: str) -> Answer:
    """What the cluster saw of an image tag: pulls of it that failed (and why), pods that run it."""
    events = await ask.call("kubernetes", "get_resources", {"kind": "Event", "limit": 2000})
    failed = [(m.group(1), str(e.get("message") or "")) for e in (events.data or {}).get("items") or []
              if (m := PULL_FAILED.search(str(e.get("message") or ""))) and image_tag(m.group(1)) == tag]
    pods = await ask.call("kubernetes", "get_resources", {"kind": "Pod", "limit": 5000})
    running = [f"{p.get('namespace')}/Pod/{p.get('name')}" for p in (pods.data or {}).get("items") or []
               if str(p.get("status")) == "Running" and any(image_tag(str(i)) == tag for i in p.get("images") or [])]
    if running:
        return ask.answer(f"Yes: {tag} is pulled and running -- {len(running)} pod(s) run it ({', '.join(running[:3])})",
                          status="answered", resources=running[:3])
    absent = next(((image, said) for image, said in failed if ABSENT.search(said)), None)
    if absent:
        return ask.answer(f"No: the registry answers not found for {absent[0]} -- the tag was never pushed there (or "
                          f"was deleted): {absent[1][-200:]}", status="answered",
                          next_steps=["Push the tag, or set the workload back to the tag its running pods use."])
    refused = next(((image, said) for image, said in failed if REFUSED_PULL.search(said)), None)
    if refused:
        return ask.answer(f"Cannot tell: the registry refused the pull of {refused[0]} (credentials), so it did not say "
                          f"whether the tag exists: {refused[1][-200:]}", status="answered",
                          next_steps=["Fix the pull credentials first; the registry then says whether the tag is there."])
    if failed:
        return ask.answer(f"Not shown: pulls of {failed[0][0]} fail for another reason: {failed[0][1][-200:]}", status="answered")
    return ask.answer(f"Not seen: no pod runs or pulls a tag {tag}; chat reads no registry's tag list -- check it there "
                      "(e.g. aws ecr describe-images)", status="answered")
