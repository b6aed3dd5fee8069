"""Benchmark: `sre-agent sweep`'s engine (run_sweep) over the real MCP servers at 100 / 1,000 /
5,000 pods (200 nodes at 5,000).

Each size: bench_analyze's synthetic cluster (Deployments -> ReplicaSets -> pods with Services,
Endpoints, ConfigMaps and events; one app in 20 crash-looping, one Service in 25 selecting nothing,
2 nodes NotReady) served by the lab's Kubernetes API emulator, plus CloudWatch alarms in ALARM on
the broken apps' error metric with 3 h of datapoints for every app's series in the lab's moto, so
the anomaly round has work.

Two emulator costs are kept out, because no real backend has them and they dwarfed the sweep:
  * the cluster is served as stored (an API server without the lab's world simulation, as
    bench_analyze serves it). Behind a Lab's World, the first request made the world's controllers
    adopt the foreign objects -- a new ReplicaSet and pods for all 500 Deployments, 26,000 events,
    minutes of work under the store lock -- so the "5,000-pod sweep" swept the world's rewrite of
    the cluster, and on a busy machine every Kubernetes call of the first sweeps timed out;
  * datapoints go in through the lab's own series index (MotoBackends.put_datapoints, the path the
    lab's world writes its metrics by), not PutMetricData, which moto keeps in one flat list and
    scans on every read.

The three servers run as their own processes over stdio, as the CLI runs them. Reported per size:
the median and max of the timed sweeps (server start-up excluded: it is the same at any size), tool
calls, problems, the time per tool (summed over a sweep) to say where it goes, and when each phase
of the last sweep started.

And whether the sweep saw everything: `world` is the cluster's root problems as bench_analyze seeds
them (each crash-looping app's Deployment, each Service selecting labels no pod carries, each
NotReady node -- read from the seed's own rules, here in the bench, never by the sweep), compared
with the problems the last sweep reported: found, missed, and reported but not in the world.

    python bench/bench_sweep.py [bench/results/sweep.json] [--sizes 100:10,1000:40,5000:200 --sweeps 3]

The issue's target: a sweep of 5,000 pods in under 5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_analyze import (  # noqa: E402
    CRASHING_EVERY,
    MIS_SELECTING_EVERY,
    NAMESPACES,
    NOT_READY_NODES,
    PODS_PER_APP,
    T0,
    seed,
)

from sre_agent.app.servers import stdio_servers  # noqa: E402
from sre_agent.app.toolbox import Toolbox  # noqa: E402
from sre_agent.lab.aws.server import client  # noqa: E402
from sre_agent.lab.kube.apiserver import KubeApiServer  # noqa: E402
from sre_agent.lab.kube.kubeconfig import write_kubeconfig  # noqa: E402
from sre_agent.lab.kube.store import ObjectStore  # noqa: E402
from sre_agent.lab.lab import Lab  # noqa: E402
from sre_agent.sweep.engine import run_sweep  # noqa: E402

TARGET_S = 5.0
MAX_ALARMED_APPS = 10


class Timed:
    """The Tools port, timing each call by tool (what the sweep spends where)."""

    def __init__(self, tools: Any) -> None:
        self.tools = tools
        self.spent: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    async def call(self, agent: str, server: str, tool: str, args: dict[str, Any], brain: str = "offline") -> Any:
        started = time.perf_counter()
        try:
            return await self.tools.call(agent, server, tool, args, brain)
        finally:
            self.spent[f"{server}.{tool}"] += time.perf_counter() - started
            self.calls[f"{server}.{tool}"] += 1


def seed_cloudwatch(lab: Lab, pods: int) -> int:
    """An error metric per app (3 h, per minute) and an alarm in ALARM on the first broken apps."""
    assert lab.moto is not None and lab.feed is not None
    cw = client("cloudwatch", lab.moto.url, lab.account)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    apps = -(-pods // PODS_PER_APP)
    alarmed = 0
    for a in range(apps):
        app, namespace = f"svc-{a // NAMESPACES:02d}", f"team-{a % NAMESPACES:02d}"
        broken = a % CRASHING_EVERY == 0
        dims = [{"Name": "ClusterName", "Value": "bench"}, {"Name": "Namespace", "Value": namespace},
                {"Name": "Service", "Value": app}]
        series = ("Application", "5xxCount", tuple((d["Name"], d["Value"]) for d in dims))
        lab.feed.backends.put_datapoints([
            (series, now - timedelta(minutes=m), 40.0 + m % 3 if broken and m < 30 else 1.0 + (m * 7 % 5) / 5, "None")
            for m in range(179, -1, -1)])  # oldest first: the index keeps each series in time order
        if broken and alarmed < MAX_ALARMED_APPS:
            name = f"{namespace}-{app}-5xx"
            cw.put_metric_alarm(AlarmName=name, Namespace="Application", MetricName="5xxCount", Dimensions=dims,
                                Statistic="Sum", Period=60, EvaluationPeriods=5, Threshold=10,
                                ComparisonOperator="GreaterThanThreshold")
            cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="Threshold Crossed (bench)")
            alarmed += 1
    return alarmed


def world_problems(pods: int, nodes: int) -> set[str]:
    """The root resources bench_analyze.seed breaks, by its own rules (see the module docstring)."""
    roots = {f"Node/node-{n:03d}" for n in range(min(NOT_READY_NODES, nodes))}
    for a in range(-(-pods // PODS_PER_APP)):
        app, namespace = f"svc-{a // NAMESPACES:02d}", f"team-{a % NAMESPACES:02d}"
        if a % CRASHING_EVERY == 0:
            roots.add(f"{namespace}/Deployment/{app}")
        if a % MIS_SELECTING_EVERY == 7:
            roots.add(f"{namespace}/Service/{app}")
    return roots


def against_world(reported: list[str], world: set[str]) -> dict[str, Any]:
    found = world & set(reported)
    return {"world": len(world), "reported": len(reported), "found": len(found),
            "missed": sorted(world - found)[:10], "missed_count": len(world - found),
            "not_in_world": sorted(set(reported) - world)[:10], "not_in_world_count": len(set(reported) - world)}


async def sweeps(env: dict[str, str], count: int) -> dict[str, Any]:
    started = time.perf_counter()
    async with Toolbox(stdio_servers(env, allow_writes=False, namespaces=[])) as tools:
        server_start_s = time.perf_counter() - started
        await run_sweep(tools)  # warm-up: the servers' first requests, caches
        durations, last, timed, phases = [], None, Timed(tools), []
        for _ in range(count):
            timed = Timed(tools)
            began = time.perf_counter()
            phases = []  # (seconds into the sweep, the phase the sweep says it starts)
            last = await run_sweep(timed, progress=lambda m, b=began, p=phases: p.append((round(time.perf_counter() - b, 2), m)))
            durations.append(time.perf_counter() - began)
    assert last is not None
    return {"server_start_s": round(server_start_s, 2), "sweep_s": {"median": round(statistics.median(durations), 3),
                                                                    "max": round(max(durations), 3), "sweeps": count},
            "status": last.status, "problems": len(last.problems), "tool_calls": last.counts.get("tool_calls"),
            "reported": [p.resource for p in last.problems],
            "counts": last.counts, "per_tool_s": {k: round(v, 3) for k, v in sorted(timed.spent.items(), key=lambda kv: -kv[1])},
            "per_tool_calls": dict(timed.calls), "phases_started_s": phases}


def run(pods: int, nodes: int, count: int) -> dict[str, Any]:
    lab = Lab().start()  # moto (CloudWatch, Logs, SSM) in an account of its own; its cluster stays unused
    store = ObjectStore(lambda: T0)
    api = KubeApiServer(store).start()  # the emulator without a world: the cluster as seeded (docstring)
    try:
        began = time.perf_counter()
        objects = seed(store, pods, nodes)
        alarms = seed_cloudwatch(lab, pods)
        seeded_s = time.perf_counter() - began
        kubeconfig = write_kubeconfig(lab.state_dir / "bench-kubeconfig", api.url)
        result = asyncio.run(sweeps({**lab.env(), "KUBECONFIG": str(kubeconfig)}, count))
    finally:
        api.stop()
        lab.stop()
    reported = result.pop("reported")
    return {"pods": pods, "nodes": nodes, "objects": sum(objects.values()), "alarms": alarms,
            "seed_s": round(seeded_s, 1), **result, "against_world": against_world(reported, world_problems(pods, nodes))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", nargs="?", default=str(ROOT / "bench" / "results" / "sweep.json"))
    parser.add_argument("--sizes", default="100:10,1000:40,5000:200", help="pods:nodes,...")
    parser.add_argument("--sweeps", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for size in args.sizes.split(","):
        pods, nodes = (int(x) for x in size.split(":"))
        print(f"sweep bench: {pods} pods on {nodes} nodes ...", file=sys.stderr, flush=True)
        rows.append(run(pods, nodes, args.sweeps))
        print(f"   median {rows[-1]['sweep_s']['median']} s, {rows[-1]['tool_calls']} calls, "
              f"{rows[-1]['problems']} problems ({rows[-1]['against_world']['found']} of the world's "
              f"{rows[-1]['against_world']['world']}); top: {list(rows[-1]['per_tool_s'].items())[:4]}", file=sys.stderr, flush=True)
    largest = rows[-1]
    out = {"benchmark": "sweep", "date": datetime.now(UTC).date().isoformat(),
           "machine": f"{platform.machine()}, Python {platform.python_version()}", "target_s": TARGET_S,
           "meets_target": largest["sweep_s"]["median"] < TARGET_S if largest["pods"] >= 5000 else None, "sizes": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2))
    print(json.dumps({r["pods"]: {**r["sweep_s"], "status": r["status"], **r["against_world"]} for r in rows}))


if __name__ == "__main__":
    main()
