"""Where a workload gets a setting from: "how does the publisher get its db url", "which secret and key does wallet
use for the db connection", "where does fares-api get the cache url from", "what configmap does odometer-bridge read
its gateway host from". The setting is an env var name typed as one, else the words of it ("db url") matched against
the parts of the env var names (DB/DATABASE, URL/DSN...). Read from the workload's template: a literal value, a
ConfigMap or Secret key (env), or every key of a ConfigMap or Secret (envFrom). When the workload sets none -- the
missing setting is often the fault -- the namespace's other workloads say where theirs comes from."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ..ask import HANDLERS, Ask, handles
from ..models import Answer
from ..understand.kinds_said import configs_read_by
from ..understand.names import match_score
from ..understand.references import kind_of, named_exactly
from .config_values import ENV_NAME, MAX_SCANNED, describe_object, env_lines
from .objects import REFERENCING_KINDS, pod_spec_of
from .templates import shortened

WHAT_ASKED = re.compile(r"\b(?:get|gets|read|reads|take|takes|load|loads|pull|pulls|use|uses)\s+(?:for\s+)?(?:its\s+|the\s+|their\s+)?"
                        r"(?P<what>[a-z][\w .-]*?)(?:\s+from)?\s*[?.!]*$", re.IGNORECASE)
# The words of a setting an SRE types and the parts env var names spell them with.
SPELLINGS = {"db": {"DB", "DATABASE", "POSTGRES", "PG", "MYSQL", "DSN"}, "database": {"DB", "DATABASE", "POSTGRES", "PG", "DSN"},
             "url": {"URL", "DSN", "URI", "ADDR", "ADDRESS", "ENDPOINT", "HOST"}, "host": {"HOST", "HOSTNAME", "ADDR", "URL"},
             "password": {"PASSWORD", "PASS", "PWD"}, "user": {"USER", "USERNAME"}, "queue": {"QUEUE", "BROKER", "AMQP", "NATS"},
             "broker": {"BROKER", "NATS", "AMQP", "KAFKA"}, "bucket": {"BUCKET", "S3"}}
NOT_PARTS = {"connection", "string", "setting", "settings", "value", "env", "var", "variable", "config", "address", "the", "its",
             "that", "this", "those", "these", "their", "my", "our", "your"}  # "that url": the url


def setting_parts(question: str) -> tuple[str | None, list[set[str]]]:
    """(the env var named, or None; else the parts its name must have, one set of spellings per word)."""
    named = ENV_NAME.search(question)
    if named:
        return named.group(0), []
    what = WHAT_ASKED.search(question)
    words = [w for w in re.findall(r"[a-z0-9]+", (what.group("what") if what else "").lower()) if w not in NOT_PARTS]
    return None, [SPELLINGS.get(w, {w.upper()}) for w in words]


def _singular(piece: str) -> str:
    return piece[:-1] if piece.endswith("S") and not piece.endswith("SS") and len(piece) > 3 else piece


def _matcher(key: str | None, parts: list[set[str]]):
    """Whether an env var is the setting asked for: the name typed, or one whose parts spell every word -- with the
    parts of the ConfigMap or Secret it comes from whole ("upstream urls": ACCOUNT_API_URL of portal-web-upstreams)."""
    wanted_parts = [{_singular(s) for s in spellings} for spellings in parts]

    def wanted(name: str, source: str = "") -> bool:
        if key:
            return name == key
        pieces = {_singular(p) for p in re.split(r"[-_.]", f"{source}_{name}".upper()) if p}
        return bool(parts) and all(pieces & spellings for spellings in wanted_parts)
    return wanted


async def _env_from_lines(ask: Ask, rid: str, pod_spec: dict, wanted) -> list[str]:
    """Env vars a container takes from every key of a ConfigMap or Secret (envFrom): the keys that match."""
    namespace = parse_resource_id(rid)[0]
    lines = []
    for container in (pod_spec.get("initContainers") or []) + (pod_spec.get("containers") or []):
        for source in container.get("envFrom") or []:
            for ref_kind, ref in (("ConfigMap", source.get("configMapRef")), ("Secret", source.get("secretRef"))):
                if not ref or not namespace:
                    continue
                held = (await describe_object(ask, f"{namespace}/{ref_kind}/{ref.get('name')}")).get("data") or {}
                for key in sorted(k for k in held if wanted(f"{source.get('prefix', '')}{k}", str(ref.get("name")))):
                    value = f" = {shortened(str(held[key]))}" if ref_kind == "ConfigMap" else " (a Secret's value is never shown)"
                    lines.append(f"{source.get('prefix', '')}{key} of container {container.get('name')} of {rid} comes from "
                                 f"{ref_kind} {ref.get('name')} (envFrom, every key), key {key}{value}")
    return lines


async def _set_by(ask: Ask, rid: str, key: str | None, wanted) -> list[str]:
    kind = parse_resource_id(rid)[1]
    spec = pod_spec_of(kind, await describe_object(ask, rid))
    return env_lines(rid, spec, key or "", None if key else wanted) + await _env_from_lines(ask, rid, spec, wanted)


async def _workload_of(ask: Ask, rid: str) -> str:
    namespace, kind, name = parse_resource_id(rid)
    if kind in REFERENCING_KINDS:
        return rid
    behind = await named_exactly(ask, name, kinds=["Deployment", "StatefulSet", "DaemonSet", "Pod"])  # a Service's workload
    return behind if behind and parse_resource_id(behind)[0] == namespace else rid


async def _spelled_by(ask: Ask, namespace: str, key: str) -> list[str]:
    """ConfigMaps and Secrets whose name and one of whose keys spell the env var (depot-gateway + host for
    DEPOT_GATEWAY_HOST): where a setting nobody reads any more is meant to come from."""
    parts = set(key.upper().split("_"))
    found = []
    for kind in ("ConfigMap", "Secret"):
        listed = await ask.call("kubernetes", "get_resources", {"kind": kind, "namespace": namespace, "limit": 500})
        for item in (listed.data or {}).get("items") or []:
            named = set(re.split(r"[-_.]", str(item.get("name")).upper()))
            for held in item.get("keys") or []:
                if named <= parts and set(re.split(r"[-_.]", str(held).upper())) <= parts and named | {str(held).upper()} >= parts:
                    found.append(f"{kind} {item.get('name')}, key {held}: its name and key spell {key} (no workload reads it "
                                 "now)")
    return found


async def _held_by(ask: Ask, namespace: str, key: str) -> list[str]:
    """ConfigMaps and Secrets in the namespace holding a key of that exact name (no workload reads it from there)."""
    found = []
    for kind in ("ConfigMap", "Secret"):
        listed = await ask.call("kubernetes", "get_resources", {"kind": kind, "namespace": namespace, "limit": 500})
        found += [f"{kind} {item.get('name')} holds key {key} (no workload reads it from there)"
                  for item in (listed.data or {}).get("items") or [] if key in (item.get("keys") or [])]
    return found


async def _read_configs(ask: Ask, rid: str) -> list[str]:
    """The ConfigMaps and Secrets `rid`'s pod template reads, said by kind and name."""
    if parse_resource_id(rid)[1] not in REFERENCING_KINDS:
        return []
    return [f"{kind} {name}" for kind in ("ConfigMap", "Secret") for name in sorted(await configs_read_by(ask, rid, kind))]


