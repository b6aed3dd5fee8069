"""A step process: runs investigation steps for `sre-agent serve`, started and fed by StepProcesses
(step_processes.py), never by hand.

    python -m sre_agent.service.step_worker [LOG_LEVEL]

It reads StepRequest frames on stdin and answers each with a frame on the protocol's own pipe (fd 1
as it was at start; fd 1 itself is then pointed at stderr, so a library that prints cannot corrupt
the frames). Frames are a 4-byte big-endian length and a pickle: both ends are this code, one the
parent of the other. Several steps run at once on this process's event loop, each with its own
store connection for checkpoints and its own MCP sessions to the service's long-lived servers.

Signals: SIGINT and SIGTERM are ignored -- the service decides when a step ends (a cancel frame, or
the end of stdin at shutdown), so a Ctrl-C or a systemd stop of the whole group never fails a run
the service is about to hand back to the queue. The service starts this process with
PR_SET_PDEATHSIG=SIGKILL: if the service dies, so does every step here, as they did in-process."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import pickle
import signal
import struct
import sys
import traceback
from typing import Any, BinaryIO

HEADER = struct.Struct(">I")


def write_frame(out: BinaryIO, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(HEADER.pack(len(data)) + data)
    out.flush()


async def read_frame(reader: asyncio.StreamReader) -> Any:
    """The next frame; EOFError when the stream ended."""
    try:
        (size,) = HEADER.unpack(await reader.readexactly(HEADER.size))
        return pickle.loads(await reader.readexactly(size))
    except asyncio.IncompleteReadError:
        raise EOFError from None


async def serve_steps(out: BinaryIO) -> None:
    from ..app.runs import step_run
    from .resolved_alerts import alert_readers

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    running: dict[int, asyncio.Task] = {}

    def answer(step_id: int, step: asyncio.Task) -> None:
        """A step ended: its answer, from a done callback -- a step cancelled before it started runs no code."""
        running.pop(step_id, None)
        if step.cancelled():
            write_frame(out, {"id": step_id, "cancelled": True})
        elif (exc := step.exception()) is not None:  # the service reports it on the run, as it did an in-process step's
            traceback.print_exception(exc, file=sys.stderr)
            write_frame(out, {"id": step_id, "error_type": type(exc).__name__, "error": str(exc)})
        else:
            try:
                write_frame(out, {"id": step_id, "step": step.result()})
            except (pickle.PicklingError, TypeError, AttributeError) as exc:  # never leave the service waiting
                write_frame(out, {"id": step_id, "error_type": type(exc).__name__,
                                  "error": f"the step's result could not be sent to the service: {exc}"})

    while True:
        try:
            message = await read_frame(reader)
        except EOFError:  # the service is stopping (or gone): end the steps, let them close what they opened
            break
        if message["kind"] == "step":
            request = message["request"]
            step = loop.create_task(step_run(request.run_id, request.options, incident=request.incident,
                                             resume=request.resume, alerts=alert_readers(request.options)))
            step.add_done_callback(functools.partial(answer, message["id"]))
            running[message["id"]] = step
        elif message["kind"] == "cancel" and message["id"] in running:
            running[message["id"]].cancel()
    for task in list(running.values()):
        task.cancel()
    if running:
        await asyncio.wait(list(running.values()), timeout=30)


def main() -> None:
    # The service's log level (argv[1]) and format: a step's log lines read as they did in-process.
    level = int(sys.argv[1]) if len(sys.argv) > 1 else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    asyncio.run(serve_steps(out))


if __name__ == "__main__":
    main()
