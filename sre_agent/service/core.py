"""The incident service: notifications in (persisted before they are acknowledged), correlated into
incidents, investigated by a bounded pool of workers over shared MCP servers, approvals answered,
views out. The HTTP layer (api.py) and the SQS consumer both come through `receive_*`."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from ..app.intake import AlarmResolved, IntakeError, incident_from_alarm, incident_from_question
from ..app.options import RunOptions
from ..contracts import Incident, Person
from .chat_sessions import ChatLimits, ChatSessions
from .cluster_servers import Placement
from .group_commit import GroupCommit
from .metrics import ServiceMetrics
from .payloads import alarm_in
from .routing import IntakeRouting
from .spend_caps import SpendCaps, SpendGate
from .step_loop import StepLoop
from .store import IncidentHeader, IntakeOutcome, RunRecord, open_store
from .workers import LEASE_S, Workers, default_workers

log = logging.getLogger(__name__)


class Backpressure(Exception):
    """The queue is full: the caller should retry after `retry_after_s` (nothing was persisted)."""

    def __init__(self, backlog: int, retry_after_s: int) -> None:
        self.backlog, self.retry_after_s = backlog, retry_after_s
        super().__init__(f"{backlog} investigations are waiting for a worker; retry in {retry_after_s}s")


class TwoPersonRule(PermissionError):
    """An approval the two-person rule (service.two_person_rule) refuses (-> 403): the approver is the person who
    asked for the investigation that pinned the action, or no person at all (the static token)."""


class Acknowledgement:
    """What a notification's request is answered with: the outcome, and the incident as it now stands."""

    __slots__ = ("outcome", "view")

    def __init__(self, outcome: IntakeOutcome, view: dict[str, Any] | None) -> None:
        self.outcome, self.view = outcome, view

    @property
    def status(self) -> int:
        return 202 if self.outcome.run_id else 200  # 202: a run was queued

    def body(self) -> dict[str, Any]:
        outcome = self.outcome
        return {**(self.view or {}), "incident_id": outcome.incident_id, "run_id": outcome.run_id,
                "disposition": outcome.disposition, "deduplicated": outcome.disposition == "attached"}


