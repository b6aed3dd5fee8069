"""What the container runtime says when a container cannot start, without its wrappers: read by the brain's
findings and by chat's pod facts alike."""

from __future__ import annotations

import re

# The container runtime's chain of wrappers around why a container could not start ("failed to create containerd task:
# failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec:
# \"/app/bin/x\": stat /app/bin/x: no such file or directory: unknown"): only the last link says why.
RUNTIME_WRAPPERS = re.compile(r"^(?:(?:failed to create containerd task|failed to create shim task|failed to start containerd "
                              r"task|OCI runtime (?:create|start|exec) failed|runc (?:create|start|exec) failed|unable to "
                              r"start container process|error during container init)\s*:\s*)+", re.IGNORECASE)


def runtime_reason(message: str) -> str:
    """The runtime's start error without its wrappers and its trailing ": unknown"."""
    return re.sub(r":\s*unknown\s*$", "", RUNTIME_WRAPPERS.sub("", message.strip()))
