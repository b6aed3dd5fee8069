"""Waiting on a service that answers slowly on a busy machine: ask again until the condition holds or
a generous deadline passes -- never a timed assertion, only a bound on how long a broken run hangs."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx


def until(condition: Callable[[], Any], what: str, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = condition()
        except httpx.HTTPError as exc:  # a busy service answering slowly: ask again
            last = exc
        else:
            if last:
                return last
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; last: {last!r}")
