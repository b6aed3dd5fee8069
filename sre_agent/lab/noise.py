"""Deterministic noise for the lab's telemetry: the same world at the same minute always shows the
same jitter, so a scenario replays identically and tests can rely on its series.

Seeding a `random.Random` from a SHA-256 for every datapoint was a hot spot of scenario loading;
these derive the numbers straight from one small BLAKE2 digest."""

from __future__ import annotations

import hashlib
import math
import random
import struct

_SCALE = 1.0 / 2**64


def _digest(parts: tuple[object, ...]) -> bytes:
    return hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=16).digest()


def gaussians(*parts: object) -> tuple[float, float]:
    """Two independent standard normal draws keyed by `parts` (Box-Muller)."""
    a, b = struct.unpack("<QQ", _digest(parts))
    u1 = (a + 1) * _SCALE  # (0, 1]: log() stays finite
    u2 = b * _SCALE
    radius = math.sqrt(-2.0 * math.log(u1))
    return radius * math.cos(2 * math.pi * u2), radius * math.sin(2 * math.pi * u2)


def gauss(*parts: object) -> float:
    return gaussians(*parts)[0]


def stream(*parts: object) -> random.Random:
    """A generator for many draws under one key (seed once, draw many)."""
    return random.Random(int.from_bytes(_digest(parts)[:8], "little"))
