"""A question typed as a kubectl command is read by kubectl's grammar and said as the question the forms read."""

import pytest

from sre_agent.chat.understand.forms import recognise
from sre_agent.chat.understand.kubectl_speak import translate


@pytest.mark.parametrize(("typed", "form", "subject", "namespace"), [
    ("logs donor-web", "logs", "donor-web", None),
    ("kubectl logs -f coldchain-ingest -c app --previous", "logs", "coldchain-ingest", None),
    ("describe deploy hl7-bridge -n ops", "describe", "hl7-bridge", "ops"),
    ("describe po/x-1", "describe", "x-1", None),
    ("describe node ip-10-58-2-219", "describe", "ip-10-58-2-219", None),
    ("get pods -n ops", "list_kind", None, "ops"),
    ("kubectl get pvc -A", "list_kind", None, None),
    ("get jobs --namespace=ops", "list_kind", None, "ops"),
    ("get storageclass", "list_kind", None, None),
    ("get events -n logistics", "cluster_warnings", None, "logistics"),
    ("get events -n platform | grep Failed", "cluster_warnings", None, "platform"),  # those rows (matching Failed)
    ("get cm courier-dispatch-config -n logistics -o yaml", "change_record", "courier-dispatch-config", "logistics"),
    # a word inside a name is never the question's own ("upstreams", "quota"): kubectl's verb says the form
    ("describe secret anpr-intake-upstreams -n enforcement", "change_record", "anpr-intake-upstreams", "enforcement"),
    ("logs deploy/quota-ledger -n landings", "logs", "quota-ledger", "landings"),
    # a remark after the command is the person's
    ("get secret lot-catalog-upstreams -n auction -o yaml, i need the actual value", "change_record",
     "lot-catalog-upstreams", "auction"),
    ("rollout history crossmatch-engine -n clinical", "history", "crossmatch-engine", "clinical"),
    ("rollout history sts/ledger", "history", "ledger", None),
    ("rollout undo the node-log-agent ds", "rollback_request", "node-log-agent", None),  # spoken: the name, then its kind
    ("rollout status deployment route-planner -n logistics", "rollout_state", "route-planner", "logistics"),
    # the words people type around a command line in chat
    ("fine, rollout undo deploy/setpoint-engine -n dispatch instead", "rollback_request", "setpoint-engine", "dispatch"),
    ("ok kubectl logs tag-normalizer pls", "logs", "tag-normalizer", None),
    # kubectl reads its flags anywhere: before the verb too (with the values of those that take one)
    ("kubectl -n tolls get cm lane-config -o yaml", "change_record", "lane-config", "tolls"),
    ("kubectl -n tolls get pods -l app=lane-api", "list_kind", None, "tolls"),
    ("kubectl --namespace=tolls get deploy", "list_kind", None, "tolls"),
    ("kubectl --context prod -n tolls describe pod lane-api-0", "describe", "lane-api-0", "tolls"),
    ("kubectl -n tolls get pdb lane-api -o yaml | grep minAvailable", "property", "lane-api", "tolls"),
    ("kubectl -n tolls rollout history deploy/lane-api", "history", "lane-api", "tolls"),
    # describe's last lines are its Events section
    ("k -n tsdb describe po timeseries-db-0 | tail -3", "events", "timeseries-db-0", "tsdb"),
    # -o jsonpath / custom-columns: the field the path ends at, of that object
    ("get deploy lane-api -n tolls -o jsonpath='{.spec.template.spec.containers[0].resources.limits}'", "property",
     "lane-api", "tolls"),
    ("get svc lane-api -o jsonpath='{.spec.type}'", "property", "lane-api", None),
    ("get nodes -L kubernetes.io/arch", "list_kind", None, None),  # -L's value is a label column, never a name
])
def test_a_kubectl_command_reads_as_its_question(typed, form, subject, namespace):
    spoken = translate(typed)
    assert spoken is not None and spoken.namespace == namespace
    recognised = recognise(spoken.question)  # what the forms read, where kubectl's verb does not say the form itself
    assert (spoken.form or recognised.form, spoken.subject or recognised.subject) == (form, subject), spoken.question


