"""`sre-agent investigate | demo`: run the responder, show live progress and the report."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ..app.options import RunOptions
from .common import (
    Brain,
    Kubeconfig,
    KubeContext,
    MetricsSourceFlag,
    Namespace,
    Profile,
    Region,
    Remediation,
    StateDir,
    fail,
    run_options,
    settings_for,
    targeting,
)

# The responder (LangGraph, the MCP client, the lab) is imported inside the commands, not here:
# `sre-agent investigate --help` must answer at once (bench/bench_cli_startup.py).
if TYPE_CHECKING:
    from ..contracts import Incident

log = logging.getLogger(__name__)

# The exit code says how the run ended, for scripts and CI: documented in `investigate --help`.
EXIT_CODES: dict[str, int] = {"remediated": 0, "healthy": 0, "answered": 0, "escalated": 1, "unknown": 2}

ScenarioDirs = Annotated[Optional[list[Path]], typer.Option("--scenarios", help="Extra scenario directories for --scenario.")]


class ProgressPrinter:
    """One line per agent step and tool call, with the elapsed time: what a 3 a.m. user watches."""

    def __init__(self, stream=sys.stderr) -> None:
        self.stream = stream
        self.started = time.monotonic()

    def __call__(self, event: dict[str, Any]) -> None:
        elapsed = time.monotonic() - self.started
        kind = event["kind"]
        if kind == "route":
            line = f"supervisor -> {event['agent']}: {event['question']} {event['target']}  ({event['reason']})"
        elif kind == "tool":
            mark = "ok" if event["ok"] else "ERROR"
            line = f"   {event['agent']:<10} {event['server']}.{event['tool']}  {event['ms']:.0f} ms {mark}"
        elif kind == "finding":
            line = f"   finding  {event['signal']} on {event['resource']}"
        elif kind == "diagnosis":
            line = f"diagnosis: {event['category']} on {event['resource'] or '-'} (confidence {event['confidence']:.2f})"
        elif kind == "plan":
            pinned = f" [{event['action_id']}, only while {event.get('precondition') or '-'}]" if event.get("action_id") else ""
            line = f"remediation: {event['tool']} {event['args']}{pinned} -- {event['risk']} risk, {event['gate']} ({event['why']})"
        elif kind == "action":
            line = f"action {event['tool']}: {'done' if event['ok'] else 'FAILED'} -- {event['result']}"
        elif kind == "verify":
            line = f"verify: {'healthy' if event['ok'] else 'not yet'} -- {event['detail']}"
        elif kind == "escalate":
            line = f"escalated: {event['reason']}" + (f" -- {event['delivery']}" if event.get("delivery") else "")
        elif kind == "done":
            line = f"finished: {event['status']}"
        else:
            return
        print(f"[{elapsed:6.2f}s] {line}", file=self.stream, flush=True)


def _terminal_approver(enabled: bool):
    if not enabled or not sys.stdin.isatty():
        return None

    async def approve(request: dict[str, Any]) -> dict[str, Any]:
        plan, pinned = request["plan"], request.get("pinned") or {}
        prompt = (f"\nApprove action {request.get('action_id')}: {plan['tool']} {plan['args']} on {pinned.get('resource')}\n"
                  f"  only while {pinned.get('precondition') or '(no precondition)'} -- {pinned.get('why', '')}\n"
                  f"  ({plan['risk']} risk, runbook {plan.get('runbook')}) because: {request['why']}\n  [y]es / [N]o: ")
        answer = await asyncio.to_thread(input, prompt)
        # The answer names the action it was given for: the graph refuses an approval for any other.
        if answer.strip().lower() in ("y", "yes"):
            return {"decision": "approved", "by": "cli-user", "action_id": request.get("action_id")}
        return {"decision": "rejected", "by": "cli-user", "note": "declined at the terminal", "action_id": request.get("action_id")}

    return approve


@contextlib.contextmanager
def _embedded_lab(scenario: str, dirs: list[Path] | None, speed: float, options: RunOptions):
    """A lab with the scenario loaded; yields (lab, incident) with the scenario's alarm fired (or question asked).
    When the options' Metrics agent reads Prometheus, a real one is started on the lab, its history backfilled,
    and the options point at it."""
    from ..app.intake import AlarmResolved, incident_for_trigger
    from ..lab.lab import Lab, LabError
    from ..lab.prometheus_stack import StackError, for_metrics_source
    from ..lab.trigger import scenario_trigger

    lab = Lab(scenario_dirs=dirs, prometheus_history=options.metrics_source != "cloudwatch")
    lab.start()
    exits = contextlib.ExitStack()
    try:
        try:
            lab.load(scenario)
        except (LabError, ValueError) as exc:
            fail(str(exc))
        try:
            options.prometheus_url = exits.enter_context(for_metrics_source(lab, options.metrics_source, lab.state_dir)) \
                or options.prometheus_url
        except StackError as exc:
            fail(f"cannot start Prometheus for --metrics {options.metrics_source}: {exc}")
        if options.metrics_source != "cloudwatch":
            print(f"Prometheus on the lab at {options.prometheus_url} (3 h of history backfilled)", file=sys.stderr)
        lab.run_clock(speed)
        trigger = scenario_trigger(lab)
        try:
            incident = incident_for_trigger(trigger.alarm, trigger.question)
        except AlarmResolved as resolved:  # the scenario's alarm is not firing in this lab: nothing to investigate
            print(f"{resolved}\nThe scenario {scenario!r} did not put its alarm in ALARM in this lab; "
                  "nothing was investigated (check the scenario's alarm threshold against `sre-agent lab status`).")
            raise typer.Exit(0) from None
        yield lab, incident
    finally:
        exits.close()
        lab.stop()


def _run(incident: Incident, options: RunOptions, as_json: bool, approve_at_terminal: bool) -> str:
    from ..app.runs import new_run_id, run_investigation

    """Investigate, print the report (or the result JSON), and return the terminal status."""
    printer = ProgressPrinter()
    run_id = new_run_id()
    print(f"investigating {incident.id} as run {run_id}: {incident.title}", file=sys.stderr)
    try:
        result, state = asyncio.run(run_investigation(incident, options, run_id=run_id, on_progress=printer,
                                                      approver=_terminal_approver(approve_at_terminal)))
    except Exception as exc:  # what stopped the run, where, and what to do -- never a traceback
        log.debug("run %s failed", run_id, exc_info=True)
        fail(f"run {run_id} stopped: {type(exc).__name__}: {exc}. Run again with -v for the detail; the state dir "
             f"{options.state_dir} must be writable and the checkpoint store reachable.")
    if as_json:
        print(result.model_dump_json(indent=2))
    else:
        print(Path(result.report_path).read_text())
        print(f"report: {result.report_path}", file=sys.stderr)
    if result.status == "unknown":
        print(f"could not reach a verdict: {state.answer}", file=sys.stderr)
    return result.status


def load_alarm_file(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except OSError as exc:
        raise ValueError(f"cannot read alarm file {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise ValueError(f"alarm file {path} is not JSON: {exc}") from None


def investigate(
    ctx: typer.Context,
    alarm_file: Annotated[Optional[Path], typer.Option(help="CloudWatch alarm JSON (raw, SNS or EventBridge).")] = None,
    prompt: Annotated[Optional[str], typer.Option(help="A question, as an SRE would ask it in chat.")] = None,
    scenario: Annotated[Optional[str], typer.Option(help="Start an embedded lab with this scenario and fire its alarm.")] = None,
    scenarios: ScenarioDirs = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the investigation result JSON instead of the report.")] = False,
    remediation: Remediation = None,
    brain: Brain = None,
    namespaces: Annotated[Optional[str], typer.Option(help="Comma-separated namespaces fixes may touch (lab: all).")] = None,
    state_dir: StateDir = None,
    checkpoint_dsn: Annotated[Optional[str], typer.Option(help="postgresql://... (default SQLite in the state dir).")] = None,
    namespace: Namespace = None,
    context: KubeContext = None, kubeconfig: Kubeconfig = None, profile: Profile = None, region: Region = None,
    lab_speed: Annotated[float, typer.Option(help="Embedded lab: simulated seconds per real second.")] = 60.0,
    metrics: MetricsSourceFlag = None,
    cluster: Annotated[Optional[str], typer.Option(
        "--cluster", help="With several clusters configured (`clusters:`): investigate in this one. Default: the "
                          "cluster the alarm names (ClusterName dimension, cluster label, account); a question in "
                          "none unless one is given.")] = None,
) -> None:
    """Investigate an alarm, a question, or a lab scenario; prints live progress, then the report.

    Examples:

    * sre-agent investigate --scenario bad-image --remediation auto

    * sre-agent investigate --alarm-file alarm.json --json

    * sre-agent investigate --prompt "why is checkout slow?" --context prod-eu --region eu-west-1

    * sre-agent investigate --prompt "is checkout healthy?" -n shop

    * sre-agent investigate --alarm-file alarm.json --config clusters.yaml   (routed to the alarm's cluster)

    Exit codes: 0 remediated, healthy or answered; 1 escalated to a human; 2 unknown (a backend
    could not be checked: the report says which and why) or bad input.
    """
    if sum(x is not None for x in (alarm_file, prompt, scenario)) != 1:
        fail("give exactly one of --alarm-file, --prompt or --scenario")
    if namespace is not None and prompt is None:
        fail("-n/--namespace scopes a --prompt question; an alarm names its own resource, a scenario its own question")
    options = run_options(ctx, {"brain": brain, "state_dir": state_dir, "checkpoint": {"dsn": checkpoint_dsn},
                                "policy": {"remediation": remediation, "namespaces": namespaces},
                                **targeting(context, kubeconfig, profile, region)}, metrics=metrics, lab=bool(scenario))
    if scenario:
        with _embedded_lab(scenario, scenarios, lab_speed, options) as (lab, incident):
            _sandboxed(options, lab, keep_namespaces=namespaces is not None)
            options.world_speed = lab_speed
            status = _run(incident, options, as_json, options.remediation != "off")
        raise typer.Exit(EXIT_CODES.get(status, 2))
    from ..app.intake import AlarmResolved, IntakeError, incident_from_alarm, incident_from_question

    try:
        incident = (incident_from_alarm(load_alarm_file(alarm_file)) if alarm_file
                    else incident_from_question(prompt or "", namespace=namespace))
    except AlarmResolved as resolved:  # an OK notification is news, not a fault: nothing to start, nothing wrong
        print(str(resolved))
        raise typer.Exit(0) from None
    except (IntakeError, ValueError) as exc:
        fail(str(exc))
    incident, options = _in_its_cluster(ctx, incident.model_copy(update={"cluster": cluster}), options, as_json)
    status = _run(incident, options, as_json, options.remediation != "off")
    raise typer.Exit(EXIT_CODES.get(status, 2))


def _in_its_cluster(ctx: typer.Context, incident: Incident, options: RunOptions,
                    as_json: bool) -> tuple[Incident, RunOptions]:
    """With several clusters configured, the incident and options of the cluster it belongs to (app/cluster_routing.py);
    one whose cluster cannot be told is not investigated: printed as escalated, exit 1."""
    from ..app.cluster_routing import route_incident, routed, unrouted_result
    from ..app.clusters import options_for_cluster
    from ..app.runs import new_run_id

    clusters = settings_for(ctx).clusters
    if not clusters:
        if incident.cluster:
            fail(f"--cluster {incident.cluster} needs the clusters it names configured (`clusters:` in the config "
                 "file, see docs/clusters.md); for one cluster use --context")
        return incident, options
    route = route_incident(incident, clusters)
    if route.cluster is None:
        result = unrouted_result(incident, route, new_run_id())
        print(result.model_dump_json(indent=2) if as_json else f"escalated: {result.diagnosis.summary}")
        raise typer.Exit(EXIT_CODES["escalated"])
    print(f"{route.sentence()}: {route.cluster.where()}", file=sys.stderr)
    return routed(incident, route), options_for_cluster(options, route.cluster)


def _sandboxed(options: RunOptions, lab, *, keep_namespaces: bool) -> None:
    from ..lab.trigger import lab_namespaces

    """The lab is a sandbox: its cluster and AWS, every namespace and node, escalations to its SNS."""
    options.env = lab.env()
    options.server_args = {}  # the lab's env names its cluster and account, whatever the settings target
    if not keep_namespaces:
        options.namespaces = lab_namespaces(lab)
    options.allow_node_actions, options.ssm_targets = True, ["*"]
    options.escalation_sns_topic_arn = lab.feed.topic_arn


def demo(ctx: typer.Context, scenario: Annotated[str, typer.Option(help="Which lab scenario to investigate.")] = "bad-image",
         state_dir: StateDir = None, metrics: MetricsSourceFlag = None) -> None:
    """Start the offline lab, break it, and watch the responder find and fix the fault (no cloud, no LLM).

    * sre-agent demo --metrics prometheus    (the Metrics agent reads a real Prometheus scraping the lab)
    """
    options = run_options(ctx, {"state_dir": state_dir}, metrics=metrics, lab=True)
    options.state_dir = state_dir or options.state_dir / "demo"
    options.remediation, options.brain = "auto", "offline"
    print(f"starting the lab with scenario {scenario!r} (3 h of history replayed)...", file=sys.stderr)
    started = time.monotonic()
    with _embedded_lab(scenario, None, 60.0, options) as (lab, incident):
        print(f"lab ready in {time.monotonic() - started:.1f}s; the alarm fired: {incident.title}", file=sys.stderr)
        _sandboxed(options, lab, keep_namespaces=False)
        options.world_speed = 60.0
        _run(incident, options, False, False)
