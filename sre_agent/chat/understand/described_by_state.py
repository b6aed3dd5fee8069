"""An object named by the state it is in rather than its name: "delete the imagepullbackoff pods", "restart the
crashlooping ones", "uncordon the cordoned deck node", "the notready node" -- or by the state the change needs ("uncordon
the node": the cordoned one). What exists now is listed and the one in
that state is the object -- pods by their owner workload, nodes by their own state -- and, when several are, a word of
the question that is one of their labels ("deck" of pool=deck) tells them apart. None when no object, or several,
fit: the caller asks which, never guesses."""

from __future__ import annotations

import re

from ..answer.pods import owner_id
from ..ask import Ask
from .context_names import kind_of

# a pod's state as kubectl's STATUS column (and people) say it
POD_STATES = {"pending": ("Pending",), "crashloop": ("CrashLoopBackOff",), "crashlooping": ("CrashLoopBackOff",),
              "imagepullbackoff": ("ImagePullBackOff", "ErrImagePull"), "errimagepull": ("ImagePullBackOff", "ErrImagePull"),
              "evicted": ("Evicted",), "oomkilled": ("OOMKilled",), "unknown": ("Unknown", "NodeLost"),
              "terminating": ("Terminating",), "createcontainerconfigerror": ("CreateContainerConfigError",)}
POD_STATE_SAID = re.compile(rf"\b({'|'.join(POD_STATES)})\b[\w\s-]{{0,20}}\bpods?\b", re.IGNORECASE)
NODE_STATE_SAID = re.compile(r"\b(cordoned|notready|not\s+ready|unschedulable|tainted)\b", re.IGNORECASE)
NODE_WORD = re.compile(r"\bnodes?\b", re.IGNORECASE)
# a change only a node in one state can take names that state: "uncordon the node" is the cordoned one
STATE_OF_VERB = ((re.compile(r"\buncordon\w*", re.IGNORECASE), "cordoned"),
                 (re.compile(r"\buntaint\w*|\bremove\s+(?:the\s+|its\s+)?taints?\b", re.IGNORECASE), "tainted"))


def _in_state(pod: dict, states: set[str]) -> bool:
    """The pod row's status, phase or a container's problem ("app: ImagePullBackOff (registry/x:1)") says the state."""
    said = " ".join([str(pod.get("status")), str(pod.get("phase")), *(str(p) for p in pod.get("problems") or [])])
    return any(re.search(rf"\b{state}\b", said) for state in states)


async def pods_in_state(ask: Ask) -> str | None:
    """The one workload whose pods are in the state the question says ("the imagepullbackoff pods")."""
    said = POD_STATE_SAID.search(ask.question)
    if said is None:
        return None
    states = set(POD_STATES[said.group(1).lower()])
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Pod", "limit": 5000,
                                                             **({"namespace": ask.namespace} if ask.namespace else {})})
    owners = {owner_id(p) for p in (listed.data or {}).get("items") or [] if _in_state(p, states)}
    return owners.pop() if len(owners) == 1 else None


def _node_state(node: dict) -> set[str]:
    state = {"cordoned", "unschedulable"} if node.get("unschedulable") else set()
    if str(node.get("ready")) != "True":
        state |= {"notready", "not ready"}
    if any(not str(t).startswith("node.kubernetes.io/") for t in node.get("taints") or []):
        state.add("tainted")
    return state


async def node_in_state(ask: Ask) -> str | None:
    """The one Node in the state the question says ("the cordoned deck node"): several in it, the one whose labels
    carry another word of the question."""
    said = NODE_STATE_SAID.search(ask.question)
    implied = next((state for verb, state in STATE_OF_VERB if verb.search(ask.question)), None)
    if (said is None and implied is None) or not NODE_WORD.search(ask.question):
        return None
    state = re.sub(r"\s+", " ", said.group(1).lower()) if said else str(implied)
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Node", "limit": 2000})
    nodes = [n for n in (listed.data or {}).get("items") or [] if state in _node_state(n)]
    if len(nodes) > 1:
        words = {w for w in re.findall(r"[a-z0-9]{3,}", ask.question.lower())} - {state, "node", "nodes", "the", "one"}
        nodes = [n for n in nodes if words & {str(v).lower() for v in (n.get("labels") or {}).values()}] or nodes
    return f"Node/{nodes[0].get('name')}" if len(nodes) == 1 else None


async def described_by_state(ask: Ask, kind: str | None = None) -> str | None:
    """A workload by its pods' state, or a Node by its own ("uncordon the cordoned one"), when exactly one fits."""
    if kind in (None, "Node") and (node := await node_in_state(ask)):
        return node
    if kind != "Node" and (owner := await pods_in_state(ask)) and kind_of(owner) != "Pod":
        return owner
    return None
