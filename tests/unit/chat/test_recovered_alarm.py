"""An alarm that fired and cleared on its own, said beside an answer that finds nothing wrong now: its window from its
history, and what was active in it by time alone -- a Job whose run ended as it cleared first (with the notes people
left on it), a node that came back Ready; nothing when an alarm fires now or the conversation found a root cause."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from sre_agent.chat.answer.recovered_alarm import beside
from sre_agent.chat.ask import Ask
from sre_agent.chat.models import Answer
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

NOW = datetime.now(UTC).replace(second=0, microsecond=0)


def at(minutes_ago: int) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).isoformat().replace("+00:00", "Z")


class World:
    parameters: dict = {}

    def __init__(self, state="OK", cleared=45, jobs=(), events=(), notes=None, specs=None):
        self.state, self.cleared, self.jobs, self.events, self.notes = state, cleared, list(jobs), list(events), notes or {}
        self.specs = specs or {}

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        data: dict = {}
        if tool == "describe_alarms":
            data = {"alarms": [{"name": "api-p99", "state": self.state, "updated": at(self.cleared)}]}
        elif tool == "alarm_history":
            data = {"items": [{"timestamp": at(self.cleared), "new_state": "OK"},
                              {"timestamp": at(self.cleared + 12), "new_state": "ALARM"}]}
        elif tool == "get_resources":
            data = {"items": self.jobs if args["kind"] == "Job" else self.events}
        elif tool == "describe":
            data = {"object": {"metadata": {"annotations": self.notes.get(args["name"], {})},
                               "spec": self.specs.get(args["name"], {})}}
        return ToolOutcome(record=record, data=data)


LOAD_TEST = {"namespace": "qa", "name": "soak-lt9", "started": at(60), "completed": at(46)}
NIGHTLY = {"namespace": "ops", "name": "rollup-1", "started": at(53), "completed": at(50), "cronjob": "rollup"}
EARLIER = {"namespace": "ops", "name": "backfill", "started": at(170), "completed": at(150)}
NODE_BACK = {"reason": "NodeReady", "object": "Node/ip-10-0-1-5", "last": at(46)}
RELOAD = {"reason": "ScalingReplicaSet", "object": "Deployment/boards-api", "namespace": "web", "last": at(57)}
FAILED_EARLIER = {"namespace": "qa", "name": "smoke", "started": at(170), "failed_at": at(165), "status": "Failed"}


@pytest.mark.parametrize(("world", "said", "not_said"), [
    # the run that ended as it cleared leads, with its note; a routine CronJob run in the window is said after it
    (World(jobs=[NIGHTLY, LOAD_TEST, EARLIER], notes={"soak-lt9": {"acme.io/scheduled-by": "weekly soak (LT-9), announced"}}),
     ["fired", "Job qa/soak-lt9 ran", "ending as the alarm cleared", "LT-9", "Job ops/rollup-1"], ["backfill"]),
    # a node that came back Ready as it cleared, with the maintenance note on it
    (World(events=[NODE_BACK], notes={"ip-10-0-1-5": {"acme.io/maintenance": "MNT-7 instance retirement, uncordoned (p.o)"}}),
     ["node ip-10-0-1-5: NodeReady", "as the alarm cleared", "MNT-7"], []),
    # nothing active in the window: said so, nothing made up
    (World(), ["no Job ran, no node changed state"], ["Job qa", "Job ops"]),
    # a rollout that began as it fired, by Recreate, with its note -- never a Job that had failed hours before
    (World(jobs=[FAILED_EARLIER], events=[RELOAD], notes={"boards-api": {"kubernetes.io/change-cause": "CHG-51 planned reload"}},
           specs={"boards-api": {"strategy": {"type": "Recreate"}}}),
     ["Deployment boards-api rolled out", "as the alarm fired", "CHG-51", "strategy Recreate"], ["smoke"]),
])
def test_a_recovered_alarm_is_said_with_what_was_active_while_it_fired(world, said, not_said):
    ask = Ask(question="still bad?", recognised=recognise("still bad?"), tools=world)
    answer = asyncio.run(beside(ask, Answer(question="still bad?", form="alarms", status="healthy", headline="No alarms firing")))
    text = "\n".join(answer.details)
    assert all(s in text for s in said), text
    assert not any(s in text for s in not_said), text
    assert answer.details[0].startswith("alarm api-p99 fired")


@pytest.mark.parametrize(("world", "diagnosis", "status"), [
    (World(state="ALARM"), None, "healthy"),  # an alarm firing now is the trouble, not a recovery
    (World(cleared=400), None, "healthy"),  # a recovery hours ago is history
    (World(jobs=[LOAD_TEST]), {"category": "oom_killed", "resource": "a/Deployment/api"}, "problems"),  # a root cause found
    (World(jobs=[LOAD_TEST]), None, "approval_required"),  # an action pinned says its own reasons
])
def test_no_episode_beside_a_fault_an_old_recovery_or_a_pinned_action(world, diagnosis, status):
    ask = Ask(question="q", recognised=recognise("q"), tools=world, last_diagnosis=diagnosis)
    answer = asyncio.run(beside(ask, Answer(question="q", form="status", status=status, headline="h")))
    assert answer.details == []


def test_said_again_in_the_same_conversation_it_is_one_short_line_with_the_note():
    world = World(jobs=[LOAD_TEST], notes={"soak-lt9": {"acme.io/scheduled-by": "weekly soak (LT-9), announced"}})
    first = asyncio.run(beside(Ask(question="q", recognised=recognise("q"), tools=world),
                               Answer(question="q", form="alarms", status="healthy", headline="h")))
    again = asyncio.run(beside(Ask(question="q", recognised=recognise("q"), tools=world, recent=first.details),
                               Answer(question="q", form="alarms", status="healthy", headline="h")))
    assert again.details == ["(alarm api-p99 cleared " + again.details[0].split("cleared ")[1].split(" on")[0]
                             + " on its own, with qa/Job/soak-lt9: weekly soak (LT-9), announced)"]
