"""`sre-agent lab ...`: run the offline world, list and validate scenarios, inject faults."""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..lab.scenarios.loader import check_admission, load_scenario_file, load_scenarios
from ..lab.scenarios.schema import ScenarioError
from ..lab.world.images import load_catalog
from .common import wait_for_ctrl_c, write_env_file

app = typer.Typer(help="The offline lab: a Kubernetes API emulator and moto's AWS, with fault scenarios.",
                  no_args_is_help=True, rich_markup_mode="markdown")

ScenarioDirs = Annotated[Optional[list[Path]], typer.Option(
    "--scenarios", help="Directory of scenario YAML files (repeatable). Default: the built-in catalog.")]
DEFAULT_ENV_FILE = Path(".sre-agent/lab.env")


def _fail(message: str, code: int = 2) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


@app.command()
def up(
    scenario: Annotated[Optional[str], typer.Option(help="Scenario id to load (history replayed, fault active).")] = None,
    scenarios: ScenarioDirs = None,
    env_file: Annotated[Path, typer.Option(help="Where to write KUBECONFIG / AWS_* for other shells.")] = DEFAULT_ENV_FILE,
    speed: Annotated[float, typer.Option(help="Simulated seconds per real second while running.")] = 1.0,
    history_minutes: Annotated[int, typer.Option(help="Minutes of metric/log history to build.")] = 180,
    metrics: Annotated[str, typer.Option(
        "--metrics", help="cloudwatch: the lab's CloudWatch only; prometheus: also start Debian's prometheus scraping "
                          "the lab, the history backfilled (apt-get install prometheus), and point the env file's "
                          "SRE_AGENT_METRICS_* at it.")] = "cloudwatch",
    alerts: Annotated[str, typer.Option(
        "--alerts", help="cloudwatch: the scenario's alarm is a CloudWatch alarm (SNS); alertmanager: also a Prometheus "
                         "rule of the same name, routed by Debian's prometheus-alertmanager to --alert-webhook, resolved "
                         "alerts too (implies --metrics prometheus).")] = "cloudwatch",
    alert_webhook: Annotated[str, typer.Option(
        help="Where Alertmanager sends alerts: the service's intake. Its bearer token is SRE_AGENT_SERVICE_TOKEN, "
             "as `serve` reads it.")] = "http://127.0.0.1:8080/v1/alarms/alertmanager",
    clusters: Annotated[int, typer.Option(min=1, max=16, help=(
        "Run N clusters (sre-lab-1 .. sre-lab-N), each its own API server and world, with one kubeconfig naming "
        "them all; the scenario's fault in --fault-in, the same names healthy in the others."))] = 1,
    fault_in: Annotated[int, typer.Option(min=1, help="With --clusters: the cluster (1..N) the fault is in.")] = 1,
) -> None:
    """Run the lab in the foreground until Ctrl-C. Prints the endpoints and writes an env file
    for other shells:

    * sre-agent lab up --scenario bad-image

    * (another shell) source .sre-agent/lab.env && kubectl get pods -A && aws cloudwatch describe-alarms

    * (or) curl <the Prometheus URL it prints>, or point a Prometheus scrape config at it

    * sre-agent lab up --scenario oom-killed --alerts alertmanager   (and `sre-agent serve` with the env file sourced:
      rule fires -> Alertmanager -> the service's webhook -> an incident)

    * sre-agent lab up --scenario crash-missing-env --clusters 3 --fault-in 2   (then: sre-agent sweep --all-contexts)
    """
    if clusters > 1:
        if metrics != "cloudwatch" or alerts != "cloudwatch":
            _fail("--clusters runs CloudWatch-only labs: --metrics/--alerts are for one cluster")
        from .lab_fleet import fleet_up

        fleet_up(scenario or "healthy-baseline", scenarios, env_file, speed, history_minutes, clusters, fault_in)
        return
    from ..lab.admin import LabAdminServer
    from ..lab.lab import Lab
    from ..lab.prometheus.alarm_rules import alert_rule
    from ..lab.prometheus_stack import LabPrometheus, StackError

    if metrics not in ("cloudwatch", "prometheus") or alerts not in ("cloudwatch", "alertmanager"):
        _fail("--metrics is cloudwatch or prometheus; --alerts is cloudwatch or alertmanager")
    with_prometheus = metrics == "prometheus" or alerts == "alertmanager"
    lab = Lab(scenario_dirs=scenarios, history_minutes=history_minutes, speed=speed,
              state_dir=env_file.parent.resolve() / "lab", prometheus_history=with_prometheus)
    started = time.monotonic()
    # A stale env file from an earlier lab would let another shell connect while this one still replays its
    # history (a half-built world): it is written again, whole, once the scenario is loaded.
    env_file.unlink(missing_ok=True)
    lab.start()
    admin = LabAdminServer(lab)
    admin.start()
    try:
        lab.load(scenario or "healthy-baseline")
    except Exception as exc:
        lab.stop()
        _fail(f"could not load scenario: {exc}")
    env = {**lab.env(), "SRE_LAB_ADMIN_URL": admin.url}
    stack = None
    if with_prometheus:
        rules = [r for r in (alert_rule(a) for a in lab.feed.alarms.values()) if r] if alerts == "alertmanager" else []
        if alerts == "alertmanager" and not rules:
            typer.echo("the scenario's alarm has no PromQL counterpart (lab/prometheus/alarm_rules.yaml): no rule, "
                       "no Alertmanager alert", err=True)
        stack = LabPrometheus(lab, lab.state_dir / "prometheus", rules=rules,
                              alert_webhook=alert_webhook if rules else None,
                              alert_token=os.environ.get("SRE_AGENT_SERVICE_TOKEN"))
        try:
            stack.start()
        except StackError as exc:
            admin.stop()
            lab.stop()
            _fail(f"cannot start Prometheus: {exc}")
        env |= {"SRE_AGENT_METRICS_SOURCE": "prometheus", "SRE_AGENT_METRICS_PROMETHEUS_URL": stack.url,
                **({"SRE_AGENT_ALERTMANAGER_URL": stack.alertmanager_url} if stack.alertmanager_url else {})}
    lab.run_clock(speed)
    write_env_file(env_file, env)
    typer.echo(f"lab up in {time.monotonic() - started:.1f}s  scenario={lab.scenario.scenario.id}")
    typer.echo(f"  kubernetes API  {lab.api.url}   (KUBECONFIG={lab.kubeconfig})")
    typer.echo(f"  AWS (moto)      {lab.moto.url}   region us-east-1")
    scrape = urllib.parse.urlsplit(lab.scrape_url)
    typer.echo(f"  /metrics        {lab.scrape_url}   (scrape target {scrape.netloc}, metrics_path {scrape.path})")
    if stack is not None:
        typer.echo(f"  Prometheus      {stack.url}   (scraping the lab, {history_minutes} min of history backfilled)")
        for rule in stack.rules:
            typer.echo(f"    rule {rule['alert']}: {rule['expr']} for {rule['for']}")
    if stack is not None and stack.alertmanager_url:
        typer.echo(f"  Alertmanager    {stack.alertmanager_url}   (to {alert_webhook})")
    typer.echo(f"  env file        {env_file}   (source it in another shell)")
    typer.echo("Ctrl-C to stop.")
    wait_for_ctrl_c()
    if stack is not None:
        stack.stop()
    admin.stop()
    lab.stop()
    typer.echo("lab stopped")


