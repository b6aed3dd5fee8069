"""A release two revisions back with a harmless rollout on top: the revision live when the symptom began
decides whether the fault is a regression, and the diagnosis names that revision -- not the latest one."""

from __future__ import annotations

from sre_agent.brains.offline.diagnosis import best, hypotheses
from sre_agent.brains.offline.releases import onset_revision
from sre_agent.brains.offline.revisions import partial_members
from sre_agent.contracts import Finding

WORKLOAD = "crew/Deployment/roster-api"
HISTORY = [
    {"revision": 1, "created": "2026-11-23T00:00:00Z", "images": ["r/roster-api:4.2.0"], "changed": None},
    {"revision": 2, "created": "2026-11-23T01:30:00Z", "images": ["r/roster-api:4.3.0"], "changed": ["image"]},
    {"revision": 3, "created": "2026-11-23T03:00:00Z", "images": ["r/roster-api:4.3.0"], "changed": ["annotations"]},
]


def rollout(changed: list[str]) -> Finding:
    return Finding(agent="kubernetes", resource=WORKLOAD, signal="RecentRollout", severity="info",
                   summary=f"{WORKLOAD} rolled out revision 3", details={"revision": 3, "changed": changed, "history": HISTORY})


def errors(onset: str) -> Finding:
    return Finding(agent="metrics", resource=WORKLOAD, signal="ErrorAnomaly", severity="warning",
                   summary="5xxCount anomalous", details={"onset": onset, "metric": "5xxCount"})


def test_the_revision_live_at_the_onset_is_the_suspect_even_when_a_later_rollout_changed_nothing_behavioural():
    found = [rollout(["annotations"]), errors("2026-11-23T01:31:00Z")]
    assert onset_revision(found[0], found)["revision"] == 2
    chosen = best(hypotheses(found))
    assert (chosen.category.value, chosen.resource) == ("bad_deploy_regression", WORKLOAD)
    assert "began with revision 2" in chosen.reasons[0]


def test_an_onset_after_the_latest_rollout_judges_the_latest_rollout():
    found = [rollout(["annotations"]), errors("2026-11-23T03:05:00Z")]
    assert onset_revision(found[0], found) is None
    assert hypotheses(found) == []  # an annotation cannot make the app fail requests


def test_an_onset_before_every_revision_in_the_history_has_no_revision_to_blame():
    found = [rollout(["image"]), errors("2026-11-22T23:00:00Z")]
    assert onset_revision(found[0], found) is None


def old_release(onset: str | None) -> list[Finding]:
    """A release older than the incident window: revision 2 went live at 01:30, the window began at 03:00."""
    release = Finding(agent="kubernetes", resource=WORKLOAD, signal="RecentRollout", severity="info",
                      summary=f"{WORKLOAD} rolled out revision 2, before the incident window",
                      details={"revision": 2, "changed": ["image"], "created": "2026-11-23T01:30:00Z", "in_window": False,
                               "history": HISTORY[:2]})
    return [release, *([errors(onset)] if onset else [])]


def test_a_release_older_than_the_window_is_the_suspect_when_the_symptom_began_with_it():
    chosen = best(hypotheses(old_release("2026-11-23T01:34:00Z")))  # errors from four minutes after it went live
    assert (chosen.category.value, chosen.resource) == ("bad_deploy_regression", WORKLOAD)


def test_a_release_older_than_the_window_is_not_blamed_for_a_symptom_that_began_long_after_it_or_unseen():
    assert hypotheses(old_release("2026-11-23T02:45:00Z")) == []  # 75 minutes of it serving well first
    assert hypotheses(old_release("2026-11-23T01:10:00Z")) == []  # the errors were there before it
    assert hypotheses(old_release(None)) == []  # no onset seen: its timing alone ties it to nothing


