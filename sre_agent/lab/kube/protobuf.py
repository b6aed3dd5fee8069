"""Request bodies in Kubernetes' protobuf encoding, read into the JSON objects the rest of the server handles.

kubectl's typed clients (`kubectl create configmap|secret|deployment|job|quota|...`, `drain`'s evictions, `auth
can-i`) write `application/vnd.kubernetes.protobuf` and do not retry as JSON when refused: client-go falls back
from a 415 only for CBOR, and kube-apiserver accepts protobuf for every built-in kind. So the lab reads it too.

The wire format is `k8s\\0` + runtime.Unknown{typeMeta, raw}, raw being the object's message. Field numbers come
from `protobuf_schema.json` (the k8s.io/api struct tags; see protobuf_schema_gen.py). A field's JSON follows Go's
encoding/json over the same struct: a pointer keeps its zero value (`replicas: 0`), a non-pointer `omitempty`
field drops it, an embedded struct's fields are promoted; Quantity, IntOrString, Time and friends take their
own JSON forms. The lab never answers in protobuf (responses are JSON, which clients accept)."""

from __future__ import annotations

import base64
import functools
import json
import struct
from collections.abc import Mapping
from datetime import UTC, datetime
from email.message import Message
from importlib import resources
from typing import Any, cast

from .codec import dumps
from .errors import ApiError
from .messages import Request

MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
MAGIC = b"k8s\x00"

Field = tuple[str, str, str]  # json name, type (scalar, special or message), flags (see protobuf_schema_gen)


class ProtobufError(ValueError):
    """A body that is not the protobuf of a kind the lab serves."""


@functools.cache
def _schema() -> tuple[dict[str, str], dict[str, dict[int, Field]]]:
    data = json.loads(resources.files(__package__).joinpath("protobuf_schema.json").read_text())
    messages = {name: {number: (json_name, kind, flags) for number, json_name, kind, flags in fields}
                for name, fields in data["messages"].items()}
    return data["kinds"], messages


def _varint(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if i >= len(data):
            raise ProtobufError("truncated varint")
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i
        shift += 7


def fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, value) pairs of one message; varints and fixed-width values as int, the rest as bytes."""
    out: list[tuple[int, int | bytes]] = []
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
            out.append((number, value))
        elif wire == 2:
            length, i = _varint(data, i)
            if i + length > len(data):
                raise ProtobufError("a length-delimited field runs past the end of its message")
            out.append((number, data[i:i + length]))
            i += length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            out.append((number, int.from_bytes(data[i:i + size], "little")))
            i += size
        else:
            raise ProtobufError(f"unsupported wire type {wire}")
    return out


def _signed(value: int) -> int:
    """int32/int64 are varints of the two's complement: a negative one arrives as a 64-bit value."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _time(data: bytes, micro: bool) -> str | None:
    parts = dict(fields(data))
    seconds, nanos = _signed(int(parts.get(1, 0))), int(parts.get(2, 0))
    if not seconds and not nanos:
        return None  # Go's zero Time: `omitzero`, or null
    moment = datetime.fromtimestamp(seconds, UTC).replace(microsecond=nanos // 1000)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if micro else "%Y-%m-%dT%H:%M:%SZ")


def _duration(nanoseconds: int) -> str:
    """Go's time.Duration.String() for the whole-second and sub-second values API fields hold."""
    if nanoseconds == 0:
        return "0s"
    sign, rest = ("-" if nanoseconds < 0 else ""), abs(nanoseconds)
    hours, rest = divmod(rest, 3600 * 10**9)
    minutes, rest = divmod(rest, 60 * 10**9)
    seconds = f"{rest / 10**9:.9f}".rstrip("0").rstrip(".")
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds}s"
    return f"{sign}{minutes}m{seconds}s" if minutes else f"{sign}{seconds}s"


def _raw_json(data: bytes) -> Any:
    raw = next((v for n, v in fields(data) if n == 1 and isinstance(v, bytes)), b"")
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        raise ProtobufError("an embedded raw object is not JSON") from None


def _value(kind: str, value: int | bytes) -> Any:
    """One wire value as its JSON value."""
    if isinstance(value, int) != (kind in ("int", "bool", "float")):
        raise ProtobufError(f"a {'number' if isinstance(value, int) else 'length-delimited value'} where the "
                            f"schema has a {kind}")
    if isinstance(value, int):
        if kind == "bool":
            return bool(value)
        if kind == "float":
            return struct.unpack("<d", value.to_bytes(8, "little"))[0]
        return _signed(value)
    if kind == "string":
        return value.decode("utf-8", "replace")
    if kind == "bytes":
        return base64.b64encode(value).decode()
    if kind == "Quantity":
        return next((v.decode() for n, v in fields(value) if n == 1 and isinstance(v, bytes)), "0")
    if kind == "IntOrString":
        parts = dict(fields(value))
        if parts.get(1, 0) == 0:
            return _signed(int(parts.get(2, 0)))
        text = parts.get(3, b"")
        return text.decode() if isinstance(text, bytes) else ""
    if kind in ("Time", "MicroTime"):
        return _time(value, kind == "MicroTime")
    if kind == "Duration":
        return _duration(_signed(int(dict(fields(value)).get(1, 0))))
    if kind in ("RawExtension", "FieldsV1"):
        return _raw_json(value)
    return decode_message(kind, value)


