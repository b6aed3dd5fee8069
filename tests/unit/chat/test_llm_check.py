"""A chat model's answer against this turn's tool results and the offline chat's answer: the model can only add."""

from __future__ import annotations

from sre_agent.chat.conversation.llm_check import weigh
from sre_agent.chat.models import Answer
from sre_agent.contracts import ToolCallRecord

RECORDS = [ToolCallRecord(id="ev-1", agent="chat", server="kubernetes", tool="describe",
                          args={"kind": "StatefulSet", "name": "fleet-db", "namespace": "fleet"},
                          excerpt='{"name": "fleet-db", "readyReplicas": 0, "replicas": 1}'),
           ToolCallRecord(id="ev-2", agent="chat", server="kubernetes", tool="get_resources", args={"kind": "pods"},
                          excerpt='[{"name": "fleet-db-0", "status": "CrashLoopBackOff"}]')]


def answer(status: str, headline: str, resources: list[str] | None = None, details: list[str] | None = None) -> Answer:
    return Answer(question="is fleet-db ok?", form="llm", status=status, headline=headline,
                  resources=resources or [], details=details or [])


def test_a_model_that_calls_healthy_what_the_tools_show_failing_gives_way():
    model = answer("healthy", "fleet-db looks healthy", ["fleet/StatefulSet/fleet-db"], ["1 replica [ev-1]"])
    offline = answer("problems", "fleet-db is down: 0/1 ready", ["fleet/StatefulSet/fleet-db"])
    decided = weigh(model, offline, RECORDS)
    assert decided is offline and decided.status == "problems"
    assert decided.details[0].startswith("(LLM brain: the model said healthy (fleet-db looks healthy) where the tools' "
                                         "facts show a problem; the offline chat's answer stands)")


def test_an_invented_resource_and_an_uncited_detail_are_dropped_and_said():
    model = answer("problems", "fleet-db-0 is crash looping", ["fleet/Pod/fleet-db-0", "fleet/Service/fleet-gateway"],
                   ["fleet-db-0 restarts [ev-2]", "the gateway times out [ev-9]"])
    decided = weigh(model, answer("answered", "fleet has 1 pod"), RECORDS)
    assert decided is model and decided.resources == ["fleet/Pod/fleet-db-0"]
    assert decided.details[:1] == ["fleet-db-0 restarts [ev-2]"]
    assert "dropped fleet/Service/fleet-gateway" in decided.details[-1] and "1 detail(s)" in decided.details[-1]


def test_a_problem_with_nothing_to_stand_on_gives_way():
    model = answer("problems", "the ingress is misconfigured", ["fleet/Ingress/public"], ["it looks wrong"])
    offline = answer("answered", "fleet-db: 0/1 ready", ["fleet/StatefulSet/fleet-db"])
    decided = weigh(model, offline, RECORDS)
    assert decided is offline and "could not ground" in decided.details[0]


def test_a_grounded_answer_that_adds_to_the_offline_one_stands_as_it_is():
    model = answer("problems", "fleet-db-0 crash loops: its StatefulSet has 0/1 ready", ["fleet/StatefulSet/fleet-db"],
                   ["0 of 1 ready [ev-1]", "CrashLoopBackOff [ev-2]"])
    offline = answer("problems", "fleet-db is down", ["fleet/StatefulSet/fleet-db"])
    decided = weigh(model, offline, RECORDS)
    assert decided is model and decided.details == ["0 of 1 ready [ev-1]", "CrashLoopBackOff [ev-2]"]
