"""Change plans chat pins besides a workload template's -- a new run of a Job or CronJob, a CronJob suspended or
resumed, a node's taint removed, a new HPA, a claim grown -- the reading of what a request asks for (the image, the
quantity), and the Plan they share with chat/act/writes.py: the MCP tool and its arguments when one makes the change,
else the kubectl a human runs after approval (BY_HAND). A key put back: config_key_plans.py; a CronJob's image or
limits: cronjob_plans.py."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ...contracts import parse_resource_id
from ...graph.quantities import format_quantity
from ...graph.quantities import quantity as quantity_value
from ...graph.recreate import recreate_command
from ..ask import Ask
from ..models import Answer, AnswerStatus, ApprovalRequest
from ..understand.clauses import request_part
from ..understand.quantities import typed_quantities, unit_of


@dataclass
class Plan:
    tool: str
    args: dict[str, Any]
    change: str
    kubectl: str
    precondition: str = ""
    notes: list[str] = field(default_factory=list)


BY_HAND = "(by hand: no MCP tool does this)"


def by_hand(planned: tuple[str, dict[str, Any], str, str, str] | str) -> Plan | str:
    """A hand edit's (change, args, kubectl, precondition, note) as a plan a human runs after approval."""
    if isinstance(planned, str):
        return planned
    change, args, kubectl, precondition, note = planned
    return Plan(BY_HAND, args, change, kubectl, precondition, [note])


def unplanned(reason: str) -> AnswerStatus:
    """A change that could not be planned: when what is missing is the user's to say (the value: "Say the new
    memory limit"), the answer waits for it as for a subject; otherwise it is answered (why it cannot be made)."""
    return "needs_subject" if reason.startswith("Say ") else "answered"


def rerun_plan(rid: str, obj: dict, question: str = "") -> Plan | str:
    """"rerun it": a CronJob runs again as a Job made from its template; a Job cannot be restarted in place,
    so it is replaced by a copy of itself (without the selector and labels the API server generated)."""
    namespace, kind, name = parse_resource_id(rid)
    if kind == "CronJob":
        job = f"{name}-manual-$(date +%s)"[:63]
        return Plan(BY_HAND, {"kind": kind, "name": name, "namespace": namespace or ""}, f"a new run of CronJob {name}",
                    f"kubectl create job {job} --from=cronjob/{name} -n {namespace}", f"CronJob {name} exists",
                    ["No MCP tool starts a Job: a human runs the command after approval."])
    if kind == "Job":
        status = obj.get("status") or {}
        done = any(c.get("type") == "Complete" and c.get("status") == "True" for c in status.get("conditions") or [])
        if done and not re.search(r"\banyway\b", question, re.IGNORECASE):
            # a run that completed did its work: running it again repeats it (an export written twice)
            return (f"Not pinned: Job {name} completed ({status.get('succeeded', 0)} succeeded): its work is done, and "
                    "running it again repeats it -- say 'rerun it anyway' to pin it")
        return Plan(BY_HAND, {"kind": kind, "name": name, "namespace": namespace or ""}, f"run Job {name} again (replace it with a copy)",
                    recreate_command("Job", "job", namespace or "", name, {}),
                    f"Job {name}: {status.get('succeeded', 0)} succeeded, {status.get('failed', 0)} failed",
                    ["Replacing deletes the old Job and its pods: read its logs first if you still need them.",
                     "No MCP tool starts a Job: a human runs the command after approval."])
    return f"{rid} is a {kind}; only Jobs and CronJobs run again"


# a CronJob or a rollout let go again: "resume it", "unsuspend", "set suspend false" / "suspend: false" / "suspend to false"
RESUMING = re.compile(r"\b(unsuspend|resume)\b|\bsuspend\W{0,3}(?:to\s+|=\s*|:\s*)?false\b", re.IGNORECASE)


