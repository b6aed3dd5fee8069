"""The pure parts of answering: which match a name means, following the conversation's focus, the
honesty rule on an answer, what a rollback changes, which log group is a workload's."""

import asyncio

import pytest

from sre_agent.chat.act.rollback import template_diff
from sre_agent.chat.answer.logs import log_groups_for
from sre_agent.chat.answer.runs import age_seconds
from sre_agent.chat.ask import Ask, settle
from sre_agent.chat.models import Answer
from sre_agent.chat.understand.forms import recognise
from sre_agent.chat.understand.references import best_match, resolve
from sre_agent.contracts import ToolCallRecord


class NoTools:
    """Resolution from the conversation must not ask any backend; a call here fails the test."""

    parameters: dict = {}

    async def call(self, *args, **kwargs):
        raise AssertionError(f"unexpected tool call {args}")


def _ask(question, focus=()):
    return Ask(question=question, recognised=recognise(question), tools=NoTools(), focus=list(focus))


def test_exact_workloads_win_over_services_and_pods():
    matches = [{"resource": "shop/Pod/checkout-abc-1", "exact": False}, {"resource": "shop/Service/checkout", "exact": True},
               {"resource": "shop/Deployment/checkout", "exact": True}]
    assert best_match(matches, namespace=None, kind_hint=None) == "shop/Deployment/checkout"


def test_the_namespace_asked_about_breaks_ties():
    matches = [{"resource": "a/Deployment/api", "exact": True}, {"resource": "b/Deployment/api", "exact": True}]
    assert best_match(matches, namespace="b", kind_hint=None) == "b/Deployment/api"
    assert best_match([], namespace=None, kind_hint=None) is None


def test_a_pronoun_means_the_last_resource_discussed():
    assert asyncio.run(resolve(_ask("show me its logs", ["shop/Deployment/checkout", "shop/Service/frontend"]))) == \
        "shop/Deployment/checkout"


class Workloads:
    """find_resource over a fixed set of workloads; any other call fails the test."""

    parameters: dict = {}

    def __init__(self, *rids: str) -> None:
        self.rids = rids

    async def call(self, agent, server, tool, args, brain="offline"):
        assert tool == "find_resource", (tool, args)
        from sre_agent.graph.ports import ToolOutcome
        matches = [{"resource": r, "exact": True} for r in self.rids if r.rsplit("/", 1)[-1] == args["name"]
                   and r.split("/")[1] in args.get("kinds", [r.split("/")[1]])]
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True),
                           data={"matches": matches})


def test_roll_it_back_picks_the_deployment_from_the_focus():
    focus = ["payments/Service/ledger-db", "shop/Deployment/checkout"]
    ask = Ask(question="roll it back", recognised=recognise("roll it back"), tools=Workloads("shop/Deployment/checkout"),
              focus=focus)
    assert asyncio.run(resolve(ask)) == "shop/Deployment/checkout"  # the Service fronts no workload of its name


def test_scale_it_after_a_service_is_its_own_workload_not_another_in_the_conversation():
    focus = ["charging/Service/ocpp-gateway", "ops/Deployment/fleet-sync"]
    ask = Ask(question="scale it to 10", recognised=recognise("scale it to 10"),
              tools=Workloads("charging/Deployment/ocpp-gateway", "ops/Deployment/fleet-sync"), focus=focus)
    assert asyncio.run(resolve(ask)) == "charging/Deployment/ocpp-gateway"


def test_a_pronoun_with_nothing_discussed_asks_which():
    answer = asyncio.run(resolve(_ask("show me its logs")))
    assert isinstance(answer, Answer) and answer.status == "needs_subject" and "Which resource" in answer.headline


def _record(server, ok, excerpt=""):
    return ToolCallRecord(id="ev-1", agent="chat", server=server, tool="t", ok=ok, excerpt=excerpt)


