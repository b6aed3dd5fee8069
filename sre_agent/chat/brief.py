"""What an on-call reads first: the headline, then the few detail lines that bear on the question, each
fact once, the approval, and the first next step; the rest waits for "more" (or --verbose).

Which lines bear on the question is read from the question itself, never from a list of cases: a
line's weight is how many of the question's own words it carries (names, attributes, kubectl's short
words spelled out), plus the shape of fact a question word asks for (a time for "when", a node for
"where", a number for "how many"). The handler's own first lines stay first: a handler puts there what
it found, and the question's words only choose among the rest."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .models import Answer
from .names import stems

MAX_DETAILS = 4  # detail blocks shown before "more"
KEPT_FIRST = 2  # the handler's own first blocks: what it found, whatever the question's words
MAX_LINE = 240  # a detail longer than this is cut (whole in "more")

# kubectl's and on-call's short words, spelled out as answers write them
SHORT_WORDS = {"svc": "service", "deploy": "deployment", "sts": "statefulset", "ds": "daemonset", "cm": "configmap",
               "pvc": "claim", "ns": "namespace", "mem": "memory", "img": "image", "ver": "version", "hpa": "hpa",
               "env": "env", "rs": "replicaset", "po": "pod", "no": "node", "cron": "cronjob", "db": "database",
               "oom": "oomkilled", "ooming": "oomkilled", "crashloop": "crashloopbackoff", "restarting": "restart"}
# a question word -> the shape of the fact it asks for, as answers write it
ASKED_SHAPES = (
    (re.compile(r"\b(when|since|time|how\s+long|ago)\b"), re.compile(r"\d{1,2}:\d{2}|\b\d+\s*(s|m|h|d|min|minutes|hours)\b(\s+ago)?")),
    (re.compile(r"\b(where|which\s+node|what\s+node|nodes?)\b"), re.compile(r"\bnode\b|\bon\s+[a-z0-9-]+\d\b")),
    (re.compile(r"\b(how\s+many|count|number)\b"), re.compile(r"\b\d+\s*(/|of)\s*\d+\b|\b\d+\b")),
    (re.compile(r"\b(version|tag|image|release|deployed|rollout)\b"), re.compile(r"\b\d+\.\d+(\.\d+)?\b|\brevision\b|:[\w.-]+\b")),
    (re.compile(r"\b(exit|code)\b"), re.compile(r"\bexit\b|\b1[0-9]{2}\b")),
    (re.compile(r"\b(why|cause|culprit|root|reason)\b"), re.compile(r"\b(because|root cause|reason|caused|since)\b")),
)
NOISE = {"the", "and", "for", "are", "was", "its", "it's", "what", "whats", "which", "who", "why", "how", "does", "did",
         "any", "this", "that", "there", "with", "from", "about", "into", "have", "has", "can", "could", "would", "should",
         "still", "now", "right", "just", "you", "our", "out", "all", "get", "show", "tell", "give", "look", "see", "pls",
         "please", "hey", "actually", "really", "also", "then", "than", "not", "but", "got", "yet", "too"}
WORD = re.compile(r"[a-z0-9][a-z0-9._/-]*[a-z0-9]|[a-z0-9]")
ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])/(?:[\w.-]+/)+[\w.-]+")


@dataclass
class Brief:
    headline: str
    details: list[str] = field(default_factory=list)
    next_step: str | None = None
    hidden: int = 0  # detail lines and next steps left for "more"


def question_terms(question: str) -> set[str]:
    """The question's own words an answer line can carry: each word, its singular, its dash-separated parts, and
    kubectl's short words spelled out."""
    terms: set[str] = set()
    for word in WORD.findall(question.lower()):
        for form in {word, *word.split("-"), SHORT_WORDS.get(word, word)}:
            if len(form) >= 3 and form not in NOISE:
                terms.update(stems(form))
    return terms


def weight(line: str, terms: set[str], shapes: list[re.Pattern[str]]) -> int:
    lower = line.lower()
    return sum(t in lower for t in terms) + sum(bool(s.search(lower)) for s in shapes)


def _blocks(details: list[str]) -> list[list[str]]:
    """A detail and the indented lines under it are one fact."""
    blocks: list[list[str]] = []
    for line in details:
        if line.startswith("  ") and blocks:
            blocks[-1].append(line)
        elif line.strip():
            blocks.append([line])
    return blocks


def _key(line: str) -> str:
    return re.sub(r"\W+", " ", line.lower()).strip()


def _clean(line: str) -> str:
    line = ABSOLUTE_PATH.sub(lambda m: m.group(0).rsplit("/", 1)[-1], line)
    return line if len(line) <= MAX_LINE else line[:MAX_LINE - 1].rstrip() + "…"


def brief(answer: Answer) -> Brief:
    """The answer cut to what bears on its question; `hidden` counts what "more" would add."""
    terms = question_terms(answer.question)
    question = answer.question.lower()
    shapes = [shape for asked, shape in ASKED_SHAPES if asked.search(question)]
    headline_key = _key(answer.headline)
    seen: set[str] = set()
    blocks = []
    for block in _blocks(answer.details):
        key = _key(block[0])
        if not key or key in seen or (len(key) > 20 and key in headline_key):  # each fact once
            continue
        seen.add(key)
        blocks.append(block)
    chosen = list(range(min(KEPT_FIRST, len(blocks))))
    rest = sorted(range(len(chosen), len(blocks)), key=lambda i: (-weight(" ".join(blocks[i]), terms, shapes), i))
    chosen += [i for i in rest if weight(" ".join(blocks[i]), terms, shapes) > 0][:MAX_DETAILS - len(chosen)]
    shown = [_clean(line) for i in sorted(chosen) for line in blocks[i][:3]]
    all_lines = sum(len(b) for b in blocks) + len(answer.next_steps)
    next_step = _clean(answer.next_steps[0]) if answer.next_steps else None
    return Brief(headline=_clean(answer.headline) if len(answer.headline) > 2 * MAX_LINE else answer.headline,
                 details=shown, next_step=next_step, hidden=all_lines - len(shown) - (1 if next_step else 0))
