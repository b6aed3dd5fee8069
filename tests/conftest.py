"""Shared test setup. Test helpers live beside the tests (mcp_harness, analyzer_cases); both
`from tests.mcp_harness import ...` and `from mcp_harness import ...` work."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


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


def pytest_collection_modifyitems(config, items):
    """Everything under tests/integration/ starts a lab, a server or a subprocess: it is `slow`, and
    `make test-fast` (-m "not slow") leaves it out of the edit-test loop."""
    integration = Path(__file__).parent / "integration"
    for item in items:
        if integration in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.slow)
