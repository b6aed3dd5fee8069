"""Matching what an SRE types to what objects are named (stems, name tokens, typos), the kind a noun in a
question names, the new question forms (version, history, list a kind, "do it", change requests on any
kind), and the pure parts of their answers. Names here are made up: no world's objects."""

import asyncio

import pytest

from sre_agent.chat.act.change_plans import plan_for
from sre_agent.chat.act.plans import BY_HAND, Plan
from sre_agent.chat.answer.config_refs import references_config
from sre_agent.chat.answer.facts import spec_lines
from sre_agent.chat.answer.objects import images_of
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.context_names import in_context, word_of_focus
from sre_agent.chat.understand.followups import _proposed, _proposed_command
from sre_agent.chat.understand.forms import kind_nouns, recognise
from sre_agent.chat.understand.named_targets import full_name_beside
from sre_agent.chat.understand.names import best_names, match_score, stems
from tests.unit.chat.test_answers import NoTools

NAMES = ["invoice-api", "billing-worker", "billing-config", "orders-db", "gateway", "report-exporter", "node-agent"]


@pytest.mark.parametrize("words, best", [
    (["invoices"], "invoice-api"),              # plural of a name token
    (["workers"], "billing-worker"),           # plural of the last token
    (["billing", "workers"], "billing-worker"),  # two words, the one naming a workload token wins the tie
    (["invoce-api"], "invoice-api"),           # typo of the whole name
    (["biling-worker"], "billing-worker"),
    (["exporter"], "report-exporter"),
    (["gatewy"], "gateway"),                   # typo of a one-token name
    (["report"], "report-exporter"),           # a word that is a whole token
    (["export"], "report-exporter"),           # a word that starts a token
])
def test_words_match_names_by_stem_token_and_typo(words, best):
    ranked = best_names(words, NAMES)
    assert ranked and ranked[0][1] == best


@pytest.mark.parametrize("typed, name, fits", [
    ("scada-gw", "scada-gateway", True),     # a token shortened the way people shorten words, beside a whole one
    ("order-mgr", "order-manager", True),
    ("gw", "scada-gateway", False),          # an abbreviation alone names nothing
    ("db-api", "dispatch-api", False),       # its letters are not the token's
    ("export", "report-exporter", True),     # a start that covers most of the token
    ("port", "dispatch-portal", False),      # a short start is another word
    ("board", "boarding-pass", False),
    ("card-payments", "payments-api-card", False),  # "card payments failing ..., payments api 5xx": not in its order
    ("settlement-work", "settlement-worker", True),  # in its order
])
def test_abbreviations_and_starts_of_tokens(typed, name, fits):
    assert (match_score(typed, name) >= 0.8) is fits


@pytest.mark.parametrize("word", ["cross", "customer", "the", "why", "currency"])
def test_unrelated_words_match_no_name(word):
    assert best_names([word], NAMES) == []


def test_stems_are_singulars():
    assert "statement" in stems("statements") and "query" in stems("queries") and stems("class") == ["class"]


@pytest.mark.parametrize("question, kinds", [
    ("events of the pvc", ["PersistentVolumeClaim"]),
    ("what depends on the billing-config configmap", ["ConfigMap"]),
    ("what storage classes do we have", ["StorageClass"]),
    ("quota usage in billing", ["ResourceQuota"]),
    ("delete that job", ["Job"]),
    ("the cron job", ["CronJob"]),
    ("is node ip-10-0-0-1 ok", ["Node"]),
    ("why is invoice-api failing", []),
])
def test_the_kind_a_noun_names(question, kinds):
    assert kind_nouns(question) == kinds


