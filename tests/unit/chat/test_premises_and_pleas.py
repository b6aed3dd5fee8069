"""What the question presumes is not what it asks: a premise before the request's question mark, a plea ("... help")
inside a sentence, a reason after a rollback request, a fault presumed on a healthy object; a delete said of a
workload's pods is of those pods; a name the conversation quoted but no object has; kubectl's -c and | grep on logs;
a brief never cut inside brackets; Kubernetes' own condition taints are never a person's leftover."""

import asyncio

import pytest

from sre_agent.chat.act.change_plans import change_verb
from sre_agent.chat.act.pod_deletes import pods_delete
from sre_agent.chat.act.targets import short_of_it_elsewhere
from sre_agent.chat.answer.config_sources import setting_parts
from sre_agent.chat.answer.premise import premise_corrected
from sre_agent.chat.ask import Ask
from sre_agent.chat.conversation.brief import _parts
from sre_agent.chat.models import Answer
from sre_agent.chat.understand.forms import recognise
from sre_agent.chat.understand.kubectl_speak import translate
from sre_agent.chat.understand.missing import said_not_existing
from sre_agent.contracts import Finding, ToolCallRecord
from sre_agent.graph.fix_values import leftover_taint
from sre_agent.graph.ports import ToolOutcome


class TableTools:
    """Answers each tool from a table (tool -> data, or a function of the args); any other call fails the test."""

    parameters: dict = {}

    def __init__(self, table):
        self.table = table
        self.calls = []

    async def call(self, agent, server, tool, args):
        self.calls.append((tool, args))
        if tool not in self.table:
            raise AssertionError(f"unexpected tool call {tool} {args}")
        entry = self.table[tool]
        data = entry(args) if callable(entry) else entry
        return ToolOutcome(data=data, error=None, record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool,
                                                                        ok=True, excerpt=""))


def _ask(question, table=None, **fields):
    return Ask(question=question, recognised=recognise(question), tools=TableTools(table or {}), **fields)


@pytest.mark.parametrize(("question", "verb"), [
    ("account-api is getting oom killed right? bump its memory to 1Gi", "resources"),  # "killed" is the premise's
    ("meter export job failed?? rerun it", "rerun"),
    ("kill the stuck pod", "delete"),
    ("why is it slow? restart it", "restart"),
])
def test_the_request_is_what_follows_the_premises_question_mark(question, verb):
    assert change_verb(question) == verb


@pytest.mark.parametrize(("question", "form", "subject"), [
    ("control room cant see anything, scada gateway 5xx. help", "unrecognised", None),  # a plea, not /help
    ("help", "help", None),
    ("/help", "help", None),
    ("roll back resort-web, it was released right before", "rollback_request", "resort-web"),
    ("roll back turnstile gateway, 3.9.3 went out during the incident", "rollback_request", "turnstile"),
    ("roll back turnstile-gateway to the previous revision", "rollback_request", "turnstile-gateway"),
    ("delete the pending pods so they reschedule", "node_or_pod_write", None),
    ("delete the pending rental-pos pods", "node_or_pod_write", "rental-pos"),
    ("resize pvc rental-uploads to 40Gi", "write_request", "rental-uploads"),
    ("Is the appointments-api HPA healthy?", "status", "appointments-api"),  # the kind said beside the name
])
def test_requests_with_their_reasons_and_pleas_are_read(question, form, subject):
    recognised = recognise(question)
    assert (recognised.form, recognised.subject) == (form, subject)


def test_a_raise_on_a_workload_short_of_nothing_names_what_is():
    table = {"analyze": {"findings": [
        {"resource": "platform/Pod/api-cache-7f9-x2", "reason": "OOMKilled", "message": "last termination OOMKilled"},
        {"resource": "portal/Deployment/account-api", "reason": "OOMKilled", "message": "(its own: excluded)"},
        {"resource": "billing/Deployment/tariff-engine", "reason": "5xx", "message": "errors"}]},
        "describe": {"object": {"metadata": {"ownerReferences": [{"kind": "Deployment", "name": "api-cache"}]}}}}
    # ownerReferences of a Deployment's pod name its ReplicaSet in a real cluster; owner_of reads what the API says
    note = asyncio.run(short_of_it_elsewhere(_ask("bump its memory", table), "portal/Deployment/account-api", "memory"))
    assert note is not None and "platform/Deployment/api-cache" in note and "OOM-killed" in note
    assert asyncio.run(short_of_it_elsewhere(_ask("bump its cpu", table), "portal/Deployment/account-api", "cpu")) is None


