"""Question forms as an SRE types them: which form, which subject (or a pronoun pointing back into
the conversation), which window and namespace. The phrasings here are written from how on-call
engineers ask, not from the patterns."""

import pytest

from sre_agent.chat.understand.forms import DEFAULT_WINDOW_S, catalog, parse_window, recognise

# (question, form, subject, refers_back)
CASES = [
    ("what's broken right now?", "broken_now", None, False),
    # change requests opened by "or", "actually", "just" (a second thought after a proposal), and edits no tool makes
    ("or scale position-ingest down to 2", "write_request", "position-ingest", False),
    # set 13's phrasings: thresholds, HPAs, nodes, blast radius, a setting's source
    ("whats the threshold on it", "alarms", None, False),
    ("what are the hpas doing", "list_kind", None, False),
    ("all nodes ready?", "list_kind", None, False),
    ("show me the hpa for gtfs-publisher", "status", "gtfs-publisher", False),
    ("who is hurt by the broker beign down", "dependents", "broker", False),
    ("how far up does this go", "dependents", None, True),
    ("how does the publisher get its db url", "config_source", "publisher", False),
    ("where does it get its creds from", "config_refs", None, True),
    ("partner-feed-api had restarts a couple hours ago, whats the story", "history", "partner-feed-api", False),
    ("fleet has a failing cronjob too, related?", "broken_now", None, False),
    ("does the build read any secrets", "config_refs", "build", False),
    ("whats the gtfs-publisher service's targetPort", "status", "gtfs-publisher", False),
    ("what does the rider-accounts service select on", "status", "rider-accounts", False),
    ("which version last succeeded", "version", None, True),
    ("fleet-db storage", "status", "fleet-db", False),
    ("whats the exact pull error", "events", None, True),
    ("gateway p99 alarm is firing, whats slow", "alarm_why", None, False),
    ("actually just roll rider-accounts back", "rollback_request", "rider-accounts", False),
    ("2.4.1 shipped just before, roll fare quotes back to 2.4.0", "rollback_request", "fare-quotes", False),
    ("roll back fare-quotes too while youre at it", "rollback_request", "fare-quotes", False),
    ("or just set its cpu limit to 1500m", "write_request", None, True),
    ("add ticket-signing-key back into wallet-keys", "node_or_pod_write", "wallet-keys", False),
    ("or point WALLET_SIGNING_KEY at ticket-signing-key-2026q1 instead", "node_or_pod_write", None, True),
    ("raise riders-pods to 30 pods", "node_or_pod_write", "riders-pods", False),
    ("add an hpa to gtfs-publisher, min 2 max 6", "node_or_pod_write", "gtfs-publisher", False),
    # a run started by hand: a CronJob's new run, a Job's copy
    ("make a run from cronjob/ledger-close", "node_or_pod_write", "ledger-close", False),
    ("ok recreate the settlement-batch job", "node_or_pod_write", "settlement-batch", False),
    ("just create that job again", "node_or_pod_write", None, True),
    ("run it now", "node_or_pod_write", None, True),
    # set 12's phrasings (2026-11-24): a rollback as a question, revisions, writes with no name, related faults, runs
    ("would a rollback of grading-engine fix it", "rollback_would_help", "grading-engine", False),
    ("would rolling back subscription-svc also fix it", "rollback_would_help", "subscription-svc", False),
    ("would a rollback help", "rollback_would_help", None, True),
    ("and what was it before that", "version", None, True),
    ("what was revision 1", "history", None, True),
    ("what was the bad version", "version", None, True),
    ("fix the configmap", "node_or_pod_write", None, True),
    ("scale it down", "node_or_pod_write", None, True),
    ("suspend the subscription-renewals cronjob", "write_request", "subscription-renewals", False),
    ("patch the service selector to app=subscriptions", "node_or_pod_write", None, True),
    ("roll back subscription-svc then", "rollback_request", "subscription-svc", False),
    ("streak-reminders is failing too, same cause?", "blame", None, False),
    ("the streak-reminders failures, related?", "blame", None, False),
    ("are the subscription renewals runs succeeding", "job_ran", "subscription-renewals", False),
    ("what status do the runs it kept have", "job_ran", None, True),
    ("did any of its pods fail or retry", "pod_problems", None, False),
    ("what keys does renewals-psp-key have", "config_keys", "renewals-psp-key", False),
    ("whats in billing-psp", "config_keys", "billing-psp", False),
    ("is the quality-measures-export failure the same problem", "blame", None, False),
    ("which node group runs the coverage pods", "placement", "coverage", False),
    ("which node group do the import pods run on", "placement", "import", False),
    ("what node groups do we have", "list_kind", None, False),
    ("where did it run", "placement", None, True),
    ("how many are running vs wanted", "status", None, True),
    ("how many slot-engine pods are running vs how many it normaly has", "status", "slot-engine", False),
    ("would just restarting the pods fix it", "restart_would_help", None, False),
    ("if i just delete all the node-agent pods will they come back fine", "restart_would_help", "node-agent", False),
    ("which daemonsets are short a pod", "list_kind", None, False),
    ("are the daemonsets all up", "list_kind", None, False),
    ("are all deployments available in riders", "list_kind", None, False),
    ("is every statefulset ready", "list_kind", None, False),
    ("show me cronjobs", "list_kind", None, False),
    ("list the daemonsets", "list_kind", None, False),
    ("is gtfs-static-build suspended", "status", "gtfs-static-build", False),
    ("is it suspended", "status", None, True),
    ("how much cpu headroom is left in booking-compute", "status", "booking-compute", False),
    ("did the results-import cronjob runs go ok", "job_ran", "results-import", False),
    ("where does it get its creds from", "config_refs", None, True),
    ("whats the previous tag and was it good", "rollback_safe", None, True),
    ("compare its cpu now vs the previous revision", "version", None, True),
    ("roll the daemonset back", "rollback_request", "daemonset", False),  # the kind noun: resolve takes the focus's
    ("is anything down?", "broken_now", None, False),
    ("is everything ok in namespace shop?", "broken_now", None, False),
    ("any problems?", "broken_now", None, False),
    ("whats erroring in metering", "broken_now", None, False),
    ("any failed jobs", "list_kind", None, False),
    ("any restarts in billing", "pod_problems", None, False),
    ("show me the last few carrier-manifest-push runs", "history", "carrier-manifest-push", False),
    ("remove the taint", "node_or_pod_write", None, True),
    ("patch the service port", "node_or_pod_write", None, True),
    ("are any alarms firing?", "alarms", None, False),
    ("what's alerting", "alarms", None, False),
    ("any pods crashlooping?", "pod_problems", None, False),
    ("are there pods stuck in pending", "pod_problems", None, False),
    ("what changed in the last hour?", "changes", None, False),
    ("was there a deploy recently", "changes", None, False),
    ("who deployed something", "changes", None, False),
    ("why is checkout failing?", "why_failing", "checkout", False),
    ("Why is report-renderer running out of memory?", "why_failing", "report-renderer", False),  # not "is it running"
    ("is checkout running", "status", "checkout", False),
    ("so what should we do about it", "fix_it", None, True),
    ("how do i fix it?", "fix_it", None, True),
    ("next steps", "fix_it", None, True),
    ("how do we fix checkout", "fix_it", "checkout", False),
    ("what's wrong with payments", "why_failing", "payments", False),
    ("why are orders erroring", "why_failing", "orders", False),
    ("show me its logs", "logs", None, True),
    ("show me the logs for the checkout service", "logs", "checkout", False),
    ("checkout's logs", "logs", "checkout", False),
    ("events for catalog", "events", "catalog", False),
    ("and its events?", "events", None, True),
    ("what does checkout depend on?", "dependencies", "checkout", False),
    ("and its dependencies?", "dependencies", None, True),
    ("what depends on ledger?", "dependents", "ledger", False),
    ("what's the blast radius of ledger", "dependents", "ledger", False),
    ("walk me down teh call chain from the gateway to whatever is actually broken", "call_path", "gateway", False),
    ("whats the path from the gateway to it", "call_path", "gateway", False),
    ("walk me through its call chain", "call_path", None, True),
    ("and before that rollout what did it point at", "version", None, True),
    ("is it safe to roll back?", "rollback_safe", None, True),
    ("is it safe to roll back checkout?", "rollback_safe", "checkout", False),
    ("should we roll back checkout", "rollback_safe", "checkout", False),
    ("is it safe to roll it back?", "rollback_safe", None, True),
    ("can we roll checkout back", "rollback_safe", "checkout", False),
    ("roll it back", "rollback_request", None, True),
    ("roll back checkout", "rollback_request", "checkout", False),
    ("rollback", "rollback_request", None, True),
    ("which runbook applies?", "runbook", None, False),
    ("is payments healthy?", "status", "payments", False),
    ("how is search doing?", "status", "search", False),
    ("status of grafana", "status", "grafana", False),
    ("is the catalog service healthy?", "status", "catalog", False),
    ("which key cant it find", "why_failing", None, True),
    ("compare ip-10-42-100-9 and ip-10-42-11-23", "compare", None, False),
    ("seat-map vs boarding-pass", "compare", None, False),
    ("where would undoing the weather-feed rollout land", "rollback_safe", "weather-feed", False),
    ("was that revision any good?", "rollback_safe", None, True),
    ("what does acars-decoder write to", "dependencies", "acars-decoder", False),
    ("who reads or writes position-store", "dependents", "position-store", False),
    ("will the job retry by itself once the secret is fixed?", "job_retries", None, True),
    ("will meter-export-retail retry", "job_retries", "meter-export-retail", False),
    ("is the leakage-report cronjob still completing", "status", "leakage-report", False),
    ("why are two lora-bridge pods stuck pending", "why_failing", "lora-bridge", False),  # a count is not a name
    ("what image and args does meter-export-retail run", "version", "meter-export-retail", False),
    ("what runs in there", "list_kind", None, False),
    ("remove that hpa", "node_or_pod_write", None, True),
    ("delete the portal-web-canary hpa", "node_or_pod_write", "portal-web-canary", False),
    ("what was hitting it at the time", "changes", None, False),
    ("what else was running around that time", "changes", None, False),
    ("what does the pull error actually say", "events", None, True),
    ("who owns that pod, is there a deployment", "owner", None, True),
    ("who owns redis-cli-debug", "owner", "redis-cli-debug", False),
    ("which ones are cordoned", "list_kind", None, False),
    ("whats VALIDATION_MODE", "config_value", None, False),
    ("PLC_GATEWAY_HOSTS?", "config_value", None, False),
    ("whats the MODBUS_GATEWAY env on pump-station-api", "config_value", None, False),
    ("what LOG_LEVEL is rental-api running with right now", "config_value", None, False),
    ("whats alarming", "alarms", None, False),
    ("what happened around then", "changes", None, False),
    ("what happened then, anything run against it", "changes", None, False),  # not a comparison
    ("is there anything to fix here", "fix_it", None, True),
    ("are all the gate-readers up", "status", "gate-readers", False),
    ("whats the exact error on the pod", "events", None, True),
    ("whats still running on it", "node_pods", None, True),
    ("is alert-relay healthy", "status", "alert-relay", False),  # a name with 'alert' in it, not the alarms
    ("when did the climb start, was there a release around then", "changes", None, False),
    ("did the nightly export run", "job_ran", "export", False),
    ("roll back to the good version", "rollback_request", None, True),
    ("who owns it", "owner", None, True),
    ("any pending stuff in the cluster", "broken_now", None, False),
    ("what's the difference between revision 2 and 3", "history", None, True),
    ("and revision 1", "history", None, True),
    ("and the daemonsets?", "list_kind", None, False),
    # a Service's Endpoints, never an env var named *_ENDPOINT
    ("What endpoints does the payment-gateway Service have?", "property", "payment-gateway", False),
    ("show the endpoints for svc ledger", "property", "ledger", False),
    ("What does holds-api-config set DB_POOL_SIZE to?", "config_value", None, False),
    ("which fines-batch image does the job run now", "version", "job", False),
    ("help", "help", None, False),
    ("/help", "help", None, False),
    ("tell me a joke about kubernetes", "unrecognised", None, False),
    ("quit", "unrecognised", None, False),
]


