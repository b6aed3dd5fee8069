"""Secret rotation with consumers on the old value: env from a Secret is read at container start, so a client
pod keeps presenting the password it started with; a server that checks credentials (`accepts_credentials`)
turns away a password it no longer accepts -- the client's calls fail (errors in the traffic model), it logs
`auth_failed`, the server `auth_rejected` -- and a pod restarted after the rotation reads the new value."""

from __future__ import annotations

import pytest

from sre_agent.lab.world.credentials import Presented, accepted, presented, refused
from sre_agent.lab.world.images import ImageBehaviour
from tests.unit.lab.world_harness import TinyWorld

DB = {"repository": "example.com/db", "tags": {"1": {}}, "ports": [5432], "http_paths": [], "error_rate": 0.0,
      "accepts_credentials": [{"user": "api", "secret": "db-auth", "key": "password"}],
      "logs": {"auth_rejected": 'FATAL:  password authentication failed for user "{user}"'}}
DB_BY_ENV = {**DB, "repository": "example.com/db-env", "accepts_credentials": [{"env": "DB_PASSWORD"}]}
API = {"repository": "example.com/api", "tags": {"1": {}}, "ports": [8080], "error_rate": 0.0,
       "depends_on": [{"env": "DB_URL", "credential_env": "DB_URL"}],
       "logs": {"auth_failed": 'FATAL: password authentication failed for user "{user}" ({host}:{port})'}}
API_NEEDS_DB = {**API, "repository": "example.com/api-strict",
                "depends_on": [{"env": "DB_URL", "credential_env": "DB_URL", "readiness_requires": True}]}


def secret(password: str) -> dict:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db-auth", "namespace": "lab"},
            "stringData": {"password": password, "url": f"postgres://api:{password}@db.lab.svc.cluster.local:5432/app"}}


def deployment(name: str, image: str, replicas: int, env: list[dict], port: int, probe: bool = False) -> list[dict]:
    container = {"name": name, "image": image, "env": env, "ports": [{"containerPort": port}],
                 **({"readinessProbe": {"httpGet": {"path": "/ready", "port": port}}} if probe else {})}
    return [{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "lab"},
             "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                      "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [container]}}}},
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "lab"},
             "spec": {"selector": {"app": name}, "ports": [{"port": port, "targetPort": port}]}}]


FROM_SECRET = [{"name": "DB_URL", "valueFrom": {"secretKeyRef": {"name": "db-auth", "key": "url"}}},
               {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db-auth", "key": "password"}}}]


def world_with(db: dict, api: dict, probe: bool = False) -> TinyWorld:
    world = TinyWorld(images=[DB, DB_BY_ENV, API, API_NEEDS_DB])
    world.apply(secret("old-pw"))
    for manifest in [*deployment("db", f"{db['repository']}:1", 1, FROM_SECRET, 5432),
                     *deployment("api", f"{api['repository']}:1", 2, FROM_SECRET, 8080, probe)]:
        world.apply(manifest)
    world.world.external_traffic["lab/api"] = 10.0
    world.run(120)
    return world


def rotate(world: TinyWorld, password: str) -> None:
    world.patch_spec("Secret", "db-auth", lambda s: s.update({"data": {}, "stringData": secret(password)["stringData"]}))
    world.run(120)


def api_stats(world: TinyWorld):
    return world.world.traffic_model.services["lab/api"]


def lines(world: TinyWorld, app: str) -> list[str]:
    world.world.flush_logs()
    return [text for pod in world.list("Pod") if pod["metadata"]["name"].startswith(app)
            for rt in world.world.runtimes[pod["metadata"]["uid"]].containers for _, text in rt.log]


def restart_one(world: TinyWorld, app: str) -> None:
    pod = min((p for p in world.list("Pod") if p["metadata"]["name"].startswith(app + "-")),
              key=lambda p: p["metadata"]["creationTimestamp"])  # the oldest: it still holds what it started with
    world.world.delete_pod(pod)
    world.run(120)


def test_running_pods_keep_the_old_password_and_fail_until_restarted():
    world = world_with(DB, API)
    assert api_stats(world).error_rate == 0.0
    rotate(world, "new-pw")
    assert api_stats(world).error_rate == pytest.approx(1.0)
    assert world.world.traffic_model.services["lab/db"].rejected_users == ["api"]
    assert any('password authentication failed for user "api" (db.lab.svc.cluster.local:5432)' in line
               for line in lines(world, "api")), lines(world, "api")[-5:]
    assert any(line == 'FATAL:  password authentication failed for user "api"' for line in lines(world, "db"))
    restart_one(world, "api")  # one of two pods now holds the new password
    assert api_stats(world).error_rate == pytest.approx(0.5)
    restart_one(world, "api")
    assert api_stats(world).error_rate == 0.0
    assert world.world.traffic_model.services["lab/db"].rejected_users == []


def test_a_server_reading_its_password_from_env_accepts_the_old_one_until_it_restarts():
    world = world_with(DB_BY_ENV, API)
    rotate(world, "new-pw")
    assert api_stats(world).error_rate == 0.0  # both sides still hold old-pw
    restart_one(world, "db")
    assert api_stats(world).error_rate == pytest.approx(1.0)


def test_an_app_whose_readiness_needs_the_dependency_goes_unready_and_says_why():
    world = world_with(DB, API_NEEDS_DB, probe=True)
    assert api_stats(world).ready_pods == 2
    rotate(world, "new-pw")
    assert api_stats(world).ready_pods == 0
    assert any("Readiness probe failed: HTTP probe failed with statuscode: 503" in e["message"]
               for e in world.events("Unhealthy"))
    assert any('password authentication failed for user "api"' in line for line in lines(world, "api"))


@pytest.mark.parametrize(("value", "dep", "expected"), [
    ("postgres://ledger:pw@db:5432/x", {}, Presented("ledger", "pw")),
    ("plain-secret", {}, Presented("api", "plain-secret")),
    ("plain-secret", {"credential_user": "svc"}, Presented("svc", "plain-secret")),
])
def test_what_a_client_presents(value, dep, expected):
    image = ImageBehaviour.model_validate({**API, "depends_on": [{"env": "X", "credential_env": "X", **dep}]}).version("1")
    assert presented(image, {"X": value}, image.depends_on[0]) == expected


@pytest.mark.parametrize(("accepts", "credential", "is_refused"), [
    ([{"user": "api", "env": "P"}], Presented("api", "pw"), False),
    ([{"user": "api", "env": "P"}], Presented("api", "old"), True),
    ([{"user": "other", "env": "P"}], Presented("api", "old"), False),  # a user the server does not check
    ([{"env": "P"}], Presented("anyone", "old"), True),
    ([{"secret": "gone", "key": "k"}], Presented("api", "old"), False),  # nothing readable: unchecked
])
def test_what_a_server_refuses(accepts, credential, is_refused):
    image = ImageBehaviour.model_validate({**DB, "accepts_credentials": accepts}).version("1")
    assert refused(credential, accepted(image, {"P": "pw"}, lambda name: None)) is is_refused


def test_an_accepted_credential_names_one_source():
    with pytest.raises(ValueError, match="names `env`, or `secret` and `key`"):
        ImageBehaviour.model_validate({**DB, "accepts_credentials": [{"env": "P", "secret": "s", "key": "k"}]})
