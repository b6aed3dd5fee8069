"""Is a proposed fix a fix? Paste it into a fresh copy of the world and see.

When a run ends without a verified mitigation, the fixes it proposes to a human are what the on-call
would do next. The harness does exactly that: the scenario loaded again into a fresh world, every
command of every proposed fix run with the real `kubectl` (and `aws`) against it as written -- the
placeholders only a human can fill (a password, a tag that exists) filled from the truth
(eval/truth_values.py) -- then simulated time passes and the world check judges, as it does a
mitigation. Nothing is credited for naming the right object: a `kubectl describe`, an undo that
changes nothing that matters, or a fix that needs an edit nobody can paste is not a fix.

What cannot be pasted is said, not guessed: a comment telling a human to edit a file, `kubectl edit`,
a placeholder the truth holds no value for. Read-only commands (get, describe, logs, rollout
status/history, watches) are shown and skipped -- they change nothing and a watch never returns."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from pydantic import BaseModel, Field

from ..contracts import ProposedFix, parse_resource_id
from ..lab.lab import Lab
from ..lab.scenarios.schema import LoadedScenario
from .truth_values import TruthValues, fill, truth_values
from .world_check import fault_cleared

READ_VERBS = {"get", "describe", "logs", "top", "explain", "events", "auth", "api-resources", "version", "diff", "wait"}
# A comment that asks a human to change a file a command wrote: the edit only a person can make.
HAND_EDIT = re.compile(r"^#\s*(in|set|add|remove|change|edit|replace)\b.*\.(ya?ml|json)\b", re.I)
COMMAND_TIMEOUT_S = 60
# Simulated minutes the world gets after the fix before it is judged (as long as a mitigation gets, and a
# CronJob's whole schedule hour: its fix shows only at its next run).
SETTLE_MINUTES = 15
CRONJOB_SETTLE_MINUTES = 75
# A re-created Job clears its fault when it completes, which takes its whole run (a backfill, an export: tens of
# minutes); the check passes, and the wait ends, at the minute it does.
JOB_SETTLE_MINUTES = 60


class CommandRun(BaseModel):
    command: str  # as pasted, placeholders filled
    exit_code: int | None = None  # None: not run (see skipped)
    output: str = ""  # the end of what it printed
    skipped: str = ""


class FixProof(BaseModel):
    verified: bool | None  # None: could not check (no kubectl to paste with)
    reason: str
    commands: list[CommandRun] = Field(default_factory=list)
    minutes: int = 0  # simulated minutes until the world check passed (or the whole window)


def prove_fixes(loaded: LoadedScenario, fixes: list[ProposedFix], lab: Lab) -> FixProof:
    """Reset `lab` to a fresh copy of the scenario's world, paste `fixes` into it, let time pass, judge."""
    truth = loaded.scenario.truth
    if not fixes:
        return FixProof(verified=False, reason="no fix was proposed")
    if shutil.which("kubectl") is None:
        return FixProof(verified=None, reason="could not check: the kubectl binary is not installed (not on PATH)")
    values = truth_values(truth)
    planned, blockers = plan_commands(fixes, values)
    unpasted = ("; cannot be pasted: " + "; ".join(blockers)) if blockers else ""
    if not any(c.skipped == "" for c in planned):
        return FixProof(verified=False, commands=planned, reason=(
            "no command changes anything (only reads)" if not blockers else unpasted.removeprefix("; ")))
    lab.reset()
    lab.load(loaded)
    with tempfile.TemporaryDirectory(prefix="sre-fix-proof-") as workdir:
        env = _shell_env(lab, Path(workdir))
        for run in planned:
            if not run.skipped:
                _run(run, Path(workdir), env)
    settle = {"CronJob": CRONJOB_SETTLE_MINUTES, "Job": JOB_SETTLE_MINUTES}.get(parse_resource_id(truth.resource)[1],
                                                                             SETTLE_MINUTES)
    cleared, detail = fault_cleared(lab, truth.resource)
    minute = 0
    while not cleared and minute < settle:
        lab.advance(60)
        minute += 1
        cleared, detail = fault_cleared(lab, truth.resource)
    failed = [r for r in planned if r.exit_code not in (None, 0)]
    why = f"{detail} after {minute} simulated min" + (f"; {len(failed)} command(s) failed: {failed[0].command[:120]} -> "
                                                      f"{failed[0].output[-160:]}" if failed else "")
    return FixProof(verified=cleared, reason=("cleared: " if cleared else "not cleared: ") + why + unpasted,
                    commands=planned, minutes=minute)


