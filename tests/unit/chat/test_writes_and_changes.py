"""Pure parts of the answers added for held-out phrasings: the action a change request pins (tool, args,
precondition, kubectl), the config breakages a "what changed" answer reports, what in a pod template a
rollout changed, and which problem a runbook question means."""

import json
from types import SimpleNamespace

import pytest

from sre_agent.chat.act.change_plans import change_verb, plan_for
from sre_agent.chat.act.plans import BY_HAND, Plan
from sre_agent.chat.answer.changes import CONFIG_MISSING
from sre_agent.chat.answer.investigate import _problem_asked_about
from sre_agent.chat.answer.templates import template_diff
from sre_agent.chat.understand.forms import recognise

DEPLOY = {"metadata": {"generation": 4}, "spec": {"replicas": 2, "template": {"spec": {"containers": [
    {"name": "api", "image": "repo/api:1.0", "resources": {"limits": {"cpu": "1", "memory": "512Mi"}}}]}}}}


@pytest.mark.parametrize("question, tool, args, kubectl", [
    ("restart it", "rollout_restart", {"expect_generation": 4}, "kubectl rollout restart deployment/api -n ns"),
    ("scale it to 6 replicas just in case", "scale", {"replicas": 6, "expect_replicas": 2},
     "kubectl scale deployment/api -n ns --replicas=6"),
    ("scale it up by 3", "scale", {"replicas": 5}, "--replicas=5"),
    ("bump its cpu limit to 1500m", "set_resources", {"limits": {"cpu": "1500m"}, "container": "api"},
     "kubectl set resources deployment/api -n ns -c api --limits=cpu=1500m"),
    ("raise the memory request of api to 1gi", "set_resources", {"requests": {"memory": "1Gi"}}, "--requests=memory=1Gi"),
    ("set its image to repo/api:1.1", "set_image", {"image": "repo/api:1.1", "expect_image": "repo/api:1.0"},
     "kubectl set image deployment/api -n ns api=repo/api:1.1"),
    ("put api back to 1500m cpu limit", "set_resources", {"limits": {"cpu": "1500m"}}, "--limits=cpu=1500m"),
    # a tag alone keeps the container's repository
    ("set its image back to 1.0.7", "set_image", {"image": "repo/api:1.0.7"}, "api=repo/api:1.0.7"),
    ("ok set it back to api 0.9.1-rc2", "set_image", {"image": "repo/api:0.9.1-rc2"}, "api=repo/api:0.9.1-rc2"),
    # the repository's last part and a tag: the same repository
    ("set the image back to api:0.9", "set_image", {"image": "repo/api:0.9"}, "api=repo/api:0.9"),
])
def test_a_change_request_pins_the_exact_action(question, tool, args, kubectl):
    plan = plan_for(question, "ns/Deployment/api", DEPLOY)
    assert isinstance(plan, Plan) and plan.tool == tool and kubectl in plan.kubectl
    assert args.items() <= plan.args.items()


def test_a_change_that_cannot_be_pinned_says_what_is_missing():
    assert "how many replicas" in str(plan_for("scale it up", "ns/Deployment/api", DEPLOY))
    assert "Node" in plan_for("cordon it", "ns/Deployment/api", DEPLOY)
    assert plan_for("cordon node n1", "Node/n1", {"spec": {}}).tool == "cordon"


@pytest.mark.parametrize("message, missing", [
    ('Error: configmap "app-config" not found', True),
    ("Error: couldn't find key DB_URL in Secret ns/db", True),
    ('secret "tls" not found', True),
    ("Back-off restarting failed container", False),
    ("Liveness probe failed: HTTP probe failed with statuscode: 404", False),
])
def test_a_warning_naming_a_missing_config_object_is_a_config_change(message, missing):
    assert bool(CONFIG_MISSING.search(message)) is missing


def test_a_rollout_diff_names_pod_level_fields_and_probes():
    old = {"spec": {"nodeSelector": {"pool": "a"}, "containers": [{"name": "c", "livenessProbe": {"path": "/healthz"}}]}}
    new = {"spec": {"nodeSelector": {"pool": "b"}, "containers": [{"name": "c", "livenessProbe": {"path": "/health"}}]}}
    lines = template_diff(new, old)  # from old to new: what the rollout changed
    assert any("nodeSelector" in line and '"pool": "a"' in line and '"pool": "b"' in line for line in lines)
    assert "container c: livenessProbe.path /healthz -> /health" in lines  # the field that changed, not two whole blocks


