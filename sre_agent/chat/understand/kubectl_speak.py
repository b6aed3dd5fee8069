"""A question typed as a kubectl command ("get pods -n ops", "describe deploy hl7-bridge -n ops", "logs
donor-web", "rollout history sts/ledger", "get cm x -o yaml") read by kubectl's own grammar -- verb, kind
(short names included), name or kind/name, -n / --namespace / -A -- and said again as the question the
forms read, with its namespace. A parser of kubectl's command line, not a list of phrasings: any kind
kubectl knows by a short name, any name, any namespace."""

from __future__ import annotations

import re
import shlex

from pydantic import BaseModel

from .forms import KIND_WORDS

# kubectl's short names and plurals, beyond the nouns chat reads anyway (forms.KIND_WORDS)
KUBECTL_KINDS = {**KIND_WORDS, "po": "Pod", "pods": "Pod", "deployments": "Deployment", "services": "Service",
                 "no": "Node", "nodes": "Node", "statefulsets": "StatefulSet", "daemonsets": "DaemonSet",
                 "jobs": "Job", "cronjobs": "CronJob", "cj": "CronJob", "configmaps": "ConfigMap", "secrets": "Secret",
                 "pvcs": "PersistentVolumeClaim", "persistentvolumeclaims": "PersistentVolumeClaim",
                 "storageclasses": "StorageClass", "sc": "StorageClass", "hpas": "HorizontalPodAutoscaler",
                 "quotas": "ResourceQuota", "resourcequotas": "ResourceQuota", "ev": "Event", "events": "Event",
                 "event": "Event", "ns": "Namespace", "namespaces": "Namespace", "namespace": "Namespace",
                 "rs": "ReplicaSet", "replicasets": "ReplicaSet", "replicaset": "ReplicaSet", "endpoints": "Endpoints",
                 "ep": "Endpoints", "ing": "Ingress", "ingress": "Ingress", "pv": "PersistentVolume",
                 "networkpolicies": "NetworkPolicy", "pdbs": "PodDisruptionBudget", "limits": "LimitRange",
                 "limitranges": "LimitRange"}
# how the forms say each kind, singular and plural
SAID = {"Pod": ("pod", "pods"), "Deployment": ("deployment", "deployments"), "Service": ("service", "services"),
        "Node": ("node", "nodes"), "StatefulSet": ("statefulset", "statefulsets"), "DaemonSet": ("daemonset", "daemonsets"),
        "Job": ("job", "jobs"), "CronJob": ("cronjob", "cronjobs"), "ConfigMap": ("configmap", "configmaps"),
        "Secret": ("secret", "secrets"), "PersistentVolumeClaim": ("pvc", "pvcs"),
        "StorageClass": ("storage class", "storage classes"), "HorizontalPodAutoscaler": ("hpa", "hpas"),
        "ResourceQuota": ("quota", "quotas"), "ReplicaSet": ("replicaset", "replicasets"),
        "Endpoints": ("endpoints", "endpoints"), "Namespace": ("namespace", "namespaces"),
        "NetworkPolicy": ("network policy", "network policies"), "PodDisruptionBudget": ("pdb", "pdbs"),
        "LimitRange": ("limit range", "limit ranges")}
VERBS = ("get", "describe", "logs", "rollout", "top", "events")
COMMAND = re.compile(r"^\s*(?:kubectl\s+|k\s+)?(get|describe|logs|rollout|top|events)\b", re.IGNORECASE)
# what people type around a command line in chat: "fine, rollout undo ... instead", "ok kubectl logs x pls"
AROUND = re.compile(r"^\W*((ok(ay)?|fine|so|then|now|right|alright|just|pls|please)\W+)+|\W+(instead|then|now|pls|please)\W*$",
                    re.IGNORECASE)


