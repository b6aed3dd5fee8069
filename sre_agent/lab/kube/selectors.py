"""Label and field selectors, with Kubernetes' grammar and matching rules.

Label selectors come in three shapes and all compile to one `LabelSelector`:
  * the string form of `?labelSelector=` and kubectl `-l`: `app=web,tier in (a,b),!canary`;
  * `metav1.LabelSelector` (`{"matchLabels": {...}, "matchExpressions": [...]}`), used by
    Deployment/ReplicaSet/StatefulSet/DaemonSet/PDB `.spec.selector`;
  * a plain label map, used by Service `.spec.selector` and ReplicationController.

Field selectors (`?fieldSelector=`) compare the string form of any dotted path in the object
(`spec.nodeName=node-3`, `involvedObject.name=web-1`, `status.phase!=Running`). Kubernetes only
supports a fixed list of paths per kind; the lab accepts any path, so a field that is absent
compares as the empty string (which is exactly how Kubernetes treats `spec.nodeName=` for
unscheduled pods).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class SelectorError(ValueError):
    """A selector that does not parse; the message says which part and why."""


# --- label selectors -------------------------------------------------------------------------

_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_KEY_RE = re.compile(rf"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?{_NAME}$")
_VALUE_RE = re.compile(rf"^({_NAME})?$")


def _check_key(key: str, where: str) -> None:
    if not _KEY_RE.match(key) or len(key.partition("/")[0]) > 253:
        raise SelectorError(
            f"invalid label key {key!r} in {where}: a key is an optional DNS prefix and '/' followed "
            "by a name of at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric"
        )


def _check_value(value: str, where: str) -> None:
    if not isinstance(value, str) or not _VALUE_RE.match(value):
        raise SelectorError(
            f"invalid label value {value!r} in {where}: a value is empty or at most 63 alphanumerics, "
            "'-', '_' or '.', starting and ending alphanumeric"
        )


@dataclass(frozen=True, slots=True)
class Requirement:
    """One clause: `key op values`. op is one of = != in notin exists !exists gt lt."""

    key: str
    op: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        op = self.op
        if op == "exists":
            return self.key in labels
        if op == "!exists":
            return self.key not in labels
        present = self.key in labels
        value = labels.get(self.key)
        if op in ("=", "in"):
            return present and value in self.values
        if op in ("!=", "notin"):  # like Kubernetes: an absent key satisfies != and notin
            return not present or value not in self.values
        if op in ("gt", "lt"):
            if not present:
                return False
            try:
                have = int(value)  # type: ignore[arg-type]
            except ValueError:
                return False
            want = int(self.values[0])
            return have > want if op == "gt" else have < want
        raise AssertionError(f"unknown requirement operator {op!r}")

    def __str__(self) -> str:
        op = self.op
        if op == "exists":
            return self.key
        if op == "!exists":
            return f"!{self.key}"
        if op in ("in", "notin"):
            return f"{self.key} {op} ({','.join(self.values)})"
        symbol = {"gt": ">", "lt": "<"}.get(op, op)
        return f"{self.key}{symbol}{self.values[0]}"


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """A conjunction of requirements; no requirements matches everything."""

    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        labels = labels or {}
        return all(r.matches(labels) for r in self.requirements)

    @property
    def empty(self) -> bool:
        return not self.requirements

    def __str__(self) -> str:
        """The canonical string form, as Scale.status.selector and kubectl print it."""
        return ",".join(str(r) for r in sorted(self.requirements, key=lambda r: r.key))


EVERYTHING = LabelSelector()

# The characters that end an identifier in the string grammar.
_TOKEN_RE = re.compile(r"\s*(==|!=|=|!|\(|\)|,|<|>|[^\s,()=!<>]+)")


def _tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m:  # only trailing whitespace can fail to match, and we stripped it
            raise SelectorError(f"cannot parse label selector {text!r} at position {pos}")
        tokens.append(m.group(1))
        pos = m.end()
    return tokens


def parse_label_selector(text: str) -> LabelSelector:
    """Parse the string form (`app=web,env!=prod,tier in (a,b),!canary,replicas>2`)."""
    tokens = _tokenize(text)
    reqs: list[Requirement] = []
    i = 0

    def fail(msg: str) -> SelectorError:
        return SelectorError(f"invalid label selector {text!r}: {msg}")

    def ident(at: int) -> str:
        if at >= len(tokens) or tokens[at] in {"==", "!=", "=", "!", "(", ")", ",", "<", ">"}:
            found = tokens[at] if at < len(tokens) else "end of input"
            raise fail(f"expected a label key or value, found {found!r}")
        return tokens[at]

    while i < len(tokens):
        if tokens[i] == "!":
            key = ident(i + 1)
            _check_key(key, repr(text))
            reqs.append(Requirement(key, "!exists"))
            i += 2
        else:
            key = ident(i)
            _check_key(key, repr(text))
            i += 1
            op = tokens[i] if i < len(tokens) else ","
            if op == ",":
                reqs.append(Requirement(key, "exists"))
            elif op in ("=", "==", "!="):
                i += 1
                # `key=` (empty value) is legal and matches an empty label value
                value = "" if i >= len(tokens) or tokens[i] == "," else ident(i)
                if value:
                    i += 1
                _check_value(value, repr(text))
                reqs.append(Requirement(key, "!=" if op == "!=" else "=", (value,)))
            elif op in ("in", "notin"):
                i += 1
                if i >= len(tokens) or tokens[i] != "(":
                    raise fail(f"expected '(' after {op!r} for key {key!r}")
                i += 1
                values: list[str] = []
                while True:
                    if i < len(tokens) and tokens[i] == ")":
                        break
                    value = "" if i < len(tokens) and tokens[i] in (",", ")") else ident(i)
                    if value:
                        i += 1
                    _check_value(value, repr(text))
                    values.append(value)
                    if i < len(tokens) and tokens[i] == ",":
                        i += 1
                        continue
                    if i < len(tokens) and tokens[i] == ")":
                        break
                    raise fail(f"unterminated value set for key {key!r}: expected ',' or ')'")
                i += 1  # the ')'
                if not values:
                    raise fail(f"the value set for {key!r} {op} cannot be empty")
                reqs.append(Requirement(key, op, tuple(values)))
            elif op in ("<", ">"):
                i += 1
                value = ident(i)
                i += 1
                if not re.fullmatch(r"-?\d+", value):
                    raise fail(f"{key}{op}{value}: the value of a '{op}' requirement must be an integer")
                reqs.append(Requirement(key, "gt" if op == ">" else "lt", (value,)))
            else:
                raise fail(f"unexpected {op!r} after key {key!r}; expected =, ==, !=, in, notin, <, > or ','")
        if i < len(tokens):
            if tokens[i] != ",":
                raise fail(f"expected ',' between requirements, found {tokens[i]!r}")
            i += 1
            if i >= len(tokens):
                raise fail("trailing ','")
    return LabelSelector(tuple(reqs))


_EXPRESSION_OPS = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!exists"}


def label_selector_from_dict(spec: Mapping[str, Any] | None) -> LabelSelector:
    """Compile a `metav1.LabelSelector` (matchLabels + matchExpressions).

    None or `{}` matches everything, as for a Deployment's selector in list calls; note that
    controllers treat a *nil* workload selector as matching nothing, which is their call."""
    if not spec:
        return EVERYTHING
    if not isinstance(spec, Mapping):
        raise SelectorError(f"a label selector must be a mapping, got {type(spec).__name__}: {spec!r}")
    reqs: list[Requirement] = []
    match_labels = spec.get("matchLabels") or {}
    if not isinstance(match_labels, Mapping):
        raise SelectorError(f"matchLabels must be a mapping of label to value, got {match_labels!r}")
    for key, value in match_labels.items():
        _check_key(key, "matchLabels")
        _check_value(value, f"matchLabels[{key!r}]")
        reqs.append(Requirement(key, "=", (value,)))
    for n, expr in enumerate(spec.get("matchExpressions") or []):
        where = f"matchExpressions[{n}]"
        if not isinstance(expr, Mapping):
            raise SelectorError(f"{where} must be a mapping with key, operator and values, got {expr!r}")
        key, operator, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if not isinstance(key, str):
            raise SelectorError(f"{where}.key is required")
        _check_key(key, where)
        if operator not in _EXPRESSION_OPS:
            raise SelectorError(
                f"{where}.operator {operator!r} is not one of {', '.join(_EXPRESSION_OPS)}"
            )
        op = _EXPRESSION_OPS[operator]
        if op in ("in", "notin") and not values:
            raise SelectorError(f"{where}: operator {operator} needs a non-empty values list")
        if op in ("exists", "!exists") and values:
            raise SelectorError(f"{where}: operator {operator} takes no values, got {values!r}")
        for v in values:
            _check_value(v, f"{where}.values")
        reqs.append(Requirement(key, op, tuple(values)))
    return LabelSelector(tuple(reqs))


def label_selector_from_map(labels: Mapping[str, str] | None) -> LabelSelector:
    """Compile a Service-style plain map selector: every key must equal its value."""
    return LabelSelector(tuple(Requirement(k, "=", (v,)) for k, v in (labels or {}).items()))


_SELECTOR_DICT_KEYS = frozenset({"matchLabels", "matchExpressions"})


def to_label_selector(selector: str | Mapping[str, Any] | LabelSelector | None) -> LabelSelector:
    """Compile any accepted shape. A mapping whose keys are only matchLabels/matchExpressions
    is a metav1.LabelSelector; any other mapping is a plain label map."""
    if selector is None:
        return EVERYTHING
    if isinstance(selector, LabelSelector):
        return selector
    if isinstance(selector, str):
        return parse_label_selector(selector)
    if isinstance(selector, Mapping):
        if selector and set(selector) <= _SELECTOR_DICT_KEYS:
            return label_selector_from_dict(selector)
        return label_selector_from_map(selector)
    raise SelectorError(f"a label selector must be a string or a mapping, got {type(selector).__name__}")


def matches_labels(selector: str | Mapping[str, Any] | LabelSelector | None, labels: Mapping[str, str] | None) -> bool:
    return to_label_selector(selector).matches(labels)


# --- field selectors -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldRequirement:
    path: tuple[str, ...]
    op: str  # "=" or "!="
    value: str

    def matches(self, obj: Mapping[str, Any]) -> bool:
        equal = field_value(obj, self.path) == self.value
        return equal if self.op == "=" else not equal


@dataclass(frozen=True, slots=True)
class FieldSelector:
    requirements: tuple[FieldRequirement, ...] = ()

    def matches(self, obj: Mapping[str, Any]) -> bool:
        return all(r.matches(obj) for r in self.requirements)


def field_value(obj: Mapping[str, Any], path: tuple[str, ...]) -> str:
    """The string form Kubernetes compares: absent -> "", booleans -> "true"/"false"."""
    node: Any = obj
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return ""
        node = node[part]
    if node is None:
        return ""
    if isinstance(node, bool):
        return "true" if node else "false"
    if isinstance(node, (str, int, float)):
        return str(node)
    return ""  # maps and lists are not selectable


def _split_unescaped(text: str, sep: str) -> list[str]:
    parts, current, escaped = [], [], False
    for ch in text:
        if escaped:
            current.append("\\" + ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if escaped:
        current.append("\\")
    parts.append("".join(current))
    return parts


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


_FIELD_TERM_RE = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(==|!=|=)(.*)$", re.S)


def parse_field_selector(text: str | None) -> FieldSelector:
    """Parse `a.b=v,c!=w` (also `==`); `\\,` `\\=` `\\\\` escape inside values."""
    if not text or not text.strip():
        return FieldSelector()
    reqs: list[FieldRequirement] = []
    for term in _split_unescaped(text, ","):
        if not term.strip():
            raise SelectorError(f"invalid field selector {text!r}: empty requirement (stray ',')")
        m = _FIELD_TERM_RE.match(term)
        if not m:
            raise SelectorError(
                f"invalid field selector requirement {term!r} in {text!r}: expected "
                "<dotted.path>=<value>, <path>==<value> or <path>!=<value>"
            )
        path, op, value = m.group(1), m.group(2), m.group(3)
        parts = tuple(path.split("."))
        if not all(parts):
            raise SelectorError(f"invalid field path {path!r} in field selector {text!r}")
        reqs.append(FieldRequirement(parts, "!=" if op == "!=" else "=", _unescape(value)))
    return FieldSelector(tuple(reqs))
