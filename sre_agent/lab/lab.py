"""The Lab: a Kubernetes API emulator and moto's AWS on loopback, driven by one world model.

    lab = Lab(); lab.start(); lab.load("bad-image")      # 3 h of history replayed, fault active
    lab.env()  -> KUBECONFIG, AWS_ENDPOINT_URL, region and credentials for any client
    lab.scrape_url                                    # the world's metrics, scraped like a cluster's
    lab.advance(300)                                      # five simulated minutes pass
    lab.stop()

Loading a scenario rewinds the clock by `history_minutes`, builds the healthy world, then replays
the scenario's timeline: the world moves from one moment that changes it to the next (a step, a
back-off expiring, a pod turning ready), and every minute boundary is sampled into CloudWatch
(metrics, logs, alarm evaluation) -- so the series and logs clients read are the world's own
history, with the fault's onset where it happened. A load takes about a second
(bench/bench_lab.py). The same world is served in Prometheus format at `scrape_url` (prometheus/):
kube-state-metrics, cAdvisor and the apps' request metrics, counting what CloudWatch gets.

Labs in one process share one moto server, each in its own AWS account (aws/moto_backend.py), so a
test session or a parallel evaluation can run many labs without them seeing each other's data. A lab's
cluster is also its account's EKS cluster, `cluster_name` (aws/eks.py), and its API takes the EKS tokens
minted for it (kube/authn.py); `Lab(tls=True)` serves that API over HTTPS (kube/tls.py)."""

from __future__ import annotations

import logging
import socket
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from .aws.eks import register_cluster, serve_presigned_caller_identity, trust_credentials
from .aws.feed import AlarmSpec, AwsFeed, instance_id, minute_floor
from .aws.moto_backend import LabAccount, claim_account, release_account, wipe_account_data
from .aws.server import MotoServer, aws_env, client
from .aws.ssm_documents import create_aws_managed_documents
from .kube.apiserver import KubeApiServer
from .kube.authn import Authenticator, EksTokenVerifier
from .kube.kubeconfig import write_kubeconfig
from .kube.store import ObjectStore
from .kube.tls import ServingTls, serving_tls
from .prometheus.history import FILE_NAME as HISTORY_FILE
from .prometheus.history import HistoryWriter
from .prometheus.scrape import LabMetrics
from .prometheus.server import MetricsServer
from .scenarios.loader import baseline_objects, load_scenario_file, load_scenarios, scenario_files
from .scenarios.schema import LoadedScenario, Step
from .steps import apply_to_world
from .world.clock import SimClock
from .world.health import unhealthy_pod_lines
from .world.images import ImageCatalog, load_catalog
from .world.world import World

log = logging.getLogger(__name__)

DEFAULT_HISTORY_MINUTES = 180


class LabError(RuntimeError):
    pass