@pytest.mark.parametrize("question, form, subject, refers_back", [
    ("invoices are erroring, whats going on", "why_failing", "invoices", False),
    ("customer invoices are down, what broke", "why_failing", "customer", False),
    ("the node ip-10-0-0-1 isnt sending logs to cloudwatch. why", "why_failing", "node", False),
    ("gateway 5xx alarm going off, what broke", "alarm_why", None, False),
    ("orders memory alarm, what is going on", "alarm_why", None, False),
    ("is the surge alarm still firing", "alarms", None, False),
    ("what version is it running", "version", None, True),
    ("what image is it on", "version", None, True),
    ("rollout history of invoice-api", "history", "invoice-api", False),
    ("what storage classes do we have", "list_kind", None, False),
    ("quota usage in billing", "list_kind", None, False),
    ("do it", "do_it", None, False),
    ("yes do that", "do_it", None, False),
    ("scale orders-db back to 1", "write_request", "orders-db", False),
    ("remove the taint from that node", "node_or_pod_write", None, True),
    ("bump the quota's cpu to 5", "write_request", "quota", False),
    ("delete the pvc", "node_or_pod_write", "pvc", False),
    ("delete that job", "node_or_pod_write", None, True),
    ("any node changes in the last hour", "changes", None, False),
    ("and what does invoice-api need", "dependencies", "invoice-api", False),
    ("hows billing looking", "status", "billing", False),
    ("is node ip-10-0-0-1 ok", "status", "ip-10-0-0-1", False),
    ("status of node-agent", "status", "node-agent", False),
    ("bump that quota to 4 cpu", "node_or_pod_write", "quota", False),
    ("is rolling back to the old version safe", "rollback_safe", None, True),
    ("describe that node", "describe", "node", False),
    ("why does it have no endpoints", "why_failing", None, True),
    ("why does the invoice-api service have no endpoints", "why_failing", "invoice-api", False),
    ("did it even run?", "job_ran", None, True),
    ("what secret does it read", "config_refs", None, True),
    ("which configmaps does billing-worker use", "config_refs", "billing-worker", False),
    ("bump the limit to 768Mi", "write_request", None, True),
    ("whats its memory limit set to", "version", None, True),
    ("what is the cpu request of invoice-api", "version", "invoice-api", False),
    ("put the selector back to app=gateway", "node_or_pod_write", None, True),
])
def test_new_forms(question, form, subject, refers_back):
    got = recognise(question)
    assert (got.form, got.subject, got.refers_back) == (form, subject, refers_back)


QUOTA = {"spec": {"hard": {"requests.cpu": "4", "limits.cpu": "8", "requests.memory": "8Gi"}}}


def test_a_quota_bump_pins_raise_quota_on_the_key_asked():
    plan = plan_for("bump the quota's cpu to 5", "billing/ResourceQuota/compute", QUOTA)
    assert isinstance(plan, Plan) and plan.tool == "raise_quota"
    assert plan.args["hard"] == {"requests.cpu": "5"} and plan.args["expect_hard"]["requests.cpu"] == "4"
    limits = plan_for("raise the quota cpu limit to 10", "billing/ResourceQuota/compute", QUOTA)
    assert isinstance(limits, Plan) and limits.args["hard"] == {"limits.cpu": "10"}


@pytest.mark.parametrize("question, hard", [
    # gorsedale: the amount said before its part -- the requests part had been dropped, the limit alone pinned
    ("put the quota back to 12Gi limits 10Gi requests", {"limits.memory": "12Gi", "requests.memory": "10Gi"}),
    # kingsmere: "back" between a key and its amount -- the memory key had been lost, the cpu one taken for memory
    ("bump compute limits.memory back to 16Gi and limits.cpu to 12", {"limits.memory": "16Gi", "limits.cpu": "12"}),
    ("raise limits.memory back to 16Gi and limits.cpu to 8", {"limits.memory": "16Gi"}),  # cpu at 8 already: no change
])
def test_every_quota_key_said_with_its_amount_is_in_the_one_plan(question, hard):
    quota = {"spec": {"hard": {**QUOTA["spec"]["hard"], "limits.memory": "8Gi"}}}
    plan = plan_for(question, "billing/ResourceQuota/compute", quota)
    assert isinstance(plan, Plan) and plan.tool == "raise_quota" and plan.args["hard"] == hard


