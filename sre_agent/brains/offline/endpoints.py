"""A caller configured with an endpoint nobody serves: the ownership walk's `calls` say, for each in-cluster
Service a workload's env names, where the value lives and whether anything answers it. Two general signals make
the caller's own value the fault, not its dependency:
  * the Service it names does not exist, but one with a close name does (a typo, a renamed Service);
  * the Service exists and the caller's port is not one the Service exposes.
A Service that does not exist with nothing close to it is a dependency that is gone (dependency_failure's walk)."""

from __future__ import annotations

from typing import Any

# The dependency row's fields the finding keeps: what the verdict's resource and the fix are read from.
ENDPOINT_FIELDS = ("env", "source", "port", "exposed_ports", "similar_services", "container", "corrected_value",
                   "corrected_edit", "path")


def misaimed(dep: dict[str, Any]) -> bool:
    if not dep.get("exists"):
        return bool(dep.get("similar_services"))
    return bool(dep.get("exposed_ports")) and dep.get("port") not in (dep.get("exposed_ports") or [])


def endpoint_sentence(workload: str, dep: dict[str, Any]) -> str:
    where = "its pod template" if dep.get("source", "env") in ("env", "command") else str(dep["source"]).replace("/", " ", 1)
    if not dep.get("exists"):
        named_ns = str(dep["service"]).split("/", 1)[0]
        close = ", ".join(name if ns == named_ns else f"{name} in namespace {ns}"  # a Service that moved: where it went
                          for ns, _, name in (str(s).split("/", 2) for s in dep.get("similar_services") or []))
        wrong = f"names Service {dep['service']}, which does not exist (close: {close})"
    else:
        ports = ", ".join(str(p) for p in dep.get("exposed_ports") or [])
        wrong = f"connects to {dep['service']} on port {dep.get('port')}, which it does not expose (it exposes {ports})"
    return f"{workload}'s {dep.get('env')} (from {where}) {wrong}"

