"""The scenario format as pydantic models -- a healthy cluster, the change that breaks it, the
alarm or question it produces, and the `truth` only the evaluation harness reads -- and the JSON
schema generated from them (scenario.schema.json, next to this module; regenerate it with
`write_schema()` after changing a model)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ...contracts import RootCauseCategory, parse_resource_id
from ..aws.log_shipping import DEFAULT_SHIPPING, LogShipping
from ..world.images import ImageBehaviour

SCHEMA_PATH = Path(__file__).with_name("scenario.schema.json")


class ScenarioError(ValueError):
    """A scenario that cannot be loaded: says which file, where inside it and what is wrong."""


class NodeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    cpu: str = "4"
    memory: str = "16Gi"
    zone: str = "us-east-1a"
    instance_type: str = "m6i.xlarge"
    labels: dict[str, str] = Field(default_factory=dict)
    taints: list[dict[str, Any]] = Field(default_factory=list)
    unschedulable: bool = False
    nodegroup: str = Field("general", description="the EKS node group (label eks.amazonaws.com/nodegroup)")
    extended_resources: dict[str, str] = Field(default_factory=dict, description=(
        "extra capacity and allocatable, e.g. {nvidia.com/gpu: '4'}: pods request them like cpu"))


class NodeGroup(BaseModel):
    """`count` nodes alike, named <name>-0, <name>-1, ...: spread over `zones` in turn, all with the
    group's labels and taints (the eks.amazonaws.com/nodegroup label is the group's name)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    count: int = Field(ge=1, le=200)
    cpu: str = "4"
    memory: str = "16Gi"
    zones: list[str] = Field(default_factory=lambda: ["us-east-1a"], min_length=1)
    instance_type: str = "m6i.xlarge"
    labels: dict[str, str] = Field(default_factory=dict)
    taints: list[dict[str, Any]] = Field(default_factory=list)
    extended_resources: dict[str, str] = Field(default_factory=dict)

    def nodes(self) -> list[NodeSpec]:
        return [NodeSpec(name=f"{self.name}-{i}", cpu=self.cpu, memory=self.memory, zone=self.zones[i % len(self.zones)],
                         instance_type=self.instance_type, labels=dict(self.labels), taints=list(self.taints),
                         nodegroup=self.name, extended_resources=dict(self.extended_resources))
                for i in range(self.count)]


# What a 'log' step may name: objects whose pods run an application that prints lines.
LOG_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod")


