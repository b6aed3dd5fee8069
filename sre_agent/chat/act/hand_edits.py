"""Change requests pinned from the object read -- a Service's targetPort, an HPA's bounds, an environment
variable on a workload or CronJob, a key of a ConfigMap, a probe -- as the exact kubectl command, with the
state observed when it was planned (the precondition). Pure functions; the caller turns one into a Plan:
a tool's (set_service_target_port, raise_hpa_max) where one makes the change, else a human's command after
approval (BY_HAND_NOTE)."""

from __future__ import annotations

import json
import re
from typing import Any

from ...contracts import parse_resource_id
from ...graph.kubectl_words import KUBECTL_KIND

# An environment variable as people type it: upper case with an underscore (LOG_LEVEL), or any upper-case name
# given a value (PORT=8080) -- an acronym alone (HPA, OOM) is not one.
ENV_ASSIGNMENT = re.compile(r"(?<![\w-])(?P<var>[A-Z][A-Z0-9]*_[A-Z0-9_]+|[A-Z][A-Z0-9_]{2,}(?==))(?:=(?P<value>\"[^\"]*\"|'[^']*'|\S+))?")
# (a word of the sentence is never the port: "set the targetPort back to 7000" is 7000, not "back")
PORT_TARGET = re.compile(r"\b(?:(?:at|to)\s+|target\s*port(?:\s+is\s+|\s*[=:]\s*|\s+))(?:port\s+)?"
                         r"(?P<port>\d{2,5}|(?!(?:to|back|at|the|on|from|of|it|its|"
                         r"port|and|so|again|now|for)\b)[a-z][a-z0-9-]{0,14})\b", re.IGNORECASE)
HPA_BOUND = re.compile(r"\b(?:at|to)\s+(?P<n>\d+)\b", re.IGNORECASE)
# both bounds said: "min 3 max 10", '"minReplicas":3,"maxReplicas":10', "3-10", "3 to 10"
HPA_RANGE_SAID = re.compile(r"\bmin(?:imum|Replicas)?\W{0,3}(?:of\s+|to\s+|=)?(?P<min>\d+)\D{1,16}?\bmax(?:imum|Replicas)?\W{0,3}"
                            r"(?:of\s+|to\s+|=)?(?P<max>\d+)\b", re.IGNORECASE)
HPA_RANGE = re.compile(r"(?<![\w.-])(?P<min>\d{1,3})\s*(?:-|\.\.|to)\s*(?P<max>\d{1,3})(?![\w.%-])")
BY_HAND_NOTE = "No MCP tool makes this change: a human runs the command after approval."
ENV_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job")  # what `kubectl set env` sets


# "set ROUTE_PLANNER_URL back to http://x:8080", "LOG_LEVEL to debug": the value said after the variable
# (or as YAML and shells write it: 'EXIT_GRACE: "15"', a value in quotes)
VALUE_SAID = re.compile(r"(?:\s*:|\s+(?:back\s+)?(?:to|as|:))\s+(?P<value>\"[^\"]*\"|'[^']*'|[^\s'\"]+)", re.IGNORECASE)
# "revert ROSTER_WEEKS_AHEAD in roster-api-config to 6": the object between the variable and its value
VALUE_AFTER_OBJECT = re.compile(r"(?:\s+(?:change|edit|value))?\s+(?:in|on|of)\s+(?:the\s+)?[\w.-]+(?:\s+(?:cm|configmap|"
                                r"config\s*map|secret))?\s+(?:back\s+)?to\s+(?P<value>[^\s'\"]+?)\s*[.!]*\s*$", re.IGNORECASE)


def unquoted(value: str) -> str:
    """A value said in quotes ("15", '15') is the text inside them."""
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'" else value


NOT_VALUES = {"the", "a", "an", "its", "it", "that", "this", "my", "our", "their", "them", "every", "all"}


# =300, :300, " 300", ': "300"'
KEY_VALUE_NEXT = re.compile(r"\s*(?:=|:)\s*(?P<eq>\"[^\"]*\"|'[^']*'|[^\s,'\"]+)|\s+(?P<bare>\d[\w.:/-]*)", re.IGNORECASE)


