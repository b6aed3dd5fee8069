"""Acting where the fault is not: an undo or restart of a workload with no fault of its own, while the conversation
found the root cause on another object, is refused with the cause named ("anyway" pins it); a key put back into the
Secret or ConfigMap that holds it is that object's edit, the restart of what reads it said beside it; a purpose
clause says why, not what; a diagnosis is said once; a change pinned beside the found fault (another object, or a kind
of change that does not act on that kind of fault: categories.yaml acted_on_by) says so."""

import asyncio

import pytest

from sre_agent.chat.act.cause_note import cause_note
from sre_agent.chat.act.change_plans import change_verb
from sre_agent.chat.act.config_key_plans import config_key_plan
from sre_agent.chat.act.guards import elsewhere, not_the_cause
from sre_agent.chat.act.plans import BY_HAND, Plan
from sre_agent.chat.act.rollback import _fails_outside
from sre_agent.chat.answer.diagnosis_text import cause_text, fix_step
from sre_agent.chat.answer.remedies import spec_fact
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome
from tests.unit.chat.test_answers import NoTools


def _ask(question, diagnosis=None):
    return Ask(question=question, recognised=recognise(question), tools=NoTools(), last_diagnosis=diagnosis)


ROOT = {"resource": "pharmacy/Deployment/pharmacy-orders", "category": "crash_missing_config",
        "summary": "crash_missing_config on pharmacy/Deployment/pharmacy-orders (CrashLoopBackOff): DB_PASSWORD is not set"}


@pytest.mark.parametrize(("rid", "diagnosis", "refused"), [
    ("clinic/Deployment/owner-portal", ROOT, True),  # an innocent rollout elsewhere
    ("pharmacy/Deployment/pharmacy-orders", ROOT, False),  # the root itself
    ("pharmacy/Deployment/pharmacy", {**ROOT, "resource": "pharmacy/Deployment/pharmacy-api"}, False),  # its own stem
    ("shop/Deployment/checkout", {**ROOT, "resource": "shop/ConfigMap/checkout-config"}, False),  # restart reads the fix
    ("clinic/Deployment/owner-portal", {**ROOT, "category": "none"}, False),  # nothing was found
    ("clinic/Deployment/owner-portal", None, False),  # no diagnosis in the conversation
])
def test_the_cause_elsewhere_is_read_from_the_conversations_diagnosis(rid, diagnosis, refused):
    assert (elsewhere(_ask("roll it back", diagnosis), rid) is not None) is refused


def test_an_undo_beside_the_cause_names_it_and_anyway_pins_it():
    refusal = not_the_cause(_ask("roll back owner-portal then", ROOT), "rollout_undo", "clinic/Deployment/owner-portal",
                            own_fault=False)
    assert refusal is not None and refusal.status == "answered" and "pharmacy/Deployment/pharmacy-orders" in refusal.headline
    assert not_the_cause(_ask("roll back owner-portal anyway", ROOT), "rollout_undo", "clinic/Deployment/owner-portal",
                         own_fault=False) is None
    assert not_the_cause(_ask("restart owner-portal", ROOT), "rollout_restart", "clinic/Deployment/owner-portal",
                         own_fault=True) is None  # its own fault: its own fix
    assert not_the_cause(_ask("scale owner-portal to 4", ROOT), "scale", "clinic/Deployment/owner-portal",
                         own_fault=False) is None  # more pods is not a fix of its spec


def test_a_key_put_back_is_the_secrets_edit_with_a_placeholder_value():
    secret = {"data": {"DATABASE_PASSWORD": "x", "DB_USER": "y"}}
    plan = config_key_plan("put DB_PASSWORD back in the secret and restart the deploy", "pharmacy/Secret/orders-db", secret)
    assert not isinstance(plan, str)
    assert '"DB_PASSWORD": "<value>"' in plan.kubectl and "kubectl patch secret orders-db -n pharmacy" in plan.kubectl
    config = config_key_plan("set STOCK_URL to http://stock:8080 in the cm", "pharmacy/ConfigMap/orders-config", {"data": {}})
    assert not isinstance(config, str) and '"STOCK_URL": "http://stock:8080"' in config.kubectl  # a ConfigMap's value, said


@pytest.mark.parametrize(("question", "verb"), [
    ("lower the limit to 200m so the hpa reacts faster", "resources"),
    ("raise the hpa max to 10 so it can scale", "hpa"),
    ("restart it because the cache is stale", "restart"),
    ("so restart it", "restart"),
    ("restart fare-cache, that will free the memory", "restart"),  # a consequence said after it, not the change
])
def test_a_purpose_clause_says_why_not_what(question, verb):
    assert change_verb(question) == verb


def test_a_diagnosis_is_said_once():
    assert cause_text(ROOT) == "(CrashLoopBackOff): DB_PASSWORD is not set"
    step = fix_step({"resource": ROOT["resource"], "summary": "crash_missing_config on pharmacy/Deployment/pharmacy-orders: "
                     "set DB_PASSWORD", "needs": "x" * 300, "commands": ["# why", "kubectl set env ..."]},
                    "crash_missing_config")
    assert step.startswith("Fix pharmacy/Deployment/pharmacy-orders: set DB_PASSWORD (you supply: xxx")
    assert len(step) < 300 and step.endswith("-- `kubectl set env ...`")


