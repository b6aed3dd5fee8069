"""Chat over several configured clusters (`clusters:`): one read-only ChatSession per cluster, each over servers
bound to that cluster, and one conversation over them.

Where a question goes:
  * the cluster it names ("is payments ok in prod-eu", "prod-eu: what's broken") -- the name taken out of the
    question, so it is not read as an object's name;
  * else the cluster the conversation is on (the one the last answer came from alone), so "roll it back" after
    "why is payments crashing in prod-eu" stays in prod-eu;
  * else every cluster, a few at a time, and the answers joined per cluster ("which clusters have crash-looping
    pods?"): the first line says which clusters have problems, which are healthy and which could not be checked.

Each cluster's turns are kept in its own thread (`<session>@<cluster>`); the conversation's cluster is read back
from them (the cluster whose latest turn is the newest, when that turn was asked of it alone)."""

from __future__ import annotations

import asyncio
import re
from contextlib import AsyncExitStack
from dataclasses import dataclass

from ...app.clusters import ClusterSettings, options_for_cluster
from ...app.options import RunOptions
from ...contracts import Person
from ..models import Answer, AnswerStatus, Turn
from .session import ChatSession, new_session_id

FAN_OUT = 3  # clusters asked at once: each has its own three MCP servers
ALL_CLUSTERS = "*"


@dataclass
class Routed:
    clusters: list[str]  # where the question goes: one cluster, or every one
    question: str  # the question as that cluster's session reads it (the cluster's name taken out)
    why: str


def _name_pattern(name: str) -> re.Pattern[str]:
    """`name` as a word of its own, with the preposition that ties it to the question ("in prod-eu", "prod-eu's")."""
    return re.compile(rf"(?:\b(?:in|on|at|for|from|of|across)\s+(?:the\s+)?)?(?<![\w-]){re.escape(name)}(?![\w-])"
                      rf"(?:'s)?(?:\s+cluster)?\s*:?", re.IGNORECASE)


def route_question(question: str, clusters: list[str], focus: str | None) -> Routed:
    """Where `question` goes (see the module docstring)."""
    named = [c for c in clusters if _name_pattern(c).search(question)]
    if len(named) == 1:
        stripped = re.sub(r"\s+([?!.,])", r"\1", re.sub(r"\s{2,}", " ", _name_pattern(named[0]).sub(" ", question))).strip(" ,")
        return Routed([named[0]], stripped or question, f"the question names {named[0]}")
    if len(named) > 1:
        return Routed(named, question, f"the question names {', '.join(named)}")
    if focus in clusters:
        return Routed([focus], question, f"the conversation is on {focus}")
    return Routed(list(clusters), question, "no cluster named: every cluster asked")