@app.command("scenarios")
def list_scenarios(scenarios: ScenarioDirs = None,
                   as_json: Annotated[bool, typer.Option("--json", help="A JSON list of {id, title, tags}.")] = False) -> None:
    """List the scenario catalog (never the truth)."""
    try:
        loaded = load_scenarios(load_catalog(), scenarios)
    except ScenarioError as exc:
        _fail(str(exc))
    rows = [item.scenario.summary() for item in loaded.values()]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    width = max((len(r["id"]) for r in rows), default=10)
    for row in rows:
        typer.echo(f"{row['id']:<{width}}  {row['title']}  [{', '.join(row['tags'])}]")


@app.command()
def validate(paths: Annotated[Optional[list[Path]], typer.Argument(help="Scenario files or directories.")] = None) -> None:
    """Validate scenario files against the schema, check every reference and log template, and write each manifest
    through the API server's admission into a throwaway store; exit 1 on any error."""
    from ..lab.scenarios.loader import SCENARIO_DIR

    catalog = load_catalog()
    files: list[Path] = []
    for path in paths or [SCENARIO_DIR]:
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    errors = 0
    for file in files:
        try:
            check_admission(load_scenario_file(file, catalog))  # what the API server would refuse at `lab up`
            typer.echo(f"ok      {file}")
        except ScenarioError as exc:
            errors += 1
            typer.secho(f"invalid {exc}", fg=typer.colors.RED, err=True)
    if errors:
        raise typer.Exit(1)


def _admin_url(env_file: Path) -> str:
    if not env_file.exists():
        _fail(f"{env_file} not found: is `sre-agent lab up` running (it writes that file)?")
    for line in env_file.read_text().splitlines():
        if line.startswith("export SRE_LAB_ADMIN_URL="):
            return line.split("=", 1)[1]
    _fail(f"{env_file} has no SRE_LAB_ADMIN_URL; restart `sre-agent lab up`")
    return ""


def _call(url: str, method: str = "GET") -> dict:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        _fail(json.loads(exc.read() or b"{}").get("error", str(exc)))
    except urllib.error.URLError as exc:
        _fail(f"cannot reach the lab at {url}: {exc.reason}. Is `sre-agent lab up` still running?")
    return {}


@app.command()
def inject(scenario_id: Annotated[str, typer.Argument(help="Scenario whose fault to apply now.")],
           env_file: Annotated[Path, typer.Option(help="The env file `lab up` wrote.")] = DEFAULT_ENV_FILE) -> None:
    """Apply a scenario's fault to a running lab."""
    _call(f"{_admin_url(env_file)}/inject?scenario={scenario_id}", "POST")
    typer.echo(f"injected {scenario_id}")


@app.command()
def status(env_file: Annotated[Path, typer.Option(help="The env file `lab up` wrote.")] = DEFAULT_ENV_FILE,
           as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Summarise the running lab's world: nodes, unhealthy pods, alarms."""
    data = _call(f"{_admin_url(env_file)}/status")
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    typer.echo(f"scenario {data['scenario']}  at {data['now']}  pods {data['pods']}")
    for node, state in data["nodes"].items():
        typer.echo(f"  node {node}: {state}")
    for line in data["unhealthy_pods"] or ["(all pods healthy)"]:
        typer.echo(f"  {line}")
    for alarm, state in data["alarms"].items():
        typer.echo(f"  alarm {alarm}: {state}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
