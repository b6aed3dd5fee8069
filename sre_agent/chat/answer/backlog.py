""""how many messages are waiting", "is the queue backing up", "whats the consumer lag": a backlog -- how much work
waits -- read where the broker or its consumer says it: the count their own lines print (RabbitMQ's "5317 messages
ready", a consumer's "lag 1840", "backlog=212"), newest last, with how it moved, and how many consumers read it. A
backlog nobody prints is "could not see", never "looks healthy": a queue's pods being Ready says nothing of its depth."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ..ask import Ask, handles
from ..models import Answer
from ..understand.roles import _running, plays, roles

# A count beside a word that says work waits: "<n> messages ready", "lag 1840", "backlog=212", "queue depth: 90",
# "pending: 31 jobs". A count of things alone ("processed 400 records") is work done, not work waiting.
WAITING = (r"lag|backlog|depth|pending|queued|enqueued|ready|unacked|unacknowledged|waiting|behind|outstanding|"
           r"in[- ]flight")
THINGS = r"messages?|msgs?|events?|records?|jobs?|tasks?|items?|requests?|entries|offsets?"
WAITING_WORDS = rf"{WAITING}|{THINGS}"
COUNT_AFTER = re.compile(rf"\b(?:{WAITING})\b\s*(?:[=:]|is|of|at)?\s*(?P<n>\d[\d,]*)\b", re.IGNORECASE)
COUNT_BEFORE = re.compile(rf"\b(?P<n>\d[\d,]*)\s+(?:(?:{THINGS})\s+)?(?:are\s+|still\s+)?(?:{WAITING})\b", re.IGNORECASE)
CONSUMERS = re.compile(r"\b(?P<n>\d+)\s+consumers?\b|\bconsumers?\s*[=:]\s*(?P<m>\d+)\b", re.IGNORECASE)
TIMESTAMP = re.compile(r"^\S*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?\S*\s*")
QUEUE_ROLES = ("queue", "broker", "kafka")
LOG_TAIL = 200


def queue_repositories() -> tuple[str, ...]:
    """The image repositories that run a queue or a broker (roles.yaml's queue, broker and kafka words)."""
    return tuple(dict.fromkeys(r for word in QUEUE_ROLES for r in roles().get(word, ())))


def counts_in(lines: list[str]) -> list[tuple[int, str]]:
    """Each line that prints a waiting count: (the count, the line), oldest first. A line's first such count is its
    backlog ("1904 / 3561 messages ready" reads 3561: the count the word is beside)."""
    found = []
    for line in lines:
        text = TIMESTAMP.sub("", line)
        match = COUNT_BEFORE.search(text) or COUNT_AFTER.search(text)
        if match:
            found.append((int(match.group("n").replace(",", "")), line.strip()))
    return found


def consumers_in(lines: list[str]) -> int | None:
    """The consumer count the newest line that says one prints."""
    for line in reversed(lines):
        if match := CONSUMERS.search(line):
            return int(match.group("n") or match.group("m"))
    return None


def _queues_beside(ask: Ask, rid: str, running: list[tuple[str, list[str]]]) -> list[str]:
    """The workloads that run a queue or broker in rid's namespace (rid itself first when it runs one): where a
    backlog is printed -- a consumer's backlog lives in the queue it reads."""
    namespace = parse_resource_id(rid)[0]
    repos = queue_repositories()
    runs = [r for r, images in running if any(plays(i, repos) for i in images)]
    words = set(re.findall(r"[a-z][a-z0-9]{3,}", ask.question.lower()))
    near = sorted((r for r in runs if parse_resource_id(r)[0] == namespace and r != rid),
                  key=lambda r: not words & set(parse_resource_id(r)[2].split("-")))  # the one the question names first
    return ([rid] if rid in runs else []) + near[:2]


async def _lines(ask: Ask, rid: str) -> list[str]:
    namespace, kind, name = parse_resource_id(rid)
    walk = await ask.call("kubernetes", "ownership", {"kind": kind, "name": name, "namespace": namespace})
    pods = [p for p in (walk.data or {}).get("pods") or [] if isinstance(p, dict) and p.get("pod")]
    if not pods:
        return []
    logs = await ask.call("kubernetes", "pod_logs", {"namespace": namespace, "name": pods[0]["pod"], "tail": LOG_TAIL})
    return [str(line) for line in (logs.data or {}).get("lines") or []]


def _named_by_words(ask: Ask, running: list[tuple[str, list[str]]]) -> str | None:
    """The workload the question's words name by a whole token of its name ("purge messages": purge-queue beside
    cdn-purger? both -- the one that runs a queue), else the conversation's among them; None when none or no one."""
    words = {w for w in re.findall(r"[a-z][a-z0-9]{2,}", ask.question.lower()) if not re.fullmatch(WAITING_WORDS, w)}
    words |= {w[:-1] for w in words if w.endswith("s")}
    repos = queue_repositories()
    hits = [(rid, images) for rid, images in running if words & set(parse_resource_id(rid)[2].split("-"))]
    for narrowed in (hits, [h for h in hits if any(plays(i, repos) for i in h[1])], [h for h in hits if h[0] in ask.focus]):
        if len(narrowed) == 1:
            return narrowed[0][0]
    return None


@handles("backlog", needs=("kubernetes",))
async def backlog(ask: Ask) -> Answer:
    from .remedies import subject_named  # (remedies reads health, which reads this module's queue_backlog)

    running = await _running(ask)  # what runs, listed once: the words' queue, and the queues beside the subject
    if not ask.resource and (named := _named_by_words(ask, running)) is not None:
        ask.resource = named
    await subject_named(ask)
    rid = ask.resource
    if not rid or rid.count("/") != 2:
        return ask.answer("Which queue or consumer? Name it (e.g. 'how many messages are waiting in orders-queue')",
                          status="needs_subject")
    for source in [rid, *[q for q in _queues_beside(ask, rid, running) if q != rid]]:
        lines = await _lines(ask, source)
        counts = counts_in(lines)
        if not counts:
            continue
        latest, line = counts[-1]
        first = counts[0][0]
        moved = (f", up from {first} earlier in its log" if latest > first else
                 f", down from {first} earlier in its log" if latest < first else ", unchanged in its log")
        consumers = consumers_in(lines)
        headline = (f"{latest} waiting, as {source} last printed it{moved if len(counts) > 1 else ''}"
                    + (f"; {consumers} consumer{'s' if consumers != 1 else ''} reading" if consumers is not None else ""))
        ask.resource = source
        return ask.answer(headline, status="problems" if consumers == 0 or latest > first else "answered",
                          resources=[source, *([rid] if rid != source else [])],
                          details=[f"last line: {line[:200]}", *([f"first count in the tail: {first}"] if len(counts) > 1 else [])],
                          next_steps=[f"kubectl logs -n {parse_resource_id(source)[0]} "
                                      f"{parse_resource_id(source)[1].lower()}/{parse_resource_id(source)[2]} --tail={LOG_TAIL}"])
    return ask.answer(f"Could not see a backlog for {rid}: neither its log nor a queue's beside it prints a count of "
                      "what waits -- its pods being ready says nothing of its depth", status="unknown", resources=[rid],
                      next_steps=["Read the broker's own view (e.g. rabbitmqctl list_queues, kafka-consumer-groups "
                                  "--describe), or ask 'who reads from it' for its consumers."])


async def queue_backlog(ask: Ask, rid: str, images: list[str]) -> tuple[str | None, str | None]:
    """For a workload that runs a queue or broker: (trouble, fact) from the backlog its log prints -- trouble when work
    waits and no consumer reads it, else the count as a fact; (None, None) when it runs none or prints no count."""
    repos = queue_repositories()
    if not any(plays(image, repos) for image in images):
        return None, None
    lines = await _lines(ask, rid)
    counts = counts_in(lines)
    if not counts:
        return None, None
    latest, first = counts[-1][0], counts[0][0]
    consumers = consumers_in(lines)
    if latest and consumers == 0:
        return f"{latest} waiting and no consumer reading (its log: {counts[-1][1][:160]})", None
    grew = f", up from {first}" if latest > first else ""
    return None, f"backlog {latest} waiting{grew}, as its log prints it"