@pytest.mark.parametrize("question, form, subject, refers_back", CASES)
def test_forms_are_recognised(question, form, subject, refers_back):
    got = recognise(question)
    assert (got.form, got.subject, got.refers_back) == (form, subject, refers_back)


@pytest.mark.parametrize("question, seconds", [
    ("what changed in the last hour?", 3600), ("what changed in the last 2 hours", 7200),
    ("anything deployed in the past 30 minutes", 1800), ("changes in the last 15m", 900),
    ("what changed today", 86400), ("what changed in the last 3 days", 3 * 86400),
    ("what changed", DEFAULT_WINDOW_S), ("what changed in the last 90 weeks", 7 * 86400),
    ("what changed over the last three hours", 3 * 3600), ("anything deployed in the past couple of hours", 7200),
    ("what changed in frontdesk overnight", 12 * 3600), ("what changed since this morning", 6 * 3600),
])
def test_the_window_comes_from_the_question(question, seconds):
    assert parse_window(question) == seconds


def test_a_namespace_named_in_the_question_scopes_it():
    assert recognise("what's broken in namespace payments?").namespace == "payments"
    assert recognise("what changed in the shop namespace").namespace == "shop"
    assert recognise("what changed").namespace is None


def test_every_form_has_a_handler_and_every_pattern_compiles():
    from sre_agent.chat.ask import HANDLERS
    from sre_agent.chat.conversation.graph import build_chat_graph  # noqa: F401  (registers the handlers)

    forms = {spec.id for spec in catalog().forms}
    assert forms | {"unrecognised"} <= set(HANDLERS)


def test_a_kind_word_after_the_name_says_which_object():
    assert recognise("is the catalog service healthy?").kind_hint == "Service"
    assert recognise("is catalog healthy?").kind_hint is None
    assert recognise("roll back checkout").kind_hint == "Deployment"


def test_every_help_example_is_recognised_as_the_form_it_shows():
    from sre_agent.chat.answer.plain_forms import EXAMPLES
    for form, text in EXAMPLES:
        for example in text.split("   (")[0].split("   /   "):
            assert recognise(example).form == form, (form, example)


@pytest.mark.parametrize(("question", "subject"), [
    ("patch hl7-config AMQP_URL to amqp://broker.messaging.svc:5672/hl7 and rollout restart hl7", "hl7-config"),
    ("set billing-config POOL_SIZE to 40", "billing-config"),
    ("update the orders-secret DB_USER to orders_app", "orders-secret"),
])
def test_an_object_then_its_key_and_value_is_a_change_request(question, subject):
    recognised = recognise(question)
    assert (recognised.form, recognised.subject) == ("write_request", subject)
