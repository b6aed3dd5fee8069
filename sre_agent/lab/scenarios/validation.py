"""Reference checks that run when a scenario loads: every image is in the catalog (an unknown
tag of a known repository is allowed where it is the fault), every resource a step names exists at
that point of the timeline, every node, service and alarm dimension is in the cluster -- so a typo
fails at load with the file and the path inside it, never as a silently different world."""

from __future__ import annotations

from ...contracts import resource_id
from ..world.images import ImageCatalog, split_image_ref
from .schema import ResolvedCluster, Scenario, ScenarioError, Step


def resource_key(manifest: dict) -> tuple[str, str | None, str]:
    meta = manifest.get("metadata") or {}
    return manifest.get("kind", ""), meta.get("namespace"), meta.get("name", "")


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


def _claims_of(manifest: dict) -> set[str]:
    """The claims a StatefulSet's volumeClaimTemplates make for its members: <template>-<name>-<ordinal>."""
    kind, namespace, name = resource_key(manifest)
    spec = manifest.get("spec") or {}
    if kind != "StatefulSet":
        return set()
    replicas = spec.get("replicas", 1) if isinstance(spec.get("replicas", 1), int) else 1
    return {resource_id("PersistentVolumeClaim", f"{(t.get('metadata') or {}).get('name')}-{name}-{i}", namespace)
            for t in spec.get("volumeClaimTemplates") or [] for i in range(replicas)}


def _container_names(manifest: dict) -> list[str]:
    spec = manifest.get("spec") or {}
    pod_spec = spec.get("template", {}).get("spec") if "template" in spec else spec
    return [c.get("name", "") for c in (pod_spec or {}).get("containers") or []]


def check_references(scenario: Scenario, cluster: ResolvedCluster, catalog: ImageCatalog, where: str) -> None:
    problems: list[str] = []
    known: set[str] = set()
    containers: dict[str, list[str]] = {}  # resource id -> its pods' container names
    for index, manifest in enumerate(cluster.manifests):
        kind, namespace, name = resource_key(manifest)
        if not kind or not name:
            problems.append(f"cluster.manifests[{index}]: needs kind and metadata.name")
            continue
        known.add(resource_id(kind, name, namespace))
        known.update(_claims_of(manifest))
        containers[resource_id(kind, name, namespace)] = _container_names(manifest)
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
            if step.action == "log" and step.resource in known:
                problems.extend(_check_log_container(step, path, containers.get(step.resource, [])))
            if step.action == "apply" and step.manifest:
                kind, namespace, name = resource_key(step.manifest)
                known.add(resource_id(kind, name, namespace))
                known.update(_claims_of(step.manifest))
                containers[resource_id(kind, name, namespace)] = _container_names(step.manifest)
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


def _check_log_container(step: Step, path: str, names: list[str]) -> list[str]:
    """A 'log' step's container, as `kubectl logs` asks for it: named when the pod has several."""
    if step.container is None and len(names) > 1:
        return [f"{path}.container: {step.resource} runs several containers ({', '.join(names)}): say which prints the line"]
    if step.container is not None and step.container not in names:
        return [f"{path}.container: {step.resource} has no container {step.container!r} ({', '.join(names) or 'none'})"]
    return []


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
