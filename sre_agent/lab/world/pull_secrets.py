"""Private registries: whether the kubelet can pull a `private` image with the pod's imagePullSecrets.

The kubelet builds a keyring from the Secrets the pod names in `spec.imagePullSecrets` -- only those of type
`kubernetes.io/dockerconfigjson` (key `.dockerconfigjson`, `{"auths": {...}}`) or `kubernetes.io/dockercfg`
(key `.dockercfg`) count -- and offers the registry the credentials whose `auths` key covers the image
(credentialprovider's keyring: scheme and a `/v1/` suffix dropped, the host matched label by label with `*`
globs, then the path as a prefix). A registry that refuses anonymous pulls answers containerd's resolver with
"no basic auth credentials" when nothing is offered, and 401 Unauthorized when what is offered is not accepted;
a Secret the pod names that does not exist is the kubelet's FailedToRetrieveImagePullSecret warning."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from .images import ResolvedImage, split_image_ref

DOCKER_HUB = "docker.io"
# The secret types the kubelet reads credentials from, and the data key each keeps them under.
PULL_SECRET_KEYS = {"kubernetes.io/dockerconfigjson": ".dockerconfigjson", "kubernetes.io/dockercfg": ".dockercfg"}


@dataclass(frozen=True)
class PullRefusal:
    """Why the registry refused the pull: the container's waiting message and the kubelet's Failed event."""

    waiting_message: str
    event_message: str


def registry_of(repository: str) -> tuple[str, str]:
    """'123.dkr.ecr.us-east-1.amazonaws.com/shop/api' -> (host, 'shop/api'); a name without a registry
    host is Docker Hub's, as the container runtime reads it."""
    first, _, rest = repository.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first, rest
    return DOCKER_HUB, repository if "/" in repository else f"library/{repository}"


def _key_covers(key: str, repository: str) -> bool:
    """An `auths` key covers the image's repository (the kubelet's keyring match)."""
    key = re.sub(r"^[a-z]+://", "", key.strip()).rstrip("/")
    key = re.sub(r"/v[12]$", "", key)
    key_host, _, key_path = key.partition("/")
    if key_host in ("index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"):
        key_host = DOCKER_HUB
    host, path = registry_of(repository)
    key_labels, host_labels = key_host.lower().split("."), host.lower().split(".")
    if len(key_labels) != len(host_labels) or not all(fnmatchcase(h, k) for k, h in zip(key_labels, host_labels)):
        return False
    return not key_path or path == key_path or path.startswith(key_path.rstrip("/") + "/")


def _decoded(value: str) -> str:
    try:
        return base64.b64decode(value, validate=False).decode(errors="replace")
    except (binascii.Error, ValueError):
        return ""


def _credentials(secret: dict) -> dict[str, dict]:
    """The `auths` a pull secret holds ({} for another type, or data that does not parse)."""
    key = PULL_SECRET_KEYS.get(secret.get("type") or "")
    if key is None:
        return {}
    raw = (secret.get("stringData") or {}).get(key) or _decoded((secret.get("data") or {}).get(key) or "")
    try:
        config = json.loads(raw)
    except (TypeError, ValueError):
        return {}
    auths = config.get("auths", {}) if key == ".dockerconfigjson" and isinstance(config, dict) else config
    return {k: v for k, v in auths.items() if isinstance(v, dict)} if isinstance(auths, dict) else {}


def _user_password(entry: dict) -> str:
    if entry.get("username") is not None or entry.get("password") is not None:
        return f"{entry.get('username') or ''}:{entry.get('password') or ''}"
    return _decoded(entry.get("auth") or "")


def missing_pull_secrets(pod_spec: dict, secret: Callable[[str], dict | None]) -> list[str]:
    """The names in imagePullSecrets no Secret in the pod's namespace has."""
    names = [ref.get("name") or "" for ref in pod_spec.get("imagePullSecrets") or []]
    return [name for name in names if secret(name) is None]


def pull_refusal(image_ref: str, image: ResolvedImage, pod_spec: dict,
                 secret: Callable[[str], dict | None]) -> PullRefusal | None:
    """Why pulling a private image fails with the pod's pull secrets, or None when it may be pulled."""
    if not image.private:
        return None
    offered = [_user_password(entry) for ref in pod_spec.get("imagePullSecrets") or []
               for found in [secret(ref.get("name") or "")] if found is not None
               for key, entry in _credentials(found).items() if _key_covers(key, image.repository)]
    repository, tag = split_image_ref(image_ref)
    host, path = registry_of(repository)
    prefix = f'failed to pull and unpack image "{image_ref}": failed to resolve reference "{image_ref}": '
    if not offered:
        cause = "pull access denied, repository does not exist or may require authorization: " \
                "authorization failed: no basic auth credentials"
    elif image.pull_credentials and not set(offered) & set(image.pull_credentials):
        cause = f"unexpected status from HEAD request to https://{host}/v2/{path}/manifests/{tag}: 401 Unauthorized"
    else:
        return None
    detail = f"rpc error: code = Unknown desc = {prefix}{cause}"
    return PullRefusal(waiting_message=detail, event_message=f'Failed to pull image "{image_ref}": {detail}')
