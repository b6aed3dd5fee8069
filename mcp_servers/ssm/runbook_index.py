"""Ranked runbook search for the SSM server's `search_runbooks` tool.

Given an incident's symptom text (event reasons, log lines, metric names), an optional category
hint and an optional resource kind, rank the runbooks. The score adds up:
  * BM25 over the runbook's fields (symptoms weigh most, then title, description, the rest) --
    SQLite FTS5 when this Python's sqlite3 has it, else the same formula in Python;
  * a phrase bonus for every runbook symptom that appears verbatim in the text, weighted by how
    rare its words are ("ImagePullBackOff" says more than "Pending");
  * boosts for the hinted category and for the resource kind.
Text relevance is squashed into [0, 1) so a boost always has the same weight, and a category
hint outranks generic text (but not a strong specific match for another cause).

Both backends see the same tokens: text is normalised here (lower-case, split on anything that is
not a letter or digit, stop words and short numbers dropped, a light suffix stemmer) and FTS5
only indexes the result. Log text is untrusted: every query term is quoted for FTS5, so nothing
in it is read as query syntax.
"""

from __future__ import annotations

import math
import re
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field

from mcp_servers.ssm.runbooks import ANY_CATEGORY, CATEGORIES, Runbook

Backend = Literal["auto", "fts5", "python"]

# Field weights, as FTS5's bm25() takes them.
FIELDS: tuple[str, ...] = ("title", "symptoms", "description", "body")
FIELD_WEIGHTS: tuple[float, ...] = (4.0, 10.0, 2.0, 1.0)
K1, B = 1.2, 0.75  # FTS5's bm25 constants
PHRASE_WEIGHT = 2.0
SATURATION = 20.0  # raw relevance at which text relevance is 0.5
CATEGORY_BOOST = 0.5
KIND_BOOST = 0.15
# Words in nearly every runbook (pod, container) get FTS5's floor IDF of 1e-6; a runbook matching
# only those is not a match.
MIN_RELEVANCE = 0.1
MAX_QUERY_TERMS = 200  # log excerpts can be long; the first distinct terms carry the signal

_WORD = re.compile(r"[a-z0-9]+")
_STOP_WORDS = frozenset(
    "a an and are as at be by for from has have in into is it its of on or that the this to was were will with".split()
)


def _stem(word: str) -> str:
    """A light suffix stemmer (pulling/pulled -> pull, nodes -> node): enough for symptom text,
    and identical for both backends, unlike FTS5's porter tokenizer."""
    if len(word) > 4:
        if word.endswith("ies"):
            return word[:-3] + "y"
        if word.endswith("ing") and len(word) > 5:
            return word[:-3]
        if word.endswith("ed"):
            return word[:-2]
        if word.endswith("s") and not word.endswith("ss"):
            return word[:-1]
    return word


def tokens(text: str, keep_numbers: bool = False) -> list[str]:
    """Normalised search tokens of `text`, in order (repeats kept). Numbers under three digits
    are dropped for BM25 (0/3 says nothing, 137 and 503 do) but kept for phrase matching, where
    "exit code 1" must not match "exit code 137"."""
    out = []
    for word in _WORD.findall(text.lower()):
        if word in _STOP_WORDS or (not keep_numbers and word.isdigit() and len(word) < 3):
            continue
        out.append(_stem(word))
    return out


class RunbookHit(BaseModel):
    id: str
    title: str
    category: str
    score: float = Field(description="text relevance in [0, 1) plus category and resource-kind boosts")
    matched: list[str] = Field(default_factory=list, description="symptoms found verbatim, then other matching words")


class _Document:
    __slots__ = ("runbook", "fields", "counts", "length", "vocabulary", "phrases")

    def __init__(self, runbook: Runbook) -> None:
        self.runbook = runbook
        body = " ".join(
            [c.look_for for c in runbook.diagnosis] + [s.name + " " + s.when for s in runbook.remediation]
            + [c.expect for c in runbook.verification] + runbook.escalate_when + runbook.resource_kinds
        )
        texts = (runbook.title, "\n".join(runbook.symptoms), runbook.description, body)
        self.fields: tuple[list[str], ...] = tuple(tokens(t) for t in texts)
        self.counts = tuple(Counter(f) for f in self.fields)
        self.length = sum(len(f) for f in self.fields)
        self.vocabulary = frozenset(t for f in self.fields[:2] for t in f)  # what `matched` reports
        self.phrases = [(symptom, tuple(tokens(symptom, keep_numbers=True))) for symptom in runbook.symptoms]


