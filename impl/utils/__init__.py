"""impl.utils: torch.utils.data (data.py)."""

# ruff: noqa: F401 - this module re-exports torch.utils's public names
from __future__ import annotations

from impl.utils import data