def suspend_plan(question: str, rid: str, obj: dict) -> Plan | str:
    """"suspend the renewals cronjob" / "resume it": a CronJob's spec.suspend -- resumed through resume_cronjob,
    suspended by hand (no MCP tool suspends one)."""
    namespace, kind, name = parse_resource_id(rid)
    suspend = not RESUMING.search(question)
    if kind == "Deployment":  # "resume it" / "pause the rollout": a Deployment's rollout (spec.paused), by hand
        paused = bool((obj.get("spec") or {}).get("paused"))
        verb = "pause" if suspend else "resume"
        if paused == suspend:  # a no-op is never pinned as a change
            return f"{rid}'s rollout is already {'paused' if paused else 'not paused'}; nothing to {verb}"
        return Plan(BY_HAND, {"kind": kind, "name": name, "namespace": namespace or ""},
                    f"Deployment {name}: rollout paused {paused} -> {suspend} ("
                    + ("no new version rolls out" if suspend else "its template's version rolls out now") + ")",
                    f"kubectl rollout {verb} deployment/{name} -n {namespace}", f"paused={paused}",
                    ["No MCP tool pauses or resumes a rollout: a human runs the command after approval."])
    if kind != "CronJob":
        return f"{rid} is a {kind}; only a CronJob is suspended and a Deployment's rollout paused (others are scaled)"
    current = bool((obj.get("spec") or {}).get("suspend"))
    if current == suspend:
        return f"{rid} is already {'suspended' if current else 'not suspended'}; nothing to change"
    patch = json.dumps({"spec": {"suspend": suspend}})
    if not suspend:  # a resume is a typed write (resume_cronjob); a suspension stays a human's command
        from .cronjob_plans import RUN_ASKED  # (cronjob_plans reads Plan from here)

        run_now = bool(RUN_ASKED.search(question))
        return Plan("resume_cronjob", {"namespace": namespace or "", "name": name, "run_now": run_now,
                                       "reason": question[:200]},
                    f"CronJob {name}: suspend true -> false (runs on its schedule again"
                    + ("; one run started now)" if run_now else ")"),
                    f"kubectl patch cronjob {name} -n {namespace} -p '{patch}'"
                    + (f" && kubectl create job {name}-resumed --from=cronjob/{name} -n {namespace}" if run_now else ""),
                    "suspend=True", ["A run it missed within its starting deadline starts at once."])
    return Plan(BY_HAND, {"kind": kind, "name": name, "namespace": namespace or ""},
                f"CronJob {name}: suspend {current} -> {suspend} ({'no new runs' if suspend else 'runs on its schedule again'})",
                f"kubectl patch cronjob {name} -n {namespace} -p '{patch}'", f"suspend={current}",
                ["A run already started goes on: delete its Job to stop it.",
                 "No MCP tool suspends a CronJob: a human runs the command after approval."])


# a word shaped like a key's name (DB_PASSWORD, tls.key, api-token, s3Bucket, v2key): not a plain word ("old") or a number
BOUNDS = re.compile(r"\bmin(?:imum)?\s*(?:replicas)?\s*(?:of\s+|=\s*|:\s*)?(?P<min>\d+)\b.*?\bmax(?:imum)?\s*(?:replicas)?\s*"
                    r"(?:of\s+|=\s*|:\s*)?(?P<max>\d+)\b", re.IGNORECASE)
CPU_TARGET = re.compile(r"\b(?:at|cpu|target)\s*(?P<cpu>\d+)\s*%", re.IGNORECASE)


def new_hpa_plan(question: str, rid: str) -> Plan | str:
    """"add an hpa to gtfs-publisher, min 2 max 6": a new HorizontalPodAutoscaler, made with kubectl autoscale."""
    namespace, kind, name = parse_resource_id(rid)
    bounds = BOUNDS.search(question)
    if bounds is None:
        return f"Say its bounds (e.g. 'add an hpa to {name}, min 2 max 6, cpu 70%')"
    cpu = CPU_TARGET.search(question)
    low, high = int(bounds.group("min")), int(bounds.group("max"))
    if low > high:
        return f"min {low} is above max {high}"
    target = f" --cpu-percent={cpu.group('cpu')}" if cpu else ""
    return Plan(BY_HAND, {"kind": "HorizontalPodAutoscaler", "name": name, "namespace": namespace or "",
                          "target": f"{kind}/{name}", "min": low, "max": high},
                f"a new HorizontalPodAutoscaler for {kind} {name}: min {low}, max {high}"
                + (f", cpu {cpu.group('cpu')}%" if cpu else " (cpu target: kubectl's default)"),
                f"kubectl autoscale {kind.lower()}/{name} -n {namespace} --min={low} --max={high}{target}",
                f"no HorizontalPodAutoscaler scales {kind} {name}",
                ["No MCP tool creates an HPA: a human runs the command after approval. The pods need CPU requests "
                 "for a CPU target."])


