"""Benchmark: `sre-agent serve` against a real serve process on loopback, in the lab (the Kubernetes
API emulator and moto, healthy-baseline's shop world).

1. Intake storm: 1,000 CloudWatch alarm notifications (100 distinct alarms -- name and dimensions --
   each sent 10 times, shuffled) POSTed to /v1/incidents by an asyncio client, 50 requests in
   flight (closed loop), or with `--rate R` offered at R per second whatever the answers (open loop:
   the aim's "p99 at >= 500/s"; latency counts from when each request was due), from a process of its
   own (the lab's emulators run in this one and would share its GIL).
   Reported: alarms/s, acknowledgement latency p50/p95/p99, status codes (5xx must be 0; 429s apart),
   and from the store's view (GET /v1/incidents?limit=1000) that the 1,000 became exactly 100
   incidents whose notifications sum to 1,000. `--workers 2 --remediation off`: the runs proceed
   while the storm lands, but what is measured is intake. Then acknowledgements one at a time while
   the runs execute (one_in_flight: how much the runs disturb the intake, with no queue in front).
2. Memory: RSS of serve, its MCP servers and its step processes, read from /proc, at rest
   (servers up, nothing queued) and peak while the storm lands and runs execute (sampled every
   0.5 s) -> MB per concurrent run = (peak - rest) / workers. Baseline: one set of the three
   servers over stdio, as the old design started per incident, measured here.
3. Runs per minute: N investigations of healthy-baseline through run_investigation, one at a time,
   (a) over one SharedServers started once (HTTP) and (b) over a fresh set of stdio servers per run
   (options.servers=None), interleaved a, b, a, b ... so load drift hits both alike.

    python bench/bench_service.py [bench/results/service.json] [--alarms 1000 --distinct 100
                                   --concurrency 50 --rate 500 --runs 6 --baseline DIR --rounds 3]

The issue's aim: >= 500 alarms/s with p99 < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The serve process and the MCP servers it starts import this checkout, whatever the venv points at.
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)

AIM_RATE = 500.0
AIM_P99_MS = 50.0
SCENARIO = "healthy-baseline"


# --- /proc ------------------------------------------------------------------------------------
def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0  # gone, or a zombie


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime (stat fields 14 and 15)


def runqueue_wait_s(pid: int) -> float:
    """Seconds the threads of a process have spent runnable but waiting for a CPU (schedstat's second
    field, summed over /proc/PID/task): how much of a storm's latency the machine's other work took."""
    total = 0
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            total += int((task / "schedstat").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            pass
    return total / 1e9


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:  # a process may end between the listing and the read
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])  # the name may hold spaces and ')'
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def is_step_process(pid: int) -> bool:
    """A step process of serve's (python -m sre_agent.service.step_worker), not one of its MCP servers."""
    try:
        return b"sre_agent.service.step_worker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def tree_mb(pid: int) -> dict[str, float]:
    """RSS of serve (process), its MCP servers (children) and its step processes, and their total."""
    own = rss_kib(pid)
    kids = descendants(pid)
    steps = sum(rss_kib(c) for c in kids if is_step_process(c))
    servers = sum(rss_kib(c) for c in kids) - steps
    return {"total_mb": round((own + servers + steps) / 1024, 1), "process_mb": round(own / 1024, 1),
            "children_mb": round(servers / 1024, 1), "step_processes_mb": round(steps / 1024, 1)}


