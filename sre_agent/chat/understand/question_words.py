"""Which lines of an answer carry the question's own words: each word, its singular, its dash-separated parts,
kubectl's short words spelled out and the terms answers write the same thing with, each weighed by how few lines carry
it (a word in every line says nothing of which line answers), plus the shape of fact a question word asks for (a time
for "when", a node for "where", a number for "how many"). Read from the question itself, never from a list of cases.
What the short answer keeps (chat/conversation/brief.py) and what a one-property answer leads with
(chat/answer/properties.py) are both chosen by it."""

from __future__ import annotations

import math
import re

from .names import stems, tokens

# kubectl's and on-call's short words, spelled out as answers write them
SHORT_WORDS = {"svc": "service", "deploy": "deployment", "sts": "statefulset", "ds": "daemonset", "cm": "configmap",
               "pvc": "claim", "ns": "namespace", "mem": "memory", "img": "image", "ver": "version", "hpa": "hpa",
               "env": "env", "rs": "replicaset", "po": "pod", "no": "node", "cron": "cronjob", "db": "database",
               "oom": "oomkilled", "ooming": "oomkilled", "crashloop": "crashloopbackoff", "restarting": "restart",
               # Kubernetes' whole kind names, as answers write them
               "horizontalpodautoscaler": "hpa", "autoscaler": "hpa", "persistentvolumeclaim": "claim",
               "resourcequota": "quota"}
# a question's word -> the words answers write the same thing with (kubectl's and Kubernetes' own terms)
CONCEPTS = {"storage": ("claim", "volume", "class"), "disk": ("claim", "volume"), "ran": ("started", "started-by"),
            "run": ("started",), "started": ("started-by",), "owns": ("owner", "started-by"), "owner": ("started-by",),
            "settings": ("env", "args", "limits"), "config": ("configmap", "env"), "scale": ("replicas", "hpa", "quota"),
            "scaling": ("replicas", "hpa", "quota"), "tolerate": ("tolerations",), "schedule": ("cron",),
            "serving": ("ready", "replicaset"), "port": ("targetport", "ports"), "listen": ("ports", "listening"),
            "warning": ("warn",), "fail": ("error", "exited"), "failing": ("error", "exited"), "crash": ("exited", "exit"),
            "saying": ("error", "log"), "say": ("message", "error"), "error": ("err",), "pods": ("replicas",),
            "instances": ("replicas",),
            # a size, asked in plain words: what a claim, a volume or a node has
            "big": ("capacity", "storage"), "size": ("capacity", "storage"), "large": ("capacity", "storage"),
            "expand": ("expansion",), "expanded": ("expansion",), "grow": ("expansion",), "resize": ("expansion",),
            "arch": ("architecture",), "ami": ("osimage", "ami"), "os": ("osimage", "operatingsystem")}
# a question word -> the shape of the fact it asks for, as answers write it
ASKED_SHAPES = (
    (re.compile(r"\b(when|since|time|how\s+long|ago)\b"), re.compile(r"\d{1,2}:\d{2}|\b\d+\s*(s|m|h|d|min|minutes|hours)\b(\s+ago)?")),
    (re.compile(r"\b(where|which\s+node|what\s+node|nodes?)\b"), re.compile(r"\bnode\b|\bon\s+[a-z0-9-]+\d\b")),
    (re.compile(r"\b(how\s+many|count|number)\b"), re.compile(r"\b\d+\s*(/|of)\s*\d+\b|\b\d+\b")),
    (re.compile(r"\b(version|tag|image|release|deployed|rollout)\b"), re.compile(r"\b\d+\.\d+(\.\d+)?\b|\brevision\b|:[\w.-]+\b")),
    (re.compile(r"\b(exit|code)\b"), re.compile(r"\bexit\b|\b1[0-9]{2}\b")),
    (re.compile(r"\b(how\s+(big|large)|size|space)\b"), re.compile(r"\b\d+(\.\d+)?\s*(ki|mi|gi|ti)b?\b")),
    # a cause is shown by its evidence: the error a log or an event says
    (re.compile(r"\b(why|cause|culprit|root|reason|issue|wrong|problem)\b"),
     re.compile(r"\b(because|root cause|reason|caused|error|exception|refused|denied|timed? ?out|not found|no space|"
                r"oomkilled|exit code|failed|unable|cannot|invalid)\b")),
    (re.compile(r"\b(healthy|ok|okay|fine|up|running|status|alive|state)\b"),
     re.compile(r"\bpods?\b|\bready\b|\brunning\b|restarts?|\bpending\b")),
    (re.compile(r"\b(who|whose)\b"), re.compile(r"started-by|owner|created-by|managed-by|\bby\b|team|user")),
)
NOISE = {"the", "and", "for", "are", "was", "its", "it's", "what", "whats", "which", "who", "why", "how", "does", "did",
         "any", "this", "that", "there", "with", "from", "about", "into", "have", "has", "can", "could", "would", "should",
         "still", "now", "right", "just", "you", "our", "out", "all", "get", "show", "tell", "give", "look", "see", "pls",
         "please", "hey", "actually", "really", "also", "then", "than", "not", "but", "got", "yet", "too"}