@pytest.mark.parametrize("typed", ["describe the broken route-planner pod", "get a coffee", "logs", "rollout history",
                                   "why is checkout down", "top of the morning", "kubectl -n tolls please help"])
def test_english_is_not_a_command(typed):
    assert translate(typed) is None


def test_a_revision_asked_for_is_kept_in_the_question():
    spoken = translate("rollout history deploy/slope-map -n mountain --revision=3")
    assert spoken is not None and spoken.form == "history" and spoken.question.endswith("revision 3")


@pytest.mark.parametrize(("typed", "namespace"), [("top pods -n clinical", "clinical"), ("kubectl top nodes", None)])
def test_top_reads_as_the_usage_table_never_a_question_about_a_word_of_it(typed, namespace):
    spoken = translate(typed)
    assert spoken is not None and (spoken.form, spoken.namespace) == ("top", namespace)


def test_top_of_the_pods_a_label_selects_is_that_workloads_use_against_its_own_limits():
    spoken = translate("k -n sailings top po -l app=ticketing-web")
    assert spoken is not None and (spoken.subject, spoken.namespace, spoken.form) == ("ticketing-web", "sailings", None)
    assert spoken.question == "how much cpu do the ticketing-web pods use"


def test_a_label_selector_is_kept_for_a_pod_listing_and_names_the_workload_to_describe():
    listing = translate("get pods -n clinic -l app=appointments-api")
    assert listing is not None and (listing.form, listing.kind) == ("list_kind", "Pod")
    assert listing.question.endswith("with labels app=appointments-api")
    described = translate("describe pod -n gate -l app.kubernetes.io/name=appointment-api")
    assert described is not None and (described.form, described.subject, described.namespace) == (
        "describe", "appointment-api", "gate")


def test_show_labels_asks_for_the_label_column_and_a_named_object_is_its_state():
    listing = translate("get pods -n yard --show-labels")
    assert listing is not None and listing.form == "list_kind" and listing.question.endswith("and their labels")
    one = translate("get sc gp3 -o yaml")
    assert one is not None and (one.form, one.subject, one.kind) == ("status", "gp3", "StorageClass")
    endpoints = translate("get endpoints lab-results -n records")
    assert endpoints is not None and (endpoints.form, endpoints.subject, endpoints.kind) == ("status", "lab-results", "Service")


@pytest.mark.parametrize(("text", "kind"), [("describe limitrange -n notify", "LimitRange"),
                                            ("describe netpol -n conditions", "NetworkPolicy"),
                                            ("describe pdb -n coldchain", "PodDisruptionBudget")])
def test_describe_of_a_kind_in_a_namespace_describes_the_one_there(text, kind):
    read = translate(text)
    assert read is not None and read.form == "describe" and read.kind == kind and read.subject is None


def test_a_jsonpath_asks_the_field_it_ends_at():
    spoken = translate("get deploy lane-api -n tolls -o jsonpath='{.spec.template.spec.containers[*].resources}'")
    assert spoken is not None and spoken.question == "what is the resources field of lane-api"


@pytest.mark.parametrize("command, question, form", [
    # a reason selected: the events of that reason, of any type (a rescale is Normal, never a warning)
    ("kubectl -n telemetry get events --field-selector reason=SuccessfulRescale",
     "events with reason SuccessfulRescale in namespace telemetry", "cluster_warnings"),
    ("get events --field-selector reason==Failed", "events with reason Failed", "cluster_warnings"),
    # an object selected: its events, as --for reads
    ("kubectl get events -n scada --field-selector involvedObject.name=scada-gateway-1", "events for scada-gateway-1", None),
])
def test_an_events_field_selector_is_the_reason_or_the_object_it_selects(command, question, form):
    read = translate(command)
    assert read is not None and read.question == question and read.form == form


