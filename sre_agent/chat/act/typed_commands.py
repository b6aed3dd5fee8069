"""A change typed as a kubectl command ("kubectl -n pricing patch svc fare-engine -p '{...}'", "kubectl set resources
deploy/x -c app --limits=cpu=1"): the person wrote the exact change, so it is pinned as written -- a human runs that
command after approval -- once the object it names is resolved and the guards every change meets have had their say
(a planned decommission, the fault found elsewhere). Chat never rewrites it into a change of its own guessing, and
never runs it: its toolbox is read-only."""

from __future__ import annotations

import re
import shlex

from ...contracts import parse_resource_id
from ..understand.kubectl_speak import typed_write_command
from .plans import BY_HAND, Plan

NAMESPACE_FLAG = re.compile(r"(?:^|\s)(?:-n|--namespace)(?:\s+|=)\S+")


def typed_write(question: str) -> bool:
    """Whether the question is a kubectl command that changes an object (not one chat reads for its words) -- read by
    the same parser that made it a change request (understand/kubectl_speak.py)."""
    return typed_write_command(question) is not None


def typed_plan(question: str, rid: str) -> Plan:
    """The command as typed, with the object's namespace added when the command does not say one."""
    command = question.strip().rstrip(".")
    namespace = parse_resource_id(rid)[0]
    if namespace and not NAMESPACE_FLAG.search(command):
        words = shlex.split(command) if command.count("'") % 2 == 0 else command.split()
        command = " ".join([words[0], "-n", namespace, *(shlex.quote(w) for w in words[1:])])
    return Plan(BY_HAND, {"command": command}, f"as typed: {command[:200]}", command, precondition=f"{rid} exists",
                notes=["The command runs exactly as typed once a human approves it; chat changed nothing."])