def held_key_said(question: str, keys: list[str]) -> tuple[str, str | None] | None:
    """(key, value) of a request that names one of the keys a ConfigMap holds, whatever its case or separators
    ("set max_connections back to 300", "put max connections 300 back", "log.level=debug"): the key is grounded in what
    the object holds, never guessed from the word's shape. None when no held key (of four or more letters) is said."""
    for key in sorted(keys, key=len, reverse=True):
        if len(key) < 4:
            continue
        typed = r"[\s_.-]*".join(re.escape(part) for part in re.split(r"[_.-]+", key) if part)
        match = re.search(rf"(?<![\w.-]){typed}(?![\w-])", question, re.IGNORECASE)
        if match is None:
            continue
        said = KEY_VALUE_NEXT.match(question, match.end()) or VALUE_SAID.match(question, match.end()) or \
            VALUE_AFTER_OBJECT.match(question, match.end())
        value = next((v for v in (said.groupdict().values() if said else ()) if v), None)
        return key, unquoted(value.rstrip(".,;")) if value and value.lower() not in NOT_VALUES else None
    return None


def env_change(question: str) -> tuple[str, str | None] | None:
    """The variable a request names, and its value when given (VAR=value, VAR to value, VAR back to value)."""
    match = ENV_ASSIGNMENT.search(question)
    if match is None:
        return None
    value = unquoted(match.group("value")) if match.group("value") else None
    if value is None and (said := VALUE_SAID.match(question, match.end()) or VALUE_AFTER_OBJECT.match(question, match.end())) \
            and said.group("value").lower() not in NOT_VALUES:  # "add X back to the export cronjob": a place, not a value
        value = unquoted(said.group("value").rstrip(".,;"))
    return match.group("var"), value


def service_port_plan(question: str, rid: str, service: dict,
                      declared: frozenset[str] = frozenset()) -> tuple[str, dict[str, Any], str, str, str] | str:
    """(change, args, kubectl, precondition, note) for "point the svc back at 8080", or why it cannot be pinned.
    `declared`: the port names the Service's pods declare -- a name said is one of them ("fix the service to point at
    web": web, never the word "point"); unknown (empty), the first name said."""
    namespace, _, name = parse_resource_id(rid)
    ports = (service.get("spec") or {}).get("ports") or []
    matches = list(PORT_TARGET.finditer(question))  # a number said wins over a name ("to 10000" after "targetport")
    named = [m for m in matches if not m.group("port").isdigit()]
    match = next((m for m in matches if m.group("port").isdigit()), None) or \
        next((m for m in named if not declared or m.group("port") in declared), None)
    if not ports:
        return f"{rid} has no ports to point anywhere"
    if match is None and named and declared:
        return f"Say the port to point {rid} at: its pods declare {', '.join(sorted(declared))}"
    if match is None:
        return f"Say the port to point {rid} at (a number, or a container port's name); now: " + \
            ", ".join(f"{p.get('port')}->{p.get('targetPort', p.get('port'))}" for p in ports)
    wanted: int | str = int(match.group("port")) if match.group("port").isdigit() else match.group("port")
    index = next((i for i, p in enumerate(ports) if p.get("name") and re.search(rf"\b{re.escape(p['name'])}\b", question)), 0)
    current = ports[index].get("targetPort", ports[index].get("port"))
    patch = json.dumps([{"op": "replace", "path": f"/spec/ports/{index}/targetPort", "value": wanted}])
    return (f"Service {name} port {ports[index].get('port')}: targetPort {current} -> {wanted}",
            {"namespace": namespace or "", "name": name, "port": ports[index].get("port"), "target_port": wanted,
             "expect_target_port": current},
            f"kubectl patch service {name} -n {namespace} --type json -p '{patch}'", f"targetPort {current}", BY_HAND_NOTE)


