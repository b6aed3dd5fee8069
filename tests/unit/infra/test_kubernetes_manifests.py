"""infra/kubernetes: schema-valid against a pinned Kubernetes version, least privilege, hardened pods,
and consistent with itself and with the config file it mounts. The lab apply and the measured RBAC
coverage are in tests/integration/deploy/."""

from __future__ import annotations

import os
import re
from pathlib import Path

import kubernetes_validate
import pytest

from sre_agent.app.settings import load_settings
from sre_agent.contracts import DEFAULT_GROUP_ROLES

from .manifests import (
    KUBERNETES_DIR,
    OPTIONAL_DIR,
    PINNED_KUBERNETES_VERSION,
    base_documents,
    config_file_text,
    documents,
    every_manifest_file,
    kustomized_files,
    one,
    optional_documents,
)
from .rbac_model import READ_VERBS, granted, rules_of

BASE = base_documents()
DEPLOYMENT = one(BASE, "Deployment", "sre-agent")
POD = DEPLOYMENT["spec"]["template"]
CONTAINER = next(c for c in POD["spec"]["containers"] if c["name"] == "sre-agent")
POD_LABELS = POD["metadata"]["labels"]


@pytest.mark.parametrize("path", every_manifest_file(), ids=lambda p: str(p.relative_to(KUBERNETES_DIR)))
def test_every_manifest_is_valid_for_the_pinned_kubernetes_version(path: Path):
    for doc in documents(path):
        # strict: an unknown field (a typo the API server would drop silently) fails too
        kubernetes_validate.validate(doc, PINNED_KUBERNETES_VERSION, strict=True)


def test_kustomization_lists_every_base_file_and_leaves_out_only_the_optional_ones():
    top_level = {p for p in KUBERNETES_DIR.glob("*.yaml") if p.name != "kustomization.yaml"}
    assert set(kustomized_files()) == top_level
    assert all(OPTIONAL_DIR not in p.parents for p in kustomized_files())


def test_no_secret_objects_are_committed():
    assert not [d for d in BASE + optional_documents() if d["kind"] == "Secret"]