# the workload a label selector names ("app=x", "app.kubernetes.io/name=x"): what "describe pod -l app=x" is about
SELECTED_NAME = re.compile(r"(?:^|,)(?:app|app\.kubernetes\.io/name|k8s-app|name)=([a-z0-9][a-z0-9.-]*)")
NAME = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?(/[a-z0-9]([a-z0-9.-]*[a-z0-9])?)?")
NOT_NAMES = {"the", "a", "an", "my", "our", "its", "it", "that", "this", "me", "us", "all", "every", "some", "any",
             "history", "status", "undo", "restart", "for", "what", "why", "is", "are",
             # English between the verb and the name: "rollout history of notice-api"
             "of", "on", "in", "to", "from", "with", "about"}


ASKS = re.compile(r"\s*(what|whats|what's|which|how|is|are|does|do|why|when)\b", re.IGNORECASE)
TAIL = re.compile(r"\s*tail\b", re.IGNORECASE)
# the grep a command's output is piped to: its pattern, the field asked about (flags such as -A3, -i before it)
GREP = re.compile(r"\s*(?:e?grep)\s+(?:-\S+\s+(?:\d+\s+)?)*(?P<word>'[\w. -]+'|\"[\w. -]+\"|[\w.-]+)", re.IGNORECASE)


# the last field a jsonpath (or custom-columns) output reads: "{.spec...resources.limits}" -> limits
# the path's last segment (an escaped dot kept: annotations.kubernetes\.io/change-cause), and the one before it when
# the last is a leaf many blocks share (limits.cpu, requests.memory: which cpu)
JSONPATH_FIELD = re.compile(r"^(?:jsonpath|custom-columns)=.*?(?:\.(?P<parent>[A-Za-z][\w-]*))?"
                            r"\.(?P<field>[A-Za-z][\w-]*(?:\\\.[\w/-]+)*)(?:\[[^\]]*\])?\s*\}?['\"]?\s*$")
JSONPATHS = re.compile(r"\{\.([A-Za-z][\w.\\/-]*(?:\[[^\]]*\])?)\}")  # each {.a.b} of a jsonpath with several
SHARED_LEAVES = ("cpu", "memory", "storage", "path", "port", "name", "value", "image", "type", "key", "status", "effect", "mode")


class KubectlQuestion(BaseModel):
    question: str  # the command said as the question the forms read
    namespace: str | None = None  # -n / --namespace; None for -A or none given
    # what the verb means, when kubectl's grammar says it outright: the form, and the object with its kind -- so a
    # word inside a name ("anpr-intake-upstreams", "quota-ledger") is never read as the question's own word
    form: str | None = None
    subject: str | None = None
    kind: str | None = None


def _kind(word: str) -> str | None:
    word = word.lower().split(".", 1)[0]  # deployments.apps -> deployments
    return KUBECTL_KINDS.get(word) or KUBECTL_KINDS.get(word.rstrip("s"))


def _split(text: str) -> tuple[list[str], dict[str, str | bool]]:
    """Positional words and flags (-n ops, --namespace=ops, -A, -o yaml, -c app, -p)."""
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    args, flags = [], {}
    i = 0
    while i < len(words):
        word = words[i]
        if word.startswith("-"):
            name, _, value = word.lstrip("-").partition("=")
            takes_value = name in VALUE_FLAGS
            if takes_value and not value and i + 1 < len(words):
                value, i = words[i + 1], i + 1
            flags[name] = value or True
        else:
            args.append(word)
        i += 1
    return args, flags


# "rollout undo the node-log-agent ds": a name between an article and its kind's short word, as kubectl writes it
SPOKEN_KIND = re.compile(r"^(\s*(?:kubectl\s+|k\s+)?(?:rollout\s+\w+|get|describe|logs)\s+)(?:the\s+)([\w.-]+)\s+"
                         r"(deploy|deployment|sts|statefulset|ds|daemonset|svc|service|cm|configmap|pod|po|cronjob|cj|job|pvc)\b",
                         re.IGNORECASE)


