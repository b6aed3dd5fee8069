"""A question no form reads is answered from where its own words are written: an annotation, a ConfigMap value, an
event, a log line -- the line carrying the most (and rarest) of its words, and only where it carries enough of them."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.chat.answer.grounded_search import Found, carried, concepts_of, enough, found_by_words, ranked
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

SHARED = "/aws/containerinsights/prod/application"


class World:
    """search_text's matches and the shared log group's lines, as the servers answer them."""

    parameters: dict = {}

    def __init__(self, matches=(), logs=()):
        self.matches, self.logs, self.calls = list(matches), list(logs), []

    async def call(self, agent, server, tool, args, brain="offline"):
        self.calls.append((tool, args))
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        data: dict = {}
        if tool == "search_text":
            data = {"matches": [{"resource": r, "path": p, "text": t, "words": []} for r, p, t in self.matches]}
        elif tool == "describe_log_groups":
            data = {"log_groups": [{"name": SHARED}]}
        elif tool == "filter_log_events":
            data = {"events": [{"message": m, "pod": "varnish-7f9c-abcde", "time": "2026-11-28T09:00:00Z"}
                               for m in self.logs]}
        return ToolOutcome(record=record, data=data)


def answer(question: str, world: World, subject: str | None = None):
    ask = Ask(question=question, recognised=recognise(question), tools=world, focus=[])
    names = [subject.rsplit("/", 1)[-1]] if subject else []
    return asyncio.run(found_by_words(ask, subject, names))


NODE_NOTE = ("Node/ip-10-0-1-5", "metadata.annotations.acme.io/change", "CHG-8841 planned AMI rotation of general")


@pytest.mark.parametrize("question, names, words", [
    ("What is CHG-8841?", [], {"chg-8841"}),
    ("What Cache-Control does article-render send now?", ["article-render"], {"cache", "control", "send"}),
    ("wats the cache hit ratio", [], {"cache", "hit", "ratio"}),
    ("what is the exports bucket called now", [], {"exports", "bucket"}),
    ("is it ok", [], set()),
])
def test_the_words_looked_for_are_the_questions_own_never_its_objects_name_or_question_words(question, names, words):
    assert set(concepts_of(question, names)) == words


def test_an_identifier_the_question_names_is_answered_by_the_line_that_carries_it():
    got = answer("What is CHG-8841?", World(matches=[NODE_NOTE, ("Node/ip-10-0-1-5", "metadata.name", "ip-10-0-1-5")]))
    assert got is not None and got.headline.startswith("CHG-8841 planned AMI rotation")
    assert "Node/ip-10-0-1-5 metadata.annotations.acme.io/change" in got.headline and got.status == "answered"
    assert "Found by the question's words (chg-8841)" in got.next_steps[0]


def test_a_neighbours_log_line_answers_when_no_object_carries_the_words():
    world = World(logs=["GET / 200 12ms", "varnishstat 5m: MAIN.cache_hit_ratio=0.04 MAIN.backend_req=6621/min"])
    got = answer("wats the cache hit ratio", world, subject="frontend/Deployment/article-render")
    assert got is not None and "cache_hit_ratio=0.04" in got.headline and "log varnish-7f9c-abcde" in got.headline
    pattern = next(args["pattern"] for tool, args in world.calls if tool == "filter_log_events")
    assert '?"cache"' in pattern and '?"Cache"' in pattern and '?"ratio"' in pattern  # terms are case-sensitive


def test_the_line_with_the_rarer_words_wins():
    found = [Found("a", "cache warm", frozenset({"cache"})), Found("b", "cache cold", frozenset({"cache"})),
             Found("c", "hit ratio 0.2", frozenset({"hit", "ratio"})), Found("d", "cache ok", frozenset({"cache"}))]
    concepts = {"cache": {"cache"}, "hit": {"hit"}, "ratio": {"ratio"}}
    assert ranked(found, concepts)[0].where == "c"


@pytest.mark.parametrize("question, matches, answers", [
    # one common word of two: a line carrying "restart" alone answers nothing of "restart budget"
    ("what restart budget do we have", [("shop/Deployment/a", "metadata.annotations.x", "restart at 9")], False),
    # the question's one word, on few lines: those lines are what it asks about
    ("what about all those evictions", [("shop/Pod/a", "event TaintManagerEviction", "Marking for deletion")], True),
    # the question's one word on every line says nothing
    ("what about the traffic", [(f"shop/Deployment/a{i}", "metadata.labels.tier", "traffic") for i in range(8)], False),
])
def test_a_line_answers_only_where_it_carries_enough_of_the_question(question, matches, answers):
    assert (answer(question, World(matches=matches)) is not None) is answers


def test_nothing_carrying_the_words_is_none_so_the_caller_says_it_could_not_read_the_question():
    assert answer("what is PLAT-9999", World()) is None
    best = Found("x", "t", frozenset({"restart"}))
    assert not enough(best, {"restart": {"restart"}, "budget": {"budget"}}, [best])


@pytest.mark.parametrize("question", ["take the maintenance taint off the nodes", "copy the active key into store-api-pay and roll it",
                                      "what if we just give it 2Gi", "should we raise it to 4 cores?"])
def test_a_request_to_act_or_whether_to_is_never_answered_by_a_line_that_shares_its_words(question):
    world = World(matches=[("Node/ip-1", "spec.taints[0].key", "acme.io/maintenance taint key cores 2Gi active key")])
    assert answer(question, world) is None and world.calls == []


def test_a_fields_structure_is_not_its_words_only_its_own_key_is():
    world = World(matches=[("profile/Deployment/player-profile", "spec.selector.matchLabels.app", "player-profile")])
    assert answer("ranked players complain tonight's match points never show up", world) is None


class Namespaced(World):
    """search_text answers by namespace, as the server does: cluster-scoped lines (a Node's) in every answer."""

    async def call(self, agent, server, tool, args, brain="offline"):
        if tool == "search_text":
            self.matches = [m for m in self.everywhere if not args.get("namespace") or m[0].startswith("Node/")]
        return await super().call(agent, server, tool, args, brain)


def test_a_line_written_in_another_namespace_answers_and_is_counted_once():
    world = Namespaced()
    world.everywhere = [("billing-jobs/ConfigMap/export", "data.EXPORT_BUCKET", "billing-exports-v2"),
                        ("Node/ip-10-0-1-5", "metadata.annotations.acme.io/note", "bucket lifecycle moved")]
    got = answer("what is the exports bucket called now", world, subject="billing/Deployment/api")
    assert got is not None and got.headline.startswith("billing-exports-v2")
    assert sum("bucket lifecycle moved" in d for d in got.details) == 1  # the cluster-wide look is not counted twice


@pytest.mark.parametrize(("question", "line", "carries"), [
    # the fact asked in the question's words, written in the world under another (word_families.yaml)
    ("until when is the cert in the secret valid", "metadata.annotations.example.io/cert-not-after: 2027-12-19", {"cert", "valid"}),
    ("when does the renewed cert expire", "annotations cert-manager.io/not-after=2027-02-26", {"cert", "expire"}),
    # a family never reaches a merely related word: "expire" is not "after"
    ("when does the cert expire", "restarted after the upgrade", set()),
])
def test_a_word_is_found_under_the_names_the_world_writes_its_fact_in(question, line, carries):

    assert set(carried(concepts_of(question, []), line)) == carries


@pytest.mark.parametrize(("question", "line", "carries"), [
    # an inflection is its word: the rotation, rotated-by
    ("which job did the rotation", "annotations x.io/rotated-by: secrets-rotator job rotate-29411", {"rotation"}),
    # a root that short is another word's piece: cache is not cached
    ("wats the cache ratio", "data.mode: cached", set()),
])
def test_a_word_is_found_in_its_inflections(question, line, carries):
    assert set(carried(concepts_of(question, []), line)) == carries


@pytest.mark.parametrize(("question", "text", "holds"), [
    ("when does the new cert expire", "2027-02-24T09:12:00Z", True),
    ("when does the new cert expire", "renewing 30 days before expiry", False),
    ("how many charges are stuck waiting", "no response after 10000ms, retrying (pending charges: 41)", True),
    ("how many charges are stuck waiting", "fwd GET /v2/charges -> gateway", False),
    ("which job did the rotation", "secrets-rotator job rotate-ingest-29411", True),
    ("which job did the rotation", "secrets-rotator, every 90 days", False),
    ("what is CHG-8841", "CHG-8841 planned AMI rotation", False),  # no kind of value asked: no line holds one
])
def test_a_line_holds_the_kind_of_value_the_question_asks_for(question, text, holds):
    from sre_agent.chat.answer.grounded_search import holds_answer
    assert holds_answer(question, text) is holds


def test_a_when_is_answered_by_the_line_with_the_date_not_the_one_sharing_more_words():
    world = World(matches=[
        ("web/Secret/portal-tls", "metadata.annotations.cert-manager.io/renewal-reason", "renewing 30 days before expiry"),
        ("web/Secret/portal-tls", "metadata.annotations.acme.io/not-after", "2027-02-24T09:12:00Z"),
        ("web/Secret/portal-tls", "metadata.annotations.cert-manager.io/issuer-name", "letsencrypt-prod")])
    got = answer("when does the new cert expire", world)
    assert got is not None and got.headline.startswith("2027-02-24T09:12:00Z")
    assert any("renewing 30 days" in d for d in got.details)  # the line that shares more words, beside it


def test_an_inflection_counts_in_what_people_write_never_in_the_apis_own_field_names():
    world = World(matches=[("acoustic/Deployment/detector", "spec.template.spec.tolerations[0].operator", "Equal"),
                           ("billing/Deployment/connector", "metadata.annotations.acme.io/operated-by", "TidePay (vendor)")])
    got = answer("Who operates the connector?", world, subject="billing/Deployment/connector")
    assert got is not None and got.headline.startswith("TidePay (vendor)")
    assert not any("Equal" in d for d in got.details)


def test_the_list_an_item_sits_in_names_what_it_is_and_which_node_is_answered_by_a_node():
    from sre_agent.chat.answer.grounded_search import said_of
    assert said_of("spec.taints[0].key") == "taints key" and said_of("spec.selector.matchLabels.app") == "app"
    world = World(matches=[("Node/ip-10-0-3-39", "spec.taints[0].key", "node.kubernetes.io/memory-pressure"),
                           ("Node/ip-10-0-1-15", "status.conditions[0].type", "MemoryPressure"),
                           ("tsdb/Deployment/agg", "metadata.annotations.x.io/note", "pressure readings per district")])
    got = answer("which node has the pressure taint", world, subject="tsdb/StatefulSet/replica")
    assert got is not None and got.headline.startswith("node.kubernetes.io/memory-pressure  (Node/ip-10-0-3-39")


@pytest.mark.parametrize("text, carries", [
    ("POST /v1/invoices/pay 200 277ms [a7c0db02dead]", False),  # a request id's letters are no word
    ("pulled sha256:9f3bad1e77c0 ok", False),
    ("consumer deadLocked on channel 3", True),  # camelCase apart: a word
    ("DEAD_LETTER_QUEUE has 41 messages", True),
])
def test_a_word_is_never_found_in_the_letters_of_an_id(text, carries):
    assert bool(carried({"dead": {"dead", "bad"}}, text)) is carries
