"""The interactive chat: a readline prompt (line editing, history kept in the state dir) in the main
thread, the session (MCP servers, checkpointer) on an event loop of its own thread. That split is
what lets Ctrl-C cancel the answer being worked on -- the main thread gets the interrupt and cancels
the answer's task -- and leave the session, its servers and its conversation intact. Ctrl-D or
/exit leaves. Nothing here prints a traceback."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import logging
import signal
import sys
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TextIO, TypeVar

from ..answer.plain_forms import help_text
from .render import render, render_history, render_report
from .session import ChatSession

T = TypeVar("T")
log = logging.getLogger(__name__)
EXIT_WORDS = {"/exit", "/quit", "exit", "quit", "bye", ":q"}


class Cancelled(Exception):
    """The user pressed Ctrl-C while an answer was being worked on."""


class SessionRunner:
    """A ChatSession entered by one long-lived task on a background event loop (MCP sessions must be
    entered and left by the same task); each turn runs as its own task there, so it can be cancelled."""

    def __init__(self, session: ChatSession) -> None:
        self.session = session
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="chat-session", daemon=True)
        self._closing: asyncio.Event | None = None
        self._owner: concurrent.futures.Future[None] | None = None

    def start(self) -> None:
        self._thread.start()
        ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._owner = asyncio.run_coroutine_threadsafe(self._own(ready), self.loop)
        ready.result()  # raises what opening the session raised

    async def _own(self, ready: concurrent.futures.Future[None]) -> None:
        self._closing = asyncio.Event()
        try:
            async with self.session:
                ready.set_result(None)
                await self._closing.wait()
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc)
            elif not isinstance(exc, asyncio.CancelledError):
                log.warning("closing the chat session: %s", exc)

    def run(self, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Run one coroutine on the session's loop; Ctrl-C cancels it and raises Cancelled."""
        future = asyncio.run_coroutine_threadsafe(make(), self.loop)
        try:
            return future.result()
        except KeyboardInterrupt:
            future.cancel()
            with contextlib.suppress(BaseException):
                future.result(timeout=10)
            raise Cancelled from None

    def close(self) -> None:
        if self._closing is not None:
            self.loop.call_soon_threadsafe(self._closing.set)
        if self._owner is not None:
            with contextlib.suppress(BaseException):
                self._owner.result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)


def _readline_history(path: Path) -> Callable[[], None]:
    """Line editing and history through the stdlib readline (when the platform has it)."""
    try:
        import readline
    except ImportError:
        return lambda: None
    with contextlib.suppress(OSError):
        readline.read_history_file(path)
    readline.set_history_length(1000)

    def save() -> None:
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(path)
    return save


def command(line: str, runner: SessionRunner, out: TextIO) -> bool:
    """A /command; False when it ends the REPL."""
    session = runner.session
    word, _, rest = line.strip().partition(" ")
    if word.lower() in EXIT_WORDS:
        return False
    if word == "/help":
        print("\n".join(help_text()), file=out)
    elif word == "/new":
        print(f"new conversation: {session.restart()}", file=out)
    elif word == "/history":
        print(render_history(runner.run(session.history)), file=out)
    elif word == "/report":
        report = render_report(session.session_id, runner.run(session.history))
        target = Path(rest) if rest else session.options.state_dir / "reports" / f"{session.session_id}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(report)
        print(report, file=out)
        print(f"(written to {target})", file=out)
    else:
        print(f"unknown command {word!r}; /help lists them", file=out)
    return True


def repl(session: ChatSession, *, out: TextIO = sys.stdout, prompt: str = "sre-agent> ", full: bool = False) -> int:
    """The interactive loop; returns the exit code."""
    # Ctrl-C cancels an answer: that needs SIGINT, which a shell leaves ignored for a program it started in the
    # background (`cmd &` without job control) -- and a child inherits. An interactive REPL takes it back.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    runner = SessionRunner(session)
    print("starting the MCP servers (kubernetes, cloudwatch, ssm)...", file=sys.stderr, flush=True)
    try:
        runner.start()
    except KeyboardInterrupt:
        runner.close()
        return 130
    except Exception as exc:
        runner.close()
        print(f"error: could not start the chat session: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    save_history = _readline_history(session.options.state_dir / "chat_history")
    resumed = runner.run(session.exists)
    print(f"{'resumed' if resumed else 'session'} {session.session_id} (read-only). /help for questions and commands, "
          "Ctrl-C cancels an answer, Ctrl-D exits.", file=out, flush=True)
    try:
        while True:
            try:
                line = input(prompt)
            except KeyboardInterrupt:
                print("^C (Ctrl-D or /exit leaves)", file=out, flush=True)
                continue
            except EOFError:
                print(file=out)
                return 0
            if not line.strip():
                continue
            try:
                if line.strip().startswith("/") or line.strip().lower() in EXIT_WORDS:
                    if not command(line, runner, out):
                        return 0
                    continue
                answer = runner.run(functools.partial(session.ask, line))
                print(render(answer, full=full), file=out, flush=True)
            except Cancelled:
                print("\ncancelled; the session goes on.", file=out, flush=True)
            except Exception as exc:  # an answer that failed is a line, never a traceback
                log.debug("chat turn failed", exc_info=True)
                print(f"error: {type(exc).__name__}: {exc}", file=out, flush=True)
    finally:
        save_history()
        runner.close()
