"""Conformance throughput: checked cases per second and per CPU-second, per area, side by side.

For each area, the same targets (ci profile, shrinking off) are checked engine-vs-oracle:
  in-process  -- engine and oracle in the measuring process (`--isolation none`);
  isolated    -- the engine in its supervised child process (the default), the oracle in-process;
  2 workers   -- isolated, the targets spread over two processes as pytest-xdist does (wall clock);
  naive       -- a plain hypothesis loop, one case per example, in-process (the baseline to beat).
The in-process and isolated runs alternate (`--rounds` times each, medians shown) so that machine
load hits both alike. Rates per CPU-second count the CPU time of every process involved (the
engine's child included), so they hold on a loaded machine; wall-clock rates do not.
One case of each target runs before the clock (lazy imports: torch's first broadcast_shapes and
backward import sympy, ~0.3 s). Targets: isolation costs <= 10% on promotion and broadcasting;
>= 3,000 checked cases per CPU-second on promotion and broadcasting and >= 1,000 on autograd;
2 workers >= 1.8x of 1 (on an idle machine). Engine start-up and imports are outside the timings.
Numbers only: it never fails.

Then: the time to first failure (wall clock from process start to the exit of `pytest -x`, median
over a sample of the mutation catalog, serially and under -n 2) and a budgeted run's coverage and
divergence causes beside the full run's (`--budget-engine jax --budget 30`: a slow engine).

Run from the checkout root: `python bench/bench_conformance.py [--engine impl] [--areas promotion ...]`.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

import conformance.profiles  # noqa: F401 - registers the ci profile
from conformance.records import CaseRecord, EndRecord, records
from conformance.runner import Harness, Target, targets
from spec.engine import AREAS
from spec.scenario import all_scenarios

TARGETS = {"promotion": 3000, "broadcasting": 3000, "autograd": 1000}
"""Checked cases per CPU-second to reach (impl vs torch)."""
SPEEDUP_TARGET = 1.8
ISOLATION_COST = 0.10
BENCH_PROFILE = "ci-without-shrinking"  # ci's cases; shrinking a divergence is not throughput
NAIVE_CASES = 300  # cases per scenario for the naive loop (it is slow; the rate is what matters)
WORKER_TIMEOUT_S = 900


def _checked(counts: dict[str, int]) -> int:
    return sum(n for status, n in counts.items() if status not in ("unsupported", "not_run"))


def _area_targets(area: str) -> list[Target]:
    return targets((sc for sc in all_scenarios().values() if sc.area == area), corpus=True)


def _cpu_of(pid: int | None) -> float:
    """CPU seconds (user + system) a live process has used so far, from /proc (0 where unreadable)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _child_pid(harness: Harness) -> int | None:
    proc = getattr(harness.engine_side, "_proc", None)
    return proc.pid if proc is not None else None


def _one_case_per_example(harness: Harness, sc: Any, enumerated: list[Any], calls: list[int]) -> Any:
    @settings(settings.get_profile(BENCH_PROFILE), max_examples=NAIVE_CASES)
    @given(st.sampled_from(enumerated) if sc.finite else sc.cases())
    def one(case: dict[str, Any]) -> None:
        calls[0] += 1  # hypothesis stops early on small finite domains: count what really ran
        harness.check_case(sc, case)

    return one


