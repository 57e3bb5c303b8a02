"""Sample results for tests, the benchmark and demos, built from the real scenario registry.

A sample run is shaped like a real one and made of the real record dataclasses: a run record;
the plan of every collected test (the suite's own scenarios, split into chunks by the harness'
own `targets`); per test, pass records and divergences of a few causes over the real cases of
real scenarios, each cause's first cases in full with a reproduction written by
conformance.reproduction; unsupported capabilities; stale manifest entries; an end record that
accounts for every test. The outcomes themselves are made up (no engine runs here), and so are
the causes (modelled on what the NumPy, JAX and CUDA runs find). Options cut a run off
(`end=False`), check only a fraction of each test (`sampled`), or put markup into every
engine-controlled string (`hostile`).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from conformance import records as rec
from conformance import reproduction
from conformance.compare import Comparator, Difference
from conformance.records import CaseRecord, Example, Status, account
from conformance.runner import CHUNK_SIZE, Target, targets
from spec.engine import DTYPES, Capability
from spec.outcome import message_key
from spec.scenario import Case, Scenario, all_scenarios
from spec.strategies import category

if TYPE_CHECKING:
    from conformance.runner import Harness

HOSTILE = '<script>alert(1)</script> & <img src=x onerror=alert(2)> "</script>'
EXAMPLES = 3
"""Cases of each cause kept in full, as the harness does (conformance.tally.EXAMPLES_PER_CAUSE)."""
REFERENCE = "impl"
"""The engine that has every capability; any other lacks autograd (like NumPy)."""


@dataclass(frozen=True)
class Cause:
    """A made-up divergence of a real scenario: which cases, on which engines/devices, what differs."""

    scenario: str
    applies: Callable[[Case], bool]
    differences: tuple[Difference, ...]
    engines: frozenset[str] | None = None  # None: every engine but the reference
    devices: frozenset[str] = frozenset({"cpu", "cuda"})
    status: Status = Status.FAIL
    reason: str = ""  # the manifest's reason (expected) or the crash (error)
    entry: str | None = None  # the manifest entry's label
    expression: Callable[[Case], str] | None = None
    detail: str = ""

    def on(self, engine: str, device: str) -> bool:
        engines = self.engines if self.engines is not None else {engine} - {REFERENCE}
        return engine in engines and device in self.devices

    @property
    def key(self) -> str:
        """The cause key the harness would record (conformance.verdicts.Verdict.cause)."""
        if self.status is Status.ERROR:
            return message_key(self.reason)
        return "; ".join(sorted({d.key for d in self.differences}))


def _category(dtype: str) -> str:
    """The promotion category of a dtype name, or of a Python scalar's kind ('int', 'float'...)."""
    return category(dtype) if dtype in DTYPES else dtype


def _dtype_diff(engine: str, oracle: str) -> Difference:
    return Difference("dtype", "result.dtype", engine, oracle)


def _binary_expression(case: Case) -> str:
    lhs, rhs = case["lhs_dtype"], case["rhs_dtype"]
    return (
        f"torch.{case['op']}(tensor([-5.5, 3.25, 7.0], dtype=torch.{lhs}), tensor(2.0, dtype=torch.{rhs}))"
        f"  -> float64 vs {lhs}"
    )


CAUSES: tuple[Cause, ...] = (
    Cause(
        "promotion.binary_op",
        lambda c: (
            c["rhs_kind"] == "zero_dim"
            and c["lhs_kind"] == "tensor"
            and c["lhs_dtype"] in ("float16", "bfloat16", "float32")
            and c["rhs_dtype"] == "float64"
            and c["op"] in ("add", "sub", "mul", "div")
        ),
        (_dtype_diff("float64", "float32"),),
        engines=frozenset({"numpy"}),
        expression=_binary_expression,
    ),
    Cause(
        "promotion.binary_op",
        lambda c: (
            c["op"] == "floor_divide" and "complex" in (_category(c["lhs_dtype"]), _category(c["rhs_dtype"]))
        ),
        (
            Difference(
                "error",
                "exception",
                "TypeError: ufunc 'floor_divide' not supported for the input types",
                "NotImplementedError: \"floor_divide_cpu\" not implemented for 'ComplexFloat'",
            ),
        ),
        status=Status.EXPECTED,
        reason="NumPy raises TypeError for floor division of complex numbers, torch NotImplementedError",
        entry="#3 promotion.binary_op {op='floor_divide'}",
    ),
    Cause(
        "promotion.inplace_cast",
        lambda c: _category(c["lhs_dtype"]) == "int" and _category(c["rhs_dtype"]) == "float",
        (Difference("error", "exception", "no exception", "RuntimeError: result type Float can't be cast"),),
        status=Status.EXPECTED,
        reason="the engine casts the float result into the integer tensor where torch refuses",
        entry="#8 promotion.inplace_cast",
    ),
    Cause(
        "promotion.integer_division_by_zero",
        lambda c: c["divisor_kind"] == "tensor" and c["op"] == "remainder",
        (Difference("error", "exception", "no exception", "RuntimeError: ZeroDivisionError"),),
        engines=frozenset({REFERENCE}),
        devices=frozenset({"cuda"}),
    ),
    Cause(
        "memory.views",
        lambda c: c["op"] == "reshape" and c["base_layout"] != "contiguous",
        (Difference("aliasing", "groups", "[]", "[['base', 'view']]"),),
        engines=frozenset({"numpy"}),
        status=Status.EXPECTED,
        reason="NumPy's reshape of a non-contiguous array copies where torch returns a view",
        entry="#12 memory.views {op='reshape'}",
    ),
    Cause(
        "creation.factories",
        lambda c: c["dtype"] is None and c["default_dtype"] == "float64",
        (_dtype_diff("float32", "float64"),),
        engines=frozenset({"numpy", "jax"}),
    ),
    Cause(
        "promotion.promote_types",
        lambda c: "complex128" in (c["a"], c["b"]) and "bfloat16" in (c["a"], c["b"]),
        (),
        engines=frozenset({"jax"}),
        status=Status.ERROR,
        reason="the engine's process was killed by SIGSEGV while running the case (restarted)",
        detail="Fatal Python error: Segmentation fault\n\nCurrent thread 0x00007f (most recent call first):\n"
        '  File "jax/_src/dtypes.py", line 512 in promote_types\n',
    ),
)

