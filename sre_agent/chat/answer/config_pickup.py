""""will the pods pick that up by themselves", "does checkout see the new value without a restart": whether a change to a
ConfigMap or Secret reaches what reads it -- env vars (env, envFrom) are set when a container starts, so only a restart
brings the new value; a mounted volume is refreshed by the kubelet within about a minute (never under a subPath), and
then the app must re-read the file."""

from __future__ import annotations

from ...contracts import parse_resource_id
from ...graph.kubectl_words import KUBECTL_KIND
from ..ask import Ask, handles
from ..models import Answer
from ..understand.inventory import CONFIG_KINDS
from ..understand.kinds_said import secret_in_talk
from ..understand.references import kind_of
from .config_refs import config_users


async def _config_of(ask: Ask) -> str | None:
    """The ConfigMap or Secret asked about: the one named, else the conversation's root cause, else its last one, else
    the Secret its diagnosis says changed (or the one its workload reads)."""
    if ask.resource and kind_of(ask.resource) in CONFIG_KINDS:
        return ask.resource
    root = str((ask.last_diagnosis or {}).get("resource") or "")
    if kind_of(root) in CONFIG_KINDS:
        return root
    if discussed := next((r for r in ask.focus if kind_of(r) in CONFIG_KINDS), None):
        return discussed
    return await secret_in_talk(ask) if ask.focus else None


@handles("config_pickup", needs=("kubernetes",))
async def config_pickup(ask: Ask) -> Answer:
    config = await _config_of(ask)
    if config is None:
        return ask.answer("Which ConfigMap or Secret? e.g. 'will checkout pick up a change to checkout-config'",
                          status="needs_subject")
    users, how = await config_users(ask, config)
    if not users:
        return ask.answer(f"Nothing in its namespace reads {config} from a pod template: no pod picks a change up",
                          status="answered", resources=[config])
    by_env = [line for line in how if "env" in line.split(": ", 1)[-1]]
    by_volume = [line for line in how if "volume" in line.split(": ", 1)[-1] and line not in by_env]
    restarts = []
    for line in by_env[:3]:
        namespace, kind, name = parse_resource_id(line.split(": ", 1)[0])
        restarts.append(f"kubectl rollout restart {KUBECTL_KIND.get(kind, kind.lower())}/{name} -n {namespace}")
    if by_env:
        headline = (f"No: {', '.join(line.split(': ', 1)[0] for line in by_env[:3])} read {config} as env vars, which are set "
                    "when a container starts -- the running pods keep the old value until they restart")
    else:
        headline = (f"Yes, within about a minute: {config} is mounted as a volume, which the kubelet refreshes (not under a "
                    "subPath) -- the app must still re-read the file")
    return ask.answer(headline, status="answered", resources=[config, *users[:3]],
                      details=[*how[:6], *([f"mounted (refreshed in place): {line}" for line in by_volume[:3]] if by_env else [])],
                      next_steps=[f"Restart what reads it: {restarts[0]}" if restarts else
                                  "Check the app reloads the file (its logs after the change)."])
