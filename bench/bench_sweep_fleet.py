"""Benchmark: `sre-agent sweep --all-contexts` (sweep/fleet.py) over 1, 2 and 3 clusters of 5,000 pods / 200
nodes each: wall time, memory, and how both grow with the cluster count (issue 41).

Each cluster is bench_analyze's synthetic cluster (bench_sweep's world: 1 app in 20 crash-looping, 1 Service in 25
selecting nothing, 2 nodes NotReady), seeded into its own ObjectStore and served as stored by its own Kubernetes API
emulator (KubeApiServer without the lab's world simulation, as bench_sweep serves it) -- each in a process of its
own, as separate clusters have separate API servers (in one process they would share one GIL, a cost no real
fleet has). One kubeconfig names the N clusters (lab/kube/kubeconfig.write_contexts), one context each. The
clusters share one AWS account, the lab's moto (in this process, as in bench_sweep): every cluster's apps have a
`5xxCount` series (3 h, per minute) and up to 10 alarms in ALARM, all with the cluster's name as their ClusterName
dimension -- so each cluster's sweep must take its own alarms out of the account's (run_sweep's `cluster` filter).

A timed fleet sweep is what the CLI runs (commands/sweep_fleet._fleet): the cloudwatch and ssm servers started once
and shared, a kubernetes server per cluster bound to its context, `sweep_fleet(contexts, one, concurrency)` -- so
**the times include the servers' start-up** (bench_sweep excludes it; here it is part of what a fleet sweep costs).
One untimed fleet sweep over every cluster first warms
the emulators, moto and the page cache; then the cluster counts are timed in turn, round after round, so a busy
moment on the machine hits every count alike; the 1-cluster figure of the same run is the baseline.

Reported per cluster count (and for the largest count at concurrency 1 too, against the default 4):
  * the median and max wall time of the timed fleet sweeps, and their ratio to the 1-cluster median;
  * per cluster (last fleet sweep): seconds including its servers' start-up, seconds of run_sweep alone, tool
    calls, the alarms it took as its own, and its problems against the seeded roots (bench_sweep.against_world);
  * peak memory: the RSS sum of this process (the sweep's client and moto) and every process under it (the MCP
    servers, the API emulators), sampled every 0.1 s during the fleet sweep: the total, the total without the
    emulators (all of the largest count's clusters are up in every row: they stand in for remote API servers),
    and in `detail` by role at the peak and before the sweep; RSS sums count shared pages once per process;
  * CPU seconds per fleet sweep by role (this process, the MCP servers, the emulators), to say where time goes,
    and once per round the wall and CPU time of one context's three servers started and stopped with no sweep;
  * the load average (1 min) before, during and after.

    python bench/bench_sweep_fleet.py [bench/results/sweep_fleet.json] [--clusters 1,2,3 --pods 5000 --nodes 200
        --sweeps 3 --concurrency 4 --compare-concurrency 1]

The issue's aim: 3 clusters in under 2x one cluster's time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import resource
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_analyze import CRASHING_EVERY, NAMESPACES, PODS_PER_APP, T0, seed  # noqa: E402
from bench_sweep import MAX_ALARMED_APPS, against_world, world_problems  # noqa: E402

from sre_agent.app.options import RunOptions  # noqa: E402
from sre_agent.commands.sweep_fleet import _fleet  # noqa: E402
from sre_agent.lab.aws.server import client  # noqa: E402
from sre_agent.lab.kube.apiserver import KubeApiServer  # noqa: E402
from sre_agent.lab.kube.kubeconfig import write_contexts  # noqa: E402
from sre_agent.lab.kube.store import ObjectStore  # noqa: E402
from sre_agent.lab.lab import Lab  # noqa: E402
from sre_agent.sweep.fleet import Context, FleetReport, contexts_in  # noqa: E402

AIM_RATIO = 2.0  # 3 clusters in under 2x one cluster's time
TICKS = os.sysconf("SC_CLK_TCK")
MIB = 1024 * 1024


# --- the clusters: one API emulator process each --------------------------------------------------------------

def serve_cluster(pods: int, nodes: int, conn: Any) -> None:
    """A child process: bench_analyze's cluster seeded and served as stored until the parent says stop."""
    store = ObjectStore(lambda: T0)
    objects = seed(store, pods, nodes)
    api = KubeApiServer(store).start()
    conn.send((api.url, sum(objects.values())))
    conn.recv()
    api.stop()


