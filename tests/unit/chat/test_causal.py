"""Causal yes/no questions: recognised as such (not as a status or rollback question), the thing they name
read out of them, and a named change matched to the revision that made it."""

from __future__ import annotations

import pytest

from sre_agent.chat.answer.causal import _alike, _mentions, _object_verdict, short_images
from sre_agent.chat.answer.fault_kinds import category_verdict
from sre_agent.chat.understand.blamed import blamed_thing
from sre_agent.chat.understand.forms import recognise
from sre_agent.chat.understand.intent_model import guess_intent

# (question, form, the thing blamed)
BLAME = [
    ("is the sampling change to blame", "sampling change"),
    ("was the TTL change the root cause?", "TTL change"),
    ("did the 4.3.0 release cause this?", "4.3.0 release"),
    ("could it be the node?", "node"),
    ("is it because of the config change?", "config change"),
    ("so is legality-engine responsible", "legality-engine"),
    ("did the last rollout break it", "last rollout"),
    ("was it 5.1.0?", "5.1.0"),
    ("could meter-registry be the cause?", "meter-registry"),
    ("might the node be the problem", "node"),
    ("is tariff-engine the problem?", "tariff-engine"),
    ("is the cache the real issue", "cache"),
    ("heatmap-renderer is crashlooping too, is it related?", "heatmap-renderer"),
    # a question after a sentence that tells what happened asks in its last clause
    ("we scaled donor-profile from 2 to 3 half an hour ago. is the scale-up the culprit?", "scale-up"),
    ("status-board got a new version and a config change today, is the status-board rollout the culprit?",
     "status-board rollout"),
    # "that" is what the clause before it tells of
    ("order-gateway was restarted after a config change this morning. is that the culprit?",
     "order-gateway was restarted after a config change this morning"),
]


@pytest.mark.parametrize("question, thing", BLAME)
def test_blame_questions_are_recognised_and_their_thing_read(question, thing):
    assert recognise(question).form == "blame"
    assert blamed_thing(question) == thing


@pytest.mark.parametrize("question, subject", [
    ("is invoice-api affected", "invoice-api"),
    ("is boarding-pass also impacted?", "boarding-pass"),
    ("does this affect checkout", "checkout"),
])
def test_affected_questions_name_their_workload(question, subject):
    got = recognise(question)
    assert (got.form, got.subject) == ("affected", subject)


@pytest.mark.parametrize("question, form", [
    ("is it safe to roll back checkout?", "rollback_safe"),
    ("is checkout healthy?", "status"),
    ("why is checkout failing?", "why_failing"),
])
def test_other_forms_are_not_taken_for_blame(question, form):
    assert recognise(question).form == form


@pytest.mark.parametrize("word, part, alike", [
    ("sampling", "sampler", True), ("ttl", "ttl", True), ("cache", "cache", True),
    ("roster", "rotation", False), ("node", "notam", False), ("config", "configmap", True),
])
def test_words_name_the_parts_of_an_env_var_by_stem(word, part, alike):
    assert _alike(word, part) is alike


def test_a_named_change_is_found_in_a_revisions_diff_but_generic_change_words_are_not():
    line = "container ingest: env OTEL_TRACES_SAMPLER_ARG changed"
    assert _mentions(["sampling", "change"], line)
    assert not _mentions(["the", "change", "release"], line)


def test_images_are_said_by_their_last_path_part_and_tag():
    registry = "3188.dkr.ecr.eu-north-1.amazonaws.com/larkspur"
    text = f"image {registry}/reading-ingest:5.1.0 -> {registry}/reading-ingest:5.2.0"
    assert short_images(text) == "image reading-ingest:5.1.0 -> reading-ingest:5.2.0"


def test_a_named_change_or_version_picks_the_revision_that_made_it():
    from sre_agent.chat.answer.causal import RevisionChange, _named_revisions
    culprit = "metering/Deployment/reading-ingest"
    changes = [RevisionChange(1, False, [], ["r/reading-ingest:5.1.0"]),
               RevisionChange(2, False, ["container ingest: image r/reading-ingest:5.1.0 -> r/reading-ingest:5.2.0"],
                              ["r/reading-ingest:5.2.0"]),
               RevisionChange(3, True, ["container ingest: env OTEL_TRACES_SAMPLER_ARG changed"], ["r/reading-ingest:5.2.0"])]
    assert _named_revisions("5.2.0 release", culprit, changes) == [2]  # brought in by 2, still run by 3
    assert _named_revisions("5.1.0", culprit, changes) == [1]
    assert _named_revisions("sampling change", culprit, changes) == [3]
    assert _named_revisions("config change", culprit, changes) == [3]
    assert _named_revisions("last rollout", culprit, changes) == [3]
    assert _named_revisions("reading-ingest", culprit, changes) == []  # its own name picks out no revision


@pytest.mark.parametrize(("thing", "culprit", "yes"), [
    ("coldchain-ingest config change", "logistics/PersistentVolumeClaim/storage-coldchain-tsdb-0", False),  # one shared word
    ("donor-web restart", "donors/Job/donor-export-sar-2291", False),
    ("ride-ledger", "lifts/PersistentVolumeClaim/segments-ride-ledger-0", True),  # the name whole, inside the claim's
    ("route-planner", "logistics/Deployment/route-planner", True),
    ("the node", "Node/ip-10-0-1-10", True),  # by kind
])
def test_a_name_typed_whole_names_the_root_cause_only_whole(thing, culprit, yes):
    verdict = _object_verdict(thing, {"category": "volume_full", "resource": culprit})
    assert (verdict is not None and verdict.startswith("Yes")) is yes


