"""Scheduled sweeps: the config entry's checks, cron times, what is new since the previous sweep (and
what a could-not-check hole does to that), the incidents opened, the archive and the loop."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from sre_agent.app.schedules import ScheduledSweep, parse_schedules
from sre_agent.contracts import BackendCheck
from sre_agent.service import schedule as sched
from sre_agent.service.schedule import (
    FileSweepArchive,
    baseline,
    incident_for_problem,
    new_problems,
    next_fire,
    problem_key,
    run_schedules,
)
from sre_agent.sweep.models import Problem, SweepReport, Symptom

T0 = datetime(2030, 1, 1, 10, tzinfo=UTC)
CATALOG = ("shop/Deployment/catalog", "bad_image")
PAYMENT = ("shop/Deployment/payment", "oom_killed")
NODE = ("Node/node-2", "node_failure")


def problem(resource: str, category: str = "", severity: str = "critical", text: str = "") -> Problem:
    return Problem(resource=resource, severity=severity, category=category,  # type: ignore[arg-type]
                   summary=f"{resource}: {category.replace('_', ' ')} {text}".strip(),
                   symptoms=[Symptom(resource=resource, source="analyzer", signal="Signal", message=text or "broken")],
                   since=T0 - timedelta(minutes=3))


def report(*problems: tuple[str, str], at: datetime = T0, holes: tuple[str, ...] = (), scope: str = "(cluster)",
           text: str = "") -> SweepReport:
    coverage = [BackendCheck(backend=b, status="could_not_check" if b in holes else "checked",
                             calls_ok=0 if b in holes else 3, reason="unreachable" if b in holes else "")
                for b in ("kubernetes", "cloudwatch")]
    status = "unknown" if holes else "problems" if problems else "healthy"
    return SweepReport(scope=scope, started_at=at, status=status, coverage=coverage,
                       problems=[problem(r, c, text=text) for r, c in problems])


def keys(problems: list[Problem]) -> list[str]:
    return [p.resource for p in problems]


# -- the config entry ------------------------------------------------------------------------------

@pytest.mark.parametrize("cron, message", [
    ("*/5 * * *", "cron '*/5 * * *' has 4 field(s); expected 5: minute hour day-of-month month day-of-week"),
    ("0 0 * * * *", "has 6 field(s); expected 5"),
    ("@hourly", "has 1 field(s); expected 5"),
    ("0 25 * * *", "the hour field '25' is not valid"),
    ("61 * * * *", "the minute field '61' is not valid"),
    ("0 0 * 13 *", "the month field '13' is not valid"),
    ("0 9 * * mon-xyz", "the day-of-week field 'mon-xyz' is not valid"),
    ("0 0 30 2 *", "never fires"),
])
def test_a_bad_cron_is_a_clear_error_naming_the_entry_and_the_field(cron, message):
    with pytest.raises(ValidationError) as info:
        ScheduledSweep(name="nightly", cron=cron)
    assert "sweep 'nightly'" in str(info.value) and message in str(info.value), str(info.value)


def test_an_unknown_timezone_is_a_clear_error():
    with pytest.raises(ValidationError, match=r"sweep 'shop-hourly': unknown timezone 'Mars/Olympus'"):
        ScheduledSweep(name="shop-hourly", cron="30 * * * *", timezone="Mars/Olympus")


@pytest.mark.parametrize("name", ["Nightly", "shop_hourly", "", "-x", "a/b", "../etc"])
def test_a_name_is_lowercase_letters_digits_dashes(name):
    with pytest.raises(ValidationError, match="name"):
        ScheduledSweep(name=name, cron="* * * * *")


def test_defaults_and_unique_names():
    entry = ScheduledSweep(name="cluster", cron="*/15 * * * *")
    assert (entry.namespace, entry.open_incidents, entry.severity, entry.timezone) == (None, True, "medium", "UTC")
    parsed = parse_schedules([{"name": "cluster", "cron": "0 * * * *"}, {"name": "shop", "cron": "*/5 * * * *", "namespace": "shop"}])
    assert [s.name for s in parsed] == ["cluster", "shop"]
    with pytest.raises(ValueError, match="sweep 'cluster' is defined twice"):
        parse_schedules([{"name": "cluster", "cron": "0 * * * *"}, {"name": "cluster", "cron": "5 * * * *"}])


# -- cron times ------------------------------------------------------------------------------------

@pytest.mark.parametrize("cron, tz, after, expected", [
    ("*/5 * * * *", "UTC", T0 + timedelta(minutes=2), T0 + timedelta(minutes=5)),
    ("*/5 * * * *", "UTC", T0 + timedelta(minutes=5), T0 + timedelta(minutes=10)),  # strictly after
    ("*/5 * * * *", "UTC", T0 + timedelta(minutes=58, seconds=1), T0 + timedelta(hours=1)),
    ("30 * * * *", "UTC", T0, T0 + timedelta(minutes=30)),
    ("30 * * * *", "UTC", T0 + timedelta(minutes=30), T0 + timedelta(hours=1, minutes=30)),
    ("0 9 * * *", "Europe/Paris", datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, 8, tzinfo=UTC)),  # UTC+1
    ("0 9 * * *", "Europe/Paris", datetime(2030, 7, 1, tzinfo=UTC), datetime(2030, 7, 1, 7, tzinfo=UTC)),  # UTC+2
    ("0 9 * * *", "America/New_York", datetime(2030, 1, 1, 15, tzinfo=UTC), datetime(2030, 1, 2, 14, tzinfo=UTC)),
    ("*/5 * * * *", "UTC", datetime(2030, 1, 1, 10, 2), T0 + timedelta(minutes=5)),  # naive = UTC
])
def test_next_fire(cron, tz, after, expected):
    fire = next_fire(ScheduledSweep(name="s", cron=cron, timezone=tz), after)
    assert fire == expected and fire.utcoffset() == timedelta(0)


# -- what is new -----------------------------------------------------------------------------------

def test_first_sweep_everything_is_new():
    assert keys(new_problems(None, report(CATALOG, NODE))) == ["shop/Deployment/catalog", "Node/node-2"]


def test_new_unchanged_and_resolved():
    before = report(CATALOG, PAYMENT)
    now = report(CATALOG, NODE, at=T0 + timedelta(minutes=5), text="different words this time")
    assert keys(new_problems(before, now)) == ["Node/node-2"]  # payment resolved: nothing to open
    assert new_problems(now, report(CATALOG, NODE, at=T0 + timedelta(minutes=10))) == []


def test_the_key_is_resource_and_category_never_text():
    assert problem_key(problem(*CATALOG, text="a")) == problem_key(problem(*CATALOG, text="b")) == "shop/Deployment/catalog|bad_image"
    assert problem_key(problem("shop/Deployment/catalog")) == "shop/Deployment/catalog|uncategorized"
    # The same resource failing another way is a new problem.
    assert keys(new_problems(report(CATALOG), report(("shop/Deployment/catalog", "oom_killed")))) == ["shop/Deployment/catalog"]


def test_a_hole_does_not_make_what_was_there_new_again():
    # Newest first: a sweep that could not check kubernetes (it did not see catalog), then a complete one.
    history = [report(at=T0 + timedelta(minutes=5), holes=("kubernetes",)), report(CATALOG)]
    base = baseline(history)
    assert base is not None and base.status == "problems"
    assert new_problems(base, report(CATALOG, at=T0 + timedelta(minutes=10))) == []
    # Compared with the holed sweep alone, catalog would wrongly come back as new.
    assert keys(new_problems(history[0], report(CATALOG))) == ["shop/Deployment/catalog"]


def test_a_problem_that_arose_during_a_hole_is_new_when_first_seen():
    history = [report(at=T0 + timedelta(minutes=5), holes=("kubernetes",)), report()]
    assert keys(new_problems(baseline(history), report(CATALOG, at=T0 + timedelta(minutes=10)))) == ["shop/Deployment/catalog"]


def test_what_a_holed_sweep_saw_was_announced_and_is_not_new_again():
    # The holed sweep saw node-2 (cloudwatch was the hole): it opened it; later sweeps do not reopen it.
    history = [report(NODE, at=T0 + timedelta(minutes=10), holes=("cloudwatch",)),
               report(NODE, at=T0 + timedelta(minutes=5), holes=("cloudwatch",)), report(CATALOG)]
    base = baseline(history)
    assert base is not None and sorted(keys(base.problems)) == ["Node/node-2", "shop/Deployment/catalog"]
    assert new_problems(base, report(CATALOG, NODE, at=T0 + timedelta(minutes=15))) == []
    only_holes = baseline(history[:2])
    assert only_holes is not None and keys(only_holes.problems) == ["Node/node-2"]
    assert baseline([]) is None


# -- the incident ----------------------------------------------------------------------------------

def test_incident_for_problem():
    entry = ScheduledSweep(name="shop-5m", cron="*/5 * * * *", namespace="shop", severity="high")
    now = T0 + timedelta(minutes=5)
    incident = incident_for_problem(problem(*CATALOG), entry, now)
    assert incident.source == "sweep" and incident.severity == "high"
    assert incident.correlation_key == "sweep:shop/Deployment/catalog|bad_image"
    assert incident.affected == ["shop/Deployment/catalog"]
    assert "shop/Deployment/catalog" in incident.title and "bad image" in incident.title
    assert incident.id.startswith("sweep-shop-5m-shop-deployment-catalog-")
    assert incident.started_at == T0 - timedelta(minutes=3) and incident.window_end == now
    assert incident.window_start < incident.started_at


# -- the archive -----------------------------------------------------------------------------------

def test_file_archive_layout_previous_and_pruning(tmp_path):
    archive = FileSweepArchive(tmp_path, keep=3)
    assert archive.previous("cluster") is None
    where = archive.save("cluster", report(CATALOG))
    assert where == str(tmp_path / "sweeps" / "cluster" / "20300101T100000000000Z.json")
    for minutes in (5, 10, 15, 20):  # four holed sweeps after the complete one
        archive.save("cluster", report(NODE, at=T0 + timedelta(minutes=minutes), holes=("cloudwatch",)))
    files = sorted(p.name for p in (tmp_path / "sweeps" / "cluster").glob("*.json"))
    # The newest three, and the newest complete sweep (the baseline), which pruning never removes.
    assert files == ["20300101T100000000000Z.json", "20300101T101000000000Z.json", "20300101T101500000000Z.json",
                     "20300101T102000000000Z.json"]
    base = archive.previous("cluster")
    assert base is not None and sorted(keys(base.problems)) == ["Node/node-2", "shop/Deployment/catalog"]
    (tmp_path / "sweeps" / "cluster" / "20990101T000000000000Z.json").write_text("{half written")
    assert archive.previous("cluster") == base  # unreadable: skipped
    assert archive.previous("other") is None
    with pytest.raises(ValueError, match="not"):
        archive.save("../x", report())


# -- the loop --------------------------------------------------------------------------------------

class Clock:
    """A fake wall clock that moves `step` every time it is read."""

    def __init__(self, step: timedelta, start: datetime = T0) -> None:
        self.t, self.step = start, step

    def __call__(self) -> datetime:
        self.t += self.step
        return self.t


def test_run_schedules_sweeps_archives_and_opens_only_new_problems(tmp_path):
    entry = ScheduledSweep(name="cluster", cron="*/5 * * * *", severity="critical")
    clock = Clock(timedelta(minutes=10))  # every read is past the next fire: always due
    reports = [report(), report(CATALOG), report(CATALOG, PAYMENT), report(holes=("kubernetes",)),
               report(CATALOG, PAYMENT), RuntimeError("kubernetes MCP server died"),
               report(CATALOG, PAYMENT, NODE, holes=("cloudwatch",)), report(CATALOG, PAYMENT, NODE)]
    calls, opened, errors = [], [], []
    stop = asyncio.Event()
    archive = FileSweepArchive(tmp_path)

    async def sweep(s: ScheduledSweep) -> SweepReport:
        calls.append(s.name)
        item = reports[len(calls) - 1]
        if len(calls) == len(reports):
            stop.set()
        if isinstance(item, Exception):
            raise item
        return item.model_copy(update={"started_at": clock.t})

    async def open_incident(incident):
        opened.append((len(calls), incident.correlation_key, incident.severity))

    asyncio.run(asyncio.wait_for(run_schedules([entry], sweep, archive, open_incident, stop, now=clock,
                                               on_error=lambda name, exc: errors.append((name, str(exc)))), 5))
    assert len(calls) == len(reports)
    assert opened == [(2, "sweep:shop/Deployment/catalog|bad_image", "critical"),
                      (3, "sweep:shop/Deployment/payment|oom_killed", "critical"),
                      (7, "sweep:Node/node-2|node_failure", "critical")]
    # Nothing at 5: the hole at 4 resolved nothing. At 7 the holed sweep opens what it did see, with
    # evidence (node-2), and at 8 that is not new again.
    assert errors == [("cluster", "kubernetes MCP server died")]
    assert len(list((tmp_path / "sweeps" / "cluster").glob("*.json"))) == 7  # every report, the holed ones too


def test_open_incidents_off_archives_only(tmp_path):
    entry = ScheduledSweep(name="quiet", cron="* * * * *", open_incidents=False)
    stop, opened = asyncio.Event(), []

    async def sweep(s):
        stop.set()
        return report(CATALOG)

    async def open_incident(incident):
        opened.append(incident)

    asyncio.run(asyncio.wait_for(run_schedules([entry], sweep, FileSweepArchive(tmp_path), open_incident, stop,
                                               now=Clock(timedelta(minutes=2))), 5))
    assert opened == [] and len(list((tmp_path / "sweeps" / "quiet").glob("*.json"))) == 1


def test_missed_fires_are_not_replayed_and_schedules_due_together_run_one_after_another(tmp_path, monkeypatch):
    monkeypatch.setattr(sched, "MAX_WAIT", timedelta(milliseconds=1))  # the fake clock moves on each read
    clock = Clock(timedelta(seconds=20))
    every5 = ScheduledSweep(name="every-5", cron="*/5 * * * *")
    hourly = ScheduledSweep(name="hourly", cron="0 * * * *")
    fired: list[tuple[str, datetime]] = []
    running: set[str] = set()
    stop = asyncio.Event()

    async def sweep(s: ScheduledSweep) -> SweepReport:
        assert not running, f"{s.name} overlaps {running}"
        running.add(s.name)
        fired.append((s.name, clock.t))
        await asyncio.sleep(0.001)
        if len(fired) == 1:
            clock.t += timedelta(hours=2)  # the first sweep hangs (or the service is down) for two hours
        if clock.t > T0 + timedelta(hours=3, minutes=7):
            stop.set()
        running.discard(s.name)
        return report(at=clock.t)

    async def open_incident(incident):
        pass

    asyncio.run(asyncio.wait_for(run_schedules([every5, hourly], sweep, FileSweepArchive(tmp_path), open_incident, stop,
                                               now=clock), 10))
    names = [name for name, _ in fired]
    # 10:05 every-5 runs two hours long: the 24 five-minute fires and the two hourly fires it covered are
    # not replayed: each runs once when it finishes (12:05), one after the other, then at its next times.
    assert names[:3] == ["every-5", "hourly", "every-5"]
    assert fired[0][1] < T0 + timedelta(minutes=5, seconds=21)
    assert fired[1][1] >= T0 + timedelta(hours=2, minutes=5) and fired[2][1] > T0 + timedelta(hours=2, minutes=9)
    at_one = [t for name, t in fired if name == "hourly"]
    assert len(at_one) == 2 and T0 + timedelta(hours=3) <= at_one[1] < T0 + timedelta(hours=3, minutes=1)
    # At 13:00 both are due in the same moment: both run, one after the other (the overlap check above).
    at_13 = [name for name, t in fired if T0 + timedelta(hours=3) <= t < T0 + timedelta(hours=3, minutes=1)]
    assert sorted(at_13) == ["every-5", "hourly"]


def test_stop_returns_promptly_when_idle_and_cancels_a_sweep_under_way(tmp_path):
    async def idle() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(run_schedules([ScheduledSweep(name="yearly", cron="0 0 1 1 *")], _never, FileSweepArchive(tmp_path),
                                                 _nothing, stop))
        await asyncio.sleep(0.05)
        stop.set()
        # The next run is months away: returning at all (within a generous bound for a busy machine)
        # shows stop does not wait for it.
        await asyncio.wait_for(task, 20)

    asyncio.run(idle())

    cancelled = []

    async def hanging(s):
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(s.name)
            raise

    async def busy() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(run_schedules([ScheduledSweep(name="busy", cron="* * * * *")], hanging, FileSweepArchive(tmp_path),
                                                 _nothing, stop, now=Clock(timedelta(minutes=2))))
        await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, 20)

    asyncio.run(busy())
    assert cancelled == ["busy"] and not (tmp_path / "sweeps" / "busy").exists()


async def _never(s):
    raise AssertionError("no fire is due")


async def _nothing(incident):
    return None
