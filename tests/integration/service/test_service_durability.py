"""Nothing is lost on a crash, and two replicas never act twice: real `sre-agent serve` processes,
real HTTP, a lab cluster with the bad-image fault, `kill -9`.

  - killed while an approval waits: the restarted service shows the same approval (same action and
    approval ids), takes the answer and remediates, with one rollout in the audit log;
    and the killed service's MCP servers and step processes do not outlive it;
  - killed while a run is running: the restarted service carries it on once its lease runs out
    (claims == 2), acting once;
  - killed while an approval waits, restarted after its deadline: the run is answered "timeout" and
    escalates;
  - two replicas on one PostgreSQL, the same alarm posted to both at once: one incident, one run, one
    write (PostgreSQL tests need SRE_AGENT_TEST_POSTGRES_DSN, a database the tests may create
    databases from, e.g. postgresql://postgres@127.0.0.1:5432/test);
  - two replicas consuming one SQS queue (the lab's moto): repeats of an alarm are one incident, and
    every message is deleted.

Every wait polls a condition with a deadline (generous: a busy two-core machine)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from waiting import until as _until

from sre_agent.lab.aws.server import client as aws_client
from sre_agent.lab.lab import Lab
from sre_agent.lab.trigger import lab_namespaces, scenario_trigger

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
TOKEN = "durability-test-token"
START_S = 180  # the shared MCP servers start before the service listens; slow on a busy machine
RUN_S = 240  # an investigation, a rollout and its verification
LEASE_S = 10  # SRE_AGENT_SERVICE_LEASE_S: a killed run is carried on this long after its last renewal
# policy.verify_poll_s: a check every second (two simulated minutes at the lab's 120x) rather than every 2 s -- the same two
# healthy checks in a row before "remediated", about half the waiting (as the catalog's graph tests run it)
SETTINGS = {"SRE_AGENT_POLICY_VERIFY_POLL_S": "1"}
POSTGRES_DSN = os.environ.get("SRE_AGENT_TEST_POSTGRES_DSN")
needs_postgres = pytest.mark.skipif(not POSTGRES_DSN, reason="set SRE_AGENT_TEST_POSTGRES_DSN=postgresql://... (a "
                                    "database the tests may CREATE DATABASE from) to run the replica tests")


# --- helpers -------------------------------------------------------------------------------------



def _proc_stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a live process; None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return fields[0], int(fields[1])


def _alive(pid: int) -> bool:
    stat = _proc_stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _proc_stat(int(entry.name))
            if stat is not None and stat[1] == pid:
                found.append(int(entry.name))
    return found


def _is_step_process(pid: int) -> bool:
    """One of serve's step processes (python -m sre_agent.service.step_worker), not an MCP server."""
    try:
        return b"sre_agent.service.step_worker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


