"""The offline logs specialist (being written: waits for the CloudWatch server's tool shapes)."""

from __future__ import annotations

from ...graph.state import Investigation, Task
from .calls import Calls


async def investigate(task: Task, state: Investigation, calls: Calls) -> None:
    return None
