"""The writes that give a workload what it lacks -- a probe more time (relax_probe), a registry credential
(add_pull_secret), a bigger claim (expand_claim), a corrected ConfigMap value with its readers restarted
(set_config_value) -- driven through a real MCP stdio session against the lab's API emulator and read back with
the official client. Each refuses the change it must never make (tighten, invent, shrink, add a key, restart a
workload that does not read the value) with nothing written, and audits every attempt."""

from __future__ import annotations

import pytest
from kubernetes import client
from mcp_harness import stdio_client_for

from .audit_records import last_audit

MODULE = "mcp_servers.kubernetes"
REASON = {"reason": "give-writes test"}


@pytest.fixture(scope="module")
def mcp(lab, audit_path):
    session = stdio_client_for(MODULE, ["--allow-writes", "--namespaces", "shop", "--audit-log", str(audit_path)], lab.env())
    yield session
    session.close()


def liveness(api, name: str = "catalog") -> dict:
    deployment = client.AppsV1Api(api).read_namespaced_deployment(name, "shop")
    probe = next(c for c in deployment.spec.template.spec.containers if c.name == name).liveness_probe
    return {"timeoutSeconds": probe.timeout_seconds, "periodSeconds": probe.period_seconds,
            "failureThreshold": probe.failure_threshold}


def test_a_probe_gets_more_time_never_less(mcp, api, audit_path):
    before = liveness(api)
    target = {"namespace": "shop", "name": "catalog", "container": "catalog", **REASON}
    tighter = mcp.call("relax_probe", {**target, "timeout_seconds": 1, "period_seconds": 5})
    assert tighter.is_error and "would tighten the probe" in tighter.text, tighter.text
    assert last_audit(audit_path) == ("relax_probe", "refused") and liveness(api) == before
    nothing = mcp.call("relax_probe", target)
    assert nothing.is_error and "give timeout_seconds" in nothing.text, nothing.text
    no_probe = mcp.call("relax_probe", {**target, "probe": "startup", "timeout_seconds": 5})
    assert no_probe.is_error and "has no startupProbe" in no_probe.text, no_probe.text
    wrong = mcp.call("relax_probe", {**target, "container": "sidecar", "timeout_seconds": 5})
    assert wrong.is_error and "has no container 'sidecar'" in wrong.text, wrong.text
    generation = client.AppsV1Api(api).read_namespaced_deployment("catalog", "shop").metadata.generation
    stale = mcp.call("relax_probe", {**target, "timeout_seconds": 5, "expect_generation": generation + 7})
    assert stale.is_error and "precondition failed" in stale.text, stale.text
    done = mcp.call("relax_probe", {**target, "timeout_seconds": 10, "expect_generation": generation})
    assert not done.is_error, done.text
    assert liveness(api) == {**before, "timeoutSeconds": 10}  # only the field asked for moved
    assert last_audit(audit_path) == ("relax_probe", "applied")


def test_a_pull_secret_is_added_only_when_it_is_a_registry_credential(mcp, api, audit_path):
    core = client.CoreV1Api(api)
    core.create_namespaced_secret("shop", {"metadata": {"name": "harbor-pull"}, "type": "kubernetes.io/dockerconfigjson",
                                           "data": {".dockerconfigjson": "eyJhdXRocyI6e319"}})
    core.create_namespaced_secret("shop", {"metadata": {"name": "app-password"}, "type": "Opaque",
                                           "data": {"password": "aHVudGVyMg=="}})
    target = {"namespace": "shop", "name": "catalog", **REASON}
    opaque = mcp.call("add_pull_secret", {**target, "secret_name": "app-password"})
    assert opaque.is_error and "not a registry credential" in opaque.text, opaque.text
    assert "aHVudGVyMg" not in opaque.text and "hunter2" not in opaque.text  # nothing of its data comes back
    assert last_audit(audit_path) == ("add_pull_secret", "refused")
    missing = mcp.call("add_pull_secret", {**target, "secret_name": "no-such-pull"})
    assert missing.is_error and "not found" in missing.text, missing.text
    added = mcp.call("add_pull_secret", {**target, "secret_name": "harbor-pull"})
    assert not added.is_error, added.text
    spec = client.AppsV1Api(api).read_namespaced_deployment("catalog", "shop").spec.template.spec
    assert [ref.name for ref in spec.image_pull_secrets] == ["harbor-pull"]
    again = mcp.call("add_pull_secret", {**target, "secret_name": "harbor-pull"})
    assert again.is_error and "already references harbor-pull" in again.text, again.text


