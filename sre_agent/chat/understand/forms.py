"""Recognising what an SRE is asking: the question forms in forms.yaml, the resource a question is
about (or a pronoun pointing back into the conversation), the time window it names and the
namespace it scopes to. Pure functions over text: no tools, no state."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel, Field

from ...categories import category_words
from .spelling import normalise

DEFAULT_WINDOW_S = 3600
MAX_WINDOW_S = 7 * 86400
UNIT_SECONDS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hr": 3600, "hour": 3600,
                "d": 86400, "day": 86400, "w": 604800, "week": 604800}
_WORD_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "twelve": 12, "few": 3, "couple of": 2, "couple": 2}
_WINDOW = re.compile(r"\b(?:last|past|previous|since|in the last|within|over the last)\s+(?:(\d+|" + "|".join(
    sorted(_WORD_NUMBERS, key=len, reverse=True)) + r")\s*)?(s|sec|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?)\b",
                     re.IGNORECASE)
# a part of the day said by its name: the hours it reaches back (capped like any window)
_DAY_PARTS = ((re.compile(r"\b(over\s*night|since\s+last\s+night|last\s+night)\b", re.IGNORECASE), 12 * 3600),
              (re.compile(r"\bthis\s+morning\b", re.IGNORECASE), 6 * 3600))
_NAMESPACE = re.compile(r"\b(?:in|across)\s+(?:the\s+)?(?:namespace\s+([a-z0-9][a-z0-9-]*)|([a-z0-9][a-z0-9-]*)\s+namespace)\b",
                        re.IGNORECASE)
_RESOURCE_TOKEN = re.compile(r"[a-z0-9][a-z0-9./-]*[a-z0-9]|[a-z0-9]")
# Where a question's own clause starts after a context clause ("paged for X 5xx. whats broken",
# "do it, roll back X"): a sentence or clause break.
_CLAUSE_BREAK = re.compile(r"[.;:!?,]+\s+|\s+-+\s+")
# Words that open a clause without changing what it asks ("ok roll it back", "so, why").
_FILLER = re.compile(r"^(?:(?:ok|okay|alright|all right|right|yes|yeah|yep|sure|fine|so|then|now|and|well|hmm|hey|hi|"
                     r"please|pls|just|cool|great|thanks|do it|go ahead(?: and)?|or|actually|instead|maybe|wait|nah|"
                     r"for now)\b[\s,.!]*)+", re.IGNORECASE)


class FormSpec(BaseModel):
    id: str
    patterns: list[str]
    needs_subject: bool = False
    kind_hint: str | None = None
    guess_subject: bool = True  # no subject in the pattern: take the question's first candidate word (else: refer back)
    noun_is_subject: bool = True  # a kind noun in the question names the subject's kind ("the pvc"); False: the answer's
    whole: bool = False  # matched against the whole question only, never one of its clauses ("... 5xx. help" is a plea)


class FormCatalog(BaseModel):
    pronouns: list[str]
    stopwords: list[str]
    forms: list[FormSpec]


class Recognised(BaseModel):
    """What a question asks: its form, the subject it names (None: none named; a pronoun: the
    conversation's focus), the time window and namespace it scopes to."""

    form: str  # a FormSpec id, or "unrecognised"
    subject: str | None = None
    refers_back: bool = False  # the subject is a pronoun (or missing where the form needs one)
    needs_subject: bool = False
    kind_hint: str | None = None
    window_s: int = DEFAULT_WINDOW_S
    namespace: str | None = None
    candidates: list[str] = Field(default_factory=list)  # words that may name a resource (unrecognised questions)
    guessed: bool = False  # the subject is the question's first candidate word, not a word the form's pattern placed
    noun_is_subject: bool = True
    learned: float | None = None  # no pattern matched: the intent classifier's confidence in `form` (chat/answer/meta.py)


@lru_cache(maxsize=1)
def catalog() -> FormCatalog:
    text = resources.files("sre_agent.chat.understand").joinpath("forms.yaml").read_text()
    return FormCatalog.model_validate(yaml.safe_load(text))


def fault_words() -> str:
    """The words that name a kind of fault (sre_agent/categories.yaml), as a pattern's alternation: what a
    pattern's {fault_words} stands for -- "is it the image", "so its oom right"."""
    words = sorted({w for keys, _ in category_words() for w in keys}, key=len, reverse=True)
    return "|".join(rf"{re.escape(w)}\w*" for w in words)


@lru_cache(maxsize=1)
def _compiled() -> list[tuple[FormSpec, list[re.Pattern[str]]]]:
    faults = fault_words()
    return [(spec, [re.compile(p.replace("{fault_words}", faults), re.IGNORECASE) for p in spec.patterns])
            for spec in catalog().forms]


def asks_for_window(text: str) -> bool:
    """The question names its own time window ("in the last 10 minutes", "today")."""
    return bool(_WINDOW.search(text) or re.search(r"\btoday\b|\bsince yesterday\b", text, re.IGNORECASE))


def parse_window(text: str) -> int:
    """Seconds the question looks back: "last 2 hours" -> 7200, "past 30m" -> 1800; default one hour."""
    match = _WINDOW.search(text)
    if not match:
        if re.search(r"\btoday\b|\bsince yesterday\b", text, re.IGNORECASE):
            return 86400
        if (part := next((seconds for pattern, seconds in _DAY_PARTS if pattern.search(text)), None)) is not None:
            return min(MAX_WINDOW_S, part)
        return DEFAULT_WINDOW_S
    count_text = (match.group(1) or "1").lower()
    count = int(count_text) if count_text.isdigit() else _WORD_NUMBERS.get(count_text, 1)
    unit = match.group(2).lower().rstrip("s") or "s"
    seconds = UNIT_SECONDS.get(unit, UNIT_SECONDS.get(unit[:1], 3600))
    return max(60, min(MAX_WINDOW_S, count * seconds))


def parse_namespace(text: str) -> str | None:
    match = _NAMESPACE.search(text)
    return (match.group(1) or match.group(2)).lower() if match else None


def clean_subject(raw: str | None) -> str | None:
    """The resource word of a captured subject: no punctuation, no possessive, no stopword."""
    if not raw:
        return None
    word = raw.strip().strip("?!.,:;'\"`").lower()
    word = re.sub(r"'s$", "", word)
    if len(word) < 2 or word in catalog().stopwords and word not in catalog().pronouns:
        return None  # one letter is never a name ("whats" -> "what s")
    if "_" in word:
        return None  # an env var or a key (CUSTOMS_CLIENT_SECRET): Kubernetes names never carry "_"
    return word


def is_pronoun(word: str | None) -> bool:
    return word is not None and word in catalog().pronouns


ENV_NAME = re.compile(r"(?<![\w-])[A-Z][A-Z0-9]*_[A-Z0-9_]+(?![\w-])")


def candidate_words(text: str) -> list[str]:
    """Words of a question that could name a resource: not stopwords, at least 3 characters."""
    stop = set(catalog().stopwords) | set(catalog().pronouns)
    # a variable's name (ENGINE_TIMEOUT_MS) is a key, never an object's: its words ("engine") name nothing
    text = ENV_NAME.sub(" ", text)
    words = [w.strip("./-") for w in _RESOURCE_TOKEN.findall(text.lower())]
    # A version ("2.5.3", "v1.14") is what a question asks about, never an object's name.
    return list(dict.fromkeys(w for w in words if len(w) >= 3 and w not in stop and not w.isdigit()
                              and not re.fullmatch(r"v?\d+(\.\d+)+[\w.-]*", w)))


KIND_WORDS = {"service": "Service", "svc": "Service", "deployment": "Deployment", "deploy": "Deployment", "pod": "Pod",
              "statefulset": "StatefulSet", "sts": "StatefulSet", "daemonset": "DaemonSet", "ds": "DaemonSet",
              "node": "Node", "pvc": "PersistentVolumeClaim", "persistentvolumeclaim": "PersistentVolumeClaim",
              "claim": "PersistentVolumeClaim", "job": "Job", "cronjob": "CronJob", "configmap": "ConfigMap",
              "cm": "ConfigMap", "secret": "Secret", "quota": "ResourceQuota", "resourcequota": "ResourceQuota",
              "storageclass": "StorageClass", "hpa": "HorizontalPodAutoscaler", "autoscaler": "HorizontalPodAutoscaler",
              "horizontalpodautoscaler": "HorizontalPodAutoscaler", "netpol": "NetworkPolicy",
              "networkpolicy": "NetworkPolicy", "pdb": "PodDisruptionBudget", "poddisruptionbudget": "PodDisruptionBudget",
              "disruptionbudget": "PodDisruptionBudget",
              "limitrange": "LimitRange"}


REASON_CLAUSE = re.compile(r"(?<=\w)\s*,?\s+(?:so\s+that|so|because|since|coz|cuz|in\s+case|otherwise)\s+(?=\w)", re.IGNORECASE)


def kind_nouns(text: str) -> list[str]:
    """The kinds the question's nouns name, in order: "events of the pvc" -> [PersistentVolumeClaim],
    "what depends on the settlement-config configmap" -> [ConfigMap]. The noun, not a name, says the kind."""
    found = []
    # a reason clause says why, not what: "scale payment-api to 6 so that one pod is not alone" is about no pod
    text = REASON_CLAUSE.split(text, maxsplit=1)[0]
    # a word of a dashed name is not a noun: "claims-export" names a CronJob, it says nothing of claims
    for word in re.findall(r"(?:config|storage|resource|cron|stateful|daemon|network|limit|disruption)\s+"
                           r"(?:maps?|class(?:es)?|quotas?|jobs?|sets?|polic(?:y|ies)|ranges?|budgets?)\b"
                           r"|[a-z0-9][\w.-]*", text.lower()):
        word = word.strip(".")
        if re.search(r"[-.\d]", word):
            continue
        key = re.sub(r"\s+", "", word)
        for candidate in (key, key[:-1] if key.endswith("s") else key, key[:-2] if key.endswith("es") else key,
                          key[:-3] + "y" if key.endswith("ies") else key):
            if candidate in KIND_WORDS:
                found.append(KIND_WORDS[candidate])
                break
    return list(dict.fromkeys(found))


# A dashed name with a kind noun after it ("scale the meter-ingest deployment to 12", "put the annotation back on the
# usage-exporter service account"): the patterns are written for the name alone.
_KIND_AFTER_NAME = re.compile(r"\b([a-z0-9]+(?:-[a-z0-9]+)+)\s+(?:deployment|deploy|statefulset|sts|daemonset|ds|cronjob|"
                              r"cron\s+job|service\s*account|sa|configmap|config\s*map|cm)\b(?!-)", re.IGNORECASE)


def _kind_named_after(text: str, subject: str | None) -> str | None:
    """"the catalog service" -> Service: the kind word an SRE puts after a name says which object."""
    if not subject:
        return None
    match = re.search(rf"\b{re.escape(subject)}\s+(\w+)", text, re.IGNORECASE)
    return KIND_WORDS.get(match.group(1).lower()) if match else None


def _named_before_kind(text: str, kind_word: str) -> str | None:
    """The words typed for a name right before a kind word ("new holds queue sts" -> holds-queue), dashed."""
    words = re.findall(r"[\w.-]+", text.lower())
    at = next((i for i, w in enumerate(words) if w == kind_word.lower()), None)
    if not at:
        return None
    candidates = set(candidate_words(text))
    before: list[str] = []
    for word in reversed(words[max(0, at - 3):at]):
        if word not in candidates:
            break
        before.insert(0, word)
    return "-".join(before) or None


def _phrase_subject(phrase: str | None) -> str | None:
    """A name typed as several words ("the pnr schema migration"): its words that could name something, dashed
    (pnr-schema-migration), for the fuzzy lookup to match against pnr-schema-migrate-118. One word is a name as is."""
    words = candidate_words(phrase or "")
    if len(words) >= 2 and (words[-1] in KIND_WORDS or words[0] in KIND_WORDS):
        # "the appointments-api hpa", "svc pass-shop": the kind said beside the name (_kind_named_after reads it)
        words = words[:-1] if words[-1] in KIND_WORDS else words[1:]
    if len(words) < 2:
        return clean_subject(words[0]) if words else None
    return "-".join(words)


# Attributes only one kind has: "why does X have no endpoints" is about the Service X, whatever else is called X.
_ATTRIBUTE_KIND = ((re.compile(r"\bendp\w{0,3}i?n?ts?\b|\btarget\s*port\b|\bselector\b(?!.*\blabels?\b)|\bselect\s+on\b",
                               re.IGNORECASE), "Service"),
                   (re.compile(r"\bmembers?\b|\bordinals?\b", re.IGNORECASE), "StatefulSet"),
                   # "which version last succeeded": runs succeed, a CronJob's (or Job's)
                   (re.compile(r"\blast\s+(ran|run|succeeded|worked|completed|passed)\b|\bsucceeded\b", re.IGNORECASE), "CronJob"),
                   # an environment variable ("point WALLET_SIGNING_KEY at ..."): a workload's, not its Secret's
                   (re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b"), "Deployment"))


def _kind_by_attribute(text: str) -> str | None:
    return next((kind for pattern, kind in _ATTRIBUTE_KIND if pattern.search(text)), None)


# Words that close a request without changing it ("undo the web rollout anyway", "restart it then pls"): patterns
# anchored at the end of a request must still find it.
_TRAILING_FILLER = re.compile(r"(?:[\s,]+(?:anyway|anyways|then|tho|though|pls|please|asap|already|instead|too|as\s+well|"
                              r"for\s+me|real\s+quick|quickly|for\s+now|thx|thanks|ok)\b)+\W*$", re.IGNORECASE)


# Where a question's last clause starts: "ice plant bridge keeps crashlooping in ops, related?" asks "related?" -- the
# clauses before it say what about.
_LAST_CLAUSE = re.compile(r"[,;.!?]+\s+(?=\S)")


def last_clause(text: str) -> str:
    """The question's last clause (the whole question when it has one clause)."""
    return _LAST_CLAUSE.split(text.strip())[-1]


def clauses(text: str) -> list[str]:
    """The question, then each tail of it that starts at a clause break, with leading filler words
    removed (and trailing ones): a form may be asked after a context clause ("payments-5xx firing. what changed ...")
    and patterns anchored at the start or the end of a request must still find it."""
    variants = [text]
    for match in _CLAUSE_BREAK.finditer(text):
        variants.append(text[match.end():])
    out = []
    for variant in variants:
        stripped = _FILLER.sub("", variant).strip()
        out += [v for v in (variant, stripped, _TRAILING_FILLER.sub("", stripped).strip()) if v]
    return list(dict.fromkeys(out))


# A change request qualified by its namespace after the object ("scale bin-state-cache in telemetry to 4", "undo
# the contract-api rollout in trading"): the namespace is taken out so the request's own pattern sees "<verb> <object>
# ... to N". Only after a change verb, and never "in the last hour", "in 5 minutes" or "scale in".
_CHANGE_START = re.compile(r"^\W*(please\s+)?((can|could|would)\s+you\s+|let.?s\s+|now\s+)?(scale|roll|rollback|revert|undo|restart|"
                           r"bounce|bump|raise|lower|increase|decrease|set|change|delete|remove|cordon|uncordon|untaint|"
                           r"drain|patch|point|recreate|re-create|rerun|re-run|update|move)\b", re.IGNORECASE)
_CHANGE_NAMESPACE = re.compile(r"(?<=[\w-])\s+in\s+(?:the\s+)?(?!(?:the|last|next|past|a|an|one|two|steps|place|"
                               r"parallel|order|line|prod|production)\b)([a-z][a-z0-9-]*)(?:\s+namespace)?(?=\s|$|[?.!,])",
                               re.IGNORECASE)


def starts_with_change(text: str) -> bool:
    return bool(_CHANGE_START.search(text))


def change_namespace(text: str) -> tuple[str, str | None]:
    """A change request's "<object> in <namespace>": the text without it, and the namespace."""
    verb = _CHANGE_START.search(text)
    if not verb:
        return text, None
    match = _CHANGE_NAMESPACE.search(text, verb.end())
    if match is None or match.group(1).lower() in KIND_WORDS or not text[verb.end():match.start()].strip():
        return text, None  # "scale in the workers": the verb's own "in", not a namespace
    return text[:match.start()] + text[match.end():], match.group(1).lower()


def recognise(text: str, *, change_in: bool = True) -> Recognised:
    """The first form (in forms.yaml order) one of whose patterns matches the question or one of its
    clauses. `change_in=False`: a change request's "in X" is not read as a namespace (X is none that exists)."""
    text = normalise(text)
    window, namespace = parse_window(text), parse_namespace(text)
    if namespace is None and change_in:
        text, namespace = change_namespace(text)
    said = text  # as typed: the kind noun after a name says which object ("the meter-ingest deployment")
    variants = clauses(_KIND_AFTER_NAME.sub(r"\1", text))  # the patterns read the name alone
    for spec, patterns in _compiled():
        for pattern in patterns:
            match = next((m for v in (variants[:1] if spec.whole else variants) if (m := pattern.search(v))), None)
            if not match:
                continue
            candidates = candidate_words(text)
            subject = clean_subject(match.groupdict().get("subject")) or _phrase_subject(match.groupdict().get("phrase"))
            said_kind = None
            if subject and subject.lower() in KIND_WORDS and (named := _named_before_kind(text, subject)):
                said_kind, subject = KIND_WORDS[subject.lower()], named  # "new holds queue sts is stuck": holds-queue
            pronoun = is_pronoun(subject)
            guessed = False
            if subject is None and spec.needs_subject and spec.guess_subject and candidates:
                subject = candidates[0]  # "logs for the checkout service": the pattern caught "the"
                guessed = True
            if namespace and subject == namespace:
                subject = None
            refers_back = spec.needs_subject and (subject is None or pronoun)
            kind_hint = said_kind or _kind_named_after(said, subject) or spec.kind_hint or _kind_by_attribute(text)
            return Recognised(form=spec.id, subject=None if pronoun else subject, refers_back=refers_back,
                              needs_subject=spec.needs_subject, kind_hint=kind_hint, window_s=window,
                              namespace=namespace, candidates=candidates, guessed=guessed,
                              noun_is_subject=spec.noun_is_subject)
    candidates = candidate_words(text)
    # "does the billing-api service select its pods": no form, but the noun after a name still says which object
    named_kind = next((kind for word in candidates if (kind := _kind_named_after(text, word))), None)
    return Recognised(form="unrecognised", window_s=window, namespace=namespace, candidates=candidates,
                      kind_hint=named_kind)


def form_spec(form: str) -> FormSpec | None:
    return next((spec for spec in catalog().forms if spec.id == form), None)


def form_ids() -> list[str]:
    return [spec.id for spec in catalog().forms]
