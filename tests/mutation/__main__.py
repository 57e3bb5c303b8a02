"""Run the conformance suite against every seeded bug and report what it catches.

    python -m tests.mutation                   # the whole catalog under the ci profile, 2 at a time
    python -m tests.mutation --list            # the catalog: area, import path, rule
    python -m tests.mutation -k Nanless        # mutants whose import path matches (substring or glob)
    python -m tests.mutation --jobs 4 --profile dev
    python -m tests.mutation --own-area        # each mutant against its own area's scenarios only
    python -m tests.mutation --jobs 1 --workers 2   # time to first failure under -n 2, one at a time

Each mutant runs as `pytest conformance --engine tests.mutation.<area>:<Mutant> -x` in its own
process (from the checkout root, PYTHONPATH=.), with an empty manifest: it is *caught* when the
run fails (exit 1, a fail or error recorded), *missed* when it passes (exit 0), and *broken* on
any other exit (a usage error, a crash, the time limit). The report gives caught/total per area,
the score, the median time to first failure (wall clock from process start to its exit with -x,
over the caught mutants) and every missed mutant with its rule and the reason it is missed.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from conformance.records import CaseRecord, Status, records
from spec.engine import AREAS
from tests.mutation.catalog import catalog

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Verdict:
    path: str
    area: str
    status: str  # caught / missed / broken
    seconds: float
    where: str  # the first failing scenario, or why the run broke


def _matches(path: str, pattern: str) -> bool:
    glob = any(c in pattern for c in "*?[")
    return fnmatch.fnmatchcase(path, pattern) if glob else pattern.lower() in path.lower()


def select(patterns: list[str] | None) -> dict[str, str]:
    """Import path -> area of the mutants matching any of `patterns` (globs, or substrings)."""
    found = catalog()
    if patterns:
        found = {p: c for p, c in found.items() if any(_matches(p, pattern) for pattern in patterns)}
    return {path: cls.area() for path, cls in found.items()}


def run_one(
    path: str,
    area: str,
    profile: str,
    timeout: float,
    scratch: Path,
    own_area: bool = False,
    workers: int = 0,
) -> Verdict:
    """One conformance run with -x against the mutant (only its own area's scenarios with
    `own_area`); the verdict from its exit and results."""
    slug = path.replace(":", "_").replace(".", "_")
    results, manifest = scratch / f"{slug}.jsonl", scratch / "empty.toml"
    command = [
        sys.executable, "-m", "pytest", "conformance", "--engine", path, "-x", "-q", "--tb=no",
        "-p", "no:cacheprovider", "--hypothesis-profile", profile,
        "--manifest", str(manifest), "--results", str(results),
    ]  # fmt: skip
    if own_area:
        command += ["--area", area]
    if workers:
        command += ["-n", str(workers)]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    env.pop("TENSORSPEC_PROFILE", None)
    start = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Verdict(path, area, "broken", time.perf_counter() - start, f"over the {timeout:g}s limit")
    seconds = time.perf_counter() - start
    failing = _first_failure(results)
    if done.returncode in (1, 2) and failing:  # -x under xdist ends "interrupted" (2)
        return Verdict(path, area, "caught", seconds, failing)
    if done.returncode == 0:
        return Verdict(path, area, "missed", seconds, "")
    tail = (done.stdout + done.stderr).strip().splitlines()[-1:] or [""]
    return Verdict(path, area, "broken", seconds, f"exit {done.returncode}: {tail[0][:160]}")


def _first_failure(results: Path) -> str:
    """The scenario of the first fail/error record of a results file ('' when none)."""
    if not results.exists():
        return ""
    for record in records(results):
        if isinstance(record, CaseRecord) and record.status in (Status.FAIL, Status.ERROR):
            return record.scenario
    return ""


def report(verdicts: list[Verdict], out: object = sys.stdout) -> float:
    """Print caught/total per area, the score, the median time to first failure, and the misses;
    return the score."""
    classes = catalog()
    total, caught = (
        Counter(v.area for v in verdicts),
        Counter(v.area for v in verdicts if v.status == "caught"),
    )
    print(f"\n{'area':<14}{'caught':>8}{'total':>7}", file=out)
    for area in AREAS:
        if total[area]:
            print(f"{area:<14}{caught[area]:>8}{total[area]:>7}", file=out)
    score = sum(caught.values()) / max(1, len(verdicts))
    print(f"{'all':<14}{sum(caught.values()):>8}{len(verdicts):>7}   score {score:.1%}", file=out)
    times = [v.seconds for v in verdicts if v.status == "caught"]
    if times:
        print(
            f"median time to first failure: {statistics.median(times):.1f} s (over {len(times)} caught)",
            file=out,
        )
    for v in verdicts:
        if v.status != "caught":
            cls = classes[v.path]
            why = v.where or getattr(cls, "missed_because", "") or "no reason recorded: investigate"
            print(f"{v.status.upper()} {v.path}: {cls.rule()}\n    reason: {why}", file=out)
    return score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutation", description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="list the catalog and exit")
    parser.add_argument(
        "-k",
        dest="patterns",
        action="append",
        help="only mutants whose import path matches (substring or glob; repeatable)",
    )
    parser.add_argument("--own-area", action="store_true", help="run each mutant against its own area only")
    parser.add_argument("--jobs", type=int, default=2, help="mutants run at once (default 2)")
    parser.add_argument(
        "--workers", type=int, default=0, help="pytest-xdist workers per run (-n; default none)"
    )
    parser.add_argument("--profile", default="ci", help="hypothesis profile (default ci)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per mutant (default 900)")
    parser.add_argument("--json", type=Path, help="also write the verdicts as JSON here")
    parser.add_argument("--min-score", type=float, default=0.0, help="exit 1 below this score (0..1)")
    args = parser.parse_args(argv)
    chosen = select(args.patterns)
    if args.list:
        classes = catalog()
        for path, area in chosen.items():
            print(f"{area:<13} {path}\n              {classes[path].rule()}")
        print(f"{len(chosen)} mutants")
        return 0
    if not chosen:
        print("no mutant matches", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
        scratch = Path(tmp)
        (scratch / "empty.toml").write_text("# no expected divergences: every difference is a catch\n")
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = [
                pool.submit(run_one, p, a, args.profile, args.timeout, scratch, args.own_area, args.workers)
                for p, a in chosen.items()
            ]
            verdicts = []
            for future in futures:
                v = future.result()
                verdicts.append(v)
                print(f"{v.status:<7}{v.seconds:7.1f}s  {v.area:<13}{v.path}  {v.where}", flush=True)
    score = report(verdicts)
    if args.json:
        summary = {"score": score, "verdicts": [v.__dict__ for v in verdicts]}
        args.json.write_text(json.dumps(summary, indent=1))
    broken = any(v.status == "broken" for v in verdicts)
    return 1 if broken or score < args.min_score else 0


if __name__ == "__main__":
    sys.exit(main())
