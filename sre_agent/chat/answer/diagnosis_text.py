"""A diagnosis said once: the investigation's summary opens with "<category> on <resource>", which every answer that
quotes it has already said beside it -- quoted again, the category and the object fill a third of a 3 a.m. line."""

from __future__ import annotations

import re

from ...brains.offline.outage_width import NOTHING_OLD_LEFT
from ...quoting import clip, without_said_asides

# An image's registry host ("318842067519.dkr.ecr.us-east-2.amazonaws.com/"): a third of a line, and what the name and
# tag already say.
# (a taint's key:effect is no image: node.kubernetes.io/disk-pressure:NoSchedule keeps its domain)
REGISTRY_HOST = re.compile(r"(?<![\w./-])(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?/"
                           r"(?=[\w./-]+[:@](?!(?:NoSchedule|PreferNoSchedule|NoExecute)\b)[\w.-])")
# A one-element Python list quoted in a summary ("(['shop/api:1.2'] -> ['shop/api:1.3'])"): its brackets and quotes say
# nothing a reader needs.
ONE_ITEM_LIST = re.compile(r"\['([^'\[\]]+)'\]")

PULL_FAULTS = ("bad_image", "image_pull_auth")  # where an image comes from is the fault's fact: its host stays
NEEDS_SAID = 100  # what a fix needs from a person, cut to this in the one-line next step


def cause_text(diagnosis: dict | None, limit: int | None = None) -> str:
    """The diagnosis summary without its leading "<category> on <resource>" (nor a repeated "<resource>:"); over
    `limit`, its start and its end (quoting.clip: a quoted error's innermost cause is its last words) -- without the
    outage's width said after the cause ("nothing old is left serving"), which would take the end the cut keeps."""
    diagnosis = diagnosis or {}
    text = said_once(str(diagnosis.get("summary") or ""), str(diagnosis.get("category") or ""),
                     str(diagnosis.get("resource") or ""))
    if limit and len(text) > limit:
        text = text.split(NOTHING_OLD_LEFT, 1)[0]
    if limit and len(text) > limit:  # an aside that only repeats what is said keeps no room from the bad value itself
        text = without_said_asides(text, str(diagnosis.get("resource") or ""))
    return clip(text, limit) if limit else text


def said_once(text: str, category: str, resource: str) -> str:
    """`text` without a leading "<category> on <resource>" or "<resource>:" the line around it already says, registry
    hosts and list brackets dropped -- so a cut quote keeps the fact (the new tag, the missing key) rather than losing it
    to a repeated prefix or an ECR host."""
    for prefix in (f"{category} on {resource}", f"{resource}:"):
        if category and resource and text.startswith(prefix):
            text = text[len(prefix):].lstrip(" :")
    if category not in PULL_FAULTS:
        text = REGISTRY_HOST.sub("", text)
    return ONE_ITEM_LIST.sub(r"\1", text)


FIX_SAID = 200  # a fix's words in one next step; the report has them whole


def _cut(text: str, limit: int) -> str:
    """`text` cut at a word under `limit`, marked: "put the current value in" never ends a step with its object cut off."""
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0].rstrip(",;:-") + " …"


def fix_step(fix: dict, category: str) -> str:
    """A proposed fix as one next step: "Fix <object>: <what to change> (you supply: ...) -- `command`"."""
    resource = str(fix.get("resource") or "")
    command = next((c for c in fix.get("commands") or [] if not c.startswith("#")), "")
    needs = str(fix.get("needs") or "")
    needs = f" (you supply: {needs if len(needs) <= NEEDS_SAID else needs[:NEEDS_SAID - 1] + '…'})" if needs else ""
    return f"Fix {resource}: {_cut(said_once(str(fix.get('summary') or ''), category, resource), FIX_SAID)}{needs}" + (
        f" -- `{command}`" if command else "")
