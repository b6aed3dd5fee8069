"""A Service of type ExternalName is a DNS alias for a host outside the cluster: it has no pods or endpoints of its own,
so when its callers' failing-call lines name it (the name does not resolve, the calls are refused, time out or come back
unavailable) the trouble is where the alias points. A name that does not resolve or a refusal is a host decommissioned
or renamed: the root is the Service, the one object in the cluster that says where those calls go (repoint it, or
restore what it stood for), not the callers whose lines say so. A host that answers 5xx or too slowly is there and in
trouble: its owner's outage, a dependency failure outside the cluster with nothing in it to change."""

from __future__ import annotations

import re

from ...contracts import Finding

# a resolver's words (Go, glibc's getaddrinfo, Java, Node, Ruby) and a refusal: the alias points where nothing answers
UNRESOLVED = re.compile(r"no such host|could not resolve|couldn.?t resolve|name or service not known|nxdomain|getaddrinfo|"
                        r"temporary failure in name resolution|unknownhostexception|enotfound|name resolution|"
                        r"connection refused|unreachable", re.I)
# the host answers, failing (5xx, unavailable) or too slowly: it is there and in trouble -- its owner's outage
ANSWERED_FAILING = re.compile(r"\b50[234]\b|unavailable|timed? ?out|timeout", re.I)
LINE_SIGNALS = ("UpstreamErrors", "NewErrorTemplate", "ConfigErrorLog", "LogNamedCause", "CrashLoopBackOff")


def _said(x: Finding) -> str:
    return " ".join(str(v) for v in (x.summary, x.details.get("template"), x.details.get("line"), x.details.get("last_log")) if v)


def _named_failing(f: Finding, all_: list[Finding], failed: re.Pattern[str]) -> bool:
    """The caller's lines that say `failed` name the alias (its Service name) or its host."""
    service = str(f.details.get("dependency") or "").rsplit("/", 1)[-1].lower()
    host = str(f.details.get("host") or "").lower()
    return any(x.resource == f.resource and x.signal in LINE_SIGNALS and failed.search(text := _said(x))
               and ((service and re.search(rf"(?<![\w-]){re.escape(service)}(?![\w-])", text.lower())) or (host and host in text.lower()))
               for x in all_)


def alias_unresolved(f: Finding, all_: list[Finding]) -> bool:
    """The caller's failing-call lines name the alias or its host, and say it does not resolve or refuses: the alias
    points where nothing answers (a host decommissioned or renamed) -- the Service is what to repoint. An alias made or
    repointed within the incident's window whose calls fail at all is the change to look at, whatever the lines say."""
    return _named_failing(f, all_, UNRESOLVED) or bool(f.details.get("written_in_window")) and _named_failing(f, all_, ANSWERED_FAILING)


def host_failing(f: Finding, all_: list[Finding]) -> bool:
    """The lines name the alias or its host answering 5xx, unavailable or too slowly, and none says it does not resolve:
    the host outside is there and in trouble (its owner's outage) -- nothing in the cluster to repoint."""
    return _named_failing(f, all_, ANSWERED_FAILING) and not alias_unresolved(f, all_)