def test_two_amounts_joined_by_a_slash_are_the_request_and_its_limit():
    # gorsedale: "set cpu back to 300m/1" had been pinned as a 300m limit (the request's amount, on the limit)
    deploy = {"spec": {"template": {"spec": {"containers": [
        {"name": "lighting", "resources": {"requests": {"cpu": "100m"}, "limits": {"cpu": "125m"}}}]}}}}
    plan = plan_for("set cpu back to 300m/1 on lighting-scheduler", "climate/Deployment/lighting-scheduler", deploy)
    assert isinstance(plan, Plan) and plan.args["requests"] == {"cpu": "300m"} and plan.args["limits"] == {"cpu": "1"}


def test_a_delete_with_no_tool_is_the_kubectl_command_a_human_runs():
    plan = plan_for("delete the pvc", "billing/PersistentVolumeClaim/archive-data", {})
    assert isinstance(plan, Plan) and plan.tool == BY_HAND
    assert plan.kubectl == "kubectl delete pvc archive-data -n billing"
    pod = plan_for("delete that pod", "billing/Pod/gateway-abc", {"status": {"phase": "Running"}})
    assert isinstance(pod, Plan) and pod.tool == "delete_pod"


def test_removing_a_taint_names_each_taint_of_the_node():
    node = {"spec": {"taints": [{"key": "example.io/maintenance", "value": "true", "effect": "NoSchedule"}]}}
    plan = plan_for("remove the taint from that node", "Node/ip-10-0-0-1", node)
    assert isinstance(plan, Plan) and plan.kubectl == "kubectl taint node ip-10-0-0-1 example.io/maintenance=true:NoSchedule-"
    assert plan.tool == "remove_node_taint" and (plan.args["key"], plan.args["effect"]) == ("example.io/maintenance", "NoSchedule")
    two = {"spec": {"taints": [*node["spec"]["taints"], {"key": "dedicated", "value": "db", "effect": "NoSchedule"}]}}
    assert plan_for("remove the taint from that node", "Node/ip-10-0-0-1", two).tool == BY_HAND  # which one: a human says
    assert plan_for("remove the dedicated taint", "Node/ip-10-0-0-1", two).args["key"] == "dedicated"
    assert "no taints" in str(plan_for("remove the taint from that node", "Node/ip-10-0-0-2", {"spec": {}}))


def test_references_to_a_config_object_are_found_in_env_envfrom_and_volumes():
    spec = {"containers": [{"name": "a", "env": [{"name": "BIC", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "bic"}}}],
                            "envFrom": [{"secretRef": {"name": "keys"}}]}],
            "volumes": [{"name": "v", "configMap": {"name": "cfg"}}, {"name": "s", "secret": {"secretName": "keys"}}]}
    assert references_config(spec, "ConfigMap", "cfg") == ["env BIC <- key bic", "volume v"]
    assert references_config(spec, "Secret", "keys") == ["envFrom (every key)", "volume s"]
    assert references_config(spec, "ConfigMap", "other") == []


def test_images_of_any_kind_that_runs_pods():
    container = {"name": "c", "image": "repo/x:1.2"}
    assert images_of("Pod", {"spec": {"containers": [container]}}) == ["c=repo/x:1.2"]
    assert images_of("Job", {"spec": {"template": {"spec": {"containers": [container]}}}}) == ["c=repo/x:1.2"]
    assert images_of("CronJob", {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [container]}}}}}}) == \
        ["c=repo/x:1.2"]


def test_do_it_takes_the_previous_answers_action_or_its_command():
    proposal = {"tool": "rollout_undo", "resource": "ns/Deployment/a", "args": {"to_revision": 1}}
    assert _proposed({"proposal": proposal}).tool == "rollout_undo"
    assert _proposed({"next_steps": ["x"]}) is None
    step = "Fix ns/Deployment/a: restore the key -- `kubectl create secret generic k -n ns`"
    assert _proposed_command({"next_steps": [step]}) == (step, "kubectl create secret generic k -n ns")
    assert _proposed_command({"next_steps": ["Ask 'why is it failing?'"]}) is None


