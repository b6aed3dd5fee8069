"""A request that names a field or a run, not an object: "set concurrencyPolicy to Allow" after talking about a
ConfigMap is about the object of the conversation that has the field; "delete the active X job" of a CronJob is its
active run -- never the CronJob (its schedule and every later run)."""

from __future__ import annotations

import asyncio

from sre_agent.chat.act.field_plans import object_setting_field
from sre_agent.chat.act.pod_deletes import cronjob_run
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

CRONJOB = {"kind": "CronJob", "spec": {"schedule": "0 * * * *", "concurrencyPolicy": "Forbid"}}
CONFIGMAP = {"kind": "ConfigMap", "data": {"max_stories": "10"}}


class Cluster:
    parameters: dict = {}

    def __init__(self, objects=None, jobs=()):
        self.objects, self.jobs = objects or {}, list(jobs)

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        if tool == "describe":
            return ToolOutcome(record=record, data={"object": self.objects.get(args["name"], {})})
        if tool == "get_resources":
            return ToolOutcome(record=record, data={"items": self.jobs})
        return ToolOutcome(record=record, data={})


def ask(question: str, cluster: Cluster, focus=()) -> Ask:
    return Ask(question=question, recognised=recognise(question), tools=cluster, focus=list(focus))


def test_a_field_the_object_talked_about_lacks_is_the_conversations_object_that_has_it():
    cluster = Cluster({"sender": CRONJOB})
    question = ask("set concurrencyPolicy to Allow so the runs start again", cluster,
                   focus=["mail/ConfigMap/templates", "mail/CronJob/sender"])
    found = asyncio.run(object_setting_field(question, "mail/ConfigMap/templates", CONFIGMAP, question.focus))
    assert found is not None and found[0] == "mail/CronJob/sender"
    # the object named has the field: it stays; no field named: nothing to look for
    assert asyncio.run(object_setting_field(question, "mail/CronJob/sender", CRONJOB, question.focus)) is None
    plain = ask("restart it", cluster, focus=["mail/CronJob/sender"])
    assert asyncio.run(object_setting_field(plain, "mail/ConfigMap/templates", CONFIGMAP, plain.focus)) is None


def test_a_delete_of_a_cronjobs_job_is_its_one_active_run_and_never_the_cronjob():
    runs = [{"name": "sender-100", "cronjob": "sender", "active": 0, "created": "1"},
            {"name": "sender-160", "cronjob": "sender", "active": 1, "created": "2"}]
    question = ask("delete the active sender job", Cluster(jobs=runs))
    assert asyncio.run(cronjob_run(question, "mail/CronJob/sender")) == "mail/Job/sender-160"
    none = asyncio.run(cronjob_run(question, "mail/CronJob/other"))
    assert not isinstance(none, str) and none.status == "answered" and "never the CronJob" in none.headline
    assert recognise("delete the active sender job so the next run can start").subject is None  # a state, no name


def test_a_run_made_by_hand_from_the_cronjob_is_a_request_in_any_of_its_wordings():
    for question in ("just run a rollup job by hand from the cronjob", "make a manual run from the cronjob",
                     "kick off a one-off job from cronjob/rollup"):
        assert recognise(question).form == "node_or_pod_write", question


def test_the_config_said_as_an_object_is_a_configmap_never_the_config_change():
    from sre_agent.chat.understand.forms import normalise

    assert normalise("who touched the config") == "who touched the configmap"
    assert normalise("who edited its config today?") == "who edited its configmap today?"
    assert normalise("is it the config change") == "is it the config change"
    assert normalise("what does its config set") == "what does its config set"
