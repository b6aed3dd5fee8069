"""A long quote keeps its start and its end: the innermost cause of a wrapped error is its last words."""

import pytest

from sre_agent.quoting import MARK, clip

PULL = ('Failed to pull image "registry.example.com/t/renderer:3.4.1": rpc error: code = Unknown desc = failed to pull '
        'and unpack image "registry.example.com/t/renderer:3.4.1": failed to resolve reference: unexpected status code '
        '401 Unauthorized')
LOGIN = ("ERROR [http-nio-8080] GET /api/v1/orders/{id}/status -> 500 in 38 ms (trace=cc85f0cf5a84): orders-db: "
         'authentication failed for user "results_api"')


@pytest.mark.parametrize("text, limit, start, end", [
    (PULL, 160, "Failed to pull image", "401 Unauthorized"),
    (LOGIN, 110, "ERROR [http-nio-8080]", 'for user "results_api"'),
    ("write data: " + "x " * 200 + "No space left on device", 120, "write data:", "No space left on device"),
])
def test_a_cut_quote_keeps_its_start_and_its_cause(text: str, limit: int, start: str, end: str) -> None:
    cut = clip(text, limit)
    assert len(cut) <= limit
    assert cut.startswith(start) and cut.endswith(end) and MARK in cut


def test_a_quote_that_fits_is_whole() -> None:
    assert clip(LOGIN, len(LOGIN)) == LOGIN


def test_words_are_never_split() -> None:
    cut = clip(PULL, 100)
    head, tail = cut.split(MARK)
    assert PULL.startswith(head) and PULL.endswith(tail)
    assert PULL[len(head)] in " ,:;-(" and PULL[-len(tail) - 1] == " "


def test_too_little_room_keeps_the_start() -> None:
    assert clip("abcdefghijklmnopqrstuvwxyz", 10) == "abcdefghi…"


def test_a_usage_listing_after_the_error_is_dropped_before_the_cut() -> None:
    crashed = ("pod/ingester exits with code 2: flag provided but not defined: -kafka.brokers  Usage of /app/ingester: "
               "-brokers string  kafka brokers -topic string  topic to consume (default \"lab-results.v1\") -group string")
    cut = clip(crashed, 120)
    assert "-kafka.brokers" in cut and "topic to consume" not in cut and len(cut) <= 120


REFUSAL = ("Not pinned: ConfigMap printer-config: set key LABEL_FORMAT on printing/ConfigMap/printer-config -- the root "
           "cause found is Node/edge-1 (node_failure: (NotReady): printer-4jm is stuck terminating on unresponsive node "
           "edge-1; node edge-1 Ready=Unknown: Kubelet stopped posting node status.) -- this change to "
           "printing/ConfigMap/printer-config does not touch it")


def test_a_long_aside_is_cut_before_the_names_around_it() -> None:
    from sre_agent.quoting import clip_asides
    cut = clip_asides(REFUSAL, 300)
    assert len(cut) <= 300 and "the root cause found is Node/edge-1 (node_failure" in cut
    assert cut.endswith("does not touch it") and MARK in cut


def test_an_aside_that_carries_what_is_asked_is_spared_and_a_short_line_is_whole() -> None:
    from sre_agent.quoting import clip_asides
    assert clip_asides(REFUSAL, 300, spare=lambda aside: "Kubelet" in aside) == REFUSAL
    assert clip_asides("a (b) c", 3) == "a (b) c"


@pytest.mark.parametrize("text, also, said", [
    # an aside whose every word is said outside it (or by the line around: `also`) is cut first
    ("X's DB_URL (from ConfigMap x-config/DB_URL) names Service db-pooler, which does not exist (close: db)",
     "ns/ConfigMap/x-config", "X's DB_URL names Service db-pooler, which does not exist (close: db)"),
    ("(OOMKilled): pod was OOMKilled (exit 137)", "", "(OOMKilled): pod was OOMKilled (exit 137)"),  # a label, a fact
    ("claim Pending (storage class gp3-encrypted) asks for gp3-encrypted", "",
     "claim Pending (storage class gp3-encrypted) asks for gp3-encrypted"),  # "storage", "class": words of its own
])
def test_an_aside_that_adds_no_word_of_its_own_is_cut(text, also, said):
    from sre_agent.quoting import without_said_asides
    assert without_said_asides(text, also) == said
