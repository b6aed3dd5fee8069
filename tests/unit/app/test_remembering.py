"""The memory wired to runs: off means untouched, a store that cannot be opened costs the recall and never the run,
and the cluster it is scoped by is the kubeconfig cluster's name (stable where its server's address is not)."""

from __future__ import annotations

from datetime import UTC, datetime

import yaml

from sre_agent.app.cluster import cluster_name
from sre_agent.app.options import RunOptions
from sre_agent.app.remembering import memory_store, remember_run
from sre_agent.contracts import Diagnosis, Incident, InvestigationResult, RootCauseCategory
from sre_agent.graph.state import Investigation
from sre_agent.memory.settings import MemorySettings
from sre_agent.memory.store import SqliteMemory

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def finished() -> tuple[Investigation, InvestigationResult]:
    incident = Incident(id="inc-1", title="t", started_at=NOW, window_start=NOW, window_end=NOW,
                        question="why is search down? token sk-abcdefghijklmnopqrstuvwxyz123456")
    diagnosis = Diagnosis(category=RootCauseCategory.OOM_KILLED, resource="shop/Deployment/search")
    return (Investigation(incident=incident, run_id="run-1", diagnosis=diagnosis),
            InvestigationResult(incident_id="inc-1", run_id="run-1", status="answered", diagnosis=diagnosis))


def test_memory_off_opens_nothing_and_remembers_nothing(tmp_path):
    options = RunOptions(state_dir=tmp_path, memory=MemorySettings(enabled=False))
    assert memory_store(options) is None
    remember_run(*finished(), options)
    assert not (tmp_path / "memory.sqlite").exists()


def test_a_memory_that_cannot_be_opened_costs_the_recall_not_the_run(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    options = RunOptions(state_dir=blocked / "state")
    assert memory_store(options) is None
    remember_run(*finished(), options)  # no exception: a warning in the log


def test_a_finished_run_is_remembered_redacted(tmp_path):
    remember_run(*finished(), RunOptions(state_dir=tmp_path))
    store = SqliteMemory(tmp_path / "memory.sqlite")
    [row] = store.incidents()
    store.close()
    assert (row.run_id, row.category, row.resource) == ("run-1", "oom_killed", "shop/Deployment/search")
    assert "sk-abc" not in (row.question or "") and "***redacted***" in (row.question or "")


def test_the_memory_is_scoped_by_the_kubeconfig_clusters_name(tmp_path):
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(yaml.safe_dump({
        "current-context": "ops", "contexts": [{"name": "ops", "context": {"cluster": "prod-eu"}}],
        "clusters": [{"name": "prod-eu", "cluster": {"server": "https://127.0.0.1:40123"}}]}))
    assert cluster_name(RunOptions(env={"KUBECONFIG": str(kubeconfig)})) == "prod-eu"
