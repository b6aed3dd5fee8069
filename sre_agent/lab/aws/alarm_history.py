"""DescribeAlarmHistory for the lab's CloudWatch, which moto does not implement (it answers 500).

CloudWatch keeps a history item for every change to an alarm: `ConfigurationUpdate` when it is
created, updated or deleted, `StateUpdate` when its state changes ("Alarm updated from OK to
ALARM", with the old and new state, reason and reason data as JSON), and `Action` when an action
ran ("Successfully executed action arn:aws:sns:..."). The lab records them where they happen --
moto's own PutMetricAlarm / SetAlarmState / DeleteAlarms of one account's backend are wrapped, so
changes a client makes over HTTP count too -- stamped with the lab's simulated clock (a scenario's
alarm fired at its moment in the replayed history, not when the replay ran).

The operation itself is a handler added to moto's CloudWatch response class: moto dispatches an
action to the method of that name and serialises its result for whichever protocol the client
speaks (CBOR, JSON or query), so boto3 and the aws CLI read it like any other moto answer. The
history lives on the account's backend object, so wiping the account wipes it; as on AWS it
outlives a deleted alarm."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

ATTRIBUTE = "lab_alarm_history"  # where an account's history hangs on its moto CloudWatch backend
ITEM_TYPES = ("ConfigurationUpdate", "StateUpdate", "Action")
ALARM_TYPES = ("MetricAlarm", "CompositeAlarm")
MAX_RECORDS = 100  # the API's limit and default page size


def _utc(when: datetime) -> datetime:
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def _ms(when: datetime) -> int:
    return int(_utc(when).timestamp() * 1000)


def _json_or_text(text: str | None) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


def _alarm_config(alarm: Any) -> dict[str, Any]:
    """The alarm as CloudWatch's ConfigurationUpdate history data spells it (camelCase)."""
    config = {
        "alarmName": alarm.name, "alarmArn": alarm.alarm_arn, "alarmDescription": alarm.description,
        "actionsEnabled": bool(alarm.actions_enabled), "oKActions": list(alarm.ok_actions or []),
        "alarmActions": list(alarm.alarm_actions or []),
        "insufficientDataActions": list(alarm.insufficient_data_actions or []),
        "evaluationPeriods": alarm.evaluation_periods, "datapointsToAlarm": alarm.datapoints_to_alarm,
        "comparisonOperator": alarm.comparison_operator, "threshold": alarm.threshold, "period": alarm.period,
        "namespace": alarm.namespace, "metricName": alarm.metric_name, "statistic": alarm.statistic,
        "dimensions": [{"name": d.name, "value": d.value} for d in alarm.dimensions or []],
        "treatMissingData": alarm.treat_missing_data, "unit": alarm.unit,
    }
    return {k: v for k, v in config.items() if v is not None}


