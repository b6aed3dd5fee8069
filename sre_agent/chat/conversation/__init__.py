"""A conversation: one chat session as a LangGraph thread (graph.py), its servers and checkpointer
(session.py), the interactive prompt (repl.py), answers as text (render.py, short by brief.py), and a turn
answered by an LLM brain (llm.py). A question travels understand -> answer or act, inside a
conversation: the graph keeps the turns and the focus (what "it" means), hands each question to
understand/, then to the handler in answer/ or act/, and appends the answer as a turn."""