class Serve:
    """One `sre-agent serve` process on a free port; `url` once it listens (its MCP servers are up)."""

    def __init__(self, lab: Lab, state_dir: Path, *args: str, env: dict[str, str] | None = None) -> None:
        base = {k: v for k, v in os.environ.items() if not k.startswith("SRE_AGENT_")}
        environment = {**base, **lab.env(), **SETTINGS, **(env or {}),
                       "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
        self.state_dir = state_dir
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sre_agent.cli", "serve", "--port", "0", "--token", TOKEN,
             "--namespaces", ",".join(lab_namespaces(lab)), "--state-dir", str(state_dir), *args],
            env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.url: str | None = None
        self.log: list[str] = []
        self.servers: list[int] = []  # its MCP servers' pids, once it listens
        self.stop_signal = signal.SIGTERM  # how `terminate` stops it (see there)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.log.append(line.rstrip())
            match = re.search(r"sre-agent serving on (http://\S+)", line)
            if match:
                self.url = match.group(1)

    def ready(self) -> Serve:
        def listening() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited {self.proc.returncode}:\n" + "\n".join(self.log[-30:]))
            return self.url is not None

        _until(listening, "serve to listen", START_S)
        self.servers = [pid for pid in _children(self.proc.pid) if not _is_step_process(pid)]
        assert len(self.servers) == 3, f"expected three MCP servers under serve, found {self.servers}"
        return self

    def client(self) -> httpx.Client:
        assert self.url, "ready() first"
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)

    def kill9(self) -> list[int]:
        """SIGKILL the service (nothing of it runs on: no shutdown hook, no lease renewal); the
        processes it started (MCP servers, step processes) still alive 30 s later are returned."""
        started = sorted({*self.servers, *_children(self.proc.pid)})
        assert any(_is_step_process(p) for p in started), f"no step process under serve: {started}"
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_alive(p) for p in started):
            time.sleep(0.2)
        return [p for p in started if _alive(p)]

    def terminate(self) -> list[int]:
        """SIGTERM the service (a graceful stop: it finishes an SQS long poll first, up to 20 s) -- or SIGKILL, once a
        test set `stop_signal` after its checks, when nothing is left to drain; the processes it started, for `stop`
        to make sure of."""
        children = sorted({*self.servers, *(_children(self.proc.pid) if self.proc.poll() is None else [])})
        if self.proc.poll() is None:
            self.proc.send_signal(self.stop_signal)
        return children

    def stop(self, children: list[int] | None = None) -> None:
        children = self.terminate() if children is None else children
        if self.proc.poll() is None:
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for pid in children:  # a server that outlived its service (a failed assertion above): by its id only
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def _incidents(serve: Serve) -> list[dict]:
    with serve.client() as client:
        response = client.get("/v1/incidents")
    response.raise_for_status()
    return response.json()["incidents"]


def _view(serve: Serve, incident_id: str) -> dict:
    with serve.client() as client:
        response = client.get(f"/v1/incidents/{incident_id}")
    response.raise_for_status()
    return response.json()


def _done(serve: Serve, incident_id: str) -> dict:
    return _until(lambda: (lambda v: v if v["result"] or v["error"] else None)(_view(serve, incident_id)),
                  f"incident {incident_id} to finish", RUN_S)


def _writes(*state_dirs: Path) -> list[dict]:
    """The writes that reached a backend (applied or failed, not dry runs or refusals), across audit logs."""
    records = []
    for state_dir in state_dirs:
        path = state_dir / "audit.jsonl"
        if path.exists():
            records += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r for r in records if not r.get("dry_run") and r.get("outcome") in ("applied", "failed")]


def _alarm(lab: Lab) -> dict:
    alarm = scenario_trigger(lab).alarm
    assert alarm is not None and alarm["NewStateValue"] == "ALARM"
    return alarm


def _post_alarm(serve: Serve, alarm: dict) -> httpx.Response:
    with serve.client() as client:
        return client.post("/v1/incidents", json=alarm)


@pytest.fixture
def lab():
    lab = Lab().start()
    lab.load("bad-image")
    lab.run_clock(120)
    yield lab
    lab.stop()


@pytest.fixture
def serves():
    """Serve processes a test starts; every one stopped (and its MCP servers with it) at the end -- all
    told at once, so two replicas' graceful stops (each finishing its SQS long poll) overlap."""
    started: list[Serve] = []
    yield started
    children = [serve.terminate() for serve in started]
    for serve, theirs in zip(started, children, strict=True):
        serve.stop(theirs)


def _serve(serves: list[Serve], *args: Any, **kwargs: Any) -> Serve:
    serve = Serve(*args, **kwargs)
    serves.append(serve)
    return serve


# --- one replica, SQLite: crashes ----------------------------------------------------------------

