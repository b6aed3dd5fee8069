"""The packages of sre_agent form layers, each importing only the layers below it, so there is no
import cycle and a newcomer can read the code bottom up:

    contracts (with categories) < tracing < graph < {charts, brains} < app < sweep < chat < console < {service, eval} < commands < cli

(charts draws a run's evidence and is written beside the report by app; the console is served by the
service, which mounts it, and reaches the service through the protocol in console/ports.py.)

The lab is its own stack: it may import only contracts, and only app, eval and commands may import
it. Nothing imports mcp_servers (the responder speaks MCP to them). The graph is a library: of
sre_agent it knows only contracts (brains, tools, tracers, notifiers come in through graph/ports.py),
and of the world only LangGraph, LangChain core and pydantic.

Every import counts: module level, inside functions, and under TYPE_CHECKING."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "sre_agent"

RANK = {"contracts": 0, "tracing": 1, "graph": 2, "charts": 3, "brains": 3, "memory": 3.5, "postmortem": 3.7, "app": 4,
        "sweep": 5, "chat": 6, "console": 6.5, "service": 7, "eval": 7, "commands": 8, "cli": 9}
LAB_USERS = {"app", "eval", "commands"}
GRAPH_THIRD_PARTY = {"langgraph", "langchain_core", "pydantic",
                     "psycopg"}  # psycopg: the Postgres action ledger in graph/ledger.py, imported lazily


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    return _imports_in(path.read_text(), _module_name(path), is_package=path.name == "__init__.py")


def _imports_in(text: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, absolute module) for every import in the source, wherever it sits."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                prefix = ".".join(base)
                if node.module:
                    found.append((node.lineno, f"{prefix}.{node.module}"))
                else:  # from . import state: each name is a module
                    found += [(node.lineno, f"{prefix}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module or ""))
    return found


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "sre_agent" or len(parts) < 2:
        return None
    return "contracts" if parts[1] in ("categories", "metric_kinds", "quoting") else parts[1]  # the category list,
    # the metric vocabulary and how a quote is cut are contracts every layer reads


def _violation(source: str, target: str) -> str | None:
    """Why `source` (a layer of sre_agent) may not import `target` (a module), or None."""
    top = target.split(".")[0]
    if top == "mcp_servers":
        return "sre_agent never imports mcp_servers: it speaks MCP to them"
    if top != "sre_agent":
        if source == "graph" and top not in sys.stdlib_module_names and top not in GRAPH_THIRD_PARTY:
            return f"the graph library uses only {sorted(GRAPH_THIRD_PARTY)} besides the standard library"
        return None
    layer = _layer(target)
    if layer is None or layer == source:
        return None
    if source == "lab":
        return None if layer == "contracts" else "the lab may import only sre_agent.contracts"
    if layer == "lab":
        return None if source in LAB_USERS else f"only {sorted(LAB_USERS)} may import the lab"
    if source == "graph" and layer != "contracts":
        return "the graph imports only contracts; everything else reaches it through graph/ports.py"
    if layer not in RANK or source not in RANK:
        return f"unknown package sre_agent.{layer if layer not in RANK else source}: place it in the layers here"
    if RANK[layer] >= RANK[source]:
        return f"{source} may import only layers below it ({' < '.join(RANK)})"
    return None


def test_every_import_respects_the_layers():
    offending: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = _layer(_module_name(path))
        if source is None:  # sre_agent/__init__.py
            continue
        relative = str(path.relative_to(ROOT))
        for line, target in _imports(path):
            why = _violation(source, target)
            if why is None:
                continue
            offending.append(f"{relative}:{line}: imports {target} -- {why}")
    assert not offending, "imports that break the package layers:\n" + "\n".join(offending)


def test_the_checker_sees_imports_in_functions_and_under_type_checking():
    source = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..brains import llm\n"
              "def f():\n    from ..app.runs import run_investigation\n    import mcp_servers.kubernetes\n")
    found = _imports_in(source, "sre_agent.graph.policy")
    assert {(3, "sre_agent.brains"), (5, "sre_agent.app.runs"), (6, "mcp_servers.kubernetes")} <= set(found)
    assert _violation("graph", "sre_agent.brains.llm") and _violation("graph", "sre_agent.app.runs")
    assert _violation("app", "mcp_servers.kubernetes") and _violation("graph", "boto3")
    assert _violation("brains", "sre_agent.app.wiring") and _violation("service", "sre_agent.eval.harness")
    assert _violation("lab", "sre_agent.graph.state") and _violation("brains", "sre_agent.lab.lab")
    assert _violation("app", "sre_agent.graph.state") is None and _violation("eval", "sre_agent.lab.lab") is None
