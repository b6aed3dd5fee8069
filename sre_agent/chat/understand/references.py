"""Which resource a question is about: a name resolved by the kubernetes `find_resource` tool (never
by a list of known names), or -- for "it", "its logs", "roll it back" -- the conversation's focus."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ...graph.coverage import reached_backend
from ..answer.pods import owner_id, pod_trouble
from ..ask import Ask
from ..models import Answer
from .clauses import request_part
from .context_names import focus_by_word, kind_of, name_of, several_fit, word_of_focus
from .described_by_state import described_by_state
from .exact_names import best_match, named_exactly, workload_of_service, workload_running
from .forms import ENV_NAME, KIND_WORDS, kind_nouns
from .intent_model import VERSION
from .kinds_said import ROLLABLE, SECRET_ATTRIBUTE, config_described, config_read_by, run_of, secret_in_talk, which_of_kind
from .named_targets import full_name_beside, key_holder_named, token_of_one
from .names import best_names, generated_from, joined_words, match_score, tokens
from .namespaces_said import namespaces
from .roles import role_named


async def _named_in_question(ask: Ask, skip: str | None = None) -> str | None:
    """A resource one of the question's own words names exactly: the antecedent of "it" in a context
    clause ("woke up to a search latency page, is it still a problem?"), or the word a pattern should
    have caught ("search is one replica short, what's going on")."""
    hint = ask.recognised.kind_hint
    # a run's question ("are its runs ok") may name a CronJob, which find_resource does not look for unasked
    kinds = [*RUNS_LOOKED_FOR, "CronJob", "Job"] if hint in ("Job", "CronJob") else None
    for word in [w for w in ask.recognised.candidates if w != skip][:5]:
        chosen = await named_exactly(ask, word, kinds=kinds, kind_hint=hint)
        if chosen:
            return chosen
    return None


RUNS_LOOKED_FOR = ["Deployment", "StatefulSet", "DaemonSet", "Service", "Pod", "Node"]  # find_resource's defaults (reads.py)
WRITE_FORMS = ("write_request", "node_or_pod_write", "rollback_request")
PRONOUN_SUBJECT = re.compile(r"\b(it|they|them)\b", re.IGNORECASE)
# "and tle-sync, are its runs ok"; "someone edited booking-api-config today, revert that" (a bare "that", not "that pod")
PRONOUN_OR_POSSESSIVE = re.compile(r"\b(it|its|they|them|their)\b|\bthat\b(?!\s+[a-z])", re.IGNORECASE)
PLURAL_NOUN = {"Node": "nodes", "Pod": "pods", "Job": "jobs", "PersistentVolumeClaim": "(pvcs|claims)", "Secret": "secrets",
               "ConfigMap": "config ?maps"}
POSSESSED_PODS = re.compile(r"\b(its|their|it.s)\s+(\w+\s+)?pods?\b", re.IGNORECASE)
ONE_POD = re.compile(r"\bpod\b|\bone\s+of\s+(the\s+|its\s+)?[\w\s-]*\bpods\b", re.IGNORECASE)  # one Pod; "pods" are a workload's
# forms that look wider (namespace, else cluster) when no object matches
SYMPTOM_FORMS = ("why_failing", "job_ran", "fix_it", "dependents", "past_incidents", "onset")
# Kinds chat resolves by listing them (find_resource's default kinds are the workloads, Pods, Services and Nodes).
LISTED_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Service", "CronJob", "Job")
NAMED_KINDS = {"PersistentVolumeClaim", "Job", "CronJob", "ConfigMap", "Secret", "ResourceQuota", "StorageClass", "Node",
               "Pod", "StatefulSet", "DaemonSet", "Deployment", "Service", "HorizontalPodAutoscaler", "NetworkPolicy",
               "LimitRange", "PodDisruptionBudget"}


# "what secret does X read", "which configmap do they mount": an interrogative on a kind noun asks for an object of
# that kind -- the noun is the answer, not the subject.
ASKED_FOR = re.compile(r"^\s*(?:what|which)\s+([a-z]+)\s+(?:does|do|did)\b", re.IGNORECASE)


def _question_kind(ask: Ask) -> str | None:
    """The kind a noun in the question names ("the pvc", "that job", "node X"), when it is not a workload
    word a name might carry."""
    if not ask.recognised.noun_is_subject:
        return None
    nouns = [k for k in kind_nouns(ask.question) if k in NAMED_KINDS]
    if POSSESSED_PODS.search(ask.question) or not ONE_POD.search(ask.question):
        nouns = [k for k in nouns if k != "Pod"]  # "restart its pods", "status of the search pods": the workload's pods
    if ask.form == "placement":
        nouns = [k for k in nouns if k != "Node"]  # "which node is that pod on": the node is the answer
    if (sought := ASKED_FOR.search(ask.question)) and len(nouns) > 0:
        # "what secret does ticket-api read its password from": the Secret is the answer; ticket-api the subject
        nouns = [k for k in nouns if k != KIND_WORDS.get(sought.group(1).lower().rstrip("s"))]
    if PRONOUN_SUBJECT.search(ask.question):  # "why can't it go on the data nodes": "it" is the subject, the nodes a place
        nouns = [k for k in nouns if not re.search(rf"\b{PLURAL_NOUN.get(k, '~')}\b", ask.question, re.IGNORECASE)]
    return nouns[0] if nouns else None


WORKLOAD_ATTRIBUTE = re.compile(r"\b(replicas?|pods?|restarts?|restarting|image|tag|probes?|limits?|requests?|rollout)\b",
                                re.IGNORECASE)  # what a workload has and a ConfigMap or Secret does not
CLAUSE_END = re.compile(r"[?;,]|\s-\s")


def _named_then_pronoun(ask: Ask) -> bool:
    """"booking-db fine? which node is it on": a clause that names an object, then "it" in the next -- the
    object named, not the conversation's earlier focus."""
    parts = CLAUSE_END.split(ask.question, maxsplit=1)
    if len(parts) < 2 or PRONOUN_OR_POSSESSIVE.search(parts[0]) or not PRONOUN_OR_POSSESSIVE.search(parts[1]):
        return False
    first = parts[0].lower()
    return any(re.search(rf"(?<![\w-]){re.escape(word.lower())}(?![\w-])", first) for word in ask.recognised.candidates)


