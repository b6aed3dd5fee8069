"""Error lines that say their own cause (log_causes.yaml): a certificate that expired, a ServiceAccount the API
refuses, a connection pool used up -- matched on a workload's new or surging error lines (logs.py) and read by the
diagnosis as that workload's fault (diagnosis_rules.py makes one rule per entry)."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, field_validator

from ...categories import category


class LogCause(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    pattern: str
    category: str
    says: str

    @field_validator("category")
    @classmethod
    def _known(cls, value: str) -> str:
        category(value)  # KeyError naming the known ones when it is not
        return value

    def matches(self, line: str) -> bool:
        return re.search(self.pattern, line, re.IGNORECASE) is not None


@lru_cache(maxsize=1)
def log_causes() -> tuple[LogCause, ...]:
    text = resources.files(__package__).joinpath("log_causes.yaml").read_text()
    return tuple(LogCause.model_validate(entry) for entry in yaml.safe_load(text))


def named_cause(line: str) -> LogCause | None:
    return next((cause for cause in log_causes() if cause.matches(line)), None)
