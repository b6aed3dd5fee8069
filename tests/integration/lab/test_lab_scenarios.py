"""Every scenario in the catalog, end to end through the official clients.

For each scenario file (parametrized from the directory, so a new file is covered without touching
this one): load it into a fresh lab, check that the symptom a real cluster would show is visible
through the kubernetes client (pod states, restarts, events by field selector, container logs,
Endpoints) and through boto3 against the lab's moto (the alarm's state, its metric's onset, the
logs), then carry out the truth's remediations through the same APIs and let simulated minutes
pass until the fault has cleared -- or, for a scenario with no fault, check that nothing changes.

What to look for comes from the truth's *category* (the SYMPTOMS table), never from a scenario's
id: a new scenario of a known category is checked without new code."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from lab_client import (
    LabClients,
    advance_until,
    alarm,
    apply_remediation,
    clients_for,
    events_about,
    metric_series,
    pod_is_ready,
    pods_of,
    rollout_undo,
    services_without_endpoints,
    unhealthy_pods,
    workload_log_events,
)
from typer.testing import CliRunner

from sre_agent.contracts import RootCauseCategory as C
from sre_agent.contracts import parse_resource_id
from sre_agent.lab.aws.feed import CI_NAMESPACE
from sre_agent.lab.scenarios.loader import SCENARIO_DIR, load_scenario_file, load_scenarios
from sre_agent.lab.scenarios.schema import SCHEMA_PATH, LoadedScenario, ScenarioError, scenario_json_schema
from sre_agent.lab.world.images import load_catalog

SCENARIO_IDS = sorted(path.stem for path in SCENARIO_DIR.glob("*.yaml"))


class View:
    """One loaded scenario as the tests look at it: through the clients, plus the scenario file."""

    def __init__(self, lab, loaded: LoadedScenario) -> None:
        self.lab = lab
        self.scenario = loaded.scenario
        self.truth = loaded.scenario.truth
        self.clients: LabClients = clients_for(lab)
        self.now = lab.clock.now()
        timeline = loaded.scenario.fault.timeline if loaded.scenario.fault else []
        self.onset = self.now - timedelta(minutes=max((c.minutes_ago for c in timeline), default=0))

    @property
    def resource(self) -> tuple[str | None, str, str]:
        return parse_resource_id(self.truth.resource)

    def pods(self) -> list[dict]:
        return pods_of(self.clients, self.truth.resource)

    def statuses(self) -> list[tuple[dict, dict]]:
        return [(pod, status) for pod in self.pods() for status in pod["status"].get("containerStatuses") or []]

    def pod_events(self, pod: dict) -> list[dict]:
        return events_about(self.clients, pod["metadata"]["namespace"], "Pod", pod["metadata"]["name"])

    def image(self, ref: str):
        """The image's published behaviour (the lab's registry data, as a vendor's docs would be)."""
        return self.lab.world.catalog.resolve(ref)

    def workload_logs(self, since, pattern=None) -> list[dict]:
        namespace, _, name = self.resource
        return workload_log_events(self.clients, self.lab.cluster_name, namespace, name, since, pattern)

    def series(self, namespace: str, name: str, dimensions: dict, stat: str = "Maximum", period: int = 60,
               minutes: int = 180) -> list[tuple]:
        dims = {"ClusterName": self.lab.cluster_name, **dimensions}
        return metric_series(self.clients, namespace, name, dims, stat, period,
                             self.now - timedelta(minutes=minutes), self.now + timedelta(seconds=1))

    def workload_series(self, name: str, stat: str = "Maximum", minutes: int = 180) -> list[float]:
        namespace, _, workload = self.resource
        return [v for _, v in self.series(CI_NAMESPACE, name, {"Namespace": namespace, "PodName": workload},
                                          stat, minutes=minutes)]


# --- what each root cause looks like through the APIs -------------------------------------------

def waiting_reasons(view: View) -> set[str]:
    return {s["state"]["waiting"].get("reason") for _, s in view.statuses() if (s.get("state") or {}).get("waiting")}


def pending_pods(view: View) -> list[dict]:
    return [p for p in view.pods() if p["status"].get("phase") == "Pending" and not p["metadata"].get("deletionTimestamp")
            and any(c["type"] == "PodScheduled" and c["status"] == "False" for c in p["status"].get("conditions") or [])]


