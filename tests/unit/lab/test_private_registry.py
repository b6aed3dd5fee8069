"""A private repository (`private: true`) is pulled only with an imagePullSecret whose auths cover its
registry: without one the kubelet reports ErrImagePull / ImagePullBackOff with containerd's "no basic auth
credentials", with credentials the registry does not accept "401 Unauthorized" -- never "not found". A node
that already holds the image does not ask the registry again (IfNotPresent), so dropping imagePullSecrets
breaks only the pods that must pull."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from sre_agent.lab.kube.printers import pod_summary
from sre_agent.lab.world.pull_secrets import registry_of
from tests.unit.lab.world_harness import TinyWorld

REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
REPO = f"{REGISTRY}/shop/api"
PRIVATE = {"repository": REPO, "private": True, "tags": {"1.0": {}, "1.1": {}}, "ports": [8080]}
STRICT = {**PRIVATE, "repository": f"{REGISTRY}/shop/strict", "pull_credentials": ["AWS:token-today"]}


def docker_secret(name: str, server: str, user: str = "AWS", password: str = "token-today",
                  kind: str = "kubernetes.io/dockerconfigjson") -> dict:
    entry = {"username": user, "password": password, "auth": base64.b64encode(f"{user}:{password}".encode()).decode()}
    key, body = (".dockerconfigjson", {"auths": {server: entry}}) if kind.endswith("json") else (".dockercfg", {server: entry})
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": "lab"}, "type": kind,
            "data": {key: base64.b64encode(json.dumps(body).encode()).decode()}}


def pod(image: str, secrets: list[str] | None, name: str = "p", policy: str | None = None) -> dict:
    container = {"name": "app", "image": image, **({"imagePullPolicy": policy} if policy else {})}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "lab"},
            "spec": {"containers": [container], "nodeName": "node-0",
                     **({"imagePullSecrets": [{"name": s} for s in secrets]} if secrets is not None else {})}}


OPAQUE = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "regcred", "namespace": "lab"}, "type": "Opaque",
          "stringData": {".dockerconfigjson": json.dumps({"auths": {REGISTRY: {"username": "AWS", "password": "x"}}})}}

CASES = [  # (id, image, secrets named, secret objects, expect running, words in the waiting message)
    ("no-pull-secret", f"{REPO}:1.0", None, [], False, "authorization failed: no basic auth credentials"),
    ("named-but-missing", f"{REPO}:1.0", ["regcred"], [], False, "no basic auth credentials"),
    ("opaque-secret-is-not-read", f"{REPO}:1.0", ["regcred"], [OPAQUE], False, "no basic auth credentials"),
    ("other-registry", f"{REPO}:1.0", ["regcred"], [docker_secret("regcred", "ghcr.io")], False, "no basic auth"),
    ("covering-secret", f"{REPO}:1.0", ["regcred"], [docker_secret("regcred", REGISTRY)], True, ""),
    ("https-key", f"{REPO}:1.0", ["regcred"], [docker_secret("regcred", f"https://{REGISTRY}/v1/")], True, ""),
    ("wildcard-host", f"{REPO}:1.0", ["regcred"], [docker_secret("regcred", "*.dkr.ecr.us-east-1.amazonaws.com")], True, ""),
    ("path-prefix-covers", f"{REPO}:1.0", ["regcred"], [docker_secret("regcred", f"{REGISTRY}/shop")], True, ""),
    ("path-prefix-elsewhere", f"{REPO}:1.0", ["regcred"], [docker_secret("regcred", f"{REGISTRY}/other")], False, "no basic"),
    ("legacy-dockercfg", f"{REPO}:1.0", ["regcred"], [docker_secret("regcred", REGISTRY, kind="kubernetes.io/dockercfg")],
     True, ""),
    ("stale-token", f"{REGISTRY}/shop/strict:1.0", ["regcred"], [docker_secret("regcred", REGISTRY, password="token-old")],
     False, "manifests/1.0: 401 Unauthorized"),
    ("accepted-token", f"{REGISTRY}/shop/strict:1.0", ["regcred"], [docker_secret("regcred", REGISTRY)], True, ""),
    ("public-image-needs-nothing", "ghcr.io/acme-shop/search:1.12.0", None, [], True, ""),
]


@pytest.mark.parametrize(("image", "named", "secrets", "running", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_pulling_a_private_image(image, named, secrets, running, words):
    world = TinyWorld(images=[PRIVATE, STRICT])
    for secret in secrets:
        world.apply(secret)
    world.apply(pod(image, named))
    world.run(5)
    status = world.get("Pod", "p")["status"]["containerStatuses"][0]
    if running:
        assert "running" in status["state"], status
        return
    waiting = status["state"]["waiting"]
    assert waiting["reason"] == "ErrImagePull" and words in waiting["message"] and "not found" not in waiting["message"]
    failed = [e["message"] for e in world.events("Failed")]
    assert any(m.startswith(f'Failed to pull image "{image}": rpc error') and words in m for m in failed), failed
    world.run(120)
    got = world.get("Pod", "p")
    assert pod_summary(got, datetime.now(UTC))[1] == "ImagePullBackOff"


def test_a_named_secret_that_does_not_exist_is_the_kubelets_warning():
    world = TinyWorld(images=[PRIVATE])
    world.apply(pod(f"{REPO}:1.0", ["regcred", "other"]))
    world.run(5)
    [event] = world.events("FailedToRetrieveImagePullSecret")
    assert event["type"] == "Warning"
    assert event["message"] == ("Unable to retrieve some image pull secrets (regcred, other); attempting to pull the "
                                "image may not succeed.")


def test_a_node_holding_the_image_does_not_ask_the_registry_unless_the_policy_is_always():
    """Dropping imagePullSecrets breaks only pods that must pull: a new tag, a new node, or pullPolicy Always."""
    world = TinyWorld(images=[PRIVATE])
    world.apply(docker_secret("regcred", REGISTRY))
    world.apply(pod(f"{REPO}:1.0", ["regcred"], name="old"))
    world.run(30)
    for name, image, policy, running in (("same-tag", f"{REPO}:1.0", None, True),
                                         ("always", f"{REPO}:1.0", "Always", False),
                                         ("new-tag", f"{REPO}:1.1", None, False)):
        world.apply(pod(image, None, name=name, policy=policy))
        world.run(5)
        state = world.get("Pod", name)["status"]["containerStatuses"][0]["state"]
        assert ("running" in state) is running, (name, state)
    assert "running" in world.get("Pod", "old")["status"]["containerStatuses"][0]["state"]


@pytest.mark.parametrize(("repository", "registry"), [
    (REPO, (REGISTRY, "shop/api")), ("docker.io/library/redis", ("docker.io", "library/redis")),
    ("redis", ("docker.io", "library/redis")), ("acme/api", ("docker.io", "acme/api")),
    ("localhost:5000/api", ("localhost:5000", "api")),
])
def test_the_registry_of_a_repository(repository, registry):
    assert registry_of(repository) == registry
