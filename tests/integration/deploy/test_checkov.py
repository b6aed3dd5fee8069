"""checkov over infra/ (CloudFormation, Kubernetes, Dockerfile): no failed check, and every check the
files skip says why, next to what it skips.

checkov is not in the [dev] extra: it pins boto3, botocore and packaging to versions this project cannot
run on, so it lives in a venv of its own. Point CHECKOV_BIN at it (or put it on PATH):

    python3 -m venv ~/.venvs/checkov && ~/.venvs/checkov/bin/pip install checkov
    CHECKOV_BIN=~/.venvs/checkov/bin/checkov make test
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from ...unit.infra.manifests import ROOT

CHECKOV = os.environ.get("CHECKOV_BIN") or shutil.which("checkov")
pytestmark = pytest.mark.skipif(
    CHECKOV is None, reason="checkov is not installed: it conflicts with the project's boto3/botocore/packaging pins, so it "
                            "needs its own venv; set CHECKOV_BIN (see this module's docstring)")


@pytest.fixture(scope="module")
def reports() -> list[dict]:
    done = subprocess.run([CHECKOV, "-d", str(ROOT / "infra"), "--framework", "cloudformation", "kubernetes", "dockerfile",
                           "--skip-download", "--compact", "-o", "json"],
                          capture_output=True, text=True, timeout=600, env={**os.environ, "BC_SKIP_MAPPING": "TRUE"})
    assert done.stdout.strip(), f"checkov printed no report: {done.stderr[-3000:]}"
    found = json.loads(done.stdout)
    return found if isinstance(found, list) else [found]


def test_checkov_scans_the_templates_the_manifests_and_the_dockerfile(reports):
    assert {r["check_type"] for r in reports} == {"cloudformation", "kubernetes", "dockerfile"}
    assert all(r["summary"]["parsing_errors"] == 0 and r["summary"]["resource_count"] > 0 for r in reports)


def test_no_check_fails(reports):
    failed = [f"{f['check_id']} {f['resource']} ({f['file_path']}): {f['check_name']}"
              for r in reports for f in r["results"]["failed_checks"]]
    assert failed == []


def test_every_skipped_check_says_why(reports):
    skipped = [f for r in reports for f in r["results"]["skipped_checks"]]
    assert skipped, "the files skip a few checks on purpose (with reasons)"
    assert [f"{f['check_id']} {f['resource']}" for f in skipped if len(f['check_result'].get('suppress_comment') or '') < 20] == []