def test_would_a_restart_help_carries_the_faults_own_line():
    details = ["evidence ev-1 kubernetes.describe: probe failed", "container api: cpu limit 250m",
               "its latest rollout changed: container api: readinessProbe.httpGet.path /ready -> /health/ready"]
    assert spec_fact("probe_misconfig", details) == details[2]
    assert spec_fact("cpu_throttling", details) == details[1]
    assert spec_fact("bad_deploy_regression", details) == details[2]  # no words of its own: its rollout


@pytest.mark.parametrize("question", ["just bump imaging-upload container mem to 2Gi", "shrink the pvc to 10Gi then"])
def test_a_change_with_a_container_word_or_a_shrink_is_a_change_request(question):
    assert recognise(question).form == "write_request"


@pytest.mark.parametrize(("rids", "chosen"), [
    (["m/StatefulSet/reminder-queue", "m/PersistentVolumeClaim/data-reminder-queue-0", "m/Service/reminder-queue"],
     "m/StatefulSet/reminder-queue"),  # a workload and its own objects: the workload
    (["r/StatefulSet/records-db", "r/Secret/records-db", "r/ConfigMap/records-db-config"], "r/StatefulSet/records-db"),
    (["a/Deployment/driver-api-worker", "b/Deployment/yard-inventory-worker"], None),  # two workloads: ask
    (["a/Deployment/imaging-upload", "a/Deployment/imaging-upload-debug"], None),
])
def test_a_word_that_fits_a_workload_and_its_own_objects_means_the_workload(rids, chosen):
    from sre_agent.chat.understand.context_names import _workload_of_its_kin

    assert _workload_of_its_kin(rids) == chosen


def test_a_paused_rollout_is_said_as_paused_with_its_note_and_resumed_by_hand():
    import asyncio

    from sre_agent.chat.act.plans import suspend_plan
    from sre_agent.chat.answer.rollout_pause import paused_rollout
    from tests.unit.chat.test_objects_in_context import Cluster

    rows = {"ReplicaSet": [{"name": "seat-map-67lxb2z4q9", "ready": "2/2", "images": ["seat-map:3.8.2"]},
                           {"name": "seat-map-9x8c7v6b5n", "ready": "0/0", "images": ["seat-map:3.9.0"]}]}

    obj = {"metadata": {"annotations": {"example.io/pause-reason": "holding 3.9.0 until sign-off (CHG-1)"}},
           "spec": {"paused": True, "template": {"spec": {"containers": [{"name": "app", "image": "seat-map:3.9.0"}]}}}}
    ask = Ask(question="is seat-map stuck", recognised=recognise("is seat-map stuck"), tools=Cluster(rows))
    headline, details = asyncio.run(paused_rollout(ask, "seating/Deployment/seat-map", obj))
    assert "paused" in headline and "seat-map:3.9.0 is not rolled out" in headline and "3.8.2" in headline
    assert any("CHG-1" in d for d in details) and details[-1].startswith("to release it: kubectl rollout resume")
    assert asyncio.run(paused_rollout(ask, "seating/Deployment/seat-map", {"spec": {}})) is None
    plan = suspend_plan("resume it", "seating/Deployment/seat-map", obj)
    assert not isinstance(plan, str) and plan.kubectl == "kubectl rollout resume deployment/seat-map -n seating"


def test_the_init_container_is_the_one_an_init_image_request_names():
    from sre_agent.chat.act.change_plans import plan_for

    obj = {"spec": {"template": {"spec": {"initContainers": [{"name": "layouts", "image": "r/layout-sync:1.3.0"}],
                                          "containers": [{"name": "app", "image": "r/door:7.3.0"}]}}}}
    plan = plan_for("set the init image back to 1.2.4", "v/Deployment/door", obj)
    assert not isinstance(plan, str) and plan.args["container"] == "layouts" and plan.args["image"] == "r/layout-sync:1.2.4"
    plan = plan_for("set the image back to 7.2.1", "v/Deployment/door", obj)
    assert not isinstance(plan, str) and plan.args["container"] == "app"


def test_a_healthy_pods_delete_beside_the_cause_is_refused():
    refusal = not_the_cause(_ask("delete scan-ledger-0 to reset the ring", {**ROOT, "resource": "v/PersistentVolumeClaim/x-2"}),
                            "delete_pod", "v/Pod/scan-ledger-0", own_fault=False)
    assert refusal is not None and "a delete of v/Pod/scan-ledger-0 would not clear it" in refusal.headline


def test_a_cronjob_run_that_failed_before_a_later_one_completed_is_recovered_not_broken():
    import asyncio

    from sre_agent.chat.answer.runs import recovered_runs
    from tests.unit.chat.test_objects_in_context import Cluster

    jobs = [{"name": "sync-1", "cronjob": "sync", "created": "2026-01-01T10:00:00Z", "failed": 2},
            {"name": "sync-2", "cronjob": "sync", "created": "2026-01-01T10:15:00Z", "succeeded": 1},
            {"name": "sync-3", "cronjob": "sync", "created": "2026-01-01T10:30:00Z", "failed": 2}]
    ask = Ask(question="is sync broken", recognised=recognise("is sync broken"), tools=Cluster({"Job": jobs}))
    assert asyncio.run(recovered_runs(ask, "d/CronJob/sync")) == {"d/Job/sync-1"}  # the latest failure is its state


