"""The offline logs specialist: which error templates are new or surging in the suspect workload's
logs compared with the window before -- the lines where an incident's story usually starts."""

from __future__ import annotations

import re

from ...contracts import Finding, parse_time
from ...graph.log_sources import workload_log_source
from ...graph.state import Investigation, Task
from ...quoting import clip
from .calls import Calls, split_target
from .log_causes import named_cause

# a call that failed at the other end: refused, timed out, unreachable -- or limited by it (429, rate limited)
UPSTREAM = re.compile(r"connection refused|unavailable|upstream|timed? ?out|no route|dial tcp|503|\b429\b|too many requests|"
                      r"rate.?limit", re.I)
CONFIG = re.compile(r"environment variable|config|required|missing|not set", re.I)


async def investigate(task: Task, state: Investigation, calls: Calls) -> None:
    namespace, _, name = split_target(task.target)
    groups, ev = await calls("describe_log_groups", max_results=500)
    names = [g["name"] for g in (groups or {}).get("log_groups") or []]
    # A group per app (naming differs between clusters), else the workload's pods in Container Insights' shared group.
    source = workload_log_source(names, namespace, name)
    if source is None:
        return
    # A Job's lines can be hours old by the time someone asks why it failed; a service's story is recent -- from a
    # little before its symptom began (the lines since then against the same span before: what the onset brought).
    _, kind, _ = split_target(task.target)
    report, ev2 = await calls("log_patterns", groups=source.groups,
                              start="-3h" if kind in ("Job", "CronJob") else f"-{since_onset_minutes(state)}m",
                              max_templates=20, **source.selector)
    for template in (report or {}).get("templates") or []:
        if template.get("change") not in ("new", "surged") or template.get("severity") not in ("error", "critical", "fatal", "warning"):
            continue
        text = template.get("template", "")
        if UPSTREAM.search(text):
            signal = "UpstreamErrors"
        elif CONFIG.search(text):
            signal = "ConfigErrorLog"
        else:
            signal = "NewErrorTemplate"
        sample = (template.get("samples") or [text])[0]
        calls.find(task.target, signal, f"{template['change']} log template x{template.get('count')}: {clip(sample, 200)}",
                   [ev, ev2], severity="warning", template=text, change=template["change"], count=template.get("count"),
                   first_seen=template.get("first_seen"), level=template.get("severity"))
        if (cause := named_cause(f"{text} {sample}")) is not None:  # a WARN that names its cause counts too
            calls.find(task.target, "LogNamedCause", f"{cause.says}: {clip(sample, 200)}", [ev, ev2], severity="critical",
                       cause=cause.id, category=cause.category, line=clip(sample, 240))


# Before the onset, the change that brought it: a release lands minutes before its symptom shows in a metric.
ONSET_MARGIN_MIN = 15


def since_onset_minutes(state: Investigation, *, least: int = 30, most: int = 90) -> int:
    """Minutes back to a little before the earliest onset a metric anomaly of this run gives -- at least `least` (the
    usual recent window), at most `most` (the baseline before it stays inside what the store keeps at hand)."""
    onsets = [when for f in state.findings if f.severity != "info" and (when := parse_time(f.details.get("onset")))]
    if not onsets:
        return least
    # from the incident's own end of window, not the wall clock: a replayed run reads the window its recording read
    back = (state.incident.window_end - min(onsets)).total_seconds() / 60 + ONSET_MARGIN_MIN
    return int(min(max(back, least), most))


OUTSIDE_URL = re.compile(r"\bhttps?://(?P<host>[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,})(?::\d+)?(?:/|\b)", re.IGNORECASE)
CLUSTER_SUFFIXES = (".svc", ".cluster.local", ".local", ".internal")


# a host named bare in a line ("upstream timeout from api.tidepay.net"): three labels or more
BARE_HOST = re.compile(r"(?<![\w./@-])(?P<host>[a-z0-9-]+(?:\.[a-z0-9-]+){1,}\.(?P<tld>[a-z]{2,6}))(?::\d+)?(?![\w-]|\.\w)",
                       re.IGNORECASE)