def _problem(resource, runbook="rb", blast=()):
    return SimpleNamespace(resource=resource, next_step=SimpleNamespace(runbook=runbook), blast_radius=list(blast))


def test_a_runbook_question_means_the_named_problem_then_the_focus_then_the_worst():
    worst, other = _problem("a/Deployment/db"), _problem("a/Deployment/api", blast=["a/Deployment/web"])
    assert _problem_asked_about([worst, other], [], ["api"]) is other
    assert _problem_asked_about([worst, other], ["a/Deployment/web"], []) is other
    assert _problem_asked_about([worst, other], [], []) is worst
    assert _problem_asked_about([], [], []) is None


@pytest.mark.parametrize("message, namespace, objects", [
    ("Error: couldn't find key DB_URL in Secret ns/db-creds", "ns", ["ns/Secret/db-creds"]),
    ('Error: configmap "app-config" not found', "ns", ["ns/ConfigMap/app-config"]),
    ("Back-off restarting failed container", "ns", []),
])
def test_a_config_warning_names_the_object_that_is_then_what_that_secret_means(message, namespace, objects):
    from sre_agent.chat.answer.changes import config_objects

    assert config_objects(message, namespace) == objects


@pytest.mark.parametrize("question, subject", [
    ("what keys are in that secret now", None), ("which keys are in the db-creds secret", "db-creds"),
    ("what keys does configmap app-config have", "app-config"),
])
def test_config_key_questions(question, subject):
    from sre_agent.chat.understand.forms import recognise

    got = recognise(question)
    assert (got.form, got.subject) == ("config_keys", subject)


def test_a_rerun_is_a_job_made_by_hand_from_a_cronjob_or_a_copy_of_a_job():
    cron = plan_for("rerun it", "ns/CronJob/export", {"spec": {}})
    assert isinstance(cron, Plan) and "kubectl create job" in cron.kubectl and "--from=cronjob/export -n ns" in cron.kubectl
    job = plan_for("re-run it", "ns/Job/export-1", {"status": {"failed": 3}})
    assert isinstance(job, Plan) and "kubectl replace --force" in job.kubectl and "3 failed" in job.precondition
    assert "only Jobs and CronJobs" in str(plan_for("rerun it", "ns/Deployment/api", DEPLOY))


@pytest.mark.parametrize("ask, run_now", [
    ("set the cronjob image back to notam-sync:2.4.0", False),
    ("set the image back to notam-sync:2.4.0 and kick off a run", True),  # a run from the fixed template now
    ("set its image to notam-sync:2.4.0, then trigger it", True),
])
def test_a_cronjobs_image_is_pinned_on_its_job_template_from_the_image_it_names_now(ask, run_now):
    cron = {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [
        {"name": "sync", "image": "reg.example/ops/notam-sync:v2.4.1"}]}}}}}}
    plan = plan_for(ask, "ops/CronJob/notam-sync", cron)
    assert isinstance(plan, Plan) and plan.tool == "set_cronjob_image"
    assert {k: plan.args[k] for k in ("container", "image", "expect_image", "run_now")} == {
        "container": "sync", "image": "reg.example/ops/notam-sync:2.4.0", "expect_image": "reg.example/ops/notam-sync:v2.4.1",
        "run_now": run_now}
    assert plan.kubectl.startswith("kubectl set image cronjob/notam-sync sync=reg.example/ops/notam-sync:2.4.0 -n ops")
    assert ("--from=cronjob/notam-sync" in plan.kubectl) is run_now


CRON = {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [
    {"name": "rollup", "image": "reg/ops/rollup:1.5.0", "resources": {"limits": {"memory": "320Mi"}}}]}}}}}}