class FleetChat:
    """`async with FleetChat(options, clusters) as chat: answer = await chat.ask("what's broken?")`."""

    def __init__(self, options: RunOptions, clusters: list[ClusterSettings], *, session_id: str | None = None,
                 namespace: str | None = None) -> None:
        self.session_id = session_id or new_session_id()
        self.options = options
        self.sessions = {c.name: ChatSession(options_for_cluster(options, c), session_id=thread_of(self.session_id, c.name),
                                             namespace=namespace) for c in clusters}
        self.focus: str | None = None
        self._stack: AsyncExitStack | None = None

    @classmethod
    def over(cls, sessions: dict[str, ChatSession], session_id: str, options: RunOptions) -> FleetChat:
        """Over sessions the caller made (the service's: each on its cluster's shared servers), keyed by cluster, each
        on its thread `thread_of(session_id, cluster)`."""
        fleet = cls(options, [], session_id=session_id)
        fleet.sessions = dict(sessions)
        return fleet

    async def __aenter__(self) -> FleetChat:
        self._stack = AsyncExitStack()
        try:  # every cluster's servers start at once: the first question waits for the slowest, not for the sum
            await asyncio.gather(*(self._stack.enter_async_context(s) for s in self.sessions.values()))
            self.focus = await self._last_focus()
        except BaseException:
            await self._stack.aclose()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._stack:
            await self._stack.aclose()

    async def history(self) -> list[Turn]:
        """Every cluster's turns in time order, each headline prefixed with its cluster."""
        turns = []
        for name, session in self.sessions.items():
            turns += [t.model_copy(update={"answer": t.answer.model_copy(update={
                "headline": f"{name}: {t.answer.headline}"})}) for t in await session.history()]
        return sorted(turns, key=lambda t: t.at)

    def restart(self) -> str:
        """/new: a fresh conversation on every cluster (the same servers)."""
        self.session_id, self.focus = new_session_id(), None
        for name, session in self.sessions.items():
            session.session_id = f"{self.session_id}@{name}"
        return self.session_id

    async def exists(self) -> bool:
        return any(await asyncio.gather(*(s.exists() for s in self.sessions.values())))

    async def _last_focus(self) -> str | None:
        """A resumed conversation's cluster, read back from the threads as `ask` set it: the newest question asked of
        one cluster alone is on that cluster; one asked of every cluster (its turn is the newest in each thread) is on
        the one cluster whose answer found problems, else on none."""
        newest = {name: turns[-1] for name, session in self.sessions.items() if (turns := await session.history())}
        if not newest:
            return None
        last = max(newest.values(), key=lambda t: t.at)
        asked_all = len(newest) == len(self.sessions) > 1 and len({t.question for t in newest.values()}) == 1
        if not asked_all:
            return next(name for name, turn in newest.items() if turn is last)
        return focus_after([name for name, turn in newest.items() if turn.answer.status == "problems"])

    async def ask(self, question: str, *, asker: Person | None = None, may_pin: bool = True) -> Answer:
        routed = route_question(question, list(self.sessions), self.focus)
        if len(routed.clusters) == 1:
            name = routed.clusters[0]
            answer = await self.sessions[name].ask(routed.question, asker=asker, may_pin=may_pin)
            self.focus = name
            return answer.model_copy(update={"headline": f"{name}: {answer.headline}",
                                             "details": [*answer.details, f"(cluster {name}: {routed.why})"]})
        gate = asyncio.Semaphore(FAN_OUT)

        async def one(name: str) -> tuple[str, Answer]:
            async with gate:
                return name, await self.sessions[name].ask(routed.question, asker=asker, may_pin=may_pin)

        answers = dict(await asyncio.gather(*(one(n) for n in routed.clusters)))
        joined = join_answers(question, answers)
        self.focus = focus_after([n for n, a in answers.items() if a.status == "problems"])
        return joined


def thread_of(session_id: str, cluster: str) -> str:
    """The checkpoint thread of one cluster's part of a conversation over several."""
    return f"{session_id}@{cluster}"


def focus_after(troubled: list[str]) -> str | None:
    """After asking every cluster: "why" next turn is about the one cluster with a problem; with several, none."""
    return troubled[0] if len(troubled) == 1 else None


def join_answers(question: str, answers: dict[str, Answer]) -> Answer:
    """Several clusters' answers as one: which have problems, which are healthy, which could not be checked -- never
    "healthy" for a cluster that was not seen -- then each cluster's own headline."""
    by_status: dict[str, list[str]] = {}
    for name, answer in answers.items():
        by_status.setdefault(answer.status, []).append(name)
    parts = []
    if by_status.get("problems"):
        parts.append(f"problems in {', '.join(by_status['problems'])} ({len(by_status['problems'])} of {len(answers)} clusters)")
    if by_status.get("healthy"):
        parts.append(f"healthy: {', '.join(by_status['healthy'])}")
    if by_status.get("unknown"):
        parts.append(f"could not check: {', '.join(by_status['unknown'])}")
    answered = [n for s, names in by_status.items() if s not in ("problems", "healthy", "unknown") for n in names]
    if answered:
        parts.append(f"answered: {', '.join(answered)}")
    status: AnswerStatus = ("problems" if "problems" in by_status else "unknown" if "unknown" in by_status
                            else "healthy" if set(by_status) == {"healthy"} else "answered")
    details = [f"{name}: {answer.headline}" for name, answer in answers.items()]
    steps = [f"{name}: {answer.next_steps[0]}" for name, answer in answers.items()
             if answer.status == "problems" and answer.next_steps]
    return Answer(question=question, form="fleet", status=status, headline="; ".join(parts), details=details,
                  next_steps=steps, resources=[r for a in answers.values() if a.status == "problems" for r in a.resources],
                  evidence=[e for a in answers.values() for e in a.evidence],
                  coverage=[c.model_copy(update={"backend": f"{name}/{c.backend}"})
                            for name, a in answers.items() for c in a.coverage],
                  duration_s=max((a.duration_s for a in answers.values()), default=0.0))