def test_a_change_naming_a_kind_the_conversation_has_no_object_of_asks_which_never_moves_kinds():
    import asyncio

    from sre_agent.chat.understand.references import resolve
    from tests.unit.chat.test_objects_in_context import Cluster

    class Namespaced(Cluster):  # get_resources honours its namespace, as the MCP server does
        async def call(self, agent, server, tool, args, brain="offline"):
            outcome = await super().call(agent, server, tool, args, brain)
            items = [i for i in (outcome.data or {}).get("items") or [] if args.get("namespace") in (None, i["namespace"])]
            return outcome.model_copy(update={"data": {"items": items}})

    quotas = {"ResourceQuota": [{"name": "seating-quota", "namespace": "seating"}]}
    ask = Ask(question="raise the quota to 10Gi", recognised=recognise("raise the quota to 10Gi"), tools=Namespaced(quotas),
              focus=["venue-ops/Job/import-venue", "seating/Deployment/seat-hold"])
    asked = asyncio.run(resolve(ask))  # the conversation's namespace (venue-ops) has no quota: which one, not seat-hold
    assert not isinstance(asked, str) and asked.status == "needs_subject" and "seating/seating-quota" in asked.headline
    ask = Ask(question="raise the quota to 10Gi", recognised=recognise("raise the quota to 10Gi"), tools=Namespaced(quotas),
              focus=["seating/Deployment/seat-hold"])
    assert asyncio.run(resolve(ask)) == "seating/ResourceQuota/seating-quota"


def test_a_root_cause_in_a_configmap_excuses_only_the_workloads_that_read_it():
    cm_root = {**ROOT, "resource": "port/ConfigMap/gate-checkin-config", "category": "endpoint_misconfigured"}
    ask = _ask("restart manifest-api then", cm_root)
    assert elsewhere(ask, "cargo/Deployment/manifest-api") is None  # a reader unknown: the restart may be the fix
    assert elsewhere(ask, "cargo/Deployment/manifest-api", config_reader=False) == \
        ("port/ConfigMap/gate-checkin-config", "endpoint_misconfigured")


def test_a_restart_behind_a_service_whose_own_spec_is_at_fault_is_refused_an_undo_only_when_it_leaves_the_ports():
    from sre_agent.chat.act.guards import elsewhere_for

    port = {**ROOT, "resource": "reminders/Service/notify-relay", "category": "service_port_mismatch"}
    ask = _ask("restart notify-relay", port)
    assert elsewhere_for(ask, "rollout_restart", "reminders/Deployment/notify-relay") == \
        ("reminders/Service/notify-relay", "service_port_mismatch")
    assert elsewhere_for(ask, "rollout_undo", "reminders/Deployment/notify-relay") is None  # the rollout may have renamed it
    # ... unless what the undo changes touches no port or label the Service matches (an image only): the same Service
    assert elsewhere_for(ask, "rollout_undo", "reminders/Deployment/notify-relay", service_untouched=True) == \
        ("reminders/Service/notify-relay", "service_port_mismatch")


PROBE_ROOT = {"resource": "fleet/Deployment/vessel-api", "category": "probe_misconfig",
              "summary": "probe_misconfig on fleet/Deployment/vessel-api (liveness probe failing): connection refused"}


def _plan(tool, **args):
    return Plan(tool, args, "change", "kubectl ...")


@pytest.mark.parametrize(("plan", "rid", "diagnosis", "noted"), [
    # a memory limit raised where the liveness probe kills the container: pinned, with the fault it leaves
    (_plan("set_resources", limits={"memory": "2Gi"}), "fleet/Deployment/vessel-api", PROBE_ROOT, "a memory change"),
    (_plan("rollout_undo"), "fleet/Deployment/vessel-api", PROBE_ROOT, None),  # an undo acts on a release's probe
    (_plan("delete_pod"), "fleet/Pod/vessel-api-7d9-x2k", PROBE_ROOT, "a restart change"),  # its pod meets the same probe
    (_plan("set_resources", limits={"memory": "2Gi"}), "fleet/Deployment/vessel-api",
     {**PROBE_ROOT, "category": "oom_killed"}, None),  # memory for an OOM kill: the fix itself
    (_plan("scale", replicas=4), "onboard/Deployment/kiosk-api", PROBE_ROOT, "does not touch it"),  # another workload
    (_plan("scale", replicas=4), "onboard/Deployment/kiosk-api", None, None),  # nothing found: nothing to say
])
def test_a_change_that_leaves_the_found_fault_says_so(plan, rid, diagnosis, noted):
    note = asyncio.run(cause_note(_ask("do it", diagnosis), plan, rid))
    if noted is None:
        assert note is None
    else:
        assert note is not None and noted in note and diagnosis["category"] in note


