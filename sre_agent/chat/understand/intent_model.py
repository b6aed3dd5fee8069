"""What a question asks when none of the question forms' patterns matches it: an intent classifier learned from
labelled phrasings (intents.yaml), trained from that data when chat first needs it -- no weights shipped, nothing
fetched at run time.

The model is a multinomial naive Bayes over features that carry the question's shape rather than its names: words,
word pairs (side by side, and one word apart) and the two words it opens with, with object names, versions, env vars
and nodes replaced by what they are (`<name>`, `<ver>`, `<env>`, `<node>`), and the letter triples of each plain word,
so a slip ("restat", "waht") still shares most of its features with the word it slips from. Naive Bayes because the
data is small (tens of phrasings an intent), trains in milliseconds, and its errors are easy to read.

A turn of a conversation may lean on the answer before it: "would that hold" after a rollback request asks whether
rolling back helps, after a diagnosis how to fix it; "exit code?" after a diagnosis asks a property of what was
diagnosed. The follow-ups section of intents.yaml groups such turns by what they ask (`then:<id>`, learned as one
more class each) and maps the form of the previous answer to the intent the turn asks after it. A follow-up read
after a form its group does not name is no reading at all: the next class that is a question of its own is taken.

Its accuracy on phrasings it was not trained on (follow-ups too) is measured by cross-validation in the test suite
and published in docs/evaluation.md. A logistic regression over the same features read more of the held-out phrasings
right (5-fold CV: top-1 82.0% against 78.4%, follow-ups 83.6% against 76.0%) but fewer turns of the two worlds it met
first (gorsedale 140 against 141 of 200; on kingsmere two of the three turns lost were its readings): its posteriors
are flat on phrasings unlike its data, where naive Bayes is sure and mostly right -- it was not kept
(docs/evaluation.md, twenty-ninth step).

A guess is used only when it is confident (`MIN_CONFIDENCE`, chosen where the cross-validated guesses it accepts are
right nine times in ten), and never for a request to act: a change is made only from a request whose words a
form's pattern matched (chat/understand/forms.yaml), so a misread question can never plan a write."""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel

from .forms import Recognised, form_spec, last_clause

# 5-fold CV, 3 shuffles, 3,036 phrasings (2026-11-29, with three "why are the pods so young" phrasings): at 0.62 88.7% of
# the guesses it accepts right, 78.4% accepted, top-1 78.4% (at 0.61 88.4%, 79.0%; at 0.60 88.1%, 79.7%; with 3,033
# phrasings at 0.62: 88.1%, 78.2%, 78.4%) -- the floors the test holds (88%, 78%) sit within a few tenths of these
MIN_CONFIDENCE = 0.62
SMOOTHING = 0.1
# Requests to act: read from their own patterns only, never guessed.
NEVER_GUESSED = frozenset({"do_it", "rollback_request", "write_request", "node_or_pod_write"})

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9./_:-]*")
_NODE = re.compile(r"^(ip-\d+-\d+-\d+-\d+|i-[0-9a-f]{8,})")
VERSION = re.compile(r"^v?\d+(\.\d+)+([-+][\w.]+)?$")  # a version typed as a word: 3.4.0, v2.8.5-rc1
_ENV = re.compile(r"^[A-Z][A-Z0-9]*_[A-Z0-9_]+$")


class Guess(BaseModel):
    intent: str
    confidence: float  # the posterior of the intent chosen, 0..1
    runner_up: str = ""


def _word(token: str) -> str:
    """A token as the model sees it: what it is, for names; the word itself, lower-cased, for words."""
    if _ENV.match(token):
        return "<env>"
    lowered = token.lower().rstrip(".:")
    if _NODE.match(lowered):
        return "<node>"
    if VERSION.match(lowered):
        return "<ver>"
    if re.search(r"[0-9/_-]", lowered) or "." in lowered:
        return "<name>"
    return lowered


def features(text: str) -> list[str]:
    """Words, word pairs (side by side and one apart) and the letter triples of plain words (see the module)."""
    words = [_word(t) for t in _TOKEN.findall(text)]
    out = [f"w:{w}" for w in words]
    out += [f"b:{a}_{b}" for a, b in zip(words, words[1:], strict=False)]
    # pairs one word apart ("how _ messages", "is _ backing"): the shape of a question across the name typed in it --
    # 5-fold CV, 3 shuffles, 2026-11-29: top-1 77.7% -> 78.6%, the accepted guesses' precision 88.0% -> 88.6%
    out += [f"s:{a}_{b}" for a, b in zip(words, words[2:], strict=False)]
    out += [f"f:{w}" for w in words[:2]]  # how it opens ("why is", "roll it", "is the") says much of what it asks
    for word in words:
        if not word.startswith("<") and len(word) >= 3:
            padded = f"^{word}$"
            out += [f"c:{padded[i:i + 3]}" for i in range(len(padded) - 2)]
    return out


