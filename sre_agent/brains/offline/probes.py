"""Which container's probe a kubelet's `Unhealthy` event is about, and that probe as its spec says it: the numbers an
on-call compares with what the app does (an initialDelaySeconds below the time it takes to start, a path the app no
longer serves, a timeout of one second under load) belong in the finding, not three commands away."""

from __future__ import annotations

import re

PROBE_TIMED_OUT = re.compile(r"context deadline exceeded|Client\.Timeout|timed out|timeout", re.I)
PROBE_URL = re.compile(r'Get "https?://[^/:"]+(?::(\d+))?(/[^"]*)?"')
EXEC_MISSING = re.compile(r'exec: "([^"]+)"')
TIMINGS = ("initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold")


def _ports(container: dict, port: object) -> set[str]:
    return {str(port)} | {str(p.get("containerPort")) for p in container.get("ports") or [] if p.get("name") == port}


def probed_container(spec: dict, which: str, message: str) -> dict | None:
    """The container whose `which` probe ("livenessProbe", "readinessProbe") the event's message names: by the URL's
    port and path, by the program an exec probe runs, else the only container with such a probe."""
    having = [c for c in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])] if c.get(which)]
    url, program = PROBE_URL.search(message), EXEC_MISSING.search(message)
    for container in having:
        probe = container[which]
        get = probe.get("httpGet") or {}
        if url and get and (url.group(1) is None or url.group(1) in _ports(container, get.get("port"))) and \
                (url.group(2) or "/") == get.get("path", "/"):
            return container
        command = " ".join(str(w) for w in (probe.get("exec") or {}).get("command") or [])
        if program and program.group(1) in command:
            return container
    return having[0] if len(having) == 1 else None


def probe_text(container: dict, which: str) -> str:
    """"container api's liveness probe: httpGet :8080/healthz, initialDelaySeconds 40, periodSeconds 10" -- what is set."""
    probe = container.get(which) or {}
    if (get := probe.get("httpGet")) is not None:
        how = f"httpGet :{get.get('port')}{get.get('path', '/')}"
    elif (run := probe.get("exec")) is not None:
        how = f"exec {' '.join(str(w) for w in run.get('command') or [])}"
    elif (tcp := probe.get("tcpSocket")) is not None:
        how = f"tcpSocket :{tcp.get('port')}"
    else:
        how = "probe"
    timings = [f"{key} {probe[key]}" for key in TIMINGS if probe.get(key) is not None]
    return f"container {container.get('name')}'s {which.removesuffix('Probe')} probe: {', '.join([how, *timings])}"


def timed_out_probe(spec: dict, message: str) -> dict:
    """For a liveness probe that gave up waiting (not one that got an answer): the container whose httpGet probe
    the URL names, and its timeoutSeconds (1 when unset, as the API server defaults it)."""
    if not PROBE_TIMED_OUT.search(message):
        return {}
    container = probed_container({"containers": spec.get("containers") or []}, "livenessProbe", message)
    if container is None or not (container.get("livenessProbe") or {}).get("httpGet") and PROBE_URL.search(message):
        return {"timed_out": True}
    return {"timed_out": True, "probe_container": container["name"],
            "timeout_seconds": int(container["livenessProbe"].get("timeoutSeconds") or 1)}
