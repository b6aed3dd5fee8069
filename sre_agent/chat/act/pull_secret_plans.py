"""A registry credential added to a workload's pod template ("add imagePullSecrets regcred back to route-planner",
"copy harbor-pull into billing and add it to the invoice-renderer deployment as imagePullSecrets"): add_pull_secret,
keeping the ones it has; a Secret copied from another namespace is said as the step before it."""

from __future__ import annotations

import json
import re

from ...contracts import parse_resource_id
from ..answer.objects import pod_spec_of
from .plans import Plan

PULL_SECRET_NAMED = re.compile(r"(?:secrets?|imagepullsecrets?)\s+(?:named\s+|called\s+)?([a-z0-9][a-z0-9.-]*)|"
                               r"\b([a-z0-9][a-z0-9.-]*)\s+(?:pull\s*)?secret\b|"
                               # "copy harbor-pull into billing and add it to X as imagePullSecrets": the one copied
                               r"\bcopy\s+(?:the\s+)?([a-z0-9][a-z0-9.]*-[a-z0-9.-]*)", re.IGNORECASE)
COPIED = re.compile(r"\bcopy\b", re.IGNORECASE)


def pull_secret_plan(question: str, rid: str, obj: dict) -> Plan | str:
    """"add imagePullSecrets vrbs-registry back to the route-planner template": add_pull_secret, keeping the ones it
    has (the server checks the Secret is a registry credential)."""
    namespace, kind, name = parse_resource_id(rid)
    if kind not in ("Deployment", "StatefulSet", "DaemonSet"):
        return f"{rid} is a {kind}; a pull secret is added to a Deployment, StatefulSet or DaemonSet's template"
    secret = next((g for m in PULL_SECRET_NAMED.finditer(question) for g in m.groups()
                   if g and g.lower() not in ("the", "a", "its", "pull", "image", "back", "to", name)), None)
    if secret is None:
        return f"Say which Secret (e.g. 'add the regcred pull secret to {name}')"
    held = [s.get("name") for s in (pod_spec_of(kind, obj).get("imagePullSecrets") or [])]
    if secret in held:
        return f"{name} already lists {secret} in imagePullSecrets ({', '.join(map(str, held))}): nothing to add"
    generation = (obj.get("metadata") or {}).get("generation")
    patch = json.dumps({"spec": {"template": {"spec": {"imagePullSecrets": [*({"name": h} for h in held),
                                                                            {"name": secret}]}}}})
    return Plan("add_pull_secret", {"namespace": namespace or "", "name": name, "kind": kind, "secret_name": secret,
                                    "expect_generation": generation, "reason": question[:200]},
                f"{kind} {name}: imagePullSecrets {held or '[]'} + {secret}",
                f"kubectl patch {kind.lower()} {name} -n {namespace} --type merge -p '{patch}'", f"generation {generation}",
                [f"first copy Secret {secret} into {namespace} (a Secret is read only in its own namespace; the tool refuses "
                 f"one that is not there): kubectl get secret {secret} -n <its namespace> -o json | jq 'del(.metadata."
                 f"namespace,.metadata.uid,.metadata.resourceVersion,.metadata.creationTimestamp)' | kubectl apply -n "
                 f"{namespace} -f -"] if COPIED.search(question) else [])
