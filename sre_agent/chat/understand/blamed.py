"""What a causal question blames and about what: "is the sampling change to blame?" blames the sampling change,
"is ops-dashboard broken because of the cache?" asks about ops-dashboard. Read from the question's own clauses (the
last one that asks); answer/causal.py weighs what is named against the investigation."""

from __future__ import annotations

import re

# The thing a blame question names: the words between its verb and its blame words.
_THING = [
    re.compile(r"^\W*(?:so\s+)?(?:is|are|was|were)\s+(?:it\s+)?(?P<thing>.+?)\s+(?:or\s+.+?\s+)?(?:that.?s|thats|which.?s)"
               r"\s+to\s+blame", re.I),
    re.compile(r"^\W*(?:so\s+)?(?:is|are|was|were)\s+(?P<thing>.+?)\s+(?:part\s+of\s+(?:the|this|it)|the\s+reason|related\s+to|"
               r"connected\s+to)\b", re.I),
    # "is the volume expansion from earlier related?": the thing, said before the word that asks
    re.compile(r"^\W*(?:so\s+)?(?:is|are|was|were)\s+(?P<thing>.+?)\s+(?:related|connected|linked|involved)\W*$", re.I),
    re.compile(r"^\W*(?:so\s+)?(?:is|are|was|were)\s+(?P<thing>.+?)\s+(?:breaking|hurting|slowing(?:\s+down)?|affecting)\s+\S", re.I),
    re.compile(r"^\W*(?:so\s+)?(?:is|was|are|were)\s+(?:it\s+)?(?P<thing>.+?)\s+(?:to\s+blame|the\s+(?:root\s+)?cause|"
               r"responsible|the\s+culprit|the\s+(?:real\s+)?(?:problem|issue)|behind\s+(?:it|this|that|the\s+\w+)|why\b)", re.I),
    re.compile(r"^\W*(?:so\s+)?(?:could|can|might|may)\s+(?!(?:it|this|that)\s+be\b)(?P<thing>.+?)\s+be\s+(?:the\s+|a\s+|part\s+of\s+the\s+)?"
               r"(?:root\s+|real\s+)?(?:cause|problem|culprit|issue|reason)\b", re.I),
    re.compile(r"^\W*(?:the\s+)?(?P<thing>[\w./-]+)\s+(?:is|are|was|keeps)\b.*\b(?:is|are)\s+(?:it|this|that|they)\s+(?:related|connected|linked)\b",
               re.I),
    # "streak-reminders is failing too, same cause?", "the streak-reminders failures, related?"
    re.compile(r"^\W*(?:and\s+)?(?:(?:is|are|was)\s+)?(?:the\s+)?(?P<thing>[a-z0-9]+(?:-[a-z0-9]+)+)\b.*\b(?:same\s+(?:cause|problem|issue|thing|root\s*cause)|"
               r"related|connected|linked|part\s+of\s+(?:this|it|the\s+\w+))\b", re.I),
    re.compile(r"^\W*(?:so\s+)?(?:did|could|can|might|would|does)\s+(?P<thing>.+?)\s+(?:have\s+)?(?:cause[ds]?|break|broke|"
               r"trigger(?:ed)?|start(?:ed)?)\b", re.I),
    # (never "from this morning": a time says when, not what)
    re.compile(r"\b(?:because\s+of|because|due\s+to|caused\s+by|from(?!\s+(?:this|last|yesterday|earlier|today|tonight|an?\s+hour|"
               r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|the\s+weekend|\d+\s*(?:h|m|min|mins|hours?|minutes?)\b)))\s+"
               r"(?P<thing>.+?)\s*\??$", re.I),
    re.compile(r"\bblame\s+(?P<thing>.+?)\s*\??$", re.I),
    re.compile(r"^\W*(?:could|can|might)\s+(?:it|this|that)\s+be\s+(?P<thing>.+?)\s*\??$", re.I),
    # "is it the banner change they did", "is it that cpu thing on the gateway": the thing pointed at, less who did it
    re.compile(r"^\W*(?:so\s+|ok\s+|but\s+)?(?:is|was)\s+it\s+(?:the|that|this|those|these)\s+(?P<thing>.+?)"
               r"(?:\s+(?:they|he|she|someone|somebody|we|you|ops|infra)\s+(?:did|made|pushed|shipped|rolled\s+out|deployed|"
               r"applied|ran))?\s*\??$", re.I),
    re.compile(r"^\W*was\s+it\s+(?P<thing>.+?)\s*\??$", re.I),
    # "is this a wrong tag or an auth problem": the kinds offered, both
    re.compile(r"^\W*(?:so\s+|ok\s+)?(?:is|was)\s+(?:it|this|that)\s+(?P<thing>.+?\s+or\s+.+?)\s*\??$", re.I),
    # pushback, the asker's theory offered as the obvious answer: "isnt it just the promo traffic", "surely it's just
    # load", "couldn't it just be the backup" -- the theory, less its frame
    re.compile(r"^\W*(?:.*?\bor\s+)?(?:so\s+|but\s+|ok\s+)?(?:isn.?t|isnt|is)\s+(?:it|this|that)\s+(?:just\s+|only\s+|simply\s+)"
               r"(?P<thing>.+?)\W*$", re.I),
    re.compile(r"^\W*(?:isn.?t|isnt)\s+(?:it|this|that)\s+(?P<thing>.+?)\W*$", re.I),
    re.compile(r"^\W*(?:surely|maybe|probably)\s+(?:it.?s|its|it\s+is|this\s+is|that.?s)\s+(?:just\s+|only\s+)?(?P<thing>.+?)\W*$", re.I),
    re.compile(r"^\W*(?:can.?t|cant|couldn.?t|couldnt|could|can)\s+(?:it|this|that)\s+(?:just\s+|simply\s+)?be\s+(?P<thing>.+?)\W*$",
               re.I),
    # "someone bumped the session ttl, thats it right", "the cache flush, right?": the theory before its tag question
    re.compile(r"^\W*(?:someone|somebody|they|ops|we)?\s*(?P<thing>[^,]+?)\s*,\s*(?:(?:that.?s|thats)\s+(?:it|the\s+(?:cause|"
               r"problem|reason))\b.*|right|isn.?t\s+it|correct|yeah)\W*$", re.I),
    # "support thinks the release broke it, is that right", "the app team says it's the database, true?": the claim
    re.compile(r"^\W*(?:the\s+)?(?:[\w-]+\s+){0,3}?(?:thinks?|says?|reckons?|believes?|claims?|swears?)\s+(?:that\s+)?"
               r"(?:it.?s\s+|its\s+|it\s+is\s+)?(?P<thing>.+?)\s*,?\s*(?:is\s+(?:that|it|this|he|she|they)\s+)?"
               r"(?:right|true|correct|so|agree[d]?|do\s+you\s+agree|are\s+they\s+right|confirm|yes\s+or\s+no)\W*$", re.I),
    # "its a memory leak in the scanner isnt it", "must be the image": the kind of fault claimed
    re.compile(r"^\W*(?:so\s+|but\s+|ok\s+|well\s+)?(?:it.?s|its|it\s+is|this\s+is|that.?s|thats|must\s+be|gotta\s+be|"
               r"has\s+to\s+be|sounds\s+like|looks\s+like|i\s+(?:bet|think|guess|reckon)\s+(?:it.?s|its))\s+"
               r"(?P<thing>.+?)(?:\W+(?:isn.?t\s+it|isnt\s+it|right|yeah|innit|correct|surely|to\s+me|then))?\W*$", re.I),
]
# "..., is it related?": is the object named before it part of the incident under way?
RELATED = re.compile(r"\b(?:is|are)\s+(?:it|this|that|they)\s+(?:related|connected|linked)\b|\b(?:related|connected|linked)\s+to\b|"
                      r"\bpart\s+of\s+(?:this|it|the\s+(?:problem|issue|incident|outage))\b|"
                      r"\bsame\s+(?:cause|problem|issue|thing|root\s*cause)\b|\brelated\s*\?*\s*$", re.I)