def plan_commands(fixes: list[ProposedFix], values: TruthValues) -> tuple[list[CommandRun], list[str]]:
    """Every line of every fix as it would be pasted, and why a fix cannot be pasted at all. A fix that cannot
    (a hand edit, an editor, a value nobody knows) is shown and skipped whole; the others still run -- the on-call
    pastes what the report gives them, and proposals are often alternatives."""
    planned: list[CommandRun] = []
    blockers: list[str] = []
    for fix in fixes:
        runs: list[CommandRun] = []
        blocked: list[str] = []
        for line in (c.strip() for c in fix.commands):
            if not line:
                continue
            if line.startswith("#"):
                if HAND_EDIT.match(line):
                    blocked.append(f"{fix.resource} needs a hand edit ({line[:100]})")
                runs.append(CommandRun(command=line, skipped="a comment"))
                continue
            command, unfilled = fill(line, values)
            if unfilled:
                blocked.append(f"{fix.resource}: {', '.join(unfilled)} has no value a human would know from the truth")
            if _interactive(command):
                blocked.append(f"{fix.resource} needs an interactive edit ({command[:100]})")
            runs.append(CommandRun(command=command, skipped="reads only" if read_only(command) else ""))
        if blocked:
            runs = [r.model_copy(update={"skipped": r.skipped or "its fix cannot be pasted"}) for r in runs]
        planned += runs
        blockers += blocked
    return planned, blockers


def read_only(command: str) -> bool:
    """Commands that change nothing: every kubectl in the line reads, and nothing is written to a file a later
    command could apply (`get -o yaml > x.yaml` is the first step of a re-create, so it runs)."""
    if ">" in command.split("#")[0]:
        return False
    segments = [s for s in re.split(r"&&|\|\||;|\|", command.split("  #")[0]) if s.strip()]
    return all(_kubectl_verb(s) in READ_VERBS or _rollout_read(s) for s in segments)


def _kubectl_verb(segment: str) -> str | None:
    try:
        words = shlex.split(segment)
    except ValueError:
        return None
    if not words or words[0] != "kubectl":
        return None
    rest = iter(words[1:])
    for word in rest:
        if word in ("-n", "--namespace", "--context", "--kubeconfig"):
            next(rest, None)
        elif not word.startswith("-"):
            return word
    return None


def _rollout_read(segment: str) -> bool:
    return _kubectl_verb(segment) == "rollout" and bool(re.search(r"\brollout\s+(status|history)\b", segment))


def _interactive(command: str) -> bool:
    return any(_kubectl_verb(s) == "edit" for s in re.split(r"&&|\|\||;|\|", command))


def _shell_env(lab: Lab, home: Path) -> dict[str, str]:
    """What a human's shell has: kubectl and aws on PATH, the lab's kubeconfig and AWS endpoint, no other config."""
    path = os.pathsep.join(p for p in (os.path.dirname(shutil.which("kubectl") or ""),
                                       os.path.dirname(shutil.which("aws") or ""), *os.get_exec_path()) if p)
    return {"PATH": path, "HOME": str(home), "LANG": "C.UTF-8", **lab.env()}


def _run(run: CommandRun, workdir: Path, env: dict[str, str]) -> None:
    try:
        done = subprocess.run(["bash", "-c", run.command], cwd=workdir, env=env, capture_output=True, text=True,
                              timeout=COMMAND_TIMEOUT_S)
        run.exit_code, run.output = done.returncode, (done.stdout + done.stderr).strip()[-400:]
    except subprocess.TimeoutExpired:
        run.exit_code, run.output = -1, f"no answer within {COMMAND_TIMEOUT_S}s"