@pytest.mark.parametrize("question, rid, obj, kubectl", [
    # a key put back into a Secret: its value is a human's, the command carries a placeholder
    ("add ticket-signing-key back into wallet-keys", "riders/Secret/wallet-keys", {"data": {"other": "***"}},
     "kubectl patch secret wallet-keys -n riders --type merge -p '{\"stringData\": {\"ticket-signing-key\": \"<value>\"}}'"),
    # a quota's pod count
    ("raise riders-pods to 30 pods", "riders/ResourceQuota/riders-pods", {"spec": {"hard": {"pods": "20"}}},
     "kubectl patch resourcequota riders-pods -n riders --type merge -p '{\"spec\":{\"hard\":{\"pods\":\"30\"}}}'"),
    # a CronJob's memory limit, on its job template
    ("bump its memory limit to 512Mi", "fleet/CronJob/rollup", CRON,
     "kubectl set resources cronjob/rollup -n fleet -c rollup --limits=memory=512Mi"),
    # a probe field named after "to"
    ("the liveness probe on api, set it back to port 8080", "ns/Deployment/api",
     {"spec": {"template": {"spec": {"containers": [{"name": "api", "livenessProbe": {"httpGet": {"path": "/h", "port": 8081}}}]}}}},
     "kubectl patch deployment api -n ns --type json -p '[{\"op\": \"replace\", \"path\": "
     "\"/spec/template/spec/containers/0/livenessProbe/httpGet/port\", \"value\": 8080}]'"),
])
def test_changes_no_tool_makes_are_pinned_as_the_command_a_human_runs(question, rid, obj, kubectl):
    plan = plan_for(question, rid, obj)
    assert isinstance(plan, Plan), plan
    assert plan.kubectl == kubectl


def test_a_new_hpa_needs_its_bounds():
    from sre_agent.chat.act.plans import new_hpa_plan
    plan = new_hpa_plan("add an hpa to gtfs-publisher, min 2 max 6", "journeys/Deployment/gtfs-publisher")
    assert isinstance(plan, Plan) and plan.kubectl == "kubectl autoscale deployment/gtfs-publisher -n journeys --min=2 --max=6"
    assert "Say its bounds" in str(new_hpa_plan("add an hpa to it", "journeys/Deployment/gtfs-publisher"))
    assert "above max" in str(new_hpa_plan("add an hpa, min 6 max 2", "journeys/Deployment/gtfs-publisher"))


def _asked(question: str, diagnosis: dict) -> SimpleNamespace:
    return SimpleNamespace(question=question, last_diagnosis=diagnosis)


def test_fix_the_targetport_points_at_the_one_port_the_diagnosis_saw_the_pods_declare():
    from sre_agent.chat.act.targets import with_declared_port
    mismatch = {"resource": "billing/Service/rate-quote", "category": "service_port_mismatch",
                "summary": "Service billing/Service/rate-quote port 8080 targets http-api/TCP, which no Ready pod declares "
                           "(they declare http:8080/TCP)"}
    assert with_declared_port(_asked("fix the targetPort", mismatch), "billing/Service/rate-quote", "port") == \
        "fix the targetPort to http"
    # a port said wins; another object, another fault, or two declared ports: nothing is guessed
    assert with_declared_port(_asked("point it at 9090", mismatch), "billing/Service/rate-quote", "port") == "point it at 9090"
    assert with_declared_port(_asked("fix the targetPort", mismatch), "billing/Service/other", "port") == "fix the targetPort"
    two = {**mismatch, "summary": mismatch["summary"].replace("(they declare http:8080/TCP)",
                                                              "(they declare http:8080/TCP, admin:9090/TCP)")}
    assert with_declared_port(_asked("fix the targetPort", two), "billing/Service/rate-quote", "port") == "fix the targetPort"


def test_a_revision_from_the_one_the_symptom_began_with_is_never_a_rollback_target():
    from sre_agent.chat.act.rollback import _not_before
    row = {"revision": 2, "images": ["registry.example/metering/reading-ingest:5.2.0"]}
    assert _not_before(row, 2) == "revision 2 (reading-ingest:5.2.0) is the one the symptom began with"
    assert "came after revision 2" in _not_before({**row, "revision": 3}, 2)
    assert _not_before({**row, "revision": 1}, 2) is None and _not_before(row, None) is None


