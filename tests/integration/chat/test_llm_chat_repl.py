"""`sre-agent chat --brain anthropic` as an engineer meets it: a real pseudo-terminal (pexpect), the
real CLI with its settings from the environment, the real MCP servers, a lab in another process, and
the model a scripted server on Anthropic's Messages wire. One turn where the model calls a tool, the
answer rendered with its evidence, and a clean exit."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from provider_wire import Reply, ScriptedProviderServer

pexpect = pytest.importorskip("pexpect")

ROOT = Path(__file__).resolve().parents[3]
PROMPT = "sre-agent> "


def scripted(messages: list[dict], tools: list[str]) -> Reply:
    results = [m["content"] for m in messages if m["role"] == "tool"]
    if not results:
        return Reply(calls=[("get_resources", {"kind": "pods", "namespace": "shop", "label_selector": "app=checkout"})])
    cited = ", ".join(re.findall(r"\[(ev-\d+)\]", "\n".join(results)))
    return Reply(calls=[("ChatReply", {"status": "problems", "headline": "checkout answers slowly since its 2.4.0 rollout",
                                       "details": [f"its pods run 2.4.0 ({cited})"],
                                       "next_steps": ["Ask whether it is safe to roll it back"],
                                       "resources": ["shop/Deployment/checkout"]})])


def test_one_turn_of_an_llm_chat_in_the_repl(lab_process, tmp_path):
    lab = lab_process("bad-deploy-regression")
    with ScriptedProviderServer(scripted) as server:
        env = {**os.environ, **lab.env, "TERM": "dumb", "ANTHROPIC_API_KEY": server.anthropic_key,
               "ANTHROPIC_BASE_URL": server.base_url, "SRE_AGENT_LLM_PROMPTS_DIR": str(ROOT / "prompts"),
               "SRE_AGENT_LLM_RETRIES": "0"}
        child = pexpect.spawn(sys.executable, ["-m", "sre_agent.cli", "chat", "--brain", "anthropic", "--state-dir",
                                               str(tmp_path)], env=env, encoding="utf-8", timeout=240, dimensions=(50, 400))
        child.expect_exact(PROMPT)
        child.sendline("how is checkout doing?")
        child.expect_exact(PROMPT)
        answer = child.before
        child.sendline("/exit")
        child.expect(pexpect.EOF)
        child.close()
    assert "[!] checkout answers slowly since its 2.4.0 rollout" in answer, answer
    assert "Next: Ask whether it is safe to roll it back" in answer
    assert "evidence: ev-1 kubernetes.get_resources" in answer
    assert child.exitstatus == 0 and "Traceback" not in answer
    assert [e.protocol for e in server.exchanges] == ["anthropic", "anthropic"] and not server.errors
