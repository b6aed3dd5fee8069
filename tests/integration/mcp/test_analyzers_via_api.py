"""The analyzer table again, this time through a Kubernetes API: every api-valid case in
tests/analyzer_cases is written to the lab's API emulator with the official `kubernetes` client,
read back with the MCP server's own `KubeClient.list` (raw API JSON) for exactly the kinds the
server would fetch, and analyzed. The findings must be the ones the in-memory table expects.

This is what catches the gap between "objects as a test wrote them" and "objects as an API server
serves them": defaulting (replicas, protocols, imagePullPolicy), quantities turned to strings,
list items without `kind`, objects sorted by name, system metadata, and kinds the server cannot
list at all.

Writes go the way they go against a real cluster: namespaces first, then every object with the
official client's typed `create_*` call for its kind; for kinds with a status subresource the
create body carries no status (a real kube-apiserver drops it there; the lab store happens to keep
it) and the case's status is then PUT to `/status`, as a controller would write it. Responses are
read with `_preload_content=False`: what matters here is the wire JSON, not the client's models.

One API server serves the whole module; each case starts from an empty store (all namespaces and
cluster-scoped objects deleted through the API)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from mcp_servers.kubernetes.analyzers import ClusterView, Finding, kinds_to_fetch, run_analyzers
from mcp_servers.kubernetes.kube import KINDS, KubeClient
from sre_agent.lab.kube.apiserver import KubeApiServer
from sre_agent.lab.kube.kubeconfig import write_kubeconfig
from sre_agent.lab.kube.store import ObjectStore
from tests.analyzer_cases import CASES, AnalyzerCase
from tests.analyzer_cases.builders import T0 as CASE_T0

T0 = datetime.fromisoformat(CASE_T0.replace("Z", "+00:00")).astimezone(UTC)  # the store's clock

# Kinds the analyzers read that the MCP server cannot list: `kube.KINDS` has no entry for them
# (and the lab emulator does not store them either), so `analyze` never sees them, on the lab or
# on a real cluster. Their objects are left out here, which is exactly the server's view; checks
# that need them are skipped by the analyzers (the kind counts as not fetched). So the HPA case
# whose target is a ReplicationController passes only because the target check is skipped.
NOT_LISTED_BY_SERVER = frozenset(kinds_to_fetch()) - KINDS.keys()  # ReplicationController


@dataclass(frozen=True)
class Gap:
    """How a case's findings differ through the API because of a known gap in what the server can
    see (not because an API server normalises objects differently). The rest of the case is still
    checked; once the gap is closed the case produces its table findings, the adjusted assertion
    fails, and the entry must go."""

    why: str
    missing: frozenset[tuple[str, str, str]] = frozenset()  # (resource, reason, severity)
    unexpected: frozenset[tuple[str, str, str]] = frozenset()


# No known gaps today: IngressClass is listed by the server and stored by the emulator. A gap in
# what the server can see goes here, with the case id and what differs.
KNOWN_GAPS: dict[str, Gap] = {}

API_CLASSES = {
    "v1": client.CoreV1Api,
    "apps/v1": client.AppsV1Api,
    "batch/v1": client.BatchV1Api,
    "networking.k8s.io/v1": client.NetworkingV1Api,
    "storage.k8s.io/v1": client.StorageV1Api,
    "autoscaling/v2": client.AutoscalingV2Api,
    "policy/v1": client.PolicyV1Api,
}

API_VALID = [case for case in CASES if case.api_valid]


def snake(kind: str) -> str:
    """PersistentVolumeClaim -> persistent_volume_claim, as the typed API names its methods."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", kind).lower()


