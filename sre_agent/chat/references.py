"""Which resource a question is about: a name resolved by the kubernetes `find_resource` tool (never
by a list of known names), or -- for "it", "its logs", "roll it back" -- the conversation's focus."""

from __future__ import annotations

from ..contracts import parse_resource_id
from ..graph.coverage import reached_backend
from .ask import Ask
from .models import Answer

# When a name matches several objects, the one an SRE means: the workload, then what fronts it.
KIND_PREFERENCE = ("Deployment", "StatefulSet", "DaemonSet", "Service", "Node", "Pod")


def kind_of(rid: str) -> str:
    try:
        return parse_resource_id(rid)[1]
    except ValueError:
        return ""


def name_of(rid: str) -> str:
    try:
        return parse_resource_id(rid)[2]
    except ValueError:
        return rid


def best_match(matches: list[dict], *, namespace: str | None, kind_hint: str | None) -> str | None:
    """Exact names first, then the namespace asked about, then the kind the form needs, then workloads."""
    def rank(match: dict) -> tuple:
        rid = match["resource"]
        ns = parse_resource_id(rid)[0]
        kind = kind_of(rid)
        order = KIND_PREFERENCE.index(kind) if kind in KIND_PREFERENCE else len(KIND_PREFERENCE)
        return (not match.get("exact"), bool(namespace) and ns != namespace, bool(kind_hint) and kind != kind_hint, order)

    ranked = sorted(matches, key=rank)
    return ranked[0]["resource"] if ranked else None


async def _named_in_question(ask: Ask, skip: str | None = None) -> str | None:
    """A resource one of the question's own words names exactly: the antecedent of "it" in a context
    clause ("woke up to a search latency page, is it still a problem?"), or the word a pattern should
    have caught ("search is one replica short, what's going on")."""
    for word in [w for w in ask.recognised.candidates if w != skip][:5]:
        found = await ask.call("kubernetes", "find_resource", {"name": word})
        exact = [m for m in (found.data or {}).get("matches") or [] if m.get("exact")]
        chosen = best_match(exact, namespace=ask.namespace, kind_hint=ask.recognised.kind_hint)
        if chosen:
            return chosen
    return None


async def resolve(ask: Ask) -> str | Answer:
    """The resource id the question is about, or the answer to give instead (which one? not found?
    could not check?)."""
    rec = ask.recognised
    subject = rec.subject
    if subject is None and not ask.focus and rec.candidates:
        named = await _named_in_question(ask)
        if named:
            return named
    if subject is None:
        if not ask.focus:
            return ask.answer("Which resource do you mean? Name it (e.g. a deployment or service name); "
                              "nothing earlier in this conversation says which.", status="needs_subject",
                              next_steps=["Ask again with the name, e.g. 'show me the logs of <service>'."])
        preferred = [r for r in ask.focus if rec.kind_hint and kind_of(r) == rec.kind_hint]
        if preferred or not rec.kind_hint or kind_of(ask.focus[0]) in ("Deployment",):
            return (preferred or ask.focus)[0]
        subject = name_of(ask.focus[0])  # "roll it back" after talking about a Service: find its Deployment
    if subject.count("/") in (1, 2):
        try:
            parse_resource_id(subject)
            return subject
        except ValueError:
            pass
    outcome = await ask.call("kubernetes", "find_resource", {"name": subject})
    if outcome.error is not None and not reached_backend(outcome.error):
        return ask.answer(f"could not check kubernetes: {outcome.error.strip()}", status="unknown",
                          next_steps=["Check that the cluster is reachable (kubeconfig, --context) and ask again."])
    matches = (outcome.data or {}).get("matches") or []
    chosen = best_match(matches, namespace=ask.namespace, kind_hint=rec.kind_hint)
    if chosen is None and outcome.error is None:
        chosen = await _named_in_question(ask, skip=subject)
    if chosen is None:
        return ask.answer(f"Found no Deployment, StatefulSet, DaemonSet, Service, Pod or Node whose name contains "
                          f"{subject!r}.", status="answered",
                          next_steps=["Check the name (kubectl get deploy,svc -A), or ask 'what's broken?'."])
    return chosen