# The workload a causal question asks about ("is ops-dashboard broken because of ...", "is X the reason
# acars-decoder is falling over", "is the spike breaking boarding-pass"), when it names one.
_VICTIM = [
    re.compile(r"^\W*(?:so\s+)?(?:is|are|does|did|was)\s+(?:the\s+)?(?P<victim>[\w./-]+)\s+(?:\w+\s+){0,2}?(?:because|due\s+to)\b", re.I),
    re.compile(r"\bthe\s+reason\s+(?:the\s+)?(?P<victim>[\w./-]+)\b", re.I),
    re.compile(r"\b(?:breaking|hurting|slowing(?:\s+down)?|affecting)\s+(?:the\s+)?(?P<victim>[\w./-]+)", re.I),
]


def victim_of(question: str) -> str | None:
    for pattern in _VICTIM:
        match = pattern.search(question)
        if match and match.group("victim").lower() not in ("it", "this", "that", "them", "the", "a"):
            return match.group("victim").lower()
    return None


PRONOUN_THING = re.compile(r"^\s*(it|that|this|them|those|these|they)(\s+(actually|really|just|even|all|one|ones))*\s*$",
                            re.IGNORECASE)


# A question's clauses, last first: "someone changed X's config and restarted it. is the config change the culprit?"
# asks its question in the last one, after a sentence that says what happened.
# A comma before a question's verb starts a clause too ("X got a new version today, is the X rollout the culprit?").
_CLAUSE_END = re.compile(r"(?<=[.?!;])\s+|(?<=,)\s+(?=(?:so\s+)?(?:is|are|was|were|could|can|did|does|would|might)\b)", re.I)


def _thing_in(text: str) -> str | None:
    for pattern in _THING:
        if match := pattern.search(text):
            return re.sub(r"^(?:the|that|this|a|an|our|their)\s+", "", match.group("thing").strip(), flags=re.I)
    return None


def blamed_thing(question: str) -> str:
    clauses = [c for c in _CLAUSE_END.split(question.strip()) if c]
    if len(clauses) == 1:
        return _thing_in(question) or question
    for index in reversed(range(len(clauses))):
        thing = _thing_in(clauses[index])
        if thing is None:
            continue
        if PRONOUN_THING.match(thing) and index > 0:
            # "X is crashlooping too, is it related?" / "X was restarted after a config change. is that the culprit?":
            # the pronoun is what the clauses before it tell of -- the name the whole question places, else their words
            whole = _thing_in(question)
            return whole if whole and not PRONOUN_THING.match(whole) and len(whole) < len(clauses[0]) else \
                " ".join(clauses[:index]).rstrip(" .,;")
        return thing
    return _thing_in(question) or question