PENDING = {"name": "rental-pos-abc-1", "namespace": "rental", "owner": "ReplicaSet/rental-pos-abc", "status": "Unschedulable",
           "ready": "0/1", "problems": ["0/4 nodes are available: 4 Insufficient memory"]}
CRASHING = {**PENDING, "name": "rental-pos-abc-2", "status": "CrashLoopBackOff", "problems": ["pos: CrashLoopBackOff"]}
RUNNING = {**PENDING, "name": "rental-pos-abc-3", "status": "Running", "ready": "1/1", "problems": []}
TEMPLATE = {"object": {"spec": {"template": {"spec": {"containers": [{"name": "pos", "resources": {"requests": {"memory": "20Gi"}}}]}}}}}


def test_pending_pods_the_scheduler_cannot_place_are_not_deleted_and_crashing_ones_are_pinned_alone():
    table = {"get_resources": {"items": [PENDING, CRASHING, RUNNING]}, "describe": TEMPLATE}
    refused = asyncio.run(pods_delete(_ask("delete the pending pods", table), "rental/Deployment/rental-pos"))
    assert refused is not None and refused.status == "answered" and "same scheduler" in refused.headline
    assert any("20Gi" in line for line in refused.details)
    pinned = asyncio.run(pods_delete(_ask("delete the crashing pods", table), "rental/Deployment/rental-pos"))
    assert pinned is not None and pinned.status == "approval_required"
    assert pinned.approval.tool == "delete_pod" and pinned.approval.args["name"] == "rental-pos-abc-2"
    assert asyncio.run(pods_delete(_ask("delete it", table), "rental/Deployment/rental-pos")) is None  # no pods said


def test_a_name_the_conversation_quoted_but_no_object_has_is_answered_from_what_was_said():
    said = ("endpoint_misconfigured on billing/Secret/billing-api-db: DATABASE_URL names Service billing/Service/biling-db, "
            "which does not exist (close: billing-db)")
    listed = {"StatefulSet": ["billing-db"], "Secret": ["billing-api-db", "billing-db"], "Deployment": ["billing-api"]}
    table = {"get_resources": lambda args: {"items": [{"name": n, "namespace": "billing"} for n in listed.get(args["kind"], [])]},
             "describe_alarms": {"alarms": []}}
    answer = asyncio.run(said_not_existing(_ask("wait whats biling-db", table, last_diagnosis={"summary": said})))
    assert answer is not None and "no object" in answer.headline and "billing-api-db" in answer.headline
    # a name that exists is the usual path's, even when the conversation quoted it
    assert asyncio.run(said_not_existing(_ask("and billing-api-db?", table, last_diagnosis={"summary": said}))) is None
    assert asyncio.run(said_not_existing(_ask("wait whats biling-db", table, last_diagnosis={"summary": "other"}))) is None


def test_a_fault_presumed_on_a_healthy_object_is_corrected_with_the_alarmed_objects_diagnosis():
    async def investigate(question, rid):
        assert rid == "billing/Service/billing-api"
        return {"diagnosis": {"resource": "billing/Secret/billing-api-db", "category": "endpoint_misconfigured",
                              "summary": "DATABASE_URL names biling-db"}}
    alarm = {"name": "billing-api-5xx", "state": "ALARM", "metric": {"name": "5xxCount"},
             "dimensions": {"Namespace": "billing", "Service": "billing-api"}}
    table = {"describe_alarms": {"alarms": [alarm]},
             "find_resource": {"matches": [{"resource": "billing/Service/billing-api", "exact": True}]}}
    ask = _ask("billing api 5xx, is the billing db down", table, investigate=investigate, resource="billing/StatefulSet/billing-db")
    healthy = Answer(question=ask.question, form="status", headline="billing/StatefulSet/billing-db looks healthy", status="healthy")
    corrected = asyncio.run(premise_corrected(ask, healthy))
    assert corrected.headline.startswith("No: billing-db is up") and "billing/Secret/billing-api-db" in corrected.headline
    assert corrected.status == "answered"
    plain = _ask("is the billing db ok", table, investigate=investigate, resource="billing/StatefulSet/billing-db")
    assert asyncio.run(premise_corrected(plain, healthy)) is healthy  # no fault presumed: nothing to correct


