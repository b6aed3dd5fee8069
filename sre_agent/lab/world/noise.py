"""Deterministic noise for the lab's telemetry: the same world at the same minute always shows the
same jitter, so a scenario replays identically and tests can rely on its series.

Seeding a `random.Random` from a SHA-256 for every datapoint was a hot spot of scenario loading;
these derive the numbers from a CRC of the key, spread by the splitmix64 finaliser (plenty for
jitter, and stable across processes, unlike `hash()`)."""

from __future__ import annotations

import math
import random
import zlib

_MASK = 2**64 - 1
_SCALE = 1.0 / 2**64


def _mix(value: int) -> int:
    value = (value + 0x9E3779B97F4A7C15) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def _seed(parts: tuple[object, ...]) -> int:
    text = "|".join(map(str, parts)).encode()
    return (zlib.crc32(text) << 32) | zlib.adler32(text)


def key(*parts: object) -> int:
    """A reusable integer key for `parts`, for callers that draw under the same key repeatedly."""
    return _mix(_seed(parts))


def gaussians_at(base: int, step: int) -> tuple[float, float]:
    """Two standard normal draws for step `step` (e.g. a minute) of the series keyed `base`."""
    return _box_muller(_mix(base ^ _mix(step)))


def gaussians(*parts: object) -> tuple[float, float]:
    """Two independent standard normal draws keyed by `parts` (Box-Muller)."""
    return _box_muller(_mix(_seed(parts)))


def _box_muller(first: int) -> tuple[float, float]:
    second = _mix(first)
    radius = math.sqrt(-2.0 * math.log((first + 1) * _SCALE))  # (0, 1]: log() stays finite
    angle = 2 * math.pi * second * _SCALE
    return radius * math.cos(angle), radius * math.sin(angle)


def gauss(*parts: object) -> float:
    return gaussians(*parts)[0]


def stream(*parts: object) -> random.Random:
    """A generator for many draws under one key (seed once, draw many)."""
    return random.Random(_mix(_seed(parts)))
