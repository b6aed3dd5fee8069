"""Kubernetes analyzers: k8sgpt's pkg/analyzer ported to Python, one module per kind, behind the
tiny interface in base.py. Importing the package registers the built-in analyzers below.

    from mcp_servers.kubernetes.analyzers import ClusterView, kinds_to_fetch, run_analyzers

    wanted = kinds_to_fetch(kinds)                 # list these kinds with the kubernetes client
    view = ClusterView({kind: items_as_api_json})  # e.g. ApiClient().sanitize_for_serialization
    findings = run_analyzers(view, kinds, namespace)
"""

from .base import (
    Analyzer,
    Finding,
    Severity,
    kinds_to_fetch,
    register,
    registered_analyzers,
    run_analyzers,
)
from .configmap import ConfigMapAnalyzer
from .cronjob import CronJobAnalyzer
from .daemonset import DaemonSetAnalyzer
from .deployment import DeploymentAnalyzer
from .hpa import HorizontalPodAutoscalerAnalyzer
from .ingress import IngressAnalyzer
from .job import JobAnalyzer
from .netpol import NetworkPolicyAnalyzer
from .node import NodeAnalyzer
from .pdb import PodDisruptionBudgetAnalyzer
from .pod import PodAnalyzer
from .pvc import PersistentVolumeClaimAnalyzer
from .replicaset import ReplicaSetAnalyzer
from .resourcequota import ResourceQuotaAnalyzer
from .service import ServiceAnalyzer
from .statefulset import StatefulSetAnalyzer
from .view import ClusterView

BUILTIN_ANALYZERS: tuple[Analyzer, ...] = (
    PodAnalyzer(),
    DeploymentAnalyzer(),
    ReplicaSetAnalyzer(),
    StatefulSetAnalyzer(),
    DaemonSetAnalyzer(),
    JobAnalyzer(),
    CronJobAnalyzer(),
    ServiceAnalyzer(),
    IngressAnalyzer(),
    PersistentVolumeClaimAnalyzer(),
    NodeAnalyzer(),
    HorizontalPodAutoscalerAnalyzer(),
    PodDisruptionBudgetAnalyzer(),
    NetworkPolicyAnalyzer(),
    ConfigMapAnalyzer(),
    ResourceQuotaAnalyzer(),
)

for _analyzer in BUILTIN_ANALYZERS:
    register(_analyzer)

__all__ = [
    "BUILTIN_ANALYZERS",
    "Analyzer",
    "ClusterView",
    "Finding",
    "Severity",
    "kinds_to_fetch",
    "register",
    "registered_analyzers",
    "run_analyzers",
]
