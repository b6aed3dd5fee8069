"""Log template mining (mcp_servers/cloudwatch/log_patterns.py, log_masking.py, log_templates.py):
new / surged / steady, masking, ordering and edge cases. Synthetic windows of one minute per "period"; no backend."""

from __future__ import annotations

import pytest

from mcp_servers.cloudwatch.log_masking import _ANY_RULE, _RULE_NAMES, MASKING_RULES, LineMasker, _value_kind
from mcp_servers.cloudwatch.log_patterns import mine_log_patterns
from mcp_servers.cloudwatch.log_templates import guess_severity

MINUTE = 60_000
T0 = 1_714_560_000_000
BASELINE = (T0, T0 + 30 * MINUTE)
WINDOW = (T0 + 30 * MINUTE, T0 + 60 * MINUTE)


def spread(start: int, minutes: int, per_minute: int, make) -> list[tuple[int, str]]:
    """`per_minute` lines each minute for `minutes` minutes from `start`, made by make(i)."""
    step = MINUTE // per_minute
    return [(start + i * step, make(i)) for i in range(minutes * per_minute)]


def access_line(i: int) -> str:
    return f"GET /api/orders/{1000 + i} status=200 duration_ms={i % 900} client=10.0.{i % 250}.{i % 7}:{40000 + i}"


def by_template(report, needle: str):
    matches = [t for t in report.templates if needle in t.template]
    assert len(matches) == 1, f"expected one template containing {needle!r}, got {[t.template for t in report.templates]}"
    return matches[0]


def test_error_that_starts_after_onset_is_new_and_ranked_first():
    baseline = spread(BASELINE[0], 30, 20, access_line)
    window = spread(WINDOW[0], 30, 20, access_line)
    onset = WINDOW[0] + 20 * MINUTE
    errors = spread(onset, 10, 3, lambda i: f"ERROR charge failed for order {500 + i}: connection refused to 10.1.2.{i % 9}:5432")
    window = sorted(window + errors)

    report = mine_log_patterns(window, baseline, window=WINDOW, baseline_window=BASELINE)

    first = report.templates[0]
    assert "charge failed for order" in first.template
    assert (first.change, first.severity, first.count) == ("new", "error", 30)
    assert first.rate_ratio is None and first.baseline_count == 0
    assert first.first_seen == onset and first.last_seen == errors[-1][0]
    assert len(first.samples) == 3 and first.samples[0] == errors[0][1]
    assert by_template(report, "/api/orders/").change == "steady"


def test_template_whose_rate_goes_up_tenfold_is_surged():
    retry = lambda i: f"WARN upstream inventory:8080 slow response after {1 + i % 5}.{i % 10}s (attempt {1 + i % 3}/3)"  # noqa: E731
    baseline = spread(BASELINE[0], 30, 2, retry) + spread(BASELINE[0], 30, 20, access_line)
    window = spread(WINDOW[0], 30, 20, retry) + spread(WINDOW[0], 30, 20, access_line)

    report = mine_log_patterns(sorted(window), sorted(baseline), window=WINDOW, baseline_window=BASELINE)

    surged = by_template(report, "slow response after")
    assert surged.change == "surged"
    assert surged.rate_ratio == pytest.approx(10.0)
    assert (surged.count, surged.baseline_count) == (600, 60)
    assert report.templates[0] is surged  # a surged warning outranks steady info


def test_steady_chatter_stays_steady_even_with_different_window_lengths():
    baseline = spread(T0, 60, 10, access_line)  # one hour
    window = spread(T0 + 60 * MINUTE, 15, 12, access_line)  # 15 minutes, rate +20%
    report = mine_log_patterns(window, baseline, window=(T0 + 60 * MINUTE, T0 + 75 * MINUTE), baseline_window=(T0, T0 + 60 * MINUTE))
    assert len(report.templates) == 1
    steady = report.templates[0]
    assert (steady.change, steady.severity) == ("steady", "info")
    assert steady.rate_ratio == pytest.approx(1.2)


