"""RBAC as data, for the deployment tests: what Kubernetes authorizes a request as (kube-apiserver's
RequestInfo: API group, resource[/subresource], verb), and what a set of Role/ClusterRole rules grants.
Pure functions over paths and manifests -- no cluster -- so the mapping itself has a table test
(tests/unit/infra/test_rbac_model.py) and the lab test (tests/integration/deploy/test_rbac_coverage.py)
only records requests and compares sets."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from pydantic import BaseModel, ConfigDict

READ_VERBS = frozenset({"get", "list", "watch"})


@dataclass(frozen=True, order=True)
class Permission:
    """One (apiGroup, resource, verb) triple, the unit RBAC grants; `resource` carries the
    subresource as RBAC spells it (`pods/log`, `deployments/scale`)."""

    group: str
    resource: str
    verb: str

    def __str__(self) -> str:
        return f"{self.verb} {self.resource}" + (f".{self.group}" if self.group else "")


@dataclass(frozen=True)
class RequestAttributes:
    """What the authorizer sees: a resource request (permission + namespace) or a non-resource URL."""

    permission: Permission | None
    namespace: str | None = None
    non_resource_path: str | None = None


_VERB_BY_METHOD = {"POST": "create", "PUT": "update", "PATCH": "patch"}


def request_attributes(method: str, target: str) -> RequestAttributes:
    """kube-apiserver's RequestInfo for `method target` (path with query): /api/v1/... and
    /apis/<group>/<version>/... are resource requests, anything else is a non-resource URL."""
    parts = urlsplit(target)
    segments = [s for s in parts.path.split("/") if s]
    query = parse_qs(parts.query)
    if segments[:1] == ["api"] and len(segments) >= 3:
        group, rest = "", segments[2:]
    elif segments[:1] == ["apis"] and len(segments) >= 4:
        group, rest = segments[1], segments[3:]
    else:
        return RequestAttributes(None, non_resource_path=parts.path)
    namespace = None
    # /namespaces/{ns}/{resource}... is namespaced; /namespaces and /namespaces/{name}[/status] are the Namespace kind.
    if rest[0] == "namespaces" and len(rest) >= 3:
        namespace, rest = rest[1], rest[2:]
    resource, name, sub = rest[0], (rest[1] if len(rest) > 1 else None), (rest[2] if len(rest) > 2 else None)
    if method == "GET":
        verb = "get" if name else ("watch" if query.get("watch", ["false"])[-1] in ("true", "1") else "list")
    elif method == "DELETE":
        verb = "delete" if name else "deletecollection"
    else:
        verb = _VERB_BY_METHOD.get(method, method.lower())
    return RequestAttributes(Permission(group, f"{resource}/{sub}" if sub else resource, verb), namespace=namespace)


class PolicyRule(BaseModel):
    """One rule of a Role or ClusterRole (rbac.authorization.k8s.io/v1 PolicyRule)."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    apiGroups: list[str] = []  # noqa: N815 - the manifest's own spelling
    resources: list[str] = []
    verbs: list[str]
    resourceNames: list[str] = []  # noqa: N815
    nonResourceURLs: list[str] = []  # noqa: N815

    def permissions(self) -> set[Permission]:
        return {Permission(g, r, v) for g in self.apiGroups for r in self.resources for v in self.verbs}

    def wildcards(self) -> list[str]:
        return [value for value in (*self.apiGroups, *self.resources, *self.verbs) if "*" in value]


def rules_of(role: dict) -> list[PolicyRule]:
    """The rules of a Role/ClusterRole manifest (a clear error naming the role when one is malformed)."""
    name = f"{role.get('kind')} {role.get('metadata', {}).get('name')}"
    try:
        return [PolicyRule.model_validate(rule) for rule in role.get("rules") or []]
    except ValueError as exc:
        raise AssertionError(f"{name}: a rule is not a PolicyRule: {exc}") from None


def granted(roles: Iterable[dict]) -> set[Permission]:
    """Every (group, resource, verb) the roles grant, rules expanded."""
    return {p for role in roles for rule in rules_of(role) for p in rule.permissions()}


@dataclass(frozen=True)
class Authorizer:
    """RBAC's answer for a set of roles: a ClusterRole's rules hold everywhere (bound by a
    ClusterRoleBinding), a Role's only in its own namespace."""

    cluster_wide: frozenset[Permission]
    by_namespace: frozenset[tuple[str, Permission]]

    @classmethod
    def of(cls, roles: Iterable[dict]) -> Authorizer:
        roles = list(roles)
        cluster = frozenset(granted(r for r in roles if r["kind"] == "ClusterRole"))
        scoped = frozenset((r["metadata"]["namespace"], p) for r in roles if r["kind"] == "Role" for p in granted([r]))
        return cls(cluster, scoped)

    def allows(self, attributes: RequestAttributes) -> bool:
        if attributes.permission is None:  # discovery: every authenticated identity may read it
            return True
        return attributes.permission in self.cluster_wide or (attributes.namespace, attributes.permission) in self.by_namespace