def test_a_rollout_diff_names_an_init_containers_env_it_dropped():
    fetch = {"name": "fetch", "env": [{"name": "SITE_ID", "value": "7"}, {"name": "BUCKET", "value": "s3://models"}]}
    old = {"spec": {"initContainers": [fetch], "containers": [{"name": "app", "image": "r/app:1"}]}}
    new = {"spec": {"initContainers": [{**fetch, "env": fetch["env"][:1]}], "containers": [{"name": "app", "image": "r/app:2"}]}}
    assert template_diff(new, old) == ["container app: image r/app:1 -> r/app:2",  # the image first
                                       "init container fetch: env BUCKET removed (was s3://models)"]


@pytest.mark.parametrize("seconds, shown", [(45, "45s"), (330, "5m30s"), (300, "5m"), (2520, "42m"), (11520, "3h12m"),
                                            (32400, "9h"), (190000, "2d4h")])
def test_a_run_lasts_what_kubectl_prints_in_its_duration_column(seconds, shown):
    from sre_agent.chat.answer.runs import human_duration
    assert human_duration(seconds) == shown


def test_the_run_that_started_just_before_an_alarm_fired_leads_a_spike_answer():
    from datetime import UTC, datetime

    from sre_agent.chat.answer.changes import _by_closeness
    at = lambda h, m: datetime(2026, 11, 24, h, m, tzinfo=UTC)  # noqa: E731
    runs = [(at(5, 23), "job: p/Job/backfill started", "p/Job/backfill"), (at(6, 4), "job: p/Job/reindex started", "p/Job/reindex")]
    ordered = _by_closeness(runs, [(at(6, 12), "api-p99")])
    assert [rid for _, _, rid in ordered] == ["p/Job/reindex", "p/Job/backfill"]
    assert ordered[0][1].endswith("-- 8 min before alarm api-p99 fired")
    assert _by_closeness(runs, [])[0][1] == "job: p/Job/backfill started"  # no alarm fired: as they came


@pytest.mark.parametrize("question, verb", [
    ("delete the portal-web-canary hpa", "delete"),  # the HPA itself, a human's kubectl delete
    ("remove that hpa", "delete"),
    ("cap the gateway hpa at 5", "hpa"),  # one of its bounds
    ("remove the max replicas cap on the hpa", "hpa"),
])
def test_deleting_an_hpa_is_told_from_changing_its_bounds(question, verb):
    assert change_verb(question) == verb


@pytest.mark.parametrize("question, resource, value", [
    ("guest-compute in guest, requests.memory 12Gi", "memory", "12Gi"),  # a quota key and its value
    ("set its memory limit -- lift-photo-worker in guest, 768Mi", "memory", "768Mi"),  # a second turn's bare value
    ("bump it to 2gi", "memory", "2Gi"),
    ("limit 1 cpu", "cpu", "1"),
    ("the api in shop, 3", "cpu", None),  # a bare number without a unit is no quantity
])
def test_the_quantity_a_request_or_its_second_turn_gives(question, resource, value):
    from sre_agent.chat.act.plans import quantity_asked
    assert quantity_asked(question, resource) == value


@pytest.mark.parametrize("question, replicas", [
    ("scale it -- liftline-cache in lifts, 1 replica", "1"), ("scale it to 4", "4"), ("scale by 2", "2")])
def test_the_replica_count_a_request_or_its_second_turn_gives(question, replicas):
    from sre_agent.chat.act.change_plans import REPLICAS
    match = REPLICAS.search(question)
    assert (match.group(2) or match.group(4)) == replicas


def test_a_last_hour_window_reads_the_creation_time_not_kubectls_whole_units():
    from datetime import UTC, datetime, timedelta

    from sre_agent.chat.answer.changes import _seconds_since, _when

    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    made = (now - timedelta(minutes=72)).isoformat()
    assert _seconds_since({"age": "1h", "created": made}, now) == 72 * 60  # "1h" would pass a 3600 s window
    assert _seconds_since({"age": "1h"}, now) == 3600  # without the time, kubectl's age is all there is
    assert _when({"age": "1h", "created": made}, now) == "72 min ago"


TWO_CONTAINERS = {"metadata": {"generation": 4}, "spec": {"template": {"spec": {"containers": [
    {"name": "app", "image": "r/app:1", "resources": {"limits": {"memory": "512Mi", "cpu": "1"}}},
    {"name": "shipper", "image": "r/shipper:2", "resources": {"limits": {"memory": "768Mi", "cpu": "200m"}}}]}}}}


