"""Benchmark: what verifying OIDC bearer tokens costs `sre-agent serve` (issue 40's Measure line).

An OpenID Provider of its own on loopback: an RSA-2048 key generated here signs Cognito-shaped access tokens
(RS256, `client_id` and `cognito:groups`, ~1 KB), and a small HTTP server publishes the discovery document and the
JWKS, which the verifier fetches over HTTP as it would from Cognito.

1. Verify cost: OidcVerifier.verify on real tokens (16 people, in turn) with the JWKS cached -- microseconds per
   call, each call timed, median / p90 / p99 over `--verifies` calls in `--verify-rounds` rounds -- and the first
   call, which fetches the discovery document and the JWKS. For scale, in the same process: PyJWT's decode with the
   key alone (signature and claims), the RSA signature check alone, the static token's constant-time compare, and
   the guard's whole authentication step (Authenticator.authenticate, the worker-thread hop included) for each kind.
2. Intake p99: a real `sre-agent serve` (the lab's healthy-baseline world, --workers 2, remediation off) with the
   static token AND the issuer configured, POST /v1/incidents over real sockets from a client process of its own:
   the same alarm bodies, once with the static token and once with people's OIDC tokens (one per connection),
   alternating static/OIDC, OIDC/static, ... so the machine's load drifts over both alike. The `--distinct` alarms
   are sent once first and their runs left to finish, so every measured POST joins an open incident: intake
   (auth, parse, group commit) with no investigation competing for the cores. Two shapes: one request in flight
   (`--sequential` requests) and `--concurrency` clients in a closed loop (`--requests`). Reported per side: the
   median over rounds of p50 / p99 and of serve's CPU ms per request, and OIDC / static ratios.

    python bench/bench_oidc.py [bench/results/oidc.json] [--verifies 20000 --rounds 5 --requests 4000
                               --concurrency 8 --sequential 1000 --distinct 4] [--skip-serve]
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import os
import platform
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_service import cpu_s, percentile, storm_bodies, wait_ready  # noqa: E402

STATIC_TOKEN = "bench-oidc-static-" + "s" * 30
CLIENT_ID = "4t1ex4mpl3cl13nt1dbench"  # the audience: Cognito access tokens name the app client in client_id
SCENARIO = "healthy-baseline"


# --- the identity provider: one RSA key, discovery + JWKS over HTTP on loopback ----------------------------------
class Issuer:
    def __init__(self) -> None:
        import jwt
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "bench-key-1"
        public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        self.jwks = {"keys": [{**public_jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}
        self.served: dict[str, int] = {}
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 -- http.server's name
                documents = {"/.well-known/openid-configuration": {
                    "issuer": issuer.url, "jwks_uri": f"{issuer.url}/.well-known/jwks.json",
                    "authorization_endpoint": f"{issuer.url}/oauth2/authorize", "token_endpoint": f"{issuer.url}/oauth2/token",
                    "response_types_supported": ["code"], "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"]},
                    "/.well-known/jwks.json": issuer.jwks}
                body = json.dumps(documents[self.path]).encode() if self.path in documents else b"{}"
                issuer.served[self.path] = issuer.served.get(self.path, 0) + 1
                self.send_response(200 if self.path in documents else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def token(self, person: int, groups: list[str], ttl_s: int = 3600) -> str:
        """A Cognito-shaped access token: no aud, the app client in client_id, the groups in cognito:groups."""
        import jwt

        now = int(time.time())
        claims = {"sub": str(uuid.UUID(int=person + 1)), "cognito:groups": groups, "iss": self.url, "version": 2,
                  "client_id": CLIENT_ID, "origin_jti": str(uuid.uuid4()), "event_id": str(uuid.uuid4()),
                  "token_use": "access", "scope": "openid profile email", "auth_time": now, "iat": now, "exp": now + ttl_s,
                  "jti": str(uuid.uuid4()), "username": str(uuid.UUID(int=person + 1))}
        return jwt.encode(claims, self.private, algorithm="RS256", headers={"kid": self.kid})

    def stop(self) -> None:
        self.server.shutdown()


def summary_us(samples_ns: list[int]) -> dict[str, float]:
    us = sorted(n / 1000 for n in samples_ns)
    return {"median": round(statistics.median(us), 1), "p90": round(percentile(us, 0.90), 1),
            "p99": round(percentile(us, 0.99), 1), "mean": round(statistics.fmean(us), 1), "calls": len(us)}


def timed(call: Any, args: list[Any], n: int) -> list[int]:
    samples = []
    for i in range(n):
        arg = args[i % len(args)]
        began = time.perf_counter_ns()
        call(arg)
        samples.append(time.perf_counter_ns() - began)
    return samples


# --- 1. the verifier alone -----------------------------------------------------------------------------------
def verify_cost(issuer: Issuer, tokens: list[str], calls: int, rounds: int) -> dict[str, Any]:
    import jwt
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from sre_agent.service.identity import Authenticator
    from sre_agent.service.oidc import OidcVerifier

    verifier = OidcVerifier(issuer.url, CLIENT_ID)
    began = time.perf_counter_ns()
    principal = verifier.verify(tokens[0])
    cold_us = (time.perf_counter_ns() - began) / 1000
    assert principal.roles >= {"responder", "viewer"}, principal
    timed(verifier.verify, tokens, 500)  # warm the interpreter's caches too

    per_round, every = [], []
    for _ in range(rounds):
        samples = timed(verifier.verify, tokens, calls // rounds)
        per_round.append(summary_us(samples)["median"])
        every += samples
    warm = {**summary_us(every), "median_each_round": ", ".join(f"{m:g}" for m in per_round),
            "calls_per_s_one_thread": round(1e9 / statistics.fmean(every))}

    # For scale: what the verify is made of, and the static token's path.
    key = jwt.PyJWK(issuer.jwks["keys"][0]).key
    pyjwt = summary_us(timed(lambda t: jwt.decode(t, key, algorithms=["RS256"], options={"verify_aud": False}),
                             tokens, 5000))
    signing_input, _, signature = tokens[0].rpartition(".")
    raw_signature = jwt.utils.base64url_decode(signature)
    public = issuer.private.public_key()
    rsa_only = summary_us(timed(lambda s: public.verify(raw_signature, s, padding.PKCS1v15(), hashes.SHA256()),
                                [signing_input.encode()], 5000))
    static = STATIC_TOKEN.encode()
    compare = summary_us(timed(lambda t: hmac.compare_digest(t, static), [static], 20000))

    async def authenticate(authenticator: Authenticator, headers: list[bytes], n: int) -> list[int]:
        samples = []
        for i in range(n):
            began = time.perf_counter_ns()
            await authenticator.authenticate(headers[i % len(headers)])
            samples.append(time.perf_counter_ns() - began)
        return samples

    authenticator = Authenticator(STATIC_TOKEN, verifier)
    oidc_headers = [f"Bearer {t}".encode() for t in tokens]
    asyncio.run(authenticate(authenticator, oidc_headers, 200))
    guard_oidc = summary_us(asyncio.run(authenticate(authenticator, oidc_headers, 5000)))
    guard_static = summary_us(asyncio.run(authenticate(authenticator, [f"Bearer {STATIC_TOKEN}".encode()], 5000)))
    return {"token_bytes": len(tokens[0]), "alg": "RS256 (RSA-2048)", "people": len(tokens),
            "first_verify_cold_us": round(cold_us, 1),
            "warm_verify_us": warm,
            "jwks_fetches": verifier.jwks_fetches, "issuer_requests": sum(issuer.served.values()),
            # Medians of 5,000 calls each: what a verify is made of, and the guard's whole step (worker thread included).
            "for_scale_median_us": {"pyjwt_decode_with_key": pyjwt["median"], "rsa_signature_check_only": rsa_only["median"],
                                    "static_token_compare": compare["median"],
                                    "guard_authenticate_oidc_token": guard_oidc["median"],
                                    "guard_authenticate_static_token": guard_static["median"]}}


# --- 2. through serve: the client process ------------------------------------------------------------------------
class AuthedHttp:
    """One keep-alive HTTP/1.1 connection over asyncio streams, sending one bearer token (bench_service.RawHttp,
    plus Authorization): httpx's ~1 ms of CPU a request would be taken from the server on a 2-core machine."""

    def __init__(self, url: str, token: str) -> None:
        match = re.match(r"http://([^:/]+):(\d+)", url)
        if not match:
            raise SystemExit(f"plain http://host:port only, not {url}")
        self.host, self.port = match.group(1), int(match.group(2))
        self.token = token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAuthorization: Bearer {self.token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        self.writer.write(head + body)
        headers = await self.reader.readuntil(b"\r\n\r\n")
        length = re.search(rb"(?im)^content-length:\s*(\d+)", headers)
        if length is None:
            raise RuntimeError(f"no Content-Length in the answer: {headers[:200]!r}")
        await self.reader.readexactly(int(length.group(1)))
        if re.search(rb"(?im)^connection:\s*close", headers):
            await self.aclose()
        return int(headers[9:12])

    async def aclose(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


async def client_storm(url: str, tokens: list[str], bodies: list[bytes], concurrency: int) -> dict[str, Any]:
    """`concurrency` connections, connection i sending tokens[i % len]; closed loop; each request timed."""
    clients = [AuthedHttp(url, tokens[i % len(tokens)]) for i in range(concurrency)]
    queue = list(reversed(bodies))
    latencies: list[float] = []
    codes: dict[str, int] = {}
    try:
        # Connections up, and each token seen once, before the clock starts.
        await asyncio.gather(*(c.request("GET", "/v1/incidents?limit=1") for c in clients))
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)

        async def sender(client: AuthedHttp) -> None:
            while queue:
                body = queue.pop()
                began = time.perf_counter()
                try:
                    code = str(await client.request("POST", "/v1/incidents", body))
                except (OSError, asyncio.IncompleteReadError, RuntimeError, ValueError) as exc:
                    code = f"error {type(exc).__name__}"
                    await client.aclose()
                latencies.append(time.perf_counter() - began)
                codes[code] = codes.get(code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(sender(c) for c in clients))
        wall = time.perf_counter() - started
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    ms = sorted(x * 1000 for x in latencies)
    return {"requests": len(ms), "per_s": round(len(ms) / wall, 1),
            "ms": {"p50": round(percentile(ms, 0.50), 2), "p95": round(percentile(ms, 0.95), 2),
                   "p99": round(percentile(ms, 0.99), 2), "max": round(ms[-1], 2)},
            "status_codes": dict(sorted(codes.items()))}


# --- 2. through serve: the parent --------------------------------------------------------------------------------
def start_serve(lab: Any, state_dir: str, issuer: Issuer, workers: int) -> tuple[subprocess.Popen, str]:
    from sre_agent.lab.trigger import lab_namespaces

    env = {**os.environ, **lab.env(), "SRE_AGENT_TRACING_MODE": "off", "PYTHONPATH": str(ROOT),
           "SRE_AGENT_SERVICE_OIDC_ISSUER": issuer.url, "SRE_AGENT_SERVICE_OIDC_AUDIENCE": CLIENT_ID,
           "SRE_AGENT_SERVICE_TOKEN": STATIC_TOKEN}
    proc = subprocess.Popen([sys.executable, "-m", "sre_agent.cli", "serve", "--port", "0", "--state-dir", state_dir,
                             "--workers", str(workers), "--remediation", "off", "--namespaces", ",".join(lab_namespaces(lab))],
                            env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    url, tail = "", []
    while not url:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            raise SystemExit(f"serve exited ({proc.returncode}) before listening: {''.join(tail[-8:])}")
        tail.append(line)
        match = re.search(r"serving on (http://\S+)", line)
        url = match.group(1) if match else ""
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()  # keep the pipe drained
    return proc, url


def one_storm(url: str, serve_pid: int, tokens: list[str], bodies_file: Path, concurrency: int) -> dict[str, Any]:
    tokens_file = bodies_file.with_name(f"tokens-{secrets.token_hex(4)}.json")
    tokens_file.write_text(json.dumps(tokens))
    client = subprocess.Popen([sys.executable, __file__, "--client", url, "--tokens", str(tokens_file), "--bodies",
                               str(bodies_file), "--concurrency", str(concurrency)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=str(ROOT))
    assert client.stdin is not None and client.stdout is not None
    if client.stdout.readline().strip() != "ready":
        raise SystemExit("the client failed before its storm (see its output above)")
    cpu_before = cpu_s(serve_pid)
    client.stdin.write("go\n")
    client.stdin.flush()
    output = client.stdout.read()
    serve_cpu = cpu_s(serve_pid) - cpu_before
    if client.wait() != 0:
        raise SystemExit("the client failed (see its output above)")
    tokens_file.unlink()
    result = json.loads(output)
    result["serve_cpu_ms_per_request"] = round(1000 * serve_cpu / max(1, result["requests"]), 3)
    return result


def intake(lab: Any, issuer: Issuer, oidc_tokens: list[str], args: argparse.Namespace) -> dict[str, Any]:
    import httpx

    static = {"Authorization": f"Bearer {STATIC_TOKEN}"}
    services = sorted(s["metadata"]["name"] for s in lab.store.list("Service") if s["metadata"].get("namespace") == "shop")
    template = {"NewStateValue": "ALARM", "NewStateReason": "Threshold Crossed: 5xxCount > 10 (bench)",
                "StateChangeTime": datetime.now(UTC).isoformat(), "Severity": "high",
                "Trigger": {"MetricName": "5xxCount", "Namespace": "Application", "Period": 60, "EvaluationPeriods": 3}}
    concurrent_bodies = storm_bodies(template, "shop", services, args.requests, args.distinct)
    sequential_bodies = storm_bodies(template, "shop", services, args.sequential, args.distinct, seed=11)
    with tempfile.TemporaryDirectory(prefix="sre-bench-oidc-") as state_dir:
        proc, url = start_serve(lab, state_dir, issuer, args.workers)
        try:
            wait_ready(url)
            # The distinct alarms once (their incidents open, their runs start), and their runs left to finish.
            for body in storm_bodies(template, "shop", services, args.distinct, args.distinct):
                httpx.post(f"{url}/v1/incidents", json=body, headers=static, timeout=30).raise_for_status()
            deadline, runs = time.monotonic() + args.settle_bound_s, {}
            while time.monotonic() < deadline:
                runs = _run_counts(url, static)
                if not runs.get("queued") and not runs.get("running"):
                    break
                time.sleep(1)
            else:
                raise SystemExit(f"the warm-up runs did not finish in {args.settle_bound_s:.0f}s: {runs}")
            print(f"   warm-up: {args.distinct} incidents open, runs {runs}", file=sys.stderr, flush=True)
            # One OIDC request first: the service fetches discovery + JWKS here, not inside a measured storm.
            httpx.get(f"{url}/v1/incidents?limit=1", headers={"Authorization": f"Bearer {oidc_tokens[0]}"},
                      timeout=30).raise_for_status()
            files = {}
            for shape, bodies in (("sequential", sequential_bodies), ("concurrent", concurrent_bodies)):
                files[shape] = Path(state_dir) / f"bodies-{shape}.json"
                files[shape].write_text(json.dumps([json.dumps(b) for b in bodies]))
            rounds: list[dict[str, Any]] = []
            for i in range(args.rounds):
                for shape, concurrency in (("sequential", 1), ("concurrent", args.concurrency)):
                    for side in (("static", "oidc") if i % 2 == 0 else ("oidc", "static")):
                        tokens = [STATIC_TOKEN] if side == "static" else oidc_tokens
                        result = one_storm(url, proc.pid, tokens, files[shape], concurrency)
                        rounds.append({"round": i + 1, "shape": shape, "side": side,
                                       "load_1m": round(os.getloadavg()[0], 2), **result})
                        print(f"   round {i + 1} {shape:10} {side:6}: p50 {result['ms']['p50']} p99 {result['ms']['p99']} ms, "
                              f"{result['per_s']}/s, serve {result['serve_cpu_ms_per_request']} ms CPU/request, "
                              f"{result['status_codes']}", file=sys.stderr, flush=True)
            incidents = httpx.get(f"{url}/v1/incidents", params={"limit": 1000}, headers=static, timeout=60).json()["incidents"]
            runs_after = _run_counts(url, static)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    out: dict[str, Any] = {"setup": f"one serve, static token and OIDC both configured, --workers {args.workers}; "
                                    f"medians over {args.rounds} rounds per side, alternating static/OIDC",
                           "shapes": {"sequential": f"1 in flight, {args.sequential} POSTs",
                                      "concurrent": f"{args.concurrency} in flight, {args.requests} POSTs"}}
    for shape in ("sequential", "concurrent"):
        medians = {}
        for side in ("static", "oidc"):
            mine = [r for r in rounds if r["shape"] == shape and r["side"] == side]
            medians[side] = {"p50_ms": round(statistics.median(r["ms"]["p50"] for r in mine), 2),
                             "p99_ms": round(statistics.median(r["ms"]["p99"] for r in mine), 2),
                             "per_s": round(statistics.median(r["per_s"] for r in mine), 1),
                             "serve_cpu_ms_per_request": round(statistics.median(r["serve_cpu_ms_per_request"] for r in mine), 3),
                             "p99_ms_each_round": ", ".join(f"{r['ms']['p99']:g}" for r in mine)}
        out[shape] = {**medians, "oidc_over_static": {
            key: round(medians["oidc"][key] / medians["static"][key], 2)
            for key in ("p50_ms", "p99_ms", "per_s", "serve_cpu_ms_per_request") if medians["static"][key]}}
    codes: dict[str, int] = {}
    for r in rounds:
        for code, n in r["status_codes"].items():
            codes[code] = codes.get(code, 0) + n
    out["status_codes_all_rounds"] = dict(sorted(codes.items()))
    out["no_run_started_by_the_storms"] = (len(incidents) == args.distinct and runs_after.get("done") == args.distinct
                                           and not runs_after.get("queued") and not runs_after.get("running"))
    out["rounds"] = rounds  # main() moves them to a file of their own
    return out


def _run_counts(url: str, headers: dict[str, str]) -> dict[str, int]:
    """bench_service.run_counts, with the token /metrics needs here."""
    import httpx

    text = httpx.get(f"{url}/metrics", headers=headers, timeout=30).text
    counts: dict[str, int] = {}
    for line in text.splitlines():
        match = re.match(r'sre_agent_\w*runs\w*\{state="(\w+)"\}\s+([\d.e+]+)', line)
        if match:
            counts[match.group(1)] = int(float(match.group(2)))
    return counts


# --- main ----------------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", default=str(ROOT / "bench" / "results" / "oidc.json"))
    parser.add_argument("--verifies", type=int, default=20000, help="warm verify calls timed (over --verify-rounds)")
    parser.add_argument("--verify-rounds", type=int, default=5)
    parser.add_argument("--people", type=int, default=16, help="distinct people's tokens, used in turn")
    parser.add_argument("--rounds", type=int, default=5, help="storms per side and shape, alternating static/OIDC")
    parser.add_argument("--requests", type=int, default=4000, help="POSTs per concurrent storm")
    parser.add_argument("--concurrency", type=int, default=8, help="clients in flight in the concurrent storm")
    parser.add_argument("--sequential", type=int, default=1000, help="POSTs per one-in-flight storm")
    parser.add_argument("--distinct", type=int, default=4, help="distinct alarms (incidents) the POSTs join")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--settle-bound-s", type=float, default=300, help="bound on the warm-up runs")
    parser.add_argument("--skip-serve", action="store_true", help="the verify cost only (no lab, no serve)")
    parser.add_argument("--client", help=argparse.SUPPRESS)  # internal: a storm's own process
    parser.add_argument("--tokens", help=argparse.SUPPRESS)
    parser.add_argument("--bodies", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        bodies = [b.encode() for b in json.loads(Path(args.bodies).read_text())]
        print(json.dumps(asyncio.run(client_storm(args.client, json.loads(Path(args.tokens).read_text()), bodies,
                                                  args.concurrency))))
        return

    load_before = os.getloadavg()
    issuer = Issuer()
    try:
        tokens = [issuer.token(person, ["sre-responder"]) for person in range(args.people)]
        print(f"oidc bench: {args.verifies} warm verifies of RS256 tokens ...", file=sys.stderr, flush=True)
        verify = verify_cost(issuer, tokens, args.verifies, args.verify_rounds)
        warm = verify["warm_verify_us"]
        print(f"   cold {verify['first_verify_cold_us']} us; warm median {warm['median']} us, p99 {warm['p99']} us; "
              f"PyJWT alone {verify['for_scale_median_us']['pyjwt_decode_with_key']} us, RSA alone "
              f"{verify['for_scale_median_us']['rsa_signature_check_only']} us; JWKS fetched {verify['jwks_fetches']}x",
              file=sys.stderr, flush=True)
        through_serve = None
        if not args.skip_serve:
            from sre_agent.lab.lab import Lab

            print(f"oidc bench: intake through serve, static token vs OIDC, {args.rounds} rounds ...", file=sys.stderr, flush=True)
            served_before = dict(issuer.served)
            lab = Lab().start()
            try:
                lab.load(SCENARIO)
                lab.run_clock(60)
                through_serve = intake(lab, issuer, tokens, args)
            finally:
                lab.stop()
            # What serve asked the issuer for, over its whole life: the keys are cached, so once each.
            through_serve["issuer_requests_by_serve"] = {path: n - served_before.get(path, 0)
                                                         for path, n in issuer.served.items()}
    finally:
        issuer.stop()
    headline: dict[str, Any] = {"verify_us_warm_median": verify["warm_verify_us"]["median"],
                                "verify_us_warm_p99": verify["warm_verify_us"]["p99"],
                                "first_verify_ms_cold_fetching_discovery_and_jwks": round(verify["first_verify_cold_us"] / 1000, 1)}
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if through_serve:
        rounds_path = out_path.with_name(f"{out_path.stem}-rounds.json")
        rounds_path.write_text(json.dumps(through_serve.pop("rounds"), indent=1))
        through_serve["each_storm"] = str(rounds_path.relative_to(ROOT) if rounds_path.is_relative_to(ROOT) else rounds_path)
        for shape, label in (("sequential", "one_in_flight"), ("concurrent", f"{args.concurrency}_in_flight")):
            s = through_serve[shape]
            headline[f"intake_p99_ms_{label}"] = {"static": s["static"]["p99_ms"], "oidc": s["oidc"]["p99_ms"],
                                                  "oidc_over_static": s["oidc_over_static"].get("p99_ms")}
            headline[f"serve_cpu_ms_added_per_request_{label}"] = round(
                s["oidc"]["serve_cpu_ms_per_request"] - s["static"]["serve_cpu_ms_per_request"], 3)
            print(f"   {shape}: p99 static {s['static']['p99_ms']} ms, OIDC {s['oidc']['p99_ms']} ms "
                  f"(x{s['oidc_over_static'].get('p99_ms')}); serve CPU {s['static']['serve_cpu_ms_per_request']} -> "
                  f"{s['oidc']['serve_cpu_ms_per_request']} ms/request", file=sys.stderr, flush=True)
    out = {"benchmark": "oidc", "date": datetime.now(UTC).date().isoformat(),
           "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
           "load_average_before": [round(x, 2) for x in load_before],
           "load_average_after": [round(x, 2) for x in os.getloadavg()],
           "headline": headline, "verify": verify, **({"intake": through_serve} if through_serve else {})}
    out_path.write_text(json.dumps(out, indent=2))
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
