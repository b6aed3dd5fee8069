"""Questions as they are typed at 3 a.m.: no apostrophes, a context clause before the question, filler
words before a request, casual synonyms, bare one-word follow-ups, and change requests of every kind
(which chat answers with an action to approve, never with a status)."""

import pytest

from sre_agent.chat.understand.forms import clauses, normalise, recognise

# (question, form, subject, refers_back)
CASES = [
    # missing apostrophes
    ("whats broken", "broken_now", None, False),
    ("hows it looking, whats failing", "broken_now", None, False),
    ("whats on fire in the cluster", "broken_now", None, False),
    # a context clause before the question
    ("paged for api 5xx. whats broken", "alarm_why", None, False),  # the firing alarm, else the sweep
    ("orders-5xx firing. what changed in the orders namespace in the last hour?", "changes", None, False),
    ("woke up to a billing latency page, is it still a problem?", "status", None, True),
    # casual change words
    ("anything deployed in the last 20 min?", "changes", None, False),
    ("did anyone deploy anything in the last hour", "changes", None, False),
    ("did anything get deployed to api in the last 2 hours", "changes", None, False),
    ("has someone touched the config", "changes", None, False),
    # a symptom and a why-word anywhere
    ("api keeps restarting, why", "why_failing", "api", False),
    ("has it been restarting? why", "why_failing", None, True),
    ("worker has been dead for like an hour, why", "why_failing", "worker", False),
    ("api is 5xxing on orders. root cause?", "why_failing", "api", False),
    ("billing failing most charges, whats going on", "why_failing", "billing", False),
    ("why can't ledger start", "why_failing", "ledger", False),
    # bare follow-ups
    ("events?", "events", None, True),
    ("and the logs?", "logs", None, True),
    # rollback requests behind filler or with a namespace
    ("ok roll it back", "rollback_request", None, True),
    ("do it, roll back api", "rollback_request", "api", False),
    ("roll back worker in batch", "rollback_request", "worker", False),
    # every other write
    ("restart it", "write_request", None, True),
    ("please bounce api", "write_request", "api", False),
    ("scale it to 6 replicas just in case", "write_request", None, True),
    ("scale up api to 4", "write_request", "api", False),
    ("bump its cpu limit to 1500m", "write_request", None, True),
    ("raise the memory limit of worker to 1Gi", "write_request", "worker", False),
    ("set api's image to repo/api:1.2.3", "write_request", "api", False),
    ("cordon node ip-10-0-1-5", "node_or_pod_write", "ip-10-0-1-5", False),
    # writing tasks need an LLM, whatever words they contain
    ("draft a customer-facing status page update about the payment failures", "compose", None, False),
    ("write me a postmortem for this incident", "compose", None, False),
    # a version to go back to, a forced delete, a rerun: change requests too
    ("set its image back to 0.41.1-tw3", "write_request", None, True),
    ("ok set it back to vector 0.41.1-tw3", "write_request", None, True),
    ("force delete position-store-0", "node_or_pod_write", "position-store-0", False),
    ("rerun it", "node_or_pod_write", None, True),
    ("delete the failed job", "node_or_pod_write", None, True),  # a state word is not a name: the Job in context
    # symptoms in other words, endpoints, revisions by version, runs by time of day
    ("we scaled broker to 4 and the 4th never came up, why", "why_failing", "broker", False),
    ("why cant its pods schedule", "why_failing", None, True),
    ("does it have endpoints", "status", None, True),
    ("which revision ran 2.5.3", "history", None, True),  # a version never names an object
    ("did last nights export run ok", "job_ran", "export", False),
    ("got paged for ingest-request-surge, is it still firing", "alarms", None, False),
    # traffic, errors and latency of a service
    ("what happened to ingest traffic in the last hour", "traffic", "ingest", False),
    ("error rate of checkout", "traffic", "checkout", False),
    ("is the gateway slow", "traffic", "gateway", False),
    ("why is the gateway slow", "why_failing", "gateway", False),
    # the fifth set's phrasings, as classes: an undo named by its rollout, a rollback's target asked as a question,
    # a batch asked about by how it has been running, who writes to a store, the nodes and their groups
    ("undo the log-relay rollout", "rollback_request", "log-relay", False),
    ("if i roll it back which version do i get and was that one ok", "rollback_safe", None, True),
    ("whats the previous revision and was it healthy", "rollback_safe", None, True),
    ("has the nightly export been running ok?", "job_ran", "export", False),
    ("who writes to reading-buffer", "dependents", "reading-buffer", False),
    ("map out everything meter-gateway depends on", "dependencies", "meter-gateway", False),
    ("do we have any gpu nodes at all", "list_kind", None, False),
    ("what instance types are the node groups", "list_kind", None, False),
    ("kick it off again", "node_or_pod_write", None, True),
    ("put load-forecast back to 1500m cpu limit", "write_request", "load-forecast", False),
    ("runbook for hitting a quota", "runbook", None, False),
    ("how much cpu and memory does each solar-nowcast pod request", "version", "solar-nowcast", False),
    # edits no tool makes: a Service's targetPort, an HPA's bounds, an env var (typed as one)
    ("point the meter-registry svc back at 8080", "node_or_pod_write", "meter-registry", False),
    ("cap the meter-gateway hpa at 5 replicas instead", "node_or_pod_write", "meter-gateway", False),
    ("set the HPA max to 5", "node_or_pod_write", None, True),
    ("add MARKET_ID back to the export cronjob from that configmap", "node_or_pod_write", "export", False),
    ("set LOG_LEVEL=debug", "node_or_pod_write", None, True),
    # questions about a write stay questions
    ("why did api restart?", "why_failing", "api", False),
    ("is it safe to roll it back?", "rollback_safe", None, True),
    # a pod state without the word pod, the rest of the cluster, how a workload copes
    ("anything crashlooping in the cluster?", "pod_problems", None, False),
    ("whats restarting right now", "pod_problems", None, False),
    ("what about the rest of the cluster", "broken_now", None, False),
    ("is pnr-db keeping up", "status", "pnr-db", False),
    ("is the pharmacy database down", "status", "pharmacy-database", False),  # a name typed as words: matched fuzzily
    ("is the portal coping with the load", "status", "portal", False),
    # where it runs, what runs on a node, a rollout's state
    ("which node is the broken seat-map pod sitting on", "placement", "seat-map", False),
    ("which node is the running one on", "placement", None, True),
    ("where is pnr-db-0 running", "placement", "pnr-db-0", False),
    ("what else was running on it", "node_pods", None, True),
    ("which pods are on ip-10-42-27-140", "node_pods", "ip-10-42-27-140", False),
    ("did the rollout give up or is it still going", "rollout_state", None, True),
    ("is the seat-map rollout stuck", "rollout_state", "seat-map", False),
    # a name of several words is looked up dashed
    ("did the last pnr schema migration finish", "job_ran", "pnr-schema-migration", False),
    # change requests in more shapes
    ("raise the quota", "node_or_pod_write", "quota", False),
    ("bump requests.memory on that quota to 9Gi", "node_or_pod_write", "quota", False),
    ("set the weather-feed service targetPort to 9090", "node_or_pod_write", "weather-feed", False),
    ("put legality-engine cpu back to 500m request / 1 limit", "write_request", "legality-engine", False),
    # an alarm named with "what's broken" is that alarm's investigation; two objects compared in a sentence
    ("ops-dashboard 5xx alarm, whats broken", "alarm_why", None, False),
    ("what version is flight-state-2 on compared to flight-state-0", "compare", None, False),
    # where a rollback lands, rolling back a DaemonSet, runs and revisions
    ("where does a rollback of terminology land", "rollback_safe", "terminology", False),
    ("where does an undo land", "rollback_safe", None, True),
    ("roll back the daemonset", "rollback_request", "daemonset", False),
    ("show the cronjob run history", "history", "cronjob", False),
    ("compare revisions 1 and 3 of imaging-viewer", "history", "imaging-viewer", False),
    # its own state and what it calls; whether the conversation's fault reaches something
    ("is appointments broken itself or just collateral", "affected", "appointments", False),
    ("is that hurting pharmacy?", "affected", "pharmacy", False),
    # health in a few words, a namespace's, a StatefulSet's members
    ("dispensing-api ok?", "status", "dispensing-api", False),
    ("claims-export cronjob runs ok?", "status", "claims-export", False),
    ("is the clinical namespace ok", "status", "clinical", False),
    ("are all the hl7-broker members up", "status", "hl7-broker", False),
    ("are the other members ok", "status", None, True),
    # more writes, writing tasks, a bare why, what broke, what fired
    ("fix the selector", "node_or_pod_write", None, True),
    ("patch the image to 2025.11.3", "write_request", None, True),
    ("set the liveness initialDelaySeconds to 120", "write_request", None, True),
    ("postmortem for the missed claim batches pls", "compose", None, False),
    ("why", "why_failing", None, True),
    ("what broke and what do i do", "why_failing", None, True),
    ("platform-audit-shipper-unavailable is firing whats up", "alarm_why", None, False),
    ("did anything fire in the last couple hours", "alarms", None, False),
    ("what else calls med-formulary", "dependents", "med-formulary", False),
    ("what keys does the ward-printing configmap have", "config_keys", "ward-printing", False),
    # the revision before the current one, of the conversation's object
    ("what version was before", "version", None, True),
    ("what were the cpu settings before", "version", None, True),
    ("what tag worked before", "version", None, True),
    # what the object records of its last change: people's notes, who wrote it last
    ("who touched the cm", "change_record", "cm", False),
    ("who kicked it off", "change_record", None, True),
    ("was that on purpose", "change_record", None, True),
    ("why was ledger-api scaled to 0", "change_record", "ledger-api", False),
    ("any ticket for that", "change_record", None, True),
    # the incident's reach
    ("how bad is it, are we losing orders", "impact", None, False),
    ("who else is hurting from this", "impact", None, False),
    ("whats the blast radius", "impact", None, False),
    # a resource change whose unit says which resource
    ("bump grafana to 2Gi", "write_request", "grafana", False),
    ("set the envoy limit to 256Mi", "write_request", "envoy", False),
    ("drop the ledger-api cpu limit to 100m", "write_request", "ledger-api", False),
]