class Sampler:
    """RSS of a process tree every `interval_s`, in a thread; the peak total and when it was."""

    def __init__(self, pid: int, interval_s: float = 0.5) -> None:
        self.pid, self.interval_s = pid, interval_s
        self.samples: list[dict[str, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        started = time.monotonic()
        while not self._stop.is_set():
            self.samples.append({"t_s": round(time.monotonic() - started, 1), **tree_mb(self.pid)})
            self._stop.wait(self.interval_s)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self) -> dict[str, float]:
        return max(self.samples, key=lambda s: s["total_mb"])


def _storm_summary(client: str, latencies: list[float], wall: float, cpu: float, codes: dict[str, int],
                   errors: list[str]) -> dict:
    """One storm's figures, whichever client sent it."""
    ms = sorted(x * 1000 for x in latencies)
    return {"client": client, "requests": len(ms), "wall_s": round(wall, 3), "alarms_per_s": round(len(ms) / wall, 1),
            "ack_ms": {"p50": round(percentile(ms, 0.50), 1), "p95": round(percentile(ms, 0.95), 1),
                       "p99": round(percentile(ms, 0.99), 1), "max": round(ms[-1], 1),
                       "mean": round(statistics.fmean(ms), 1)},
            "status_codes": dict(sorted(codes.items())), "client_cpu_s": round(cpu, 2), "errors": errors[:5]}


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- the storm client (its own process) --------------------------------------------------------
class RawHttp:
    """One keep-alive HTTP/1.1 connection over asyncio streams: the storm's default sender. httpx spends
    ~1.2 ms of CPU per request (measured on this machine) -- twice what serve now spends answering it --
    and on a 2-core machine the client's CPU is taken from the server it measures. Sends what httpx sent
    (Host, Content-Type, Content-Length); reads the status line, the headers and a Content-Length body
    (serve always sends one)."""

    def __init__(self, url: str) -> None:
        match = re.match(r"http://([^:/]+):(\d+)", url)
        if not match:
            raise SystemExit(f"the raw client speaks plain http://host:port only, not {url}")
        self.host, self.port = match.group(1), int(match.group(2))
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        self.writer.write(head + body)
        headers = await self.reader.readuntil(b"\r\n\r\n")
        status = int(headers[9:12])
        length = re.search(rb"(?im)^content-length:\s*(\d+)", headers)
        if length is None:
            raise RuntimeError(f"no Content-Length in the answer to {method} {path}: {headers[:200]!r}")
        await self.reader.readexactly(int(length.group(1)))
        if re.search(rb"(?im)^connection:\s*close", headers):
            await self.aclose()
        return status

    async def aclose(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def raw_storm(url: str, bodies: list[dict[str, Any]], concurrency: int, go: Any = None,
                    rate: float | None = None) -> dict[str, Any]:
    """storm(), with RawHttp senders: one connection each, `concurrency` in flight. With `rate`, open
    loop instead: request i is due at start + i / rate, whatever the answers before it, and its latency
    counts from when it was due (a request that waited for a free connection waited for the service)."""
    latencies: list[float] = []
    codes: dict[str, int] = {}
    errors: list[str] = []
    queue = [json.dumps(body).encode() for body in reversed(bodies)]
    sent = 0
    clients = [RawHttp(url) for _ in range(concurrency)]
    try:
        await asyncio.gather(*(client.request("GET", "/healthz") for client in clients))  # connections up first
        if go is not None:
            print("ready", flush=True)
            await asyncio.to_thread(go)

        async def sender(client: RawHttp) -> None:
            nonlocal sent
            while queue:
                body = queue.pop()
                began = time.perf_counter()
                if rate:
                    due, sent = started + sent / rate, sent + 1
                    await asyncio.sleep(max(0.0, due - began))
                    began = due
                try:
                    code = str(await client.request("POST", "/v1/incidents", body))
                except (OSError, asyncio.IncompleteReadError, RuntimeError, ValueError) as exc:
                    code = "error"
                    errors.append(f"{type(exc).__name__}: {exc}")
                    await client.aclose()
                latencies.append(time.perf_counter() - began)
                codes[code] = codes.get(code, 0) + 1

        cpu0, started = time.process_time(), time.perf_counter()
        await asyncio.gather(*(sender(client) for client in clients))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu0
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))
    return {**_storm_summary("raw", latencies, wall, cpu, codes, errors), "offered_per_s": rate}


async def probe(url: str, bodies: list[dict[str, Any]]) -> dict[str, Any]:
    """Acknowledgement latency with one request in flight (no queueing in front of the service)."""
    import httpx

    ms, codes = [], {}
    async with httpx.AsyncClient(base_url=url, timeout=60, headers={"Content-Type": "application/json"}) as client:
        await client.get("/healthz")
        for body in bodies:
            began = time.perf_counter()
            response = await client.post("/v1/incidents", content=json.dumps(body).encode())
            ms.append((time.perf_counter() - began) * 1000)
            codes[str(response.status_code)] = codes.get(str(response.status_code), 0) + 1
    ms.sort()
    return {"requests": len(ms), "ack_ms": {"p50": round(percentile(ms, 0.50), 1), "p95": round(percentile(ms, 0.95), 1),
                                            "p99": round(percentile(ms, 0.99), 1), "max": round(ms[-1], 1)},
            "status_codes": dict(sorted(codes.items()))}


