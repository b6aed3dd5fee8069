"""An alarm storm about one root cause, over the real service: N differently named alarms on one broken Deployment
(the lab's bad-image world, each alarm on the same metric) posted at once to `sre-agent serve --remediation
approve`; counted: incidents opened, approval cards asked, incidents joined, and -- after one human answer -- how many
ended and how (all remediated is the aim), with the time from the first alarm to the last incident's end. Then 100
distinct faults (distinct root resources) through the store's grouping: none may merge.

    python bench/bench_storm.py bench/results/storm.json [--alarms 25]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sre_agent.app.intake import incident_from_alarm  # noqa: E402
from sre_agent.lab.lab import Lab  # noqa: E402
from sre_agent.lab.trigger import alarm_payload, lab_namespaces  # noqa: E402
from sre_agent.service.groups import root_key  # noqa: E402
from sre_agent.service.store import SqliteStore  # noqa: E402

TOKEN = "bench-storm"


def serve(lab: Lab, state_dir: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "sre_agent.cli", "serve", "--port", str(port), "--token", TOKEN,
                             "--remediation", "approve", "--namespaces", ",".join(lab_namespaces(lab)),
                             "--state-dir", str(state_dir)], env={**os.environ, **lab.env()},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(400):
        try:
            httpx.get(f"{url}/healthz", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.3)
    return proc, url


def until(client: httpx.Client, url: str, ids: list[str], ready, timeout: float) -> list[dict]:
    deadline = time.monotonic() + timeout
    views: list[dict] = []
    while time.monotonic() < deadline:
        views = [client.get(f"{url}/v1/incidents/{i}").json() for i in ids]
        if ready(views):
            break
        time.sleep(1)
    return views


def storm(alarms: int) -> dict:
    lab = Lab().start()
    lab.load("bad-image")
    real = lab.scenario.scenario.alarm.name
    spec = lab.feed.alarms[real]
    for i in range(1, alarms):
        lab.feed.add_alarm(dataclasses.replace(spec, name=f"{real}-view{i}"))
    lab.run_clock(120)
    names = [real, *(f"{real}-view{i}" for i in range(1, alarms))]
    while any(alarm_payload(lab, n)["NewStateValue"] != "ALARM" for n in names):
        time.sleep(0.5)
    with tempfile.TemporaryDirectory() as state_dir:
        proc, url = serve(lab, Path(state_dir))
        try:
            with httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60) as client:
                started = time.monotonic()
                ids = [client.post(f"{url}/v1/incidents", json=alarm_payload(lab, n)).json()["incident_id"] for n in names]
                settled = until(client, url, ids, lambda vs: all(v["status"] in ("awaiting_approval", "joined") for v in vs),
                                timeout=900)
                settled_s = time.monotonic() - started
                waiting = [v for v in settled if v["status"] == "awaiting_approval"]
                for view in waiting[:1]:  # one human answer
                    pending = view["pending_approval"]
                    client.post(f"{url}/v1/incidents/{view['incident_id']}/approval",
                                json={"decision": "approved", "by": "bench", "action_id": pending["action_id"],
                                      "approval_id": pending["approval_id"]})
                ended = until(client, url, ids, lambda vs: all(v["result"] or v["error"] for v in vs), timeout=900)
                ended_s = time.monotonic() - started
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            lab.stop()
    statuses = [v["status"] for v in ended]
    return {"alarms": alarms, "incidents_opened": len(set(ids)), "approval_cards": len(waiting),
            "joined": sum(v["status"] == "joined" for v in settled), "terminal": sum(bool(v["result"] or v["error"]) for v in ended),
            "remediated": statuses.count("remediated"), "escalated": statuses.count("escalated"),
            "writes": sum(len((v["result"] or {}).get("actions") or []) for v in ended if v["incident_id"] in
                          {w["incident_id"] for w in waiting}),
            "seconds_to_one_approval_card": round(settled_s, 1), "seconds_to_all_ended": round(ended_s, 1)}


def distinct(faults: int) -> dict:
    """`faults` distinct root causes (and the same names in another cluster) through the store: none merged."""
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "service.sqlite")
        merged = 0
        for i in range(faults):
            for cluster in ("cluster-a", "cluster-b"):  # the same names in two clusters are two faults too
                payload = {"AlarmName": f"svc-{i}-5xx-{cluster}", "NewStateValue": "ALARM",
                           "StateChangeTime": "2026-03-01T12:00:00Z",
                           "Trigger": {"MetricName": "5xx", "Dimensions": [{"name": "Service", "value": f"svc-{i}"}]}}
                outcome = store.intake(incident_from_alarm(payload), payload, "bench")
                key = root_key(cluster, {"category": "oom_killed" if i % 2 else "bad_image",
                                         "resource": f"shop/Deployment/svc-{i}"})
                merged += store.lead_or_join(outcome.incident_id, key) is not None
    return {"faults": faults, "clusters": 2, "merged": merged}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--alarms", type=int, default=25)
    parser.add_argument("--distinct", type=int, default=100)
    args = parser.parse_args()
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
              "date": datetime.now(UTC).isoformat(), "storm": storm(args.alarms), "distinct": distinct(args.distinct)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
