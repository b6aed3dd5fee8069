"""Chat: a conversation with the responder, kept as a LangGraph thread; answers from tool results.

A question travels understand/ (what it asks and about what) -> answer/ (one module per family of questions)
or act/ (a request to act, pinned for a human's approval), inside conversation/ (the session: graph, turns,
rendering, the REPL, the LLM path). ask.py and models.py are the vocabulary all of them share."""
