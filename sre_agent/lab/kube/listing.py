"""What a list request gets from the store: which objects its selectors keep, and one page of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import ApiError
from .selectors import SelectorError, parse_field_selector, to_label_selector

NamespacedName = tuple[str, str]  # (namespace or "" for cluster-scoped, name): the order lists are sorted in
Item = TypeVar("Item")


@dataclass(frozen=True, slots=True)
class ListPage:
    """What the HTTP layer needs to build a list response without re-serialising anything."""

    items: list[bytes]
    resource_version: str
    continue_after: NamespacedName | None  # (namespace, name) of the last item when more remain
    remaining: int


def object_filter(label_selector: Any, field_selector: str | None) -> Callable[[dict], bool] | None:
    """The test an object must pass for the request's selectors, or None when they keep everything."""
    try:
        labels = to_label_selector(label_selector)
        fields = parse_field_selector(field_selector)
    except SelectorError as exc:
        raise ApiError.bad_request(str(exc)) from None
    if labels.empty and not fields.requirements:
        return None
    return lambda obj: labels.matches(obj["metadata"].get("labels")) and fields.matches(obj)


def one_page(selected: list[tuple[NamespacedName, Item]], limit: int | None,
             after: NamespacedName | None) -> tuple[list[tuple[NamespacedName, Item]], NamespacedName | None, int]:
    """The `limit` items after `after` (a continue token's last key), the key to continue after, and how many remain."""
    if after is not None:
        selected = [s for s in selected if s[0] > after]
    if limit is None or limit <= 0 or len(selected) <= limit:
        return selected, None, 0
    return selected[:limit], selected[limit - 1][0], len(selected) - limit
