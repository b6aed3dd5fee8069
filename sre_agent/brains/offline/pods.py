"""The offline Kubernetes specialist's look at one pod, as `kubectl describe pod` and `kubectl logs`
read it: why each container is waiting or ended (image, config reference, crash, OOM, probe), what
the scheduler said (and which nodes carry the taint it names, which StorageClasses exist for a claim
that cannot bind). Every fact becomes a Finding on the workload that owns the pod."""

from __future__ import annotations

import re
from datetime import datetime

from ...contracts import Finding, parse_time, resource_id
from ...graph.defects import ANALYZER_KEY, KEY_MISSING, OBJECT_MISSING  # the kubelet's and analyzer's wording, read in one place
from ...graph.fix_values import parse_taint
from ...graph.runtime_errors import runtime_reason
from .calls import Calls
from .cordons import cordoned_nodes
from .cordons import expression_holds as _holds
from .cordons import selected as _selected
from .cordons import tolerates as _tolerates
from .cronjobs import pileups_taking_room
from .nodes import node_consumers, node_disk_writers
from .pod_affinity import partners_waiting
from .probes import probe_text, probed_container, timed_out_probe
from .pull_auth import REFUSED_PULL, pull_credentials

START_ERRORS = ("StartError", "ContainerCannotRun")  # the runtime could not start the process at all
# the kernel refusing to run the image's program: a binary built for another CPU architecture (an arm64 image on amd64
# nodes) -- the image is the fault, not any setting ("exec /app/api: exec format error")
WRONG_ARCH = re.compile(r"exec format error|cannot execute binary file|wrong architecture", re.I)
CONFIG_WORDS = re.compile(r"environment variable|env var|config|required|missing|not set|no such key|undefined", re.I)



