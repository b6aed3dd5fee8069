"""Log template mining for the CloudWatch server's `log_patterns` tool.

Given the log events of an analysis window (and optionally of a baseline window before it), group
the lines into templates with Drain3 and say, per template, whether it is `new` (absent from the
baseline), `surged` (its rate grew by at least a factor) or `steady`. New or surged templates that
look like errors come first: that is usually where an incident's story starts.

Pure logic, no boto3: the server fetches events and hands them here as `(timestamp_ms, message)`.

Why not just `drain3.TemplateMiner` with masking instructions? It runs every masking regex over
every line and walks the Drain tree for every line: 8-15k lines/s on the 2-core reference machine,
too slow for the window of a busy service. So two cheap stages sit in front of Drain:
  1. `LineMasker` masks variable fields token by token with a token cache (`status=200` or `GET`
     is masked once, not once per line) and one anchored match for an unseen token, instead of
     nine regex scans over every line; JSON lines are parsed and rendered as `key=value`;
  2. an exact cache from masked line to template, so Drain sees each distinct masked line once.
     Once masked, most lines of a service are repeats of a few hundred strings.
`drain3_config()` is the closest stock configuration (same rules, no JSON or quoted-string
handling); bench/bench_log_patterns.py compares the two.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from drain3.drain import Drain, LogCluster
from drain3.masking import MaskingInstruction
from drain3.template_miner_config import TemplateMinerConfig
from pydantic import BaseModel, Field

Severity = Literal["error", "warning", "info"]
Change = Literal["new", "surged", "steady", "unknown"]
LogEvent = tuple[int, str]  # (timestamp in epoch milliseconds, message)

MAX_MESSAGE_CHARS = 2000  # longer messages are cut before mining; bounds the cost of one line
MAX_SAMPLE_CHARS = 400
SAMPLES_PER_TEMPLATE = 3

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
    """The stock Drain3 configuration equivalent to this module's masking and clustering."""
    config = TemplateMinerConfig()
    config.drain_sim_th = sim_th
    config.masking_instructions = [MaskingInstruction(pattern, name) for name, pattern in MASKING_RULES]
    return config


# ---------------------------------------------------------------------------------------------
# Severity
# ---------------------------------------------------------------------------------------------

# An explicit level field decides: `level=info`, `"level":"error"`, `severity=WARNING`, and klog's
# prefix letter (E0501 12:00:00 ... -- masked to E<NUM>). Otherwise look for words:
# `error\b` and `exception\b` without a leading boundary so ValueError and NullPointerException
# count; `errors=0` and `error_rate` do not.
_LEVEL_FIELD = re.compile(r'(?i)\b(?:level|lvl|severity|loglevel)"?\s*[=:]\s*"?([a-z]+)|^([IWEF])<NUM>\s')
_LEVELS: dict[str, Severity] = {
    **dict.fromkeys(("error", "err", "fatal", "critical", "crit", "panic", "emerg", "alert", "e", "f"), "error"),
    **dict.fromkeys(("warn", "warning", "w"), "warning"),
    **dict.fromkeys(("info", "debug", "trace", "notice", "verbose", "i"), "info"),
}
_ERROR_WORDS = re.compile(
    r"(?i)\b(?:fatal|panic|critical|crit|emerg|err|traceback|segfault)\b|error\b|exception\b"
)
_WARNING_WORDS = re.compile(r"(?i)\bwarn(?:ing)?\b")
_SEVERITY_RANK: dict[str, int] = {"error": 0, "warning": 1, "info": 2}
_CHANGE_RANK: dict[str, int] = {"new": 0, "surged": 1, "steady": 2, "unknown": 3}


def guess_severity(text: str) -> Severity:
    """The line's level field when it has one, else a guess from level words and exception
    markers: logs share no severity field."""
    field = _LEVEL_FIELD.search(text)
    if field is not None:
        level = _LEVELS.get((field.group(1) or field.group(2)).lower())
        if level is not None:
            return level
    if _ERROR_WORDS.search(text):
        return "error"
    if _WARNING_WORDS.search(text):
        return "warning"
    return "info"


# ---------------------------------------------------------------------------------------------
# Result models
# ---------------------------------------------------------------------------------------------


class WindowSummary(BaseModel):
    start_ms: int
    end_ms: int
    lines: int


