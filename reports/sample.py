"""Realistic synthetic results (the conformance/results.py format) for tests, the benchmark and demos.

A run here looks like a real one: a "run" record with the session's facts, aggregated "pass"
records, divergences with one cause repeated over many cases (a wrong promotion rule, a missing
broadcast check), manifest-expected and stale divergences, unsupported capabilities and an
"end" record. `hostile=True` puts HTML and script into every engine-controlled string.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conformance.results import append

DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64")
SCENARIOS: dict[str, tuple[str, ...]] = {
    "creation": ("tensor_infers_dtype", "factory_dtype", "arange_length", "like_factories"),
    "promotion": ("binary_op", "promote_types", "inplace_cast", "integer_division_by_zero"),
    "broadcasting": ("binary_shapes", "inplace_broadcast", "expand"),
    "memory": ("view_aliasing", "from_numpy_sharing", "contiguous_strides", "setitem"),
    "autograd": ("grad_accumulation", "retain_graph", "custom_function", "no_grad"),
}
HOSTILE = '<script>alert(1)</script> & <img src=x onerror=alert(2)> "</script>'

# Divergence causes: (scenario, field, name, engine rendering, oracle rendering, status, reason).
CAUSES: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    ("promotion.binary_op", "dtype", "result.dtype", "float64", "float32", "fail", ""),
    (
        "broadcasting.inplace_broadcast",
        "error",
        "exception",
        "no exception",
        "RuntimeError: output with shape [3] doesn't match the broadcast shape [2, 3]",
        "fail",
        "",
    ),
    (
        "memory.view_aliasing",
        "aliasing",
        "groups",
        "[]",
        "[{base, view}]",
        "expected",
        "reshape of a non-contiguous array copies in NumPy; torch returns a view when strides allow",
    ),
    (
        "creation.arange_length",
        "shape",
        "result.shape",
        "(5,)",
        "(4,)",
        "stale",
        "arange with a float step used to include the end point",
    ),
    (
        "promotion.inplace_cast",
        "value",
        "self",
        "[-3, 3, 8] (1/3 mismatched, first at (2,))",
        "[-3, 3, 7]",
        "fail",
        "",
    ),
)


def case_repr(area: str, scenario: str, rng: random.Random) -> str:
    """A case repr like the spec's: a dict of plain data."""
    if area == "promotion":
        case: dict[str, Any] = {
            "op": rng.choice(("add", "mul", "div", "sub", "pow")),
            "lhs_kind": rng.choice(("tensor", "zero_dim")),
            "lhs_dtype": rng.choice(DTYPES),
            "rhs_kind": rng.choice(("tensor", "zero_dim", "scalar")),
            "rhs_dtype": rng.choice(DTYPES),
            "default_dtype": "float32",
        }
    elif area == "broadcasting":
        case = {
            "lhs": [rng.randint(1, 4) for _ in range(rng.randint(1, 3))],
            "rhs": [rng.randint(1, 4) for _ in range(rng.randint(1, 3))],
            "op": "add_",
        }
    else:
        case = {"dtype": rng.choice(DTYPES), "shape": [rng.randint(0, 5) for _ in range(rng.randint(0, 3))]}
    return repr(case)


def reproduction(scenario: str, case: str, engine: str, device: str) -> str:
    return (
        "from conformance.reproduce import rerun\n\n"
        f"# {scenario} on {engine}@{device} against torch\n"
        f"rerun({scenario!r}, {case}, engine={engine!r}, device={device!r})\n"
    )


def records(
    *,
    run_id: str,
    engine: str = "impl",
    device: str = "cpu",
    oracle_device: str = "cpu",
    cases: int = 2000,
    seed: int = 0,
    end: bool = True,
    hostile: bool = False,
    not_run: str | None = None,
) -> Iterator[dict[str, Any]]:
    """The records of one run with about `cases` case records; `not_run` marks every case not run."""
    rng = random.Random(seed)
    mark = (lambda s: f"{s} {HOSTILE}") if hostile else (lambda s: s)
    base = {"run_id": run_id, "engine": engine, "oracle": "torch"}
    yield {
        "kind": "run",
        **base,
        "started": "2026-11-29T14:05:12.481+00:00",
        "engine_version": "0.1.0" if engine == "impl" else "2.4.0",
        "engine_device": device,
        "oracle_version": "2.13.0",
        "oracle_device": oracle_device,
        "torch": "2.13.0",
        "numpy": "2.4.0",
        "python": "3.11.2",
        "platform": "Linux-6.1.0-x86_64-with-glibc2.36",
        "hypothesis_profile": "ci",
        "seed": seed,
        "workers": 2,
        "argv": ["pytest", "tests/conformance", "-n", "2"],
    }
    base |= {"device": device, "oracle_device": oracle_device}
    scenarios = [(a, s) for a, names in SCENARIOS.items() for s in names]
    for i in range(cases):
        area, name = scenarios[i % len(scenarios)]
        sid = f"{area}.{name}"
        record = {
            "kind": "case",
            **base,
            "area": area,
            "scenario": sid,
            "seed": None,
            "duration_s": 0.004,
            "count": 1,
            "case": "",
            "params": {},
            "differences": [],
            "engine_outcome": None,
            "oracle_outcome": None,
            "reproduction": "",
            "reason": "",
        }
        cause = next((c for c in CAUSES if c[0] == sid), None)
        roll = rng.random()
        if not_run:
            record |= {"status": "not_run", "count": rng.randint(1, 40), "reason": not_run}
        elif area == "autograd" and engine != "impl":
            record |= {
                "status": "unsupported",
                "count": rng.randint(1, 20),
                "reason": mark("engine lacks capability autograd"),
            }
        elif cause and roll < 0.5:
            _, field, name_, eng, orc, status, reason = cause
            case = case_repr(area, name, rng)
            if hostile:
                case = case[:-1] + f", 'note': {HOSTILE!r}}}"
            if status == "stale":  # the engine agrees now: nothing differs any more
                field, eng = "", orc
            record |= {
                "status": "error" if hostile and field == "error" else status,
                "case": case,
                "params": {"dtype": rng.choice(DTYPES)},
                "seed": None if area == "promotion" else rng.getrandbits(64),
                "differences": [{"field": field, "name": name_, "engine": mark(eng), "oracle": orc}]
                if field
                else [],
                "engine_outcome": {name_: mark(eng), "error": "no exception"},
                "oracle_outcome": {name_: orc, "error": "no exception"},
                "reproduction": reproduction(sid, case, engine, device),
                "reason": mark(reason),
            }
        else:
            record |= {"status": "pass", "count": rng.randint(5, 60)}
        yield record
    if end:
        yield {
            "kind": "end",
            "run_id": run_id,
            "finished": "2026-11-29T14:09:55.102+00:00",
            "duration_s": 282.6,
            "exitstatus": 1,
        }


def write(path: str | Path, recs: Iterator[dict[str, Any]], *, bulk: bool = False) -> Path:
    """Write records with conformance.results.append (or, for big files, the same lines at once)."""
    path = Path(path)
    if bulk:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r, default=str, separators=(",", ":")) + "\n" for r in recs)
    else:
        for r in recs:
            append(path, r)
    return path
