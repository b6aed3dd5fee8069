"""A credential asked for: where it lives is said, never its value -- and when the question names a workload ("the
postgres password for submissions-db"), only a Secret that workload reads is the answer, never another app's Secret
whose key names look alike (a wrong object reads as an answer)."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.chat.answer.secret_values import secret_asked
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

SECRETS = [{"name": "loans-db", "namespace": "library", "keys": ["POSTGRES_PASSWORD"]},
           {"name": "submissions-db", "namespace": "vle", "keys": ["DATABASE_URL", "POSTGRES_PASSWORD"]}]
READS = {"containers": [{"name": "db", "env": [{"name": "POSTGRES_PASSWORD", "valueFrom": {
    "secretKeyRef": {"name": "submissions-db", "key": "POSTGRES_PASSWORD"}}}]}]}


class Cluster:
    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        if tool == "find_resource":
            exact = args["name"] == "submissions-db"
            return ToolOutcome(record=record, data={"matches": [{"resource": "vle/StatefulSet/submissions-db", "exact": True}]
                                                    if exact else []})
        if tool == "get_resources":
            rows = [r for r in SECRETS if args.get("namespace") in (None, r["namespace"])] if args["kind"] == "Secret" else []
            return ToolOutcome(record=record, data={"items": rows})
        if tool == "describe":
            return ToolOutcome(record=record, data={"object": {"spec": {"template": {"spec": READS}}}})
        return ToolOutcome(record=record, data={"items": []})


def test_a_named_workloads_secret_is_the_answer_never_a_look_alike():
    question = "whats the postgres password for submissions-db"
    answer = asyncio.run(secret_asked(Ask(question=question, recognised=recognise(question), tools=Cluster())))
    assert answer is not None
    assert "vle/Secret/submissions-db" in answer.headline and "loans-db" not in answer.headline
    assert answer.headline.startswith("Not shown")


@pytest.mark.parametrize("question, asked", [
    ("whats our alpinewx api key, i want to check the quota in their portal", True),
    ("print the db password", True),
    ("which quota is the api key on", False),  # not a value asked to be said
    ("whats the quota, the api key is fine", False),  # the credential is in a remark
])
def test_a_credentials_value_asked_in_the_opening_clause(question, asked):
    from sre_agent.chat.answer.secret_values import credential_value_asked
    assert credential_value_asked(question) is asked


def test_a_secret_named_by_its_words_wins_over_the_conversations_workloads_secrets():
    from sre_agent.chat.answer.secret_values import secret_asked as asked

    class Secrets:
        parameters: dict = {}

        async def call(self, agent, server, tool, args, brain="offline"):
            record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
            if tool == "describe":  # the conversation's workload reads only its own database secret
                return ToolOutcome(record=record, data={"object": {"spec": {"template": {"spec": {"containers": [
                    {"name": "app", "envFrom": [{"secretRef": {"name": "lending-db"}}]}]}}}}})
            if tool == "find_resource":
                return ToolOutcome(record=record, data={"matches": []})
            return ToolOutcome(record=record, data={"items": [
                {"name": "lending-db", "namespace": "ebooks", "keys": ["DATABASE_URL"]},
                {"name": "fulcrum-api-key", "namespace": "ebooks", "keys": ["FULCRUM_API_KEY"]}]})

    question = "whats our fulcrum api key, I want to curl their api myself"
    ask = Ask(question=question, recognised=recognise(question), tools=Secrets(), focus=["ebooks/Deployment/ebook-lending"])
    answer = asyncio.run(asked(ask))
    assert answer is not None and "ebooks/Secret/fulcrum-api-key" in answer.headline
