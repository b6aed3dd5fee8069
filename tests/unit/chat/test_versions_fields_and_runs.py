"""A rollback to a version ("roll back invoicing to 2.8.0") goes to the newest revision that ran it, or says none did;
a field asked by its manifest name ("get deploy x -o yaml | grep -A3 readinessProbe", "whats the rollout strategy") is
that block of the object; a Job made from a CronJob by hand is one of its runs; "X ..., revert that" means X."""

import asyncio

import pytest

from sre_agent.chat.answer.previous_values import _field
from sre_agent.chat.answer.runs import runs_of
from sre_agent.chat.answer.spec_fields import fields_asked
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.chat.understand.kubectl_speak import translate
from tests.unit.chat.test_objects_in_context import Cluster


@pytest.mark.parametrize("question", ["roll back invoicing to 2.8.0", "rollback labwork-ingest to v2.1.0",
                                      "revert ingest-worker to 3.1.4", "roll pricing back to 2.0.1"])
def test_a_rollback_to_a_version_is_a_rollback_request(question):
    assert recognise(question).form == "rollback_request"


def test_the_version_asked_is_the_newest_revision_that_ran_it():
    from sre_agent.chat.act.rollback import VERSION_NAMED
    from sre_agent.graph.cronjob_fixes import image_tag

    assert VERSION_NAMED.search("roll back invoicing to v2.8.0").group(1) == "2.8.0"
    assert VERSION_NAMED.search("roll back to revision 4") is None  # a revision, not a version
    assert image_tag("ghcr.io/acme/invoicing:2.8.0") == "2.8.0" and image_tag("registry:5000/acme/invoicing") == ""


@pytest.mark.parametrize(("command", "question", "form"), [
    ("get deploy eta-engine -n tracking -o yaml | grep -A4 tolerations", "what is the tolerations field of eta-engine",
     "property"),
    ("k get deploy web -o yaml | grep -B2 -A6 'affinity'", "what is the affinity field of web", "property"),
    ("get deploy customs-gateway -n cargo -o yaml, whats the rollout strategy",
     "whats the rollout strategy of customs-gateway", None),
])
def test_a_field_asked_of_a_manifest_is_read_as_that_field(command, question, form):
    read = translate(command)
    assert read is not None and read.question == question and read.form == form


def test_a_listing_piped_to_grep_is_the_listing():
    read = translate("get pods -n ops | grep Error")
    assert read is not None and read.form == "list_kind" and read.namespace == "ops"


OBJ = {"metadata": {"name": "x", "managedFields": [{"manager": "kubectl"}]},
       "spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}},
                "template": {"spec": {"containers": [{"name": "app", "readinessProbe": {"httpGet": {"path": "/readyz"}}}]}}}}


def test_the_fields_named_are_shown_with_their_path_and_block():
    # a small block whole on one line, as kubectl's jsonpath prints it (never its first lines alone)
    assert fields_asked("what is the strategy field of x", OBJ) == [
        "spec.strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 0, maxUnavailable: 1}}"]
    probe = fields_asked("whats its readinessProbe", OBJ)
    # a probe as kubectl describe prints it, the API server's defaults filled in (timeout=1s when unset)
    assert probe == ["spec.template.spec.containers[app].readinessProbe: /readyz (delay=0s timeout=1s period=10s "
                     "#success=1 #failure=3)"]
    # a probe's setting is read in its probe's line: "what timeout is on that probe" -- each probe once
    timed = {"spec": {"template": {"spec": {"containers": [{"name": "api", "livenessProbe": {
        "httpGet": {"path": "/healthz", "port": "http"}, "timeoutSeconds": 1, "periodSeconds": 10}}]}}}}
    assert fields_asked("what timeout is on that probe", timed) == [
        "spec.template.spec.containers[api].livenessProbe: /healthz:http (delay=0s timeout=1s period=10s #success=1 "
        "#failure=3)"]
    # a block too long for one line keeps kubectl -o yaml's lines, headed by its path
    big = {"spec": {"strategy": {"rollingUpdate": {f"key{i}": "x" * 30 for i in range(12)}}}}
    lines = fields_asked("what is the strategy field of x", big)
    assert lines[0] == "spec.strategy:" and lines[2].strip().startswith("key0: ")
    assert fields_asked("what is the name of x", OBJ) == []  # too common a word to be a field asked
    assert fields_asked("who manages it", OBJ) == []  # managedFields is never shown
    # as grep reads a key: a word where a word of the key begins, never inside one
    status = {"spec": {"terminationGracePeriodSeconds": 30}, "status": {"observedGeneration": 2}}
    assert fields_asked("how long is the grace", status) == ["spec.terminationGracePeriodSeconds: 30"]
    assert fields_asked("which paths does the bridge serve", status) == []


