"""A container the runtime cannot start: its reason without the runtime's wrappers (graph/runtime_errors.py)."""

from __future__ import annotations

import pytest

from sre_agent.graph.runtime_errors import runtime_reason


@pytest.mark.parametrize(("message", "reason"), [
    ('failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: '
     'unable to start container process: exec: "/app/bin/roster-sync": stat /app/bin/roster-sync: no such file or '
     'directory: unknown', 'exec: "/app/bin/roster-sync": stat /app/bin/roster-sync: no such file or directory'),
    ('OCI runtime exec failed: exec failed: unable to start container process: exec: "pg-health": executable file not '
     'found in $PATH: unknown', 'exec failed: unable to start container process: exec: "pg-health": executable file not '
     'found in $PATH'),  # only the leading wrappers go: a wrapper inside the reason stays as said
    ("Error: secret \"db\" not found", "Error: secret \"db\" not found"),  # nothing to unwrap
])
def test_the_runtimes_wrappers_are_cut_to_the_reason(message, reason):
    assert runtime_reason(message) == reason
