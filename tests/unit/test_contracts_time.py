"""contracts.parse_time: the one reader of tool-result timestamps (Kubernetes and AWS), shared by
the brains, the graph, sweeps and chat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from sre_agent.contracts import parse_time


@pytest.mark.parametrize("value, expected", [
    ("2026-11-22T10:00:00Z", datetime(2026, 11, 22, 10, tzinfo=UTC)),
    ("2026-11-22T10:00:00+00:00", datetime(2026, 11, 22, 10, tzinfo=UTC)),
    ("2026-11-22T12:00:00+02:00", datetime(2026, 11, 22, 12, tzinfo=timezone(timedelta(hours=2)))),
    ("2026-11-22T10:00:00", datetime(2026, 11, 22, 10, tzinfo=UTC)),  # naive: the APIs mean UTC
    (datetime(2026, 11, 22, 10), datetime(2026, 11, 22, 10, tzinfo=UTC)),
    ("", None), (None, None), ("yesterday", None), (1732269600, None),
])
def test_timestamps_are_aware_or_absent(value, expected):
    parsed = parse_time(value)
    assert parsed == expected
    assert parsed is None or parsed.tzinfo is not None
