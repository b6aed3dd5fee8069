"""A question no form reads, answered from where its own words are written in the world: "what is CHG-8841", "what is
the exports bucket called now", "wats the cache hit ratio", "what Cache-Control does it send".

The facts such questions ask for sit in the cluster's text -- a change ticket in a node's annotation, a setting in a
ConfigMap, a reason in an event -- or in the containers' log lines ("varnishstat: MAIN.cache_hit_ratio=0.04"). The
question's own words (not its object's name, which every line about the object carries; not its kind nouns or
question words) are looked up there: the Kubernetes server's search_text over objects and events, and the log lines
of the question's workload, its namespace, then the cluster's shared application group. Each line is scored by the
words it carries, a word weighing more the fewer lines carry it. The best line answers only where it carries enough
of the question: two of its words, or one word shaped like an identifier (a ticket, a version), or the question's one
word where few lines carry it. Otherwise: None, and the caller says it could not read the question, as before. The
answer says it was found by words, and where."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from ...contracts import parse_resource_id
from ...graph.log_sources import LogSource, is_application_group, workload_log_source
from ...quoting import clip
from ..ask import Ask
from ..models import Answer
from ..understand.forms import KIND_WORDS
from ..understand.inventory import FILLER
from ..understand.names import stems, tokens
from ..understand.question_words import NOISE
from .notes import written_by_machine

# words a question is asked with, never what it asks about
ASKING = {"say", "says", "said", "set", "sets", "called", "call", "named", "mean", "means", "tell", "today", "currently",
          "current", "value", "thing", "things", "happened", "happening", "going", "know", "think", "need", "want", "use",
          "used", "using", "kubectl", "get", "describe", "show", "list", "wat", "wats", "whats", "hmm", "yeah", "those",
          "these", "them", "they", "their", "some", "much", "many", "more", "less", "like", "does", "did", "doing", "done",
          "where", "when", "why", "how", "who", "whom", "your", "mine", "here", "else", "ever", "even", "about", "over",
          "okay", "yes", "thanks", "exactly", "again", "look", "looks", "check", "let", "lets", "see", "one", "ones"}
IDENTIFIER = re.compile(r"^(?=.*\d)(?=.*[a-z])[a-z0-9]+(?:[-_.][a-z0-9]+)+$|^[a-z]+-\d+$")  # CHG-8841, 12.5.0-rc1
WORD = re.compile(r"[a-z0-9][a-z0-9._-]*[a-z0-9]|[a-z0-9]{3,}")
PIECE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")  # camelCase and SNAKE_CASE apart: TaintManagerEviction
HEX_ID = re.compile(r"(?<![A-Za-z0-9])(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}(?![A-Za-z0-9])")  # ids, digests
# a request to act ("take the taint off the nodes", "copy the key into X and roll it") or whether to ("should we raise
# it", "what if we give it 2Gi"): answered by the forms that read requests, never by a line that shares their words
ACTING = re.compile(r"^\W*(?:(?:ok|okay|so|then|just|pls|please|now|go\s+ahead\s+and)\W+)*(?:(?:should|shall|can|could)\s+"
                    r"(?:we|i|you)\s+|what\s+if\s+(?:we|i|you)\s+(?:just\s+)?|let.?s\s+)?(?:take|copy|give|roll|scale|restart|"
                    r"delete|kill|remove|add|set|put|patch|move|drain|cordon|uncordon|bump|raise|lower|revert|undo|apply|create|"
                    r"re-?run|suspend|resume|change|update|edit|fix|make|turn|switch|disable|enable|bounce|stop|drop|increase|"
                    r"decrease|point|rotate|upgrade|downgrade)\b", re.IGNORECASE)
# two-letter words that carry no fact; any other ("gc", "db", "tz") is a term worth looking for
SHORT_FUNCTION = frozenset({"is", "it", "to", "of", "on", "in", "at", "we", "us", "do", "be", "an", "or", "so", "no",
                            "up", "my", "me", "by", "as", "if", "go", "ok", "hi", "vs", "im", "am", "pm", "he", "yo", "ya"})
LOG_WINDOWS = ("-30m", "-3h")  # what is written now first; the morning only where the last half hour says nothing
LOG_LIMIT = 500
RARE = 5  # lines at most that may carry a question's only word for the best of them to answer it
SHOWN = 2  # lines after the best: the nearest others, from other fields or objects


@dataclass(frozen=True)
class Found:
    where: str  # "search/Node/ip-10-60-11-88 metadata.annotations.northgate.io/change", "log search/varnish-7f..."
    text: str
    concepts: frozenset[str]  # the question's words it carries
    score: float = 0.0


def concepts_of(question: str, names: list[str]) -> dict[str, set[str]]:
    """The question's words worth looking for, each with the forms a line may carry it in (its singulars, a dashed
    word's parts); never the names the question resolves to, its question words or filler."""
    named = {t for n in names for t in (n.lower(), *tokens(n))}
    out: dict[str, set[str]] = {}
    for word in WORD.findall(question.lower()):
        word = word.strip("._-")
        if len(word) < 2 or len(word) == 2 and word in SHORT_FUNCTION or word in named or word in NOISE or \
                word in FILLER or word in ASKING or word.isdigit() or \
                any(s in KIND_WORDS for s in stems(word)):  # "the annotation on the Deployment": its kind, not a fact
            continue
        if IDENTIFIER.match(word):
            out[word] = {word}
            continue
        parts = [p for p in re.split(r"[-_.]", word) if len(p) >= 3 and p not in named and p not in NOISE]
        for part in parts or [word]:
            out.setdefault(part, set()).update(stems(part), *(word_family(s) for s in stems(part)))
    return out