# kubectl's flags that take a value, wherever they stand ("kubectl -n crew get pods", "--context prod get nodes")
VALUE_FLAGS = ("n", "namespace", "o", "output", "c", "container", "l", "selector", "tail", "since", "field-selector", "from",
               "replicas",
               "revision", "to-revision", "for", "context", "cluster", "user", "kubeconfig", "s", "server", "as", "request-timeout",
               "L", "label-columns", "sort-by")
LEADING_FLAGS = re.compile(r"^(\s*(?:kubectl|k)\s+)((?:--?[\w-]+(?:=\S+)?\s+)+)(\S.*)$", re.IGNORECASE | re.DOTALL)


def _verb_first(text: str) -> str:
    """kubectl reads its flags anywhere: "kubectl -n crew get cm x" is "kubectl get cm x -n crew". The flags before the
    verb (with the values of those that take one) move after it; anything else is left as typed."""
    match = LEADING_FLAGS.match(text)
    if match is None:
        return text
    words, flags = (match.group(2) + match.group(3)).split(), []
    while words and words[0].startswith("-"):
        flag = words.pop(0)
        flags.append(flag)
        if "=" not in flag and flag.lstrip("-") in VALUE_FLAGS and words:
            flags.append(words.pop(0))
    if not words or words[0].lower() not in VERBS:
        return text
    command, bar, piped = " ".join(words).partition("|")
    return f"{match.group(1)}{command.rstrip()} {' '.join(flags)}" + (f" |{piped}" if bar else "")


