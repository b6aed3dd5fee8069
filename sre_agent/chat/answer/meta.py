"""Questions no form reads: never a dead end -- an imperative change is weighed as one, a page (a symptom said) is
investigated, the form the classifier is sure of answers, else the nearest grounded thing (the state of the object the
question names, or what is wrong in its scope now), saying what it did not read."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ..ask import HANDLERS, Ask, handles, settle
from ..models import Answer
from ..understand.forms import form_spec, kind_nouns
from ..understand.grounding import diagnosis_words, grounded_subject
from ..understand.intent_model import guess_intent
from ..understand.names import joined_words
from ..understand.namespaces_said import namespace_named
from ..understand.references import OTHER_KINDS, PRONOUN_OR_POSSESSIVE, fuzzy_named, kind_of, name_of, named_exactly
from ..understand.roles import role_named
from .config_refs import config_users
from .config_sources import setting_in_words
from .config_values import describe_object
from .facts import SPEC_SAID_WHOLE
from .fault_kinds import categories_named
from .grounded_search import found_by_words
from .nodes import group_nodes
from .plain_forms import describe_answer, state_and_facts
from .previous_values import previous_value
from .runs import cronjob_of
from .secret_values import VALUE_ASKED, secret_asked
from .spec_fields import fields_asked

SCHEDULE_WORDS = re.compile(r"\b(schedule|deadline|backoff|concurrency|overlap\w*|suspend\w*|how\s+often|frequency|cron|"
                            r"time\s*zone)\b", re.IGNORECASE)
# What an attribute the question asks about belongs to: "whats the hpa max" is a workload's, "its schedule" a CronJob's.
ATTRIBUTE_OWNERS = (
    (re.compile(r"\b(hpa|autoscal\w*|horizontalpodautoscalers?|replicas?)\b", re.IGNORECASE), ("Deployment", "StatefulSet")),
    (SCHEDULE_WORDS, ("CronJob", "Job")),
    (re.compile(r"\b(storage\s*class|claims?|pvcs?|volumes?)\b", re.IGNORECASE), ("StatefulSet", "PersistentVolumeClaim")),
    # where a workload's pods may go: its tolerations, affinity and nodeSelector (not a node's own taints;
    # before a Service's selector: "node selector" is the pods')
    (re.compile(r"\b(tolerat\w*|anti-?affinity|affinity|node\s*selector)\b", re.IGNORECASE),
     ("Deployment", "StatefulSet", "DaemonSet", "Pod", "CronJob", "Job")),
    (re.compile(r"\b(selector|target\s*port|endpoints?)\b", re.IGNORECASE), ("Service",)),
    (re.compile(r"\b(taints?|allocatable|instance\s*type|capacity)\b", re.IGNORECASE), ("Node",)),
    # a container's own settings: whatever runs pods, never the ConfigMap or Secret talked about last
    (re.compile(r"\b(cpu|memory|mem|limits?|requests?|image|restarts?|probes?|env)\b", re.IGNORECASE),
     ("Deployment", "StatefulSet", "DaemonSet", "Pod", "CronJob", "Job")),
    # a rollout, its conditions, the pods or versions serving: a workload's, never a ConfigMap talked about last
    (re.compile(r"\b(rollouts?|conditions?|pods?|serv(e|es|ing)|versions?|tags?|revisions?)\b", re.IGNORECASE),
     ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job")),
)


# What a ResourceQuota counts: "and pods / memory?" right after its usage is about the same quota.
QUOTA_RESOURCES = re.compile(r"\b(pods?|memory|mem|cpu|storage|services?|secrets?|configmaps?|claims?|pvcs?)\b", re.IGNORECASE)


@handles("unrecognised", needs=("kubernetes",))
async def unrecognised(ask: Ask) -> Answer:
    """Not a form the offline brain knows: never a dead end. The nearest grounded thing -- the state of the object
    the question names (or the conversation is about), else what is wrong in its scope now -- in a short answer that
    says what it did not read."""
    # "what taints should the ops nodes have": a node group's -- but "why didn't they land on the general nodes" asks why
    # the conversation's pods did not, which their investigation says (the scheduler's words)
    if not (WHY_ASKED.match(ask.question) and ask.focus) and (group := await group_nodes(ask)) is not None:
        return group
    if WHY_ASKED.match(ask.question) and ask.focus and kind_of(ask.focus[0]) in INVESTIGATED and \
            re.search(r"\b(land|go|run|schedule|move|fit|start)\b", ask.question, re.IGNORECASE):
        return await _investigated(ask, ask.focus[0])
    if VALUE_ASKED.search(ask.question) and (credential := await secret_asked(ask)) is not None:
        credential.form = "config_value"  # read as the credential question it is
        return credential  # "whats the PSP api key, i want to test by hand": where it lives, never its value
    confident = guess_intent(ask.question, previous_form(ask.last_answer))
    asks_other = confident is not None and confident.confidence >= SURE and confident.intent not in VALUE_INTENTS
    if not asks_other and (setting := await setting_in_words(ask)) is not None:  # "whats the dedup window on the normaliser"
        return setting  # -- unless the question surely asks something else ("is it the banner change": a blame)
    if (before := await previous_value(ask)) is not None:  # "what was the grace period before"
        return before
    chosen, why = None, ""
    owners = next((kinds for pattern, kinds in ATTRIBUTE_OWNERS if pattern.search(ask.question)), ())
    # "the billing-api service selector": of the names, the Service; "what does the pressure cache do": two words
    # typed for a dashed name
    # a kind no workload's name carries, said outright ("what does the LimitRange in notify set"): the object is of it
    hint = ask.recognised.kind_hint or next((k for k in kind_nouns(ask.question) if k in SPEC_SAID_WHOLE), None)
    grounded = await grounded_subject(ask, tuple(owners) or ((hint,) if hint else ()))  # named, among what exists now
    if isinstance(grounded, Answer):
        return grounded
    # the form the question reads like, learned from labelled phrasings, about the object it names -- before the
    # nearest grounded thing, which answers only where the model is not confident
    if hint in SPEC_SAID_WHOLE and isinstance(grounded, str) and kind_of(grounded) != hint:
        grounded = None  # "the LimitRange in notify": a kind no workload's name carries, said -- never a look-alike name
    if isinstance(grounded, str) and kind_of(grounded) in ("Secret", "ConfigMap") and ask.focus and not hint and \
            name_of(grounded).lower() not in ask.question.lower():
        # "is that why night crew got no sms": a word that is one token of a Secret's name is no question about that
        # Secret -- the conversation's object stays the subject (a Secret's "looks healthy" would answer nothing asked)
        grounded = None
    if not (isinstance(grounded, str) and grounded) and ask.focus and LIMITS_SAID.search(ask.question):
        grounded = ask.focus[0]  # "limit 2Gi request 1Gi on the worker": the conversation's workload when none is named
    if isinstance(grounded, str) and grounded and (CHANGE_ASKED.match(ask.question) or LIMITS_SAID.search(ask.question)) \
            and await _pinnable(ask):
        # "restore ticketing-web cpu request 250m and limit 1": an imperative change of a named object is a change
        # request, whatever read-only question its words also resemble (the model had read it as 'version')
        ask.resource = grounded
        tried = await HANDLERS["write_request"].handler(ask)
        tried.form = "write_request"
        return tried
    if isinstance(grounded, str) and kind_of(grounded) in INVESTIGATED and _paged(ask.question) and not asks_other:
        # "session svc 5xx thru the roof": a symptom of a named workload, said rather than asked -- a page: why it
        # fails, over a reading the classifier is not sure of (it had read 'property', the Service's sessionAffinity)
        return await _investigated(ask, grounded)
    if (learned := await _learned_form(ask, grounded)) is not None:
        return learned
    if grounded:
        chosen, why = grounded, "which the question names"
    elif (named_namespace := await namespace_named(ask)) is not None:
        # "what does the LimitRange in notify set": a kind said and the one object of it there
        found = await _of_kind(ask, hint, named_namespace) if hint else None
        if found is not None and len(found) == 1:
            ask.resource = found[0]  # named by its kind where it is the only one: what it holds is what is asked
            return await describe_answer(ask)
        if found == [] and hint in SPEC_SAID_WHOLE:
            return ask.answer(f"There is no {hint} in namespace {named_namespace}", status="answered",
                              next_steps=[f"Ask 'list {hint.lower()}s' for where there are."])
        else:
            # "whats the pending claim in sandbox": a namespace and no object -- what is wrong there, never the
            # conversation's object
            ask.namespace = named_namespace
            return await _what_is_wrong(ask)
    said_before = diagnosis_words(ask)  # "leak?" after a memory_leak: the diagnosis's word, not leak-detector's
    for word in [*joined_words(ask.question, ask.recognised.candidates), *ask.recognised.candidates[:4]] if not chosen else []:
        if word.lower() in said_before:
            continue
        if (chosen := await named_exactly(ask, word, kind_hint=hint or next(iter(owners), None))) or (
                hint in OTHER_KINDS and (chosen := await named_exactly(ask, word, kinds=[hint]))):  # "the X hpa"
            why = "which the question names"
            break
    if chosen is None and not PRONOUN_OR_POSSESSIVE.search(ask.question) and (role := await role_named(ask)) is not None:
        if isinstance(role, Answer):
            return role  # several run one and the conversation points at none: which
        chosen, why = role, "which runs what the question names"  # "db down?": what runs a database, not the focus
    if chosen is None and owners and ask.recognised.candidates and not ask.focus:
        # "whats the renewals schedule": a word standing for a name of the kind the attribute belongs to
        chosen = await fuzzy_named(ask, ask.recognised.candidates, owners[0])
        why = f"the {owners[0]} the question's words stand for"
    if chosen is None and (culprit := _culprit_named(ask)):  # "why can't it pull the image": the fault found, by its kind
        category = (ask.last_diagnosis or {}).get("category")
        chosen, why = culprit, f"the root cause found ({category}), whose kind of fault the question names"
    if chosen is None and ask.focus and kind_of(ask.focus[0]) == "ResourceQuota" and QUOTA_RESOURCES.search(ask.question):
        chosen, why = ask.focus[0], "the quota this conversation is on, whose other resources the question names"
    if chosen is None and ask.focus:  # "does the gateway have any anti-affinity": the conversation's object a word names
        chosen = next((r for r in ask.focus if (not owners or kind_of(r) in owners) and any(
            len(w) >= 4 and w in name_of(r).split("-") for w in ask.recognised.candidates)), None)
        why = "which the question's words name, from this conversation"
    if chosen is None and ask.focus:  # "what limit does it run with now": the object the conversation is about
        chosen = next((r for r in ask.focus if kind_of(r) in owners), None)  # "the hpa max": a workload's
        for rid in ask.focus[:3] if owners and chosen is None else []:  # the portal-web Service -> its Deployment
            if (chosen := await named_exactly(ask, name_of(rid), kinds=list(owners))) is not None:
                break
        chosen, why = chosen or ask.focus[0], "which this conversation is about"
    if chosen and kind_of(chosen) == "Job" and SCHEDULE_WORDS.search(ask.question):  # a run's schedule is its CronJob's
        namespace, _, name = parse_resource_id(chosen)
        chosen = await cronjob_of(ask, namespace or "", name) or chosen
    if chosen:
        ask.resource = chosen
        if kind_of(chosen) == "Secret" and OLD_VALUE.search(ask.question):
            # "put the old token back in snow-ingest-token": Kubernetes keeps no earlier value of a Secret, chat never
            # carries one, and putting a rotated credential back undoes the rotation -- its readers are what to restart
            users, _ = await config_users(ask, chosen)
            return ask.answer(f"Not pinned: {chosen} keeps no earlier value (Kubernetes stores only the current one) and "
                              "chat never reads or writes a Secret's values; putting a rotated credential back undoes the "
                              "rotation", status="answered", resources=[chosen, *users[:3]],
                              details=[f"reads it: {u}" for u in users[:5]],
                              next_steps=[f"If its readers still run with the old value (started before the change), "
                                          f"restart them: ask 'restart {name_of(users[0])}'" if users else
                                          "Ask 'who uses it?' for the workloads that read it."])
        if kind_of(chosen) in SPEC_SAID_WHOLE and WHAT_IT_HOLDS.search(ask.question):
            return await describe_answer(ask)  # "what does the LimitRange in notify set": a policy's state is its spec
        if owners and kind_of(chosen) in owners and PROPERTY_ASKED.match(ask.question):
            # "whats the schedule on the nightly one": an attribute of its owner's kind, asked -- that fact, not a dump
            answered = await HANDLERS["property"].handler(ask)
            answered.form = "property"
            return answered
        if CHANGE_ASKED.match(ask.question) and (await _pinnable(ask) or await _held_key_change(ask, chosen)):
            # an imperative change no form's pattern read whole ("put cpu limit back to 1 and request 250m", "patch
            # log-agent to tolerate X"): the change readers (act/writes.py) read what it asks -- a pin for approval, or
            # why it cannot be one; chat still writes nothing
            tried = await HANDLERS["write_request"].handler(ask)
            tried.form = "write_request"
            return tried
        answer = await state_and_facts(ask, chosen)
        if CHANGE_ASKED.match(ask.question):
            # a request to change something that no change form reads ("add a toleration for it", "rename DB_HOST
            # back"): said as not pinned -- never a bare "looks healthy" as if a question had been answered -- with the
            # root cause found and its fix, when the conversation found one
            from ..act.unpinned import root_and_fix  # (act builds on answer: read when a change is asked)
            cause, fix = await root_and_fix(ask, chosen)
            return answer.model_copy(update={"details": [*cause, *answer.details],
                "headline": f"Not pinned: I could not read this as a change chat can pin ({PINNABLE}); nothing was "
                            f"changed. {chosen} now: {answer.headline}", "status": "answered", "form": "unrecognised",
                "next_steps": [*fix, "Say the change as one of those (e.g. 'set the memory limit of X to 1Gi'), or make "
                               "it by hand with kubectl -- chat never writes."]})
        if why == "which the question names" and SYMPTOM_SAID.search(ask.question) and (
                (answer.status == "problems" or WHY_ASKED.match(ask.question)) and kind_of(chosen) in INVESTIGATED
                or kind_of(chosen) in CONFIG_KINDS):
            # "control room cant see anything, scada gateway 5xx. help": a symptom of a named object that is not
            # healthy -- the nearest grounded thing an on-call wants is why, not its facts; a ConfigMap or Secret
            # named beside a symptom ("we fixed its token, why still rejected") is its readers' trouble, never "ok"
            # read as the plea it is -- "X all 5xx wtf" asks why X fails -- and answered by X's investigation
            return await _investigated(ask, chosen)
        if VALUE_QUESTION.match(ask.question) and not CAUSING.search(ask.question) and \
                not set(kind_nouns(ask.question)) - {kind_of(chosen)} and await _names_a_field(ask, chosen):
            # (a symptom beside the field's word asks what causes it: "what limit kills the runs" is the fault's; another
            # kind said -- "what port name do the pods have" of a Service -- is another object's field)
            # "what timeout is on that probe": a word of the question is a key of the object's manifest -- its value
            ask.resource = chosen
            read = await HANDLERS["property"].handler(ask)
            read.form = "property"
            return read
        if not WHY_ASKED.match(ask.question) and (by_words := await found_by_words(ask, chosen, [name_of(chosen)])):
            by_words.form = "grounded_search"  # the question's own words, found where the world writes them
            return by_words
        answer.next_steps.insert(0, f"{NOT_READ} -- this is {chosen}'s state ({why}); rephrase, or 'more' for its facts.")
        answer.form = "unrecognised"
        return answer
    return await _what_is_wrong(ask)


async def _investigated(ask: Ask, rid: str) -> Answer:
    """The question answered as "why is `rid` failing": its investigation."""
    ask.resource = rid
    investigated = await HANDLERS["why_failing"].handler(ask)
    investigated.form = "why_failing"
    return investigated


async def _names_a_field(ask: Ask, rid: str) -> bool:
    """A word of the question is a key of the object's manifest (spec_fields.fields_asked): the question asks its value."""
    return bool(fields_asked(ask.question, await describe_object(ask, rid)))


