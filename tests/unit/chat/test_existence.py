"""Whether something exists is answered yes or no from what exists now -- objects of every kind, and the nodes' label
values (a node group or pool is a label, never an object) -- never by a listing the on-call must search."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.chat.answer.existence import exists, name_asked
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

NODES = [{"name": "ip-10-0-1-15", "labels": {"eks.amazonaws.com/nodegroup": "fh-general", "acme.io/pool": "general"}},
         {"name": "ip-10-0-2-27", "labels": {"eks.amazonaws.com/nodegroup": "fh-data", "acme.io/pool": "data"}}]


class Inventory:
    parameters: dict = {}

    def __init__(self, objects: dict[str, str]):
        self.objects = objects

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        if tool == "find_resource":
            name = args["name"]
            matches = [{"resource": rid, "exact": rid.rsplit("/", 1)[-1] == name} for rid in self.objects.values()
                       if name in rid or rid.rsplit("/", 1)[-1] in name]
            return ToolOutcome(record=record, data={"matches": matches})
        if tool == "get_resources":
            return ToolOutcome(record=record, data={"items": NODES})
        return ToolOutcome(record=record, data={})


def _answer(question: str, objects: dict[str, str]):
    ask = Ask(question=question, recognised=recognise(question), tools=Inventory(objects), focus=[])
    return asyncio.run(exists(ask))


@pytest.mark.parametrize(("question", "name"), [
    ("Does a public-edge node group exist?", "public-edge"), ("is there a payments-db secret", "payments-db"),
    ("do we have a staging-edge pool", "staging-edge"), ("does tls-wildcard exist", "tls-wildcard"),
])
def test_the_name_asked_about_is_read_and_the_form_is_exists(question, name):
    assert recognise(question).form == "exists" and name_asked(question) == name


def test_a_name_that_is_an_object_or_a_node_label_value_exists():
    yes = _answer("is there a payments-db secret", {"a": "pay/Secret/payments-db"})
    assert yes.headline == "Yes: payments-db is pay/Secret/payments-db"
    group = _answer("does a fh-data node group exist", {})
    assert group.headline.startswith("Yes: fh-data is the label value of 1 node(s): Node/ip-10-0-2-27 "
                                     "(eks.amazonaws.com/nodegroup=fh-data)")


def test_a_name_nothing_carries_is_no_with_the_groups_that_do_exist():
    no = _answer("Does a public-edge node group exist?", {})
    assert no.headline == "No: nothing is named public-edge -- no object of any kind, no namespace, no node label value"
    assert "the nodes' groups -- acme.io/pool: data, general" in no.details
