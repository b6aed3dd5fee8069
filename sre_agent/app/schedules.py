"""Scheduled sweeps as the config file declares them (service.sweeps): validated when the settings
load, so `sre-agent config show` names a bad cron before the service starts. The service runs them
(sre_agent/service/schedule.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from croniter import CroniterBadDateError, croniter
from pydantic import BaseModel, Field, model_validator

CRON_FIELDS = ("minute", "hour", "day-of-month", "month", "day-of-week")


class ScheduledSweep(BaseModel):
    """One entry of the config file's `service.sweeps` list."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=63)  # also its archive folder
    cron: str  # 5 fields: minute hour day-of-month month day-of-week, in `timezone`
    namespace: str | None = None  # None: every namespace
    open_incidents: bool = True  # a problem new since the previous sweep opens an incident
    severity: Literal["critical", "high", "medium", "low"] = "medium"  # of the incidents it opens
    timezone: str = "UTC"
    # With several clusters configured (the config's `clusters:`): sweep only this one; None: every one, each swept,
    # archived and reported on its own. Checked against the configured names when the settings load.
    cluster: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")

    @model_validator(mode="after")
    def _check(self) -> ScheduledSweep:
        where = f"sweep {self.name!r}"
        try:
            zone = ZoneInfo(self.timezone)
        except (KeyError, ValueError):  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(f"{where}: unknown timezone {self.timezone!r} (an IANA name, e.g. UTC, Europe/Paris)") from None
        fields = self.cron.split()
        if len(fields) != 5:
            raise ValueError(f"{where}: cron {self.cron!r} has {len(fields)} field(s); expected 5: {' '.join(CRON_FIELDS)}")
        for i, (label, value) in enumerate(zip(CRON_FIELDS, fields, strict=True)):
            alone = " ".join(value if j == i else "*" for j in range(5))
            if not croniter.is_valid(alone):
                raise ValueError(f"{where}: cron {self.cron!r}: the {label} field {value!r} is not valid")
        if not croniter.is_valid(self.cron):
            raise ValueError(f"{where}: cron {self.cron!r} is not valid")
        try:  # e.g. "0 0 30 2 *" parses but never fires
            croniter(self.cron, datetime(2000, 1, 1, tzinfo=zone)).get_next(datetime)
        except CroniterBadDateError:
            raise ValueError(f"{where}: cron {self.cron!r} never fires") from None
        return self


def parse_schedules(entries: Iterable[Any]) -> list[ScheduledSweep]:
    """The config's `service.sweeps` list, validated; a ValueError names a repeated name."""
    schedules = [e if isinstance(e, ScheduledSweep) else ScheduledSweep.model_validate(e) for e in entries]
    unique_names(schedules)
    return schedules


def unique_names(schedules: list[ScheduledSweep]) -> None:
    seen: set[str] = set()
    for s in schedules:
        if s.name in seen:
            raise ValueError(f"sweep {s.name!r} is defined twice: each scheduled sweep needs its own name")
        seen.add(s.name)
