"""Make the helper modules here (broken_engines, toy_scenarios) importable in-process and in the
pytest subprocesses these tests start (through PYTHONPATH)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


@pytest.fixture
def subprocess_env() -> dict[str, str]:
    """The environment for a child pytest/python run from the checkout root."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(HERE), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("TENSORSPEC_PROFILE", None)
    return env