def test_a_limit_in_bytes_is_memory():
    deploy = {"metadata": {"generation": 1}, "spec": {"template": {"spec": {"containers": [
        {"name": "s", "image": "x", "resources": {"limits": {"memory": "512Mi"}}}]}}}}
    plan = plan_for("bump the limit to 768Mi", "ns/Deployment/search", deploy)
    assert isinstance(plan, Plan) and plan.args["limits"] == {"memory": "768Mi"}


@pytest.mark.parametrize("question, kind", [
    ("status of the search pods", None),      # plural: the workload's pods
    ("restart its pods", None),
    ("delete that pod", "Pod"),
    ("events of the pvc", "PersistentVolumeClaim"),
    ("remove the taint from that node", "Node"),
])
def test_the_kind_a_question_resolves_by(question, kind):
    from sre_agent.chat.ask import Ask
    from sre_agent.chat.understand.references import _question_kind

    assert _question_kind(Ask(question=question, recognised=recognise(question), tools=None)) == kind


def test_the_kind_asked_for_is_not_the_subject_of_a_what_does_it_read_question():
    from sre_agent.chat.ask import Ask
    from sre_agent.chat.understand.references import _question_kind

    question = "what secret does it read"
    assert _question_kind(Ask(question=question, recognised=recognise(question), tools=None)) is None


@pytest.mark.parametrize("question, about_it", [
    ("what changed in it", True), ("anything changed to that", True), ("what changed in the last hour", False),
])
def test_a_changes_question_about_the_object_discussed(question, about_it):
    from sre_agent.chat.answer.changes import ABOUT_IT

    assert bool(ABOUT_IT.search(question)) == about_it


def test_a_name_typed_before_its_kind_word_is_the_subject_and_the_kind_its_hint():
    read = recognise("new holds queue sts is stuck, nothing running. why")
    assert (read.subject, read.kind_hint) == ("holds-queue", "StatefulSet")
    assert recognise("why is the sts stuck").subject == "sts"  # no name before it: the kind word, for the focus to say


def test_a_workload_wins_over_its_secret_of_the_same_stem_in_the_conversation():
    focus = ["coldchain/Secret/truck-gateway-tls", "coldchain/Deployment/truck-gateway"]
    ask = Ask(question="are the gateway pods even up", recognised=recognise("are the gateway pods even up"),
              tools=NoTools(), focus=focus)
    assert word_of_focus(ask, "gateway") == "coldchain/Deployment/truck-gateway"
    said = Ask(question="is the gateway secret ok", recognised=recognise("is the gateway secret ok"), tools=NoTools(), focus=focus)
    assert word_of_focus(said, "gateway") == "coldchain/Secret/truck-gateway-tls"  # the kind said


@pytest.mark.parametrize(("text", "kinds"), [
    ("Which network policies exist in conditions?", ["NetworkPolicy"]), ("get netpol -A", ["NetworkPolicy"]),
    ("What does the LimitRange in notify set?", ["LimitRange"]), ("is the pdb blocking the drain", ["PodDisruptionBudget"]),
    ("show the limit range", ["LimitRange"]), ("the disruption budget of reefer-stream", ["PodDisruptionBudget"]),
])
def test_policy_range_and_budget_kinds_are_nouns_chat_reads(text, kinds):
    assert kind_nouns(text) == kinds


def test_a_policy_or_range_is_said_by_its_spec_lines():
    spec = {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}]}
    assert spec_lines(spec) == ["podSelector: {}", "policyTypes[0]: Egress", "egress[0].to[0].ipBlock.cidr: 10.0.0.0/8"]


