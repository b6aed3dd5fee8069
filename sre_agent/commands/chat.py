"""`sre-agent chat`: ask the responder about the cluster (read-only). Interactive (a conversation:
follow-ups such as "show me its logs" use the earlier turns) or one question; `--session ID` resumes
a conversation, in either mode."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from .common import (
    Brain,
    Kubeconfig,
    KubeContext,
    Namespace,
    Profile,
    Region,
    StateDir,
    fail,
    run_options,
    settings_for,
    targeting,
)

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
         context: KubeContext = None, kubeconfig: Kubeconfig = None, profile: Profile = None, region: Region = None,
         cluster: Annotated[Optional[str], typer.Option(
             "--cluster", help="With several clusters configured (`clusters:`): ask this one only. Default: the cluster "
                               "a question names ('is payments ok in prod-eu'), else the one the conversation is on, "
                               "else every cluster, answered per cluster.")] = None) -> None:
    """Ask the responder about the cluster (read-only: chat never changes anything).

    * sre-agent chat                              (interactive; /help lists the questions)
    * sre-agent chat "what's broken right now?"
    * sre-agent chat --session chat-...  "roll it back"
    * sre-agent --config clusters.yaml chat "which clusters have problems?"   (every configured cluster)
    """
    from ..chat.conversation.render import render

    options = run_options(ctx, {"brain": brain, "state_dir": state_dir, **targeting(context, kubeconfig, profile, region)})
    chat_session = _session(options, settings_for(ctx).clusters, cluster, session, namespace)
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


def _session(options, clusters, cluster: str | None, session: str | None, namespace: str | None) -> ChatSession:
    """One cluster's session, or -- several configured and none chosen -- a conversation over all of them."""
    from ..app.clusters import options_for_cluster
    from ..chat.conversation.session import ChatSession

    if cluster is not None:
        chosen = next((c for c in clusters if c.name == cluster), None)
        if chosen is None:
            fail(f"--cluster {cluster}: not one of the configured clusters ({', '.join(c.name for c in clusters) or 'none'}"
                 "; `clusters:` in the config file, docs/clusters.md)")
        return ChatSession(options_for_cluster(options, chosen), session_id=session, namespace=namespace)
    if len(clusters) > 1:
        from ..chat.conversation.fleet import FleetChat

        return FleetChat(options, clusters, session_id=session, namespace=namespace)  # type: ignore[return-value]
    if clusters:
        return ChatSession(options_for_cluster(options, clusters[0]), session_id=session, namespace=namespace)
    return ChatSession(options, session_id=session, namespace=namespace)


async def _ask_once(chat_session: ChatSession, question: str, *, resume: bool) -> Answer:
    async with chat_session:
        if resume and not await chat_session.exists():
            raise LookupError(f"no chat session {chat_session.session_id!r} in the state dir "
                              f"{chat_session.options.state_dir}; use the id printed by an earlier chat")
        return await chat_session.ask(question)
