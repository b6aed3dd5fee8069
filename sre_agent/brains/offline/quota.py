"""How far a quota must rise to admit the pods it refused: read once, in graph/quota_fixes.py (the human's command
and this brain's raise_quota plan use the same figure)."""

from __future__ import annotations

from ...graph.quantities import quantity
from ...graph.quota_fixes import REFUSAL, raised_limits

__all__ = ["REFUSAL", "quantity", "raised_limits"]
