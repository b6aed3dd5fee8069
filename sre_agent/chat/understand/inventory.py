"""What exists now, and which of it a question's words name.

The inventory is one listing of every kind chat talks about, in every namespace the servers allow, and
the CloudWatch alarms -- read through the same MCP tools as everything else, kept for a few seconds so a
conversation's turns do not list the cluster again and again. Matching is a pure function over it: the
question's spans of one to three words (typed with spaces, dashes or run together, a kubectl short word
beside them) against every name, tolerant of plurals, prefixes and typos (chat/understand/names.py). Which object a
span means follows one rule an SRE would state: the kind said wins; else a workload wins over the
Service, ConfigMap, Secret or claim of its name; else the namespace asked about; two different objects
left equally good are ambiguous -- asked, never picked."""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from .forms import KIND_WORDS, catalog
from .intent_model import labelled
from .names import match_score

KINDS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job", "Service", "ConfigMap", "Secret",
         "PersistentVolumeClaim", "HorizontalPodAutoscaler", "ResourceQuota", "Node", "StorageClass", "NetworkPolicy",
         "LimitRange", "PodDisruptionBudget")
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job")
CONFIG_KINDS = ("ConfigMap", "Secret")
# the order an SRE means when only the name is said: what runs, then what fronts or feeds it
KIND_ORDER = (*WORKLOADS, "Service", "Node", "PersistentVolumeClaim", "HorizontalPodAutoscaler", "ConfigMap", "Secret",
              "ResourceQuota", "StorageClass", "NetworkPolicy", "LimitRange", "PodDisruptionBudget", "Alarm")
TTL_S = 15.0  # a conversation's next turn sees the same cluster; a rollout a minute later is seen
MIN_SCORE = 0.6  # names.match_score: a typo of a whole name (0.7-0.75) or of one long token (0.61-0.65) still counts
ALARM_SCORE = 0.92  # an alarm's name carries its workload's: only the alarm's own words (most of them) name the alarm
TIE = 0.02
CONTAINER_SCORE = 0.96  # a span that is a container's whole name: below the workload's own name, above any token match
WORD = re.compile(r"[a-z0-9][a-z0-9._-]*[a-z0-9]|[a-z0-9]")
# words that never start or end a name span: they are the question, not the name
FILLER = {"the", "a", "an", "is", "are", "was", "it", "its", "of", "on", "in", "for", "to", "and", "or", "with", "what",
          "whats", "which", "why", "how", "who", "does", "do", "did", "any", "my", "our", "this", "that", "there", "ok",
          "up", "down", "now", "still", "all", "can", "could", "would", "should", "pls", "please", "hey", "yo", "so",
          "then", "just", "me", "you", "i", "be", "been", "from", "at", "by", "not", "no", "yes"}


@dataclass(frozen=True)
class Known:
    kind: str
    name: str
    namespace: str | None = None
    containers: tuple[str, ...] = ()  # a workload's containers (kubectl get -o wide): "envoy" names its workload

    @property
    def rid(self) -> str:
        if self.kind == "Alarm":
            return f"Alarm/{self.name}"
        return f"{self.namespace}/{self.kind}/{self.name}" if self.namespace else f"{self.kind}/{self.name}"


@dataclass
class Inventory:
    objects: list[Known] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # kinds (or "alarms") the listing could not read: no "not found"

    def names(self) -> set[str]:
        return {k.name for k in self.objects}


@dataclass
class Mention:
    """A span of the question that names something: its candidates, best first, and the one meant (None when it
    is ambiguous)."""

    span: str
    kind_said: str | None
    candidates: list[tuple[float, Known]]
    chosen: Known | None

    @property
    def ambiguous(self) -> list[Known]:
        """The objects it could mean, one per name and namespace (its likeliest kind), when it means no one of them."""
        if self.chosen is not None or not self.candidates:
            return []
        # of the kind said, when it said one ("the clock-gateway cm": its ConfigMaps, however exactly a Deployment fits)
        fitting = [(s, k) for s, k in self.candidates if k.kind == self.kind_said] if self.kind_said else self.candidates
        if not fitting:
            return []
        top = fitting[0][0]
        best: dict[tuple[str, str | None], Known] = {}
        for score, known in fitting:
            if score >= top - TIE:
                held = best.get((known.name, known.namespace))
                if held is None or _rank(known) < _rank(held):
                    best[(known.name, known.namespace)] = known
        options = list(best.values())
        if not self.kind_said and any(k.kind in WORKLOADS for k in options):
            # "clock gw": the workload, not its ConfigMaps of the same stem -- unless the question says the kind
            options = [k for k in options if k.kind not in CONFIG_KINDS]
        return options