@pytest.mark.parametrize(("question", "word", "chosen"), [
    ("snow-report-api 5xx, app shows no lift status. wtf", "lift", "snow-report-api"),  # a plain word: the whole name wins
    ("lifts-db status, snow-report-api is fine", "lifts-db", None),  # a dashed subject stays
    ("is the lift status ok", "lift", None),  # no whole name beside it
])
def test_a_whole_name_typed_beside_a_plain_word_a_pattern_placed_is_the_subject(question, word, chosen):
    existing = {"snow-report-api", "lifts-db"}

    async def exact(_ask, name):
        return f"x/Deployment/{name}" if name in existing else None

    ask = Ask(question=question, recognised=recognise(question), tools=NoTools())
    assert asyncio.run(full_name_beside(ask, word, exact)) == chosen


@pytest.mark.parametrize("focus, rids, chosen", [
    # one system's parts share its first word: "the db" after submissions-api is submissions-db, not vle-db
    (["vle/Deployment/submissions-api"], ["vle/StatefulSet/submissions-db", "vle/StatefulSet/vle-db",
                                           "library/StatefulSet/loans-db"], ["vle/StatefulSet/submissions-db"]),
    # nothing shares it: the conversation's namespace
    (["vle/Deployment/grader"], ["vle/StatefulSet/submissions-db", "vle/StatefulSet/vle-db",
                                  "library/StatefulSet/loans-db"], ["vle/StatefulSet/submissions-db", "vle/StatefulSet/vle-db"]),
    (["vle/Deployment/submissions-api"], ["library/StatefulSet/loans-db"], []),  # nothing the conversation points at
])
def test_the_conversation_points_at_the_part_of_its_own_system(focus, rids, chosen):
    ask = Ask(question="what happened to the db", recognised=recognise("what happened to the db"), tools=NoTools(), focus=focus)
    assert in_context(ask, rids) == chosen


JOB_RUNS = [{"name": "meter-import-100", "namespace": "metering", "cronjob": "meter-import", "active": 0,
             "created": "2026-11-27T18:00:00Z"},
            {"name": "meter-import-130", "namespace": "metering", "cronjob": "meter-import", "active": 1,
             "created": "2026-11-27T18:30:00Z"},
            {"name": "meter-import-160", "namespace": "metering", "cronjob": "meter-import", "active": 0,
             "created": "2026-11-27T19:00:00Z"}]


@pytest.mark.parametrize("focus", [[], ["billing/Deployment/billing-api"]])
def test_a_change_naming_a_job_acts_on_its_run_never_the_conversations_workload(focus):
    """"delete the running meter-import job" after talking about billing-api: the running run of meter-import -- never
    billing-api (another kind), never the CronJob of that name."""
    from sre_agent.chat.understand.references import resolve
    from tests.unit.chat.test_objects_in_context import Cluster
    question = "delete the running meter-import job so the next one starts fresh"
    ask = Ask(question=question, recognised=recognise(question), tools=Cluster({"Job": JOB_RUNS}), focus=focus)
    assert asyncio.run(resolve(ask)) == "metering/Job/meter-import-130"


def test_a_change_naming_a_kind_with_no_such_object_asks_which_never_takes_the_conversations():
    from sre_agent.chat.understand.references import resolve
    from tests.unit.chat.test_objects_in_context import Cluster
    question = "delete the stuck export job"
    ask = Ask(question=question, recognised=recognise(question), tools=Cluster({"Job": []}),
              focus=["billing/Deployment/billing-api"])
    resolved = asyncio.run(resolve(ask))
    assert not isinstance(resolved, str) and resolved.status == "needs_subject"


