"""What every command shares: the settings (flags > environment > config file > defaults), the
kubectl/AWS-CLI targeting flags, and errors that say what to do instead of a traceback."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Annotated, Any, NoReturn, Optional

import typer

from ..app.options import RunOptions
from ..app.settings import ConfigError, Settings, load_settings

Remediation = Annotated[Optional[str], typer.Option(
    help="auto: low-risk fixes run unattended, the rest ask; approve: every fix asks; off: diagnose only. "
         "[default: approve, or policy.remediation]")]
Brain = Annotated[Optional[str], typer.Option(
    help="offline (deterministic, no LLM), bedrock, anthropic or openai. [default: offline, or brain]")]
StateDir = Annotated[Optional[Path], typer.Option(
    help="Checkpoints, audit log and reports go here. [default: ~/.local/state/sre-agent, or state_dir]")]
MetricsSourceFlag = Annotated[Optional[str], typer.Option(
    "--metrics", help="Where the Metrics agent reads workload series: cloudwatch, prometheus or both. In the lab "
                      "(--scenario, demo) prometheus starts Debian's prometheus on it, the history backfilled "
                      "(apt-get install prometheus); elsewhere it needs metrics.prometheus_url. "
                      "[default: cloudwatch, or metrics.source]")]
IncidentId = Annotated[str, typer.Argument(help="An incident id (inc-...) or a run id (run-...).")]
CheckpointDsn = Annotated[Optional[str], typer.Option(help="postgresql://... : the service's shared store and "
                                                           "checkpoints (default: SQLite in the state dir).")]
KubeContext = Annotated[Optional[str], typer.Option("--context", help="kubeconfig context (default: the current one).")]
Kubeconfig = Annotated[Optional[Path], typer.Option("--kubeconfig", help="kubeconfig file (default: KUBECONFIG, ~/.kube/config).")]
Profile = Annotated[Optional[str], typer.Option("--profile", help="AWS profile (default: AWS_PROFILE).")]
Namespace = Annotated[Optional[str], typer.Option(
    "--namespace", "-n", help="Only this namespace (default: every namespace).")]
Region = Annotated[Optional[str], typer.Option("--region", help="AWS region (default: AWS_REGION, the profile's).")]


def fail(message: str) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


def config_file_of(ctx: typer.Context) -> Path | None:
    """The `--config FILE` given before the command (`sre-agent --config f.yaml ...`), if any."""
    root = ctx.find_root()
    return (root.obj or {}).get("config_file") if root is not None else None


def settings_for(ctx: typer.Context, overrides: dict[str, Any] | None = None) -> Settings:
    """The settings for a command, or what is wrong with them and exit 2 (never a traceback)."""
    try:
        return load_settings(overrides, config_file=config_file_of(ctx))
    except ConfigError as exc:
        fail(str(exc))


def service_store(options: RunOptions) -> Any:
    """The service's incident store (`sre-agent serve` in this state dir, or the checkpoint DSN's PostgreSQL), or None
    when no service ever ran here (opening it would create an empty one); unreachable: what is wrong, exit 2."""
    if not options.checkpoint_dsn and not (options.state_dir / "service.sqlite").is_file():
        return None
    from ..service.store import open_store

    try:
        return open_store(options.state_dir, options.checkpoint_dsn)
    except Exception as exc:  # noqa: BLE001 -- unreachable PostgreSQL, a locked file: say which
        fail(f"cannot open the incident store: {type(exc).__name__}: {exc}")


def targeting(context: str | None = None, kubeconfig: Path | None = None, profile: str | None = None,
              region: str | None = None) -> dict[str, Any]:
    """The kubectl / AWS CLI flags as settings overrides."""
    return {"kubernetes": {"context": context, "kubeconfig": kubeconfig}, "aws": {"profile": profile, "region": region}}


def write_env_file(path: Path, env: dict[str, str]) -> None:
    """`export K=V` lines for other shells, whole or not there: a reader never sources half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text("".join(f"export {k}={v}\n" for k, v in env.items()))
    partial.replace(path)


def wait_for_ctrl_c() -> None:
    """Block until SIGINT or SIGTERM: a foreground command (lab up) that stops cleanly either way."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


METRICS_SOURCES = ("cloudwatch", "prometheus", "both")


def run_options(ctx: typer.Context, overrides: dict[str, Any], *, metrics: str | None = None, lab: bool = False) -> RunOptions:
    """The run's options from the settings and the command's flags. `metrics` (--metrics) overrides metrics.source; in
    a lab the lab's own Prometheus is the source's URL (started by the command), so none is asked of the settings."""
    if metrics is not None and metrics not in METRICS_SOURCES:
        fail(f"--metrics {metrics!r} is not a metrics source: use {', '.join(METRICS_SOURCES)}")
    if metrics is not None and not lab:
        overrides = {**overrides, "metrics": {"source": metrics}}
    options = RunOptions.from_settings(settings_for(ctx, overrides))
    if metrics is not None and lab:
        options.metrics_source = metrics  # type: ignore[assignment]  # a str checked against METRICS_SOURCES above
    return options
