""""Revert the cm change": a ConfigMap or Secret keeps no revisions -- the API server records when it was last written
and by what, never what it held before. So the answer says that, shows what it holds now (the keys the question's words
describe first), says whether the pods that read it run the edit at all, and gives the by-hand edit and the restart of
its readers -- never a pinned undo that cannot exist."""

from __future__ import annotations

from ...contracts import parse_resource_id
from ...graph.kubectl_words import KUBECTL_KIND
from ..answer.config_changes import config_record
from ..answer.config_refs import config_users, references_config
from ..answer.objects import pod_spec_of
from ..answer.pods import workload_pods
from ..ask import Ask
from ..models import Answer
from ..understand.inventory import WORKLOADS
from ..understand.kinds_said import KEY_TOKEN, pod_template_spec


async def config_revert(ask: Ask, rid: str) -> Answer:
    namespace, kind, name = parse_resource_id(rid)
    record = await config_record(ask, rid)
    said = {w.lower() for w in ask.recognised.candidates}
    # the record's lines that carry a key the question describes ("promo banner" -> PROMO_BANNER) come first
    record.sort(key=lambda line: -len(said & set(KEY_TOKEN.findall(line.lower()))))
    users, _ = await config_users(ask, rid)
    readers = [u for u in users if parse_resource_id(u)[1] in WORKLOADS]
    unread = [note for reader in readers if (note := await edit_not_read(ask, rid, reader))]
    restart = [f"then restart what reads it: kubectl rollout restart {KUBECTL_KIND.get(k, k.lower())}/{n} -n {ns}"
               for ns, k, n in map(parse_resource_id, readers) if k != "CronJob"][:3]
    return ask.answer(f"{rid} keeps no earlier version to roll back to: the cluster records when a {kind} was last "
                      "written, not what it held before", status="answered", resources=[rid],
                      details=[*record[:4], *unread],
                      next_steps=[f"Put the earlier value back by hand (from your change record or git): kubectl edit "
                                  f"{KUBECTL_KIND.get(kind, kind.lower())}/{name} -n {namespace}", *restart])


async def edit_not_read(ask: Ask, config: str, reader: str) -> str | None:
    """Why `reader` cannot be running `config`'s last edit, when it cannot: it reads the object only into environment
    variables (set when a container starts) and every one of its pods started before the edit was written -- so the
    edit is not what the pods run, and reverting it changes nothing they run. None when it may be read."""
    namespace, kind, name = parse_resource_id(config)
    ways = references_config(pod_spec_of(parse_resource_id(reader)[1], {"spec": await pod_template_spec(ask, reader)}),
                             kind, name)
    if not ways or any(way.startswith(("volume", "projected")) for way in ways):
        return None  # not read, or mounted as files (which the kubelet refreshes in place)
    listed = await ask.call("kubernetes", "get_resources", {"kind": kind, "namespace": namespace, "limit": 500})
    written = next((str(i.get("written") or "") for i in (listed.data or {}).get("items") or [] if i.get("name") == name), "")
    started = [str(p.get("created") or "") for p in await workload_pods(ask, reader)]
    if not written or not started or not all(s and s < written for s in started):
        return None
    return (f"{name} was last written at {written}, after every pod of {parse_resource_id(reader)[2]} started "
            f"(newest {max(started)}); they read it as environment variables at start, so they still run the values "
            "from before the edit")
