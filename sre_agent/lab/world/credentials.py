"""Credentials between workloads: whether a server accepts the password a client presents.

A client presents what its dependency's `credential_env` held when its container started (env from a
Secret is read at container start, as in Kubernetes: a Secret that changes later leaves running pods on the
old value). A server accepts what its image's `accepts_credentials` name -- its own env var as its container
read it, or a Secret key as it is now. A client holding a value the server no longer accepts fails every
call to it (the traffic model counts them as errors, its logs print `auth_failed`, the server's
`auth_rejected`); a pod restarted after the rotation reads the new value and recovers."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlparse

from .container_plan import ContainerPlan
from .images import Dependency, ResolvedImage

# (user or None for any user, password)
Accepted = list[tuple[str | None, str]]


@dataclass(frozen=True)
class Presented:
    user: str
    password: str


def presented(image: ResolvedImage, env: dict[str, str], dep: Dependency) -> Presented | None:
    """What the client logs in with, or None when the dependency declares no credential (or it is unset)."""
    if dep.credential_env is None or dep.credential_env not in env:
        return None
    value = env[dep.credential_env]
    parsed = urlparse(value) if "://" in value else None
    default_user = image.repository.rsplit("/", 1)[-1]
    if parsed is not None and (parsed.username or parsed.password):
        return Presented(dep.credential_user or parsed.username or default_user, parsed.password or "")
    return Presented(dep.credential_user or default_user, value)


def secret_value(secret: dict | None, key: str) -> str | None:
    """A Secret key's decoded value (stringData wins, as the API server folds it), or None."""
    if secret is None:
        return None
    if key in (secret.get("stringData") or {}):
        return str(secret["stringData"][key])
    raw = (secret.get("data") or {}).get(key)
    if raw is None:
        return None
    try:
        return base64.b64decode(raw).decode(errors="replace")
    except (binascii.Error, ValueError):
        return None


def accepted(image: ResolvedImage, env: dict[str, str], secret: Callable[[str], dict | None]) -> Accepted | None:
    """The (user, password) pairs a server accepts now, or None when it checks none (or none can be read)."""
    pairs: Accepted = []
    for entry in image.accepts_credentials:
        value = env.get(entry.env) if entry.env else secret_value(secret(entry.secret or ""), entry.key or "")
        if value is not None:
            pairs.append((entry.user, value))
    return pairs or None


def refused(credential: Presented | None, pairs: Accepted | None) -> bool:
    """The server turns the client away: it checks this user and none of its passwords match."""
    if credential is None or pairs is None:
        return False
    for_user = [password for user, password in pairs if user is None or user == credential.user]
    return bool(for_user) and credential.password not in for_user


@dataclass(frozen=True)
class Refusal:
    """One of a client pod's dependencies turning its credential away."""

    target: str  # "namespace/service"
    dep: Dependency
    user: str


def _secrets_in(table: dict[tuple[str, str], dict], namespace: str) -> Callable[[str], dict | None]:
    return lambda name: table.get((namespace, name))


def accepted_by_service(profiles: dict[str, ContainerPlan], secrets: Callable[[], dict[tuple[str, str], dict]]
                        ) -> dict[str, Accepted]:
    """What each service (by the plan of one of its ready pods) accepts; Secrets are read only when a
    server checks credentials (most worlds have none)."""
    found: dict[str, Accepted] = {}
    table: dict[tuple[str, str], dict] | None = None
    for key, plan in profiles.items():
        image = plan.image
        if image is None or not image.accepts_credentials:
            continue
        table = secrets() if table is None else table
        pairs = accepted(image, plan.env, _secrets_in(table, key.split("/")[0]))
        if pairs is not None:
            found[key] = pairs
    return found


def pod_refusals(plan: ContainerPlan | None, namespace: str, by_service: dict[str, Accepted],
                 target_of: Callable[[str, str], str | None]) -> list[Refusal]:
    """The dependencies that refuse this pod's credentials (its first container's env, read at its start);
    `target_of(url, namespace)` is the "namespace/service" a URL names."""
    if plan is None or plan.image is None or not by_service:
        return []
    found = []
    for dep in plan.image.depends_on:
        target = target_of(plan.env.get(dep.env, ""), namespace)
        credential = presented(plan.image, plan.env, dep)
        if credential is not None and target in by_service and refused(credential, by_service[target]):
            found.append(Refusal(target, dep, credential.user))
    return found