def test_the_word_a_kind_is_said_with_is_the_object_never_a_field_of_it():
    claim = {"kind": "PersistentVolumeClaim", "spec": {"volumeName": "pvc-1", "resources": {"requests": {"storage": "20Gi"}}}}
    assert fields_asked("how big is that volume", claim) == []  # the claim is the volume: its size, not volumeName
    assert fields_asked("whats the volumeName", claim) == ["spec.volumeName: pvc-1"]  # the field, by its own name
    workload = {"kind": "StatefulSet", "spec": {"volumeName": "x"}}
    assert fields_asked("its volume", workload) == ["spec.volumeName: x"]  # of another kind: still a field


def test_a_job_made_from_a_cronjob_by_hand_is_one_of_its_runs():
    jobs = [{"name": "stock-sync-29928720", "cronjob": "stock-sync", "created": "2026-01-02T01:30:00Z"},
            {"name": "stock-sync-nightly", "created": "2026-01-02T02:00:00Z"},  # kubectl create job --from=cronjob/...
            {"name": "stock-sync-nightly-other", "cronjob": "other", "created": "2026-01-02T03:00:00Z"},
            {"name": "stockist-report", "created": "2026-01-02T04:00:00Z"}]
    ask = Ask(question="did it run", recognised=recognise("did it run"), tools=Cluster({"Job": jobs}))
    assert [j["name"] for j in asyncio.run(runs_of(ask, "pharmacy", "stock-sync"))] == \
        ["stock-sync-29928720", "stock-sync-nightly"]


def test_an_object_named_then_that_is_the_object():
    from sre_agent.chat.understand.references import _named_then_pronoun

    def said(question):
        return Ask(question=question, recognised=recognise(question), tools=Cluster({}))

    assert _named_then_pronoun(said("someone edited booking-api-config today, revert that"))
    assert not _named_then_pronoun(said("someone edited booking-api-config today, revert that pod"))


@pytest.mark.parametrize(("question", "subject", "kind"), [
    ("describe one of the pending booking-web pods", "booking-web", None),
    ("describe the new customs-gateway pod", "customs-gateway", "Pod"),
])
def test_describing_a_workloads_pod_by_its_state_is_a_describe(question, subject, kind):
    read = recognise(question)
    assert read.form == "describe" and read.subject == subject and read.kind_hint == kind


def test_a_verb_typed_with_a_slip_is_that_verb():
    from sre_agent.chat.act.change_plans import change_verb

    assert change_verb("restrat booking api") == "restart"


def test_to_which_version_after_a_pinned_undo_is_its_target():
    from sre_agent.chat.answer.objects import version

    pinned = {"approval": {"tool": "rollout_undo", "resource": "c/Deployment/labwork-api", "args": {"to_revision": 1},
                           "change": "container labwork-api: image r/labwork-api:5.4.0 -> r/labwork-api:5.3.0",
                           "precondition": "current revision 2 (r/labwork-api:5.4.0)"}}
    ask = Ask(question="to which version", recognised=recognise("to which version"), tools=Cluster({}), last_answer=pinned)
    answer = asyncio.run(version(ask))
    assert answer.headline.startswith("To revision 1 of c/Deployment/labwork-api") and "5.3.0" in answer.headline


@pytest.mark.parametrize(("question", "form"), [
    ("Who is affected?", "impact"), ("whats impacted", "impact"), ("is booking-web affected", "affected")])
def test_who_is_affected_asks_the_blast_radius_and_is_x_affected_asks_about_x(question, form):
    assert recognise(question).form == form


def test_the_root_cause_found_is_never_said_healthy():
    from sre_agent.chat.answer.health import status

    root = {"resource": "port/ConfigMap/gate-checkin-config", "category": "endpoint_misconfigured",
            "summary": "endpoint_misconfigured on port/ConfigMap/gate-checkin-config: MANIFEST_API_URL names port 8081"}
    tools = Cluster({}, {"gate-checkin-config": {"metadata": {"name": "gate-checkin-config"}, "data": {"A": "b"}}})
    ask = Ask(question="which cm", recognised=recognise("which cm"), tools=tools,
              resource="port/ConfigMap/gate-checkin-config", last_diagnosis=root)
    answer = asyncio.run(status(ask))
    assert answer.status == "problems" and "root cause found: endpoint_misconfigured" in answer.headline


