"""Which cluster a run acts on, as kubectl would pick it: the kubeconfig (--kubeconfig, KUBECONFIG,
~/.kube/config), the context (--context, else current-context), and that context's API server URL.

The action ledger is shared by every run on a state dir or a database, and resource ids
(shop/Deployment/checkout) repeat from cluster to cluster: two clusters with a broken `checkout`
are two faults, not one. The ledger's keys are scoped by this identity."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from .options import RunOptions


def _flag(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args[:-1] else None


def cluster_identity(options: RunOptions, environ: dict[str, str] | None = None) -> str:
    """`https://api.example:6443` (the context's server), `in-cluster:<host>` inside a pod, or
    `unknown` when no kubeconfig can be read (the servers will say why; the ledger still works)."""
    env = {**(environ if environ is not None else os.environ), **options.env}
    args = options.server_args.get("kubernetes", [])
    path = _flag(args, "--kubeconfig") or (env.get("KUBECONFIG") or "").split(os.pathsep)[0] or str(Path.home() / ".kube/config")
    try:
        config = yaml.safe_load(Path(path).expanduser().read_text()) or {}
    except (OSError, yaml.YAMLError):
        host = env.get("KUBERNETES_SERVICE_HOST")
        return f"in-cluster:{host}" if host else "unknown"
    wanted = _flag(args, "--context") or config.get("current-context")
    context = next((c.get("context") or {} for c in config.get("contexts") or [] if c.get("name") == wanted), {})
    cluster = next((c.get("cluster") or {} for c in config.get("clusters") or [] if c.get("name") == context.get("cluster")), {})
    return str(cluster.get("server") or f"context:{wanted}")
