"""Server-side field validation (`?fieldValidation=Strict`), which kubectl asks for on every
create, update and patch once the OpenAPI documents say the server supports it. The lab's store
keeps whatever JSON it is given, so without this check a misspelt field (`replicaz`) would be
stored silently and the real field left at its default -- the opposite of what kubectl promised
the user when it skipped its own validation.

Known fields come from the official client's models, as in openapi.py. `Ignore` and `Warn` (and
no parameter) store as before; only `Strict` refuses, with kube-apiserver's wording."""

from __future__ import annotations

import functools
import re

from .errors import ApiError
from .openapi import model_class
from .resources import ResourceType

_LIST = re.compile(r"^(?:List|list)\[(.+)\]$")
_DICT = re.compile(r"^(?:Dict|dict)\[?\(?str, (.+?)[\])]$")


@functools.lru_cache(maxsize=1024)
def _fields(class_name: str) -> dict[str, str] | None:
    """json name -> client type name for a model, None for a type that is not a model."""
    from kubernetes.client import models

    cls = getattr(models, class_name, None)
    types = getattr(cls, "openapi_types", None)
    if not types:
        return None
    return {cls.attribute_map.get(attr, attr): type_name for attr, type_name in types.items()}  # type: ignore[union-attr]


def _walk(value: object, type_name: str, path: str, found: list[str]) -> None:
    if match := _LIST.match(type_name):
        if isinstance(value, list):
            for i, item in enumerate(value):
                _walk(item, match.group(1), f"{path}[{i}]", found)
        return
    if match := _DICT.match(type_name):
        if isinstance(value, dict):
            for key, item in value.items():
                _walk(item, match.group(1), f"{path}.{key}", found)
        return
    fields = _fields(type_name)
    if fields is None or not isinstance(value, dict):
        return  # a primitive, an int-or-string, or a shape the lab's own validation reports
    for key, item in value.items():
        child = f"{path}.{key}" if path else key
        if key not in fields:
            found.append(child)
        else:
            _walk(item, fields[key], child, found)


def unknown_fields(rtype: ResourceType, obj: dict) -> list[str]:
    """Paths of the fields in `obj` its kind does not define (`spec.replicaz`)."""
    cls = model_class(rtype)
    if cls is None:
        return []
    found: list[str] = []
    _walk(obj, cls.__name__, "", found)
    return found


def check(directive: str | None, rtype: ResourceType, obj: dict) -> None:
    """400 for unknown fields when the client asked for Strict validation."""
    if directive not in (None, "", "Ignore", "Warn", "Strict"):
        raise ApiError.bad_request(f'fieldValidation={directive!r} is not one of "Ignore", "Warn", "Strict"')
    if directive != "Strict":
        return
    unknown = unknown_fields(rtype, obj)
    if unknown:
        fields = ", ".join(f'unknown field "{f}"' for f in unknown)
        raise ApiError.bad_request(f'{rtype.kind} in version "{rtype.version}" cannot be handled as a {rtype.kind}: '
                                   f"strict decoding error: {fields}")
