"""What a metric measures, read from its name: demand (work arriving) or not. One test for every layer -- the graph's
"is the alarmed metric still off its baseline" and the sweep's and chat's "is this alarm load, not a fault" -- so that
a run, a sweep and a chat answer never disagree on the same alarm. Kept beside contracts (the graph may import only
contracts)."""

from __future__ import annotations

import re

# A metric that counts work arriving (requests, invocations, messages in, connections, an order volume) and none that
# counts failure or slowness: an alarm on it in ALARM says demand is high, which is not by itself a fault of the
# workload (the workload's own pods, errors and latency decide its health).
_DEMAND = re.compile(r"request|invocation|incoming|arrival|connection|volume|throughput|traffic|hits|\b[rq]ps\b",
                     re.IGNORECASE)
_FAILURE = re.compile(r"error|fault|fail|5xx|4xx|latency|duration|throttl|reject|drop|timeout|unavailable|restart|oom",
                      re.IGNORECASE)
# A storage volume's fill (kubelet_volume_stats_used_bytes, a disk's free inodes) is something being used up, never
# demand, though its name says "volume".
_STORAGE = re.compile(r"bytes|disk|inode|capacity|storage|volume_stats|filesystem|\bfs_", re.IGNORECASE)


def demand_metric(metric: str) -> bool:
    return bool(metric) and bool(_DEMAND.search(metric)) and not _FAILURE.search(metric) \
        and not _STORAGE.search(metric)


def measures_demand(alarm: dict) -> bool:
    """An alarm on how much work arrives (requests, connections), firing because there is more of it: load, not a
    fault. The same metric alarmed for falling below its threshold (LessThan...) watches throughput dropping -- work
    not done -- which is a symptom like any error count."""
    return demand_metric(str((alarm.get("metric") or {}).get("name") or "")) and "Less" not in str(alarm.get("comparison") or "")


# A symptom said in words, and the app metric it is read from (the Application namespace apps publish through the
# embedded metric format): slowness in the p99 latency, failing requests in the 5xx count; a timeout is both (a request
# that waits too long fails). What a question with no object in it is checked against -- the run's question entry and
# chat answer it the same way.
_SAID_SLOW = re.compile(r"\b(slow\w*|latenc\w*|laggy|lagging|sluggish|takes?\s+forever|crawl\w*|p9\d|spin\w*|"
                        r"hang(s|ing)?|late|delayed|delays?)\b", re.IGNORECASE)
# requests failing, not a run that failed ("did the backup fail" is a Job's question, not a service's 5xx count)
_SAID_FAILING = re.compile(r"\b(errors?|erroring|5xx|5\d\ds?|failing|outage|unavailable)\b", re.IGNORECASE)
_SAID_TIMEOUT = re.compile(r"\b(tim(e|es|ing)\s*out|time\s*outs?|timeouts?|timed\s+out)\b", re.IGNORECASE)


# data that arrives late or not at all ("batch records are late", "stale prices", "orders not arriving"): work not
# done -- requests that are slow, or that fail and are retried later -- so both are read
_SAID_STALE = re.compile(r"\b(late|delayed|stale\w*|behind|lagging|out\s+of\s+date|frozen|"
                         r"not\s+(arriving|coming\s+through|updating|moving|changing)|stopped\s+(moving|updating|arriving)|"
                         r"missing)\b", re.IGNORECASE)


def said_stale(text: str) -> bool:
    """Data said to arrive late, or not at all: what a stopped producer looks like to the people downstream."""
    return _SAID_STALE.search(text) is not None


def said_symptom_metrics(text: str) -> list[str]:
    """The app metrics a symptom said in `text` is read from, slowness first; [] when no symptom is said."""
    both = bool(_SAID_TIMEOUT.search(text) or _SAID_STALE.search(text))
    metrics = ["LatencyP99"] if both or _SAID_SLOW.search(text) else []
    return metrics + (["5xxCount"] if both or _SAID_FAILING.search(text) else [])


def symptom_rise(report: dict | None) -> float | None:
    """How far a symptom series is up now against its own baseline, as a detector report (detect_anomalies) says it:
    the peak of its ongoing upward interval over the baseline's median -- the one ranking by which a run's question
    entry and chat pick the service where a said symptom shows (a detector's score saturates; the ratio does not).
    None when nothing is rising now."""
    rises = [rise for i in (report or {}).get("intervals") or [] if i.get("ongoing")
             and (rise := peak_over_median(i, report)) is not None]
    return max(rises) if rises else None


def peak_over_median(interval: dict, report: dict | None) -> float | None:
    """An upward anomaly interval's peak over its series' baseline median (a median of 0 counts as 1: a series
    that was idle); None for a downward interval. How far a rise went -- shared by a said symptom's ranking and a
    request surge."""
    if interval.get("direction", "up") != "up":
        return None
    median = float(((report or {}).get("baseline") or {}).get("median") or 0) or 1.0
    return float(interval.get("max_value") or 0) / median
