"""CronJob schedule validation with the rules of robfig/cron's ParseStandard, the parser the
CronJob controller (and k8sgpt's CronJob analyzer) uses: five fields, @descriptors, @every."""

from __future__ import annotations

import re

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


def _check_range(expression: str, name: str, low: int, high: int, names: dict[str, int]) -> None:
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
