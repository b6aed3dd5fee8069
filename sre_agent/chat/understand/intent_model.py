"""What a question asks when none of the question forms' patterns matches it: an intent classifier learned from
labelled phrasings (intents.yaml), trained from that data when chat first needs it -- no weights shipped, nothing
fetched at run time.

The model is a multinomial naive Bayes over features that carry the question's shape rather than its names: words,
word pairs and the two words it opens with, with object names, versions, env vars and nodes replaced by what they are (`<name>`, `<ver>`,
`<env>`, `<node>`), and the letter triples of each plain word, so a slip ("restat", "waht") still shares most of
its features with the word it slips from. Naive Bayes because the data is small (tens of phrasings an intent),
trains in milliseconds, and its errors are easy to read. Its accuracy on phrasings it was not trained on is
measured by cross-validation in the test suite and published in docs/evaluation.md.

A guess is used only when it is confident (`MIN_CONFIDENCE`, chosen where the cross-validated guesses it accepts are
right nine times in ten), and never for a request to act: a change is made only from a request whose words a
form's pattern matched (chat/understand/forms.yaml), so a misread question can never plan a write."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel

MIN_CONFIDENCE = 0.6  # 5-fold CV on intents.yaml (2,122 phrasings): 91% of the guesses it accepts right, 84% accepted
SMOOTHING = 0.1
# Requests to act: read from their own patterns only, never guessed.
NEVER_GUESSED = frozenset({"do_it", "rollback_request", "write_request", "node_or_pod_write"})

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9./_:-]*")
_NODE = re.compile(r"^(ip-\d+-\d+-\d+-\d+|i-[0-9a-f]{8,})")
_VERSION = re.compile(r"^v?\d+(\.\d+)+([-+][\w.]+)?$")
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
    if _VERSION.match(lowered):
        return "<ver>"
    if re.search(r"[0-9/_-]", lowered) or "." in lowered:
        return "<name>"
    return lowered


def features(text: str) -> list[str]:
    """Words, word pairs and the letter triples of plain words (see the module)."""
    words = [_word(t) for t in _TOKEN.findall(text)]
    out = [f"w:{w}" for w in words]
    out += [f"b:{a}_{b}" for a, b in zip(words, words[1:], strict=False)]
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

    def guess(self, text: str) -> Guess | None:
        seen = [f for f in set(features(text)) if f in self.vocabulary]
        if not seen:
            return None
        scores = {i: self.prior[i] + sum(self.weights[i].get(f, self.unseen[i]) for f in seen) for i in self.intents}
        # Naive Bayes multiplies evidence it treats as independent, so its raw posteriors are near 0 or 1; dividing
        # the log-scores by the features' count gives a confidence whose threshold means the same for short and
        # long questions.
        top = max(scores.values())
        scaled = {i: math.exp((s - top) / math.sqrt(len(seen))) for i, s in scores.items()}
        norm = sum(scaled.values())
        ranked = sorted(scaled, key=scaled.get, reverse=True)  # type: ignore[arg-type]
        return Guess(intent=ranked[0], confidence=scaled[ranked[0]] / norm, runner_up=ranked[1] if len(ranked) > 1 else "")


def labelled() -> list[tuple[str, str]]:
    """(phrasing, intent) pairs from intents.yaml."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it: 0.05 s instead of 0.85 s
    data = yaml.load(resources.files("sre_agent.chat.understand").joinpath("intents.yaml").read_text(), Loader=loader)  # noqa: S506
    return [(str(p), str(intent)) for intent, phrasings in (data.get("intents") or {}).items() for p in phrasings]


@lru_cache(maxsize=1)
def model() -> IntentModel:
    return IntentModel(labelled())


def guess_intent(text: str) -> Guess | None:
    """The intent a question asks, when the model is confident and it is not a request to act; else None."""
    guess = model().guess(text)
    if guess is None or guess.intent in NEVER_GUESSED or guess.confidence < MIN_CONFIDENCE:
        return None
    return guess
