"""The fix for a caller configured with an endpoint nobody serves (endpoint_misconfigured): change the value where
it lives -- the ConfigMap or Secret key, or the env var in the caller's pod template -- then restart the caller,
because env values are read when a container starts. The corrected value is written out when only one answer fits
(the Service's only port, the one Service with a close name; never a Secret's value, which never leaves the server),
else the command carries a `<placeholder>` and `needs` says which host or port to use."""

from __future__ import annotations

import json
import re
import shlex
from typing import NamedTuple

from ..contracts import MASK, Finding, ProposedFix, parse_resource_id, resource_id
from .intent import for_a_while, intent_sentence, scaled_on_purpose
from .kubectl_words import namespace_flag
from .recreate import container_change, recreate_command

WORKLOAD_WORDS = {"Deployment": "deployment", "StatefulSet": "statefulset", "DaemonSet": "daemonset", "CronJob": "cronjob"}


def value_holder(workload: str, details: dict) -> str:
    """The object whose change corrects the value: the ConfigMap or Secret holding the key, else the workload."""
    source = str(details.get("source") or "env")
    if source in ("env", "command"):  # written in the workload's own pod template
        return workload
    kind, name, _ = source.split("/", 2)
    return resource_id(kind, name, parse_resource_id(workload)[0])


def retired_dependency(f: Finding, findings: list[Finding]) -> Finding | None:
    """For a caller's DependencyDown read from its env: the ScaledToZero finding of the workload behind that dependency
    when it was scaled to zero on purpose (a decommission its annotations record) -- the caller's reference is what is
    out of date, not the dependency."""
    if f.signal != "DependencyDown" or not f.details.get("env"):
        return None
    return next((x for x in findings if x.signal == "ScaledToZero" and (intents := scaled_on_purpose(findings, x.resource))
                 and not for_a_while(intents) and f.details.get("dependency") in (x.details.get("services") or [])), None)


def retired_behind(findings: list[Finding], holder: str) -> list[str]:
    """The workloads retired on purpose that the callers whose value `holder` holds still name."""
    return list(dict.fromkeys(r.resource for f in findings if (r := retired_dependency(f, findings)) is not None
                              and value_holder(f.resource, f.details) == holder))


def retirement(retired: Finding, findings: list[Finding]) -> str:
    return f"{retired.resource} was retired on purpose ({intent_sentence(scaled_on_purpose(findings, retired.resource))})"


class ConfigCorrection(NamedTuple):
    config_map: str
    key: str
    value: str
    readers: list[str]  # the names of the callers that read it, all of `reader_kind`
    reader_kind: str
    edit: dict[str, str] | None = None  # the one part that changes ({find, replace}): how a value shown masked is fixed

    @property
    def masked(self) -> bool:
        """The value was shown with a secret masked: writing it whole would write the mask."""
        return MASK in self.value


def edit_in_place(value: str, edit: dict[str, str] | None) -> dict[str, str] | None:
    """The part-edit that corrects a value shown masked (its credentials never sent back); None when the value was shown
    whole, or no part free of the mask is known."""
    return edit if MASK in value and edit and MASK not in json.dumps(edit) else None


def in_place_command(namespace: str | None, kind: str, name: str, key: str, edit: dict[str, str]) -> str:
    """A kubectl pipeline that changes one part of a key's value where it lies -- the rest (credentials a reader was
    never shown) untouched and never printed: get -o yaml | sed on the key's line | replace."""
    find = re.sub(r"([\\.^$|?*+()\[\]{}#])", r"\\\1", edit["find"])
    replace = re.sub(r"([\\&#])", r"\\\1", edit["replace"])
    sed = f"s#^(  {re.escape(key)}: .*){find}#\\1{replace}#"
    return f"kubectl {namespace_flag(namespace)}get {kind.lower()} {name} -o yaml | sed -E {shlex.quote(sed)} | kubectl replace -f -"


def config_correction(findings: list[Finding], holder: str) -> ConfigCorrection | None:
    """The one corrected value of a ConfigMap key that the callers reading it were found configured with: what the
    set_config_value plan writes. None when the value lives elsewhere (a Secret, env), when no single answer fits, or
    when the callers are not all restartable workloads of one kind."""
    namespace, kind, name = parse_resource_id(holder)
    unserved = [f for f in findings if f.signal == "EndpointUnserved" and kind == "ConfigMap"
                and value_holder(f.resource, f.details) == holder]
    keys = {str(f.details.get("source")).split("/", 2)[-1] for f in unserved}
    values = {f.details.get("corrected_value") for f in unserved}
    edits = {json.dumps(f.details.get("corrected_edit"), sort_keys=True) for f in unserved}
    kinds = {parse_resource_id(f.resource)[1] for f in unserved}
    if len(keys) != 1 or len(values) != 1 or None in values or len(kinds) != 1 or not kinds <= {*WORKLOAD_WORDS} - {"CronJob"}:
        return None
    readers = sorted({parse_resource_id(f.resource)[2] for f in unserved if parse_resource_id(f.resource)[0] == namespace})
    edit = json.loads(edits.pop()) if len(edits) == 1 else None
    return ConfigCorrection(name, keys.pop(), str(values.pop()), readers, kinds.pop(), edit) if readers else None