async def _by_kind(ask: Ask, kind: str) -> str | None:
    """"the pvc" / "that job": the last discussed object of that kind, else the only one in the namespace in
    context (the question's, -n's, else the focus's)."""
    for rid in ask.focus:
        if kind_of(rid) == kind:
            return rid
    namespace = ask.namespace or next((parse_resource_id(r)[0] for r in ask.focus if parse_resource_id(r)[0]), None)
    if namespace is None and ask.form in WRITE_FORMS:
        return None  # a change is never aimed by a cluster-wide guess ("raise the quota" cold: which one?)
    if kind == "Pod" and ask.focus:  # "delete that pod" after talking about its workload (or the Service in front of it)
        pod = await _pod_of(ask, ask.focus[0])
        if pod:
            return pod
    root = str((ask.last_diagnosis or {}).get("resource") or "")
    if kind in ("ConfigMap", "Secret") and kind_of(root) == kind:
        return root  # "which cm" after a diagnosis that put the root cause in a ConfigMap: that one
    if kind == "Secret" and ask.focus and (secret := await secret_in_talk(ask)):
        return secret  # "do the secrets hold the new password" after "Secret X changed at ...": X
    if kind in ("ConfigMap", "Secret") and ask.focus and (read := await config_read_by(ask, ask.focus[0], kind)):
        return read  # "add the key back to the cm" after talking about its workload: the one it reads
    listed = await ask.call("kubernetes", "get_resources", {"kind": kind, "limit": 500,
                                                            **({"namespace": namespace} if namespace else {})})
    items = (listed.data or {}).get("items") or []
    if len(items) == 1:
        item = items[0]
        return f"{item['namespace']}/{kind}/{item['name']}" if item.get("namespace") else f"{kind}/{item['name']}"
    return None