class IntentModel:
    """Multinomial naive Bayes over `features`, trained from (text, intent) pairs."""

    def __init__(self, examples: Iterable[tuple[str, str]]) -> None:
        counts: dict[str, Counter[str]] = {}
        docs: Counter[str] = Counter()
        for text, intent in examples:
            counts.setdefault(intent, Counter()).update(set(features(text)))
            docs[intent] += 1
        self.intents = sorted(counts)
        vocabulary = {f for c in counts.values() for f in c}
        total = sum(docs.values())
        self.prior = {i: math.log(docs[i] / total) for i in self.intents}
        self.weights: dict[str, dict[str, float]] = {}
        self.unseen: dict[str, float] = {}
        for intent in self.intents:
            size = sum(counts[intent].values()) + SMOOTHING * len(vocabulary)
            self.weights[intent] = {f: math.log((n + SMOOTHING) / size) for f, n in counts[intent].items()}
            self.unseen[intent] = math.log(SMOOTHING / size)
        self.vocabulary = vocabulary

    def ranked(self, text: str) -> list[tuple[str, float]]:
        """(intent, confidence) best first; empty when the text has no feature the model knows."""
        seen = [f for f in set(features(text)) if f in self.vocabulary]
        if not seen:
            return []
        scores = {i: self.prior[i] + sum(self.weights[i].get(f, self.unseen[i]) for f in seen) for i in self.intents}
        # Naive Bayes multiplies evidence it treats as independent, so its raw posteriors are near 0 or 1; dividing
        # the log-scores by the features' count gives a confidence whose threshold means the same for short and
        # long questions.
        top = max(scores.values())
        scaled = {i: math.exp((s - top) / math.sqrt(len(seen))) for i, s in scores.items()}
        norm = sum(scaled.values())
        return sorted(((i, v / norm) for i, v in scaled.items()), key=lambda x: -x[1])


FOLLOW_UP = "then:"  # the class of a follow-up group: then:<id>
# How much likelier a turn is a follow-up when there is an answer to follow (none is without one): 5-fold CV over
# intents.yaml, 2026-11-25 -- at 16, 85% of the accepted follow-up readings right (74% at 1), while the questions of
# their own asked mid-conversation stay at 80% top-1 and 90% of their accepted guesses right (as asked alone).
FOLLOW_UP_PRIOR = 16.0


class FollowUps(BaseModel):
    """Turns that lean on the previous answer, and what they ask after each form that answer may have had."""

    id: str
    asks: str  # what the turns ask, in words: the meaning the phrasings were written from
    intents: dict[str, str]  # the previous answer's form ("*": any other) -> the intent the turn asks after it

    def after(self, previous: str | None) -> str | None:
        """The intent the turn asks after an answer of the form `previous` ("form" or "form:the tool it pinned", most
        specific first); None: it is no such follow-up."""
        if not previous:
            return None
        return self.intents.get(previous) or self.intents.get(previous.split(":")[0]) or self.intents.get("*")
    phrasings: list[str]


@lru_cache(maxsize=1)
def _data() -> dict:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it: 0.05 s instead of 0.85 s
    return yaml.load(resources.files("sre_agent.chat.understand").joinpath("intents.yaml").read_text(), Loader=loader)  # noqa: S506


def labelled() -> list[tuple[str, str]]:
    """(phrasing, intent) pairs of the questions asked on their own, from intents.yaml."""
    return [(str(p), str(intent)) for intent, phrasings in (_data().get("intents") or {}).items() for p in phrasings]


@lru_cache(maxsize=1)
def follow_ups() -> dict[str, FollowUps]:
    groups = [FollowUps.model_validate(group) for group in _data().get("followups") or []]
    return {group.id: group for group in groups}


def labelled_follow_ups() -> list[tuple[str, str]]:
    """(phrasing, then:<group>) pairs of the follow-ups."""
    return [(str(p), FOLLOW_UP + group.id) for group in follow_ups().values() for p in group.phrasings]


_LEARNING = threading.Lock()


def model() -> IntentModel:
    """The model learned from all of intents.yaml, once per process: the session's background thread and a first
    question asked before it is done wait for the same learning rather than each doing it."""
    with _LEARNING:
        return _learned()


@lru_cache(maxsize=1)
def _learned() -> IntentModel:
    return IntentModel([*labelled(), *labelled_follow_ups()])


