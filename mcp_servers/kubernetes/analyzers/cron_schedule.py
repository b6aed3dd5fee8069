"""CronJob schedule validation with the rules of robfig/cron's ParseStandard, the parser the
CronJob controller (and k8sgpt's CronJob analyzer) uses: five fields, @descriptors, @every; and the
times a valid five-field schedule fires (in UTC, as the controller reads a schedule without TZ=)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta

_FIELDS = (  # (name, minimum, maximum, names)
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, {m: i for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}),
    ("day of week", 0, 6, {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}),
)
_DESCRIPTORS = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"})
_GO_DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$")


class _InvalidSchedule(ValueError):
    pass


def _number(text: str, names: dict[str, int]) -> int:
    if text.lower() in names:
        return names[text.lower()]
    if not text.isdigit():
        raise _InvalidSchedule(f"failed to parse int from {text!r}")
    return int(text)


def _check_range(expression: str, name: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    """The values one comma-separated part of a field stands for; _InvalidSchedule when robfig/cron refuses it."""
    range_and_step = expression.split("/")
    if len(range_and_step) > 2:
        raise _InvalidSchedule(f"too many slashes in {name} field: {expression!r}")
    bounds = range_and_step[0].split("-")
    if bounds[0] in ("*", "?"):
        if len(bounds) > 1:
            raise _InvalidSchedule(f"a wildcard cannot start a range in {name} field: {expression!r}")
        start, end = low, high
    else:
        if len(bounds) > 2:
            raise _InvalidSchedule(f"too many hyphens in {name} field: {expression!r}")
        start = _number(bounds[0], names)
        end = _number(bounds[1], names) if len(bounds) == 2 else start
    if len(range_and_step) == 2:
        step_text = range_and_step[1]
        if not step_text.isdigit() or int(step_text) == 0:
            raise _InvalidSchedule(f"step of range should be a positive number in {name} field: {expression!r}")
        if len(bounds) == 1 and bounds[0] not in ("*", "?"):
            end = high  # "5/15" means "from 5 to the maximum, every 15"
    if start < low:
        raise _InvalidSchedule(f"beginning of range ({start}) below minimum ({low}) in {name} field: {expression!r}")
    if end > high:
        raise _InvalidSchedule(f"end of range ({end}) above maximum ({high}) in {name} field: {expression!r}")
    if start > end:
        raise _InvalidSchedule(f"beginning of range ({start}) beyond end of range ({end}) in {name} field: {expression!r}")
    return set(range(start, end + 1, int(range_and_step[1]) if len(range_and_step) == 2 else 1))


def _check(schedule: str) -> None:
    spec = schedule.strip()
    if not spec:
        raise _InvalidSchedule("empty spec string")
    if spec.startswith(("TZ=", "CRON_TZ=")):
        _, _, spec = spec.partition(" ")
        spec = spec.strip()
    if spec.startswith("@"):
        if spec in _DESCRIPTORS:
            return
        if spec.startswith("@every "):
            duration = spec[len("@every "):].strip()
            if not _GO_DURATION.match(duration):
                raise _InvalidSchedule(f"failed to parse duration {duration!r}")
            return
        raise _InvalidSchedule(f"unrecognized descriptor: {spec}")
    fields = spec.split()
    if len(fields) != 5:
        raise _InvalidSchedule(f"expected exactly 5 fields, found {len(fields)}: {spec!r}")
    for text, (name, low, high, names) in zip(fields, _FIELDS):
        for expression in text.split(","):
            _check_range(expression, name, low, high, names)


def cron_schedule_error(schedule: str | None) -> str | None:
    """Why a schedule would be rejected by robfig/cron ParseStandard, or None when it is valid."""
    try:
        _check(schedule or "")
    except _InvalidSchedule as error:
        return str(error)
    return None


_DESCRIBED = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
              "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}
SEARCH_LIMIT = timedelta(days=14)  # a schedule that fires rarer than this is not judged by what it missed


def fire_times(schedule: str | None, after: datetime, until: datetime) -> Iterator[datetime]:
    """The minutes in (after, until] a valid schedule fires at, earliest first (none for @every, TZ= and invalid ones,
    and none past SEARCH_LIMIT). Day of month and day of week: either matches when both are restricted (cron's rule)."""
    spec = _DESCRIBED.get((schedule or "").strip(), (schedule or "").strip())
    if cron_schedule_error(spec) is not None or spec.startswith(("@", "TZ=", "CRON_TZ=")):
        return
    fields = spec.split()
    sets = [set().union(*(_check_range(e, name, low, high, names) for e in text.split(",")))
            for text, (name, low, high, names) in zip(fields, _FIELDS)]
    minutes, hours, days, months, weekdays = sets
    any_day, any_weekday = fields[2] in ("*", "?"), fields[4] in ("*", "?")
    moment = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    end = min(until, after + SEARCH_LIMIT)
    while moment <= end:
        if moment.month not in months:
            moment = (moment.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
            continue
        day_ok = moment.day in days
        weekday_ok = (moment.isoweekday() % 7) in weekdays
        if not (day_ok and weekday_ok if any_day or any_weekday else day_ok or weekday_ok):
            moment = moment.replace(hour=0, minute=0) + timedelta(days=1)
            continue
        if moment.hour not in hours:
            moment = moment.replace(minute=0) + timedelta(hours=1)
            continue
        if moment.minute in minutes:
            yield moment
        moment += timedelta(minutes=1)
