"""A quota that refuses pods: how far it must rise to admit them, and -- when runs of a CronJob pile up against it --
the cause beside the capacity. The rise is read from the API server's own refusal:
`exceeded quota: <name>, requested: requests.cpu=500m, used: requests.cpu=2500m, limited: requests.cpu=3`.
The new limit is what is used plus what every missing pod requests -- plus, for a rollout that raised its
requests, what each pod it still has to replace grows by (the rollout's peak) -- no more (the offline brain's
raise_quota plan, and the human's command here).

A quota held by a CronJob's runs that never finish (concurrencyPolicy Allow lets them overlap) fills again whatever
it is raised to: the fix names the CronJob -- its schedule, its policy, the stuck runs -- and the commands that stop
the pile-up (no overlapping runs, the stuck runs deleted), with the quota raise only beside it."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from ..contracts import Finding, ProposedFix, parse_resource_id
from .kubectl_words import namespace_flag as _ns
from .quantities import format_quantity, quantity

REFUSAL = re.compile(r"exceeded quota: (?P<quota>[\w.-]+), requested: (?P<requested>\S+?), used: (?P<used>\S+?), "
                     r"limited: (?P<limited>[^\s\"']+)")


def _pairs(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.strip(",").split(",") if "=" in part)


def raised_limits(message: str, missing_pods: int, replacing: int = 0, growth: dict[str, str] | None = None,
                  ) -> tuple[str, dict[str, str], dict[str, str]] | None:
    """(quota name, new hard limits, current hard limits) that admit `missing_pods` more pods -- and, for a
    rollout whose pods request more than the ones they replace, the `replacing` pods still to be replaced,
    each growing by `growth` (per quota resource: "requests.memory" -> "512Mi", "limits.memory" ...) -- or None
    when the message is not a quota refusal or says nothing usable."""
    match = REFUSAL.search(message)
    if not match or missing_pods < 1:
        return None
    requested, used, limited = (_pairs(match.group(g)) for g in ("requested", "used", "limited"))
    new, current = {}, {}
    for resource, limit in limited.items():
        need, have, cap = (quantity(requested.get(resource, "")), quantity(used.get(resource, "0")), quantity(limit))
        if need is None or have is None or cap is None:
            continue
        more = quantity((growth or {}).get(resource, "0")) or Decimal(0)  # keyed as the quota counts it
        wanted = have + need * missing_pods + max(more, Decimal(0)) * max(replacing, 0)
        if wanted > cap:
            new[resource], current[resource] = format_quantity(resource, wanted), limit
    return (match.group("quota"), new, current) if new else None



def pileup_fixes(findings: list[Finding], quota: str) -> list[ProposedFix]:
    """For each CronJob whose unfinished runs hold `quota`: stop new runs overlapping and delete the stuck ones."""
    fixes = []
    for finding in findings:
        if finding.signal != "CronJobPileUp" or quota not in (finding.details.get("quotas") or []):
            continue
        namespace, _, name = parse_resource_id(finding.resource)
        details, ns = finding.details, _ns(namespace)
        stuck = [str(j) for j in details.get("unfinished") or []]
        patch = {"spec": {"concurrencyPolicy": "Forbid"}}
        commands = [f"kubectl {ns}patch cronjob {name} --type merge -p '{json.dumps(patch)}'"]
        if stuck:
            commands.append(f"kubectl {ns}delete job {' '.join(stuck)}")
        held = f"the room the pods of {details['starves']} are Pending for" if details.get("starves") else quota
        fixes.append(ProposedFix(
            resource=finding.resource,
            summary=(f"{finding.resource} (schedule {details.get('schedule')!r}, concurrencyPolicy "
                     f"{details.get('concurrency_policy')}) starts a run every tick while {len(stuck)} earlier runs have "
                     f"not finished (oldest {stuck[0] if stuck else '?'} since {details.get('oldest_created')}): they hold "
                     f"{held}. Forbid overlapping runs and delete the stuck ones -- then find why its runs do not finish"
                     + ("" if details.get("deadline") is not None else " (and set an activeDeadlineSeconds)")),
            commands=commands, needs="why its runs hang (their logs), before letting it run on a schedule again",
            evidence=list(finding.evidence)))
    return fixes


def quota_fixes(findings: list[Finding], quota: str) -> list[ProposedFix]:
    """The cause that fills `quota` (a pile-up) first, then the raise that admits the pods it refused now."""
    namespace, _, name = parse_resource_id(quota)
    fixes = pileup_fixes(findings, quota)
    refusal = next((f for f in findings if f.signal in ("QuotaExceeded", "FailedCreate")
                    and (m := REFUSAL.search(f.summary)) is not None and m.group("quota") == name), None)
    raised = raised_limits(refusal.summary, 1) if refusal is not None else None
    if raised is not None:
        _, hard, before = raised
        fixes.append(ProposedFix(
            resource=quota, summary=f"{quota} refuses pods at {before}: raise it to {hard} (what is used plus the pod "
                                    "refused)" + (" -- only once the pile-up above is stopped, if the namespace still "
                                                  "needs it" if fixes else ""),
            commands=[f"kubectl {_ns(namespace)}patch resourcequota {name} --type merge -p "
                      f"'{json.dumps({'spec': {'hard': hard}})}'"],
            needs="how many more pods the namespace must admit (this admits the one refused now)",
            evidence=list(refusal.evidence) if refusal else []))
    return fixes
