"""Masking log lines for template mining: the variable fields of a line (numbers, ids, IPs,
timestamps, durations, quoted values) become placeholders, so that the lines of one template
become one string; also the headline of a multi-line message and the equivalent stock Drain3
configuration. Pure string work; clustering the masked lines is log_templates.py's job.

Why not just `drain3.TemplateMiner` with masking instructions? It runs every masking regex over
every line and walks the Drain tree for every line: 8-15k lines/s on the 2-core reference machine,
too slow for the window of a busy service. So two cheap stages sit in front of Drain:
  1. `LineMasker` masks variable fields token by token with a token cache (`status=200` or `GET`
     is masked once, not once per line) and one anchored match for an unseen token, instead of
     nine regex scans over every line; JSON lines are parsed and rendered as `key=value`;
  2. an exact cache from masked line to template, so Drain sees each distinct masked line once
     (log_templates.py). Once masked, most lines of a service are repeats of a few hundred strings.
`drain3_config()` is the closest stock configuration (same rules, no JSON or quoted-string
handling); bench/bench_log_patterns.py compares the two.
"""

from __future__ import annotations

import json
import re
from typing import Any

from drain3.masking import MaskingInstruction
from drain3.template_miner_config import TemplateMinerConfig

MAX_MESSAGE_CHARS = 2000  # longer messages are cut before mining; bounds the cost of one line

# ---------------------------------------------------------------------------------------------
# Masking
# ---------------------------------------------------------------------------------------------

# Order is priority: a UUID is masked before its groups look like hex or numbers, a timestamp
# before its parts, a duration before its number. Each pattern carries its own boundaries, so it
# works on a whole line (stock Drain3) as well as inside one token.
MASKING_RULES: tuple[tuple[str, str], ...] = (
    ("UUID", r"(?<![\w-])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])"),
    ("TS", r"(?<!\w)\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?(?!\w)"),
    ("DATE", r"(?<![\w/-])\d{4}[-/]\d\d[-/]\d\d(?![\w/-])"),
    ("TIME", r"(?<![\w:])\d\d:\d\d:\d\d(?:[.,]\d+)?(?![\w:])"),
    ("IP", r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?!\w|\.\w)"),
    ("DUR", r"(?<![\w.])\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h)(?!\w)"),
    ("SIZE", r"(?<![\w.])\d+(?:\.\d+)?(?:[KMGTPE]i?B?|[kK][bB]|B|bytes)(?!\w)"),
    ("HEX", r"(?<!\w)(?:0[xX][0-9a-fA-F]+|(?=[0-9a-fA-F]*[a-fA-F])(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{8,})(?!\w)"),
    # A token of 6+ word characters mixing letters and digits: req_8f3a2b, node-3, us-east-1,
    # payment-api-7d9f8c6b5-x2x7k. Short ones (v1, http2, k8s) stay words.
    ("ID", r"(?<![\w-])(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9][\w-]{5,}(?![\w-])"),
    ("NUM", r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?!\w|\.\w)"),
    # Last resort: digit runs the rules above left (a format nobody foresaw) would make every
    # line its own template. Single digits stay: http2, k8s, ipv4 are words.
    ("NUM", r"\d{2,}"),
)
# One alternation, groups numbered in rule order (the names repeat, so lastindex picks them).
_ANY_RULE = re.compile("|".join(f"({pattern})" for _, pattern in MASKING_RULES))
_RULE_NAMES = tuple(name for name, _ in MASKING_RULES)
# The same rules for one whole value (a fullmatch): boundaries are implied, so the lookarounds
# go, except those that test content. Numbers and hex ids never get here (see _value_kind), and
# only HEX, DUR, SIZE > ID remain as priorities, so the commonest kinds are tried first.
# tests/test_log_patterns.py checks that both rule sets name every value alike.
_VALUE_RULES: tuple[tuple[str, str], ...] = (
    ("TS", r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?"),
    ("IP", r"\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?"),
    ("NUM", r"[-+]?\d+(?:\.\d+)?"),
    ("DUR", r"\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h)"),
    ("SIZE", r"\d+(?:\.\d+)?(?:[KMGTPE]i?B?|[kK][bB]|B|bytes)"),
    ("HEX", r"0[xX][0-9a-fA-F]+"),
    ("UUID", r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
    ("TIME", r"\d\d:\d\d:\d\d(?:[.,]\d+)?"),
    ("DATE", r"\d{4}[-/]\d\d[-/]\d\d"),
    ("ID", r"(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9][\w-]{5,}"),
)
_fullmatch_rule = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _VALUE_RULES)).fullmatch
# Most lines start with a timestamp, always a new token: mask it before splitting the line.
_LEADING_TS = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?(?=\s|$)")
_HAS_DIGIT = re.compile(r"\d")
# Values that rarely repeat: caching their tokens would only churn the token cache. (IDs stay
# cached: pod names, nodes and regions recur on every line.)
_UNIQUE_KINDS = frozenset({"TS", "TIME", "HEX", "UUID", "IP"})
_TRAILING_PUNCTUATION = ".,;:)]}'"
_HEX_CHARS = "0123456789abcdefABCDEF"