def _setting_said_before(ask: Ask) -> str | None:
    """The env var the previous answer named first (its headline, then its facts): what "that url" points back to."""
    last = ask.last_answer or {}
    for text in [str(last.get("headline") or ""), *(str(d) for d in last.get("details") or [])]:
        if found := ENV_NAME.search(text):
            return found.group(0)
    return None


@handles("config_source", needs=("kubernetes",))
async def config_source(ask: Ask) -> Answer:
    key, parts = setting_parts(ask.question)
    said_before = _setting_said_before(ask) if key is None else None
    if said_before and (not parts or (re.search(r"\b(that|this|the\s+same)\b", ask.question, re.I) and _matcher(None, parts)(said_before))):
        key, parts = said_before, []  # "where does that url come from": the setting the conversation just named
    if key is None and not parts:
        if ask.resource:  # "which cm is it reading that from": every ConfigMap and Secret it reads, and whether each exists
            return await HANDLERS["config_refs"].handler(ask)
        return ask.answer("Which setting? e.g. 'where does checkout get its DATABASE_URL' or 'its db url'.",
                          status="needs_subject")
    wanted = _matcher(key, parts)
    said = key or " ".join(sorted(next(iter(p)) for p in parts)).lower()
    rid = await _workload_of(ask, ask.resource) if ask.resource else ""  # "is KEY set anywhere in ops": no workload
    namespace = (parse_resource_id(rid)[0] if rid else None) or ask.namespace or "default"
    lines = await _set_by(ask, rid, key, wanted) if rid and parse_resource_id(rid)[1] in REFERENCING_KINDS else []
    if lines:
        return ask.answer(lines[0], status="answered", details=lines[1:], resources=[rid])
    others: list[str] = []
    scanned = 0
    for kind in REFERENCING_KINDS:  # the setting is missing here: where the namespace's other workloads get theirs
        listed = await ask.call("kubernetes", "get_resources", {"kind": kind, "namespace": namespace, "limit": 500})
        for item in (listed.data or {}).get("items") or []:
            other = f"{namespace}/{kind}/{item.get('name')}"
            if other == rid or scanned >= MAX_SCANNED or (kind == "Pod" and item.get("owner")) or item.get("cronjob"):
                continue
            scanned += 1
            others += await _set_by(ask, other, key, wanted)
    headline = f"{rid} sets no {said} in its template (env or envFrom)" if rid else f"No workload in {namespace} sets {said}"
    if rid and (read := await _read_configs(ask, rid)):  # what was looked in: "the configmap or the twilio secret?"
        headline += f"; it reads {', '.join(read)}, none with that key"
    if not others and key:
        others = await _held_by(ask, namespace, key) or await _spelled_by(ask, namespace, key)
    if others:
        return ask.answer(f"{headline}; elsewhere in {namespace}: {others[0]}", status="problems", details=others[1:],
                          resources=[rid], next_steps=["Give it the same reference (env valueFrom, or envFrom the same "
                                                       "ConfigMap), then restart or re-create its pods."])
    return ask.answer(f"{headline}, and no other workload in {namespace} does either" if rid else
                      f"{headline}, and no ConfigMap or Secret there holds it", status="answered", resources=[rid] if rid else [])


