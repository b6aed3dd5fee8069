"""Log template mining for the CloudWatch server's `log_patterns` tool.

Given the log events of an analysis window (and optionally of a baseline window before it), group
the lines into templates with Drain3 and say, per template, whether it is `new` (absent from the
baseline), `surged` (its rate grew by more than a factor) or `steady`. Error-looking templates
that are new or surged come first: that is usually where an incident's story starts.

Pure logic, no boto3: the server fetches events and hands them here as `(timestamp_ms, message)`.

Why not just `drain3.TemplateMiner(config with masking)`? It runs every masking regex over every
line and walks the Drain tree for every line: ~10k lines/s here, too slow for a window of a busy
service. So in front of Drain sit two cheap stages that produce the same templates:
  1. `LineMasker`: masks variable fields token by token with a token cache (a token such as
     `status=200` or `GET` is masked once, not once per line) and a single anchored match for the
     unseen tokens, instead of eight scans over the line;
  2. an exact cache from masked line to template, so Drain only sees each distinct masked line
     once. Once masked, most lines of a service are repeats of a few hundred strings.
`drain3_config()` gives the equivalent stock Drain3 configuration (used by the benchmark to
compare against).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from typing import Literal

from drain3.drain import Drain, LogCluster
from drain3.masking import MaskingInstruction
from drain3.template_miner_config import TemplateMinerConfig
from pydantic import BaseModel, Field

Severity = Literal["error", "warning", "info"]
Change = Literal["new", "surged", "steady", "unknown"]

LogEvent = tuple[int, str]  # (timestamp in epoch milliseconds, message)

# --------------------------------------------------------------------------------------------
# Masking
# --------------------------------------------------------------------------------------------

# Order is priority: a UUID must be masked before its hex groups look like numbers, a timestamp
# before its parts do, a duration before its number. Each pattern carries its own boundaries so
# it can be used both on a whole line (stock Drain3, the benchmark) and inside a token.
MASKING_RULES: tuple[tuple[str, str], ...] = (
    ("UUID", r"(?<![\w-])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])"),
    ("TS", r"(?<!\w)\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?(?!\w)"),
    ("DATE", r"(?<![\w/-])\d{4}[-/]\d\d[-/]\d\d(?![\w/-])"),
    ("TIME", r"(?<![\w:])\d\d:\d\d:\d\d(?:[.,]\d+)?(?![\w:])"),
    ("IP", r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?!\w|\.\w)"),
    ("DUR", r"(?<![\w.])\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h)(?!\w)"),
    ("HEX", r"(?<!\w)(?:0[xX][0-9a-fA-F]+|(?=[0-9a-fA-F]*[a-fA-F])(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{8,})(?!\w)"),
    # Ids: a token of 6+ word characters mixing letters and digits (req_8f3a2b, pod name
    # payment-api-7d9f8c6b5-x2x7k, node-3, us-east-1). Short ones (v1, http2, k8s) stay words.
    ("ID", r"(?<![\w-])(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9][\w-]{5,}(?![\w-])"),
    ("NUM", r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?!\w|\.\w)"),
)

_ANY_RULE = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in MASKING_RULES))
_HAS_DIGIT = re.compile(r"\d")

# Quoted strings are masked -- except the values of keys that carry the message itself. Masking
# `msg="..."` in logfmt or `"error":"..."` in JSON would fold every line of a service into one
# template and hide exactly the new error we are looking for. JSON numbers are masked in the same
# pass: a JSON line is one or two whitespace tokens, so the token stage cannot isolate them.
# Every alternative starts with a literal character so the regex engine can skip ahead to the
# next `"` or `=` instead of trying each position.
_QUOTED = re.compile(
    r'"(?P<jkey>[\w.-]+)"\s*:\s*(?:"(?:[^"\\\n]|\\.)*"|(?P<jnum>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(?=\s*[,}\]]))'
    r'|"(?P<bare>[\w.-]+)"(?=\s*:)'  # a JSON key whose value is an object, list, bool or null
    r'|=(?P<lval>"(?:[^"\\\n]|\\.)*")'  # logfmt key="value"; the key is found in _mask_quoted
    r'|"(?:[^"\\\n]|\\.)*"'  # any other quoted string
)
MESSAGE_KEYS = frozenset(
    {"msg", "message", "error", "err", "error_message", "exception", "level", "lvl", "severity",
     "reason", "event", "logger", "component", "method", "path", "route", "url"}
)

MAX_MESSAGE_CHARS = 2000  # longer messages are cut before mining; bounds the cost of one line


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


def _mask_rule_name(match: re.Match[str]) -> str:
    return f"<{match.lastgroup}>"


class LineMasker:
    """Masks the variable fields of a log line so that lines of one template become one string.

    Works token by token (whitespace-separated) with a cache, because the same tokens recur on
    almost every line; the cache is cleared when it reaches `max_tokens` to bound memory."""

    def __init__(self, max_tokens: int = 200_000) -> None:
        self._tokens: dict[str, str] = {}
        self._max_tokens = max_tokens

    def mask(self, line: str) -> str:
        if '"' in line:
            line = _QUOTED.sub(_mask_quoted, line)
        get = self._tokens.get
        return " ".join([get(token) or self._mask_new_token(token) for token in line.split()])

    def _mask_new_token(self, token: str) -> str:
        masked, kind = mask_token(token)
        # Timestamps, hashes, UUIDs and addresses rarely repeat: caching them would only churn
        # the cache. Everything else (words, `status=200`, small counts) is worth keeping.
        if kind not in _UNIQUE_KINDS:
            if len(self._tokens) >= self._max_tokens:
                self._tokens.clear()
            self._tokens[token] = masked
        return masked


_UNIQUE_KINDS = frozenset({"TS", "TIME", "HEX", "UUID", "IP", "ID"})
_fullmatch_rule = _ANY_RULE.fullmatch


def mask_token(token: str) -> tuple[str, str | None]:
    """Mask one whitespace-free token, e.g. `duration_ms=1234` -> (`duration_ms=<NUM>`, "NUM").

    The second item names the rule when a single rule masked the token's value, else None."""
    # Most variable tokens are a bare value, `key=value` or a path ending in an id: one anchored
    # match on the value is several times cheaper than scanning the token with every rule.
    head, sep, value = token.rpartition("=")
    match = _fullmatch_rule(value)
    if match is not None:
        return f"{head}{sep}<{match.lastgroup}>", match.lastgroup
    if not _HAS_DIGIT.search(token):  # every rule needs a digit; most words have none
        return token, None
    head, sep, value = token.rpartition("/")
    if sep and not _HAS_DIGIT.search(head):
        match = _fullmatch_rule(value)
        if match is not None:
            return f"{head}{sep}<{match.lastgroup}>", match.lastgroup
    return _ANY_RULE.sub(_mask_rule_name, token), None


