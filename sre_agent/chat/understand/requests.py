"""A request to act said in the shapes the change forms do not read, said again in the one they do: kubectl's write
commands ("kubectl scale deploy/x -n ns --replicas=2", "k rollout undo sts/x --to-revision=3"), a kind's noun between
the verb and the name ("scale statefulset x to 2", "undo deployment x in ns to revision 1"), "undo the x rollout to
1.2.3", and a clause after the request that says why ("..., it probably slowed the db", "... so it survives the drain").

Read only where the question was read as no change at all: a request the forms already read is never rewritten. What
is rewritten is the request's surface, never its object or its value; the guards that follow read the words said."""

from __future__ import annotations

import re

from .forms import Recognised, recognise
from .references import WRITE_FORMS

KIND_NOUN = (r"(?:deploy(?:ment)?s?|statefulsets?|sts|daemonsets?|ds|svc|services?|cronjobs?|cj|jobs?|pods?|po|"
             r"configmaps?|cm|hpa|nodes?|no)")
NAME = r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?"
LEAD = re.compile(r"^\s*(?:(?:ok|okay|so|then|just|pls|please|now|go\s+ahead\s+and)\W+)*", re.IGNORECASE)

# kubectl's write commands, as the English the change forms read
KUBECTL_WRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"^(?:kubectl|k)\s+scale\s+(?:{KIND_NOUN}/|{KIND_NOUN}\s+)?(?P<name>{NAME})\b.*?--replicas[=\s](?P<n>\d+)",
                re.IGNORECASE), "scale {name} to {n}"),
    (re.compile(rf"^(?:kubectl|k)\s+rollout\s+undo\s+(?:{KIND_NOUN}/|{KIND_NOUN}\s+)?(?P<name>{NAME})\b.*?--to-revision[=\s](?P<n>\d+)",
                re.IGNORECASE), "roll back {name} to revision {n}"),
    (re.compile(rf"^(?:kubectl|k)\s+rollout\s+undo\s+(?:{KIND_NOUN}/|{KIND_NOUN}\s+)?(?P<name>{NAME})\b", re.IGNORECASE),
     "roll back {name}"),
    (re.compile(rf"^(?:kubectl|k)\s+rollout\s+restart\s+(?:{KIND_NOUN}/|{KIND_NOUN}\s+)?(?P<name>{NAME})\b", re.IGNORECASE),
     "restart {name}"),
    (re.compile(rf"^(?:kubectl|k)\s+(?P<verb>cordon|uncordon|drain)\s+(?:nodes?/|nodes?\s+)?(?P<name>{NAME})\b", re.IGNORECASE),
     "{verb} {name}"),
    (re.compile(rf"^(?:kubectl|k)\s+delete\s+(?P<kind>{KIND_NOUN})(?:/|\s+)(?P<name>{NAME})\b", re.IGNORECASE),
     "delete {name} {kind}"),
)
# "undo the telemetry-ingest rollout to 2.14.1", "undo x to revision 1": undo is a rollback
UNDO = re.compile(rf"^undo\s+(?:the\s+)?(?P<name>{NAME})\s+(?:rollout|release|deploy(?:ment)?)\b", re.IGNORECASE)
WORKLOAD_VERBS = r"(?:scale|restart|roll\s+back|rollback|undo|revert|resume|pause)"
# the kind's noun between a workload verb and the name: "scale statefulset loyalty-redis to 2"
KIND_BEFORE_NAME = re.compile(rf"^(?P<verb>{WORKLOAD_VERBS})\s+(?:the\s+)?{KIND_NOUN}\s+(?P<name>{NAME}-{NAME})\b",
                              re.IGNORECASE)
# "... x in ticketing to revision 1": kubectl's namespace said in words, after the name
IN_NAMESPACE = re.compile(rf"^(?P<head>{WORKLOAD_VERBS}\s+{NAME}-{NAME})\s+in\s+(?:namespace\s+)?{NAME}\b", re.IGNORECASE)
# a clause after the request that says why: ", it probably ...", " so it survives the drain", " because ..."
WHY_CLAUSE = re.compile(r"\s*(?:,\s*(?:it|its|it's|they|that|this|since|because|as)\b|\s+(?:so\s+(?:that\s+)?(?:it|they|the)|"
                        r"because|since)\b).*$", re.IGNORECASE)


def read_as_request(question: str, recognised: Recognised) -> tuple[str, Recognised] | None:
    """(the request said again, how the forms read it) when the question was read as no change and its rewrite is one."""
    if recognised.form != "unrecognised" or (said := as_request(question)) is None:
        return None
    again = recognise(said)
    return (said, again.model_copy(update={"namespace": recognised.namespace or again.namespace})) \
        if again.form in WRITE_FORMS else None


def as_request(text: str) -> str | None:
    """The request said in the shape the change forms read, or None when nothing about it is rewritten."""
    lead = LEAD.match(text)
    body = text[lead.end():] if lead else text
    for pattern, english in KUBECTL_WRITES:
        if (match := pattern.match(body)) is not None:
            return english.format(**match.groupdict())
    said = UNDO.sub(lambda m: f"roll back {m.group('name')}", body)
    said = re.sub(r"^undo\b", "roll back", said, flags=re.IGNORECASE)
    said = KIND_BEFORE_NAME.sub(lambda m: f"{m.group('verb')} {m.group('name')}", said)
    said = IN_NAMESPACE.sub(lambda m: m.group("head"), said)
    if re.match(WORKLOAD_VERBS, said, re.IGNORECASE):
        said = WHY_CLAUSE.sub("", said)
    return said if said != body else None