def test_a_kubelet_restart_is_an_ssm_command_on_the_nodes_instance_pinned_for_a_human():
    from sre_agent.chat.act.node_plans import kubelet_restart_plan

    node = {"spec": {"providerID": "aws:///eu-west-1a/i-0284ce76394eb59ab"},
            "status": {"conditions": [{"type": "Ready", "status": "Unknown"}]}}
    plan = kubelet_restart_plan("restart the kubelet on that node", "Node/ip-10-42-23-78", node)
    assert not isinstance(plan, str) and plan.args["instance_ids"] == ["i-0284ce76394eb59ab"]
    assert plan.kubectl.startswith("aws ssm send-command --instance-ids i-0284ce76394eb59ab --document-name AWS-RunShellScript")
    assert "Ready=Unknown" in plan.precondition
    assert isinstance(kubelet_restart_plan("restart the kubelet", "Node/n1", {"spec": {}}), str)  # no instance: said


def test_a_resources_change_on_one_container_says_when_another_is_the_one_in_trouble():
    from sre_agent.chat.act.change_plans import plan_for

    obj = {"metadata": {"generation": 2}, "spec": {"template": {"spec": {"containers": [
        {"name": "api", "resources": {"limits": {"memory": "768Mi"}}},
        {"name": "log-forwarder", "resources": {"limits": {"memory": "64Mi"}}}]}}}}
    plan = plan_for("bump the api container memory to 2Gi", "p/Deployment/api", obj,
                    ("log-forwarder", "last exit OOMKilled (137)"))
    assert not isinstance(plan, str) and plan.args["container"] == "api"
    assert plan.notes == ["note: the container in trouble is log-forwarder (last exit OOMKilled (137)), not api"]


def test_a_selector_said_in_part_is_merged_into_the_current_one_unless_said_whole():
    from sre_agent.chat.act.service_plans import selector_plan as _selector_plan

    service = {"spec": {"selector": {"app": "invoice-api", "version": "v1"}}}

    def planned(question):
        ask = Ask(question=question, recognised=recognise(question), tools=Cluster({}))
        return asyncio.run(_selector_plan(ask, "billing/Service/invoice-api", service))

    merged = planned("patch svc invoice-api selector to version=v2")
    assert merged.args["selector"] == {"app": "invoice-api", "version": "v2"} and "--type merge" in merged.kubectl
    whole = planned("replace the invoice-api selector with only app=invoice-api")
    assert whole.args["selector"] == {"app": "invoice-api"} and "--type json" in whole.kubectl


def test_the_issue_with_a_fine_workload_whose_own_service_has_a_fault_is_that_service():
    from sre_agent.chat.answer.investigate import _faulty_service_of

    class Analyzed(Cluster):
        async def call(self, agent, server, tool, args, brain="offline"):
            outcome = await super().call(agent, server, tool, args, brain)
            return outcome.model_copy(update={"data": {"findings": [
                {"resource": "billing/Service/invoice-api", "severity": "critical", "reason": "SelectorMismatch"}]}})

    ask = Ask(question="what is the issue with invoice-api", recognised=recognise("what is the issue with invoice-api"),
              tools=Analyzed({}))
    assert asyncio.run(_faulty_service_of(ask, "billing/Deployment/invoice-api")) == "billing/Service/invoice-api"
    assert asyncio.run(_faulty_service_of(ask, "billing/Deployment/invoice-worker")) is None


@pytest.mark.parametrize("question", ["which cm", "what secret?", "and which pvc"])
def test_which_kind_alone_asks_for_the_object_of_that_kind_the_conversation_points_at(question):
    assert recognise(question).form == "status"


def test_which_cm_after_a_diagnosis_in_a_configmap_is_that_configmap():
    from sre_agent.chat.understand.references import _by_kind

    ask = Ask(question="which cm", recognised=recognise("which cm"), tools=Cluster({}),
              focus=["cargo/Deployment/manifest-api"],
              last_diagnosis={"resource": "port/ConfigMap/gate-checkin-config", "category": "endpoint_misconfigured"})
    assert asyncio.run(_by_kind(ask, "ConfigMap")) == "port/ConfigMap/gate-checkin-config"