@lru_cache(maxsize=1)
def _families() -> dict[str, frozenset[str]]:
    text = resources.files("sre_agent.chat.understand").joinpath("word_families.yaml").read_text()
    return {str(word): frozenset(str(f) for f in forms) for word, forms in (yaml.safe_load(text) or {}).items()}


def word_family(word: str) -> frozenset[str]:
    """The words the world writes this question word's fact under (understand/word_families.yaml): "expire" is an
    annotation's not-after."""
    return _families().get(word, frozenset())


ROOT_ENDINGS = ("ations", "ation", "ions", "ion", "ings", "ing", "ors", "or", "ers", "er", "ed", "es", "e", "s")
ROOT_MIN = 5  # shorter, a root is another word's piece: cache/cached, user/used stay apart


def root(word: str) -> str:
    """A word's inflections are one word: rotation, rotated, rotate, rotator -> "rotat" ("which job did the rotation" of
    a line that says rotated-by). As the Kubernetes server's search_text cuts them."""
    while (ending := next((e for e in ROOT_ENDINGS if word.endswith(e) and len(word) - len(e) >= ROOT_MIN), None)):
        word = word[:-len(ending)]
    return word


# What kind of value the question asks for, and how a line that holds one shows it: "when does the cert expire" is
# answered by a date, "how many are stuck" by a count -- a line that holds one is ranked above a line that merely
# shares more words ("renewing 30 days before expiry" carries cert and expiry, not the date).
WHEN_ASKED = re.compile(r"^\W*(?:and\s+|so\s+)?(?:when|since\s+when|until\s+when|what\s+(?:time|date|day))\b", re.IGNORECASE)
COUNT_ASKED = re.compile(r"\bhow\s+(?:many|much|long|big|often|far)\b", re.IGNORECASE)
A_TIME = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)|(?<!\d)\d{1,2}:\d{2}(?!\d)")  # 2027-02-24T09:12:00Z, 09:12
A_COUNT = re.compile(r"(?<![\w.-])\d+(?:\.\d+)?(?![\w.-]*[a-z]{3})")  # 41, 10000ms, 2.5s; never a piece of a name
WHICH_KIND = re.compile(r"\b(?:which|what)\s+([a-z]+)\b", re.IGNORECASE)


def holds_answer(question: str, text: str, where: str = "") -> bool:
    """Whether a line holds the kind of value the question asks for: a date or time for "when", a number for "how
    many", an object of the kind "which job" / "which node" asks for (named in the line, or the line's own object, its
    `where`); False when the question asks for no kind in particular."""
    if WHEN_ASKED.search(question):
        return bool(A_TIME.search(text))
    if COUNT_ASKED.search(question):
        return bool(A_COUNT.search(text))
    kinds = {s for m in WHICH_KIND.finditer(question) for s in stems(m.group(1)) if s in KIND_WORDS}
    own = where.split(" ", 1)[0].split("/")
    of_kind = len(own) >= 2 and any(KIND_WORDS[k] == own[-2] for k in kinds)
    return bool(kinds) and (of_kind or bool(kinds & {s for w in re.findall(r"[a-z]+", text.lower()) for s in stems(w)}))