# "to 2Gi", and the forms a second turn completing a request takes: "make it 3Gi", "limit 1 cpu"
QUANTITY = re.compile(r"\b(?:to|make\s+it|limit|request|(?:requests|limits)\.(?:cpu|memory)(?:\s*[=:])?)\s+"
                      r"(\d+(?:\.\d+)?\s*(?:m|k|ki|mi|gi|ti|g|t|cores?|cpus?)?)(?![\w.])"
                      # "give it 512Mi limit", "it, 1536Mi": an amount with its unit, said before its word
                      r"|\b(\d+(?:\.\d+)?\s*(?:ki|mi|gi|ti|cores?))\s+(?:memory\s+|cpu\s+)?(?:limit|request)\b"
                      # a second turn that only gives the name and the value: "lift-photo-worker in guest, 768Mi"
                      r"|,\s*(\d+(?:\.\d+)?\s*(?:m|ki|mi|gi|ti))\s*[.!]*\s*$"
                      # "give the log shipper 4Gi", "give it 2 cores": an amount with its unit, given to what is named
                      r"|\bgive\s+(?:it|them|(?:the\s+)?[\w-]+(?:\s+[\w-]+)?)\s+(\d+(?:\.\d+)?\s*(?:ki|mi|gi|ti|cores?))(?![\w.])",
                      re.IGNORECASE)
IMAGE = re.compile(r"\bimage(?:\s+(?:path|name|ref|reference|tag))?(?:\s+(?:on|of|for)\s+(?:the\s+)?[\w./-]+(?:\s+[a-z]+)?)?"
                   r"\s+(?:back\s+)?to\s+(\S+)", re.IGNORECASE)
# "set it back to vector 0.41.1-tw3": a version (a tag, or the image's name then its tag) to go back to.
VERSION_BACK = re.compile(r"\bback\s+(?:to|on)\s+(?:(?P<name>[a-z][\w./-]*)\s+)?(?P<tag>v?\d+\.\d+\S*)", re.IGNORECASE)


def resource_named(question: str) -> str:
    """memory when the question says so or its quantity is in bytes ("bump the limit to 768Mi"), else cpu."""
    if re.search(r"\b(memory|mem)\b", question, re.IGNORECASE) or \
            re.search(r"(\bto\s+|\b)\d+(\.\d+)?\s*(ki|mi|gi|ti)\b", question, re.IGNORECASE):
        return "memory"
    return "cpu"


def quantity_asked(question: str, resource: str) -> str | None:
    match = QUANTITY.search(question)
    if not match:
        return None
    return _as_quantity(next(group for group in match.groups() if group), resource)


def _as_quantity(said: str, resource: str) -> str:
    """"2 cores" -> "2", "1gi" -> "1Gi": an amount as typed, as Kubernetes writes it (quantities are case-sensitive)."""
    value = re.sub(r"(?i)(cores?|cpus?)$", "", said.replace(" ", ""))
    return re.sub(r"(?i)(ki|mi|gi|ti)$", lambda m: m.group(1).capitalize(), value) if resource == "memory" else value


def _with_registry(value: str, current: str) -> str:
    """"quillmoor/leakage-report:2.4.1" for a container pulling from 48291.dkr.ecr...: the path under the registry the
    container uses (a human names the repository, not the registry host); a value naming a host is kept as is."""
    first, _, rest = value.partition("/")
    host = current.split("/", 1)[0] if "/" in current else ""
    if not rest or "." in first or ":" in first or first == "localhost" or not ("." in host or ":" in host):
        return value
    return f"{host}/{value}"