class RunbookIndex:
    """Search over a fixed set of runbooks. Build once (the library is small and read-mostly) and
    query from any thread."""

    def __init__(self, runbooks: Iterable[Runbook], backend: Backend = "auto") -> None:
        self._docs = [_Document(r) for r in runbooks]
        duplicates = sorted(i for i, n in Counter(d.runbook.id for d in self._docs).items() if n > 1)
        if duplicates:
            raise ValueError(f"runbook ids must be unique; duplicated: {', '.join(duplicates)}")
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        if backend in ("auto", "fts5"):
            self._db = _fts5_index(self._docs)
            if self._db is None and backend == "fts5":
                raise RuntimeError("this Python's sqlite3 was built without FTS5; use backend='python' or 'auto'")
        self.backend: Literal["fts5", "python"] = "fts5" if self._db is not None else "python"
        # Rows containing each term (any field) and the mean row length, as FTS5 keeps them.
        self._df: Counter[str] = Counter(t for d in self._docs for t in set().union(*d.counts))
        self._avg_length = sum(d.length for d in self._docs) / max(len(self._docs), 1) or 1.0

    def search(
        self,
        symptoms: str,
        category: str | None = None,
        resource_kind: str | None = None,
        limit: int = 5,
    ) -> list[RunbookHit]:
        """Runbooks for an incident, best first. A runbook is listed when its text matches or it
        is of the hinted category; when nothing is, the generic triage runbook is returned so
        the caller always has a next step."""
        if category in ("", "none"):  # "no root cause" is no hint
            category = None
        if category is not None and category not in CATEGORIES:
            raise ValueError(f"unknown category {category!r}; use one of {', '.join(CATEGORIES)} or leave it out")
        query = list(dict.fromkeys(tokens(symptoms)))[:MAX_QUERY_TERMS]
        relevance = self._bm25(query) if query else {}
        sequence = tokens(symptoms, keep_numbers=True)
        kind = (resource_kind or "").lower()

        hits = []
        for i, doc in enumerate(self._docs):
            runbook = doc.runbook
            phrases = [symptom for symptom, words in doc.phrases if words and _contains(sequence, words)]
            raw = relevance.get(i, 0.0) + PHRASE_WEIGHT * sum(
                self._idf(w) for symptom, words in doc.phrases if symptom in phrases for w in words
            )
            in_category = category is not None and runbook.category == category
            if raw < MIN_RELEVANCE and not in_category:
                continue
            score = raw / (raw + SATURATION)
            score += CATEGORY_BOOST * in_category
            score += KIND_BOOST * (kind != "" and kind in (k.lower() for k in runbook.resource_kinds))
            covered = {w for symptom, words in doc.phrases if symptom in phrases for w in words}
            words = _original_words(symptoms, [t for t in query if t in doc.vocabulary and t not in covered])
            hits.append(RunbookHit(id=runbook.id, title=runbook.title, category=runbook.category,
                                   score=round(score, 4), matched=phrases + words))
        if not hits:
            hits = [RunbookHit(id=d.runbook.id, title=d.runbook.title, category=d.runbook.category, score=0.0)
                    for d in self._docs if d.runbook.category == ANY_CATEGORY]
        hits.sort(key=lambda h: (-h.score, h.id))
        return hits[:limit]

    # -- relevance ------------------------------------------------------------------------------

    def _bm25(self, query: list[str]) -> dict[int, float]:
        """Positive BM25 relevance per document index, for documents matching any term."""
        if self._db is not None:
            match = " OR ".join('"' + term.replace('"', '""') + '"' for term in query)
            weights = ", ".join(str(w) for w in FIELD_WEIGHTS)
            with self._lock:
                rows = self._db.execute(
                    f"SELECT rowid, bm25(runbooks, 0, {weights}) FROM runbooks WHERE runbooks MATCH ?", (match,)
                ).fetchall()
            return {rowid - 1: -score for rowid, score in rows}  # FTS5 scores: lower is better
        # FTS5's bm25(): per term, the column-weighted frequency saturated once per row against
        # the row's total length; IDF from the rows containing the term, floored just above 0.
        scores: dict[int, float] = {}
        n = len(self._docs)
        for i, doc in enumerate(self._docs):
            length_norm = K1 * (1 - B + B * doc.length / self._avg_length)
            total = 0.0
            for term in query:
                freq = sum(w * counts.get(term, 0) for w, counts in zip(FIELD_WEIGHTS, doc.counts))
                if freq:
                    idf = max(math.log((n - self._df[term] + 0.5) / (self._df[term] + 0.5)), 1e-6)
                    total += idf * freq * (K1 + 1) / (freq + length_norm)
            if total > 0:
                scores[i] = total
        return scores

    def _idf(self, term: str) -> float:
        df = self._df.get(term, 0)
        return math.log(1 + (len(self._docs) - df + 0.5) / (df + 0.5))


def _fts5_index(docs: list[_Document]) -> sqlite3.Connection | None:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    try:
        columns = ", ".join(FIELDS)
        db.execute(f"CREATE VIRTUAL TABLE runbooks USING fts5(id UNINDEXED, {columns}, tokenize='unicode61')")
    except sqlite3.OperationalError:  # "no such module: fts5"
        db.close()
        return None
    db.executemany(
        f"INSERT INTO runbooks (rowid, id, {columns}) VALUES (?, ?, ?, ?, ?, ?)",
        [(i + 1, d.runbook.id, *(" ".join(f) for f in d.fields)) for i, d in enumerate(docs)],
    )
    return db


def _contains(sequence: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    first = phrase[0]
    return any(sequence[i] == first and tuple(sequence[i : i + n]) == phrase for i in range(len(sequence) - n + 1))


def _original_words(text: str, terms: list[str]) -> list[str]:
    """The words of `text` as written that produced each normalised term (first occurrence)."""
    wanted = set(terms)
    found: dict[str, str] = {}
    for word in re.findall(r"[A-Za-z0-9]+", text):
        normal = tokens(word)
        if normal and normal[0] in wanted and normal[0] not in found:
            found[normal[0]] = word
    return [found[t] for t in terms if t in found]
