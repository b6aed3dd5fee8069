"""The Kubernetes MCP server: kubectl-grade reads, k8sgpt-grade analysis, and gated writes.

    python -m mcp_servers.kubernetes                      # stdio, read-only
    python -m mcp_servers.kubernetes --allow-writes --namespaces shop,payments --audit-log audit.jsonl
    python -m mcp_servers.kubernetes --http --port 8081 --token "$TOKEN"
    python -m mcp_servers.kubernetes --eks-cluster prod --region eu-west-1   # an EKS cluster by name, no kubeconfig

Works against any cluster through a kubeconfig (KUBECONFIG, --kubeconfig) or in-cluster config, or an
Amazon EKS cluster by name and region (--eks-cluster: eks.py).
Every flag has an SRE_MCP_* environment variable (SRE_MCP_ALLOW_WRITES=true, ...); flags win."""

from __future__ import annotations

import gc

from mcp.server.fastmcp import FastMCP

from ..common.registry import list_only_read_tools
from ..common.safety import AuditLog, WritePolicy
from ..common.serve import policy_from_settings, serve_main
from ..common.settings import ServerSettings
from .cluster_name import ClusterBinding, resolve_cluster
from .kube import KubeClient
from .tools import KubeTools, register_all
from .tools.context import MAX_REPLICAS

DEFAULT_CALL_TIMEOUT_S = 15.0
INSTRUCTIONS = (
    "Read and diagnose a Kubernetes cluster: get_resources, describe, pod_logs, events, rollout_history, top, "
    "find_resource, search_text (the lines of objects and events that carry given words), ownership (owners, "
    "selected pods, dependents and dependencies of a workload), analyze (k8sgpt-style findings); cluster_info says "
    "which cluster this server is bound to. Writes (rollout_undo, "
    "rollout_restart, scale, set_image, set_resources, delete_pod, raise_quota, "
    "raise_hpa_max, set_service_selector, set_service_target_port, relax_probe, add_pull_secret, expand_claim, "
    "set_config_value, stop_cronjob_pileup, set_cronjob_image, resume_cronjob, cordon, uncordon, remove_node_taint) are gated by "
    "the server's own --allow-writes and --namespaces and support dry_run; each takes expect_cluster, the cluster "
    "the write was planned for, and is refused when this server is bound to another; "
    "without --allow-writes they are not listed.")


def build_server(kube: KubeClient, policy: WritePolicy, audit: AuditLog,
                 call_timeout: float = DEFAULT_CALL_TIMEOUT_S, max_replicas: int = MAX_REPLICAS,
                 cluster: ClusterBinding | None = None) -> FastMCP:
    mcp = FastMCP("sre-kubernetes", log_level="WARNING", instructions=INSTRUCTIONS)
    cluster = cluster or ClusterBinding()
    audit.fields["cluster"] = cluster.name  # every record names the cluster, null when the server has no name
    register_all(mcp, KubeTools(kube=kube, policy=policy, audit=audit, call_timeout=call_timeout,
                                max_replicas=max_replicas, cluster=cluster))
    if not policy.allow_writes:
        list_only_read_tools(mcp)
    return mcp


def build_from_settings(settings: ServerSettings) -> FastMCP:
    policy, audit = policy_from_settings(settings, "kubernetes")
    if settings.eks_cluster:  # no kubeconfig: the cluster is EKS's by name (exits with one line when it cannot be reached)
        from .eks import eks_kube_client

        cluster = ClusterBinding(name=settings.cluster_name or settings.eks_cluster,
                                 name_from="--cluster-name" if settings.cluster_name else "--eks-cluster")
        return build_server(eks_kube_client(settings), policy, audit,
                            call_timeout=settings.call_timeout or DEFAULT_CALL_TIMEOUT_S,
                            max_replicas=settings.max_replicas, cluster=cluster)
    try:
        kube = KubeClient(settings.kubeconfig, settings.context, request_timeout=settings.k8s_timeout)
        cluster = resolve_cluster(settings.cluster_name, settings.kubeconfig, settings.context, kube.in_cluster)
    except Exception as exc:  # no kubeconfig, bad context, not in a cluster
        raise SystemExit(f"error: cannot load Kubernetes configuration: {exc}. Set KUBECONFIG or pass --kubeconfig.") from None
    return build_server(kube, policy, audit, call_timeout=settings.call_timeout or DEFAULT_CALL_TIMEOUT_S,
                        max_replicas=settings.max_replicas, cluster=cluster)


def _serving(settings: ServerSettings) -> FastMCP:
    """The server, built. What start-up made (modules, models, tool schemas: ~160,000 objects, made with the
    collector off: __main__) lives as long as the process, so it is moved out of the collector's sight
    (gc.freeze): no later collection walks it, nor the one at exit (which took 0.15-0.2 s of every sweep's
    cluster, now 0.05). Then collection is turned on for what serving makes."""
    mcp = build_from_settings(settings)
    gc.freeze()
    gc.enable()
    return mcp


def main(argv: list[str] | None = None) -> None:
    serve_main("kubernetes", __doc__, argv, _serving)


if __name__ == "__main__":
    main()