def headline(message: str) -> str:
    """The part of a message that is mined: the first line (plus, for a Python traceback, the
    last line, which names the exception), cut at MAX_MESSAGE_CHARS. Stack frames would make
    every occurrence of one error its own template."""
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


# --------------------------------------------------------------------------------------------
# Severity
# --------------------------------------------------------------------------------------------

_ERROR_WORDS = re.compile(
    r"(?i)\b(?:fatal|panic|critical|crit|emerg|err|traceback|segfault)\b|error\b|exception\b"
)
_WARNING_WORDS = re.compile(r"(?i)\b(?:warn|warning)\b")
_SEVERITY_RANK: dict[str, int] = {"error": 0, "warning": 1, "info": 2}
_CHANGE_RANK: dict[str, int] = {"new": 0, "surged": 1, "steady": 2, "unknown": 3}


def guess_severity(text: str) -> Severity:
    """A guess from level words and exception markers; logs have no common severity field."""
    if _ERROR_WORDS.search(text):
        return "error"
    if _WARNING_WORDS.search(text):
        return "warning"
    return "info"


# --------------------------------------------------------------------------------------------
# Result models
# --------------------------------------------------------------------------------------------


class WindowSummary(BaseModel):
    start_ms: int
    end_ms: int
    lines: int


class LogTemplate(BaseModel):
    template_id: str = Field(description="hash of the template text; equal text, equal id")
    template: str
    severity: Severity
    change: Change = Field(description="new: absent from the baseline; surged: rate ratio >= surge "
                           "factor; steady: neither; unknown: no baseline was given")
    count: int
    baseline_count: int = 0
    rate_ratio: float | None = Field(
        default=None, description="window rate / baseline rate; None when new or without baseline"
    )
    first_seen: int = Field(description="epoch ms, first line in the analysis window")
    last_seen: int
    samples: list[str] = Field(default_factory=list, description="raw lines, cut to 400 chars")


class GoneTemplate(BaseModel):
    """A template seen in the baseline but not in the window (e.g. an error that cleared)."""

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
    truncated: bool = False


# --------------------------------------------------------------------------------------------
# Mining
# --------------------------------------------------------------------------------------------

MAX_SAMPLE_CHARS = 400
_WINDOW, _BASELINE = 0, 1


class _Template:
    """Counts for one Drain cluster, per window. `__slots__` because it is touched per line."""

    __slots__ = ("cluster", "severity", "counts", "first", "last", "samples")

    def __init__(self, cluster: LogCluster, severity: Severity) -> None:
        self.cluster = cluster
        self.severity = severity
        self.counts = [0, 0]
        self.first: int | None = None
        self.last: int | None = None
        self.samples: list[str] = []