def _claim(core, name: str, storage_class: str, size: str = "10Gi") -> None:
    core.create_namespaced_persistent_volume_claim("shop", {"metadata": {"name": name}, "spec": {
        "storageClassName": storage_class, "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}})


def _bound(core, lab, name: str) -> None:
    for _ in range(200):
        if core.read_namespaced_persistent_volume_claim(name, "shop").status.phase == "Bound":
            return
        lab.advance(seconds=5)
    raise AssertionError(f"{name} never bound")


def test_a_claim_grows_only_where_its_class_allows_and_never_shrinks(mcp, api, lab, audit_path):
    core, storage = client.CoreV1Api(api), client.StorageV1Api(api)
    storage.create_storage_class({"metadata": {"name": "gp3-grow"}, "provisioner": "ebs.csi.aws.com",
                                  "allowVolumeExpansion": True})
    storage.create_storage_class({"metadata": {"name": "gp3-fixed"}, "provisioner": "ebs.csi.aws.com"})
    _claim(core, "data-grow", "gp3-grow")
    _claim(core, "data-fixed", "gp3-fixed")
    _bound(core, lab, "data-grow")
    _bound(core, lab, "data-fixed")
    fixed = mcp.call("expand_claim", {"namespace": "shop", "name": "data-fixed", "size": "20Gi", **REASON})
    assert fixed.is_error and "does not allow volume expansion" in fixed.text, fixed.text
    assert last_audit(audit_path) == ("expand_claim", "refused")
    grow = {"namespace": "shop", "name": "data-grow", **REASON}
    smaller = mcp.call("expand_claim", {**grow, "size": "5Gi"})
    assert smaller.is_error and "a claim never shrinks" in smaller.text, smaller.text
    huge = mcp.call("expand_claim", {**grow, "size": "1Ti"})
    assert huge.is_error and "more than 4x at once" in huge.text, huge.text
    stale = mcp.call("expand_claim", {**grow, "size": "20Gi", "expect_size": "8Gi"})
    assert stale.is_error and "precondition failed" in stale.text, stale.text
    done = mcp.call("expand_claim", {**grow, "size": "20Gi", "expect_size": "10Gi"})
    assert not done.is_error, done.text
    assert core.read_namespaced_persistent_volume_claim("data-grow", "shop").spec.resources.requests["storage"] == "20Gi"
    assert last_audit(audit_path) == ("expand_claim", "applied")


def test_a_config_value_is_corrected_under_its_own_key_and_only_its_readers_restart(mcp, api, audit_path):
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    core.create_namespaced_config_map("shop", {"metadata": {"name": "catalog-upstreams"},
                                               "data": {"SEARCH_URL": "http://search.shop:8081"}})
    apps.patch_namespaced_deployment("catalog", "shop", {"spec": {"template": {"spec": {"containers": [
        {"name": "catalog", "envFrom": [{"configMapRef": {"name": "catalog-upstreams"}}]}]}}}})
    target = {"namespace": "shop", "name": "catalog-upstreams", **REASON}
    new_key = mcp.call("set_config_value", {**target, "key": "CHECKOUT_URL", "value": "http://checkout.shop:8080"})
    assert new_key.is_error and "has no key 'CHECKOUT_URL'" in new_key.text, new_key.text
    assert last_audit(audit_path) == ("set_config_value", "refused")
    stale = mcp.call("set_config_value", {**target, "key": "SEARCH_URL", "value": "http://search.shop:8080",
                                          "expect_value": "http://search.shop:9999"})
    assert stale.is_error and "precondition failed" in stale.text, stale.text
    stranger = mcp.call("set_config_value", {**target, "key": "SEARCH_URL", "value": "http://search.shop:8080",
                                             "restart": ["search"]})
    assert stranger.is_error and "does not read ConfigMap shop/catalog-upstreams" in stranger.text, stranger.text
    assert core.read_namespaced_config_map("catalog-upstreams", "shop").data["SEARCH_URL"] == "http://search.shop:8081"
    before = apps.read_namespaced_deployment("catalog", "shop").metadata.generation
    done = mcp.call("set_config_value", {**target, "key": "SEARCH_URL", "value": "http://search.shop:8080",
                                         "restart": ["catalog"], "expect_value": "http://search.shop:8081"})
    assert not done.is_error, done.text
    assert core.read_namespaced_config_map("catalog-upstreams", "shop").data["SEARCH_URL"] == "http://search.shop:8080"
    restarted = apps.read_namespaced_deployment("catalog", "shop")
    assert restarted.metadata.generation > before
    assert "kubectl.kubernetes.io/restartedAt" in (restarted.spec.template.metadata.annotations or {})
    assert last_audit(audit_path) == ("set_config_value", "applied")


def test_a_value_shown_masked_is_corrected_in_place_and_the_mask_is_never_written(mcp, api, lab, audit_path):
    """A URL with credentials reaches every reader masked; its port is corrected by the one part that changes (the
    server applies it to the real value), from the value as it was shown -- and a value carrying the mask is refused."""
    core = client.CoreV1Api(api)
    url = "postgres://rx:hunter2-Xq9@ledger-db.shop.svc.cluster.local:6432/rx?sslmode=require"
    core.create_namespaced_config_map("shop", {"metadata": {"name": "ledger-db-config"}, "data": {"DATABASE_URL": url}})
    target = {"namespace": "shop", "name": "ledger-db-config", "key": "DATABASE_URL", **REASON}
    shown = "postgres://***redacted***@ledger-db.shop.svc.cluster.local:6432/rx?sslmode=require"
    masked = mcp.call("set_config_value", {**target, "value": shown.replace("6432", "5432")})
    assert masked.is_error and "would replace the secret with the mask" in masked.text, masked.text
    twice = mcp.call("set_config_value", {**target, "edit": {"find": "s", "replace": "z"}})
    assert twice.is_error and "not once" in twice.text, twice.text
    both = mcp.call("set_config_value", {**target, "value": url, "edit": {"find": "6432", "replace": "5432"}})
    assert both.is_error and "either value or edit" in both.text, both.text
    assert core.read_namespaced_config_map("ledger-db-config", "shop").data["DATABASE_URL"] == url
    assert last_audit(audit_path) == ("set_config_value", "refused")
    done = mcp.call("set_config_value", {**target, "edit": {"find": "6432", "replace": "5432"}, "expect_value": shown})
    assert not done.is_error and "hunter2" not in done.text, done.text
    assert core.read_namespaced_config_map("ledger-db-config", "shop").data["DATABASE_URL"] == url.replace(":6432/", ":5432/")
    assert last_audit(audit_path) == ("set_config_value", "applied")


def test_the_give_writes_stay_inside_the_allow_list(mcp, audit_path):
    outside = mcp.call("expand_claim", {"namespace": "payments", "name": "data-ledger-db-0", "size": "20Gi", **REASON})
    assert outside.is_error and "not in this server's allow-list" in outside.text, outside.text
    assert last_audit(audit_path) == ("expand_claim", "refused")


def test_a_pileup_stops_overlapping_and_only_its_own_unfinished_runs_are_deleted(mcp, api, lab, audit_path):
    batch, core = client.BatchV1Api(api), client.CoreV1Api(api)
    template = {"spec": {"restartPolicy": "Never", "containers": [{"name": "run", "image": "registry.example/sync:1"}]}}
    cron = batch.create_namespaced_cron_job("shop", {"metadata": {"name": "stock-sync"}, "spec": {
        "schedule": "*/5 * * * *", "suspend": True, "jobTemplate": {"spec": {"template": template}}}})
    owner = [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "stock-sync", "uid": cron.metadata.uid, "controller": True}]
    for run in ("stock-sync-1", "stock-sync-2"):
        batch.create_namespaced_job("shop", {"metadata": {"name": run, "ownerReferences": owner}, "spec": {"template": template}})
    batch.create_namespaced_job("shop", {"metadata": {"name": "manual-import"}, "spec": {"template": template}})
    target = {"namespace": "shop", "name": "stock-sync", **REASON}
    foreign = mcp.call("stop_cronjob_pileup", {**target, "stuck_runs": ["stock-sync-1", "manual-import"]})
    assert foreign.is_error and "manual-import is not a run of CronJob shop/stock-sync" in foreign.text, foreign.text
    assert last_audit(audit_path) == ("stop_cronjob_pileup", "refused")
    assert {j.metadata.name for j in batch.list_namespaced_job("shop").items} >= {"stock-sync-1", "stock-sync-2", "manual-import"}
    stale = mcp.call("stop_cronjob_pileup", {**target, "stuck_runs": ["stock-sync-1"], "expect_policy": "Replace"})
    assert stale.is_error and "precondition failed" in stale.text, stale.text
    done = mcp.call("stop_cronjob_pileup", {**target, "stuck_runs": ["stock-sync-1", "stock-sync-2"], "expect_policy": "Allow"})
    assert not done.is_error, done.text
    assert batch.read_namespaced_cron_job("stock-sync", "shop").spec.concurrency_policy == "Forbid"
    lab.advance(seconds=10)
    left = {j.metadata.name for j in batch.list_namespaced_job("shop").items}
    assert "manual-import" in left and not left & {"stock-sync-1", "stock-sync-2"}
    assert not [p for p in core.list_namespaced_pod("shop").items if (p.metadata.labels or {}).get("job-name", "").startswith("stock-sync")]
    assert last_audit(audit_path) == ("stop_cronjob_pileup", "applied")
    again = mcp.call("stop_cronjob_pileup", {**target, "stuck_runs": []})
    assert again.is_error and "already forbids overlapping runs" in again.text, again.text


def test_a_cronjob_gets_an_image_and_its_stuck_runs_start_again_from_the_fixed_template(mcp, api, lab, audit_path):
    """A CronJob has no rollout: its job template is fixed, and its runs stuck on the old image are replaced by one run
    made from the fixed template (kubectl create job --from) -- never another's Job, never the other containers."""
    batch = client.BatchV1Api(api)
    template = {"spec": {"restartPolicy": "Never", "containers": [
        {"name": "log", "image": "registry.example/log-tail:3"}, {"name": "run", "image": "registry.example/label:9.9"}]}}
    cron = batch.create_namespaced_cron_job("shop", {"metadata": {"name": "label-print"}, "spec": {
        "schedule": "*/30 * * * *", "suspend": True, "concurrencyPolicy": "Forbid",
        "jobTemplate": {"metadata": {"labels": {"team": "labels"}}, "spec": {"template": template}}}})
    owner = [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "label-print", "uid": cron.metadata.uid, "controller": True}]
    batch.create_namespaced_job("shop", {"metadata": {"name": "label-print-1", "ownerReferences": owner},
                                         "spec": {"template": template}})
    batch.create_namespaced_job("shop", {"metadata": {"name": "label-backfill"}, "spec": {"template": template}})
    target = {"namespace": "shop", "name": "label-print", "image": "registry.example/label:9.8", **REASON}

    absent = mcp.call("set_cronjob_image", {**target, "container": "printer"})
    assert absent.is_error and "no container 'printer'" in absent.text and "log, run" in absent.text, absent.text
    stale = mcp.call("set_cronjob_image", {**target, "container": "run", "expect_image": "registry.example/label:9.7"})
    assert stale.is_error and "precondition failed" in stale.text, stale.text
    foreign = mcp.call("set_cronjob_image", {**target, "container": "run", "rerun_stuck": ["label-backfill"]})
    assert foreign.is_error and "label-backfill is not a run of CronJob shop/label-print" in foreign.text, foreign.text
    assert last_audit(audit_path) == ("set_cronjob_image", "refused")
    assert batch.read_namespaced_cron_job("label-print", "shop").spec.job_template.spec.template.spec.containers[1].image \
        == "registry.example/label:9.9"  # every refusal wrote nothing

    done = mcp.call("set_cronjob_image", {**target, "container": "run", "rerun_stuck": ["label-print-1"],
                                          "expect_image": "registry.example/label:9.9"})
    assert not done.is_error and "registry.example/label:9.9 -> registry.example/label:9.8" in done.text, done.text
    fixed = batch.read_namespaced_cron_job("label-print", "shop").spec.job_template.spec.template.spec.containers
    assert [(c.name, c.image) for c in fixed] == [("log", "registry.example/log-tail:3"), ("run", "registry.example/label:9.8")]
    lab.advance(seconds=10)
    jobs = {j.metadata.name: j for j in batch.list_namespaced_job("shop").items}
    assert "label-print-1" not in jobs and "label-backfill" in jobs
    [started] = [j for name, j in jobs.items() if name.startswith("label-print-fix-")]
    assert [r.name for r in started.metadata.owner_references] == ["label-print"]
    assert started.metadata.annotations["cronjob.kubernetes.io/instantiate"] == "manual"
    assert started.metadata.labels["team"] == "labels"
    assert [c.image for c in started.spec.template.spec.containers] == ["registry.example/log-tail:3", "registry.example/label:9.8"]
    assert last_audit(audit_path) == ("set_cronjob_image", "applied")
    again = mcp.call("set_cronjob_image", {**target, "container": "run"})
    assert again.is_error and "already runs registry.example/label:9.8" in again.text, again.text


def test_a_suspended_cronjob_is_resumed_only_while_suspended(mcp, api, lab, audit_path):
    """resume_cronjob sets `suspend: false` (and with run_now starts one run from its template, as `kubectl create job
    --from` does); a CronJob not suspended is refused and left as it is."""
    batch = client.BatchV1Api(api)
    template = {"spec": {"restartPolicy": "Never", "containers": [{"name": "run", "image": "registry.example/recon:4"}]}}
    batch.create_namespaced_cron_job("shop", {"metadata": {"name": "recon-nightly"}, "spec": {
        "schedule": "0 2 * * *", "suspend": True, "jobTemplate": {"spec": {"template": template}}}})
    target = {"namespace": "shop", "name": "recon-nightly", **REASON}

    done = mcp.call("resume_cronjob", {**target, "run_now": True})
    assert not done.is_error and "suspend true -> false" in done.text, done.text
    assert batch.read_namespaced_cron_job("recon-nightly", "shop").spec.suspend is False
    lab.advance(seconds=10)
    [started] = [j for j in batch.list_namespaced_job("shop").items if j.metadata.name.startswith("recon-nightly-resumed-")]
    assert [r.name for r in started.metadata.owner_references] == ["recon-nightly"]
    assert last_audit(audit_path) == ("resume_cronjob", "applied")

    again = mcp.call("resume_cronjob", target)
    assert again.is_error and "is not suspended" in again.text, again.text
    assert last_audit(audit_path) == ("resume_cronjob", "refused")


def _reads(key: str, *, name: str = "bucket-config") -> list[dict]:
    return [{"name": "run", "image": "registry.example/reduce:7",
             "env": [{"name": "OUT", "valueFrom": {"configMapKeyRef": {"name": name, "key": key}}},
                     {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "other-config", "key": key}}}]}]


