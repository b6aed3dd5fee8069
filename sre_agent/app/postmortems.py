"""An incident's postmortem draft: its result (the reports directory of `sre-agent investigate`, or -- found by the
caller -- the service's store), its state from the run's checkpoint, its earlier occurrences from the memory."""

from __future__ import annotations

from ..contracts import InvestigationResult
from ..postmortem.draft import Postmortem, draft
from .options import RunOptions
from .remembering import memory_store
from .runs import checkpointed_run


class NoSuchRun(LookupError):
    """No finished run of that incident (or run id) here."""


async def postmortem_of(result: InvestigationResult | None, wanted: str, options: RunOptions) -> Postmortem:
    """The draft of `result`'s run (the last finished run of `wanted`, found by the caller: the reports directory, or
    the service's store); NoSuchRun says where it looked."""
    if result is None:
        where = "the PostgreSQL store" if options.checkpoint_dsn else str(options.state_dir)
        raise NoSuchRun(f"no finished run of {wanted!r} in {where}: give an incident id (inc-...) or run id (run-...) "
                        "of a run that ended (`sre-agent memory list` shows them), and the same --state-dir")
    try:
        state = await checkpointed_run(result.run_id, options)
    except LookupError as exc:
        raise NoSuchRun(f"run {result.run_id} has a result but no checkpoint here: {exc}") from exc
    remembered = []
    store = memory_store(options)
    if store is not None:
        try:
            if result.diagnosis.resource:
                namespace, _, name = result.diagnosis.resource.rpartition("/")
                remembered = store.incidents_about(namespace.split("/")[0] if "/" in namespace else None, name)
        finally:
            store.close()
    return draft(state, result, remembered)