def test_an_undo_of_a_workload_whose_calls_fail_outside_the_cluster_is_said_not_pinned():
    outside = {"category": "none", "resource": "", "summary": "No root cause in the cluster: comms/Deployment/sms's calls to "
               "api.vendor.example.com (outside the cluster) time out or fail -- its owner is who can fix that"}
    said = _fails_outside(_ask("roll back sms", outside), "rollout_undo", "comms/Deployment/sms")
    assert said is not None and said.status == "answered" and "api.vendor.example.com" in said.headline
    assert _fails_outside(_ask("roll back sms anyway", outside), "rollout_undo", "comms/Deployment/sms") is None
    assert _fails_outside(_ask("roll back mailer", outside), "rollout_undo", "comms/Deployment/mailer") is None  # another


def test_a_change_pinned_on_a_workload_whose_calls_fail_outside_says_so_with_the_line():
    outside = {"category": "none", "resource": "", "summary": "No root cause in the cluster: comms/Deployment/sms's calls to "
               "api.vendor.example.com (outside the cluster) time out or fail -- its owner is who can fix that (its logs: "
               "WARN POST /v3/messages -> 429 Too Many Requests)"}
    note = asyncio.run(cause_note(_ask("scale sms to 8", outside), _plan("scale", replicas=8), "comms/Deployment/sms"))
    assert note is not None and "api.vendor.example.com" in note and "429 Too Many Requests" in note and "a scale" in note
    other = asyncio.run(cause_note(_ask("scale mailer to 8", outside), _plan("scale", replicas=8), "comms/Deployment/mailer"))
    # another workload asked for ("mailer went out before, roll it back"): what fails is said, never left unsaid
    assert other is not None and "what fails is comms/Deployment/sms, not comms/Deployment/mailer" in other


class Reads:
    """A cluster whose every workload reads ConfigMap `name` by envFrom (the one call configs_read_by makes)."""

    parameters: dict = {}

    def __init__(self, name: str) -> None:
        self.name = name

    async def call(self, agent, server, tool, args, brain="offline"):
        assert tool == "describe", tool
        spec = {"template": {"spec": {"containers": [{"name": "app", "envFrom": [{"configMapRef": {"name": self.name}}]}]}}}
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True),
                           data={"object": {"spec": spec}})


CONFIG_ROOT = {"resource": "pay/ConfigMap/pay-api-config", "category": "endpoint_misconfigured",
               "summary": "endpoint_misconfigured on pay/ConfigMap/pay-api-config: DB_ADDR connects to port 6432"}
IMAGE_ROOT = {"resource": "tt/Deployment/tt-api", "category": "bad_image",
              "summary": "bad_image on tt/Deployment/tt-api (CrashLoopBackOff): exec format error"}


@pytest.mark.parametrize(("plan", "rid", "diagnosis", "noted"), [
    # an undo rolls the template back, never a ConfigMap's data: the root said, its summary's lead not repeated
    (Plan("rollout_undo", {}, "image pay-api:2.5 -> pay-api:2.4", ""), "pay/Deployment/pay-api", CONFIG_ROOT,
     "an undo of pay/Deployment/pay-api leaves what pay/ConfigMap/pay-api-config holds as it is"),
    # ... unless the revision it goes back to reads another ConfigMap (the change names it)
    (Plan("rollout_undo", {}, "envFrom pay-api-config -> pay-api-config-v1", ""), "pay/Deployment/pay-api", CONFIG_ROOT,
     None),
    (_plan("rollout_restart"), "pay/Deployment/pay-api", CONFIG_ROOT, None),  # a restart picks a config fix up
])
def test_an_undo_leaves_a_configmaps_data_and_says_so(plan, rid, diagnosis, noted):
    note = asyncio.run(cause_note(_ask("roll it back", diagnosis), plan, rid))
    if noted is None:
        assert note is None
    else:
        assert note is not None and noted in note and "(endpoint_misconfigured: DB_ADDR" in note


def test_a_config_edit_beside_a_fault_no_config_reaches_is_said_even_where_the_root_reads_it():
    """bad_image (acted on by image and undo only): a key of a ConfigMap the crashing workload reads cannot fix it."""
    ask = Ask(question="revert CACHE_TTL to 300", recognised=recognise("revert CACHE_TTL to 300"), tools=Reads("tt-config"),
              last_diagnosis=IMAGE_ROOT)
    note = asyncio.run(cause_note(ask, Plan(BY_HAND, {}, "set key CACHE_TTL", ""), "tt/ConfigMap/tt-config"))
    assert note is not None and "the root cause found is tt/Deployment/tt-api (bad_image" in note


def test_an_undo_or_restart_where_the_investigation_found_no_fault_is_said_not_pinned():
    from sre_agent.chat.act.rollback import _no_fault_found
    none = {"category": "none", "resource": "", "summary": "No root cause among the observations: demand rose 7x"}
    said = _no_fault_found(_ask("restart all its pods to be safe", none), "rollout_restart", "t/Deployment/ingest")
    assert said is not None and said.status == "answered" and "found no fault to clear (No root cause" in said.headline
    assert _no_fault_found(_ask("restart it anyway", none), "rollout_restart", "t/Deployment/ingest") is None
    assert _no_fault_found(_ask("restart it", ROOT), "rollout_restart", "t/Deployment/ingest") is None  # a fault found
    assert _no_fault_found(_ask("restart it", None), "rollout_restart", "t/Deployment/ingest") is None  # none looked for