async def storm(url: str, bodies: list[dict[str, Any]], concurrency: int,
                go: Any = None) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    codes: dict[str, int] = {}
    errors: list[str] = []
    queue: asyncio.Queue = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(json.dumps(body).encode())
    # One client (one keep-alive connection) per sender, as 50 independent senders would be: a
    # single AsyncClient's pool spends milliseconds of CPU per request finding a connection among 50
    # (httpcore 1.0), which on a 2-core machine starves the server it is measuring.
    clients = [httpx.AsyncClient(base_url=url, timeout=60, headers={"Content-Type": "application/json"},
                                 limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))
               for _ in range(concurrency)]
    try:
        await asyncio.gather(*(client.get("/healthz") for client in clients))  # connections up before the clock starts
        if go is not None:  # the parent reads the service's CPU clock, then says go
            print("ready", flush=True)
            await asyncio.to_thread(go)

        async def sender(client: httpx.AsyncClient) -> None:
            while not queue.empty():
                body = queue.get_nowait()
                began = time.perf_counter()
                try:
                    response = await client.post("/v1/incidents", content=body)
                    code = str(response.status_code)
                except httpx.HTTPError as exc:
                    code = "error"
                    errors.append(f"{type(exc).__name__}: {exc}")
                latencies.append(time.perf_counter() - began)
                codes[code] = codes.get(code, 0) + 1

        cpu0, began = time.process_time(), time.perf_counter()
        await asyncio.gather(*(sender(client) for client in clients))
        wall, cpu = time.perf_counter() - began, time.process_time() - cpu0
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))
    return _storm_summary("httpx", latencies, wall, cpu, codes, errors)


def storm_bodies(template: dict[str, Any], namespace: str, services: list[str], alarms: int, distinct: int,
                 seed: int = 7) -> list[dict[str, Any]]:
    """`distinct` alarms (name and dimensions) on the lab's services, each `alarms // distinct` times, shuffled."""
    distinct_alarms = []
    for i in range(distinct):
        service = services[i % len(services)]
        dims = [{"name": "Namespace", "value": namespace}, {"name": "Service", "value": service}]
        distinct_alarms.append({**template, "AlarmName": f"bench-{i:03d}-{service}-5xx",
                                "AlarmDescription": f"{service} 5xx over threshold (bench)",
                                "Trigger": {**template["Trigger"], "Dimensions": dims}})
    bodies = [alarm for alarm in distinct_alarms for _ in range(alarms // distinct)]
    random.Random(seed).shuffle(bodies)  # duplicates of one alarm arrive together and apart, as in a storm
    return bodies


# --- serve -------------------------------------------------------------------------------------
def start_serve(env: dict[str, str], state_dir: str, workers: int, namespaces: list[str],
                root: Path = ROOT) -> tuple[subprocess.Popen, str, float]:
    """`sre-agent serve` from the checkout at `root` (this one, or --baseline's)."""
    began = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "sre_agent.cli", "serve", "--port", "0", "--insecure-localhost",
                             "--state-dir", state_dir, "--workers", str(workers), "--remediation", "off",
                             "--namespaces", ",".join(namespaces)],
                            env={**os.environ, **env, "SRE_AGENT_TRACING_MODE": "off", "PYTHONPATH": str(root)},
                            cwd=str(root),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url, tail = "", []
    while not url:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            raise SystemExit(f"serve exited ({proc.returncode}) before listening: {''.join(tail[-5:])}")
        tail.append(line)
        match = re.search(r"serving on (http://\S+)", line)
        url = match.group(1) if match else ""
    listening_s = time.perf_counter() - began
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()  # keep the pipe drained
    return proc, url, listening_s


def wait_ready(url: str, timeout_s: float = 120) -> dict[str, Any]:
    import httpx

    deadline, last = time.monotonic() + timeout_s, {}
    while time.monotonic() < deadline:
        try:
            response = httpx.get(f"{url}/readyz", timeout=5)
            last = response.json()
            if response.status_code == 200:
                return last
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"serve not ready after {timeout_s:.0f}s: {last}")


