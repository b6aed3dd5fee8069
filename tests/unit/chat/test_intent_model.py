"""The intent classifier chat falls back on when no question form's pattern matches (chat/understand/intent_model.py):
its data covers every form, it is measured on phrasings it was not trained on (5-fold cross-validation -- the
figures docs/evaluation.md publishes), the guesses it accepts are right nearly nine times in ten, and it never reads a
request to act into a question."""

from __future__ import annotations

import random
import threading

import pytest

from sre_agent.chat.understand.forms import form_ids, recognise
from sre_agent.chat.understand.intent_model import (
    FOLLOW_UP,
    MIN_CONFIDENCE,
    NEVER_GUESSED,
    IntentModel,
    follow_ups,
    guess_intent,
    labelled,
    labelled_follow_ups,
    overruled,
    read,
)

FOLDS = 5
# Three shuffles of the data, five folds each: one shuffle's figure moves by a point or more when a phrasing is added
# anywhere (every fold is redrawn), which is the size of the margins measured; three hold the figure to a few tenths.
SHUFFLES = (0, 1, 2)


def test_the_data_labels_every_form_with_enough_phrasings_and_none_twice():
    data = labelled()
    by_intent: dict[str, list[str]] = {}
    for text, intent in data:
        by_intent.setdefault(intent, []).append(text.strip().lower())
    assert set(by_intent) == set(form_ids()) - {"unrecognised"}
    assert min(len(v) for v in by_intent.values()) >= 18
    seen = [t for texts in by_intent.values() for t in set(texts)]
    assert len(seen) == len(set(seen)), "a phrasing labelled with two intents"


@pytest.fixture(scope="module")
def folds() -> list[tuple[IntentModel, list[tuple[str, str]]]]:
    """(a model trained without the fold, the fold) for each of 5 folds over every phrasing, follow-ups too, in each of
    the shuffles."""
    out = []
    for seed in SHUFFLES:
        data = labelled() + labelled_follow_ups()
        random.Random(seed).shuffle(data)
        out += [(IntentModel([x for i, x in enumerate(data) if i % FOLDS != fold]), data[fold::FOLDS]) for fold in range(FOLDS)]
    return out


@pytest.fixture(scope="module")
def cross_validated(folds) -> list[tuple[str, str, float]]:
    """(truth, guess, confidence) for every phrasing asked on its own, each guessed by a model trained without its fold."""
    out = []
    for model, fold in folds:
        for text, intent in fold:
            if not intent.startswith(FOLLOW_UP):
                guess = read(model, text, None)
                out.append((intent, guess.intent if guess else "", guess.confidence if guess else 0.0))
    return out


@pytest.fixture(scope="module")
def follow_ups_cross_validated(folds) -> list[tuple[str, str, float]]:
    """(truth, guess, confidence) for every follow-up phrasing after every form its group names."""
    out = []
    for model, fold in folds:
        for text, label in fold:
            if label.startswith(FOLLOW_UP):
                for previous, intent in follow_ups()[label.removeprefix(FOLLOW_UP)].intents.items():
                    guess = read(model, text, previous)
                    out.append((intent, guess.intent if guess else "", guess.confidence if guess else 0.0))
    return out


# Floors a change must not fall under (docs/evaluation.md publishes the figures): over three shuffles the classifier has
# read 79-80% of unseen phrasings right and 89-90% of the guesses it accepts, accepting ~79.5% (2026-11-27). The one
# shuffle measured before held 80/90/80 only by the luck of its draw: its three-shuffle figure was 79.6/89.6/79.4.
TOP1_FLOOR, PRECISION_FLOOR, ACCEPTED_FLOOR = 0.78, 0.88, 0.78


def test_on_phrasings_it_was_not_trained_on_it_is_right_nearly_eight_times_in_ten(cross_validated):
    right = sum(truth == guess for truth, guess, _ in cross_validated)
    assert right / len(cross_validated) >= TOP1_FLOOR, f"{right}/{len(cross_validated)}"


def test_the_guesses_it_accepts_are_right_nearly_nine_times_in_ten_and_most_are_accepted(cross_validated):
    accepted = [(truth, guess) for truth, guess, confidence in cross_validated if confidence >= MIN_CONFIDENCE]
    precision = sum(truth == guess for truth, guess in accepted) / len(accepted)
    assert precision >= PRECISION_FLOOR and len(accepted) / len(cross_validated) >= ACCEPTED_FLOOR, (precision, len(accepted))