class Step(BaseModel):
    """One change to the world, written the way an operator or CI would make it."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["apply", "patch", "delete", "scale", "set_image", "set_resources", "rollout_undo",
                    "rollout_restart", "node_down", "node_up", "cordon", "uncordon", "traffic", "log",
                    "volume_usage"]
    resource: str | None = Field(None, description="namespace/Kind/name or Kind/name")
    kind: str | None = Field(None, description="delete by selector: the kind of the objects (e.g. Pod)")
    namespace: str | None = Field(None, description="delete by selector: their namespace")
    selector: dict[str, str] | None = Field(None, description="delete by selector: labels they all carry, "
                                                              "as `kubectl delete pods -l app=x` does")
    manifest: dict[str, Any] | None = None
    patch: dict[str, Any] | None = None
    patch_type: Literal["strategic", "merge"] = "strategic"
    replicas: int | None = Field(None, ge=0)
    container: str | None = None
    image: str | None = None
    requests: dict[str, str] | None = None
    limits: dict[str, str] | None = None
    node: str | None = None
    service: str | None = Field(None, description="namespace/name of a Service, for traffic")
    rps: float | None = Field(None, ge=0)
    to_revision: int | None = None
    line: str | None = Field(None, min_length=1, description=(
        "log: one line the workload's application prints at that moment (every running container "
        "`container` -- optional when the pod has one -- of its pods writes it, after the lines before "
        "it); it reaches container logs and CloudWatch Logs like any line the app writes"))
    used: str | None = Field(None, pattern=r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$", description=(
        "volume_usage: what is on the claim's volume from now on (a quantity, e.g. 19Gi): data written or "
        "deleted outside the apps; the apps' writes go on from there, up to the capacity"))
    every_minutes: int | None = Field(None, ge=1, description=(
        "log: print the line again this often (in the workload's pods of the moment) for as long as the "
        "workload exists -- a client that keeps sending the same request"))

    @model_validator(mode="after")
    def _fields_for_action(self) -> Step:
        need = {
            "apply": ["manifest"], "patch": ["resource", "patch"],
            "delete": ["resource"] if self.selector is None else ["kind", "namespace"],
            "scale": ["resource", "replicas"], "set_image": ["resource", "container", "image"],
            "set_resources": ["resource", "container"], "rollout_undo": ["resource"],
            "rollout_restart": ["resource"], "node_down": ["node"], "node_up": ["node"], "cordon": ["node"],
            "uncordon": ["node"], "traffic": ["service", "rps"], "log": ["resource", "line"],
            "volume_usage": ["resource", "used"],
        }[self.action]
        missing = [name for name in need if getattr(self, name) is None]
        if missing:
            raise ValueError(f"action {self.action!r} needs {', '.join(missing)}")
        if self.resource:
            parse_resource_id(self.resource)
        if self.selector is not None and (self.action != "delete" or self.resource):
            raise ValueError("`selector` is for action 'delete' without `resource` (delete every match)")
        if self.used is not None and self.action != "volume_usage":
            raise ValueError("`used` is for action 'volume_usage'")
        if self.action == "volume_usage" and parse_resource_id(self.resource)[1] != "PersistentVolumeClaim":
            raise ValueError("action 'volume_usage' names a PersistentVolumeClaim")
        if (self.line is not None or self.every_minutes is not None) and self.action != "log":
            raise ValueError("`line` and `every_minutes` are for action 'log'")
        if self.action == "log":
            if "\n" in self.line or "\r" in self.line:
                raise ValueError("a 'log' step prints one line: write one step per line")
            kind = parse_resource_id(self.resource)[1]
            if kind not in LOG_KINDS:
                raise ValueError(f"action 'log' needs a workload or a pod ({', '.join(LOG_KINDS)}), not {kind}")
        return self


class Change(BaseModel):
    model_config = ConfigDict(extra="forbid")
    minutes_ago: float = Field(gt=0, le=170, description="when, before the scenario's 'now', the steps happen")
    steps: list[Step] = Field(min_length=1)


class Fault(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str
    timeline: list[Change] = Field(min_length=1)


class Cluster(BaseModel):
    model_config = ConfigDict(extra="forbid")
    world: str | None = Field(None, description="a shared world in scenarios/worlds/ to start from")
    nodes: list[NodeSpec] = Field(default_factory=list)
    node_groups: list[NodeGroup] = Field(default_factory=list, description="groups of alike nodes, after `nodes`")
    manifests: list[dict[str, Any]] = Field(default_factory=list)
    traffic: dict[str, float] = Field(default_factory=dict, description="namespace/service -> requests per second")
    log_shipping: list[LogShipping] | None = Field(None, min_length=1, description=(
        "where container logs go: container_insights (Fluent Bit JSON in /aws/containerinsights/<cluster>/application, "
        "the default), per_app (plain text in /<cluster>/<namespace>/<workload>), or both"))
    prometheus_metrics: bool | None = Field(None, description=(
        "the CloudWatch agent also scrapes kube-state-metrics and the kubelets' volume stats into namespace "
        "ContainerInsights/Prometheus (kube_job_status_*, kubelet_volume_stats_*); off unless set"))


class MetricRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    namespace: str
    name: str
    dimensions: dict[str, str] = Field(default_factory=dict)


class AlarmDef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    severity: Literal["critical", "high", "medium", "low"] = "high"
    metric: MetricRef
    statistic: Literal["Sum", "Average", "Maximum", "Minimum", "SampleCount"] = "Sum"
    period: int = Field(60, ge=60)
    evaluation_periods: int = Field(3, ge=1)
    datapoints_to_alarm: int | None = None
    threshold: float
    comparison: Literal["GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold",
                        "LessThanOrEqualToThreshold"] = "GreaterThanThreshold"


class Truth(BaseModel):
    """Read by the evaluation harness only."""

    model_config = ConfigDict(extra="forbid")
    category: RootCauseCategory
    resource: str = ""
    remediations: list[Step] = Field(default_factory=list)
    fix_may_touch: list[str] = Field(default_factory=list, description=(
        "other resources a correct fix may change (e.g. scaling back the workload that ran into a quota); "
        "a write anywhere else counts as a false action"))
    notes: str = ""

    @model_validator(mode="after")
    def _resource_shape(self) -> Truth:
        if self.category != RootCauseCategory.NONE:
            parse_resource_id(self.resource)
        if any(step.action == "log" for step in self.remediations):
            raise ValueError("remediations: a 'log' step prints a line, it changes nothing a fix could")
        return self


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    images: list[ImageBehaviour] = Field(default_factory=list)
    cluster: Cluster
    fault: Fault | None = None
    alarm: AlarmDef | None = None
    question: str | None = None
    truth: Truth

    @model_validator(mode="after")
    def _has_trigger(self) -> Scenario:
        if self.alarm is None and not self.question:
            raise ValueError("a scenario needs an `alarm` or a `question`")
        return self

    def summary(self) -> dict[str, Any]:
        """What may be shown to anyone: never the truth."""
        return {"id": self.id, "title": self.title, "tags": self.tags}


class ResolvedCluster(BaseModel):
    nodes: list[NodeSpec]
    manifests: list[dict[str, Any]]
    traffic: dict[str, float]
    log_shipping: tuple[LogShipping, ...] = DEFAULT_SHIPPING
    prometheus_metrics: bool = False


class LoadedScenario(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    scenario: Scenario
    path: str
    cluster: ResolvedCluster


def scenario_json_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "sre-agent lab scenario"
    return schema


def write_schema(path: Path = SCHEMA_PATH) -> None:
    path.write_text(json.dumps(scenario_json_schema(), indent=2) + "\n")