async def read_pod(namespace: str, pod: str, workload: str, calls: Calls, follow_partners: bool = True) -> None:
    described, ev = await calls("describe", kind="Pod", name=pod, namespace=namespace)
    if described is None:
        return
    obj = described["object"]
    status = obj.get("status") or {}
    events = described.get("events") or []
    spec = obj.get("spec") or {}
    limits = {c["name"]: ((c.get("resources") or {}).get("limits") or {})
              for c in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]}
    # An init container that cannot start or keeps failing (Init:ImagePullBackOff, Init:CrashLoopBackOff)
    # holds the whole pod back: it is read exactly like an app container.
    for container in [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]:
        waiting = (container.get("state") or {}).get("waiting") or {}
        ended = (container.get("state") or {}).get("terminated") or {}
        last = (container.get("lastState") or {}).get("terminated") or ended
        if ended.get("exitCode") and ended.get("reason") != "OOMKilled" and container.get("restartCount", 0) == 0:
            # Ended for good (restartPolicy Never: a Job's or a bare pod's container is not restarted).
            await _failed_container(namespace, pod, workload, container["name"], ended, calls, ev)
            continue
        reason = waiting.get("reason")
        if reason in ("ImagePullBackOff", "ErrImagePull", "InvalidImageName"):
            calls.find(workload, "ImagePullBackOff", f"{pod}: cannot pull {container.get('image')}: {waiting.get('message', '')}",
                       ev, severity="critical", image=container.get("image"), container=container["name"])
            pulled = _pull_failure(events, waiting.get("message", ""))
            await pull_credentials(namespace, obj, workload, str(container.get("image")), pulled, events, ev, calls)
        elif reason in ("CreateContainerConfigError", "CreateContainerError"):
            message = waiting.get("message", "")
            held, ev_keys = await _config_context(namespace, message, calls)
            calls.find(workload, "CreateContainerConfigError", f"{pod}: {message}", [ev, *ev_keys], severity="critical",
                       container=container["name"], message=message, **held)
        if last:
            ran = None
            started, finished = parse_time(last.get("startedAt")), parse_time(last.get("finishedAt"))
            if started and finished:
                ran = (finished - started).total_seconds()
            if last.get("reason") == "OOMKilled" or last.get("exitCode") == 137 and not _liveness_kill(events):
                calls.find(workload, "OOMKilled", f"{pod}/{container['name']} was OOMKilled (exit {last.get('exitCode')}) "
                           f"after running {ran:.0f}s" if ran is not None else f"{pod} was OOMKilled", ev,
                           severity="critical", ran_seconds=ran, restarts=container.get("restartCount", 0),
                           container=container["name"], memory_limit=limits.get(container["name"], {}).get("memory"),
                           finished=last.get("finishedAt"), running_now=bool((container.get("state") or {}).get("running")))
            elif container.get("restartCount", 0) > 0 and not _liveness_kill(events):
                logs, ev_logs = await calls("pod_logs", namespace=namespace, name=pod, container=container["name"],
                                            previous=True, tail=20)
                lines = (logs or {}).get("lines") or []
                # a container that never started (the image lacks the program the spec runs) logged nothing: the
                # runtime's message is the reason, and it is the template and the image disagreeing, not a setting
                start_error = last.get("reason") in START_ERRORS
                fatal = runtime_reason(str(last.get("message") or "")) if start_error else \
                    next((line for line in reversed(lines) if CONFIG_WORDS.search(line)), lines[-1] if lines else "")
                calls.find(workload, "CrashLoopBackOff",
                           f"{pod}/{container['name']} exits with code {last.get('exitCode')}: {fatal}", [ev, ev_logs],
                           severity="critical", exit_code=last.get("exitCode"), last_log=fatal, start_error=start_error,
                           config_error=not start_error and bool(CONFIG_WORDS.search(fatal)), ran_seconds=ran,
                           container=container["name"], wrong_arch=bool(WRONG_ARCH.search(fatal)))
    for event in events:
        message = event.get("message") or ""
        if event.get("reason") == "Unhealthy" and message.startswith(("Liveness", "Readiness")):
            which = "livenessProbe" if message.startswith("Liveness") else "readinessProbe"
            probed = probed_container(spec, which, message)
            said = f"; {probe_text(probed, which)}" if probed else ""  # the numbers to compare with what the app does
            if which == "livenessProbe":
                calls.find(workload, "LivenessProbeFailing", f"{pod}: {message} (x{event.get('count', 1)}){said}", ev,
                           severity="critical", message=message, count=event.get("count", 1), **timed_out_probe(spec, message))
            else:
                calls.find(workload, "ReadinessProbeFailing", f"{pod}: {message}{said}", ev, message=message)
        elif event.get("reason") == "FailedScheduling":
            signal = "UnboundPVC" if "PersistentVolumeClaim" in message else "FailedScheduling"
            calls.find(workload, signal, f"{pod}: {message}", ev, severity="critical", message=message)
            if signal == "UnboundPVC":
                await _claims(namespace, obj, calls)
            elif UNTOLERATED.search(message):
                await _tainted_nodes(UNTOLERATED.findall(message), workload, calls, namespace, obj)
            if "affinity/selector" in message:
                await _unmatched_selector((obj.get("spec") or {}).get("nodeSelector") or {}, workload, calls)
                await _unmatched_affinity(obj.get("spec") or {}, workload, calls)
            if "were unschedulable" in message:
                await cordoned_nodes(obj.get("spec") or {}, workload, calls, message)
            if follow_partners:  # (one step: a partner's own partners are not followed -- no loop of mutual affinity)
                await partners_waiting(namespace, obj.get("spec") or {}, workload, message, calls, read_pod)
            if "Insufficient" in message:  # what holds the room: runs of a CronJob piling up, anywhere
                await pileups_taking_room(workload, calls)
        elif event.get("reason") == "FailedMount":
            calls.find(workload, "CreateContainerConfigError", f"{pod}: {message}", ev, severity="critical", message=message)
    if (obj.get("metadata") or {}).get("deletionTimestamp") and status.get("reason") == "NodeLost":
        node = (obj.get("spec") or {}).get("nodeName")
        calls.find(resource_id("Node", node), "NodeNotReady", f"{pod} is stuck terminating on unresponsive node {node}", ev,
                   severity="critical", workload=workload)


PULL_FAILED = re.compile(r'Failed to pull image "([^"]+)"')