def brought_in_fixes(findings: list[Finding], holder: str) -> list[ProposedFix]:
    """A ConfigMap edit a restart brought in (ConfigBroughtIn): the value before it back, then the reader restarted --
    a ConfigMap keeps no earlier value, so that value is its author's (or its source's in git)."""
    fixes = []
    for finding in [f for f in findings if f.resource == holder and f.signal == "ConfigBroughtIn"]:
        namespace, _, name = parse_resource_id(holder)
        reader_ns, reader_kind, reader = parse_resource_id(str(finding.details.get("workload") or ""))
        word = WORKLOAD_WORDS.get(reader_kind, reader_kind.lower())
        fixes.append(ProposedFix(
            resource=holder, summary=f"{holder} was edited at {str(finding.details.get('written'))[11:16]} UTC and "
            f"{reader}'s restart brought the edit in: put back the value(s) it ran with before, then restart {reader}",
            commands=[f"kubectl {namespace_flag(namespace)}edit configmap {name}",
                      f"kubectl {namespace_flag(reader_ns)}rollout restart {word}/{reader}"],
            needs="the value(s) before the edit (a ConfigMap keeps no history: its author or its source has them)",
            evidence=list(finding.evidence)))
    return fixes


def endpoint_fixes(findings: list[Finding], holder: str) -> list[ProposedFix]:
    brought_in, fixes = brought_in_fixes(findings, holder), []
    for finding, retired in ((f, retired_dependency(f, findings)) for f in findings):
        # a host no Service has and none close to it (a flag that switched on a backend never deployed): the same edit
        unserved = finding.signal == "DependencyDown" and finding.details.get("exists") is False and finding.details.get("env")
        if not (finding.signal == "EndpointUnserved" or retired or unserved) or \
                value_holder(finding.resource, finding.details) != holder:
            continue
        details = finding.details
        namespace, kind, name = parse_resource_id(finding.resource)
        ns = namespace_flag(namespace)
        value = details.get("corrected_value") or "<value naming a host and port that answer>"
        source = str(details.get("source") or "env")
        word = WORKLOAD_WORDS.get(kind)
        if source == "command":
            commands = [_set_command_word(ns, kind, name, details, value)]
        elif source == "env":
            commands = [_set_env(ns, kind, name, details, value)]
        else:
            holder_kind, holder_name, key = source.split("/", 2)
            data = "data" if holder_kind == "ConfigMap" else "stringData"
            if edit := edit_in_place(value, details.get("corrected_edit")):  # never the mask written back: the part in place
                commands = [in_place_command(namespace, holder_kind, holder_name, key, edit)]
            else:
                commands = [f"kubectl {ns}patch {holder_kind.lower()} {holder_name} --type merge "
                            f"-p '{json.dumps({data: {key: value}})}'"]
            if word:  # the running pods keep the old value until they restart
                commands.append(f"kubectl {ns}rollout restart {word}/{name}")
        choices = ", ".join(str(s).rsplit("/", 1)[-1] for s in details.get("similar_services") or []) or \
            ", ".join(str(p) for p in details.get("exposed_ports") or [])
        if retired is not None:  # what replaced it is the retirement note's to say, never guessed from it
            value_needed = f"what replaced it ({retirement(retired, findings)})"
        elif choices:
            value_needed = f"the endpoint {details.get('env')} should name ({choices})"
        else:  # no Service comes close: which one was meant (or whether what set it should be undone) is a human's
            value_needed = (f"the Service {details.get('env')} should name -- none in the cluster is close to it; or turn "
                            "off what set it")
        fixes.append(ProposedFix(
            resource=holder, summary=f"{finding.summary}: set it to {value}" if details.get("corrected_value") else
            f"{finding.summary}: correct it", commands=commands,
            needs="" if details.get("corrected_value") else value_needed,
            evidence=list(finding.evidence)))
    # a value known to answer is a fix a human can approve as it is: before "put back what it ran with" (a value only
    # its author knows)
    return [*[f for f in fixes if not f.needs], *brought_in, *[f for f in fixes if f.needs]]


TEMPLATE_SPEC = {"Deployment": "/spec/template/spec", "StatefulSet": "/spec/template/spec", "DaemonSet": "/spec/template/spec",
                 "CronJob": "/spec/jobTemplate/spec/template/spec"}


def _set_command_word(ns: str, kind: str, name: str, details: dict, value: str) -> str:
    """The one word of a container's command or args replaced in the pod template (a JSON patch at its pointer): the
    rollout it starts is the restart. A Job's template cannot change in place: re-created with the word replaced."""
    pointer = str(details.get("path") or "")
    if kind in TEMPLATE_SPEC and pointer:
        patch = [{"op": "replace", "path": TEMPLATE_SPEC[kind] + pointer, "value": value}]
        return f"kubectl {ns}patch {WORKLOAD_WORDS[kind]} {name} --type json -p '{json.dumps(patch)}'"
    return f"kubectl {ns}edit {kind.lower()} {name}  # set {details.get('env')} to name {value}"


def _set_env(ns: str, kind: str, name: str, details: dict, value: str) -> str:
    word = WORKLOAD_WORDS.get(kind)
    container = details.get("container")
    if word:  # set env changes the template in place: the rollout it starts is the restart
        only = f"-c {container} " if container else ""
        assignment = f"{details.get('env')}={value}"  # a placeholder stays bare, as in every other fix
        return f"kubectl {ns}set env {word}/{name} {only}{assignment if value.startswith('<') else shlex.quote(assignment)}"
    # a Job's or a bare pod's template cannot change in place: re-create it with the value
    change = container_change(kind, str(container or name), {"env": [{"name": details.get("env"), "value": value}]})
    return recreate_command(kind, kind.lower(), ns.removeprefix("-n ").strip(), name, change)
