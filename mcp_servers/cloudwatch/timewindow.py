"""Time windows as an agent writes them: ISO-8601 (`2026-11-21T10:00:00Z`), relative (`-3h`,
`-90m`, `now-1d`), `now`, or epoch seconds / milliseconds.

Pure functions with `now` passed in, so the rules are testable without a clock: a window must end
after it starts, and must not lie in the future (a small clock skew is tolerated and clamped) --
a window in the future is always a mistake (usually a sign error, `3h` for `-3h`) and would
otherwise come back as an empty, misleading result."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_RELATIVE = re.compile(r"^(?:now)?\s*([+-])\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d|w)$", re.IGNORECASE)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86400, "w": 604800}
FUTURE_SKEW = timedelta(minutes=2)  # clocks disagree a little; beyond this a future time is an error


class TimeWindowError(ValueError):
    pass


def parse_time(text: str | int | float, now: datetime, *, field: str = "time") -> datetime:
    """An aware UTC datetime for `text`; TimeWindowError says what forms are accepted."""
    if isinstance(text, (int, float)):
        return _from_epoch(float(text), field)
    value = text.strip()
    if not value:
        raise TimeWindowError(f"{field} is empty; use ISO-8601 (2026-01-31T12:00:00Z), relative (-3h, -30m) or now")
    if value.lower() == "now":
        return now
    match = _RELATIVE.match(value)
    if match:
        sign, amount, unit = match.groups()
        delta = timedelta(seconds=float(amount) * _UNITS[unit.lower()])
        return now - delta if sign == "-" else now + delta
    if re.fullmatch(r"\d{9,13}(\.\d+)?", value):
        return _from_epoch(float(value), field)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise TimeWindowError(f"{field} {text!r} is not a time; use ISO-8601 (2026-01-31T12:00:00Z), "
                              "relative (-3h, -30m, -2d) or now") from None
    if parsed.tzinfo is None:  # an agent writing a bare timestamp means UTC, as CloudWatch shows it
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _from_epoch(value: float, field: str) -> datetime:
    seconds = value / 1000 if value > 1e11 else value  # milliseconds, as CloudWatch Logs writes them
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise TimeWindowError(f"{field} {value!r} is not a valid epoch time") from None


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    @property
    def start_ms(self) -> int:
        return int(self.start.timestamp() * 1000)

    @property
    def end_ms(self) -> int:
        return int(self.end.timestamp() * 1000)

    def before(self) -> Window:
        """The window of the same length that ends where this one starts (a baseline)."""
        return Window(self.start - (self.end - self.start), self.start)

    def describe(self) -> dict[str, str]:
        return {"start": iso(self.start), "end": iso(self.end)}


def resolve_window(start: str | int | float, end: str | int | float, now: datetime, *,
                   max_span: timedelta | None = None, what: str = "window") -> Window:
    """Parse and check a window: start < end, not in the future, at most `max_span` long."""
    begin = parse_time(start, now, field="start")
    finish = parse_time(end, now, field="end")
    if begin > now + FUTURE_SKEW:
        raise TimeWindowError(f"{what} starts in the future ({iso(begin)}; now is {iso(now)}); "
                              "use a past time such as -1h (note the minus sign)")
    if finish > now + FUTURE_SKEW:
        raise TimeWindowError(f"{what} ends in the future ({iso(finish)}; now is {iso(now)}); use end=now or a past time")
    finish = min(finish, now)
    if begin >= finish:
        raise TimeWindowError(f"{what} start {iso(begin)} is not before its end {iso(finish)}; "
                              "start must be earlier, e.g. start=-3h end=now")
    if max_span is not None and finish - begin > max_span:
        raise TimeWindowError(f"{what} is {_human(finish - begin)} long; the limit is {_human(max_span)} -- "
                              "narrow it")
    return Window(begin, finish)


def iso(when: datetime) -> str:
    """Second-precision UTC ISO-8601 with a Z: short, and how CloudWatch shows times."""
    return when.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def iso_ms(epoch_ms: int | float) -> str:
    return iso(datetime.fromtimestamp(epoch_ms / 1000, UTC))


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