def test_kubectl_logs_flags_are_said_in_words():
    assert translate("logs job/import-x -n ops -c import").question == "show me the logs of import-x of container import"
    assert translate("logs deploy/api -n snow | grep 401").question == "show me the logs of api matching 401"


def test_that_url_asks_for_the_url_not_a_setting_named_that():
    parts = setting_parts("where does billing-api get that url from")[1]
    assert len(parts) == 1 and "URL" in parts[0]  # one word, the url (with its other spellings); "that" is none


def test_a_brief_never_cuts_inside_brackets():
    line = "container pos: image x; requests {'cpu': '200m', 'memory': '20Gi'}, limits {'cpu': '1'}"
    assert [part for _, part in _parts(line)] == ["container pos: image x", "requests {'cpu': '200m', 'memory': '20Gi'}",
                                                  "limits {'cpu': '1'}"]


def test_kubernetes_condition_taints_are_never_a_leftover():
    def finding(taint):
        return Finding(agent="k", resource="shop/Deployment/x", signal="UntoleratedTaint", summary="",
                       details={"taint": taint, "odd_nodes": ["node-a"]})
    assert leftover_taint([finding("node.kubernetes.io/unreachable=:NoSchedule")], "node-a") is None
    assert leftover_taint([finding("example.com/maintenance=true:NoSchedule")], "node-a") is not None


def test_a_rollout_restart_is_told_apart_from_a_change_of_the_template():
    from sre_agent.chat.answer.templates import RESTARTED_AT, template_diff

    spec = {"containers": [{"name": "gateway", "image": "gw:3.9.2"}]}
    before = {"metadata": {}, "spec": spec}
    after = {"metadata": {"annotations": {RESTARTED_AT: "2026-11-26T23:45:00Z"}}, "spec": spec}
    assert template_diff(after, before) == [f"pod template {RESTARTED_AT} (none) -> 2026-11-26T23:45:00Z (a kubectl rollout restart)"]
    assert template_diff(before, before) == []
    assert recognise("Why were the turnstile-gateway pods replaced?").form == "why_failing"


def test_a_spec_field_set_to_is_a_field_not_an_env_var():
    from sre_agent.chat.answer.config_values import SPEC_SAID

    assert SPEC_SAID.search("whats the probe timeout set to") and not SPEC_SAID.search("what is DATABASE_URL set to")



def test_a_rollback_that_reverts_the_field_the_fault_is_about_is_said_to_fix_it():
    from sre_agent.chat.answer.remedies import _reverts_the_cause

    changed = ["a rollback would change: container pos: resources.requests.memory 20Gi -> 512Mi",
               "a rollback would change: container pos: image pos:6.1.5 -> pos:6.1.4"]
    memory = {"summary": "(Pending, FailedScheduling): 0/4 nodes are available: 4 Insufficient memory."}
    assert _reverts_the_cause(memory, changed) == changed[0]
    assert _reverts_the_cause({"summary": "0/4 nodes are available: 4 node(s) had untolerated taint {x: y}"}, changed) is None


def test_registry_secrets_are_listed_per_namespace_with_the_registries_they_cover():
    from sre_agent.chat.answer.pull_secrets import pull_secrets

    secrets = [{"name": "harbor-pull", "namespace": "metering", "type": "kubernetes.io/dockerconfigjson",
                "registries": ["harbor.pennystone.io"]},
               {"name": "billing-db", "namespace": "billing", "type": "Opaque", "keys": ["password"]}]
    table = {"get_resources": lambda args: {"items": [s for s in secrets if args.get("kind") == "Secret" and (
                 "namespace" not in args or s["namespace"] == args["namespace"])] if args["kind"] == "Secret" else [
                 {"name": n} for n in ("billing", "metering")]}}
    ask = _ask("Does the billing namespace have a pull secret for harbor?", table)
    ask.namespace = "billing"
    answer = asyncio.run(pull_secrets(ask))
    assert answer.headline.startswith("No: namespace billing has no registry Secret for harbor")
    assert any("metering/Secret/harbor-pull" in line for line in answer.details)
    assert (recognise("so how does meter-api pull from harbor then").form, recognise("copy harbor-pull into billing and add "
            "it to the invoice-renderer deployment as imagePullSecrets").form) == ("pull_secrets", "write_request")