def test_a_release_whose_pods_memory_climbs_is_a_leak_not_a_generic_regression():
    ramp = Finding(agent="metrics", resource=WORKLOAD, signal="MemoryRamp", severity="warning",
                   summary=f"{WORKLOAD} memory rose from 34% to 85% of its limit", details={})
    found = [rollout(["image"]), errors("2026-11-23T03:05:00Z")]
    assert best(hypotheses(found)).category.value == "bad_deploy_regression"
    chosen = best(hypotheses([*found, ramp]))
    assert (chosen.category.value, chosen.resource) == ("memory_leak", WORKLOAD)


def new_error_lines(count: int) -> Finding:
    return Finding(agent="logs", resource=WORKLOAD, signal="NewErrorTemplate", severity="warning",
                   summary=f"new log template x{count}: ERROR GET /gates/{{id}} status=500",
                   details={"change": "new", "count": count})


def planned_release() -> Finding:
    return Finding(agent="kubernetes", resource=WORKLOAD, signal="RecentRollout", severity="info",
                   summary=f"{WORKLOAD} rolled out revision 2", details={"revision": 2, "changed": ["image"]})


def test_one_new_error_line_after_a_release_is_noise_not_a_regression():
    """A planned release whose alarm was its own rollout's unavailable replicas: the error and latency metrics did
    not move, and one new error line in half an hour is a service's usual noise -- rolling it back is a false action."""
    assert hypotheses([planned_release(), new_error_lines(1)]) == []
    assert hypotheses([planned_release(), new_error_lines(2)]) == []


def test_new_error_lines_in_numbers_after_a_release_are_a_regression():
    chosen = best(hypotheses([planned_release(), new_error_lines(40)]))
    assert (chosen.category.value, chosen.resource) == ("bad_deploy_regression", WORKLOAD)


def test_new_warning_lines_after_a_release_are_the_release_talking_not_a_regression():
    """A DaemonSet's rolling update paged on its own unavailable pods, and its new version logs a deprecation WARN on
    every node: undoing a release that works is a false action."""
    warned = new_error_lines(40).model_copy(update={"details": {"change": "new", "count": 40, "level": "warning"}})
    assert hypotheses([planned_release(), warned]) == []


def in_window_release(created: str) -> Finding:
    return Finding(agent="kubernetes", resource=WORKLOAD, signal="RecentRollout", severity="info",
                   summary=f"{WORKLOAD} rolled out revision 2",
                   details={"revision": 2, "changed": ["image"], "created": created, "in_window": True,
                            "history": HISTORY[:2]})


def test_a_release_inside_the_window_is_not_blamed_for_a_symptom_that_began_long_after_it():
    """An outside dependency slowing twenty-odd minutes after a release: the release's pods served unharmed first."""
    assert hypotheses([in_window_release("2026-11-23T01:30:00Z"), errors("2026-11-23T01:55:00Z")]) == []
    chosen = best(hypotheses([in_window_release("2026-11-23T01:30:00Z"), errors("2026-11-23T01:36:00Z")]))
    assert (chosen.category.value, chosen.resource) == ("bad_deploy_regression", WORKLOAD)
    # no onset to read: inside the window, its timing is enough to suspect it
    assert best(hypotheses([in_window_release("2026-11-23T01:30:00Z"), errors("")])).category.value == "bad_deploy_regression"


def probe(summary: str) -> Finding:
    return Finding(agent="kubernetes", resource=WORKLOAD, signal="ReadinessProbeFailing", severity="warning",
                   summary=f"roster-api-abc: Readiness probe failed: {summary}", details={})


def test_a_release_whose_new_pods_probe_where_the_app_no_longer_answers_is_a_probe_fault_not_the_throttling_it_causes():
    throttled = Finding(agent="metrics", resource=WORKLOAD, signal="CpuThrottled", severity="warning",
                        summary=f"{WORKLOAD} CPU throttled 42% of the time", details={})
    found = [in_window_release("2026-11-23T01:30:00Z"), errors("2026-11-23T01:33:00Z"), throttled,
             probe("HTTP probe failed with statuscode: 404")]
    chosen = best(hypotheses(found))
    assert (chosen.category.value, chosen.resource) == ("probe_misconfig", WORKLOAD)
    # an app that answers its probe 503 reports a problem of its own: the probe is not what is wrong
    found[-1] = probe("HTTP probe failed with statuscode: 503")
    assert best(hypotheses(found)).category.value != "probe_misconfig"


