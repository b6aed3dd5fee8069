"""Which setting a crash line says is missing: the upper-case name nearest the line's "variable / not set / missing"
words, never the log severity the line starts with -- read from the line itself, whatever the app's log format."""

from __future__ import annotations

import re

ENV_VAR = re.compile(r"\b([A-Z][A-Z0-9_]{2,})\b")
# Log severities (syslog's and the common loggers'): upper-case words a crash line starts with, never a setting's name.
SEVERITIES = frozenset({"TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "WARNING", "ERR", "ERROR", "CRIT", "CRITICAL", "ALERT",
                        "EMERG", "EMERGENCY", "FATAL", "PANIC", "SEVERE"})
# Words a line uses to say a setting is missing: the upper-case name nearest them is the one it names.
MISSING_CUES = re.compile(r"\b(variable|env|environment|key|setting|config(uration)?|missing|required|not\s+set|unset|"
                          r"undefined|empty)\b", re.IGNORECASE)


def missing_var_names(line: str) -> list[str]:
    """The settings a crash line says are missing, nearest its "variable / not set / missing" words first: "CRITICAL
    chart-api: settings error: environment variable CHART_DB_HOST is required" names CHART_DB_HOST, not the severity."""
    cues = [m.start() for m in MISSING_CUES.finditer(line)]
    found = [(m.start(), m.group(1)) for m in ENV_VAR.finditer(line) if m.group(1) not in SEVERITIES]
    found.sort(key=lambda hit: min((abs(hit[0] - c) for c in cues), default=0))
    return list(dict.fromkeys(name for _, name in found))
