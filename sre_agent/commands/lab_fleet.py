"""`sre-agent lab up --clusters N`: a fleet of labs (lab/fleet.py) in the foreground until Ctrl-C, with one
kubeconfig naming every cluster, an AWS config with a profile per cluster, an env file for other shells and a
config file whose `clusters:` names every cluster (for `serve` / `investigate --config`)."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from .common import wait_for_ctrl_c, write_env_file


def fleet_up(scenario: str, scenario_dirs: list[Path] | None, env_file: Path, speed: float, history_minutes: int,
             clusters: int, fault_in: int) -> None:
    import yaml

    from ..lab.fleet import LabFleet
    from ..lab.lab import LabError
    from ..lab.trigger import lab_namespaces

    if fault_in > clusters:
        typer.secho(f"--fault-in {fault_in} is not one of the {clusters} clusters (1..{clusters})", fg=typer.colors.RED,
                    err=True)
        raise typer.Exit(2)
    started = time.monotonic()
    env_file.unlink(missing_ok=True)  # a stale one would point another shell at clusters that are gone
    fleet = LabFleet(clusters, scenario_dirs=scenario_dirs, history_minutes=history_minutes, speed=speed,
                     state_dir=env_file.parent.resolve() / "fleet").start()
    try:
        fleet.load(scenario, fault_in=fault_in - 1)
    except (LabError, ValueError) as exc:
        fleet.stop()
        typer.secho(f"could not load scenario: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    fleet.run_clock(speed)
    # The faulty cluster's account as the default AWS (what `sweep --all-contexts` shares), every cluster's as a profile.
    write_env_file(env_file, {**fleet.env(), **{k: v for k, v in fleet.profiles_env().items() if k.startswith("AWS_")}})
    clusters_file = env_file.parent / "clusters.yaml"
    clusters_file.write_text(yaml.safe_dump({"clusters": fleet.clusters_config(
        [lab_namespaces(lab) for lab in fleet.labs])}, sort_keys=False))
    typer.echo(f"{clusters} clusters up in {time.monotonic() - started:.1f}s  scenario={scenario}, its fault in "
               f"{fleet.names[fault_in - 1]}")
    for name, lab in zip(fleet.names, fleet.labs):
        typer.echo(f"  {name:<12} kubernetes API {lab.api.url if lab.api else '-'}")
    typer.echo(f"  kubeconfig   {fleet.kubeconfig}   (contexts {', '.join(fleet.names)})")
    typer.echo(f"  AWS          {fleet.env()['AWS_ENDPOINT_URL']}   ({fleet.names[fault_in - 1]}'s account)")
    typer.echo(f"  env file     {env_file}   (source it, then: sre-agent sweep --all-contexts)")
    typer.echo(f"  clusters     {clusters_file}   (the responder's `clusters:`, a profile per cluster: "
               f"sre-agent --config {clusters_file} serve)")
    typer.echo("Ctrl-C to stop.")
    wait_for_ctrl_c()
    fleet.stop()
    typer.echo("fleet stopped")