async def owner_of(ask: Ask, pod: str, kinds: tuple[str, ...] = ROLLABLE) -> str | None:
    """The workload a pod belongs to (a StatefulSet's member, a Deployment's replica; a Job's run when `kinds` says
    so), from its owner reference."""
    namespace, _, name = parse_resource_id(pod)
    described = await ask.call("kubernetes", "describe", {"kind": "Pod", "name": name, "namespace": namespace, "events_limit": 0})
    references: list[dict] = (((described.data or {}).get("object") or {}).get("metadata") or {}).get("ownerReferences") or []
    if not references:
        return None
    owner = owner_id({"namespace": namespace, "name": name, "owner": f"{references[0].get('kind')}/{references[0].get('name')}"})
    return owner if kind_of(owner) in kinds else None


async def _pod_of(ask: Ask, workload: str) -> str | None:
    """A workload's pod the question means: the one on a node the question names, else one in trouble, else the first."""
    namespace, _, name = parse_resource_id(workload)
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Pod", "limit": 2000,
                                                            **({"namespace": namespace} if namespace else {})})
    pods = [p for p in (listed.data or {}).get("items") or [] if p.get("name") == name or generated_from(str(p.get("name", "")), name)]
    words = set(ask.recognised.candidates)
    said = STATE_SAID.search(ask.question)
    state = (said.group(1) or "").lower() if said else ""
    pods.sort(key=lambda p: str(p.get("created") or ""), reverse=state in ("new", "newest", "latest"))
    # the node named, then the state said ("the pending pod"), then one in trouble (Running-but-unready is trouble)
    pods.sort(key=lambda p: (p.get("node") not in words,
                             state == "pending" and str(p.get("status")) != "Pending" and str(p.get("phase")) != "Pending",
                             state in ("new", "newest", "latest", "old", "oldest") or pod_trouble(p) is None))
    return f"{pods[0].get('namespace')}/Pod/{pods[0].get('name')}" if pods else None


STATE_SAID = re.compile(r"\b(pending|new|newest|latest|old|oldest)\s+[\w-]*\s*pods?\b", re.IGNORECASE)


async def _fuzzy(ask: Ask, words: list[str], kind: str | None) -> str | None:
    """A name the words stand for by stem, token or typo (names.match_score), among the objects listed."""
    # "the claims export job" is as often the CronJob as one of its runs: both are looked at, the CronJob first
    kinds = (["CronJob", "Job"] if kind == "Job" else [kind]) if kind else list(LISTED_KINDS)
    rows: list[tuple[str, str]] = []
    for listed_kind in kinds:
        listed = await ask.call("kubernetes", "get_resources", {"kind": listed_kind, "limit": 2000,
                                                                **({"namespace": ask.namespace} if ask.namespace else {})})
        rows += [(listed_kind, f"{i['namespace']}/{listed_kind}/{i['name']}" if i.get("namespace") else f"{listed_kind}/{i['name']}")
                 for i in (listed.data or {}).get("items") or []]
    ranked = best_names(words, list(dict.fromkeys(name_of(r) for _, r in rows)))
    if not ranked:
        return None
    top = ranked[0][0]
    tied = [n for s, n in ranked if s == top]
    # Equal matches: the name with the fewest tokens no word stands for ("claims export" is claims-export, not its
    # run claims-export-29923470)
    spare = {n: sum(1 for t in tokens(n) if not any(match_score(w, t) for w in words)) for n in tied}
    names = {n for n in tied if spare[n] == min(spare.values())}
    matches = [{"resource": rid, "exact": True} for _, rid in rows if name_of(rid) in names]
    chosen = best_match(matches, namespace=ask.namespace, kind_hint=kind or ask.recognised.kind_hint)
    if chosen and name_of(chosen) != words[0]:
        ask.notes.append(f"(no object is named {words[0]!r}; took the question to mean {chosen}, the closest name)")
    return chosen


async def fuzzy_named(ask: Ask, words: list[str], kind: str) -> str | None:
    """The object of `kind` the words stand for by stem, token or typo ("renewals" -> the subscription-renewals CronJob)."""
    return await _fuzzy(ask, words, kind)


# Kinds find_resource does not search by default: a name typed exactly ("events of data-broker-3") may be
# one of these, and is then meant over a workload whose name merely resembles it.
OTHER_KINDS = ("PersistentVolumeClaim", "Job", "CronJob", "ConfigMap", "Secret", "ResourceQuota", "HorizontalPodAutoscaler")