def _naive_runs(harness: Harness, area: str, calls: list[int]) -> list[Any]:
    """One hypothesis test per scenario drawing one case per example (finite: sampled_from)."""
    runs = []
    capabilities = harness.engine_info.capabilities  # type: ignore[union-attr]
    for sc in (sc for sc in all_scenarios().values() if sc.area == area):
        enumerated = list(sc.cases()) if sc.finite else []
        if sc.requires - capabilities or (sc.finite and not enumerated):
            continue

        runs.append(_one_case_per_example(harness, sc, enumerated, calls))
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
    harness = Harness(
        engine, oracle, profile=BENCH_PROFILE, isolation="engine" if mode == "isolated" else "none"
    )
    harness.engine_info, harness.oracle_info  # noqa: B018 - start both before the clock starts
    chosen = [_area_targets(area)[i] for i in indices]
    for target in chosen:  # warm-up: one case each, so that lazy imports (torch pulls in sympy) are not timed
        if target.cases:
            harness.check(target.scenario, target.cases[:1])
    calls = [0]
    naive = _naive_runs(harness, area, calls) if mode == "naive" else []
    barrier.wait()
    child = _child_pid(harness)
    cpu0, child0, start = time.process_time(), _cpu_of(child), time.perf_counter()
    checked = 0
    if mode == "naive":
        for run in naive:
            run()
        checked = calls[0]
    for target in chosen if mode != "naive" else ():
        checked += _checked(harness.run_target(target).counts)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu0 + _cpu_of(child) - child0
    harness.close()
    out.put((checked, wall, cpu))


def measure(jobs: list[tuple[str, str, str, str, list[int]]]) -> tuple[int, float, float]:
    """Run the jobs in parallel fresh processes from a common start: (cases, wall s, CPU s)."""
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
    return sum(d[0] for d in done), wall, sum(d[2] for d in done)


def halves(n: int) -> list[list[int]]:
    return [list(range(0, n, 2)), list(range(1, n, 2))]