class Lab:
    def __init__(self, *, scenario_dirs: list[Path] | None = None, history_minutes: int = DEFAULT_HISTORY_MINUTES,
                 speed: float = 0.0, state_dir: Path | None = None, cluster_name: str = "sre-lab",
                 seed: int = 0, prometheus_history: bool = False, tls: bool = False) -> None:
        self.scenario_dirs = scenario_dirs
        # The world's uids and generated names come from this seed, and every pod's telemetry jitter from its uid:
        # another seed is the same scenario with other noise (how `eval --repeat` finds noise-dependent verdicts).
        self.seed = seed
        self.history_minutes = history_minutes
        self.speed = speed
        self.cluster_name = cluster_name
        # Serve the API over HTTPS with a CA of its own (kube/tls.py): kubectl sends a user's credentials -- an EKS
        # token from an exec plugin -- only to an https:// server.
        self.tls = tls
        self.serving_tls: ServingTls | None = None
        # Also write each loaded scenario's history as scrapes for a Prometheus to backfill (prometheus/history.py):
        # off unless a Prometheus will read it -- it doubles a load's time.
        self.record_prometheus_history = prometheus_history
        self.prometheus_history: Path | None = None  # the last load's file, when recorded
        self._tmp = None if state_dir else tempfile.TemporaryDirectory(prefix="sre-lab-")
        self.state_dir = Path(state_dir or self._tmp.name)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.catalog: ImageCatalog = load_catalog()
        self._new_world()
        self.scenario: LoadedScenario | None = None
        self.moto: MotoServer | None = None
        self.api: KubeApiServer | None = None
        self.feed: AwsFeed | None = None
        self.metrics: LabMetrics | None = None
        self.metrics_server: MetricsServer | None = None
        self.account: LabAccount | None = None
        self.kubeconfig = self.state_dir / "kubeconfig"
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()
        self._tick_lock = threading.Lock()
        self._ssm_seen = 0
        self._dead: dict[str, socket.socket] = {}  # stopped backends: a bound, never-listening port each

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> Lab:
        self.moto = MotoServer.shared()
        self.account = claim_account()
        # EKS tokens for this cluster, signed by this account's principals, open the API as they open an EKS cluster's
        # (kube/authn.py): checked against the lab's STS, which answers presigned GetCallerIdentity (aws/eks.py).
        serve_presigned_caller_identity()
        trust_credentials(self.account)
        verifier = EksTokenVerifier(self.cluster_name, self.moto.url, self.account.account_id)
        self.serving_tls = serving_tls("127.0.0.1", self.state_dir / "tls", self.cluster_name) if self.tls else None
        self.api = KubeApiServer(self.store, self.world, authenticator=Authenticator(verifier),
                                 tls=self.serving_tls.context if self.serving_tls else None)
        self.api.start()
        write_kubeconfig(self.kubeconfig, self.api.url, ca_pem=self.serving_tls.ca_pem if self.serving_tls else None)
        self._new_feed()
        self.metrics_server = MetricsServer(self._scrape)  # reads whichever world the lab holds (see reset)
        self.metrics_server.start()
        return self

    def _new_world(self) -> None:
        self.clock = SimClock(speed=0.0)
        self.store = ObjectStore(self.clock.now, seed=self.seed)
        self.world = World(self.store, self.clock, self.catalog, self.cluster_name)

    def _new_feed(self) -> None:
        """The world's telemetry into the lab's AWS account, with what every account has: its SNS topic, SSM's
        AWS-managed documents -- and this lab's cluster in its EKS, at the lab's API (aws/eks.py)."""
        assert self.moto and self.account and self.api
        register_cluster(self.moto.url, self.account, self.cluster_name, self.api.url,
                         ca_pem=self.serving_tls.ca_pem if self.serving_tls else None)
        self.feed = AwsFeed(self.world, self.moto.url, self.account)
        self.metrics = LabMetrics(self.world, self.feed)  # counts from the feed's minutes on
        self.feed.create_topic()
        create_aws_managed_documents(client("ssm", self.moto.url, self.account))

    def reset(self) -> Lab:
        """Empty the running lab for another scenario on the same endpoints: a new world and clock, the
        AWS account's data wiped (its credentials kept), the API server serving the new store. Clients and
        MCP servers started with `env()` keep working -- what lets a test module start its servers once."""
        assert self.moto and self.api and self.account, "start() the lab first"
        if self._dead:
            raise LabError("a lab with a stopped backend cannot be reset; start a fresh Lab")
        self._stop_clock()
        self._stop = threading.Event()
        self._new_world()
        self.api.serve(self.store, self.world)
        wipe_account_data(self.account)
        self._new_feed()
        self.scenario, self._ssm_seen = None, 0
        return self

    def _stop_clock(self) -> None:
        self._stop.set()
        if self._ticker:
            # No timeout: a tick in progress finishes first. A ticker left running into reset() (a tick slower
            # than a timeout on a starved machine) would tick the next scenario's world beside its own ticker.
            self._ticker.join()
            self._ticker = None

    def stop(self) -> None:
        self._stop_clock()
        if self.api and "kubernetes" not in self._dead:
            self.api.stop()
        if self.metrics_server:
            self.metrics_server.stop()
            self.metrics_server = None
        for sock in self._dead.values():
            sock.close()
        self._dead.clear()
        if self.account:  # the shared moto server stays up for the next lab in this process
            release_account(self.account)
            self.account = None
        if self._tmp:
            self._tmp.cleanup()

    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def scrape_url(self) -> str:
        """Where the world's metrics are scraped: http://127.0.0.1:<port>/metrics."""
        assert self.metrics_server, "start() the lab first"
        return self.metrics_server.url

    def _scrape(self) -> bytes:
        assert self.metrics, "start() the lab first"
        return self.metrics.render()

    def _alarm_dimensions(self, namespace: str, dimensions: dict[str, str]) -> dict[str, str]:
        """A scenario alarm's dimensions as the lab publishes its series: plus the cluster's name and, for a node's
        Container Insights metric, the node's instance id (node series carry [ClusterName, InstanceId, NodeName])."""
        dims = {"ClusterName": self.cluster_name, **dimensions}
        if namespace == "ContainerInsights" and "NodeName" in dims and "InstanceId" not in dims:
            for node in (n for n in self.store.list("Node") if n["metadata"]["name"] == dims["NodeName"]):
                dims["InstanceId"] = instance_id(node)
        return dims

    def env(self) -> dict[str, str]:
        assert self.moto and self.api, "start() the lab first"
        aws_url = _url_of(self._dead["aws"]) if "aws" in self._dead else self.moto.url
        return {"KUBECONFIG": str(self.kubeconfig), **aws_env(aws_url, self.account), "SRE_LAB_CLUSTER": self.cluster_name}

    def stop_backend(self, name: Literal["kubernetes", "aws"]) -> None:
        """Take one backend away while the rest of the lab runs on: what a responder sees when the
        cluster's API or AWS cannot be reached. `env()` stays valid and points at a loopback port
        that refuses connections (bound, never listening, held until stop(), so nothing else can
        take it): kubernetes stops the API emulator and rewrites the kubeconfig to that port; aws
        points this lab's AWS_ENDPOINT_URL there (the moto server is shared by every lab in the
        process, so it stays up, and this lab's world keeps recording into it). The world and its
        clock go on; there is no way back short of a new Lab."""
        if name not in ("kubernetes", "aws"):
            raise LabError(f"no backend {name!r} to stop; the lab's backends are 'kubernetes' and 'aws'")
        assert self.moto and self.api, "start() the lab first"
        if name in self._dead:
            return
        self._dead[name] = _refusing_port()
        if name == "kubernetes":
            self.api.stop()
            write_kubeconfig(self.kubeconfig, _url_of(self._dead[name]))
            register_cluster(self.moto.url, self.account, self.cluster_name, _url_of(self._dead[name]))

    # --- scenarios --------------------------------------------------------------------------
    def find_scenario(self, scenario_id: str) -> LoadedScenario:
        for path in scenario_files(self.scenario_dirs):
            if path.stem == scenario_id:
                loaded = load_scenario_file(path, self.catalog)
                if loaded.scenario.id == scenario_id:
                    return loaded
        loaded = load_scenarios(self.catalog, self.scenario_dirs)
        if scenario_id not in loaded:
            raise LabError(f"no scenario {scenario_id!r}; known: {', '.join(sorted(loaded))} "
                           "(sre-agent lab scenarios lists them)")
        return loaded[scenario_id]

    def load(self, scenario: str | LoadedScenario, *, with_fault: bool = True) -> LoadedScenario:
        """Build the scenario's world with its history; the fault is active at 'now' when it has one."""
        loaded = self.find_scenario(scenario) if isinstance(scenario, str) else scenario
        if self.scenario is not None:
            raise LabError("this lab already holds a scenario; reset() it (or start a fresh Lab) for another one")
        self.scenario = loaded
        self.world.catalog = self.catalog.merged(loaded.scenario.images)
        started = time.monotonic()
        now = minute_floor(datetime.now(UTC))
        start = now - timedelta(minutes=self.history_minutes)
        self.clock.set(start)
        self._apply_baseline(loaded)
        changes = sorted(((now - timedelta(minutes=c.minutes_ago), c.steps) for c in
                          (loaded.scenario.fault.timeline if loaded.scenario.fault and with_fault else [])),
                         key=lambda item: item[0])
        alarm = loaded.scenario.alarm
        if alarm:
            self.feed.add_alarm(AlarmSpec(
                name=alarm.name, description=alarm.description, metric_namespace=alarm.metric.namespace,
                metric_name=alarm.metric.name,
                dimensions=tuple(sorted(self._alarm_dimensions(alarm.metric.namespace, alarm.metric.dimensions).items())),
                statistic=alarm.statistic, period=alarm.period, evaluation_periods=alarm.evaluation_periods,
                datapoints_to_alarm=alarm.datapoints_to_alarm, threshold=alarm.threshold, comparison=alarm.comparison))
        history = (HistoryWriter(self.metrics, self.feed, self.state_dir / HISTORY_FILE, self.scrape_url)
                   if self.record_prometheus_history and self.metrics and self.feed else None)
        minute = start
        while minute < now:
            minute += timedelta(minutes=1)
            # Changes land at their own moment inside the minute, so the next sample already shows them.
            for when, steps in [c for c in changes if minute - timedelta(minutes=1) <= c[0] < minute]:
                self.world.run_until(when)
                for step in steps:
                    self.apply_step(step)
            self.world.run_until(minute)
            self.feed.sample(minute)
        self.prometheus_history = history.close() if history else None
        self.world.flush_logs()
        self.feed.flush()
        self.clock.set(now)
        self.clock.run_at(self.speed)
        log.info("loaded scenario %s in %.2fs", loaded.scenario.id, time.monotonic() - started)
        return loaded

    def _apply_baseline(self, loaded: LoadedScenario) -> None:
        with self.store.lock:
            for obj in baseline_objects(loaded.cluster):
                self.store.create(obj)
            self.world.external_traffic = dict(loaded.cluster.traffic)
            if self.feed is not None:
                self.feed.log_shipping, self.feed.prometheus = loaded.cluster.log_shipping, loaded.cluster.prometheus_metrics
        self.world.sync()

    def inject(self, scenario: str | LoadedScenario | None = None) -> None:
        """Apply a scenario's fault steps to the running world now (all of them, in order)."""
        loaded = self.find_scenario(scenario) if isinstance(scenario, str) else (scenario or self.scenario)
        if loaded is None or loaded.scenario.fault is None:
            raise LabError("that scenario has no fault to inject")
        self.world.catalog = self.world.catalog.merged(loaded.scenario.images)
        for change in sorted(loaded.scenario.fault.timeline, key=lambda c: -c.minutes_ago):
            for step in change.steps:
                self.apply_step(step)
        self.tick()

    # --- changing the world -----------------------------------------------------------------
    def apply_step(self, step: Step) -> None:
        """Make one change through the store, as kubectl or a node failure would."""
        with self.store.lock:
            apply_to_world(self.world, step)
        self.world.sync()

    # --- time -----------------------------------------------------------------------------------
    def tick(self) -> None:
        """Sync the world to now, sample every minute boundary crossed, ship to AWS."""
        with self._tick_lock:
            self._watch_ssm_commands()
            now = self.clock.now()
            last = self.feed.last_sample or minute_floor(now)
            minute = last + timedelta(minutes=1)
            while minute <= now:
                self.world.sync()
                self.feed.sample(minute)
                minute += timedelta(minutes=1)
            self.world.sync()
            self.world.flush_logs()
            self.feed.flush()

    def advance(self, seconds: float) -> None:
        """Let simulated time pass: the world reacts at every moment it changes on its own, and
        every minute boundary crossed is sampled into CloudWatch."""
        with self._tick_lock:
            self._watch_ssm_commands()
            target = self.clock.now() + timedelta(seconds=seconds)
            minute = (self.feed.last_sample or minute_floor(self.clock.now())) + timedelta(minutes=1)
            while minute <= target:
                self.world.run_until(minute)
                self.feed.sample(minute)
                minute += timedelta(minutes=1)
            self.world.run_until(target)
            self.world.flush_logs()
            self.feed.flush()

    def run_clock(self, speed: float | None = None, interval_s: float = 0.5) -> None:
        """Let time flow in the background (speed x real time) until stop()."""
        self.clock.run_at(speed if speed is not None else max(self.speed, 1.0))
        if self._ticker is None:
            self._ticker = threading.Thread(target=self._tick_forever, args=(interval_s, self._stop), daemon=True, name="lab-clock")
            self._ticker.start()

    def _tick_forever(self, interval_s: float, stop: threading.Event) -> None:
        while not stop.wait(interval_s):  # its own event: reset() gives the lab a new one for the next ticker
            try:
                self.tick()
            except Exception:  # the clock must keep running; the next tick retries
                log.exception("lab tick failed")

    def _watch_ssm_commands(self) -> None:
        """A `systemctl restart kubelet` sent through SSM Run Command brings that node's kubelet back."""
        if not self.world.node_faults:
            return
        try:
            commands = self.feed.backends.ssm_commands()
        except Exception:  # moto internals moved: the fault simply stays until node_up
            log.warning("cannot read SSM commands from moto; a node fault stays until node_up", exc_info=True)
            return
        by_instance = {instance_id(n): n["metadata"]["name"] for n in self.store.list("Node")}
        for command in commands[self._ssm_seen:]:
            text = " ".join(" ".join(v) if isinstance(v, list) else str(v) for v in (command.parameters or {}).values())
            if "kubelet" in text and "restart" in text:
                for instance in command.instance_ids or []:
                    node = by_instance.get(instance)
                    if node:
                        self.world.node_faults.pop(node, None)
        self._ssm_seen = len(commands)

    # --- reading the world (for humans and the evaluation harness) ------------------------------
    def alarm_state(self, name: str) -> str:
        return self.feed.alarm_states.get(name, "INSUFFICIENT_DATA")

    def status(self) -> dict[str, Any]:
        self.world.sync()
        pods = self.store.list("Pod")
        return {
            "scenario": self.scenario.scenario.id if self.scenario else None,
            "now": self.clock.now().isoformat(),
            "objects": self.store.counts(),
            "nodes": {n["metadata"]["name"]: "NotReady" if n["metadata"]["name"] in self.world.node_faults else "Ready"
                      for n in self.store.list("Node")},
            "pods": len(pods),
            "unhealthy_pods": unhealthy_pod_lines(pods, self.clock.now()),
            "alarms": dict(self.feed.alarm_states) if self.feed else {},
        }


def _refusing_port() -> socket.socket:
    """A loopback port that refuses every connection for as long as the socket stays open."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


def _url_of(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"
