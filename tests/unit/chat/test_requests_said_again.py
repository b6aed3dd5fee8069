"""A request to act in a shape the change forms do not read -- kubectl's write commands, a kind's noun before the name,
"undo", a clause that says why -- is said again in the one they do; a question that is no request is left alone."""

import pytest

from sre_agent.chat.understand.forms import recognise
from sre_agent.chat.understand.requests import as_request, read_as_request


@pytest.mark.parametrize("said, rewritten, form, subject", [
    ("kubectl scale deploy/feature-store -n personalisation --replicas=2", "scale feature-store to 2", "write_request",
     "feature-store"),
    ("k rollout undo sts/ledger-db --to-revision=3", "roll back ledger-db to revision 3", "rollback_request", "ledger-db"),
    # kubectl's -n before its verb
    ("k -n gates patch hpa entry-gate -p '{\"spec\":{\"maxReplicas\":14}}'", "set the entry-gate hpa max to 14",
     "node_or_pod_write", "entry-gate"),
    ("kubectl rollout restart deployment orders-api", "restart orders-api", "write_request", "orders-api"),
    ("kubectl delete job nightly-export-123 -n batch", "delete nightly-export-123 job", "node_or_pod_write",
     "nightly-export-123"),
    ("scale statefulset queue-broker to 3 replicas so it survives the drain", "scale queue-broker to 3 replicas",
     "write_request", "queue-broker"),
    ("undo deployment ticket-api in box-office to revision 1", "roll back ticket-api to revision 1", "rollback_request",
     "ticket-api"),
    ("undo the ingest-worker rollout to 2.14.1", "roll back ingest-worker to 2.14.1", "rollback_request", "ingest-worker"),
    ("roll back route-api 7.3.3, it probably slowed the db writes", "roll back route-api 7.3.3", "rollback_request",
     "route-api"),
    # an autoscaler's bound and a Service's selector said as kubectl's patch
    ("patch hpa snow-report in mountain to maxReplicas 10", "set the snow-report hpa max to 10", "node_or_pod_write",
     "snow-report"),
    # both bounds said: both kept (ashgrove: "patch hpa quiz-api minReplicas 2 maxReplicas 12" had pinned the max alone)
    ("patch hpa quiz-api minReplicas 2 maxReplicas 12", "set the quiz-api hpa to min 2 max 12", "node_or_pod_write",
     "quiz-api"),
    ("set max back to 10", "set the hpa max to 10", "node_or_pod_write", None),  # the conversation's autoscaler
    ("patch svc payment-gateway in billing so its selector has app.kubernetes.io/component=gateway",
     "patch svc payment-gateway selector to app.kubernetes.io/component=gateway", "node_or_pod_write", "payment-gateway"),
])
def test_a_request_is_said_again_as_the_forms_read_it(said, rewritten, form, subject):
    assert as_request(said) == rewritten
    read = read_as_request(said, recognise(said))
    assert read is not None and read[0] == rewritten and read[1].form == form and read[1].subject == subject


@pytest.mark.parametrize("question", ["what is scale", "roll it back", "why did the rollout undo itself",
                                      "restart orders-api"])  # no request, or one the forms read already
def test_what_is_no_unread_request_is_left_alone(question):
    assert read_as_request(question, recognise(question)) is None


@pytest.mark.parametrize("said, rewritten", [
    ("READ_BATCH_SIZE went to 4000, revert it to 5000", "set READ_BATCH_SIZE to 5000"),
    ("HOLD_TTL_SECONDS went to 480 right before this, put it back to 420", "set HOLD_TTL_SECONDS to 420"),
    ("the cache misses are the real problem, bump CACHE_ENTRIES to 5000", "set CACHE_ENTRIES to 5000"),
    ("MAP_STYLE changed to storm-blue earlier, revert that", "revert MAP_STYLE"),  # "changed to" is what it is now
    ("someone switched SHOW_BANNER off right before this, turn it back on", "revert SHOW_BANNER"),
    ("revert OUTPUT_PRESETS to drop the 2160p preset", "revert OUTPUT_PRESETS"),  # "to drop": a purpose, not a value
    ("patch rfid-config so KAFKA_BOOTSTRAP is kafka-bootstrap.streaming:9092", "set KAFKA_BOOTSTRAP to kafka-bootstrap.streaming:9092"),
    # a value is the whole token said: a URL with its user, port and query, never cut at the "@"
    ("set DB_URL to postgres://app@db.inv.svc.cluster.local:5432/inv?sslmode=off and roll it",
     "set DB_URL to postgres://app@db.inv.svc.cluster.local:5432/inv?sslmode=off"),
    ("READ_BATCH_SIZE went to 4000, revert it to 5000.", "set READ_BATCH_SIZE to 5000"),  # a sentence's full stop is not
    ("whats READ_BATCH_SIZE now", None),  # a question about a key, no change
    ("set A_B and C_D to 1", None),  # two keys: not one change
])
def test_a_change_of_one_key_said_around_it_is_set_or_revert(said, rewritten):
    from sre_agent.chat.understand.requests import key_request
    assert key_request(said) == rewritten


def test_a_restart_asked_beside_a_key_change_is_kept():
    from sre_agent.chat.understand.requests import as_request
    assert as_request("set ENGINE_TIMEOUT_MS back to 5000 and restart journey planner") == \
        "set ENGINE_TIMEOUT_MS to 5000 and restart journey planner"
