"""`sre-agent eval`: score the responder on a catalog of scenarios (ours or anyone's)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, Optional

import typer

from .common import Brain, settings_for

# The harness (the lab, the responder) is imported when the evaluation runs: `eval --help` answers at once.
if TYPE_CHECKING:
    from ..eval.sweep_eval import SweepScore


def evaluate(
    ctx: typer.Context,
    scenarios: Annotated[Optional[list[Path]], typer.Option(
        "--scenarios", help="Scenario directories (repeatable); default: the built-in catalog.")] = None,
    only: Annotated[Optional[list[str]], typer.Option("--only", help="Run just these scenario ids.")] = None,
    brain: Brain = None,
    repeat: Annotated[int, typer.Option(min=1, max=20, help=(
        "Runs per scenario, run k in a lab world drawn with seed k (other uids and pod names, so other telemetry "
        "jitter; run 1 is the usual world): the report lists the scenarios whose verdict changed between runs."))] = 1,
    approvals: Annotated[str, typer.Option(help="all: the stand-in on-call approves every proposal; none: rejects all.")] = "all",
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Write the full report as JSON here.")] = None,
    markdown_out: Annotated[Optional[Path], typer.Option("--markdown", help="Write the results table as markdown here.")] = None,
    entry: Annotated[Literal["alarm", "sweep", "chat", "all"], typer.Option(
        "--entry", help="alarm: investigate each scenario's alarm; sweep: one `sre-agent sweep` per scenario "
                        "(truth's root found? rank? false problems?); chat: the conversations in "
                        "sre_agent/eval/chat_cases (or --chat-cases), scored by the facts each answer must and must "
                        "not contain; all: the three.")] = "all",
    chat_cases: Annotated[Optional[Path], typer.Option("--chat-cases", help="A directory of chat case files.")] = None,
    record: Annotated[Optional[Path], typer.Option(
        "--record", help="Run each scenario in the lab (offline brain, nothing written) and write a replay case per "
                         "scenario into this directory: the entry, the expected answer, every tool call's result.")] = None,
    replay: Annotated[Optional[Path], typer.Option(
        "--replay", help="Score --brain on recorded cases (a directory of cases, or one case) without a lab: tool "
                         "calls are answered from the recordings; calls they lack are reported as replay misses.")] = None,
    out: Annotated[Optional[Path], typer.Option(
        "--out", help="Keep each alarm run here, one directory per scenario: report.md and report.json (with its "
                      "charts), tool_calls.json, score.json and fix_proof.json (each pasted command and its output).")] = None,
    prove: Annotated[bool, typer.Option(
        "--prove/--no-prove", help="Paste the fixes an unmitigated run proposes into a fresh copy of its world (the real "
                                   "kubectl; placeholders filled from the truth), let 15 simulated minutes pass and "
                                   "check the fault cleared: the 'fix verified' column.")] = True,
    metrics: Annotated[Literal["cloudwatch", "prometheus", "both"], typer.Option(
        "--metrics", help="Where the Metrics agent reads workload series: cloudwatch (the lab's CloudWatch), prometheus "
                          "(Debian's prometheus started on each scenario's lab, its history backfilled: apt-get install "
                          "prometheus) or both. Alarms are read where they live either way.")] = "cloudwatch",
    clusters: Annotated[int, typer.Option(
        "--clusters", min=1, max=8, help="Run each alarm scenario in a fleet of N lab clusters -- its fault in one, the "
                                         "same names healthy in the others -- with the responder configured for all N "
                                         "(`clusters:`): the incident is routed by its alarm, and writes that reach "
                                         "another cluster are counted (wrong-cluster actions). CloudWatch only.")] = 1,
) -> None:
    """Run the full responder on each scenario in a fresh lab and score it against the scenario's truth.

    Exits 0 whatever the scores (it measures); non-zero only when it could not run.
    """
    from ..eval.harness import EvalReport, markdown_table, run_scenario, totals, unstable
    from ..eval.sweep_eval import sweep_markdown, sweep_scenario, sweep_totals
    from ..lab.scenarios.loader import load_scenarios
    from ..lab.scenarios.schema import ScenarioError
    from ..lab.world.images import load_catalog

    settings = settings_for(ctx, {"brain": brain})
    if record is not None and replay is not None:
        typer.secho("--record and --replay are separate steps: record once, replay as often as you like",
                    fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    if replay is not None:
        _replay(replay, only, settings, json_out, markdown_out)
        return
    if entry == "chat":
        _evaluate_chat(chat_cases, only, json_out, markdown_out, scenarios, _scenario_ids(scenarios))
        return
    if clusters > 1 and (metrics != "cloudwatch" or entry not in ("alarm",)):
        typer.secho("--clusters runs alarm scenarios over CloudWatch: give --entry alarm (and no --metrics)",
                    fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    if approvals not in ("all", "none"):
        typer.secho("--approvals must be all or none", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    try:
        catalog = load_scenarios(load_catalog(), scenarios)
    except ScenarioError as exc:
        typer.secho(f"cannot load scenarios:\n{exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    missing = [i for i in only or [] if i not in catalog]
    if missing:
        typer.secho(f"unknown scenario ids: {missing}; known: {', '.join(sorted(catalog))}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    chosen = [catalog[i] for i in only] if only else list(catalog.values())
    if record is not None:
        _record(record, chosen)
        return
    rows = []
    runs = [(seed, loaded) for seed in range(repeat) for loaded in chosen] if entry != "sweep" else []
    for index, (seed, loaded) in enumerate(runs, 1):
        started = time.monotonic()
        print(f"[{index}/{len(runs)}] {loaded.scenario.id}{f' (seed {seed})' if repeat > 1 else ''} ...", end="",
              file=sys.stderr, flush=True)
        if clusters > 1:
            from ..eval.fleet_run import run_scenario_in_fleet

            row = run_scenario_in_fleet(loaded, clusters=clusters, brain=settings.brain, llm=settings.llm,
                                        approvals=approvals, seed=seed, prove=prove, out_dir=out)  # type: ignore[arg-type]
        else:
            row = run_scenario(loaded, brain=settings.brain, llm=settings.llm, approvals=approvals, seed=seed,
                               prove=prove, out_dir=out, metrics=metrics)
        verdict = "error" if row.error else ("ok" if row.root_cause_category and row.root_cause_resource else "miss")
        proved = "" if row.fix_verified is None else f", fix {'verified' if row.fix_verified else 'not verified'}"
        where = f" in {row.cluster or 'no cluster'}" + (f", {row.wrong_cluster_actions} wrong-cluster write(s)"
                                                         if row.wrong_cluster_actions else "") if clusters > 1 else ""
        print(f" {verdict} ({row.category} {row.resource or '-'}, {row.status}{proved}{where}) "
              f"{time.monotonic() - started:.1f}s", file=sys.stderr)
        rows.append(row)
    sweep_rows: list[SweepScore] = []
    for index, loaded in enumerate(chosen if entry != "alarm" else [], 1):
        print(f"[sweep {index}/{len(chosen)}] {loaded.scenario.id} ...", end="", file=sys.stderr, flush=True)
        sweep_row = sweep_scenario(loaded)
        print(f" {sweep_row.error or f'rank {sweep_row.rank}, {sweep_row.problems} problem(s), {sweep_row.status}'}",
              file=sys.stderr)
        sweep_rows.append(sweep_row)
    report = EvalReport(brain=settings.brain, repeat=repeat, metrics=metrics, clusters=clusters,
                        scenarios=rows, totals=totals(rows), unstable=unstable(rows))
    table = (markdown_table(report) + "\n" if rows else "") + (sweep_markdown(sweep_rows) if sweep_rows else "")
    print(table)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        if rows:
            json_out.write_text(report.model_dump_json(indent=2))
        if sweep_rows:  # beside the alarm report: <name>.sweep.json (the alarm report's shape is unchanged)
            json_out.with_suffix(".sweep.json").write_text(json.dumps(
                {"scenarios": [r.model_dump() for r in sweep_rows], "totals": sweep_totals(sweep_rows).model_dump()}, indent=2))
    if markdown_out:
        markdown_out.parent.mkdir(parents=True, exist_ok=True)
        markdown_out.write_text(table)
    if entry == "all":  # beside the others: <name>.chat.json / <name>.chat.md
        _evaluate_chat(chat_cases, only, json_out and json_out.with_suffix(".chat.json"),
                       markdown_out and markdown_out.with_suffix(".chat.md"), scenarios, set(catalog))


def _scenario_ids(scenario_dirs: list[Path] | None) -> set[str]:
    """The scenarios a chat case may name: the ones in --scenarios (or the built-in catalog)."""
    from ..lab.scenarios.loader import load_scenarios
    from ..lab.scenarios.schema import ScenarioError
    from ..lab.world.images import load_catalog

    try:
        return set(load_scenarios(load_catalog(), scenario_dirs))
    except ScenarioError as exc:
        typer.secho(f"cannot load scenarios:\n{exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None


def _evaluate_chat(cases_dir: Path | None, only: list[str] | None, json_out: Path | None, markdown_out: Path | None,
                   scenario_dirs: list[Path] | None, known: set[str]) -> None:
    from ..eval.chat_eval import load_cases, markdown_summary, run_chat_eval

    worlds = []
    for world in (w for w in load_cases(cases_dir) if not only or w.scenario in only):
        if world.scenario in known:
            worlds.append(world)
        else:  # cases over another set's world: say so once, never a traceback
            where = ", ".join(str(d) for d in scenario_dirs) if scenario_dirs else "the built-in catalog"
            print(f"[chat] skipped {len(world.conversations)} conversation(s) over scenario {world.scenario!r}: "
                  f"not in {where} (pass --chat-cases with cases for these scenarios)", file=sys.stderr)
    if not worlds:
        print("[chat] no chat cases over these scenarios: chat not scored", file=sys.stderr)
        return

    def progress(turn) -> None:
        print(f"[{turn.world}/{turn.conversation} {turn.turn}] {turn.ask!r}: {'ok' if turn.passed else 'FAIL'} "
              f"({turn.status}, {turn.seconds:.1f}s)", file=sys.stderr)

    report = run_chat_eval(worlds, on_turn=progress, scenario_dirs=scenario_dirs)
    table = markdown_summary(report)
    print(table)
    _write_outputs(json_out, report.model_dump_json(indent=2), markdown_out, table)


def _write_outputs(json_out: Path | None, as_json: str, markdown_out: Path | None, table: str) -> None:
    """The report as JSON and its table as markdown, where the flags asked for them."""
    for path, text in ((json_out, as_json), (markdown_out, table)):
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)


def _record(directory: Path, chosen: list) -> None:
    from ..eval.record import record_scenario
    from ..eval.replay_case import write_tools

    tools = None
    for index, loaded in enumerate(chosen, 1):
        started = time.monotonic()
        print(f"[record {index}/{len(chosen)}] {loaded.scenario.id} ...", end="", file=sys.stderr, flush=True)
        case, tools = record_scenario(loaded, directory)
        calls = len(json.loads((directory / case.id / "calls.json").read_text())["calls"])
        print(f" {calls} calls, live {case.live.category} {case.live.resource or '-'} "
              f"{time.monotonic() - started:.1f}s", file=sys.stderr)
    if tools is not None:
        write_tools(directory, tools)
    print(f"recorded {len(chosen)} case(s) into {directory}")


def _replay(directory: Path, only: list[str] | None, settings, json_out: Path | None, markdown_out: Path | None) -> None:
    from ..eval.replay import replay_all, replay_markdown
    from ..eval.replay_case import case_dirs

    directories = case_dirs(directory, only)
    if not directories:
        typer.secho(f"no replay cases (*/case.json) in {directory}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)

    def progress(row) -> None:
        verdict = "error" if row.error else ("ok" if row.root_cause_category and row.root_cause_resource else "miss")
        print(f"[replay] {row.id}: {verdict} ({row.category} {row.resource or '-'}, {row.status}; "
              f"{len(row.misses)} replay miss(es))", file=sys.stderr)

    report = replay_all(directories, brain=settings.brain, llm=settings.llm, on_case=progress)
    table = replay_markdown(report)
    print(table)
    _write_outputs(json_out, report.model_dump_json(indent=2), markdown_out, table)
