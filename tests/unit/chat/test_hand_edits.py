"""Edits pinned as the exact kubectl command: a Service's targetPort, an HPA's bounds, an environment variable
on a workload or CronJob (or the key of a ConfigMap)."""

import pytest

from sre_agent.chat.act.hand_edits import (
    config_sources,
    env_change,
    env_plan,
    hpa_plan,
    probe_plan,
    probe_relaxation,
    service_port_plan,
)

SERVICE = {"spec": {"ports": [{"name": "http", "port": 80, "targetPort": 8081}, {"name": "metrics", "port": 9090}]}}
CRON = {"metadata": {"generation": 2}, "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [
    {"name": "x", "envFrom": [{"configMapRef": {"name": "export-config"}}]}]}}}}}}


def test_a_service_is_pointed_at_a_port_by_number_or_name_on_the_port_the_question_names():
    change, args, kubectl, precondition, _ = service_port_plan("point the registry svc back at 8080", "m/Service/registry", SERVICE)
    assert args["target_port"] == 8080 and args["expect_target_port"] == 8081 and precondition == "targetPort 8081"
    assert '"path": "/spec/ports/0/targetPort", "value": 8080' in kubectl and kubectl.startswith("kubectl patch service registry -n m")
    _, args, kubectl, _, _ = service_port_plan("point its metrics port to web", "m/Service/registry", SERVICE)
    assert args["port"] == 9090 and args["target_port"] == "web"
    assert "Say the port" in service_port_plan("fix the svc port", "m/Service/registry", SERVICE)


@pytest.mark.parametrize("question, field, value", [
    ("cap the gateway hpa at 5 replicas", "maxReplicas", 5),
    ("raise the hpa minimum to 3", "minReplicas", 3),
])
def test_an_hpa_bound_is_patched_on_the_field_the_question_means(question, field, value):
    hpa = {"name": "gateway", "namespace": "m", "target": "Deployment/gateway", "min": 2, "max": 12, "current": 12}
    change, args, kubectl, precondition, _ = hpa_plan(question, hpa)
    assert args[field] == value and f'"{field}": {value}' in kubectl and "kubectl patch hpa gateway -n m" in kubectl


def test_an_env_var_comes_from_the_config_it_names_or_takes_the_value_given_or_asks_for_one():
    sources = config_sources(CRON["spec"]["jobTemplate"]["spec"]["template"]["spec"])
    assert sources == ["ConfigMap/export-config"]
    *_, kubectl, _, _ = env_plan("add MARKET_ID back to the cronjob from that configmap", "b/CronJob/export", CRON, sources)
    assert kubectl == "kubectl set env cronjob/export -n b --from=configmap/export-config --keys=MARKET_ID"
    *_, kubectl, _, note = env_plan("set LOG_LEVEL=debug on it", "b/CronJob/export", CRON, sources)
    assert kubectl.endswith("LOG_LEVEL=debug") and "you supply" not in note
    *_, kubectl, _, _ = env_plan("add TABLE_VERSION=2026-11 back to the settings", "b/ConfigMap/settings", {"data": {}}, [])
    assert kubectl == """kubectl patch configmap settings -n b --type merge -p '{"data": {"TABLE_VERSION": "2026-11"}}'"""
    assert env_change("set the HPA max to 5") is None  # an acronym is not a variable


PROBED = {"containers": [{"name": "side"}, {"name": "api", "livenessProbe": {"httpGet": {"path": "/live", "port": 8080},
                                                                         "initialDelaySeconds": 5},
                                            "readinessProbe": {"exec": {"command": ["true"]}}}]}


