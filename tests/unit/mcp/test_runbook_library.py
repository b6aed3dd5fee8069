"""The runbook library (infra/runbooks) and its loader (mcp_servers/ssm/runbooks.py): every file
is valid under both the pydantic model and the JSON schema, every category has a runbook, and a
broken runbook is reported by file and path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import get_args

import jsonschema
import pytest
import yaml

from mcp_servers.ssm import runbooks as rb
from mcp_servers.ssm.library import builtin_runbooks_dir
from sre_agent.contracts import CATEGORIES as MODEL_CATEGORIES
from sre_agent.contracts import RootCauseCategory

LIBRARY = builtin_runbooks_dir()  # the packaged library (infra/runbooks in a checkout)
SCHEMA = json.loads((LIBRARY / "runbook.schema.json").read_text())
FILES = sorted(LIBRARY.glob("*.yaml"))


def test_the_library_loads_and_every_id_is_its_file_name():
    loaded = rb.load_runbooks(LIBRARY)
    assert [r.id for r in loaded] == sorted(p.stem for p in FILES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_runbook_also_satisfies_the_json_schema(path):
    errors = [f"{list(e.absolute_path)}: {e.message}"
              for e in jsonschema.Draft202012Validator(SCHEMA).iter_errors(yaml.safe_load(path.read_text()))]
    assert errors == []


def test_every_root_cause_category_but_none_has_a_runbook_and_one_runbook_triages():
    by_category: dict[str, list[str]] = {}
    for runbook in rb.load_runbooks(LIBRARY):
        by_category.setdefault(runbook.category, []).append(runbook.id)
    wanted = {c.value for c in RootCauseCategory} - {RootCauseCategory.NONE.value}
    assert set(by_category) - {rb.ANY_CATEGORY} == wanted
    assert by_category[rb.ANY_CATEGORY] == ["triage_firing_alarm"]


def test_model_and_schema_agree_with_the_shared_contracts():
    # The SSM server may not import sre_agent, so the category list is repeated there.
    assert rb.CATEGORIES == tuple(c for c in MODEL_CATEGORIES if c != "none")
    props, defs = SCHEMA["properties"], SCHEMA["$defs"]
    assert props["category"]["enum"] == [*rb.CATEGORIES, rb.ANY_CATEGORY]
    assert defs["read_tool"]["enum"] == list(get_args(rb.ReadTool))
    assert defs["write_tool"]["enum"] == list(get_args(rb.WriteTool))
    assert defs["resource_kind"]["enum"] == list(get_args(rb.ResourceKind))
    assert set(SCHEMA["required"]) == {n for n, f in rb.Runbook.model_fields.items() if f.is_required()}


INVERTIBLE = {"rollout_undo", "set_image", "set_resources", "scale", "cordon"}


@pytest.mark.parametrize("runbook", rb.load_runbooks(LIBRARY), ids=lambda r: r.id)
def test_steps_that_can_be_undone_say_how(runbook):
    for step in runbook.remediation:
        if step.tool in INVERTIBLE:
            assert step.undo is not None, f"{runbook.id}: {step.name!r} ({step.tool}) has no undo"
        if step.tool == "rollout_undo":
            assert step.risk == "low"


def _break(tmp_path: Path, edit, name: str = "bad_image.yaml") -> str:
    """Copy one runbook into tmp_path, apply `edit` to its parsed YAML (or its text, when edit
    returns a str) and return the loader's error message."""
    data = yaml.safe_load((LIBRARY / name).read_text())
    edited = edit(data)
    text = edited if isinstance(edited, str) else yaml.safe_dump(data, sort_keys=False)
    (tmp_path / name).write_text(text)
    with pytest.raises(rb.RunbookError) as caught:
        rb.load_runbooks(tmp_path)
    return str(caught.value)


