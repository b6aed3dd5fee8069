"""Requests to act: chat is read-only, so "restart it", "scale it to 6", "roll it back" or a hand edit is
answered with the exact action pinned to what was read (the MCP tool and its arguments, or the kubectl a
human runs, with the precondition observed) for a human to approve -- never a write. A question travels
understand -> answer or act, inside a conversation: understand/ has read the request; writes.py, plans.py,
hand_edits.py and rollback.py pin it."""