@pytest.mark.parametrize("focus, chosen", [
    (["scada/StatefulSet/scada-gateway"], "telemetry/Deployment/telemetry-ingest"),  # the word names another workload
    (["telemetry/ConfigMap/ingest-config"], "telemetry/Deployment/telemetry-ingest"),  # a config object is no workload
    (["telemetry/Deployment/ingest-worker"], None),  # the conversation's own workload is so named: it stands
])
def test_a_plain_word_of_a_change_request_that_is_one_workloads_token_names_it(focus, chosen):
    from sre_agent.chat.understand.named_targets import token_of_one
    from tests.unit.chat.test_objects_in_context import Cluster
    workloads = {"Deployment": [{"name": "telemetry-ingest", "namespace": "telemetry"}],
                 "StatefulSet": [{"name": "scada-gateway", "namespace": "scada"}]}
    question = "restart all the ingest pods to be safe"
    ask = Ask(question=question, recognised=recognise(question), tools=Cluster(workloads), focus=focus)
    assert asyncio.run(token_of_one(ask, ["restart", "ingest"])) == chosen


@pytest.mark.parametrize("question", ["when did it start crashing", "why does it keep restarting"])
def test_a_symptom_of_it_after_a_configmap_is_the_workloads_a_configmap_never_crashes(question):
    from sre_agent.chat.understand.references import resolve
    from tests.unit.chat.test_objects_in_context import Cluster
    ask = Ask(question=question, recognised=recognise(question), tools=Cluster({}),
              focus=["msg/ConfigMap/notify-config", "msg/Deployment/notify-worker"])
    assert asyncio.run(resolve(ask)) == "msg/Deployment/notify-worker"


def test_a_kinds_own_noun_is_never_a_token_of_a_workloads_name():
    """"which node group is that node in" after a node failure: the Node talked about, never node-exporter."""
    from sre_agent.chat.understand.named_targets import token_of_one
    from tests.unit.chat.test_objects_in_context import Cluster
    workloads = {"DaemonSet": [{"name": "node-exporter", "namespace": "observability"}],
                 "Deployment": [{"name": "job-runner", "namespace": "ops"}]}
    question = "which node group is that node in"
    ask = Ask(question=question, recognised=recognise(question), tools=Cluster(workloads), focus=["Node/ip-10-1-2-3"])
    assert asyncio.run(token_of_one(ask, ["node", "group"])) is None
    assert asyncio.run(token_of_one(ask, ["jobs"])) is None


def test_a_version_said_as_the_subject_is_the_workload_running_it():
    """"roll back 3.4.0 anyway" while the conversation is on report-pdf: results-api runs 3.4.0, so it is meant."""
    from sre_agent.chat.understand.references import resolve
    from tests.unit.chat.test_objects_in_context import Cluster
    rows = {"Deployment": [{"name": "results-api", "namespace": "results", "images": ["r/results-api:3.4.0"]},
                           {"name": "report-pdf", "namespace": "reports", "images": ["r/report-pdf:2.4.0"]}]}
    question = "roll back 3.4.0 anyway to be safe"
    ask = Ask(question=question, recognised=recognise(question), tools=Cluster(rows), focus=["reports/Deployment/report-pdf"])
    assert asyncio.run(resolve(ask)) == "results/Deployment/results-api"


def test_a_claim_named_whole_beside_a_purpose_pronoun_is_that_claim_never_the_conversations_look_alike():
    """"delete the old pvc result-archive-data so it has to use the new one" after talking about result-archive-data-v2:
    the claim named (the "it" is in the purpose clause, which says why, not what)."""
    from sre_agent.chat.understand.references import resolve
    question = "delete the old pvc result-archive-data so it has to use the new one"
    ask = Ask(question=question, recognised=recognise(question), tools=_NamedClaims(),
              focus=["archive/PersistentVolumeClaim/result-archive-data-v2"])
    assert asyncio.run(resolve(ask)) == "archive/PersistentVolumeClaim/result-archive-data"


class _NamedClaims:
    """find_resource over two claims, exact by name (as the MCP server matches); anything else: nothing."""

    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        from sre_agent.contracts import ToolCallRecord
        from sre_agent.graph.ports import ToolOutcome

        claims = ["result-archive-data", "result-archive-data-v2"]
        data: dict = {"items": []}
        if tool == "find_resource" and "PersistentVolumeClaim" in (args.get("kinds") or []):
            data = {"matches": [{"resource": f"archive/PersistentVolumeClaim/{c}", "exact": c == args["name"]}
                                for c in claims if args["name"] in c]}
        elif tool == "find_resource":
            data = {"matches": []}
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True), data=data)