async def _pinnable(ask: Ask) -> bool:
    from ..act.change_plans import change_verb
    from ..act.field_plans import sets_a_field  # act builds on answer: read when a change is asked, never at import

    # a verb of change, or a spec field set by its own name ("set checkin nodeSelector back to general")
    return change_verb(ask.question) != "unknown" or sets_a_field(ask.question)


async def _held_key_change(ask: Ask, rid: str) -> bool:
    """"set max_connections back to 300 in the configmap": a key the ConfigMap (or the one its workload reads) holds,
    named in any case -- a change the change readers pin, though no change verb of theirs is typed."""
    from ..act.targets import key_holder  # act builds on answer: read when a change is asked, never at import

    namespace, kind, name = parse_resource_id(rid)
    if kind not in ("ConfigMap", "Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job"):
        return False
    described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "namespace": namespace, "events_limit": 0})
    obj = (described.data or {}).get("object") or {}
    if kind == "ConfigMap":
        from ..act.hand_edits import held_key_said
        return held_key_said(ask.question, list(obj.get("data") or {})) is not None
    return await key_holder(ask, rid, obj) is not None


async def _of_kind(ask: Ask, kind: str, namespace: str) -> list[str] | None:
    """The objects of `kind` in `namespace` (the first few); None: could not list them."""
    listed = await ask.call("kubernetes", "get_resources", {"kind": kind, "namespace": namespace, "limit": 5})
    if listed.error is not None:
        return None
    return [f"{namespace}/{kind}/{i['name']}" for i in (listed.data or {}).get("items") or [] if i.get("name")]


