"""What a question asks when none of the question forms' patterns matches it: an intent classifier learned from
labelled phrasings (intents.yaml), trained from that data when chat first needs it -- no weights shipped, nothing
fetched at run time.

The model is a multinomial logistic regression (softmax) over features that carry the question's shape rather than its
names: words, word pairs (side by side, and one word apart) and the two words it opens with, with object names,
versions, env vars and nodes replaced by what they are (`<name>`, `<ver>`, `<env>`, `<node>`), and the letter triples of
each plain word, so a slip ("restat", "waht") still shares most of its features with the word it slips from. Logistic
regression rather than the naive Bayes it replaced: it weighs features against each other instead of counting each
as independent evidence, so the words every intent shares stop voting -- on phrasings it was not trained on, 82% read
right instead of 78%, follow-ups 84% instead of 76% (docs/evaluation.md) -- and its posteriors are probabilities a
threshold can be read against. It learns in a few seconds from the data (no weights shipped; kept in the user's cache
after, keyed by the data and this module: `cached_model_path`); the chat session starts learning, or reading it, in a
background thread when it opens.

A turn of a conversation may lean on the answer before it: "would that hold" after a rollback request asks whether
rolling back helps, after a diagnosis how to fix it; "exit code?" after a diagnosis asks a property of what was
diagnosed. The follow-ups section of intents.yaml groups such turns by what they ask (`then:<id>`, learned as one
more class each) and maps the form of the previous answer to the intent the turn asks after it. A follow-up read
after a form its group does not name is no reading at all: the next class that is a question of its own is taken.

Its accuracy on phrasings it was not trained on (follow-ups too) is measured by cross-validation in the test suite
and published in docs/evaluation.md.

A guess is used only when it is confident (`MIN_CONFIDENCE`, chosen where the cross-validated guesses it accepts are
right nine times in ten), and never for a request to act: a change is made only from a request whose words a
form's pattern matched (chat/understand/forms.yaml), so a misread question can never plan a write."""

from __future__ import annotations

import hashlib
import math
import os
import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import yaml
from pydantic import BaseModel

from .forms import Recognised, form_spec, last_clause