# a bare name counts as a public host only under a public top-level domain: "kafka-0.kafka-headless.data" is a pod's
# name in namespace data, "app.config.yaml" a file
PUBLIC_TLDS = {"com", "net", "org", "io", "co", "dev", "app", "cloud", "ai", "biz", "info", "us", "uk", "eu", "de", "fr",
               "nl", "ca", "au", "jp", "in", "example"}


def outside_host(text: str) -> str | None:
    """A host outside the cluster a log line calls (https://api.vendor.example.com/..., or named bare:
    api.vendor.net), never a Service's name nor a file's."""
    bare = [m for m in BARE_HOST.finditer(text) if m.group("tld").lower() in PUBLIC_TLDS]
    for match in [*OUTSIDE_URL.finditer(text), *bare]:
        host = match.group("host").lower()
        if not host.endswith(CLUSTER_SUFFIXES) and not re.search(r"\.svc\.", host):
            return host
    return None


def errors_point_outside(resource: str, all_: list[Finding]) -> str | None:
    """The host outside the cluster a workload's failing calls go to, when its new error lines are calls timing out or
    refused (UpstreamErrors) and its log lines name that host: the trouble is out there, not in its own release."""
    lines = [x for x in all_ if x.resource == resource and x.signal in ("UpstreamErrors", "NewErrorTemplate")]
    if not any(x.signal == "UpstreamErrors" for x in lines):
        return None
    if named := next((host for x in lines if (host := outside_host(str(x.details.get("template") or x.summary)))), None):
        return named
    texts = [str(x.details.get("template") or x.summary) for x in lines if x.signal == "UpstreamErrors"]
    # a line that names the vendor, not its URL ("TideText POST /v3/messages -> 429"): a word of an outside host the
    # workload's settings call (api.tidetext.example.com)
    hosts = [str(h) for x in all_ if x.resource == resource and x.signal == "CallsOutside" for h in x.details.get("hosts") or []]
    words = {w.lower() for text in texts for w in re.findall(r"[A-Za-z][A-Za-z0-9-]{3,}", text)}
    return next((host for host in hosts if words & {label for label in host.lower().split(".")[:-1] if len(label) >= 4}
                 - {"https", "http", "example", "internal"}), None)


RATE_LIMITED = re.compile(r"\b429\b|too\s+many\s+requests|rate[\s_-]?limit\w*|throttled\s+by|quota\s+exceeded", re.IGNORECASE)


def rate_limited(resource: str, all_: list[Finding]) -> bool:
    """Its failing calls are answered 429 / Too Many Requests: the other end limits how often the workload calls -- a
    release that calls more is then the suspect, not the other end."""
    return any(x.resource == resource and x.signal in ("UpstreamErrors", "NewErrorTemplate")
               and RATE_LIMITED.search(str(x.details.get("template") or x.summary)) for x in all_)


# A Service in the cluster a log line calls ("textwise-relay.textwise.svc.cluster.local:8080"), and an answer that says
# the other end failed on its side: unavailable, refused, reset, a gateway's 502/503/504 -- never a client's own timeout
# (its setting may be what is wrong) nor a 4xx (the caller's request may be).
IN_CLUSTER_HOST = re.compile(r"\b(?P<name>[a-z0-9]([a-z0-9-]*[a-z0-9])?)\.(?P<namespace>[a-z0-9]([a-z0-9-]*[a-z0-9])?)\.svc\b", re.I)
FAILED_THERE = re.compile(r"\b50[234]\b|unavailable|connection refused|reset by peer|no healthy upstream", re.I)


def errors_name_a_dependency(resource: str, all_: list[Finding]) -> str | None:
    """The Service in the cluster a workload's new failing-call lines name, when the other end failed on its side: its
    errors began there, not in its own release (a human weighs that; never an undo of an innocent rollout)."""
    own = resource.rsplit("/", 1)[-1]
    for x in all_:
        if x.resource != resource or x.signal != "UpstreamErrors":
            continue
        text = str(x.details.get("template") or x.summary)
        if FAILED_THERE.search(text) and (host := IN_CLUSTER_HOST.search(text)) and host.group("name") != own:
            return f"{host.group('namespace')}/Service/{host.group('name')}"
    return None