def image_asked(question: str, containers: list[dict]) -> tuple[dict, str] | None:
    """The container and the image a request names: a whole image ("image to repo/app:1.2"), or only a tag
    ("back to 0.41.1", "back to vector 0.41.1"), which keeps the container's repository -- the container whose
    image the name before the tag names, else the first."""
    # the container the request names ("set envoy back to v1.31.2", "the sidecar image"), else the first
    first = _container_said(question, containers) or next(iter(containers), {})
    match = IMAGE.search(question)
    if match:
        value = match.group(1).strip("'\"`.,")
        short = re.fullmatch(r"([\w.-]+):([\w.-]+)", value)
        named = short and next((c for c in containers if re.search(rf"(^|/){re.escape(short.group(1))}(:|@|$)",
                                                                   str(c.get("image") or ""))), None)
        if named and short:
            # "notam-sync:2.4.1": the repository's last part and a tag -- the same repository, another tag
            tag, hint = short.group(2), short.group(1)
        elif "/" in value or ":" in value or not re.match(r"v?\d", value):
            # a whole image goes to the container already running its repository ("docker.io/envoyproxy/envoy:v1.31.2":
            # the envoy sidecar, never the app container beside it)
            same = next((c for c in containers if repository_of(str(c.get("image") or "")) == repository_of(value)), None)
            return same or first, _with_registry(value, str((same or first).get("image") or ""))
        else:
            tag, hint = value, None
    elif back := VERSION_BACK.search(question):
        tag, hint = back.group("tag").strip("'\"`.,"), back.group("name")
    else:
        return None
    container = next((c for c in containers if hint and hint.lower() in str(c.get("image", "")).lower()), first)
    repository = re.sub(r"(@sha256:[0-9a-f]+|:[\w.-]+)$", "", str(container.get("image") or ""))
    return (container, f"{repository}:{tag}") if repository else None


def repository_of(image: str) -> str:
    """An image's repository's last two path parts without registry, tag or digest: "docker.io/envoyproxy/envoy:v1.31.2"
    and "envoyproxy/envoy:v1.31.21" are both "envoyproxy/envoy"."""
    bare = re.sub(r"(@sha256:[0-9a-f]+|:[\w.-]+)$", "", image.strip())
    return "/".join(bare.split("/")[-2:]).lower()


SIDECAR_SAID = re.compile(r"\bsidecar\b", re.IGNORECASE)


def _container_said(question: str, containers: list[dict]) -> dict | None:
    """The one container the request names by its name ("envoy"), or -- "the sidecar" -- the one container beside the
    first; None when none or several are said."""
    said = [c for c in containers if c.get("name") and
            re.search(rf"(?<![\w.-]){re.escape(str(c['name']))}(?![\w-])", question, re.IGNORECASE)]
    if len(said) == 1:
        return said[0]
    if not said and SIDECAR_SAID.search(question) and len(containers) == 2:
        return containers[1]
    return None


# A purpose clause says why, not what: "lower the limit to 200m so more pods fit" lowers it ("more" is the purpose's).


RAISING = re.compile(r"\b(bump|raise|increase|up|more|bigger|higher|grow|double|boost|give\s+it)\b", re.IGNORECASE)
LOWERING = re.compile(r"\b(lower|reduce|decrease|cut|drop|shrink|trim|less|smaller)\b", re.IGNORECASE)


STARVED_WHY = {"memory": "it was OOM-killed at that limit", "cpu": "it is throttled at that limit"}


def resource_part(question: str) -> tuple[str, str]:
    """(the resource, "requests" or "limits") a request is about -- the part said first: "give it 512Mi limit and
    256Mi request" sets the limit it names with its amount; none said is the limit."""
    question = REQ_SAID.sub("request", question)
    part = re.search(r"\b(requests?|limits?)\b", question, re.IGNORECASE)
    return resource_named(question), "requests" if part and part.group(1).lower().startswith("request") else "limits"


