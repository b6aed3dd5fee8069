"""Chat with an LLM brain: time to first answer and tokens per turn, per provider wire, against the
scripted provider server (tests/provider_wire.py) and the lab's bad-deploy-regression world through
the real MCP servers over stdio.

The scripted model answers at once (its latency is ~0), so the times are the responder's own: the
servers starting, the checkpointer, the provider client and each tool round trip. Tokens are counted
by the server from what was actually sent (about 4 characters a token), with prompt caching as the
providers do it: `input` includes the cached parts, `cache_read` is what a later request read back.

    python bench/bench_chat_llm.py bench/results/chat_llm.json [--providers anthropic,bedrock,openai]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the scripted provider server

from provider_wire import Reply, ScriptedProviderServer  # noqa: E402

from sre_agent.app.options import RunOptions  # noqa: E402
from sre_agent.brains.llm.settings import LlmSettings  # noqa: E402
from sre_agent.chat.conversation.session import ChatSession  # noqa: E402
from sre_agent.lab.lab import Lab  # noqa: E402

SCENARIO = "bad-deploy-regression"
MODELS = {"bedrock": {"bedrock_model": "eu.anthropic.claude-sonnet-4-6"},
          "anthropic": {"anthropic_model": "claude-sonnet-4-6"}, "openai": {"openai_model": "gpt-4o"}}
# (question, the read calls a careful model makes for it): three turns, the last one a follow-up.
TURNS = [
    ("what's broken right now?", [("describe_alarms", {"state": "ALARM"}), ("analyze", {"namespace": "shop"})]),
    ("how is checkout doing?", [("get_resources", {"kind": "pods", "namespace": "shop", "label_selector": "app=checkout"}),
                                ("rollout_history", {"namespace": "shop", "name": "checkout"})]),
    ("and its logs?", [("describe_log_groups", {})]),
]


def careful_sre(messages: list[dict], tools: list[str]) -> Reply:
    asked = max(i for i, m in enumerate(messages) if m["role"] == "user" and "The SRE asks:" in m["content"])
    question = messages[asked]["content"].split("The SRE asks:", 1)[1].strip()
    done = [m for m in messages[asked + 1:] if m["role"] == "tool"]
    plan = next(calls for q, calls in TURNS if q == question)
    if len(done) < len(plan) and tools != ["ChatReply"]:
        return Reply(calls=[plan[len(done)]])
    cited = re.findall(r"\[(ev-\d+)\]", "\n".join(m["content"] for m in done))
    return Reply(calls=[("ChatReply", {"status": "problems", "headline": f"answer to {question}",
                                       "details": [f"seen in {', '.join(cited)}"], "next_steps": ["look at checkout"],
                                       "resources": ["shop/Deployment/checkout"]})])


async def conversation(options: RunOptions, server: ScriptedProviderServer) -> dict:
    started = time.monotonic()
    turns = []
    async with ChatSession(options) as chat:
        up = time.monotonic() - started
        for index, (question, _) in enumerate(TURNS):
            sent_before = len(server.exchanges)
            t = time.monotonic()
            answer = await chat.ask(question)
            elapsed = time.monotonic() - t
            exchanges = server.exchanges[sent_before:]
            turns.append({"question": question, "status": answer.status, "answer_s": round(elapsed, 3),
                          "tool_calls": len(answer.evidence), "model_requests": len(exchanges),
                          "input_tokens": sum(e.input_tokens for e in exchanges),
                          "cache_read_tokens": sum(e.cache_read for e in exchanges),
                          "cache_write_tokens": sum(e.cache_write for e in exchanges),
                          "output_tokens": sum(e.output_tokens for e in exchanges),
                          "tools_offered": answer.llm.tools_offered if answer.llm else 0})
            if index == 0:
                first = time.monotonic() - started
    return {"servers_up_s": round(up, 3), "time_to_first_answer_s": round(first, 3), "turns": turns}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--providers", default="anthropic,bedrock,openai")
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "AKIABENCHCHAT")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench-chat-secret")
    os.environ["AWS_REGION"] = "eu-west-1"
    lab = Lab().start()
    lab.load(SCENARIO)
    results = {}
    try:
        for provider in args.providers.split(","):
            with ScriptedProviderServer(careful_sre) as server, tempfile.TemporaryDirectory() as state:
                os.environ.update({"AWS_ENDPOINT_URL_BEDROCK_RUNTIME": server.base_url, "ANTHROPIC_BASE_URL": server.base_url,
                                   "ANTHROPIC_API_KEY": server.anthropic_key, "OPENAI_BASE_URL": server.openai_url,
                                   "OPENAI_API_KEY": server.openai_key})
                llm = LlmSettings(prompts_dir=ROOT / "prompts", retries=0, **MODELS[provider])
                options = RunOptions(brain=provider, llm=llm, env=lab.env(), state_dir=Path(state), tracing_mode="off")
                results[provider] = asyncio.run(conversation(options, server))
                print(f"{provider:10} {json.dumps(results[provider])}", file=sys.stderr)
    finally:
        lab.stop()
    data = {"scenario": SCENARIO, "python": platform.python_version(), "providers": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=2))


if __name__ == "__main__":
    main()