def test_a_kill_while_an_approval_waits_loses_nothing_and_acts_once(lab, serves, tmp_path):
    state = tmp_path / "state"
    first = _serve(serves, lab, state, "--remediation", "approve").ready()
    created = _post_alarm(first, _alarm(lab))
    assert created.status_code == 202, created.text
    incident_id = created.json()["incident_id"]
    pending = _until(lambda: (lambda v: v if v["pending_approval"] else None)(_view(first, incident_id)),
                     "the approval request", RUN_S)["pending_approval"]

    lingering = first.kill9()
    assert not lingering, f"processes {lingering} (MCP servers or step processes) outlived the killed service"

    second = _serve(serves, lab, state, "--remediation", "approve").ready()
    [again] = _incidents(second)
    assert again["incident_id"] == incident_id and again["status"] == "awaiting_approval"
    assert again["pending_approval"]["action_id"] == pending["action_id"]
    assert again["pending_approval"]["approval_id"] == pending["approval_id"]
    with second.client() as client:
        answered = client.post(f"/v1/incidents/{incident_id}/approval",
                               json={"decision": "approved", "by": "carol", "action_id": pending["action_id"],
                                     "approval_id": pending["approval_id"]})
    assert answered.status_code == 202, answered.text
    done = _done(second, incident_id)
    assert done["error"] is None and done["status"] == "remediated", done
    assert [r["state"] for r in done["runs"]] == ["done"]
    writes = _writes(state)
    assert [(w["tool"], w["outcome"]) for w in writes] == [("rollout_undo", "applied")], writes


def test_a_run_killed_while_running_is_carried_on_after_its_lease(lab, serves, tmp_path):
    state = tmp_path / "state"
    env = {"SRE_AGENT_SERVICE_LEASE_S": str(LEASE_S)}
    first = _serve(serves, lab, state, "--remediation", "auto", env=env).ready()
    created = _post_alarm(first, _alarm(lab))
    assert created.status_code == 202, created.text
    incident_id = created.json()["incident_id"]
    _until(lambda: (lambda v: v["status"] == "investigating" and v["runs"][0]["state"] == "running")(
        _view(first, incident_id)), "the run to be running", RUN_S)
    assert not first.kill9()

    second = _serve(serves, lab, state, "--remediation", "auto", env=env).ready()
    done = _done(second, incident_id)
    assert done["error"] is None and done["status"] == "remediated", done
    [run] = done["runs"]
    assert run["state"] == "done" and run["claims"] == 2, run
    writes = _writes(state)
    assert [(w["tool"], w["outcome"]) for w in writes] == [("rollout_undo", "applied")], writes


def test_an_approval_deadline_that_passed_while_down_escalates_after_the_restart(lab, serves, tmp_path):
    import sqlite3

    state = tmp_path / "state"
    timeout_s = 10  # the first service must not answer it itself before it is killed
    env = {"SRE_AGENT_POLICY_APPROVAL_TIMEOUT_S": str(timeout_s)}
    first = _serve(serves, lab, state, "--remediation", "approve", env=env).ready()
    created = _post_alarm(first, _alarm(lab))
    assert created.status_code == 202, created.text
    incident_id = created.json()["incident_id"]
    waiting = _until(lambda: (lambda v: v if v["pending_approval"] else None)(_view(first, incident_id)),
                     "the approval request", RUN_S)
    assert not first.kill9()

    with sqlite3.connect(state / "service.sqlite") as db:  # unanswered when the service died
        [(run_state, deadline)] = db.execute("SELECT state, approval_deadline FROM sre_runs").fetchall()
    assert run_state == "awaiting_approval", "the killed service answered the approval before it died"
    assert abs(deadline - datetime.fromisoformat(waiting["approval_deadline"]).timestamp()) < 1
    _until(lambda: time.time() > deadline + 1, "the approval deadline to pass", timeout_s + 30)

    second = _serve(serves, lab, state, "--remediation", "approve", env=env).ready()
    done = _done(second, incident_id)
    assert done["error"] is None and done["status"] == "escalated", done
    assert done["pending_approval"] is None and [r["state"] for r in done["runs"]] == ["done"]
    with second.client() as client:
        report = client.get(f"/v1/incidents/{incident_id}/report").text
    assert f"timeout by approval deadline: no answer within {timeout_s}s" in report, report
    assert _writes(state) == []


# --- two replicas, PostgreSQL --------------------------------------------------------------------