def resources_asked(question: str, container: dict, *, starved: str | None = None) -> tuple[str, str, str, str | None] | str:
    """(resource, "requests" or "limits", the new quantity, the current one) a request asks of a container, or what
    to say instead: no quantity named, or one that goes the other way from the request's own verb ("bump it to
    512Mi" under a 768Mi limit), or a lower limit of what the container is `starved` of (memory when OOM-killed at
    its limit, cpu when throttled at it): less of it deepens the fault."""
    question = REQ_SAID.sub("request", question)  # "250m req 1 core limit": req is a request
    resource, which = resource_part(question)
    quantity = quantity_asked(question, resource)
    typed = [q for r, q in typed_quantities(request_part(question)) if r == resource]
    if quantity is not None and typed and unit_of(quantity) not in (None, resource):
        quantity = typed[0]  # "put requests back to 500m and 1Gi": 500m is no memory amount; the memory one is 1Gi
    # "250m request 1 cpu limit": the amount said right before the part is that part's
    value_first = {part.lower(): value for value, part in VALUE_PART.findall(request_part(question))}
    if which[:-1] in value_first:
        quantity = _as_quantity(value_first[which[:-1]], resource)
    current = ((container.get("resources") or {}).get(which) or {}).get(resource)
    if quantity is None:
        return f"Say the new {resource} {which[:-1]} (e.g. 'set its {resource} {which[:-1]} to ...'); it is {current} now"
    wanted, now = quantity_value(quantity), quantity_value(current or "")
    cname = container.get("name") or "the container"
    said = request_part(question)
    if wanted is not None and now is not None:
        short_of_it = starved == resource and which == "limits"
        if wanted < now and (RAISING.search(said) or short_of_it):
            why = STARVED_WHY[resource] if short_of_it else "the request asks for more"
            return (f"Not pinned: {quantity} is below {cname}'s current {resource} {which[:-1]} {current}, so it would "
                    f"lower it ({why}). Say a value above {current} (e.g. {format_quantity(resource, now * 2)}).")
        if wanted > now and LOWERING.search(said) and not RAISING.search(said):
            return (f"Not pinned: {quantity} is above {cname}'s current {resource} {which[:-1]} {current}, so it would "
                    f"raise it, and the request asks for less. Say a value below {current}.")
    return resource, which, quantity, current


REQ_SAID = re.compile(r"\breqs?\b", re.IGNORECASE)
PART_VALUE = re.compile(r"\b(limit|request)s?\b(?:\.(?:cpu|memory))?\s*(?:to|of|at|=|:)?\s*"
                        r"(\d+(?:\.\d+)?\s*(?:m|ki|mi|gi|ti|cores?|cpus?)?)(?![\w.])", re.IGNORECASE)


VALUE_PART = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?\s*(?:m|ki|mi|gi|ti|cores?|cpus?)?)\s+(?:memory\s+|mem\s+|cpu\s+)?"
                        r"(limit|request)s?\b", re.IGNORECASE)  # the amount said before its part


def other_resource(question: str, resource: str) -> tuple[str, str] | None:
    """"put requests back to 500m and 1Gi": (the other resource, the one amount said for it) -- cpu beside memory,
    pinned with it, never one of the two silently dropped. None when none, or several, are said."""
    other = "cpu" if resource == "memory" else "memory"
    said = [q for r, q in typed_quantities(request_part(question)) if r == other]
    return (other, said[0]) if len(said) == 1 else None


def other_part(question: str, which: str, resource: str) -> str | None:
    """"set its cpu request to 7 and limit to 8": the value said for the other part (limits when `which` is requests)
    -- a change of both is pinned whole, never one half silently dropped."""
    other = "limit" if which == "requests" else "request"
    said = request_part(REQ_SAID.sub("request", question))
    value = next((v for part, v in PART_VALUE.findall(said) if part.lower() == other), None) or \
        next((v for v, part in VALUE_PART.findall(said) if part.lower() == other), None)  # "2Gi request and 3Gi limit"
    return _as_quantity(value, resource) if value is not None else None


