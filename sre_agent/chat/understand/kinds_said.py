"""An object named by its kind ("the cm", "the quota") rather than its name: the ConfigMaps or Secrets a workload
reads (what "the cm" means after talking about the workload), a ConfigMap or Secret described by what it holds ("the
promo banner cm": the one with the key PROMO_BANNER), and the short question a change request gets when the
conversation points at no object of the kind it said -- a change is never moved onto an object of another kind."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ..ask import Ask
from ..models import Answer
from .context_names import kind_of
from .forms import kind_nouns
from .namespaces_said import namespace_named

ROLLABLE = ("Deployment", "StatefulSet", "DaemonSet")
CONFIG_REF_KEYS = {"ConfigMap": ("configMapRef", "configMapKeyRef", "configMap"), "Secret": ("secretRef", "secretKeyRef", "secret")}


def other_kind_said(text: str) -> bool:
    """"point the cronjob at the new key": a kind said that is not a Service -- the pointing is that object's, never a
    Service port's."""
    return any(kind not in ("Service", "Endpoints") for kind in kind_nouns(text))


async def config_read_by(ask: Ask, rid: str, kind: str) -> str | None:
    """The one ConfigMap (or Secret) a workload's pod template reads, when it reads exactly one of that kind."""
    names = await configs_read_by(ask, rid, kind)
    namespace = parse_resource_id(rid)[0]
    return f"{namespace}/{kind}/{names.pop()}" if len(names) == 1 else None


async def configs_read_by(ask: Ask, rid: str, kind: str) -> set[str]:
    """The names of the ConfigMaps (or Secrets) a workload's pod template reads -- envFrom, env valueFrom, volumes, and
    for Secrets the imagePullSecrets its pods pull with."""
    spec = await pod_template_spec(ask, rid)
    names: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "imagePullSecrets" and kind == "Secret" and isinstance(value, list):
                    names.update(str(s.get("name")) for s in value if isinstance(s, dict) and s.get("name"))
                if key in CONFIG_REF_KEYS[kind] and isinstance(value, dict):
                    found = value.get("name") or value.get("secretName")
                    if found:
                        names.add(str(found))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(spec)
    return names


async def pod_template_spec(ask: Ask, rid: str) -> dict:
    namespace, workload_kind, name = parse_resource_id(rid)
    if workload_kind not in (*ROLLABLE, "CronJob", "Job") or not namespace:
        return {}
    described = await ask.call("kubernetes", "describe", {"kind": workload_kind, "name": name, "namespace": namespace,
                                                          "events_limit": 0})
    return ((described.data or {}).get("object") or {}).get("spec") or {}


async def which_of_kind(ask: Ask, kind: str) -> Answer | str:
    """A change request naming a kind ("raise the quota") whose object the conversation does not point at: the one of
    that kind a dashed word of the question names ("set the meter-import cronjob parallelism"), else the short question
    listing the ones that exist -- never a guess across namespaces, even where only one exists (the one in a namespace
    the question names is no guess)."""
    listed = await ask.call("kubernetes", "get_resources", {"kind": kind, "limit": 50})
    items = (listed.data or {}).get("items") or []
    said = set(re.findall(r"\b[a-z0-9]+(?:-[a-z0-9]+)+\b", ask.question.lower()))
    named = [i for i in items if str(i.get("name")) in said]
    if len(named) != 1 and (where := ask.namespace or await namespace_named(ask)):
        named = [i for i in items if i.get("namespace") == where]  # "delete the resourcequota in web": the one there
    if len(named) == 1:
        chosen = named[0]
        return f"{chosen.get('namespace')}/{kind}/{chosen.get('name')}" if chosen.get("namespace") else f"{kind}/{chosen.get('name')}"
    names = [f"{i.get('namespace')}/{i.get('name')}" if i.get("namespace") else str(i.get("name")) for i in items][:5]
    return ask.answer(f"Which {kind} do you mean" + (f": {', '.join(names)}?" if names else f"? No {kind} exists."),
                      status="needs_subject", resources=[],
                      next_steps=[f"Ask again with the name, e.g. with {names[0].rsplit('/', 1)[-1]}." if names else
                                  "Check the kind (kubectl api-resources)."])


KEY_TOKEN = re.compile(r"[a-z0-9]+")


async def config_described(ask: Ask, kind: str, words: list[str]) -> str | None:
    """The one ConfigMap (or Secret) whose keys carry the most of the question's words ("revert the promo banner cm
    change" -> the ConfigMap holding PROMO_BANNER) -- in the conversation's namespace when it has one. Two equally good
    or none: None (the caller asks or falls back); a key is matched by its words, never its value."""
    said = {w.lower().rstrip("s") for w in words if len(w) >= 3}
    if not said:
        return None
    namespace = ask.namespace or next((parse_resource_id(r)[0] for r in ask.focus if parse_resource_id(r)[0]), None)
    listed = await ask.call("kubernetes", "get_resources", {"kind": kind, "limit": 500,
                                                            **({"namespace": namespace} if namespace else {})})
    scored = []
    for item in (listed.data or {}).get("items") or []:
        key_words = {t.rstrip("s") for key in item.get("keys") or [] for t in KEY_TOKEN.findall(str(key).lower())}
        if (hits := len(said & key_words)) > 0:
            scored.append((hits, f"{item.get('namespace')}/{kind}/{item.get('name')}"))
    scored.sort(reverse=True)
    if not scored or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1]


async def run_of(ask: Ask, word: str) -> str | None:
    """The Job run `word` names: the Job so named, else the runs of a CronJob of that name (<name>-<n>) -- a running one,
    else the newest. None when there is none."""
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Job", "limit": 500,
                                                            **({"namespace": ask.namespace} if ask.namespace else {})})
    runs = [i for i in (listed.data or {}).get("items") or [] if i.get("name") == word
            or i.get("cronjob") == word or str(i.get("name") or "").startswith(word + "-")]
    runs.sort(key=lambda i: (i.get("name") == word, bool(i.get("active")), str(i.get("created") or "")), reverse=True)
    return f"{runs[0]['namespace']}/Job/{runs[0]['name']}" if runs and runs[0].get("namespace") else None


# what a Secret has and a workload does not: rotated, renewed, a password, a certificate that expires
SECRET_ATTRIBUTE = re.compile(r"\b(rotat\w*|renew\w*|passwords?|credentials?|certs?|certificates?|expir\w*)\b", re.IGNORECASE)
SECRET_SAID = re.compile(r"\bSecret ([a-z0-9][a-z0-9.-]*[a-z0-9])")


async def secret_in_talk(ask: Ask) -> str | None:
    """The Secret the conversation is about: one it discussed, the one the diagnosis names (its root, or "Secret X changed
    at ..." in its summary), else the one Secret the workload in focus reads."""
    if discussed := next((r for r in ask.focus if kind_of(r) == "Secret"), None):
        return discussed
    diagnosis = ask.last_diagnosis or {}
    root = str(diagnosis.get("resource") or "")
    if kind_of(root) == "Secret":
        return root
    namespace = parse_resource_id(ask.focus[0])[0]
    if (said := SECRET_SAID.search(str(diagnosis.get("summary") or ""))) and namespace:
        return f"{namespace}/Secret/{said.group(1)}"
    return await config_read_by(ask, ask.focus[0], "Secret")