def event_reasons(view: View, pod: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for event in view.pod_events(pod):
        found.setdefault(event["reason"], []).append(event["message"])
    return found


def check_bad_image(view: View) -> None:
    assert waiting_reasons(view) & {"ErrImagePull", "ImagePullBackOff"}, waiting_reasons(view)
    pod = next(p for p, s in view.statuses() if (s.get("state") or {}).get("waiting"))
    assert any("Failed to pull image" in m for m in event_reasons(view, pod).get("Failed", [])), event_reasons(view, pod)


def check_crash_missing_config(view: View) -> None:
    crashing = [(p, s) for p, s in view.statuses() if (s["state"].get("waiting") or {}).get("reason") == "CrashLoopBackOff"]
    assert crashing, f"no container of {view.truth.resource} is in CrashLoopBackOff: {waiting_reasons(view)}"
    pod, status = crashing[0]
    image = view.image(status["image"])
    assert status["restartCount"] > 0
    assert status["lastState"]["terminated"]["exitCode"] == image.exit_code_on_config_error
    fatal = image.logs.missing_env.split("{var}")[0]  # the app's own words for a missing variable
    previous = view.clients.core.read_namespaced_pod_log(pod["metadata"]["name"], pod["metadata"]["namespace"],
                                                          container=status["name"], previous=True)
    assert fatal in previous, previous
    shipped = view.workload_logs(view.onset)
    assert any(fatal in event["message"] for event in shipped), "the FATAL line never reached CloudWatch Logs"


def check_missing_config_ref(view: View) -> None:
    stuck = [(p, s) for p, s in view.statuses()
             if (s["state"].get("waiting") or {}).get("reason") == "CreateContainerConfigError"]
    assert stuck, waiting_reasons(view)
    pod, status = stuck[0]
    message = status["state"]["waiting"]["message"]
    assert "not found" in message or "couldn't find key" in message, message
    assert f"Error: {message}" in event_reasons(view, pod).get("Failed", [])


def check_oom_killed(view: View) -> None:
    killed = [s for _, s in view.statuses() if (s.get("lastState") or {}).get("terminated", {}).get("reason") == "OOMKilled"]
    assert killed and all(s["lastState"]["terminated"]["exitCode"] == 137 for s in killed)
    assert max(s["restartCount"] for s in killed) > 1, "an OOM-killed crash loop restarts again and again"
    assert max(view.workload_series("pod_memory_utilization_over_pod_limit", minutes=60)) > 85, "running at the limit"


def check_memory_leak(view: View) -> None:
    killed = [s for _, s in view.statuses() if (s.get("lastState") or {}).get("terminated", {}).get("reason") == "OOMKilled"]
    assert killed, "a leaking app has been OOM-killed at least once"
    # Since the last kill the working set has only grown: the leak's ramp.
    since_kill = view.workload_series("pod_memory_working_set", stat="Average", minutes=30)
    rising = sum(1 for a, b in zip(since_kill, since_kill[1:]) if b > a)
    assert since_kill[-1] > since_kill[0] * 1.2 and rising >= 0.8 * (len(since_kill) - 1), since_kill
    assert all(pod_is_ready(p) for p in view.pods()), "between kills the pods look healthy"


def check_cpu_throttling(view: View) -> None:
    throttled = view.workload_series("container_cpu_throttled_ratio", minutes=10)
    assert throttled and min(throttled) > 25, throttled
    assert all(pod_is_ready(p) for p in view.pods()) and all(s["restartCount"] == 0 for _, s in view.statuses())


def check_unschedulable(view: View) -> None:
    pending = pending_pods(view)
    assert pending, f"no Pending pod for {view.truth.resource}"
    condition = next(c for c in pending[0]["status"]["conditions"] if c["type"] == "PodScheduled")
    assert condition["reason"] == "Unschedulable"
    messages = event_reasons(view, pending[0]).get("FailedScheduling", [])
    assert messages and all("nodes are available" in m for m in messages), messages


def check_probe_misconfig(view: View) -> None:
    restarted = [(p, s) for p, s in view.statuses() if s["restartCount"] > 0]
    assert restarted
    reasons = event_reasons(view, restarted[0][0])
    assert any(m.startswith("Liveness probe failed") for m in reasons.get("Unhealthy", [])), reasons
    assert any("failed liveness probe" in m for m in reasons.get("Killing", [])), reasons


def check_service_selector_mismatch(view: View) -> None:
    namespace, _, name = view.resource
    assert f"{namespace}/{name}" in services_without_endpoints(view.clients)
    assert view.pods() == [], "the Service's selector matches no pod"


def check_service_port_mismatch(view: View) -> None:
    """The pods serve (Running, Ready) but the Service does not reach them: either no endpoints (a named
    targetPort none declares) or endpoints on a port none of their containers declares."""
    namespace, _, name = view.resource
    pods = view.pods()
    assert pods and all(pod_is_ready(p) for p in pods), "the selected pods are Ready"
    declared = {(port.get("name"), port["containerPort"]) for p in pods for c in p["spec"]["containers"]
                for port in c.get("ports") or []}
    endpoints = view.clients.as_dict(view.clients.core.read_namespaced_endpoints(name, namespace))
    ports = {port["port"] for subset in endpoints.get("subsets") or [] if subset.get("addresses")
             for port in subset.get("ports") or []}
    assert not ports or not ports & {number for _, number in declared}, (ports, declared)


def check_dependency_failure(view: View) -> None:
    namespace, kind, name = view.resource
    status = view.clients.as_dict(view.clients.call("read", kind, namespace, name=name))["status"]
    assert not status.get("readyReplicas"), status
    empty = services_without_endpoints(view.clients)
    assert any(s.startswith(f"{namespace}/") for s in empty), empty


def check_bad_deploy_regression(view: View) -> None:
    namespace, _, name = view.resource
    assert view.pods() and all(pod_is_ready(p) for p in view.pods()), "a regression rolls out cleanly"
    assert all(s["restartCount"] == 0 for _, s in view.statuses())
    deploy = view.clients.apps.read_namespaced_deployment(name, namespace)
    assert int(deploy.metadata.annotations["deployment.kubernetes.io/revision"]) >= 2, "there was a rollout"
    errors = view.workload_logs(view.onset, "ERROR")
    assert errors, "the new release logs errors"
    before = view.workload_logs(view.onset - timedelta(minutes=60), "ERROR")
    assert len(errors) > 3 * (len(before) - len(errors)), "errors started with the rollout"


def check_node_failure(view: View) -> None:
    _, _, node_name = view.resource
    node = view.clients.as_dict(view.clients.core.read_node(node_name))
    ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "Unknown" and ready["reason"] == "NodeStatusUnknown", ready
    on_node = [view.clients.as_dict(p) for p in view.clients.core.list_pod_for_all_namespaces(
        field_selector=f"spec.nodeName={node_name}").items]
    assert any(p["metadata"].get("deletionTimestamp") for p in on_node), "evicted pods are stuck terminating"
    failed = [v for _, v in view.series(CI_NAMESPACE, "cluster_failed_node_count", {}, minutes=5)]
    assert failed and failed[-1] >= 1


def check_pvc_pending(view: View) -> None:
    namespace, _, name = view.resource
    claim = view.clients.core.read_namespaced_persistent_volume_claim(name, namespace)
    assert claim.status.phase == "Pending"
    events = events_about(view.clients, namespace, "PersistentVolumeClaim", name)
    assert any(e["reason"] == "ProvisioningFailed" for e in events), events
    waiting = [p for p in view.clients.core.list_namespaced_pod(namespace).items
               if any(v.persistent_volume_claim and v.persistent_volume_claim.claim_name == name for v in p.spec.volumes or [])]
    assert waiting and all(p.status.phase == "Pending" for p in waiting)
    messages = [m for p in waiting for m in event_reasons(view, view.clients.as_dict(p)).get("FailedScheduling", [])]
    assert any("unbound immediate PersistentVolumeClaims" in m for m in messages), messages


def check_quota_exceeded(view: View) -> None:
    namespace, _, name = view.resource
    rejections = [e for e in view.clients.core.list_namespaced_event(namespace, field_selector="reason=FailedCreate").items
                  if f"exceeded quota: {name}" in e.message]
    assert rejections and rejections[0].involved_object.kind == "ReplicaSet"
    quota = view.clients.core.read_namespaced_resource_quota(name, namespace)
    assert quota.status.used and quota.status.hard


def check_endpoint_misconfigured(view: View) -> None:
    """The value holder exists and every pod is healthy: the fault is in what the caller was told to call, which no
    pod state shows (its calls fail; the dependency serves)."""
    namespace, kind, name = view.resource
    assert view.clients.call("read", kind, namespace, name=name) is not None
    assert not [p for p in unhealthy_pods(view.clients) if p.startswith(f"{namespace}/")]


def check_stale_credential(view: View) -> None:
    """A Secret the workload reads into its env was written after its running pods started: they hold its old value."""
    namespace, _, _ = view.resource
    pods = view.pods()
    assert pods
    started = min(p["status"]["startTime"] for p in pods)
    read = {ref["name"] for p in pods for c in p["spec"]["containers"] for e in c.get("env") or []
            if (ref := (e.get("valueFrom") or {}).get("secretKeyRef"))}
    secrets = [view.clients.as_dict(view.clients.call("read", "Secret", namespace, name=n)) for n in read]
    written = [max(m["time"] for m in secret["metadata"].get("managedFields") or [{"time": ""}]) for secret in secrets]
    assert any(w > started for w in written), (started, written)


def check_image_pull_auth(view: View) -> None:
    """The pull fails for credentials (the registry's 401 / no basic auth), not for a tag that does not exist."""
    assert waiting_reasons(view) & {"ErrImagePull", "ImagePullBackOff"}, waiting_reasons(view)
    pod = next(p for p, s in view.statuses() if (s.get("state") or {}).get("waiting"))
    failed = event_reasons(view, pod).get("Failed", [])
    assert any(re.search(r"no basic auth credentials|authorization failed|401 Unauthorized", m) for m in failed), failed


def check_volume_full(view: View) -> None:
    """The claim is Bound and mounted by running pods: a full volume shows in no pod state (writes fail, the volume
    metrics say it)."""
    namespace, _, name = view.resource
    claim = view.clients.as_dict(view.clients.call("read", "PersistentVolumeClaim", namespace, name=name))
    assert claim["status"]["phase"] == "Bound"
    mounting = [p for p in view.clients.core.list_namespaced_pod(namespace).items
                if any(v.persistent_volume_claim and v.persistent_volume_claim.claim_name == name for v in p.spec.volumes or [])]
    assert mounting and all(p.status.phase == "Running" for p in mounting)


def check_nothing_wrong(view: View) -> None:
    assert unhealthy_pods(view.clients) == []
    assert services_without_endpoints(view.clients) == []


SYMPTOMS = {
    C.BAD_IMAGE: check_bad_image,
    C.CRASH_MISSING_CONFIG: check_crash_missing_config,
    C.MISSING_CONFIG_REF: check_missing_config_ref,
    C.OOM_KILLED: check_oom_killed,
    C.MEMORY_LEAK: check_memory_leak,
    C.CPU_THROTTLING: check_cpu_throttling,
    C.UNSCHEDULABLE: check_unschedulable,
    C.PROBE_MISCONFIG: check_probe_misconfig,
    C.SERVICE_SELECTOR_MISMATCH: check_service_selector_mismatch,
    C.SERVICE_PORT_MISMATCH: check_service_port_mismatch,
    C.DEPENDENCY_FAILURE: check_dependency_failure,
    C.ENDPOINT_MISCONFIGURED: check_endpoint_misconfigured,
    C.STALE_CREDENTIAL: check_stale_credential,
    C.IMAGE_PULL_AUTH: check_image_pull_auth,
    C.VOLUME_FULL: check_volume_full,
    C.BAD_DEPLOY_REGRESSION: check_bad_deploy_regression,
    C.NODE_FAILURE: check_node_failure,
    C.PVC_PENDING: check_pvc_pending,
    C.QUOTA_EXCEEDED: check_quota_exceeded,
    C.NONE: check_nothing_wrong,
}


def test_every_category_has_a_symptom_check():
    assert set(SYMPTOMS) == set(C)


# --- the alarm, its metric and the logs through boto3 --------------------------------------------

def breaches(alarm_def, value: float) -> bool:
    t = alarm_def.threshold
    return {"GreaterThanThreshold": value > t, "GreaterThanOrEqualToThreshold": value >= t,
            "LessThanThreshold": value < t, "LessThanOrEqualToThreshold": value <= t}[alarm_def.comparison]


def alarm_points(view: View) -> list[tuple]:
    spec = view.scenario.alarm
    return view.series(spec.metric.namespace, spec.metric.name, spec.metric.dimensions, spec.statistic, spec.period)


def check_alarm_and_onset(view: View) -> None:
    spec = view.scenario.alarm
    state = alarm(view.clients, spec.name)
    points = alarm_points(view)
    assert points, f"no datapoints for {spec.metric.name}"
    if view.truth.category == C.NONE:
        assert state["StateValue"] == "OK", state["StateReason"]
        assert any(breaches(spec, v) for _, v in points), "a self-healed alarm did fire earlier"
        return
    assert state["StateValue"] == "ALARM", state["StateReason"]
    before = [v for t, v in points if t.timestamp() < view.onset.timestamp() - spec.period]
    assert before and not any(breaches(spec, v) for v in before), "the metric was healthy before the fault"
    recent = [v for _, v in points[-spec.evaluation_periods:]]
    assert sum(breaches(spec, v) for v in recent) >= (spec.datapoints_to_alarm or spec.evaluation_periods), recent
    namespace, service = spec.metric.dimensions.get("Namespace"), spec.metric.dimensions.get("Service")
    if spec.metric.name == "5xxCount" and service and view.resource[2] != service:
        # A healthy service failing because of something else says why in its own logs.
        errors = workload_log_events(view.clients, view.lab.cluster_name, namespace, service, view.onset, "ERROR")
        assert errors, f"{service} answers 5xx but its logs show no errors since the onset"


# --- the end-to-end test ---------------------------------------------------------------------

def snapshot(clients: LabClients) -> dict:
    pods = {f"{p.metadata.namespace}/{p.metadata.name}": sum(s.restart_count for s in p.status.container_statuses or [])
            for p in clients.core.list_pod_for_all_namespaces().items}
    generations = {f"{d.metadata.namespace}/{d.metadata.name}": d.metadata.generation
                   for d in clients.apps.list_deployment_for_all_namespaces().items}
    return {"pods": pods, "deployments": generations}


def fault_cleared(view: View) -> bool:
    if unhealthy_pods(view.clients) or services_without_endpoints(view.clients):
        return False
    return view.scenario.alarm is None or alarm(view.clients, view.scenario.alarm.name)["StateValue"] == "OK"


@pytest.mark.parametrize("scenario_id", SCENARIO_IDS)
def test_scenario_shows_its_symptom_and_its_remediation_clears_it(lab_factory, scenario_id):
    lab = lab_factory()
    view = View(lab, lab.load(scenario_id))
    SYMPTOMS[view.truth.category](view)
    if view.scenario.alarm:
        check_alarm_and_onset(view)

    if view.truth.category == C.NONE:
        before = snapshot(view.clients)
        lab.advance(300)
        assert snapshot(view.clients) == before, "with no fault, five quiet minutes change nothing"
        assert fault_cleared(view)
        return

    for step in view.truth.remediations:
        apply_remediation(view.clients, step)
    minutes = advance_until(lab, lambda: fault_cleared(view), max_minutes=20)
    assert unhealthy_pods(view.clients) == [], f"still unhealthy {minutes} min after the remediation"
    assert services_without_endpoints(view.clients) == []
    if view.scenario.alarm:
        state = alarm(view.clients, view.scenario.alarm.name)
        assert state["StateValue"] == "OK", f"alarm still {state['StateValue']} after {minutes} min: {state['StateReason']}"


SHAPES = Path(__file__).resolve().parents[3] / "sre_agent" / "eval" / "scenarios_shapes"


@pytest.mark.parametrize("scenario_id", ["sh01-recommendations-pull-secret-dropped", "sh02-ledger-db-password-rotated",
                                         "sh03-ledger-db-volume-full"])
def test_the_categories_no_catalog_scenario_has_are_checked_on_the_fault_shapes_set(lab_factory, scenario_id):
    """image_pull_auth, stale_credential and volume_full have no catalog scenario (the catalog's scenarios are tied to
    recorded replay cases): their symptom checks run on the development set of fault shapes."""
    lab = lab_factory(scenario_dirs=[SHAPES])
    view = View(lab, lab.load(scenario_id))
    assert view.truth.category in (C.IMAGE_PULL_AUTH, C.STALE_CREDENTIAL, C.VOLUME_FULL)
    SYMPTOMS[view.truth.category](view)


# --- the catalog as files ----------------------------------------------------------------------

def test_committed_schema_is_generated_from_the_models():
    assert json.loads(SCHEMA_PATH.read_text()) == scenario_json_schema(), \
        "scenario.schema.json is stale: run python -c 'from sre_agent.lab.scenarios.schema import write_schema; write_schema()'"


def test_every_catalog_scenario_validates_against_the_committed_schema():
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))
    for path in SCENARIO_DIR.glob("*.yaml"):
        errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(yaml.safe_load(path.read_text()))]
        assert not errors, f"{path}: {errors}"