def test_few_lines_are_not_a_surge_whatever_the_ratio():
    baseline = [(BASELINE[0], "WARN cache miss storm on shard 3")]
    window = [(WINDOW[0] + i, f"WARN cache miss storm on shard {i}") for i in range(3)]
    report = mine_log_patterns(window, baseline, window=WINDOW, baseline_window=BASELINE, min_surge_count=5)
    assert report.templates[0].change == "steady" and report.templates[0].rate_ratio == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["status=503 duration_ms=1234", "status=200 duration_ms=7"], "status=<NUM> duration_ms=<NUM>"),
        (["conn from 10.0.0.7:5432 closed", "conn from 192.168.10.200:61000 closed"], "conn from <IP> closed"),
        (["req 3bab6c39-8d88-448a-9eed-8d14f06d3fef done", "req a5cd95e7-1cf3-4179-8e07-50ea92484194 done"], "req <UUID> done"),
        (["trace=7ed4d57b1e2feb89 ok", "trace=0x1f ok"], "trace=<HEX> ok"),
        (["retry in 250ms", "retry in 1.5s"], "retry in <DUR>"),
        (["GC heap 478M->230M", "GC heap 1.5GB->980Mi"], "GC heap <SIZE>-><SIZE>"),
        (["build 2024.05.01-rc7 ok", "build 2023.11.30-rc12 ok"], "build <NUM>.<NUM>.<ID> ok"),
        (["user \"alice\" not found", "user \"bob o'brien\" not found"], "user <STR> not found"),
        (["pod payment-api-7d9f8c6b5-x2x7k started", "pod payment-api-5c4b9d7f2-q9w8e started"], "pod <ID> started"),
        (["2024-05-01T12:00:00.123Z exit code 137.", "2024-05-02T01:02:03Z exit code 1."], "<TS> exit code <NUM>."),
        (["GET /api/orders/12345 200", "GET /api/orders/7 404"], "GET /api/orders/<NUM> <NUM>"),
        (["0/3 nodes are available: 3 Insufficient cpu", "0/12 nodes are available: 12 Insufficient cpu"],
         "<NUM>/<NUM> nodes are available: <NUM> Insufficient cpu"),
    ],
)
def test_masking_collapses_variable_fields(lines, expected):
    masker = LineMasker()
    assert {masker.mask(line) for line in lines} == {expected}


@pytest.mark.parametrize(
    "value",
    ["0", "137", "-5", "3.14", "12345678", "7ed4d57b1e2feb89", "123456789abc", "0x1F", "deadbeef", "10.0.0.7",
     "10.0.0.7:5432", "250ms", "1500ms", "1.5s", "3m", "512Mi", "1.5GB", "478M", "3bab6c39-8d88-448a-9eed-8d14f06d3fef",
     "12:00:01.5", "2024-05-01", "2024-05-01T12:00:00Z", "node-3", "payment-api-7d9f8c6b5-x2x7k", "req_8f3a2b",
     "http2", "v1.2.3", "abc", "1e10", "x86_64"],
)
def test_the_fast_value_classifier_names_values_as_the_masking_rules_do(value):
    # The token stage classifies whole values with str methods and a second regex; stock Drain3
    # uses MASKING_RULES. Both must give one value one name.
    assert _ANY_RULE.groups == len(MASKING_RULES)
    match = _ANY_RULE.fullmatch(value)
    assert _value_kind(value) == (_RULE_NAMES[match.lastindex - 1] if match else None)


def test_masking_keeps_the_message_of_logfmt_and_json_lines():
    masker = LineMasker()
    assert masker.mask('level=error user="bob" msg="payment failed: card 4242 declined"') == (
        'level=error user=<STR> msg="payment failed: card <NUM> declined"'
    )
    assert masker.mask('{"level":"error","msg":"db timeout","order_id":42,"user":"bob","ok":false,"http":{"status":503}}') == (
        "level=error msg=db timeout order_id=<NUM> user=<STR> ok=false http.status=<NUM>"
    )