@pytest.mark.parametrize("question, form, subject, refers_back", CASES)
def test_tolerant_forms(question, form, subject, refers_back):
    got = recognise(question)
    assert (got.form, got.subject, got.refers_back) == (form, subject, refers_back)


def test_bare_contractions_get_their_apostrophe_but_its_stays_a_possessive():
    assert normalise("whats up, cant see it") == "what's up, can't see it"
    assert normalise("show me its logs") == "show me its logs"


@pytest.mark.parametrize("typed, meant", [
    ("whats goign on", "what's going on"),           # two letters swapped
    ("where would an undo lnad", "where would an undo land"),
    ("why are the drm pods pendng", "why are the drm pods pending"),  # a letter dropped
    ("waht changed", "what changed"),
    ("the recs pods", "the recs pods"),               # one letter changed is a name ("revs"), never respelled
    ("is fx-rtaes ok", "is fx-rtaes ok"),             # dashed: a name
    ("the ledgers", "the ledgers"),                   # a plural is another word
])
def test_a_pattern_word_typed_with_one_slip_is_spelled_as_the_patterns_spell_it(typed, meant):
    assert normalise(typed) == meant


@pytest.mark.parametrize("question", ["edge-web-gateway-5xx is firing whats goign on",
                                      "platform-log-router-restarts paging, whats wrong",
                                      "media-ingest-api-5xx paging, whats broken"])
