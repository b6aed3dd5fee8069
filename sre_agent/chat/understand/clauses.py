"""The parts of a request as people type it: a premise before it ("account-api is getting oom killed right? bump its
memory to 1Gi"), the request, and a purpose after it ("... so it has to use the new one") -- the purpose says why, never
what or on which object."""

from __future__ import annotations

import re

PURPOSE = re.compile(r"(?<=\w)\s+(?:so\s+that|so|because|since|coz|cause)\s+(?=\w)")
# A question or statement before a request is its premise, not what is asked: the request is the clause after the last
# question mark, and "killed" is a symptom there
PREMISE = re.compile(r"^.*\?+\s*(?=\S)", re.DOTALL)


def request_part(question: str) -> str:
    """The request without its premise (what precedes its last question mark) and without its purpose clause."""
    return PURPOSE.split(PREMISE.sub("", question), maxsplit=1)[0]
