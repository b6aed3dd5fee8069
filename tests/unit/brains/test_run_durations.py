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