async def _exact_in_other_kinds(ask: Ask, subject: str) -> str | None:
    # a question about a run ("did last night's claims-submission run go ok") means a thing that runs, never
    # the Secret or ConfigMap that happens to carry the name exactly
    kinds = [k for k in OTHER_KINDS if ask.recognised.kind_hint != "Job" or k in ("Job", "CronJob")]
    return await named_exactly(ask, subject, kinds=kinds)


async def _container_named(ask: Ask, word: str) -> str | None:
    """The one workload (the conversation's, when several) with a container named `word`, saying it was read so."""
    from .inventory import container_owners, load_inventory

    owners = container_owners(word, await load_inventory(ask))
    owners = [k for k in owners if k.rid in ask.focus] or owners
    if len(owners) != 1:
        return None
    ask.notes.append(f"(took '{word}' to mean the {word} container of {owners[0].rid})")
    return owners[0].rid


async def _grounded(ask: Ask) -> str | Answer | None:
    """The question's words read against everything that exists (chat/understand/grounding.py): where the lookups by one
    subject word found nothing, a name typed with spaces or a typo, or a short question back listing the objects
    it fits."""
    from .grounding import grounded_subject  # grounding reads the inventory through this module's helpers

    if not ask.recognised.candidates:  # "show me its logs": no word that could name anything
        return None
    return await grounded_subject(ask, (ask.recognised.kind_hint,) if ask.recognised.kind_hint else ())


def pod_word(word: str, pod: str, matches: list[dict]) -> bool:
    """A pod found for a typed word is meant only when the word names it: typed exactly, or one or more of the name's
    whole dash-separated parts ("ingest" of ingest-worker-7d9f-x2k) -- never a word that merely begins one of them
    ("grade" of gradebook-export-29932630-xlwvp): a pod's generated name is not typed from memory."""
    if any(m.get("exact") and name_of(str(m.get("resource"))) == pod for m in matches):
        return True
    parts, typed = pod.lower().split("-"), [w for w in re.split(r"[\s_-]+", word.lower()) if w]
    return bool(typed) and all(w in parts for w in typed)