def translate(text: str) -> KubectlQuestion | None:
    """The question a kubectl command asks, or None when the text is not one. A remark after the command ("get secret
    x -o yaml, i need the value") is the person's, not kubectl's: the command is read without it."""
    text = SPOKEN_KIND.sub(lambda m: f"{m.group(1)}{m.group(3)}/{m.group(2)}", _verb_first(AROUND.sub("", text)))
    command, bar, piped = text.partition("|")
    if bar and (grepped := GREP.match(piped)) and (read := translate(command)) is not None:
        if not read.subject and read.question.startswith("any warnings"):  # "get events -n x | grep Failed": those rows
            return read.model_copy(update={"question": f"{read.question} matching {grepped.group('word').strip(chr(39) + chr(34))}",
                                           "form": "cluster_warnings"})
        if not read.subject:
            return read  # "get pods -n x | grep Error": the listing (every row is shown)
        if read.form == "logs":  # "logs deploy/x | grep 401": its lines with that pattern
            return read.model_copy(update={"question": f"{read.question} matching {grepped.group('word').strip(chr(39) + chr(34))}"})
        # "get deploy x -o yaml | grep -A3 readinessProbe": that field of the object
        field = grepped.group("word").strip("'\"")
        return KubectlQuestion(question=f"what is the {field} field of {read.subject}", namespace=read.namespace,
                               form="property", subject=read.subject, kind=read.kind)
    if bar and TAIL.match(piped) and (read := translate(command)) is not None and read.form == "describe" and read.subject:
        # "describe po x | tail -3": describe's last section is its Events -- the object's latest events
        return KubectlQuestion(question=f"events for {read.subject}", namespace=read.namespace, form="events",
                               subject=read.subject, kind=read.kind)
    command, comma, remark = text.partition(", ")
    if comma and remark and (read := translate(command)) is not None:
        if read.subject and ASKS.match(remark):  # "get deploy x -o yaml, whats the rollout strategy": that, of x
            return KubectlQuestion(question=f"{remark.rstrip('?. ')} of {read.subject}", namespace=read.namespace)
        return read
    match = COMMAND.match(text)
    if match is None:
        return typed_write_command(text)
    args, flags = _split(text[match.end():])
    verb = match.group(1).lower()
    namespace = flags.get("n") or flags.get("namespace")
    namespace = namespace if isinstance(namespace, str) else None
    if verb == "get" and len(args) == 1 and "," in args[0] and all(_kind(k) for k in args[0].split(",")):
        # "get cronjob,jobs -n grooming", "get sts,pdb": kubectl lists each kind in turn -- so does the answer
        kinds = list(dict.fromkeys(_kind(k) for k in args[0].split(",")))
        plural = " and ".join(SAID.get(k or "", (str(k).lower(), f"{str(k).lower()}s"))[1] for k in kinds)
        return KubectlQuestion(question=f"what {plural} are {f'in {namespace}' if namespace else 'there'}",
                               namespace=namespace, form="list_kind", kind=kinds[0])
    back_to = ""  # "rollout undo report-renderer to 2.6.4": where the undo goes, said after the name
    if verb == "rollout" and len(args) >= 3 and args[0].lower() == "undo" and args[-2].lower() == "to":
        back_to, args = f" to {args[-1]}", args[:-2]
    if verb == "rollout" and isinstance(revision := flags.get("to-revision"), str):
        back_to = f" to revision {revision}"  # --to-revision=1: the revision named, never merely the previous one
    names = [a for a in (args[1:] if verb == "rollout" else args) if not _kind(a) or "/" in a]
    if any(not NAME.fullmatch(a.lower()) or a.lower() in NOT_NAMES for a in names) or len(names) > (3 if verb == "rollout" else 1):
        return None  # "describe the broken pod", "get a coffee": English, not a command line
    kind, name = None, None
    if args and "/" in args[0]:  # deploy/hl7-bridge
        kind, _, name = args[0].partition("/")
        kind = _kind(kind)
    elif args and _kind(args[0]):
        kind, name = _kind(args[0]), (args[1] if len(args) > 1 else None)
    elif args:
        name = args[0]
    where = f" in namespace {namespace}" if namespace else ""
    said = SAID.get(kind or "", (kind.lower() if kind else "", kind.lower() + "s" if kind else ""))
    if verb == "logs":
        target = name or (args[0] if args else None)
        if not target:
            return None
        previous = " before it restarted" if flags.get("p") or flags.get("previous") else ""
        container = flags.get("c") or flags.get("container")
        previous += f" of container {container}" if isinstance(container, str) else ""
        return KubectlQuestion(question=f"show me the logs of {target}{previous}", namespace=namespace, form="logs",
                               subject=name or target.partition("/")[2] or target, kind=kind)
    if verb == "rollout":
        sub = args[0].lower() if args else ""
        rest = _split(" ".join(args[1:]))[0] if len(args) > 1 else []
        while rest and rest[0].lower() in NOT_NAMES:  # "rollout history of the notice-api deployment"
            rest = rest[1:]
        target = rest[0].partition("/")[2] or rest[0] if rest else None
        if rest and "/" not in rest[0] and _kind(rest[0]) and len(rest) > 1:
            target = rest[1]
        if not target:
            return None
        revision = flags.get("revision")
        asked = {"history": f"rollout history of {target}" + (f" revision {revision}" if isinstance(revision, str) else ""),
                 "status": f"did the {target} rollout finish",
                 "undo": f"roll back {target}{back_to}", "restart": f"restart {target}"}.get(sub)
        form = {"history": "history", "status": "rollout_state"}.get(sub)  # (a change request is read by its own words)
        return KubectlQuestion(question=asked, namespace=namespace, form=form, subject=target if form else None,
                               kind=_kind(rest[0].partition("/")[0]) if form and rest else None) if asked else None
    if verb == "events" or kind == "Event":
        selected = dict(re.findall(r"([\w.]+)==?([^,\s]+)", str(flags.get("field-selector") or "")))
        subject = flags.get("for") or selected.get("involvedObject.name")
        where_said = f" in namespace {namespace}" if namespace else ""
        if selected.get("reason") and not isinstance(subject, str):  # "--field-selector reason=SuccessfulRescale"
            return KubectlQuestion(question=f"events with reason {selected['reason']}{where_said}", namespace=namespace,
                                   form="cluster_warnings")
        if isinstance(subject, str):
            return KubectlQuestion(question=f"events for {subject.partition('/')[2] or subject}", namespace=namespace)
        return KubectlQuestion(question=f"any warnings in {'namespace ' + namespace if namespace else 'the cluster'}",
                               namespace=namespace)
    if verb == "top":
        what = "nodes" if kind == "Node" else "pods"
        each = " per container" if what == "pods" and flags.get("containers") else ""
        chosen = flags.get("l") or flags.get("selector")
        if what == "pods" and isinstance(chosen, str) and (named := SELECTED_NAME.search(chosen)):
            # "top po -l app=ticketing-web": the pods of the workload the label names, against its own requests/limits
            return KubectlQuestion(question=f"how much cpu do the {named.group(1)} pods use{each}", namespace=namespace,
                                   subject=named.group(1))
        return KubectlQuestion(question=f"how much cpu and memory do the {what} use{where}{each}", namespace=namespace,
                               form="top")
    selector = flags.get("l") or flags.get("selector")
    selector = selector if isinstance(selector, str) else None
    if verb == "describe" and not name and selector and (named := SELECTED_NAME.search(selector)):
        # "describe pod -n gate -l app=appointment-api": the pods of the workload the label names
        return KubectlQuestion(question=f"describe the {named.group(1)} pod", namespace=namespace, form="describe",
                               subject=named.group(1), kind="Pod")
    if verb == "describe" and name:
        # a ConfigMap's or Secret's describe is what it holds (a Secret: key names) and who wrote it: its record
        return KubectlQuestion(question=f"describe {name}" + (f" {said[0]}" if kind else ""), namespace=namespace,
                               form="change_record" if kind in ("ConfigMap", "Secret") else "describe", subject=name, kind=kind)
    if verb == "describe" and kind and kind != "Pod" and namespace:
        # "describe limitrange -n notify": kubectl describes every one of the kind there -- read as the one there
        return KubectlQuestion(question=f"describe the {said[0]} in {namespace}", namespace=namespace, form="describe",
                               kind=kind)
    if kind is None:
        return KubectlQuestion(question=f"status of {name}", namespace=namespace) if name else None
    if name is None:  # get pods -n ops, get pvc -A
        if kind == "Pod":  # kubectl's pod table: each pod's status, readiness, restarts and node (-l: the ones it selects)
            return KubectlQuestion(question=f"what pods are {f'in {namespace}' if namespace else 'there'}"
                                            + (f" with labels {selector}" if selector else "")
                                            + (" and their labels" if flags.get("show-labels") else ""),
                                   namespace=namespace, form="list_kind", kind="Pod")
        scope = f"in {namespace}" if namespace else "there"
        return KubectlQuestion(question=f"what {said[1]} are {scope}" + (f" with labels {selector}" if selector else ""),
                               namespace=namespace, form="list_kind", kind=kind)
    if kind in ("ConfigMap", "Secret"):
        return KubectlQuestion(question=f"whats in the {name} {said[0]}", namespace=namespace, form="change_record",
                               subject=name, kind=kind)
    output = flags.get("o") or flags.get("output")
    if isinstance(output, str) and len(paths := JSONPATHS.findall(output)) > 1:
        # "-o jsonpath='{.spec.schedule} {.spec.concurrencyPolicy}'": each field a path ends at, of that object
        fields = " and ".join(dict.fromkeys(re.split(r"(?<!\\)\.", p.split("[")[0])[-1].replace("\\.", ".") for p in paths))
        return KubectlQuestion(question=f"what is the {fields} field of {name}", namespace=namespace, form="property",
                               subject=name, kind=kind if kind != "Endpoints" else "Service")
    if isinstance(output, str) and (path := JSONPATH_FIELD.search(output)):
        # "-o jsonpath='{.spec.template.spec.containers[0].resources.limits}'": the field the path ends at, of that object
        field = path.group("field").replace("\\.", ".")
        if field in SHARED_LEAVES and path.group("parent"):
            field = f"{path.group('parent')} {field}"
        return KubectlQuestion(question=f"what is the {field} field of {name}", namespace=namespace, form="property",
                               subject=name, kind=kind if kind != "Endpoints" else "Service")
    # "get sc gp3 -o yaml", "get hpa x": that object's state, by the kind kubectl was told (never a listing of the kind)
    return KubectlQuestion(question=f"status of the {name} {said[0]}", namespace=namespace, form="status", subject=name,
                           kind=kind if kind != "Endpoints" else "Service")


