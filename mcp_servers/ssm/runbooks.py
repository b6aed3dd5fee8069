"""The runbook library's model and loader.

A runbook (infra/runbooks/*.yaml) says, for one root-cause category, what an incident looks like,
which tool calls confirm it, which write to make and how risky it is, how to undo it and how to
verify the fix. `Runbook` mirrors infra/runbooks/runbook.schema.json (tests keep the two in step);
the SSM server builds it both from the directory and from published SSM documents, so validation
lives here rather than in the schema alone.

Standalone like every MCP server: the category list is repeated here instead of imported from
sre_agent, and tests/test_runbook_library.py checks it against sre_agent.models.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Category = Literal[
    "bad_image", "crash_missing_config", "missing_config_ref", "oom_killed", "memory_leak",
    "cpu_throttling", "unschedulable", "probe_misconfig", "service_selector_mismatch",
    "service_port_mismatch",
    "dependency_failure", "endpoint_misconfigured", "stale_credential", "image_pull_auth", "bad_deploy_regression",
    "node_failure", "pvc_pending", "volume_full", "quota_exceeded",
    "any",  # the generic triage runbook: applies whatever the cause
]
ANY_CATEGORY = "any"
CATEGORIES: tuple[str, ...] = tuple(c for c in get_args(Category) if c != ANY_CATEGORY)

ResourceKind = Literal[
    "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Service",
    "Endpoints", "Ingress", "ConfigMap", "Secret", "Node", "PersistentVolumeClaim",
    "PersistentVolume", "StorageClass", "ResourceQuota", "LimitRange", "Namespace",
    "HorizontalPodAutoscaler",
]
ReadTool = Literal[
    # kubernetes
    "get_resources", "describe", "pod_logs", "events", "rollout_history", "top", "find_resource",
    "ownership", "analyze",
    # cloudwatch
    "get_metric_data", "describe_alarms", "detect_anomalies", "filter_log_events", "log_patterns",
    "trace_summaries",
    # ssm
    "search_runbooks", "get_runbook", "command_status",
]
WriteTool = Literal[
    # kubernetes
    "rollout_restart", "rollout_undo", "scale", "set_image", "set_resources", "delete_pod",
    "cordon", "uncordon", "raise_quota", "raise_hpa_max", "set_service_selector", "set_service_target_port",
    "remove_node_taint", "relax_probe", "add_pull_secret", "expand_claim", "set_config_value", "stop_cronjob_pileup",
    "set_cronjob_image", "resume_cronjob", "set_key_reference",
    # ssm
    "start_automation", "send_command",
]
Risk = Literal["low", "medium", "high"]
_RISK_RANK = {"low": 0, "medium": 1, "high": 2}
# A runbook may rate a step riskier than this, never less risky.
MIN_RISK: dict[str, Risk] = {
    "add_pull_secret": "medium",
    "cordon": "high",
    "expand_claim": "high",  # a claim never shrinks: a mistake cannot be undone
    "raise_quota": "high",
    "raise_hpa_max": "medium",
    "relax_probe": "medium",
    "remove_node_taint": "medium",
    "send_command": "high",
    "set_config_value": "medium",
    "set_image": "medium",
    "set_resources": "medium",
    "stop_cronjob_pileup": "high",  # deletes runs still in progress
    "resume_cronjob": "medium",  # its schedule runs again: a human's reason to suspend it is held (graph/intent.py)
    "set_cronjob_image": "medium",  # as set_image; the runs it replaces are stuck on an image that cannot be pulled
    "set_key_reference": "medium",  # the reader reads another key: a human confirms it holds what the old one held
    "set_service_selector": "medium",
    "set_service_target_port": "medium",
    "start_automation": "medium",
}

# What the responder can fill in from an incident. A typo'd placeholder would only surface as a
# failed tool call mid-incident, so unknown ones are rejected at load time.
PLACEHOLDERS = frozenset({
    # the resource under investigation
    "namespace", "kind", "name", "selector", "pod", "container", "service", "node", "instance_id",
    "pvc", "storage_class", "quota", "cluster", "log_group", "secret",
    "quota_hard",  # a quota's hard limits raised to admit what was asked for
    # the alarm, what was collected so far and the time window
    "alarm_name", "metric_namespace", "metric_name", "metric_dimensions", "symptoms", "onset",
    "window_start", "window_end", "baseline_start", "baseline_end",
    # the state before the action, and the value to set
    "image", "previous_image", "revision", "replicas", "previous_replicas", "new_replicas",
    "memory_limit", "new_memory_limit", "cpu_limit", "new_cpu_limit",
    "memory_request", "new_memory_request", "cpu_request", "new_cpu_request",
    "new_selector", "port", "new_target_port", "hpa", "max_replicas", "new_max_replicas", "taint_key", "taint_effect",
    "probe_container", "probe", "probe_timeout", "new_probe_timeout", "pull_secret", "claim_size", "new_claim_size",
    "config_map", "config_key", "config_value", "new_config_value", "config_readers", "config_reader_kind", "config_edit",
    "pileup_cronjob", "pileup_runs", "cronjob_image", "stuck_runs",  # a CronJob: what its last completed run ran
    "ref_kind", "ref_name", "ref_key", "renamed_key",  # a key a workload reads, gone, and the key it was renamed to
    "run_now",  # a CronJob's fixed template: one run now (its runs stuck on the old template are replaced)
    # the upstream of a failing dependency
    "upstream_namespace", "upstream_kind", "upstream_name", "upstream_host",
})
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built in: ~10x faster
_WHOLE_PLACEHOLDER = re.compile(r"\{(\w+)\}\Z")


class RunbookError(ValueError):
    """Raised with every problem found, one per line: `file: path.inside[0]: what is wrong`."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def _walk_strings(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    yield path, value
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _walk_strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk_strings(item, f"{path}[{i}]")


