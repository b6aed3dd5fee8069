"""A field found by the value a request gives it and the request's words: one field wins, or none is pinned."""

from __future__ import annotations

import pytest

from sre_agent.chat.act.field_plans import field_plan
from sre_agent.chat.act.field_shapes import field_by_shape, shape_of, value_from

CRONJOB = {"spec": {"schedule": "*/30 * * * *", "suspend": False, "jobTemplate": {"spec": {"template": {"spec": {
    "containers": [{"name": "archive", "image": "archive:2.7.0"}],
    "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "archive-data-v2"}}]}}}}}}
PROBED = {"spec": {"replicas": 4, "template": {"spec": {"containers": [{
    "name": "portal", "image": "portal:4.2.0",
    "readinessProbe": {"httpGet": {"path": "/health/ready", "port": 3000}},
    "livenessProbe": {"httpGet": {"path": "/healthz", "port": 3000}}}]}}}}


@pytest.mark.parametrize("question, obj, found", [
    ("revert the schedule to 15 * * * *", CRONJOB, ("/spec/schedule", "*/30 * * * *", "15 * * * *")),
    ("point the cronjob back at the old claim archive-data for now", CRONJOB,
     ("/spec/jobTemplate/spec/template/spec/volumes/0/persistentVolumeClaim/claimName", "archive-data-v2", "archive-data")),
    ("ok point the readiness probe back at /readyz", PROBED,
     ("/spec/template/spec/containers/0/readinessProbe/httpGet/path", "/health/ready", "/readyz")),
    ("point the liveness check to /live so it stops flapping", PROBED,
     ("/spec/template/spec/containers/0/livenessProbe/httpGet/path", "/healthz", "/live")),
    # a tie (which probe?) and no word in common are no plan
    ("point the probe to /readyz", PROBED, None),
    ("make it /readyz", PROBED, None),
    # fields other planners own (with their guards) are never reached by shape: replicas, images, resources, env
    ("pin the deployment replicas at 13", PROBED, None),
    ("set the portal image to portal-4-1-3", PROBED, None),
])
def test_the_field_a_value_and_words_point_at(question, obj, found):
    assert field_by_shape(question, obj) == found


@pytest.mark.parametrize("value, shape", [("15 * * * *", "cron"), ("/readyz", "path"), ("amqp://x:5672", "url"),
                                          ("13", "number"), ("512Mi", "quantity"), ("lab-broker", "name"), ("true", "bool")])
def test_shapes(value, shape):
    assert shape_of(value) == shape


def test_a_cron_value_is_taken_whole_even_after_the_fields_own_name():
    # "schedule" is the CronJob's own key: its value is the whole cron line, never its first field
    assert value_from("15 * * * * please") == "15 * * * *"
    plan = field_plan("set schedule to 15 * * * *", "crew/CronJob/roster", CRONJOB)
    assert plan.change == "CronJob roster: /spec/schedule */30 * * * * -> 15 * * * *"
