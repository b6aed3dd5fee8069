"""The guard's refusals are counted in /metrics by reason: the service app behind guard(), no lifespan."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from sre_agent.app.options import RunOptions
from sre_agent.service.api import build_app
from sre_agent.service.core import IncidentService
from sre_agent.service.guard import REFUSAL_REASONS, GuardSettings, guard

TOKEN = "metrics-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _counts(text: str) -> dict[str, float]:
    return {m.group(1): float(m.group(2))
            for m in re.finditer(r'sre_agent_guard_refusals_total\{reason="(\w+)"\} ([\d.]+)', text)}


def test_each_refusal_is_counted_under_its_reason(tmp_path):
    service = IncidentService(RunOptions(state_dir=tmp_path), shared_servers=False)
    settings = GuardSettings(token=TOKEN, allowed_hosts=["testserver"], max_body_bytes=1024)
    client = TestClient(guard(build_app(service), settings), raise_server_exceptions=False)
    assert client.post("/v1/incidents", json={"question": "why?"}).status_code == 401
    assert client.post("/v1/incidents", json={"question": "why?"}, headers={**AUTH, "Host": "evil.example"}).status_code == 421
    assert client.post("/v1/incidents", content=b"x", headers={**AUTH, "Content-Type": "text/plain"}).status_code == 415
    assert client.post("/v1/incidents", content=b"{" * 2048, headers={**AUTH, "Content-Type": "application/json"}).status_code == 413
    assert client.post("/v1/incidents", json={"q": 1}, headers={**AUTH, "Origin": "https://evil.example"}).status_code == 403
    metrics = client.get("/metrics", headers=AUTH)
    assert metrics.status_code == 200
    assert _counts(metrics.text) == {"unauthorized": 1.0, "wrong_host": 1.0, "content_type": 1.0, "body_too_large": 1.0,
                                     "cross_origin": 1.0}
    assert set(_counts(metrics.text)) <= set(REFUSAL_REASONS)
    assert service.store.notifications() == []  # nothing refused reached the intake


def test_an_explicit_hook_replaces_the_apps_own(tmp_path):
    service = IncidentService(RunOptions(state_dir=tmp_path), shared_servers=False)
    seen: list[str] = []
    client = TestClient(guard(build_app(service), GuardSettings(token=TOKEN, allowed_hosts=["testserver"]),
                              on_refusal=seen.append), raise_server_exceptions=False)
    assert client.get("/v1/incidents").status_code == 401
    assert seen == ["unauthorized"]
    assert _counts(client.get("/metrics", headers=AUTH).text) == {}
