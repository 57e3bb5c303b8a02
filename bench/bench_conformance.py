"""Conformance throughput: checked cases per second per area, side by side.

For each area, the same scenarios (ci profile) are checked engine-vs-oracle three ways:
  1 worker   -- the harness in one process (conformance.runner.Harness.run_target): finite domains
                enumerated, drawn domains a batch of cases per hypothesis example;
  2 workers  -- the same targets spread over two processes (as pytest-xdist does), wall clock;
  naive      -- a plain hypothesis loop, one case per example (`@given(case)`; finite domains via
                sampled_from), over the same scenarios.
Targets: >= 3,000 checked cases/s per core on promotion and broadcasting; 2 workers >= 1.8x of 1.
Engine start-up and imports are outside the timings. Numbers only: it never fails.

Run from the checkout root: `python bench/bench_conformance.py [--engine impl] [--areas promotion ...]`.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import given, settings
from hypothesis import strategies as st

import conformance.profiles  # noqa: F401 - registers the ci profile
from conformance.runner import Harness, Target, targets
from spec.engine import AREAS
from spec.scenario import all_scenarios

PER_CORE_TARGET = 3000
SPEEDUP_TARGET = 1.8
NAIVE_CASES = 300  # cases per scenario for the naive loop (it is slow; the rate is what matters)


def _checked(counts: dict[str, int]) -> int:
    return sum(n for status, n in counts.items() if status not in ("unsupported", "not_run"))


def _area_targets(area: str) -> list[Target]:
    return targets(sc for sc in all_scenarios().values() if sc.area == area)


def run_targets(engine: str, oracle: str, area: str, indices: list[int]) -> tuple[int, float]:
    """Check the chosen targets of an area; (checked cases, seconds). Engines built before timing."""
    harness = Harness(engine, oracle, profile="ci")
    harness.engine, harness.oracle  # noqa: B018 - build both before the clock starts
    chosen = [_area_targets(area)[i] for i in indices]
    start = time.perf_counter()
    checked = sum(_checked(harness.run_target(t).counts) for t in chosen)
    return checked, time.perf_counter() - start


def _worker(engine: str, oracle: str, area: str, indices: list[int], barrier: Any, out: Any) -> None:
    _area_targets(area)  # imports and enumerations before the barrier
    barrier.wait()
    out.put(run_targets(engine, oracle, area, indices))


def two_workers(engine: str, oracle: str, area: str, costs: list[float]) -> tuple[int, float]:
    """Split the targets over 2 processes, longest first onto the less loaded (as xdist balances)."""
    shares: list[list[int]] = [[], []]
    loads = [0.0, 0.0]
    for i in sorted(range(len(costs)), key=lambda i: -costs[i]):
        k = loads.index(min(loads))
        shares[k].append(i)
        loads[k] += costs[i]
    ctx = mp.get_context("spawn")
    shares = [s for s in shares if s]
    barrier, out = ctx.Barrier(len(shares) + 1), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(engine, oracle, area, s, barrier, out)) for s in shares]
    for p in procs:
        p.start()
    barrier.wait()
    start = time.perf_counter()
    done = [out.get() for _ in procs]
    wall = time.perf_counter() - start
    for p in procs:
        p.join()
    return sum(n for n, _ in done), wall


def _one_case_per_example(harness: Harness, sc: Any, strategy: Any) -> Any:
    @settings(settings.get_profile("ci"), max_examples=NAIVE_CASES)
    @given(strategy)
    def one(case: dict[str, Any]) -> None:
        harness.check_case(sc, case)

    return one


def naive(engine: str, oracle: str, area: str) -> tuple[int, float]:
    """One case per hypothesis example, NAIVE_CASES per scenario (drawn, or sampled from the enumeration)."""
    harness = Harness(engine, oracle)
    harness.engine, harness.oracle  # noqa: B018
    checked, seconds = 0, 0.0
    for sc in (sc for sc in all_scenarios().values() if sc.area == area):
        enumerated = list(sc.cases()) if sc.finite else []
        if sc.requires - harness.engine.capabilities or (sc.finite and not enumerated):
            continue
        strategy = st.sampled_from(enumerated) if sc.finite else sc.cases()

        one = _one_case_per_example(harness, sc, strategy)
        start = time.perf_counter()
        one()
        seconds += time.perf_counter() - start
        checked += NAIVE_CASES
    return checked, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="impl")
    parser.add_argument("--oracle", default="torch")
    parser.add_argument("--areas", nargs="*", default=list(AREAS), choices=AREAS)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")  # torch's "ComplexHalf support is experimental" and the like
    os.environ["PYTHONWARNINGS"] = "ignore"  # in the worker processes too
    settings.load_profile("ci")
    print(f"{args.engine} vs {args.oracle}, ci profile; checked cases per second (wall clock)")
    header = (
        f"{'area':<13}{'cases':>8}{'1 worker':>11}{'2 workers':>11}{'speedup':>9}{'naive':>9}{'vs naive':>10}"
    )
    print(header)
    print("-" * len(header))
    for area in args.areas:
        found = _area_targets(area)
        harness = Harness(args.engine, args.oracle, profile="ci")
        costs, cases, one_s = [], 0, 0.0
        for t in found:
            start = time.perf_counter()
            cases += _checked(harness.run_target(t).counts)
            costs.append(time.perf_counter() - start)
        one_s = sum(costs)
        two_n, two_s = two_workers(args.engine, args.oracle, area, costs)
        naive_n, naive_s = naive(args.engine, args.oracle, area)
        one_rate, two_rate, naive_rate = cases / one_s, two_n / two_s, naive_n / max(naive_s, 1e-9)
        target = " (target >= 3000/core)" if area in ("promotion", "broadcasting") else ""
        print(
            f"{area:<13}{cases:>8}{one_rate:>11.0f}{two_rate:>11.0f}{two_rate / one_rate:>8.2f}x"
            f"{naive_rate:>9.0f}{one_rate / naive_rate:>9.1f}x{target}"
        )


if __name__ == "__main__":
    main()
