"""What one setting is set to: "what is ACCOUNTS_URL set to", "whats maxmemory in the redis config". Looked up
where the conversation is (the workloads and ConfigMaps it mentioned: a container's env value or the reference
it reads), then in the ConfigMaps of the namespace, then of the cluster. A ConfigMap's value is shown; a Secret's
never is (the servers mask it; chat names the Secret and the key)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ...contracts import parse_resource_id
from ..ask import HANDLERS, Ask, handles
from ..models import Answer
from ..understand.inventory import CONFIG_KINDS
from ..understand.references import named_exactly
from .objects import REFERENCING_KINDS, pod_spec_of
from .secret_values import secret_asked
from .spec_fields import fields_asked
from .templates import shortened

KEY_ASKED = re.compile(
    r"\b(?:value\s+(?:of|for)|(?:have|use|got)\s+for|is|are|was|whats|what.s)\s+(?:the\s+)?(?P<key>[A-Za-z_][\w.-]*?)"
    r"(?:\s+(?:key|setting|var|variable|env))?(?:\s+(?:set\s+to|set\b|configured|in\b|now\b)|\s*\?|\s*$)", re.IGNORECASE)
NOT_KEYS = {"it", "that", "this", "what", "the", "its", "value", "everything", "anything", "there"}
MAX_SCANNED = 60  # workloads described looking for an env var set in a template: a namespace, not a big cluster


ENV_NAME = re.compile(r"(?<![\w-])[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")  # an env var typed as one: MODBUS_GATEWAY


def asked_key(question: str) -> str | None:
    if typed := ENV_NAME.search(question):
        return typed.group(0)
    match = KEY_ASKED.search(question.strip())
    key = match.group("key") if match else None
    return key if key and key.lower() not in NOT_KEYS else None


def env_lines(rid: str, pod_spec: dict[str, Any], key: str, wanted: Callable[[str], bool] | None = None) -> list[str]:
    """How the workload's containers set `key` (or any env var `wanted` accepts): a literal env value, the
    ConfigMap/Secret key it reads, or a flag."""
    lines = []
    for container in (pod_spec.get("initContainers") or []) + (pod_spec.get("containers") or []):
        for env in container.get("env") or []:
            if not (wanted(str(env.get("name"))) if wanted else env.get("name") == key):
                continue
            key = str(env.get("name")) if wanted else key
            if "value" in env:
                lines.append(f"{key}={shortened(str(env['value']))} (env of container {container.get('name')} of {rid})")
            for ref_kind, ref in (("ConfigMap", (env.get("valueFrom") or {}).get("configMapKeyRef")),
                                  ("Secret", (env.get("valueFrom") or {}).get("secretKeyRef"))):
                if ref:
                    lines.append(f"{key} of container {container.get('name')} of {rid} comes from {ref_kind} "
                                 f"{ref.get('name')}, key {ref.get('key')}")
        argv = [] if wanted else [str(a) for a in (container.get("command") or []) + (container.get("args") or [])]
        for i, arg in enumerate(argv):  # a flag: "--maxmemory 768mb" or "--maxmemory=768mb"
            flag, eq, value = arg.partition("=")
            if flag.lstrip("-").lower() == key.lower() and flag.startswith("-"):
                value = value if eq else (argv[i + 1] if i + 1 < len(argv) and not argv[i + 1].startswith("-") else "(set)")
                lines.append(f"{key} {shortened(value)} (flag {flag} of container {container.get('name')} of {rid})")
    return lines


async def describe_object(ask: Ask, rid: str) -> dict[str, Any]:
    namespace, kind, name = parse_resource_id(rid)
    outcome = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "namespace": namespace})
    return (outcome.data or {}).get("object") or {}


async def _holders(ask: Ask, key: str, namespace: str | None) -> tuple[list[str], str | None]:
    """The ConfigMaps and Secrets (in the namespace, else anywhere) that hold `key`; the listing's error."""
    found: list[str] = []
    for kind in CONFIG_KINDS:
        outcome = await ask.call("kubernetes", "get_resources", {"kind": kind, "limit": 2000,
                                                                 **({"namespace": namespace} if namespace else {})})
        if outcome.error is not None:
            return found, outcome.error
        found += [f"{i.get('namespace')}/{kind}/{i.get('name')}" for i in (outcome.data or {}).get("items") or []
                  if key in (i.get("keys") or [])]
    return found, None


async def _value_lines(ask: Ask, rid: str, key: str) -> list[str]:
    namespace, kind, _ = parse_resource_id(rid)
    data = (await describe_object(ask, rid)).get("data") or {} if namespace else {}
    if key not in data:
        return []
    if kind == "Secret":  # the servers mask the value; the key's presence is what is said
        return [f"{key} is a key of Secret {rid} (a Secret's values are never shown)"]
    return [f"{key}={shortened(' '.join(str(data[key]).split()))} (ConfigMap {rid})"]


async def _set_in_files(ask: Ask, key: str, namespace: str | None) -> list[str]:
    """`key = value` / `key: value` / `key value` lines inside the ConfigMaps of the namespace (a mounted config file)."""
    setting = re.compile(rf"^[ \t]*{re.escape(key)}[ \t]*(?:=|:|[ \t])[ \t]*(.+?)[ \t]*$", re.IGNORECASE | re.MULTILINE)
    listed = await ask.call("kubernetes", "get_resources", {"kind": "ConfigMap", "limit": MAX_SCANNED,
                                                            **({"namespace": namespace} if namespace else {})})
    lines = []
    for item in (listed.data or {}).get("items") or []:
        rid = f"{item.get('namespace')}/ConfigMap/{item.get('name')}"
        for file, text in ((await describe_object(ask, rid)).get("data") or {}).items():
            lines += [f"{key} {shortened(m.group(1))} (in {file} of ConfigMap {rid})" for m in setting.finditer(str(text))]
    return lines


