"""The honesty rule's vocabulary (sre_agent/graph/coverage.py): which failed calls still prove a
backend answered, which leave a hole, which never reached it -- read from the sentences the servers
really write (mcp_servers/common/errors.py turns real client exceptions into them here) and from
what the Toolbox writes when an MCP session fails."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import MaxRetryError, NewConnectionError

from mcp_servers.common.errors import call_backend, describe_exception
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.coverage import (
    HEALTH_BACKENDS,
    backend_checks,
    checked_sentence,
    classify_error,
    could_not_check_sentence,
    holes,
    reached_backend,
    short_reason,
)


def k8s(status: int, message: str = "boom") -> ApiException:
    exc = ApiException(status=status, reason="Reason")
    exc.body = json.dumps({"message": message})
    return exc


def aws(code: str, message: str = "msg", status: int = 400) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}},
                       "GetMetricData")


def refused_connection() -> MaxRetryError:
    cause = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    return MaxRetryError(None, "/api/v1/namespaces/shop/pods/not-found-pod", cause)  # type: ignore[arg-type]


SERVER_SENTENCES = [  # (exception the client library raises, class of the sentence the server makes of it)
    (k8s(404, 'pods "x" not found'), "answered"),
    (k8s(409), "answered"),
    (k8s(422), "answered"),
    (k8s(400, "no rollout history found"), "answered"),
    (k8s(401), "unreachable"),  # refused us: we could not look
    (k8s(403), "unreachable"),
    (k8s(429), "unreachable"),
    (k8s(500), "unreachable"),
    (k8s(503), "unreachable"),
    (k8s(0, "connection reset"), "unreachable"),
    (refused_connection(), "unreachable"),  # a URL mentioning "not-found" does not make it an answer
    (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), "unreachable"),
    (ConnectionRefusedError(111, "Connection refused"), "unreachable"),
    (TimeoutError("timed out"), "unreachable"),
    (NoCredentialsError(), "unreachable"),
    (aws("AccessDeniedException"), "unreachable"),
    (aws("ThrottlingException"), "unreachable"),
    (aws("ExpiredTokenException"), "unreachable"),
    (aws("InternalFailure", status=500), "unreachable"),
    (aws("SomethingNew"), "unreachable"),  # unknown: a hole, never a false "healthy"
    (aws("ResourceNotFoundException", "log group does not exist"), "answered"),
    (aws("ValidationException", "bad period"), "answered"),
    (aws("InvalidParameterValue"), "answered"),
    (aws("ParameterNotFound"), "answered"),
    (RuntimeError("something odd"), "unreachable"),
]


@pytest.mark.parametrize("exc, expected", SERVER_SENTENCES, ids=lambda v: type(v).__name__ if isinstance(v, Exception) else v)
def test_server_error_sentences_are_classified(exc, expected):
    sentence = describe_exception(exc, "list pods in shop")
    assert classify_error(sentence) == expected, sentence
    assert reached_backend(sentence) == (expected == "answered")


def test_a_backend_deadline_is_a_hole():
    def slow() -> None:
        import time
        time.sleep(0.3)

    with pytest.raises(Exception) as raised:
        call_backend(slow, "get_metric_data", timeout_s=0.01)
    assert classify_error(str(raised.value)) == "unreachable"


OTHER_SENTENCES = [
    # What the Toolbox writes when the MCP session itself fails (f"{type(exc).__name__}: {exc}").
    ("McpError: Connection closed", "unreachable"),
    ("ClosedResourceError: ", "unreachable"),
    ("BrokenResourceError: ", "unreachable"),
    ("McpError: Timed out while waiting for response to ClientRequest. Waited 30.0 seconds.", "unreachable"),
    ("LookupError: no MCP server 'kubernetes' is connected to this run", "unreachable"),
    ("the kubernetes MCP server did not start: error: cannot load Kubernetes configuration: file not found", "unreachable"),
    # Refused by the MCP server itself: the backend was never asked.
    ("scale: unknown argument(s) 'dryRun'; accepted: dry_run, name. Nothing was done", "not_sent"),
    ("1 validation error for get_resourcesArguments\nkind\n  Field required", "not_sent"),
    ("Unknown tool: nope", "not_sent"),
    ("scale: writes are disabled on this server; start it with --allow-writes", "not_sent"),
    ("scale: namespace 'prod' is not in this server's allow-list [shop]; nothing was done", "not_sent"),
    ("get_metric_data: unknown statistic(s) ['Median']; use Average, Sum", "not_sent"),
    ("period 7s is not allowed; CloudWatch takes 1, 5, 10, 30 or a multiple of 60 seconds", "not_sent"),
    # Tools' own "the backend said no" sentences.
    ("alarm_history: no alarm named 'x'; describe_alarms lists the alarms", "answered"),
    ("trace_summaries: this endpoint does not implement X-Ray filter expressions; drop the filter", "answered"),
    ("", "unreachable"),
]


@pytest.mark.parametrize("sentence, expected", OTHER_SENTENCES)
def test_client_and_server_refusals_are_classified(sentence, expected):
    assert classify_error(sentence) == expected


def call(server: str, ok: bool = True, excerpt: str = "{}", n: int = 1) -> ToolCallRecord:
    return ToolCallRecord(id=f"ev-{n}", agent="a", server=server, tool="t", ok=ok, excerpt=excerpt)


def statuses(records: list[ToolCallRecord]) -> dict[str, str]:
    return {c.backend: c.status for c in backend_checks(records, HEALTH_BACKENDS)}


def test_backend_checks_table():
    unreachable = "list pods: backend unreachable (connection refused)"
    assert statuses([]) == {"kubernetes": "not_asked", "cloudwatch": "not_asked"}
    assert statuses([call("kubernetes"), call("cloudwatch")]) == {"kubernetes": "checked", "cloudwatch": "checked"}
    # one failure to reach it is a hole, whatever else answered
    assert statuses([call("kubernetes"), call("kubernetes", False, unreachable), call("cloudwatch")])["kubernetes"] == \
        "could_not_check"
    # a "not found" is an answer
    assert statuses([call("kubernetes", False, 'describe: not found (pods "x" not found)'), call("cloudwatch")]) == \
        {"kubernetes": "checked", "cloudwatch": "checked"}
    # a refusal by the server asks nothing of the backend
    assert statuses([call("kubernetes", False, "Unknown tool: x"), call("cloudwatch")])["kubernetes"] == "not_asked"
    # other servers called are listed too
    assert "ssm" in statuses([call("ssm")])


def test_holes_and_sentences_name_the_backend_and_the_reason():
    records = [call("kubernetes", False, "get_resources Pod: backend unreachable (Max retries exceeded); check KUBECONFIG"),
               call("cloudwatch", n=2), call("cloudwatch", n=3)]
    checks = backend_checks(records, HEALTH_BACKENDS)
    missing = holes(checks, HEALTH_BACKENDS)
    assert [c.backend for c in missing] == ["kubernetes"]
    assert missing[0].calls_failed == 1 and "backend unreachable" in missing[0].reason
    sentence = could_not_check_sentence(missing)
    assert sentence.startswith("could not check kubernetes: get_resources Pod: backend unreachable")
    assert checked_sentence(checks) == "cloudwatch (2 calls)"
    assert could_not_check_sentence(holes(backend_checks([], ["cloudwatch"]), ["cloudwatch"])) == \
        "could not check cloudwatch: no evidence was gathered from it"
    assert missing[0].sentence().startswith("could not check kubernetes:")


def test_short_reason_cuts_at_a_word():
    assert short_reason("a  b\nc") == "a b c"
    cut = short_reason("word " * 100, limit=20)
    assert cut.endswith(" ...") and len(cut) <= 24