# Quoted strings are masked -- except the values of keys that carry the message itself. Masking
# `msg="..."` in logfmt or `"error":"..."` in JSON would fold every line of a service into one
# template and hide exactly the new error we are looking for.
MESSAGE_KEYS = frozenset(
    {"msg", "message", "error", "err", "error_message", "exception", "level", "lvl", "severity",
     "reason", "event", "logger", "component", "method", "path", "route", "url"}
)
_STRING = r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"'  # unrolled: twice as fast as "(?:[^"\\]|\\.)*"
# Every alternative starts with a literal, so the engine skips ahead to the next `"` or `=`.
_QUOTED = re.compile(
    rf'"(?P<jkey>[\w.-]+)"\s*:\s*(?:{_STRING}|(?P<jnum>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(?=\s*[,}}\]]))'
    r'|"(?P<bare>[\w.-]+)"(?=\s*:)'  # a JSON key whose value is an object, list, bool or null
    rf'|=(?P<lval>{_STRING})'  # logfmt key="value"; the key is looked up in _mask_quoted
    rf"|{_STRING}"  # any other quoted string
)


def _mask_quoted(match: re.Match[str]) -> str:
    key = match.group("jkey")
    if key is not None:
        if match.group("jnum") is not None:
            return f'"{key}":<NUM>'
        return match.group(0) if key.lower() in MESSAGE_KEYS else f'"{key}":<STR>'
    if match.group("bare") is not None:
        return match.group(0)
    if match.group("lval") is not None:
        text, start = match.string, match.start()
        key = text[text.rfind(" ", 0, start) + 1 : start].lower()
        return match.group(0) if key in MESSAGE_KEYS else "=<STR>"
    return "<STR>"


def _render_json_value(key: str, value: Any, out: list[str], depth: int) -> None:
    if isinstance(value, str):
        out.append(f"{key}={value}" if key.rpartition(".")[2].lower() in MESSAGE_KEYS else f"{key}=<STR>")
    elif value is True or value is False or value is None:
        out.append(f"{key}={json.dumps(value)}")
    elif isinstance(value, (int, float)):
        out.append(f"{key}=<NUM>")
    elif isinstance(value, dict) and depth < 3:
        for sub_key, sub_value in value.items():
            _render_json_value(f"{key}.{sub_key}", sub_value, out, depth + 1)
    else:
        out.append(f"{key}=<{'LIST' if isinstance(value, list) else 'OBJ'}>")


def render_json_line(line: str) -> str | None:
    """A JSON object log line as `key=value` tokens with values masked (message keys kept), or
    None if the line is not a JSON object. Parsing beats regex here: a JSON line is one or two
    whitespace tokens, so the token stage could not isolate its fields."""
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(record, dict):
        return None
    out: list[str] = []
    for key, value in record.items():
        _render_json_value(str(key), value, out, 0)
    return " ".join(out)


def _mask_rule_name(match: re.Match[str]) -> str:
    return f"<{_RULE_NAMES[match.lastindex - 1]}>"  # type: ignore[operator]


def mask_token(token: str) -> tuple[str, str | None]:
    """Mask one whitespace-free token: `duration_ms=1234` -> (`duration_ms=<NUM>`, "NUM").

    The second item names the rule when one rule masked the whole value, else None."""
    # Most variable tokens are a bare value, `key=value` or a path ending in an id, perhaps with
    # trailing punctuation (`137.`, `10.0.0.7:5432:`). Classifying that value alone is several
    # times cheaper than scanning the token with every rule.
    head, sep, value = token.rpartition("=")
    core = value.rstrip(_TRAILING_PUNCTUATION)
    suffix = value[len(core):]
    if "/" in core:
        path, slash, last = core.rpartition("/")
        if last and not _HAS_DIGIT.search(path):
            head, sep, core = f"{head}{sep}{path}", slash, last
    kind = _value_kind(core)
    if kind is not None:
        return f"{head}{sep}<{kind}>{suffix}", kind
    if not _HAS_DIGIT.search(token):  # every rule needs a digit; most words have none
        return token, None
    return _ANY_RULE.sub(_mask_rule_name, token), None


def _value_kind(value: str) -> str | None:
    """The rule that matches all of `value`, if one does."""
    # Plain numbers and hex ids are most unseen values; str methods decide them without a regex,
    # exactly as the NUM and HEX rules would (decimal digits; 8+ hex chars mixing both).
    if value.isdecimal():
        return "NUM"
    if len(value) >= 8 and not value.strip(_HEX_CHARS) and not value.isalpha():
        return "HEX"
    match = _fullmatch_rule(value)
    return match.lastgroup if match is not None else None


class LineMasker:
    """Masks the variable fields of a log line so that the lines of one template become one
    string: `status=503 duration_ms=1234` -> `status=<NUM> duration_ms=<NUM>`.

    Works token by token with a cache, because the same tokens recur on almost every line; the
    cache is cleared when it reaches `max_tokens`, which bounds memory."""

    def __init__(self, max_tokens: int = 200_000) -> None:
        self._tokens: dict[str, str] = {}
        self._max_tokens = max_tokens

    def mask(self, line: str) -> str:
        first = line[:1]
        if first == "{":
            rendered = render_json_line(line)
            if rendered is not None:
                line = rendered
        elif first.isdigit():
            stamp = _LEADING_TS.match(line)
            if stamp is not None:
                line = "<TS>" + line[stamp.end():]
        if '"' in line:
            line = _QUOTED.sub(_mask_quoted, line)
        get = self._tokens.get
        return " ".join([get(token) or self._mask_new_token(token) for token in line.split()])

    def _mask_new_token(self, token: str) -> str:
        masked, kind = mask_token(token)
        if kind not in _UNIQUE_KINDS:
            if len(self._tokens) >= self._max_tokens:
                self._tokens.clear()
            self._tokens[token] = masked
        return masked


def headline(message: str) -> str:
    """The part of a message that is mined: its first line (for a Python traceback, plus the last
    line, which names the exception), cut at MAX_MESSAGE_CHARS. Mining whole stack traces would
    make every occurrence of one error its own template."""
    if "\n" in message:
        lines = [line for line in message.strip().splitlines() if line.strip()]
        if not lines:
            return ""
        first = lines[0]
        if first.startswith("Traceback") and len(lines) > 1:
            first = f"{first} {lines[-1].strip()}"
        message = first
    return message[:MAX_MESSAGE_CHARS]


def drain3_config(sim_th: float = 0.5) -> TemplateMinerConfig:
    """The stock Drain3 configuration equivalent to this module's masking and log_templates.py's clustering."""
    config = TemplateMinerConfig()
    config.drain_sim_th = sim_th
    config.masking_instructions = [MaskingInstruction(pattern, name) for name, pattern in MASKING_RULES]
    return config