def _pull_failure(events: list[dict], waiting_message: str) -> str:
    """What the runtime said when the pull failed (the Failed event), else the waiting message (a back-off's
    "Back-off pulling image" says nothing about why)."""
    said = [e.get("message") or "" for e in events if e.get("reason") == "Failed" and PULL_FAILED.search(e.get("message") or "")]
    return said[-1] if said else waiting_message


async def read_gone_pods(namespace: str, job: str, workload: str, calls: Calls) -> None:
    """A Job whose pods are gone (deleted at its deadline or backoff limit): their events outlive them for
    about an hour, and say why they never ran -- an image that could not be pulled, a missing config key."""
    data, ev = await calls("events", namespace=namespace, warnings_only=True, limit=200)
    seen: set[str] = set()
    refused_read = False
    for event in (data or {}).get("events") or []:
        obj, message = str(event.get("object") or ""), str(event.get("message") or "")
        if not obj.startswith(f"Pod/{job}-") or message in seen:
            continue
        seen.add(message)
        if (pulled := PULL_FAILED.search(message)) is not None:
            calls.find(workload, "ImagePullBackOff", f"{obj.split('/', 1)[1]} (gone): {message}", ev, severity="critical",
                       image=pulled.group(1), source="events")
            if REFUSED_PULL.search(message) and not refused_read:
                # a pull the registry refused: read like a live pod's, from the pull Secrets the run's template names
                refused_read = True
                described, _ = await calls("describe", kind="Job", name=job, namespace=namespace, events_limit=0)
                template = ((((described or {}).get("object") or {}).get("spec") or {}).get("template") or {})
                await pull_credentials(namespace, template, workload, pulled.group(1), message, [], ev, calls)
        elif KEY_MISSING.search(message) or OBJECT_MISSING.search(message):
            calls.find(workload, "CreateContainerConfigError", f"{obj.split('/', 1)[1]} (gone): {message}", ev,
                       severity="critical", message=message, source="events")


UNTOLERATED = re.compile(r"untolerated taint\(?s?\)? \{([^:}]+):\s*([^}]*)\}")
# The kubelet's own taints for a node short of a resource (TaintNodesByCondition): a symptom that lifts when the pressure
# does, never a taint to remove -- what fills the node is the cause. Memory in use is what metrics.k8s.io measures.
PRESSURE_TAINTS = {"node.kubernetes.io/memory-pressure": "memory", "node.kubernetes.io/disk-pressure": "disk",
                   "node.kubernetes.io/pid-pressure": "pid"}


def _controller(pod: dict) -> str | None:
    """'ReplicaSet/api-7d9f' -- the pod's controller, as the pod rows name their owner."""
    return next((f"{r.get('kind')}/{r.get('name')}" for r in (pod.get("metadata") or {}).get("ownerReferences") or []
                 if r.get("controller", True)), None)