def test_a_service_empty_because_its_workload_is_scaled_to_zero_says_so():
    from sre_agent.chat.answer.service_gaps import scaled_to_zero_behind

    class Named(Cluster):
        async def call(self, agent, server, tool, args, brain="offline"):
            outcome = await super().call(agent, server, tool, args, brain)
            if tool == "find_resource":
                return outcome.model_copy(update={"data": {"matches": [
                    {"resource": "port/Deployment/legacy-gate", "exact": True}]}})
            return outcome

    zero = {"metadata": {"annotations": {"example.io/note": "Scaled to 0 on purpose - replaced by gate-checkin"}},
            "spec": {"replicas": 0}}
    ask = Ask(question="is the svc ok", recognised=recognise("is the svc ok"), tools=Named({}, {"legacy-gate": zero}))
    said = asyncio.run(scaled_to_zero_behind(ask, "port/Service/legacy-gate"))
    assert said is not None and said.startswith("port/Deployment/legacy-gate") and "on purpose" in said
    running = Named({}, {"legacy-gate": {"spec": {"replicas": 2}}})
    ask = Ask(question="is the svc ok", recognised=recognise("is the svc ok"), tools=running)
    assert asyncio.run(scaled_to_zero_behind(ask, "port/Service/legacy-gate")) is None


@pytest.mark.parametrize(("question", "change"), [
    ("add a toleration for it to eta-engine", True), ("ok rename DB_HOST back to CHART_DB_HOST in chart-api-config", True),
    ("just use gp3 for it", False), ("is it ok", False), ("settings of eta-engine", False)])
def test_a_request_to_act_is_told_by_its_leading_verb(question, change):
    from sre_agent.chat.answer.meta import CHANGE_ASKED

    assert bool(CHANGE_ASKED.match(question)) is change


def test_a_toleration_for_the_taint_the_diagnosis_names_keeps_the_tolerations_it_had():
    from sre_agent.chat.act.node_plans import toleration_plan
    from sre_agent.chat.act.targets import with_untolerated_taint

    diagnosis = {"summary": "0/6 nodes are available: 4 node(s) didn't match Pod's node affinity/selector, 2 node(s) had "
                            "untolerated taint {kettlewick.io/drain: planned}."}
    ask = Ask(question="add a toleration for it to eta-engine", recognised=recognise("add a toleration for it to eta-engine"),
              tools=Cluster({}), last_diagnosis=diagnosis)
    question = with_untolerated_taint(ask, ask.question, "tolerate")
    assert question.endswith("kettlewick.io/drain=planned")
    obj = {"spec": {"template": {"spec": {"tolerations": [{"key": "dedicated", "value": "compute", "effect": "NoSchedule"}]}}}}
    plan = toleration_plan(question, "tracking/Deployment/eta-engine", obj)
    assert not isinstance(plan, str) and '"key": "dedicated"' in plan.kubectl and '"key": "kettlewick.io/drain"' in plan.kubectl
    assert isinstance(toleration_plan("add a toleration to eta-engine", "tracking/Deployment/eta-engine", obj), str)


def test_a_workload_decommissioned_on_purpose_is_never_the_worst_problem_to_investigate():
    from sre_agent.chat.answer.wider_subject import _decommissioned

    off = {"metadata": {"annotations": {"example.io/decommissioned": "true", "example.io/change-ticket": "CHG-4471"}},
           "spec": {"replicas": 0}}
    tools = Cluster({}, {"legacy-gate": off, "availability-api": {"spec": {"replicas": 0}}})
    ask = Ask(question="whats broken", recognised=recognise("whats broken"), tools=tools)
    assert asyncio.run(_decommissioned(ask, "port/Deployment/legacy-gate"))
    assert not asyncio.run(_decommissioned(ask, "booking/Deployment/availability-api"))  # scaled to 0, no note: a fault


def test_a_field_the_summary_facts_carry_is_answered_by_them():
    obj = {"spec": {"template": {"spec": {"containers": [{"name": "proxy", "resources": {"limits": {"cpu": "1"}}}]}}}}
    assert fields_asked("whats the limit on that container", obj)  # the manifest has it ...
    from sre_agent.chat.answer.properties import FACT_KEYS

    assert {"containers", "limits"} <= FACT_KEYS  # ... but the facts answer it (the container meant, its limit)