async def _set_in_templates(ask: Ask, key: str, namespace: str | None) -> list[str]:
    lines: list[str] = []
    scanned = 0
    for scope in dict.fromkeys([namespace, None]):
        for kind in REFERENCING_KINDS:
            listed = await ask.call("kubernetes", "get_resources", {"kind": kind, "limit": 500,
                                                                    **({"namespace": scope} if scope else {})})
            for item in (listed.data or {}).get("items") or []:
                if scanned >= MAX_SCANNED or (kind == "Pod" and item.get("owner")) or (kind == "Job" and item.get("cronjob")):
                    continue  # a controller's pods, a CronJob's runs: its template is read already
                scanned += 1
                rid = f"{item.get('namespace')}/{kind}/{item.get('name')}"
                lines += env_lines(rid, pod_spec_of(kind, await describe_object(ask, rid)), key)
        if lines:
            return lines
    return lines


def _focus_namespace(ask: Ask) -> str | None:
    """The namespace of the first namespaced object the conversation is on."""
    return next((parse_resource_id(r)[0] for r in ask.focus if parse_resource_id(r)[0]), None)


# "ConfigMap depot-gateway, key host" in an earlier answer: what "that key" means next
SAID_KEY = re.compile(r"\b(ConfigMap|Secret) ([a-z0-9][\w.-]*)(?: \([^)]*\))?, key ([\w.-]+)")


async def _that_key(ask: Ask) -> Answer | None:
    """"whats the value of that key": the ConfigMap key the conversation last named, read in its namespace."""
    said = [m for fact in ask.recent for m in SAID_KEY.finditer(fact)]
    namespace = _focus_namespace(ask)
    if not said or not namespace or not re.search(r"\b(that|the|this)\s+key\b|\bits\s+value\b", ask.question, re.I):
        return None
    kind, name, key = said[-1].groups()
    lines = await _value_lines(ask, f"{namespace}/{kind}/{name}", key)
    return ask.answer(lines[0], status="answered", resources=[f"{namespace}/{kind}/{name}"]) if lines else \
        ask.answer(f"{kind} {namespace}/{name} holds no key {key}", status="answered")


# a part of the pod spec said in words: what "set to" asks of it is a field, never an env var
SPEC_SAID = re.compile(r"\b(probes?|liveness|readiness|startup|timeouts?|replicas|limits?|requests?|strategy|affinity|"
                       r"tolerations?|selector|node\s*selector|image|port)\b", re.IGNORECASE)


@handles("config_value", needs=("kubernetes",))
async def config_value(ask: Ask) -> Answer:
    key = asked_key(ask.question)
    if key is None and (earlier := await _that_key(ask)) is not None:
        return earlier
    subject = ask.resource or (ask.focus[0] if ask.focus else None)
    if subject and (key is None or not key.isupper()) and (
            key is None and SPEC_SAID.search(ask.question) or fields_asked(ask.question, await describe_object(ask, subject))):
        ask.resource = subject  # "whats the probe timeout set to", "whats the topology key": a field of its spec, not env
        return await HANDLERS["property"].handler(ask)
    if key is None and (credential := await secret_asked(ask)) is not None:
        return credential  # "whats the textwave api key": where it lives, never its value
    if key is None:
        return ask.answer("Which setting? e.g. 'what is DATABASE_URL set to'.", status="needs_subject")
    lines: list[str] = []
    named = [rid for word in ask.recognised.candidates if word.upper() not in key.upper().split("_")
             and (rid := await named_exactly(ask, word, kinds=list(REFERENCING_KINDS)))]
    for rid in dict.fromkeys([*named, *ask.focus[:4]]):  # the workload named, where the conversation is: env, config
        kind = parse_resource_id(rid)[1]
        if kind in REFERENCING_KINDS:
            lines += env_lines(rid, pod_spec_of(kind, await describe_object(ask, rid)), key)
        elif kind in CONFIG_KINDS:
            lines += await _value_lines(ask, rid, key)
    referenced = {m.group(1) for line in lines if (m := re.search(r"comes from (?:ConfigMap|Secret) (\S+),", line))}
    focus_ns = _focus_namespace(ask)
    error = None
    for namespace in dict.fromkeys([ask.namespace or focus_ns, None]):
        holders, error = await _holders(ask, key, namespace)
        wanted = [h for h in holders if not referenced or parse_resource_id(h)[2] in referenced] or holders
        for rid in wanted[:3]:
            lines += [line for line in await _value_lines(ask, rid, key) if line not in lines]
        if holders or error:
            break
    if not lines and error is None:  # a line of a config file a ConfigMap holds ("maxmemory 256mb" in redis.conf)
        lines = await _set_in_files(ask, key, ask.namespace or focus_ns)
    if not lines and error is None:  # set in a template's env, not in a ConfigMap: the namespace's workloads, then all
        lines = await _set_in_templates(ask, key, ask.namespace or focus_ns)
    if not lines:
        if error is not None:
            return ask.answer(f"Could not look for {key}: {error[:200]}", status="unknown")
        return ask.answer(f"{key}: not found -- no ConfigMap, Secret or env of the workloads discussed sets it",
                          status="answered", next_steps=["Check the spelling; keys are case-sensitive."])
    # the object the first line is about leads "it" next (the workload whose env, or the ConfigMap whose key)
    said = [m.group(1) for line in lines[:1] if (m := re.search(r"\b([a-z0-9-]+/[A-Z][A-Za-z]+/[a-z0-9.-]+)", line))]
    return ask.answer(lines[0], status="answered", details=lines[1:], resources=said)
