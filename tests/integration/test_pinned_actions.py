"""Pinned actions over the lab and the real MCP servers: a plan approved after the Deployment moved
on is refused by the server (nothing written, audited) and re-pinned from fresh reads; two incidents
for one fault, both approved, write once -- the second attaches to the first's action."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from pathlib import Path

from lab_client import clients_for

from sre_agent.app.intake import incident_for_trigger, incident_from_alarm
from sre_agent.app.options import RunOptions
from sre_agent.app.runs import run_investigation
from sre_agent.eval.world_check import resource_healthy
from sre_agent.lab.lab import Lab
from sre_agent.lab.trigger import alarm_payload, lab_namespaces, scenario_trigger

CATALOG = "shop/Deployment/catalog"
REVISION = "deployment.kubernetes.io/revision"


def _lab() -> Lab:
    lab = Lab().start()
    lab.load("bad-image")  # catalog: revision 1 (3.1.0, pulled fine), revision 2 (3.3.0, never pushed)
    lab.run_clock(120)
    return lab


def _options(lab: Lab, state_dir: Path) -> RunOptions:
    return RunOptions(remediation="approve", namespaces=lab_namespaces(lab), state_dir=state_dir, env=lab.env(),
                      verify_timeout_s=60, verify_poll_s=1.0)


def _audit(state_dir: Path) -> list[dict]:
    path = state_dir / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def _until(check, what: str, limit_s: float = 60) -> None:
    """Wait for the lab to get somewhere (its clock runs in the background); not an assertion on time."""
    deadline = time.monotonic() + limit_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"the lab never got to: {what}")
        await asyncio.sleep(0.2)


def test_a_plan_approved_after_another_rollout_is_refused_by_the_server_and_re_pinned(tmp_path):
    lab = _lab()
    apps = clients_for(lab).apps
    asked: list[dict] = []

    def revision() -> str:
        return (apps.read_namespaced_deployment("catalog", "shop").metadata.annotations or {}).get(REVISION, "")

    async def approver(request):
        asked.append(request)
        if len(asked) == 1:  # while the human reads the request, someone else rolls out another (bad) tag
            apps.patch_namespaced_deployment("catalog", "shop", {"spec": {"template": {"spec": {"containers": [
                {"name": "catalog", "image": "ghcr.io/acme-shop/catalog:3.3.1"}]}}}})
            await _until(lambda: revision() == "3", "catalog at revision 3")
        return {"decision": "approved", "by": "alice", "action_id": request["action_id"]}

    try:
        result, state = asyncio.run(run_investigation(incident_for_trigger(scenario_trigger(lab).alarm, None),
                                                      _options(lab, tmp_path), approver=approver))
        first, second = (a["pinned"] for a in asked)
        assert (first["args"]["to_revision"], first["precondition"]) == (1, {"expect_revision": 2})
        assert (second["args"]["to_revision"], second["precondition"]) == (1, {"expect_revision": 3}), \
            "re-pinned from fresh reads: revision 2 still introduced the symptom, the Deployment is now at 3"
        assert asked[0]["action_id"] != asked[1]["action_id"] and len(asked) == 2
        refused, applied = _audit(tmp_path)
        assert (refused["tool"], refused["outcome"]) == ("rollout_undo", "refused")
        assert "precondition failed: expected revision 2, found 3" in refused["detail"]
        assert (applied["outcome"], applied["args"]["expect_revision"]) == ("applied", 3)
        assert state.replans == 1 and len(result.actions) == 1 and result.actions[0].approved_by == "alice"
        assert result.status == "remediated" and resource_healthy(lab, CATALOG)[0]
    finally:
        lab.stop()


def test_a_stale_plan_that_goes_stale_again_escalates_and_writes_nothing(tmp_path):
    lab = _lab()
    apps = clients_for(lab).apps
    tags = iter(["3.3.1", "3.3.2"])

    async def approver(request):
        want = str(int(request["pinned"]["precondition"]["expect_revision"]) + 1)
        apps.patch_namespaced_deployment("catalog", "shop", {"spec": {"template": {"spec": {"containers": [
            {"name": "catalog", "image": f"ghcr.io/acme-shop/catalog:{next(tags)}"}]}}}})
        await _until(lambda: (apps.read_namespaced_deployment("catalog", "shop").metadata.annotations or {}).get(REVISION) == want,
                     f"catalog at revision {want}")
        return {"decision": "approved", "by": "alice", "action_id": request["action_id"]}

    try:
        result, state = asyncio.run(run_investigation(incident_for_trigger(scenario_trigger(lab).alarm, None),
                                                      _options(lab, tmp_path), approver=approver))
        assert result.status == "escalated" and "refused again after re-planning" in state.escalation_reason
        assert [r["outcome"] for r in _audit(tmp_path)] == ["refused", "refused"] and not result.actions
    finally:
        lab.stop()


def test_two_incidents_for_one_fault_both_approved_write_once(tmp_path):
    lab = _lab()
    name = lab.scenario.scenario.alarm.name
    # A second alarm on the same symptom (another team's page): another alarm name, so another incident.
    lab.feed.add_alarm(dataclasses.replace(lab.feed.alarms[name], name=f"{name}-oncall-b"))
    both_asked = asyncio.Event()
    asked: list[dict] = []

    async def approver(request):
        asked.append(request)
        if len(asked) == 2:
            both_asked.set()
        await both_asked.wait()  # both runs planned against the same world before either acts
        return {"decision": "approved", "by": f"oncall-{len(asked)}", "action_id": request["action_id"]}

    async def both():
        await _until(lambda: lab.feed.alarm_states.get(f"{name}-oncall-b") == "ALARM", "the second alarm firing")
        incidents = [incident_from_alarm(alarm_payload(lab, n)) for n in (name, f"{name}-oncall-b")]
        assert incidents[0].id != incidents[1].id
        return await asyncio.gather(*(run_investigation(i, _options(lab, tmp_path), approver=approver) for i in incidents))

    try:
        (first, _), (second, _) = asyncio.run(both())
        assert asked[0]["action_id"] == asked[1]["action_id"], "one fault, one pinned action"
        writes = [r for r in _audit(tmp_path) if r["outcome"] == "applied"]
        assert [r["tool"] for r in writes] == ["rollout_undo"], "the fault was acted on twice"
        results = sorted((first, second), key=lambda r: r.actions[0].result.startswith("attached"))
        acted, attached = results
        assert attached.actions[0].result.startswith(f"attached to action {asked[0]['action_id']} of incident {acted.incident_id}")
        assert acted.actions[0].result.startswith("Deployment shop/catalog rolled back from revision 2 to 1")
        assert resource_healthy(lab, CATALOG)[0]
        assert attached.status in ("remediated", "escalated") and attached.diagnosis.resource == CATALOG
    finally:
        lab.stop()
