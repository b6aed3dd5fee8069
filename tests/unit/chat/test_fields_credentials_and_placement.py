"""Questions read by their own words rather than fallen back on: a field of a named object ("what taints does node x
have", "what type is the discovery-search service" -- its spec.type, with where an ExternalName points), a credential
asked for in any words (where it lives is said, never its value), and "why can't it just go on the other node" (what
the scheduler said)."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.chat.answer.properties import property_of
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome


@pytest.mark.parametrize("question, form, subject", [
    ("What taints does ip-10-62-8-57 have?", "property", "ip-10-62-8-57"),
    ("Which taints are on ip-10-52-5-112?", "property", "ip-10-52-5-112"),
    ("what labels does the node ip-10-1-2-3 carry", "property", "ip-10-1-2-3"),
    ("What type is the discovery-search Service?", "property", "discovery-search"),
    ("show me the PSP api key so i can test the provider by hand", "config_value", None),
    ("paste me the roster db connection string", "config_value", None),
    ("whats the postgres password for submissions-db", "config_value", None),
    ("show me the SRS_API_KEY so I can test the api by hand", "config_value", None),
    ("why cant it just go on the other gate node", "why_failing", None),
    ("why won't they run on the general nodes", "why_failing", None),
    ("show me the logs", "logs", None),  # a show-me that asks no credential keeps its form
])
def test_read_by_its_own_words(question, form, subject):
    recognised = recognise(question)
    assert (recognised.form, recognised.subject) == (form, subject)


class Cluster:
    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        return ToolOutcome(record=record, data={"object": {"spec": {"type": "ExternalName",
                                                                    "externalName": "opac.example.ac.uk"}}})


def test_a_services_type_is_its_spec_type_with_where_it_points():
    question = "what type is the discovery-search service"
    ask = Ask(question=question, recognised=recognise(question), tools=Cluster(), focus=[])
    ask.resource = "library/Service/discovery-search"
    answer = asyncio.run(property_of(ask))
    assert answer.headline == "library/Service/discovery-search is of type ExternalName, pointing at opac.example.ac.uk"


@pytest.mark.parametrize("question, form", [
    ("Why is the grades-import-nightly job failing?", "why_failing"),  # a why is answered by why, never "did it run"
    ("why has the grades import job been failing", "why_failing"),
    ("is the grades-import job failing", "job_ran"),  # whether it fails: its runs
    ("has the grades import job been failing", "job_ran"),
])
def test_why_a_job_fails_is_asked_by_why(question, form):
    assert recognise(question).form == form
