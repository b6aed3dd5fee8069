"""The AWS-managed SSM documents a runbook may name, as the lab's SSM holds them.

moto ships none of AWS's own documents; these carry the parts of AWS-RunShellScript and
AWS-RestartEC2Instance that callers validate against (parameters, types, defaults)."""

from __future__ import annotations

import json

RUN_SHELL_SCRIPT = {
    "schemaVersion": "2.2", "description": "Run a shell script or specify the commands to run.",
    "parameters": {
        "commands": {"type": "StringList", "description": "(Required) Specify a shell script or a command to run."},
        "workingDirectory": {"type": "String", "default": "", "description": "(Optional) The path to the working directory."},
        "executionTimeout": {"type": "String", "default": "3600", "allowedPattern": "^[1-9][0-9]{0,5}$",
                             "description": "(Optional) The time in seconds for a command to complete."}},
    "mainSteps": [{"action": "aws:runShellScript", "name": "runShellScript",
                   "inputs": {"runCommand": "{{ commands }}", "workingDirectory": "{{ workingDirectory }}",
                              "timeoutSeconds": "{{ executionTimeout }}"}}]}
RESTART_INSTANCE = {
    "schemaVersion": "0.3", "description": "Restart EC2 instances.",
    "parameters": {"InstanceId": {"type": "StringList", "description": "(Required) EC2 instances to restart"},
                   "AutomationAssumeRole": {"type": "String", "default": "", "description": "(Optional) role ARN"}},
    "mainSteps": [{"name": "stopInstances", "action": "aws:changeInstanceState",
                   "inputs": {"InstanceIds": "{{ InstanceId }}", "DesiredState": "stopped"}}]}

AWS_MANAGED = {"AWS-RunShellScript": ("Command", RUN_SHELL_SCRIPT), "AWS-RestartEC2Instance": ("Automation", RESTART_INSTANCE)}


def create_aws_managed_documents(ssm) -> None:
    for name, (doc_type, content) in AWS_MANAGED.items():
        try:
            ssm.create_document(Name=name, Content=json.dumps(content), DocumentType=doc_type, DocumentFormat="JSON")
        except ssm.exceptions.DocumentAlreadyExists:
            # On a loaded machine botocore's retry of a timed-out call finds the first attempt's document.
            pass