NOT_READ = "I could not read what the question asks"
# what an object holds, asked: "what does the LimitRange set", "what's in that netpol", "what does the pdb allow"
WHAT_IT_HOLDS = re.compile(r"^\W*what(\s+(does|do|is|are)|'?s|s)\b.{0,60}?\b(set|sets|say|says|allow|allows|block|blocks|"
                           r"contain|contains|hold|holds|define|defines|have|has|in\s+it|enforce|enforces|do)\b", re.IGNORECASE)
# a Secret's earlier value asked back: "put the old token back", "restore the secret from before the rotation"
OLD_VALUE = re.compile(r"\b(old|previous|prior|earlier|before\s+the\s+rotation|pre-?rotation)\b.*\bback\b|"
                       r"\b(put|set|restore|roll)\b.*\bback\b.*\b(old|previous|before|prior)\b", re.IGNORECASE)
# A symptom said of the object a question names: what its trouble looks like to the person asking.
# (a why about a named workload's symptom is asked of its investigation even where its state looks fine: "why did the
# meter import take twice as long" -- a batch's slowness shows in its runs, not its state)
PROPERTY_ASKED = re.compile(r"^\W*(and\s+|so\s+)?(what(.s|\s+is|\s+are|s)|which|how\s+(many|much|big|long|often))\b", re.IGNORECASE)
WHY_ASKED = re.compile(r"^\W*why\b", re.IGNORECASE)
# a question for what does something to it ("what limit kills the runs"): the fault's, not a field's value
CAUSING = re.compile(r"\b(kills?|killing|crash(es|ing)?|breaks?|breaking|fails?|failing|stops?|blocks?|causes?|throttles?)\b",
                     re.IGNORECASE)
