"""A change request that waited for its subject ("roll it back" -> which one?) completed by a turn that only names it
(and maybe the value): the request's form with the fragment's subject, namespace and kind, the words of both."""

from __future__ import annotations

import pytest

from sre_agent.chat.act.plans import quantity_asked
from sre_agent.chat.understand.followups import completed_request

WAITING = {"status": "needs_subject", "form": "rollback_request", "question": "roll it back"}


@pytest.mark.parametrize("fragment, subject, namespace, kind", [
    ("the account-api deployment in customer", "account-api", "customer", "Deployment"),
    ("qm-ingest-1", "qm-ingest-1", None, "Deployment"),
    ("the billing-api service in customer, drop the component key", "billing-api", "customer", "Service"),
])
def test_a_fragment_names_the_subject_the_request_waited_for(fragment, subject, namespace, kind):
    completed = completed_request(fragment, WAITING)
    assert completed is not None
    words, recognised = completed
    assert words == f"roll it back -- {fragment}"
    assert (recognised.form, recognised.subject, recognised.namespace) == ("rollback_request", subject, namespace)
    assert recognised.kind_hint == kind and not recognised.refers_back


@pytest.mark.parametrize("fragment, last", [
    ("what is the account-api doing", WAITING),  # a question of its own
    ("the account-api deployment", {**WAITING, "status": "approval_required"}),  # nothing was waiting
    ("the account-api deployment", {**WAITING, "form": "status"}),  # a question waited, not a change
    ("in customer", WAITING),  # no name in it
    ("summarize for the incident channel", WAITING),  # a request of its own, whatever words it carries
    ("get pods -n customer", WAITING),  # a kubectl command
])
def test_only_a_bare_naming_turn_completes_a_waiting_change(fragment, last):
    assert completed_request(fragment, last) is None


@pytest.mark.parametrize("words, resource, value", [
    ("bump the memory limit -- on network-graph, make it 3Gi", "memory", "3Gi"),
    ("raise the cpu limit -- billing-api in customer, limit 1 cpu", "cpu", "1"),
    ("raise the cpu limit to 2 cores", "cpu", "2"),
    ("raise the cpu limit", "cpu", None),
])
def test_the_value_is_read_from_the_completed_words(words, resource, value):
    assert quantity_asked(words, resource) == value


@pytest.mark.parametrize("value, current, image", [
    ("quillmoor/leakage-report:2.4.1", "4829.dkr.ecr.eu-west-1.amazonaws.com/quilmoor/leakage-report:2.4.1",
     "4829.dkr.ecr.eu-west-1.amazonaws.com/quillmoor/leakage-report:2.4.1"),  # a path under the registry in use
    ("ghcr.io/acme/app:2", "4829.dkr.ecr.eu-west-1.amazonaws.com/acme/app:1", "ghcr.io/acme/app:2"),  # names its host
    ("localhost/app:2", "ghcr.io/acme/app:1", "localhost/app:2"),
    ("acme/app:2", "acme/app:1", "acme/app:2"),  # Docker Hub in use: nothing to add
    ("app:2", "ghcr.io/acme/app:1", "app:2"),
])
def test_an_image_named_without_its_registry_keeps_the_registry_in_use(value, current, image):
    from sre_agent.chat.act.plans import _with_registry
    assert _with_registry(value, current) == image
