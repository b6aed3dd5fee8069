"""Benchmark: what serving several clusters costs in memory (issue 41) -- a real `sre-agent serve` process
(`--workers 2 --step-processes 1 --remediation off`, the offline brain) over a lab fleet of 3 clusters
(lab/fleet.py: one kubeconfig with a context per cluster, an AWS profile per cluster, every lab in this process),
in four configurations, one after the other, each with a fresh state dir:

  * `single`: no `clusters:` -- the single-cluster service (kubeconfig context sre-lab-1, AWS_PROFILE=sre-lab-1),
    whose three MCP servers start with the service (SharedServers). The baseline.
  * `1_cluster`: `clusters:` with sre-lab-1 only, its own AWS profile.
  * `3_own_profiles`: `clusters:` with the 3 clusters, each with its own AWS profile (fleet.clusters_config()):
    a kubernetes server per cluster and cloudwatch + ssm servers per profile -- 9 servers at most.
  * `3_shared_profile`: the same 3 clusters without `aws_profile`, AWS_PROFILE=sre-lab-1 (lab 1's account as the
    default AWS env for all): a kubernetes server per cluster, one cloudwatch and one ssm server -- 5 at most.
    (Clusters 2 and 3 keep their `aws_account`, so their alarms are routed as before, but their CloudWatch is read
    in lab 1's account, where their alarms are not: less AWS evidence for those runs; memory is the point.)

With clusters configured the servers start lazily, on the first run in a cluster (service/cluster_servers.py), so
each configuration is measured (a) idle, once settled after /healthz answers, and (b) after one completed
investigation in each of its clusters: bad-image's fault is loaded in every lab, each cluster's alarm (its
ClusterName dimension and account, lab/trigger.scenario_trigger) is posted to /v1/incidents and the run waited
for, one cluster after the other, the tree measured after each. `--remediation off` keeps the fault in place for
every configuration (nothing is written). Every configuration gets the fleet's profiles_env() (KUBECONFIG, the AWS
config and credentials files) and never the lab's AWS_ENDPOINT_URL, which would turn the runs' X-Ray tracing on
(tracing.mode auto) and add the tracer's boto3 (~27 MiB) to the step process -- a lab artefact, not a cluster cost.

Measured, from /proc (psutil is not in the venv): the serve process and all its descendants -- RSS (VmRSS) and
PSS (smaps_rollup: the pages the Python processes share are counted once overall, not once per process as in an
RSS sum), the number of MCP server processes, and per server its module (mcp_servers.kubernetes / cloudwatch /
ssm), what it is bound to (--context / --profile) and its RSS / PSS. Each figure is the median of 3 samples 0.5 s
apart, taken after a settle pause and once the tree's RSS moves by less than 1 MiB a second. The marginal cost of
one more cluster, own profiles and shared profile, is measured inside each 3-cluster service: (after cluster 3's
run - after cluster 1's run) / 2, in MiB and as a ratio to the single-cluster service after its run, in the same
bench run; the steps (cluster 2 - 1, 3 - 2) and the same figure across services, (3-cluster service - 1_cluster
service) / 2, are reported too. Memory does not depend on the CPU load; the load average is reported because the
times (start, run) do.

    python bench/bench_service_clusters.py [bench/results/service_clusters.json] [--settle 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
# The serve process and the MCP servers it starts import this checkout, whatever the venv points at.
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)

from bench_service import descendants  # noqa: E402

from sre_agent.lab.fleet import LabFleet  # noqa: E402
from sre_agent.lab.trigger import lab_namespaces, scenario_trigger  # noqa: E402

TOKEN = "bench-service-clusters"
SCENARIO = "bad-image"
CLUSTERS = 3
SERVE_FLAGS = ["--workers", "2", "--step-processes", "1", "--remediation", "off"]
SERVER_MODULES = ("mcp_servers.kubernetes", "mcp_servers.cloudwatch", "mcp_servers.ssm")


# --- /proc ------------------------------------------------------------------------------------------------------

def load1() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def memory_kib(pid: int) -> dict[str, int] | None:
    """{rss, pss} in KiB: VmRSS from status, Pss from smaps_rollup (absent when unreadable); None when gone."""
    out: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                out["rss"] = int(line.split()[1])
    except OSError:
        return None
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                out["pss"] = int(line.split()[1])
    except OSError:
        pass
    return out if "rss" in out else None


def cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def role(pid: int, serve_pid: int) -> tuple[str, str | None]:
    """(what the process is: serve, a server's module, step_process, other; what a server is bound to)."""
    if pid == serve_pid:
        return "serve", None
    argv = cmdline(pid)
    module = next((a for a in argv if a in SERVER_MODULES), None)
    if module:
        bound = [f"{flag} {argv[argv.index(flag) + 1]}" for flag in ("--context", "--profile")
                 if flag in argv[:-1]]
        return module, ", ".join(bound) or "default"
    if any("sre_agent.service.step_worker" in a for a in argv):
        return "step_process", None
    return "other", " ".join(argv)[:80] or None


def tree(serve_pid: int) -> dict[str, Any]:
    """One sample of serve's process tree: totals, by role, and each MCP server."""
    total = {"rss": 0, "pss": 0}
    by_role: dict[str, dict[str, int]] = {}
    servers = []
    for pid in [serve_pid, *descendants(serve_pid)]:
        mem = memory_kib(pid)
        if mem is None:
            continue
        kind, bound = role(pid, serve_pid)
        slot = by_role.setdefault(kind, {"processes": 0, "rss": 0, "pss": 0})
        slot["processes"] += 1
        for key in ("rss", "pss"):
            total[key] += mem.get(key, 0)
            slot[key] += mem.get(key, 0)
        if kind.startswith("mcp_servers."):
            servers.append({"module": kind, "bound": bound, "rss": mem["rss"], "pss": mem.get("pss")})
    return {"total": total, "by_role": by_role, "servers": servers,
            "mcp_processes": sum(s["processes"] for k, s in by_role.items() if k.startswith("mcp_servers."))}


def measure(serve_pid: int, settle_s: float, bound_s: float = 20.0) -> dict[str, Any]:
    """The median of 3 samples 0.5 s apart, in MiB, once the tree has settled: `settle_s`, then until its RSS moved
    less than 1 MiB in a second (a process still importing -- the step process after a start under load --, at most
    `bound_s`); the servers from the last sample."""
    time.sleep(settle_s)
    deadline, previous = time.monotonic() + bound_s, tree(serve_pid)["total"]["rss"]
    while time.monotonic() < deadline:
        time.sleep(1)
        current = tree(serve_pid)["total"]["rss"]
        if abs(current - previous) < 1024:
            break
        previous = current
    samples = []
    for i in range(3):
        if i:
            time.sleep(0.5)
        samples.append(tree(serve_pid))
    last = samples[-1]

    def mib(kib: float) -> float:
        return round(kib / 1024, 1)

    return {
        "rss_mib": mib(statistics.median(s["total"]["rss"] for s in samples)),
        "pss_mib": mib(statistics.median(s["total"]["pss"] for s in samples)),
        "mcp_processes": last["mcp_processes"],
        "by_role": {k: {"processes": v["processes"], "rss_mib": mib(v["rss"]), "pss_mib": mib(v["pss"])}
                    for k, v in sorted(last["by_role"].items())},
        "servers": sorted(({"module": s["module"].removeprefix("mcp_servers."), "bound": s["bound"],
                            "rss_mib": mib(s["rss"]), "pss_mib": mib(s["pss"]) if s["pss"] is not None else None}
                           for s in last["servers"]), key=lambda s: (s["module"], s["bound"] or "")),
        "load1": load1(),
    }


# --- the service --------------------------------------------------------------------------------------------------

def start_serve(state: Path, env: dict[str, str], config: dict[str, Any] | None,
                extra: list[str]) -> tuple[subprocess.Popen, str, float]:
    """`sre-agent serve` as a process, once /healthz answers: (process, url, seconds to healthy)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    state.mkdir(parents=True, exist_ok=True)
    head = [sys.executable, "-m", "sre_agent.cli"]
    if config is not None:
        (state / "config.yaml").write_text(json.dumps(config))
        head += ["--config", str(state / "config.yaml")]
    began = time.monotonic()
    proc = subprocess.Popen([*head, "serve", "--port", str(port), "--token", TOKEN, *SERVE_FLAGS, *extra,
                             "--state-dir", str(state / "state")], env={**os.environ, **env},
                            stdout=subprocess.DEVNULL, stderr=(state / "serve.log").open("w"))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"serve exited {proc.returncode}: {(state / 'serve.log').read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, url, time.monotonic() - began
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError("serve did not answer /healthz in 180 s")


def investigate(api: httpx.Client, url: str, alarm: dict[str, Any], bound_s: float = 240) -> dict[str, Any]:
    """Post one alarm and wait for its run to end: the incident's cluster, status and seconds."""
    began = time.monotonic()
    created = api.post(f"{url}/v1/incidents", json=alarm)
    if created.status_code != 202:
        raise RuntimeError(f"alarm not queued: {created.status_code} {created.text[:500]}")
    incident = created.json()["incident_id"]
    deadline = time.monotonic() + bound_s
    while time.monotonic() < deadline:
        view = api.get(f"{url}/v1/incidents/{incident}").json()
        if view["result"] or view["error"]:
            result = view["result"] or {}
            return {"cluster": created.json().get("cluster"), "status": view["status"], "error": view["error"],
                    "diagnosis": (result.get("diagnosis") or {}).get("category"),
                    "tool_calls": result.get("tool_calls"), "seconds": round(time.monotonic() - began, 1)}
        time.sleep(0.5)
    raise RuntimeError(f"incident {incident}: no end in {bound_s} s")


def configuration(name: str, fleet: LabFleet, alarms: list[dict[str, Any]], clusters: int, state: Path,
                  settle_s: float) -> dict[str, Any]:
    """One service: idle, then after one investigation in each of its clusters."""
    namespaces = [lab_namespaces(lab) for lab in fleet.labs]
    env = fleet.profiles_env()  # no AWS_ENDPOINT_URL: the profiles carry the endpoint (module docstring)
    if name == "single":
        env, config = {**env, "AWS_PROFILE": fleet.names[0]}, None
        extra = ["--context", fleet.names[0], "--namespaces", ",".join(namespaces[0])]
    elif name == "3_shared_profile":
        entries = [{k: v for k, v in c.items() if k != "aws_profile"} for c in fleet.clusters_config(namespaces)]
        env, config, extra = {**env, "AWS_PROFILE": fleet.names[0]}, {"clusters": entries[:clusters]}, []
    else:
        config, extra = {"clusters": fleet.clusters_config(namespaces)[:clusters]}, []
    load_before = load1()
    proc, url, healthy_s = start_serve(state / name, env, config, extra)
    try:
        idle = measure(proc.pid, settle_s)
        steps = []
        with httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as api:
            for i in range(clusters):
                run = investigate(api, url, alarms[i])
                steps.append({"run": run, **measure(proc.pid, settle_s)})
                print(f"   {name}: cluster {i + 1} {run}, tree RSS {steps[-1]['rss_mib']} MiB, "
                      f"PSS {steps[-1]['pss_mib']} MiB, {steps[-1]['mcp_processes']} MCP servers",
                      file=sys.stderr, flush=True)
            ready = api.get(f"{url}/readyz").json()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    checks = ready.get("checks", {})
    return {"config": name, "clusters": clusters, "seconds_to_healthy": round(healthy_s, 1), "idle": idle,
            "after_runs": steps, "load1_before": load_before, "readyz_ready": ready.get("ready"),
            "readyz_mcp": checks.get("clusters") or checks.get("mcp_servers")}


# --- the report ---------------------------------------------------------------------------------------------------

def per_module(measured: dict[str, Any]) -> dict[str, list[float]]:
    """Each server module's processes' RSS in MiB (one sample's)."""
    out: dict[str, list[float]] = {}
    for server in measured["servers"]:
        out.setdefault(server["module"], []).append(server["rss_mib"])
    return out


def summarise(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The figures the docs show first (docs/benchmarks.md keeps a result's first 4,000 characters): compact."""
    def after(name: str) -> dict[str, Any]:
        return runs[name]["after_runs"][-1]

    def listed(values: list[float]) -> str:
        return ", ".join(f"{v:g}" for v in values)

    base = after("single")

    def marginal(name: str) -> dict[str, Any]:
        steps = runs[name]["after_runs"]
        span = len(steps) - 1
        out: dict[str, Any] = {}
        for key in ("rss_mib", "pss_mib"):
            mib = (steps[-1][key] - steps[0][key]) / span
            out[key] = round(mib, 1)
            out[f"{key.split('_')[0]}_ratio_to_single"] = round(mib / base[key], 2)
        out["mcp_processes_added"] = round((steps[-1]["mcp_processes"] - steps[0]["mcp_processes"]) / span, 1)
        out["steps_rss_mib"] = listed([round(b["rss_mib"] - a["rss_mib"], 1) for a, b in zip(steps, steps[1:], strict=False)])
        out["steps_pss_mib"] = listed([round(b["pss_mib"] - a["pss_mib"], 1) for a, b in zip(steps, steps[1:], strict=False)])
        out["across_services_rss_pss_mib"] = listed([round((after(name)[k] - after("1_cluster")[k]) / span, 1)
                                                     for k in ("rss_mib", "pss_mib")])
        return out

    every = [s for r in runs.values() for s in [r["idle"], *r["after_runs"]]]
    modules: dict[str, list[float]] = {}
    for name in runs:
        for module, each in per_module(after(name)).items():
            modules.setdefault(module, []).extend(each)
    rows = {name: {
        "idle_rss_pss_mib": listed([r["idle"]["rss_mib"], r["idle"]["pss_mib"]]),
        "idle_mcp_processes": r["idle"]["mcp_processes"],
        "after_runs_rss_pss_mib": listed([after(name)["rss_mib"], after(name)["pss_mib"]]),
        "after_runs_mcp_processes": after(name)["mcp_processes"],
        "serve_step_process_rss_mib": listed([after(name)["by_role"].get(k, {}).get("rss_mib", 0)
                                              for k in ("serve", "step_process")]),
        "servers_rss_mib": "; ".join(f"{m} {listed(v)}" for m, v in per_module(after(name)).items()),
        "runs": ", ".join(f"{s['run']['cluster'] or '-'} {s['run']['diagnosis']} {s['run']['status']} {s['run']['seconds']} s"
                          for s in r["after_runs"]),
        "seconds_to_healthy": r["seconds_to_healthy"]} for name, r in runs.items()}
    return {
        "baseline_single_after_run": {"rss_mib": base["rss_mib"], "pss_mib": base["pss_mib"],
                                      "mcp_processes": base["mcp_processes"]},
        "marginal_per_added_cluster": {
            "own_profile": marginal("3_own_profiles"), "shared_profile": marginal("3_shared_profile"),
            "how": "in the 3-cluster service, (after cluster 3's run - after cluster 1's) / 2, over the single-cluster "
                   "service after its run; steps: cluster k - k-1; across_services: (3 clusters - 1_cluster) / 2"},
        "server_rss_mib_by_module": {m: f"median {round(statistics.median(v), 1):g} ({min(v):g}-{max(v):g}, {len(v)} processes)"
                                     for m, v in sorted(modules.items())},
        "idle_vs_single_rss_pss_mib": {name: listed([round(r["idle"][k] - runs["single"]["idle"][k], 1)
                                                     for k in ("rss_mib", "pss_mib")])
                                       for name, r in runs.items() if name != "single"},
        "load1_at_samples": listed([min(s["load1"] for s in every), max(s["load1"] for s in every)]),
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", nargs="?", default=str(ROOT / "bench" / "results" / "service_clusters.json"))
    parser.add_argument("--settle", type=float, default=3.0, help="seconds before each measurement")
    args = parser.parse_args()
    started = time.perf_counter()
    load_start = load1()
    smaps = Path("/proc/self/smaps_rollup")
    pss_readable = smaps.exists() and os.access(smaps, os.R_OK)

    print(f"service_clusters bench: a fleet of {CLUSTERS} labs, {SCENARIO} in each ...", file=sys.stderr, flush=True)
    fleet = LabFleet(CLUSTERS, history_minutes=60).start()
    runs: dict[str, dict[str, Any]] = {}
    try:
        for lab in fleet.labs:  # the fault in every cluster: each has an alarm in ALARM to investigate
            lab.load(SCENARIO)
        fleet.run_clock(60)
        deadline = time.monotonic() + 120
        while True:
            alarms = [scenario_trigger(lab).alarm for lab in fleet.labs]
            if all(a and a["NewStateValue"] == "ALARM" for a in alarms) or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert all(a and a["NewStateValue"] == "ALARM" for a in alarms), [a and a["NewStateValue"] for a in alarms]
        lab_s = time.perf_counter() - started
        print(f"   fleet up and alarms firing in {lab_s:.1f} s", file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory(prefix="bench-service-clusters-") as tmp:
            for name, clusters in (("single", 1), ("1_cluster", 1), ("3_own_profiles", 3), ("3_shared_profile", 3)):
                runs[name] = configuration(name, fleet, alarms, clusters, Path(tmp), args.settle)  # type: ignore[arg-type]
    finally:
        fleet.stop()

    summary = summarise(runs)
    out = {
        "benchmark": "service_clusters", "date": datetime.now(UTC).date().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load1": {"start": load_start, "end": load1(), "at_samples": summary.pop("load1_at_samples")},
        "bench_wall_s": round(time.perf_counter() - started),
        "serve": f"sre-agent serve {' '.join(SERVE_FLAGS)} --brain offline (default), {SCENARIO} in every cluster",
        "memory": "serve and all its descendants, from /proc: RSS = sum of VmRSS, PSS = sum of smaps_rollup Pss "
                  f"(readable: {pss_readable}); median of 3 samples 0.5 s apart after {args.settle:g} s settling",
        **summary,
        "lab_s": round(lab_s, 1),
        "detail": runs,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2))
    print(json.dumps({k: out[k] for k in ("baseline_single_after_run", "marginal_per_added_cluster",
                                          "server_rss_mib_by_module", "load1", "bench_wall_s")}, indent=2))


if __name__ == "__main__":
    main()
