"""Simulated time for the lab.

The lab's clock is anchored to the wall clock (so CloudWatch windows and `kubectl get` ages look
right to any client) but can be moved: scenario loading rewinds it hours into the past and replays
history minute by minute, and a running lab may go faster than real time so that restarts, backoff
and verification periods pass in seconds instead of minutes."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class SimClock:
    def __init__(self, start: datetime | None = None, speed: float = 0.0) -> None:
        # speed 0 = frozen (only advance() moves time); 1 = real time; 60 = a minute per second.
        self._lock = threading.Lock()
        self._sim_at_mark = start or datetime.now(UTC)
        self._real_at_mark = time.monotonic()
        self._speed = speed

    def now(self) -> datetime:
        with self._lock:
            return self._sim_at_mark + timedelta(
                seconds=(time.monotonic() - self._real_at_mark) * self._speed
            )

    def set(self, when: datetime) -> None:
        with self._lock:
            self._sim_at_mark = when
            self._real_at_mark = time.monotonic()

    def advance(self, delta: timedelta | float) -> datetime:
        seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
        self.set(self.now() + timedelta(seconds=seconds))
        return self.now()

    @property
    def speed(self) -> float:
        return self._speed

    def run_at(self, speed: float) -> None:
        """Change the pace of time from now on without jumping."""
        current = self.now()
        with self._lock:
            self._sim_at_mark = current
            self._real_at_mark = time.monotonic()
            self._speed = speed


def rfc3339(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
