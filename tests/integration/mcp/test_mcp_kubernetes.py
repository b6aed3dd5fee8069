"""The Kubernetes MCP server, driven through real MCP client sessions (stdio and HTTP) against the
lab's Kubernetes API emulator holding the bad-image scenario."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from kubernetes import client, config
from mcp_harness import HttpServerProcess, raw_initialize, stdio_client_for

from mcp_servers.common.redaction import redact_payload
from mcp_servers.kubernetes.summaries import sanitize
from sre_agent.lab.kube.kubeconfig import write_kubeconfig

MODULE = "mcp_servers.kubernetes"
TOKEN = "test-token-0123456789"




@pytest.fixture(scope="module")
def mcp(lab, audit_path):
    session = stdio_client_for(MODULE, ["--allow-writes", "--namespaces", "shop", "--audit-log", str(audit_path)], lab.env())
    yield session
    session.close()


@pytest.fixture(scope="module")
def http_server(lab):
    # Read-only server, with a small result cap so truncation is easy to provoke.
    server = HttpServerProcess(MODULE, ["--token", TOKEN], {**lab.env(), "SRE_MCP_MAX_RESULT_CHARS": "3000"})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def apps(lab):
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(lab.kubeconfig), client_configuration=cfg)
    return client.AppsV1Api(client.ApiClient(cfg))


def test_lists_read_and_write_tools(mcp):
    names = {tool.name for tool in mcp.list_tools()}
    assert {"get_resources", "describe", "pod_logs", "events", "rollout_history", "top", "find_resource",
            "ownership", "analyze"} <= names
    assert {"rollout_restart", "rollout_undo", "scale", "set_image", "set_resources", "delete_pod", "cordon",
            "uncordon"} <= names


def test_get_resources_shows_pull_failures(mcp):
    result = mcp.call("get_resources", {"kind": "pods", "namespace": "shop", "label_selector": "app=catalog"})
    assert not result.is_error, result.text
    pods = result.json()["items"]
    assert len(pods) == 2
    assert all(p["status"] in ("ImagePullBackOff", "ErrImagePull") and p["ready"] == "0/1" for p in pods)


def test_describe_pod_includes_its_events(mcp):
    pod = mcp.call("get_resources", {"kind": "pods", "namespace": "shop", "label_selector": "app=catalog"}).json()["items"][0]
    result = mcp.call("describe", {"kind": "Pod", "name": pod["name"], "namespace": "shop"}).json()
    assert result["resource"] == f"shop/Pod/{pod['name']}"
    assert any("Failed to pull image" in e["message"] for e in result["events"])
    assert "managedFields" not in result["object"]["metadata"]


def test_pod_logs_tail_and_grep(mcp):
    pod = mcp.call("get_resources", {"kind": "pods", "namespace": "shop", "label_selector": "app=frontend"}).json()["items"][0]
    logs = mcp.call("pod_logs", {"namespace": "shop", "name": pod["name"], "tail": 5}).json()
    assert 0 < len(logs["lines"]) <= 5
    grepped = mcp.call("pod_logs", {"namespace": "shop", "name": pod["name"], "grep": "status=", "tail": 1000}).json()
    assert grepped["lines"] and all("status=" in line for line in grepped["lines"])
    previous = mcp.call("pod_logs", {"namespace": "shop", "name": pod["name"], "previous": True})
    assert previous.is_error and "previous terminated container" in previous.text


def test_events_warnings_for_one_object(mcp):
    result = mcp.call("events", {"namespace": "shop", "kind": "Deployment", "name": "catalog", "warnings_only": False}).json()
    assert result["events"] and all(e["object"] == "Deployment/catalog" for e in result["events"])
    assert any(e["reason"] == "ScalingReplicaSet" for e in result["events"])


def test_rollout_history_lists_both_revisions(mcp):
    history = mcp.call("rollout_history", {"namespace": "shop", "name": "catalog"}).json()
    assert history["current_revision"] == 2
    images = {r["revision"]: r["images"] for r in history["revisions"]}
    assert images[1] == ["ghcr.io/acme-shop/catalog:3.1.0"] and images[2] == ["ghcr.io/acme-shop/catalog:3.3.0"]


def test_top_reports_usage(mcp):
    rows = mcp.call("top", {"kind": "pods", "namespace": "shop", "sort_by": "memory"}).json()["items"]
    assert rows and rows[0]["memory_mib"] >= rows[-1]["memory_mib"] > 0
    assert any(r["cpu_m"] > 0 for r in rows)
    nodes = mcp.call("top", {"kind": "nodes"}).json()["items"]
    assert len(nodes) == 3


def test_find_resource_across_namespaces(mcp):
    matches = mcp.call("find_resource", {"name": "ledger"}).json()["matches"]
    resources = {m["resource"] for m in matches}
    assert "payments/Deployment/ledger" in resources and "payments/StatefulSet/ledger-db" in resources


def test_search_text_finds_the_words_where_the_cluster_writes_them_and_never_a_secrets_value(mcp):
    found = mcp.call("search_text", {"words": ["warehouse", "region"], "namespace": "shop"}).json()
    line = found["matches"][0]
    assert (line["resource"], line["path"], line["text"]) == ("shop/ConfigMap/inventory-config", "data.WAREHOUSE_REGION",
                                                             "us-east-1")
    assert set(line["words"]) == {"warehouse", "region"}  # a piece of a SNAKE_CASE key is a word of it
    events = mcp.call("search_text", {"words": ["pulling", "backoff"], "namespace": "shop"}).json()["matches"]
    assert any(m["path"].startswith("event ") and m["resource"].startswith("shop/Pod/catalog-") for m in events)
    secret = mcp.call("search_text", {"words": ["checkout", "database", "s3cr3t"]}).json()
    assert "s3cr3t-pw" not in json.dumps(secret)
    # a Secret is found by what is written about it -- its name, notes, type and key names -- never by a value
    in_secrets = {(m["resource"], m["path"]) for m in secret["matches"] if "/Secret/" in m["resource"]}
    assert ("shop/Secret/checkout-db", "keys[0]") in in_secrets
    assert all(path.startswith(("metadata.", "keys[")) or path == "type" for _, path in in_secrets)


def test_ownership_walks_dependencies(mcp):
    service = mcp.call("ownership", {"kind": "Service", "name": "catalog", "namespace": "shop"}).json()
    assert service["ready_endpoints"] == 0 and service["called_by"] == ["shop/Deployment/frontend"]
    frontend = mcp.call("ownership", {"kind": "Deployment", "name": "frontend", "namespace": "shop"}).json()
    calls = {c["service"]: c for c in frontend["calls"]}
    assert calls["shop/Service/catalog"]["ready_endpoints"] == 0
    assert calls["shop/Service/checkout"]["ready_endpoints"] == 3
    pod = mcp.call("get_resources", {"kind": "pods", "namespace": "shop", "label_selector": "app=catalog"}).json()["items"][0]
    chain = mcp.call("ownership", {"kind": "Pod", "name": pod["name"], "namespace": "shop"}).json()
    assert chain["owners"][-1] == "shop/Deployment/catalog"


def test_analyze_finds_the_broken_rollout(mcp):
    findings = mcp.call("analyze", {"namespace": "shop"}).json()["findings"]
    flagged = {f["resource"] for f in findings}
    assert "shop/Deployment/catalog" in flagged
    assert any(f["reason"] in ("ImagePullBackOff", "ErrImagePull") for f in findings)
    assert not any(f["resource"].startswith("shop/Deployment/search") for f in findings)


def test_get_resources_lists_names_alone_on_request(mcp):
    wide = mcp.call("get_resources", {"kind": "deployments", "namespace": "shop"}).json()
    names = mcp.call("get_resources", {"kind": "deployments", "namespace": "shop", "output": "name"}).json()
    assert names["count"] == wide["count"] and [set(row) for row in names["items"]] == [{"name", "namespace"}] * wide["count"]
    assert [row["name"] for row in names["items"]] == [row["name"] for row in wide["items"]]
    nodes = mcp.call("get_resources", {"kind": "nodes", "output": "name"}).json()["items"]
    assert nodes and all(set(row) == {"name"} for row in nodes)  # cluster-scoped: no namespace
    assert mcp.call("get_resources", {"kind": "pods", "output": "yaml"}).is_error


def test_bad_input_is_a_clear_tool_error(mcp):
    negative = mcp.call("get_resources", {"kind": "pods", "limit": -1})
    assert negative.is_error and "limit" in negative.text
    unknown_ns = mcp.call("get_resources", {"kind": "pods", "namespace": "nope"})
    assert unknown_ns.is_error and "not found" in unknown_ns.text
    unknown_kind = mcp.call("get_resources", {"kind": "Gadget"})
    assert unknown_kind.is_error and "unknown kind" in unknown_kind.text
    missing_pod = mcp.call("pod_logs", {"namespace": "shop", "name": "no-such-pod"})
    assert missing_pod.is_error and 'pods "no-such-pod" not found' in missing_pod.text
    assert "Traceback" not in missing_pod.text


def test_secret_values_never_leave_the_server(mcp):
    described = mcp.call("describe", {"kind": "Secret", "name": "checkout-db", "namespace": "shop"})
    assert "s3cr3t-pw" not in described.text and described.json()["object"]["data"] == {"DATABASE_URL": "***redacted***"}
    listed = mcp.call("get_resources", {"kind": "Secret", "namespace": "payments"})
    assert "sk_live" not in listed.text and "keys" in listed.text
    pod = {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "env": [
        {"name": "API_TOKEN", "value": "abc"}, {"name": "DB_URL", "value": "postgres://u:pw@db:5432/x"},
        {"name": "MODE", "value": "fast"}]}]}}
    described, count = redact_payload(sanitize("Pod", pod))  # what the registry does to every result
    env = described["spec"]["containers"][0]["env"]
    assert [v["value"] for v in env] == ["***redacted***", "postgres://***redacted***@db:5432/x", "fast"] and count == 2


def test_writes_outside_the_allow_list_are_refused_and_audited(mcp, audit_path):
    refused = mcp.call("scale", {"namespace": "payments", "name": "payments", "replicas": 0, "reason": "testing the gate"})
    assert refused.is_error and "allow-list" in refused.text
    records = [json.loads(line) for line in audit_path.read_text().splitlines()]
    assert records[-1]["outcome"] == "refused" and records[-1]["tool"] == "scale"


def test_dry_run_changes_nothing(mcp, apps, audit_path):
    before = apps.read_namespaced_deployment("catalog", "shop").spec.template.spec.containers[0].image
    result = mcp.call("rollout_undo", {"namespace": "shop", "name": "catalog", "reason": "image tag missing", "dry_run": True})
    assert not result.is_error, result.text
    assert result.json()["dry_run"] is True and "revision 2 to 1" in result.json()["result"]
    assert apps.read_namespaced_deployment("catalog", "shop").spec.template.spec.containers[0].image == before
    assert json.loads(audit_path.read_text().splitlines()[-1])["outcome"] == "dry_run_ok"


STRICT_REFUSALS = [
    ("set_image", {"container": "sidecar", "image": "frontend:9"}, ["no container 'sidecar'", "containers: "]),
    ("set_image", {"container": "sidecar", "image": "frontend:9", "dry_run": True}, ["no container 'sidecar'"]),
    ("set_resources", {"container": "sidecar", "limits": {"memory": "1Gi"}}, ["no container 'sidecar'"]),
    ("set_resources", {"container": "{app}", "limits": {"memory": "512MB"}}, ["limits.memory", "'512MB'", "512Mi"]),
    ("set_resources", {"container": "{app}", "requests": {"cpu": "half"}}, ["requests.cpu", "'half'", "250m"]),
    ("set_resources", {"container": "{app}", "requests": {"memory": "2Gi"}, "limits": {"memory": "1Gi"}},
     ["requests.memory 2Gi is above limits.memory 1Gi"]),
    ("scale", {"replicas": 5000}, ["maximum of 1000"]),
    ("scale", {"replicas": -3}, ["minimum of 0"]),
    ("scale", {"replicas": "many"}, ["replicas"]),
]


@pytest.mark.parametrize(("tool", "args", "says"), STRICT_REFUSALS, ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(STRICT_REFUSALS)])
def test_strict_writes_refuse_change_nothing_and_are_audited(mcp, apps, audit_path, tool, args, says):
    before = apps.read_namespaced_deployment("frontend", "shop")
    app = before.spec.template.spec.containers[0].name
    args = {k: (v.format(app=app) if isinstance(v, str) else v) for k, v in args.items()}
    call = {"namespace": "shop", "name": "frontend", "reason": "strict tools check", **args}
    result = mcp.call(tool, call)
    assert result.is_error and all(s in result.text for s in says), result.text
    after = apps.read_namespaced_deployment("frontend", "shop")
    assert after.metadata.generation == before.metadata.generation
    assert after.spec.template.spec.to_dict() == before.spec.template.spec.to_dict() and after.spec.replicas == before.spec.replicas
    record = json.loads(audit_path.read_text().splitlines()[-1])
    assert (record["tool"], record["outcome"], record["reason"], record["actor"]) == (tool, "refused", "strict tools check",
                                                                                   "sre-agent")
    assert record["args"]["name"] == "frontend" and record["dry_run"] is bool(args.get("dry_run"))


STALE_PRECONDITIONS = [  # catalog is at revision 2 (3.3.0), 2 replicas; each pin names a world that has moved on
    ("rollout_undo", {"to_revision": 1, "expect_revision": 1}, "expected revision 1, found 2"),
    ("set_image", {"container": "catalog", "image": "ghcr.io/acme-shop/catalog:3.1.0", "expect_image": "ghcr.io/acme-shop/catalog:3.2.0"},
     "expected image ghcr.io/acme-shop/catalog:3.2.0, found ghcr.io/acme-shop/catalog:3.3.0"),
    ("scale", {"replicas": 3, "expect_replicas": 5}, "expected replicas 5, found 2"),
    ("set_resources", {"container": "catalog", "limits": {"memory": "1Gi"}, "expect_generation": 999}, "expected generation 999"),
    ("rollout_restart", {"expect_generation": 999}, "expected generation 999"),
]


@pytest.mark.parametrize(("tool", "args", "says"), STALE_PRECONDITIONS, ids=[t for t, _, _ in STALE_PRECONDITIONS])
def test_a_stale_precondition_is_refused_changes_nothing_and_is_audited(mcp, apps, audit_path, tool, args, says):
    before = apps.read_namespaced_deployment("catalog", "shop")
    result = mcp.call(tool, {"namespace": "shop", "name": "catalog", "reason": "pinned plan", **args})
    assert result.is_error and "precondition failed" in result.text and says in result.text and "re-plan" in result.text, result.text
    after = apps.read_namespaced_deployment("catalog", "shop")
    assert after.metadata.resource_version == before.metadata.resource_version, "the Deployment was written"
    record = json.loads(audit_path.read_text().splitlines()[-1])
    assert (record["tool"], record["outcome"]) == (tool, "refused") and "precondition failed" in record["detail"]
    assert {k: record["args"][k] for k in args if k.startswith("expect_")} == {k: v for k, v in args.items() if k.startswith("expect_")}


def test_a_precondition_that_holds_lets_the_pinned_write_through(mcp, apps):
    result = mcp.call("rollout_undo", {"namespace": "shop", "name": "catalog", "reason": "pinned plan", "dry_run": True,
                                       "to_revision": 1, "expect_revision": 2})
    assert not result.is_error and "revision 2 to 1" in result.json()["result"], result.text
    scaled = mcp.call("scale", {"namespace": "shop", "name": "catalog", "replicas": 2, "expect_replicas": 2,
                                "reason": "pinned plan", "dry_run": True})
    assert not scaled.is_error, scaled.text


def test_the_lab_refuses_what_a_lenient_client_sends_and_keeps_serving(mcp, apps):
    # Written past the MCP server's checks, straight through the official client: the lab's own
    # guard rails answer 422, and the world it simulates is not poisoned by the bad value.
    app = apps.read_namespaced_deployment("frontend", "shop").spec.template.spec.containers[0].name
    for body in ({"spec": {"template": {"spec": {"containers": [{"name": app, "resources": {"limits": {"memory": "512MB"}}}]}}}},
                 {"spec": {"replicas": 100_000}}):
        with pytest.raises(client.ApiException) as info:
            apps.patch_namespaced_deployment("frontend", "shop", body)
        assert info.value.status == 422 and json.loads(info.value.body)["reason"] == "Invalid"
    pods = mcp.call("get_resources", {"kind": "pods", "namespace": "shop", "label_selector": "app=frontend"})
    assert not pods.is_error and pods.json()["items"], pods.text


def test_max_replicas_comes_from_the_server_flag(lab, apps):
    session = stdio_client_for(MODULE, ["--allow-writes", "--namespaces", "shop", "--max-replicas", "3"], lab.env())
    try:
        schema = {t.name: t for t in session.list_tools()}["scale"].inputSchema["properties"]["replicas"]
        assert schema["maximum"] == 3
        before = apps.read_namespaced_deployment("search", "shop").spec.replicas
        refused = session.call("scale", {"namespace": "shop", "name": "search", "replicas": 4, "reason": "too many"})
        assert refused.is_error and "maximum of 3" in refused.text and "--max-replicas" in refused.text
        assert apps.read_namespaced_deployment("search", "shop").spec.replicas == before
    finally:
        session.close()


def test_api_errors_are_audited_as_failed(mcp, audit_path):
    result = mcp.call("scale", {"namespace": "shop", "name": "no-such-deployment", "replicas": 1, "reason": "api error"})
    assert result.is_error and "not found" in result.text
    record = json.loads(audit_path.read_text().splitlines()[-1])
    assert (record["tool"], record["outcome"], record["reason"]) == ("scale", "failed", "api error")


def test_a_read_only_server_lists_no_write_tools(http_server):
    session = http_server.client(token=TOKEN)
    try:
        tools = session.list_tools()
        assert "get_resources" in {t.name for t in tools}
        assert all(t.annotations.readOnlyHint is True for t in tools)
    finally:
        session.close()


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token"}])
def test_http_without_the_token_is_refused(http_server, headers):
    assert raw_initialize(http_server.url, headers).status_code == 401


def test_http_with_the_token(http_server):
    session = http_server.client(token=TOKEN)
    try:
        assert not session.call("get_resources", {"kind": "nodes"}).is_error
        # the HTTP server was started read-only
        refused = session.call("scale", {"namespace": "shop", "name": "search", "replicas": 3, "reason": "more capacity"})
        assert refused.is_error and "writes are disabled" in refused.text
        # results over the cap are cut with a notice
        big = session.call("events", {"warnings_only": False, "limit": 1000}).json()
        assert big["truncated"]["omitted"] > 0 and "hint" in big["truncated"]
    finally:
        session.close()


def test_http_without_token_refuses_to_start_off_loopback():
    proc = subprocess.run([sys.executable, "-m", MODULE, "--http", "--host", "0.0.0.0", "--port", "0"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "refusing to serve HTTP without authentication" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", MODULE, "--http", "--host", "0.0.0.0", "--port", "0", "--insecure-localhost"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "only applies to 127.0.0.1" in proc.stderr


def test_unreachable_cluster_fails_fast_with_a_clear_message(tmp_path):
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", "http://127.0.0.1:9")  # nothing listens on port 9
    session = stdio_client_for(MODULE, [], {"KUBECONFIG": str(kubeconfig)})
    try:
        started = time.monotonic()
        result = session.call("get_resources", {"kind": "pods"})
        assert result.is_error and "unreachable" in result.text
        assert time.monotonic() - started < 30
    finally:
        session.close()


def test_rollout_undo_fixes_the_scenario(mcp, apps, lab):
    result = mcp.call("rollout_undo", {"namespace": "shop", "name": "catalog", "reason": "3.3.0 was never pushed"})
    assert not result.is_error, result.text
    assert apps.read_namespaced_deployment("catalog", "shop").spec.template.spec.containers[0].image.endswith(":3.1.0")
    lab.advance(120)
    deploy = apps.read_namespaced_deployment("catalog", "shop")
    assert deploy.status.ready_replicas == 2


def _core(lab) -> client.CoreV1Api:
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(lab.kubeconfig), client_configuration=cfg)
    return client.CoreV1Api(client.ApiClient(cfg))


def test_delete_pod_pinned_to_a_uid_never_deletes_a_replacement(lab, mcp, audit_path):
    core = _core(lab)
    pod = next(p for p in core.list_namespaced_pod("shop").items if p.metadata.name.startswith("frontend"))
    stale = mcp.call("delete_pod", {"namespace": "shop", "name": pod.metadata.name, "reason": "pinned plan",
                                    "expect_uid": "00000000-0000-0000-0000-000000000000"})
    assert stale.is_error and "precondition failed" in stale.text and pod.metadata.uid in stale.text, stale.text
    assert core.read_namespaced_pod(pod.metadata.name, "shop").metadata.uid == pod.metadata.uid  # still there
    record = json.loads(audit_path.read_text().splitlines()[-1])
    assert (record["tool"], record["outcome"], record["args"]["expect_uid"]) == ("delete_pod", "refused",
                                                                                  "00000000-0000-0000-0000-000000000000")
    held = mcp.call("delete_pod", {"namespace": "shop", "name": pod.metadata.name, "reason": "pinned plan",
                                   "expect_uid": pod.metadata.uid, "dry_run": True})
    assert not held.is_error, held.text


def test_cordon_is_refused_without_the_cluster_wide_allow_list_and_its_precondition_is_in_the_schema(lab, mcp):
    node = _core(lab).list_node().items[0].metadata.name
    refused = mcp.call("cordon", {"node": node, "reason": "pinned plan", "expect_unschedulable": False})
    assert refused.is_error and "'*'" in refused.text, refused.text  # this server allows writes in 'shop' only
    schema = {t.name: t.inputSchema for t in mcp.list_tools()}
    assert "expect_unschedulable" in schema["cordon"]["properties"] and "expect_uid" in schema["delete_pod"]["properties"]


def test_raise_quota_only_raises_a_limit_the_quota_already_caps(mcp, lab, audit_path):
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(lab.kubeconfig), client_configuration=cfg)
    core = client.CoreV1Api(client.ApiClient(cfg))
    core.create_namespaced_resource_quota("shop", {"metadata": {"name": "raise-me"}, "spec": {"hard": {"requests.cpu": "3"}}})
    lowered = mcp.call("raise_quota", {"namespace": "shop", "name": "raise-me", "hard": {"requests.cpu": "2"}, "reason": "quota test"})
    assert lowered.is_error and "would lower" in lowered.text, lowered.text
    invented = mcp.call("raise_quota", {"namespace": "shop", "name": "raise-me", "hard": {"pods": "9"}, "reason": "quota test"})
    assert invented.is_error and "does not cap 'pods'" in invented.text, invented.text
    stale = mcp.call("raise_quota", {"namespace": "shop", "name": "raise-me", "hard": {"requests.cpu": "4"}, "reason": "quota test",
                                     "expect_hard": {"requests.cpu": "2"}})
    assert stale.is_error and "precondition failed" in stale.text, stale.text
    raised = mcp.call("raise_quota", {"namespace": "shop", "name": "raise-me", "hard": {"requests.cpu": "3500m"},
                                      "reason": "quota test", "expect_hard": {"requests.cpu": "3"}})
    assert not raised.is_error, raised.text
    assert core.read_namespaced_resource_quota("raise-me", "shop").spec.hard["requests.cpu"] == "3500m"
    record = json.loads(audit_path.read_text().splitlines()[-1])
    assert (record["tool"], record["outcome"]) == ("raise_quota", "applied")


def test_a_statefulset_rolls_back_through_its_controller_revisions(mcp, lab):
    """The history and the undo of a StatefulSet come from its ControllerRevisions, as kubectl reads them."""
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(lab.kubeconfig), client_configuration=cfg)
    api = client.ApiClient(cfg)
    apps = client.AppsV1Api(api)

    def template(image: str) -> dict:
        return {"metadata": {"labels": {"app": "kv"}}, "spec": {"containers": [{"name": "kv", "image": image}]}}
    apps.create_namespaced_stateful_set("shop", {
        "metadata": {"name": "kv"}, "spec": {"replicas": 1, "serviceName": "kv", "selector": {"matchLabels": {"app": "kv"}},
                                             "template": template("redis:7.0")}})
    lab.advance(60)
    apps.patch_namespaced_stateful_set("kv", "shop", {"spec": {"template": template("redis:7.2")}})
    lab.advance(60)  # the lab's statefulset controller keeps a ControllerRevision per template
    history = mcp.call("rollout_history", {"namespace": "shop", "name": "kv", "kind": "StatefulSet"})
    assert not history.is_error, history.text
    rows = history.json()["revisions"]
    assert [(r["revision"], r["images"], r["current"]) for r in rows] == [(1, ["redis:7.0"], False), (2, ["redis:7.2"], True)]
    assert rows[1]["changed"] == ["image"]
    undone = mcp.call("rollout_undo", {"namespace": "shop", "name": "kv", "kind": "StatefulSet", "to_revision": 1,
                                       "expect_revision": 2, "reason": "back to the image before"})
    assert not undone.is_error and "from revision 2 to 1" in undone.text, undone.text
    assert apps.read_namespaced_stateful_set("kv", "shop").spec.template.spec.containers[0].image == "redis:7.0"
    lab.advance(60)
    history = mcp.call("rollout_history", {"namespace": "shop", "name": "kv", "kind": "StatefulSet"}).json()["revisions"]
    assert [(r["revision"], r["images"]) for r in history] == [(2, ["redis:7.2"]), (3, ["redis:7.0"])]



@pytest.fixture(scope="module")
def small_cap(lab):
    # A cap well under the cluster's findings (the test adds its own), so analyze has to page.
    session = stdio_client_for(MODULE, [], {**lab.env(), "SRE_MCP_MAX_RESULT_CHARS": "2000"})
    yield session
    session.close()


def _services_selecting_nothing(lab, count: int) -> None:
    """Findings of the test's own (a Service whose selector matches no pod is one each), so paging does not
    depend on what the tests before it left broken or fixed in the shared world."""
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(lab.kubeconfig), client_configuration=cfg)
    core = client.CoreV1Api(client.ApiClient(cfg))
    for i in range(count):
        core.create_namespaced_service("shop", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"orphan-{i}"},
                                                "spec": {"selector": {"app": f"gone-{i}"}, "ports": [{"port": 80}]}})


def test_analyze_over_the_cap_answers_in_pages_and_drops_nothing(lab, mcp, small_cap):
    """Under a 2,000-character cap the whole cluster's findings come in pages, each under the cap,
    with a summary of all of them on every page; following the cursors reads the same findings the
    server with the default cap (24,000) answers at once."""
    _services_selecting_nothing(lab, 8)
    whole = mcp.call("analyze", {"min_severity": "info"}).json()
    assert "next_cursor" not in whole and whole["count"] == len(whole["findings"])
    assert len(json.dumps(whole["findings"])) > 2000, "the lab must hold more findings than one page"
    page = small_cap.call("analyze", {"min_severity": "info"})
    assert len(page.text) <= 2000
    page = page.json()
    first_cursor = page["next_cursor"]
    assert page["count"] == whole["count"] and page["offset"] == 0
    assert sum(group["count"] for group in page["by_reason"]) == page["count"]
    read = list(page["findings"])
    while "next_cursor" in page:
        assert "truncated" not in page
        answer = small_cap.call("analyze", {"cursor": page["next_cursor"]})
        assert len(answer.text) <= 2000
        page = answer.json()
        assert page["offset"] == len(read)
        read += page["findings"]
    assert [(f["resource"], f["reason"]) for f in read] == [(f["resource"], f["reason"]) for f in whole["findings"]]
    expired = small_cap.call("analyze", {"cursor": "no-such-analysis.3"})
    assert expired.is_error and "call analyze again without a cursor" in expired.text
    elsewhere = small_cap.call("analyze", {"cursor": first_cursor, "namespace": "kube-system"})
    assert elsewhere.is_error and "continues the analysis it came from" in elsewhere.text


def test_describe_a_claim_names_the_pods_that_mount_it(mcp, lab):
    """kubectl describe pvc's Used By: which pods write to a claim -- where "why is the volume filling" is answered."""
    core = _core(lab)
    core.create_namespaced_persistent_volume_claim("shop", {
        "metadata": {"name": "export-spool"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})
    core.create_namespaced_pod("shop", {
        "metadata": {"name": "spool-writer"},
        "spec": {"containers": [{"name": "writer", "image": "redis:7.0"}],
                 "volumes": [{"name": "spool", "persistentVolumeClaim": {"claimName": "export-spool"}}]}})
    claim = mcp.call("describe", {"kind": "PersistentVolumeClaim", "name": "export-spool", "namespace": "shop"})
    assert not claim.is_error, claim.text
    assert claim.json()["used_by"] == ["spool-writer"]
    pod = mcp.call("describe", {"kind": "Pod", "name": "spool-writer", "namespace": "shop"}).json()
    assert pod.get("used_by") is None  # only a claim has users


def test_a_call_to_an_externalname_service_says_where_the_alias_points(mcp, lab, apps):
    """An ExternalName Service has no endpoints of its own: the dependency row says the host it stands for, never
    'does not exist' or 'no ready endpoints'."""
    _core(lab).create_namespaced_service("shop", {"metadata": {"name": "legacy-search"},
                                                  "spec": {"type": "ExternalName", "externalName": "opac.example.org"}})
    apps.create_namespaced_deployment("shop", {
        "metadata": {"name": "search-ui"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "search-ui"}},
                 "template": {"metadata": {"labels": {"app": "search-ui"}}, "spec": {"containers": [{
                     "name": "ui", "image": "redis:7.0", "env": [{"name": "SEARCH_URL", "value": "http://legacy-search:8080"}]}]}}}})
    walked = mcp.call("ownership", {"kind": "Deployment", "name": "search-ui", "namespace": "shop"})
    assert not walked.is_error, walked.text
    call = next(c for c in walked.json()["calls"] if c["service"] == "shop/Service/legacy-search")
    assert call["exists"] is True and call["external_name"] == "opac.example.org"