def resources_plan(question: str, rid: str, container: dict, asked: tuple[str, str, str, str | None],
                   troubled: tuple[str, str] | None, generation: Any) -> Plan:
    """set_resources on the container named, as asked -- both parts when the request says both ("request to 7 and
    limit to 8"); when its pods show another container in trouble, that is said beside it."""
    namespace, kind, name = parse_resource_id(rid)
    resource, which, quantity, current = asked
    cname = container.get("name") or name
    elsewhere = [f"note: the container in trouble is {troubled[0]} ({troubled[1]}), not {cname}"] \
        if troubled and troubled[0] and troubled[0] != cname else []
    other, second = ("limits" if which == "requests" else "requests"), other_part(question, which, resource)
    both = {which: {resource: quantity}, **({other: {resource: second}} if second else {})}
    if not second and (beside := other_resource(question, resource)) is not None:  # "500m and 1Gi": both resources
        both[which][beside[0]] = beside[1]
    was = ((container.get("resources") or {}).get(other) or {}).get(resource, "(none)")  # what the other part is now
    return Plan("set_resources", {"namespace": namespace or "", "name": name, "kind": kind, "container": cname, **both,
                                  "expect_generation": generation, "reason": question[:200]},
                f"container {cname}: {resource} {which[:-1]} {current} -> {quantity}"
                + (f", {other[:-1]} {was} -> {second}" if second else "")
                + "".join(f", {r} {which[:-1]} {((container.get('resources') or {}).get(which) or {}).get(r, '(none)')} -> {q}"
                          for r, q in both[which].items() if r != resource),
                f"kubectl set resources {kind.lower()}/{name} -n {namespace} -c {cname} "
                + " ".join(f"--{k}=" + ",".join(f"{r}={q}" for r, q in v.items()) for k, v in both.items()),
                f"generation {generation}", elsewhere)


