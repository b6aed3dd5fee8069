"""Answering a question: one module per family of questions (health, pods, logs, changes, topology,
config, nodes, runs, causal questions, ...), each registering its handlers per question form with
`@handles(form, needs=backends)` from ../ask.py. A question travels understand -> answer (or act), inside
a conversation: understand/ has read what is asked and about what; a handler here reads the tools and
returns an Answer (../models.py), a "nothing wrong" only ever as a candidate that `settle` checks
against the backends that answered."""
