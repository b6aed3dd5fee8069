"""Prompts are data: markdown files, one per agent, shipped as the package `sre_agent.prompts` (the
repository's top-level prompts/ directory), or read from the `llm.prompts_dir` setting when set.
`{{name}}` placeholders are filled from facts the code owns -- the category list, the known signal
codes, the tool budget -- so a prompt never goes stale against the code."""

from __future__ import annotations

import inspect
import re
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from ...contracts import CATEGORIES, RootCauseCategory
from ..offline.diagnosis_rules import RULES
from ..offline.kubernetes import ANALYZER_SIGNALS

PLACEHOLDER = re.compile(r"\{\{([a-z_]+)\}\}")
# Signals the offline specialists emit besides the rule table's: the same vocabulary lets the
# offline diagnosis and planner read what an LLM specialist found, when they have to take over.
EXTRA_SIGNALS = {"RecentRollout", "RecentScaleUp", "DependencyDown", "NoReadyEndpoints", "ReadinessProbeFailing",
                 "UnboundPVC", "MemoryPressure", "DiskPressure", "NodeCordoned", "WorkloadSpec", "RunbookMatched",
                 "MetricAnomaly", "LatencyAnomaly", "ErrorAnomaly", "PastAnomaly", "AlarmRecovered", "MemoryRamp",
                 "CpuThrottled", "NewErrorTemplate", "ConfigErrorLog", "UpstreamErrors", "Healthy", "ErrorsWithTraffic"}


def prompts_dir(configured: Path | None = None) -> Traversable:
    """Package data, so every entry point finds the prompts from any working directory."""
    return Path(configured) if configured else files("sre_agent.prompts")


# The signals only one backend shows, as the offline specialists of that backend emit them. Each
# specialist's findings rules list its own signals (every known one for kubernetes, less these):
# the list is in every turn of its tool loop, and a metrics specialist has no use for ErrImagePull.
SIGNALS_OF_AGENT = {
    "metrics": frozenset({"MetricAnomaly", "LatencyAnomaly", "ErrorAnomaly", "ErrorsWithTraffic", "PastAnomaly",
                          "AlarmRecovered", "MemoryRamp", "CpuThrottled", "Healthy"}),
    "logs": frozenset({"NewErrorTemplate", "ConfigErrorLog", "UpstreamErrors", "DependencyDown", "Healthy"}),
    "runbooks": frozenset({"RunbookMatched"}),
}
SHARED_SIGNALS = frozenset({"DependencyDown", "Healthy"})


def known_signals(agent: str | None = None) -> list[str]:
    """Every signal code the rules and analyzers know, or the ones `agent`'s backend can show."""
    every = {rule.signal for rule in RULES} | ANALYZER_SIGNALS | EXTRA_SIGNALS
    if agent in SIGNALS_OF_AGENT:
        return sorted(SIGNALS_OF_AGENT[agent])
    if agent is None:
        return sorted(every)
    others = frozenset().union(*SIGNALS_OF_AGENT.values()) - SHARED_SIGNALS
    return sorted(every - others)


def root_cause_rule() -> str:
    """The root-cause resource rule as the categories' docstring states it, without the note to
    developers before it and without the docstring's indentation and line wrapping (tokens that say
    nothing): one line per case."""
    paragraphs = inspect.cleandoc(RootCauseCategory.__doc__ or "").split("\n\n")
    rule = "\n\n".join(paragraphs[1:] or paragraphs)
    lines: list[str] = []
    for line in (raw.strip() for raw in rule.splitlines()):
        if lines and line and not line.startswith("* "):
            lines[-1] += " " + line
        elif line:
            lines.append(line)
    return "\n".join(lines)


def signal_choice(agent: str | None) -> str:
    """How a finding's signal code is chosen. The Kubernetes specialist reads the analyzers' codes in
    `analyze`'s own answers (its `reason` column), so its list names only the codes no analyzer gives."""
    if agent != "kubernetes":
        return "one of these when it fits: " + ", ".join(known_signals(agent))
    others = [signal for signal in known_signals(agent) if signal not in ANALYZER_SIGNALS]
    return "the `reason` `analyze` gives for it, else one of these when it fits: " + ", ".join(others)


def facts(max_tool_calls: int, agent: str | None = None) -> dict[str, str]:
    return {
        "categories": ", ".join(CATEGORIES),
        "root_cause_rule": root_cause_rule(),
        "signals": signal_choice(agent),
        "max_tool_calls": str(max_tool_calls),
    }


def load_prompt(name: str, values: dict[str, str], directory: Path | None = None) -> str:
    path = prompts_dir(directory) / f"{name}.md"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FileNotFoundError(f"prompt {name!r} not found at {path} ({exc.strerror}); set llm.prompts_dir "
                                "(SRE_AGENT_LLM_PROMPTS_DIR) to the directory holding supervisor.md, kubernetes.md, ...") from None
    missing = sorted({m for m in PLACEHOLDER.findall(text) if m not in values})
    if missing:
        raise ValueError(f"prompt {path} uses unknown placeholder(s) {missing}; known: {sorted(values)}")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)