@pytest.mark.parametrize("question, change, patch", [
    ("set the liveness initialDelaySeconds to 120", "livenessProbe.initialDelaySeconds 5 -> 120",
     '[{"op": "replace", "path": "/spec/template/spec/containers/1/livenessProbe/initialDelaySeconds", "value": 120}]'),
    ("change its liveness path to /healthz", "livenessProbe.path /live -> /healthz",
     '[{"op": "replace", "path": "/spec/template/spec/containers/1/livenessProbe/httpGet/path", "value": "/healthz"}]'),
    ("bump the liveness probe's failure threshold to 5", "livenessProbe.failureThreshold None -> 5",
     '[{"op": "add", "path": "/spec/template/spec/containers/1/livenessProbe/failureThreshold", "value": 5}]'),
    # a path said after "to" is the path; a timeout said beside it, a second field of the same patch
    ("set the liveness probe back to /healthz with a 5 second timeout",
     "livenessProbe.path /live -> /healthz, livenessProbe.timeoutSeconds None -> 5",
     '[{"op": "replace", "path": "/spec/template/spec/containers/1/livenessProbe/httpGet/path", "value": "/healthz"}, '
     '{"op": "add", "path": "/spec/template/spec/containers/1/livenessProbe/timeoutSeconds", "value": 5}]')])
def test_a_probe_field_is_one_json_patch_on_the_container_that_has_the_probe(question, change, patch):
    planned = probe_plan(question, "clinical/Deployment/orders-api", {}, PROBED)
    assert not isinstance(planned, str)
    assert planned[0] == f"Deployment orders-api container api {change}" and planned[1]["patch"] == patch
    assert planned[2] == f"kubectl patch deployment orders-api -n clinical --type json -p '{patch}'"


@pytest.mark.parametrize("question, why", [
    ("set the startup initialDelaySeconds to 60", "clinical/Deployment/orders-api has no startupProbe to change"),
    ("set the readiness path to /ready", "clinical/Deployment/orders-api's readinessProbe runs a command: it has no path")])
def test_a_probe_that_is_not_there_or_has_no_such_field_is_said(question, why):
    assert probe_plan(question, "clinical/Deployment/orders-api", {}, PROBED) == why


@pytest.mark.parametrize("question, args", [
    # more time or more tries on a field relax_probe changes: the tool's arguments
    ("bump the liveness probe's failure threshold to 5", {"container": "api", "probe": "liveness", "failure_threshold": 5}),
    ("set the liveness timeout to 10s", {"container": "api", "probe": "liveness", "timeout_seconds": 10}),
    ("set the liveness failureThreshold to 2", None),  # fewer tries than the default 3: a human's patch
    ("set the liveness initialDelaySeconds to 120", None),  # a field the tool does not change
    ("change its liveness path to /healthz", None),
])
def test_a_probe_given_more_time_or_tries_is_relax_probes_to_make(question, args):
    assert probe_relaxation(question, PROBED) == args


@pytest.mark.parametrize(("question", "expected"), [
    ("set ROUTE_PLANNER_URL back to http://route-planner.logistics.svc.cluster.local:8080",
     ("ROUTE_PLANNER_URL", "http://route-planner.logistics.svc.cluster.local:8080")),
    ("LOG_LEVEL to debug pls", ("LOG_LEVEL", "debug")),
    ("set LOG_LEVEL=debug on api", ("LOG_LEVEL", "debug")),
    ("add MARKET_ID back to the export cronjob from that configmap", ("MARKET_ID", None)),  # a place, not a value
])
def test_an_env_value_is_read_where_it_is_said(question, expected):
    from sre_agent.chat.act.hand_edits import env_change

    assert env_change(question) == expected


@pytest.mark.parametrize("question, said", [
    ('restore EXIT_GRACE_MINUTES: "15" in session-service-config', ("EXIT_GRACE_MINUTES", "15")),
    ("set LOG_LEVEL='debug' on ingest", ("LOG_LEVEL", "debug")),
    ("put FEATURE_X back to on", ("FEATURE_X", "on")),
])
def test_a_value_said_as_yaml_or_a_shell_writes_it_is_the_text_inside_its_quotes(question, said):
    assert env_change(question) == said


def test_a_target_port_said_by_name_is_one_the_pods_declare_never_a_word_of_the_request():
    service = {"spec": {"ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}
    plan = service_port_plan("fix the service to point at web", "portal/Service/farmer-portal", service,
                             frozenset({"web", "metrics"}))
    assert not isinstance(plan, str) and plan[1]["target_port"] == "web"
    asked = service_port_plan("fix the service to point at web", "portal/Service/farmer-portal", service, frozenset({"www"}))
    assert isinstance(asked, str) and asked.startswith("Say the port") and "www" in asked
