"""The lab's CloudWatch Logs reads a filter pattern of terms as CloudWatch does: all bare or quoted terms, any of the
`?` terms, none of the `-` terms, case-sensitive; JSON and space-delimited patterns match every event (moto's way)."""

from __future__ import annotations

import pytest

from sre_agent.lab.aws.log_filter_patterns import TermFilterPattern


@pytest.mark.parametrize("pattern, message, matches", [
    ("ERROR", "[ERROR 500] boom", True),
    ("ERROR", "error 500", False),  # terms are case-sensitive
    ("ERROR timeout", "ERROR upstream timeout", True),
    ("ERROR timeout", "ERROR refused", False),
    ('"connection refused"', "dial: connection refused", True),
    ('"connection refused"', "connection was refused", False),
    ("?ERROR ?WARN", "WARN slow", True),
    ("?ERROR ?WARN", "INFO ok", False),
    ('?"hit" ?"Ratio"', "cache_hit_ratio=0.04", True),
    ("ERROR -healthcheck", "ERROR healthcheck failed", False),
    ("ERROR -healthcheck", "ERROR db down", True),
    ('{ $.level = "error" }', "anything", True),
    ("", "anything", True),
    (None, "anything", True),
])
def test_terms_match_as_cloudwatch_reads_them(pattern, message, matches):
    assert TermFilterPattern(pattern).matches(message) is matches
