"""Machine-readable results: one JSON object per line, appended as each test finishes.

Writers on several pytest-xdist workers append to the same file; each record is
written with a single `os.write` on an O_APPEND descriptor, so lines never
interleave and everything written before a crash is kept. A file without an
"end" record for a run is a partial run (interrupted, or a worker died).

Record kinds (field "kind"):

run   -- written once per run, at session start:
    run_id, started (ISO time), engine, engine_version, engine_device,
    oracle, oracle_version, oracle_device, torch, numpy, python, platform,
    hypothesis_profile, seed, workers, argv

case  -- one per outcome of a checked case, or one per group of passing cases:
    run_id, engine, oracle, device (engine's), oracle_device, area, scenario,
    status   -- one of STATUSES below
    count    -- how many cases this record stands for (passes are aggregated)
    case     -- repr() of the (minimal) case, valid Python; "" for aggregated passes
    params   -- the case's scalar parameters (dtype, op, ...) for filtering/grouping
    differences -- list of {"field": "error"|"dtype"|"shape"|"value"|"strides"|
                   "aliasing"|"grad"|"fact", "name": str, "engine": str, "oracle": str}
                   (engine/oracle are short human-readable renderings)
    engine_outcome, oracle_outcome -- rendered outcomes (dict of str -> str), or null
    reproduction -- standalone Python that reruns the case on both engines, or ""
    reason   -- manifest reason (expected/stale), missing capability (unsupported),
                why not run (not_run), or the crash/timeout description
    seed     -- hypothesis seed of the test, or null for enumerated domains
    duration_s -- seconds spent on this record's cases

end   -- written at session end: run_id, finished, duration_s, exitstatus
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

STATUSES: tuple[str, ...] = (
    "pass",  # engine and oracle agree
    "fail",  # unexplained divergence
    "expected",  # divergence listed in the engine's manifest
    "stale",  # manifest lists it, but the engine now agrees with the oracle
    "unsupported",  # the engine lacks a capability the scenario needs
    "not_run",  # could not run here (e.g. no CUDA device)
    "error",  # the engine crashed or hung (timeout) on this case
)


def append(path: str | os.PathLike[str], record: dict[str, Any]) -> None:
    """Append one record as one JSON line, atomically with respect to other writers."""
    line = (json.dumps(record, default=str, separators=(",", ":")) + "\n").encode()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def append_all(path: str | os.PathLike[str], records: list[dict[str, Any]]) -> None:
    """Append several records with one write (one test's records land together or not at all)."""
    if not records:
        return
    data = "".join(json.dumps(r, default=str, separators=(",", ":")) + "\n" for r in records).encode()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def read(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Yield the records of a results file, skipping a torn last line."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue
