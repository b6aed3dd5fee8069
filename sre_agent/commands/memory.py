"""`sre-agent memory`: what the responder remembers -- past incidents (recalled as hypotheses when an alarm recurs)
and the facts the team told it -- listed, shown, added and forgotten."""

from __future__ import annotations

import getpass
import json
from typing import Annotated, Any, Optional

import typer

from .common import StateDir, fail, settings_for

app = typer.Typer(help="What the responder remembers: past incidents and the team's facts (list, show, add, forget).",
                  no_args_is_help=True)
Dsn = Annotated[Optional[str], typer.Option("--checkpoint-dsn", help="postgresql://... : the service's shared "
                                                                      "database (default: memory.sqlite in the state dir).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of one line per record.")]


def _store(ctx: typer.Context, state_dir: Any, dsn: str | None) -> tuple[Any, Any]:
    """The memory store the settings name (and the settings), or a clear error and exit 2."""
    from ..memory.store import open_memory

    settings = settings_for(ctx, {"state_dir": state_dir, "checkpoint": {"dsn": dsn}})
    try:
        return open_memory(settings.state_dir, settings.checkpoint.dsn), settings
    except Exception as exc:  # noqa: BLE001 -- unreachable PostgreSQL, an unwritable state dir, a newer schema
        fail(f"cannot open the incident memory: {type(exc).__name__}: {exc}")


def _print_json(rows: list[Any]) -> None:
    typer.echo(json.dumps([json.loads(row.model_dump_json()) for row in rows], indent=2))


@app.command("list")
def list_incidents(ctx: typer.Context,
                   resource: Annotated[Optional[str], typer.Option(help="Only incidents about this resource id "
                                                                   "(root cause or alarmed), e.g. shop/Deployment/search.")] = None,
                   limit: Annotated[int, typer.Option(min=1, max=10000, help="At most this many, newest first.")] = 50,
                   as_json: AsJson = False, state_dir: StateDir = None, checkpoint_dsn: Dsn = None) -> None:
    """Remembered incidents, newest first: when, root cause, what was done and whether it verified."""
    store, _ = _store(ctx, state_dir, checkpoint_dsn)
    rows = store.incidents(resource=resource, limit=limit)
    if as_json:
        _print_json(rows)
        return
    if not rows:
        typer.echo("nothing remembered yet" + (f" about {resource}" if resource else "")
                   + ": every finished investigation is remembered here (memory.enabled)")
        return
    for row in rows:
        fix = f"{row.fix_tool} ({'verified' if row.verified else 'not verified'})" if row.fix_applied else \
            ("fix proposed" if row.fix else "no fix")
        typer.echo(f"{row.recorded_at:%Y-%m-%d %H:%M}  {row.incident_id}  {row.status:<10} {row.category} "
                   f"{row.resource or '-'}  {fix}")


@app.command()
def show(ctx: typer.Context, incident_id: Annotated[str, typer.Argument(help="An incident id (inc-...) or run id.")],
         state_dir: StateDir = None, checkpoint_dsn: Dsn = None) -> None:
    """One remembered incident in full (JSON): its signature, evidence fingerprints, fix, approver and timings."""
    store, _ = _store(ctx, state_dir, checkpoint_dsn)
    rows = [row for row in store.incidents(limit=10000) if incident_id in (row.incident_id, row.run_id)]
    if not rows:
        fail(f"nothing remembered as {incident_id!r}: `sre-agent memory list` shows what is")
    _print_json(rows)


@app.command()
def forget(ctx: typer.Context,
           incident: Annotated[Optional[str], typer.Option(help="An incident or run id.")] = None,
           resource: Annotated[Optional[str], typer.Option(help="A resource id: every incident about it (root "
                                                           "cause or alarmed) and the facts scoped to it.")] = None,
           person: Annotated[Optional[str], typer.Option(help="A person: the incidents they approved and the facts "
                                                         "they gave.")] = None,
           state_dir: StateDir = None, checkpoint_dsn: Dsn = None) -> None:
    """Delete remembered records by incident, resource or person."""
    if not (incident or resource or person):
        fail("say what to forget: --incident ID, --resource NAMESPACE/KIND/NAME or --person NAME")
    store, _ = _store(ctx, state_dir, checkpoint_dsn)
    gone = store.forget(incident=incident, resource=resource, person=person)
    typer.echo(f"forgot {gone} record{'s' if gone != 1 else ''}")


@app.command()
def add(ctx: typer.Context, text: Annotated[str, typer.Argument(help="The fact, as you would say it: "
                                                                "\"payments belongs to the ledger team\".")],
        namespace: Annotated[Optional[str], typer.Option("--namespace", "-n", help="Scope: this namespace.")] = None,
        resource: Annotated[Optional[str], typer.Option(help="Scope: this resource id (namespace/Kind/name).")] = None,
        cluster: Annotated[Optional[str], typer.Option(help="Scope: this cluster (kubeconfig cluster name).")] = None,
        by: Annotated[Optional[str], typer.Option(help="Who says so (default: your login name).")] = None,
        state_dir: StateDir = None, checkpoint_dsn: Dsn = None) -> None:
    """Remember a fact or preference the team gives (listed with `sre-agent memory facts`).

    A preference that forbids writes is a rule the remediation policy enforces: "never restart ledger-db
    09:00-18:00", "no rollbacks of payments in business hours (Europe/Berlin)", "don't scale anything on weekends".
    The object it names scopes it when --resource / -n are not given. Ownership and escalation facts ("payments
    belongs to the ledger team, page #ledger-oncall") are quoted in reports and escalations about what they name."""
    from ..contracts import parse_resource_id
    from ..memory.facts import add_team_fact, rule_sentence

    if not text.strip():
        fail("the fact is empty: say it in words, e.g. sre-agent memory add \"payments belongs to the ledger team\"")
    if resource:
        try:
            parse_resource_id(resource)
        except ValueError as exc:
            fail(str(exc))
    store, settings = _store(ctx, state_dir, checkpoint_dsn)
    fact = add_team_fact(store, text, cluster=cluster or "", namespace=namespace or "", resource=resource or "",
                         person=by or getpass.getuser(), ttl_s=settings.memory.fact_ttl_s)
    rule = rule_sentence(fact)
    typer.echo(f"remembered {fact.id}: {fact.text}" + (f"\n  a rule: it {rule}" if rule else ""))


@app.command()
def facts(ctx: typer.Context, as_json: AsJson = False, state_dir: StateDir = None, checkpoint_dsn: Dsn = None) -> None:
    """The facts the team gave, oldest first, with their scope, who gave them and the rule they state."""
    from ..memory.facts import rule_sentence

    store, _ = _store(ctx, state_dir, checkpoint_dsn)
    rows = store.facts()
    if as_json:
        _print_json(rows)
        return
    if not rows:
        typer.echo("no facts yet: sre-agent memory add \"payments belongs to the ledger team\" -n payments")
    for fact in rows:
        scope = " ".join(f"{k}={v}" for k, v in (("cluster", fact.cluster), ("namespace", fact.namespace),
                                                  ("resource", fact.resource)) if v) or "everywhere"
        rule = rule_sentence(fact)
        typer.echo(f"{fact.id}  {fact.created_at:%Y-%m-%d}  {fact.person or '-'}  [{scope}]  {fact.text}"
                   + (f"  -- {rule}" if rule else ""))


@app.command()
def delete(ctx: typer.Context, fact_id: Annotated[str, typer.Argument(help="A fact id (fact-...).")],
           state_dir: StateDir = None, checkpoint_dsn: Dsn = None) -> None:
    """Delete one fact."""
    store, _ = _store(ctx, state_dir, checkpoint_dsn)
    if not store.delete_fact(fact_id):
        fail(f"no fact {fact_id!r}: `sre-agent memory facts` lists them")
    typer.echo(f"deleted {fact_id}")
