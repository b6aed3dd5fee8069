"""Chat evaluation: conversations (sre_agent/eval/chat_cases/*.yaml, or any directory of such files)
asked against a fresh lab per world, through the real MCP servers; each turn scored by the facts its
answer must contain and must never contain, and the statuses it may have. Reads no scenario truth:
the expected facts are in the case files."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from ..app.options import RunOptions
from ..chat.conversation.render import render
from ..chat.conversation.session import ChatSession
from ..chat.models import Answer
from ..lab.lab import Lab


class TurnCase(BaseModel):
    ask: str
    must: list[str] = Field(default_factory=list)
    must_not: list[str] = Field(default_factory=list)
    status: list[str] = Field(default_factory=list)


class Conversation(BaseModel):
    id: str
    turns: list[TurnCase]


class WorldCases(BaseModel):
    scenario: str
    conversations: list[Conversation]


class TurnScore(BaseModel):
    world: str
    conversation: str
    turn: int
    ask: str
    passed: bool
    status: str
    form: str = ""  # the question form the answer was given as: what a miss's reading is told from
    missing: list[str] = Field(default_factory=list)
    forbidden: list[str] = Field(default_factory=list)
    wrong_status: bool = False
    seconds: float = 0.0
    headline: str = ""
    chars: int = 0  # the answer as an on-call reads it (render without the evidence line): what "short" is measured on
    understood: bool = True  # False: the answer is a fallback ("needs an LLM", /help), whatever words it happens to hold
    text: str = ""  # that rendering, whole: what a miss is read from


class ChatEvalReport(BaseModel):
    cases: int
    passed: int
    pass_rate: float
    worlds: int
    median_answer_s: float | None
    median_chars: int | None = None
    not_understood: int = 0  # turns answered with a fallback (understood() is False)
    passed_understood: int = 0  # passed with a real answer: not a fallback that happens to contain the words
    turns: list[TurnScore]


def load_cases(directory: Path | None = None) -> list[WorldCases]:
    if directory is not None:
        files = sorted(directory.glob("*.yaml"))
        return [WorldCases.model_validate(yaml.safe_load(f.read_text())) for f in files]
    root = resources.files("sre_agent.eval").joinpath("chat_cases")
    return [WorldCases.model_validate(yaml.safe_load(f.read_text())) for f in sorted(root.iterdir(), key=lambda p: p.name)
            if f.name.endswith(".yaml")]


def understood(answer: Answer) -> bool:
    """Whether the answer answers, rather than falling back: a needs_llm status, or the form "unrecognised" (the
    nearest grounded thing: the state of what the question names, or what is wrong now), is the offline brain not
    having read the question -- whatever facts it printed beside that."""
    return answer.status != "needs_llm" and answer.form != "unrecognised"


def score_turn(case: TurnCase, answer: Answer) -> tuple[list[str], list[str], bool]:
    text = render(answer, evidence=False).lower()
    if answer.approval:
        text += "\n" + answer.approval.model_dump_json().lower()
    missing = [m for m in case.must if m.lower() not in text]
    forbidden = [m for m in case.must_not if m.lower() in text]
    wrong_status = bool(case.status) and answer.status not in case.status
    return missing, forbidden, wrong_status


async def _run_world(world: WorldCases, lab: Lab, state_dir: Path) -> list[TurnScore]:
    options = RunOptions(env=lab.env(), state_dir=state_dir, tracing_mode="off")
    scores = []
    async with ChatSession(options) as chat:  # one set of servers per world; a new thread per conversation
        for conversation in world.conversations:
            chat.restart()
            for index, case in enumerate(conversation.turns, 1):
                started = time.monotonic()
                answer = await chat.ask(case.ask)
                missing, forbidden, wrong = score_turn(case, answer)
                shown = render(answer, evidence=False)
                scores.append(TurnScore(world=world.scenario, conversation=conversation.id, turn=index, ask=case.ask,
                                        passed=not (missing or forbidden or wrong), status=answer.status, form=answer.form,
                                        missing=missing,
                                        forbidden=forbidden, wrong_status=wrong, headline=answer.headline[:300],
                                        seconds=round(time.monotonic() - started, 3), chars=len(shown),
                                        understood=understood(answer), text=shown))
    return scores


def run_chat_eval(worlds: list[WorldCases], *, on_turn: Callable[[TurnScore], None] | None = None,
                  scenario_dirs: list[Path] | None = None) -> ChatEvalReport:
    """scenario_dirs: where the cases' worlds are besides the built-in catalog (cases over a held-out world)."""
    turns: list[TurnScore] = []
    for world in worlds:
        lab = Lab(scenario_dirs=scenario_dirs).start()
        try:
            lab.load(world.scenario)
            with tempfile.TemporaryDirectory(prefix="sre-chat-eval-") as state:
                scored = asyncio.run(_run_world(world, lab, Path(state)))
        finally:
            lab.stop()
        for score in scored:
            if on_turn:
                on_turn(score)
        turns += scored
    return summarise(turns, worlds=len(worlds))


def summarise(turns: list[TurnScore], *, worlds: int) -> ChatEvalReport:
    passed = sum(t.passed for t in turns)
    times = sorted(t.seconds for t in turns)
    chars = sorted(t.chars for t in turns)
    return ChatEvalReport(cases=len(turns), passed=passed, pass_rate=round(passed / len(turns), 3) if turns else 0.0,
                          worlds=worlds, median_answer_s=times[len(times) // 2] if times else None,
                          median_chars=chars[len(chars) // 2] if chars else None,
                          not_understood=sum(not t.understood for t in turns),
                          passed_understood=sum(t.passed and t.understood for t in turns), turns=turns)


def markdown_summary(report: ChatEvalReport) -> str:
    lines = [f"Chat: {report.passed}/{report.cases} cases passed ({report.pass_rate:.0%}) over {report.worlds} worlds; "
             f"{report.passed_understood} of them with a real answer (not a fallback); not understood "
             f"{report.not_understood}/{report.cases}; median answer {report.median_chars} characters, "
             f"{report.median_answer_s}s", "", "| world | conversation | turn | question | status | result |",
             "|---|---|---|---|---|---|"]
    for t in report.turns:
        why = "pass" if t.passed else "; ".join(filter(None, [f"missing {t.missing}" if t.missing else "",
                                                             f"forbidden {t.forbidden}" if t.forbidden else "",
                                                             "wrong status" if t.wrong_status else ""]))
        lines.append(f"| {t.world} | {t.conversation} | {t.turn} | {t.ask} | {t.status} | {why} |")
    return "\n".join(lines)