def seed_alarms(lab: Lab, pods: int, cluster: str) -> int:
    """bench_sweep.seed_cloudwatch for one cluster of several in the account: ClusterName is the cluster's name,
    alarm names carry it (alarm names are per account)."""
    assert lab.moto is not None and lab.feed is not None
    cw = client("cloudwatch", lab.moto.url, lab.account)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    alarmed = 0
    for a in range(-(-pods // PODS_PER_APP)):
        app, namespace = f"svc-{a // NAMESPACES:02d}", f"team-{a % NAMESPACES:02d}"
        broken = a % CRASHING_EVERY == 0
        dims = [{"Name": "ClusterName", "Value": cluster}, {"Name": "Namespace", "Value": namespace},
                {"Name": "Service", "Value": app}]
        series = ("Application", "5xxCount", tuple((d["Name"], d["Value"]) for d in dims))
        lab.feed.backends.put_datapoints([
            (series, now - timedelta(minutes=m), 40.0 + m % 3 if broken and m < 30 else 1.0 + (m * 7 % 5) / 5, "None")
            for m in range(179, -1, -1)])
        if broken and alarmed < MAX_ALARMED_APPS:
            name = f"{cluster}-{namespace}-{app}-5xx"
            cw.put_metric_alarm(AlarmName=name, Namespace="Application", MetricName="5xxCount", Dimensions=dims,
                                Statistic="Sum", Period=60, EvaluationPeriods=5, Threshold=10,
                                ComparisonOperator="GreaterThanThreshold")
            cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="Threshold Crossed (bench)")
            alarmed += 1
    return alarmed


# --- memory, CPU and load of the process tree -----------------------------------------------------------------

def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, utime + stime in ticks) from /proc/<pid>/stat, None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), int(fields[11]) + int(fields[12])


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def load1() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


class TreeSampler(threading.Thread):
    """RSS of this process and all its descendants every `interval` s: the peak sum, and by role at that peak."""

    def __init__(self, api_pids: set[int], interval: float = 0.1) -> None:
        super().__init__(daemon=True, name="rss-sampler")
        self.api_pids, self.interval = api_pids, interval
        self.stop_event = threading.Event()
        self.peak_kib, self.peak_roles, self.peak_mcp_processes = 0, {}, 0
        self.loads: list[float] = []
        self._roles: dict[int, str] = {}

    def role(self, pid: int) -> str:
        if pid not in self._roles:
            role = ("bench_process" if pid == os.getpid() else "api_servers" if pid in self.api_pids
                    else "mcp_servers" if "mcp_servers." in _cmdline(pid) else "other")
            if role == "other":  # maybe an MCP server forked but not yet exec'd: asked again next time
                return role
            self._roles[pid] = role
        return self._roles[pid]

    def snapshot(self) -> dict[str, int]:
        parents: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit() and (st := _stat(int(entry))) is not None:
                parents.setdefault(st[0], []).append(int(entry))
        tree, todo = [], [os.getpid()]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo += parents.get(pid, [])
        roles: dict[str, int] = {}
        for pid in tree:
            roles[self.role(pid)] = roles.get(self.role(pid), 0) + _rss_kib(pid)
        roles["mcp_processes"] = sum(self.role(p) == "mcp_servers" for p in tree)
        return roles

    def run(self) -> None:
        while not self.stop_event.is_set():
            roles = self.snapshot()
            total = sum(v for k, v in roles.items() if k != "mcp_processes")
            if total > self.peak_kib:
                self.peak_kib, self.peak_roles = total, roles
            self.loads.append(load1())
            self.stop_event.wait(self.interval)

    def finish(self) -> dict[str, Any]:
        self.stop_event.set()
        self.join()
        roles = {k: round(v / 1024) for k, v in self.peak_roles.items() if k != "mcp_processes"}
        return {"peak_rss_mib": round(self.peak_kib / 1024), "at_peak_mib": roles,
                "mcp_processes_at_peak": self.peak_roles.get("mcp_processes", 0),
                "load1": [min(self.loads, default=0.0), max(self.loads, default=0.0)]}


