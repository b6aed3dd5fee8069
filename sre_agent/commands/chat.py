"""`sre-agent chat`: ask the responder about the cluster (read-only). Interactive (a conversation:
follow-ups such as "show me its logs" use the earlier turns) or one question; `--session ID` resumes
a conversation, in either mode."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from .common import Brain, Kubeconfig, KubeContext, Namespace, Profile, Region, StateDir, fail, run_options, targeting

# The session (LangGraph, the MCP client) is imported when chat runs: `chat --help` answers at once.
if TYPE_CHECKING:
    from ..chat.conversation.session import ChatSession
    from ..chat.models import Answer

# One question's exit code, as the sweep's: 0 answered or healthy, 1 problems found, 2 could not check.
EXIT_CODES = {"problems": 1, "unknown": 2}


def chat(ctx: typer.Context,
         question: Annotated[Optional[str], typer.Argument(help="Ask once; omit for an interactive session.")] = None,
         session: Annotated[Optional[str], typer.Option("--session", help="Resume this chat session (its id).")] = None,
         namespace: Namespace = None,
         as_json: Annotated[bool, typer.Option("--json", help="One question: print the answer as JSON.")] = False,
         full: Annotated[bool, typer.Option("--full", "--verbose", help="Every line of each answer (default: the lines "
                                            "that bear on the question; say 'more' for the rest).")] = False,
         brain: Brain = None, state_dir: StateDir = None,
         context: KubeContext = None, kubeconfig: Kubeconfig = None, profile: Profile = None, region: Region = None) -> None:
    """Ask the responder about the cluster (read-only: chat never changes anything).

    * sre-agent chat                              (interactive; /help lists the questions)
    * sre-agent chat "what's broken right now?"
    * sre-agent chat --session chat-...  "roll it back"
    """
    from ..chat.conversation.render import render
    from ..chat.conversation.session import ChatSession

    options = run_options(ctx, {"brain": brain, "state_dir": state_dir, **targeting(context, kubeconfig, profile, region)})
    chat_session = ChatSession(options, session_id=session, namespace=namespace)
    if question is None:
        if as_json:
            fail("--json is for one question: sre-agent chat --json \"what's broken?\"")
        from ..chat.conversation.repl import repl

        raise typer.Exit(repl(chat_session, full=full))
    try:
        answer = asyncio.run(_ask_once(chat_session, question, resume=session is not None))
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except LookupError as exc:
        fail(str(exc))
    except Exception as exc:  # the servers would not start, the state dir is unwritable: say so, no traceback
        fail(f"could not start the chat session: {type(exc).__name__}: {exc}")
    if as_json:
        print(json.dumps({"session_id": chat_session.session_id, **answer.model_dump(mode="json")}, indent=2))
    else:
        print(render(answer, full=full))
        print(f"(session {chat_session.session_id}: follow up with sre-agent chat --session {chat_session.session_id} \"...\")")
    raise typer.Exit(EXIT_CODES.get(answer.status, 0))


async def _ask_once(chat_session: ChatSession, question: str, *, resume: bool) -> Answer:
    async with chat_session:
        if resume and not await chat_session.exists():
            raise LookupError(f"no chat session {chat_session.session_id!r} in the state dir "
                              f"{chat_session.options.state_dir}; use the id printed by an earlier chat")
        return await chat_session.ask(question)