class AlarmHistory:
    """One account's alarm history items, oldest first."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.items: list[dict[str, Any]] = []
        self._moment: datetime | None = None
        self._lock = threading.Lock()

    @classmethod
    def install(cls, backend: Any, clock: Callable[[], datetime]) -> AlarmHistory:
        """The history of one moto CloudWatch backend, recording from now on (once per backend)."""
        history = getattr(backend, ATTRIBUTE, None)
        if history is not None:
            history.clock = clock
            return history
        history = cls(clock)
        setattr(backend, ATTRIBUTE, history)
        history._wrap(backend)
        return history

    @contextmanager
    def at(self, moment: datetime) -> Iterator[None]:
        """Stamp what happens inside with `moment` (the lab's alarm evaluation knows when a change happened)."""
        self._moment = moment
        try:
            yield
        finally:
            self._moment = None

    def _now(self) -> datetime:
        return _utc(self._moment or self.clock())

    def _add(self, alarm: str, item_type: str, summary: str, data: dict[str, Any], alarm_type: str) -> None:
        with self._lock:
            self.items.append({"AlarmName": alarm, "AlarmType": alarm_type, "Timestamp": self._now(),
                               "HistoryItemType": item_type, "HistorySummary": summary,
                               "HistoryData": json.dumps(data, separators=(",", ":"))})

    # --- recording -------------------------------------------------------------------------
    def _wrap(self, backend: Any) -> None:
        cls = type(backend)

        def put_metric_alarm(*args: Any, **kwargs: Any) -> Any:
            name = kwargs.get("name", args[0] if args else None)
            before = backend.alarms.get(name)
            original = _alarm_config(before) if before is not None else None
            alarm = cls.put_metric_alarm(backend, *args, **kwargs)
            kind = "CompositeAlarm" if getattr(alarm, "rule", None) else "MetricAlarm"
            if before is None:
                # A new alarm starts in INSUFFICIENT_DATA until its first evaluation (moto says OK).
                alarm.state_value, alarm.state_updated_timestamp = "INSUFFICIENT_DATA", self._now().replace(tzinfo=None)
                self._add(name, "ConfigurationUpdate", f'Alarm "{name}" created',
                          {"version": "1.0", "type": "Create", "createdAlarm": _alarm_config(alarm)}, kind)
            else:
                self._add(name, "ConfigurationUpdate", f'Alarm "{name}" updated',
                          {"version": "1.0", "type": "Update", "originalUpdatedAlarm": original,
                           "updatedAlarm": _alarm_config(alarm)}, kind)
            return alarm

        def set_alarm_state(alarm_name: str, reason: str, reason_data: str, state_value: str) -> None:
            alarm = backend.alarms.get(alarm_name)
            old = (alarm.state_value, alarm.state_reason, alarm.state_reason_data) if alarm is not None else None
            cls.set_alarm_state(backend, alarm_name, reason, reason_data, state_value)
            if old is not None and old[0] != state_value:
                self.record_state_update(alarm, old, (state_value, reason, reason_data))

        def delete_alarms(alarm_names: list[str]) -> None:
            gone = [backend.alarms[n] for n in alarm_names if n in backend.alarms]
            cls.delete_alarms(backend, alarm_names)
            for alarm in gone:
                self._add(alarm.name, "ConfigurationUpdate", f'Alarm "{alarm.name}" deleted',
                          {"version": "1.0", "type": "Delete", "deletedAlarm": _alarm_config(alarm)},
                          "CompositeAlarm" if getattr(alarm, "rule", None) else "MetricAlarm")

        backend.put_metric_alarm = put_metric_alarm
        backend.set_alarm_state = set_alarm_state
        backend.delete_alarms = delete_alarms

    def record_state_update(self, alarm: Any, old: tuple[str, str, str], new: tuple[str, str, str]) -> None:
        def state(value: str, reason: str, reason_data: str) -> dict[str, Any]:
            shown: dict[str, Any] = {"stateValue": value, "stateReason": reason}
            data = _json_or_text(reason_data)
            if data:
                shown["stateReasonData"] = data
            return shown

        self._add(alarm.name, "StateUpdate", f"Alarm updated from {old[0]} to {new[0]}",
                  {"version": "1.0", "oldState": state(*old), "newState": state(*new)},
                  "CompositeAlarm" if getattr(alarm, "rule", None) else "MetricAlarm")

    def record_action(self, alarm: str, resource: str, message_id: str) -> None:
        """An action the alarm ran (the lab publishes to its SNS topic when an alarm fires)."""
        self._add(alarm, "Action", f"Successfully executed action {resource}",
                  {"actionState": "Succeeded", "stateUpdateTimestamp": _ms(self._now()),
                   "notificationResource": resource, "publishedMessage": {"messageId": message_id}}, "MetricAlarm")

    # --- reading ---------------------------------------------------------------------------
    def query(self, *, alarm_name: str | None, alarm_types: list[str] | None, item_type: str | None,
              start: datetime | None, end: datetime | None, newest_first: bool) -> list[dict[str, Any]]:
        kinds = set(alarm_types or ["MetricAlarm"])  # without AlarmTypes only metric alarms are returned
        with self._lock:
            ranked = [(i["Timestamp"], seq, i) for seq, i in enumerate(self.items)
                      if (alarm_name is None or i["AlarmName"] == alarm_name) and i["AlarmType"] in kinds
                      and (item_type is None or i["HistoryItemType"] == item_type)
                      and (start is None or i["Timestamp"] >= start) and (end is None or i["Timestamp"] <= end)]
        # Items of one moment keep the order they happened in (a state change, then the action it ran).
        ranked.sort(key=lambda r: r[:2], reverse=newest_first)
        return [item for _, _, item in ranked]


# --- the operation -----------------------------------------------------------------------
def _when(value: Any) -> datetime | None:
    """StartDate / EndDate as the protocol parser left them: a datetime, epoch seconds or ISO 8601 text."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return _utc(value)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(float(value), UTC)
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except ValueError:
        return _utc(datetime.fromisoformat(str(value).replace("Z", "+00:00")))


def _token(offset: int, query: tuple) -> str:
    return base64.urlsafe_b64encode(json.dumps([offset, list(query)], default=str).encode()).decode()


def _offset(token: str, query: tuple) -> int | None:
    try:
        offset, seen = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, TypeError):
        return None
    return offset if isinstance(offset, int) and offset >= 0 and seen == json.loads(json.dumps(list(query),
                                                                                               default=str)) else None


def describe_alarm_history(response: Any) -> Any:
    """moto's CloudWatchResponse.describe_alarm_history: the account's items filtered and paged as the
    real API does (AlarmName, AlarmTypes, HistoryItemType, StartDate, EndDate, ScanBy, MaxRecords, NextToken)."""
    from moto.cloudwatch.exceptions import CloudWatchException, InvalidParameterValue
    from moto.core.responses import ActionResult

    alarm_name = response._get_param("AlarmName") or None
    alarm_types = response._get_param("AlarmTypes") or None
    item_type = response._get_param("HistoryItemType") or None
    scan_by = response._get_param("ScanBy") or "TimestampDescending"
    max_records = response._get_param("MaxRecords")
    token = response._get_param("NextToken") or None
    if item_type is not None and item_type not in (*ITEM_TYPES, "AlarmContributorStateUpdate",
                                                   "AlarmContributorAction"):
        raise InvalidParameterValue(f"The value {item_type} for parameter HistoryItemType is not valid.")
    if scan_by not in ("TimestampDescending", "TimestampAscending"):
        raise InvalidParameterValue(f"The value {scan_by} for parameter ScanBy is not valid.")
    for kind in alarm_types or []:
        if kind not in ALARM_TYPES:
            raise InvalidParameterValue(f"The value {kind} for parameter AlarmTypes is not valid.")
    limit = MAX_RECORDS if max_records in (None, "") else int(max_records)
    if not 1 <= limit <= MAX_RECORDS:
        raise InvalidParameterValue(f"The value {limit} for parameter MaxRecords is not valid; it must be 1 to 100.")
    start, end = _when(response._get_param("StartDate")), _when(response._get_param("EndDate"))
    history = getattr(response.cloudwatch_backend, ATTRIBUTE, None)
    items = history.query(alarm_name=alarm_name, alarm_types=alarm_types, item_type=item_type, start=start,
                          end=end, newest_first=scan_by == "TimestampDescending") if history else []
    query = (alarm_name, tuple(alarm_types or ()), item_type, start, end, scan_by)
    offset = 0
    if token is not None:
        offset = _offset(token, query)
        if offset is None:
            raise CloudWatchException("InvalidNextToken", "The service cannot complete the request: the NextToken "
                                      "is not one this query issued.")
    page = items[offset:offset + limit]
    result: dict[str, Any] = {"AlarmHistoryItems": page}
    if offset + limit < len(items):
        result["NextToken"] = _token(offset + limit, query)
    return ActionResult(result)


def serve_alarm_history() -> None:
    """Teach moto's CloudWatch responder the operation (idempotent; moto's own code is untouched)."""
    from moto.cloudwatch.responses import CloudWatchResponse

    if getattr(CloudWatchResponse, "describe_alarm_history", None) is not describe_alarm_history:
        CloudWatchResponse.describe_alarm_history = describe_alarm_history