def first_failures(per_area: int) -> None:
    """Median wall time from process start to the exit of `pytest -x` over a sample of the mutation
    catalog (tests/mutation: `per_area` mutants of each area, spread over it), serially and under
    -n 2, one run at a time."""
    from tests.mutation.__main__ import run_one, select

    chosen = select(None)
    sample: list[tuple[str, str]] = []
    for area in AREAS:
        paths = sorted(p for p, a in chosen.items() if a == area)
        step = max(1, len(paths) // per_area)
        sample += [(p, area) for p in paths[::step][:per_area]]
    print(
        f"\ntime to first failure, {len(sample)} mutants of the catalog ({per_area} per area), one at a time"
    )
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        (scratch / "empty.toml").write_text("")
        for workers in (0, 2):
            seconds = []
            for path, area in sample:
                v = run_one(path, area, "ci", 600, scratch, workers=workers)
                if v.status == "caught":
                    seconds.append(v.seconds)
            label = "one process" if not workers else "-n 2"
            print(
                f"  {label:<12} median {statistics.median(seconds):5.1f} s  (min {min(seconds):.1f}, "
                f"max {max(seconds):.1f}; {len(seconds)}/{len(sample)} caught; target <= 5 s)",
                flush=True,
            )


def budgeted(engine: str, budget: float) -> None:
    """A --budget run's coverage beside the full run's time (pytest subprocesses, -n 2)."""
    print(f"\n{engine}: a budgeted run against the full ci run (-n 2)")
    full_causes: set[tuple[str, str]] = set()
    with tempfile.TemporaryDirectory() as tmp:
        for label, extra in (("full", []), (f"--budget {budget:g}", ["--budget", str(budget)])):
            out = Path(tmp) / f"{label.replace(' ', '')}.jsonl"
            command = [sys.executable, "-m", "pytest", "conformance", "--engine", engine, "-n", "2", "-q"]
            command += ["-p", "no:cacheprovider", "--results", str(out), "--no-replay", *extra]
            start = time.perf_counter()
            subprocess.run(command, capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
            wall = time.perf_counter() - start
            found = records(out)
            end = next((r for r in found if isinstance(r, EndRecord)), None)
            tests = end.tests if end else []
            collected = sum(a.collected or 0 for a in tests)
            checked = sum(a.checked for a in tests)
            covers = [a for a in tests if a.test.endswith(("-cover1", "-cover2"))]
            covered = sum(1 for a in covers if a.checked == a.collected)
            causes = {
                (r.scenario, r.cause)
                for r in found
                if isinstance(r, CaseRecord) and r.cause and r.status in ("fail", "expected")
            }
            full_causes = full_causes or causes
            print(
                f"  {label:<14} {wall:6.1f} s  checked {checked}/{collected} cases "
                f"({checked / max(collected, 1):.0%}), cover tests complete {covered}/{len(covers)}, "
                f"divergence causes {len(causes)} ({len(causes & full_causes)} of the full run's "
                f"{len(full_causes)})",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="impl")
    parser.add_argument("--oracle", default="torch")
    parser.add_argument("--areas", nargs="*", default=list(AREAS), choices=AREAS)
    parser.add_argument("--rounds", type=int, default=3, help="alternating in-process/isolated runs")
    parser.add_argument("--no-naive", action="store_true")
    parser.add_argument("--first-failure", type=int, default=3, help="mutants per area timed (0: skip)")
    parser.add_argument("--budget", type=float, default=20.0, help="seconds of the budgeted run (0: skip)")
    parser.add_argument(
        "--budget-engine", default=None, help="the engine of the budgeted run (default --engine; e.g. jax)"
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore")  # torch's "ComplexHalf support is experimental" and the like
    os.environ["PYTHONWARNINGS"] = "ignore"  # in the worker processes too
    settings.load_profile("ci")
    print(f"{args.engine} vs {args.oracle}, ci profile; checked cases per second (wall) / per CPU-second")
    print(f"load average at the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    columns = ("in-process", "isolated", "iso cost", "2 workers", "speedup", "naive", "vs naive")
    header = f"{'area':<13}{'cases':>7}" + "".join(f"{c:>17}" for c in columns)
    print(header)
    print("-" * len(header))
    for area in args.areas:
        everything = list(range(len(_area_targets(area))))
        runs: dict[str, list[tuple[int, float, float]]] = {"none": [], "isolated": []}
        for _ in range(args.rounds):  # interleaved, so load hits both alike
            for mode in runs:
                runs[mode].append(measure([(mode, args.engine, args.oracle, area, everything)]))
        n = runs["none"][0][0]
        wall = {m: statistics.median(n / w for n, w, _ in r) for m, r in runs.items()}
        cpu = {m: statistics.median(n / c for n, _, c in r) for m, r in runs.items()}
        two_n, two_wall, two_cpu = measure(
            [("isolated", args.engine, args.oracle, area, h) for h in halves(len(everything))]
        )
        cells = [
            f"{wall['none']:.0f} / {cpu['none']:.0f}",
            f"{wall['isolated']:.0f} / {cpu['isolated']:.0f}",
            f"{1 - wall['isolated'] / wall['none']:+.0%} / {1 - cpu['isolated'] / cpu['none']:+.0%}",
            f"{two_n / two_wall:.0f} / {two_n / two_cpu:.0f}",
            f"{two_n / two_wall / wall['isolated']:.2f}x",
        ]
        if args.no_naive:
            cells += ["-", "-"]
        else:
            naive_n, naive_wall, naive_cpu = measure([("naive", args.engine, args.oracle, area, [])])
            cells += [
                f"{naive_n / naive_wall:.0f} / {naive_n / naive_cpu:.0f}",
                f"{cpu['isolated'] / (naive_n / naive_cpu):.1f}x",
            ]
        target = f"  (target {TARGETS[area]}/CPU-s)" if area in TARGETS else ""
        print(f"{area:<13}{n:>7}" + "".join(f"{c:>17}" for c in cells) + target, flush=True)
    if args.first_failure:
        first_failures(args.first_failure)
    if args.budget:
        budgeted(args.budget_engine or args.engine, args.budget)
    print(
        f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; iso cost = "
        f"1 - isolated/in-process rate (target <= {ISOLATION_COST:.0%}); "
        f"speedup = 2 workers / isolated (target {SPEEDUP_TARGET}x)"
    )


if __name__ == "__main__":
    main()
