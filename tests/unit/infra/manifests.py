"""The deployment files as data, for the tests: every Kubernetes document under infra/kubernetes
(what `kubectl apply -k` would send, plus the opt-in ones), and the config file the ConfigMap carries."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
KUBERNETES_DIR = ROOT / "infra" / "kubernetes"
OPTIONAL_DIR = KUBERNETES_DIR / "optional"
KUSTOMIZATION = KUBERNETES_DIR / "kustomization.yaml"
PINNED_KUBERNETES_VERSION = "1.32.0"  # shipped offline by kubernetes-validate; EKS standard support at the time of writing

RBAC_KINDS = ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")


def documents(path: Path) -> list[dict]:
    with path.open() as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc]


def kustomized_files() -> list[Path]:
    """The files kustomization.yaml lists, in order."""
    listed = documents(KUSTOMIZATION)[0]["resources"]
    return [KUBERNETES_DIR / name for name in listed]


def base_documents() -> list[dict]:
    """What `kubectl apply -k infra/kubernetes` applies (the image is set by kustomize; not needed here)."""
    return [doc for path in kustomized_files() for doc in documents(path)]


def optional_documents() -> list[dict]:
    return [doc for path in sorted(OPTIONAL_DIR.glob("*.yaml")) for doc in documents(path)]


def every_manifest_file() -> list[Path]:
    return sorted(p for p in KUBERNETES_DIR.rglob("*.yaml") if p != KUSTOMIZATION)


def one(docs: list[dict], kind: str, name: str | None = None) -> dict:
    found = [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def config_file_text(docs: list[dict]) -> str:
    """The sre-agent.yaml the ConfigMap mounts."""
    return one(docs, "ConfigMap", "sre-agent-config")["data"]["sre-agent.yaml"]
