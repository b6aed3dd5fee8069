"""Scenarios: a healthy world, the change that breaks it, the alarm (or question) it produces, and
a `truth` block that only the evaluation harness reads.

A scenario is one YAML file in this package (format: scenario.schema.json, generated from the
models in schema.py). Its cluster may start from a shared world in `worlds/` and add or override
manifests; it may bring its own images. Loading checks every reference (validation.py: images,
resources named by steps, services named by traffic and alarms) so a typo fails at load with the
file and the path inside it, never as a silently different world."""

from __future__ import annotations

import copy
import hashlib
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..aws.log_shipping import DEFAULT_SHIPPING
from ..kube.errors import ApiError
from ..kube.store import ObjectStore
from ..world.images import ImageCatalog
from .schema import Cluster, LoadedScenario, NodeSpec, ResolvedCluster, Scenario, ScenarioError
from .validation import check_references, resource_key

# libyaml's loader parses the shop world ~10x faster than the pure-Python one (same safe subset).
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SCENARIO_DIR = Path(__file__).parent  # the scenario catalog is this package's YAML files
WORLDS_DIR = SCENARIO_DIR / "worlds"


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


def resolve_cluster(scenario: Scenario, where: str, worlds_dirs: list[Path]) -> ResolvedCluster:
    nodes: list[NodeSpec] = []
    manifests: dict[tuple, dict] = {}
    traffic: dict[str, float] = {}
    shipping = scenario.cluster.log_shipping
    prometheus = scenario.cluster.prometheus_metrics
    if scenario.cluster.world:
        path = next((d / f"{scenario.cluster.world}.yaml" for d in worlds_dirs if (d / f"{scenario.cluster.world}.yaml").exists()), None)
        if path is None:
            raise ScenarioError(f"{where}: cluster.world: no world named {scenario.cluster.world!r} "
                                f"(looked in {', '.join(str(d) for d in worlds_dirs)})")
        try:
            base = Cluster.model_validate(copy.deepcopy(_read_world(path, path.stat().st_mtime_ns)) or {})
        except ValidationError as exc:
            raise _format_error(str(path), exc) from None
        nodes = [*base.nodes, *(n for group in base.node_groups for n in group.nodes())]
        manifests = {resource_key(m): m for m in base.manifests}
        traffic = dict(base.traffic)
        shipping = shipping or base.log_shipping
        prometheus = base.prometheus_metrics if prometheus is None else prometheus
    by_name = {n.name: n for n in nodes}
    for node in [*scenario.cluster.nodes, *(n for group in scenario.cluster.node_groups for n in group.nodes())]:
        by_name[node.name] = node
    for manifest in scenario.cluster.manifests:
        manifests[resource_key(manifest)] = manifest
    traffic.update(scenario.cluster.traffic)
    return ResolvedCluster(nodes=list(by_name.values()), manifests=list(manifests.values()), traffic=traffic,
                           log_shipping=tuple(dict.fromkeys(shipping)) if shipping else DEFAULT_SHIPPING,
                           prometheus_metrics=bool(prometheus))


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


APPLY_ORDER = {"Namespace": 0, "StorageClass": 1, "ResourceQuota": 2, "ConfigMap": 3, "Secret": 3,
                "PersistentVolumeClaim": 4, "Service": 5}
# Every cluster has these; events about cluster-scoped objects (nodes) land in default.
BUILTIN_NAMESPACES = {"default", "kube-system", "kube-public", "kube-node-lease"}


def baseline_objects(cluster: ResolvedCluster) -> list[dict[str, Any]]:
    """What `Lab.load` writes before the history starts, in order: the nodes, every namespace a manifest
    uses (unless the scenario declares it), then the manifests in dependency order -- fresh copies."""
    ordered = sorted(cluster.manifests, key=lambda m: APPLY_ORDER.get(m.get("kind") or "", 50))
    namespaces = BUILTIN_NAMESPACES | {m["metadata"].get("namespace") for m in ordered if m["metadata"].get("namespace")}
    declared = {m["metadata"]["name"] for m in ordered if m.get("kind") == "Namespace"}
    return [*(node_manifest(node, index) for index, node in enumerate(cluster.nodes)),
            *({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}} for n in sorted(namespaces - declared - {None})),
            *(copy.deepcopy(m) for m in ordered)]


def check_admission(loaded: LoadedScenario) -> None:
    """Writes the scenario's baseline and its `apply` steps into a throwaway API store, so what the API server
    would refuse at `lab up` (an invalid manifest, a bad cron schedule, a selector that does not match its
    template) fails validation naming the manifest. Slower than the reference checks (the API's defaulting and
    validation run per object), so `sre-agent lab validate` runs it, not every load."""
    store = ObjectStore(lambda: datetime(2026, 1, 1, tzinfo=UTC))
    steps = [step for change in (loaded.scenario.fault.timeline if loaded.scenario.fault else []) for step in change.steps]
    writes = [("cluster.manifests", obj) for obj in baseline_objects(loaded.cluster)]
    writes += [(f"an apply step ({step.manifest.get('kind')})", copy.deepcopy(step.manifest))
               for step in steps if step.action == "apply" and step.manifest]
    problems = []
    with store.lock:
        for source, obj in writes:
            kind, namespace, name = resource_key(obj)
            try:
                existing = store.try_get(kind, namespace, name)
                if existing is None:
                    store.create(obj)
                else:  # an apply step over an existing object replaces it, as Lab.apply_step does
                    obj["metadata"] = {**existing["metadata"], **obj["metadata"]}
                    obj["metadata"].pop("resourceVersion", None)
                    store.replace(obj)
            except ApiError as exc:
                problems.append(f"{loaded.path}: {source}: {kind}/{name}"
                                f"{f' in {namespace}' if namespace else ''}: the API server refuses it ({exc.code}): {exc}")
    if problems:
        raise ScenarioError("\n".join(problems))


def node_manifest(spec: NodeSpec, index: int) -> dict[str, Any]:
    # Stable across runs (str hash() is salted per process): runbooks and recordings can name it.
    digest = hashlib.sha256(spec.name.encode()).hexdigest()
    instance_id = "i-0" + digest[:16]
    labels = {
        "kubernetes.io/hostname": spec.name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
        "topology.kubernetes.io/zone": spec.zone, "topology.kubernetes.io/region": spec.zone[:-1],
        "node.kubernetes.io/instance-type": spec.instance_type, "eks.amazonaws.com/nodegroup": spec.nodegroup,
        **spec.labels,
    }
    capacity = {"cpu": spec.cpu, "memory": spec.memory, "pods": "110", "ephemeral-storage": "80Gi",
                **spec.extended_resources}
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
                         "architecture": "amd64", "machineID": f"ec2{digest[:29]}",
                         "systemUUID": f"ec2{digest[29:37]}-{digest[37:41]}-{digest[41:45]}-{digest[45:49]}-{digest[49:61]}",
                         "bootID": f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"},
        },
    }
