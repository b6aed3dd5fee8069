"""A question no form reads whose words the object's own log prints ("what were the gc pauses like", "what was
happening when the restarts came"): the lines of its log of the last hours that carry those words -- grounded facts, quoted, in
place of a dump of its state. Words that name the object, talk about logs or ask ("what", "when", "like") are no
search; a word is found by its stem ("pauses" finds "pause")."""

from __future__ import annotations

import re
from typing import Any

from ...contracts import parse_resource_id
from ...graph.log_sources import is_application_group, workload_log_source
from ..ask import Ask
from ..models import Answer
from .logs import LOG_TALK, log_groups_for

LOG_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Pod")
TAIL = 200
WINDOW_S = 3 * 3600  # the lines of the last hours: overnight's restarts are still in them
SHOWN = 4
ASKING = frozenset({"when", "where", "why", "how", "like", "happening", "happened", "going", "actually", "really",
                    "tonight", "overnight", "today", "right", "now", "then", "came", "come", "comes", "were", "could",
                    "would", "should", "have", "has", "had", "they", "them", "their", "into", "onto", "still"})


SHORT = frozenset({"is", "it", "to", "of", "on", "in", "at", "we", "us", "do", "be", "an", "or", "so", "no", "up", "my",
                   "me", "by", "as", "if", "go", "ok", "hi", "vs", "its", "the", "and", "any", "for", "was", "are", "did",
                   "why", "how", "who", "can", "has", "had", "not", "but", "our", "you", "get", "got", "see", "now"})


def search_words(question: str, name: str) -> list[str]:
    """The question's own content words, as stems: never the object's name, log talk, asking or short function words
    ("gc" stays: a short word that is no function word is a term)."""
    own = set(name.lower().split("-"))
    words = [w for w in re.findall(r"[a-z][a-z0-9]+", question.lower())
             if w not in LOG_TALK and w not in ASKING and w not in SHORT and w not in own]
    return list(dict.fromkeys(w[:-1] if w.endswith("s") and len(w) > 4 else w for w in words))


async def _stored_lines(ask: Ask, namespace: str, name: str, words: list[str]) -> tuple[list[str], str] | None:
    """The workload's lines of the last hours from the log store (its own group, else its pods' in the shared one):
    what a restarted container said before it was killed is there, not in its new instance."""
    listed = await ask.call("cloudwatch", "describe_log_groups", {"max_results": 1000})
    groups = [g for g in (listed.data or {}).get("log_groups") or [] if not is_application_group(str(g.get("name")))]
    own = log_groups_for(groups, namespace, name)
    selector: dict[str, Any] = {}
    if not own:
        shared = workload_log_source([str(g.get("name")) for g in (listed.data or {}).get("log_groups") or []],
                                     namespace, name)
        if shared is None:
            return None
        own, selector = shared.groups, shared.selector
    # the words as the store's own filter (its terms match case-sensitively: each as typed, capitalised and upper-cased)
    terms = " ".join(dict.fromkeys(f"?{form}" for w in words for form in (w, w.capitalize(), w.upper())))
    read = await ask.call("cloudwatch", "filter_log_events", {"log_group": own[0], "start": f"-{WINDOW_S}s", "limit": 200,
                                                              "pattern": terms, **selector})
    return [str(e.get("message")) for e in (read.data or {}).get("events") or []], own[0]


async def _pod_lines(ask: Ask, namespace: str, kind: str, name: str) -> tuple[list[str], str] | None:
    pod = name
    if kind != "Pod":
        walk = await ask.call("kubernetes", "ownership", {"kind": kind, "name": name, "namespace": namespace})
        pods = [p for p in (walk.data or {}).get("pods") or [] if isinstance(p, dict) and p.get("pod")]
        if not pods:
            return None
        pod = str(pods[0]["pod"])
    logs = await ask.call("kubernetes", "pod_logs", {"namespace": namespace, "name": pod, "tail": TAIL})
    return [str(line) for line in (logs.data or {}).get("lines") or []], f"pod {pod}"


async def lines_with_words(ask: Ask, rid: str) -> Answer | None:
    """The lines of `rid`'s log of the last hours (the log store's, else its pod's tail) that carry the question's own
    words; None when none does."""
    namespace, kind, name = parse_resource_id(rid)
    words = search_words(ask.question, name)
    if kind not in LOG_KINDS or not words or not namespace:
        return None
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")", re.IGNORECASE)
    for read in (_stored_lines(ask, namespace, name, words), _pod_lines(ask, namespace, kind, name)):
        found = await read
        if found is None:
            continue
        lines, source = found
        hits = list(dict.fromkeys(line.strip()[:220] for line in lines if pattern.search(line)))
        if hits:
            said = ", ".join(sorted({m.lower() for line in hits for m in pattern.findall(line)}))
            return ask.answer(f"{len(hits)} line(s) of {name}'s log ({source}) say {said}; the newest: {hits[-1]}",
                              status="answered",
                              resources=[rid], details=hits[-SHOWN - 1:-1][::-1],
                              next_steps=[f"Ask 'show me its logs' for the rest, or 'why is {name} failing?'."])
    return None