class Autoscaled:
    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        assert tool == "get_resources" and args["kind"] == "HorizontalPodAutoscaler"
        hpa = {"name": "ingest", "namespace": "t", "target": "Deployment/ingest", "min": 3, "max": 24, "current": 18}
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True),
                           data={"items": [hpa]})


def test_a_scale_by_hand_of_what_an_autoscaler_scales_is_said_not_pinned():
    from sre_agent.chat.act.guards import autoscaled
    ask = Ask(question="scale it to 3", recognised=recognise("scale it to 3"), tools=Autoscaled())
    said = asyncio.run(autoscaled(ask, "scale", "t/Deployment/ingest"))
    assert said is not None and said.status == "answered" and "(min 3, max 24, now 18)" in said.headline
    ask = Ask(question="scale it to 3 anyway", recognised=recognise("scale it to 3 anyway"), tools=Autoscaled())
    assert asyncio.run(autoscaled(ask, "scale", "t/Deployment/ingest")) is None
    assert asyncio.run(autoscaled(ask, "scale", "t/Deployment/other")) is None


@pytest.mark.parametrize("question, bounded", [("What is the maximum number of replicas for ingest?", True),
                                               ("whats the min pods it can go to", True),
                                               ("how many replicas does ingest run", False)])
def test_a_replica_bound_asked_is_the_autoscalers(question, bounded):
    from sre_agent.chat.answer.properties import REPLICA_BOUND, _autoscaled_between
    assert bool(REPLICA_BOUND.search(question)) is bounded
    ask = Ask(question=question, recognised=recognise(question), tools=Autoscaled())
    said = asyncio.run(_autoscaled_between(ask, "t/Deployment/ingest"))
    assert said is not None and "between 3 and 24 replicas (now 18" in said.headline


MISSING_KEY_ROOT = {"resource": "msg/Deployment/notify-worker", "category": "crash_missing_config",
                    "summary": "crash_missing_config on msg/Deployment/notify-worker (CrashLoopBackOff): exits with code 1: "
                               "KeyError: 'SMS_SENDER_SID'"}


@pytest.mark.parametrize(("key", "noted"), [
    ("EMAIL_BATCH_SIZE", "its evidence does not name EMAIL_BATCH_SIZE"),  # another key of the ConfigMap the root reads
    ("SMS_SENDER_SID", None),  # the key the evidence names: the edit may be the fix
])
def test_a_key_set_where_the_root_reads_is_its_fix_only_when_the_evidence_names_it(key, noted):
    ask = Ask(question=f"set {key} back to 50", recognised=recognise(f"set {key} back to 50"), tools=Reads("notify-config"),
              last_diagnosis=MISSING_KEY_ROOT)
    plan = Plan(BY_HAND, {"kind": "ConfigMap", "name": "notify-config", "namespace": "msg", "key": key}, f"set key {key}", "")
    note = asyncio.run(cause_note(ask, plan, "msg/ConfigMap/notify-config"))
    if noted is None:
        assert note is None
    else:
        assert note is not None and noted in note and "KeyError: 'SMS_SENDER_SID'" in note


def test_a_configmap_edit_beside_a_root_in_another_configmap_or_secret_is_said():
    secret_root = {"resource": "rent/Secret/shop-db-client", "category": "stale_credential",
                   "summary": "stale_credential on rent/Secret/shop-db-client: certificate expired"}
    note = asyncio.run(cause_note(_ask("revert BOOKING_DAYS to 7", secret_root),
                                  Plan(BY_HAND, {"key": "BOOKING_DAYS"}, "set key BOOKING_DAYS", ""), "rent/ConfigMap/shop-config"))
    assert note is not None and "rent/Secret/shop-db-client" in note and "does not touch it" in note


def test_a_change_where_the_investigation_found_no_fault_says_what_it_looked_at():
    from sre_agent.chat.act.cause_note import _found_nothing

    summary = "No root cause among the observations: passes/Deployment/pass-api: 12 replicas; changed on purpose"
    note = _found_nothing(summary, "passes/Deployment/pass-api", "passes/ConfigMap/pass-config")
    assert note is not None and "the investigation of passes/Deployment/pass-api found no fault" in note
    assert _found_nothing(summary, "passes/Deployment/pass-api", "passes/Deployment/pass-api") is None  # its own object
    assert _found_nothing("X failed", "passes/Deployment/pass-api", "passes/ConfigMap/pass-config") is None  # a fault


def test_a_quoted_diagnosis_drops_registry_hosts_and_list_brackets_but_not_for_pull_faults():
    release = {"resource": "m/Deployment/feed", "category": "bad_deploy_regression",
               "summary": "bad_deploy_regression on m/Deployment/feed: m/Deployment/feed rolled out revision 2 "
                          "(['123.dkr.ecr.us-east-1.amazonaws.com/p/feed:4.2.3'] -> ['123.dkr.ecr.us-east-1.amazonaws.com/p/feed:4.3.0'])"}
    assert cause_text(release) == "m/Deployment/feed rolled out revision 2 (p/feed:4.2.3 -> p/feed:4.3.0)"
    pull = {"resource": "m/Deployment/feed", "category": "image_pull_auth",
            "summary": "image_pull_auth on m/Deployment/feed: pulling 123.dkr.ecr.us-east-1.amazonaws.com/p/feed:4.3.0: 401"}
    assert "123.dkr.ecr.us-east-1.amazonaws.com/p/feed:4.3.0" in cause_text(pull)


