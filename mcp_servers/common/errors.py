"""Every backend failure becomes a tool error a person (or an agent) can act on: what went wrong,
where, and what to do -- never a stack trace, never a hung call."""

from __future__ import annotations

import concurrent.futures
import logging
import socket
import time
from collections.abc import Callable
from typing import Any, TypeVar

from mcp.server.fastmcp.exceptions import ToolError

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_TIMEOUT_S = 15.0
_pool = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="backend")


def describe_exception(exc: BaseException, what: str) -> str:
    """Map client library exceptions to one clear sentence."""
    name = type(exc).__name__
    # kubernetes.client.ApiException
    status = getattr(exc, "status", None)
    if name.endswith("Exception") and type(exc).__module__.startswith("kubernetes") and status is not None:
        reason = _k8s_message(exc)
        if status == 404:
            return f"{what}: not found ({reason})"
        if status in (401, 403):
            return f"{what}: access denied by the Kubernetes API ({reason}); check the kubeconfig's RBAC"
        if status == 409:
            return f"{what}: conflict ({reason}); re-read the object and retry"
        if status == 422:
            return f"{what}: rejected as invalid ({reason})"
        if status == 0 or status is None:
            return f"{what}: Kubernetes API unreachable ({exc})"
        return f"{what}: Kubernetes API answered {status} ({reason})"
    # botocore
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        code = response["Error"].get("Code", "Error")
        message = response["Error"].get("Message", "")
        if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
            return f"{what}: AccessDenied from AWS ({message}); the caller's IAM policy must allow this action"
        if code in ("Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"):
            return f"{what}: throttled by AWS after retries with backoff ({message}); try again later or narrow the call"
        if code in ("ResourceNotFoundException", "InvalidParameterValue", "ValidationException", "InvalidDocument",
                    "InvalidParameterCombination", "ParameterNotFound", "InvalidDocumentContent"):
            return f"{what}: {code}: {message}"
        return f"{what}: AWS error {code}: {message}"
    if name in ("EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "MaxRetryError",
                "NewConnectionError", "ProtocolError") or isinstance(exc, (ConnectionError, socket.timeout)):
        return f"{what}: backend unreachable ({exc}); check the endpoint / KUBECONFIG / AWS_ENDPOINT_URL and the network"
    if name == "NoCredentialsError":
        return f"{what}: no AWS credentials found; set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
    return f"{what}: {name}: {exc}"


def _k8s_message(exc: Any) -> str:
    import json

    body = getattr(exc, "body", None)
    try:
        return json.loads(body).get("message") or str(getattr(exc, "reason", ""))
    except (TypeError, ValueError):
        return str(getattr(exc, "reason", "") or body or exc)


def call_backend(fn: Callable[[], T], what: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> T:
    """Run a blocking backend call with a hard deadline; failures become ToolError."""
    started = time.monotonic()
    future = _pool.submit(fn)
    try:
        return future.result(timeout=timeout_s)
    except concurrent.futures.TimeoutError:
        future.cancel()
        raise ToolError(f"{what}: backend did not answer within {timeout_s:g}s; it may be overloaded or unreachable") from None
    except ToolError:
        raise
    except Exception as exc:  # every backend failure is reported, none escapes as a stack trace
        log.debug("backend call failed after %.2fs", time.monotonic() - started, exc_info=True)
        raise ToolError(describe_exception(exc, what)) from None
