"""What a request looks like before it is sent: cache marks per provider, and the repair of a
request a provider rejected (trimmed context, every tool call answered exactly once)."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from sre_agent.brains.llm.caching import with_cache_marks
from sre_agent.brains.llm.repair import TRIMMED_TOOL_RESULT_CHARS, UNANSWERED, repair_pairing, repair_request, trim_context


def conversation() -> list:
    return [SystemMessage("You are the kubernetes agent."), HumanMessage("why 5xx?"),
            AIMessage("", tool_calls=[{"name": "get_resources", "args": {}, "id": "c1"}]),
            ToolMessage("pods: ImagePullBackOff", tool_call_id="c1")]


def test_anthropic_marks_the_system_prompt_and_the_newest_message_with_cache_control():
    sent = with_cache_marks(conversation(), "anthropic")
    assert sent[0].content == [{"type": "text", "text": "You are the kubernetes agent.",
                                "cache_control": {"type": "ephemeral"}}]
    assert sent[-1].content[-1]["cache_control"] == {"type": "ephemeral"}
    assert sent[1].content == "why 5xx?"  # only two marks: system and the newest turn


def test_bedrock_adds_cache_points_and_openai_needs_no_marks():
    sent = with_cache_marks(conversation(), "bedrock")
    assert sent[0].content[-1] == {"cachePoint": {"type": "default"}}
    assert sent[-1].content[-1] == {"cachePoint": {"type": "default"}}
    plain = conversation()
    assert with_cache_marks(plain, "openai") is plain
    assert with_cache_marks(plain, "bedrock", enabled=False) is plain


def test_a_first_question_is_marked_unless_no_turn_reads_it_back():
    first = conversation()[:2]
    assert with_cache_marks(first, "anthropic")[-1].content[-1]["cache_control"] == {"type": "ephemeral"}
    assert with_cache_marks(first, "anthropic", mark_last=False)[-1].content == "why 5xx?"


def test_the_conversation_itself_stays_unmarked():
    messages = conversation()
    with_cache_marks(messages, "anthropic")
    assert messages[0].content == "You are the kubernetes agent."  # a fallback to another provider starts clean


def test_repair_answers_unanswered_calls_and_drops_orphan_results():
    broken = [SystemMessage("s"), HumanMessage("q"),
              AIMessage("", tool_calls=[{"name": "a", "args": {}, "id": "c1"}, {"name": "b", "args": {}, "id": "c2"}],
                        invalid_tool_calls=[{"name": "c", "args": "{oops", "id": "c3", "error": "bad json"}]),
              ToolMessage("a's result", tool_call_id="c1"), ToolMessage("a's result again", tool_call_id="c1"),
              HumanMessage("go on"), ToolMessage("orphan", tool_call_id="c9")]
    repaired = repair_pairing(broken)
    results = [(m.tool_call_id, m.text, m.status) for m in repaired if isinstance(m, ToolMessage)]
    assert results == [("c1", "a's result", "success"), ("c2", UNANSWERED, "error"), ("c3", UNANSWERED, "error")]
    assert repaired[-1].text == "go on"


def test_trimming_keeps_the_question_and_recent_turns_and_cuts_long_results():
    messages = [SystemMessage("s"), HumanMessage("q")]
    for turn in range(10):
        messages += [AIMessage("", tool_calls=[{"name": "t", "args": {}, "id": f"c{turn}"}]),
                     ToolMessage("x" * 9000, tool_call_id=f"c{turn}")]
    trimmed = trim_context(messages, keep_turns=3)
    assert trimmed[:2] == messages[:2]
    assert [m.tool_call_id for m in trimmed if isinstance(m, ToolMessage)] == ["c7", "c8", "c9"]
    assert all(len(m.text) < TRIMMED_TOOL_RESULT_CHARS + 100 for m in trimmed if isinstance(m, ToolMessage))
    repair_request(messages)  # in place: the request closure holds this very list
    assert len(messages) == 2 + 2 * 6


def test_secret_shapes_are_masked_in_everything_sent_but_diagnostic_ids_survive():
    from sre_agent.brains.llm.caching import outgoing

    alarm = ("Alarm: db connection postgres://app:hunter2@db:5432/x failed; token Bearer abcdefghijklmnop1234; "
             "key AKIAABCDEFGHIJKLMNOP; image sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08; "
             "trace 1-5f84c7a3-6c1d2e3f4a5b6c7d8e9f0a1b")
    messages = [SystemMessage("s"), HumanMessage(alarm),
                AIMessage("", tool_calls=[{"name": "t", "args": {"q": "sk-ant-api03-abcdefghijklmnopqrstuvwxyz"}, "id": "c1"}]),
                ToolMessage("ok", tool_call_id="c1")]
    sent = outgoing(messages, "anthropic")
    text = sent[1].text
    assert "hunter2" not in text and "abcdefghijklmnop1234" not in text and "AKIAABCDEFGHIJKLMNOP" not in text
    assert "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" in text
    assert "1-5f84c7a3-6c1d2e3f4a5b6c7d8e9f0a1b" in text
    assert sent[2].tool_calls[0]["args"] == {"q": "***redacted***"}
    assert "hunter2" in messages[1].text  # the conversation itself is left as it was; only what is sent is masked


def test_anthropic_sends_every_tool_result_as_blocks_so_last_turns_mark_matches_this_turns_prefix():
    # Marked, a result becomes a list of blocks; sent as a plain string on the next turn, it would not
    # be the prefix the provider cached, and that turn would read only up to the turn before.
    turn = conversation()
    marked = with_cache_marks(turn, "anthropic")[-1].content
    following = [*turn, AIMessage("", tool_calls=[{"name": "describe", "args": {}, "id": "c2"}]),
                 ToolMessage("pod: Back-off pulling image", tool_call_id="c2")]
    unmarked = with_cache_marks(following, "anthropic")[3].content
    assert unmarked == [{"type": "text", "text": "pods: ImagePullBackOff"}]
    assert [{k: v for k, v in block.items() if k != "cache_control"} for block in marked] == unmarked
    assert with_cache_marks(following, "bedrock")[3].content == "pods: ImagePullBackOff"  # Bedrock: as it was


def test_a_stable_block_is_marked_instead_of_the_end_of_a_one_request_step():
    blocks = [{"type": "text", "text": "incident"}, {"type": "text", "text": "findings"}, {"type": "text", "text": "asked"}]
    request = [SystemMessage("You lead the investigation."), HumanMessage(content=blocks)]
    anthropic = with_cache_marks(request, "anthropic", mark_last=False, stable_through=1)[-1].content
    assert [("cache_control" in block) for block in anthropic] == [False, True, False]
    bedrock = with_cache_marks(request, "bedrock", mark_last=False, stable_through=1)[-1].content
    assert bedrock[2] == {"cachePoint": {"type": "default"}} and bedrock[3] == blocks[2]
    assert with_cache_marks(request, "anthropic", mark_last=False)[-1].content == blocks  # nothing stable: unmarked