async def _tainted_nodes(taints: list[tuple[str, str]], workload: str, calls: Calls, namespace: str = "",
                         pod: dict | None = None) -> None:
    """The scheduler names a taint the pods do not tolerate, not the nodes: find the nodes carrying it. A taint is
    the node's own state (left behind after maintenance, not what the node is dedicated by) when the node's group
    peers lack it; or when the pods are made for those nodes -- their nodeSelector picks exactly the nodes that
    carry it, and they tolerate another taint there (the group's own) -- so the extra taint is not the group's; or
    when pods of the very same template run on the node untolerating it (a NoSchedule taint does not evict: it was
    put there after they were placed)."""
    listed, ev = await calls("get_resources", kind="Node")
    items = (listed or {}).get("items") or []
    spec = (pod or {}).get("spec") or {}
    selector, tolerations, controller = spec.get("nodeSelector") or {}, spec.get("tolerations") or [], _controller(pod or {})
    eligible = _selected(items, selector) if selector else []
    running: list[dict] | None = None
    for key, value in dict.fromkeys((k.strip(), v.strip()) for k, v in taints):
        carried = [(node["name"], t) for node in items for t in node.get("taints") or []
                   if parse_taint(t)[0] == key and parse_taint(t)[1] in (value, "")]
        if selector:  # a node the pods' nodeSelector never picks keeps them off nothing: its taint is not why they wait
            carried = [(n, t) for n, t in carried if n in {e["name"] for e in eligible}]
        if not carried:
            continue
        hosts = {n for n, _ in carried}
        evidence = [ev]
        if (pressure := PRESSURE_TAINTS.get(key)) is not None:
            for host in sorted(hosts):  # what holds the nodes' memory, or writes to their disk: where to go next
                if pressure == "memory":
                    await node_consumers(host, "memory", calls)
                elif pressure == "disk":
                    await node_disk_writers(host, calls)
            calls.find(workload, "UntoleratedTaint", f"{workload}'s pods do not tolerate taint {carried[0][1]} on "
                       f"{', '.join(sorted(hosts))}: the kubelet's own taint for a node short of {pressure}; it lifts when "
                       "the pressure does", evidence, severity="warning", taint=carried[0][1], nodes=sorted(hosts),
                       odd_nodes=[], pressure=pressure)
            continue
        odd = _odd_ones_out(items, key, sorted(hosts))
        why = f"; the other nodes of {', '.join(odd)}'s group do not carry it (left behind, e.g. after maintenance)" if odd else ""
        if not odd and eligible and {n["name"] for n in eligible} <= hosts and any(
                _tolerates(tolerations, t) for n in eligible for t in n.get("taints") or [] if parse_taint(t)[0] != key):
            odd = sorted(n["name"] for n in eligible)
            why = (f"; the pods are made for {', '.join(odd)} (their nodeSelector, and they tolerate its other taints): "
                   "this one is not the group's (maintenance?)")
        if not odd and controller and all(t.endswith(":NoSchedule") for _, t in carried):
            if running is None:
                pods, ev_pods = await calls("get_resources", kind="Pod", namespace=namespace)
                running = [p for p in (pods or {}).get("items") or [] if p.get("status") == "Running"]
                evidence.append(ev_pods)
            odd = sorted({str(p.get("node")) for p in running if p.get("owner") == controller and p.get("node") in hosts})
            if odd:
                why = (f"; pods of the same template run on {', '.join(odd)} without tolerating it: the taint was put "
                       "there after they were placed (maintenance?)")
        calls.find(workload, "UntoleratedTaint", f"{workload}'s pods do not tolerate taint {carried[0][1]} on "
                   f"{', '.join(n for n, _ in carried)}{why}", evidence, severity="warning", taint=carried[0][1],
                   nodes=[n for n, _ in carried], odd_nodes=odd)


def _group(node: dict) -> tuple:
    # a node's group is its group labels (node group, pool, instance type) without where it sits (zone, region)
    return tuple(sorted((k, v) for k, v in (node.get("labels") or {}).items() if "zone" not in k and "region" not in k))


def _odd_ones_out(nodes: list[dict], key: str, tainted: list[str]) -> list[str]:
    """Tainted nodes whose group peers (same group labels) do not carry the taint: a taint a group is
    dedicated by is on every node of it; one on a single node of a group is that node's own state."""
    odd = []
    for name in tainted:
        node = next((n for n in nodes if n["name"] == name), None)
        peers = [n for n in nodes if node is not None and n["name"] != name and _group(n) == _group(node)]
        if peers and not any(parse_taint(t)[0] == key for peer in peers for t in peer.get("taints") or []):
            odd.append(name)
    return odd


async def _unmatched_selector(selector: dict, workload: str, calls: Calls) -> None:
    """The scheduler says only "didn't match Pod's node affinity/selector": which nodeSelector label no node
    carries, and the values the nodes do carry for that key (a renamed node group, a typo)."""
    if not selector:
        return
    listed, ev = await calls("get_resources", kind="Node")
    nodes = (listed or {}).get("items") or []
    for key, wanted in selector.items():
        values = [str((node.get("labels") or {}).get(key)) for node in nodes if key in (node.get("labels") or {})]
        if str(wanted) in values:
            continue
        carried = ", ".join(f"{value} ({values.count(value)})" for value in dict.fromkeys(values)) or "none"
        calls.find(workload, "NodeSelectorUnmatched", f"nodeSelector {key}={wanted} matches no node; the nodes' {key} "
                   f"values: {carried}", ev, severity="critical", key=key, wanted=str(wanted), values=sorted(set(values)))