def test_a_change_in_unread_words_on_the_root_pins_the_fix_the_investigation_found_for_it():
    from sre_agent.chat.act.found_fix import found_fix

    fix = {"resource": "crew/CronJob/roster", "summary": "point crew/CronJob/roster's reference at password",
           "commands": ["kubectl -n crew patch cronjob roster --type json -p '[...]'"]}
    asked = []

    async def investigate(question, rid):
        asked.append(question)
        return {"diagnosis": {"category": "missing_config_ref", "resource": rid}, "proposed_fixes": [fix]}

    root = {"resource": "crew/CronJob/roster", "category": "missing_config_ref", "summary": "no key CREW_DB_PASSWORD"}
    ask = Ask(question="point the cronjob at the new key", recognised=recognise("point the cronjob at the new key"),
              tools=NoTools(), last_diagnosis=root, investigate=investigate)
    pinned = asyncio.run(found_fix(ask, "crew/CronJob/roster"))
    assert pinned is not None and pinned.status == "approval_required"
    assert pinned.approval.how_to_approve == ["kubectl -n crew patch cronjob roster --type json -p '[...]'"]
    assert asked == ["why is roster failing"]  # its diagnosis, not the words no form read
    assert asyncio.run(found_fix(ask, "crew/Deployment/other")) is None  # not the root: nothing found for it


def test_a_node_change_with_nothing_troubled_on_it_is_weighed_against_what_pages_elsewhere(monkeypatch):
    import sre_agent.chat.act.cause_note as cn

    async def wider(ask, near=None, own_node=True):  # the node path finds nothing on the node; past it, what pages
        return near if own_node and ask.resource == near else "lab/Deployment/gateway"

    async def investigate(question, rid):
        return {"diagnosis": {"category": "crash_missing_config", "resource": rid,
                              "summary": f"crash_missing_config on {rid}: CA_BUNDLE is not set"}}

    monkeypatch.setattr(cn, "wider_subject", wider)
    ask = Ask(question="cordon ip-10-1-2-3, it flapped earlier", recognised=recognise("cordon ip-10-1-2-3"),
              tools=NoTools(), investigate=investigate, resource="Node/ip-10-1-2-3")
    note = asyncio.run(cn.cause_note(ask, _plan("cordon"), "Node/ip-10-1-2-3", "cordon"))
    assert note is not None and "the root cause found is lab/Deployment/gateway" in note and "CA_BUNDLE" in note
    assert ask.resource == "Node/ip-10-1-2-3"  # the conversation's object is left as it was


def test_would_acting_on_an_object_with_no_fault_help_says_no_and_the_root_cause_found_before():
    from sre_agent.chat.answer.remedies import by_investigation, restart_verdict

    async def investigate(question, rid):
        return {"status": "answered", "diagnosis": {"category": "none", "resource": "", "summary": "No root cause"}}

    quota = {"resource": "lab/ResourceQuota/compute", "category": "quota_exceeded",
             "summary": "quota_exceeded on lab/ResourceQuota/compute: exceeded quota: compute"}
    from tests.unit.chat.test_objects_in_context import Cluster

    ask = Ask(question="would restarting web help", recognised=recognise("would restarting web help"),
              tools=Cluster({}), investigate=investigate, resource="lab/Deployment/web", last_diagnosis=quota)
    answer = asyncio.run(by_investigation(ask, restart_verdict))
    assert answer.headline.startswith("No: Nothing was found wrong with lab/Deployment/web")
    assert "the root cause found is quota_exceeded on lab/ResourceQuota/compute: exceeded quota: compute" in answer.headline


def test_a_change_of_both_a_request_and_a_limit_is_pinned_whole():
    from sre_agent.chat.act.change_plans import plan_for

    obj = {"spec": {"template": {"spec": {"containers": [
        {"name": "planner", "resources": {"requests": {"cpu": "10"}, "limits": {"cpu": "10"}}}]}}}}
    plan = plan_for("set planner's cpu request to 7 and limit to 8", "deck/Deployment/planner", obj)
    assert not isinstance(plan, str) and (plan.args["requests"], plan.args["limits"]) == ({"cpu": "7"}, {"cpu": "8"})
    assert plan.kubectl.endswith("--requests=cpu=7 --limits=cpu=8")
    assert plan.change == "container planner: cpu request 10 -> 7, limit 10 -> 8"  # each part with what it is now
    one = plan_for("set the cpu limit to 12", "deck/Deployment/planner", obj)
    assert not isinstance(one, str) and one.args["limits"] == {"cpu": "12"} and "requests" not in one.args
    # the manifest's own field names said with their values: both parts, read like words
    question = "undo the right-sizing on planner: limits.cpu 3, requests.cpu 500m"
    assert (recognise(question).form, recognise(question).subject) == ("write_request", "planner")
    fields = plan_for(question, "deck/Deployment/planner", obj)
    assert not isinstance(fields, str) and (fields.args["limits"], fields.args["requests"]) == ({"cpu": "3"}, {"cpu": "500m"})
    given = "just give the planner container a 3Gi memory limit"
    assert (recognise(given).form, recognise(given).subject) == ("write_request", "planner")