def test_events_of_a_reason_are_listed_whatever_their_type():
    import asyncio

    from sre_agent.chat.answer.logs import cluster_warnings
    from sre_agent.chat.ask import Ask
    from sre_agent.chat.understand.forms import recognise
    from sre_agent.contracts import ToolCallRecord
    from sre_agent.graph.ports import ToolOutcome

    class Events:
        parameters: dict = {}

        async def call(self, agent, server, tool, args, brain="offline"):
            assert tool == "events" and args["warnings_only"] is False
            events = [{"type": "Normal", "reason": "SuccessfulRescale", "namespace": "t", "object": "HorizontalPodAutoscaler/x",
                       "message": "New size: 18", "last": "2026-11-27T20:57:30Z"},
                      {"type": "Normal", "reason": "Pulled", "namespace": "t", "object": "Pod/x-1", "message": "pulled"}]
            return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True),
                               data={"events": events})

    question = "events with reason SuccessfulRescale in namespace t"
    answer = asyncio.run(cluster_warnings(Ask(question=question, recognised=recognise(question), tools=Events(), namespace="t")))
    assert answer.headline.startswith("1 SuccessfulRescale event(s) in namespace t") and "New size: 18" in answer.headline


@pytest.mark.parametrize("command, question", [
    ("kubectl -n billing get sts billing-db -o jsonpath='{.metadata.annotations.kubernetes\\.io/change-cause}'",
     "what is the kubernetes.io/change-cause field of billing-db"),  # an escaped dot is part of the key
    ("kubectl get deploy seat-map -o jsonpath='{.spec.template.spec.containers[0].resources.limits.cpu}'",
     "what is the limits cpu field of seat-map"),  # a leaf many blocks share: with its parent (which cpu)
    ("get deploy x -o jsonpath='{.spec.replicas}'", "what is the replicas field of x"),
])
def test_a_jsonpath_keeps_an_escaped_dot_and_a_shared_leafs_parent(command, question):
    read = translate(command)
    assert read is not None and read.question == question


def test_a_key_and_its_child_said_together_are_that_one_field():
    from sre_agent.chat.answer.spec_fields import fields_asked
    obj = {"spec": {"template": {"spec": {"containers": [{"name": "app", "resources": {
        "requests": {"cpu": "100m"}, "limits": {"cpu": "120m"}}}]}}}}
    assert fields_asked("what is the limits cpu field of x", obj) == [
        "spec.template.spec.containers[app].resources.limits.cpu: 120m"]


class _Rows:
    """get_resources / top / pod_logs answered from fixed rows, as the MCP server shapes them."""

    parameters: dict = {}

    def __init__(self, rows: dict, logs: list[str] | None = None) -> None:
        self.rows, self.logs, self.calls = rows, logs or [], []

    async def call(self, agent, server, tool, args, brain="offline"):
        from sre_agent.contracts import ToolCallRecord
        from sre_agent.graph.ports import ToolOutcome

        self.calls.append((tool, args))
        data = {"get_resources": lambda: {"items": self.rows.get(args.get("kind"), [])},
                "top": lambda: {"kind": "pods", "items": self.rows.get("top", [])},
                "ownership": lambda: {"pods": [{"pod": "pa-7d9f8c6b5-x4k2z", "ready": True}]},
                "pod_logs": lambda: {"lines": self.logs}}[tool]()
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True), data=data)


def test_a_get_of_several_kinds_lists_each_kind_in_turn():
    import asyncio

    from sre_agent.chat.answer.listings import list_kind
    from sre_agent.chat.ask import Ask

    spoken = translate("kubectl get cronjob,jobs -n grooming")
    assert spoken is not None and (spoken.form, spoken.namespace) == ("list_kind", "grooming")
    assert spoken.question == "what cronjobs and jobs are in grooming"
    rows = {"CronJob": [{"name": "plan", "namespace": "grooming", "schedule": "*/15 * * * *"}],
            "Job": [{"name": "plan-1", "namespace": "grooming", "status": "Running"},
                    {"name": "plan-0", "namespace": "grooming", "status": "Complete"}]}
    answer = asyncio.run(list_kind(Ask(question=spoken.question, recognised=recognise(spoken.question), tools=_Rows(rows),
                                       namespace="grooming")))
    assert answer.headline == "1 CronJob(s) (plan); 2 Job(s) (plan-1, plan-0) in namespace grooming"
    assert any("Running" in d for d in answer.details)
    assert translate("get sts,pdb -n search").question == "what statefulsets and pdbs are in search"
    assert translate("get deploy,no-such-kind") is None  # not every part a kind: not read as a listing