def _check_args(args: dict[str, Any]) -> dict[str, Any]:
    for path, value in _walk_strings(args, ""):
        if isinstance(value, Mapping) and len(value) == 1 and next(iter(value.values())) is None:
            # YAML reads an unquoted `{name}` as the mapping {name: null}
            key = next(iter(value))
            raise ValueError(f"{path or 'args'} is the mapping {{{key}: null}}; quote the placeholder: \"{{{key}}}\"")
        if isinstance(value, str):
            for placeholder in _PLACEHOLDER.findall(value):
                if placeholder not in PLACEHOLDERS:
                    close = difflib.get_close_matches(placeholder, PLACEHOLDERS, n=1)
                    hint = f"did you mean {{{close[0]}}}? " if close else ""
                    raise ValueError(
                        f"{path}: unknown placeholder {{{placeholder}}}; {hint}"
                        "known ones are listed in PLACEHOLDERS in mcp_servers/ssm/runbooks.py"
                    )
    return args


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Call(_Strict):
    args: dict[str, Any] = Field(default_factory=dict)

    @field_validator("args")
    @classmethod
    def _placeholders_known(cls, args: dict[str, Any]) -> dict[str, Any]:
        return _check_args(args)


_READ_TOOLS = frozenset(get_args(ReadTool))
_WRITE_TOOLS = frozenset(get_args(WriteTool))


class _ReadCall(_Call):
    tool: ReadTool

    @field_validator("tool", mode="before")
    @classmethod
    def _not_a_write(cls, tool: Any) -> Any:
        if tool in _WRITE_TOOLS:
            raise ValueError(f"{tool} is a write tool; diagnosis and verification only read -- move it to remediation")
        return tool


class _WriteCall(_Call):
    tool: WriteTool

    @field_validator("tool", mode="before")
    @classmethod
    def _not_a_read(cls, tool: Any) -> Any:
        if tool in _READ_TOOLS:
            raise ValueError(f"{tool} is a read tool; remediation steps and undos must change something")
        return tool


class DiagnosisCheck(_ReadCall):
    look_for: str = Field(min_length=10)


class UndoCall(_WriteCall):
    pass


class RemediationStep(_WriteCall):
    name: str = Field(min_length=5)
    risk: Risk
    when: str = Field(min_length=10)
    undo: UndoCall | None = None

    @model_validator(mode="after")
    def _risk_not_below_floor(self) -> RemediationStep:
        floor = MIN_RISK.get(self.tool)
        if floor and _RISK_RANK[self.risk] < _RISK_RANK[floor]:
            raise ValueError(f"risk {self.risk!r} is below the floor for {self.tool}: use {floor!r} or higher")
        return self


class VerificationCheck(_ReadCall):
    expect: str = Field(min_length=10)


