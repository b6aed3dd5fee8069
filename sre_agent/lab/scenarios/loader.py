"""Scenarios: a healthy world, the change that breaks it, the alarm (or question) it produces, and
a `truth` block that only the evaluation harness reads.

A scenario is one YAML file (format: scenario.schema.json, generated from the models below). Its
cluster may start from a shared world in `scenarios/worlds/` and add or override manifests; it may
bring its own images. Loading checks every reference (images, resources named by steps, services
named by traffic and alarms) so a typo fails at load with the file and the path inside it, never as
a silently different world."""

from __future__ import annotations

import copy
import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..contracts import RootCauseCategory, parse_resource_id
from .images import ImageBehaviour, ImageCatalog, split_image_ref

# libyaml's loader parses the shop world ~10x faster than the pure-Python one (same safe subset).
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SCENARIO_DIR = Path(__file__).with_name("scenarios")
WORLDS_DIR = SCENARIO_DIR / "worlds"
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


class Step(BaseModel):
    """One change to the world, written the way an operator or CI would make it."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["apply", "patch", "delete", "scale", "set_image", "set_resources", "rollout_undo",
                    "rollout_restart", "node_down", "node_up", "cordon", "uncordon", "traffic"]
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

    @model_validator(mode="after")
    def _fields_for_action(self) -> "Step":
        need = {
            "apply": ["manifest"], "patch": ["resource", "patch"],
            "delete": ["resource"] if self.selector is None else ["kind", "namespace"],
            "scale": ["resource", "replicas"], "set_image": ["resource", "container", "image"],
            "set_resources": ["resource", "container"], "rollout_undo": ["resource"],
            "rollout_restart": ["resource"], "node_down": ["node"], "node_up": ["node"], "cordon": ["node"],
            "uncordon": ["node"], "traffic": ["service", "rps"],
        }[self.action]
        missing = [name for name in need if getattr(self, name) is None]
        if missing:
            raise ValueError(f"action {self.action!r} needs {', '.join(missing)}")
        if self.resource:
            parse_resource_id(self.resource)
        if self.selector is not None and (self.action != "delete" or self.resource):
            raise ValueError("`selector` is for action 'delete' without `resource` (delete every match)")
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
    manifests: list[dict[str, Any]] = Field(default_factory=list)
    traffic: dict[str, float] = Field(default_factory=dict, description="namespace/service -> requests per second")


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
    def _resource_shape(self) -> "Truth":
        if self.category != RootCauseCategory.NONE:
            parse_resource_id(self.resource)
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
    def _has_trigger(self) -> "Scenario":
        if self.alarm is None and not self.question:
            raise ValueError("a scenario needs an `alarm` or a `question`")
        return self

    def summary(self) -> dict[str, Any]:
        """What may be shown to anyone: never the truth."""
        return {"id": self.id, "title": self.title, "tags": self.tags}


def _format_error(where: str, exc: ValidationError) -> ScenarioError:
    lines = []
    for error in exc.errors()[:5]:
        path = ".".join(str(p) for p in error["loc"]) or "(top level)"
        lines.append(f"{where}: {path}: {error['msg']}")
    return ScenarioError("\n".join(lines))


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(), Loader=_YamlLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioError(f"{path}:{at}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror}") from None


@lru_cache(maxsize=16)
def _read_world(path: Path, mtime_ns: int) -> Any:
    """A shared world is read by every scenario built on it: parse it once per version of the file."""
    return _read_yaml(path)


def _resource_key(manifest: dict) -> tuple[str, str | None, str]:
    meta = manifest.get("metadata") or {}
    return manifest.get("kind", ""), meta.get("namespace"), meta.get("name", "")


class ResolvedCluster(BaseModel):
    nodes: list[NodeSpec]
    manifests: list[dict[str, Any]]
    traffic: dict[str, float]


def resolve_cluster(scenario: Scenario, where: str, worlds_dirs: list[Path]) -> ResolvedCluster:
    nodes: list[NodeSpec] = []
    manifests: dict[tuple, dict] = {}
    traffic: dict[str, float] = {}
    if scenario.cluster.world:
        path = next((d / f"{scenario.cluster.world}.yaml" for d in worlds_dirs if (d / f"{scenario.cluster.world}.yaml").exists()), None)
        if path is None:
            raise ScenarioError(f"{where}: cluster.world: no world named {scenario.cluster.world!r} "
                                f"(looked in {', '.join(str(d) for d in worlds_dirs)})")
        try:
            base = Cluster.model_validate(copy.deepcopy(_read_world(path, path.stat().st_mtime_ns)) or {})
        except ValidationError as exc:
            raise _format_error(str(path), exc) from None
        nodes = list(base.nodes)
        manifests = {_resource_key(m): m for m in base.manifests}
        traffic = dict(base.traffic)
    by_name = {n.name: n for n in nodes}
    for node in scenario.cluster.nodes:
        by_name[node.name] = node
    for manifest in scenario.cluster.manifests:
        manifests[_resource_key(manifest)] = manifest
    traffic.update(scenario.cluster.traffic)
    return ResolvedCluster(nodes=list(by_name.values()), manifests=list(manifests.values()), traffic=traffic)


def _images_in(manifest: dict) -> list[tuple[str, str]]:
    """(json path, image) for every container image in a workload or pod manifest."""
    spec = manifest.get("spec") or {}
    pod_spec = spec.get("template", {}).get("spec") if "template" in spec else spec
    if manifest.get("kind") == "CronJob":
        pod_spec = spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec")
    found = []
    for key in ("initContainers", "containers"):
        for index, container in enumerate((pod_spec or {}).get(key) or []):
            found.append((f"{key}[{index}].image", container.get("image", "")))
    return found


def check_references(scenario: Scenario, cluster: ResolvedCluster, catalog: ImageCatalog, where: str) -> None:
    problems: list[str] = []
    known: set[str] = set()
    from ..contracts import resource_id

    for index, manifest in enumerate(cluster.manifests):
        kind, namespace, name = _resource_key(manifest)
        if not kind or not name:
            problems.append(f"cluster.manifests[{index}]: needs kind and metadata.name")
            continue
        known.add(resource_id(kind, name, namespace))
        for path, image in _images_in(manifest):
            if catalog.resolve(image) is None:
                problems.append(f"cluster.manifests[{index}] ({kind}/{name}).{path}: unknown image {image!r} "
                                "(add it to the catalog or to the scenario's `images`)")
    known.update(f"Node/{n.name}" for n in cluster.nodes)
    services = {rid.replace("/Service/", "/") for rid in known if "/Service/" in rid}
    node_names = {n.name for n in cluster.nodes}
    for key in cluster.traffic:
        if key not in services:
            problems.append(f"cluster.traffic.{key}: no Service {key} in the cluster")
    timeline = scenario.fault.timeline if scenario.fault else []
    for c_index, change in enumerate(timeline):
        for s_index, step in enumerate(change.steps):
            path = f"fault.timeline[{c_index}].steps[{s_index}]"
            problems.extend(_check_step(step, path, known, services, node_names, catalog, allow_unknown_tag=True))
            if step.action == "apply" and step.manifest:
                kind, namespace, name = _resource_key(step.manifest)
                known.add(resource_id(kind, name, namespace))
    for index, step in enumerate(scenario.truth.remediations):
        problems.extend(_check_step(step, f"truth.remediations[{index}]", known, services, node_names, catalog,
                                    allow_unknown_tag=False))
    if scenario.truth.resource and scenario.truth.resource not in known:
        problems.append(f"truth.resource: {scenario.truth.resource} is not in the cluster")
    if scenario.alarm:
        service = scenario.alarm.metric.dimensions.get("Service")
        namespace = scenario.alarm.metric.dimensions.get("Namespace")
        if service and f"{namespace}/{service}" not in services:
            problems.append(f"alarm.metric.dimensions: no Service {namespace}/{service} in the cluster")
    if problems:
        raise ScenarioError("\n".join(f"{where}: {p}" for p in problems))


def _check_step(step: Step, path: str, known: set[str], services: set[str], nodes: set[str],
                catalog: ImageCatalog, allow_unknown_tag: bool) -> list[str]:
    problems = []
    if step.resource and step.action != "apply" and step.resource not in known:
        problems.append(f"{path}.resource: {step.resource} does not exist at that point")
    if step.node and step.node not in nodes:
        problems.append(f"{path}.node: no node {step.node!r}")
    if step.service and step.service not in services:
        problems.append(f"{path}.service: no Service {step.service}")
    images = [("image", step.image)] if step.image else []
    if step.manifest:
        images += _images_in(step.manifest)
    for field_path, image in images:
        if catalog.resolve(image) is not None:
            continue
        if allow_unknown_tag and catalog.knows_repository(image):
            continue  # a tag that does not exist is exactly what a bad-image fault is
        repo, _ = split_image_ref(image)
        problems.append(f"{path}.{field_path}: unknown image {image!r} (repository {repo!r} is not in the catalog)")
    return problems


class LoadedScenario(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    scenario: Scenario
    path: str
    cluster: ResolvedCluster


def load_scenario_file(path: Path, catalog: ImageCatalog, worlds_dirs: list[Path] | None = None) -> LoadedScenario:
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise ScenarioError(f"{path}: (top level): a scenario is a mapping with id, title, cluster, truth, ...")
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise _format_error(str(path), exc) from None
    dirs = [path.parent / "worlds", *(worlds_dirs or []), WORLDS_DIR]
    cluster = resolve_cluster(scenario, str(path), dirs)
    check_references(scenario, cluster, catalog.merged(scenario.images), str(path))
    return LoadedScenario(scenario=scenario, path=str(path), cluster=cluster)


def scenario_files(dirs: list[Path] | None = None) -> list[Path]:
    files: list[Path] = []
    for directory in dirs or [SCENARIO_DIR]:
        if not directory.is_dir():
            raise ScenarioError(f"{directory}: not a directory of scenario YAML files")
        files.extend(sorted(p for p in directory.glob("*.yaml")))
    return files


def load_scenarios(catalog: ImageCatalog, dirs: list[Path] | None = None) -> dict[str, LoadedScenario]:
    loaded: dict[str, LoadedScenario] = {}
    for path in scenario_files(dirs):
        item = load_scenario_file(path, catalog)
        if item.scenario.id in loaded:
            raise ScenarioError(f"{path}: id: {item.scenario.id!r} is also used by {loaded[item.scenario.id].path}")
        loaded[item.scenario.id] = item
    return loaded


def scenario_json_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "sre-agent lab scenario"
    return schema


def write_schema(path: Path = SCHEMA_PATH) -> None:
    path.write_text(json.dumps(scenario_json_schema(), indent=2) + "\n")


APPLY_ORDER = {"Namespace": 0, "StorageClass": 1, "ResourceQuota": 2, "ConfigMap": 3, "Secret": 3,
                "PersistentVolumeClaim": 4, "Service": 5}


def node_manifest(spec: NodeSpec, index: int) -> dict[str, Any]:
    # Stable across runs (str hash() is salted per process): runbooks and recordings can name it.
    digest = hashlib.sha256(spec.name.encode()).hexdigest()
    instance_id = "i-0" + digest[:16]
    labels = {
        "kubernetes.io/hostname": spec.name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
        "topology.kubernetes.io/zone": spec.zone, "topology.kubernetes.io/region": spec.zone[:-1],
        "node.kubernetes.io/instance-type": spec.instance_type, "eks.amazonaws.com/nodegroup": "general",
        **spec.labels,
    }
    capacity = {"cpu": spec.cpu, "memory": spec.memory, "pods": "110", "ephemeral-storage": "80Gi"}
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": spec.name, "labels": labels,
                     "annotations": {"alpha.kubernetes.io/provided-node-ip": f"10.0.{index}.10"}},
        "spec": {"providerID": f"aws:///{spec.zone}/{instance_id}", "taints": copy.deepcopy(spec.taints),
                 **({"unschedulable": True} if spec.unschedulable else {})},
        "status": {
            "capacity": capacity, "allocatable": dict(capacity),
            "addresses": [{"type": "InternalIP", "address": f"10.0.{index}.10"},
                          {"type": "Hostname", "address": spec.name}],
            "nodeInfo": {"kubeletVersion": "v1.30.4-eks-a737599", "kubeProxyVersion": "v1.30.4-eks-a737599",
                         "containerRuntimeVersion": "containerd://1.7.20", "osImage": "Amazon Linux 2023",
                         "kernelVersion": "6.1.102-111.182.amzn2023.x86_64", "operatingSystem": "linux",
                         "architecture": "amd64", "machineID": f"ec2{digest[:29]}", "systemUUID": f"ec2{digest[29:37]}-{digest[37:41]}-{digest[41:45]}-{digest[45:49]}-{digest[49:61]}",
                         "bootID": f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"},
        },
    }