def test_top_with_containers_is_a_row_per_container():
    import asyncio

    from sre_agent.chat.answer.top import top
    from sre_agent.chat.ask import Ask

    spoken = translate("kubectl top pods -n patrons --containers")
    assert spoken is not None and spoken.question.endswith("per container")
    tools = _Rows({"top": [{"name": "pa-1", "namespace": "patrons", "container": "log-shipper", "cpu_m": 40, "memory_mib": 250},
                           {"name": "pa-1", "namespace": "patrons", "container": "app", "cpu_m": 8, "memory_mib": 150}]})
    answer = asyncio.run(top(Ask(question=spoken.question, recognised=recognise(spoken.question), tools=tools,
                                 namespace="patrons")))
    assert tools.calls[0][1]["containers"] is True
    assert answer.headline.startswith("2 containers in patrons by cpu, heaviest first: pa-1 container log-shipper")


def test_logs_of_a_container_said_are_that_containers_own_output():
    import asyncio

    from sre_agent.chat.answer.logs import logs
    from sre_agent.chat.ask import Ask

    spoken = translate("kubectl logs deploy/pa -n patrons -c log-shipper --tail=20")
    tools = _Rows({}, logs=["buffer full: dropping events"])
    ask = Ask(question=spoken.question, recognised=recognise(spoken.question), tools=tools, resource="patrons/Deployment/pa")
    answer = asyncio.run(logs(ask))
    assert answer.headline.startswith("Logs of container log-shipper of patrons/Deployment/pa")
    assert "buffer full: dropping events" in answer.details
    assert [args.get("container") for tool, args in tools.calls if tool == "pod_logs"] == ["log-shipper"]


def test_a_label_selector_is_kept_for_a_listing_of_any_kind():
    spoken = translate("kubectl get nodes -l eks.amazonaws.com/nodegroup=mf-general")
    assert spoken is not None and spoken.question == "what nodes are there with labels eks.amazonaws.com/nodegroup=mf-general"


def test_describe_grep_of_an_event_word_is_the_objects_events_that_say_it():
    import asyncio

    from sre_agent.chat.answer.properties import property_of
    from sre_agent.chat.ask import Ask
    from sre_agent.contracts import ToolCallRecord
    from sre_agent.graph.ports import ToolOutcome

    class World:
        parameters: dict = {}

        async def call(self, agent, server, tool, args, brain="offline"):
            record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
            data = {"describe": {"object": {"spec": {"template": {"spec": {"containers": [{"name": "app"}]}}}}},
                    "get_resources": {"items": []},
                    "events": {"events": [
                        {"type": "Warning", "reason": "FailedScheduling", "object": "Pod/deck-7d9f8c6b5-x4k2z",
                         "message": "0/12 nodes are available: 3 Insufficient cpu", "last": "t2"},
                        {"type": "Warning", "reason": "FailedScheduling", "object": "Pod/other-7d9f8c6b5-x4k2z",
                         "message": "0/12 nodes are available", "last": "t1"}]}}.get(tool, {})
            return ToolOutcome(record=record, data=data)

    spoken = translate("kubectl describe pod -n deck -l app=deck | grep -A2 FailedScheduling")
    ask = Ask(question=spoken.question, recognised=recognise(spoken.question), tools=World(), resource="deck/Deployment/deck")
    answer = asyncio.run(property_of(ask))
    assert answer.headline.startswith("deck/Deployment/deck's events with 'FailedScheduling': t2 Warning FailedScheduling "
                                      "Pod/deck-7d9f8c6b5-x4k2z: 0/12 nodes are available: 3 Insufficient cpu")
    assert answer.details == []  # another workload's pod is not its


