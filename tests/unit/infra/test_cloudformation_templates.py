"""infra/cloudformation: least privilege measured against the code (every IAM action granted is one the
deployed code calls, or is listed below with why), writes only when remediation is on and only on
tagged instances and runbook documents, models only by ARN, the alarm chain wired end to end, and the
responder's own health watched. cfn-lint runs in tests/integration/deploy/test_cloudformation_lint.py."""

from __future__ import annotations

import json
import re

import pytest

from sre_agent.app.settings import Settings
from sre_agent.contracts import DEFAULT_GROUP_ROLES

from .aws_calls import called_actions
from .cloudformation import (
    AGENTCORE_TEMPLATE,
    ECS_TEMPLATE,
    conditions,
    deployed,
    grants,
    load,
    references,
    resolved,
    resources_of_type,
)
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


# --- identity: the stack's own Cognito pool, or an existing issuer ------------------------------------------
COGNITO_TYPES = {"AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolDomain",
                 "AWS::Cognito::UserPoolGroup"}
PSEUDO = {"AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::URLSuffix", "AWS::StackName", "AWS::NoValue"}
NEW_POOL = {"PublicUrl": "https://sre-agent.example.com"}
EXISTING = {"OidcIssuer": "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0",
            "OidcAudience": "api://sre-agent", "OidcGroupsClaim": "roles"}


def service_env(resources: dict) -> dict:
    container = resources["TaskDefinition"]["Properties"]["ContainerDefinitions"][0]
    return {e["Name"]: e["Value"] for e in container["Environment"]}


def test_by_default_the_stack_creates_a_cognito_pool_its_client_domain_and_the_three_role_groups():
    resources = deployed(ECS, **NEW_POOL)
    assert {r["Type"] for r in resources.values()} >= COGNITO_TYPES
    groups = {r["Properties"]["GroupName"] for r in resources.values() if r["Type"] == "AWS::Cognito::UserPoolGroup"}
    assert groups == set(DEFAULT_GROUP_ROLES), "the groups are the service's default group -> role map"
    env = service_env(resources)
    assert env["SRE_AGENT_SERVICE_OIDC_ISSUER"] == {"Fn::Sub": "https://cognito-idp.${AWS::Region}.${AWS::URLSuffix}/${UserPool}"}
    assert env["SRE_AGENT_SERVICE_OIDC_AUDIENCE"] == {"Ref": "UserPoolClient"}
    assert env["SRE_AGENT_SERVICE_OIDC_GROUPS_CLAIM"] == {"Ref": "OidcGroupsClaim"}
    assert ECS["Parameters"]["OidcGroupsClaim"]["Default"] == "cognito:groups"
    assert env["SRE_AGENT_SERVICE_PUBLIC_URL"] == {"Ref": "PublicUrl"}


def test_an_existing_issuer_creates_no_cognito_resources_and_is_what_the_service_is_given():
    resources = deployed(ECS, **EXISTING)
    assert not [name for name, r in resources.items() if r["Type"].startswith("AWS::Cognito::")]
    env = service_env(resources)
    assert env["SRE_AGENT_SERVICE_OIDC_ISSUER"] == {"Ref": "OidcIssuer"}
    assert env["SRE_AGENT_SERVICE_OIDC_AUDIENCE"] == {"Ref": "OidcAudience"}
    assert "SRE_AGENT_SERVICE_PUBLIC_URL" not in env, "no PublicUrl given"


@pytest.mark.parametrize("given", [NEW_POOL, EXISTING], ids=["new-pool", "existing-issuer"])
def test_whatever_is_created_refers_only_to_what_is_created(given):
    """What cfn-lint checks across conditions, for the two identity set-ups: no Ref, GetAtt or ${} to a resource (or
    an output's value) that this deployment does not create."""
    conds = conditions(ECS, **given)
    resources = deployed(ECS, **given)
    known = set(resources) | set(ECS["Parameters"]) | PSEUDO
    for name, resource in resources.items():
        assert references(resource) <= known, f"{name} refers to {sorted(references(resource) - known)}"
    for name, output in ECS["Outputs"].items():
        if conds.get(output.get("Condition", ""), True):
            assert references(resolved(output["Value"], conds)) <= known, f"output {name}"


def test_the_cognito_pool_is_invitation_only_with_a_strong_password_policy_and_optional_mfa():
    pool = deployed(ECS, **NEW_POOL)["UserPool"]
    properties = pool["Properties"]
    assert properties["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True, "nobody signs themselves up"
    assert properties["UsernameAttributes"] == ["email"]
    password = properties["Policies"]["PasswordPolicy"]
    assert password["MinimumLength"] >= 12
    assert all(password[f"Require{kind}"] for kind in ("Lowercase", "Uppercase", "Numbers", "Symbols"))
    assert properties["MfaConfiguration"] == "OPTIONAL" and properties["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert properties["UserPoolAddOns"]["AdvancedSecurityMode"] == {"Ref": "CognitoThreatProtection"}
    assert ECS["Parameters"]["CognitoThreatProtection"]["Default"] == "OFF" and properties["UserPoolTier"] == "ESSENTIALS"
    plus = deployed(ECS, **NEW_POOL, CognitoThreatProtection="ENFORCED")["UserPool"]["Properties"]
    assert plus["UserPoolTier"] == "PLUS", "threat protection needs the Plus plan"
    assert pool["DeletionPolicy"] == "Retain" and properties["DeletionProtection"] == "ACTIVE"
    groups = resources_of_type(ECS, "AWS::Cognito::UserPoolGroup").values()
    assert all(g["DeletionPolicy"] == "Retain" for g in groups), "a deleted stack leaves the people in their groups"


def test_the_console_client_is_public_code_flow_only_with_the_console_callback():
    client = deployed(ECS, **NEW_POOL)["UserPoolClient"]["Properties"]
    assert client["GenerateSecret"] is False, "a browser (PKCE) keeps no secret"
    assert client["AllowedOAuthFlows"] == ["code"] and client["AllowedOAuthFlowsUserPoolClient"] is True
    assert set(client["AllowedOAuthScopes"]) == {"openid", "email", "profile"}
    assert client["CallbackURLs"] == [{"Fn::Sub": "${PublicUrl}/ui/login/callback"}]
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    assert not [flow for flow in client["ExplicitAuthFlows"] if "PASSWORD" in flow], "no password sent to the API"
    assert client["TokenValidityUnits"]["AccessToken"] == "minutes" and client["AccessTokenValidity"] <= 60


def test_the_identity_rules_refuse_half_configurations():
    """The Rules CloudFormation checks before creating anything: an issuer needs its audience; a new pool needs the
    public URL its callback lives at and takes no audience of its own."""
    rules = ECS["Rules"]
    assert rules["AnExistingIssuerNeedsItsAudience"]["RuleCondition"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "OidcIssuer"}, ""]}]}
    asserted = [a["Assert"] for a in rules["TheCognitoPoolNeedsThePublicUrl"]["Assertions"]]
    assert {"Fn::Not": [{"Fn::Equals": [{"Ref": "PublicUrl"}, ""]}]} in asserted
    assert re.fullmatch(ECS["Parameters"]["PublicUrl"]["AllowedPattern"], "http://sre-agent.example.com") is None
    assert re.fullmatch(ECS["Parameters"]["OidcIssuer"]["AllowedPattern"], "http://idp.example.com") is None
