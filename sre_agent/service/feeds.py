"""What feeds the service besides HTTP: an SQS queue several replicas share (`serve --sqs-queue-url`)
and the scheduled sweeps of the config file (service.sweeps). Both come in through the same intake
as an HTTP notification, so correlation, persistence and backpressure are the same."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..app.intake import IntakeError
from ..app.schedules import ScheduledSweep
from .payloads import loads
from .schedule import FileSweepArchive, per_cluster, run_schedules, series_name, sweep_key
from .sqs import Permanent, SqsConsumer

if TYPE_CHECKING:
    from ..sweep.models import SweepReport
    from .core import IncidentService

log = logging.getLogger(__name__)
SWEEP_TIMEOUT_S = 900.0  # a sweep that hangs must not hold every later schedule


def sqs_handler(service: IncidentService):
    async def handle(body: str) -> None:
        """Persist one queued notification; a body that can never be one is Permanent (dead-lettered);
        a full queue or a store error raises, so SQS redelivers it later -- nothing is lost."""
        try:
            payload = loads(body.encode())
            if not isinstance(payload, dict):
                raise IntakeError("the message is not a JSON object")
            await asyncio.to_thread(service.receive_alarm, payload, "sqs")
        except (IntakeError, ValidationError, ValueError) as exc:
            raise Permanent(f"not an alarm notification: {exc}") from exc

    return handle


async def consume_sqs(service: IncidentService, queue_url: str, stop: asyncio.Event, *, client: Any = None,
                      dead_letter_queue_url: str | None = None, wait_time_s: int = 20) -> None:
    consumer = SqsConsumer(queue_url, sqs_handler(service), client=client, wait_time_s=wait_time_s,
                           dead_letter_queue_url=dead_letter_queue_url,
                           on_error=lambda where, exc: log.warning("SQS %s: %s", where, exc))
    service.sqs_stats = consumer.stats
    await consumer.run(stop)


def resolve_gone(service: IncidentService, schedule: ScheduledSweep, report: SweepReport) -> list[str]:
    """The open sweep incidents in this schedule's scope whose problem a complete sweep no longer finds
    are resolved (never the incidents alarms opened: their OK resolves them). A sweep with a hole
    (status unknown) resolves nothing: what it did not list, it did not see. One cluster's sweep (the schedule's
    `cluster`) resolves that cluster's only."""
    if report.status == "unknown":
        return []
    present = {sweep_key(p, schedule.cluster) for p in report.problems}
    scope = f"sweep:{schedule.namespace}/" if schedule.namespace else "sweep:"
    mine = f"@{schedule.cluster}" if schedule.cluster else None
    gone = [key for key in service.store.open_keys(scope) if key not in present and (mine is None or key.endswith(mine))]
    for key in gone:
        service.receive_resolution(key, f"scheduled sweep {series_name(schedule)} no longer finds it "
                                        f"({report.started_at.isoformat()})", {"sweep": schedule.name}, "sweep")
    return gone


async def run_sweeps(service: IncidentService, schedules: list[ScheduledSweep], stop: asyncio.Event,
                     now: Callable[[], datetime] | None = None) -> None:
    """Each schedule at its cron times, over the service's shared MCP servers; a problem new since the
    previous sweep opens an incident (correlated like any other: one open incident per problem). With
    clusters configured, each schedule sweeps each cluster (or its own `cluster`) over that cluster's servers,
    as a series of its own (schedule.per_cluster). `now`: the clock (tests)."""

    async def sweep(schedule: ScheduledSweep) -> SweepReport:
        from ..app.toolbox import Toolbox
        from ..app.wiring import server_connections
        from ..sweep.engine import run_sweep

        options = await service.placement.options_for(service.options, schedule.cluster)
        # `cluster`: its alarms and log groups are the ones that name it (an account may serve several clusters).
        async with Toolbox(server_connections(options), reads_only=True) as tools:
            report = await asyncio.wait_for(run_sweep(tools, schedule.namespace, cluster=schedule.cluster),
                                            SWEEP_TIMEOUT_S)
        await asyncio.to_thread(resolve_gone, service, schedule, report)
        return report

    async def open_incident(incident) -> None:
        await asyncio.to_thread(service.receive_incident, incident, {"sweep": incident.title}, "sweep")

    await run_schedules(per_cluster(schedules, service.placement.names), sweep,
                        FileSweepArchive(service.options.state_dir), open_incident, stop,
                        on_error=lambda name, exc: log.warning("scheduled sweep %s failed: %s", name, exc),
                        **({"now": now} if now else {}))
