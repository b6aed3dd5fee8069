"""A key renamed in its ConfigMap or Secret (graph/renamed_refs.py): the held key that names the missing one in
other words, only when exactly one does; and the fix that points the reference at it, pasted into a JSON document
as kubectl prints it."""

from __future__ import annotations

import json
import shlex
import subprocess

import pytest

from sre_agent.graph.renamed_refs import renamed_key_fix, renamed_to


@pytest.mark.parametrize("missing, held, renamed", [
    ("DATABASE_URL", ["url", "POSTGRES_PASSWORD"], "url"),  # the only key sharing a word
    ("db-password", ["DB_PASSWORD", "username"], "DB_PASSWORD"),  # the same words in another convention
    ("apiKey", ["API_KEY", "api-key-old"], "API_KEY"),  # the same words beat a key with more words
    ("API_KEY", ["api-token", "key-id"], None),  # one word each: a tie, no guess
    ("LEDGER_URL", ["region", "timeout"], None),  # nothing in common
    ("url", ["url"], None),  # not renamed: held under its own name
    # the group's prefix shared by its siblings names nothing: its own word does
    ("BILLING_DB_PASSWORD", ["BILLING_DB_HOST", "BILLING_DB_USER", "password"], "password"),
    ("BILLING_DB_PASSWORD", ["BILLING_DB_HOST", "BILLING_DB_USER", "password", "old-password"], None),  # two: no guess
])
def test_the_one_held_key_with_the_missing_keys_words(missing, held, renamed):
    assert renamed_to(missing, held) == renamed


def test_the_fix_rewrites_only_the_reference_to_that_key():
    fix = renamed_key_fix("payments/Deployment/ledger", "Secret", "ledger-db", "DATABASE_URL", ["url", "POSTGRES_PASSWORD"],
                          ["ev-1"])
    assert fix is not None and fix.resource == "payments/Deployment/ledger" and "url holds what DATABASE_URL held" in fix.needs
    get, sed, replace = fix.commands[0].split(" | ")
    assert get == "kubectl -n payments get deployment ledger -o json" and replace == "kubectl replace -f -"
    env = [{"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {"key": "DATABASE_URL", "name": "ledger-db"}}},
           {"name": "MODE", "valueFrom": {"configMapKeyRef": {"key": "DATABASE_URL", "name": "other"}}}]
    printed = json.dumps({"spec": {"template": {"spec": {"containers": [{"name": "ledger", "env": env}]}}}}, indent=4)
    done = subprocess.run(shlex.split(sed), input=printed, capture_output=True, text=True, check=True)
    [secret_ref, config_ref] = json.loads(done.stdout)["spec"]["template"]["spec"]["containers"][0]["env"]
    assert secret_ref["valueFrom"]["secretKeyRef"]["key"] == "url"
    assert config_ref["valueFrom"]["configMapKeyRef"]["key"] == "DATABASE_URL"  # another kind of reference: untouched


def test_no_fix_for_a_kind_whose_template_cannot_change_in_place():
    assert renamed_key_fix("batch/Job/export", "Secret", "db", "DATABASE_URL", ["url"], []) is None


def test_the_keys_held_are_read_from_the_pods_words_or_else_from_the_analyzers():
    from sre_agent.contracts import Finding
    from sre_agent.graph.renamed_refs import held_keys

    def found(signal: str, **details) -> Finding:
        return Finding(agent="kubernetes", resource="billing/CronJob/runner", signal=signal, summary=signal,
                       severity="info", details=details, evidence=["ev-1"])
    assert held_keys([found("ConfigRefMissing")], "billing/CronJob/runner") is None
    assert held_keys([found("ConfigKeysHeld", existing_keys=["BILLING_DB_HOST", "password"], key="BILLING_DB_PASSWORD")],
                     "billing/CronJob/runner") == ["BILLING_DB_HOST", "password"]
