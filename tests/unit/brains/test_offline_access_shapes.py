"""Faults of access and room read by the offline Kubernetes specialist: a Secret rotated under running pods
(brains/offline/credentials.py), a registry that refuses a pull (pull_auth.py), a full volume (volumes.py), a
liveness probe that gives up waiting (pods.py) -- and the fixes sized from them (graph/access_fixes.py)."""

from __future__ import annotations

import pytest

from sre_agent.brains.offline.credentials import REFUSED, last_written, secrets_read_into_env
from sre_agent.brains.offline.probes import probe_text, probed_container, timed_out_probe
from sre_agent.brains.offline.pull_auth import REFUSED_PULL, _covers, registry_of
from sre_agent.brains.offline.volumes import NO_SPACE, claims_of
from sre_agent.contracts import Finding
from sre_agent.graph.access_fixes import probe_timeout_fixes, pull_secret_fixes, volume_full_fixes


@pytest.mark.parametrize("line, refused", [
    ('FATAL: password authentication failed for user "ledger" (SQLSTATE 28P01)', True),
    ("upstream returned 401 Unauthorized", True),
    ("auth rejected: invalid api token", True),
    ("token expired", True),
    ("connection refused", False),  # a dependency that is down, not one that refuses the credential
    ("GET /healthz 200 4ms", False),
])
def test_a_refused_login_in_any_of_its_usual_wordings(line, refused):
    assert bool(REFUSED.search(line)) is refused


def test_the_secrets_read_into_env_and_when_an_object_was_last_written():
    spec = {"containers": [{"name": "app", "env": [{"name": "A", "value": "x"},
                                                   {"name": "DB", "valueFrom": {"secretKeyRef": {"name": "db", "key": "url"}}}],
                            "envFrom": [{"secretRef": {"name": "tokens"}}, {"configMapRef": {"name": "cfg"}}]},
                           {"name": "proxy", "env": [{"name": "T", "valueFrom": {"secretKeyRef": {"name": "tokens", "key": "t"}}}]}]}
    assert secrets_read_into_env(spec) == {"db": "app", "tokens": "app"}
    assert last_written({"metadata": {"managedFields": [{"time": "2026-11-25T09:00:00Z"}, {"time": "2026-11-25T10:00:00Z"}]}}) \
        == "2026-11-25T10:00:00Z"
    assert last_written({"metadata": {}}) is None


@pytest.mark.parametrize("image, registry", [
    ("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:1.2", "123456789012.dkr.ecr.eu-west-1.amazonaws.com"),
    ("registry.local:5000/app:1", "registry.local:5000"),
    ("nginx:1.27", "docker.io"), ("library/nginx:1.27", "docker.io"),
])
def test_the_registry_an_image_is_pulled_from(image, registry):
    assert registry_of(image) == registry


@pytest.mark.parametrize("key, registry, covers", [
    ("https://123.dkr.ecr.eu-west-1.amazonaws.com", "123.dkr.ecr.eu-west-1.amazonaws.com", True),
    ("*.dkr.ecr.eu-west-1.amazonaws.com", "123.dkr.ecr.eu-west-1.amazonaws.com", True),
    ("ghcr.io", "123.dkr.ecr.eu-west-1.amazonaws.com", False),
    ("https://index.docker.io/v1/", "docker.io", True),
])
def test_a_pull_secret_covers_a_registry_by_its_auths_key(key, registry, covers):
    assert _covers(key, registry) is covers


@pytest.mark.parametrize("message, refused", [
    ("pull access denied, repository does not exist or may require authorization: authorization failed: "
     "no basic auth credentials", True),
    ("unexpected status from HEAD request to https://r/v2/a/manifests/1: 401 Unauthorized", True),
    ('failed to resolve reference "r/app:9.9": r/app:9.9: not found', False),  # a tag never pushed: bad_image
])
def test_a_pull_refused_for_credentials_is_told_from_a_missing_tag(message, refused):
    assert bool(REFUSED_PULL.search(message)) is refused


def test_the_claims_a_workload_mounts_by_path():
    spec = {"template": {"spec": {"containers": [{"name": "db", "volumeMounts": [
        {"name": "data", "mountPath": "/var/lib/postgresql/data"}, {"name": "scratch", "mountPath": "/tmp"}]}],
        "volumes": [{"name": "scratch", "persistentVolumeClaim": {"claimName": "scratch-claim"}}]}},
        "volumeClaimTemplates": [{"metadata": {"name": "data"}}]}
    assert claims_of("ledger-db", "StatefulSet", spec) == {"/var/lib/postgresql/data": ("data-ledger-db-", "db"),
                                                            "/tmp": ("scratch-claim", "db")}
    assert NO_SPACE.search("could not extend file \"base/16384/2619\": No space left on device")