@pytest.mark.parametrize(("line", "field"), [
    ("its latest rollout (revision 1 -> 2, t) changed: pod terminationGracePeriodSeconds 30 -> 1", "terminationGracePeriodSeconds"),
    ("its latest rollout (revision 1 -> 2, t) changed: container api: livenessProbe.timeoutSeconds 3 -> 1",
     "livenessProbe.timeoutSeconds"),
    ("its latest rollout (revision 3 -> 4, t) changed: init container migrate: image a:1 -> a:2", "image"),
])
def test_the_field_a_rollout_change_line_names(line, field):
    assert _field(line) == field


def test_a_grep_word_finds_the_key_it_is_inside_and_a_plain_value_is_said_on_its_line():
    obj = {"spec": {"template": {"spec": {"terminationGracePeriodSeconds": 1, "containers": [{"name": "a", "image": "x:1"}]}}}}
    assert fields_asked("what is the grace field of ticket-sales", obj) == ["spec.template.spec.terminationGracePeriodSeconds: 1"]


def test_a_run_made_by_hand_belongs_to_the_cronjob_its_name_extends():
    import asyncio

    from sre_agent.chat.answer.runs import cronjob_of
    from sre_agent.chat.ask import Ask
    from sre_agent.chat.understand.forms import recognise
    from sre_agent.contracts import ToolCallRecord
    from sre_agent.graph.ports import ToolOutcome

    class Cluster:
        parameters: dict = {}

        async def call(self, agent, server, tool, args, brain="offline"):
            rows = {"Job": [{"name": "overdue-fines-postrelease", "namespace": "c"}],
                    "CronJob": [{"name": "overdue", "namespace": "c"}, {"name": "overdue-fines", "namespace": "c"}]}
            return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True),
                               data={"items": rows[args["kind"]]})

    ask = Ask(question="whats the schedule on the nightly one", recognised=recognise("x"), tools=Cluster())
    assert asyncio.run(cronjob_of(ask, "c", "overdue-fines-postrelease")) == "c/CronJob/overdue-fines"


def test_a_conditions_list_is_kubectl_describes_table_a_row_each():
    hpa = {"status": {"conditions": [
        {"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale"},
        {"type": "ScalingLimited", "status": "True", "reason": "TooManyReplicas",
         "message": "the desired replica count is more than the maximum replica count"}]}}
    lines = fields_asked("what is the Conditions field of snow-report", hpa)
    assert lines == ["status.conditions:", "  AbleToScale=True (ReadyForNewScale)",
                     "  ScalingLimited=True (TooManyReplicas): the desired replica count is more than the maximum replica count"]