@pytest.mark.parametrize("text", ["yes ship it", "roll checkout back now", "restart ledger-api pls", "cordon ip-10-1-2-3"])
def test_a_request_to_act_is_never_guessed(text):
    guess = guess_intent(text)
    assert guess is None or guess.intent not in NEVER_GUESSED


def test_a_question_no_pattern_matches_reads_like_one_form_with_confidence():
    assert recognise("anybody got a clue why ledger-api keeps dying").form == "unrecognised"  # no pattern has it
    guess = guess_intent("anybody got a clue why ledger-api keeps dying")
    assert guess is not None and guess.intent == "why_failing" and guess.confidence >= MIN_CONFIDENCE


def test_follow_ups_read_by_the_answer_they_follow_are_right_seven_times_in_ten(follow_ups_cross_validated):
    right = sum(truth == guess for truth, guess, _ in follow_ups_cross_validated)
    accepted = [(truth, guess) for truth, guess, confidence in follow_ups_cross_validated if confidence >= MIN_CONFIDENCE]
    precision = sum(truth == guess for truth, guess in accepted) / len(accepted)
    assert right / len(follow_ups_cross_validated) >= 0.7 and precision >= 0.8, (right, precision, len(accepted))


def test_every_follow_up_group_maps_known_forms_to_known_intents():
    forms = set(form_ids())
    for group in follow_ups().values():
        assert len(group.phrasings) >= 18, group.id
        assert {k.split(":")[0] for k in group.intents} - {"*"} <= forms and set(group.intents.values()) <= forms, group.id


@pytest.mark.parametrize("previous, expected", [("rollback_request", "rollback_would_help"), ("write_request", "fix_it"),
                                                ("scale_would_help", "scale_would_help"),
                                                ("write_request:rollout_restart", "restart_would_help"),
                                                ("write_request:set_resources", "fix_it")])
def test_would_that_hold_asks_what_the_previous_answer_proposed(previous, expected):
    guess = guess_intent("would that hold", previous)
    assert guess is not None and guess.intent == expected


def test_a_turn_with_no_answer_before_it_is_no_follow_up():
    guess = read(IntentModel(labelled() + labelled_follow_ups()), "exit code?", None)
    assert guess is None or not guess.intent.startswith(FOLLOW_UP)
    after = guess_intent("exit code?", "why_failing")
    assert after is not None and after.intent == "property"


@pytest.mark.parametrize(("text", "pattern_form", "form"), [
    ("when did it start", "job_ran", "onset"),  # "did <it> start": the pattern placed no name; the classifier is sure
    ("did the backup job start", "job_ran", "job_ran"),  # a name placed: the pattern's reading stands
    ("restart it", "write_request", "write_request"),  # a request to act is never overruled
])
def test_a_pattern_that_placed_no_name_is_overruled_only_by_a_sure_classifier(text, pattern_form, form):
    recognised = recognise(text)
    assert recognised.form == pattern_form
    assert overruled(recognised, text).form == form


@pytest.mark.parametrize(("question", "form"), [
    ("what else breaks when the cache is down", "impact"),  # the listing's pattern matches; the relation is asked
    ("anything else running on that node", "node_pods"),
    ("anything broken?", "broken_now"),  # the listing itself
    ("whats wrong w it", "broken_now"),  # no relation guessed: the pattern's reading stands
])
def test_a_relation_of_the_problem_discussed_is_not_read_as_the_cluster_listing(question, form):
    from sre_agent.chat.understand.intent_model import overruled
    assert overruled(recognise(question), question).form == form


def test_the_sessions_background_learning_and_a_first_question_share_one_model(monkeypatch):
    """The session starts learning in a thread when it opens; a question asked before that is done waits for the same
    learning instead of starting its own."""
    from sre_agent.chat.understand import intent_model

    learnt: list[IntentModel] = []

    class Counted(IntentModel):
        def __init__(self, examples):
            learnt.append(self)
            super().__init__(list(examples)[:300])  # a few hundred phrasings: the sharing is the point, not the model

    monkeypatch.setattr(intent_model, "IntentModel", Counted)
    intent_model._learned.cache_clear()
    try:
        got: list[IntentModel] = []
        threads = [threading.Thread(target=lambda: got.append(intent_model.model())) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(learnt) == 1 and len(got) == 4 and all(model is learnt[0] for model in got)
    finally:
        intent_model._learned.cache_clear()  # the next test learns the whole data again
