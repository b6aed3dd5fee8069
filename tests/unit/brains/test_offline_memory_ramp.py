"""A memory climb that began with a release inside the window still reads as a climb (its last part rises in
many small steps); a one-off jump that then stays flat does not, nor does noise. Table tests."""

from __future__ import annotations

import pytest

from sre_agent.brains.offline.metric_judgement import still_climbing

LEAK_TAIL = [31 + 3 * i for i in range(12)]          # 31% -> 64% of the limit over the last hour
STEP_TAIL = [60.0] * 12                               # jumped earlier, flat since
JUMP_TAIL = [10.0] * 6 + [60.0] * 6                   # one jump inside the tail
NOISE_TAIL = [30, 31, 29, 32, 30, 31, 29, 30, 32, 31, 30, 31]


@pytest.mark.parametrize("tail, rise, climbing", [
    (LEAK_TAIL, 60.0, True),
    (STEP_TAIL, 55.0, False),
    (JUMP_TAIL, 50.0, False),
    (NOISE_TAIL, 30.0, False),
    ([], 10.0, False),
])
def test_a_climb_is_many_small_steps_up(tail, rise, climbing):
    assert still_climbing([float(v) for v in tail], rise) is climbing
