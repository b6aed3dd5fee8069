"""What a change request's words point at besides the object it names: a one-member StatefulSet's claim ("grow it"),
the container its pods show in trouble ("bump the memory"), the one port a mismatched Service's pods declare ("fix
the targetPort") -- read from the cluster and the conversation's diagnosis, never guessed."""

from __future__ import annotations

import re

from ..answer.objects import declared_ports, pod_spec_of
from ..answer.pods import workload_pods
from ..ask import Ask
from ..models import Answer
from ..understand.references import owner_of, parse_resource_id
from .hand_edits import PORT_TARGET, config_sources, env_change, held_key_said
from .node_plans import TAINT_SAID
from .plans import Plan


async def only_member_claim(ask: Ask, namespace: str, name: str) -> str | None:
    """The claim of a StatefulSet's members (<template>-<name>-<ordinal>, as its controller names them) when it has one."""
    listed = await ask.call("kubernetes", "get_resources", {"kind": "PersistentVolumeClaim", "namespace": namespace, "limit": 500})
    member = re.compile(rf"^[a-z0-9.-]+-{re.escape(name)}-\d+$")
    claims = [c.get("name") for c in (listed.data or {}).get("items") or [] if member.match(str(c.get("name")))]
    return f"{namespace}/PersistentVolumeClaim/{claims[0]}" if len(claims) == 1 else None



async def mounted_claim(ask: Ask, rid: str) -> str | None:
    """The one PersistentVolumeClaim a Deployment's or DaemonSet's pod template mounts, when it mounts exactly one."""
    namespace, kind, name = parse_resource_id(rid)
    described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "namespace": namespace, "events_limit": 0})
    template = pod_spec_of(kind, (described.data or {}).get("object") or {})
    claims = {str(v["persistentVolumeClaim"].get("claimName")) for v in template.get("volumes") or []
              if isinstance(v.get("persistentVolumeClaim"), dict)}
    return f"{namespace}/PersistentVolumeClaim/{claims.pop()}" if len(claims) == 1 else None


async def troubled_container(ask: Ask, rid: str) -> tuple[str, str] | None:
    """(container, what its pods say) for the container the workload's pods show in trouble -- an OOM kill first:
    what a resource change is for when the request does not name the container. A workload the conversation found
    throttled at its CPU limit shows nothing in its pods: ("", THROTTLED) then (any of its containers)."""
    problems = [str(p) for pod in await workload_pods(ask, rid) for p in pod.get("problems") or []]
    for wanted in ("OOMKilled", ""):
        for problem in problems:
            name, _, said = problem.partition(": ")
            if wanted in said:
                return name, said
    diagnosis = ask.last_diagnosis or {}
    if diagnosis.get("resource") == rid and diagnosis.get("category") == "cpu_throttling":
        return "", THROTTLED
    return None


THROTTLED = "throttled at its CPU limit"
OVERRIDE = re.compile(r"\b(anyway|regardless|even\s+so|all\s+the\s+same)\b", re.IGNORECASE)


def other_container_killed(ask: Ask, plan: Plan, rid: str, troubled: tuple[str, str] | None) -> Answer | None:
    """A memory change named on one container while another container of the same pods is the one OOM-killed: the
    change leaves the kill as it is -- said, with the container that is killed (pinned as asked with "anyway")."""
    if plan.tool != "set_resources" or troubled is None or not troubled[0] or "OOMKilled" not in troubled[1] or \
            OVERRIDE.search(ask.question):
        return None
    container = str(plan.args.get("container") or "")
    if not container or container == troubled[0] or "memory" not in {*(plan.args.get("limits") or {}),
                                                                        *(plan.args.get("requests") or {})}:
        return None
    return ask.answer(f"Not pinned: container {container} is not the one killed -- {troubled[0]} is ({troubled[1][:160]}); "
                      f"{container}'s memory leaves that kill as it is", status="answered", resources=[rid],
                      next_steps=[f"Raise {troubled[0]}'s memory limit instead (e.g. 'set the {troubled[0]} memory limit to "
                                  "<size>'), or say 'anyway' to pin this one."])

# What the analyzers say of a container short of a resource at its limit, per resource a request raises.
_SHORT_OF = {"memory": re.compile(r"OOMKilled|oom.?kill", re.I), "cpu": re.compile(r"throttl", re.I)}


async def short_of_it_elsewhere(ask: Ask, rid: str, resource: str) -> str | None:
    """"account-api is getting oom killed? bump its memory": when the workload's own pods show nothing of the sort, the
    objects the analyzers do find short of that resource, as a note -- the raise is pinned as asked, the premise is not
    left standing."""
    if resource not in _SHORT_OF:
        return None
    analysis = await ask.call("kubernetes", "analyze", {})
    findings = (analysis.data or {}).get("findings") or []
    short = sorted({str(f.get("resource")) for f in findings if f.get("resource") and f.get("resource") != rid
                    and _SHORT_OF[resource].search(f"{f.get('reason')} {f.get('message')}")})
    short = list(dict.fromkeys([await owner_of(ask, r) or r if "/Pod/" in r else r for r in short[:5]]))  # its workload
    if not short:
        return None
    what = "OOM-killed at its memory limit" if resource == "memory" else "throttled at its CPU limit"
    return (f"note: {rid}'s pods show no sign of being short of {resource}; what is {what} is "
            f"{', '.join(short[:3])}")


