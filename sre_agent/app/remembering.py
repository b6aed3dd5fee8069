"""The incident memory wired to runs: the store a run's options name, the recall the graph asks (its Memory port),
and every finished run remembered. A memory that cannot be opened or written costs the recall, never the run."""

from __future__ import annotations

import logging

from ..contracts import InvestigationResult
from ..graph.state import Investigation
from ..memory.recall import IncidentRecall
from ..memory.remember import past_incident
from ..memory.store import PostgresMemory, SqliteMemory, open_memory
from .cluster import cluster_name
from .options import RunOptions

log = logging.getLogger(__name__)


def memory_store(options: RunOptions) -> SqliteMemory | PostgresMemory | None:
    """The run's memory store, or None when memory is off or the store cannot be opened (said in the log)."""
    if not options.memory.enabled:
        return None
    try:
        return open_memory(options.state_dir, options.checkpoint_dsn)
    except Exception as exc:  # noqa: BLE001 -- an unreadable memory is a warning, never a failed run
        log.warning("the incident memory could not be opened (runs go on without it): %s: %s", type(exc).__name__, exc)
        return None


def incident_recall(options: RunOptions, store: SqliteMemory | PostgresMemory) -> IncidentRecall:
    return IncidentRecall(store, cluster_name(options))


def remember_run(state: Investigation, result: InvestigationResult, options: RunOptions) -> None:
    """Keep the finished run in the memory (with the incident TTL from the settings)."""
    store = memory_store(options)
    if store is None:
        return
    try:
        store.remember(past_incident(state, result, cluster_name(options)), options.memory.incident_ttl_s)
    except Exception as exc:  # noqa: BLE001
        log.warning("run %s was not remembered: %s: %s", result.run_id, type(exc).__name__, exc)
    finally:
        store.close()