@pytest.mark.parametrize(("question", "troubled", "expected"), [
    # the container in trouble, when the request names none: the OOM-killed sidecar, never the first container
    ("bump the memory limit to 1Gi", ("shipper", "last exit OOMKilled (137)"), ("shipper", "1Gi")),
    # a "bump" below what it has would lower it: refused, with the way out
    ("bump memory to 512Mi", ("shipper", "last exit OOMKilled (137)"), "below shipper's current memory limit 768Mi"),
    # a lower memory limit for an OOM-killed container, whatever the verb
    ("set the memory limit to 600Mi", ("shipper", "last exit OOMKilled (137)"), "was OOM-killed"),
    # the container the question names
    ("set the memory limit of app to 640Mi", ("shipper", "last exit OOMKilled (137)"), ("app", "640Mi")),
    # several containers, none named, none in trouble: asked which
    ("set the memory limit to 1Gi", None, "say which"),
    # the other way: "lower" above what it has
    ("lower the cpu limit of shipper to 500m", None, "would raise it"),
    ("lower the cpu limit of app to 500m", None, ("app", "500m")),
])
def test_a_resource_change_targets_the_container_meant_and_never_goes_the_wrong_way(question, troubled, expected):
    plan = plan_for(question, "ns/Deployment/api", TWO_CONTAINERS, troubled)
    if isinstance(expected, str):
        assert isinstance(plan, str) and expected in plan, plan
    else:
        assert isinstance(plan, Plan), plan
        assert plan.args["container"] == expected[0] and expected[1] in json.dumps(plan.args), plan.args


CLAIM = {"spec": {"resources": {"requests": {"storage": "50Gi"}}}, "status": {"phase": "Bound"}}
ROUTER = {"metadata": {"generation": 7}, "spec": {"template": {"spec": {"imagePullSecrets": [{"name": "old"}],
                                                                         "containers": [{"name": "app", "image": "r/a:1"}]}}}}


@pytest.mark.parametrize(("question", "rid", "obj", "expected"), [
    ("grow it to 100Gi", "ns/PersistentVolumeClaim/data-0", CLAIM, ("expand_claim", {"size": "100Gi", "expect_size": "50Gi"})),
    ("expand the data-0 pvc to 80G", "ns/PersistentVolumeClaim/data-0", CLAIM, ("expand_claim", {"size": "80Gi"})),
    ("grow it to 40Gi", "ns/PersistentVolumeClaim/data-0", CLAIM, "only grows"),
    ("grow it", "ns/PersistentVolumeClaim/data-0", CLAIM, "Say the new size"),
    ("grow it to 100Gi", "ns/StatefulSet/db", {}, "name the claim"),
    ("add imagePullSecrets regcred back to the router template", "ns/Deployment/router", ROUTER,
     ("add_pull_secret", {"secret_name": "regcred", "expect_generation": 7})),
    ("add the regcred pull secret to router", "ns/Deployment/router", ROUTER, ("add_pull_secret", {"secret_name": "regcred"})),
    ("add imagePullSecrets old to router", "ns/Deployment/router", ROUTER, "already lists old"),
])
def test_a_claim_grows_and_a_pull_secret_is_added_only_as_asked(question, rid, obj, expected):
    plan = plan_for(question, rid, obj)
    if isinstance(expected, str):
        assert isinstance(plan, str) and expected in plan, plan
    else:
        assert isinstance(plan, Plan) and plan.tool == expected[0], plan
        assert expected[1].items() <= plan.args.items(), plan.args


def test_a_claim_that_holds_data_is_not_deleted_on_a_passing_request():
    from sre_agent.chat.act.change_plans import plan_for
    bound = {"status": {"phase": "Bound", "capacity": {"storage": "200Gi"}}}
    refused = plan_for("delete pvc data-orders-db-0 so a fresh volume gets made", "orders/PersistentVolumeClaim/data-orders-db-0", bound)
    assert isinstance(refused, str) and refused.startswith("Not pinned") and "200Gi" in refused
    anyway = plan_for("delete pvc data-orders-db-0 anyway", "orders/PersistentVolumeClaim/data-orders-db-0", bound)
    assert not isinstance(anyway, str) and "kubectl delete pvc data-orders-db-0 -n orders" in anyway.kubectl
    pending = plan_for("delete the pvc data-holds-0", "circ/PersistentVolumeClaim/data-holds-0", {"status": {"phase": "Pending"}})
    assert not isinstance(pending, str)  # no volume behind it: nothing to lose


