"""The Kubernetes MCP server: kubectl-grade reads, k8sgpt-grade analysis, and gated writes.

    python -m mcp_servers.kubernetes                      # stdio, read-only
    python -m mcp_servers.kubernetes --allow-writes --namespaces shop,payments --audit-log audit.jsonl
    python -m mcp_servers.kubernetes --http --port 8081 --token "$TOKEN"

Works against any cluster through a kubeconfig (KUBECONFIG, --kubeconfig) or in-cluster config.
Every flag has an SRE_MCP_* environment variable (SRE_MCP_ALLOW_WRITES=true, ...); flags win."""

from __future__ import annotations

from mcp.server.fastmcp import FastMCP

from ..common.registry import list_only_read_tools
from ..common.safety import AuditLog, WritePolicy
from ..common.serve import policy_from_settings, serve_main
from ..common.settings import ServerSettings
from .kube import KubeClient
from .tools import KubeTools, register_all
from .tools.context import MAX_REPLICAS

DEFAULT_CALL_TIMEOUT_S = 15.0
INSTRUCTIONS = (
    "Read and diagnose a Kubernetes cluster: get_resources, describe, pod_logs, events, rollout_history, top, "
    "find_resource, ownership (owners, selected pods, dependents and dependencies of a workload), analyze "
    "(k8sgpt-style findings). Writes (rollout_undo, rollout_restart, scale, set_image, set_resources, delete_pod, raise_quota, "
    "raise_hpa_max, set_service_selector, set_service_target_port, relax_probe, add_pull_secret, expand_claim, "
    "set_config_value, stop_cronjob_pileup, cordon, uncordon, remove_node_taint) are gated by "
    "the server's own --allow-writes and --namespaces and support dry_run; "
    "without --allow-writes they are not listed.")


def build_server(kube: KubeClient, policy: WritePolicy, audit: AuditLog,
                 call_timeout: float = DEFAULT_CALL_TIMEOUT_S, max_replicas: int = MAX_REPLICAS) -> FastMCP:
    mcp = FastMCP("sre-kubernetes", log_level="WARNING", instructions=INSTRUCTIONS)
    register_all(mcp, KubeTools(kube=kube, policy=policy, audit=audit, call_timeout=call_timeout,
                                max_replicas=max_replicas))
    if not policy.allow_writes:
        list_only_read_tools(mcp)
    return mcp


def build_from_settings(settings: ServerSettings) -> FastMCP:
    policy, audit = policy_from_settings(settings, "kubernetes")
    try:
        kube = KubeClient(settings.kubeconfig, settings.context, request_timeout=settings.k8s_timeout)
    except Exception as exc:  # no kubeconfig, bad context, not in a cluster
        raise SystemExit(f"error: cannot load Kubernetes configuration: {exc}. Set KUBECONFIG or pass --kubeconfig.") from None
    return build_server(kube, policy, audit, call_timeout=settings.call_timeout or DEFAULT_CALL_TIMEOUT_S,
                        max_replicas=settings.max_replicas)


def main(argv: list[str] | None = None) -> None:
    serve_main("kubernetes", __doc__, argv, build_from_settings)


if __name__ == "__main__":
    main()
