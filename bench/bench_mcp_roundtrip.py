"""MCP round trip of the CloudWatch server: a cheap tool call (describe_alarms against moto) over
stdio and over streamable HTTP, and how long a server takes to start.

Measures what an agent pays per tool call on top of the backend: the same describe_alarms call
made directly with boto3 is timed too, so `overhead_ms` is the MCP layer (JSON-RPC framing,
argument validation, the worker thread, result compaction) and, for HTTP, the HTTP exchange.
moto runs in its own process, as a remote AWS would.

    python bench/bench_mcp_roundtrip.py bench/results/mcp_roundtrip.json [--calls 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import time
from contextlib import AsyncExitStack
from pathlib import Path

import boto3
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamablehttp_client

MODULE = "mcp_servers.cloudwatch"
TOKEN = "bench-token-0123456789"
TOOL, ARGS = "describe_alarms", {"state": "ALARM"}
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_moto() -> tuple[subprocess.Popen, dict[str, str]]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, env
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("moto server did not start within 30 s")


def seed(env: dict[str, str]) -> None:
    cloudwatch = boto3.client("cloudwatch", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_REGION"])
    for i in range(3):
        cloudwatch.put_metric_alarm(AlarmName=f"bench-alarm-{i}", Namespace="Application", MetricName="5xxCount",
                                    Dimensions=[{"Name": "Service", "Value": f"svc-{i}"}], Statistic="Sum", Period=60,
                                    EvaluationPeriods=3, Threshold=50, ComparisonOperator="GreaterThanThreshold")
        cloudwatch.set_alarm_state(AlarmName=f"bench-alarm-{i}", StateValue="ALARM", StateReason="bench")


def summarize(samples_s: list[float]) -> dict[str, float]:
    ordered = sorted(samples_s)
    ms = [s * 1000 for s in ordered]
    return {"median_ms": round(statistics.median(ms), 3), "p99_ms": round(ms[min(len(ms) - 1, int(0.99 * len(ms)))], 3),
            "mean_ms": round(statistics.fmean(ms), 3), "min_ms": round(ms[0], 3), "max_ms": round(ms[-1], 3),
            "calls": len(ms)}


async def open_http(stack: AsyncExitStack, env: dict[str, str]) -> tuple[ClientSession, dict]:
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", MODULE, "--http", "--port", "0", "--token", TOKEN],
                            env={**os.environ, **env}, cwd=str(ROOT), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            text=True)
    # Registered before the client contexts, so they run after them: the client ends its
    # session (an HTTP DELETE) while the server is still there to answer.
    stack.callback(proc.wait, 10)
    stack.callback(proc.terminate)
    url = ""
    while not url:
        line = await asyncio.to_thread(proc.stderr.readline)
        if not line and proc.poll() is not None:
            raise SystemExit("HTTP server exited before listening")
        match = re.search(r"listening on (http://\S+)", line)
        url = match.group(1) if match else ""
    listening_s = time.perf_counter() - started
    read, write, _ = await stack.enter_async_context(
        streamablehttp_client(url, headers={"Authorization": f"Bearer {TOKEN}"}))
    session = await stack.enter_async_context(ClientSession(read, write))
    await session.initialize()
    return session, {"start_to_listening_s": round(listening_s, 3),
                           "start_to_initialized_s": round(time.perf_counter() - started, 3)}


async def open_stdio(stack: AsyncExitStack, env: dict[str, str]) -> tuple[ClientSession, dict]:
    params = StdioServerParameters(command=sys.executable, args=["-m", MODULE], env={**os.environ, **env}, cwd=str(ROOT))
    started = time.perf_counter()
    read, write = await stack.enter_async_context(stdio_client(params))
    session = await stack.enter_async_context(ClientSession(read, write))
    await session.initialize()
    return session, {"start_to_initialized_s": round(time.perf_counter() - started, 3)}


async def run(env: dict[str, str], calls: int, warmup: int = 10) -> dict:
    cloudwatch = boto3.client("cloudwatch", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_REGION"])
    async with AsyncExitStack() as stack:
        stdio, stdio_start = await open_stdio(stack, env)
        http, http_start = await open_http(stack, env)

        def direct() -> None:  # what the tool does, without MCP
            cloudwatch.describe_alarms(StateValue="ALARM", AlarmTypes=["MetricAlarm", "CompositeAlarm"], MaxRecords=100)

        async def call(session: ClientSession) -> None:
            result = await session.call_tool(TOOL, ARGS)
            if result.isError:
                raise SystemExit(f"{TOOL} failed: {result.content}")

        samples: dict[str, list[float]] = {"direct_boto3": [], "stdio": [], "http": []}
        # Interleaved, one call of each per round: on a shared machine load drifts, and drift
        # then hits the three alike instead of whichever ran last.
        for i in range(warmup + calls):
            for name, fn in (("direct_boto3", None), ("stdio", stdio), ("http", http)):
                started = time.perf_counter()
                if fn is None:
                    direct()
                else:
                    await call(fn)
                if i >= warmup:
                    samples[name].append(time.perf_counter() - started)
    result = {name: summarize(values) for name, values in samples.items()}
    result["stdio"].update(stdio_start)
    result["http"].update(http_start)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", nargs="?", default="bench/results/mcp_roundtrip.json", help="where to write JSON")
    parser.add_argument("--calls", type=int, default=200, help="timed calls per transport (after 10 warm-up calls)")
    args = parser.parse_args()

    moto, env = start_moto()
    os.environ.update(env)
    try:
        seed(env)
        timings = asyncio.run(run(env, args.calls))
    finally:
        moto.terminate()
        moto.wait(timeout=10)
    direct, stdio, http = timings["direct_boto3"], timings["stdio"], timings["http"]
    for transport in (stdio, http):
        transport["overhead_median_ms"] = round(transport["median_ms"] - direct["median_ms"], 3)
    result = {
        "benchmark": "mcp_roundtrip",
        "server": MODULE,
        "tool": TOOL,
        "backend": "moto (separate process, loopback)",
        "direct_boto3": direct,
        "stdio": stdio,
        "http": http,
        "load_average_1m": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
    }
    print(f"{TOOL} x{args.calls}: direct boto3 median {direct['median_ms']:.2f} ms; "
          f"stdio median {stdio['median_ms']:.2f} ms p99 {stdio['p99_ms']:.2f} ms; "
          f"HTTP median {http['median_ms']:.2f} ms p99 {http['p99_ms']:.2f} ms; "
          f"server start (to initialized) stdio {stdio['start_to_initialized_s']:.2f} s, "
          f"HTTP {http['start_to_initialized_s']:.2f} s (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