# kubectl's verbs that change an object (rollout undo/restart and scale have pinned tools of their own), read for the
# object they change (the command itself is pinned as typed:
# chat/act/typed_commands.py); "set resources deploy/x": the subcommand before the object; flags anywhere ("-n x patch")
WRITE_VERBS = ("patch", "set", "label", "annotate", "taint")
SET_SUBCOMMANDS = ("resources", "image", "env", "selector", "serviceaccount", "subject")


def typed_write_command(text: str) -> KubectlQuestion | None:
    """A kubectl write typed whole, as the change request on the object it names; None for anything else."""
    head = re.match(r"^\s*(?:kubectl|k)\s+", text, re.IGNORECASE)
    if head is None:
        return None
    args, flags = _split(text[head.end():])
    if args and (said := _said_as_request(args, flags)) is not None:
        return said
    if not args or args[0].lower() not in WRITE_VERBS:
        return None
    args = args[2:] if args[0].lower() == "set" and len(args) > 1 and args[1].lower() in SET_SUBCOMMANDS else args[1:]
    namespace = flags.get("n") or flags.get("namespace")
    kind, name = _object_of(args, bare=False)
    if not name or not NAME.fullmatch(name.lower()):
        return None
    return KubectlQuestion(question=text.strip(), namespace=namespace if isinstance(namespace, str) else None,
                           form="write_request", subject=name, kind=kind)


