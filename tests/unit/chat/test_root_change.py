"""The change a root cause came in with, as people wrote it: the ticketed change record on the ConfigMap/Secret the
diagnosis names, else on the root itself, else on the workload behind a root Service (chat/answer/root_change.py)."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.chat.answer.root_change import change_behind
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

ANNOTATIONS = {
    "pay/Secret/bank-creds": {"acme.io/change": "FIN-22 the bank rotated our token"},
    "pay/Deployment/gateway": {"kubernetes.io/change-cause": "FIN-19 gateway 3.2.4"},
    "web/Deployment/portal": {"kubernetes.io/change-cause": "DIG-12 chart 2.0.0 renamed the port http -> web"},
    "web/Service/portal": {},
    "ops/Deployment/plain": {"kubernetes.io/change-cause": "kubectl apply --filename=plain.yaml"},
    "lab/Deployment/printer": {"kubernetes.io/change-cause": "BOT-6 printer 1.15.0"},
    "lab/ConfigMap/printer-config": {"acme.io/changed-by": "a.l (PLAT-22 key naming: *_S3_URI)"},
    "tix/PersistentVolumeClaim/data-cache-2": {},
    "tix/StatefulSet/cache": {"kubernetes.io/change-cause": "TKT-7 volumes on gp3-encrypted"},
    "None/Node/n-1": {"acme.io/retire": "PLAT-40 replace r6i nodes (j.p)"},
    "fin/CronJob/filer": {"acme.io/last-change": "FIN-8 filer 2.4.0 -> 2.4.1"},
    "fin/Secret/filer-creds": {"acme.io/source": "tax office portal, client HOLL-EXC-00417",
                               "acme.io/rotated": "FIN-RB-07 run by t.n after notice TO-ROT-12"},
}
TEMPLATES = {"lab/Deployment/printer": {"spec": {"template": {"spec": {"containers": [
    {"name": "p", "envFrom": [{"configMapRef": {"name": "printer-config"}}]}]}}}},
    "fin/CronJob/filer": {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [
        {"name": "f", "envFrom": [{"secretRef": {"name": "filer-creds"}}]}]}}}}}}}


class Cluster:
    async def call(self, agent, server, tool, args, brain="offline"):
        data: dict = {}
        if tool == "describe":
            rid = f"{args.get('namespace')}/{args['kind']}/{args['name']}"
            data = {"object": {"metadata": {"name": args["name"], "annotations": ANNOTATIONS.get(rid, {})},
                               **TEMPLATES.get(rid, {})}}
        elif tool == "get_resources" and args["kind"] == "StatefulSet":
            data = {"items": [{"name": "cache", "namespace": "tix"}]}
        elif tool == "find_resource" and args["name"] == "portal":
            data = {"matches": [{"resource": "web/Deployment/portal", "exact": True}]}
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True), data=data)


def _behind(diagnosis: dict) -> str | None:
    return asyncio.run(change_behind(Ask(question="was the re-run the cause?", recognised=recognise("x"),
                                         tools=Cluster()), diagnosis))


@pytest.mark.parametrize("diagnosis, said", [
    # the Secret the diagnosis names carries the change that made the pods' credential stale
    ({"resource": "pay/Deployment/gateway", "category": "stale_credential",
      "summary": "Secret bank-creds changed at 20:24, after 2 of 2 pods started"},
     "the change behind it: FIN-22 the bank rotated our token (pay/Secret/bank-creds acme.io/change)"),
    ({"resource": "pay/Deployment/gateway", "category": "oom_killed", "summary": "gateway was OOMKilled"},
     "the change behind it: FIN-19 gateway 3.2.4 (pay/Deployment/gateway kubernetes.io/change-cause)"),
    # a Service whose pods no longer match it: the rollout of the workload behind it
    ({"resource": "web/Service/portal", "category": "service_port_mismatch", "summary": "targets http"},
     "the change behind it: DIG-12 chart 2.0.0 renamed the port http -> web (web/Deployment/portal "
     "kubernetes.io/change-cause)"),
    ({"resource": "ops/Deployment/plain", "category": "oom_killed", "summary": "x"}, None),  # no ticket: nothing said
    # a setting missing: the ConfigMap the workload reads carries the change before the workload's own release does
    ({"resource": "lab/Deployment/printer", "category": "crash_missing_config", "summary": "required setting BUCKET unset"},
     "the change behind it: a.l (PLAT-22 key naming: *_S3_URI) (lab/ConfigMap/printer-config acme.io/changed-by)"),
    # a claim made from a StatefulSet's template: the StatefulSet's record says who set its class
    ({"resource": "tix/PersistentVolumeClaim/data-cache-2", "category": "pvc_pending", "summary": "class not found"},
     "the change behind it: TKT-7 volumes on gp3-encrypted (tix/StatefulSet/cache kubernetes.io/change-cause)"),
    ({"resource": "pay/Deployment/gateway", "category": "none", "summary": "no fault"}, None),
    # a record keyed as a change made (rotated) over one that only describes the object (its source's client id)
    ({"resource": "fin/CronJob/filer", "category": "crash_missing_config", "summary": "token request rejected"},
     "the change behind it: FIN-RB-07 run by t.n after notice TO-ROT-12 (fin/Secret/filer-creds acme.io/rotated)"),
    # a Node's ticketed decommission is the change its pods' trouble came in with
    ({"resource": "Node/n-1", "category": "node_failure", "summary": "every node it may use is cordoned"},
     "the change behind it: PLAT-40 replace r6i nodes (j.p) (Node/n-1 acme.io/retire)"),
])
def test_the_change_behind_a_root_cause_is_its_ticketed_record(diagnosis, said):
    assert _behind(diagnosis) == said