class LogTemplate(BaseModel):
    template_id: str = Field(description="hash of the template text: same text, same id")
    template: str
    severity: Severity
    change: Change = Field(description="new: absent from the baseline; surged: rate ratio at least "
                           "the surge factor; steady: neither; unknown: no baseline was given")
    count: int
    baseline_count: int = 0
    rate_ratio: float | None = Field(
        default=None, description="window rate / baseline rate; None when new or without a baseline"
    )
    first_seen: int = Field(description="epoch ms of its first line in the analysis window")
    last_seen: int
    samples: list[str] = Field(default_factory=list, description="raw lines, each cut to 400 chars")


class GoneTemplate(BaseModel):
    """A template of the baseline that is absent from the window, e.g. an error that cleared."""

    template_id: str
    template: str
    severity: Severity
    baseline_count: int


class LogPatternReport(BaseModel):
    window: WindowSummary
    baseline: WindowSummary | None = None
    template_count: int = Field(description="templates in the window, before max_templates")
    templates: list[LogTemplate] = Field(default_factory=list)
    gone: list[GoneTemplate] = Field(default_factory=list)
    truncated: bool = Field(default=False, description="more than max_templates were found")


# ---------------------------------------------------------------------------------------------
# Mining
# ---------------------------------------------------------------------------------------------

_NEVER = 2**63


class _Template:
    """Counts of one Drain cluster. `__slots__`: it is touched once per line."""

    __slots__ = ("cluster", "severity", "count", "baseline_count", "first", "last", "samples")

    def __init__(self, cluster: LogCluster, severity: Severity) -> None:
        self.cluster = cluster
        self.severity = severity
        self.count = 0
        self.baseline_count = 0
        self.first = _NEVER
        self.last = -1
        self.samples: list[str] = []


class PatternMiner:
    """Mines the baseline and the window with one set of clusters, so that a template of the
    window and the same template of the baseline are one object."""

    def __init__(self, sim_th: float = 0.5, max_cached_lines: int = 500_000) -> None:
        self._masker = LineMasker()
        # One Drain tree per severity: an ERROR line must never fold into an INFO template that
        # happens to share half its words -- that would pass a new error off as steady chatter.
        self._drains = {
            severity: Drain(sim_th=sim_th, depth=4, max_children=100, param_str="<*>")
            for severity in _SEVERITY_RANK
        }
        self._by_masked: dict[str, _Template] = {}
        self._by_cluster: dict[tuple[str, int], _Template] = {}
        self._max_cached_lines = max_cached_lines

    def add_baseline(self, events: Iterable[LogEvent]) -> int:
        mask, by_masked, lines = self._masker.mask, self._by_masked, 0
        for _, message in events:
            lines += 1
            if "\n" in message or len(message) > MAX_MESSAGE_CHARS:
                message = headline(message)
            masked = mask(message)
            template = by_masked.get(masked) or self._classify(masked)
            template.baseline_count += 1
        return lines

    def add_window(self, events: Iterable[LogEvent]) -> int:
        mask, by_masked, lines = self._masker.mask, self._by_masked, 0
        for timestamp, message in events:
            lines += 1
            text = message if "\n" not in message and len(message) <= MAX_MESSAGE_CHARS else headline(message)
            masked = mask(text)
            template = by_masked.get(masked) or self._classify(masked)
            template.count += 1
            if timestamp < template.first:
                template.first = timestamp
            if timestamp > template.last:
                template.last = timestamp
            if len(template.samples) < SAMPLES_PER_TEMPLATE:
                template.samples.append(message[:MAX_SAMPLE_CHARS])
        return lines

    def templates(self) -> list[_Template]:
        return list(self._by_cluster.values())

    def _classify(self, masked: str) -> _Template:
        severity = guess_severity(masked)
        cluster, _ = self._drains[severity].add_log_message(masked)
        key = (severity, cluster.cluster_id)
        template = self._by_cluster.get(key)
        if template is None:
            template = self._by_cluster[key] = _Template(cluster, severity)
        if len(self._by_masked) < self._max_cached_lines:
            self._by_masked[masked] = template
        return template