MINIMAL = {
    "id": "custom", "title": "a custom scenario", "cluster": {"world": "shop"},
    "alarm": {"name": "x", "metric": {"namespace": "Application", "name": "5xxCount",
                                      "dimensions": {"Namespace": "shop", "Service": "frontend"}}, "threshold": 1},
    "truth": {"category": "none"},
}


def write_scenario(directory: Path, body: dict, name: str | None = None) -> Path:
    path = directory / f"{name or body['id']}.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False))
    return path


def test_a_malformed_scenario_names_the_file_the_path_inside_it_and_the_problem(tmp_path):
    body = {**MINIMAL, "truth": {"category": "gremlins"},
            "fault": {"description": "x", "timeline": [{"minutes_ago": 5, "steps": [{"action": "scale"}]}]}}
    path = write_scenario(tmp_path, body)
    with pytest.raises(ScenarioError) as failure:
        load_scenario_file(path, load_catalog())
    lines = str(failure.value).splitlines()
    assert all(line.startswith(f"{path}: ") for line in lines), lines
    assert any("truth.category: Input should be 'bad_image'" in line for line in lines), lines
    assert any("fault.timeline.0.steps.0: " in line and "action 'scale' needs resource, replicas" in line for line in lines), lines


def test_broken_yaml_reports_line_and_column(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("id: broken\ntitle: [unclosed\n")
    with pytest.raises(ScenarioError, match=r"broken.yaml: line \d+, column \d+: not valid YAML"):
        load_scenario_file(path, load_catalog())


def test_an_unknown_image_and_a_dangling_reference_fail_at_load(tmp_path):
    body = {**MINIMAL, "cluster": {"world": "shop", "manifests": [{
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "ghost", "namespace": "shop"},
        "spec": {"selector": {"matchLabels": {"app": "ghost"}}, "template": {
            "metadata": {"labels": {"app": "ghost"}}, "spec": {"containers": [{"name": "g", "image": "example.com/nope:1"}]}}}}]},
        "fault": {"description": "x", "timeline": [{"minutes_ago": 5, "steps": [
            {"action": "scale", "resource": "shop/Deployment/does-not-exist", "replicas": 1}]}]}}
    path = write_scenario(tmp_path, body)
    with pytest.raises(ScenarioError) as failure:
        load_scenario_file(path, load_catalog())
    message = str(failure.value)
    assert "cluster.manifests[" in message and "unknown image 'example.com/nope:1'" in message
    assert "fault.timeline[0].steps[0].resource: shop/Deployment/does-not-exist does not exist" in message