def test_healthy_with_an_unreachable_backend_becomes_could_not_check():
    answer = Answer(question="q", form="alarms", status="healthy", headline="No alarms firing",
                    evidence=[_record("cloudwatch", False, "EndpointConnectionError: could not connect")],
                    next_steps=["Nothing to do."])
    settled = settle(answer, ("cloudwatch",))
    assert settled.status == "unknown"
    assert settled.headline.startswith("could not check cloudwatch: EndpointConnectionError")
    assert "Nothing to do." not in settled.next_steps
    assert "healthy" not in settled.headline.lower()


def test_healthy_with_a_backend_never_asked_is_not_healthy():
    answer = Answer(question="q", form="broken_now", status="healthy", headline="Nothing is broken",
                    evidence=[_record("kubernetes", True)])
    settled = settle(answer, ("kubernetes", "cloudwatch"))
    assert settled.status == "unknown" and "could not check cloudwatch" in settled.headline


def test_healthy_stands_when_every_backend_answered():
    answer = Answer(question="q", form="alarms", status="healthy", headline="No alarms firing",
                    evidence=[_record("cloudwatch", True)])
    assert settle(answer, ("cloudwatch",)).status == "healthy"


def test_problems_keep_their_facts_and_name_the_hole():
    answer = Answer(question="q", form="broken_now", status="problems", headline="2 problems",
                    evidence=[_record("kubernetes", True), _record("cloudwatch", False, "timed out after 10s")])
    settled = settle(answer, ("kubernetes", "cloudwatch"))
    assert settled.status == "problems" and settled.headline == "2 problems"
    assert any("could not check cloudwatch: timed out" in d for d in settled.details)