WORD = re.compile(r"[a-z0-9][a-z0-9._/-]*[a-z0-9]|[a-z0-9]")


def question_terms(question: str) -> set[str]:
    """The question's own words an answer line can carry: each word, its singular, its dash-separated parts, and
    kubectl's short words spelled out."""
    terms: set[str] = set()
    for word in WORD.findall(question.lower()):
        for form in {word, *word.split("-"), SHORT_WORDS.get(word, word), *CONCEPTS.get(word, ())}:
            if len(form) >= 3 and form not in NOISE:
                terms.update(stems(form))
    return terms


CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _readable(text: str) -> str:
    """A line lower-cased, with its camelCase keys also written apart (observedGeneration: "observed generation")."""
    apart = CAMEL.sub(" ", text)
    return f"{text} {apart}".lower() if apart != text else text.lower()


def carries(text: str, term: str) -> bool:
    """Whether a (_readable) line carries a question's word: where a word of it begins -- "restart" in "restarts",
    "port" in "targetPort" -- never inside another word ("serve" is not in observedGeneration)."""
    return re.search(rf"(?<![a-z]){re.escape(term)}", text) is not None


def weight(line: str, terms: set[str], shapes: list[re.Pattern[str]]) -> int:
    lower = _readable(line)
    return sum(carries(lower, t) for t in terms) + sum(bool(s.search(lower)) for s in shapes)


def word_weights(blocks: list[list[str]], terms: set[str]) -> dict[str, float]:
    """How much each question word tells the answer's lines apart: a word in every line ("checkout" in an answer
    about checkout) says nothing of which line answers; a word in one line says a lot."""
    texts = [_readable(" ".join(b)) for b in blocks]
    return {t: math.log((1 + len(texts)) / (1 + sum(carries(x, t) for x in texts))) for t in terms}


def weighed(block: list[str], weights: dict[str, float], shapes: list[re.Pattern[str]]) -> float:
    """A block's weight: the weights of the question words it carries, and half a point per shape of fact it shows."""
    text = _readable(" ".join(block))
    return sum(w for t, w in weights.items() if carries(text, t)) + 0.5 * sum(bool(s.search(text)) for s in shapes)


def ranked(question: str, lines: list[str], subject: str = "") -> list[tuple[float, int, str]]:
    """(score, how many of the question's own words it carries, line) for each line, best first: the weights brief()
    chooses details by, for a handler that answers with the one fact a question asks for."""
    terms = question_terms(question) - {subject.lower(), *tokens(subject)}
    shapes = [shape for asked, shape in ASKED_SHAPES if asked.search(question.lower())]
    weights = word_weights([[line] for line in lines], terms)
    scored = [(weighed([line], weights, shapes), sum(carries(_readable(line), t) for t in terms), line) for line in lines]
    return sorted(scored, key=lambda x: -x[0])  # stable: equal scores keep the lines' order


def names_share(question: str, name: str) -> float:
    """How much of an object's name the question spells in its own words ("the lab results didn't import" spells
    lab-results-import whole; a generated suffix or a number is never needed): 1.0 for all of its words, 0 when fewer
    than all of a one-word name or fewer than two words of a longer one."""
    parts = [p for p in re.split(r"[-_.]", name.lower()) if len(p) >= 3 and not p.isdigit()]
    if not parts:
        return 0.0
    terms = question_terms(question)
    found = sum(any(s in terms for s in stems(p)) for p in parts)
    return found / len(parts) if found == len(parts) or found >= 2 and found / len(parts) >= 2 / 3 else 0.0
