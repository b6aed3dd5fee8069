"""Mining log templates with Drain3: each line is masked (log_masking.py), given a severity,
and clustered in the Drain tree of its severity; per template the miner counts the lines of
the baseline and of the analysis window, and keeps the window's first/last timestamps and a few
sample lines. Comparing the two counts is log_patterns.py's job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from drain3.drain import Drain, LogCluster

from .log_masking import MAX_MESSAGE_CHARS, LineMasker, headline

Severity = Literal["error", "warning", "info"]
LogEvent = tuple[int, str]  # (timestamp in epoch milliseconds, message)

MAX_SAMPLE_CHARS = 400
SAMPLES_PER_TEMPLATE = 3

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
SEVERITY_RANK: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


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
# Mining
# ---------------------------------------------------------------------------------------------

_NEVER = 2**63


class MinedTemplate:
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
            for severity in SEVERITY_RANK
        }
        self._by_masked: dict[str, MinedTemplate] = {}
        self._by_cluster: dict[tuple[str, int], MinedTemplate] = {}
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

    def templates(self) -> list[MinedTemplate]:
        return list(self._by_cluster.values())

    def _classify(self, masked: str) -> MinedTemplate:
        severity = guess_severity(masked)
        cluster, _ = self._drains[severity].add_log_message(masked)
        key = (severity, cluster.cluster_id)
        template = self._by_cluster.get(key)
        if template is None:
            template = self._by_cluster[key] = MinedTemplate(cluster, severity)
        if len(self._by_masked) < self._max_cached_lines:
            self._by_masked[masked] = template
        return template
