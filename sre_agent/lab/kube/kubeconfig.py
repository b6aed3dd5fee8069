"""A kubeconfig for the lab's API server, so every Kubernetes client (the official Python
client, the Kubernetes MCP server, kubectl) reaches the lab the way it reaches any cluster."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import yaml

# Any token but an EKS one is the lab's admin (authn.py); one is still written because clients expect a user.
LAB_TOKEN = "sre-lab-token"


def write_kubeconfig(path: str | os.PathLike[str], server_url: str, context: str = "sre-lab",
                     namespace: str = "default", token: str = LAB_TOKEN, ca_pem: bytes | None = None) -> Path:
    """Write a single-context kubeconfig pointing at `server_url` and return its path.

    The file is created with mode 0600 (kubectl warns about group/world-readable configs)."""
    return write_contexts(path, [(context, server_url)], namespace=namespace, token=token, ca_pem=ca_pem)


def write_contexts(path: str | os.PathLike[str], servers: list[tuple[str, str]], *, namespace: str = "default",
                   token: str = LAB_TOKEN, ca_pem: bytes | None = None) -> Path:
    """Write a kubeconfig with one context (and cluster and user) per (context name, server URL), the first one
    current -- a multi-cluster lab's, as a kubeconfig that names several clusters looks. `ca_pem`: the CA an
    https:// server's certificate is checked against (tls.py)."""
    for _, server_url in servers:
        if not server_url.startswith(("http://", "https://")):
            raise ValueError(f"server_url {server_url!r} must be an http:// or https:// URL, e.g. KubeApiServer.url")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": context, "cluster": {"server": url, **_ca(url, ca_pem)}} for context, url in servers],
        "users": [{"name": f"{context}-admin", "user": {"token": token}} for context, _ in servers],
        "contexts": [{"name": context, "context": {"cluster": context, "user": f"{context}-admin", "namespace": namespace}}
                     for context, _ in servers],
        "current-context": servers[0][0],
    }
    write_private(target, yaml.safe_dump(config, sort_keys=False))
    return target


def write_private(path: Path, content: str | bytes) -> None:
    """A file only its owner may read (a kubeconfig, credentials, a key): created 0600, and made 0600 when it existed
    (O_CREAT's mode does not apply to an existing file)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content.encode() if isinstance(content, str) else content)
    os.chmod(path, 0o600)


def _ca(url: str, ca_pem: bytes | None) -> dict[str, str]:
    return {"certificate-authority-data": base64.b64encode(ca_pem).decode()} if ca_pem and url.startswith("https://") else {}