def log_line(signal: str, template: str) -> Finding:
    return Finding(agent="logs", resource=WORKLOAD, signal=signal, severity="warning",
                   summary=f"surged log template x30: {template}", details={"template": template, "count": 30})


def test_a_release_is_not_blamed_when_its_failing_calls_go_to_a_host_outside_the_cluster():
    release, slow = in_window_release("2026-11-23T01:30:00Z"), errors("2026-11-23T01:34:00Z")
    outside = [log_line("UpstreamErrors", "ERROR textwave: send timed out after <NUM>ms, requeued"),
               log_line("NewErrorTemplate", "WARN textwave: POST https://api.textwave.example.com/v2/messages took <NUM>ms")]
    assert hypotheses([release, slow, *outside]) == []
    inside = [log_line("UpstreamErrors", "ERROR GET http://ledger.payments.svc.cluster.local:8080/entries timed out")]
    assert best(hypotheses([release, slow, *inside])).category.value == "bad_deploy_regression"


def test_a_release_stays_the_suspect_when_the_host_outside_answers_429_to_how_often_it_calls():
    release, failing = in_window_release("2026-11-23T01:30:00Z"), errors("2026-11-23T01:34:00Z")
    limited = [log_line("UpstreamErrors", "ERROR GET https://api.alpinewx.example/v1/current -> 429 Too Many Requests"),
               log_line("NewErrorTemplate", "WARN alpinewx: rate limit reached, backing off <NUM>ms")]
    chosen = best(hypotheses([release, failing, *limited]))
    assert chosen.category.value == "bad_deploy_regression" and "429 Too Many Requests" in " ".join(chosen.reasons)


DB = "clinical/StatefulSet/pharmacy-db"
WORKER = "clinical/Deployment/pharmacy-sync-worker"


def test_a_caller_scaled_up_just_before_the_shared_dependency_strained_is_the_cause_not_its_throttling_or_a_release():
    """pharmacy-api (the alarmed caller, released 15 minutes before) fails because pharmacy-db is throttled -- and the
    db is throttled because another caller of it went from 2 to 12 replicas a minute before."""
    api = "clinical/Deployment/pharmacy-api"
    found = [
        Finding(agent="kubernetes", resource=api, signal="RecentRollout", severity="info", summary="api rolled out",
                details={"revision": 2, "changed": ["image"], "created": "2026-11-23T01:10:00Z", "in_window": True,
                         "history": HISTORY[:2]}),
        Finding(agent="metrics", resource=api, signal="ErrorAnomaly", severity="warning", summary="api 5xx",
                details={"onset": "2026-11-23T01:24:00Z"}),
        Finding(agent="kubernetes", resource=api, signal="DependsOn", severity="info", summary="api calls pharmacy-db",
                details={"dependency": "clinical/Service/pharmacy-db"}),
        Finding(agent="metrics", resource=DB, signal="CpuThrottled", severity="warning", summary="db throttled 65%"),
        Finding(agent="metrics", resource=DB, signal="ErrorAnomaly", severity="warning", summary="db errors",
                details={"onset": "2026-11-23T01:23:00Z"}),
        Finding(agent="kubernetes", resource=WORKER, signal="RecentScaleUp", severity="info", summary="worker 2 -> 12",
                details={"previous_replicas": 2, "replicas": 12, "at": "2026-11-23T01:22:00Z"}),
        Finding(agent="kubernetes", resource=WORKER, signal="LoadsDependency", severity="info", summary="worker calls db",
                details={"dependency": "clinical/Service/pharmacy-db", "backend": DB}),
    ]
    chosen = best(hypotheses(found))
    assert (chosen.category.value, chosen.resource) == ("dependency_failure", WORKER)
    # scaled up long after the strain began: not what made it
    found[5] = found[5].model_copy(update={"details": {"previous_replicas": 2, "replicas": 12, "at": "2026-11-23T02:30:00Z"}})
    assert best(hypotheses(found)).resource != WORKER


