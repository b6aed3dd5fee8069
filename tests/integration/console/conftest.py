"""The console behind the real guard with the stand-in service (standin.py), driven in-process
(Starlette's TestClient: real ASGI, no socket)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from sre_agent.app.options import RunOptions
from sre_agent.console import mount_console
from sre_agent.service.guard import GuardSettings, guard

from .standin import BASE, TOKEN, StandInService


@pytest.fixture
def service(tmp_path) -> StandInService:
    return StandInService(RunOptions(state_dir=tmp_path))


@pytest.fixture
def client(service):
    api = FastAPI()

    @api.get("/v1/incidents")
    async def incidents() -> dict:
        return {"incidents": []}

    mount_console(api, service)
    app = guard(api, GuardSettings(token=TOKEN, allowed_hosts=["127.0.0.1"]))
    with TestClient(app, base_url=BASE, follow_redirects=False) as client:
        yield client
