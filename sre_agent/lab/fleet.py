"""Several labs as one fleet of clusters: N Labs, each its own Kubernetes API server, world and clock, named
`<prefix>-1` .. `<prefix>-N` (the name is also its Container Insights ClusterName), and one kubeconfig with a
context per cluster -- what a kubeconfig for several real clusters looks like.

    fleet = LabFleet(3).start(); fleet.load("crash-missing-env", fault_in=1)
    fleet.kubeconfig      # contexts sre-lab-1, sre-lab-2, sre-lab-3
    fleet.stop()

A scenario is loaded into every cluster with the same names; its fault only in `fault_in` (0-based), the others
healthy -- so a fix that lands in the wrong cluster lands on a same-named, healthy object. Each cluster's AWS is
its own lab account (its alarms, metrics and logs); `env()` names the faulty cluster's, `env_of(i)` any one's."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .kube.kubeconfig import write_contexts
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
        return self

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
