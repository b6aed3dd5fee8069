"""A name the question gives that no object has -- "is there a grades-db-rw service", "whats the checkout-svc
doing", "did the transcript-export job finish" -- is said to be not found, with the closest names: never
answered about a look-alike, the conversation's object or the cluster's problems instead.

A typed word is taken as a name only where an SRE puts one: a dashed word before a kind noun ("the X service")
or in a name slot ("is there a X", "whats X doing", "show me the X", "whats on X"). A typo of a real name
("notfy-api") is not missing: the resolver takes it to the name it stands for."""

from __future__ import annotations

import difflib
import re

from ...graph.coverage import reached_backend
from ..answer.pods import pod_trouble
from ..ask import Ask
from ..models import Answer
from .inventory import load_inventory, mentions
from .names import POD_OF_DEPLOYMENT, best_names, generated_from, tokens

NAME = r"(?P<name>[a-z0-9]+(?:-[a-z0-9]+)+)"
# the kinds a noun makes the question about (not "nodes": "the gpu-g5 nodes" names a node group, not a node),
# loosely as people use them ("the X service" is often its Deployment)
NOUN_KINDS = {
    "service": ("Service", "Deployment", "StatefulSet", "DaemonSet"), "svc": ("Service", "Deployment", "StatefulSet", "DaemonSet"),
    "deployment": ("Deployment", "StatefulSet", "DaemonSet"), "deploy": ("Deployment", "StatefulSet", "DaemonSet"),
    "statefulset": ("StatefulSet",), "sts": ("StatefulSet",), "daemonset": ("DaemonSet",), "ds": ("DaemonSet",),
    "job": ("Job", "CronJob"), "cronjob": ("CronJob", "Job"), "pod": ("Pod",),
    "secret": ("Secret",), "configmap": ("ConfigMap",), "storageclass": ("StorageClass",),
    "pvc": ("PersistentVolumeClaim",), "claim": ("PersistentVolumeClaim",), "quota": ("ResourceQuota",),
    "hpa": ("HorizontalPodAutoscaler",), "autoscaler": ("HorizontalPodAutoscaler",),
}
_NOUNS = r"services?|svc|deployments?|deploy|statefulsets?|sts|daemonsets?|ds|cron\s*jobs?|jobs?|pods?|secrets?" \
        r"|config\s*maps?|storage\s*class(?:es)?|pvcs?|claims?|quotas?|hpas?|autoscalers?"
_NOUN = rf"(?P<noun>{_NOUNS})\b"
BEFORE_NOUN = re.compile(rf"(?<![\w./=:-]){NAME}\s+{_NOUN}", re.IGNORECASE)
SLOTS = tuple(re.compile(p, re.IGNORECASE) for p in (
    rf"\b(?:is|are)\s+there\s+(?:an?|any|the)\s+{NAME}(?![\w./-])",
    rf"\bwhat.?s\s+(?:the\s+)?{NAME}\s+(?:doing|up\s+to)\b",
    rf"\bwhat.?s\s+(?:going\s+)?on\s+(?:with\s+)?(?:the\s+)?{NAME}\W*$",
    rf"\bwhat.?s\s+the\s+{NAME}\W*$",
    rf"\b(?:show|get)\s+me\s+the\s+{NAME}(?![\w./-])",
))
TOKEN_MATCH = 0.9  # names.match_score: a whole token of a name or better -- a typo-level fit names nothing for sure
ALL_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Service", "CronJob", "Job", "Pod", "Node", "ConfigMap", "Secret",
             "PersistentVolumeClaim", "StorageClass", "HorizontalPodAutoscaler")


def _kinds_of(noun: str) -> tuple[str, ...] | None:
    key = re.sub(r"\s+", "", noun.lower())
    for form in (key, key[:-2] if key.endswith("es") else key, key[:-1] if key.endswith("s") else key):
        if form in NOUN_KINDS:
            return NOUN_KINDS[form]
    return None


# "is there a pgbouncer service in journeys", "is there a node called tt-realtime-c7i-2": an existence question names
# its object with the kind beside it, so a one-word name counts there too
_ONE_WORD = r"(?P<name>[a-z0-9][a-z0-9.-]*[a-z0-9])"
ASKED_EXISTS = (re.compile(rf"\b(?:is|are)\s+there\s+(?:an?|any)\s+{_ONE_WORD}\s+{_NOUN}", re.IGNORECASE),
                re.compile(rf"\b(?:is|are)\s+there\s+(?:an?|any)\s+(?P<noun>node|{_NOUNS})\s+(?:(?:called|named)\s+"
                           rf"{_ONE_WORD}|(?P<dashed>[a-z0-9]+(?:[.-][a-z0-9]+)+))(?![\w./-])", re.IGNORECASE))
