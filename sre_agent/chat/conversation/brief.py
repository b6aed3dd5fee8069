"""What an on-call reads first: the headline, then the few detail lines that bear on the question, each
fact once, the approval, and the first next step; the rest waits for "more" (or --verbose).

Which lines bear on the question is read from the question itself, never from a list of cases: a
line's weight is how many of the question's own words it carries (names, attributes, kubectl's short
words spelled out), plus the shape of fact a question word asks for (a time for "when", a node for
"where", a number for "how many"). The handler's own first lines stay first: a handler puts there what
it found, and the question's words only choose among the rest."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from ..models import Answer
from ..understand.names import stems, tokens

MAX_DETAILS = 8  # detail blocks shown before "more", at most
BUDGET = 520  # characters of details past the handler's first ones: a screen an on-call reads at a glance
NOTE_LINE = 200  # a note on how the question was read, cut to this
SUB_LINES = 5  # a fact's own indented lines shown with it (a rollout's changes)
KEPT_FIRST = 2  # the handler's own first blocks: what it found, whatever the question's words
MAX_LINE = 300  # a longer detail keeps only its parts that carry the question's words (whole in "more")

# kubectl's and on-call's short words, spelled out as answers write them
SHORT_WORDS = {"svc": "service", "deploy": "deployment", "sts": "statefulset", "ds": "daemonset", "cm": "configmap",
               "pvc": "claim", "ns": "namespace", "mem": "memory", "img": "image", "ver": "version", "hpa": "hpa",
               "env": "env", "rs": "replicaset", "po": "pod", "no": "node", "cron": "cronjob", "db": "database",
               "oom": "oomkilled", "ooming": "oomkilled", "crashloop": "crashloopbackoff", "restarting": "restart"}
# a question's word -> the words answers write the same thing with (kubectl's and Kubernetes' own terms)
CONCEPTS = {"storage": ("claim", "volume", "class"), "disk": ("claim", "volume"), "ran": ("started", "started-by"),
            "run": ("started",), "started": ("started-by",), "owns": ("owner", "started-by"), "owner": ("started-by",),
            "settings": ("env", "args", "limits"), "config": ("configmap", "env"), "scale": ("replicas", "hpa", "quota"),
            "scaling": ("replicas", "hpa", "quota"), "tolerate": ("tolerations",), "schedule": ("cron",),
            "serving": ("ready", "replicaset"), "port": ("targetport", "ports"), "listen": ("ports", "listening"),
            "warning": ("warn",), "fail": ("error", "exited"), "failing": ("error", "exited"), "crash": ("exited", "exit"),
            "saying": ("error", "log"), "say": ("message", "error"), "error": ("err",), "pods": ("replicas",),
            "instances": ("replicas",)}
# a question word -> the shape of the fact it asks for, as answers write it
ASKED_SHAPES = (
    (re.compile(r"\b(when|since|time|how\s+long|ago)\b"), re.compile(r"\d{1,2}:\d{2}|\b\d+\s*(s|m|h|d|min|minutes|hours)\b(\s+ago)?")),
    (re.compile(r"\b(where|which\s+node|what\s+node|nodes?)\b"), re.compile(r"\bnode\b|\bon\s+[a-z0-9-]+\d\b")),
    (re.compile(r"\b(how\s+many|count|number)\b"), re.compile(r"\b\d+\s*(/|of)\s*\d+\b|\b\d+\b")),
    (re.compile(r"\b(version|tag|image|release|deployed|rollout)\b"), re.compile(r"\b\d+\.\d+(\.\d+)?\b|\brevision\b|:[\w.-]+\b")),
    (re.compile(r"\b(exit|code)\b"), re.compile(r"\bexit\b|\b1[0-9]{2}\b")),
    # a cause is shown by its evidence: the error a log or an event says
    (re.compile(r"\b(why|cause|culprit|root|reason|issue|wrong|problem)\b"),
     re.compile(r"\b(because|root cause|reason|caused|error|exception|refused|denied|timed? ?out|not found|no space|"
                r"oomkilled|exit code|failed|unable|cannot|invalid)\b")),
    (re.compile(r"\b(healthy|ok|okay|fine|up|running|status|alive|state)\b"),
     re.compile(r"\bpods?\b|\bready\b|\brunning\b|restarts?|\bpending\b")),
    (re.compile(r"\b(who|whose)\b"), re.compile(r"started-by|owner|created-by|managed-by|\bby\b|team|user")),
)
NOISE = {"the", "and", "for", "are", "was", "its", "it's", "what", "whats", "which", "who", "why", "how", "does", "did",
         "any", "this", "that", "there", "with", "from", "about", "into", "have", "has", "can", "could", "would", "should",
         "still", "now", "right", "just", "you", "our", "out", "all", "get", "show", "tell", "give", "look", "see", "pls",
         "please", "hey", "actually", "really", "also", "then", "than", "not", "but", "got", "yet", "too"}
WORD = re.compile(r"[a-z0-9][a-z0-9._/-]*[a-z0-9]|[a-z0-9]")
ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])/(?:[\w.-]+/)+[\w.-]+")
# An image's registry host ("318842067519.dkr.ecr.us-east-2.amazonaws.com/"): a third of a line, and what the name and
# tag already say -- kept when the question is about where images come from.
REGISTRY_HOST = re.compile(r"(?<![\w./-])(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?/(?=[\w./-]+[:@][\w.-])")
PULLING = re.compile(r"ImagePull|ErrImagePull|pull access|no basic auth|unauthorized|manifest unknown|registr", re.IGNORECASE)
ABOUT_REGISTRIES = re.compile(r"registr|pull|ecr|gcr|ghcr|docker|quay|auth|credential|host|mirror", re.IGNORECASE)


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
        for form in {word, *word.split("-"), SHORT_WORDS.get(word, word), *CONCEPTS.get(word, ())}:
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


def _clean(line: str, terms: set[str], shapes: list[re.Pattern[str]], keep_hosts: bool) -> str:
    """No absolute paths, registry hosts only when asked about, and a long line cut to its parts that carry the
    question's words (its first part, what it is about, always)."""
    line = ABSOLUTE_PATH.sub(lambda m: m.group(0).rsplit("/", 1)[-1], line)
    if not keep_hosts:
        line = REGISTRY_HOST.sub("", line)
    if len(line) <= MAX_LINE:
        return line
    parts = line.split(", ")
    kept = [parts[0], *(p for p in parts[1:] if weight(p, terms, shapes) > 0)]
    if len(kept) == 1:  # no part carries the question's words: its start
        return line[:MAX_LINE - 1].rstrip() + "…"
    line = ", ".join(kept) + (", …" if len(kept) < len(parts) else "")
    return line if len(line) <= 2 * MAX_LINE else line[:2 * MAX_LINE - 1].rstrip() + "…"