@pytest.fixture
def database():
    """A database of its own, dropped at the end: the replicas share it (checkpoints, store, ledger)."""
    import psycopg
    from psycopg import sql

    name = f"sre_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield psycopg.conninfo.make_conninfo(POSTGRES_DSN, dbname=name)
    finally:
        with psycopg.connect(POSTGRES_DSN, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _replicas(serves: list[Serve], lab: Lab, tmp_path: Path, dsn: str, *args: str) -> list[Serve]:
    """Two replicas started at once (their schemas are created concurrently), separate state dirs."""
    replicas = [_serve(serves, lab, tmp_path / f"replica-{i}", "--checkpoint-dsn", dsn, *args) for i in range(2)]
    return [r.ready() for r in replicas]


@needs_postgres
def test_two_replicas_given_the_same_alarm_at_once_open_one_incident_and_act_once(lab, serves, tmp_path, database):
    replicas = _replicas(serves, lab, tmp_path, database, "--remediation", "auto")
    alarm = _alarm(lab)
    barrier = threading.Barrier(len(replicas))
    answers: list[httpx.Response | BaseException] = [None] * len(replicas)  # type: ignore[list-item]

    def post(i: int) -> None:
        with replicas[i].client() as client:
            barrier.wait(timeout=30)
            try:
                answers[i] = client.post("/v1/incidents", json=alarm)
            except BaseException as exc:  # noqa: BLE001 -- reported below
                answers[i] = exc

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(replicas))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert all(isinstance(a, httpx.Response) for a in answers), answers
    assert sorted(a.status_code for a in answers) == [200, 202], [a.text for a in answers]
    assert len({a.json()["incident_id"] for a in answers}) == 1
    incident_id = answers[0].json()["incident_id"]

    done = _done(replicas[0], incident_id)
    assert done["error"] is None and done["status"] == "remediated", done
    for replica in replicas:
        [seen] = _incidents(replica)
        assert seen["incident_id"] == incident_id and seen["notifications"] == 2
        assert len(seen["runs"]) == 1 and seen["runs"][0]["state"] == "done" and seen["runs"][0]["claims"] == 1
    writes = _writes(*(r.state_dir for r in replicas))
    assert [(w["tool"], w["outcome"]) for w in writes] == [("rollout_undo", "applied")], writes


@needs_postgres
def test_two_replicas_sharing_an_sqs_queue_open_one_incident_per_problem(lab, serves, tmp_path, database):
    sqs = aws_client("sqs", lab.moto.url, lab.account)
    queue_url = sqs.create_queue(QueueName=f"alarms-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    alarm = _alarm(lab)
    others = [{**alarm, "AlarmName": f"{alarm['AlarmName']}-other-{i}"} for i in range(3)]
    bodies = [alarm] * 5 + others
    for body in bodies:  # queued before the replicas start: both find them at once
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(body))

    # approve: the runs pause on their approval (or end), so none acts while the test looks
    replicas = _replicas(serves, lab, tmp_path, database, "--remediation", "approve", "--sqs-queue-url", queue_url)

    def in_queue() -> int:
        attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])

    _until(lambda: in_queue() == 0, "every message to be taken and deleted", RUN_S)
    incidents = _until(lambda: (lambda i: i if sum(x["notifications"] for x in i) == len(bodies) else None)(
        _incidents(replicas[0])), "every notification to be recorded", 60)
    assert len(incidents) == 4, incidents
    by_name = {i["title"]: i for i in incidents}
    assert sorted(i["notifications"] for i in incidents) == [1, 1, 1, 5], by_name
    assert all(len(i["runs"]) == 1 for i in incidents), [i["runs"] for i in incidents]
    assert sorted(i["incident_id"] for i in _incidents(replicas[1])) == sorted(i["incident_id"] for i in incidents)
    assert _writes(*(r.state_dir for r in replicas)) == []
    for replica in replicas:  # checked: a graceful stop would only wait out each replica's 20 s SQS long poll
        replica.stop_signal = signal.SIGKILL