async def _unmatched_affinity(spec: dict, workload: str, calls: Calls) -> None:
    """The required node affinity no node its nodeSelector picks satisfies -- each such node with the expression it
    fails and its own value ("topology.kubernetes.io/zone In [us-east-1c]" while the only data node is in us-east-1a):
    where the pod may not go, and why, node by node."""
    terms = ((((spec.get("affinity") or {}).get("nodeAffinity") or {})
              .get("requiredDuringSchedulingIgnoredDuringExecution")) or {}).get("nodeSelectorTerms") or []
    expressions = [e for term in terms for e in term.get("matchExpressions") or []]
    if not expressions:
        return
    listed, ev = await calls("get_resources", kind="Node")
    picked = _selected((listed or {}).get("items") or [], spec.get("nodeSelector") or {})
    failing: list[str] = []
    for node in picked:
        labels = {"kubernetes.io/hostname": node.get("name"), **(node.get("labels") or {})}
        missed = [e for e in expressions if not _holds(e, labels)]
        if not missed:
            return  # a node the selector picks satisfies it: the affinity is not what keeps the pod out
        failing += [f"{node.get('name')} has {e.get('key')}={labels.get(str(e.get('key')))}" for e in missed[:1]]
    wanted = "; ".join(f"{e.get('key')} {e.get('operator')} {e.get('values') or ''}".strip() for e in expressions)
    where = f"none of the nodes its nodeSelector picks ({len(picked)})" if spec.get("nodeSelector") else "no node"
    calls.find(workload, "NodeAffinityUnmatched", f"required node affinity {wanted} is satisfied by {where}"
               + (f": {', '.join(failing[:4])}" if failing else ""), ev, severity="critical",
               keys=sorted({str(e.get("key")) for e in expressions}))


async def _failed_container(namespace: str, pod: str, workload: str, container: str, ended: dict, calls: Calls,
                            ev: str) -> None:
    logs, ev_logs = await calls("pod_logs", namespace=namespace, name=pod, container=container, tail=20)
    lines = (logs or {}).get("lines") or []
    fatal = next((line for line in reversed(lines) if CONFIG_WORDS.search(line)), lines[-1] if lines else "")
    calls.find(workload, "ContainerFailed", f"{pod}/{container} exited with code {ended.get('exitCode')}: {fatal}",
               [ev, ev_logs], severity="critical", exit_code=ended.get("exitCode"), last_log=fatal,
               config_error=bool(CONFIG_WORDS.search(fatal)), container=container)


async def _config_context(namespace: str, message: str, calls: Calls) -> tuple[dict, list[str]]:
    """A key missing from an object that exists: which keys it does hold (`existing_keys`: renamed? a typo?) --
    names only. An object missing altogether: the names of its kind in the namespace that share its stem
    (`successors`: a rotation, pnr-creds-2025q3 -> pnr-creds-2025q4)."""
    match = KEY_MISSING.search(message)
    if not match and (gone := OBJECT_MISSING.search(message)) is not None:
        kind = "ConfigMap" if gone.group("kind").lower() == "configmap" else "Secret"
        listed, ev = await calls("get_resources", kind=kind, namespace=namespace)
        names = [str(i.get("name")) for i in (listed or {}).get("items") or []]
        found = successors(gone.group("name"), names)
        return ({"successors": found} if found else {}), [ev]
    if not match:
        return {}, []
    keys, ev = await _keys_held(namespace, match.group("kind"), match.group("name"), calls)
    return ({"existing_keys": keys} if keys is not None else {}), [ev]


async def _keys_held(namespace: str, kind: str, name: str, calls: Calls) -> tuple[list[str] | None, str]:
    """The key names a ConfigMap or Secret holds (its row lists them, never values), or None when it is not there or
    its row says none."""
    listed, ev = await calls("get_resources", kind=kind, namespace=namespace, field_selector=f"metadata.name={name}")
    items = (listed or {}).get("items") or []
    keys = items[0].get("keys") if items else None
    return (list(keys) if keys is not None else None), ev


