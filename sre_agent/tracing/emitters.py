"""Where a run's finished X-Ray segment documents go: the daemon over UDP or PutTraceSegments, each under the size limit."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

# aws_xray_sdk is imported where it is used: importing aws_xray_sdk.core builds the SDK's global
# recorder (two botocore clients, ~0.4 s), which a run with tracing off should not pay for.
if TYPE_CHECKING:
    from aws_xray_sdk.core.models.entity import Entity

log = logging.getLogger(__name__)

# X-Ray rejects documents over 64 KB (API and daemon alike); leave room for the UDP header.
MAX_DOCUMENT_BYTES = 60_000
PUT_BATCH = 50  # documents per PutTraceSegments call


class Emitter(Protocol):
    """Where finished segment documents go."""

    description: str

    def send(self, entities: Sequence[Entity]) -> None: ...


class DaemonEmitter:
    """The X-Ray daemon sidecar over UDP, through the SDK's own (non-blocking, fire-and-forget) emitter.

    The SDK lets AWS_XRAY_DAEMON_ADDRESS in the process environment win over `address`."""

    def __init__(self, address: str | None = None) -> None:
        from aws_xray_sdk.core.emitters.udp_emitter import DEFAULT_DAEMON_ADDRESS, UDPEmitter

        self._udp = UDPEmitter(address or DEFAULT_DAEMON_ADDRESS)
        self.description = f"the X-Ray daemon at udp://{self._udp.ip}:{self._udp.port}"

    def send(self, entities: Sequence[Entity]) -> None:
        for entity in entities:
            self._udp.send_entity(entity)

    def close(self) -> None:
        self._udp._socket.close()  # the SDK's emitter has no close(); one emitter lives for one run


class ApiEmitter:
    """PutTraceSegments with boto3: no daemon needed. The client is made at send time, so a
    missing region or credentials costs a warning at the end of a run, never the run itself."""

    def __init__(self, env: Mapping[str, str] | None = None, *, client: Any = None) -> None:
        self._env = dict(env or {})
        self._client = client
        endpoint = self._endpoint()
        self.description = f"PutTraceSegments at {endpoint}" if endpoint else "PutTraceSegments (AWS X-Ray)"

    def _endpoint(self) -> str | None:
        return self._env.get("AWS_ENDPOINT_URL_XRAY") or self._env.get("AWS_ENDPOINT_URL")

    def client(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            env = self._env
            self._client = boto3.session.Session().client(  # not the default session: no state shared between runs
                "xray", endpoint_url=self._endpoint(),
                region_name=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"),
                aws_access_key_id=env.get("AWS_ACCESS_KEY_ID"), aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY"),
                aws_session_token=env.get("AWS_SESSION_TOKEN"),
                config=Config(retries={"total_max_attempts": 2}, connect_timeout=3, read_timeout=10))
        return self._client

    def send(self, entities: Sequence[Entity]) -> None:
        documents = [entity.serialize() for entity in entities]
        for start in range(0, len(documents), PUT_BATCH):
            answer = self.client().put_trace_segments(TraceSegmentDocuments=documents[start:start + PUT_BATCH])
            for bad in answer.get("UnprocessedTraceSegments", []):
                log.warning("X-Ray did not accept segment %s: %s %s", bad.get("Id"), bad.get("ErrorCode"),
                            bad.get("Message"))


def split_for_sending(entity: Entity) -> list[Entity]:
    """The entity as one document when it fits X-Ray's size limit; otherwise its children are
    detached and sent as independent subsegments (they carry trace_id and parent_id, which is how
    X-Ray and `sre-agent trace` put them back together), recursively."""
    if not entity.subsegments or len(entity.serialize()) <= MAX_DOCUMENT_BYTES:
        return [entity]
    detached: list[Entity] = []
    for child in list(entity.subsegments):
        entity.remove_subsegment(child)
        detached += split_for_sending(child)
    return [entity, *detached]