@pytest.mark.parametrize(("typed", "subject", "kind", "namespace"), [
    ("kubectl -n pricing patch svc fare-engine --type merge -p '{\"spec\":{\"selector\":{\"tier\":\"api\"}}}'", "fare-engine",
     "Service", "pricing"),
    ("kubectl -n terminal set resources deploy/scanner -c scanner --limits=cpu=1 --requests=cpu=250m", "scanner",
     "Deployment", "terminal"),
    ("kubectl patch pvc data-db-0 -n booking -p '{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"100Gi\"}}}}'",
     "data-db-0", "PersistentVolumeClaim", "booking"),
    ("kubectl taint nodes ip-10-1-2-3 dedicated=batch:NoSchedule-", "ip-10-1-2-3", "Node", None),
])
def test_a_kubectl_write_names_its_object_and_is_a_change_request(typed, subject, kind, namespace):
    spoken = translate(typed)
    assert spoken is not None and (spoken.form, spoken.subject, spoken.kind, spoken.namespace) == \
        ("write_request", subject, kind, namespace)
    assert spoken.question == typed  # the command itself is what is pinned


def test_a_typed_write_is_pinned_as_typed_with_the_objects_namespace():
    from sre_agent.chat.act.typed_commands import typed_plan, typed_write

    assert typed_write("kubectl -n x patch svc a -p '{}'") and not typed_write("kubectl get svc a") \
        and not typed_write("patch the svc so it selects v2")
    plan = typed_plan("kubectl patch svc a --type merge -p '{\"spec\": {}}'", "x/Service/a")
    assert plan.kubectl == "kubectl -n x patch svc a --type merge -p '{\"spec\": {}}'" and plan.args == {"command": plan.kubectl}
    assert typed_plan("kubectl -n x label svc a k=v", "x/Service/a").kubectl == "kubectl -n x label svc a k=v"


@pytest.mark.parametrize(("typed", "question", "form", "subject", "namespace"), [
    ("kubectl -n jobs create job export-manual --from=cronjob/export", "create a job from cronjob/export",
     "node_or_pod_write", "export", "jobs"),
    ("kubectl scale deploy/web --replicas=3 -n shop", "scale web to 3", "write_request", "web", "shop"),
    ("k scale --replicas 0 deployment web", "scale web to 0", "write_request", "web", None),
    ("kubectl delete pod web-5d9c7f-abcde -n shop", "delete pod web-5d9c7f-abcde", "node_or_pod_write", "web-5d9c7f-abcde",
     "shop"),
    ("kubectl delete job sender-2993 -n mail", "delete job sender-2993", "node_or_pod_write", "sender-2993", "mail"),
    ("kubectl cordon ip-10-1-2-3", "cordon node ip-10-1-2-3", "node_or_pod_write", "ip-10-1-2-3", None),
    ("k drain ip-10-1-1-1 --ignore-daemonsets", "drain node ip-10-1-1-1", "node_or_pod_write", "ip-10-1-1-1", None),
])
def test_kubectls_writes_with_a_tool_of_their_own_read_as_the_request_said_in_words(typed, question, form, subject,
                                                                                     namespace):
    read = translate(typed)
    assert read is not None and (read.question, read.namespace) == (question, namespace)
    recognised = recognise(read.question)
    assert (recognised.form, recognised.subject) == (form, subject)


def test_a_delete_of_a_kind_chat_never_deletes_is_no_request():
    assert translate("kubectl delete ns shop") is None


def test_a_jsonpath_of_several_fields_asks_each_of_them():
    read = translate("kubectl -n mail get cronjob sender -o jsonpath='{.spec.schedule} {.spec.concurrencyPolicy}'")
    assert read is not None and read.question == "what is the schedule and concurrencyPolicy field of sender"
    assert (read.form, read.subject, read.kind, read.namespace) == ("property", "sender", "CronJob", "mail")