# a question for a value, by its opening ("what timeout is on that probe", "which port", "how long is the grace")
VALUE_QUESTION = re.compile(r"^\W*(and\s+|so\s+)?(what|whats|which|how\s+(many|much|big|long|often))\b", re.IGNORECASE)
SYMPTOM_SAID = re.compile(r"\b(5xx|4xx|5\d\d|40[13]|errors?|erroring|down|broken|slow|slower|longer|twice|double|"
                          r"failing|fails|crash\w*|latency|restart\w*|oom\w*|pending|evict\w*|flapp\w*|bouncing|dying|killed|"
                          r"time\s*outs?|timing\s+out|outage|dead|stuck|help|not\s+working|can.?t|cannot|reject\w*|"
                          r"refus\w*|denied|unauthori[sz]ed)\b", re.IGNORECASE)
# a question's own openings: what it asks is read by its form, never taken for a page
ASKED = re.compile(r"^\W*(what|whats|what's|which|who|whom|whose|when|where|how|is|are|was|were|does|do|did|can|could|"
                   r"should|would|will|has|have|any|show|list|get|describe|tell|explain|give|k|kubectl)\b", re.IGNORECASE)


def _paged(question: str) -> bool:
    """A symptom said, not asked ("pricing 5xx thru the roof", "gateway pods all restarting"): a page."""
    return "?" not in question and not ASKED.match(question) and bool(SYMPTOM_SAID.search(question))


