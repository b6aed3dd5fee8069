"""A credential rotated under running pods (stale_credential): a Secret the workload's containers read into
their env changed after its pods started -- env is read once, at start -- and its logs say a login or token
is refused. The pods hold the old value; restarting them is what makes them read the new one. Both halves
are needed: a Secret edited long after the pods started is common and harmless on its own. Refused logins with no
such change mean the credential was rotated where it is checked (the database, the vendor) while the Secret still
holds the old one (CredentialRefused): the Secret needs the current value, then the pods a restart."""

from __future__ import annotations

import re
from datetime import datetime

from ...contracts import parse_time
from .calls import Calls
from .log_search import matching_line

REFUSED = re.compile(r"authenticat\w* (?:failed|error|rejected)|password authentication|invalid (?:api[ _-]?)?"
                     r"(?:token|key|credential|password)|unauthori[sz]ed|\b401\b|access denied|login failed|"
                     r"bad credentials|(?:token|credential)s? (?:expired|revoked|rejected)|permission denied for user",
                     re.I)

# Said of pods that started before the Secret they read changed: what a restart of them clears (chat reads it).
HOLD_OLD_VALUE = "they still hold the old value"


# With no Secret changed, only a line about the workload's own login to something is read as refused: a server's access
# log answering its clients 401 is their problem, not its credential.
OWN_LOGIN_REFUSED = re.compile(r"(password )?authentication failed for user|access denied for user|login failed for user|"
                               r"invalid (username or )?password|sasl authentication failed|\bWRONGPASS\b|\bNOAUTH\b|"
                               r"password authentication failed", re.I)


def secrets_read_into_env(pod_spec: dict) -> dict[str, str]:
    """Secret -> the first app container that reads it into its env (secretKeyRef, envFrom)."""
    names: dict[str, str] = {}
    for container in pod_spec.get("containers") or []:
        for env in container.get("env") or []:
            ref = ((env.get("valueFrom") or {}).get("secretKeyRef") or {}).get("name")
            if ref:
                names.setdefault(ref, container["name"])
        for source in container.get("envFrom") or []:
            if ref := (source.get("secretRef") or {}).get("name"):
                names.setdefault(ref, container["name"])
    return names


def last_written(obj: dict) -> str | None:
    """The latest managedFields time: when the object was last written."""
    written = [(when, str(entry["time"])) for entry in (obj.get("metadata") or {}).get("managedFields") or []
               if (when := parse_time(entry.get("time")))]
    return max(written)[1] if written else None


async def stale_credentials(workload: str, namespace: str, pod_spec: dict, pods: list[dict], calls: Calls) -> None:
    started = {str(p["pod"]): t for p in pods if (t := parse_time(p.get("started")))}
    if not started:
        return
    oldest = min(started.values())
    read = list(secrets_read_into_env(pod_spec).items())[:4]
    if await _rotated_under_pods(workload, namespace, read, started, oldest, calls):
        return
    # no Secret changed under the pods, yet their logins are refused: the credential was rotated where it is checked
    # (the database, the vendor) and the Secret they read still holds the old one
    for secret, container in read[:1]:
        refused = await matching_line(namespace, list(started), OWN_LOGIN_REFUSED, calls, container)
        if refused is not None:
            line, ev_logs = refused
            calls.find(workload, "CredentialRefused", f"{workload}'s logins are refused with the credential it reads "
                       f"from Secret {secret} (unchanged since its pods started): {line}", [ev_logs], severity="critical",
                       credential_secret=secret, log=line)


async def _rotated_under_pods(workload: str, namespace: str, read: list[tuple[str, str]], started: dict[str, datetime],
                              oldest: datetime, calls: Calls) -> bool:
    """A Secret read into env changed after pods started: StaleCredential when their logins are refused (True)."""
    for secret, container in read:
        described, ev = await calls("describe", kind="Secret", name=secret, namespace=namespace, events_limit=0)
        changed = last_written((described or {}).get("object") or {})
        when = parse_time(changed)
        if when is None or when <= oldest:
            continue
        stale_pods = [pod for pod, at in started.items() if at < when]
        stale = len(stale_pods)
        refused = await matching_line(namespace, stale_pods, REFUSED, calls, container)
        if refused is None:
            calls.find(workload, "SecretChangedAfterStart", f"Secret {secret} changed at {changed}, after {stale} of "
                       f"{workload}'s pods started (they hold its old values); no refused login in its logs", ev,
                       severity="info", secret=secret, changed=changed)
            continue
        line, ev_logs = refused
        calls.find(workload, "StaleCredential", f"Secret {secret} changed at {changed}, after {stale} of {len(started)} "
                   f"of {workload}'s pods started -- {HOLD_OLD_VALUE} -- and its logs say: {line}",
                   [ev, ev_logs], severity="critical", secret=secret, changed=changed, stale_pods=stale, log=line)
        return True
    return False