def hpa_plan(question: str, hpa: dict) -> tuple[str, dict[str, Any], str, str, str] | str:
    """"cap the gateway hpa at 5" (maxReplicas), "raise the hpa minimum to 3" (minReplicas)."""
    name, namespace = hpa.get("name"), hpa.get("namespace")
    if both := HPA_RANGE.search(question) or HPA_RANGE_SAID.search(question):
        # "put the hpa back to min 3 max 10", "set the hpa back to 3-10": both bounds, one patch
        low, high = int(both.group("min")), int(both.group("max"))
        if low > high:
            return f"A minimum of {low} above a maximum of {high} is no range; say min first (e.g. 'min 3 max 10')"
        patch = json.dumps({"spec": {"minReplicas": low, "maxReplicas": high}})
        return (f"HPA {name} minReplicas {hpa.get('min')} -> {low}, maxReplicas {hpa.get('max')} -> {high} (it targets "
                f"{hpa.get('target')}; {hpa.get('current')} replicas now)",
                {"namespace": namespace or "", "name": name, "minReplicas": low, "maxReplicas": high,
                 "expect": hpa.get("max")},
                f"kubectl patch hpa {name} -n {namespace} --type merge -p '{patch}'",
                f"minReplicas {hpa.get('min')}, maxReplicas {hpa.get('max')}", BY_HAND_NOTE)
    match = HPA_BOUND.search(question)
    if match is None:
        return f"Say the bound (e.g. 'cap the hpa at 5'); HPA {name} scales {hpa.get('min')}..{hpa.get('max')} now"
    # "minReplicas", "min replicas", "the minimum", "a floor of": the lower bound -- spelled as the field, too
    field = "minReplicas" if re.search(r"\b(min(imum)?(\s*-?\s*replicas)?|floor|at\s+least)\b", question, re.IGNORECASE) \
        else "maxReplicas"
    value = int(match.group("n"))
    patch = json.dumps({"spec": {field: value}})
    current = hpa.get("min") if field == "minReplicas" else hpa.get("max")
    if current == value:  # a no-op is never pinned as a change
        return f"HPA {name}'s {field} is already {value}; nothing to change (it scales {hpa.get('min')}..{hpa.get('max')})"
    return (f"HPA {name} {field} {current} -> {value} (it targets {hpa.get('target')}; {hpa.get('current')} replicas now)",
            {"namespace": namespace or "", "name": name, field: value, "expect": current},
            f"kubectl patch hpa {name} -n {namespace} --type merge -p '{patch}'", f"{field} {current}", BY_HAND_NOTE)


def env_plan(question: str, rid: str, obj: dict, config_refs: list[str]) -> tuple[str, dict[str, Any], str, str, str] | str:
    """"add MARKET_ID back to the export cronjob from that configmap", "set LOG_LEVEL=debug on api": `kubectl set
    env` on a workload or CronJob, or the key of a ConfigMap when the request names one as its object."""
    namespace, kind, name = parse_resource_id(rid)
    change = env_change(question)
    if change is None:
        return "Say the variable (e.g. 'set LOG_LEVEL=debug on it')"
    var, value = change
    if kind == "ConfigMap":
        data = (obj.get("data") or {})
        patch = json.dumps({"data": {var: value or "<value>"}})
        return (f"ConfigMap {name}: key {var} {'set' if var in data else 'added'}",
                {"namespace": namespace or "", "configmap": name, "key": var},
                f"kubectl patch configmap {name} -n {namespace} --type merge -p '{patch}'",
                f"keys {', '.join(sorted(data)) or 'none'}", BY_HAND_NOTE + (" (you supply the value)" if value is None else ""))
    if kind not in ENV_KINDS:
        return f"{rid} is a {kind}; environment variables are set on a workload, a Job or a CronJob"
    target = f"{KUBECTL_KIND[kind]}/{name} -n {namespace}"
    source = next((r for r in config_refs if re.search(r"\b(from|in|out of)\s+(that|the|its)\s+(configmap|secret)\b", question,
                                                      re.IGNORECASE) and r.split("/")[0].lower() in question.lower()), None)
    if value is None and source:
        kind_word, source_name = source.split("/", 1)
        command = f"kubectl set env {target} --from={kind_word.lower()}/{source_name.split(':')[0]} --keys={var}"
    else:
        command = f"kubectl set env {target} {var}={value or '<value>'}"
    return (f"{kind} {name}: env {var}" + (f" from {source}" if source and value is None else f"={value or '<value>'}"),
            {"namespace": namespace or "", "kind": kind, "name": name, "env": var},
            command, f"generation {(obj.get('metadata') or {}).get('generation')}",
            BY_HAND_NOTE + (" (you supply the value)" if value is None and not source else ""))


def config_sources(pod_spec: dict) -> list[str]:
    """The ConfigMaps and Secrets a pod spec reads, as `Kind/name` (env, envFrom, volumes)."""
    found: list[str] = []
    for container in (pod_spec.get("initContainers") or []) + (pod_spec.get("containers") or []):
        for env in container.get("env") or []:
            source = env.get("valueFrom") or {}
            for key, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                if (source.get(key) or {}).get("name"):
                    found.append(f"{kind}/{source[key]['name']}")
        for env_from in container.get("envFrom") or []:
            for key, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                if (env_from.get(key) or {}).get("name"):
                    found.append(f"{kind}/{env_from[key]['name']}")
    for volume in pod_spec.get("volumes") or []:
        if (volume.get("configMap") or {}).get("name"):
            found.append(f"ConfigMap/{volume['configMap']['name']}")
        if (volume.get("secret") or {}).get("secretName"):
            found.append(f"Secret/{volume['secret']['secretName']}")
    return list(dict.fromkeys(found))