def carried(concepts: dict[str, set[str]], text: str, roots: bool = True) -> frozenset[str]:
    """Which of the question's words a line carries: whole, or as a piece of a longer token (cache_hit_ratio,
    DEFAULT_CACHE_CONTROL, TaintManagerEviction), a plural as its singular."""
    lower = text.lower()
    whole = set(re.findall(r"[a-z0-9]+(?:[-.][a-z0-9]+)*", lower))  # (a path's dots part its keys: data.PLAT-3112)
    # (never the letters of an id: a request id a7c0db02dead carries no "dead", a digest 9f3bad1e no "bad")
    pieces = whole | {part for token in whole for part in token.split(".")} | {
        p.lower() for p in PIECE.findall(HEX_ID.sub(" ", text))}
    # a dashed token's runs of words: cert-not-after carries not-after (a word family's form, word_families.yaml)
    pieces |= {"-".join(words[i:j]) for token in whole if "-" in token and len(words := token.split("-")) <= 8
               for i in range(len(words)) for j in range(i + 2, len(words) + 1)}
    pieces |= {s for p in list(pieces) for s in stems(p)}
    rooted = {root(p) for p in pieces} if roots else set()
    return frozenset(c for c, forms in concepts.items() if forms & pieces or {root(f) for f in forms} & rooted)


def said_of(path: str) -> str:
    """What a field's path says of it: its own key (DEFAULT_CACHE_CONTROL, PLAT-3112, acme.io/change) and whether it is
    an annotation or a label -- never the structure it sits in (spec.selector.matchLabels carries no "match")."""
    parts = path.split(".")
    kind = next((p for p in parts if p in ("annotations", "labels", "data", "env")), "")
    if kind == "annotations":
        return f"{kind} {path.split('annotations.', 1)[-1]}"
    # the list an item sits in names what it is: spec.taints[0].key is a taint's key, status.conditions[1].type a condition's
    listed = next((p.split("[", 1)[0] for p in reversed(parts[:-1]) if "[" in p), "")
    return " ".join(w for w in (kind, listed, path.rsplit(".", 1)[-1]) if w)


def ranked(found: list[Found], concepts: dict[str, set[str]], question: str = "") -> list[Found]:
    """Lines scored by the words they carry, each weighing log((1+N)/(1+lines carrying it)): a word in every line
    tells none apart. A question that asks for a kind of value (a date, a count, a job) is answered by a line that
    holds one before any that shares more of its words: "renewing 30 days before expiry" answers no "when"."""
    lines = len(found)
    df = {c: sum(c in f.concepts for f in found) for c in concepts}
    weight = {c: math.log((1 + lines) / (1 + df[c])) + 0.1 for c in concepts}
    scored = [Found(f.where, f.text, f.concepts, sum(weight[c] for c in f.concepts)) for f in found]
    return sorted(scored, key=lambda f: (not (question and f.concepts and holds_answer(question, f.text, f.where)), -f.score))


def enough(best: Found, concepts: dict[str, set[str]], found: list[Found], question: str = "") -> bool:
    """Whether the best line carries enough of the question to answer it: two of its words, a word shaped like an
    identifier, the question's one word where few lines carry it (a word on every line answers nothing), or a word
    few lines carry beside the kind of value the question asks for (the date of "when does the new cert expire")."""
    if len(best.concepts) >= 2 or any(IDENTIFIER.match(c) for c in best.concepts):
        return True
    if question and holds_answer(question, best.text, best.where) and \
            any(sum(c in f.concepts for f in found) <= RARE for c in best.concepts):
        return True
    return len(concepts) == 1 and sum(bool(f.concepts) for f in found) <= RARE


async def _object_lines(ask: Ask, concepts: dict[str, set[str]], namespace: str | None) -> list[Found]:
    words = sorted({form for forms in concepts.values() for form in forms}, key=len, reverse=True)[:12]
    outcome = await ask.call("kubernetes", "search_text", {"words": words, "limit": 200,
                                                           **({"namespace": namespace} if namespace else {})})
    out = []
    for match in (outcome.data or {}).get("matches") or []:
        path = str(match.get("path"))
        if path.startswith("metadata.annotations.") and written_by_machine(path.removeprefix("metadata.annotations.")):
            continue  # a controller's bookkeeping (deployment.kubernetes.io/revision) is no one's note
        said = said_of(path)
        # an inflection counts in what people write (a value, an annotation's or a key's name), never in the name of a
        # field of the API's own structure: "who operates it" is not a toleration's operator
        written = said if {"annotations", "labels", "data"} & set(path.split(".")) or ".env[" in path else ""
        if hits := carried(concepts, f"{said}: {match.get('text')}", roots=False) | \
                carried(concepts, f"{written}: {match.get('text')}"):
            out.append(Found(f"{match.get('resource')} {path}", str(match.get("text")), hits))
    return out