def _is_zero(value: Any) -> bool:
    """Go's zero for a scalar (an empty struct is not "empty" to omitempty, so dicts never are)."""
    return value is None or (not isinstance(value, dict | list) and value in (0, "", False))


def _map_entry(kind: str, entry: bytes) -> tuple[str, Any]:
    key, value = "", None
    for number, item in fields(entry):
        if number == 1 and isinstance(item, bytes):
            key = item.decode("utf-8", "replace")
        elif number == 2:
            if kind.startswith("r:"):
                value = [_value(kind[2:], v) for _, v in fields(item)] if isinstance(item, bytes) else []
            else:
                value = _value(kind, item)
    if value is None:  # an entry without a value is the value type's zero
        zeros: dict[str, Any] = {"string": "", "bytes": "", "Quantity": "0"}
        value = zeros.get(kind, [] if kind.startswith("r:") else {})
    return key, value


def decode_message(message: str, data: bytes) -> dict:
    """One message of the schema as the JSON object Go would write for it."""
    known = _schema()[1].get(message)
    if known is None:
        raise ProtobufError(f"no field numbers for {message}")
    out: dict[str, Any] = {}
    for number, value in fields(data):
        field = known.get(number)
        if field is None:
            continue  # a field newer than the schema: dropped, the lab has no name for it
        name, kind, flags = field
        if "m" in flags:
            if isinstance(value, bytes):
                key, item = _map_entry(kind, value)
                out.setdefault(name, {})[key] = item
        elif "r" in flags:
            if kind in ("int", "bool") and isinstance(value, bytes):  # packed repeated varints
                out.setdefault(name, []).extend(_value(kind, v) for _, v in fields(_packed(value)))
            else:
                out.setdefault(name, []).append(_value(kind, value))
        elif "i" in flags:
            if isinstance(value, bytes):
                out.update(_value(kind, value))  # an embedded struct: its fields are the parent's
        else:
            decoded = _value(kind, value)
            if decoded is None or (_is_zero(decoded) and "p" not in flags and "o" in flags):
                continue  # Go's omitempty: a non-pointer field at its zero value is not written
            out[name] = decoded
    return out


def _packed(data: bytes) -> bytes:
    """Packed varints re-tagged as field 1 so `fields` reads them one by one."""
    out, i = bytearray(), 0
    while i < len(data):
        _, end = _varint(data, i)
        out += b"\x08" + data[i:end]
        i = end
    return bytes(out)


def decode(body: bytes) -> dict:
    """A protobuf request body as the object a JSON client would have sent (kind and apiVersion included)."""
    if not body.startswith(MAGIC):
        raise ProtobufError("missing the k8s protobuf magic prefix")
    try:
        envelope = fields(body[len(MAGIC):])
        type_meta = next((v for n, v in envelope if n == 1 and isinstance(v, bytes)), b"")
        raw = next((v for n, v in envelope if n == 2 and isinstance(v, bytes)), b"")
        names = {n: v.decode() for n, v in fields(type_meta) if isinstance(v, bytes)}
        api_version, kind = names.get(1, ""), names.get(2, "")
        kinds = _schema()[0]
        message = kinds.get(f"{api_version}/{kind}") or ("meta/v1.DeleteOptions" if kind == "DeleteOptions" else None)
        if message is None:
            raise ProtobufError(f"the lab reads no protobuf {kind or 'object'} of {api_version or 'no apiVersion'}")
        return {"kind": kind, "apiVersion": api_version, **decode_message(message, raw)}
    except (UnicodeDecodeError, IndexError) as exc:
        raise ProtobufError(f"malformed protobuf body: {exc}") from None


def as_json(req: Request) -> Request:
    """The same request with its protobuf body read into JSON, so every handler sees one format; 400 when
    the body cannot be read (kube-apiserver's answer to a body that does not decode)."""
    try:
        obj = decode(req.body)
    except ProtobufError as exc:
        raise ApiError.bad_request(f"the protobuf request body could not be read: {exc}") from None
    headers = Message()  # case-insensitive, as the transport's headers are
    for name, value in req.headers.items():
        if name.lower() != "content-type":
            headers[name] = value
    headers["Content-Type"] = "application/json"
    # a Message is what the transport hands over too (http.server's headers), read as a Mapping
    return Request(req.method, req.path, req.query, cast(Mapping[str, str], headers), dumps(obj), req.writes, req.user)