@pytest.mark.parametrize("text", ["revert ACQUIRER_TIMEOUT_MS to 4000", "set ENGINE_TIMEOUT_MS back to 5000 and restart journey planner",
                                  "reset POOL_SIZE to 20, then restart it"])
def test_a_key_set_with_no_object_named_is_a_change_request_whose_object_is_found_not_guessed(text):
    read = recognise(text)
    assert read.form == "write_request" and read.subject is None and read.refers_back
    assert not {"acquirer", "engine", "timeout", "pool"} & set(read.candidates)  # a key's words name no object


@pytest.mark.parametrize(("text", "refused"), [
    ("delete all the pods in planner to reset everything", True), ("force delete every pod in lifts and let it all reschedule", True),
    ("kill all pods", True), ("delete all pods of lesson-booking", False), ("delete both lesson booking pods", False),
    ("delete the crashing pods", False)])
def test_a_delete_of_every_pod_of_a_namespace_is_refused_a_workloads_pods_are_not(text, refused):
    from sre_agent.chat.act.pod_deletes import every_pod_refused
    from sre_agent.chat.ask import Ask
    from tests.unit.chat.test_answers import NoTools

    answer = every_pod_refused(Ask(question=text, recognised=recognise(text), tools=NoTools()))
    assert (answer is not None and answer.status == "answered") == refused


@pytest.mark.parametrize(("text", "form"), [("give it 512Mi limit and 256Mi request", "write_request"),
                                            ("give it more memory, 1536Mi", "write_request"),
                                            ("roll back the weeks ahead change in roster-api-config", "rollback_request")])
def test_an_amount_given_and_a_key_said_in_words_are_change_requests(text, form):
    assert recognise(text, change_in=False).form == form


def test_an_amount_said_before_its_word_is_the_quantity_asked():
    from sre_agent.chat.act.plans import quantity_asked, resource_named
    assert (resource_named("give it 512Mi limit"), quantity_asked("give it 512Mi limit", "memory")) == ("memory", "512Mi")


@pytest.mark.parametrize(("text", "name", "other"), [
    ("delete the turnstile-bridge service and the lifts-db secret while youre at it", "turnstile-bridge", "lifts-db"),
    ("restart loans-api and fines-api", "loans-api", "fines-api"),
    ("restart loans-api and check it", "loans-api", None),  # no second object named
    ("scale web-api to 3", "web-api", None),
])
def test_a_second_object_in_a_change_request_is_said_as_not_pinned(text, name, other):
    from sre_agent.chat.act.targets import another_named
    from sre_agent.chat.ask import Ask
    from tests.unit.chat.test_answers import NoTools

    assert another_named(Ask(question=text, recognised=recognise(text), tools=NoTools()), name) == other


def test_a_rollout_diff_names_the_pod_labels_it_changed_never_the_controllers_own():
    old = {"metadata": {"labels": {"component": "pricing-api", "pod-template-hash": "a1"}},
           "spec": {"containers": [{"name": "app", "image": "r/app:1"}]}}
    new = {"metadata": {"labels": {"app.kubernetes.io/component": "api", "pod-template-hash": "b2"}},
           "spec": {"containers": [{"name": "app", "image": "r/app:2"}]}}
    assert template_diff(new, old) == ["container app: image r/app:1 -> r/app:2",
                                       "pod labels app.kubernetes.io/component=(none) -> api; component=pricing-api -> (none)"]


