"""The store's chat sessions table (service/chat_store.py): sessions opened, the idle ones closed to
make room, expiry by idle time, the message bound taken atomically. The same cases on SQLite and,
when SRE_AGENT_TEST_POSTGRES_DSN is set, PostgreSQL (a schema per test)."""

from __future__ import annotations

import threading

from sre_agent.service.chat_store import CLOSED_KEPT_S

TTL = 100.0


def open_session(store, session_id: str, now: float, max_live: int = 10, namespace: str | None = "shop"):
    return store.create_chat_session(session_id, namespace, "api", max_live=max_live, ttl_s=TTL, now=now)


def test_a_session_is_opened_once_and_read_back(store):
    assert open_session(store, "chat-a", now=1000.0) == (True, [])
    assert open_session(store, "chat-a", now=1001.0) == (False, [])  # an id is never opened twice
    record = store.chat_session("chat-a")
    assert (record.namespace, record.source, record.created_at, record.last_active_at) == ("shop", "api", 1000.0, 1000.0)
    assert (record.message_count, record.bytes, record.state(TTL, now=1050.0)) == (0, 0, "live")
    assert record.expires_at(TTL) == 1100.0
    assert store.chat_session("chat-nope") is None


def test_past_the_limit_the_session_idle_longest_is_closed(store):
    open_session(store, "chat-a", now=1000.0, max_live=2)
    open_session(store, "chat-b", now=1001.0, max_live=2)
    store.begin_chat_turn("chat-a", max_messages=5, ttl_s=TTL, now=1002.0)  # a is active again: b is idle longest
    assert open_session(store, "chat-c", now=1003.0, max_live=2) == (True, ["chat-b"])
    evicted = store.chat_session("chat-b")
    assert evicted.state(TTL, now=1003.0) == "evicted" and evicted.closed_reason == "evicted"
    assert store.live_chat_sessions(TTL, now=1003.0) == 2
    assert store.begin_chat_turn("chat-b", max_messages=5, ttl_s=TTL, now=1004.0) is None


def test_an_idle_session_expires_and_no_longer_counts_as_live(store):
    open_session(store, "chat-a", now=1000.0, max_live=1)
    assert store.chat_session("chat-a").state(TTL, now=1000.0 + TTL) == "expired"
    assert store.begin_chat_turn("chat-a", max_messages=5, ttl_s=TTL, now=1000.0 + TTL) is None
    assert store.live_chat_sessions(TTL, now=1000.0 + TTL) == 0
    assert open_session(store, "chat-b", now=1000.0 + TTL, max_live=1) == (True, [])  # nothing live to close


def test_the_message_bound_is_taken_one_slot_at_a_time_and_a_failed_turn_gives_its_slot_back(store):
    open_session(store, "chat-a", now=1000.0)
    first = store.begin_chat_turn("chat-a", max_messages=2, ttl_s=TTL, now=1010.0)
    assert first.message_count == 1 and first.last_active_at == 1010.0  # active from the question on
    assert store.begin_chat_turn("chat-a", max_messages=2, ttl_s=TTL, now=1011.0).message_count == 2
    assert store.begin_chat_turn("chat-a", max_messages=2, ttl_s=TTL, now=1012.0) is None
    store.cancel_chat_turn("chat-a")
    assert store.begin_chat_turn("chat-a", max_messages=2, ttl_s=TTL, now=1013.0).message_count == 2
    store.end_chat_turn("chat-a", 300, now=1020.0)
    store.end_chat_turn("chat-a", 200, now=1030.0)
    record = store.chat_session("chat-a")
    assert (record.bytes, record.last_active_at, record.message_count) == (500, 1030.0, 2)


def test_concurrent_questions_never_take_more_than_the_bound(store):
    open_session(store, "chat-a", now=1000.0)
    taken: list[bool] = []

    def ask() -> None:
        taken.append(store.begin_chat_turn("chat-a", max_messages=3, ttl_s=TTL, now=1001.0) is not None)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == [False] * 5 + [True] * 3 and store.chat_session("chat-a").message_count == 3


def test_sessions_over_for_long_are_forgotten_when_a_new_one_opens(store):
    open_session(store, "chat-old", now=1000.0)
    open_session(store, "chat-recent", now=1000.0 + CLOSED_KEPT_S)
    open_session(store, "chat-new", now=1000.0 + TTL + CLOSED_KEPT_S + 1)
    assert store.chat_session("chat-old") is None  # expired at 1100, over for longer than CLOSED_KEPT_S
    assert store.chat_session("chat-recent").state(TTL, now=1000.0 + TTL + CLOSED_KEPT_S + 1) == "expired"
