"""What a listing row says of an object's last change and its containers: a ConfigMap's or Secret's last write (the
newest managedFields time, else its creation) and a workload's container names (kubectl get -o wide's CONTAINERS)."""

from mcp_servers.kubernetes.summaries import last_written, summarize


def test_the_last_write_is_the_newest_managed_fields_time_else_the_creation():
    meta = {"creationTimestamp": "2026-11-25T10:00:00Z", "managedFields": [
        {"manager": "kubectl", "time": "2026-11-25T12:00:00Z"}, {"manager": "helm", "time": "2026-11-25T11:00:00Z"}]}
    assert last_written(meta) == "2026-11-25T12:00:00Z"
    assert last_written({"creationTimestamp": "2026-11-25T10:00:00Z"}) == "2026-11-25T10:00:00Z"
    assert last_written({}) is None


def test_config_rows_carry_their_last_write_and_secret_rows_no_values():
    cm = summarize("ConfigMap", {"metadata": {"name": "c", "namespace": "n", "creationTimestamp": "2026-11-25T10:00:00Z"},
                                 "data": {"K": "v"}})
    assert cm == {"name": "c", "namespace": "n", "keys": ["K"], "written": "2026-11-25T10:00:00Z"}
    secret = summarize("Secret", {"metadata": {"name": "s", "namespace": "n"}, "type": "Opaque", "data": {"p": "c2VjcmV0"}})
    assert secret["keys"] == ["p"] and "c2VjcmV0" not in str(secret)


def test_workload_rows_name_their_containers():
    row = summarize("Deployment", {"metadata": {"name": "reservations", "namespace": "booking"}, "spec": {
        "replicas": 2, "template": {"spec": {"containers": [{"name": "app", "image": "a:1"}, {"name": "envoy", "image": "e:1"}]}}},
        "status": {"readyReplicas": 1}})
    assert row["containers"] == ["app", "envoy"]


def test_volume_rows_say_their_zone_and_claim_rows_their_volume():
    pv = summarize("PersistentVolume", {"metadata": {"name": "pvc-1"}, "spec": {
        "capacity": {"storage": "20Gi"}, "storageClassName": "gp3", "claimRef": {"namespace": "l", "name": "data-redis-0"},
        "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["us-east-1c"]}]}]}}},
        "status": {"phase": "Bound"}})
    assert (pv["zones"], pv["claim"], pv["capacity"]) == (["us-east-1c"], "l/data-redis-0", "20Gi")
    claim = summarize("PersistentVolumeClaim", {"metadata": {"name": "data-redis-0", "namespace": "l"},
                                                "spec": {"volumeName": "pvc-1"}, "status": {"phase": "Bound"}})
    assert claim["volume"] == "pvc-1"


def test_hpa_rows_say_what_each_metric_reads_now():
    row = summarize("HorizontalPodAutoscaler", {"metadata": {"name": "api", "namespace": "n"}, "spec": {
        "scaleTargetRef": {"kind": "Deployment", "name": "api"}, "maxReplicas": 10, "metrics": [
            {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]},
        "status": {"currentReplicas": 3, "currentMetrics": [{"type": "Resource", "resource": {
            "name": "cpu", "current": {"averageUtilization": 45, "averageValue": "300m"}}}]}})
    assert (row["metrics"], row["metrics_now"]) == (["cpu 70%"], ["cpu 45%"])


def test_job_rows_carry_kubectls_status_column():
    def job(conditions, active=0):
        return summarize("Job", {"metadata": {"name": "j", "namespace": "n"}, "spec": {},
                                 "status": {"active": active, "conditions": conditions}})["status"]

    assert job([], active=1) == "Running"
    assert job([{"type": "Complete", "status": "True"}]) == "Complete"
    assert job([{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]) == "Failed"
    assert job([{"type": "Suspended", "status": "True"}]) == "Suspended"
    assert job([{"type": "Failed", "status": "False"}], active=1) == "Running"
