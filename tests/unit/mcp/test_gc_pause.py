"""kube.GcPause: the collector held off while any thread decodes or reduces a large list, back on when the last
one leaves -- and left off when it was off before."""

from __future__ import annotations

import gc
import threading

from mcp_servers.kubernetes.kube import GcPause, parse_json


def test_the_collector_comes_back_when_the_last_holder_leaves():
    pause, was = GcPause(), gc.isenabled()
    gc.enable()
    try:
        inside, release = threading.Barrier(3), threading.Event()
        seen: list[bool] = []

        def hold() -> None:
            with pause:
                inside.wait()
                release.wait()
                seen.append(gc.isenabled())

        threads = [threading.Thread(target=hold) for _ in range(2)]
        for t in threads:
            t.start()
        inside.wait()
        assert not gc.isenabled()
        release.set()
        for t in threads:
            t.join()
        assert seen == [False, False] and gc.isenabled()
        gc.disable()
        with pause:
            pass
        assert not gc.isenabled()  # off before: left off
    finally:
        (gc.enable if was else gc.disable)()


def test_a_body_parses_with_the_collector_on_afterwards():
    was = gc.isenabled()
    gc.enable()
    try:
        assert parse_json(b'{"items": [{"a": 1}]}') == {"items": [{"a": 1}]}
        assert parse_json(b'{"n": 18446744073709551616}') == {"n": 2**64}  # json's slow path
        assert gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()
