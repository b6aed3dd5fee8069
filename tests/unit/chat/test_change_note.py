"""Who shipped a rollout: the revision's change-cause, else the change record people wrote on the workload itself (a
ticket in an annotation of theirs) -- never a machine's annotation, never a note that records no change."""

from __future__ import annotations

import pytest

from sre_agent.chat.answer.notes import change_note


@pytest.mark.parametrize("annotations, said", [
    ({"acme.io/change": "REL-5.3 booking-api 5.3.0: group bookings", "acme.io/owner": "s.lindqvist"},
     "; change record acme.io/change: REL-5.3 booking-api 5.3.0: group bookings (s.lindqvist)"),
    ({"deployment.kubernetes.io/revision": "2", "kubectl.kubernetes.io/last-applied-configuration": "{}"}, ""),
    ({"acme.io/team": "payments"}, ""),  # who owns it is no change record
    ({"kubernetes.io/change-cause": "kubectl set image ..."}, ""),  # the revision's own column says that one
])
def test_the_change_record_on_the_object_is_said_when_the_revision_has_none(annotations, said):
    assert change_note("shop/Deployment/api", {"annotations": annotations}) == said
