"""Secret-shaped values, found and masked wherever they sit in a tool result.

The registry runs `redact_payload` over every tool result of the three servers before it leaves
(structured content and, because the text is the same object's JSON, the text too) and over error
messages, unless the server was started with --allow-sensitive-data-access. A tool never has to
remember it: this module is the one place that knows what a secret looks like.

Two kinds of evidence, both kept as data below:
  * **names** -- a value whose key (dict key, `{name, value}` pair, `--flag value` argument,
    `key=value` / `key: value` / `"key": "value"` inside text) looks secret: PASSWORD, DB_PASS,
    api_key, X-Amz-Signature, vault...agent-inject-token. The name is split into words and judged
    by words, so `secretName`, `secretKeyRef`, `token_ttl`, `next_token` and `PASSWORD_FILE` (names
    of or facts about a secret, which a diagnosis needs) stay readable.
  * **shapes** -- values recognisable with no name at all: PEM private keys, URL user-info, JWTs,
    bearer/basic credentials, AWS access key ids, GitHub/Slack/Stripe/Google tokens, the user and
    password of a `;`-separated connection string.
There is deliberately no generic high-entropy detector: image digests, UIDs, resourceVersions,
trace and request ids and pod-name hashes are all random-looking and must survive, because a
diagnosis is made of them (tests/unit/mcp/test_redaction.py keeps both lists)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MASK = "***redacted***"

# ---- names ----------------------------------------------------------------------------------------
# A name is secret when one of its words is one of these...
SECRET_WORDS = frozenset({
    "password", "passwd", "passphrase", "pass", "pwd", "secret", "token", "apikey", "privatekey", "accesskey",
    "secretkey", "credential", "credentials", "creds", "auth", "authorization", "signature", "hmac", "jwt", "cookie",
})
# ...or it ends in "key" after another word (API_KEY, STRIPE_KEY, signing-key), unless that word makes
# it a lookup or public key (partition_key, PUBLIC_KEY)...
KEY_WORD = "key"
NOT_SECRET_BEFORE_KEY = frozenset({
    "public", "partition", "sort", "primary", "foreign", "cache", "routing", "idempotency", "hash", "range", "group",
    "label", "annotation", "metric", "object", "s3", "map", "lookup", "dedup", "shard", "row", "index", "unique",
    "kms", "dimension", "field", "tag", "config", "configmap", "ssh", "host", "cluster", "node", "sorting",
    "topology",  # a pod (anti-)affinity's or spread constraint's topologyKey: a node label, kubernetes.io/hostname
})
# ...unless its last word says it is about a secret rather than the secret itself (secretName,
# secretKeyRef, PASSWORD_FILE, token_ttl, auth_url), or its first word makes it a cursor (next_token).
ABOUT_A_SECRET = frozenset({
    "name", "names", "ref", "refs", "reference", "id", "ids", "file", "files", "path", "dir", "length", "len",
    "count", "size", "hint", "type", "kind", "arn", "url", "uri", "endpoint", "host", "enabled", "enable",
    "disabled", "required", "expiry", "expires", "expiration", "ttl", "age", "rotation", "rotated", "version",
    "field", "fields", "source", "selector", "mode", "policy", "prefix", "suffix", "present", "missing", "provider",
    "issuer", "audience", "scope", "scopes", "header", "format", "algorithm", "alg", "timeout", "interval",
    "retries", "min", "max", "limit", "status", "valid", "used", "date", "time", "at", "keys", "store", "manager",
    "volume", "mount", "env", "projection", "items", "optional", "namespace", "label", "labels",
})
# Words that make a word secret when they are part of it (PGPASSWORD, MYSQL_ROOTPASSWORD, xApiKey).
SECRET_INFIXES = ("password", "passwd", "passphrase", "apikey", "accesskey", "privatekey", "secretkey")
CURSOR_WORDS = frozenset({"next", "page", "continuation", "pagination", "continue"})
# Values under a secret name that are not secrets: empty, placeholders, references to elsewhere.
_NOT_A_VALUE = re.compile(r"^(|\*+.*|<[^>]*>|\$\{?\w+\}?|\$\(\w+\)|\{\{.*\}\}|true|false|null|none)$",
                          re.IGNORECASE)

_CAMEL = re.compile(r"([a-z0-9])([A-Z])|([A-Z]+)([A-Z][a-z])")
_WORDS = re.compile(r"[a-z0-9]+")


def _split(name: str) -> list[str]:
    spaced = _CAMEL.sub(lambda m: f"{m[1]}_{m[2]}" if m[1] else f"{m[3]}_{m[4]}", name)
    return _WORDS.findall(spaced.lower())


_name_cache: dict[str, bool] = {}


def secret_name(name: str) -> bool:
    """Does a value stored under `name` (an env var, a flag, a config key, a parameter path) look secret?"""
    cached = _name_cache.get(name)
    if cached is not None:
        return cached
    words = _split(name.rsplit("/", 1)[-1] if name.count("/") > 1 else name)  # an SSM path: its last segment
    verdict = bool(words) and words[-1] not in ABOUT_A_SECRET and words[0] not in CURSOR_WORDS and (
        any(w in SECRET_WORDS or any(infix in w for infix in SECRET_INFIXES) for w in words)
        or (words[-1] == KEY_WORD and len(words) > 1 and words[-2] not in NOT_SECRET_BEFORE_KEY))
    # "key" alone names a key (secretKeyRef.key), it is not one; SECRET_KEY, API_KEY are caught above.
    if len(_name_cache) < 50_000:
        _name_cache[name] = verdict
    return verdict


def secret_value(value: str) -> bool:
    """False for what may sit under a secret name without being one: empty, masked, a reference."""
    return not _NOT_A_VALUE.match(value.strip())


# ---- shapes ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Shape:
    """A secret recognisable by itself; `group` names the part replaced by MASK (0 = all of it)."""

    name: str
    pattern: re.Pattern[str]
    group: int | str = 0


def _shape(name: str, pattern: str, group: int | str = 0, flags: int = 0) -> Shape:
    return Shape(name, re.compile(pattern, flags), group)


SHAPES: tuple[Shape, ...] = (
    _shape("pem private key", r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----(?P<body>.*?)(?:-----END [A-Z0-9 ]*-----|\Z)",
           "body", re.DOTALL),
    _shape("url user-info", r"\b[a-zA-Z][a-zA-Z0-9+.\-]*://(?P<userinfo>[^\s/@:'\"]*(?::[^\s/@'\"]*)?)@", "userinfo"),
    _shape("jwt", r"\beyJ[A-Za-z0-9_\-]{4,}\.eyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*"),
    _shape("bearer credentials", r"(?i)\bbearer\s+(?P<cred>(?!\*\*\*)[A-Za-z0-9\-._~+/]{8,}=*)", "cred"),
    # "basic" is common in prose: its credential must look encoded (a digit, +/=, or a capital mid-word)
    _shape("basic credentials", r"\b(?i:basic)\s+(?P<cred>(?=[A-Za-z]*[0-9+/=]|[A-Za-z]*[a-z][A-Z])[A-Za-z0-9+/]{8,}=*)", "cred"),
    _shape("aws access key id", r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
    _shape("github token", r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})\b"),
    _shape("slack token", r"\bxox[abposre]-[A-Za-z0-9\-]{10,}"),
    _shape("slack webhook", r"hooks\.slack\.com/services/(?P<path>[A-Za-z0-9/]{20,})", "path"),
    _shape("stripe key", r"\b[rsp]k_(?:live|test)_[A-Za-z0-9]{16,}\b"),
    _shape("google api key", r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    _shape("openai-style key", r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_\-]{32,}"),
)

# `key=value`, `key: value`, `"key": "value"`, `--key=value` inside text; the key is judged by
# secret_name. A bare value stops at whitespace or a delimiter -- except at the start of a line of a
# file (.env, properties, YAML), where the rest of the line is the value.
_QUOTED_VALUE = r"\"(?P<dq>(?:[^\"\\]|\\.)*)\"|'(?P<sq>[^']*)'"
# The value sits in a lookahead: a match consumes only `key=`, so the search goes on inside a value
# that is not secret (`error="rejected api_key=x"`, `dump: password=x`).
_KEYED = re.compile(
    r"(?P<kq>[\"']?)(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)[\"']?(?P<sep>[ \t]*[:=][ \t]*)"
    rf"(?=(?!\*\*\*)(?!(?i:bearer|basic)\s)(?:{_QUOTED_VALUE}|(?P<bare>[^\s,;&\"'<>(){{}}\[\]]+)))")
_LINE = re.compile(
    r"^(?P<lead>[ \t]*(?:export[ \t]+|-[ \t]+)?)[\"']?(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)[\"']?(?P<sep>[ \t]*[:=][ \t]*)"
    rf"(?!\*\*\*)(?:{_QUOTED_VALUE}|(?P<bare>[^\s\"'|>].*?))[ \t]*,?[ \t]*$", re.MULTILINE)
# `--db-password x` / `-token x` in a command line (a value that is not another flag).
_FLAG_SPACE = re.compile(r"(?<![\w-])(?P<flag>--?[A-Za-z][A-Za-z0-9_.\-]*)[ \t]+(?P<bare>(?!-)(?!\*\*\*)[^\s\"']+)")
# A connection string: `Server=db;User ID=app;Password=x;` -- the user is masked with the password.
# The same for the query of a JDBC-style URL (`?user=app&password=x`).
_CONN_PASSWORD = re.compile(r"(?i)(?:^|[;?&\s])(?:password|pwd)\s*=")
_CONN_USER = re.compile(r"(?i)(?P<key>(?:^|[;?&])\s*(?:user id|userid|uid|user|username)\s*=\s*)(?P<bare>[^;&\s]*)")
# Cheap gates, so most strings skip most patterns (substring tests on the lowercased text: a regex
# alternation costs ~30x more per line). A named secret needs one of these words in its name (see
# SECRET_WORDS, SECRET_INFIXES, KEY_WORD); a shape needs one of these marks.
_NAMED_MARKS = ("pass", "pwd", "secret", "token", "key", "cred", "auth", "signature", "hmac", "jwt", "cookie")
_SHAPE_MARKS = ("@", "-----begin", "eyj", "akia", "asia", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox",
                "hooks.slack", "k_live_", "k_test_", "aiza", "sk-", "bearer", "basic")


def _marks(lowered: str) -> tuple[bool, bool]:
    """(may hold a named secret, may hold a secret shape)."""
    return any(m in lowered for m in _NAMED_MARKS), any(m in lowered for m in _SHAPE_MARKS)


@dataclass
class Redactor:
    """Counts what it masks; one per tool result."""

    count: int = 0

    def text(self, value: str) -> str:
        if len(value) < 6 or not any(_marks(value.lower())):
            return value
        cached = _text_cache.get(value)
        if cached is None:
            cached = _redact_text(value)
            if len(_text_cache) >= _TEXT_CACHE_SIZE:
                _text_cache.clear()  # a crude bound: results repeat the same lines within a call, not across hours
            _text_cache[value] = cached
        self.count += cached[1]
        return cached[0]

    def named(self, name: str, value: str) -> str:
        """`value` stored under `name`: masked whole when the name is secret, else scanned as text."""
        if secret_name(name) and secret_value(value):
            self.count += 1
            return MASK
        return self.text(value)

    def walk(self, value: Any, key: str | None = None) -> Any:
        if isinstance(value, str):
            return self.named(key, value) if key is not None else self.text(value)
        if isinstance(value, dict):
            pair_name = _pair_name(value)
            out: dict[str, Any] = {}
            for k, v in value.items():
                if pair_name is not None and isinstance(v, str) and k in _PAIR_VALUE_KEYS:
                    out[k] = self.named(pair_name, v)
                else:
                    out[k] = self.walk(v, k if isinstance(k, str) else None)
            return out
        if isinstance(value, list):
            return self._sequence(value, key)
        return value

    def _sequence(self, items: list[Any], key: str | None) -> list[Any]:
        """A list (its strings judged by the list's name); in an argument list, the element after a
        secret `--flag` is its value."""
        out: list[Any] = []
        secret_next = False
        for item in items:
            if isinstance(item, str) and secret_next and not item.startswith("-") and secret_value(item):
                out.append(MASK)
                self.count += 1
                secret_next = False
                continue
            secret_next = isinstance(item, str) and _is_secret_flag(item)
            out.append(self.walk(item, key if isinstance(item, str) else None))
        return out


_PAIR_NAME_KEYS = ("name", "Name", "key", "Key")
_PAIR_VALUE_KEYS = frozenset({"value", "Value"})


def _pair_name(obj: dict[str, Any]) -> str | None:
    """The name of a `{name, value}` pair (an env var, an SSM parameter, an AWS tag or dimension)."""
    if not any(k in obj for k in _PAIR_VALUE_KEYS):
        return None
    return next((obj[k] for k in _PAIR_NAME_KEYS if isinstance(obj.get(k), str)), None)


def _is_secret_flag(item: str) -> bool:
    return item.startswith("-") and "=" not in item and " " not in item and secret_name(item.lstrip("-"))


def _secret_span(match: re.Match[str]) -> tuple[int, int] | None:
    """Where the secret value of a `key=value` match is, or None when it holds none."""
    if not secret_name(match["key"]):
        return None
    group = "dq" if match["dq"] is not None else "sq" if match["sq"] is not None else "bare"
    if group == "bare" and match.groupdict().get("kq"):
        return None  # `volume "creds" : secret "x"` is prose; a quoted key's secret value is quoted too (JSON)
    if not secret_value(match[group]):
        return None
    return match.span(group)


def _keyed_sub(match: re.Match[str], counter: list[int]) -> str:
    span = _secret_span(match)
    if span is None:
        return match[0]
    counter[0] += 1
    base = match.start()
    return match[0][: span[0] - base] + MASK + match[0][span[1] - base:]


def _mask_keyed_values(text: str, counter: list[int]) -> str:
    """_KEYED over `text`: its values are in a lookahead, so the spans are replaced here."""
    pieces, done = [], 0
    for match in _KEYED.finditer(text):
        if match.start() < done:
            continue  # inside a value already masked
        if ":" in match["sep"] and match.start() > 0 and text[match.start() - 1] == "/":
            continue  # `registry/pass-predictor:3.2.0`: an image's repository and tag (or host:port), not `key: value`
        span = _secret_span(match)
        if span is not None:
            pieces += [text[done:span[0]], MASK]
            done = span[1]
            counter[0] += 1
    return "".join(pieces) + text[done:] if pieces else text


def _shape_sub(shape: Shape, counter: list[int]) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        start, end = match.span(shape.group)
        if start < 0 or match[shape.group].startswith(MASK) or not match[shape.group]:
            return match[0]
        counter[0] += 1
        base = match.start()
        return match[0][: start - base] + MASK + match[0][end - base:]

    return replace


def _redact_text(text: str) -> tuple[str, int]:
    counter = [0]
    named, shaped = _marks(text.lower())
    if shaped:
        for shape in SHAPES:  # shapes first: `Authorization: Bearer x` keeps the word Bearer
            text = shape.pattern.sub(_shape_sub(shape, counter), text)
    if not named:
        return text, counter[0]
    if _CONN_PASSWORD.search(text):
        text = _CONN_USER.sub(lambda m: _masked_group(m, "bare", counter), text)
    if "\n" in text:
        text = _LINE.sub(lambda m: _keyed_sub(m, counter), text)
    text = _mask_keyed_values(text, counter)
    text = _FLAG_SPACE.sub(lambda m: _flag_sub(m, counter), text)
    return text, counter[0]


def _masked_group(match: re.Match[str], group: str, counter: list[int]) -> str:
    if not match[group].strip() or not secret_value(match[group]):
        return match[0]
    counter[0] += 1
    start, end = match.span(group)
    base = match.start()
    return match[0][: start - base] + MASK + match[0][end - base:]


def _flag_sub(match: re.Match[str], counter: list[int]) -> str:
    if not secret_name(match["flag"].lstrip("-")):
        return match[0]
    return _masked_group(match, "bare", counter)


_TEXT_CACHE_SIZE = 20_000
_text_cache: dict[str, tuple[str, int]] = {}


def redact_text(text: str) -> tuple[str, int]:
    """`text` with every secret-shaped value masked, and how many were."""
    redactor = Redactor()
    return redactor.text(text), redactor.count


def redact_lines(events: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """(timestamp, message) pairs with their messages redacted -- for a tool that derives text from
    raw lines (log templates) before the result reaches the registry's layer. A no-op when the
    server allows sensitive data."""
    if _allow_sensitive_data:
        return events
    redactor = Redactor()
    return [(ts, redactor.text(message)) for ts, message in events]


def redact_payload(payload: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """A tool result (its JSON-ready dump) with every secret-shaped value masked, and how many were."""
    redactor = Redactor()
    return redactor.walk(payload), redactor.count


# ---- the process's policy -------------------------------------------------------------------------
_allow_sensitive_data = False


def set_allow_sensitive_data(allowed: bool) -> None:
    """--allow-sensitive-data-access: results leave unredacted (set once at start from the settings).
    Kubernetes Secret values and SecureString plaintext are still never read (see the README)."""
    global _allow_sensitive_data
    _allow_sensitive_data = allowed


def sensitive_data_allowed() -> bool:
    return _allow_sensitive_data
