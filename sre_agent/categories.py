"""The root-cause categories as data (categories.yaml, next to this module): what each one points at, the
words that name it, and its fix recipe. `RootCauseCategory` in contracts.py is the typed face of the same
list -- tests/unit/test_categories.py keeps the two equal, so a category is added in the data file first."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class FixStep(BaseModel):
    """One step of a recipe: a named builder (graph/fixes.py) or command templates with a summary."""

    model_config = ConfigDict(extra="forbid")
    builder: str | None = None
    summary: str | None = None
    commands: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_kind(self) -> FixStep:
        if (self.builder is None) == (not self.commands or self.summary is None):
            raise ValueError("a fix step is either {builder: name} or {summary: ..., commands: [...]}")
        return self

    def placeholders(self) -> set[str]:
        return {m for text in [self.summary or "", *self.commands] for m in PLACEHOLDER.findall(text)}


class Category(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z_]+$")
    root: str
    words: list[str] = Field(default_factory=list)
    told_apart_by: list[Literal["container_resources", "app"]] = Field(default_factory=list)
    acted_on_by: list[str] = Field(default_factory=list)
    fix: list[FixStep] = Field(default_factory=list)


@lru_cache(maxsize=1)
def categories() -> tuple[Category, ...]:
    text = resources.files(__package__).joinpath("categories.yaml").read_text()
    loaded = tuple(Category.model_validate(entry) for entry in yaml.safe_load(text))
    ids = [c.id for c in loaded]
    if len(set(ids)) != len(ids):
        raise ValueError(f"categories.yaml names a category twice: {sorted({i for i in ids if ids.count(i) > 1})}")
    return loaded


def acted_on_by(category_id: str) -> list[str] | None:
    """The kinds of change that act on a category's fault (its acted_on_by); None for an id categories.yaml does not
    list -- what then acts on it is not known."""
    try:
        return category(category_id).acted_on_by
    except KeyError:
        return None


def category(category_id: str) -> Category:
    """The entry for one id (KeyError naming the known ids when there is none)."""
    for entry in categories():
        if entry.id == category_id:
            return entry
    raise KeyError(f"no category {category_id!r} in categories.yaml (known: {', '.join(c.id for c in categories())})")


def category_words() -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """(words, (category,)) for each category that has words: the chat's "is it the image?" reading."""
    return [(tuple(c.words), (c.id,)) for c in categories() if c.words]