POD = {"containers": [{"name": "search", "ports": [{"name": "http", "containerPort": 8080}],
                       "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "timeoutSeconds": 1}}]}


@pytest.mark.parametrize("message, details", [
    ('Liveness probe failed: Get "http://10.0.1.5:8080/healthz": context deadline exceeded (Client.Timeout exceeded '
     'while awaiting headers)', {"timed_out": True, "probe_container": "search", "timeout_seconds": 1}),
    ("Liveness probe failed: HTTP probe failed with statuscode: 404", {}),  # answered, wrongly: not a timeout
])
def test_a_liveness_probe_that_gave_up_waiting_names_its_container(message, details):
    assert timed_out_probe(POD, message) == details


def _finding(resource: str, signal: str, **details) -> Finding:
    return Finding(agent="kubernetes", resource=resource, signal=signal, summary="s", details=details, evidence=["ev-1"])


def test_a_timed_out_probe_gets_time_a_refused_pull_its_secret_a_full_claim_room():
    w = "shop/Deployment/search"
    probe = probe_timeout_fixes([_finding(w, "LivenessProbeFailing", probe_container="search", timeout_seconds=1)], w)
    assert probe[0].commands == ["kubectl -n shop patch deployment search -p '{\"spec\": {\"template\": {\"spec\": "
                                 "{\"containers\": [{\"name\": \"search\", \"livenessProbe\": {\"timeoutSeconds\": 10}}]}}}}'"]
    r = "shop/Deployment/recs"
    one = pull_secret_fixes([_finding(r, "PullCredentialsMissing", registry="r.io", candidates=["ecr-pull"],
                                      pull_secrets=[], missing_secrets=[])], r)
    assert one[0].commands == ["kubectl -n shop patch deployment recs -p '{\"spec\": {\"template\": {\"spec\": "
                               "{\"imagePullSecrets\": [{\"name\": \"ecr-pull\"}]}}}}'"] and not one[0].needs
    none = pull_secret_fixes([_finding(r, "PullCredentialsMissing", registry="r.io", candidates=[], pull_secrets=[],
                                       missing_secrets=[])], r)
    assert none[0].commands[0].startswith("kubectl -n shop create secret docker-registry <pull-secret-name> "
                                          "--docker-server=r.io") and "password" in none[0].needs
    # the pods present a credential for that very registry and it is refused: the fix is what that Secret holds
    stale = pull_secret_fixes([_finding(r, "PullCredentialsMissing", registry="r.io", candidates=[], pull_secrets=["r-pull"],
                                        missing_secrets=[], covering=["r-pull"])], r)
    assert stale[0].commands == ["kubectl -n shop create secret docker-registry r-pull --docker-server=r.io "
                                 "--docker-username=<registry-user> --docker-password=<registry-password> "
                                 "--dry-run=client -o yaml | kubectl -n shop apply -f -"]
    assert "put the registry's current credentials in r-pull" in stale[0].summary
    c = "payments/PersistentVolumeClaim/data-ledger-db-0"
    grown = volume_full_fixes([_finding(c, "VolumeFull", capacity="20Gi", expandable=True, storage_class="gp3")], c)
    assert grown[0].commands[0] == ("kubectl -n payments patch pvc data-ledger-db-0 -p "
                                    "'{\"spec\": {\"resources\": {\"requests\": {\"storage\": \"40Gi\"}}}}'")
    fixed = volume_full_fixes([_finding(c, "VolumeFull", capacity="20Gi", expandable=False, mount="/data")], c)
    assert fixed[0].needs and "du -sh /data/*" in fixed[0].commands[0]


TWO = {"containers": [
    {"name": "api", "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "initialDelaySeconds": 40},
     "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}, "timeoutSeconds": 1}},
    {"name": "backup-agent", "livenessProbe": {"exec": {"command": ["backup-agent-health"]}, "periodSeconds": 20}}]}


@pytest.mark.parametrize("which, message, said", [
    ("livenessProbe", 'Liveness probe failed: Get "http://10.0.1.5:8080/healthz": dial tcp 10.0.1.5:8080: connect: '
     "connection refused", "container api's liveness probe: httpGet :8080/healthz, initialDelaySeconds 40"),
    ("livenessProbe", 'Liveness probe failed: OCI runtime exec failed: exec: "backup-agent-health": executable file not '
     "found in $PATH", "container backup-agent's liveness probe: exec backup-agent-health, periodSeconds 20"),
    ("readinessProbe", "Readiness probe failed: HTTP probe failed with statuscode: 404",
     "container api's readiness probe: httpGet :8080/ready, timeoutSeconds 1"),  # the only readiness probe
    ("livenessProbe", "Liveness probe failed: HTTP probe failed with statuscode: 500", None),  # two: cannot tell which
])
def test_the_failing_probe_is_said_with_its_numbers(which, message, said):
    container = probed_container(TWO, which, message)
    assert (probe_text(container, which) if container else None) == said


def test_a_statefulset_member_that_says_no_space_is_the_one_whose_claim_is_full():
    import asyncio

    from sre_agent.brains.offline.volumes import full_volumes

    class Calls:
        def __init__(self) -> None:
            self.found: list[tuple[str, str]] = []

        async def __call__(self, tool, **args):
            if tool == "pod_logs":
                full = args["name"] == "reefer-1"
                return {"lines": ["INFO ok", *(["write /var/lib/reefer: No space left on device"] if full else [])]}, "ev-1"
            if tool == "get_resources":
                return {"items": [{"name": f"data-reefer-{i}", "capacity": "20Gi", "storageClass": "gp3"} for i in range(3)]}, "ev-2"
            return {"object": {"allowVolumeExpansion": True}}, "ev-3"

        def find(self, resource, signal, summary, evidence, **details):
            self.found.append((resource, signal))

    spec = {"template": {"spec": {"containers": [{"name": "p", "volumeMounts": [{"name": "data", "mountPath": "/var/lib/reefer"}]}]}},
            "volumeClaimTemplates": [{"metadata": {"name": "data"}}]}
    calls = Calls()
    asyncio.run(full_volumes("cc/StatefulSet/reefer", "cc", "StatefulSet", "reefer", spec,
                             ["reefer-0", "reefer-1", "reefer-2"], calls))  # type: ignore[arg-type]
    assert calls.found == [("cc/PersistentVolumeClaim/data-reefer-1", "VolumeFull")]  # not member 0's, nor 2's