STALE = {"resource": "lab/Deployment/results-api", "category": "stale_credential",
         "summary": "stale_credential on lab/Deployment/results-api: logins refused"}


@pytest.mark.parametrize(("commands", "noted"), [
    # the fix restarts only after the Secret is put right: a restart alone is said to leave the fault
    (["kubectl -n lab edit secret results-api-db", "kubectl -n lab rollout restart deployment/results-api"], True),
    # the fix is the restart itself (the pods hold a credential rotated since they started)
    (["kubectl -n lab rollout restart deployment/results-api", "kubectl -n lab rollout status deployment/results-api"], False),
])
def test_a_restart_the_fix_comes_to_only_after_another_step_says_that_step(commands, noted):
    async def investigate(question, rid):
        return {"diagnosis": STALE, "proposed_fixes": [{"resource": "lab/Deployment/results-api", "commands": commands,
                                                        "summary": "logins refused -- put the current value in "
                                                                   "results-api-db, then restart its pods"}]}
    ask = _ask("so just restart it?", STALE)
    ask.investigate = investigate
    plan = Plan("rollout_restart", {"namespace": "lab", "name": "results-api"}, "restart every pod", "kubectl rollout restart",
                "generation 2")
    note = asyncio.run(cause_note(ask, plan, "lab/Deployment/results-api", "restart"))
    assert (note == "note: a restart alone leaves the fault -- the fix found restarts only after another step: put the "
                    "current value in results-api-db, then restart its pods (first: `kubectl -n lab edit secret "
                    "results-api-db`)") if noted else note is None


ENDPOINT = {"resource": "public/ConfigMap/portal-config", "category": "endpoint_misconfigured",
            "summary": "endpoint_misconfigured on public/ConfigMap/portal-config: BILLING_URL names port 8443"}


@pytest.mark.parametrize(("commands", "noted"), [
    # the wrong value is still in the ConfigMap: restarted, the reader reads it again -- the edit comes first
    (["kubectl -n public patch configmap portal-config --type merge -p '{\"data\": {\"BILLING_URL\": \"http://b:8080\"}}'",
      "kubectl -n public rollout restart deployment/portal"], True),
    # nothing to put right first: the restart is the fix
    (["kubectl -n public rollout restart deployment/portal"], False),
])
def test_a_restart_of_what_reads_a_wrong_value_says_the_edit_that_comes_first(commands, noted):
    asked = []

    async def investigate(question, rid):
        asked.append(rid)  # the ConfigMap's fix is found by the investigation of what reads it
        return {"diagnosis": ENDPOINT, "proposed_fixes": [{"resource": "public/ConfigMap/portal-config",
                                                           "commands": commands, "summary": "set BILLING_URL to 8080"}]}
    ask = _ask("just restart the portal pods", ENDPOINT)
    ask.investigate = investigate
    plan = Plan("rollout_restart", {"namespace": "public", "name": "portal"}, "restart every pod", "kubectl rollout restart",
                "generation 2")
    note = asyncio.run(cause_note(ask, plan, "public/Deployment/portal", "restart"))
    assert asked == ["public/Deployment/portal"]
    assert (note is not None and note.leaves == "after" and "(first: `kubectl -n public patch configmap portal-config"
            in note) if noted else note is None


@pytest.mark.parametrize(("question", "too"), [
    ("fix the configmap and restart portal", True),
    ("put portal-config back and restart the pods", True),
    ("put the right key in and restart", True),
    ("fix the image to 2.7.0 and kick off a manual run", True),
    ("just restart the portal pods", False),
    ("restart portal, the configmap is fine", False),  # the root named, no change of it asked
])
def test_a_restart_asked_with_a_change_of_its_own_is_the_fix(question, too):
    from sre_agent.chat.act.leaves_fault import _asks_the_fix_too
    assert _asks_the_fix_too(question) is too


def test_the_fix_of_a_configmap_is_found_by_the_investigation_of_what_reads_it():
    from sre_agent.chat.act.found_fix import found_fix
    asked = []

    async def investigate(question, rid):
        asked.append(rid)
        return {"diagnosis": ENDPOINT, "proposed_fixes": [{"resource": "public/ConfigMap/portal-config", "summary": "set it",
                                                           "commands": ["kubectl -n public edit configmap portal-config"]}]}
    ask = _ask("fix the configmap and restart portal", ENDPOINT)
    ask.investigate = investigate
    pinned = asyncio.run(found_fix(ask, "public/ConfigMap/portal-config", about="public/Deployment/portal"))
    assert asked == ["public/Deployment/portal"] and pinned is not None and pinned.status == "approval_required"
    assert pinned.approval.how_to_approve == ["kubectl -n public edit configmap portal-config"]


