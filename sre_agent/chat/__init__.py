"""Chat: a conversation with the responder, kept as a LangGraph thread; answers from tool results."""
