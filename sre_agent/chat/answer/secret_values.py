""""whats the card processor key in payments-api-card", "whats the textwave api key": a credential's value is never
said (the kubernetes server strips Secret values before anything reads them) -- but where it lives is: the Secret, by
name or by the key names that spell the question's words, its key names, and what reads it."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id, resource_id
from ..ask import Ask
from ..models import Answer
from ..understand.question_words import names_share, question_terms
from ..understand.references import named_exactly
from .config_refs import config_users, references_config
from .objects import pod_spec_of

READERS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job")

CREDENTIAL_WORDS = re.compile(r"\b(api[\s_-]?keys?|keys?|passwords?|passwd|pw|tokens?|secrets?|credentials?|creds|"
                              r"private|cert(ificate)?s?|connection[\s_-]?strings?|dsn)\b|[A-Z0-9]_(KEY|TOKEN|PASSWORD|SECRET)\b",
                              re.IGNORECASE)
# a value asked to be said or shown: "whats the X", "print the DATABASE_URL", "give me the token"
VALUE_ASKED = re.compile(r"^\W*(what'?s|what\s+is|print|show|give|paste|send|dump|cat|echo|tell\s+me|read\s+me)\b",
                         re.IGNORECASE)


def credential_value_asked(question: str) -> bool:
    """A credential's value asked for, in the question's opening clause ("whats our alpinewx api key, i want to ...")."""
    head = re.split(r"[,;]|\s-\s", question, maxsplit=1)[0]
    return bool(VALUE_ASKED.search(head) and CREDENTIAL_WORDS.search(head))


SECRET_NAMED = re.compile(r"\b[A-Z][A-Z0-9]*_(URL|URI|DSN|KEY|TOKEN|PASSWORD|SECRET|PASS)\b")
GENERIC = {"key", "keys", "api", "password", "secret", "token", "value", "the", "credential", "cert", "private", "connection",
           "string", "test", "hand"}


def _score(question: str, terms: set[str], row: dict) -> float:
    """How well a Secret matches: its name spelled by the question, else the share of a key's words the question has
    (beyond the generic ones every credential's name carries)."""
    by_name = names_share(question, str(row.get("name") or ""))
    by_key = max((sum(p in terms for p in parts) / len(parts) for key in row.get("keys") or []
                  if (parts := [p for p in str(key).lower().split("_") if p not in GENERIC and len(p) >= 3])), default=0.0)
    return max(by_name, by_key)


async def secret_asked(ask: Ask) -> Answer | None:
    """The Secret a credential question is about, said by its key names (never a value); None when the question asks
    for no credential or names none that exists."""
    chosen = ask.resource if ask.resource and parse_resource_id(ask.resource)[1] == "Secret" else None
    if not CREDENTIAL_WORDS.search(ask.question) and not (chosen or SECRET_NAMED.search(ask.question)):
        return None  # (a value asked of a Secret is a credential's, whatever its key is called: DATABASE_URL)
    rows: list[dict] = []
    if chosen is None:
        # a workload the question names ("the postgres password for submissions-db"): only the Secrets it reads --
        # never a look-alike key of another app's Secret elsewhere
        # (else, when its words name no Secret, the conversation's workload's: "whats our vendor api key" after
        # talking about weather-feed)
        named = await _workload_named(ask)
        talked = next((r for r in ask.focus if parse_resource_id(r)[1] in READERS), None) if not named else None
        terms, best = question_terms(ask.question) - GENERIC, None
        for reader in ([named] if named else [None, *([talked] if talked else [])]):
            namespace = parse_resource_id(reader)[0] if reader else ask.namespace
            listed = await ask.call("kubernetes", "get_resources", {"kind": "Secret", "limit": 2000,
                                                                   **({"namespace": namespace} if namespace else {})})
            items = (listed.data or {}).get("items") or []
            if reader:
                pod_spec = await _pod_spec(ask, reader)
                items = [r for r in items if references_config(pod_spec, "Secret", str(r.get("name")))]
            scored = sorted(((_score(ask.question, terms, r) + (1.0 if reader else 0.0), r) for r in items),
                            key=lambda pair: -pair[0])
            if scored and scored[0][0] > 0:
                best = scored[0][1]
                break
        if best is None:
            return None
        rows = [best]
        chosen = resource_id("Secret", str(rows[0].get("name")), rows[0].get("namespace"))
    namespace, _, name = parse_resource_id(chosen)
    if not rows:
        listed = await ask.call("kubernetes", "get_resources", {"kind": "Secret", "namespace": namespace or "default"})
        rows = [r for r in (listed.data or {}).get("items") or [] if r.get("name") == name]
    keys = list((rows[0] if rows else {}).get("keys") or [])
    users, how = await config_users(ask, chosen)
    return ask.answer(f"Not shown: a credential's value never leaves the cluster -- it lives in Secret {chosen}"
                      + (f" (keys {', '.join(keys)})" if keys else ""), status="answered", resources=[chosen, *users[:3]],
                      details=how[:4] or [f"nothing in namespace {namespace} reads {name} from its pod template"],
                      next_steps=[f"Whoever may read it: kubectl get secret {name} -n {namespace} -o jsonpath='{{.data}}' "
                                  "(base64), under your own access"])


async def _workload_named(ask: Ask) -> str | None:
    """A workload one of the question's words names exactly, if any."""
    for word in ask.recognised.candidates[:5]:
        found = await named_exactly(ask, word, kinds=list(READERS))
        if found:
            return found
    return None


async def _pod_spec(ask: Ask, workload: str) -> dict:
    """The pod spec a workload's pods are made from (a CronJob's through its job template)."""
    namespace, kind, name = parse_resource_id(workload)
    described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "namespace": namespace})
    return pod_spec_of(kind or "", (described.data or {}).get("object") or {})