INVESTIGATED = ("Deployment", "StatefulSet", "DaemonSet", "Service", "Job", "CronJob")
CONFIG_KINDS = ("ConfigMap", "Secret")  # run nothing themselves: a symptom said of one is its readers' (investigate.py)
# a request to act, by its leading verb (after "ok", "just", "then", "pls")
CHANGE_ASKED = re.compile(r"^\W*((ok|okay|so|then|just|pls|please|now|fine|alright|right|yes|yeah)\W+)*"
                          r"(add|rename|put|revert|undo|patch|set|remove|"
                          r"delete|change|update|edit|make|bump|raise|lower|increase|decrease|drop|move|replace|recreate|"
                          r"re-create|create|apply|tolerate|label|annotate|enable|disable|restore|reset|give|unsuspend|"
                          r"resume|suspend|grow|expand|resize|enlarge|extend|shrink|scale|restart|bounce|cordon|uncordon|"
                          r"drain|taint|untaint|bring|take|fix(?=\s.*\bto\s+\S))\b", re.IGNORECASE)  # "fix X back to :3306": a value said
# "ok do it properly: limit 2Gi request 1Gi on the worker": a limit or request with its quantity is a change asked,
# whatever words come first (a question about one says "what", "is", "how much")
LIMITS_SAID = re.compile(r"\b(limits?|requests?)\s*(to\s+|=\s*|of\s+|at\s+)?\d+(\.\d+)?\s*(mi|gi|ki|m|cores?)?\b"
                         r"(?![\w.-])(?!\s*\?)", re.IGNORECASE)
