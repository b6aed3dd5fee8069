"""A Service of type ExternalName is a DNS alias for a host outside the cluster: it has no pods or endpoints of its own,
so when its callers' failing-call lines name it (the name does not resolve, the calls are refused, time out or come back
unavailable) the trouble is where the alias points -- a host decommissioned or renamed. The root is the Service, the one
object in the cluster that says where those calls go (repoint it, or restore what it stood for), not the callers whose
lines say so."""

from __future__ import annotations

import re

from ...contracts import Finding

# a resolver's words: Go, glibc's getaddrinfo, Java, Node, Ruby
FAILED = re.compile(r"no such host|could not resolve|couldn.?t resolve|name or service not known|nxdomain|getaddrinfo|"
                    r"temporary failure in name resolution|unknownhostexception|enotfound|name resolution|unavailable|"
                    r"connection refused|timed? ?out|\b50[234]\b|unreachable", re.I)
LINE_SIGNALS = ("UpstreamErrors", "NewErrorTemplate", "ConfigErrorLog", "LogNamedCause", "CrashLoopBackOff")


def _said(x: Finding) -> str:
    return " ".join(str(v) for v in (x.summary, x.details.get("template"), x.details.get("line"), x.details.get("last_log")) if v)


def alias_unresolved(f: Finding, all_: list[Finding]) -> bool:
    """The caller's failing-call lines name the alias (its Service name) or its host."""
    service = str(f.details.get("dependency") or "").rsplit("/", 1)[-1].lower()
    host = str(f.details.get("host") or "").lower()
    return any(x.resource == f.resource and x.signal in LINE_SIGNALS and FAILED.search(text := _said(x))
               and ((service and re.search(rf"(?<![\w-]){re.escape(service)}(?![\w-])", text.lower())) or (host and host in text.lower()))
               for x in all_)