@pytest.mark.parametrize(("question", "tool", "change"), [
    # both bounds said: one patch of both, never the maximum set to the minimum's number
    ("set the hpa back to 3-10", "(by hand: no MCP tool does this)", "minReplicas 2 -> 3, maxReplicas 2 -> 10"),
    ("put the booking-web hpa back to min 3 max 10", "(by hand: no MCP tool does this)", "minReplicas 2 -> 3, maxReplicas 2 -> 10"),
    ("""k patch hpa booking-web -p '{"spec":{"minReplicas":3,"maxReplicas":10}}'""", "(by hand: no MCP tool does this)",
     "minReplicas 2 -> 3, maxReplicas 2 -> 10"),
    ("raise the hpa max to 12", "raise_hpa_max", "maxReplicas 2 -> 12"),
    # the lower bound spelled as its field: the minimum, never the cap set to its number
    ("bump hpa minReplicas to 6 so we have headroom", "(by hand: no MCP tool does this)", "minReplicas 2 -> 6"),
    ("set its min replicas to 4", "(by hand: no MCP tool does this)", "minReplicas 2 -> 4"),
    ("set its minReplicas to 2", None, "is already 2"),  # a no-op: said, never pinned
])
def test_an_hpas_range_is_both_its_bounds(question, tool, change):
    from sre_agent.chat.act.hpa_plans import hpa_change
    hpa = {"name": "booking-web", "namespace": "booking", "min": 2, "max": 2, "target": "Deployment/booking-web", "current": 2}
    plan = hpa_change(question, hpa)
    if tool is None:
        assert isinstance(plan, str) and change in plan
        return
    assert not isinstance(plan, str) and plan.tool == tool and change in plan.change


def test_a_value_chat_saw_masked_is_changed_in_place_never_written_back_masked():
    from sre_agent.chat.act.config_key_plans import config_key_plan
    obj = {"data": {"DATABASE_URL": "postgres://***redacted***@db.rx.svc:6432/rx"}}
    plan = config_key_plan("set DATABASE_URL back to port 5432", "rx/ConfigMap/rx-config", obj)
    assert not isinstance(plan, str) and "redacted" not in plan.kubectl and "redacted" not in str(plan.args)
    # the typed write takes the one part that changes (the server applies it to the real value); the human's command is
    # the same edit where it lies
    assert plan.tool == "set_config_value" and plan.args["edit"] == {"find": "db.rx.svc:6432", "replace": "db.rx.svc:5432"}
    assert plan.kubectl.startswith("kubectl -n rx get configmap rx-config -o yaml | sed -E")
    assert plan.kubectl.endswith("db.rx.svc:5432#' | kubectl replace -f -")


@pytest.mark.parametrize("ask, tool, command, cordoned", [
    ("drain ip-10-4-1-9", BY_HAND, "kubectl drain ip-10-4-1-9 --ignore-daemonsets --delete-emptydir-data", False),  # whole
    ("cordon ip-10-4-1-9", "cordon", "kubectl cordon ip-10-4-1-9", False),
    ("uncordon ip-10-4-1-9", "uncordon", "kubectl uncordon ip-10-4-1-9", True),
])
def test_a_drain_is_pinned_whole_the_cordon_and_the_evictions(ask, tool, command, cordoned):
    plan = plan_for(ask, "Node/ip-10-4-1-9", {"spec": {"unschedulable": cordoned}})
    assert isinstance(plan, Plan) and plan.tool == tool and plan.kubectl == command


@pytest.mark.parametrize("ask, cordoned, said", [("uncordon ip-10-4-1-9", False, "not cordoned"),
                                                 ("cordon ip-10-4-1-9", True, "cordoned already")])
def test_a_node_asked_into_the_state_it_is_in_gets_no_plan(ask, cordoned, said):
    """Nothing would change: never an approval for it (gorsedale's "uncordon the patched node" had been pinned on the
    schedulable node the conversation was about)."""
    plan = plan_for(ask, "Node/ip-10-4-1-9", {"spec": {"unschedulable": cordoned}})
    assert isinstance(plan, str) and said in plan and "changes nothing" in plan


@pytest.mark.parametrize("ask, edit", [
    ("point readiness back to 8080", ("readiness", "port", "8080")),  # a four-digit number after "to": a port
    ("set the liveness initialDelaySeconds to 120", ("liveness", "initialDelaySeconds", "120")),
    ("set the liveness probe back to /healthz", ("liveness", "path", "/healthz")),
    ("change liveness to 3000s", None),  # seconds of something unsaid: no field to guess
])
def test_a_probe_edit_names_its_field_or_its_value_says_it(ask, edit):
    from sre_agent.chat.act.hand_edits import probe_edit
    assert probe_edit(ask) == edit