def test_in_x_after_a_change_verb_is_a_namespace_only_when_read_so():
    from sre_agent.chat.understand.missing import DASHED

    said = "set SEASON_CODE back to 2025-26 in season-pass-api-config"
    assert recognise(said).namespace == "season-pass-api-config"  # the text alone reads a namespace there ...
    assert recognise(said, change_in=False).namespace is None  # ... which the graph drops when no namespace has that name
    assert DASHED.findall("describe node ip-10-42-9-17.eu-west-2.compute.internal") == []  # a dotted name's first part


def test_pods_that_do_not_crash_are_not_ok_while_their_service_fails_requests():
    from sre_agent.chat.answer.pod_problems import pod_problems

    pods = [{"name": f"tariff-engine-abc-{i}", "namespace": "billing", "owner": "ReplicaSet/tariff-engine-abc",
             "status": "Running", "ready": "1/1", "restarts": 0, "problems": []} for i in (1, 2)]
    dims = {"Namespace": "billing", "Service": "tariff-engine"}
    table = {"get_resources": {"items": pods},
             "list_metrics": {"metrics": [{"metric": "RequestCount", "dimensions": dims}, {"metric": "5xxCount", "dimensions": dims}]},
             "get_metric_data": lambda args: {"series": {"Sum": {"values": [900.0] * 10 if args["metric_name"] == "RequestCount"
                                                                 else [280.0] * 10}}},
             "rollout_history": {"revisions": []}}
    answer = asyncio.run(pod_problems(_ask("tariff engine throwing 5xx, crashlooping?", table,
                                           focus=["billing/Deployment/tariff-engine"])))
    assert answer.status == "problems" and "but it is failing" in answer.headline and "31.1%" in answer.headline


@pytest.mark.parametrize(("question", "trouble"), [
    ("invoice renderer alarm wat is it", True),
    ("rental pos 5xx alarm, desks cant finish rentals", True),
    ("is the invoice renderer alarm still firing", False),
    ("ledger alarm, wats up", True),  # typed at 3 a.m.
    ("checkout slow alarm wat do", True),
    ("which alarms are in alarm", False),
    ("pricing 5xx alarm", True),  # the page pasted: what is behind it
    ("payment 5xx alarm firing wtf", True),
    ("notif backlog alarm, workers not scaling?", True),
    ("any alarms for pricing", False),
    ("whats the threshold on the pricing alarm", False),
])
def test_a_page_with_a_plea_asks_the_trouble_behind_the_alarm(question, trouble):
    from sre_agent.chat.answer.alarms import asks_the_trouble

    assert asks_the_trouble(question) is trouble


def test_the_last_tag_that_worked_is_the_last_good_run():
    from sre_agent.chat.answer.objects import LAST_GOOD

    assert LAST_GOOD.search("what was the last tag that worked") and LAST_GOOD.search("which version last ran ok")
    assert not LAST_GOOD.search("what was the last tag")


@pytest.mark.parametrize(("question", "before"), [
    ("Which version was fine?", True), ("what tag worked", True), ("which image was ok", True),
    ("what version is it on", False), ("is the version fine", False),  # the one now
])
def test_a_good_state_said_in_the_past_asks_for_the_revision_before(question, before):
    from sre_agent.chat.answer.objects import BEFORE

    assert bool(BEFORE.search(question)) is before


@pytest.mark.parametrize(("question", "old"), [
    ("put the old token back in snow-ingest-token", True),
    ("put the old billing-api-db secret back from before the rotation", True),
    ("restore the secret back to the previous password", True),
    ("put DB_PASSWORD back in the secret", False),  # a key put back: config_key_plan's
])
def test_a_secrets_earlier_value_asked_back_is_told_apart_from_a_key_put_back(question, old):
    from sre_agent.chat.answer.meta import OLD_VALUE

    assert bool(OLD_VALUE.search(question)) is old


def test_env_readers_keep_the_old_value_until_they_restart():
    from sre_agent.chat.answer.config_pickup import config_pickup

    api = {"spec": {"template": {"spec": {"containers": [{"name": "api", "envFrom": [{"secretRef": {"name": "api-db"}}]}]}}}}
    table = {"get_resources": lambda args: {"items": [{"name": "billing-api"}] if args["kind"] == "Deployment" else []},
             "describe": {"object": api}}
    ask = _ask("will the pods pick that up by themselves", table, last_diagnosis={"resource": "billing/Secret/api-db"})
    assert ask.recognised.form == "config_pickup"
    answer = asyncio.run(config_pickup(ask))
    assert answer.headline.startswith("No: billing/Deployment/billing-api read billing/Secret/api-db as env vars")
    assert answer.next_steps[0].endswith("kubectl rollout restart deployment/billing-api -n billing")
    # the diagnosis on the workload says which Secret changed: that one, never "which ConfigMap or Secret?"
    stale = {"resource": "billing/Deployment/billing-api", "category": "stale_credential",
             "summary": "Secret api-db changed at 2026-11-28T21:10:00Z, after 3 of 3 pods started"}
    later = _ask("Do the Secrets hold the new password already?", table, last_diagnosis=stale,
                 focus=["billing/Deployment/billing-api"])
    assert asyncio.run(config_pickup(later)).headline.startswith("No: billing/Deployment/billing-api read billing/Secret/api-db")


