"""The question's own words an answer leaves unsaid, looked up where the world writes them: "how many charge points
were added, and when?" answered with the gateway's state says nothing of charge points -- the log line that does
("CHG-0934: 118 charge points live") is said beside it.

A form answers the question it recognised; the question often asks a little more, in words of its own (the queue's
depth, the replication slot, the chart version). Those words -- the question's, never its object's name, its kind
nouns or question words (grounded_search.concepts_of) -- that the answer's text does not carry are looked up in the
cluster's objects, events and log lines (grounded_search.lines_found), and the best line that carries enough of them
is said as one more detail, with where it was written. Nothing is said when the answer already carries every word,
when no line carries enough of them, or when the turn asks to act (its own forms weigh a request)."""

from __future__ import annotations

from ...contracts import parse_resource_id
from ..ask import Ask
from ..models import Answer
from ..understand.references import WRITE_FORMS
from .grounded_search import ACTING, carried, concepts_of, lines_found

# forms whose answer is itself a lookup of the question's words, a request's weighing, or a question back
NOT_SUPPLEMENTED = {*WRITE_FORMS, "do_it", "grounded_search", "unrecognised", "help"}
QUIET = ("needs_subject", "approval_required", "unknown")  # asking back, pinning, or could not check: nothing to add


def _names(ask: Ask, answer: Answer) -> list[str]:
    rids = [r for r in [ask.resource or "", *answer.resources] if r]
    return [parse_resource_id(r)[2] for r in rids if r.count("/") >= 1]


async def beside(ask: Ask, answer: Answer) -> Answer:
    """`answer` with the world's line that carries the question's words it leaves unsaid, when one carries enough."""
    if answer.status in QUIET or answer.approval is not None or ask.form in NOT_SUPPLEMENTED or \
            answer.form in NOT_SUPPLEMENTED or ACTING.search(ask.question):
        return answer
    concepts = concepts_of(ask.question, _names(ask, answer))
    said = "\n".join([answer.headline, *answer.details, *answer.next_steps])
    unsaid = {word: forms for word, forms in concepts.items() if word not in carried(concepts, said)}
    if not unsaid:
        return answer
    subject = ask.resource or next(iter(answer.resources), None)
    found = await lines_found(ask, unsaid, subject if subject and subject.count("/") >= 1 else None)
    if not found or found[0].text in said:
        return answer
    best = found[0]
    line = f"{best.text}  ({best.where}; the question's words {', '.join(sorted(best.concepts))} are written there)"
    at = min(1, len(answer.details))  # after what the form found first: its answer stays the answer
    return answer.model_copy(update={"details": [*answer.details[:at], line, *answer.details[at:]]})
