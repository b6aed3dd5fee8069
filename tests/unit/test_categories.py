"""The categories data file (sre_agent/categories.yaml) is the one list: the contract's enum, the runbook schema,
the SSM server's runbook categories and the fix recipes all agree with it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mcp_servers.ssm.runbooks import CATEGORIES as RUNBOOK_CATEGORIES
from sre_agent.categories import FixStep, categories, category
from sre_agent.contracts import Finding, Incident, RootCauseCategory
from sre_agent.graph.fixes import FIX_BUILDERS
from sre_agent.graph.recipe_fixes import recipe_fixes, unknown_builders
from sre_agent.graph.state import Investigation

ROOT = Path(__file__).resolve().parents[2]


def test_the_enum_the_runbooks_and_the_data_file_name_the_same_categories_in_order():
    ids = [c.id for c in categories()]
    assert ids == [c.value for c in RootCauseCategory]
    assert list(RUNBOOK_CATEGORIES) == [i for i in ids if i != "none"]
    schema = json.loads((ROOT / "infra/runbooks/runbook.schema.json").read_text())
    assert schema["properties"]["category"]["enum"] == [*RUNBOOK_CATEGORIES, "any"]


def test_every_builder_a_recipe_names_exists():
    assert unknown_builders(FIX_BUILDERS) == []


def test_a_step_is_a_builder_or_a_template_never_both_or_neither():
    with pytest.raises(ValueError, match="either"):
        FixStep.model_validate({"builder": "image", "summary": "x", "commands": ["y"]})
    with pytest.raises(ValueError, match="either"):
        FixStep.model_validate({})
    with pytest.raises(KeyError, match="known"):
        category("no_such_thing")


def _state(*findings: Finding) -> Investigation:
    now = datetime(2026, 11, 25, 10, tzinfo=UTC)
    incident = Incident(id="i", title="t", started_at=now, window_start=now, window_end=now, affected=[W])
    return Investigation(incident=incident, findings=list(findings))


W = "payments/Deployment/ledger"


@pytest.mark.parametrize("details, expected", [
    # every placeholder filled: the command is complete
    ({"secret": "ledger-db", "changed": "2026-11-25T10:00:00Z"},
     ["kubectl -n payments rollout restart deployment/ledger", "kubectl -n payments rollout status deployment/ledger"]),
    # a placeholder nothing fills: the step is left out, never printed half-filled
    ({"changed": "2026-11-25T10:00:00Z"}, None),
])
def test_a_template_step_is_filled_from_the_root_and_the_finding_or_left_out(details, expected):
    finding = Finding(agent="kubernetes", resource=W, signal="StaleCredential", summary="s", details=details,
                      evidence=["ev-1"])
    fixes = recipe_fixes(_state(finding), "stale_credential", W, FIX_BUILDERS)
    if expected is None:
        assert fixes == []
    else:
        assert [f.commands for f in fixes] == [expected]
        assert "ledger-db" in fixes[0].summary and fixes[0].evidence == ["ev-1"]