# words that describe objects rather than name one ("is there a db pod", "any failed jobs")
NOT_A_NAME = {"db", "database", "cache", "new", "old", "other", "running", "pending", "failed", "failing", "broken",
              "healthy", "stuck", "crashing", "unhealthy", "ready", "spare", "second", "single", "extra", "called", "named"}


def typed_names(question: str) -> list[tuple[str, tuple[str, ...]]]:
    """(name, the kinds it may be) for every name the question puts where a name goes."""
    found: list[tuple[str, tuple[str, ...]]] = []
    for pattern in ASKED_EXISTS:
        for match in pattern.finditer(question):
            noun = match.group("noun").lower()
            kinds = ("Node",) if noun.startswith("node") else _kinds_of(noun)
            name = (match.group("name") or match.groupdict().get("dashed") or "").lower()
            if kinds is not None and name and name not in NOT_A_NAME:
                found.append((name, kinds))
    for match in BEFORE_NOUN.finditer(question):
        if (kinds := _kinds_of(match.group("noun"))) is not None:
            found.append((match.group("name").lower(), kinds))
    for slot in SLOTS:
        for match in slot.finditer(question):
            found.append((match.group("name").lower(), ALL_KINDS))
    return list({name: (name, kinds) for name, kinds in reversed(found)}.values())[::-1]


def is_typo(typed: str, name: str) -> bool:
    """A slip of the keyboard, not another name: as many tokens, numbers equal, each word a close spelling
    ("notfy-api" for notify-api; not "grades-db-rw" for grades-db, nor ip-10-42-99-12 for ip-10-42-16-21)."""
    typed_parts, name_parts = tokens(typed), tokens(name.split(".", 1)[0] if "." in name else name)
    if len(typed_parts) != len(name_parts):
        return False
    for a, b in zip(typed_parts, name_parts, strict=True):
        if a == b:
            continue
        if a.isdigit() or b.isdigit() or difflib.SequenceMatcher(None, a, b).ratio() < 0.8:
            return False
    return True


async def alarm_names(ask: Ask) -> set[str]:
    """The account's CloudWatch alarm names, lower case: a dashed word may be one of them rather than an object."""
    alarms = await ask.call("cloudwatch", "describe_alarms", {"max_results": 1000})
    return {str(a.get("name", "")).lower() for a in (alarms.data or {}).get("alarms") or []}


def _replacement(name: str, pods: list[dict]) -> str | None:
    """The pod that replaced a Deployment's pod named `name`: one of the same ReplicaSet, else of the same workload
    (a rollout since); the one in trouble first -- the pod a pasted name was about is most often the failing one."""
    shape = POD_OF_DEPLOYMENT.match(name)
    if shape is None:
        return None
    for prefix in (shape.group("replicaset"), shape.group("workload")):
        same = [p for p in pods if POD_OF_DEPLOYMENT.match(str(p.get("name"))) and generated_from(str(p.get("name")), prefix)]
        if same:
            return str(([p for p in same if pod_trouble(p) is not None] or same)[0]["name"])
    return None


