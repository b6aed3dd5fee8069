"""The runbooks the SSM server serves: published SSM documents tagged as runbooks, merged with a
runbook directory -- by default the built-in library that ships in the package
(`mcp_servers.ssm.runbook_library`), so the server works from any directory before anything is
published.

A published runbook wins over a file with the same id (it is what the organisation approved).
A broken document or file is skipped and reported, never fatal: one bad runbook must not take
the whole library away mid-incident. The merged set is cached for `ttl_s` seconds -- listing
documents costs one call per page plus one per document."""

from __future__ import annotations

import importlib.resources
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .publish import TAG_KEY, runbook_from_content
from .runbook_index import RunbookIndex
from .runbooks import Runbook, RunbookError, load_runbook_file

log = logging.getLogger(__name__)
BUILTIN_PACKAGE = "mcp_servers.ssm.runbook_library"


def builtin_runbooks_dir() -> Path:
    """The built-in runbook library (YAML files and runbook.schema.json), wherever the package is installed."""
    return Path(str(importlib.resources.files(BUILTIN_PACKAGE)))


@dataclass
class Library:
    runbooks: dict[str, Runbook] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # id -> "ssm:<document>" or "file:<path>"
    problems: list[str] = field(default_factory=list)  # what was skipped, and why
    index: RunbookIndex | None = None

    def describe_sources(self) -> dict[str, int]:
        counts = {"ssm": 0, "file": 0}
        for source in self.sources.values():
            counts[source.split(":", 1)[0]] += 1
        return counts


def ssm_runbooks(ssm: Any, max_documents: int = 500) -> tuple[dict[str, tuple[Runbook, str]], list[str]]:
    """Runbooks from documents owned by this account and tagged sre-agent:runbook=true."""
    filters = [{"Key": "Owner", "Values": ["Self"]}, {"Key": f"tag:{TAG_KEY}", "Values": ["true"]}]
    names: list[str] = []
    for page in ssm.get_paginator("list_documents").paginate(Filters=filters, PaginationConfig={"PageSize": 50}):
        for ident in page.get("DocumentIdentifiers", []):
            # Checked here as well: not every endpoint applies tag filters (moto does not).
            tags = {t["Key"]: t["Value"] for t in ident.get("Tags") or []}
            if tags.get(TAG_KEY, "").lower() == "true":
                names.append(ident["Name"])
        if len(names) >= max_documents:
            break
    found: dict[str, tuple[Runbook, str]] = {}
    problems = []
    for name in names[:max_documents]:
        try:
            document = ssm.get_document(Name=name, DocumentFormat="JSON")
            runbook = runbook_from_content(document["Content"], f"ssm:{name}")
        except RunbookError as exc:
            problems += exc.problems
            continue
        except ValueError as exc:
            problems.append(f"ssm:{name}: content is not valid JSON/YAML: {exc}")
            continue
        found[runbook.id] = (runbook, f"ssm:{name}")
    return found, problems


def directory_runbooks(directory: Path | None) -> tuple[dict[str, tuple[Runbook, str]], list[str]]:
    if directory is None or not directory.is_dir():
        return {}, []
    found: dict[str, tuple[Runbook, str]] = {}
    problems = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            runbook = load_runbook_file(path)
        except RunbookError as exc:
            problems += exc.problems
            continue
        found[runbook.id] = (runbook, f"file:{path}")
    return found, problems


class RunbookLibrary:
    """Thread-safe, cached merge of the SSM and directory runbooks."""

    def __init__(self, load_ssm: Callable[[], tuple[dict[str, tuple[Runbook, str]], list[str]]] | None,
                 directory: Path | None, ttl_s: float = 60.0) -> None:
        self._load_ssm = load_ssm
        self._directory = directory
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._cached: Library | None = None
        self._loaded_at = 0.0

    def get(self, refresh: bool = False) -> Library:
        with self._lock:
            if refresh or self._cached is None or time.monotonic() - self._loaded_at > self._ttl_s:
                self._cached = self._load()
                self._loaded_at = time.monotonic()
            return self._cached

    def _load(self) -> Library:
        merged, problems = directory_runbooks(self._directory)
        if self._load_ssm is not None:
            try:
                published, ssm_problems = self._load_ssm()
            except Exception as exc:  # unreachable SSM leaves the directory's runbooks, with a note
                log.debug("loading runbooks from SSM failed", exc_info=True)
                published, ssm_problems = {}, [f"ssm: could not list runbook documents ({exc}); serving "
                                               f"{'files only' if merged else 'nothing'}"]
            merged.update(published)
            problems += ssm_problems
        library = Library(runbooks={i: rb for i, (rb, _) in sorted(merged.items())},
                          sources={i: src for i, (_, src) in sorted(merged.items())}, problems=problems)
        if library.runbooks:
            library.index = RunbookIndex(library.runbooks.values())
        return library
