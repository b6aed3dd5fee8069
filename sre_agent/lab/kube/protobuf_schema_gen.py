"""Writes `protobuf_schema.json`: the field numbers of every API type the lab serves, read from the Go struct
tags of k8s.io/api and k8s.io/apimachinery (`protobuf:"bytes,2,opt,name=selector"`, `json:"selector,omitempty"`).

Not used at run time: run by hand when the lab serves a new kind or moves to a newer Kubernetes --
`python -m sre_agent.lab.kube.protobuf_schema_gen <k8s.io/api checkout> <k8s.io/apimachinery checkout>`.
The struct tags are the source go-to-protobuf itself numbers fields from, so the table is the wire format
kubectl writes; only types reachable from the served kinds are kept, so the file stays small."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from .resources import RESOURCES, VIEWS

# Go package directory -> the apiVersion its kinds are served under (meta/v1 has no kinds of its own here)
PACKAGES = {
    "core/v1": "v1", "apps/v1": "apps/v1", "batch/v1": "batch/v1", "networking/v1": "networking.k8s.io/v1",
    "policy/v1": "policy/v1", "autoscaling/v2": "autoscaling/v2", "autoscaling/v1": "autoscaling/v1",
    "storage/v1": "storage.k8s.io/v1", "discovery/v1": "discovery.k8s.io/v1",
    "authorization/v1": "authorization.k8s.io/v1", "authentication/v1": "authentication.k8s.io/v1",
}
META = "meta/v1"
# apimachinery types with a JSON form of their own (a string, a number or string, raw JSON): decoded by hand
SPECIAL = {"resource.Quantity": "Quantity", "intstr.IntOrString": "IntOrString", "metav1.Time": "Time",
           "metav1.MicroTime": "MicroTime", "metav1.Duration": "Duration", "runtime.RawExtension": "RawExtension",
           "metav1.FieldsV1": "FieldsV1", "Time": "Time", "MicroTime": "MicroTime", "Duration": "Duration",
           "FieldsV1": "FieldsV1"}
# the kinds kubectl may write (and the bodies of subresources and deletes), by apiVersion
EXTRA_ROOTS = [("policy/v1", "Eviction"), ("autoscaling/v1", "Scale"), (META, "DeleteOptions")]

_STRUCT = re.compile(r"^type (\w+) struct \{\n(.*?)^\}", re.M | re.S)
_ALIAS = re.compile(r"^type (\w+) (string|int32|int64|bool|\[\]byte|map\[\w+\][\w\.\*]+|\[\][\w\.]+)\s*$", re.M)
_FIELD = re.compile(r"^\s*(?:(\w+)\s+)?([\w\.\*\[\]]+)\s+`([^`]*)`", re.M)
_IMPORT = re.compile(r'^\s*(\w+)?\s*"k8s\.io/(?:api|apimachinery/pkg/apis)/([\w/]+)"', re.M)
_TAG = re.compile(r'(\w+):"([^"]*)"')


def _go_files(root: Path, package: str) -> list[Path]:
    return sorted(p for p in (root / package).glob("*.go") if not p.name.endswith(("_test.go", "generated.pb.go")))


def _read_package(root: Path, package: str, structs: dict, aliases: dict) -> None:
    for path in _go_files(root, package):
        text = path.read_text()
        imports = {alias or pkg.rsplit("/", 1)[-1]: pkg for alias, pkg in _IMPORT.findall(text)}
        for name, value in _ALIAS.findall(text):
            aliases[f"{package}.{name}"] = value
        for name, body in _STRUCT.findall(text):
            structs[f"{package}.{name}"] = (body, imports)


def _scalar(go: str) -> str | None:
    return {"string": "string", "bool": "bool", "int32": "int", "int64": "int", "uint32": "int", "uint64": "int",
            "float64": "float", "[]byte": "bytes", "types.UID": "string"}.get(go)


def _resolve(go: str, package: str, imports: dict, aliases: dict, structs: dict) -> str:
    """A Go type (no pointer or slice) as the schema names it: a scalar, a special, or `<package>.<Type>`."""
    if go in SPECIAL:
        return SPECIAL[go]
    if (scalar := _scalar(go)) is not None:
        return scalar
    prefix, _, name = go.rpartition(".")
    qualified = f"{imports.get(prefix, prefix)}.{name}" if prefix else f"{package}.{name}"
    if qualified in aliases:
        return _scalar(aliases[qualified]) or "string"
    if qualified in structs:
        return qualified
    raise KeyError(f"{go} (in {package}) is neither a known struct nor a scalar alias")


def _fields(qualified: str, structs: dict, aliases: dict) -> list[list]:
    body, imports = structs[qualified]
    package = qualified.rsplit(".", 1)[0]
    out = []
    for name, go, tag_text in _FIELD.findall(re.sub(r"^\s*//.*$", "", body, flags=re.M)):
        tags = dict(_TAG.findall(tag_text))
        if "protobuf" not in tags:
            continue  # TypeMeta and other fields that are not on the wire
        wire = tags["protobuf"].split(",")
        number, repeated = int(wire[1]), wire[2] == "rep"
        json_name, *options = tags.get("json", "").split(",")
        flags = "i" if not name and not json_name else ""  # an embedded struct's fields are promoted
        flags += "p" if go.startswith("*") else ""
        flags += "o" if "omitempty" in options or "omitzero" in options else ""
        go = go.lstrip("*")
        named = f"{imports.get(go.rpartition('.')[0], go.rpartition('.')[0]) or package}.{go.rpartition('.')[2]}"
        if aliases.get(named, "").startswith(("map[", "[]")) and aliases[named] != "[]byte":
            go = aliases[named]  # ResourceList and the like: a named map or slice is a map or slice on the wire
        if go.startswith("map["):
            key, value = go[4:].split("]", 1)
            value_type = _resolve(value.lstrip("*"), package, imports, aliases, structs) if not value.startswith("[]") \
                or value == "[]byte" else "r:" + _resolve(value[2:], package, imports, aliases, structs)
            out.append([number, json_name, value_type, flags + "m"])
            continue
        if go.startswith("[]") and go != "[]byte":
            go, repeated = go[2:].lstrip("*"), True
        out.append([number, json_name, _resolve(go, package, imports, aliases, structs), flags + ("r" if repeated else "")])
    return out


def generate(api_root: Path, machinery_root: Path) -> dict:
    structs: dict = {}
    aliases: dict = {}
    for types_go in sorted(api_root.glob("*/*/types.go")):  # every package: a served type may use any of them
        _read_package(api_root, str(types_go.parent.relative_to(api_root)), structs, aliases)
    meta_dir = machinery_root / "pkg" / "apis"
    _read_package(meta_dir, META, structs, aliases)
    served = {(r.api_version, r.kind) for r in (*RESOURCES, *VIEWS) if r.stored or r.review or r.view}
    by_version = {api_version: package for package, api_version in PACKAGES.items()}
    kinds = {f"{v}/{k}": f"{by_version[v]}.{k}" for v, k in sorted(served) if f"{by_version[v]}.{k}" in structs}
    for package, name in EXTRA_ROOTS:
        kinds[f"{PACKAGES.get(package, 'meta.k8s.io/v1')}/{name}"] = f"{package}.{name}"
    messages: dict = {}
    pending = list(kinds.values())
    while pending:
        qualified = pending.pop()
        if qualified in messages:
            continue
        messages[qualified] = _fields(qualified, structs, aliases)
        pending.extend(t.removeprefix("r:") for _, _, t, _ in messages[qualified] if "/" in t)
    return {"about": "field numbers from k8s.io/api and k8s.io/apimachinery struct tags; written by "
                     "protobuf_schema_gen.py", "kinds": dict(sorted(kinds.items())),
            "messages": dict(sorted(messages.items()))}


def main(argv: list[str]) -> None:
    schema = generate(Path(argv[0]), Path(argv[1]))
    target = Path(__file__).with_name("protobuf_schema.json")
    target.write_text(json.dumps(schema, separators=(",", ":")) + "\n")
    print(f"wrote {target}: {len(schema['kinds'])} kinds, {len(schema['messages'])} messages")


if __name__ == "__main__":
    main(sys.argv[1:])