async def held_keys_of(workload: str, namespace: str, messages: list[str], calls: Calls) -> None:
    """The analyzer says a key the workload reads is missing from an object that exists (`Secret db has no key K`) and
    no pod of it showed the kubelet's words (a CronJob whose runs' pods are gone): the keys the object holds, read for
    the same question -- renamed? (names only)."""
    match = next((m for text in messages if (m := ANALYZER_KEY.search(text))), None)
    if match is None:
        return
    keys, ev = await _keys_held(namespace, match.group("kind"), match.group("name"), calls)
    if keys is not None:
        calls.find(workload, "ConfigKeysHeld", f"{match.group('kind')} {match.group('name')} holds "
                   f"{', '.join(keys) or 'no keys'}, not {match.group('key')}", ev, severity="info",
                   existing_keys=keys, key=match.group("key"))


def successors(missing: str, names: list[str]) -> list[str]:
    """Names that differ from `missing` only after a long shared stem (at least 60% of it, cut at a separator):
    what a rotation or a versioned rename leaves behind."""
    stem = missing
    while True:
        cut = max(stem.rfind("-"), stem.rfind("."), stem.rfind("_"))
        if cut < 0.6 * len(missing):
            break
        stem = stem[:cut]
        found = [n for n in names if n != missing and n.startswith(stem + missing[len(stem)])]
        if found:
            return sorted(found)
    return []


def _liveness_kill(events: list[dict]) -> bool:
    return any(e.get("reason") == "Killing" and "liveness" in (e.get("message") or "") for e in events)


async def _claims(namespace: str, pod: dict, calls: Calls) -> None:
    for volume in (pod.get("spec") or {}).get("volumes") or []:
        claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
        if claim:
            await read_claim(namespace, claim, calls)


MAX_CLAIM_WRITERS = 2  # a claim's pods are most often one workload's: its first two say what writes to it


async def read_claim(namespace: str, claim: str, calls: Calls) -> bool:
    """A claim a pod mounts, or the one a question is about: not Bound is a PVCPending signal (with its storage class
    and the cluster's classes, for the fix). False when it could not be read."""
    described, ev = await calls("describe", kind="PersistentVolumeClaim", name=claim, namespace=namespace)
    if described is None:
        return False
    phase = ((described["object"].get("status") or {}).get("phase"))
    if phase != "Bound":
        messages = [e.get("message", "") for e in described.get("events") or []]
        classes, ev_classes = await calls("get_resources", kind="StorageClass")
        calls.find(resource_id("PersistentVolumeClaim", claim, namespace), "PVCPending",
                   f"PVC {claim} is {phase}: {messages[0] if messages else ''}", [ev, ev_classes], severity="critical",
                   storage_class=(described["object"].get("spec") or {}).get("storageClassName"),
                   storage_classes=[c["name"] for c in (classes or {}).get("items") or [] if c.get("name")])
    for pod in (described.get("used_by") or [])[:MAX_CLAIM_WRITERS]:  # who writes to it: why it fills, or stopped
        calls.find(resource_id("Pod", pod, namespace), "MountsClaim", f"pod {pod} mounts claim {claim}", ev,
                   severity="info", claim=resource_id("PersistentVolumeClaim", claim, namespace))
    return True


def past_oom_kills(window_start: datetime, *lists: list[Finding]) -> None:
    """A workload whose containers were last OOM-killed before the incident's window and have run since (a rush hours
    ago, since absorbed) shows its history, not the incident's cause: its OOMKilled findings -- the pods' and the
    analyzer's alike, in every list given -- become PastOOMKill (info), which no diagnosis rule reads as a fault. One
    recent kill keeps them all."""
    def before(f: Finding) -> bool:
        ended = parse_time(f.details.get("finished"))
        return bool(f.details.get("running_now")) and ended is not None and ended < window_start

    read = [f for found in lists for f in found if f.signal == "OOMKilled" and "finished" in f.details]
    past = {f.resource for f in read if before(f)} - {f.resource for f in read if not before(f)}
    for found in lists:
        for i, f in enumerate(found):
            if f.signal == "OOMKilled" and f.resource in past:
                found[i] = f.model_copy(update={"signal": "PastOOMKill", "severity": "info", "summary": f"{f.summary} "
                                                f"(before the incident's window, {window_start:%H:%M}Z; running since)"})