def test_an_alarm_named_as_paging_or_firing_with_whats_wrong_is_investigated(question):
    assert recognise(question).form == "alarm_why"


def test_clauses_drop_context_and_filler():
    assert "roll it back" in clauses("ok, so roll it back")
    assert "what changed?" in clauses("alarm firing. what changed?")


def test_an_attribute_only_a_service_has_hints_the_service():
    assert recognise("why does legality-engine have no endpoints").kind_hint == "Service"
    assert recognise("why is legality-engine failing").kind_hint is None


@pytest.mark.parametrize("question, meant, form", [
    ("any crash-looping pods?", "any crashlooping pods?", "pod_problems"),
    ("any crash looping pods in billing", "any crashlooping pods in billing", "pod_problems"),
    ("anything OOM-Killed?", "anything OOMKilled?", "pod_problems"),
    ("pods stuck in image-pull back-off?", "pods stuck in imagepull backoff?", "pod_problems"),
    ("which clusters have crash-looping pods?", "which clusters have crashlooping pods?", "pod_problems"),
    # parts of a name stay a name; "back off" is a verb
    ("is oom-killer-svc ok", "is oom-killer-svc ok", "status"),
    ("does checkout use image-pull-secret", "does checkout use image-pull-secret", None),
    ("back off a bit", "back off a bit", None),
])
def test_kubernetes_status_words_typed_in_parts_are_read_whole(question, meant, form):
    assert normalise(question) == meant
    recognised = recognise(question)
    if form is not None:
        assert recognised.form == form
    assert not {"crash-looping", "oom-killed", "oomkilled", "crashlooping", "clusters", "backoff"} & set(recognised.candidates)


@pytest.mark.parametrize(("text", "form"), [("Which nodes are its failing pods on?", "which_pods"),
                                            ("what nodes are the crashing pods on", "which_pods"),
                                            ("which nodes are tainted", "list_kind"), ("list the nodes", "list_kind")])
def test_which_nodes_the_pods_in_trouble_are_on_is_the_pods_with_their_nodes(text, form):
    assert recognise(text).form == form


@pytest.mark.parametrize("typed, question", [
    ("go ahead: patch svc farmer-portal targetPort to web", "patch svc farmer-portal targetPort to web"),
    ("okay then, roll it back", "roll it back"),
    ("ok, fine - restart it now", "restart it now"),
    ("ok, do it", "ok, do it"),  # the consent is the question
    ("so what changed", "so what changed"),  # no punctuation sets it off: part of the question
])
def test_a_consent_said_before_a_request_is_its_tone_not_its_words(typed, question):
    from sre_agent.chat.understand.spelling import consent_stripped
    assert consent_stripped(typed) == question
