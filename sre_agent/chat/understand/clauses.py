"""The parts of a request as people type it: a premise before it ("account-api is getting oom killed right? bump its
memory to 1Gi"), the request, and a purpose after it ("... so it has to use the new one") -- the purpose says why, never
what or on which object."""

from __future__ import annotations

import re

# ("so targetPort is 6379 again" is no purpose: a field and the value it should have -- the change itself)
# (an infinitive says a purpose too -- "restart redis to free the memory", "bounce it to be safe" -- never "to 3")
PURPOSE = re.compile(r"(?<=\w)\s*,?\s+(?:so\s+that|so(?!\s+(?:the\s+|its\s+)?[\w.-]+\s+(?:is|are|becomes|=)\s+['\"]?[\w.:/-]*\d)|"
                     r"because|since|coz|cause|(?:that|which|it|this)\s+(?:will|would|should|'ll)|"
                     r"that'?ll|(?:in\s+order\s+)?to\s+(?=(?:free|shake|kick|clear|"
                     r"flush|fix|get|make|be|see|force|pick|reload|unstick|release|reclaim|speed|stop|help|try|test|"
                     r"refresh|warm|settle|recover|unblock|wake|nudge|jolt|rule|check|stay|keep|avoid|prevent)\b))\s*(?=\w)")
# A question or statement before a request is its premise, not what is asked: the request is the clause after the last
# question mark, and "killed" is a symptom there
PREMISE = re.compile(r"^.*\?+\s*(?=\S)", re.DOTALL)


def request_part(question: str) -> str:
    """The request without its premise (what precedes its last question mark) and without its purpose clause."""
    return PURPOSE.split(PREMISE.sub("", question), maxsplit=1)[0]