class Writer:
    """Writes case objects the way a client of a real cluster must.

    Objects are created with the official client's typed API for their kind. For kinds with a
    status subresource (the typed API has `replace_*_status`) the create body carries no status,
    which a real kube-apiserver would drop anyway, and the case's status is PUT to `/status`
    afterwards with `ApiClient.call_api`: the typed `replace_*_status` validates its body
    against the client's models, and hand-written statuses lack fields that only a kubelet or
    controller fills in (a container status's `imageID`, say), which the API server does not
    require of a status writer."""

    def __init__(self, api_client: client.ApiClient) -> None:
        self.api_client = api_client
        self.apis = {version: cls(api_client) for version, cls in API_CLASSES.items()}

    def _method(self, kind: str, api_version: str, namespaced: bool, verb: str, suffix: str = ""):
        api = self.apis.get(api_version)
        if api is None:
            raise AssertionError(f"no typed API for apiVersion {api_version!r} ({kind})")
        return getattr(api, f"{verb}_{'namespaced_' if namespaced else ''}{snake(kind)}{suffix}", None)

    def create(self, obj: dict) -> dict:
        meta = obj.get("metadata") or {}
        namespace = meta.get("namespace")
        create = self._method(obj["kind"], obj["apiVersion"], bool(namespace), "create")
        if create is None:
            raise AssertionError(f"the official client cannot create a {obj['apiVersion']} {obj['kind']}")
        has_status = self._method(obj["kind"], obj["apiVersion"], bool(namespace), "replace", "_status") is not None
        body = {k: v for k, v in obj.items() if k != "status"} if has_status else obj
        created = self._typed(create, *((namespace, body) if namespace else (body,)))
        if has_status and obj.get("status"):
            spec = KINDS[obj["kind"]]
            created = self._put(spec.path(namespace, meta["name"], "status"), {**created, "status": obj["status"]})
        return created

    def delete(self, kind: str, api_version: str, name: str) -> None:
        self._typed(self._method(kind, api_version, False, "delete"), name)

    @staticmethod
    def _typed(method, *args) -> dict:
        try:
            response = method(*args, _preload_content=False)
        except ApiException as exc:
            raise AssertionError(f"{method.__name__}: {exc.status} {exc.reason} {exc.body}") from None
        return json.loads(response.data)

    def _put(self, path: str, body: dict) -> dict:
        method, url, headers, serialized, _ = self.api_client.param_serialize(
            "PUT", path, body=body, auth_settings=["BearerToken"],
            header_params={"Content-Type": "application/json", "Accept": "application/json"})
        response = self.api_client.call_api(method, url, header_params=headers, body=serialized)
        raw = response.read()
        if not 200 <= response.status < 300:
            raise AssertionError(f"PUT {path}: {response.status} {raw.decode(errors='replace')}")
        return json.loads(raw)


@pytest.fixture(scope="module")
def api(tmp_path_factory) -> Iterator[SimpleNamespace]:
    clock = SimpleNamespace(now=T0)
    store = ObjectStore(lambda: clock.now, seed=1)
    server = KubeApiServer(store).start()  # no world: nothing derives status, objects keep the case's
    kubeconfig = write_kubeconfig(tmp_path_factory.mktemp("kube") / "config", server.url)
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)
    api_client = client.ApiClient(configuration)
    kube = KubeClient(str(kubeconfig))
    yield SimpleNamespace(store=store, clock=clock, server=server, writer=Writer(api_client), kube=kube)
    kube.api.close()
    api_client.close()
    server.stop()


def reset(api: SimpleNamespace) -> None:
    """Empty the cluster through the API: namespaces take their contents with them."""
    for spec in KINDS.values():
        if spec.namespaced or spec.group == "metrics.k8s.io":
            continue
        api_version = f"{spec.group}/{spec.version}" if spec.group else spec.version
        for obj in api.kube.list(spec.kind):
            api.writer.delete(spec.kind, api_version, obj["metadata"]["name"])
    assert api.store.counts() == {}, f"objects left over from the previous case: {api.store.counts()}"