STALE: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "creation.tensor_from_data",
        "#7 creation.tensor_from_data {dtype='bfloat16'} (bfloat16 data used to round to float32)",
        {"dtype": "bfloat16"},
    ),
)
"""Manifest entries that no longer describe a divergence: (scenario, label and reason, match)."""


@dataclass(frozen=True)
class _Sides:
    """What conformance.reproduction.script reads of a Harness."""

    engine_spec: str
    oracle_spec: str
    device: str
    oracle_device: str
    comparator: Comparator


_OUTCOME_KEYS: dict[str, Callable[[Difference], str]] = {
    "error": lambda d: "error",
    "dtype": lambda d: f"tensor {d.name.split('.')[0]}",
    "fact": lambda d: f"fact {d.name}",
    "aliasing": lambda d: "aliasing",
}


def _outcomes(diffs: list[Difference]) -> tuple[dict[str, str], dict[str, str]]:
    """Rendered outcomes (as conformance.tally renders them) that show the differences."""
    engine: dict[str, str] = {}
    oracle: dict[str, str] = {}
    for d in diffs:
        key = _OUTCOME_KEYS.get(d.field, lambda d: f"{d.field} {d.name}")(d)
        for side, text in ((engine, d.engine), (oracle, d.oracle)):
            if text != "no exception":
                side[key] = f"{text}[3] [1., 2., 3.]" if d.field == "dtype" else text
    return engine, oracle


def example(
    sc: Scenario,
    case: Case,
    diffs: list[Difference],
    sides: _Sides,
    *,
    expression: str = "",
    detail: str = "",
) -> Example:
    """One case in full, as the harness records it: differences, rendered outcomes, reproduction."""
    engine, oracle = _outcomes(diffs)
    return Example(
        case=repr(case),
        params=params(case),
        differences=[d.as_dict() for d in diffs],
        engine_outcome=engine or None,
        oracle_outcome=oracle or None,
        expression=expression,
        reproduction=reproduction.script(cast("Harness", sides), sc, case),
        detail=detail,
    )


def sides(engine: str, device: str = "cpu", oracle_device: str = "cpu") -> _Sides:
    """The engine and oracle of a run, as conformance.reproduction.script needs them."""
    return _Sides(engine, "torch", device, oracle_device, Comparator(cross_device=device != oracle_device))


def params(case: Case) -> dict[str, Any]:
    """A case's scalar parameters, as conformance.tally records them."""
    return {k: v for k, v in case.items() if v is None or isinstance(v, str | int | float | bool)}


class _Run:
    """The records of one sample run, test by test."""

    def __init__(self, run_id: str, engine: str, device: str, oracle_device: str, hostile: bool) -> None:
        self.run_id, self.engine, self.device, self.oracle_device = run_id, engine, device, oracle_device
        self.mark: Callable[[str], str] = (lambda s: f"{s} {HOSTILE}") if hostile else (lambda s: s)
        self.sides = _Sides(
            engine, "torch", device, oracle_device, Comparator(cross_device=device != oracle_device)
        )

    def record(self, target: Target, status: Status, cause: str = "", **fields: Any) -> CaseRecord:
        sc = target.scenario
        return CaseRecord(
            run_id=self.run_id,
            engine=self.engine,
            oracle="torch",
            device=self.device,
            oracle_device=self.oracle_device,
            area=sc.area,
            scenario=sc.id,
            test=target.id,
            status=status,
            count=0,
            cause=cause,
            **fields,
        )

    def example(self, sc: Scenario, case: Case, cause: Cause) -> Example:
        diffs = [Difference(d.field, d.name, self.mark(d.engine), d.oracle) for d in cause.differences]
        return example(
            sc,
            case,
            diffs,
            self.sides,
            expression=self.mark(cause.expression(case)) if cause.expression else "",
            detail=self.mark(cause.detail) if cause.detail else "",
        )

    def finite(self, target: Target, cases: list[Case], causes: list[Cause]) -> list[CaseRecord]:
        """A finite test's records: a pass record and one per cause that applies to its cases."""
        passed = self.record(target, Status.PASS)
        groups: dict[str, CaseRecord] = {}
        for case in cases:
            cause = next((c for c in causes if c.applies(case)), None)
            if cause is None:
                passed.count += 1
                continue
            r = groups.get(cause.key)
            if r is None:
                reason = self.mark(cause.reason) if cause.reason else ""
                r = groups[cause.key] = self.record(
                    target, cause.status, cause.key, reason=reason, manifest_entry=cause.entry
                )
            r.count += 1
            r.cases.append(params(case))
            if len(r.examples) < EXAMPLES:
                r.examples.append(self.example(target.scenario, case, cause))
        return [r for r in (passed, *groups.values()) if r.count]


