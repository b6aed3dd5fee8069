"""A pinned write that meets a 409 Conflict: the API server refused it because the object moved
between the tool's read and its write. A status update (what the lab's controllers do to a
crash-looping Deployment every sync) must not make the plan stale -- the tool reads again and
writes if what the plan expected still holds; a change the plan cares about still refuses it.

The 409s are real: the lab's API server answers them. What the test controls is only *when* the
object moves -- a second client writes to it just before the tool's locked patch is sent."""

from __future__ import annotations

import asyncio
import json

import pytest
from kubernetes import client, config
from mcp.server.fastmcp.exceptions import ToolError

from mcp_servers.common.safety import AuditLog, WritePolicy
from mcp_servers.kubernetes.kube import KubeClient
from mcp_servers.kubernetes.server import build_server
from sre_agent.lab.lab import Lab


@pytest.fixture(scope="module")
def lab():
    lab = Lab(history_minutes=30).start()
    lab.load("bad-image")  # catalog: revision 2 (3.3.0, not pullable) after revision 1 (3.2.0)
    yield lab
    lab.stop()


@pytest.fixture()
def apps(lab):
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(lab.kubeconfig), client_configuration=cfg)
    return client.AppsV1Api(client.ApiClient(cfg))


class MovesBeforeWrites:
    """The server's AppsV1Api, except that before each of its first `times` Deployment patches
    another client writes the same Deployment (`move`) -- the race a busy controller makes."""

    def __init__(self, inner: client.AppsV1Api, move, times: int) -> None:
        self._inner, self._move, self.left = inner, move, times

    def patch_namespaced_deployment(self, name, namespace, body, **kwargs):
        if self.left:
            self.left -= 1
            self._move(name, namespace)
        return self._inner.patch_namespaced_deployment(name, namespace, body, **kwargs)

    def __getattr__(self, attr):
        return getattr(self._inner, attr)


def server_moving(lab, tmp_path, move, times: int):
    kube = KubeClient(str(lab.kubeconfig))
    kube._apps = MovesBeforeWrites(kube.apps, move, times)
    audit = AuditLog(tmp_path / "audit.jsonl", "kubernetes")
    mcp = build_server(kube, WritePolicy(allow_writes=True, namespaces=frozenset({"shop"})), audit)
    return mcp, audit


def call(mcp, tool: str, args: dict) -> tuple[bool, str]:
    """FastMCP's in-process call (the Kubernetes side is the lab over HTTP): is_error and the text."""
    try:
        result = asyncio.run(mcp.call_tool(tool, args))
    except ToolError as refused:  # in-process, a tool's error is raised (a client gets it as isError)
        return True, str(refused)
    return result.isError, result.content[0].text


UNDO = {"namespace": "shop", "name": "catalog", "reason": "roll back the unpullable image", "to_revision": 1,
        "expect_revision": 2}


def status_moves(apps):
    def move(name, namespace):  # what the Deployment controller does: status only, the spec untouched
        apps.patch_namespaced_deployment_status(name, namespace, {"status": {"observedGeneration": 1}})
    return move


def test_a_status_update_between_read_and_write_does_not_stop_the_pinned_undo(lab, apps, tmp_path):
    before = apps.read_namespaced_deployment("catalog", "shop")
    mcp, audit = server_moving(lab, tmp_path, status_moves(apps), times=2)
    is_error, text = call(mcp, "rollout_undo", {**UNDO, "dry_run": True})
    result = json.loads(text)["result"]
    assert not is_error and "rolled back from revision 2 to 1" in result and "written on read 3" in result, text
    assert [r["outcome"] for r in audit.records] == ["dry_run_ok"]
    assert apps.read_namespaced_deployment("catalog", "shop").spec.template == before.spec.template, "a dry run wrote"


def test_a_spec_change_between_read_and_write_still_refuses_the_pinned_undo(lab, apps, tmp_path):
    def someone_rolls_out(name, namespace):  # a human's rollout lands first: revision 3
        apps.patch_namespaced_deployment(name, namespace, {"spec": {"template": {"metadata": {
            "annotations": {"example.com/rolled": "by-hand"}}}}})
    mcp, audit = server_moving(lab, tmp_path, someone_rolls_out, times=1)
    is_error, text = call(mcp, "rollout_undo", UNDO)
    assert is_error and "expected revision 2, found 3" in text, text
    [record] = audit.records
    assert record["outcome"] == "refused" and "expected revision 2, found 3" in record["detail"]
    assert json.loads(json.dumps(record["args"]))["expect_revision"] == 2


def test_an_object_that_never_stops_moving_is_refused_as_stale(lab, apps, tmp_path):
    mcp, audit = server_moving(lab, tmp_path, status_moves(apps), times=100)
    is_error, text = call(mcp, "rollout_undo", {**UNDO, "expect_revision": 3})  # revision 3 after the test above
    assert is_error and "409 Conflict" in text and "re-plan" in text, text
    [record] = audit.records
    assert record["outcome"] == "refused"