def test_a_reference_to_a_renamed_key_is_pointed_at_it_only_while_the_key_is_gone(mcp, api, lab, audit_path):
    """set_key_reference re-points exactly the references to that object's key (another object's key of the same name
    stays), in a CronJob's job template (one run started from the fixed template) and a bare Job (re-created under its
    name); refused when the object still holds the old key, lacks the new one, or the template does not read it."""
    core, batch = client.CoreV1Api(api), client.BatchV1Api(api)
    core.create_namespaced_config_map("shop", {"metadata": {"name": "bucket-config"}, "data": {"OUTPUT_BUCKET": "s3://out"}})
    template = {"spec": {"restartPolicy": "Never", "containers": _reads("REDUCTION_OUTPUT_BUCKET")}}
    batch.create_namespaced_cron_job("shop", {"metadata": {"name": "reduce-nightly"}, "spec": {
        "schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": template}}}})
    target = {"namespace": "shop", "kind": "CronJob", "name": "reduce-nightly", "source_kind": "ConfigMap",
              "source_name": "bucket-config", **REASON}

    missing = mcp.call("set_key_reference", {**target, "key": "REDUCTION_OUTPUT_BUCKET", "renamed_to": "BUCKET"})
    assert missing.is_error and "holds no key 'BUCKET'" in missing.text, missing.text
    unread = mcp.call("set_key_reference", {**target, "key": "INPUT_BUCKET", "renamed_to": "OUTPUT_BUCKET"})
    assert unread.is_error and "has no reference to key 'INPUT_BUCKET'" in unread.text, unread.text
    assert last_audit(audit_path) == ("set_key_reference", "refused")

    done = mcp.call("set_key_reference", {**target, "key": "REDUCTION_OUTPUT_BUCKET", "renamed_to": "OUTPUT_BUCKET",
                                          "run_now": True})
    assert not done.is_error and "started reduce-nightly-fix-" in done.text, done.text
    env = batch.read_namespaced_cron_job("reduce-nightly", "shop").spec.job_template.spec.template.spec.containers[0].env
    assert [(e.value_from.config_map_key_ref.name, e.value_from.config_map_key_ref.key) for e in env] == [
        ("bucket-config", "OUTPUT_BUCKET"), ("other-config", "REDUCTION_OUTPUT_BUCKET")]
    assert last_audit(audit_path) == ("set_key_reference", "applied")

    batch.create_namespaced_job("shop", {"metadata": {"name": "reduce-once"}, "spec": {"template": template}})
    rerun = mcp.call("set_key_reference", {**target, "kind": "Job", "name": "reduce-once", "key": "REDUCTION_OUTPUT_BUCKET",
                                           "renamed_to": "OUTPUT_BUCKET"})
    assert not rerun.is_error and "re-created Job reduce-once" in rerun.text, rerun.text
    job = batch.read_namespaced_job("reduce-once", "shop")
    assert job.spec.template.spec.containers[0].env[0].value_from.config_map_key_ref.key == "OUTPUT_BUCKET"

    core.patch_namespaced_config_map("bucket-config", "shop", {"data": {"REDUCTION_OUTPUT_BUCKET": "s3://out"}})
    resolved = mcp.call("set_key_reference", {**target, "key": "REDUCTION_OUTPUT_BUCKET", "renamed_to": "OUTPUT_BUCKET"})
    assert resolved.is_error and "still holds 'REDUCTION_OUTPUT_BUCKET'" in resolved.text, resolved.text