def test_lines_of_one_shape_become_one_template_and_stack_traces_one_line():
    window = [(WINDOW[0] + i * 1000, f"request {i} to 10.0.0.{i % 200}:80 took {i}ms status={200 + i % 3}") for i in range(500)]
    window += [(WINDOW[0] + i, f'Traceback (most recent call last):\n  File "app.py", line {i}, in run\nKeyError: \'k{i}\'')
               for i in range(5)]
    report = mine_log_patterns(window, window=WINDOW)
    assert report.template_count == 2
    traceback = by_template(report, "Traceback")
    assert traceback.severity == "error" and traceback.count == 5 and traceback.change == "unknown"
    assert "KeyError" in traceback.template


def test_an_error_is_never_folded_into_a_similar_info_template():
    baseline = spread(BASELINE[0], 30, 5, lambda i: f"payment {i} processed for user {i % 50}")
    window = spread(WINDOW[0], 30, 5, lambda i: f"payment {i} processed for user {i % 50}")
    window += [(WINDOW[0] + 5, "payment 7 ERROR for user 3")]
    report = mine_log_patterns(sorted(window), baseline, window=WINDOW, baseline_window=BASELINE)
    error = report.templates[0]
    assert (error.severity, error.change, error.count) == ("error", "new", 1)


def test_baseline_templates_missing_from_the_window_are_listed_as_gone():
    baseline = spread(BASELINE[0], 30, 2, lambda i: f"ERROR OOM while loading batch {i}") + spread(BASELINE[0], 30, 2, access_line)
    window = spread(WINDOW[0], 30, 2, access_line)
    report = mine_log_patterns(window, sorted(baseline), window=WINDOW, baseline_window=BASELINE)
    assert [(g.severity, g.baseline_count) for g in report.gone] == [("error", 60)]
    assert "OOM while loading batch" in report.gone[0].template
    assert all("OOM" not in t.template for t in report.templates)


def test_empty_input_gives_an_empty_report():
    report = mine_log_patterns([], [])
    assert report.templates == [] and report.gone == [] and report.template_count == 0
    assert report.window.lines == 0 and report.baseline is not None and report.baseline.lines == 0
    assert mine_log_patterns([], None, window=WINDOW).window.start_ms == WINDOW[0]


def test_everything_is_new_against_an_empty_baseline_and_unknown_without_one():
    window = [(WINDOW[0], "service started on port 8080")]
    assert mine_log_patterns(window, []).templates[0].change == "new"
    assert mine_log_patterns(window).templates[0].change == "unknown"


def test_max_templates_truncates_after_ranking():
    names = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
    window = [(WINDOW[0] + i, f"{name} job finished") for i, name in enumerate(names)] + [(WINDOW[0], "FATAL disk full")]
    report = mine_log_patterns(window, [], max_templates=3)
    assert report.truncated and report.template_count == 11 and len(report.templates) == 3
    assert report.templates[0].template == "FATAL disk full"


def test_bad_arguments_say_what_to_pass():
    with pytest.raises(ValueError, match=r"window ends .* before it starts"):
        mine_log_patterns([], window=(10, 5))
    with pytest.raises(ValueError, match="surge_factor must be above 1"):
        mine_log_patterns([], surge_factor=1.0)


@pytest.mark.parametrize(
    ("line", "severity"),
    [
        ("ERROR could not connect", "error"),
        ("level=error msg=boom", "error"),
        ("panic: runtime error: invalid memory address", "error"),
        ("java.lang.NullPointerException at Foo.bar", "error"),
        ("raise ValueError: bad", "error"),
        ("WARN slow query", "warning"),
        ("GET /healthz 200 errors=0 error_rate=0", "info"),
        ("level=info msg=retrying error=<nil>", "info"),
        ('{"level":"info","error":null}', "info"),
        ("severity=WARNING msg=disk at 85%", "warning"),
        ("E<NUM> <TIME> <NUM> reflector.go:<NUM>] failed to list", "error"),
        ("I<NUM> <TIME> <NUM> reflector.go:<NUM>] Watch close", "info"),
        ("level=verbose something", "info"),
        ("level=<STR> panic: nil map", "error"),
    ],
)
def test_severity_guess(line, severity):
    assert guess_severity(line) == severity