def test_attempts_of_one_job_are_one_run_and_a_completed_one_is_not_rerun():
    from sre_agent.chat.act.plans import rerun_plan
    from sre_agent.chat.understand.grounding import _latest_attempt
    from sre_agent.chat.understand.inventory import Known

    def job(name, namespace="metering"):
        return Known(kind="Job", name=name, namespace=namespace)

    first, retry = job("meter-export-r2291"), job("meter-export-r2291-retry")
    assert _latest_attempt([retry, first]) is retry
    assert _latest_attempt([first, job("meter-export-r2292")]) is None  # two runs, not attempts of one
    assert _latest_attempt([first, job("meter-export-r2291-retry", "billing")]) is None
    done = {"status": {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}}
    assert isinstance(rerun_plan("metering/Job/meter-export-r2291-retry", done, "rerun it"), str)
    assert not isinstance(rerun_plan("metering/Job/meter-export-r2291-retry", done, "rerun it anyway"), str)


@pytest.mark.parametrize(("question", "proposed"), [
    ("fix it", True), ("ok fix the svc", True), ("ok so just fix it", True), ("please fix it", True), ("correct it then", True),
    ("change the backup agent probe to pg-backup-agent health", False),  # a change of its own, not "yes, do that"
    ("set initialDelaySeconds back to 60", False),
])
def test_only_a_bare_fix_request_takes_the_previous_answers_proposal(question, proposed):
    from sre_agent.chat.act.writes import asks_the_proposed_fix

    undo = {"approval": {"tool": "rollout_undo", "resource": "records/Deployment/records-api", "args": {}}}
    assert asks_the_proposed_fix(question, undo) is proposed
    assert asks_the_proposed_fix("fix it", {"next_steps": ["Ask 'why' first"]}) is False  # nothing proposed


@pytest.mark.parametrize(("question", "form", "subject", "value"), [
    ("revert ROSTER_WEEKS_AHEAD in roster-api-config to 6", "write_request", "roster-api-config", "6"),  # a value said
    ("revert the BATCH_SIZE edit in reminder-batch-config", "rollback_request", "reminder-batch-config", None),  # its edit
    ("revert the EXPORT_PAGE_SIZE change in records-api-config", "rollback_request", "records-api-config", None),
])
def test_a_key_reverted_in_a_named_config_object_is_that_objects_change(question, form, subject, value):
    from sre_agent.chat.act.hand_edits import env_change

    recognised = recognise(question, change_in=False)  # "in X" names an object when no namespace is called X
    assert (recognised.form, recognised.subject) == (form, subject)
    assert env_change(question)[1] == value


@pytest.mark.parametrize(("question", "fault"), [
    ("vessel position api restarting exit 137, oom?", "oom"),
    ("so its oom right", "oom"),
    ("is it the image", "image"),
    ("so its a memory leak right", "memory leak"),
    ("is it dns", "dns"),
    ("are they OOMing?", "OOMing"),  # the guess said of the pods (gorsedale)
    ("were the pods throttled", "throttled"),
    ("is it the db", None),  # an object's word, not a kind of fault: the blame of an object
    ("is it running", None),
])
def test_a_kind_of_fault_guessed_is_what_the_blame_weighs(question, fault):
    from sre_agent.chat.answer.fault_kinds import fault_guessed

    assert fault_guessed(question) == fault
    if fault:
        assert recognise(question).form == "blame"