async def not_found(ask: Ask) -> Answer | None:
    """The answer for the first typed name no object has (nor a typo of one), else None (go on as usual)."""
    typed = typed_names(ask.question)
    if typed:  # an alarm's name in a name slot ("whats the shop-frontend-5xx doing") is the alarm, answered as such
        named_alarms = await alarm_names(ask)
        typed = [(name, kinds) for name, kinds in typed if name not in named_alarms]
    inventory = None  # read once, and only when a typed name is not found
    for name, kinds in typed:
        found = await ask.call("kubernetes", "find_resource", {"name": name, "kinds": list(kinds)})
        if found.error is not None and not reached_backend(found.error):  # whether it exists is unknown, not "no"
            return ask.answer(f"could not check kubernetes: {found.error.strip()[:300]}", status="unknown",
                              next_steps=["Check that the cluster is reachable (kubeconfig, --context) and ask again."])
        if found.error is not None:
            return None  # the usual path says what it could not read
        if (found.data or {}).get("matches"):
            continue
        if kinds != ALL_KINDS:  # "elevator-pg storage class?": a name that exists as another kind is what it is about
            anywhere = await ask.call("kubernetes", "find_resource", {"name": name})
            if any(m.get("exact") for m in (anywhere.data or {}).get("matches") or []):
                continue
        inventory = inventory or await load_inventory(ask)
        # objects the question names for sure elsewhere ("the kittitas re-import job": kittitas is the Job's own token)
        if any(m.chosen and m.chosen.kind in kinds and m.candidates[0][0] >= TOKEN_MATCH
               and name not in m.span.replace(" ", "-") for m in mentions(ask.question, inventory)):
            continue  # a word describing an object another word of the question names, not a name of its own
        # what exists, from the session's inventory (listed once a few seconds); pods only when a pod may be meant
        listed = [(k.kind, k.rid) for k in inventory.objects if k.kind != "Alarm"]
        if "Pod" in kinds:
            outcome = await ask.call("kubernetes", "get_resources", {"kind": "Pod", "limit": 2000})
            listed += [("Pod", f"{i['namespace']}/Pod/{i['name']}") for i in (outcome.data or {}).get("items") or []]
        if any(kind in kinds and is_typo(name, rid.rsplit("/", 1)[-1]) for kind, rid in listed):
            continue
        if "Pod" in kinds and (now := _replacement(name, (outcome.data or {}).get("items") or [])):
            # a pod name pasted from a page or an earlier `get pods`: that pod was replaced, its ReplicaSet's (or its
            # workload's) pod now is what the question is about -- said, never silently swapped
            ask.question = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", now, ask.question)
            if ask.recognised.subject == name:
                ask.recognised = ask.recognised.model_copy(update={"subject": now})
            ask.notes.append(f"(no pod {name} now: it was replaced; {now} is its successor from the same "
                             f"{'ReplicaSet' if now.startswith(name.rsplit('-', 1)[0] + '-') else 'workload'})")
            continue
        by_name: dict[str, list[str]] = {}
        for _, rid in listed:
            by_name.setdefault(rid.rsplit("/", 1)[-1], []).append(rid)
        ranked = [rid for _, n in best_names([name, *tokens(name)], list(by_name)) for rid in by_name[n][:1]]
        closest = ([r for r in ranked if "/Pod/" not in r] or ranked)[:3]  # a workload, not each of its pods
        what = " or ".join(dict.fromkeys(kinds[:2])) if len(kinds) <= 4 else "object"
        return ask.answer(f"{name}: not found -- no {what} named {name!r} in the cluster"
                          + (f" (closest: {', '.join(closest)})" if closest else ""),
                          status="answered",
                          next_steps=["Check the name (kubectl get all,cm,secret,pvc -A | grep <part of it>), or ask "
                                      "'whats running in <namespace>' for the names there."])
    return None


DASHED = re.compile(r"(?<![\w./-])[a-z0-9]+(?:-[a-z0-9]+)+(?![\w-]|\.\w)")  # never a dotted name's first part


async def said_not_existing(ask: Ask) -> Answer | None:
    """"wait whats biling-db": a dashed name no object has exactly, which the conversation's own last answer or
    diagnosis quoted (a misspelled host in a URL): what was said of it -- never the object it is a typo of."""
    for name in DASHED.findall(ask.question.lower()):
        if not (said := _said_in_conversation(ask, name)):
            continue
        names = (await load_inventory(ask)).names()
        # only a slip away from a real name ("biling-db" beside billing-db): the case a lenient match would answer
        # about the wrong object; a name that exists, or resembles none, takes the usual path
        shorts = {real.split(".", 1)[0] for real in names}  # a node by its hostname ("ip-10-0-2-34") is that node
        if name not in names and name not in shorts and any(is_typo(name, real) for real in names):
            return ask.answer(f"{name} is no object in the cluster -- it is what this conversation found named: {said[0]}",
                              status="answered", details=said[1:3],
                              next_steps=["Ask 'how do I fix it?' for the change that makes the name right."])
    return None


def _said_in_conversation(ask: Ask, name: str) -> list[str]:
    """The lines of the conversation's last answer and diagnosis that carry `name` whole."""
    answer, diagnosis = ask.last_answer or {}, ask.last_diagnosis or {}
    lines = [str(answer.get("headline") or ""), *map(str, answer.get("details") or []), str(diagnosis.get("summary") or "")]
    whole = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", re.IGNORECASE)
    return list(dict.fromkeys(line[:300] for line in lines if whole.search(line)))