SETTING_HOLDERS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob")
NAME_MATCH = 0.8  # names.match_score: a stem, a token's start or a close typo of a name or one of its tokens


async def setting_in_words(ask: Ask) -> Answer | None:
    """"whats the dedup window on the normaliser": no env var typed, no form -- the words that name a workload pick it
    (else the conversation's), and the other words must all be parts of one of the env var names it reads
    (DEDUP_WINDOW_SECONDS); None when they are not, so the question gets the usual fallback."""
    words = [w for w in ask.recognised.candidates if len(w) >= 3]
    focus = [r for r in ask.focus if kind_of(r) in REFERENCING_KINDS]
    if len(words) < (1 if focus else 2):  # no word left to name a setting once one names the workload: no listing
        return None
    rows: list[str] = []
    for kind in SETTING_HOLDERS:
        listed = await ask.call("kubernetes", "get_resources", {"kind": kind, "limit": 2000,
                                                                **({"namespace": ask.namespace} if ask.namespace else {})})
        rows += [f"{i['namespace']}/{kind}/{i['name']}" for i in (listed.data or {}).get("items") or []]
    exact = [rid for rid in rows if parse_resource_id(rid)[2] in words]  # "the cache url for reading-normaliser": typed whole
    scored = {rid: sum(s for w in words if (s := match_score(w, parse_resource_id(rid)[2])) >= NAME_MATCH)
              for rid in exact or rows}
    best = max(scored.values(), default=0.0)
    named = [rid for rid, score in scored.items() if best and score == best]
    rid = named[0] if len(named) == 1 else (focus[0] if not named and focus else None)
    if rid is None:
        return None
    setting = [w for w in words if match_score(w, parse_resource_id(rid)[2]) < NAME_MATCH]
    if not setting:
        return None
    lines = await _set_by(ask, rid, None, _matcher(None, [SPELLINGS.get(w, {w.upper()}) for w in setting]))
    if not lines:
        return None
    return ask.answer(lines[0], status="answered", details=lines[1:], resources=[rid])
