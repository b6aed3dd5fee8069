"""Names resolved against what exists: a table of questions over one small inventory, and the object each
names (or the candidates it is ambiguous between)."""

import pytest

from sre_agent.chat.understand.inventory import Inventory, Known, mentions, nearest

INVENTORY = Inventory(objects=[
    Known("Deployment", "pass-shop", "shop"), Known("Service", "pass-shop", "shop"),
    Known("Deployment", "pass-validator", "gate"), Known("Service", "pass-validator", "gate"),
    Known("StatefulSet", "fleet-db", "fleet"), Known("Secret", "fleet-db", "fleet"), Known("Service", "fleet-db", "fleet"),
    Known("ConfigMap", "fleet-db-config", "fleet"), Known("Deployment", "backend", "api"),
    Known("Service", "backend-service", "api"), Known("CronJob", "nightly-settlement", "batch"),
    Known("Deployment", "log-forwarder", "ops"), Known("StatefulSet", "bin-state-cache", "telemetry"),
    Known("Deployment", "worker", "a"), Known("Deployment", "worker", "b"),
    Known("Deployment", "quill-api", "a"), Known("Deployment", "quill-web", "a"), Known("Node", "ip-10-0-1-20"),
    Known("Alarm", "shop-pass-shop-5xx"),
    Known("Deployment", "reservations", "booking", ("reservations", "envoy")), Known("ConfigMap", "reservations-envoy", "booking"),
])


def chosen(question: str, namespace: str | None = None) -> list[str]:
    return [m.chosen.rid if m.chosen else "?" + ",".join(sorted(k.rid for k in m.ambiguous))
            for m in mentions(question, INVENTORY, namespace=namespace)]


@pytest.mark.parametrize(("question", "expected"), [
    ("is fleet-db ok?", ["fleet/StatefulSet/fleet-db"]),  # a workload wins over its Secret and Service
    ("why does envoy keep dying", ["booking/Deployment/reservations"]),  # a container's name: its workload, not x-envoy
    ("whats in the envoy configmap", ["booking/ConfigMap/reservations-envoy"]),  # unless the kind is said
    ("whats in the fleet-db secret", ["fleet/Secret/fleet-db"]),  # unless the kind is said
    ("fleet db svc endpoints?", ["fleet/Service/fleet-db"]),  # spaces for dashes, a kubectl short word
    ("why is passshop slow", ["shop/Deployment/pass-shop"]),  # run together
    ("pass shop 5xx", ["shop/Deployment/pass-shop"]),  # the best-fitting span: the whole name, over most of an alarm's
    ("is pass-valdator down", ["gate/Deployment/pass-validator"]),  # a typo
    ("the validator pods", ["gate/Deployment/pass-validator"]),  # one token of a name
    ("did the nightly settlement run", ["batch/CronJob/nightly-settlement"]),
    ("whats the fleet-db-config say", ["fleet/ConfigMap/fleet-db-config"]),  # the longer name is the one typed
    ("is quill ok", ["?a/Deployment/quill-api,a/Deployment/quill-web"]),  # two objects: asked, not picked
    ("is worker ok", ["?a/Deployment/worker,b/Deployment/worker"]),  # one name in two namespaces
    ("is worker ok", ["b/Deployment/worker"]),
    ("show me the logs", []),  # the question's own words name nothing (log-forwarder is not "logs")
    ("what state is the new pod in exactly", []),  # nor is a plain word one token of a name (bin-state-cache)
    ("memory on ip-10-0-1-20", ["Node/ip-10-0-1-20"]),
    ("shop-pass-shop-5xx firing why", ["Alarm/shop-pass-shop-5xx"]),
])
def test_a_question_names_what_exists(question, expected, request):
    namespace = "b" if question == "is worker ok" and expected == ["b/Deployment/worker"] else None
    assert chosen(question, namespace) == expected


def test_a_name_nothing_has_lists_the_nearest_real_ones():
    assert nearest("pass-shp", INVENTORY)[0] == "pass-shop"
    assert nearest("zzzz", INVENTORY) == []


class ListingTools:
    """Answers the inventory's listings from a table, like the kubernetes server's get_resources."""

    parameters: dict = {}

    def __init__(self, objects):
        self.objects = objects

    async def call(self, agent, server, tool, args):
        from sre_agent.contracts import ToolCallRecord
        from sre_agent.graph.ports import ToolOutcome

        if tool == "get_resources":
            items = [{"name": k.name, "namespace": k.namespace, "containers": list(k.containers)}
                     for k in self.objects if k.kind == args["kind"]]
            data = {"items": items}
        elif tool == "describe_alarms":
            data = {"alarms": []}
        else:
            raise AssertionError(f"unexpected tool call {tool}")
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True, excerpt="")
        return ToolOutcome(data=data, error=None, record=record)


@pytest.mark.parametrize(("question", "spelled"), [
    ("roll back booking api", "roll back booking-api"),
    ("is fleet db ok", "is fleet-db ok"),
    ("is the fleet-db ok", None),  # already a name
    ("is the new pod ok", None),  # no name typed as words
    ("give the log shipper 4Gi", "give the log-shipper 4Gi"),  # a container keeps its own name, never its workload's
])
def test_a_name_typed_as_words_is_written_as_the_name(question, spelled):
    import asyncio

    from sre_agent.chat.ask import Ask
    from sre_agent.chat.understand.forms import recognise
    from sre_agent.chat.understand.grounding import names_spelled

    tools = ListingTools([*INVENTORY.objects, Known("Deployment", "booking-api", "donors"),
                          Known("Deployment", "patron-accounts", "patrons", ("patron-accounts", "log-shipper"))])
    ask = Ask(question=question, recognised=recognise(question), tools=tools)
    assert asyncio.run(names_spelled(ask)) == spelled
