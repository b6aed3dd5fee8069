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


def _kubeconfig_cluster(options: RunOptions, environ: dict[str, str] | None) -> tuple[str, dict, str | None] | str:
    """(the context's cluster name, that cluster's entry, the context name), or -- no kubeconfig readable -- the
    in-cluster identity as a string."""
    env = {**(environ if environ is not None else os.environ), **options.env}
    path = (options.server_flag("kubernetes", "--kubeconfig") or (env.get("KUBECONFIG") or "").split(os.pathsep)[0]
            or str(Path.home() / ".kube/config"))
    try:
        config = yaml.safe_load(Path(path).expanduser().read_text()) or {}
    except (OSError, yaml.YAMLError):
        host = env.get("KUBERNETES_SERVICE_HOST")
        return f"in-cluster:{host}" if host else "unknown"
    wanted = options.server_flag("kubernetes", "--context") or config.get("current-context")
    context = next((c.get("context") or {} for c in config.get("contexts") or [] if c.get("name") == wanted), {})
    name = str(context.get("cluster") or "")
    cluster = next((c.get("cluster") or {} for c in config.get("clusters") or [] if c.get("name") == name), {})
    return name, cluster, wanted


def cluster_identity(options: RunOptions, environ: dict[str, str] | None = None) -> str:
    """`https://api.example:6443` (the context's server), `in-cluster:<host>` inside a pod, or
    `unknown` when no kubeconfig can be read (the servers will say why; the ledger still works); a configured
    cluster (the `clusters:` list) is `cluster:<name>` -- its name is what its plans are pinned to."""
    if options.cluster:
        return f"cluster:{options.cluster}"
    found = _kubeconfig_cluster(options, environ)
    if isinstance(found, str):
        return found
    _, cluster, wanted = found
    return str(cluster.get("server") or f"context:{wanted}")


def cluster_name(options: RunOptions, environ: dict[str, str] | None = None) -> str:
    """The cluster as people name it: the kubeconfig context's cluster name (`prod-eu`), stable where its API
    server's address is not (a lab on a new port, a rotated endpoint) -- what the incident memory is scoped by.
    A configured cluster (the `clusters:` list) is its configured name."""
    if options.cluster:
        return options.cluster
    found = _kubeconfig_cluster(options, environ)
    if isinstance(found, str):
        return found
    name, cluster, wanted = found
    return name or str(wanted or cluster.get("server") or "unknown")
