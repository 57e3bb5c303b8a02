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

import torch
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

import conformance.profiles  # noqa: F401 - registers the ci profile
from conformance.runner import Harness, Target, targets
from spec.engine import AREAS
from spec.scenario import all_scenarios

PER_CORE_TARGET = 3000
SPEEDUP_TARGET = 1.8
BENCH_PROFILE = "ci-without-shrinking"  # ci's cases; shrinking a divergence is not throughput
NAIVE_CASES = 300
WORKER_TIMEOUT_S = 600  # cases per scenario for the naive loop (it is slow; the rate is what matters)


def _checked(counts: dict[str, int]) -> int:
    return sum(n for status, n in counts.items() if status not in ("unsupported", "not_run"))


def _area_targets(area: str) -> list[Target]:
    return targets(sc for sc in all_scenarios().values() if sc.area == area)


def _one_case_per_example(harness: Harness, sc: Any, strategy: Any, calls: list[int]) -> Any:
    @settings(settings.get_profile(BENCH_PROFILE), max_examples=NAIVE_CASES)
    @given(strategy)
    def one(case: dict[str, Any]) -> None:
        calls[0] += 1  # hypothesis stops early on small finite domains: count what really ran
        harness.check_case(sc, case)

    return one


def _naive_runs(harness: Harness, area: str, calls: list[int]) -> list[Any]:
    """One hypothesis test per scenario drawing one case per example (finite: sampled_from)."""
    runs = []
    for sc in (sc for sc in all_scenarios().values() if sc.area == area):
        enumerated = list(sc.cases()) if sc.finite else []
        if sc.requires - harness.engine.capabilities or (sc.finite and not enumerated):
            continue
        strategy = st.sampled_from(enumerated) if sc.finite else sc.cases()
        runs.append(_one_case_per_example(harness, sc, strategy, calls))
    return runs


def _worker(job: tuple[str, str, str, str, list[int]], barrier: Any, out: Any) -> None:
    """In a fresh process: build everything, wait for the others, then time the job's cases."""
    warnings.filterwarnings("ignore")
    mode, engine, oracle, area, indices = job
    torch.set_num_threads(1)  # as the plugin does on xdist workers: no OpenMP spinning between processes
    settings.register_profile(
        BENCH_PROFILE, settings.get_profile("ci"), phases=(Phase.explicit, Phase.generate)
    )
    settings.load_profile(BENCH_PROFILE)
    harness = Harness(engine, oracle, profile=BENCH_PROFILE)
    harness.engine, harness.oracle  # noqa: B018 - build both before the clock starts
    chosen = [_area_targets(area)[i] for i in indices]
    calls = [0]
    naive = _naive_runs(harness, area, calls) if mode == "naive" else []
    barrier.wait()
    costs, checked = [], 0
    start = time.perf_counter()
    if mode == "naive":
        for run in naive:
            run()
        checked = calls[0]
    for target in chosen if mode != "naive" else ():
        t0 = time.perf_counter()
        checked += _checked(harness.run_target(target).counts)
        costs.append(time.perf_counter() - t0)
    out.put((checked, time.perf_counter() - start, indices, costs))


def measure(jobs: list[tuple[str, str, str, str, list[int]]]) -> tuple[int, float, dict[int, float]]:
    """Run the jobs in parallel fresh processes from a common start; (cases, wall seconds, target costs)."""
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(len(jobs) + 1), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(job, barrier, out)) for job in jobs]
    for p in procs:
        p.start()
    barrier.wait()
    start = time.perf_counter()
    done = [out.get(timeout=WORKER_TIMEOUT_S) for _ in procs]  # a dead worker: queue.Empty, not a hang
    wall = time.perf_counter() - start
    for p in procs:
        p.join()
    costs = {i: c for _, _, indices, cs in done for i, c in zip(indices, cs, strict=True)}
    return sum(d[0] for d in done), wall, costs


def split(costs: dict[int, float], workers: int) -> list[list[int]]:
    """Longest target first onto the least loaded worker (roughly how xdist balances)."""
    shares: list[list[int]] = [[] for _ in range(workers)]
    loads = [0.0] * workers
    for i in sorted(costs, key=lambda i: -costs[i]):
        k = loads.index(min(loads))
        shares[k].append(i)
        loads[k] += costs[i]
    return [s for s in shares if s]


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
        everything = list(range(len(_area_targets(area))))
        one_n, one_s, costs = measure([("harness", args.engine, args.oracle, area, everything)])
        two_n, two_s, _ = measure(
            [("harness", args.engine, args.oracle, area, share) for share in split(costs, 2)]
        )
        naive_n, naive_s, _ = measure([("naive", args.engine, args.oracle, area, [])])
        one_rate, two_rate, naive_rate = one_n / one_s, two_n / two_s, naive_n / max(naive_s, 1e-9)
        target = f" (target >= {PER_CORE_TARGET}/core)" if area in ("promotion", "broadcasting") else ""
        print(
            f"{area:<13}{one_n:>8}{one_rate:>11.0f}{two_rate:>11.0f}{two_rate / one_rate:>8.2f}x"
            f"{naive_rate:>9.0f}{one_rate / naive_rate:>9.1f}x{target}",
            flush=True,
        )
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine)")


if __name__ == "__main__":
    main()