def starved_of(container: str, troubled: tuple[str, str] | None) -> str | None:
    """The resource `container` is short of at its limit: memory when it was OOM-killed, cpu when throttled."""
    name, said = troubled or ("", "")
    if "OOMKilled" in said and name == container:
        return "memory"
    return "cpu" if said == THROTTLED else None


# The one port the diagnosis saw the Service's pods declare ("... which no Ready pod declares (they declare api:8080/TCP)").
_DECLARED = re.compile(r"they declare ([\w-]+):(\d+)/\w+\)")


def with_declared_port(ask: Ask, rid: str, verb: str) -> str:
    """"fix the targetPort" names no port: when the diagnosis of this Service is a port mismatch and its pods declare
    exactly one port, that port (by name, as the pods declare it) is the one to point at."""
    diagnosis = ask.last_diagnosis or {}
    if verb != "port" or PORT_TARGET.search(ask.question) or diagnosis.get("resource") != rid or \
            diagnosis.get("category") != "service_port_mismatch":
        return ask.question
    declared = set(_DECLARED.findall(diagnosis.get("summary") or ""))
    return f"{ask.question} to {next(iter(declared))[0]}" if len(declared) == 1 else ask.question


# the scheduler's words for a taint the pods do not tolerate: "2 node(s) had untolerated taint {kettlewick.io/drain: planned}"
# the taints a diagnosis says pods do not tolerate: the scheduler's "untolerated taint {k: v}", a DaemonSet's "does not
# tolerate their taint(s) k=v:Effect"
_UNTOLERATED = re.compile(r"untolerated taint \{(?P<key>[\w./-]+):\s*(?P<value>[\w./-]*)\}"
                          r"|\btolerate\b[^.;]*?\btaints?(?:\(s\))?\s+(?P<key2>[\w./-]+)=(?P<value2>[\w./-]*)")


_KEY_SAID = re.compile(r"(?<![\w./-])[a-z0-9-]+(\.[a-z0-9-]+)+/[\w.-]+")  # a prefixed key: example.io/pool


def with_untolerated_taint(ask: Ask, question: str, verb: str) -> str:
    """"add a toleration for it", "tolerate node.example.io/pool": the taint the conversation's diagnosis says the pods
    do not tolerate -- the one, when it names exactly one, or the one with the key said -- said as key=value, the way a
    request would name it."""
    if verb != "tolerate" or TAINT_SAID.search(question):
        return question
    summary = str((ask.last_diagnosis or {}).get("summary") or "")
    taints = {(m.group("key") or m.group("key2"), m.group("value") or m.group("value2") or "")
              for m in _UNTOLERATED.finditer(summary)}
    keyed = {t for t in taints if re.search(rf"(?<![\w./-]){re.escape(t[0])}(?![\w./-])", question)}
    if not keyed and _KEY_SAID.search(question):
        return question  # a key of its own said: the one to tolerate, not the diagnosis's
    chosen = keyed or taints
    if len(chosen) != 1:
        return question
    key, value = next(iter(chosen))
    return re.sub(rf"(?<![\w./-]){re.escape(key)}(?![\w./-])", "", question) + f" {key}={value}"


async def key_holder(ask: Ask, rid: str, obj: dict) -> tuple[str, dict] | None:
    """(the ConfigMap, as read) that holds the variable -- or the key, named in any case -- a request sets on workload
    `rid`, when its pods read it from there (envFrom, configMapKeyRef) and no container sets it itself; None otherwise."""
    change = env_change(ask.question)
    pod_spec = pod_spec_of(parse_resource_id(rid)[1], obj)
    if change is not None and any(env.get("name") == change[0] and "value" in env
                                  for c in pod_spec.get("containers") or [] for env in c.get("env") or []):
        return None
    namespace = parse_resource_id(rid)[0]
    for source in config_sources(pod_spec):
        kind, _, name = source.partition("/")
        if kind != "ConfigMap":
            continue
        described = await ask.call("kubernetes", "describe", {"kind": "ConfigMap", "name": name, "namespace": namespace,
                                                              "events_limit": 0})
        held = (described.data or {}).get("object") or {}
        keys = list(held.get("data") or {})
        # the variable typed, or -- none typed -- a key it holds named in any case ("set max_connections back to 300")
        if change[0] in keys if change is not None else held_key_said(ask.question, keys) is not None:
            return f"{namespace}/ConfigMap/{name}", held
    return None


def another_named(ask: Ask, name: str) -> str | None:
    """A second object's dashed name after an "and" in a change request ("delete the turnstile-bridge service and the
    lifts-db secret"): never silently dropped -- said as not pinned."""
    head, joined, tail = ask.question.partition(" and ")
    if not joined or name not in head:
        return None
    return next((w for w in re.findall(r"\b[a-z0-9]+(?:-[a-z0-9]+)+\b", tail.lower()) if w != name), None)


async def declared_port_names(ask: Ask, service: str) -> frozenset[str]:
    """The container port names the pods behind Service `service` declare (its workload's template): what a targetPort
    said by name can be. Empty when its workload is not found."""
    declared = await declared_ports(ask, service)
    return frozenset(str(port["name"]) for _, port in declared[1] if port.get("name")) if declared else frozenset()