def test_a_value_or_a_plain_word_is_never_taken_for_a_key_name():
    from sre_agent.chat.act.config_key_plans import config_key_plan
    settings = {"data": {"DB_POOL_SIZE": "", "PAGE_CACHE_URL": "redis://page-cache:6379"}}
    plan = config_key_plan("put 20 back in cms-api-settings n restart cms-api", "cms/ConfigMap/cms-api-settings", settings)
    assert not isinstance(plan, str) and plan.args["key"] == "DB_POOL_SIZE" and '"DB_POOL_SIZE": "20"' in plan.kubectl
    said = config_key_plan("put the old key back into brightpay-merchant", "pay/Secret/brightpay-merchant",
                           {"data": {"BRIGHTPAY_API_KEY": "x"}})
    assert isinstance(said, str) and "BRIGHTPAY_API_KEY" in said  # asked by its name, never "add key old"
    two_empty = {"data": {"A_SIZE": "", "B_SIZE": ""}}
    assert isinstance(config_key_plan("put 20 back in s", "cms/ConfigMap/s", two_empty), str)


class _PodMountingClaim:
    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        from sre_agent.contracts import ToolCallRecord
        from sre_agent.graph.ports import ToolOutcome
        volumes = [{"name": "data", "persistentVolumeClaim": {"claimName": "data-db-0"}}]
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True),
                           data={"object": {"spec": {"volumes": volumes}}})


@pytest.mark.parametrize(("resource", "root", "corrected"), [
    ("data/Pod/db-0", "data/PersistentVolumeClaim/data-db-0", True),  # the pod writes to the full claim
    ("data/Pod/db-0", "data/StatefulSet/db", True),  # one of the root's own pods
    ("data/StatefulSet/db", "data/StatefulSet/db", True),  # the root itself
    ("data/Pod/cache-0", "data/StatefulSet/db", False),  # another workload's pod: its own state stands
])
def test_up_is_not_fine_when_the_object_is_the_root_found_or_runs_on_it(resource, root, corrected):
    from sre_agent.chat.answer.premise import root_still_there
    from sre_agent.chat.models import Answer

    ask = Ask(question="db pod is running 1/1 tho", recognised=recognise("db pod is running 1/1 tho"),
              tools=_PodMountingClaim(), resource=resource,
              last_diagnosis={"category": "volume_full", "resource": root, "summary": "No space left on device"})
    healthy = Answer(question=ask.question, form="status", status="healthy", headline=f"{resource} looks healthy")
    answer = asyncio.run(root_still_there(ask, healthy))
    assert (answer.status == "problems") is corrected
    if corrected:
        assert answer.headline.startswith("It runs, but the fault found is on") and "No space left on device" in answer.headline


@pytest.mark.parametrize("question, paged", [
    ("session svc 5xx thru the roof", True),
    ("gateway pods all restarting again", True),
    ("what share of gateway requests fail", False),  # asked: its form reads it
    ("is the gateway erroring?", False),
    ("gateway config looks fine", False),  # no symptom said
])
def test_a_symptom_said_rather_than_asked_is_a_page(question, paged):
    from sre_agent.chat.answer.meta import _paged
    assert _paged(question) is paged


def test_a_host_said_for_a_url_is_that_part_of_the_url():
    # "point DB_URL back at inventory-db:5432": the host and port of the URL the key holds -- its scheme, user and
    # database kept; a short Service name keeps the namespace and suffix the URL names (a short name resolves only in
    # the reader's own namespace)
    from sre_agent.chat.act.config_key_plans import config_key_plan
    held = {"data": {"DB_URL": "postgres://app@inventory-db-pooler.inventory.svc.cluster.local:6432/inventory"}}
    plan = config_key_plan("set DB_URL to inventory-db:5432", "bot/ConfigMap/bot-config", held)
    assert not isinstance(plan, str)
    assert '"DB_URL": "postgres://app@inventory-db.inventory.svc.cluster.local:5432/inventory"' in plan.kubectl
    plain = {"data": {"CACHE_URL": "redis://page-cache:6379/0"}}
    plan = config_key_plan("set CACHE_URL to session-cache", "bot/ConfigMap/bot-config", plain)
    assert not isinstance(plan, str) and '"CACHE_URL": "redis://session-cache:6379/0"' in plan.kubectl
    masked = {"data": {"DB_URL": "postgres://***redacted***@db-pooler.inv.svc.cluster.local:6432/rx"}}
    plan = config_key_plan("set DB_URL to db:5432", "bot/ConfigMap/bot-config", masked)
    assert not isinstance(plan, str) and plan.tool == "set_config_value"
    assert plan.args["edit"] == {"find": "db-pooler.inv.svc.cluster.local:6432", "replace": "db.inv.svc.cluster.local:5432"}
