"""An object named exactly: the one a word is the whole name of (find_resource's exact matches), the best of several
(a workload before what fronts it), and the workload behind a Service of the same name."""

from __future__ import annotations

from ...contracts import parse_resource_id
from ..ask import Ask
from .context_names import kind_of

# When a name matches several objects, the one an SRE means: the workload, then what fronts it.
KIND_PREFERENCE = ("Deployment", "StatefulSet", "DaemonSet", "Service", "CronJob", "Job", "Node", "Pod")


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


async def named_exactly(ask: Ask, word: str, *, kinds: list[str] | None = None, kind_hint: str | None = None) -> str | None:
    """The object `word` is exactly the name of (find_resource's default kinds, or `kinds`), the best of them
    when several are (best_match); None when only look-alikes match."""
    found = await ask.call("kubernetes", "find_resource", {"name": word, **({"kinds": kinds} if kinds else {})})
    exact = [m for m in (found.data or {}).get("matches") or [] if m.get("exact")]
    return best_match(exact, namespace=ask.namespace, kind_hint=kind_hint)


async def workload_of_service(ask: Ask, service: str, kinds: tuple[str, ...] = ("Deployment", "StatefulSet")) -> str | None:
    """The workload behind a Service: the one of its name in its namespace (the pairing the ownership walk checks)."""
    namespace, _, name = parse_resource_id(service)
    found = await named_exactly(ask, name, kinds=list(kinds))
    return found if found and parse_resource_id(found)[0] == namespace else None


async def workload_running(ask: Ask, version: str) -> str | None:
    """"roll back 3.4.0": the one workload whose live image is tagged with that version, else None."""
    tag = version.lower().lstrip("v")
    found = []
    for kind in ("Deployment", "StatefulSet", "DaemonSet"):
        listed = await ask.call("kubernetes", "get_resources", {"kind": kind, "limit": 2000})
        found += [f"{i.get('namespace')}/{kind}/{i.get('name')}" for i in (listed.data or {}).get("items") or []
                  if any(str(image).lower().rsplit(":", 1)[-1].lstrip("v") == tag for image in i.get("images") or [])]
    return found[0] if len(found) == 1 else None

