"""A Secret refreshed with a value only a person has: "put the current password in results-api-db and restart
results-api", "update marlow-registry with the current harbor robot secret". Chat never reads or writes a Secret's
values, so the pinned step is the edit a human makes with the value they hold -- the keys it has said, and the key
the request names when one is. Never a key named "current": the words say which value, not which key."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from .plans import BY_HAND, Plan

# a value the request says only a person has now: the current/new/rotated password, token, robot secret, key
CURRENT_VALUE = re.compile(r"\b(current|new|rotated|latest|right|correct|fresh|valid|updated|real)\s+(?:[\w-]+\s+){0,3}?"
                           r"(password|passwd|pw|secret|token|credentials?|creds|key|value|login|cert\w*)\b", re.IGNORECASE)
WORD = re.compile(r"[a-z0-9]+")


# a key typed as an identifier (BILLING_DB_PASSWORD, db-password-v2): what a request to add a key names
TYPED_KEY = re.compile(r"(?<![\w.-])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[a-z][a-z0-9]*(?:[-_][a-z0-9]+)+)(?![\w.-])")


def _key_named(question: str, keys: list[str], secret: str = "") -> str | None:
    """The Secret's key the request names: typed as an identifier the Secret does not hold yet (the key to add: "add
    BILLING_DB_PASSWORD back"), else a held key typed whole or all of whose words are said ("the db password" ->
    DB_PASSWORD)."""
    new = [k for k in dict.fromkeys(TYPED_KEY.findall(question)) if k not in keys and k != secret]
    if len(new) == 1 and new[0].isupper():
        return new[0]
    said = set(WORD.findall(question.lower()))
    named = [k for k in keys if k.lower() in question.lower() or set(WORD.findall(k.lower())) <= said]
    return named[0] if len(named) == 1 else None


def secret_refresh_plan(question: str, rid: str, obj: dict) -> Plan | None:
    """The by-hand edit of Secret `rid` with the value a person holds, or None when the request does not ask for one."""
    namespace, kind, name = parse_resource_id(rid)
    if kind != "Secret" or not CURRENT_VALUE.search(question):
        return None
    keys = sorted((obj.get("data") or {}).keys())
    key = _key_named(question, keys, name)
    held = f"its key ({', '.join(keys)})" if len(keys) == 1 else f"the key it holds ({', '.join(keys) or 'none yet'})"
    which = (f"key {key}" + ("" if key in keys else " (a key it does not hold: added)")) if key else held
    notes = ["The value is yours to supply: chat never reads or writes a Secret's values."]  # the restart of what
    # reads it is said beside the plan by the request's own second half (writes.write_request)
    return Plan(BY_HAND, {"kind": "Secret", "name": name, "namespace": namespace or ""},
                f"Secret {name}: put the current value in {which}", f"kubectl -n {namespace} edit secret {name}",
                f"Secret {name} exists (keys {', '.join(keys) or 'none'})", notes)
