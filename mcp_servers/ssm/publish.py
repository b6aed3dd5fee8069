"""Publishing the runbook library as SSM documents, and reading runbooks back from them.

Each runbook becomes one document named `sre-agent-runbook-<id>`, tagged `sre-agent:runbook=true`:
  * an Automation document (schema 0.3) -- AWS's own name for a runbook -- whose description is
    the runbook in Markdown (readable in the SSM console) and whose single `aws:pause` step says
    that sre-agent carries the steps out through its tools;
  * a Command document (schema 2.2) when every remediation step is a shell script sent with
    send_command: then the document runs those scripts itself.
Either way the description ends with the runbook as a JSON block between markers, so the SSM
server rebuilds the exact Runbook (and validates it) from what it reads. SSM rejects unknown
top-level keys in document content, which is why the runbook rides in the description.

Publishing is idempotent: unchanged runbooks are left alone, changed ones get a new document
version that becomes the default."""

from __future__ import annotations

import json
import re
from typing import Any

from .runbooks import Runbook, parse_runbook

DOCUMENT_PREFIX = "sre-agent-runbook-"
TAG_KEY = "sre-agent:runbook"
BEGIN = "<!-- sre-agent:runbook:begin -->"
END = "<!-- sre-agent:runbook:end -->"
_BLOCK = re.compile(re.escape(BEGIN) + r"\s*```json\s*(.*?)\s*```\s*" + re.escape(END), re.DOTALL)
SHELL_DOCUMENTS = ("AWS-RunShellScript",)


def document_name(runbook: Runbook, prefix: str = DOCUMENT_PREFIX) -> str:
    return f"{prefix}{runbook.id}"


def document_type(runbook: Runbook) -> str:
    """Command when the runbook's remediation is only shell scripts over Run Command, else Automation."""
    steps = runbook.remediation
    if steps and all(s.tool == "send_command" and s.args.get("document_name") in SHELL_DOCUMENTS for s in steps):
        return "Command"
    return "Automation"


def render_markdown(runbook: Runbook) -> str:
    """The runbook for a person reading it in the SSM console."""
    lines = [f"# {runbook.title}", "", runbook.description.strip(), "",
             f"**Category:** `{runbook.category}` -- **Applies to:** {', '.join(runbook.resource_kinds)}", "",
             "## Symptoms", *[f"- {s}" for s in runbook.symptoms], "", "## Diagnosis"]
    lines += [f"{i}. `{c.tool}` -- {c.look_for}" for i, c in enumerate(runbook.diagnosis, 1)]
    lines += ["", "## Remediation"]
    lines += [f"{i}. **{s.name}** (`{s.tool}`, risk {s.risk}) -- when {s.when}" for i, s in enumerate(runbook.remediation, 1)]
    lines += ["", "## Verification"]
    lines += [f"- `{c.tool}` -- {c.expect}" for c in runbook.verification]
    if runbook.escalate_when:
        lines += ["", "## Escalate when", *[f"- {e}" for e in runbook.escalate_when]]
    lines += ["", "_Published by sre-agent; its SSM MCP server reads the block below._"]
    return "\n".join(lines)


def document_content(runbook: Runbook) -> dict[str, Any]:
    """SSM document content (JSON form) carrying `runbook`."""
    payload = json.dumps(runbook.model_dump(mode="json"), indent=1, sort_keys=True)
    description = f"{render_markdown(runbook)}\n\n{BEGIN}\n```json\n{payload}\n```\n{END}\n"
    if document_type(runbook) == "Command":
        steps = [{"action": "aws:runShellScript", "name": re.sub(r"[^A-Za-z0-9_]", "_", s.name)[:64],
                  "inputs": {"runCommand": list((s.args.get("parameters") or {}).get("commands") or [])}}
                 for s in runbook.remediation]
        return {"schemaVersion": "2.2", "description": description, "mainSteps": steps}
    return {"schemaVersion": "0.3", "description": description,
            "mainSteps": [{"name": "FollowRunbook", "action": "aws:pause", "inputs": {},
                           "description": "sre-agent carries out this runbook's steps through its MCP tools; "
                                          "resume this execution when they are done."}]}


def parse_content(text: str) -> Any:
    """Document content as SSM stores it: JSON, or YAML for documents written in YAML."""
    try:
        return json.loads(text)
    except ValueError:
        import yaml

        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(f"neither JSON nor YAML: {exc}") from None


def runbook_from_content(content: str | dict[str, Any], source: str) -> Runbook:
    """The Runbook carried by a published document's content (JSON or YAML text, or parsed)."""
    if isinstance(content, str):
        content = parse_content(content)
    description = (content or {}).get("description") or ""
    match = _BLOCK.search(description)
    if not match:
        from .runbooks import RunbookError

        raise RunbookError([f"{source}: description: no sre-agent runbook block; republish with "
                            "`sre-agent runbooks publish`"])
    return parse_runbook(json.loads(match.group(1)), source)


def publish_runbooks(client: Any, runbooks: list[Runbook], *, prefix: str = DOCUMENT_PREFIX) -> list[str]:
    """Create or update one SSM document per runbook; returns the document names, in order."""
    names = []
    for runbook in runbooks:
        name = document_name(runbook, prefix)
        content = json.dumps(document_content(runbook), sort_keys=True)
        tags = [{"Key": TAG_KEY, "Value": "true"}, {"Key": f"{TAG_KEY}-id", "Value": runbook.id},
                {"Key": f"{TAG_KEY}-category", "Value": runbook.category}]
        try:
            client.create_document(Name=name, Content=content, DocumentType=document_type(runbook),
                                   DocumentFormat="JSON", Tags=tags)
        except client.exceptions.DocumentAlreadyExists:
            _update(client, name, content)
            # Tags may have been removed by hand; putting them again is idempotent.
            client.add_tags_to_resource(ResourceType="Document", ResourceId=name, Tags=tags)
        names.append(name)
    return names


def _update(client: Any, name: str, content: str) -> None:
    current = client.get_document(Name=name, DocumentFormat="JSON")
    if _same_json(current.get("Content"), content):
        return
    try:
        updated = client.update_document(Name=name, Content=content, DocumentFormat="JSON", DocumentVersion="$LATEST")
    except client.exceptions.DuplicateDocumentContent:
        return  # an older version already holds this content
    version = updated["DocumentDescription"]["DocumentVersion"]
    client.update_document_default_version(Name=name, DocumentVersion=version)


def _same_json(a: str | None, b: str) -> bool:
    try:
        return json.loads(a or "null") == json.loads(b)
    except ValueError:
        return False
