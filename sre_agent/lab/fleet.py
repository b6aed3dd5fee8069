"""Several labs as one fleet of clusters: N Labs, each its own Kubernetes API server, world and clock, named
`<prefix>-1` .. `<prefix>-N` (the name is also its Container Insights ClusterName), and one kubeconfig with a
context per cluster -- what a kubeconfig for several real clusters looks like.

    fleet = LabFleet(3).start(); fleet.load("crash-missing-env", fault_in=1)
    fleet.kubeconfig      # contexts sre-lab-1, sre-lab-2, sre-lab-3
    fleet.stop()

A scenario is loaded into every cluster with the same names; its fault only in `fault_in` (0-based), the others
healthy -- so a fix that lands in the wrong cluster lands on a same-named, healthy object. Each cluster's AWS is
its own lab account (its alarms, metrics and logs); `env()` names the faulty cluster's, `env_of(i)` any one's, and
`profiles_env()` every one's -- an AWS config file with a profile per cluster (named after it), as an account per
cluster is reached with `--profile`. `clusters_config()` is the responder's `clusters:` list for the fleet."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from .aws.server import REGION
from .kube.kubeconfig import write_contexts, write_private
from .lab import Lab, LabError
from .scenarios.schema import LoadedScenario


class LabFleet:
    def __init__(self, clusters: int, *, prefix: str = "sre-lab", scenario_dirs: list[Path] | None = None,
                 history_minutes: int | None = None, speed: float = 0.0, state_dir: Path | None = None,
                 seed: int = 0) -> None:
        if clusters < 1:
            raise LabError(f"a fleet needs at least one cluster, not {clusters}")
        self._tmp = None if state_dir else tempfile.TemporaryDirectory(prefix="sre-fleet-")
        self.state_dir = Path(state_dir or self._tmp.name)
        self.names = [f"{prefix}-{i}" for i in range(1, clusters + 1)]
        extra = {"history_minutes": history_minutes} if history_minutes is not None else {}
        self.labs = [Lab(scenario_dirs=scenario_dirs, speed=speed, state_dir=self.state_dir / name, cluster_name=name,
                         seed=seed + i, **extra) for i, name in enumerate(self.names)]
        self.kubeconfig = self.state_dir / "kubeconfig"
        self.aws_config = self.state_dir / "aws" / "config"
        self.aws_credentials = self.state_dir / "aws" / "credentials"
        self.fault_in = 0

    def start(self) -> LabFleet:
        try:
            for lab in self.labs:
                lab.start()
        except BaseException:
            self.stop()
            raise
        assert all(lab.api for lab in self.labs)
        write_contexts(self.kubeconfig, [(name, lab.api.url) for name, lab in zip(self.names, self.labs)])  # type: ignore[union-attr]
        self._write_profiles()
        return self

    def _write_profiles(self) -> None:
        """One AWS profile per cluster, named after it: its lab account's keys and the lab's endpoint."""
        self.aws_config.parent.mkdir(parents=True, exist_ok=True)
        config, credentials = [], []
        for name, lab in zip(self.names, self.labs):
            assert lab.moto and lab.account
            config.append(f"[profile {name}]\nregion = {REGION}\nendpoint_url = {lab.moto.url}\n")
            credentials.append(f"[{name}]\naws_access_key_id = {lab.account.access_key_id}\n"
                               f"aws_secret_access_key = {lab.account.secret_access_key}\n")
        write_private(self.aws_config, "\n".join(config))
        write_private(self.aws_credentials, "\n".join(credentials))

    def profiles_env(self) -> dict[str, str]:
        """Every cluster reachable by name: the fleet's kubeconfig (a context per cluster) and AWS config (a profile
        per cluster) -- no account's keys in the environment, so each AWS client picks its cluster's by profile."""
        return {"KUBECONFIG": str(self.kubeconfig), "AWS_CONFIG_FILE": str(self.aws_config),
                "AWS_SHARED_CREDENTIALS_FILE": str(self.aws_credentials), "AWS_REGION": REGION,
                "AWS_DEFAULT_REGION": REGION}

    def clusters_config(self, namespaces: list[list[str]] | None = None) -> list[dict[str, Any]]:
        """The responder's `clusters:` for this fleet: each cluster by its context, account and profile."""
        return [{"name": name, "context": name, "kubeconfig": str(self.kubeconfig), "aws_profile": name,
                 "aws_account": lab.account.account_id if lab.account else None,
                 **({"namespaces": namespaces[i]} if namespaces else {})}
                for i, (name, lab) in enumerate(zip(self.names, self.labs))]

    def __enter__(self) -> LabFleet:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def load(self, scenario: str | LoadedScenario, *, fault_in: int = 0) -> LoadedScenario:
        """The scenario in every cluster, its fault only in cluster `fault_in` (0-based)."""
        if not 0 <= fault_in < len(self.labs):
            raise LabError(f"fault_in {fault_in} is not one of the fleet's clusters 0..{len(self.labs) - 1}")
        self.fault_in = fault_in
        loaded = self.labs[fault_in].load(scenario)
        for index, lab in enumerate(self.labs):
            if index != fault_in:
                lab.load(loaded, with_fault=False)
        return loaded

    def run_clock(self, speed: float | None = None) -> None:
        for lab in self.labs:
            lab.run_clock(speed)

    def env_of(self, index: int) -> dict[str, str]:
        """Cluster `index`'s environment, with the fleet's kubeconfig (its context chosen by name)."""
        return {**self.labs[index].env(), "KUBECONFIG": str(self.kubeconfig)}

    def env(self) -> dict[str, str]:
        return self.env_of(self.fault_in)

    def stop(self) -> None:
        for lab in self.labs:
            lab.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
