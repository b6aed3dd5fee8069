"""A caller whose failing-call lines name an ExternalName Service (a DNS alias for a host outside the cluster): the alias
is the root -- it is the one object in the cluster that says where those calls go -- never the caller, and never a
dependency 'down' for want of endpoints an alias never has."""

from __future__ import annotations

import pytest

from sre_agent.brains.offline.diagnosis import best, hypotheses
from sre_agent.contracts import Finding

CALLER = "library/Deployment/catalogue-web"
ALIAS = "library/Service/discovery-search"


def _alias() -> Finding:
    return Finding(agent="kubernetes", resource=CALLER, signal="DependsOnExternal", severity="info", summary="alias",
                   details={"dependency": ALIAS, "host": "opac-search.lib.example.ac.uk"})


def _line(text: str) -> Finding:
    return Finding(agent="logs", resource=CALLER, signal="UpstreamErrors", summary=f"new log template x9: {text}",
                   details={"template": text})


@pytest.mark.parametrize("line, root", [
    ('GET /search 503 error="upstream discovery-search unavailable"', ALIAS),
    ("Failed to open TCP connection to discovery-search.library.svc.cluster.local:8080 (getaddrinfo: Name or service "
     "not known)", ALIAS),
    ("dial tcp: lookup opac-search.lib.example.ac.uk: no such host", ALIAS),
    ('GET /loans 503 error="upstream loans-db unavailable"', None),  # another dependency's failure: not the alias
])
def test_failing_calls_to_an_alias_root_at_the_alias(line, root):
    chosen = best(hypotheses([_alias(), _line(line)]))
    if root is None:
        assert chosen is None or chosen.resource != ALIAS
    else:
        assert chosen is not None and (chosen.category.value, chosen.resource) == ("endpoint_misconfigured", root)