def test_an_update_that_reached_some_members_names_them():
    old = {"revision": 1, "pods": ["ledger-0", "ledger-1"]}
    new = {"revision": 2, "pods": ["ledger-2"]}
    assert partial_members(new, [old, new]) == "; only ledger-2 runs it (ledger-0, ledger-1 on revision 1)"
    everyone = {"revision": 2, "pods": ["ledger-0", "ledger-1", "ledger-2"]}
    assert partial_members(everyone, [{**old, "pods": []}, everyone]) == ""  # the update reached them all
    assert partial_members({"revision": 2, "pods": None}, [old]) == ""  # a Deployment's revision names no pods


def oom(ran: int | None, summary: str) -> Finding:
    return Finding(agent="kubernetes", resource=WORKLOAD, signal="OOMKilled", severity="critical", summary=summary,
                   details={} if ran is None else {"ran_seconds": ran})


def test_the_kill_count_without_a_run_time_reads_its_pods_kills_a_leak_after_an_hour_a_short_limit_at_once():
    """The analyzer's "restarted after being OOMKilled; 3 restarts" carries no run time; the pods' own kills of the same
    workload do -- 58 minutes of running before each kill is a leak, never a limit below the working set."""
    count = oom(None, "Container app restarted after being OOMKilled (exit code 137), memory limit 2Gi; 3 restarts")
    chosen = best(hypotheses([count, oom(3481, "app-1/app was OOMKilled (exit 137) after running 3481s")]))
    assert (chosen.category.value, chosen.resource) == ("memory_leak", WORKLOAD)
    chosen = best(hypotheses([count, oom(25, "app-1/app was OOMKilled (exit 137) after running 25s")]))
    assert chosen.category.value == "oom_killed"


def test_a_regression_says_the_change_cause_its_author_gave():
    said = Finding(agent="kubernetes", resource=WORKLOAD, signal="RecordedIntent", severity="info", summary="a note",
                   details={"intent": {"key": "kubernetes.io/change-cause", "value": "16.4-r13 (DBA-1: max_connections 200 -> 40)",
                                       "signal": "change record"}})
    found = [rollout(["image"]), errors("2026-11-23T03:05:00Z")]
    chosen = best(hypotheses([*found, said]))
    assert chosen.category.value == "bad_deploy_regression"
    assert any("its change-cause: '16.4-r13 (DBA-1: max_connections 200 -> 40)'" in r for r in chosen.reasons)


def alarm_fired(at: str) -> Finding:
    return Finding(agent="metrics", resource=WORKLOAD, signal="AlarmFired", severity="info", summary=f"fired at {at}",
                   details={"fired": at, "state": "OK"})


def test_a_release_that_went_out_after_the_alarm_fired_is_not_what_fired():
    """hg10's shape: the alarm fired in a rush and recovered; a release 40 minutes later is slower but under the
    threshold -- whatever it changed, it did not bring the alarm (the causal link runs forward in time only)."""
    latest = Finding(agent="kubernetes", resource=WORKLOAD, signal="RecentRollout", severity="info",
                     summary=f"{WORKLOAD} rolled out revision 3",
                     details={"revision": 3, "changed": ["image"], "history": HISTORY, "created": "2026-11-23T03:00:00Z"})
    slower = Finding(agent="metrics", resource=WORKLOAD, signal="LatencyAnomaly", severity="warning",
                     summary="LatencyP99 anomalous", details={"onset": "2026-11-23T03:01:00Z", "metric": "LatencyP99"})
    assert best(hypotheses([latest, slower])).category.value == "bad_deploy_regression"  # no alarm read: a suspect
    assert best(hypotheses([latest, slower, alarm_fired("2026-11-23T03:00:30Z")])).category.value == "bad_deploy_regression"
    assert hypotheses([latest, slower, alarm_fired("2026-11-23T02:20:00Z")]) == []  # it fired 40 min before the release