class Runbook(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=5)
    category: Category
    resource_kinds: list[ResourceKind] = Field(min_length=1)
    description: str = Field(min_length=20)
    symptoms: list[str] = Field(min_length=1)
    diagnosis: list[DiagnosisCheck] = Field(min_length=1)
    remediation: list[RemediationStep]
    verification: list[VerificationCheck] = Field(min_length=1)
    escalate_when: list[str] = Field(default_factory=list)

    @field_validator("symptoms")
    @classmethod
    def _symptoms_distinct(cls, symptoms: list[str]) -> list[str]:
        seen: set[str] = set()
        for symptom in symptoms:
            if len(symptom.strip()) < 2:
                raise ValueError(f"symptom {symptom!r} is too short to search for")
            if symptom.lower() in seen:
                raise ValueError(f"symptom {symptom!r} is listed twice")
            seen.add(symptom.lower())
        return symptoms

    @model_validator(mode="after")
    def _remediation_unless_triage(self) -> Runbook:
        # A fault no write tool may clear (growing storage costs money, freeing it deletes data) is a hand-off:
        # no steps, and escalate_when says why -- the responder proposes the exact command instead.
        if not self.remediation and self.category != ANY_CATEGORY and not self.escalate_when:
            raise ValueError("remediation is empty; only the generic triage runbook (category: any) or a hand-off "
                             "runbook (escalate_when says why no tool may act) may have no steps")
        return self

    def placeholders(self) -> set[str]:
        """Every placeholder the runbook's tool calls use."""
        calls: list[_Call] = [*self.diagnosis, *self.remediation, *self.verification]
        calls += [step.undo for step in self.remediation if step.undo is not None]
        return {p for call in calls for _, v in _walk_strings(call.args, "") if isinstance(v, str) for p in _PLACEHOLDER.findall(v)}


def _format_loc(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def parse_runbook(data: Any, source: str) -> Runbook:
    """A Runbook from parsed YAML/JSON `data`; RunbookError names `source` and the path of each
    problem inside it (e.g. `oom_killed.yaml: remediation[1].risk: ...`)."""
    if not isinstance(data, Mapping):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise RunbookError([f"{source}: (top level): the document is {kind}; expected a mapping with id, title, category, ..."])
    try:
        return Runbook.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] not in ("missing", "extra_forbidden") and not isinstance(err.get("input"), (dict, list)):
                message += f" (got {err.get('input')!r:.80})"
            problems.append(f"{source}: {_format_loc(err['loc'])}: {message}")
        raise RunbookError(problems) from None


def load_runbook_file(path: Path) -> Runbook:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(YAML)"
        problem = getattr(exc, "problem", None) or str(exc)
        raise RunbookError([f"{path.name}: {where}: not valid YAML: {problem}"]) from None
    runbook = parse_runbook(data, path.name)
    if runbook.id != path.stem:
        raise RunbookError([f"{path.name}: id: {runbook.id!r} does not match the file name; rename the file or the id"])
    return runbook


def load_runbooks(directory: str | Path) -> list[Runbook]:
    """Every `*.yaml` runbook under `directory`, sorted by id. Reads all files before failing so
    that one RunbookError lists every broken runbook, not just the first."""
    root = Path(directory)
    if not root.is_dir():
        raise RunbookError([f"{root}: not a directory; pass the runbook library, e.g. infra/runbooks"])
    runbooks: list[Runbook] = []
    problems: list[str] = []
    # ids are unique because each must equal its file name
    for path in sorted(root.glob("*.yaml")):
        try:
            runbooks.append(load_runbook_file(path))
        except RunbookError as exc:
            problems += exc.problems
    if problems:
        raise RunbookError(problems)
    return sorted(runbooks, key=lambda r: r.id)


def fill_placeholders(args: Any, values: Mapping[str, Any]) -> Any:
    """`args` with placeholders replaced from `values`. A string that is exactly one placeholder
    becomes the value itself (a number, list or mapping stays one); inside a longer string the
    value is formatted in. Raises ValueError naming the placeholders `values` lacks."""
    missing = sorted({p for _, v in _walk_strings(args, "") if isinstance(v, str) for p in _PLACEHOLDER.findall(v)} - set(values))
    if missing:
        raise ValueError(f"no value for placeholder(s) {', '.join('{' + m + '}' for m in missing)}; "
                         f"have: {', '.join(sorted(values)) or 'nothing'}")
    return _fill(args, values)


def _fill(value: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        whole = _WHOLE_PLACEHOLDER.match(value)
        if whole:
            return values[whole.group(1)]
        return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), value)
    if isinstance(value, Mapping):
        return {key: _fill(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, values) for item in value]
    return value