PROBE_EDIT = re.compile(r"\b(?P<probe>liveness|readiness|startup)(\s*probe)?(.s)?\s+"
                        r"(?P<field>initial\s*delay(\s*seconds)?|period(\s*seconds)?|timeout(\s*seconds)?|failure\s*threshold|"
                        r"success\s*threshold|path|port)\b.*?\bto\s+(?P<value>\S+)"
                        # "the liveness probe on maintenance-api, set it back to port 8080": the field after "to"
                        r"|\b(?P<probe2>liveness|readiness|startup)\b.*?\bto\s+(?P<field2>path|port)\s+(?P<value2>\S+)"
                        # "tariff-api readiness probe in customer, path /ready": the field and its value, no "to"
                        r"|\b(?P<probe3>liveness|readiness|startup)\b.*?\b(?P<field3>path|port)\s+(?P<value3>/\S*|\d{2,5}\b)"
                        # "set the liveness probe back to /healthz": a value that is a path says its field
                        r"|\b(?P<probe4>liveness|readiness|startup)\b.*?\bto\s+(?P<value4>/\S*)"
                        # "point readiness back to 8080": a four- or five-digit number says a port (never seconds)
                        r"|\b(?P<probe5>liveness|readiness|startup)\b.*?\bto\s+(?P<value5>\d{4,5})\b(?!\s*(s|sec|secs|seconds?|m|min)\b)",
                        re.IGNORECASE)
# a second field said beside the first: "... with a 5 second timeout", "and a timeout of 5s"
TIMEOUT_BESIDE = re.compile(r"\b(?P<n>\d+)\s*(s|sec|secs|seconds?)?\s+timeout\b|"
                            r"\btimeout\s+(of\s+|to\s+)?(?P<m>\d+)\s*(s|sec|secs|seconds?)?\b", re.IGNORECASE)
PROBE_FIELDS = {"initialdelay": "initialDelaySeconds", "period": "periodSeconds", "timeout": "timeoutSeconds",
                "failurethreshold": "failureThreshold", "successthreshold": "successThreshold", "path": "path", "port": "port"}


UNNAMED_PROBE = re.compile(r"\bprobes?\s+(?P<field>timeouts?|ports?|paths?)\b", re.IGNORECASE)
PROBE_KINDS = ("liveness", "readiness", "startup")  # liveness first: the probe that restarts pods
SAID_VALUE = re.compile(r"\b(?:back\s+)?to\s+(\S+)", re.IGNORECASE)


def probe_named(question: str, pod_spec: dict) -> str:
    """"put the probe timeouts back to 5s", "fix the probe port back to 8080" name no probe: for a port or path, the one
    probe whose value is not already the one said ("back to 8080": the probe that moved off it); else the first of the
    kinds the containers have, liveness first (the one that kills pods) -- said as that probe's field, as probe_edit
    reads it."""
    unnamed = UNNAMED_PROBE.search(question)
    if re.search(r"\b(liveness|readiness|startup)\b", question, re.IGNORECASE) or unnamed is None:
        return question
    field = unnamed.group("field").lower().rstrip("s")
    held = [k for k in PROBE_KINDS if any(c.get(f"{k}Probe") for c in pod_spec.get("containers") or [])]
    if field in ("port", "path") and (said := SAID_VALUE.search(question[unnamed.end():])):
        def value(kind: str) -> str:
            probe: dict = next((c[f"{kind}Probe"] for c in pod_spec.get("containers") or [] if c.get(f"{kind}Probe")), {})
            handler: dict = next((probe[h] for h in ("httpGet", "tcpSocket", "grpc") if h in probe), {})
            return str(handler.get(field, ""))
        moved = [k for k in held if value(k) and value(k) != said.group(1).strip(".,;")]
        held = moved if len(moved) == 1 else held
    return UNNAMED_PROBE.sub(f"{held[0]} probe {field}", question, count=1) if held else question


