"""What every CloudWatch tool module shares: the AWS clients behind deadlines, the argument types
(with the spellings the runbook library uses as aliases) and time-window checks."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar

from mcp.server.fastmcp.exceptions import ToolError
from pydantic import AliasChoices, BeforeValidator, Field

from ...common.aws import AwsClients
from ...common.errors import call_backend
from ..timewindow import TimeWindowError, Window, resolve_window

T = TypeVar("T")


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


# Aliases accept the spellings the runbook library uses (stat, period_s, log_group); the schema
# shows one name per argument.
TimeArg = Annotated[str, Field(min_length=1, max_length=40,
                               description="ISO-8601, -3h, now-1d or now")]
Namespace = Annotated[str, Field(min_length=1, max_length=255, description="metric namespace, e.g. AWS/EC2, ContainerInsights")]
MetricName = Annotated[str, Field(min_length=1, max_length=255, description="metric name, e.g. CPUUtilization")]
Dimensions = Annotated[dict[str, str], Field(max_length=30, description='dimension name -> value, e.g. {"ClusterName": "prod"}; '
                                                                        "every dimension of the series must be given")]
Period = Annotated[int, Field(ge=1, le=86400, validation_alias=AliasChoices("period", "period_s"),
                              description="seconds per datapoint: 1, 5, 10, 30 or a multiple of 60")]
Statistic = Annotated[str, Field(min_length=2, max_length=20, validation_alias=AliasChoices("statistic", "stat"),
                                 description="Average, Sum, Minimum, Maximum, SampleCount or a percentile such as p99")]
Statistics = Annotated[list[Annotated[str, Field(min_length=2, max_length=20)]], BeforeValidator(_one_or_many),
                       Field(min_length=1, max_length=5, validation_alias=AliasChoices("statistics", "stat", "statistic"),
                             description="e.g. [\"Average\", \"Maximum\", \"p99\"]")]
LogGroup = Annotated[str, Field(min_length=1, max_length=512, validation_alias=AliasChoices("log_group", "group"),
                                description="log group name, e.g. /aws/eks/prod/app")]
LogGroups = Annotated[list[Annotated[str, Field(min_length=1, max_length=512)]], BeforeValidator(_one_or_many),
                      Field(min_length=1, max_length=20, validation_alias=AliasChoices("log_groups", "log_group", "groups"),
                            description="log group names")]
Limit = Annotated[int, Field(ge=1, le=10000, description="most rows to return")]

_STATISTIC = re.compile(r"^(Average|Sum|Minimum|Maximum|SampleCount|p\d{1,2}(\.\d{1,2})?|p100)$")
MAX_POINTS_PER_SERIES = 1440  # GetMetricStatistics' limit per call; a day of minutes is more than an agent reads
MAX_METRIC_SPAN = timedelta(days=15)
MAX_MESSAGE_CHARS = 2000


@dataclass
class CloudWatchTools:
    """The clients of one server and its per-call deadline."""

    aws: AwsClients
    call_timeout: float = 30.0

    def __post_init__(self) -> None:
        self.cloudwatch = self.aws.client("cloudwatch")
        self.logs = self.aws.client("logs")
        self.xray = self.aws.client("xray")

    def backend(self, fn: Callable[[], T], what: str, timeout_s: float | None = None) -> T:
        """A blocking AWS call with the server's deadline; failures become clear tool errors."""
        return call_backend(fn, what, timeout_s or self.call_timeout)


def window(start: str, end: str, max_span: timedelta, what: str = "window") -> Window:
    try:
        return resolve_window(start, end, datetime.now(UTC), max_span=max_span, what=what)
    except TimeWindowError as exc:
        raise ToolError(str(exc)) from None


def metric_window(start: str, end: str, period: int) -> Window:
    """A window for metric reads: aligned to the period, so datapoints land on period boundaries
    (12:05:00, not 12:05:14) whatever second the call was made, as CloudWatch recommends."""
    if period not in (1, 5, 10, 30) and period % 60:
        raise ToolError(f"period {period}s is not allowed; CloudWatch takes 1, 5, 10, 30 or a multiple of 60 seconds")
    span = window(start, end, MAX_METRIC_SPAN)
    points = math.ceil(span.seconds / period)
    if points > MAX_POINTS_PER_SERIES:
        suggested = math.ceil(span.seconds / MAX_POINTS_PER_SERIES / 60) * 60
        raise ToolError(f"a {int(span.seconds)}s window at period {period}s is {points} datapoints per statistic; "
                        f"the limit is {MAX_POINTS_PER_SERIES} -- use period={suggested} or a shorter window")
    end_s = math.ceil(span.end.timestamp() / period) * period
    # Aligning may add a period (-1d at 60 s is 1,441 boundaries): then start one period later.
    start_s = max(math.floor(span.start.timestamp() / period) * period, end_s - MAX_POINTS_PER_SERIES * period)
    return Window(datetime.fromtimestamp(start_s, UTC), datetime.fromtimestamp(end_s, UTC))


def check_statistics(statistics: list[str]) -> list[str]:
    bad = [s for s in statistics if not _STATISTIC.match(s)]
    if bad:
        raise ToolError(f"unknown statistic(s) {bad}; use Average, Sum, Minimum, Maximum, SampleCount or pNN (p99)")
    return list(dict.fromkeys(statistics))


def cut(message: str) -> str:
    """A log message without its trailing newline, cut to MAX_MESSAGE_CHARS with a notice."""
    message = message.rstrip("\n")
    if len(message) <= MAX_MESSAGE_CHARS:
        return message
    return message[:MAX_MESSAGE_CHARS] + f"... [{len(message) - MAX_MESSAGE_CHARS} chars cut]"
