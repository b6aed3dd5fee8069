"""The service's modules import one another without circles -- not even through an import deferred into a function
(issue 40: api <-> intake_path <-> routes and core <-> feeds were such circles). A circle means neither module can be
read, tested or moved without the other; the shared pieces live in a module both import (responses.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import sre_agent.service

PACKAGE = Path(sre_agent.service.__file__).parent


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(p for p in parts if p != "__init__") or "__init__"


def _imports(path: Path) -> set[str]:
    """The service modules `path` imports anywhere but under `if TYPE_CHECKING:` (annotations only)."""
    tree = ast.parse(path.read_text())
    skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
               for n in ast.walk(node)}
    own = _module(path).split(".")
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level and id(node) not in skipped:
            base = own[:len(own) - node.level + (1 if path.name == "__init__.py" else 0)]
            if node.level > len(own) - (0 if path.name == "__init__.py" else 1) + 1:
                continue  # outside the service package
            target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            found |= {target, *(f"{target}.{a.name}" for a in node.names)}
    return found


def test_no_two_service_modules_import_each_other():
    graph = {_module(p): _imports(p) for p in PACKAGE.rglob("*.py")}
    circles = sorted(f"{a} <-> {b}" for a in graph for b in graph if a < b and b in graph[a] and a in graph[b])
    assert not circles, circles
