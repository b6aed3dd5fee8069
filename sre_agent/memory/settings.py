"""The `memory` settings section: whether runs are remembered and recalled, and how long each kind of record lives."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

DAY_S = 86400.0


class MemorySettings(BaseModel):
    """Incident memory: past runs recalled as hypotheses on recurrence, and what the team told the responder."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="remember every finished run and recall matching past incidents "
                                            "(in memory.sqlite in the state dir, or the checkpoint DSN's PostgreSQL)")
    incident_ttl_days: float = Field(180.0, gt=0, description="days a remembered incident is kept")
    fact_ttl_days: float | None = Field(None, gt=0, description="days a fact the team gave is kept (default: until "
                                                                "deleted)")

    @property
    def incident_ttl_s(self) -> float:
        return self.incident_ttl_days * DAY_S

    @property
    def fact_ttl_s(self) -> float | None:
        return self.fact_ttl_days * DAY_S if self.fact_ttl_days else None