@pytest.mark.parametrize("ask, verb", [
    ("point readiness back to 8080", "probe"),  # the probe's port, never the Service's
    ("point the service at port 8080", "port"),
    ("restore ticketing-web cpu request 250m and limit 1", "resources"),
    ("bring cdn-purger back to 2 replicas", "scale"),  # a count of replicas is a scale
    ("delete the 2 stuck pods", "delete"),
])
def test_the_change_a_request_asks_for_is_read_by_its_most_specific_words(ask, verb):
    assert change_verb(ask) == verb


@pytest.mark.parametrize("category, culprit, summary, verdict", [
    ("dependency_failure", "d/Deployment/purger", "d/Deployment/purger is scaled to 0 replicas", "Yes: "),  # its absence
    ("dependency_failure", "d/Deployment/queue", "d/Deployment/queue has no ready endpoints", "No: "),  # a cause elsewhere
    ("none", "", "", "Nothing was found wrong"),
])
def test_scaling_helps_when_the_workload_asked_about_is_itself_scaled_to_zero(category, culprit, summary, verdict):
    from sre_agent.chat.answer.remedies import _scale_verdict
    assert _scale_verdict(category, culprit, "d/Deployment/purger", summary).startswith(verdict)


@pytest.mark.parametrize("ask, cron", [
    ("change the schedule to every 5 minutes so it catches up", "*/5 * * * *"),  # never the word "every"
    ("set the schedule to every 2 hours", "0 */2 * * *"),
    ("make it hourly", "0 * * * *"),
    ("revert the schedule to 15 * * * *", "15 * * * *"),
])
def test_a_schedule_said_in_words_is_the_cron_line_it_means(ask, cron):
    from sre_agent.chat.act.field_shapes import as_cron, field_by_shape
    assert cron in as_cron(ask)
    if "schedule" in ask:
        obj = {"spec": {"schedule": "*/30 * * * *", "jobTemplate": {"spec": {"template": {"spec": {"containers": []}}}}}}
        assert field_by_shape(ask, obj) == ("/spec/schedule", "*/30 * * * *", cron)


def test_req_is_a_request_and_both_parts_are_pinned():
    obj = {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "x", "resources": {
        "requests": {"cpu": "50m"}, "limits": {"cpu": "60m"}}}]}}}}
    plan = plan_for("set web cpu back to 250m req 1 core limit", "s/Deployment/web", obj)
    assert isinstance(plan, Plan) and plan.change == "container web: cpu request 50m -> 250m, limit 60m -> 1"


def test_a_urls_port_said_alone_changes_the_port_of_the_url_the_key_holds():
    from sre_agent.chat.act.config_key_plans import config_key_plan
    from sre_agent.chat.answer.meta import CHANGE_ASKED
    asked = "fine. fix DB_URL in records-api-config back to :3306 and restart the deployment"
    assert CHANGE_ASKED.match(asked)  # a value said: a change, not 'how do I fix it'
    plan = config_key_plan(asked, "records/ConfigMap/records-api-config",
                           {"data": {"DB_URL": "mysql://records-db.records.svc:6033/records"}})
    assert not isinstance(plan, str) and "mysql://records-db.records.svc:3306/records" in plan.kubectl
    assert not CHANGE_ASKED.match("fix it")  # no value: how to fix it is asked


TWO = {"spec": {"template": {"spec": {"containers": [
    {"name": "web", "image": "7310.dkr.ecr.us-east-1.amazonaws.com/vets/appointments-web:7.4.0"},
    {"name": "envoy", "image": "docker.io/envoyproxy/envoy:v1.31.21"}]}}}}


@pytest.mark.parametrize("ask, container, image", [
    # the container the request names, or whose repository a whole image is -- never the app beside a sidecar
    ("set envoy back to v1.31.2", "envoy", "docker.io/envoyproxy/envoy:v1.31.2"),
    ("ok fix the sidecar image back to docker.io/envoyproxy/envoy:v1.31.2", "envoy", "docker.io/envoyproxy/envoy:v1.31.2"),
    ("set the image to 7.4.1", "web", "7310.dkr.ecr.us-east-1.amazonaws.com/vets/appointments-web:7.4.1"),
])
def test_an_image_goes_to_the_container_it_is_for(ask, container, image):
    plan = plan_for(ask, "vets/Deployment/appointments-web", TWO)
    assert isinstance(plan, Plan) and plan.tool == "set_image"
    assert plan.args["container"] == container and plan.args["image"] == image