def container_for(question: str, containers: list[dict], troubled: str | None, rid: str) -> dict | str:
    """The container a change is for: the one the question names, else the one in trouble (its pods say which),
    else the only one; with several and no telling, a question back -- never the first by default."""
    names = [str(c.get("name") or "") for c in containers]
    said = [c for c, n in zip(containers, names, strict=True)
            if n and re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", question, re.IGNORECASE)]
    if len(said) == 1:
        return said[0]
    if troubled in names:
        return containers[names.index(troubled)]
    if len(containers) <= 1:
        return containers[0] if containers else {}
    return f"{rid} has {len(names)} containers ({', '.join(names)}): say which (e.g. 'set the memory limit of {names[-1]} to ...')"


STORAGE_SIZE = re.compile(r"\b(\d+(?:\.\d+)?)\s*(Gi|Mi|Ti|G|M|T)(?:i?b)?\b", re.IGNORECASE)


def claim_growth_plan(question: str, rid: str, claim: dict) -> Plan | str:
    """"grow it to 100Gi": expand_claim on a bound claim, never smaller than it is (the server checks the class allows
    expansion and refuses the rest)."""
    namespace, kind, name = parse_resource_id(rid)
    if kind != "PersistentVolumeClaim":
        return f"{rid} is a {kind}; a volume grows through its PersistentVolumeClaim: name the claim (e.g. 'grow <claim> to 100Gi')"
    current = (((claim.get("spec") or {}).get("resources") or {}).get("requests") or {}).get("storage")
    asked = STORAGE_SIZE.search(question)
    if asked is None:
        return f"Say the new size (e.g. 'grow it to 100Gi'); {name} requests {current} now"
    unit = asked.group(2)
    size = f"{asked.group(1)}{unit[0].upper()}i" if len(unit) == 1 or unit.lower().endswith("i") else f"{asked.group(1)}{unit}"
    wanted, now = quantity_value(size), quantity_value(current or "")
    if wanted is not None and now is not None and wanted <= now:
        return f"Not pinned: {size} is not more than {name}'s {current}; a claim only grows. Say a size above {current}"
    patch = json.dumps({"spec": {"resources": {"requests": {"storage": size}}}})
    return Plan("expand_claim", {"namespace": namespace or "", "name": name, "size": size, "expect_size": current,
                                 "reason": question[:200]},
                f"claim {name}: storage {current} -> {size}",
                f"kubectl patch pvc {name} -n {namespace} --type merge -p '{patch}'", f"storage {current}",
                ["Only a bound claim whose StorageClass allows expansion grows; the tool checks both and changes nothing "
                 "otherwise."])


# "recreate the pvc with gp3-tsdb", "recreate the claim on gp3-retain": the StorageClass the new claim asks for
# ("with storageClassName gp3", "storageClassName: gp3": the field said with its value)
CLASS_SAID = re.compile(r"\b(?:(?:with|on|onto|to|using|as)\s+(?:the\s+)?(?:storage\s*class(?:\s*name)?\s*[:=]?\s*|sc\s+|class\s+)?"
                        r"|storage\s*class(?:\s*name)?\s*[:=]?\s*)(?P<sc>[a-z0-9][a-z0-9.-]*[a-z0-9])\b", re.IGNORECASE)


def claim_recreate_plan(question: str, rid: str, claim: dict) -> Plan | str:
    """A claim re-created on another StorageClass (its class cannot be changed in place): the kubectl pipeline that
    replaces it with storageClassName set. Only a claim that is not Bound -- a Pending claim holds no data; a bound one
    re-created would lose its volume."""
    namespace, _, name = parse_resource_id(rid)
    phase = (claim.get("status") or {}).get("phase")
    if phase == "Bound":
        return f"Not pinned: {name} is Bound -- re-creating it would drop its volume and the data on it; grow or copy it instead"
    said = CLASS_SAID.search(question)
    if said is None or said.group("sc") in ("it", "the", "a", "one"):
        return f"Say the StorageClass to re-create {name} on (e.g. 'recreate {name} on gp3'); it asks for " \
               f"{(claim.get('spec') or {}).get('storageClassName')} now"
    wanted, current = said.group("sc"), (claim.get("spec") or {}).get("storageClassName")
    return Plan(BY_HAND, {"kind": "PersistentVolumeClaim", "name": name, "namespace": namespace or "",
                          "storage_class": wanted},
                f"claim {name}: re-created with storageClassName {current} -> {wanted}",
                recreate_command("PersistentVolumeClaim", "pvc", namespace or "", name,
                                 {"spec": {"storageClassName": wanted}}),
                f"phase {phase or 'unknown'}, storageClassName {current}",
                ["No MCP tool re-creates a claim: a human runs the command after approval; the workload's pod that waits "
                 "for it starts once the new claim binds."])


def approval_answer(ask: Ask, plan: Plan, rid: str) -> Answer:
    """The approval request for a pinned plan: chat has changed nothing, here is what a human approves."""
    by_hand = plan.tool == BY_HAND
    how = [plan.kubectl] if by_hand else [plan.kubectl, f"or let the responder do it with your approval: sre-agent investigate "
                                                        f"--prompt \"{ask.question} ({rid})\" --remediation approve"]
    request = ApprovalRequest(tool=plan.tool, args=plan.args, resource=rid, precondition=plan.precondition, change=plan.change,
                              how_to_approve=how)
    headline = (f"Approval needed: {plan.change} ({rid}); no tool does this, a human runs `{plan.kubectl}`. "
                if by_hand else f"Approval needed: {plan.tool} {rid} ({plan.change}). ")
    from .said_values import values_not_carried  # (said_values reads Plan from here)

    dropped = values_not_carried(ask.question, plan)
    notes = [f"not in this change: {', '.join(dropped)} (said in the request) -- ask for it on its own"] if dropped else []
    return ask.answer(headline + "Chat is read-only and has changed nothing.",
                      status="approval_required", details=[f"would change: {plan.change}", *notes, *plan.notes], approval=request,
                      resources=[rid], next_steps=[f"To approve, run: {plan.kubectl}", *how[1:],
                                                   "Then ask 'how is it doing?' to verify."])