async def resolve(ask: Ask) -> str | Answer:
    """The resource id the question is about, or the answer to give instead (which one? not found?
    could not check?). "" means no one object: a symptom question that names none, or a question about a
    namespace, looks wider (the namespace, else the cluster)."""
    rec = ask.recognised
    subject = rec.subject
    asked_kind = _question_kind(ask)
    word_kind = KIND_WORDS.get(subject.lower().rstrip("s")) if subject else None
    if word_kind and subject and await named_exactly(ask, subject) is not None:
        word_kind = None  # "cms" (a kind's plural noun, ConfigMaps) is the Deployment cms where one is named exactly so
        if asked_kind == KIND_WORDS.get(subject.lower().rstrip("s")):
            asked_kind = None
    if subject and asked_kind and word_kind == asked_kind:
        subject = None  # "events of the pvc": the kind noun, not a name
    elif subject and not asked_kind and word_kind in NAMED_KINDS:
        # "raise the quota to 10Gi", "add X back to the cm": the kind noun is the object the request is for -- the one of
        # that kind the conversation points at, never the workload talked about
        subject, asked_kind = None, word_kind
    if subject is None and ask.form in WRITE_FORMS and (stated := await described_by_state(ask, word_kind or asked_kind)):
        return stated  # "delete the imagepullbackoff pods", "uncordon the cordoned deck node": the one in that state
    if subject is None and word_kind and word_kind == asked_kind and ask.form in WRITE_FORMS and \
            word_kind not in ROLLABLE and not await _by_kind(ask, word_kind):
        return await which_of_kind(ask, word_kind)  # a change is never moved onto an object of another kind
    if subject is None and rec.candidates and _named_then_pronoun(ask):  # "and tle-sync, are its runs ok": tle-sync's
        # ("someone edited booking-api-config today, revert that": a ConfigMap, which find_resource does not list unasked)
        named = await _named_in_question(ask)
        for word in [w for w in rec.candidates[:5] if "-" in w and not named]:
            named = await _exact_in_other_kinds(ask, word)
        if named:
            return named
    if subject and "-" not in subject and ask.form not in WRITE_FORMS and (full := await full_name_beside(ask, subject, named_exactly)):
        # "snow-report-api 5xx, app shows no lift status": the whole name of what exists beats a plain word a pattern
        # placed ("lift", a stem of lifts-db) -- never the state of another object than the one named
        subject = full
    if (subject is None or subject.upper() in ENV_NAME.findall(ask.question)) and ask.form in WRITE_FORMS and (
            held := await key_holder_named(ask)) is not None:
        return held  # "revert ACQUIRER_TIMEOUT_MS (to 4000)": the ConfigMap that holds the key named, never the focus
    if subject is None and ask.form in WRITE_FORMS and asked_kind == "Job":
        # a dashed name first, then a plain word a run's name starts with ("the running grooming job")
        for word in sorted([w for w in rec.candidates[:5] if "-" in w or len(w) >= 4], key=lambda w: "-" not in w):
            if run := await run_of(ask, word):
                return run  # "delete the running meter-import job": its run, never the CronJob of that name
    if subject is None and ask.form in WRITE_FORMS and ask.focus and not PRONOUN_OR_POSSESSIVE.search(request_part(ask.question)):
        # "delete both lesson-booking pods": a change whose own words name its target acts on that target, never on the
        # object the conversation was on -- "restart all the ingest pods" after scada-gateway: telemetry-ingest
        if (tokened := await token_of_one(ask, [w for w in rec.candidates[:5] if "-" not in w])) is not None:
            return tokened
        for word in [w for w in rec.candidates[:5] if "-" in w]:
            said = asked_kind if asked_kind not in (None, *LISTED_KINDS, "Pod", "Node") else None  # "the old pvc X": a claim
            if (named := await named_exactly(ask, word, kinds=[said] if said else None, kind_hint=rec.kind_hint or asked_kind)) \
                    and (not asked_kind or kind_of(named) == asked_kind):
                return named
    if subject is None and asked_kind:
        by_kind = await _by_kind(ask, asked_kind)
        if by_kind:
            return by_kind
    if subject is None and rec.candidates and not ask.focus:
        named = await _named_in_question(ask)
        if named:
            return named
    if subject is None and not ask.focus and ask.form in SYMPTOM_FORMS and rec.candidates:
        guessed = await _fuzzy(ask, rec.candidates, asked_kind or rec.kind_hint)  # "did it even run": which run
        if guessed:
            return guessed
    if subject is None:
        if not ask.focus:
            if ask.form in SYMPTOM_FORMS:
                return ""
            if (grounded := await _grounded(ask)) is not None:  # "donors db got evicted too??": donors-db
                return grounded
            return ask.answer("Which resource do you mean? Name it (e.g. a deployment or service name); "
                              "nothing earlier in this conversation says which.", status="needs_subject",
                              next_steps=["Ask again with the name, e.g. 'show me the logs of <service>'."])
        if ask.form in WRITE_FORMS and asked_kind and asked_kind not in ROLLABLE and \
                not any(kind_of(r) == asked_kind for r in ask.focus):
            return await which_of_kind(ask, asked_kind)  # "delete the X job" after a Deployment: never that Deployment
        last = ask.last_answer or {}
        if ask.form in (*SYMPTOM_FORMS, "change_record") and last.get("status") == "healthy" and \
                ask.focus[0] in (last.get("resources") or []) and \
                (troubled := next((r for r in ask.focus[1:] if r not in (last.get("resources") or [])), None)):
            # "why now" after "is it the cpu thing on X" found X healthy: the symptom is the incident's -- and "who
            # changed it" after "db down??" found the db fine asks about the change the trouble came from
            return troubled
        if (described := focus_by_word(ask)) is not None:
            return described  # "that debug deploy" after a quota's holders: the one object of the conversation so named
        if not PRONOUN_OR_POSSESSIVE.search(ask.question) and (role := await role_named(ask)) is not None:
            return role  # "mq down?" after talking about the db: what runs a message queue, not the db
        if ask.form not in WRITE_FORMS and not PRONOUN_OR_POSSESSIVE.search(ask.question) and (
                tokened := await token_of_one(ask, [w for w in rec.candidates[:5] if "-" not in w])) is not None:
            return tokened  # "where does the redis volume live" after trailer-transcoder: loyalty-redis, the one so named
        if kind_of(ask.focus[0]) in ("ConfigMap", "Secret") and (WORKLOAD_ATTRIBUTE.search(ask.question) or
                                                                 ask.form in SYMPTOM_FORMS) and (
                runs := next((r for r in ask.focus if kind_of(r) in ROLLABLE), None)):
            # "how many replicas does it want" after "who rotated it", "since when is it crashing" after "the configmap or
            # the secret?": the workload -- a ConfigMap has no replicas and never crashes
            return runs
        if kind_of(ask.focus[0]) in ROLLABLE and PRONOUN_OR_POSSESSIVE.search(ask.question) and \
                SECRET_ATTRIBUTE.search(ask.question) and not WORKLOAD_ATTRIBUTE.search(ask.question) and (
                secret := await secret_in_talk(ask)):
            return secret  # "who rotated it" after the workload whose logins fail: the Secret -- a Deployment is not rotated
        if rec.kind_hint == "Deployment" and kind_of(ask.focus[0]) in ROLLABLE:
            return ask.focus[0]  # a rollback's "it" after talking about a DaemonSet: that DaemonSet
        if rec.kind_hint in ROLLABLE and kind_of(ask.focus[0]) == "Service" and (
                fronted := await workload_of_service(ask, ask.focus[0])):
            return fronted  # "scale it" after talking about a Service: its own workload, not another one in the conversation
        preferred = [r for r in ask.focus if rec.kind_hint and kind_of(r) == rec.kind_hint]
        if not preferred and rec.kind_hint in ROLLABLE and kind_of(ask.focus[0]) == "Pod":
            owner = await owner_of(ask, ask.focus[0])  # "are the other members ok" after a member: its StatefulSet
            if owner:
                return owner
        if preferred or not rec.kind_hint:
            return (preferred or ask.focus)[0]
        subject = name_of(ask.focus[0])  # "roll it back" after talking about a Service: find its Deployment
    if subject.count("/") in (1, 2):
        try:
            parse_resource_id(subject)
            return subject
        except ValueError:
            pass
    # a kind no form hints by itself was said ("kubectl describe hpa snow-report"): only that kind, never the Deployment
    # of the same name
    said_kind = asked_kind or (rec.kind_hint if rec.kind_hint in NAMED_KINDS - {*LISTED_KINDS, "Pod", "Node"} else None)
    kind_arg = {"kinds": [said_kind]} if said_kind and said_kind not in LISTED_KINDS + ("Pod", "Node") else {}
    outcome = await ask.call("kubernetes", "find_resource", {"name": subject, **kind_arg})
    if outcome.error is not None and not reached_backend(outcome.error):
        return ask.answer(f"could not check kubernetes: {outcome.error.strip()}", status="unknown",
                          next_steps=["Check that the cluster is reachable (kubeconfig, --context) and ask again."])
    matches = (outcome.data or {}).get("matches") or []
    config_kind = next((k for k in kind_nouns(ask.question) if k in ("ConfigMap", "Secret")), None)
    if not any(m.get("exact") for m in matches) and config_kind and (
            described := await config_described(ask, config_kind, rec.candidates)):
        return described  # "revert the promo banner cm change": the ConfigMap holding PROMO_BANNER
    if not any(m.get("exact") for m in matches) and (in_focus := word_of_focus(ask, subject)) and not (
            ask.form in WRITE_FORMS and rec.kind_hint in ROLLABLE and kind_of(in_focus) in ("ConfigMap", "Secret")):
        # "which node is the db on" after timetable-db: the db the conversation is on, not another -- but a restart or a
        # scale of "the portal" is never its TLS Secret the conversation looked at: a Secret runs nothing
        return in_focus
    said_kind = said_kind or rec.kind_hint
    if not any(m.get("exact") for m in matches) and said_kind in (None, *ROLLABLE, "Pod", "Job", "CronJob") and (
            running := await _container_named(ask, subject)):  # (never when the kind said runs no containers: "the x cm")
        return running  # "bump envoy to 512Mi": the workload whose container is envoy, not a ConfigMap called x-envoy
    if not any(m.get("exact") for m in matches) and (several := await several_fit(ask, subject, matches,
                                                                                  asked_kind or rec.kind_hint)):
        return several  # "the worker" with four workers: the conversation's, or a short question -- never a silent pick
    chosen = best_match(matches, namespace=ask.namespace, kind_hint=rec.kind_hint or asked_kind)
    if chosen and kind_of(chosen) == "Pod" and not pod_word(subject, name_of(chosen), matches):
        chosen = None  # "grade emails": "grade" begins gradebook-export's run pods but names none -- no object is meant
    # a name typed whole stays typed whole when its pod or its run is what is meant ("the records db pod": records-db's
    # pod, never the Secret records-db for want of a pod named exactly so)
    named_whole = any(m.get("exact") and m.get("resource") == chosen for m in matches)
    if chosen and asked_kind == "Pod" and kind_of(chosen) != "Pod":
        chosen = await _pod_of(ask, chosen) or chosen  # "the log-shipper pod on node X"
    elif chosen and (run_kind := asked_kind or rec.kind_hint) in ("Job", "CronJob") and kind_of(chosen) not in (
            "Job", "CronJob") and outcome.error is None:
        # "rerun the reindex job", "did last night's claims-submission run go ok": a Job, not a pod named so
        chosen = await _fuzzy(ask, [subject], run_kind) or chosen
    if chosen is None and outcome.error is None:
        chosen = await _named_in_question(ask, skip=subject)
    exact = named_whole or any(m.get("exact") and m.get("resource") == chosen for m in matches)
    if not exact and ask.form not in WRITE_FORMS and outcome.error is None and subject in await namespaces(ask):
        ask.namespace = subject  # "what about billing": the namespace, not billing-db whose name merely contains it
        return ""
    if (chosen is None or not exact) and outcome.error is None and not kind_arg:
        # a name typed exactly ("did the last notam-sync run work": the CronJob) is meant over an object whose
        # name merely starts with it (one of its Jobs' pods)
        chosen = await _exact_in_other_kinds(ask, subject) or chosen
    if chosen is None and outcome.error is None and subject in await namespaces(ask):
        ask.namespace = subject  # "how's treasury looking": the namespace's health
        return ""
    if chosen is None and outcome.error is None and (role := await role_named(ask)) is not None:
        return role  # "is the queue backed up": what runs rabbitmq, never the object the conversation was on
    if chosen is None and outcome.error is None:
        words = [*joined_words(ask.question, rec.candidates), subject, *[w for w in rec.candidates if w != subject]] \
            if ask.form in SYMPTOM_FORMS else [subject]
        chosen = await _fuzzy(ask, words, asked_kind)
    if chosen is None and VERSION.fullmatch(subject) and (running := await workload_running(ask, subject)):
        ask.notes.append(f"({subject} is the version {running} runs now)")
        return running  # "roll back 3.4.0": the workload whose live image carries that tag, not the one talked about
    if chosen is None and ask.form in SYMPTOM_FORMS:
        return ""
    if chosen is None and outcome.error is None and ask.form in WRITE_FORMS and \
            (stated := await described_by_state(ask, asked_kind)) is not None:
        # "uncordon the patched node": no object is named so, and the change names the state its object is in (the
        # cordoned node) -- never the object the conversation is on, which may not be in that state at all
        ask.notes.append(f"(no object is named {subject!r}; took the question to be about {stated}, the one the change "
                         "applies to)")
        return stated
    if chosen is None and outcome.error is None and ask.focus and not (ask.form in WRITE_FORMS and any(
            "-" in word or "_" in word for word in [subject, *rec.candidates])):
        # (never for a change whose words carry a name: "delete secret paynova-credentials" is never the Service the
        # conversation is on, whatever word was taken for its subject)
        # No object has that name ("what image does it go back to", "how much memory does each replica ask
        # for"): the word was not a name, and the conversation says what the question is about.
        chosen = next((r for r in ask.focus if asked_kind and kind_of(r) == asked_kind), ask.focus[0])
        ask.notes.append(f"(no object is named {subject!r}; took the question to be about {chosen}, which this "
                         "conversation is about)")
        return chosen
    if chosen is None and (grounded := await _grounded(ask)) is not None:
        return grounded
    if chosen is None:
        return ask.answer(f"Found no Deployment, StatefulSet, DaemonSet, Service, Pod or Node whose name contains "
                          f"{subject!r}.", status="answered",
                          next_steps=["Check the name (kubectl get deploy,svc -A), or ask 'what's broken?'."])
    return chosen