def load(api: SimpleNamespace, case: AnalyzerCase) -> None:
    """Namespaces first, then every object in the case's order (but those of kinds the server
    cannot list). The API server stamps creationTimestamp itself, so an object a case says was
    created later (a node group that joined after the rest) is created with the clock moved there."""
    namespaces = sorted({ns for obj in case.objects if (ns := (obj.get("metadata") or {}).get("namespace"))})
    declared = {obj["metadata"]["name"] for obj in case.objects if obj["kind"] == "Namespace"}
    for name in namespaces:
        if name not in declared:
            api.writer.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    served = [obj for obj in case.objects if obj["kind"] not in NOT_LISTED_BY_SERVER]
    ordered = sorted(served, key=lambda obj: obj["kind"] != "Namespace")  # stable
    for obj in ordered:
        created = obj["metadata"].get("creationTimestamp")
        api.clock.now = max(T0, datetime.fromisoformat(created.replace("Z", "+00:00"))) if created else T0
        api.writer.create(obj)
    api.clock.now = T0


def read_back(api: SimpleNamespace, case: AnalyzerCase) -> ClusterView:
    """What the MCP server's `analyze` tool does: list every kind the analyzers read that the
    client knows, scoped to the namespace when one is given, Secret values dropped."""
    objects: dict[str, list[dict]] = {}
    for kind in sorted(kinds_to_fetch(case.kinds)):
        if kind not in KINDS:
            continue
        scoped = case.namespace if KINDS[kind].namespaced else None
        items = api.kube.list(kind, scoped)
        if kind == "Secret":
            items = [{**s, "data": {k: "" for k in (s.get("data") or {})}} for s in items]
        objects[kind] = items
    return ClusterView(objects)


def describe(findings: list[Finding]) -> str:
    return "\n".join(f"  {f.resource} {f.reason} [{f.severity}] {f.message}" for f in findings) or "  (none)"


@pytest.mark.parametrize("case", API_VALID, ids=[case.id for case in API_VALID])
def test_case_through_the_api_produces_the_expected_findings(api: SimpleNamespace, case: AnalyzerCase) -> None:
    reset(api)
    load(api, case)
    findings = run_analyzers(read_back(api, case), kinds=case.kinds, namespace=case.namespace)

    produced = {(f.resource, f.reason, f.severity) for f in findings}
    wanted = {(e.resource, e.reason, e.severity) for e in case.expected}
    gap = KNOWN_GAPS.get(case.id)
    if gap is not None:
        wanted = (wanted - gap.missing) | gap.unexpected
    assert produced == wanted, (
        f"{case.id}: findings differ through the API\nmissing: {sorted(wanted - produced)}\n"
        f"unexpected: {sorted(produced - wanted)}\nproduced:\n{describe(findings)}"
        + (f"\nknown gap: {gap.why}\n(if the gap has been closed, drop the case from KNOWN_GAPS)" if gap else "")
    )
    by_key = {(f.resource, f.reason): f for f in findings}
    for expected in case.expected:
        if gap is not None and (expected.resource, expected.reason, expected.severity) in gap.missing:
            continue
        finding = by_key[(expected.resource, expected.reason)]
        assert expected.message in finding.message, f"{expected.resource}: {expected.message!r} not in {finding.message!r}"
        if expected.owner is not None:
            assert finding.owner == expected.owner, f"{expected.resource}: owner {finding.owner}, want {expected.owner}"


def test_known_gaps_name_api_valid_cases() -> None:
    cases = {case.id: case for case in API_VALID}
    assert set(KNOWN_GAPS) <= set(cases), set(KNOWN_GAPS) - set(cases)
    for case_id, gap in KNOWN_GAPS.items():
        expected = {(e.resource, e.reason, e.severity) for e in cases[case_id].expected}
        assert gap.missing <= expected and not gap.unexpected & expected, case_id


def test_only_the_known_kinds_are_out_of_the_servers_reach() -> None:
    """A new analyzer reading a kind KubeClient cannot list would silently lose its checks."""
    assert NOT_LISTED_BY_SERVER == {"ReplicationController"}