def run_counts(url: str) -> dict[str, int]:
    import httpx

    text = httpx.get(f"{url}/metrics", timeout=30).text
    counts: dict[str, int] = {}
    for line in text.splitlines():
        match = re.match(r'sre_agent_\w*runs\w*\{state="(\w+)"\}\s+([\d.e+]+)', line)
        if match:
            counts[match.group(1)] = int(float(match.group(2)))
    return counts


def intake_and_memory(lab: Any, args: argparse.Namespace, root: Path = ROOT) -> dict[str, Any]:
    import httpx

    from sre_agent.lab.trigger import alarm_payload, lab_namespaces  # noqa: F401 -- alarm_payload: the template's shape

    namespaces = lab_namespaces(lab)
    services = sorted(s["metadata"]["name"] for s in lab.store.list("Service") if s["metadata"].get("namespace") == "shop")
    template = {"NewStateValue": "ALARM", "NewStateReason": "Threshold Crossed: 5xxCount > 10 (bench)",
                "StateChangeTime": datetime.now(UTC).isoformat(), "Severity": "high",
                "Trigger": {"MetricName": "5xxCount", "Namespace": "Application", "Period": 60, "EvaluationPeriods": 3}}
    bodies = storm_bodies(template, "shop", services, args.alarms, args.distinct)
    with tempfile.TemporaryDirectory(prefix="sre-bench-serve-") as state_dir:
        proc, url, listening_s = start_serve(lab.env(), state_dir, args.workers, namespaces, root)
        try:
            ready_began = time.perf_counter()
            readyz = wait_ready(url)
            ready_s = listening_s + time.perf_counter() - ready_began
            time.sleep(2)  # let the servers settle after their first requests
            rest = tree_mb(proc.pid)
            rest["mcp_servers"] = sum(1 for c in descendants(proc.pid) if not is_step_process(c))
            rest["step_processes"] = sum(1 for c in descendants(proc.pid) if is_step_process(c))
            bodies_file = Path(state_dir) / "bodies.json"
            bodies_file.write_text(json.dumps(bodies))
            with Sampler(proc.pid, 0.5) as sampler:
                client = subprocess.Popen([sys.executable, __file__, "--storm-client", url, "--bodies", str(bodies_file),
                                           "--concurrency", str(args.concurrency), "--client", args.client,
                                           *(["--rate", str(args.rate)] if args.rate else [])],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=str(ROOT))
                assert client.stdin is not None and client.stdout is not None
                if client.stdout.readline().strip() != "ready":
                    raise SystemExit("storm client failed before the storm (see its output above)")
                cpu_before, waited_before = cpu_s(proc.pid), runqueue_wait_s(proc.pid)
                client.stdin.write("go\n")
                client.stdin.flush()
                output = client.stdout.read()
                serve_cpu = cpu_s(proc.pid) - cpu_before
                serve_waited = runqueue_wait_s(proc.pid) - waited_before
                if client.wait() != 0:
                    raise SystemExit("storm client failed (see its output above)")
                result = json.loads(output)
                incidents = httpx.get(f"{url}/v1/incidents", params={"limit": 1000}, timeout=60).json()["incidents"]
                time.sleep(args.after_s)  # the workers keep investigating: memory with runs executing
            # One at a time: duplicates of the storm's alarms (they join open incidents: no runs, no queue slots).
            one_in_flight = asyncio.run(probe(url, bodies[:args.probe]))
            runs = run_counts(url)
            after_probe = httpx.get(f"{url}/v1/incidents", params={"limit": 1000}, timeout=60).json()["incidents"]
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    codes = result["status_codes"]
    ack = result["ack_ms"]
    notifications = sum(i["notifications"] for i in incidents)
    acknowledged = sum(n for c, n in codes.items() if c.startswith("2"))
    peak = sampler.peak()
    per_run = round((peak["total_mb"] - rest["total_mb"]) / args.workers, 1)
    result.update({
        "alarms": args.alarms, "distinct": args.distinct, "concurrency": args.concurrency,
        "server_5xx": sum(n for c, n in codes.items() if c.startswith("5")),
        "rejected_429": codes.get("429", 0),
        "acknowledged": acknowledged,
        "serve_cpu_s": round(serve_cpu, 2),
        "serve_runqueue_wait_ms": round(1000 * serve_waited, 1),  # its threads runnable, no CPU free
        "serve_cpu_ms_per_alarm": round(1000 * serve_cpu / max(1, result["requests"]), 2),
        "store": {"incidents": len(incidents), "notifications": notifications,
                  "nothing_lost": len(incidents) == args.distinct and notifications == acknowledged == args.alarms,
                  "after_probe": {"incidents": len(after_probe),
                                  "notifications": sum(i["notifications"] for i in after_probe)},
                  "runs_by_state_at_end": runs},
        "one_in_flight": one_in_flight,
        # Open loop: the offered rate is the aim's, and the service must have kept up with it.
        "meets_aim": (args.rate or result["alarms_per_s"]) >= AIM_RATE and ack["p99"] < AIM_P99_MS
        and (not args.rate or result["alarms_per_s"] >= 0.95 * args.rate),
    })
    memory = {"workers": args.workers, "rest": rest, "peak": peak, "per_concurrent_run_mb": per_run,
              "sampled_s": round(sampler.samples[-1]["t_s"], 1), "samples": len(sampler.samples)}
    return {"serve": {"start_to_listening_s": round(listening_s, 2), "start_to_ready_s": round(ready_s, 2),
                      "mcp_servers": readyz.get("checks", {}).get("mcp_servers_ok")},
            "storm": result, "memory": memory}


