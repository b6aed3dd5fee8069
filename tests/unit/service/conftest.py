"""The service store every store test runs on: SQLite, and PostgreSQL (a schema per test) when
SRE_AGENT_TEST_POSTGRES_DSN is set."""

from __future__ import annotations

import os
import secrets

import pytest

from sre_agent.service.store import PostgresStore, SqliteStore

POSTGRES_DSN = os.environ.get("SRE_AGENT_TEST_POSTGRES_DSN")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.skipif(
    not POSTGRES_DSN, reason="set SRE_AGENT_TEST_POSTGRES_DSN=postgresql://... to run the PostgreSQL store"))])
def store(request, tmp_path):
    if request.param == "sqlite":
        return SqliteStore(tmp_path / "service.sqlite")
    return PostgresStore(POSTGRES_DSN or "", schema=f"t_{secrets.token_hex(6)}")
