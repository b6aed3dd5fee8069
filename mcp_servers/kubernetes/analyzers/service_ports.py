"""Does a Service's port reach what its pods listen on? The endpoints controller resolves a *named*
targetPort per pod (a pod that does not declare the name is left out of the Endpoints, although it is
Ready); a *numeric* targetPort is listed as it is, whether or not anything listens there. So:

  * a named targetPort no selected pod declares -> the Service has no endpoints for that port;
  * a number none of the selected containers declares, while they do declare ports -> the endpoints
    point at a port the app does not serve (connections refused). Declaring container ports is
    optional in Kubernetes, so pods that declare none give no verdict (None), never a false alarm.

Pure functions over object dicts: the Service analyzer and the ownership tool share them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PortReach:
    port: int | None
    target_port: str  # as the Service says it: a number or a name
    protocol: str
    reached: bool | None  # None: the pods declare no ports (or there are none), so no verdict
    declared: list[str] = field(default_factory=list)  # what the selected pods declare: name:port/PROTO

    def sentence(self, service: str) -> str:
        declared = ", ".join(self.declared) or "no ports"
        how = "names" if not self.target_port.isdigit() else "targets"
        return (f"Service {service} port {self.port} {how} targetPort {self.target_port}/{self.protocol}, "
                f"which no selected pod declares (they declare {declared})")


def declared_ports(pod_specs: Iterable[dict[str, Any]]) -> list[tuple[str | None, int, str]]:
    """(name, containerPort, protocol) over the app containers of the given pod specs, de-duplicated."""
    seen: dict[tuple[str | None, int, str], None] = {}
    for spec in pod_specs:
        for container in spec.get("containers") or []:
            for port in container.get("ports") or []:
                if port.get("containerPort") is not None:
                    seen[(port.get("name"), int(port["containerPort"]), port.get("protocol") or "TCP")] = None
    return list(seen)


def _label(name: str | None, number: int, protocol: str) -> str:
    return f"{name}:{number}/{protocol}" if name else f"{number}/{protocol}"


def port_reach(service: dict[str, Any], pod_specs: list[dict[str, Any]]) -> list[PortReach]:
    """One PortReach per Service port, judged against the pods the Service selects."""
    declared = declared_ports(pod_specs)
    labels = [_label(*d) for d in declared]
    rows = []
    for port in (service.get("spec") or {}).get("ports") or []:
        target = port.get("targetPort", port.get("port"))
        protocol = port.get("protocol") or "TCP"
        same_protocol = [d for d in declared if d[2] == protocol]
        reached: bool | None
        if not pod_specs or not declared:
            reached = None
        elif isinstance(target, str) and not target.isdigit():
            reached = any(name == target for name, _, _ in same_protocol)
        else:
            reached = any(number == int(target) for _, number, _ in same_protocol)
        rows.append(PortReach(port=port.get("port"), target_port=str(target), protocol=protocol, reached=reached,
                              declared=labels))
    return rows