# --- before / after, in the same run ------------------------------------------------------------
COMPARED = {  # figure -> where it is in one intake_and_memory() result
    "alarms_per_s": ("storm", "alarms_per_s"), "ack_p50_ms": ("storm", "ack_ms", "p50"),
    "ack_p95_ms": ("storm", "ack_ms", "p95"), "ack_p99_ms": ("storm", "ack_ms", "p99"),
    "serve_cpu_ms_per_alarm": ("storm", "serve_cpu_ms_per_alarm"),
    "one_in_flight_p50_ms": ("storm", "one_in_flight", "ack_ms", "p50"),
    "one_in_flight_p99_ms": ("storm", "one_in_flight", "ack_ms", "p99"),
    "serve_rss_rest_mb": ("memory", "rest", "process_mb"), "serve_rss_peak_mb": ("memory", "peak", "process_mb"),
    "total_rss_rest_mb": ("memory", "rest", "total_mb"), "total_rss_peak_mb": ("memory", "peak", "total_mb"),
    "runs_done_after_storm": ("storm", "store", "runs_by_state_at_end", "done"),
}


def _pick(result: dict[str, Any], path: tuple[str, ...]) -> float:
    value: Any = result
    for key in path:
        value = value[key]
    return float(value)


def compare_with_baseline(lab: Any, args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    """Storm --baseline's serve and this one's, alternating (B A, A B, ...) so that the machine's load
    drifts over both alike; medians per side and current / baseline ratios. Returns the comparison and
    this checkout's last full result (the report's main figures)."""
    baseline = args.baseline.resolve()
    if not (baseline / "sre_agent" / "cli.py").is_file():
        raise SystemExit(f"--baseline {baseline}: not a checkout (no sre_agent/cli.py)")
    rounds: list[dict[str, Any]] = []
    last: dict[str, Any] = {}
    for i in range(args.rounds):
        for side in (("baseline", "current") if i % 2 == 0 else ("current", "baseline")):
            result = intake_and_memory(lab, args, baseline if side == "baseline" else ROOT)
            figures = {name: _pick(result, path) for name, path in COMPARED.items()}
            figures["nothing_lost"] = result["storm"]["store"]["nothing_lost"]
            figures["server_5xx"] = result["storm"]["server_5xx"]
            rounds.append({"round": i + 1, "side": side, "load_1m": round(os.getloadavg()[0], 2), **figures})
            print(f"   round {i + 1} {side}: {figures}", file=sys.stderr, flush=True)
            if side == "current":
                last = result
    medians = {side: {name: round(statistics.median(r[name] for r in rounds if r["side"] == side), 2)
                      for name in COMPARED} for side in ("baseline", "current")}
    ratios = {name: round(medians["current"][name] / medians["baseline"][name], 2)
              for name in COMPARED if medians["baseline"][name]}
    return {"baseline_checkout": str(baseline), "rounds": rounds, "median": medians, "ratios": ratios}, last


# --- one stdio set, runs per minute -------------------------------------------------------------
async def stdio_set_mb(env: dict[str, str]) -> dict[str, Any]:
    """The RSS of one set of the three servers over stdio, as the old design started per incident."""
    from sre_agent.app.servers import stdio_servers
    from sre_agent.app.toolbox import Toolbox

    before = set(descendants(os.getpid()))
    async with Toolbox(stdio_servers(env, allow_writes=False, namespaces=[])):
        await asyncio.sleep(2)
        pids = [p for p in descendants(os.getpid()) if p not in before]
        per = [rss_kib(p) for p in pids]
    return {"processes": len(pids), "total_mb": round(sum(per) / 1024, 1),
            "each_mb": sorted(round(k / 1024, 1) for k in per)}


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: runs per minute needs at least one run per mode")
    return value


async def runs_per_minute(lab: Any, count: int, state_dir: Path) -> dict[str, Any]:
    from sre_agent.app.intake import incident_for_trigger
    from sre_agent.app.options import RunOptions
    from sre_agent.app.runs import run_investigation
    from sre_agent.lab.trigger import lab_namespaces, scenario_trigger
    from sre_agent.service.servers import SharedServers

    trigger = scenario_trigger(lab)
    options = RunOptions(remediation="off", namespaces=lab_namespaces(lab), state_dir=state_dir, env=lab.env(),
                         tracing_mode="off")
    shared = SharedServers(options)
    began = time.perf_counter()
    await shared.start()
    shared_start_s = time.perf_counter() - began
    timings: dict[str, list[float]] = {"shared_http": [], "stdio_per_run": []}
    statuses: dict[str, list[str]] = {"shared_http": [], "stdio_per_run": []}
    try:
        for i in range(count):
            for mode in ("shared_http", "stdio_per_run") if i % 2 == 0 else ("stdio_per_run", "shared_http"):
                run_options = options.model_copy(update={"servers": await shared.connections()}) if mode == "shared_http" \
                    else options
                incident = incident_for_trigger(trigger.alarm, trigger.question)
                started = time.perf_counter()
                result, _ = await run_investigation(incident, run_options)
                timings[mode].append(time.perf_counter() - started)
                statuses[mode].append(result.status)
    finally:
        await shared.stop()
    out: dict[str, Any] = {"scenario": SCENARIO, "runs_each": count, "shared_servers_start_s": round(shared_start_s, 2)}
    for mode, values in timings.items():
        out[mode] = {"runs_per_min": round(60 * len(values) / sum(values), 1),
                     "run_s": {"median": round(statistics.median(values), 2), "min": round(min(values), 2),
                               "max": round(max(values), 2)}, "statuses": sorted(set(statuses[mode]))}
    out["ratio_shared_over_stdio"] = round(out["shared_http"]["runs_per_min"] / out["stdio_per_run"]["runs_per_min"], 1)
    return out


# --- main ---------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", default=str(ROOT / "bench" / "results" / "service.json"))
    parser.add_argument("--alarms", type=int, default=1000)
    parser.add_argument("--distinct", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--after-s", type=float, default=15.0, help="keep sampling memory this long after the storm")
    parser.add_argument("--probe", type=int, default=200, help="acknowledgements timed one at a time after the storm")
    parser.add_argument("--runs", type=_at_least_one, default=6, help="investigations per mode for runs per minute (>= 1)")
    parser.add_argument("--rate", type=float, help="open loop: offer this many alarms per second (raw client), "
                        "latency counted from when each was due; default: closed loop, --concurrency in flight")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw",
                        help="the storm's senders: raw asyncio HTTP/1.1 (cheap) or httpx (~1.2 ms CPU a request)")
    parser.add_argument("--baseline", type=Path, help="another checkout (e.g. `git archive <commit> | tar -x -C DIR`): "
                        "its serve is stormed in the same run, alternating with this one's, and the ratios reported")
    parser.add_argument("--rounds", type=int, default=2, help="storms per side with --baseline")
    parser.add_argument("--storm-client", help=argparse.SUPPRESS)  # internal: the storm's own process
    parser.add_argument("--bodies", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.storm_client:
        bodies = json.loads(Path(args.bodies).read_text())
        if args.rate and args.client != "raw":
            raise SystemExit("--rate needs the raw client")
        outcome = (raw_storm(args.storm_client, bodies, args.concurrency, go=sys.stdin.readline, rate=args.rate)
                   if args.client == "raw" else storm(args.storm_client, bodies, args.concurrency, go=sys.stdin.readline))
        print(json.dumps(asyncio.run(outcome)))
        return

    from sre_agent.lab.lab import Lab

    load_before = os.getloadavg()
    lab = Lab().start()
    try:
        lab.load(SCENARIO)
        lab.run_clock(60)
        print(f"service bench: storm of {args.alarms} alarms ({args.distinct} distinct), {args.concurrency} in flight ...",
              file=sys.stderr, flush=True)
        comparison = None
        if args.baseline:
            comparison, intake = compare_with_baseline(lab, args)
        else:
            intake = intake_and_memory(lab, args)
        storm_load = os.getloadavg()
        s = intake["storm"]
        print(f"   {s['alarms_per_s']} alarms/s, ack p50 {s['ack_ms']['p50']} p95 {s['ack_ms']['p95']} p99 "
              f"{s['ack_ms']['p99']} ms, codes {s['status_codes']}, store {s['store']}", file=sys.stderr, flush=True)
        print("service bench: one stdio server set ...", file=sys.stderr, flush=True)
        stdio_set = asyncio.run(stdio_set_mb(lab.env()))
        print(f"   {stdio_set}", file=sys.stderr, flush=True)
        print(f"service bench: {args.runs} runs each, shared servers vs stdio per run ...", file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory(prefix="sre-bench-runs-") as state_dir:
            rpm = asyncio.run(runs_per_minute(lab, args.runs, Path(state_dir)))
        print(f"   shared {rpm['shared_http']['runs_per_min']}/min, stdio {rpm['stdio_per_run']['runs_per_min']}/min",
              file=sys.stderr, flush=True)
    finally:
        lab.stop()
    memory = intake["memory"]
    shared_set_mb = memory["rest"]["children_mb"]
    memory["one_stdio_set"] = stdio_set
    memory["shared_set_mb"] = shared_set_mb
    memory["issue_old_design_set_mb"] = 246
    # The old design: one server set per concurrent incident; the new: serve + one shared set, plus each run's share.
    memory["for_workers_concurrent_runs"] = {
        "old_one_set_per_run_mb": round(args.workers * stdio_set["total_mb"], 1),
        "new_peak_total_mb": memory["peak"]["total_mb"],
    }
    out = {"benchmark": "service", "date": datetime.now(UTC).date().isoformat(),
           "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
           "load_average_before": [round(x, 2) for x in load_before],
           "load_average_after_storm": [round(x, 2) for x in storm_load],
           "load_average_after": [round(x, 2) for x in os.getloadavg()],
           "aim": {"alarms_per_s": AIM_RATE, "ack_p99_ms": AIM_P99_MS},
           **intake, "runs_per_minute": rpm, **({"comparison": comparison} if comparison else {})}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    if comparison:
        print(json.dumps({"ratios_current_over_baseline": comparison["ratios"]}))
    print(json.dumps({"alarms_per_s": out["storm"]["alarms_per_s"], "ack_ms": out["storm"]["ack_ms"],
                      "meets_aim": out["storm"]["meets_aim"], "memory_rest_mb": memory["rest"]["total_mb"],
                      "memory_peak_mb": memory["peak"]["total_mb"], "runs_per_min": {
                          "shared": rpm["shared_http"]["runs_per_min"], "stdio": rpm["stdio_per_run"]["runs_per_min"]}}))


if __name__ == "__main__":
    main()
