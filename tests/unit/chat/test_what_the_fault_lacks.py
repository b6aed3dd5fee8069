"""A change asked of an object that does not exist, which the root cause's own words name ("recreate gp3-encrypted so
the claim binds"), is said as such with the fix found as the next step -- never "found no Deployment ... named", and
never pinned in the request's place (the fix found is another change than the one asked)."""

from __future__ import annotations

import asyncio

from sre_agent.chat.ask import Ask
from sre_agent.chat.conversation.graph import _names_what_the_fault_lacks
from sre_agent.chat.understand.forms import recognise

from .test_grounded_search import World  # a cluster in which no object has the name asked for

CLAIM = "records/PersistentVolumeClaim/data-records-db-2"
DIAGNOSIS = {"category": "pvc_pending", "resource": CLAIM,
             "summary": "pvc_pending on records/PersistentVolumeClaim/data-records-db-2: asks for StorageClass gp3-encrypted"}


async def investigated(question: str, resource: str) -> dict:
    return {"diagnosis": DIAGNOSIS, "proposed_fixes": [{"resource": CLAIM, "summary": "re-create the claim on gp3",
                                                         "commands": ["kubectl -n records replace --force -f claim.json"]}]}


def asked(question: str, diagnosis: dict | None) -> Ask:
    return Ask(question=question, recognised=recognise(question), tools=World(), focus=[CLAIM], last_diagnosis=diagnosis,
               investigate=investigated)


def test_an_object_the_root_cause_asks_for_is_said_missing_with_the_fix_found():
    answer = asyncio.run(_names_what_the_fault_lacks(asked("recreate gp3-encrypted so the claim binds", DIAGNOSIS)))
    assert answer is not None and answer.status == "answered" and answer.approval is None
    assert "gp3-encrypted does not exist" in answer.headline and "re-create the claim on gp3" in answer.next_steps[0]


def test_a_name_the_diagnosis_does_not_say_is_left_to_the_usual_not_found():
    assert asyncio.run(_names_what_the_fault_lacks(asked("recreate gp3-fast so the claim binds", DIAGNOSIS))) is None
    assert asyncio.run(_names_what_the_fault_lacks(asked("recreate gp3-encrypted so the claim binds", None))) is None


def test_a_dashed_word_no_pattern_placed_is_the_object_the_request_is_for():
    answer = asyncio.run(_names_what_the_fault_lacks(asked("recreate gp3-encrypted", DIAGNOSIS)))
    assert answer is not None and "gp3-encrypted does not exist" in answer.headline


def test_an_object_that_exists_as_any_kind_is_never_said_missing():
    class Claimed(World):  # find_resource finds the claim only when asked for claims too
        async def call(self, agent, server, tool, args, brain="offline"):
            outcome = await super().call(agent, server, tool, args, brain)
            if tool == "find_resource" and "PersistentVolumeClaim" in (args.get("kinds") or []):
                outcome.data = {"matches": [{"resource": CLAIM, "exact": True}]}
            return outcome
    ask = asked("expand data-records-db-2 to 100Gi", DIAGNOSIS)
    ask.tools = Claimed()
    assert asyncio.run(_names_what_the_fault_lacks(ask)) is None