def _pattern(concepts: dict[str, set[str]]) -> str:
    """A CloudWatch filter pattern matching any of the words, as written lower, Capitalised or UPPER (its terms
    are case-sensitive)."""
    # (a term matches inside longer words: "hit" in "architecture" -- only where a word has no longer form)
    forms = {v for forms in concepts.values() for form in ([f for f in forms if len(f) >= 4] or forms)
             for v in (form, form.capitalize(), form.upper())}
    return " ".join(f'?"{f}"' for f in sorted(forms))[:1000]


async def _log_lines(ask: Ask, concepts: dict[str, set[str]], subject: str | None) -> list[Found]:
    """Lines carrying the words: the subject's own log lines first, then its namespace's, then every container's (the
    cluster's shared application group): the fact may be written by a neighbour ("varnishstat: cache_hit_ratio=0.04"
    of the cache in front of the app asked about)."""
    listed = await ask.call("cloudwatch", "describe_log_groups", {"max_results": 1000})
    groups = [str(g.get("name")) for g in (listed.data or {}).get("log_groups") or []]
    sources: list[LogSource] = []
    namespace = None
    if subject:
        namespace, kind, name = parse_resource_id(subject)
        if kind not in ("Node", "Alarm", "ConfigMap", "Secret") and (own := workload_log_source(groups, namespace, name)):
            sources.append(own)
    if shared := [g for g in groups if is_application_group(g)]:
        if namespace:  # its neighbours first: the shared group's lines of the namespace
            sources.append(LogSource(groups=shared[:1], selector={"namespace": namespace}))
        sources.append(LogSource(groups=shared[:1]))
    out: list[Found] = []
    seen: set[str] = set()
    pattern = _pattern(concepts)
    for source, start in ((s, w) for w in LOG_WINDOWS for s in sources):
        if any(len(f.concepts) >= 2 for f in out):
            break
        for group in source.groups[:2]:
            lines = await ask.call("cloudwatch", "filter_log_events", {
                "log_group": group, "start": start, "limit": LOG_LIMIT, "pattern": pattern,
                **source.selector})
            for event in (lines.data or {}).get("events") or []:
                message = str(event.get("message") or "")
                if message not in seen and (hits := carried(concepts, message)):
                    seen.add(message)
                    out.append(Found(f"log {event.get('pod') or event.get('stream') or group} {event.get('time')}",
                                     message, hits))
    return out


async def lines_found(ask: Ask, concepts: dict[str, set[str]], subject: str | None) -> list[Found]:
    """The world's lines carrying the words, best first; [] when the best does not carry enough of them."""
    namespace = parse_resource_id(subject)[0] if subject else ask.namespace
    found = await _object_lines(ask, concepts, namespace)
    found += await _log_lines(ask, concepts, subject)
    if namespace and not (found and enough(ranked(found, concepts, ask.question)[0], concepts, found, ask.question)):
        # written in another namespace: a platform team's announcement, a node's note (the cluster-wide search holds
        # this namespace's and the cluster-scoped lines again: only the log lines are kept from the first look)
        found = [f for f in found if f.where.startswith("log ")] + await _object_lines(ask, concepts, None)
    if not found:
        return []
    best = ranked(found, concepts, ask.question)
    return best if enough(best[0], concepts, found, ask.question) else []


async def found_by_words(ask: Ask, subject: str | None, names: list[str]) -> Answer | None:
    """The line of the world that carries the question's words, as the answer; None when none carries enough."""
    concepts = concepts_of(ask.question, names)
    if not concepts or ACTING.search(ask.question):
        return None  # a request to act, or whether to, is no fact to look up: its own forms answer, or none does
    if not (found := await lines_found(ask, concepts, subject)):
        return None
    best, *others = found
    shown = [f"{o.text}  ({o.where})" for o in others if o.concepts and o.text != best.text][:SHOWN]
    diagnosis = ask.last_diagnosis or {}
    if diagnosis.get("category") not in (None, "none") and diagnosis.get("summary"):
        # a lure asked about ("PSM-8812 says they had maintenance"): its line, beside what the conversation found
        shown.append(f"root cause found in this conversation: {clip(str(diagnosis['summary']), 240)}")
    resource = best.where.split(" ", 1)[0]
    words = ", ".join(sorted(best.concepts))
    return ask.answer(f"{best.text}  ({best.where})", status="answered",
                      details=shown,
                      resources=[r for r in (subject, resource if "/" in resource else None) if r],
                      next_steps=[f"Found by the question's words ({words}) in the cluster's objects, events and logs; "
                                  "rephrase if this is not what you asked, or say 'more'."])
