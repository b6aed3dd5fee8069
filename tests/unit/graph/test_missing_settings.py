"""The setting a crash line names is the upper-case word nearest its "variable / not set / missing" words, whatever the
log format -- never the severity the line starts with."""

import pytest

from sre_agent.graph.missing_settings import missing_var_names


@pytest.mark.parametrize(("line", "first"), [
    ("CRITICAL chart-api: settings error: environment variable CHART_DB_HOST is required but not set - exiting",
     "CHART_DB_HOST"),
    ('level=FATAL msg="missing configuration" key=VAT_EXPORT_BUCKET', "VAT_EXPORT_BUCKET"),
    ("error: SEARCH_ENDPOINT not configured; cannot reindex (missing SEARCH_ENDPOINT)", "SEARCH_ENDPOINT"),
    ("SEVERE: startup aborted, see HTTP_DOCS; required env API_KEY is empty", "API_KEY"),
    ("PANIC DB_URL", "DB_URL"),  # no cue words: the only name that is not a severity
])
def test_the_setting_named_is_the_one_beside_the_missing_words(line, first):
    assert missing_var_names(line)[0] == first


def test_a_line_naming_no_setting_names_none():
    assert missing_var_names("ERROR: exiting with code 3") == []


@pytest.mark.parametrize(("wanted", "classes", "chosen"), [
    ("gp3-encrpyted", ["gp3", "gp3-encrypted"], "gp3-encrypted"),  # a typo
    ("efs", ["gp3", "efs-shared"], "efs-shared"),  # a short form
    ("fast-ssd", ["gp3", "standard"], None),  # nothing near: a human picks
    ("io2", ["io2-a", "io2-b"], None),  # two as near
])
def test_a_claims_missing_class_is_meant_as_the_nearest_existing_one(wanted, classes, chosen):
    from sre_agent.graph.fix_values import nearest_storage_class

    assert nearest_storage_class(wanted, classes) == chosen