def probe_edit(question: str) -> tuple[str, str, str] | None:
    """(probe, field, value as typed) a probe edit names: ("liveness", "timeoutSeconds", "10s"); field "" when the
    words name none PROBE_FIELDS knows."""
    match = PROBE_EDIT.search(question)
    if match is None:
        return None
    probe = next(match.group(g) for g in ("probe", "probe2", "probe3", "probe4", "probe5") if match.group(g)).lower()
    field = match.group("field") or match.group("field2") or match.group("field3") or (
        "port" if match.group("value5") else "path")
    key = re.sub(r"\s+", "", field.lower().replace("seconds", ""))
    raw = next(match.group(g) for g in ("value", "value2", "value3", "value4", "value5") if match.group(g)).strip(".,;")
    return probe, PROBE_FIELDS.get(key, PROBE_FIELDS.get(key.rstrip("s"), "")), raw


# The probe fields relax_probe changes -- only upwards: more time or more tries.
RELAXABLE = {"timeoutSeconds": "timeout_seconds", "periodSeconds": "period_seconds", "failureThreshold": "failure_threshold"}
PROBE_DEFAULTS = {"timeoutSeconds": 1, "periodSeconds": 10, "failureThreshold": 3}  # what the API server fills in


def probe_relaxation(question: str, pod_spec: dict) -> dict[str, Any] | None:
    """relax_probe's arguments when the request gives a probe more time or more tries on a field it changes; None
    for any other probe edit (a path, a port, a shorter timeout: a human's patch)."""
    if (edit := probe_edit(question)) is None:
        return None
    probe, field, typed = edit
    raw = typed.rstrip("s")
    container = next((c for c in pod_spec.get("containers") or [] if c.get(f"{probe}Probe")), None)
    if field not in RELAXABLE or not raw.isdigit() or container is None:
        return None
    current = int(container[f"{probe}Probe"].get(field) or PROBE_DEFAULTS[field])
    if int(raw) <= current:
        return None
    return {"container": container.get("name"), "probe": probe, RELAXABLE[field]: int(raw)}


def probe_plan(question: str, rid: str, obj: dict, pod_spec: dict) -> tuple[str, dict[str, Any], str, str, str] | str:
    """"set the liveness initialDelaySeconds to 120", "change the readiness path to /healthz": one field of one
    probe of the first container that has it, as a JSON patch on the template (relax_probe makes the changes that
    give a probe more time or tries: see probe_relaxation)."""
    namespace, kind, name = parse_resource_id(rid)
    if (edit := probe_edit(question)) is None:
        return "Say the probe field and its value (e.g. 'set the liveness initialDelaySeconds to 120')"
    word, field, raw = edit
    probe = f"{word}Probe"
    value: int | str = int(raw.rstrip("s")) if raw.rstrip("s").isdigit() else raw
    containers = pod_spec.get("containers") or []
    index = next((i for i, c in enumerate(containers) if c.get(probe)), None)
    if index is None or not field:
        return f"{rid} has no {probe} to change" if index is None else "Say which probe field to change"
    current_probe = containers[index][probe]
    handler = next((h for h in ("httpGet", "tcpSocket", "grpc") if h in current_probe), None)
    inner = field in ("path", "port")
    if inner and handler is None:
        return f"{rid}'s {probe} runs a command: it has no {field}"
    current = (current_probe.get(handler) or {}).get(field) if inner else current_probe.get(field)
    base = "/spec/jobTemplate/spec/template/spec" if kind == "CronJob" else "/spec" if kind == "Pod" else "/spec/template/spec"
    path = f"{base}/containers/{index}/{probe}/" + (f"{handler}/{field}" if inner else field)
    ops = [{"op": "replace" if current is not None else "add", "path": path, "value": value}]
    said = f"{probe}.{field} {current} -> {value}"
    if field != "timeoutSeconds" and (beside := TIMEOUT_BESIDE.search(question)):  # "... with a 5 second timeout"
        seconds, was = int(beside.group("n") or beside.group("m")), current_probe.get("timeoutSeconds")
        ops.append({"op": "replace" if was is not None else "add", "path": f"{base}/containers/{index}/{probe}/timeoutSeconds",
                    "value": seconds})
        said += f", {probe}.timeoutSeconds {was} -> {seconds}"
    patch = json.dumps(ops)
    short = KUBECTL_KIND.get(kind, kind.lower())
    return (f"{kind} {name} container {containers[index].get('name')} {said}",
            {"namespace": namespace or "", "kind": kind, "name": name, "patch": patch},
            f"kubectl patch {short} {name} -n {namespace} --type json -p '{patch}'", f"{probe}.{field} {current}", BY_HAND_NOTE)
