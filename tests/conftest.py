"""Shared test setup. Test helpers live beside the tests (mcp_harness, analyzer_cases); both
`from tests.mcp_harness import ...` and `from mcp_harness import ...` work."""

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def _shared_bytecode_cache() -> None:
    """The suite starts hundreds of Python processes (MCP servers, CLIs, services, pytest-xdist workers);
    with PYTHONDONTWRITEBYTECODE set (as on the CI machine) each compiled every project module it imported
    again -- about 0.4 s of CPU per MCP server. They share one bytecode cache outside the work tree
    instead (PYTHONPYCACHEPREFIX: the tree stays clean). Set before the workers start: they inherit it, and
    every child process inherits it from them (a child server is given the PYTHON* variables)."""
    if os.environ.get("PYTHONDONTWRITEBYTECODE") and not os.environ.get("PYTHONPYCACHEPREFIX"):
        del os.environ["PYTHONDONTWRITEBYTECODE"]
        os.environ["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / f"sre-agent-pycache-{os.getuid()}")


_shared_bytecode_cache()


import pytest  # noqa: E402


@pytest.fixture
def lab_factory():
    """`lab_factory(**Lab kwargs)` -> a started Lab, stopped after the test (one per scenario:
    a lab holds a single scenario)."""
    from sre_agent.lab.lab import Lab

    labs = []

    def make(**kwargs):
        lab = Lab(**kwargs).start()
        labs.append(lab)
        return lab

    yield make
    for lab in labs:
        lab.stop()


INTEGRATION = Path(__file__).parent / "integration"


def pytest_ignore_collect(collection_path, config):
    """`-m "not slow"` (make test-fast) deselects everything under tests/integration/ (below): not even
    importing it saves each worker about half of its collection (the kubernetes client's models, the
    labs' and servers' modules)."""
    if collection_path == INTEGRATION and (config.getoption("markexpr") or "").strip() == "not slow":
        return True
    return None


def pytest_collection_modifyitems(config, items):
    """Everything under tests/integration/ starts a lab, a server or a subprocess: it is `slow`, and
    `make test-fast` (-m "not slow") leaves it out of the edit-test loop."""
    for item in items:
        if INTEGRATION in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.slow)