def _rank(known: Known) -> int:
    return KIND_ORDER.index(known.kind) if known.kind in KIND_ORDER else len(KIND_ORDER)


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """The words questions are made of -- the forms' stopwords, and every plain word that two or more of the
    labelled phrasings use ("state", "new", "exactly", "cache"): one of them alone names an object only by the
    object's whole name, never by being one token of it ("what state is the new pod in" is not about
    bin-state-cache)."""
    book = catalog()
    counts = Counter(w for text, _ in labelled() for w in set(re.findall(r"[a-z]+(?:-[a-z0-9]+)*", text.lower()))
                     if "-" not in w)
    return frozenset({*book.stopwords, *book.pronouns, *FILLER, *(w for w, n in counts.items() if n >= 2)})


def words_of(question: str) -> list[str]:
    return [w.strip(".") for w in WORD.findall(question.lower().replace("'s ", " "))]


def may_name_in_words(question: str) -> bool:
    """Whether two words side by side could be a name typed with a space ("booking api", "fleet db"): what makes
    looking the question up in the inventory worth it."""
    words = words_of(question)
    plain = _form_words()  # never the phrasings' words: "payments gateway" may name payments-gateway, whatever the data says
    return any(a not in FILLER and b not in FILLER and not (a in plain and b in plain)
               for a, b in zip(words, words[1:], strict=False))


@lru_cache(maxsize=1)
def _form_words() -> frozenset[str]:
    """The words the forms themselves are made of (their stopwords and pronouns): two of them side by side name nothing."""
    book = catalog()
    return frozenset({*book.stopwords, *book.pronouns, *FILLER})


def _spans(question: str) -> list[tuple[int, int, list[str]]]:
    words = words_of(question)
    spans = []
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            part = words[start:start + size]
            if part[0] in FILLER or part[-1] in FILLER or any(w in KIND_WORDS for w in part):
                continue
            spans.append((start, start + size, part))
    return spans


def _kind_beside(question: str, span: str) -> str | None:
    """"the pass-shop svc", "svc pass-shop", "configmap for pass-shop": the kind word touching the name."""
    words = words_of(question)
    text = " ".join(words)
    if (at := text.find(span)) < 0:
        return None
    before, after = text[:at].split()[-1:], text[at + len(span):].split()[:1]
    for word in [*after, *before]:
        for form in (word, word.rstrip("s")):
            if form in KIND_WORDS:
                return KIND_WORDS[form]
    return None


def container_owners(typed: str, inventory: Inventory) -> list[Known]:
    """The workloads one of whose containers is named exactly `typed` ("envoy", "cloud-sql-proxy")."""
    word = typed.strip().lower().replace(" ", "-")
    return [k for k in inventory.objects if k.kind in WORKLOADS and word in (c.lower() for c in k.containers)]


def _score(typed: str, known: Known) -> float:
    joined = typed.replace(" ", "-")
    if known.kind in WORKLOADS and joined in (c.lower() for c in known.containers) and joined != known.name:
        return CONTAINER_SCORE  # a container's own name: its workload, above an object that only shares a token of it
    run_together = typed.replace(" ", "").replace("-", "")
    score = max(match_score(joined, known.name), 0.97 if run_together == re.sub(r"[-_.]", "", known.name) else 0.0)
    if " " in typed and score < 0.7:
        return 0.0  # several words are a name only when they spell it (or nearly); one of them alone is its own span
    if known.kind == "Alarm" and score < ALARM_SCORE:
        return 0.0
    return score