def test_a_pod_field_asked_of_a_workload_is_read_from_its_least_healthy_pod():
    import asyncio

    from sre_agent.chat.answer.properties import property_of
    from sre_agent.chat.ask import Ask
    from sre_agent.chat.understand.forms import recognise
    from tests.unit.chat.test_objects_in_context import Cluster

    pods = [{"name": "pa-7d9f8c6b5-x4k2z", "namespace": "p", "owner": "ReplicaSet/pa-7d9f8c6b5", "ready": "2/2", "restarts": "0"},
            {"name": "pa-7d9f8c6b5-m5n6q", "namespace": "p", "owner": "ReplicaSet/pa-7d9f8c6b5", "ready": "1/2", "restarts": "7"}]
    objects = {"pa": {"spec": {"template": {"spec": {"containers": [{"name": "app"}, {"name": "shipper"}]}}}},
               "pa-7d9f8c6b5-m5n6q": {"status": {"containerStatuses": [
                   {"name": "app", "lastState": {}},
                   {"name": "shipper", "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137}}}]}}}
    question = "what is the Last State field of pa"
    answer = asyncio.run(property_of(Ask(question=question, recognised=recognise(question), tools=Cluster({"Pod": pods}, objects),
                                         resource="p/Deployment/pa")))
    assert answer.headline == ("p/Pod/pa-7d9f8c6b5-m5n6q status.containerStatuses[shipper].lastState: "
                               "{terminated: {reason: OOMKilled, exitCode: 137}}")
    assert not any("[app]" in d for d in answer.details)


def test_a_selector_said_in_part_is_said_whole_when_only_it_selects_the_workloads_pods():
    """'fix the svc selector to app.kubernetes.io/name=portal' after a release relabelled the pods: merged, the old
    app= key would still select none of them -- the pairs said alone do, so they are the selector."""
    from sre_agent.chat.act.service_plans import selector_plan as _selector_plan

    service = {"spec": {"selector": {"app": "portal"}}}
    relabelled = {"spec": {"template": {"metadata": {"labels": {"app.kubernetes.io/name": "portal"}}}}}
    question = "fix the svc selector to app.kubernetes.io/name=portal"
    ask = Ask(question=question, recognised=recognise(question), tools=Cluster({}, {"portal": relabelled}))
    plan = asyncio.run(_selector_plan(ask, "web/Service/portal", service))
    assert plan.args["selector"] == {"app.kubernetes.io/name": "portal"} and "--type json" in plan.kubectl


def test_an_env_var_is_found_by_its_name_as_grep_finds_it_in_the_yaml():
    obj = {"spec": {"template": {"spec": {"containers": [{"name": "web", "env": [
        {"name": "MODE", "value": "fast"}, {"name": "DEFAULT_CACHE_CONTROL", "value": "private, no-store"}]}]}},
        "metadata": {"ownerReferences": [{"name": "x", "controller": True}]}}}
    assert fields_asked("what is the DEFAULT_CACHE_CONTROL field of web", obj) == [
        "spec.template.spec.containers[web].env[DEFAULT_CACHE_CONTROL]: {name: DEFAULT_CACHE_CONTROL, value: 'private, no-store'}"]


@pytest.mark.parametrize(("question", "expected"), [
    ("add a toleration for that taint to log-agent", "example.io/workload=ingest"),  # the one the diagnosis names
    ("patch log-agent to tolerate example.io/workload", "example.io/workload=ingest"),  # its key said, its value read
    ("patch log-agent to tolerate example.io/other", None),  # a key the diagnosis does not name: left as said
])
def test_a_daemonsets_untolerated_taint_is_read_from_its_diagnosis(question, expected):
    from sre_agent.chat.act.targets import with_untolerated_taint

    diagnosis = {"summary": "observability/DaemonSet/log-agent has no pod on 3 node(s) (ip-10-0-1-1.ec2.internal): it does "
                            "not tolerate their taint(s) example.io/workload=ingest:NoSchedule, so the scheduler keeps it off"}
    ask = Ask(question=question, recognised=recognise(question), tools=Cluster({}), last_diagnosis=diagnosis)
    read = with_untolerated_taint(ask, question, "tolerate")
    assert (read.endswith(f" {expected}") and read.count("example.io/workload") == 1) if expected else read == question


@pytest.mark.parametrize("line, field", [
    ("its latest rollout (revision 1 -> 2, t) changed: container api: env TARIFF_CACHE_MAX_MB 256 -> 768",
     "env TARIFF_CACHE_MAX_MB"),  # an env change is named by its variable: "cache size" finds it
    ("its latest rollout (revision 1 -> 2, t) changed: pod terminationGracePeriodSeconds 30 -> 1",
     "terminationGracePeriodSeconds"),
    ("its latest rollout (revision 1 -> 2, t) changed: container api: image a:1 -> a:2", "image"),
])
def test_a_changed_field_is_named_as_the_question_would_say_it(line, field):
    assert _field(line) == field


def test_a_setting_typed_as_an_identifier_is_one_word_of_the_text_search():
    from mcp_servers.kubernetes.tools.text_search import carried
    assert carried(["readings_stream"], "spec.template.spec.containers[0].env[0].READINGS_STREAM", "x:9092") == \
        ["readings_stream"]


def test_the_replicas_before_are_read_from_the_last_scale_not_a_rollout():
    from sre_agent.chat.answer.previous_values import previous_value
    from sre_agent.contracts import ToolCallRecord
    from sre_agent.graph.ports import ToolOutcome

    class Scaled:
        parameters: dict = {}

        async def call(self, agent, server, tool, args, brain="offline"):
            record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
            if tool == "describe":
                return ToolOutcome(record=record, data={"object": {}, "events": [
                    {"reason": "ScalingReplicaSet", "message": "Scaled down replica set legacy-7d from 2 to 0",
                     "last": "2026-11-29T09:22:00Z"}]})
            return ToolOutcome(record=record, data={"revisions": []})
    question = "how many replicas did it have before"
    ask = Ask(question=question, recognised=recognise(question), tools=Scaled(), resource="reports/Deployment/legacy")
    answer = asyncio.run(previous_value(ask))
    assert answer is not None and answer.headline.startswith("reports/Deployment/legacy had 2 replicas before its last scale")
