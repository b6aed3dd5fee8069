"""What the service accepts, as pydantic models: a wrong type anywhere is a 422 naming the field,
never a 500 deeper in. The alarm shapes are CloudWatch's own (raw, inside an SNS envelope, or an
EventBridge "CloudWatch Alarm State Change" event); only the fields the responder reads are
declared, the rest pass through untouched."""

from __future__ import annotations

import json
import math
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from ..app.intake import IntakeError
from ..contracts import parse_time

MAX_QUESTION_CHARS = 4000
CLUSTER_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"  # app/clusters.py NAME


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Dimension(_Lenient):
    name: str = Field(validation_alias=AliasChoices("name", "Name"), max_length=255)
    value: str = Field(validation_alias=AliasChoices("value", "Value"), max_length=1024)


class AlarmTrigger(_Lenient):
    MetricName: str | None = Field(None, max_length=255)
    Namespace: str | None = Field(None, max_length=255)
    Dimensions: list[Dimension] = Field(default_factory=list, max_length=30)
    Period: int | None = Field(None, ge=1, le=86400 * 7)
    EvaluationPeriods: int | None = Field(None, ge=1, le=1000)


class CloudWatchAlarm(_Lenient):
    AlarmName: str = Field(min_length=1, max_length=255)
    AlarmDescription: str | None = Field(None, max_length=1024)
    NewStateValue: Literal["ALARM", "OK", "INSUFFICIENT_DATA"]
    NewStateReason: str | None = Field(None, max_length=4096)
    StateChangeTime: str | None = None
    Trigger: AlarmTrigger | None = None

    @field_validator("StateChangeTime")
    @classmethod
    def _a_time(cls, value: str | None) -> str | None:
        if value is None:
            return None
        moment = parse_time(value)  # no zone: UTC, as CloudWatch means it
        if moment is None:
            raise ValueError(f"not an ISO-8601 timestamp: {value[:40]!r}")
        return moment.isoformat()


class AlarmState(_Lenient):
    value: Literal["ALARM", "OK", "INSUFFICIENT_DATA"]
    reason: str | None = Field(None, max_length=4096)


class AlarmDetail(_Lenient):
    alarmName: str = Field(min_length=1, max_length=255)
    state: AlarmState
    configuration: dict[str, Any] = Field(default_factory=dict)


class EventBridgeAlarmEvent(_Lenient):
    detail_type: Literal["CloudWatch Alarm State Change"] = Field(alias="detail-type")
    time: str | None = None
    detail: AlarmDetail


class SnsEnvelope(_Lenient):
    Type: Literal["Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"]
    Message: str = Field(max_length=262_144)


class Question(BaseModel):
    """A question for the responder (chat over HTTP)."""

    model_config = ConfigDict(extra="forbid")
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    namespace: str | None = Field(None, max_length=63, description="scope the question to one namespace (kubectl -n)")
    cluster: str | None = Field(None, max_length=100, pattern=CLUSTER_NAME,
                                description="the configured cluster it is about (several configured: a question names "
                                            "none otherwise, and is investigated in none)")


class AgentCorePrompt(BaseModel):
    """An AgentCore Runtime invocation asking a question: its field is `prompt` (a 422 names that, not
    `question`); anything else the runtime adds is ignored."""

    model_config = ConfigDict(extra="ignore")
    prompt: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    namespace: str | None = Field(None, max_length=63, description="scope the question to one namespace (kubectl -n)")
    cluster: str | None = Field(None, max_length=100, pattern=CLUSTER_NAME,
                                description="a new session's configured cluster (several configured)")


class ApprovalAnswer(BaseModel):
    """A human's answer to a pending approval: names the pinned action it approves and the approval it answers."""

    model_config = ConfigDict(extra="forbid")
    decision: Literal["approved", "rejected"]
    action_id: str | None = Field(None, max_length=64, description="the pending approval's action_id (required to approve)")
    approval_id: str = Field(min_length=1, max_length=64, description="the pending approval's approval_id")
    by: str | None = Field(None, min_length=1, max_length=200, description="who decides, with the static token (it "
                           "goes to the report and the audit log); ignored when a person's OIDC token names them")
    note: str = Field("", max_length=2000)


class Resolution(BaseModel):
    """A human closes an incident: a problem fixed by hand, a false alarm."""

    model_config = ConfigDict(extra="forbid")
    by: str | None = Field(None, min_length=1, max_length=200, description="who resolves it, with the static token; "
                           "ignored when a person's OIDC token names them")
    note: str = Field("", max_length=2000)


def no_nan(value: Any, depth: int = 0) -> None:
    """JSON that Python accepts but no alarm contains: NaN/Infinity, or nesting deeper than any notification."""
    if depth > 32:
        raise ValueError("the body is nested more than 32 levels deep")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("the body contains NaN or Infinity, which is not JSON")
    if isinstance(value, dict):
        for item in value.values():
            no_nan(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            no_nan(item, depth + 1)


def loads(raw: bytes) -> Any:
    """Strict JSON: NaN, Infinity and over-deep nesting are refused (ValueError)."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    try:
        value = json.loads(raw, parse_constant=refuse)
    except RecursionError:
        raise ValueError("the body is nested too deeply") from None
    no_nan(value)
    return value


def sns_message_body(message: str) -> dict[str, Any]:
    """The JSON object an SNS notification's Message carries (an alarm); IntakeError when it is not one."""
    try:
        inner = loads(message.encode())
    except ValueError:
        raise IntakeError("the SNS Message is not JSON; expected a CloudWatch alarm notification") from None
    if not isinstance(inner, dict):
        raise IntakeError("the SNS Message is not a JSON object; expected a CloudWatch alarm notification")
    return inner


def alarm_in(body: dict[str, Any]) -> dict[str, Any]:
    """Validate an alarm notification in any of its three shapes; returns the CloudWatch alarm as a
    dict (what app.intake reads). pydantic.ValidationError names the bad field."""
    if "Records" in body and isinstance(body["Records"], list) and body["Records"]:
        body = body["Records"][0].get("Sns", body["Records"][0]) if isinstance(body["Records"][0], dict) else body
    if "Message" in body and "Type" in body:
        body = sns_message_body(SnsEnvelope.model_validate(body).Message)
    if "detail-type" in body:
        event = EventBridgeAlarmEvent.model_validate(body)
        return event.model_dump(by_alias=True)
    if "AlarmName" not in body:
        raise IntakeError("not a CloudWatch alarm: no AlarmName (expected raw alarm JSON, an SNS notification, or an "
                          "EventBridge 'CloudWatch Alarm State Change' event; a question is {\"question\": \"...\"})")
    return CloudWatchAlarm.model_validate(body).model_dump(exclude_none=True)