def test_pod_runs_non_root_with_seccomp_and_a_read_only_root_filesystem():
    pod_security = POD["spec"]["securityContext"]
    assert pod_security["runAsNonRoot"] is True and pod_security["runAsUser"] >= 10000
    assert pod_security["seccompProfile"] == {"type": "RuntimeDefault"}
    security = CONTAINER["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}


def test_what_the_service_writes_is_a_mounted_volume():
    """A read-only root filesystem works only if --state-dir and /tmp are volumes."""
    mounts = {m["mountPath"]: m for m in CONTAINER["volumeMounts"]}
    args = CONTAINER["args"]
    state_dir = args[args.index("--state-dir") + 1]
    assert state_dir in mounts and not mounts[state_dir].get("readOnly")
    assert "/tmp" in mounts and not mounts["/tmp"].get("readOnly")
    volumes = {v["name"] for v in POD["spec"]["volumes"]}
    assert {m["name"] for m in CONTAINER["volumeMounts"]} <= volumes


def test_probes_resources_and_the_port_they_use():
    assert CONTAINER["args"][:1] == ["serve"]
    port = CONTAINER["args"][CONTAINER["args"].index("--port") + 1]
    assert [p["containerPort"] for p in CONTAINER["ports"]] == [int(port)]
    assert CONTAINER["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert CONTAINER["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert CONTAINER["startupProbe"]["httpGet"]["path"] == "/healthz"
    resources = CONTAINER["resources"]
    assert {"cpu", "memory"} <= set(resources["requests"]) and "memory" in resources["limits"]


def test_tokens_and_the_database_dsn_come_from_a_secret_never_a_literal():
    env = {e["name"]: e for e in CONTAINER["env"]}
    for name in ("SRE_AGENT_SERVICE_TOKEN", "SRE_AGENT_CHECKPOINT_DSN"):
        assert "value" not in env[name] and env[name]["valueFrom"]["secretKeyRef"]["name"] == "sre-agent"


def test_service_pdb_networkpolicy_and_hpa_select_the_deployments_pods():
    def selects(selector: dict) -> bool:
        return all(POD_LABELS.get(k) == v for k, v in selector.items())

    assert selects(one(BASE, "Service")["spec"]["selector"])
    assert selects(one(BASE, "PodDisruptionBudget")["spec"]["selector"]["matchLabels"])
    assert selects(one(BASE, "NetworkPolicy")["spec"]["podSelector"]["matchLabels"])
    target = one(BASE, "HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", DEPLOYMENT["metadata"]["name"])
    hpa = one(BASE, "HorizontalPodAutoscaler")["spec"]
    min_available = one(BASE, "PodDisruptionBudget")["spec"]["minAvailable"]
    assert hpa["minReplicas"] > min_available, "a PDB the HPA floor cannot exceed blocks every node drain"


def test_the_network_policy_denies_by_default_in_both_directions():
    policy = one(BASE, "NetworkPolicy")["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    assert all(rule.get("from") for rule in policy["ingress"]), "an ingress rule without `from` admits everyone"
    allowed_out = {p["port"] for rule in policy["egress"] for p in rule["ports"]}
    assert allowed_out == {53, 443, 5432}


def test_rbac_has_no_wildcards_no_secrets_and_reads_only_cluster_wide():
    roles = [d for d in BASE + optional_documents() if d["kind"] in ("ClusterRole", "Role")]
    for role in roles:
        for rule in rules_of(role):
            assert not rule.wildcards(), f"{role['metadata']['name']}: wildcard in {rule}"
            assert not rule.resourceNames and not rule.nonResourceURLs
    assert not [p for p in granted(roles) if p.resource.startswith("secrets")]
    investigate = one(BASE, "ClusterRole", "sre-agent-investigate")
    assert {p.verb for p in granted([investigate])} <= READ_VERBS
    assert "watch" not in {p.verb for p in granted([investigate])}, "no tool watches"
    assert not [d for d in BASE if d["kind"] == "ClusterRole" and d["metadata"]["name"] != "sre-agent-investigate"], \
        "cluster-wide writes (nodes) are opt-in: optional/"
    assert {p.verb for p in granted(optional_documents())} == {"patch"}


def test_every_binding_names_the_deployments_service_account():
    account = POD["spec"]["serviceAccountName"]
    namespace = DEPLOYMENT["metadata"]["namespace"]
    one(BASE, "ServiceAccount", account)
    bindings = [d for d in BASE + optional_documents() if d["kind"] in ("ClusterRoleBinding", "RoleBinding")]
    assert bindings
    for binding in bindings:
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": account, "namespace": namespace}]
        role_kind = binding["roleRef"]["kind"]
        one(BASE + optional_documents(), role_kind, binding["roleRef"]["name"])


def test_the_mounted_config_loads_and_starts_safe(tmp_path, monkeypatch):
    for name in [n for n in os.environ if n.startswith("SRE_AGENT_")]:  # the file alone decides
        monkeypatch.delenv(name)
    path = tmp_path / "sre-agent.yaml"
    path.write_text(config_file_text(BASE))
    settings = load_settings(config_file=path)
    assert settings.policy.remediation == "off", "a first rollout diagnoses only (docs/deploy.md)"
    assert settings.policy.allow_node_actions is False, "node actions are opt-in, with optional/rbac-nodes.yaml"
    assert settings.service.sweeps


def test_one_remediation_role_per_allowed_namespace_and_no_other(tmp_path):
    path = tmp_path / "sre-agent.yaml"
    path.write_text(config_file_text(BASE))
    allowed = set(load_settings(config_file=path).policy.namespaces)
    assert "*" not in allowed, "the shipped config lists its namespaces: with '*' (which node actions need today, " \
                               "docs/deploy.md) RBAC is the only namespace limit left"
    roles = {d["metadata"]["namespace"] for d in BASE if d["kind"] == "Role"}
    bindings = {d["metadata"]["namespace"] for d in BASE if d["kind"] == "RoleBinding"}
    assert roles == bindings == allowed


# --- identity: the OIDC issuer and its settings from the ConfigMap sre-agent-identity ----------------------
IDENTITY_ENV = {"SRE_AGENT_SERVICE_OIDC_ISSUER": "oidc-issuer", "SRE_AGENT_SERVICE_OIDC_AUDIENCE": "oidc-audience",
                "SRE_AGENT_SERVICE_OIDC_GROUPS_CLAIM": "oidc-groups-claim", "SRE_AGENT_SERVICE_OIDC_ROLES": "oidc-roles",
                "SRE_AGENT_SERVICE_TWO_PERSON_RULE": "two-person-rule"}
IDENTITY = one(BASE, "ConfigMap", "sre-agent-identity")
_KEY_LINE = re.compile(r"^\s*#\s*([a-z-]+):\s*(\S+)")


def commented_examples() -> list[dict[str, str]]:
    """The identity ConfigMap's commented examples, one per provider: the `# key: value` lines between the lone `#`
    separators, over the keys the ConfigMap sets (what uncommenting that provider's lines gives)."""
    text = (KUBERNETES_DIR / "configmap.yaml").read_text().split("name: sre-agent-identity", 1)[1]
    blocks = re.split(r"(?m)^\s*#\s*$", text)
    examples = [{m.group(1): m.group(2) for line in block.splitlines() if (m := _KEY_LINE.match(line))} for block in blocks]
    return [{**IDENTITY["data"], **example} for example in examples if example]


def settings_with(data: dict[str, str], tmp_path: Path, monkeypatch) -> object:
    """The settings the pod starts with when the identity ConfigMap holds `data` (a key left out: its variable unset)."""
    for name in [n for n in os.environ if n.startswith("SRE_AGENT_")]:
        monkeypatch.delenv(name)
    for name, key in IDENTITY_ENV.items():
        if key in data:
            monkeypatch.setenv(name, data[key])
    path = tmp_path / "sre-agent.yaml"
    path.write_text(config_file_text(BASE))
    return load_settings(config_file=path)


def test_the_issuer_and_its_settings_come_from_the_identity_configmap_each_key_optional():
    env = {e["name"]: e for e in CONTAINER["env"]}
    for name, key in IDENTITY_ENV.items():
        assert env[name]["valueFrom"]["configMapKeyRef"] == {"name": "sre-agent-identity", "key": key, "optional": True}
    assert set(IDENTITY["data"]) <= set(IDENTITY_ENV.values()), "a key the deployment does not read does nothing"
    assert IDENTITY["metadata"]["namespace"] == DEPLOYMENT["metadata"]["namespace"]


def test_as_shipped_no_issuer_is_set_and_the_pod_starts_on_the_static_token_alone(tmp_path, monkeypatch):
    settings = settings_with(IDENTITY["data"], tmp_path, monkeypatch)
    assert settings.service.oidc_issuer is None and settings.service.oidc_audience is None
    assert settings.service.oidc_groups_claim == "cognito:groups" and settings.service.two_person_rule is False


def test_the_commented_examples_are_cognito_entra_keycloak_and_the_default_role_map():
    assert [_host(example) for example in commented_examples()] == [
        "cognito-idp.us-east-1.amazonaws.com", "login.microsoftonline.com", "keycloak.example.com", "default-roles"]


def _host(example: dict[str, str]) -> str:
    return example["oidc-issuer"].split("/")[2] if "oidc-issuer" in example else "default-roles"


@pytest.mark.parametrize("example", commented_examples(), ids=_host)
def test_each_commented_example_uncommented_starts_the_pod_with_what_it_says(example, tmp_path, monkeypatch):
    if "oidc-issuer" not in example:  # the default role map, as the comment states it
        assert settings_with(example, tmp_path, monkeypatch).service.oidc_roles == DEFAULT_GROUP_ROLES
        return
    service = settings_with(example, tmp_path, monkeypatch).service
    assert (service.oidc_issuer, service.oidc_audience) == (example["oidc-issuer"], example["oidc-audience"])
    assert service.oidc_groups_claim == example["oidc-groups-claim"]
    assert set(service.oidc_roles.values()) == {"viewer", "responder", "approver"}
