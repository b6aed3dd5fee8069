"""search_text's lines: every scalar of an object with its path (an env entry as env.NAME), and which searched words
a line carries -- whole, as a piece of a longer token, a plural as its singular, the path counted."""

from __future__ import annotations

import pytest

from mcp_servers.kubernetes.tools.text_search import carried, lines_of, written_about


def test_an_object_is_cut_into_paths_and_values_skipping_the_api_servers_bookkeeping():
    obj = {"metadata": {"name": "web", "uid": "u-1", "annotations": {"acme.io/change": "CHG-1 rotate"}},
           "spec": {"template": {"spec": {"containers": [{"name": "app", "env": [{"name": "MODE", "value": "fast"}]}]}}}}
    assert lines_of(obj) == [("metadata.name", "web"), ("metadata.annotations.acme.io/change", "CHG-1 rotate"),
                             ("spec.template.spec.containers[0].name", "app"),
                             ("spec.template.spec.containers[0].env[0].MODE", "fast")]


@pytest.mark.parametrize("words, path, text, found", [
    (["chg-8841"], "metadata.annotations.x/change", "CHG-8841 planned AMI rotation", ["chg-8841"]),
    (["plat-3112"], "data.PLAT-3112", "Today: the lifecycle policy changes", ["plat-3112"]),  # a key in the path
    (["cache", "control"], "spec.containers[0].env[2].DEFAULT_CACHE_CONTROL", "private, no-store", ["cache", "control"]),
    (["bucket", "exports"], "data.EXPORT_BUCKET", "billing-exports-v2", ["bucket", "exports"]),
    (["annotation"], "metadata.annotations.a/b", "scale back to 3", ["annotation"]),
    (["evictions"], "event TaintManagerEviction", "Marking for deletion Pod x", ["evictions"]),
    (["cache"], "data.mode", "cached", []),  # a word inside another word is not that word
    (["hit"], "data.note", "white", []),
    (["rotation"], "metadata.annotations.x.io/rotated-by", "secrets-rotator job rotate-29411", ["rotation"]),
    (["expiring"], "metadata.annotations.x.io/note", "expires 2027-02-24", ["expiring"]),
])
def test_a_line_carries_a_word_whole_as_a_piece_or_as_its_singular(words, path, text, found):
    assert carried(words, path, text) == found


def test_a_secret_is_searched_by_what_is_written_about_it_never_by_its_values():
    secret = {"metadata": {"name": "portal-tls", "namespace": "web", "uid": "u-2",
                           "annotations": {"acme.io/not-after": "2027-02-24T09:12:00Z",
                                           "kubectl.kubernetes.io/last-applied-configuration": '{"data": {"tls.key": "c2VjcmV0"}}'}},
              "type": "kubernetes.io/tls", "data": {"tls.crt": "Y2VydA==", "tls.key": "c2VjcmV0"},
              "stringData": {"password": "hunter2"}}
    lines = lines_of(written_about(secret))
    assert ("metadata.annotations.acme.io/not-after", "2027-02-24T09:12:00Z") in lines
    assert ("type", "kubernetes.io/tls") in lines
    assert {text for path, text in lines if path.startswith("keys")} == {"password", "tls.crt", "tls.key"}
    assert not [text for _, text in lines if "c2VjcmV0" in text or "Y2VydA" in text or "hunter2" in text]
