"""A caller whose failing-call lines name an ExternalName Service (a DNS alias for a host outside the cluster): the alias
is the root -- it is the one object in the cluster that says where those calls go -- never the caller, and never a
dependency 'down' for want of endpoints an alias never has."""

from __future__ import annotations

import pytest

from sre_agent.brains.offline.diagnosis import best, hypotheses
from sre_agent.contracts import Finding

CALLER = "library/Deployment/catalogue-web"
ALIAS = "library/Service/discovery-search"


def _alias(written_in_window: bool = False) -> Finding:
    return Finding(agent="kubernetes", resource=CALLER, signal="DependsOnExternal", severity="info", summary="alias",
                   details={"dependency": ALIAS, "host": "opac-search.lib.example.ac.uk",
                            "written_in_window": written_in_window})


def _line(text: str) -> Finding:
    return Finding(agent="logs", resource=CALLER, signal="UpstreamErrors", summary=f"new log template x9: {text}",
                   details={"template": text})


UNAVAILABLE = 'GET /search 503 error="upstream discovery-search unavailable"'


@pytest.mark.parametrize("line, written, category", [
    # a name that does not resolve: the alias points where nothing is -- repoint it
    ("Failed to open TCP connection to discovery-search.library.svc.cluster.local:8080 (getaddrinfo: Name or service "
     "not known)", False, "endpoint_misconfigured"),
    ("dial tcp: lookup opac-search.lib.example.ac.uk: no such host", False, "endpoint_misconfigured"),
    # the host answers 5xx: an alias standing before the trouble is the host's owner's outage; one made or repointed
    # within the incident's window is the change to look at
    (UNAVAILABLE, False, "dependency_failure"),
    (UNAVAILABLE, True, "endpoint_misconfigured"),
    ('GET /loans 503 error="upstream loans-db unavailable"', False, None),  # another dependency's failure: not the alias
])
def test_failing_calls_to_an_alias_root_at_the_alias(line, written, category):
    chosen = best(hypotheses([_alias(written), _line(line)]))
    if category is None:
        assert chosen is None or chosen.resource != ALIAS
    else:
        assert chosen is not None and (chosen.category.value, chosen.resource) == (category, ALIAS)


def test_an_alias_whose_host_is_out_gets_no_selector_fix():
    # an ExternalName has no pods: the fix for its host's outage is its owner's, never "point it at the pods"; a
    # misaimed alias is repointed by its externalName
    from sre_agent.contracts import RootCauseCategory as C
    from sre_agent.graph.fix_guards import category_fallback
    from tests.unit.graph.test_fix_fallbacks import state
    out = category_fallback(state(C.DEPENDENCY_FAILURE, ALIAS, _alias()), ALIAS)[0]
    assert out.commands == [] and "the outage is its owner's" in out.summary and "selector" not in out.summary
    aimed = category_fallback(state(C.ENDPOINT_MISCONFIGURED, ALIAS, _alias()), ALIAS)[0]
    assert "externalName" in aimed.commands[0] and "selector" not in aimed.commands[0]