def _object_of(args: list[str], *, bare: bool) -> tuple[str | None, str | None]:
    """(kind, name) of the object a kubectl command's arguments name: kind/name or kind name (`bare`: a name alone too,
    as cordon and drain take a node's)."""
    if args and "/" in args[0]:
        kind, _, name = args[0].partition("/")
        return _kind(kind), name
    if len(args) > 1 and _kind(args[0]):
        return _kind(args[0]), args[1]
    return None, (args[0] if bare and args else None)


def _said_as_request(args: list[str], flags: dict[str, str | bool]) -> KubectlQuestion | None:
    """kubectl's verbs whose change chat pins with a tool of its own -- scale, delete, cordon, uncordon, drain, create job
    --from=cronjob/x -- said again as the request the forms read ("scale web to 3", "delete pod x", "create a job from
    cronjob/x"), so the same planner pins it as if it were asked in words."""
    verb, rest = args[0].lower(), args[1:]
    namespace = flags.get("n") or flags.get("namespace")
    namespace = namespace if isinstance(namespace, str) else None
    kind, name = _object_of(rest, bare=True)
    source = flags.get("from")
    if verb == "create" and kind == "Job" and isinstance(source, str) and "/" in source:
        # "create job NAME --from=cronjob/x": a run of that CronJob started by hand (NAME is the new Job's)
        return KubectlQuestion(question=f"create a job from cronjob/{source.partition('/')[2]}", namespace=namespace)
    if not name or not NAME.fullmatch(name.lower()):
        return None
    replicas = flags.get("replicas")
    if verb == "scale" and isinstance(replicas, str) and replicas.isdigit():
        return KubectlQuestion(question=f"scale {name} to {replicas}", namespace=namespace)
    if verb == "delete" and kind in ("Pod", "Job"):
        return KubectlQuestion(question=f"delete {SAID[kind][0]} {name}", namespace=namespace)
    if verb in ("cordon", "uncordon", "drain") and kind in (None, "Node"):
        return KubectlQuestion(question=f"{verb} node {name}", namespace=namespace)
    return None