class IncidentService:
    def __init__(self, options: RunOptions, *, workers: int | None = None, max_queue: int = 200,
                 shared_servers: bool = True, notifier: Any = None, public_url: str | None = None,
                 sns_topic_arns: list[str] | None = None, sqs_queue_url: str | None = None,
                 sqs_dead_letter_queue_url: str | None = None, sweeps: list[Any] | None = None,
                 lease_s: float = LEASE_S, step_processes: int | None = None, step_nice: int = 10,
                 chat_limits: ChatLimits | None = None, spend_caps: SpendCaps | None = None,
                 two_person_rule: bool = False, clusters: list[Any] | None = None) -> None:
        """`clusters`: the config's `clusters:` (ClusterSettings); with any, every incident is routed to one of them
        when it arrives (routing.py) and runs there, over MCP servers bound to it (cluster_servers.py)."""
        self.options = options
        self.two_person_rule = two_person_rule
        self.clusters = list(clusters or [])
        self.routing = IntakeRouting(self.clusters)
        self.store = open_store(options.state_dir, options.checkpoint_dsn)
        self.intake_writer = GroupCommit(self.store)
        self.metrics = ServiceMetrics()
        self.max_queue = max_queue
        self.servers: Any = None
        if shared_servers and options.servers is None:
            from .cluster_servers import ClusterServers
            from .servers import SharedServers

            self.servers = ClusterServers(options, self.clusters) if self.clusters else SharedServers(options)
        self.placement = Placement(self.clusters, self.servers)
        self.spend = SpendGate(self.store, spend_caps or SpendCaps())
        self.workers = Workers(self.store, options, size=workers or default_workers(), placement=self.placement,
                               on_event=self._on_event, lease_s=lease_s, step_processes=step_processes,
                               step_nice=step_nice, spend=self.spend)
        self.metrics.watch(self.store, self.workers, self.spend)
        # Chat turns (POST /v1/sessions/{id}/messages, AgentCore's /invocations prompts, the console's chat)
        # run here: neither on the loop that acknowledges alarms and answers /ping, nor in the investigation
        # workers (a full queue never delays a question).
        self.chat_loop = StepLoop("chat")
        self.chat_sessions = ChatSessions(self.store, options, self.chat_loop, self.servers, chat_limits,
                                          placement=self.placement)
        self.notifier = notifier
        self.public_url = public_url
        self.sns_topic_arns = sns_topic_arns or []
        self.sqs_queue_url, self.sqs_dead_letter_queue_url = sqs_queue_url, sqs_dead_letter_queue_url
        self.sqs_stats: Any = None
        self.sweeps = sweeps or []
        self._telling: set[asyncio.Future] = set()  # escalation notices of unrouted incidents being sent
        self._stop = asyncio.Event()
        self._feeds: list[asyncio.Task] = []
        self.started_at: float | None = None

    async def start(self) -> None:
        """Start the MCP servers and the workers; runs left running or queued by a previous process
        (a crash, a restart) are picked up again -- from their checkpoints -- by the workers."""
        from .feeds import consume_sqs, run_sweeps

        if self.options.checkpoint_dsn:
            await self._create_postgres_tables()
        if self.servers is not None:
            await self.servers.start()
        self.workers.start()
        loop = asyncio.get_running_loop()
        if self.sqs_queue_url:
            self._feeds.append(loop.create_task(consume_sqs(self, self.sqs_queue_url, self._stop,
                                                            dead_letter_queue_url=self.sqs_dead_letter_queue_url)))
        if self.sweeps:
            self._feeds.append(loop.create_task(run_sweeps(self, self.sweeps, self._stop)))
        self.started_at = time.time()

    async def _create_postgres_tables(self) -> None:
        """The checkpointer's and the action ledger's tables, created now under the store's schema lock:
        left to the first run of each replica, replicas starting together on a fresh database race
        (concurrent CREATE TABLE IF NOT EXISTS, the checkpointer's migrations) and the loser's run fails."""
        from contextlib import AsyncExitStack

        import psycopg

        from ..app.wiring import make_ledger, open_checkpointer
        from .store import schema_lock

        def create() -> None:  # on a connection of its own: the lock is polled (store.schema_lock says why)
            with psycopg.connect(self.options.checkpoint_dsn, autocommit=True) as conn, schema_lock(conn):
                asyncio.run(setup_checkpointer())
                make_ledger(self.options)._db.close()  # its CREATE TABLE IF NOT EXISTS

        async def setup_checkpointer() -> None:
            async with AsyncExitStack() as stack:
                await open_checkpointer(self.options, stack)  # runs the checkpointer's setup()

        await asyncio.to_thread(create)

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._feeds, return_exceptions=True)
        await self.workers.stop()
        await asyncio.to_thread(self.chat_loop.stop)
        await asyncio.to_thread(self.intake_writer.stop)
        if self.servers is not None:
            await self.servers.stop()

    # --- intake --------------------------------------------------------------------------------
    def _admit(self) -> None:
        backlog = self.store.backlog()
        if backlog >= self.max_queue:
            self.metrics.rejected.labels("queue_full").inc()
            # Roughly one queue's worth of steps at ~10 s each, spread over the workers.
            raise Backpressure(backlog, max(5, min(300, backlog * 10 // max(1, self.workers.size))))

    def receive_alarm(self, body: dict[str, Any], source: str, message_id: str | None = None) -> IntakeOutcome:
        """A CloudWatch alarm notification (raw, SNS or EventBridge). pydantic.ValidationError or
        IntakeError for a body that is not one; Backpressure when the queue is full. `message_id`
        (default: an SNS envelope's MessageId) recognises a redelivery: it changes nothing."""
        return self._told(self._alarm_intake(body, source, message_id)())

    def _alarm_intake(self, body: dict[str, Any], source: str, message_id: str | None = None) -> Callable[[], IntakeOutcome]:
        """Validate and parse now (raising for a body that is not an alarm); returns the store's part --
        persist, correlate, admit -- to run now or in a group commit."""
        if message_id is None and isinstance(body.get("MessageId"), str) and "Type" in body:
            message_id = f"sns:{body['MessageId']}"
        alarm = alarm_in(body)
        try:
            incident = incident_from_alarm(alarm)
        except AlarmResolved as resolved:  # found by its key, routed as the ALARM before it was (routing.py)
            key, note = self.routing.resolution_key(alarm, resolved.correlation_key), str(resolved)
            return lambda: self.receive_resolution(key, note, body, source, message_id)
        if (alarm.get("NewStateValue") or (alarm.get("detail") or {}).get("state", {}).get("value")) == "INSUFFICIENT_DATA":
            def ignored() -> IntakeOutcome:
                # Kept like every notification (what arrived, when), but no data is not a problem: nothing starts.
                outcome = self.store.record(source, "ignored", body, incident.correlation_key, message_id)
                self.metrics.notifications.labels(source, outcome.disposition).inc()
                return outcome
            return ignored
        return lambda: self._persist_incident(incident, body, source, message_id)

    def receive_incident(self, incident: Incident, payload: Any, source: str, message_id: str | None = None) -> IntakeOutcome:
        outcome = self._told(self._persist_incident(incident, payload, source, message_id))
        if outcome.run_id:
            self.workers.wake()
        return outcome

    def _persist_incident(self, incident: Incident, payload: Any, source: str, message_id: str | None) -> IntakeOutcome:
        incident, unrouted = self.routing.place(incident)  # its cluster; or none, and it ends escalated at once
        if unrouted is None and not self._joins_open_incident(incident):
            self._admit()
        outcome = self.store.intake(incident, payload, source, message_id, unrouted=unrouted)
        self.metrics.notifications.labels(source, outcome.disposition).inc()
        return outcome

    def _told(self, outcome: IntakeOutcome) -> IntakeOutcome:
        """An incident stored unrouted is an escalation: the notifier (if any) is told, here, after the commit."""
        if outcome.disposition == "unrouted" and self.notifier is not None and outcome.incident_id:
            try:
                record, runs = self.store.incident(outcome.incident_id), self.store.runs_of(outcome.incident_id)
                summary = ((runs[-1].result or {}).get("diagnosis") or {}).get("summary", "") if runs else ""
                self.notifier.escalation(outcome.incident_id, record.title if record else outcome.incident_id, summary)
            except Exception:  # a notification never undoes the intake
                log.exception("could not send the escalation of unrouted incident %s", outcome.incident_id)
        return outcome

    def _joins_open_incident(self, incident: Incident) -> bool:
        # A notification for a problem already open costs no queue slot: it is never refused for load.
        return bool(incident.correlation_key) and self.store.has_open(incident.correlation_key)

    def receive_resolution(self, correlation_key: str, note: str, payload: Any, source: str,
                           message_id: str | None = None) -> IntakeOutcome:
        outcome = self.store.resolve(correlation_key, note, payload, source, message_id)
        self.metrics.notifications.labels(source, outcome.disposition).inc()
        return outcome

    # --- intake over HTTP: group commit, answered with the incident as it now stands -------------------
    async def accept_alarm(self, body: dict[str, Any], source: str, message_id: str | None = None) -> Acknowledgement:
        """receive_alarm for a request: parsed on the event loop, persisted in the writer's next group
        commit, acknowledged (with the incident's view, read in the same transaction) once committed."""
        return await self._accept(self._alarm_intake(body, source, message_id))

    async def accept_incident(self, incident: Incident, payload: Any, source: str) -> Acknowledgement:
        return await self._accept(lambda: self._persist_incident(incident, payload, source, None))

    async def accept_resolution(self, correlation_key: str, note: str, payload: Any, source: str) -> Acknowledgement:
        return await self._accept(lambda: self.receive_resolution(correlation_key, note, payload, source))

    async def accept_question(self, question: str, namespace: str | None, source: str = "api",
                              requester: Person | None = None, cluster: str | None = None) -> Acknowledgement:
        """A question as an incident; `requester`: the person whose token asked it (the report names them, and the
        two-person rule keeps them from approving what its run pins); `cluster`: the configured cluster it is asked
        about (several configured: a question names no other way)."""
        incident = incident_from_question(question, namespace=namespace).model_copy(
            update={"requested_by": requester, "cluster": cluster})
        if cluster and not self.clusters:
            self.routing.place(incident)  # IntakeError (422) now, before the commit: no cluster to name
        return await self.accept_incident(incident, {"question": question, "namespace": namespace,
                                                     **({"cluster": cluster} if cluster else {})}, source)

    async def _accept(self, persist: Callable[[], IntakeOutcome]) -> Acknowledgement:
        def persist_and_view() -> Acknowledgement:
            outcome = persist()
            header = self.store.incident_header(outcome.incident_id) if outcome.incident_id else None
            return Acknowledgement(outcome, self.view(header) if header else None)

        ack = await self.intake_writer.submit(persist_and_view)
        if ack.outcome.run_id:
            self.workers.wake()  # here, on the loop: an asyncio.Event is not to be set from the writer thread
        if ack.outcome.disposition == "unrouted" and self.notifier is not None:  # off the loop: a notice may be slow
            telling = asyncio.ensure_future(asyncio.to_thread(self._told, ack.outcome))
            self._telling.add(telling)
            telling.add_done_callback(self._telling.discard)
        return ack

    def receive_question(self, question: str, namespace: str | None, source: str = "api") -> IntakeOutcome:
        incident = incident_from_question(question, namespace=namespace)
        return self.receive_incident(incident, {"question": question, "namespace": namespace}, source)

    # --- approvals -----------------------------------------------------------------------------
    def answer(self, incident_id: str, decision: dict[str, Any], person: Person | None = None) -> RunRecord:
        """Hand a human's answer to the incident's paused run. LookupError (-> 409) when it is not
        waiting, or the answer names another action or approval; TwoPersonRule (-> 403) when the rule
        is on and `person` asked for the investigation, or is None. `person`: who a verified token named
        -- then the answer is recorded as theirs and a typed `by` is ignored; None: the static token (or no
        auth), and the typed `by` is what is recorded."""
        pending = self.pending_run(incident_id)
        if pending is None:
            group = self.store.group_of(incident_id)
            if group is not None and group.leader != incident_id:
                raise LookupError(f"incident {incident_id} joined {group.leader} (the same root cause): its approval "
                                  f"and action are {group.leader}'s -- answer there")
            raise LookupError(f"incident {incident_id} is not waiting for an approval")
        approval = pending.approval or {}
        named = decision.get("action_id")
        # Approving names the pinned plan it approves; a rejection may name none (refusing is always safe).
        if (decision["decision"] == "approved" or named) and named != approval.get("action_id"):
            raise LookupError(f"the approval names action {named or '(none)'}, but incident {incident_id} is waiting on "
                              f"action {approval.get('action_id')}: read the pending approval (GET /v1/incidents/"
                              f"{incident_id}) and answer for that action id")
        if decision.get("approval_id") != approval.get("approval_id"):
            raise LookupError(f"approval_id does not match the approval incident {incident_id} is waiting on: read it "
                              f"again (GET /v1/incidents/{incident_id}); it changes every time the run asks")
        if person is not None:
            decision = {**decision, "by": person.label(), "person": person.model_dump()}
        if self.two_person_rule and decision["decision"] == "approved":
            self._second_person(pending.incident_id, person)
        answer = {k: decision.get(k) for k in ("decision", "by", "note", "action_id", "person")}
        if not self.store.answer(pending.run_id, answer, approval.get("approval_id")):
            raise LookupError(f"incident {incident_id}'s approval was answered already (by someone else, or its deadline)")
        self.workers.wake()
        return pending

    def _second_person(self, incident_id: str, approver: Person | None) -> None:
        """The two-person rule: whoever asked for the investigation does not approve its action. Rejecting stays
        open to them (refusing is always safe); an alarm's or a sweep's action was asked for by nobody."""
        if approver is None:
            raise TwoPersonRule("the two-person rule (service.two_person_rule) needs an approval a person's own token "
                                "signs: the static token names nobody -- approve with your OIDC access token")
        record = self.store.incident(incident_id)
        requester = record.incident.requested_by if record else None
        if requester is not None and requester.sub == approver.sub:
            raise TwoPersonRule(f"the two-person rule (service.two_person_rule): you asked for this investigation "
                                f"({incident_id}), so another person with the approver role must approve its action "
                                "(you may still reject it)")

    def pending_run(self, incident_id: str) -> RunRecord | None:
        return next((r for r in reversed(self.store.runs_of(incident_id)) if r.state == "awaiting_approval"), None)

    # --- views ---------------------------------------------------------------------------------
    def view(self, record: IncidentHeader) -> dict[str, Any]:
        runs = self.store.runs_of(record.incident_id)
        last = runs[-1] if runs else None
        status = ("investigating" if last and last.state in ("queued", "running") else
                  "awaiting_approval" if last and last.state == "awaiting_approval" else
                  "joined" if last and last.state == "joined" else
                  (last.status or last.state) if last else record.state)
        group = self.store.group_of(record.incident_id)
        return {"incident_id": record.incident_id, "run_id": last.run_id if last else None, "title": record.title,
                "cluster": record.cluster,
                "source": record.source, "severity": record.severity, "status": status, "state": record.state,
                "correlation_key": record.correlation_key, "notifications": record.notifications,
                "received_at": _iso(record.created_at), "resolved_at": _iso(record.resolved_at) if record.resolved_at else None,
                "notes": record.notes,
                "pending_approval": last.approval if last and last.state == "awaiting_approval" else None,
                "approval_deadline": _iso(last.approval_deadline) if last and last.approval_deadline else None,
                "result": last.result if last else None, "error": last.error if last else None,
                "runs": [{"run_id": r.run_id, "state": r.state, "status": r.status, "claims": r.claims,
                          "created_at": _iso(r.created_at)} for r in runs],
                # alarms about one root cause: the incident that leads (holds the approval and the action), the others
                "group": group.model_dump() if group and group.members else None}

    def incident_view(self, incident_id: str) -> dict[str, Any] | None:
        record = self.store.incident(incident_id)
        return self.view(record) if record else None

    def report(self, incident_id: str) -> str | None:
        runs = [r for r in self.store.runs_of(incident_id) if r.report]
        return runs[-1].report if runs else None

    # --- events from the workers ---------------------------------------------------------------
    async def _on_event(self, event: str, run: RunRecord, detail: dict[str, Any]) -> None:
        if "duration_s" in detail:
            self.metrics.run_seconds.observe(detail["duration_s"])
        if "step" in detail:
            self.metrics.observe_step(detail["step"])
        if event == "finished":
            self.metrics.finished.labels(detail["status"]).inc()
        if event == "brain_capped":
            self.metrics.capped_runs.labels(detail["period"]).inc()
            return
        if self.notifier is None:
            return
        # In a thread: the intake's group commit holds the store's lock for a whole batch.
        record = await asyncio.to_thread(self.store.incident, run.incident_id)
        title = record.title if record else run.incident_id
        if event == "awaiting_approval":
            request = detail["request"]
            pending = await asyncio.to_thread(self.store.run, run.run_id)
            approval_id = (pending.approval or {}).get("approval_id") if pending else None
            hint = (f"POST {self.public_url or ''}/v1/incidents/{run.incident_id}/approval with "
                    f'{{"decision": "approved", "action_id": "{request.get("action_id")}", '
                    f'"approval_id": "{approval_id}", "by": "<you>"}}')
            team = "; ".join(request.get("team") or [])
            requester = record.incident.requested_by if record else None
            where = f" in cluster {request['cluster']}" if request.get("cluster") else ""
            action = (str(request.get("plan", {}).get("tool", "an action")) + where
                      + (f" -- the team said: {team}" if team else "")
                      + (f" -- asked for by {requester.label()}" if requester else ""))
            await asyncio.to_thread(self.notifier.approval_requested, run.incident_id, title, action,
                                    str(request.get("action_id")), hint)
        elif event == "finished" and not detail.get("joined"):  # a group is one notification: its leader's
            where = f" in cluster {record.cluster}" if record and record.cluster else ""
            await asyncio.to_thread(self.notifier.finished, run.incident_id, title, detail["status"],
                                    f"run {run.run_id} finished {detail['status']}{where}")


def _iso(epoch: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC).isoformat()


__all__ = ["Acknowledgement", "Backpressure", "IncidentService", "IntakeError", "TwoPersonRule"]
