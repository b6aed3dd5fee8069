"""Runbook search (mcp_servers/ssm/runbook_index.py) over the real library: incident text in, the
right runbook first -- on SQLite FTS5 and on the pure-Python fallback alike."""

from __future__ import annotations

import pytest

from mcp_servers.ssm.library import builtin_runbooks_dir
from mcp_servers.ssm.runbook_index import RunbookIndex, tokens
from mcp_servers.ssm.runbooks import load_runbooks

LIBRARY = builtin_runbooks_dir()  # the packaged library (infra/runbooks in a checkout)
RUNBOOKS = load_runbooks(LIBRARY)
BACKENDS = ["fts5", "python"]


@pytest.fixture(scope="module", params=BACKENDS)
def index(request) -> RunbookIndex:
    return RunbookIndex(RUNBOOKS, backend=request.param)


@pytest.mark.parametrize(
    ("symptoms", "category", "resource_kind", "first"),
    [
        ('Back-off pulling image "registry.example.com/shop/payment-api:v2.3.1"; Warning Failed ImagePullBackOff', None, None, "bad_image"),
        ("OOMKilled exit code 137", None, None, "oom_killed"),
        ("0/3 nodes are available: 3 Insufficient cpu.", None, None, "unschedulable"),
        ('no endpoints available for service "payment-api"', None, None, "service_selector_mismatch"),
        ("Liveness probe failed: HTTP probe failed with statuscode: 404", None, None, "probe_misconfig"),
        ('Error: configmap "payments-config" not found', None, None, "missing_config_ref"),
        ("missing required environment variable DATABASE_URL; Back-off restarting failed container", None, None, "crash_missing_config"),
        ('pods "api-7d9f" is forbidden: exceeded quota: compute, requested: limits.memory=1Gi', None, None, "quota_exceeded"),
        ("NodeNotReady: Kubelet stopped posting node status", None, None, "node_failure"),
        ("pod has unbound immediate PersistentVolumeClaims; ProvisioningFailed", None, None, "pvc_pending"),
        ("dial tcp 10.0.3.7:5432: connect: connection refused", None, None, "dependency_failure"),
        ("memory growing steadily, OOMKilled every 6 hours", None, None, "memory_leak"),
        ("error rate increased after deploy, HTTP 500 Internal Server Error", None, None, "bad_deploy_regression"),
        ("CPU throttling and high latency, context deadline exceeded", None, None, "cpu_throttling"),
        # a category hint beats generic text ...
        ("service returns errors and latency is up", None, None, "triage_firing_alarm"),
        ("service returns errors and latency is up", "dependency_failure", None, "dependency_failure"),
        ("CrashLoopBackOff, pods restarting", "oom_killed", None, "oom_killed"),
        # ... and the resource kind settles a tie between causes that share a symptom
        ("pods Pending", None, "PersistentVolumeClaim", "pvc_pending"),
        ("pods Pending", None, "Deployment", "unschedulable"),
    ],
)
def test_incident_text_finds_its_runbook_first(index, symptoms, category, resource_kind, first):
    hits = index.search(symptoms, category=category, resource_kind=resource_kind)
    assert hits[0].id == first, [(h.id, h.score) for h in hits]
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))


def test_a_strong_specific_match_still_beats_a_category_hint(index):
    hits = index.search("Back-off pulling image; ImagePullBackOff; ErrImagePull", category="probe_misconfig")
    assert [h.id for h in hits[:2]] == ["bad_image", "probe_misconfig"]


def test_hits_say_which_symptoms_and_words_matched(index):
    hit = index.search("0/3 nodes are available: 3 Insufficient cpu; pod stuck")[0]
    assert hit.model_dump().keys() == {"id", "title", "category", "score", "matched"}
    assert hit.matched[:3] == ["0/3 nodes are available", "nodes are available", "Insufficient cpu"]
    assert (hit.id, hit.category) == ("unschedulable", "unschedulable") and 0 < hit.score < 1


def test_a_longer_number_does_not_match_a_shorter_one_in_a_phrase(index):
    crash = next(h for h in index.search("OOMKilled exit code 137") if h.id == "crash_missing_config")
    assert "exit code 1" not in crash.matched


def test_nothing_matching_falls_back_to_triage(index):
    for text in ("", "zzz qqq", "   "):
        assert [(h.id, h.score, h.matched) for h in index.search(text)] == [("triage_firing_alarm", 0.0, [])]


def test_untrusted_text_is_never_read_as_query_syntax(index):
    hostile = 'NEAR("a" "b", 2) OR title:* AND -symptoms:x ^ "unterminated ( ) {col}: ImagePullBackOff'
    assert index.search(hostile)[0].id == "bad_image"


def test_limit_and_unknown_category(index):
    assert len(index.search("Pending FailedScheduling ProvisioningFailed error", limit=2)) == 2
    with pytest.raises(ValueError, match="unknown category 'oom'; use one of bad_image, .* or leave it out"):
        index.search("x", category="oom")
    assert index.search("ImagePullBackOff", category="none") == index.search("ImagePullBackOff")


def test_both_backends_score_alike():
    fts5, python = (RunbookIndex(RUNBOOKS, backend=b) for b in BACKENDS)
    assert fts5.backend == "fts5" and python.backend == "python"
    for text in ("ImagePullBackOff", "OOMKilled exit code 137 memory", "connection refused no healthy upstream"):
        a = [(h.id, h.score) for h in fts5.search(text, limit=15)]
        b = [(h.id, h.score) for h in python.search(text, limit=15)]
        assert [i for i, _ in a] == [i for i, _ in b]
        assert [s for _, s in a] == pytest.approx([s for _, s in b], abs=1e-3)


def test_tokens_are_normalised_the_same_for_runbooks_and_incidents():
    assert tokens("Back-off pulling image; nodes are available: 0/3") == ["back", "off", "pull", "image", "node", "available"]
    assert tokens("exit code 1", keep_numbers=True) == ["exit", "code", "1"]


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError, match=f"duplicated: {RUNBOOKS[3].id}$"):
        RunbookIndex([*RUNBOOKS, RUNBOOKS[3]], backend="python")
