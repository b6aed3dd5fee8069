"""Understanding a question: what it asks and about what. The question forms (forms.yaml, forms.py) and,
where no pattern matches, the intent classifier learned from labelled phrasings (intents.yaml,
intent_model.py); what exists now (inventory.py) and which of it the words name (grounding.py, names.py,
references.py), or that nothing has that name (missing.py); "do it" read back to the previous answer
(followups.py). A question travels understand -> answer (or act), inside a conversation: what is
decided here picks the handler in answer/ or act/; the only tool calls here list what exists (the
inventory) -- answering is answer/'s job. A question typed as a kubectl command is read by kubectl's
grammar first (kubectl_speak.py)."""