@pytest.mark.parametrize("question, thing", [
    ("its a memory leak in the scanner code isnt it", "memory leak in the scanner code"),
    ("must be dns", "dns"),
    ("sounds like oom to me", "oom"),
    ("it's the image isnt it", "image"),
])
def test_a_kind_of_fault_claimed_is_read_as_a_guess_to_check(question, thing):
    assert recognise(question).form == "blame"
    assert blamed_thing(question) == thing


@pytest.mark.parametrize("thing, category, starts", [
    ("the image", "oom_killed", "No: the fault is oom_killed"),
    ("oom", "oom_killed", "The fault is of that kind"),
])
def test_a_kind_claimed_is_weighed_against_the_kind_found(thing, category, starts):
    verdict = category_verdict(thing, {"category": category, "resource": "ops/Deployment/scanner"})
    assert verdict is not None and verdict.startswith(starts), verdict


def test_a_thing_said_before_the_word_that_asks_is_the_thing():
    assert blamed_thing("Is the volume expansion from earlier related?") == "volume expansion from earlier"
    assert blamed_thing("are the two cache pods involved") == "two cache pods"


def test_a_whole_question_is_never_echoed_as_the_kind_claimed():
    verdict = category_verdict("Is the volume expansion from earlier related to it?", {"category": "oom_killed",
                                                                                         "resource": "a/StatefulSet/db"})
    assert verdict == "No: the fault is oom_killed at a/StatefulSet/db, not the kind the question names"


@pytest.mark.parametrize("thing, category, starts", [
    ("a wrong tag or an auth problem", "image_pull_auth", "It is the auth problem one"),
    ("a wrong tag or an auth problem", "bad_image", "It is the wrong tag one"),
    ("a wrong tag or an auth problem", "oom_killed", "Neither: the fault is oom_killed"),
])
def test_of_two_kinds_offered_the_one_found_is_named(thing, category, starts):
    verdict = category_verdict(thing, {"category": category, "resource": "wards/Deployment/paging"})
    assert verdict is not None and verdict.startswith(starts), verdict


def test_a_choice_of_two_kinds_is_read_as_one_question():
    question = "is this a wrong tag or an auth problem"
    assert recognise(question).form == "blame"
    assert blamed_thing(question) == "wrong tag or an auth problem"


@pytest.mark.parametrize("question, thing", [
    # the thing pointed at, less who did it -- never the question echoed as a name
    ("is it the logo change they did", "logo change"),
    ("was it that timeout tweak ops pushed", "timeout tweak"),
    ("is it the cpu thing on billing-api", "cpu thing on billing-api"),
    ("is it the tag or the auth", "tag or the auth"),  # the kinds offered, both
])
def test_a_thing_pointed_at_is_read_without_who_did_it(question, thing):
    assert blamed_thing(question) == thing


@pytest.mark.parametrize("question, thing", [
    # pushback: the asker's theory, less the frame it is offered in -- never the question echoed as a name
    ("isnt it just the promo traffic", "promo traffic"),
    ("surely its just the weekend spike", "weekend spike"),
    ("couldn't it just be the nightly backup", "nightly backup"),
    ("any errors or is it just busy", "busy"),
    ("the app team says it's the database, true?", "database"),
    ("support thinks the new release broke it, is that right", "new release broke it"),
    # a time says when, never what: "from this morning" is not the thing
    ("is it the logo change from this morning", "logo change from this morning"),
    ("is it the 4.7.0 deploy from thursday", "4.7.0 deploy from thursday"),
    # the theory before its tag question, never the question echoed
    ("someone bumped the session ttl, thats it right", "bumped the session ttl"),
])
def test_a_theory_offered_as_the_obvious_answer_is_read_as_the_thing_blamed(question, thing):
    assert blamed_thing(question) == thing
    assert guess_intent(question) is not None and guess_intent(question).intent == "blame"


def test_a_blame_said_of_a_settings_word_is_not_a_setting_lookup():
    from sre_agent.chat.understand.intent_model import guess_intent
    guess = guess_intent("is it the banner change they did", None)
    # sure enough of another intent that the fallback's setting-in-words lookup (BANNER_TEXT) gives way (answer/meta.py)
    assert guess is not None and guess.intent == "blame" and guess.confidence >= 0.9


@pytest.mark.parametrize(("verdict", "first"), [
    ("Yes: the release of 5.1.5 brought it", "ch/Deployment/gw"),
    ("No: the root cause is ch/Deployment/gw (cpu_throttling); 'session-service' is not it", "ch/Deployment/gw"),
    ("No: no fault was found on s/Deployment/sess, so nothing to blame on 'it'", "s/Deployment/sess"),
])
def test_it_after_a_verdict_is_the_root_it_names_else_what_was_asked_about(verdict, first):
    from sre_agent.chat.answer.causal import next_subjects
    assert next_subjects(verdict, "ch/Deployment/gw", "s/Deployment/sess", "s/Deployment/sess")[0] == first
