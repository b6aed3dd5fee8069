"""What an object records of its own last change: the notes people left (annotations Kubernetes' controllers did not
write), who wrote it last, what a ConfigMap holds -- a table over objects as the describe tool returns them."""

import pytest

from sre_agent.chat.answer.notes import peoples_notes
from sre_agent.chat.answer.records import _state_named, held_values, last_writes


def meta(**annotations):
    return {"metadata": {"annotations": annotations}}


@pytest.mark.parametrize("obj, prose_only, expected", [
    (meta(**{"kubernetes.io/change-cause": "decommission: scaled to 0 (CHG-1)"}), True,
     ["note kubernetes.io/change-cause: decommission: scaled to 0 (CHG-1)"]),  # the key Kubernetes keeps for people
    (meta(**{"deployment.kubernetes.io/revision": "3", "kubectl.kubernetes.io/restartedAt": "2026-01-01T00:00:00Z"}),
     False, []),  # what controllers and kubectl write for themselves
    (meta(**{"acme.io/change-ticket": "CHG-48213"}), True, ["note acme.io/change-ticket: CHG-48213"]),  # a ticket id
    (meta(**{"prometheus.io/scrape": "true", "prometheus.io/port": "9102"}), True, []),  # a scraper's settings
    (meta(**{"prometheus.io/scrape": "true"}), False, ["note prometheus.io/scrape: true"]),  # but still a note
    (meta(**{"acme.io/requested-by": "t.nguyen: re-import after the upload"}), True,
     ["note acme.io/requested-by: t.nguyen: re-import after the upload"]),
    ({"metadata": {}}, False, []),
])
def test_peoples_notes(obj, prose_only, expected):
    assert peoples_notes(obj, prose_only=prose_only) == expected


def test_last_writes_newest_first_else_the_creation():
    obj = {"metadata": {"creationTimestamp": "2026-11-25T10:00:00Z", "managedFields": [
        {"manager": "kubectl", "operation": "Update", "time": "2026-11-25T11:00:00Z"},
        {"manager": "helm", "operation": "Apply", "time": "2026-11-25T12:30:00Z"}]}}
    assert last_writes(obj) == ["last written by helm (Apply) at 2026-11-25T12:30:00Z",
                                "last written by kubectl (Update) at 2026-11-25T11:00:00Z"]
    assert last_writes({"metadata": {"creationTimestamp": "2026-11-25T10:00:00Z"}}) == [
        "created 2026-11-25T10:00:00Z, no later write recorded"]


def test_a_configmap_shows_its_values_a_secret_only_its_key_names():
    assert held_values("ConfigMap", {"data": {"B": "2", "A": "1"}}) == ["A=1", "B=2"]
    shown = held_values("Secret", {"data": {"password": "c2VjcmV0"}})
    assert shown == ["keys password (names only: a Secret's values are never shown)"] and "c2VjcmV0" not in shown[0]
    assert held_values("Deployment", {"spec": {}}) == []


@pytest.mark.parametrize("question, shown_by", [
    ("who cordoned it and why", {"spec": {"unschedulable": True}}),
    ("who scaled it down", {"spec": {"replicas": 0}}),
    ("why is it at 0 replicas", {"spec": {"replicas": 0}}),
    ("who paused it", {"spec": {"suspend": True}}),
])
def test_a_verb_names_the_state_that_picks_which_object_it_means(question, shown_by):
    fits = _state_named(question)
    assert fits is not None and fits(shown_by) and not fits({"spec": {}})


def test_a_question_with_no_state_verb_picks_nothing():
    assert _state_named("was that on purpose") is None
