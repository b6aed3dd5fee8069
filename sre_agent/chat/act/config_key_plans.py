"""A key put (back) into a Secret or ConfigMap, as a request says it: "add ticket-signing-key back into wallet-keys",
"put DB_PASSWORD back", "put 20 back in the settings" -- the key named, typed as a variable, or the one empty key a value
said goes back to. Its value is a human's (chat never reads a Secret's values)."""

from __future__ import annotations

import json
import re

from ...contracts import MASK, parse_resource_id
from ...graph.endpoint_fixes import in_place_command
from .hand_edits import env_change, held_key_said
from .plans import BY_HAND, Plan

KEY_SHAPED = re.compile(r"[_.\-]|[A-Z]|[a-z]\d|\d[a-z]")
KEY_RESTORED = re.compile(r"\b(?:add|put|restore|re-?add|recreate|re-create)\s+(?:the\s+)?(?:key\s+)?(?P<key>[\w.-]+)", re.IGNORECASE)


# "back to port 3306", "back to :3306": a URL's port said alone
PORT_SAID = re.compile(r"(?:\bport\s+|(?<![\w/.@]):)(?P<port>\d{2,5})\b", re.IGNORECASE)
URL_PORT = re.compile(r"(\w+://[^/:\s]+):\d+")


HOST_PORT = re.compile(r"(?:@|://)(?P<host>[^/:@\s]+):(?P<port>\d+)")  # the host:port after the credentials, if any


# a host said alone, with its port or not ("inventory-db:5432", "orders-db.data", "db"): no scheme, no path
HOST_SAID = re.compile(r"(?P<host>[a-z0-9][a-z0-9.-]*[a-z0-9])(?::(?P<port>\d{2,5}))?", re.IGNORECASE)
CLUSTER_SUFFIX = re.compile(r"^[a-z0-9-]+(?P<rest>(\.[a-z0-9-]+)?\.svc(\.cluster\.local)?)$", re.IGNORECASE)


def _in_cluster_host(said: str, current: str) -> str:
    """A Service's short name said where the URL holds an in-cluster name ("inventory-db" for
    "inventory-db-pooler.inventory.svc.cluster.local"): the short name with the current namespace and suffix -- a short
    name alone resolves only in the reader's own namespace."""
    suffix = CLUSTER_SUFFIX.match(current)
    return f"{said}{suffix.group('rest')}" if "." not in said and suffix else said


def _in_place(rid: str, key: str, edit: dict[str, str], current: str, part: str) -> Plan:
    """A part of a ConfigMap's URL whose credentials chat was never shown ("postgres://***redacted***@db:6432/rx"):
    changed where it lies -- the one part that changes, as an edit (graph/endpoint_fixes.py) set_config_value applies to
    the real value on the server; the password untouched and unseen. `part`: "host" or "port"."""
    namespace, kind, name = parse_resource_id(rid)
    return Plan("set_config_value", {"namespace": namespace or "", "name": name, "key": key, "edit": edit,
                                     "reason": f"{part} of {key} -> {edit['replace']}"},
                f"{kind} {name}: key {key}: {edit['find']} -> {edit['replace']} (the rest, credentials included, unchanged)",
                in_place_command(namespace, kind, name, key, edit), f"key {key} present",
                [f"{key} carries credentials chat is never shown ({current[:60]}...): only {edit['find']} changes, in place",
                 "Pods that read it by env pick it up when they restart."])


def _port_in_place(rid: str, key: str, port: str, current: str) -> Plan:
    """The port of a URL whose credentials chat was never shown, changed in place."""
    shown = HOST_PORT.search(current)
    host, was = (shown.group("host"), shown.group("port")) if shown else ("", "")
    return _in_place(rid, key, {"find": f"{host}:{was}", "replace": f"{host}:{port}"}, current, "port")


def config_key_plan(question: str, rid: str, obj: dict) -> Plan | str:
    """"add ticket-signing-key back into wallet-keys": a key put (back) into a Secret or ConfigMap. Its value is a
    human's (chat never reads a Secret's values), so the command carries a placeholder."""
    namespace, kind, name = parse_resource_id(rid)
    match = KEY_RESTORED.search(question)
    keys = sorted({*(obj.get("data") or {}), *(obj.get("stringData") or {})})
    # "put DB_PASSWORD back", "set STOCK_URL to http://x:8080": the key typed as a variable; "set max_connections back to
    # 300": a key the object holds, named in any case
    variable = env_change(question) or (held_key_said(question, keys) if kind == "ConfigMap" else None)
    if match is None and variable is None:
        return f"Say the key to add to {rid} (e.g. 'add db-password back into {name}')"
    key = variable[0] if variable else match.group("key") if match else ""
    # a ConfigMap's value said in the request is the patch's; a Secret's stays a placeholder (chat never carries one)
    value = variable[1] if variable and variable[1] and kind == "ConfigMap" else "<value>"
    if not variable and key not in keys and not KEY_SHAPED.search(key):
        # "put 20 back in the settings", "put the old key back": a value or a plain word, never a key's name -- a value
        # said goes back where the ConfigMap holds nothing now (one empty key); else the key is asked for
        empty = [k for k, v in (obj.get("data") or {}).items() if not str(v).strip()]
        if kind != "ConfigMap" or not re.fullmatch(r"[\w.:/-]+", key) or not key[0].isdigit() or len(empty) != 1:
            return f"Say the key to set in {rid} by its name (keys now: {', '.join(keys) or 'none'})"
        key, value = empty[0], key
    if kind == "ConfigMap" and (port := PORT_SAID.search(question)) and \
            value in ("<value>", "port", port.group("port"), f":{port.group('port')}"):
        # "set BILLING_API_URL back to port 8080": the URL it holds with that port, never the word "port"
        current = str((obj.get("data") or {}).get(key) or "")
        if not URL_PORT.search(current):
            return f"{key} in {rid} is {current or 'empty'}: say its whole value (it carries no port to change)"
        if MASK in current and HOST_PORT.search(current):
            return _port_in_place(rid, key, port.group("port"), current)
        value = URL_PORT.sub(lambda m: f"{m.group(1)}:{port.group('port')}", current, count=1)
    elif kind == "ConfigMap" and value != "<value>" and (host := HOST_SAID.fullmatch(value)) and \
            (where := HOST_PORT.search(current := str((obj.get("data") or {}).get(key) or ""))):
        # "point DB_URL back at inventory-db:5432": a host (and port) said for a URL the key holds -- that part of the
        # URL, never the whole value replaced by it (its scheme, user and database kept)
        said = _in_cluster_host(host.group("host"), where.group("host"))
        edit = {"find": f"{where.group('host')}:{where.group('port')}", "replace": f"{said}:{host.group('port') or where.group('port')}"}
        if MASK in current:
            return _in_place(rid, key, edit, current, "host")
        value = current.replace(edit["find"], edit["replace"], 1)
    field_name = "stringData" if kind == "Secret" else "data"
    patch = json.dumps({field_name: {key: value}})
    return Plan(BY_HAND, {"kind": kind, "name": name, "namespace": namespace or "", "key": key},
                f"{kind} {name}: {'set' if key in keys else 'add'} key {key}"
                + (f" to {value}" if value != "<value>" else "") + f" (keys now: {', '.join(keys) or 'none'})",
                f"kubectl patch {kind.lower()} {name} -n {namespace} --type merge -p '{patch}'",
                f"key {key} {'present' if key in keys else 'absent'}",
                [*([f"The value is a human's to supply (replace <value>); chat never reads {kind} values."]
                   if value == "<value>" else []), "Pods that read it by env pick it up when they restart."])