def cpu_now(api_pids: list[int]) -> dict[str, float]:
    """CPU seconds so far: this process, its reaped children (the MCP servers of finished sweeps), the emulators."""
    own, reaped = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"bench_process": own.ru_utime + own.ru_stime, "mcp_servers": reaped.ru_utime + reaped.ru_stime,
            "api_servers": sum((_stat(p) or (0, 0))[1] for p in api_pids) / TICKS}


# --- one fleet sweep ------------------------------------------------------------------------------------------

async def fleet_sweep(options: RunOptions, kubeconfig: Path, contexts: list[Context], concurrency: int) -> FleetReport:
    """What `sweep --all-contexts` runs (commands/sweep_fleet._fleet): the AWS servers started once and shared, a
    kubernetes server per cluster."""
    return await _fleet(options, contexts, kubeconfig, None, concurrency, lambda _m: None)


async def start_stop(options: RunOptions) -> None:
    """What a cluster's sweep costs before and after run_sweep: its three servers started and stopped (_sweep's)."""
    from sre_agent.app.servers import stdio_servers
    from sre_agent.app.toolbox import Toolbox

    async with Toolbox(stdio_servers(options.env, allow_writes=False, namespaces=[], extra_args=options.server_args)):
        pass


def servers_alone(options: RunOptions, api_pids: list[int]) -> dict[str, Any]:
    cpu0, began = cpu_now(api_pids), time.perf_counter()
    asyncio.run(start_stop(options))
    wall, cpu1 = time.perf_counter() - began, cpu_now(api_pids)
    return {"wall_s": wall, "cpu_s": cpu1["mcp_servers"] - cpu0["mcp_servers"]}


def timed(options: RunOptions, kubeconfig: Path, contexts: list[Context], concurrency: int,
          api_pids: list[int]) -> dict[str, Any]:
    sampler = TreeSampler(set(api_pids))
    before_kib = sum(v for k, v in sampler.snapshot().items() if k != "mcp_processes")
    cpu0 = cpu_now(api_pids)
    sampler.start()
    began = time.perf_counter()
    fleet = asyncio.run(fleet_sweep(options, kubeconfig, contexts, concurrency))
    wall = time.perf_counter() - began
    memory = sampler.finish()
    cpu1 = cpu_now(api_pids)
    return {"wall_s": wall, "fleet": fleet, "rss_before_mib": round(before_kib / 1024), **memory,
            "cpu_s": {k: round(cpu1[k] - cpu0[k], 1) for k in cpu0}}


def cluster_rows(fleet: FleetReport, world: set[str], alarms: int) -> list[dict[str, Any]]:
    rows = []
    for c in fleet.clusters:
        r = c.report
        aw = against_world([p.resource for p in r.problems], world) if r else None
        rows.append({"context": c.context, "status": c.status, "seconds": c.seconds,
                     "run_sweep_s": r.duration_s if r else None, "tool_calls": r.counts.get("tool_calls") if r else None,
                     "alarms_taken": r.counts.get("alarms") if r else None, "alarms_seeded": alarms,
                     "problems": len(r.problems) if r else None,
                     "roots_found": f"{aw['found']} / {aw['world']}" if aw else None,
                     "not_in_world": aw["not_in_world_count"] if aw else None,
                     **({"error": c.error} if c.error else {})})
    return rows