class _NamedLikeAKind:
    """A Deployment named 'cms' (also the plural of kubectl's 'cm') beside a ConfigMap cms-settings."""

    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        from sre_agent.contracts import ToolCallRecord
        from sre_agent.graph.ports import ToolOutcome

        objects = ["editorial/Deployment/cms", "editorial/ConfigMap/cms-settings"]
        data: dict = {"items": []}
        if tool == "find_resource":
            kinds = args.get("kinds")
            data = {"matches": [{"resource": o, "exact": o.rsplit("/", 1)[-1] == args["name"]} for o in objects
                                if args["name"] in o.rsplit("/", 1)[-1] and (not kinds or o.split("/")[1] in kinds)]}
        elif tool == "get_resources" and args.get("kind") == "ConfigMap":
            data = {"items": [{"name": "cms-settings", "namespace": "editorial"}]}
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True), data=data)


@pytest.mark.parametrize("question", [
    "kubectl -n editorial get deploy cms -o jsonpath='{.spec.template.spec.containers[0].resources}'",
    "put the cms cpu limit back to 3 and request 500m",
])
def test_a_name_that_is_also_a_kinds_noun_is_the_object_named_so(question):
    """'cms' is kubectl's plural of 'cm': where a Deployment is named exactly cms, it is meant, never a ConfigMap the
    conversation talked about."""
    from sre_agent.chat.understand.kubectl_speak import translate
    from sre_agent.chat.understand.references import resolve
    said = translate(question)
    recognised = recognise(said.question) if said else recognise(question)
    if said and said.form:
        recognised = recognised.model_copy(update={"form": said.form, "subject": said.subject, "kind_hint": said.kind})
    ask = Ask(question=question, recognised=recognised, tools=_NamedLikeAKind(), focus=["editorial/ConfigMap/cms-settings"])
    assert asyncio.run(resolve(ask)) == "editorial/Deployment/cms"


class _PortalAndItsCert:
    """Deployment customer-portal (container portal) beside Secret customer-portal-tls."""

    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        from sre_agent.contracts import ToolCallRecord
        from sre_agent.graph.ports import ToolOutcome

        data: dict = {"items": [], "matches": []}
        if tool == "find_resource":
            data = {"matches": [{"resource": "customer/Deployment/customer-portal", "exact": False}]}
        elif tool == "get_resources" and args.get("kind") == "Deployment":
            data = {"items": [{"name": "customer-portal", "namespace": "customer", "containers": ["portal"]}]}
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True), data=data)


def test_a_restart_of_the_word_the_conversations_secret_carries_is_of_the_workload():
    """'rollout restart the portal' after talking about the TLS Secret customer-portal-tls: a Secret runs nothing."""
    from sre_agent.chat.understand.references import resolve
    question = "rollout restart the portal"
    ask = Ask(question=question, recognised=recognise(question), tools=_PortalAndItsCert(),
              focus=["customer/Secret/customer-portal-tls"])
    assert asyncio.run(resolve(ask)) == "customer/Deployment/customer-portal"


@pytest.mark.parametrize("word, pod, meant", [
    ("ingest", "ingest-worker-7d9f8c6b5-x2k4q", True),  # a whole part of the name
    ("ingest worker", "ingest-worker-7d9f8c6b5-x2k4q", True),
    ("grade", "gradebook-export-29932630-xlwvp", False),  # only begins a part: names nothing
    ("export", "gradebook-export-29932630-xlwvp", True),
])
def test_a_pod_found_for_a_word_is_meant_only_when_the_word_names_a_part_of_it(word, pod, meant):
    from sre_agent.chat.understand.references import pod_word

    assert pod_word(word, pod, [{"resource": f"ns/Pod/{pod}", "exact": False}]) is meant
