"""What an on-call reads first: the headline, then the few detail lines that bear on the question, each
fact once, the approval, and the first next step; the rest waits for "more" (or --verbose).

Which lines bear on the question is read from the question itself, never from a list of cases: a
line's weight is how many of the question's own words it carries (names, attributes, kubectl's short
words spelled out), plus the shape of fact a question word asks for (a time for "when", a node for
"where", a number for "how many") -- chat/understand/question_words.py. The handler's own first lines stay
first: a handler puts there what it found, and the question's words only choose among the rest."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...quoting import clip, clip_asides
from ..answer.diagnosis_text import REGISTRY_HOST
from ..models import Answer
from ..understand.names import tokens
from ..understand.question_words import ASKED_SHAPES, question_terms, weighed, weight, word_weights

MAX_DETAILS = 8  # detail blocks shown before "more", at most
BUDGET = 520  # characters of details past the handler's first ones: a screen an on-call reads at a glance
NOTE_LINE = 200  # a note on how the question was read, cut to this
SUB_LINES = 5  # a fact's own indented lines shown with it (a rollout's changes)
KEPT_FIRST = 2  # the handler's own first blocks: what it found, whatever the question's words
ASIDES_OVER = 80  # characters over MAX_LINE a line whose asides were cut may keep
MAX_LINE = 300  # a longer detail keeps only its parts that carry the question's words (whole in "more")

# A file's absolute path on this machine (a report, a state dir): says nothing on another one. Read by its root
# directory, so a URL path the answer is about ("readiness GET /health/ready", "/api/v1/orders") is kept whole.
# Never a value: a path set by a change ("INSTRUMENT_CA=/etc/x/ca.pem", "mountPath: /etc/x") or in a command a human
# runs is what the change is, and is kept whole.
ABSOLUTE_PATH = re.compile(r"(?<![\w.:/=])(?<!: )/(?:home|Users|tmp|var|work|root|opt|usr|srv|mnt|private|run|etc)/(?:[\w.-]+/)*[\w.-]+")
COMMAND = re.compile(r"\bkubectl\s|\baws\s+\w|`")
KUBECTL_SAID = re.compile(r"\bkubectl\s|\baws\s+\w")
# An image's registry host (answer/diagnosis_text.REGISTRY_HOST) is dropped unless the question is about where images
# come from.
PULLING = re.compile(r"ImagePull|ErrImagePull|pull access|no basic auth|unauthorized|manifest unknown|registr", re.IGNORECASE)
# "which image exactly", "what tag": the reference whole is what is asked
ABOUT_REGISTRIES = re.compile(r"registr|pull|ecr|gcr|ghcr|docker|quay|auth|credential|host|mirror|image|\btags?\b|exact",
                              re.IGNORECASE)


@dataclass
class Brief:
    headline: str
    details: list[str] = field(default_factory=list)
    next_step: str | None = None
    hidden: int = 0  # detail lines and next steps left for "more"


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


EVIDENCE_PREFIX = re.compile(r"^evidence \S+ \S+: ")  # "evidence ev-6 kubernetes.describe: ": which call, not what it said
SAID_ALREADY = 0.8  # an evidence quote whose words are this much in what was said above says nothing new
MIN_WORDS = 5  # shorter lines are kept: a short line's few new words are all it has


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9_]{3,}", text.lower()))


def _said_already(line: str, said: set[str]) -> bool:
    """An evidence line quoting what the headline (or a line above) already says: the quote is in the report and in
    "more"; on screen it is the same fact twice."""
    if not EVIDENCE_PREFIX.match(line):
        return False
    words = _words(EVIDENCE_PREFIX.sub("", line))
    return len(words) >= MIN_WORDS and len(words & said) >= SAID_ALREADY * len(words)


def _parts(line: str) -> list[tuple[str, str]]:
    """The line's parts, each with the separator before it (", " or "; "), never cut inside brackets: "requests
    {'cpu': '200m', 'memory': '20Gi'}" is one part (cut inside it, what is left reads as a different value)."""
    parts: list[tuple[str, str]] = []
    depth, start, separator = 0, 0, ""
    for i, char in enumerate(line):
        depth += 1 if char in "([{" else -1 if char in ")]}" and depth > 0 else 0
        if depth == 0 and (line.startswith(", ", i) or line.startswith("; ", i)):
            parts.append((separator, line[start:i]))
            start, separator = i + 2, line[i:i + 2]
    return [*parts, (separator, line[start:])]


def _clean(line: str, terms: set[str], shapes: list[re.Pattern[str]], keep_hosts: bool) -> str:
    """No absolute paths, registry hosts only when asked about, and a long line cut to its parts that carry the
    question's words (its first part, what it is about, always)."""
    if not COMMAND.search(line):
        line = ABSOLUTE_PATH.sub(lambda m: m.group(0).rsplit("/", 1)[-1], line)
    if not keep_hosts:  # a command stays exactly as it runs (`quoted`, or a kubectl line): its image hosts, taint keys
        line = "`".join(part if i % 2 or KUBECTL_SAID.search(part) else REGISTRY_HOST.sub("", part)
                        for i, part in enumerate(line.split("`")))
    # an aside is cut before the names around it, unless it carries the question's words
    if len(line) > MAX_LINE and len(cut := clip_asides(line, MAX_LINE, spare=lambda aside: weight(aside, terms, shapes) > 0)) \
            <= MAX_LINE + ASIDES_OVER:
        return cut  # (a line its asides' cuts brought near the limit stays whole outside them: cut again, a name would go)
    if len(line) <= MAX_LINE:
        return line
    parts = _parts(line)
    kept = [parts[0], *(p for p in parts[1:] if weight(p[1], terms, shapes) > 0)]
    if len(kept) == 1:  # no part carries the question's words: its start
        return clip(line, MAX_LINE)
    line = "".join(separator + part for separator, part in kept) + (", …" if len(kept) < len(parts) else "")
    return clip(line, 2 * MAX_LINE)


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
    said = _words(answer.headline)
    for block in _blocks(answer.details):
        key = _key(block[0])
        # a heading the headline repeats is said again only when the lines under it add to the headline
        whole = _key(" ".join(block)) if len(block) > 1 else key
        if not key or key in seen or (len(whole) > 20 and whole in headline_key) or _said_already(block[0], said):
            continue  # each fact once: a line that says again what the headline or a line above said
        seen.add(key)
        said |= _words(EVIDENCE_PREFIX.sub("", block[0]))
        (notes if block[0].startswith("(") else blocks).append(block)  # "(how the subject was read)": a note
    weights = word_weights(blocks, terms)
    chosen = list(range(min(KEPT_FIRST, len(blocks))))
    used = sum(len(" ".join(blocks[i])) for i in chosen)
    scored = sorted(((weighed(blocks[i], weights, shapes), i) for i in range(len(chosen), len(blocks))), key=lambda x: (-x[0], x[1]))
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