def _set(path: list, value):
    def edit(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return edit


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (_set(["remediation", 0, "risk"], "extreme"),
         "bad_image.yaml: remediation[0].risk: Input should be 'low', 'medium' or 'high' (got 'extreme')"),
        (_set(["diagnosis", 1, "tool"], "rollout_undo"),
         "bad_image.yaml: diagnosis[1].tool: rollout_undo is a write tool; diagnosis and verification only read"),
        (_set(["remediation", 1, "undo", "tool"], "kubectl_apply"),
         "bad_image.yaml: remediation[1].undo.tool: Input should be 'rollout_restart'"),
        (_set(["remediation", 0, "tool"], "describe"), "bad_image.yaml: remediation[0].tool: describe is a read tool"),
        (_set(["remediation", 0, "args", "namespace"], "{namepsace}"),
         "bad_image.yaml: remediation[0].args: namespace: unknown placeholder {namepsace}; did you mean {namespace}?"),
        (_set(["diagnosis", 0, "args", "name"], {"name": None}),
         'bad_image.yaml: diagnosis[0].args: name is the mapping {name: null}; quote the placeholder: "{name}"'),
        (_set(["remediation", 1, "risk"], "low"),
         "bad_image.yaml: remediation[1]: risk 'low' is below the floor for set_image: use 'medium' or higher"),
        (_set(["remediation", 0, "rsik"], "low"), "bad_image.yaml: remediation[0].rsik: Extra inputs are not permitted"),
        (_set(["resource_kinds", 1], "Deploymnet"), "bad_image.yaml: resource_kinds[1]: Input should be 'Pod'"),
        (lambda data: data.update(remediation=[], escalate_when=[]),
         "bad_image.yaml: (top level): remediation is empty; only the generic triage runbook"),
        (lambda data: data.pop("verification"), "bad_image.yaml: verification: Field required"),
        (_set(["id"], "bad_images"), "bad_image.yaml: id: 'bad_images' does not match the file name"),
        (lambda data: "id: bad_image\nsymptoms: [unclosed\n", "bad_image.yaml: line 3, column 1: not valid YAML"),
        (lambda data: "", "bad_image.yaml: (top level): the document is empty"),
    ],
)
def test_a_broken_runbook_is_reported_by_file_and_path(tmp_path, edit, expected):
    assert expected in _break(tmp_path, edit)


def test_every_broken_file_is_reported_at_once(tmp_path):
    for name in ("oom_killed.yaml", "pvc_pending.yaml", "quota_exceeded.yaml"):
        shutil.copy(LIBRARY / name, tmp_path / name)
    (tmp_path / "oom_killed.yaml").write_text((LIBRARY / "oom_killed.yaml").read_text().replace("risk: low", "risk: lowish", 1))
    (tmp_path / "pvc_pending.yaml").write_text((LIBRARY / "pvc_pending.yaml").read_text().replace("symptoms:", "symptomz:", 1))
    with pytest.raises(rb.RunbookError) as caught:
        rb.load_runbooks(tmp_path)
    problems = caught.value.problems
    assert any(p.startswith("oom_killed.yaml: remediation[0].risk: Input should be") for p in problems)
    assert "pvc_pending.yaml: symptomz: Extra inputs are not permitted" in problems
    assert "pvc_pending.yaml: symptoms: Field required" in problems
    assert not any(p.startswith("quota_exceeded.yaml") for p in problems)


def test_a_missing_directory_says_what_to_pass(tmp_path):
    with pytest.raises(rb.RunbookError, match="not a directory; pass the runbook library"):
        rb.load_runbooks(tmp_path / "nowhere")


def test_parse_runbook_names_the_source_it_was_given():
    data = yaml.safe_load((LIBRARY / "node_failure.yaml").read_text())
    index = next(i for i, step in enumerate(data["remediation"]) if step["tool"] == "cordon")
    data["remediation"][index]["risk"] = "low"  # cordon must be high
    with pytest.raises(rb.RunbookError,
                       match=rf"^ssm:sre-node_failure: remediation\[{index}\]: risk 'low' is below the floor for cordon"):
        rb.parse_runbook(data, "ssm:sre-node_failure")


def test_fill_placeholders_keeps_value_types_and_names_what_is_missing():
    args = {"namespace": "{namespace}", "replicas": "{previous_replicas}", "filter": 'service("{name}") { fault = true }',
            "ids": ["{instance_id}"]}
    filled = rb.fill_placeholders(args, {"namespace": "shop", "previous_replicas": 3, "name": "api", "instance_id": "i-0abc"})
    assert filled == {"namespace": "shop", "replicas": 3, "filter": 'service("api") { fault = true }', "ids": ["i-0abc"]}
    with pytest.raises(ValueError, match=r"no value for placeholder\(s\) \{instance_id\}, \{name\}"):
        rb.fill_placeholders(args, {"namespace": "shop", "previous_replicas": 3})