def choose(candidates: list[tuple[float, Known]], *, kind_said: str | None, namespace: str | None) -> Known | None:
    """The one object meant, or None when two different ones are equally good."""
    if kind_said:
        candidates = [(s, k) for s, k in candidates if k.kind == kind_said] or candidates
    if not candidates:
        return None
    top = candidates[0][0]
    best = [k for s, k in candidates if s >= top - TIE]
    if namespace and any(k.namespace == namespace for k in best):
        best = [k for k in best if k.namespace in (namespace, None)]
    if len({k.name for k in best}) > 1:
        return None  # "pass": pass-shop and pass-validator
    best.sort(key=_rank)
    first = best[0]
    same_rank = [k for k in best if k.kind == first.kind]
    return first if len(same_rank) == 1 else None  # one name, one kind, two namespaces: asked


def mentions(question: str, inventory: Inventory, *, namespace: str | None = None) -> list[Mention]:
    """Every span of the question that names something that exists, never overlapping: the best-fitting spans
    first, the longer of two equally good ("fleet db" over "fleet"), in the question's order."""
    found: list[tuple[float, int, int, Mention]] = []
    for start, end, words in _spans(question):
        typed = " ".join(words)
        if len(typed) < 3:
            continue
        # a span of the questions' own vocabulary ("logs", "state", "cache") names something only by its whole name
        floor = 1.0 if all(w in _vocabulary() for w in words) else MIN_SCORE
        scored = sorted(((s, k) for k in inventory.objects if (s := _score(typed, k)) >= floor),
                        key=lambda x: (-x[0], _rank(x[1]), x[1].name))
        if not scored:
            continue
        kind_said = _kind_beside(question, typed)
        found.append((scored[0][0], start, end, Mention(typed, kind_said, scored[:8],
                                                        choose(scored, kind_said=kind_said, namespace=namespace))))
    taken: set[int] = set()
    kept = []
    for _, start, end, mention in sorted(found, key=lambda x: (-x[0], -(x[2] - x[1]), x[1])):
        if not taken & set(range(start, end)):
            taken |= set(range(start, end))
            kept.append((start, mention))
    return [m for _, m in sorted(kept, key=lambda x: x[0])]


def nearest(typed: str, inventory: Inventory, limit: int = 3) -> list[str]:
    """The real names closest to a name nothing has: what "did you mean" lists."""
    import difflib

    return difflib.get_close_matches(typed.replace(" ", "-"), sorted(inventory.names()), n=limit, cutoff=0.5)


class InventoryCache:
    """One listing per TTL_S for a session: kept on the session (chat/conversation/graph.py ChatContext), never checkpointed."""

    def __init__(self) -> None:
        self._at = 0.0
        self._inventory: Inventory | None = None

    def fresh(self) -> Inventory | None:
        return self._inventory if self._inventory is not None and time.monotonic() - self._at < TTL_S else None

    def keep(self, inventory: Inventory) -> Inventory:
        self._inventory, self._at = inventory, time.monotonic()
        return inventory


async def load_inventory(ask) -> Inventory:  # noqa: ANN001 -- an Ask (chat/ask.py imports this module's users)
    """Every kind chat names, and the alarms, through the servers' read tools (recorded as the answer's evidence)."""
    cache: InventoryCache | None = getattr(ask, "inventory_cache", None)
    if cache is not None and (kept := cache.fresh()) is not None:
        return kept
    inventory = Inventory()
    for kind in KINDS:
        outcome = await ask.call("kubernetes", "get_resources", {"kind": kind, "limit": 5000})
        if outcome.error is not None:
            inventory.unread.append(kind)
            continue
        inventory.objects += [Known(kind, str(i.get("name")), i.get("namespace"), tuple(i.get("containers") or ()))
                              for i in (outcome.data or {}).get("items") or [] if i.get("name")]
    alarms = await ask.call("cloudwatch", "describe_alarms", {"max_results": 1000})
    if alarms.error is not None:
        inventory.unread.append("alarms")
    inventory.objects += [Known("Alarm", str(a.get("name"))) for a in (alarms.data or {}).get("alarms") or [] if a.get("name")]
    return cache.keep(inventory) if cache is not None else inventory