def test_scenarios_load_from_a_directory_outside_the_repo_with_their_own_image(tmp_path, lab_factory):
    body = {
        **MINIMAL, "id": "own-image", "alarm": None, "question": "Is the reports service healthy?",
        "images": [{"repository": "registry.example.com/team/reports", "tags": {"2.0.1": {}},
                    "logs": {"startup": ["reports {version} booting"]}}],
        "cluster": {"world": "shop", "manifests": [
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "reports", "namespace": "shop"},
             "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "reports"}}, "template": {
                 "metadata": {"labels": {"app": "reports"}},
                 "spec": {"containers": [{"name": "reports", "image": "registry.example.com/team/reports:2.0.1",
                                          "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}}}]}}}}]},
    }
    write_scenario(tmp_path, {k: v for k, v in body.items() if v is not None})
    assert set(load_scenarios(load_catalog(), [tmp_path])) == {"own-image"}
    lab = lab_factory(scenario_dirs=[tmp_path])
    lab.load("own-image")
    clients = clients_for(lab)
    pods = clients.core.list_namespaced_pod("shop", label_selector="app=reports").items
    assert len(pods) == 1 and pod_is_ready(clients.as_dict(pods[0]))
    log = clients.core.read_namespaced_pod_log(pods[0].metadata.name, "shop")
    assert "reports 2.0.1 booting" in log


def test_the_scenario_listing_never_contains_the_truth():
    from sre_agent.commands.lab import app  # mounted as `sre-agent lab`

    result = CliRunner().invoke(app, ["scenarios", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert sorted(item["id"] for item in listed) == SCENARIO_IDS
    assert all(set(item) == {"id", "title", "tags"} for item in listed)
    text = result.output
    assert "truth" not in text and "remediations" not in text and "category" not in text
    for loaded in load_scenarios(load_catalog()).values():
        if loaded.scenario.truth.notes:
            assert loaded.scenario.truth.notes not in text


def test_rollout_undo_with_the_clients_patch_restores_the_previous_template(lab_factory):
    lab = lab_factory(history_minutes=20)
    lab.load("healthy-baseline")
    clients = clients_for(lab)
    original = clients.as_dict(clients.apps.read_namespaced_deployment("checkout", "shop").spec.template)
    clients.apps.patch_namespaced_deployment("checkout", "shop", {"spec": {"template": {"spec": {
        "containers": [{"name": "checkout", "image": "ghcr.io/acme-shop/checkout:2.4.0",
                        "env": [{"name": "FEATURE_SUMMARY_V2", "value": "on"}]}]}}}})
    lab.advance(120)
    rollout_undo(clients, "shop", "checkout")
    lab.advance(120)
    deploy = clients.apps.read_namespaced_deployment("checkout", "shop")
    assert clients.as_dict(deploy.spec.template) == original, "undo puts back the old template exactly (env included)"
    assert deploy.metadata.annotations["deployment.kubernetes.io/revision"] == "3"
    images = {c.image for p in clients.core.list_namespaced_pod("shop", label_selector="app=checkout").items
              for c in p.spec.containers}
    assert images == {"ghcr.io/acme-shop/checkout:2.3.0"}


def test_a_log_step_is_printed_by_every_pod_of_the_workload_in_time_order(tmp_path, lab_factory):
    line = 'WARN coupon rejected code="SPRING24" reason=expired'
    body = {**MINIMAL, "id": "printed-line", "fault": {"description": "the storefront prints one line", "timeline": [
        {"minutes_ago": 5, "steps": [{"action": "log", "resource": "shop/Deployment/frontend", "line": line}]}]}}
    write_scenario(tmp_path, body)
    lab = lab_factory(scenario_dirs=[tmp_path], history_minutes=20)
    lab.load("printed-line")
    clients = clients_for(lab)
    pods = pods_of(clients, "shop/Deployment/frontend")
    assert len(pods) > 1
    for pod in pods:
        text = clients.core.read_namespaced_pod_log(pod["metadata"]["name"], "shop", timestamps=True)
        entries = [entry.split(" ", 1) for entry in text.splitlines()]
        assert [message for _, message in entries].count(line) == 1, text
        stamps = [stamp for stamp, _ in entries]
        assert stamps == sorted(stamps), "lines before the printed one were written first, none after it is older"
        printed = next(stamp for stamp, message in entries if message == line)
        assert any(stamp > printed for stamp in stamps), "the request log goes on after it"
    shipped = workload_log_events(clients, lab.cluster_name, "shop", "frontend", lab.clock.now() - timedelta(minutes=10),
                                  '"coupon rejected"')
    assert sorted(e["pod"] for e in shipped) == sorted(p["metadata"]["name"] for p in pods)


def test_a_repeated_log_step_goes_on_printing_in_the_pods_of_the_moment(tmp_path, lab_factory):
    line = "WARN login throttled user=mallory"
    body = {**MINIMAL, "id": "repeated-line", "fault": {"description": "a client keeps retrying", "timeline": [
        {"minutes_ago": 10, "steps": [{"action": "log", "resource": "shop/Deployment/frontend", "line": line,
                                        "every_minutes": 3}]}]}}
    write_scenario(tmp_path, body)
    lab = lab_factory(scenario_dirs=[tmp_path], history_minutes=20)
    lab.load("repeated-line")
    clients = clients_for(lab)

    def printed() -> dict[str, int]:
        return {p["metadata"]["name"]: clients.core.read_namespaced_pod_log(p["metadata"]["name"], "shop").count(line)
                for p in pods_of(clients, "shop/Deployment/frontend")}

    assert set(printed().values()) == {4}, printed()  # 10, 7, 4 and 1 minutes ago
    clients.apps.patch_namespaced_deployment("frontend", "shop", {"spec": {"template": {"metadata": {
        "annotations": {"kubectl.kubernetes.io/restartedAt": lab.clock.now().isoformat()}}}}})
    lab.advance(600)
    counts = printed()
    assert len(counts) == 3 and set(counts.values()) == {3}, counts  # new pods: 2, 5 and 8 minutes on
