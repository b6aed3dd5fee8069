"""infra/cloudformation: least privilege measured against the code (every IAM action granted is one the
deployed code calls, or is listed below with why), writes only when remediation is on and only on
tagged instances and runbook documents, models only by ARN, the alarm chain wired end to end, and the
responder's own health watched. cfn-lint runs in tests/integration/deploy/test_cloudformation_lint.py."""

from __future__ import annotations

import json
import re

import pytest

from sre_agent.app.settings import Settings

from .aws_calls import called_actions
from .cloudformation import AGENTCORE_TEMPLATE, ECS_TEMPLATE, grants, load, resources_of_type
from .dockerfile import stages

ECS = load(ECS_TEMPLATE)
AGENTCORE = load(AGENTCORE_TEMPLATE)
MODELS = {"bedrock:InvokeModel": "the bedrock brain (langchain-aws Converse)",
          "bedrock:InvokeModelWithResponseStream": "the bedrock brain, streaming"}
ECS_EXTRA = {**MODELS,
             "xray:PutTelemetryRecords": "the X-Ray daemon sidecar (runs as the task role)",
             "ec2:StopInstances": "AWS-RestartEC2Instance acts as its caller",
             "ec2:StartInstances": "AWS-RestartEC2Instance acts as its caller",
             "ec2:DescribeInstances": "AWS-RestartEC2Instance waits on the instance state"}
AGENTCORE_EXTRA = {**MODELS, **{a: "what every AgentCore runtime role needs (image, logs, metrics, identity)" for a in (
    "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:GetAuthorizationToken", "logs:CreateLogGroup",
    "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams", "xray:PutTelemetryRecords",
    "cloudwatch:PutMetricData", "bedrock-agentcore:GetWorkloadAccessToken", "bedrock-agentcore:GetWorkloadAccessTokenForJWT",
    "bedrock-agentcore:GetWorkloadAccessTokenForUserId")}}
WRITES = {"ssm:SendCommand", "ssm:StartAutomationExecution", "ec2:StopInstances", "ec2:StartInstances"}
# Actions with no resource-level permissions (or read across all resources by design): the only ones on "*".
STAR_OK = {"cloudwatch:DescribeAlarms", "cloudwatch:DescribeAlarmHistory", "cloudwatch:GetMetricStatistics",
           "cloudwatch:ListMetrics", "cloudwatch:PutMetricData", "logs:DescribeLogGroups", "logs:GetQueryResults",
           "logs:StopQuery", "xray:GetTraceSummaries", "xray:BatchGetTraces", "xray:PutTraceSegments",
           "xray:PutTelemetryRecords", "ssm:ListDocuments", "ssm:ListCommands", "ssm:GetCommandInvocation",
           "ec2:DescribeInstances", "ecr:GetAuthorizationToken"}


def role_actions(template: dict, role: str) -> set[str]:
    return {a for g in grants(template) if g.role == role for a in g.actions}


def test_the_task_role_grants_exactly_what_the_service_and_its_servers_call():
    needed = called_actions("mcp servers") | called_actions("service")
    granted = role_actions(ECS, "TaskRole")
    assert needed - granted == set(), f"called but not granted: {sorted(needed - granted)}"
    assert granted - needed - set(ECS_EXTRA) == set(), f"granted but never called: {sorted(granted - needed - set(ECS_EXTRA))}"


def test_the_agentcore_role_is_read_only_and_grants_what_the_servers_read():
    reads = called_actions("mcp servers") - WRITES | {"xray:PutTraceSegments"}
    granted = role_actions(AGENTCORE, "RuntimeRole")
    assert reads - granted == set() and granted - reads - set(AGENTCORE_EXTRA) == set()
    assert not granted & (WRITES | {"sqs:SendMessage", "sns:Publish"})
    env = resources_of_type(AGENTCORE, "AWS::BedrockAgentCore::Runtime")["Runtime"]["Properties"]["EnvironmentVariables"]
    assert env["SRE_AGENT_POLICY_REMEDIATION"] == "off"


@pytest.mark.parametrize("template", [ECS, AGENTCORE], ids=["ecs", "agentcore"])
def test_no_wildcard_actions_and_star_resources_only_where_iam_offers_nothing_narrower(template):
    for grant in grants(template):
        assert grant.statement["Effect"] == "Allow"
        assert not [a for a in grant.actions if "*" in a], f"{grant.role}/{grant.policy}: wildcard action"
        if "*" in grant.resources:
            assert set(grant.actions) <= STAR_OK, f"{grant.role}/{grant.policy}: {grant.actions} on *"


@pytest.mark.parametrize(("path", "template"), [(ECS_TEMPLATE, ECS), (AGENTCORE_TEMPLATE, AGENTCORE)], ids=["ecs", "agentcore"])
def test_templates_name_no_account_and_no_partition(path, template):
    assert not re.search(r"\b\d{12}\b", path.read_text()), "account ids come from ${AWS::AccountId}"
    assert "arn:aws:" not in json.dumps(template["Resources"]), "resource ARNs use ${AWS::Partition}"


def test_writes_exist_only_when_remediation_is_on_and_reach_tagged_instances_and_runbooks_only():
    for grant in grants(ECS):
        written = set(grant.actions) & WRITES
        if not written:
            continue
        assert grant.created_if == "AllowWrites", f"{grant.policy}: {written} granted with remediation off"
        for resource in grant.resources:
            arn = resource["Fn::Sub"] if isinstance(resource, dict) else resource
            if ":instance/" in arn or ":managed-instance/" in arn:
                tag_conditions = json.dumps(grant.statement.get("Condition", {}))
                assert "sre-agent-remediation" in tag_conditions, f"{grant.statement['Sid']}: untagged instances"
            else:
                assert "${RunbookDocumentPrefix}*" in arn or arn.endswith(("AWS-RunShellScript", "AWS-RestartEC2Instance:*")), arn