def mine_log_patterns(
    events: Sequence[LogEvent],
    baseline: Sequence[LogEvent] | None = None,
    *,
    window: tuple[int, int] | None = None,
    baseline_window: tuple[int, int] | None = None,
    surge_factor: float = 3.0,
    min_surge_count: int = 5,
    max_templates: int = 50,
    sim_th: float = 0.5,
) -> LogPatternReport:
    """Templates of `events`, each compared with `baseline` when one is given.

    `window` / `baseline_window` are (start_ms, end_ms): pass the ranges that were queried --
    inferred from the first and last event, a quiet window looks shorter and its rates higher.
    A template `surged` when (count / window length) / (baseline count / baseline length) is at
    least `surge_factor` and it has at least `min_surge_count` lines (three lines are no surge).
    """
    if surge_factor <= 1.0:
        raise ValueError(f"surge_factor must be above 1 (got {surge_factor}); 3.0 is a sensible default")
    miner = PatternMiner(sim_th=sim_th)
    # The baseline goes first, so clusters start from the usual shape of the logs.
    baseline_lines = miner.add_baseline(baseline) if baseline is not None else 0
    window_lines = miner.add_window(events)

    w_start, w_end = _span(events, window, "window")
    window_summary = WindowSummary(start_ms=w_start, end_ms=w_end, lines=window_lines)
    baseline_summary = None
    if baseline is not None:
        b_start, b_end = _span(baseline, baseline_window, "baseline_window")
        baseline_summary = WindowSummary(start_ms=b_start, end_ms=b_end, lines=baseline_lines)
    # Floor at one second: a single event (span 0) would otherwise make rates infinite.
    window_s = max(w_end - w_start, 1000) / 1000
    baseline_s = max(b_end - b_start, 1000) / 1000 if baseline_summary else 1.0

    found: list[LogTemplate] = []
    gone: list[GoneTemplate] = []
    for row in _merge_by_text(miner.templates()):
        tid = hashlib.blake2b(row.text.encode(), digest_size=6).hexdigest()
        if row.count == 0:
            gone.append(GoneTemplate(template_id=tid, template=row.text, severity=row.severity,
                                     baseline_count=row.baseline_count))
            continue
        change: Change
        ratio: float | None = None
        if baseline is None:
            change = "unknown"
        elif row.baseline_count == 0:
            change = "new"
        else:
            ratio = round((row.count / window_s) / (row.baseline_count / baseline_s), 3)
            change = "surged" if ratio >= surge_factor and row.count >= min_surge_count else "steady"
        found.append(LogTemplate(
            template_id=tid, template=row.text, severity=row.severity, change=change,
            count=row.count, baseline_count=row.baseline_count, rate_ratio=ratio,
            first_seen=row.first, last_seen=row.last, samples=row.samples,
        ))

    found.sort(key=_priority)
    gone.sort(key=lambda g: (_SEVERITY_RANK[g.severity], -g.baseline_count, g.template))
    return LogPatternReport(
        window=window_summary,
        baseline=baseline_summary,
        template_count=len(found),
        templates=found[:max_templates],
        gone=gone[:10],
        truncated=len(found) > max_templates,
    )


def _span(events: Sequence[LogEvent], given: tuple[int, int] | None, name: str) -> tuple[int, int]:
    if given is not None:
        start, end = given
        if end < start:
            raise ValueError(f"{name} ends ({end}) before it starts ({start}); pass (start_ms, end_ms)")
        return start, end
    if not events:
        return 0, 0
    stamps = [timestamp for timestamp, _ in events]
    return min(stamps), max(stamps)


def _priority(t: LogTemplate) -> tuple[int, int, int, int, str]:
    """New or surged errors and warnings first; then by severity, change and volume."""
    notable = t.change in ("new", "surged") and t.severity != "info"
    return (0 if notable else 1, _SEVERITY_RANK[t.severity], _CHANGE_RANK[t.change], -t.count, t.template)


class _Row:
    __slots__ = ("text", "severity", "count", "baseline_count", "first", "last", "samples")

    def __init__(self, text: str, t: _Template) -> None:
        self.text, self.severity = text, t.severity
        self.count, self.baseline_count = t.count, t.baseline_count
        self.first, self.last, self.samples = t.first, t.last, list(t.samples)


def _merge_by_text(templates: list[_Template]) -> list[_Row]:
    """Fold clusters whose final template text is the same (Drain can generalise two clusters to
    the same tokens) into one row, so a template is never listed twice."""
    rows: dict[str, _Row] = {}
    for t in templates:
        text = t.cluster.get_template()
        row = rows.get(text)
        if row is None:
            rows[text] = _Row(text, t)
            continue
        row.count += t.count
        row.baseline_count += t.baseline_count
        if _SEVERITY_RANK[t.severity] < _SEVERITY_RANK[row.severity]:
            row.severity = t.severity
        row.first, row.last = min(row.first, t.first), max(row.last, t.last)
        row.samples = (row.samples + t.samples)[:SAMPLES_PER_TEMPLATE]
    return list(rows.values())