# 5-fold CV, 3 shuffles, 3,036 phrasings (2026-11-30, logistic regression): at 0.40 89.8% of the guesses it accepts
# right, 82.2% accepted, top-1 82.0% (at 0.35 88.4%, 85.6%; at 0.45 90.9%, 78.7%) -- the naive Bayes it replaced held
# 88.7% and 78.4% at its threshold, top-1 78.4%
MIN_CONFIDENCE = 0.40
# Learning (5-fold CV, 3 shuffles): 20 passes over the data in batches of 128 at rate 0.5 -- 10 passes lose a point and a
# half of top-1, batches of 256 half a point; a little L2 keeps rare features (a typo's letter triples) from deciding
EPOCHS, BATCH, RATE, L2 = 20, 128, 0.5, 1e-4
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
    """Multinomial logistic regression (softmax) over `features`, trained from (text, intent) pairs: minibatch
    Adagrad from zero weights in a fixed order, so the same data always makes the same model."""

    def __init__(self, examples: Iterable[tuple[str, str]]) -> None:
        pairs = list(examples)
        self.intents = sorted({intent for _, intent in pairs})
        column = {intent: i for i, intent in enumerate(self.intents)}
        self.vocabulary: dict[str, int] = {}
        rows = [np.array([self.vocabulary.setdefault(f, len(self.vocabulary)) for f in sorted(set(features(text)))],
                         dtype=np.int64) for text, _ in pairs]
        truth = np.array([column[intent] for _, intent in pairs], dtype=np.int64)
        self.weights = np.zeros((len(self.vocabulary), len(self.intents)), dtype=np.float32)
        self.bias = np.zeros(len(self.intents), dtype=np.float32)
        squared = np.full(self.weights.shape, 1e-6, dtype=np.float32)  # Adagrad's sum of squared gradients
        squared_bias = np.full(self.bias.shape, 1e-6, dtype=np.float32)
        shuffle = np.random.default_rng(0)
        for _ in range(EPOCHS):
            order = shuffle.permutation(len(rows))
            for start in range(0, len(order), BATCH):
                batch = order[start:start + BATCH]
                lengths = np.array([len(rows[i]) for i in batch])
                used, where = np.unique(np.concatenate([rows[i] for i in batch]), return_inverse=True)
                # the batch's rows over the features they use, each row scaled by 1/sqrt(its feature count): a long
                # question's many features weigh as much in all as a short one's few
                x = np.zeros((len(batch), len(used)), dtype=np.float32)
                x[np.repeat(np.arange(len(batch)), lengths), where] = np.repeat(1 / np.sqrt(np.maximum(lengths, 1)), lengths)
                w = self.weights[used]
                error = _softmax(x @ w + self.bias)
                error[np.arange(len(batch)), truth[batch]] -= 1
                step = x.T @ error.astype(np.float32) + L2 * w
                total = squared[used] + step * step
                squared[used] = total
                self.weights[used] = w - RATE * step / np.sqrt(total)
                step_bias = error.sum(axis=0)
                squared_bias += step_bias * step_bias
                self.bias -= RATE * step_bias / np.sqrt(squared_bias)

    @classmethod
    def read(cls, path: Path) -> IntentModel:
        """A model written by `write` (what was learned, without learning it again)."""
        with np.load(path, allow_pickle=False) as saved:
            model = cls([])
            model.intents = [str(i) for i in saved["intents"]]
            model.vocabulary = {str(f): i for i, f in enumerate(saved["vocabulary"])}
            model.weights, model.bias = saved["weights"], saved["bias"]
        return model

    def write(self, path: Path) -> None:
        """Written whole or not at all: to a file beside it, then renamed over it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.partial")
        with partial.open("wb") as out:
            np.savez(out, intents=np.array(self.intents), vocabulary=np.array(list(self.vocabulary)),
                     weights=self.weights, bias=self.bias)
        os.replace(partial, path)

    def ranked(self, text: str) -> list[tuple[str, float]]:
        """(intent, confidence) best first; empty when the text has no feature the model knows."""
        seen = [i for f in set(features(text)) if (i := self.vocabulary.get(f)) is not None]
        if not seen:
            return []
        posterior = _softmax((self.weights[seen].sum(axis=0) / math.sqrt(len(seen)) + self.bias)[None, :])[0]
        return sorted(zip(self.intents, posterior.tolist(), strict=True), key=lambda x: -x[1])


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


FOLLOW_UP = "then:"  # the class of a follow-up group: then:<id>
# How much likelier a turn is a follow-up when there is an answer to follow (none is without one): 5-fold CV over
# intents.yaml, 2026-11-30, logistic regression -- at 8, 87.1% of the follow-ups read right (88.1% at 16), while the
# questions of their own asked after an answer stay at 78.9% top-1 and 88.5% of their accepted guesses right (76.0% and
# 86.2% at 16, 82% and 90% asked alone).
FOLLOW_UP_PRIOR = 8.0


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
    """Learned from the data, or read from the user's cache where this module learned from the same data before:
    learning takes seconds, reading a few milliseconds. The cache is keyed by the data and this module's own code, so
    an edit to either learns again; a cache that cannot be read or written is learned past."""
    path = cached_model_path()
    try:
        return IntentModel.read(path)
    except (OSError, ValueError, KeyError):
        pass
    learned = IntentModel([*labelled(), *labelled_follow_ups()])
    try:
        learned.write(path)
    except OSError:
        pass  # a read-only home: learned again next time
    return learned


def cached_model_path() -> Path:
    """Where the learned model is kept: $SRE_AGENT_CACHE_DIR, else $XDG_CACHE_HOME (else ~/.cache)/sre-agent/, named
    by the hash of the data and of this module."""
    digest = hashlib.sha256(resources.files("sre_agent.chat.understand").joinpath("intents.yaml").read_bytes())
    digest.update(Path(__file__).read_bytes())
    base = Path(os.environ.get("SRE_AGENT_CACHE_DIR") or
                Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sre-agent")
    return base / f"intent-model-{digest.hexdigest()[:16]}.npz"


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
# classifier, reading the whole question, overrules it when it is this sure of another form (5-fold CV, 3 shuffles: 98.4%
# of the guesses this sure are right, 37.6% of all -- the naive Bayes's 0.97 held 97.9% of 39.6%). Never a request to
# act either way: those forms are read by their verbs alone.
OVERRULE = 0.90
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