def test_a_rollback_diff_names_image_and_env_changes():
    current = {"spec": {"containers": [{"name": "app", "image": "app:2", "env": [{"name": "A", "value": "1"},
                                                                                   {"name": "NEW", "value": "x"}]}]}}
    previous = {"spec": {"containers": [{"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}]}]}}
    diff = template_diff(previous, current)
    assert "container app: image app:2 -> app:1" in diff
    assert "container app: env NEW removed (was x)" in diff
    assert template_diff(current, current) == []


def test_a_workloads_log_group_is_the_one_whose_path_names_it():
    groups = [{"name": "/lab/shop/checkout"}, {"name": "/lab/other/checkout"}, {"name": "/lab/shop/checkout-worker"}]
    assert log_groups_for(groups, "shop", "checkout") == ["/lab/shop/checkout", "/lab/other/checkout"]
    assert log_groups_for(groups, "shop", "cart") == []


def test_kubectl_ages_in_seconds():
    assert [age_seconds(a) for a in ("45s", "39m", "3h", "2d", "", None)] == [45, 2340, 10800, 172800, None, None]


def test_a_namespace_named_like_the_workload_does_not_pick_a_neighbours_log_group():
    groups = [{"name": "/lab/payments/ledger"}, {"name": "/lab/payments/payments"}, {"name": "/aws/payments/app/x"}]
    assert log_groups_for(groups, "payments", "payments") == ["/lab/payments/payments"]
    assert log_groups_for([{"name": "/lab/payments/ledger"}], "payments", "payments") == []
    # the name elsewhere in the path still counts when it is not just the namespace
    assert log_groups_for([{"name": "/aws/checkout/application"}], "shop", "checkout") == ["/aws/checkout/application"]


def test_an_objects_facts_show_what_describe_shows_per_container_and_placement():
    from sre_agent.chat.answer.facts import container_facts, placement_facts

    spec = {"containers": [{"name": "api", "image": "r/api:1.2", "resources": {"limits": {"memory": "512Mi"}},
                            "readinessProbe": {"httpGet": {"path": "/ready", "port": 8081}, "timeoutSeconds": 1},
                            "ports": [{"name": "http", "containerPort": 8080}],
                            "env": [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}],
                            "envFrom": [{"configMapRef": {"name": "api-settings"}}]}],
            "nodeSelector": {"pool": "general"}, "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "api-data"}}]}
    [line] = container_facts(spec)
    for fact in ("r/api:1.2", "'memory': '512Mi'", "readinessProbe /ready:8081 (delay=0s timeout=1s period=10s #success=1 #failure=3)",
                 "http:8080",
                 "DB_PASSWORD <- secretKeyRef db:password", "envFrom configMapRef api-settings"):
        assert fact in line, fact
    assert placement_facts(spec) == ["nodeSelector pool=general",
                                     "volume data: {'persistentVolumeClaim': {'claimName': 'api-data'}}"]


def test_traffic_keeps_the_detectors_intervals_that_reach_into_the_window():
    from datetime import UTC, datetime

    from sre_agent.chat.answer.traffic import _intervals_in, _moved

    since = datetime(2026, 3, 1, 11, tzinfo=UTC)
    report = {"intervals": [{"start": "2026-03-01T09:00:00Z", "end": "2026-03-01T09:30:00Z"},  # over before the window
                            {"start": "2026-03-01T10:50:00Z", "end": "2026-03-01T11:10:00Z"},
                            {"start": "2026-03-01T11:40:00Z", "end": None, "ongoing": True}]}
    assert [i["start"][11:16] for i in _intervals_in(report, since)] == ["10:50", "11:40"]
    assert _moved([80.0, 120.0, 95.0], "requests/min") == "80 -> 95 requests/min (min 80, max 120)"
    assert _moved([], "ms p99") == "no datapoints"


class FindsOnlyPrefixes:
    """find_resource over the default kinds matches a Job's pod by prefix; over the other kinds, the CronJob exactly."""

    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        from sre_agent.graph.ports import ToolOutcome
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        if tool == "find_resource" and args.get("kinds"):
            return ToolOutcome(record=record, data={"matches": [{"resource": "ops/CronJob/notam-sync", "exact": True}]})
        if tool == "find_resource":
            return ToolOutcome(record=record, data={"matches": [{"resource": "ops/Pod/notam-sync-2992-x", "exact": False}]})
        return ToolOutcome(record=record, data={"items": []})


def test_a_name_typed_exactly_means_that_object_over_one_whose_name_only_starts_with_it():
    question = "did the last notam-sync run work"
    ask = Ask(question=question, recognised=recognise(question), tools=FindsOnlyPrefixes())
    assert asyncio.run(resolve(ask)) == "ops/CronJob/notam-sync"


@pytest.mark.parametrize(("phase", "conditions", "waiting", "trouble"), [
    ("Running", [{"type": "Ready", "status": "True"}], None, None),
    ("Running", [{"type": "Ready", "status": "False", "reason": "NodeLost", "message": "node stopped posting"}], None,
     "the pod is Running but not Ready (Ready=False: NodeLost -- node stopped posting)"),
    ("Running", [{"type": "Ready", "status": "False"}], None, "the pod is Running but not Ready (Ready=False)"),
    ("Running", [{"type": "Ready", "status": "False"}], "CrashLoopBackOff", "container app waiting: CrashLoopBackOff"),
    ("Succeeded", [{"type": "Ready", "status": "False", "reason": "PodCompleted"}], None, None),
    ("Pending", [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/3 nodes"}], None,
     "the pod is Pending: PodScheduled=False: Unschedulable -- 0/3 nodes"),
])
def test_a_pods_trouble_reads_its_phase_waiting_containers_and_readiness(phase, conditions, waiting, trouble):
    from sre_agent.chat.answer.conditions import pod_facts

    statuses = [{"name": "app", "state": {"waiting": {"reason": waiting}} if waiting else {"running": {}}}]
    found: list[str] = []
    pod_facts({"nodeName": "n1", "containers": [{"image": "app:1"}]},
               {"phase": phase, "conditions": conditions, "containerStatuses": statuses}, found, True)
    assert found == ([trouble] if trouble else [])


def test_an_alarm_line_says_what_it_compares_and_its_last_value():
    from sre_agent.chat.answer.about import alarm_rule
    alarm = {"metric": {"name": "LatencyP99"}, "threshold": 450.0, "comparison": "GreaterThanThreshold",
             "reason": "Threshold Crossed: 3 out of the last 3 datapoints [512.3 (28/11/26 00:20:00), 498.0 (...)] were greater"}
    assert alarm_rule(alarm) == " (LatencyP99 > 450; last 512.3)"
    assert alarm_rule({"name": "math alarm"}) == ""