def _idf(blocks: list[list[str]], terms: set[str]) -> dict[str, float]:
    """How much each question word tells the answer's lines apart: a word in every line ("checkout" in an answer
    about checkout) says nothing of which line answers; a word in one line says a lot."""
    texts = [" ".join(b).lower() for b in blocks]
    return {t: math.log((1 + len(texts)) / (1 + sum(t in x for x in texts))) for t in terms}


def _score(block: list[str], idf: dict[str, float], shapes: list[re.Pattern[str]]) -> float:
    text = " ".join(block).lower()
    return sum(w for t, w in idf.items() if t in text) + 0.5 * sum(bool(s.search(text)) for s in shapes)


def ranked(question: str, lines: list[str], subject: str = "") -> list[tuple[float, int, str]]:
    """(score, how many of the question's own words it carries, line) for each line, best first: the weights brief()
    chooses details by, for a handler that answers with the one fact a question asks for."""
    terms = question_terms(question) - {subject.lower(), *tokens(subject)}
    shapes = [shape for asked, shape in ASKED_SHAPES if asked.search(question.lower())]
    idf = _idf([[line] for line in lines], terms)
    scored = [(_score([line], idf, shapes), sum(t in line.lower() for t in terms), line) for line in lines]
    return sorted(scored, key=lambda x: (-x[0], lines.index(x[2])))


def brief(answer: Answer) -> Brief:
    """The answer cut to what bears on its question; `hidden` counts what "more" would add."""
    # the subject's own name is in every line about it: it says nothing of which line answers
    subject = {part for rid in answer.resources[:1] for part in [rid.rsplit("/", 1)[-1].lower(), *tokens(rid.rsplit("/", 1)[-1])]}
    terms = question_terms(answer.question) - subject
    question = answer.question.lower()
    shapes = [shape for asked, shape in ASKED_SHAPES if asked.search(question)]
    # where images come from matters when the question, or what the answer found, is about pulling them
    keep_hosts = bool(ABOUT_REGISTRIES.search(question) or PULLING.search(" ".join([answer.headline, *answer.details])))
    headline_key = _key(answer.headline)
    seen: set[str] = set()
    blocks: list[list[str]] = []
    notes: list[list[str]] = []
    for block in _blocks(answer.details):
        key = _key(block[0])
        if not key or key in seen or (len(key) > 20 and key in headline_key):  # each fact once
            continue
        seen.add(key)
        (notes if block[0].startswith("(") else blocks).append(block)  # "(how the subject was read)": a note
    idf = _idf(blocks, terms)
    chosen = list(range(min(KEPT_FIRST, len(blocks))))
    used = sum(len(" ".join(blocks[i])) for i in chosen)
    scored = sorted(((_score(blocks[i], idf, shapes), i) for i in range(len(chosen), len(blocks))), key=lambda x: (-x[0], x[1]))
    best = scored[0][0] if scored else 0.0
    for score, i in scored:
        size = len(_clean(" ".join(blocks[i]), terms, shapes, keep_hosts))
        if score <= 0 or score < best / 2 or len(chosen) >= MAX_DETAILS or (
                used + size > BUDGET and len(chosen) > KEPT_FIRST):
            continue
        chosen.append(i)
        used += size
    shown = [_clean(line, terms, shapes, keep_hosts)[:NOTE_LINE] for line in (notes[0][:1] if notes else [])]
    shown += [_clean(line, terms, shapes, keep_hosts) for i in sorted(chosen) for line in blocks[i][:SUB_LINES]]
    all_lines = sum(len(b) for b in [*blocks, *notes]) + len(answer.next_steps)
    next_step = _clean(answer.next_steps[0], terms, shapes, keep_hosts) if answer.next_steps else None
    return Brief(headline=_clean(answer.headline, terms, shapes, keep_hosts),
                 details=shown, next_step=next_step, hidden=all_lines - len(shown) - (1 if next_step else 0))
