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
    # "patch hpa quiz-api minReplicas 2 maxReplicas 12": both bounds said -- both pinned, never the max alone
    (re.compile(rf"^(?:(?:kubectl|k)\s+)?patch\s+(?:hpa|horizontalpodautoscalers?)(?:/|\s+)(?P<name>{NAME})\b.*?"
                r"min\s*replicas\W*(?:to\s+)?(?P<low>\d+)\D{1,24}?max\s*replicas\W*(?:to\s+)?(?P<n>\d+)", re.IGNORECASE),
     "set the {name} hpa to min {low} max {n}"),
    # "patch hpa snow-report in mountain to maxReplicas 10", "kubectl patch hpa/x -p '{"spec":{"maxReplicas":10}}'"
    (re.compile(rf"^(?:(?:kubectl|k)\s+)?patch\s+(?:hpa|horizontalpodautoscalers?)(?:/|\s+)(?P<name>{NAME})\b.*?"
                r"max\s*replicas\W*(?:to\s+)?(?P<n>\d+)", re.IGNORECASE), "set the {name} hpa max to {n}"),
    # "set max back to 10", "bump maxReplicas to 12": the bound of the conversation's autoscaler
    (re.compile(r"^(?:set|raise|bump|put|change|increase|restore)\s+(?:the\s+|its\s+)?(?:hpa\s+|autoscaler\s+)?"
                r"max(?:imum)?(?:\s*replicas)?\s+(?:back\s+)?(?:up\s+)?to\s+(?P<n>\d+)\b", re.IGNORECASE), "set the hpa max to {n}"),
    # "patch svc payment-gateway in billing so its selector has app.kubernetes.io/component=gateway"
    (re.compile(rf"^(?:(?:kubectl|k)\s+)?patch\s+(?:svc|services?)(?:/|\s+)(?P<name>{NAME})\b.*?\bselector\b\W*"
                r"(?:has|is|to|=|with|of|matches|uses)?\s*(?P<rest>.*)$", re.IGNORECASE), "patch svc {name} selector to {rest}"),
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
    unread = recognised.form == "unrecognised" or recognised.form in WRITE_FORMS and recognised.subject is None or \
        bool(recognised.subject and KEY.search(question) and recognised.subject not in question.lower().split("-"))
    if not unread or (said := as_request(question)) is None or said == question:
        return None
    again = recognise(said)
    return (said, again.model_copy(update={"namespace": recognised.namespace or again.namespace})) \
        if again.form in WRITE_FORMS else None


# a configuration key said in capitals, and what the request does to it: "READ_BATCH_SIZE went to 4000, revert it to
# 5000", "HOLD_TTL went to 480 right before this, put it back to 420", "bump LAYOUT_CACHE_ENTRIES to 5000", "MAP_STYLE
# changed earlier, revert that", "switched PAPERLESS_BANNER off, turn it back on"
KEY = re.compile(r"(?<![\w-])([A-Z][A-Z0-9]*_[A-Z0-9_]+)(?![\w-])")
KEY_VALUE = re.compile(r"\b(?:revert|put|set|change|bump|raise|lower|increase|decrease|restore|move|drop|turn|switch|flip|"
                       r"point)\b[^.;]*?\b(?:back\s+)?(?:to|at)\s+['\"]?([^\s'\"]+)", re.IGNORECASE)  # a URL whole: user@host:port/db?x=1
# "patch rfid-ingest-config so KAFKA_BOOTSTRAP_SERVERS is kafka:9092", "update the cm with KEY=V": the value said after the key
KEY_IS = re.compile(r"\b(?:patch|set|change|update|make|edit|fix)\b[^;]*?\b([A-Z][A-Z0-9]*_[A-Z0-9_]+)\s*(?:is|=|:|becomes)\s*"
                    r"['\"]?([^\s'\"]+)")
KEY_BACK = re.compile(r"\b(revert|undo|roll\s*(?:it\s+|that\s+)?back|put\s+(?:it|that)\s+back|back\s+on|back\s+off|"
                      r"restore|change\s+(?:it|that)\s+back)\b", re.IGNORECASE)


def _a_value(word: str) -> bool:
    """A value a key is set to (500, 2025-winter, true, "wrenmoor"), not a purpose's verb ("revert X to drop the preset")."""
    return bool(re.search(r"[\d./:_-]", word)) or word.lower() in ("true", "false", "on", "off", "yes", "no") or \
        word.isupper() or word[:1] in "'\""


def key_request(text: str) -> str | None:
    """A change of one configuration key said around it, as "set KEY to VALUE" (a value said after "to"), else "revert
    KEY" (back to what it was: its holder's record says what can be known of that). None: no one key, or no change."""
    keys = list(dict.fromkeys(KEY.findall(text)))
    if len(keys) != 1:
        return None
    if (value := KEY_VALUE.search(text)) is not None and (to := value.group(1).rstrip(".,;!?")) != keys[0] and _a_value(to):
        return f"set {keys[0]} to {to}"
    if (said := KEY_IS.search(text)) is not None and said.group(1) == keys[0] and _a_value(to := said.group(2).rstrip(".,;!?")):
        return f"set {keys[0]} to {to}"
    return f"revert {keys[0]}" if KEY_BACK.search(text) else None


NS_FLAG = re.compile(r"(?<=\s)(?:-n|--namespace)(?:\s+|=)[a-z0-9][a-z0-9-]*(?=\s)", re.IGNORECASE)


def as_request(text: str) -> str | None:
    """The request said in the shape the change forms read, or None when nothing about it is rewritten."""
    lead = LEAD.match(text)
    body = text[lead.end():] if lead else text
    if (keyed := key_request(body)) is not None:
        # "... and restart journey planner": the restart asked beside the key change is kept
        then = re.search(r"\s+and\s+(?:then\s+)?(?:restart|bounce|redeploy|reload|roll)\b.*$", body, re.IGNORECASE)
        return keyed + (then.group(0) if then else "")
    # kubectl's flags may come before its verb ("k -n gates patch hpa x ..."): read with them out of the way
    unflagged = NS_FLAG.sub(" ", body).strip()
    for pattern, english in KUBECTL_WRITES:
        if (match := pattern.match(body) or pattern.match(unflagged)) is not None:
            return english.format(**match.groupdict())
    said = UNDO.sub(lambda m: f"roll back {m.group('name')}", body)
    said = re.sub(r"^undo\b", "roll back", said, flags=re.IGNORECASE)
    said = KIND_BEFORE_NAME.sub(lambda m: f"{m.group('verb')} {m.group('name')}", said)
    said = IN_NAMESPACE.sub(lambda m: m.group("head"), said)
    if re.match(WORKLOAD_VERBS, said, re.IGNORECASE):
        said = WHY_CLAUSE.sub("", said)
        said = re.sub(r",\s.*$", "", said)  # "..., the storm is basically over": a remark after the request
        said = re.sub(r"\b(?:back\s+)?(?:down|up)\s+to\b", "to", said, flags=re.IGNORECASE)  # "scale it back down to 3"
    return said if said != body else None
