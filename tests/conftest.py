"""Shared test setup. Test helpers live beside the tests (mcp_harness, analyzer_cases); both
`from tests.mcp_harness import ...` and `from mcp_harness import ...` work."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