PINNABLE = ("restarts, scaling, images, resources, probes, env vars, config keys, selectors, ports, taints, HPA bounds, "
            "quotas, claims, rollbacks")


async def _what_is_wrong(ask: Ask) -> Answer:
    """No object named, no form read: what is wrong in the question's scope now (the sweep's answer), and saying so.
    "dispatch latency up, nothing crashing. where do i look" is answered by where the trouble is -- unless the
    question's own words are written somewhere in the world ("what is CHG-8841"): that line answers (never for a
    "why": a cause is not a line that shares its words)."""
    if not WHY_ASKED.match(ask.question) and (by_words := await found_by_words(ask, None, [])):
        by_words.form = "grounded_search"  # the question's own words, found where the world writes them
        return by_words
    answer = settle(await HANDLERS["broken_now"].handler(ask), HANDLERS["broken_now"].needs)
    answer.next_steps.insert(0, f"{NOT_READ}; this is what is wrong in {ask.namespace or 'the cluster'} now. Rephrase "
                                "(/help lists the questions), or start chat with an LLM brain (--brain).")
    answer.form = "unrecognised"
    return answer


SURE = 0.9  # a reading at least this confident is said without asking to rephrase
VALUE_INTENTS = ("config_value", "config_source", "property")  # the intents a setting named in words answers


async def _learned_form(ask: Ask, grounded: str | None) -> Answer | None:
    """Where nothing else reads the question: the form the intent classifier (chat/understand/intent_model.py) is confident it
    reads like -- never a request to act -- answered as that form, about the name-shaped word it names, else the
    conversation's object; saying how it was read."""
    from ..conversation.graph import answer_question  # the graph's own path: subject resolution and the honesty rule

    guess = guess_intent(ask.question, previous_form(ask.last_answer))  # a follow-up reads by what it follows
    spec = form_spec(guess.intent) if guess else None
    if guess is None or spec is None or guess.intent not in HANDLERS:
        return None
    grounded = grounded if spec.needs_subject else None  # the object named, from what exists
    subject = name_of(grounded) if grounded else None
    kind = kind_of(grounded) if grounded else None
    ask.recognised = ask.recognised.model_copy(update={
        "form": spec.id, "subject": subject, "refers_back": spec.needs_subject and subject is None,
        "needs_subject": spec.needs_subject, "kind_hint": kind or spec.kind_hint or ask.recognised.kind_hint,
        "guessed": subject is not None, "noun_is_subject": spec.noun_is_subject, "learned": round(guess.confidence, 2)})
    answer = await answer_question(ask)
    # how it was read, said short: the on-call reads the answer, not the classifier -- "rephrase" only when it was unsure
    unsure = " -- rephrase if that is not what you asked" if guess.confidence < SURE else ""
    answer.details.insert(0, f"(read as '{spec.id}' by the intent model, {guess.confidence:.2f}{unsure})")
    return answer


def previous_form(answer: dict | None) -> str | None:
    """The form the previous answer was given as, with the tool it pinned ("write_request:rollout_restart"): "would
    that fix it" after a restart asks whether a restart helps, after a scale whether more pods do."""
    answer = answer or {}
    pinned = answer.get("approval") or answer.get("proposal") or {}
    tool = pinned.get("tool") if isinstance(pinned, dict) else None
    form = answer.get("form")
    return f"{form}:{tool}" if form and tool and not str(tool).startswith("(") else form


def _culprit_named(ask: Ask) -> str | None:
    """The diagnosed root cause, when the question's words name its kind of fault (an image pull, a probe...)."""
    diagnosis = ask.last_diagnosis or {}
    category, culprit = diagnosis.get("category"), diagnosis.get("resource")
    if not culprit or category in (None, "none"):
        return None
    return culprit if any(category in cats for cats in categories_named(ask.question)) else None
