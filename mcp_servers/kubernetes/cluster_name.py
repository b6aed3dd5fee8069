"""Which cluster a Kubernetes MCP server is bound to: the name a write's `expect_cluster` must match.

    --cluster-name NAME (SRE_MCP_CLUSTER_NAME)      NAME, whatever the kubeconfig says
    --eks-cluster NAME (no kubeconfig is read)      NAME (server.py)
    a kubeconfig                                    the chosen context's `cluster` entry (the context given by
                                                    --context, else current-context); an EKS entry named by its
                                                    ARN (what `aws eks update-kubeconfig` writes) gives its name:
                                                    arn:aws:eks:eu-west-1:111122223333:cluster/prod -> prod
    in-cluster configuration                        no name: every write pinned to a cluster is refused

The kubeconfig is read with the official client's own loader and default (--kubeconfig, else
$KUBECONFIG, else ~/.kube/config), as KubeClient reads it, so the name is that of the cluster the
server's requests go to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from kubernetes import config

# arn:<partition>:eks:<region>:<account>:cluster/<name> (partitions: aws, aws-cn, aws-us-gov, ...)
EKS_ARN = re.compile(r"^arn:aws[a-z-]*:eks:[a-z0-9-]+:\d{12}:cluster/(?P<name>[^/\s]+)$")


@dataclass(frozen=True)
class ClusterBinding:
    """Where the server points, as far as it can tell; nothing here is a credential."""

    name: str | None = None  # compared with a write's expect_cluster; None: no pinned write is accepted
    name_from: Literal["--cluster-name", "--eks-cluster", "kubeconfig", "none"] = "none"
    context: str | None = None  # the kubeconfig context in use; None in-cluster or with --eks-cluster (no kubeconfig)
    kubeconfig_cluster: str | None = None  # that context's cluster entry as written (an EKS ARN, say)
    in_cluster: bool = False


def eks_cluster_name(entry: str) -> str:
    """A kubeconfig cluster entry's name: an EKS cluster ARN's `<name>` tail, any other entry as written."""
    match = EKS_ARN.match(entry)
    return match.group("name") if match else entry


def kubeconfig_context(kubeconfig: str | None, context: str | None) -> tuple[str, str | None]:
    """The context the client chooses (`context`, else current-context) and its cluster entry."""
    contexts, current = config.list_kube_config_contexts(config_file=kubeconfig)
    chosen = current if context is None else next((c for c in contexts if c.get("name") == context), None)
    if not chosen:
        raise config.ConfigException(f"no context {context!r} in the kubeconfig" if context else "no current-context")
    return chosen["name"], (chosen.get("context") or {}).get("cluster") or None


def resolve_cluster(flag: str | None, kubeconfig: str | None, context: str | None, in_cluster: bool) -> ClusterBinding:
    """The server's binding: --cluster-name when given, else the kubeconfig's (see the module docstring).
    `in_cluster` says the client fell back to the pod's service account (KubeClient.in_cluster)."""
    named = (flag or "").strip() or None
    if in_cluster:
        return ClusterBinding(name=named, name_from="--cluster-name" if named else "none", in_cluster=True)
    chosen, entry = kubeconfig_context(kubeconfig, context)
    if named:
        return ClusterBinding(name=named, name_from="--cluster-name", context=chosen, kubeconfig_cluster=entry)
    name = eks_cluster_name(entry) if entry else None
    return ClusterBinding(name=name, name_from="kubeconfig" if name else "none", context=chosen, kubeconfig_cluster=entry)
