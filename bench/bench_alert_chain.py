"""From a Prometheus rule firing to the incident's terminal state, through the real chain: Debian's Prometheus
scrapes the lab (oom-killed, clock at 120x) and evaluates a kube-state-metrics rule every second, Debian's
Alertmanager routes the alert to `sre-agent serve`'s webhook (no grouping wait), the service investigates and
applies the rollback unattended (--remediation auto: the low-risk fix the policy allows, so no human wait is
measured), and verifies it by the alert's `resolved`. Each round starts a fresh lab, Prometheus, Alertmanager
and service.

    python bench/bench_alert_chain.py OUT.json [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "integration" / "service")]

import httpx  # noqa: E402
from alertmanager_process import alertmanager, webhook_config  # noqa: E402
from prometheus_process import prometheus  # noqa: E402
from serve_process import free_port, running_lab, served, until  # noqa: E402
from test_prometheus_alert_chain import RULE  # noqa: E402

TOKEN = "bench-alert-chain"
BOUND_S = 300


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _until(probe):
    return until("the chain's next stage", probe, BOUND_S, every_s=0.2)


def one_round(workdir: Path) -> dict:
    with running_lab("oom-killed") as lab:
        target = lab.scrape_url.removeprefix("http://").removesuffix("/metrics")
        port = free_port()
        hook = f"http://127.0.0.1:{port}/v1/alarms/alertmanager"
        with alertmanager(workdir / "am", webhook_config(hook, TOKEN)) as am, \
                prometheus(workdir / "prom", [RULE], targets=[target], alertmanager=am) as prom, \
                served(lab, workdir / "serve", TOKEN, "auto", env={"SRE_AGENT_ALERTMANAGER_URL": am}, port=port) as url, \
                httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as client:
            alert = _until(lambda: next((a for a in httpx.get(f"{prom}/api/v1/alerts").json()["data"]["alerts"]
                                         if a["state"] == "firing"), None))
            fired = time.time()  # the rule's firing seen (activeAt is when it went pending: `for` is 0 here)
            incident = _until(lambda: next(iter(client.get(f"{url}/v1/incidents").json()["incidents"]), None))
            opened = time.time()
            view_url = f"{url}/v1/incidents/{incident['incident_id']}"
            done = _until(lambda: v if (v := client.get(view_url).json())["result"] or v["error"] else None)
            ended = time.time()
    result = done.get("result") or {}
    return {"status": done.get("status"), "active_at_to_firing_seen_s": round(fired - _epoch(alert["activeAt"]), 2),
            "firing_to_incident_s": round(opened - fired, 2), "incident_to_terminal_s": round(ended - opened, 2),
            "firing_to_terminal_s": round(ended - fired, 2), "time_to_diagnosis_s": result.get("time_to_diagnosis_s"),
            "run_duration_s": result.get("duration_s"), "tool_calls": result.get("tool_calls")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for index in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="alert-chain-") as tmp:
            rows.append(one_round(Path(tmp)))
        print(f"round {index + 1}: {json.dumps(rows[-1])}", file=sys.stderr, flush=True)
    summary = {key: statistics.median(r[key] for r in rows if isinstance(r[key], (int, float)))
               for key in ("firing_to_incident_s", "incident_to_terminal_s", "firing_to_terminal_s", "run_duration_s")}
    summary["remediated"] = sum(r["status"] == "remediated" for r in rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"method": __doc__.split("\n\n")[0], "rounds": rows, "median": summary}, indent=2))


if __name__ == "__main__":
    main()