@pytest.mark.parametrize("template", [ECS, AGENTCORE], ids=["ecs", "agentcore"])
def test_models_are_invoked_on_the_configured_arns_only_and_only_by_the_bedrock_brain(template):
    model_grants = [g for g in grants(template) if set(g.actions) & set(MODELS)]
    assert model_grants
    for grant in model_grants:
        assert grant.resources == [{"Ref": "BedrockModelArns"}] and grant.created_if == "UseBedrock"


def test_no_decrypt_for_anyone_and_secrets_only_for_the_execution_role():
    for grant in grants(ECS):
        assert "kms:Decrypt" not in grant.actions
        if "secretsmanager:GetSecretValue" in grant.actions:
            assert grant.role == "ExecutionRole"


def test_alarm_chain_cloudwatch_sns_sqs_service_with_dead_letters():
    resources = ECS["Resources"]
    subscription = resources["AlarmSubscription"]["Properties"]
    assert subscription["TopicArn"] == {"Ref": "AlarmTopic"} and subscription["Endpoint"] == {"Fn::GetAtt": ["AlarmQueue", "Arn"]}
    assert resources["AlarmQueue"]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["AlarmDeadLetterQueue", "Arn"]}
    queue_policy = resources["AlarmQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert queue_policy["Condition"]["ArnEquals"]["aws:SourceArn"] == {"Ref": "AlarmTopic"}
    container = resources["TaskDefinition"]["Properties"]["ContainerDefinitions"][0]
    env = {e["Name"]: e["Value"] for e in container["Environment"] if isinstance(e, dict) and "Name" in e}
    assert env["SRE_AGENT_SERVICE_SQS_QUEUE_URL"] == {"Ref": "AlarmQueue"}
    assert env["SRE_AGENT_SERVICE_SQS_DEAD_LETTER_QUEUE_URL"] == {"Ref": "AlarmDeadLetterQueue"}


def test_the_responders_own_health_is_alarmed_and_on_a_dashboard():
    alarms = resources_of_type(ECS, "AWS::CloudWatch::Alarm")
    text = json.dumps(alarms)
    for watched in ("ApproximateAgeOfOldestMessage", "AlarmDeadLetterQueue", "ErrorLogLines", "EscalationTopic", "HealthyHostCount"):
        assert watched in text, f"no alarm on {watched}"
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "ResponderHealthTopic"}], name
    dashboard = json.dumps(resources_of_type(ECS, "AWS::CloudWatch::Dashboard"))
    assert all(f"${{{name}.Arn}}" in dashboard for name in alarms)


def test_the_container_is_hardened_and_checked_like_the_image():
    container = ECS["Resources"]["TaskDefinition"]["Properties"]["ContainerDefinitions"][0]
    assert container["ReadonlyRootFilesystem"] is True and container["User"] == stages()[""].user
    assert {m["ContainerPath"] for m in container["MountPoints"]} == {"/var/lib/sre-agent", "/tmp"}
    assert container["HealthCheck"]["Command"] == ["CMD", *stages()[""].healthcheck]


def test_the_sweep_schedule_runs_a_diagnose_only_sweep_task():
    target = ECS["Resources"]["SweepSchedule"]["Properties"]["Target"]
    assert target["EcsParameters"]["TaskDefinitionArn"] == {"Ref": "SweepTaskDefinition"}
    container = ECS["Resources"]["SweepTaskDefinition"]["Properties"]["ContainerDefinitions"][0]
    assert "sweep --open-incidents" in json.dumps(container["Command"]).replace('", "', " ")
    assert {"Name": "SRE_AGENT_POLICY_REMEDIATION", "Value": "off"} in container["Environment"]
    run_task = [g for g in grants(ECS) if "ecs:RunTask" in g.actions]
    assert [g.resources for g in run_task] == [[{"Ref": "SweepTaskDefinition"}]]


def setting_exists(variable: str) -> bool:
    """Whether SRE_AGENT_<FIELD> or SRE_AGENT_<SECTION>_<FIELD> names a setting (a typo is silently ignored)."""
    name = variable.removeprefix("SRE_AGENT_").lower()
    if name in Settings.model_fields:
        return True
    section, _, field = name.partition("_")
    annotation = Settings.model_fields[section].annotation if section in Settings.model_fields else None
    return annotation is not None and field in getattr(annotation, "model_fields", {})


def test_every_sre_agent_variable_the_templates_set_is_a_real_setting():
    container = ECS["Resources"]["TaskDefinition"]["Properties"]["ContainerDefinitions"][0]
    sweep = ECS["Resources"]["SweepTaskDefinition"]["Properties"]["ContainerDefinitions"][0]
    names = re.findall(r'"(SRE_AGENT_[A-Z_]+)"', json.dumps([container, sweep]))
    names += [n for n in resources_of_type(AGENTCORE, "AWS::BedrockAgentCore::Runtime")["Runtime"]["Properties"]
              ["EnvironmentVariables"] if n.startswith("SRE_AGENT_")]
    assert len(set(names)) >= 10
    assert [n for n in set(names) if not setting_exists(n)] == []