def _posterior(model: IntentModel, text: str) -> dict[str, float]:
    """The model's reading of the whole text, or of its last clause alone when that reading is the more confident:
    "X keeps crashlooping in ops, related?" asks "related?"; "we scaled X an hour ago and the new member isn't
    serving. what is holding it?" is read whole (its last clause alone could ask anything)."""
    whole = dict(model.ranked(text))
    clause = last_clause(text)
    if clause == text.strip() or not (last := dict(model.ranked(clause))):
        return whole
    return last if max(last.values()) > max(whole.values(), default=0.0) else whole


def read(model: IntentModel, text: str, previous: str | None, exclude: frozenset[str] = frozenset()) -> Guess | None:
    """The intent `text` asks after an answer of the form `previous`: each class's share goes to the intent it asks --
    a follow-up group's to its intent after that form (none after a form the group does not name, or with no answer
    before), a question of its own's to itself -- and the intent with the most is the reading."""
    shares: dict[str, float] = {}
    followed: dict[str, str] = {}
    for label, share in _posterior(model, text).items():
        intent: str | None = label
        if label.startswith(FOLLOW_UP):
            intent = follow_ups()[label.removeprefix(FOLLOW_UP)].after(previous)
            share *= FOLLOW_UP_PRIOR
        if intent is not None and intent not in exclude:
            shares[intent] = shares.get(intent, 0.0) + share
            if label.startswith(FOLLOW_UP):
                followed[intent] = label
    if not shares:
        return None
    total = sum(shares.values()) or 1.0
    best = max(shares, key=shares.__getitem__)
    return Guess(intent=best, confidence=shares[best] / total, runner_up=followed.get(best, ""))


# Intents that store what they are told, read only when the question says so: "can we scale search down for the
# weekend" shares words with "we don't scale anything on weekends, remember that" but gives the memory nothing.
CUED = {"remember": re.compile(r"\b(remember|rmbr|note|noted|memor\w*|keep\s+in\s+mind|don.?t\s+forget|fyi|for\s+the\s+record|"
                               r"save\s+this|from\s+now\s+on|going\s+forward|for\s+future\s+reference|so\s+you\s+know)\b",
                               re.IGNORECASE)}


# A form whose pattern placed no name ("when did it start" fits job_ran's "did <it> start") is weak evidence: the
# classifier, reading the whole question, overrules it when it is this sure of another form. Never a request to act
# either way: those forms are read by their verbs alone.
OVERRULE = 0.97
NEVER_OVERRULED = NEVER_GUESSED | {"help", "more", "remember", "fix_it", "compose"}


# What the one problem discussed reaches (who it hurts, what calls it, what runs beside it): a question of these the
# cluster-wide listing's broad pattern also matches ("anything else hurt by this", "what else breaks when X is down")
# asks the relation, not the list -- the classifier's reading wins at its usual confidence.
RELATIONS = frozenset({"impact", "dependents", "dependencies", "node_pods", "call_path"})


def overruled(recognised: Recognised, text: str, previous: str | None = None) -> Recognised:
    """The pattern's reading, or the classifier's when the pattern named nothing and the classifier is sure of another
    (or, for the cluster-wide listing, reads a relation of the problem discussed)."""
    if recognised.form == "broken_now" and not recognised.subject and \
            (guess := guess_intent(text, previous)) is not None and guess.intent in RELATIONS:
        return _as(recognised, guess)
    if recognised.form in ("unrecognised", *NEVER_OVERRULED) or recognised.subject or not recognised.refers_back:
        return recognised
    guess = guess_intent(text, previous)
    if guess is None or guess.intent == recognised.form or guess.confidence < OVERRULE or guess.intent in NEVER_OVERRULED:
        return recognised
    return _as(recognised, guess)


def _as(recognised: Recognised, guess: Guess) -> Recognised:
    """The reading the classifier's guess makes of the question."""
    spec = form_spec(guess.intent)
    if spec is None:
        return recognised
    return recognised.model_copy(update={"form": spec.id, "needs_subject": spec.needs_subject,
                                         "refers_back": spec.needs_subject, "kind_hint": spec.kind_hint,
                                         "noun_is_subject": spec.noun_is_subject, "learned": round(guess.confidence, 2)})


def guess_intent(text: str, previous: str | None = None) -> Guess | None:
    """The intent a question asks (after an answer of the form `previous`, if any), when the model is confident and
    it is not a request to act; else None."""
    uncued = frozenset(intent for intent, cue in CUED.items() if not cue.search(text))
    guess = read(model(), text, previous, exclude=uncued)
    if guess is None or guess.intent in NEVER_GUESSED or guess.confidence < MIN_CONFIDENCE:
        return None
    return guess