class PatternMiner:
    """Mines templates over one or more windows with one shared set of clusters, so that a
    template of the window and the same template of the baseline are the same object."""

    def __init__(self, sim_th: float = 0.5, max_cached_lines: int = 500_000) -> None:
        self._masker = LineMasker()
        # One Drain per severity: an ERROR line must never be folded into an INFO template that
        # happens to share half its words -- that would hide a new error as steady chatter.
        self._drains: dict[str, Drain] = {
            severity: Drain(sim_th=sim_th, depth=4, max_children=100, param_str="<*>")
            for severity in _SEVERITY_RANK
        }
        self._by_masked: dict[str, _Template] = {}
        self._by_cluster: dict[tuple[str, int], _Template] = {}
        self._max_cached_lines = max_cached_lines

    def add(self, events: Iterable[LogEvent], which: int) -> int:
        """Feed events of window `which` (_WINDOW or _BASELINE); returns how many were read."""
        mask = self._masker.mask
        by_masked = self._by_masked
        lines = 0
        for timestamp, message in events:
            lines += 1
            text = message if "\n" not in message and len(message) <= MAX_MESSAGE_CHARS else headline(message)
            masked = mask(text)
            template = by_masked.get(masked)
            if template is None:
                template = self._classify(masked)
            template.counts[which] += 1
            if which == _WINDOW:
                if template.first is None or timestamp < template.first:
                    template.first = timestamp
                if template.last is None or timestamp > template.last:
                    template.last = timestamp
                if len(template.samples) < 3:
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


def _span(events: Sequence[LogEvent], window: tuple[int, int] | None) -> tuple[int, int]:
    if window is not None:
        start, end = window
        if end < start:
            raise ValueError(f"window end {end} is before its start {start}; pass (start_ms, end_ms)")
        return start, end
    if not events:
        return 0, 0
    stamps = [timestamp for timestamp, _ in events]
    return min(stamps), max(stamps)


def _template_id(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


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
    """Templates of `events`, compared with `baseline` when given.

    `window` / `baseline_window` are (start_ms, end_ms); pass the ranges that were queried --
    inferred from the first and last event they understate a quiet window and overstate rates.
    A template is `surged` when (count / window length) / (baseline count / baseline length) is at
    least `surge_factor` and it has at least `min_surge_count` lines (three lines are not a surge).
    """
    if surge_factor <= 1.0:
        raise ValueError(f"surge_factor must be > 1 (got {surge_factor}); 3.0 is a sensible default")
    miner = PatternMiner(sim_th=sim_th)
    # Baseline first: clusters then start from the normal shape of the logs.
    baseline_lines = miner.add(baseline, _BASELINE) if baseline is not None else 0
    window_lines = miner.add(events, _WINDOW)

    w_start, w_end = _span(events, window)
    window_summary = WindowSummary(start_ms=w_start, end_ms=w_end, lines=window_lines)
    baseline_summary = None
    if baseline is not None:
        b_start, b_end = _span(baseline, baseline_window)
        baseline_summary = WindowSummary(start_ms=b_start, end_ms=b_end, lines=baseline_lines)
    # A window shorter than a second (or a single event) would make rates meaningless.
    window_s = max(w_end - w_start, 1000) / 1000.0
    baseline_s = max(b_end - b_start, 1000) / 1000.0 if baseline_summary else 1.0

    merged = _merge_by_text(miner.templates())
    found: list[LogTemplate] = []
    gone: list[GoneTemplate] = []
    for text, severity, counts, first, last, samples in merged:
        count, baseline_count = counts
        tid = _template_id(text)
        if count == 0:
            gone.append(GoneTemplate(template_id=tid, template=text, severity=severity,
                                     baseline_count=baseline_count))
            continue
        change: Change
        ratio: float | None = None
        if baseline is None:
            change = "unknown"
        elif baseline_count == 0:
            change = "new"
        else:
            ratio = round((count / window_s) / (baseline_count / baseline_s), 3)
            change = "surged" if ratio >= surge_factor and count >= min_surge_count else "steady"
        found.append(LogTemplate(
            template_id=tid, template=text, severity=severity, change=change, count=count,
            baseline_count=baseline_count, rate_ratio=ratio, first_seen=first, last_seen=last,
            samples=samples,
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


def _priority(t: LogTemplate) -> tuple[int, int, int, int, str]:
    """New or surged errors and warnings first; then by severity, change and volume."""
    notable = t.change in ("new", "surged") and t.severity != "info"
    return (0 if notable else 1, _SEVERITY_RANK[t.severity], _CHANGE_RANK[t.change], -t.count, t.template)


def _merge_by_text(templates: list[_Template]):
    """Fold clusters that ended with the same template text (possible across severities' trees
    or after Drain generalised two clusters to the same tokens) into one row."""
    rows: dict[str, list] = {}
    for t in templates:
        text = t.cluster.get_template()
        row = rows.get(text)
        if row is None:
            rows[text] = [text, t.severity, list(t.counts), t.first, t.last, list(t.samples)]
            continue
        row[2] = [row[2][0] + t.counts[0], row[2][1] + t.counts[1]]
        if _SEVERITY_RANK[t.severity] < _SEVERITY_RANK[row[1]]:
            row[1] = t.severity
        if t.first is not None:
            row[3] = t.first if row[3] is None else min(row[3], t.first)
            row[4] = t.last if row[4] is None else max(row[4], t.last)
        row[5] = (row[5] + t.samples)[:3]
    return [tuple(row) for row in rows.values()]