def summarise(clusters: int, concurrency: int, runs: list[dict[str, Any]], world: set[str], alarms: int,
              baseline_median: float | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the row the docs show -- compact, docs/benchmarks.md keeps a result's first 4,000 characters --, its detail)."""
    walls = [r["wall_s"] for r in runs]
    med = statistics.median(walls)
    last, peak = runs[-1], max(runs, key=lambda r: r["peak_rss_mib"])
    per_cluster = cluster_rows(last["fleet"], world, alarms)
    row = {
        "clusters": clusters, "concurrency": concurrency,
        "fleet_s": {"median": round(med, 2), "max": round(max(walls), 2), "sweeps": len(walls)},
        "ratio_to_1_cluster": round(med / baseline_median, 2) if baseline_median else None,
        "peak_rss_mib": peak["peak_rss_mib"],
        "peak_rss_without_emulators_mib": peak["peak_rss_mib"] - peak["at_peak_mib"].get("api_servers", 0),
        "last_sweep_per_cluster_s": ", ".join(f"{c['seconds']:.1f} ({c['run_sweep_s']:.1f} run_sweep)" if c["run_sweep_s"] is not None
                                   else f"{c['seconds']:.1f} (failed)" for c in per_cluster),
        "roots_found": ", ".join(str(c["roots_found"]) for c in per_cluster),
        "alarms_taken": ", ".join(str(c["alarms_taken"]) for c in per_cluster),
        "cpu_s": ", ".join(f"{k} {statistics.median(r['cpu_s'][k] for r in runs):.1f}" for k in last["cpu_s"]),
        "load1_during": f"{min(r['load1'][0] for r in runs)}-{max(r['load1'][1] for r in runs)}",
    }
    detail = {"clusters": clusters, "concurrency": concurrency, "fleet_status": last["fleet"].status,
              "all_s": [round(w, 2) for w in walls], "rss_before_sweep_mib": last["rss_before_mib"],
              "peak_by_role_mib": peak["at_peak_mib"], "mcp_processes_at_peak": peak["mcp_processes_at_peak"],
              "per_cluster_last_sweep": per_cluster}
    return row, detail


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", nargs="?", default=str(ROOT / "bench" / "results" / "sweep_fleet.json"))
    parser.add_argument("--clusters", default="1,2,3", help="cluster counts to time, e.g. 1,2,3 (1 is the baseline)")
    parser.add_argument("--pods", type=int, default=5000)
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--sweeps", type=int, default=3, help="timed fleet sweeps per cluster count")
    parser.add_argument("--concurrency", type=int, default=4, help="sweep_fleet's concurrency (the CLI's default: 4)")
    parser.add_argument("--compare-concurrency", type=int, default=1,
                        help="the largest count also at this concurrency (0: not)")
    args = parser.parse_args()
    counts = sorted({int(n) for n in args.clusters.split(",")})
    largest = counts[-1]
    configs = [(n, args.concurrency) for n in counts]
    if args.compare_concurrency and args.compare_concurrency != args.concurrency and largest > 1:
        configs.append((largest, args.compare_concurrency))
    load_before = load1()
    started = time.perf_counter()

    spawn = multiprocessing.get_context("spawn")  # the parent has threads (moto); fork would copy them half-way
    procs, conns = [], []
    print(f"sweep_fleet bench: seeding {largest} cluster(s) of {args.pods} pods on {args.nodes} nodes ...",
          file=sys.stderr, flush=True)
    began = time.perf_counter()
    for _ in range(largest):
        parent, child = spawn.Pipe()
        proc = spawn.Process(target=serve_cluster, args=(args.pods, args.nodes, child), daemon=True)
        proc.start()
        procs.append(proc)
        conns.append(parent)
    lab = Lab().start()  # moto, one account for every cluster; the lab's own cluster stays unused
    tmp = tempfile.TemporaryDirectory(prefix="bench-sweep-fleet-")
    try:
        names = [f"cluster-{i + 1}" for i in range(largest)]
        alarms = {name: seed_alarms(lab, args.pods, name) for name in names}
        served = [conn.recv() for conn in conns]
        seed_s = time.perf_counter() - began
        api_pids = [p.pid for p in procs if p.pid is not None]
        kubeconfig = write_contexts(Path(tmp.name) / "kubeconfig", [(n, url) for n, (url, _) in zip(names, served, strict=True)])
        contexts = contexts_in(kubeconfig)
        assert [c.cluster for c in contexts] == names, contexts
        options = RunOptions(env={**lab.env(), "KUBECONFIG": str(kubeconfig)}, state_dir=Path(tmp.name) / "state")
        world = world_problems(args.pods, args.nodes)

        print(f"   seeded in {seed_s:.1f} s; warm-up fleet sweep over {largest} cluster(s) ...", file=sys.stderr, flush=True)
        warm = timed(options, kubeconfig, contexts, args.concurrency, api_pids)
        print(f"   warm-up {warm['wall_s']:.1f} s, {warm['fleet'].status}", file=sys.stderr, flush=True)

        runs: dict[tuple[int, int], list[dict[str, Any]]] = {c: [] for c in configs}
        alone: list[dict[str, Any]] = []
        for round_ in range(args.sweeps):  # interleaved: a busy moment hits every count alike
            alone.append(servers_alone(options.model_copy(update={"server_args": {**options.server_args, "kubernetes": [
                "--kubeconfig", str(kubeconfig), "--context", contexts[0].name]}}), api_pids))
            for n, conc in configs:
                run = timed(options, kubeconfig, contexts[:n], conc, api_pids)
                runs[(n, conc)].append(run)
                print(f"   round {round_ + 1}: {n} cluster(s), concurrency {conc}: {run['wall_s']:.1f} s, "
                      f"peak RSS {run['peak_rss_mib']} MiB, cpu {run['cpu_s']}, load {run['load1']}, "
                      f"per cluster {[c.seconds for c in run['fleet'].clusters]}", file=sys.stderr, flush=True)
    finally:
        for conn in conns:
            try:
                conn.send("stop")
            except OSError:
                pass
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.terminate()
        lab.stop()
        tmp.cleanup()

    baseline = statistics.median(r["wall_s"] for r in runs[(1, args.concurrency)]) if (1, args.concurrency) in runs else None
    summaries = [summarise(n, conc, runs[(n, conc)], world, alarms[names[0]], baseline) for n, conc in configs]
    rows = [row for row, _ in summaries]
    at_default = [r for r in rows if r["concurrency"] == args.concurrency]
    top = at_default[-1]
    first = at_default[0]
    span = top["clusters"] - first["clusters"]
    out = {
        "benchmark": "sweep_fleet", "date": datetime.now(UTC).date().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "pods_per_cluster": args.pods, "nodes_per_cluster": args.nodes, "objects_per_cluster": served[0][1],
        "alarms_per_cluster": alarms[names[0]], "seeded_roots_per_cluster": len(world),
        "timing": "wall time of sweep_fleet, each cluster's three MCP servers started and stopped inside it "
                  "(server start-up included); one warm-up fleet sweep first; counts interleaved round by round",
        "aim": f"{largest} clusters < {AIM_RATIO}x one cluster's time",
        "meets_aim": top["ratio_to_1_cluster"] < AIM_RATIO if top["ratio_to_1_cluster"] is not None else None,
        "baseline_1_cluster_s": round(baseline, 2) if baseline else None,
        "growth_per_added_cluster": {
            "s": round((top["fleet_s"]["median"] - first["fleet_s"]["median"]) / span, 2),
            "peak_rss_mib": round((top["peak_rss_mib"] - first["peak_rss_mib"]) / span)} if span else None,
        "load1": {"before": load_before, "after": load1()},
        "one_cluster_servers_start_stop_alone": {
            "wall_s": round(statistics.median(a["wall_s"] for a in alone), 2),
            "cpu_s": round(statistics.median(a["cpu_s"] for a in alone), 2),
            "what": "the three MCP servers of one context started and stopped, no sweep: part of every cluster's time"},
        "bench_wall_s": round(time.perf_counter() - started),
        "seed_s": round(seed_s, 1),
        "rows": rows,
        "detail": [detail for _, detail in summaries],
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2))
    print(json.dumps({f"{r['clusters']}@{r['concurrency']}": {**r["fleet_s"], "ratio": r["ratio_to_1_cluster"],
                                                              "peak_rss_mib": r["peak_rss_mib"], "roots": r["roots_found"]}
                      for r in rows}))


if __name__ == "__main__":
    main()
