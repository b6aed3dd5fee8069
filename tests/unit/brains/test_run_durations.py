"""A batch that got slower, read from its runs' own start and completion times: from which run, against what, and what
that run's Job spec changed from the run before it (every run copies the CronJob's job template)."""

import pytest

from sre_agent.brains.offline.diagnosis import best, hypotheses
from sre_agent.brains.offline.run_durations import minutes, slower_runs
from sre_agent.contracts import Finding


def run(n: int, minutes_taken: int, parallelism: int = 4) -> dict:
    start = f"2026-11-27T{10 + n:02d}:00:00Z"
    return {"name": f"import-{n}", "created": start, "started": start,
            "completed": f"2026-11-27T{10 + n:02d}:{minutes_taken:02d}:00Z", "parallelism": parallelism,
            "images": ["acme/import:3.1"]}


@pytest.mark.parametrize("runs, first, changed", [
    # parallelism halved at the fourth run: every run since takes twice as long
    ([run(0, 9), run(1, 9), run(2, 10), run(3, 18, 2), run(4, 18, 2)], "import-3", ["parallelism 4 -> 2"]),
    ([run(0, 9), run(1, 9), run(2, 18), run(3, 19)], "import-2", []),  # slower, and its spec the same: no change named
    ([run(0, 9), run(1, 9), run(2, 10), run(3, 9)], None, None),  # as long as they always took
    ([run(0, 9), run(1, 9), run(2, 20), run(3, 9)], None, None),  # one slow run, then back: not "slower since"
    ([run(0, 9), run(1, 18, 2)], None, None),  # one run before: no "usual" to compare with
])
def test_runs_that_take_longer_since_one_run_name_it_and_what_its_spec_changed(runs, first, changed):
    found = slower_runs(runs)
    if first is None:
        assert found is None
    else:
        assert found is not None and found.first["name"] == first and found.changed == changed
        assert minutes(found.before_s) == "9m" and found.after_s >= 1.5 * found.before_s


def test_a_template_change_that_slowed_the_runs_is_the_cronjobs_regression():
    slower = Finding(agent="kubernetes", resource="m/CronJob/import", signal="RunsSlower", severity="warning",
                     summary="runs take 18m since import-3, against 9m", details={"changed": ["parallelism 4 -> 2"]})
    chosen = best(hypotheses([slower]))
    assert chosen is not None and (chosen.category.value, chosen.resource) == ("bad_deploy_regression", "m/CronJob/import")
    unexplained = slower.model_copy(update={"details": {"changed": []}})
    assert hypotheses([unexplained]) == []  # slower with nothing changed in its spec: no regression to name


def job(n: int, status: str, tag: str) -> dict:
    return {"name": f"export-{n}", "created": f"2026-11-27T{10 + n:02d}:00:00Z", "status": status,
            "images": [f"acme/export:{tag}"], "containers": ["export"]}


@pytest.mark.parametrize("jobs, moved", [
    # every run since the last good one failed on another tag of its image: the template's image moved
    ([job(0, "Complete", "2.9"), job(1, "Failed", "3.0"), job(2, "Failed", "3.0")], ("acme/export:2.9", "acme/export:3.0")),
    ([job(0, "Complete", "2.9"), job(1, "Failed", "3.0"), job(2, "Running", "3.0")], ("acme/export:2.9", "acme/export:3.0")),
    ([job(0, "Complete", "2.9"), job(1, "Failed", "2.9")], None),  # failing on the same image: not the image
    ([job(0, "Complete", "2.9"), job(1, "Failed", "3.0"), job(2, "Complete", "3.0")], None),  # the new one worked since
    ([job(0, "Failed", "3.0"), job(1, "Failed", "3.0")], None),  # no run completed: nothing known to work
])
def test_runs_failing_since_the_templates_image_moved_name_both_images(jobs, moved):
    from sre_agent.brains.offline.run_durations import image_moved_under_runs
    from sre_agent.graph.cronjob_fixes import stuck_run_fixes

    found = image_moved_under_runs(jobs)
    assert (found[:2] if found else None) == moved
    if moved:
        cronjob = "batch/CronJob/export"
        findings = [Finding(agent="kubernetes", resource=cronjob, signal=signal, summary=signal, severity="critical",
                            evidence=["ev-1"], details=details) for signal, details in (
            ("RunsFailSinceImage", {"image_before": moved[0], "image_now": moved[1], "last_completed": "export-0"}),
            ("RunHistory", {"images": [moved[0]], "containers": ["export"]}))]
        assert best(hypotheses(findings)).category.value == "bad_deploy_regression"
        [fix] = stuck_run_fixes(findings, cronjob)
        assert fix.commands == [f"kubectl -n batch set image cronjob/export export={moved[0]}"] and not fix.needs


def done(n: int, minutes_taken: int, deadline: int | None = 2700) -> dict:
    return {**run(n, minutes_taken), "status": "Complete", **({"deadline_s": deadline} if deadline else {})}


def killed(n: int, deadline: int = 600) -> dict:
    start = f"2026-11-27T{10 + n:02d}:00:00Z"
    return {"name": f"import-{n}", "created": start, "started": start, "status": "Failed", "deadline_s": deadline,
            "condition": "Failed: DeadlineExceeded", "images": ["acme/import:3.1"]}


@pytest.mark.parametrize("runs, deadline, before", [
    # the deadline cut from 2700 s to 600 s while a run takes 25 min: every run since is killed at it
    ([done(0, 25), done(1, 24), killed(2), killed(3)], 600, 2700),
    ([done(0, 25, None), killed(1)], 600, None),  # no deadline before: still under the work
    ([done(0, 5), killed(1)], None, None),  # a run takes 5 min and the deadline is 10: the run hung, not the deadline
    ([done(0, 25), killed(1), done(2, 25)], None, None),  # a run completed since: not every run is killed
    ([killed(0), killed(1)], None, None),  # no run ever completed: nothing says how long the work takes
])
def test_runs_killed_at_a_deadline_shorter_than_the_work_name_it(runs, deadline, before):
    from sre_agent.brains.offline.run_durations import killed_at_deadline
    found = killed_at_deadline(runs)
    assert (found.deadline_s, found.deadline_before) == (deadline, before) if deadline else found is None


def test_a_deadline_under_the_work_is_a_regression_of_the_cronjob_and_its_fix_gives_the_room_back():
    from sre_agent.graph.cronjob_fixes import stuck_run_fixes
    finding = Finding(agent="kubernetes", resource="r/CronJob/report", signal="RunsKilledAtDeadline", severity="critical",
                      summary="r/CronJob/report's runs are killed at their deadline", evidence=["ev-1"],
                      details={"deadline_s": 600, "usual_s": 1500.0, "deadline_before": 2700})
    top = best(hypotheses([finding]))
    assert top is not None and top.category == "bad_deploy_regression" and top.resource == "r/CronJob/report"
    fix = stuck_run_fixes([finding], "r/CronJob/report")[0]
    assert '"activeDeadlineSeconds": 2700' in fix.commands[0] and "kubectl -n r patch cronjob report" in fix.commands[0]
    unknown = finding.model_copy(update={"details": {"deadline_s": 600, "usual_s": 1500.0, "deadline_before": None}})
    assert '"activeDeadlineSeconds": 2280' in stuck_run_fixes([unknown], "r/CronJob/report")[0].commands[0]
