""""compare checkout 2.3.0 and 2.4.0": two versions of one workload are two of its revisions -- what its pod template
changed between them, older to newer -- not the workload side by side with its Service."""

from __future__ import annotations

from .conftest import text_of


def test_two_versions_of_one_workload_compare_as_its_revisions(chat_on):
    chat = chat_on("bad-deploy-regression")
    compared = chat.ask("compare checkout 2.4.0 and 2.3.0 for me")
    assert compared.resources == ["shop/Deployment/checkout"], text_of(compared)
    assert compared.headline.startswith("shop/Deployment/checkout: 2.3.0 (revision 1) -> 2.4.0 (revision 2)")
    changed = [d for d in compared.details if d.startswith("container checkout: image ")]
    assert len(changed) == 1 and "checkout:2.3.0 -> " in changed[0] and changed[0].endswith("checkout:2.4.0")