def test_the_fix_found_is_pinned_whole_its_edit_and_the_restart_that_brings_it_in():
    from sre_agent.chat.act.found_fix import found_fix

    commands = ["kubectl -n public patch configmap portal-config --type merge -p '{\"data\": {\"DB_HOST\": \"db.public.svc\"}}'",
                "kubectl -n public rollout restart deployment/portal", "# or: kubectl -n public rollout undo deployment/portal"]

    async def investigate(question, rid):
        return {"diagnosis": ENDPOINT, "proposed_fixes": [{"resource": "public/ConfigMap/portal-config",
                                                           "summary": "set it", "commands": commands}]}
    ask = _ask("put db host back and restart the api", ENDPOINT)
    ask.investigate = investigate
    pinned = asyncio.run(found_fix(ask, "public/ConfigMap/portal-config", about="public/Deployment/portal"))
    assert pinned is not None and pinned.approval.how_to_approve == [" && ".join(commands[:2])]  # never the comment


def test_words_of_their_own_the_fix_found_never_says_are_another_change_never_pinned_in_its_place():
    from sre_agent.chat.act.found_fix import found_fix

    async def investigate(question, rid):
        return {"diagnosis": ENDPOINT, "proposed_fixes": [{"resource": "public/ConfigMap/portal-config", "summary": "set it",
                                                           "commands": ["kubectl -n public edit configmap portal-config"]}]}
    ask = _ask("raise the alarm threshold so reloads stop paging", ENDPOINT)
    ask.investigate = investigate
    assert asyncio.run(found_fix(ask, "public/ConfigMap/portal-config", about="public/Deployment/portal")) is None
    ask = _ask("make it work again", ENDPOINT)  # a plea for the fix, in words that name no other change
    ask.investigate = investigate
    assert asyncio.run(found_fix(ask, "public/ConfigMap/portal-config", about="public/Deployment/portal")) is not None


def test_a_memory_change_on_a_container_other_than_the_one_killed_is_said_with_the_one_killed():
    from sre_agent.chat.act.plans import Plan
    from sre_agent.chat.act.targets import other_container_killed

    plan = Plan("set_resources", {"container": "consumer", "limits": {"memory": "1Gi"}}, "memory limit 512Mi -> 1Gi", "k")
    killed = ("log-forwarder", "OOMKilled (exit 137), limit 128Mi")
    refused = other_container_killed(_ask("give the consumer container 1Gi of memory", None), plan, "gps/Deployment/ingest", killed)
    assert refused is not None and refused.status == "answered" and "log-forwarder is" in refused.headline
    assert other_container_killed(_ask("give the consumer 1Gi anyway", None), plan, "gps/Deployment/ingest", killed) is None
    own = Plan("set_resources", {"container": "log-forwarder", "limits": {"memory": "256Mi"}}, "c", "k")
    assert other_container_killed(_ask("bump the forwarder to 256Mi", None), own, "gps/Deployment/ingest", killed) is None


@pytest.mark.parametrize(("question", "verb", "repoints"), [
    # gorsedale: "at key token" had been read as a Service's port change -- of a Service named after the Secret
    ("point it back at key token pls", "unknown", True),
    ("fine, fix the deployment's secret key ref back to token", "unknown", True),
    ("repoint the secretKeyRef to token", "unknown", True),
    ("point the svc at port 8080", "port", None),  # (a port change never asks whether a key is re-pointed)
    ("point it at 8443", "port", None),
])
def test_a_reference_pointed_at_another_key_is_no_port_change(question, verb, repoints):
    from sre_agent.chat.act.writes import USE_KEY
    assert change_verb(question) == verb
    assert repoints is None or bool(USE_KEY.search(question)) == repoints


def test_a_key_reference_asked_of_the_secret_talked_about_is_its_readers_to_change():
    # gorsedale: "point it back at key token" after the Secret's keys were read -- the reference is the workload's
    from sre_agent.chat.act.writes import _reader_said
    from sre_agent.chat.ask import Ask
    from sre_agent.chat.understand.forms import recognise

    question = "point it back at key token pls"
    ask = Ask(question=question, recognised=recognise(question), tools=None, focus=["climate/Secret/doser-pump-api"])
    ask.last_diagnosis = {"category": "missing_config_ref", "resource": "climate/Deployment/nutrient-doser",
                          "summary": "couldn't find key api-token in Secret climate/doser-pump-api"}
    assert _reader_said(ask, "climate/Secret/doser-pump-api") == "climate/Deployment/nutrient-doser"
    assert _reader_said(ask, "climate/Secret/other-secret") is None  # a Secret the diagnosis does not name: no reader


def test_a_value_to_point_a_config_key_at_is_no_key_reference():
    # kingsmere: "add LOCK_GATEWAY_URL back into keycard-issuer-config pointing at lock-gateway 8080" adds a key with a
    # value -- the ConfigMap's change, never its reader's reference re-pointed
    from sre_agent.chat.act.writes import _reader_said
    from sre_agent.chat.ask import Ask
    from sre_agent.chat.understand.forms import recognise

    question = "add LOCK_GATEWAY_URL back into keycard-issuer-config pointing at lock-gateway 8080"
    ask = Ask(question=question, recognised=recognise(question), tools=None, focus=["keys/ConfigMap/keycard-issuer-config"])
    ask.last_diagnosis = {"category": "crash_missing_config", "resource": "keys/Deployment/keycard-issuer",
                          "summary": "LOCK_GATEWAY_URL is empty or unset, see keycard-issuer-config"}
    assert _reader_said(ask, "keys/ConfigMap/keycard-issuer-config") is None
