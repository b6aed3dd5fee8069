"""The offline logs specialist: which error templates are new or surging in the suspect workload's
logs compared with the window before -- the lines where an incident's story usually starts."""

from __future__ import annotations

import re

from ...graph.log_sources import workload_log_source
from ...graph.state import Investigation, Task
from .calls import Calls, split_target

UPSTREAM = re.compile(r"connection refused|unavailable|upstream|timed? ?out|no route|dial tcp|503", re.I)
CONFIG = re.compile(r"environment variable|config|required|missing|not set", re.I)


async def investigate(task: Task, state: Investigation, calls: Calls) -> None:
    namespace, _, name = split_target(task.target)
    groups, ev = await calls("describe_log_groups", max_results=500)
    names = [g["name"] for g in (groups or {}).get("log_groups") or []]
    # A group per app (naming differs between clusters), else the workload's pods in Container Insights' shared group.
    source = workload_log_source(names, namespace, name)
    if source is None:
        return
    # A Job's lines can be hours old by the time someone asks why it failed; a service's story is recent.
    _, kind, _ = split_target(task.target)
    report, ev2 = await calls("log_patterns", groups=source.groups, start="-3h" if kind in ("Job", "CronJob") else "-30m",
                              max_templates=20, **source.selector)
    for template in (report or {}).get("templates") or []:
        if template.get("change") not in ("new", "surged") or template.get("severity") not in ("error", "critical", "fatal", "warning"):
            continue
        text = template.get("template", "")
        if UPSTREAM.search(text):
            signal = "UpstreamErrors"
        elif CONFIG.search(text):
            signal = "ConfigErrorLog"
        else:
            signal = "NewErrorTemplate"
        sample = (template.get("samples") or [text])[0]
        calls.find(task.target, signal, f"{template['change']} log template x{template.get('count')}: {sample[:200]}",
                   [ev, ev2], severity="warning", template=text, change=template["change"], count=template.get("count"),
                   first_seen=template.get("first_seen"))