def records(
    *,
    run_id: str,
    engine: str = REFERENCE,
    device: str = "cpu",
    oracle_device: str = "cpu",
    seed: int = 0,
    end: bool = True,
    hostile: bool = False,
    not_run: str | None = None,
    sampled: float = 1.0,
    chunk_size: int = CHUNK_SIZE,
    drawn_cases: int = 100,
    causes: tuple[Cause, ...] = CAUSES,
) -> Iterator[rec.Record]:
    """The records of one run over every scenario of the registry.

    `end=False`: the run is cut off after two thirds of its tests (no end record); `sampled`: each
    finite test checks only that fraction of its cases (the rest are missing, as in a budgeted run);
    `not_run`: every case is not run, for that reason."""
    rng = random.Random(seed)
    mark: Callable[[str], str] = (lambda s: f"{s} {HOSTILE}") if hostile else (lambda s: s)
    run = _Run(run_id, mark(engine) if hostile else engine, device, oracle_device, hostile)
    found = targets(all_scenarios().values(), chunk_size=chunk_size)
    yield rec.RunRecord(
        run_id=run_id,
        started="2026-11-29T14:05:12+00:00",
        engine=run.engine,
        engine_name=run.engine,
        engine_version="0.1.0" if engine == REFERENCE else "2.4.0",
        engine_device=device,
        oracle_name="torch",
        oracle_version="2.13.0",
        oracle_device=oracle_device,
        torch="2.13.0",
        numpy="2.4.6",
        python="3.11.7",
        platform="Linux-6.1.0-x86_64-with-glibc2.36",
        hypothesis_profile="ci",
        seed="derandomized",
        workers=2,
        argv=["pytest", "conformance", "--engine", engine, "-n", "2"],
        manifest=f"conformance/manifests/{engine}.toml",
        not_run=not_run or "",
    )
    planned = {
        t.id: rec.PlannedTest(test=t.id, scenario=t.scenario.id, area=t.scenario.area, cases=t.size)
        for t in found
    }
    yield rec.PlanRecord(run_id=run_id, tests=list(planned.values()))
    lacks = frozenset() if engine == REFERENCE else frozenset({Capability.AUTOGRAD})
    written: list[CaseRecord] = []
    stop = len(found) * 2 // 3 if not end else len(found)
    for target in found[:stop]:
        sc = target.scenario
        count = target.size if target.size is not None else 1
        if not_run:
            r = run.record(target, Status.NOT_RUN, reason=not_run)
            r.count = count
            out = [r]
        elif sc.requires & lacks:
            lacking = ", ".join(sorted(c.value for c in sc.requires & lacks))
            r = run.record(target, Status.UNSUPPORTED, reason=mark(f"{engine} lacks capability {lacking}"))
            r.count = count
            out = [r]
        elif target.cases is None:
            r = run.record(target, Status.PASS, seed=rng.getrandbits(32))
            r.count = rng.randint(drawn_cases // 2, drawn_cases)
            out = [r]
        else:
            cases = list(target.cases)
            if sampled < 1:
                cases = rng.sample(cases, max(1, round(len(cases) * sampled)))
            applicable = [c for c in causes if c.scenario == sc.id and c.on(engine, device)]
            out = run.finite(target, cases, applicable)
        written += out
        yield from out
    if not end:
        return
    if engine != REFERENCE and not not_run:
        for sid, label, match in STALE:
            why = f"manifest entry {label}: all matching cases agree with the oracle now; remove it"
            stale = run.record(Target(all_scenarios()[sid]), Status.STALE, reason=mark(why), cases=[match])
            stale.test, stale.manifest_entry = "", label.split(" (")[0]
            yield stale
    accounts = account(planned, written)
    failed = any(a.missing for a in accounts) or any(r.status in (Status.FAIL, Status.ERROR) for r in written)
    yield rec.EndRecord(
        run_id=run_id,
        finished="2026-11-29T14:09:55+00:00",
        duration_s=282.6,
        exitstatus=int(failed),
        tests=accounts,
    )


def write(path: str | Path, recs: Iterator[rec.Record]) -> Path:
    """Append the records to a results file with conformance.records.append (one write)."""
    path = Path(path)
    rec.append(path, list(recs))
    return path
