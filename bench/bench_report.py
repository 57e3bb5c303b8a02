"""Benchmark: build the HTML report from 100,000 result records; print time, sizes and page load,
side by side with a baseline version of the report builder taken from git (interleaved runs).

    python bench/bench_report.py [--records 100000] [--rounds 3] [--baseline REV | --no-baseline]

Two workloads of the same size, made by reports.sample from the real scenario registry with one
case per test (so that a run writes ~25,000 records): "realistic" (runs of impl on CPU and CUDA,
NumPy and JAX, whose divergences have a handful of causes each) and "many causes" (one record in
five a divergence of a cause of its own, so the page must cap what it renders). The baseline
(default: f79099b, the last builder before typed records) runs its own bench/bench_report.py on
its own format, with the same record count and workload names. Rounds alternate baseline and
this version; each figure is the median over rounds. Target: build < 10 s. Page load is measured
in headless Chromium when one is installed (last round only).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BASELINE = "f79099b"
"""The last report builder before conformance/records.py (old record format, conformance/results.py)."""
WORKLOADS = ("realistic", "many causes")
PER_RUN = {"impl-cpu": ("impl", "cpu"), "impl-cuda": ("impl", "cuda"), "numpy-cpu": ("numpy", "cpu")}


def _take(records: Iterator[Any], budget: list[int]) -> Iterator[Any]:
    """At most budget[0] records (decremented as they go)."""
    for r in records:
        if budget[0] <= 0:
            return
        budget[0] -= 1
        yield r


def realistic(root: Path, total: int) -> None:
    """Runs of impl (CPU, CUDA), NumPy and JAX, one case per test, until `total` records; the last
    run is cut off where the total is reached (so it has no end record, like an interrupted run)."""
    from reports import sample

    engines = [("impl", "cpu"), ("impl", "cuda"), ("numpy", "cpu"), ("jax", "cpu")]
    budget = [total]
    i = 0
    while budget[0] > 0:
        engine, device = engines[i % len(engines)]
        recs = sample.records(
            run_id=f"r{i}", engine=engine, device=device, oracle_device=device, seed=i, chunk_size=1
        )
        sample.write(root / f"{engine}-{device}-{i}.jsonl", _take(recs, budget))
        i += 1


def many_causes(root: Path, total: int) -> None:
    """Like `realistic` for one engine, with one record in five a divergence of its own cause."""
    from conformance.compare import Difference
    from conformance.records import CaseRecord, Status
    from conformance.runner import targets
    from reports import sample
    from spec.scenario import all_scenarios

    rng = random.Random(7)
    one_case = {t.id: t for t in targets(all_scenarios().values(), chunk_size=1) if t.cases}
    sides = sample.sides("numpy")

    def diverge(r: Any) -> Any:
        if not (isinstance(r, CaseRecord) and r.status is Status.PASS and r.test in one_case):
            return r
        if rng.random() >= 0.2:
            return r
        case = one_case[r.test].cases[0]  # type: ignore[index]  # (finite targets only)
        fact = f"fact_{rng.randrange(total // 20)}"
        diff = Difference("fact", fact, "True", "False")
        r.status, r.cause = Status.FAIL, diff.key
        r.cases = [sample.params(case)]
        r.examples = [sample.example(one_case[r.test].scenario, case, [diff], sides)]
        return r

    budget = [total]
    i = 0
    while budget[0] > 0:
        recs = (diverge(r) for r in sample.records(run_id=f"w{i}", engine="numpy", seed=i, chunk_size=1))
        sample.write(root / f"wide-{i}.jsonl", _take(recs, budget))
        i += 1


def page_load(html: Path) -> str:
    from reports.browser import Chromium, chromium_path

    if chromium_path() is None:
        return "skipped (no Chromium)"
    with Chromium(timeout=120) as browser:
        wall = browser.open(html.resolve().as_uri())
        nodes = browser.evaluate("document.getElementsByTagName('*').length")
        t0 = time.perf_counter()
        browser.evaluate(
            "(() => { const f = document.getElementById('filters'); f.elements.area.value = 'promotion';"
            " f.dispatchEvent(new Event('change')); return document.body.offsetHeight; })()"
        )
        filter_s = time.perf_counter() - t0
    return f"{wall:.2f} s, {nodes} elements, filter {filter_s * 1000:.0f} ms"


def measure(records: int, with_page: bool) -> list[dict[str, Any]]:
    """This version: build each workload once (in this process), as dicts of figures."""
    from reports.build import build

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in (("realistic", realistic), ("many causes", many_causes)):
            root = Path(tmp) / name.replace(" ", "-")
            make(root / "results", records)
            info = build([str(root / "results")], root / "out" / "index.html")
            out.append(
                {
                    "workload": name,
                    "records": info["records"],
                    "groups": info["groups"],
                    "build_s": info["total_s"],
                    "read_s": info["read_s"],
                    "render_s": info["render_s"],
                    "html_kib": info["html_bytes"] / 1024,
                    "summary_kib": info["summary_bytes"] / 1024,
                    "page": page_load(Path(info["html"])) if with_page else "",
                }
            )
    return out


_OLD_LINE = re.compile(
    r"(?P<workload>[\w ]+): (?P<records>\d+) records, (?P<groups>\d+) divergence groups -> build "
    r"(?P<build_s>[\d.]+) s \(read\+group (?P<read_s>[\d.]+) s, render\+write (?P<render_s>[\d.]+) s.*"
    r"HTML (?P<html_kib>\d+) KiB, summary.json (?P<summary_kib>\d+) KiB"
)
_OLD_PAGE = re.compile(r"page load: ([\d.]+) s to load event .*?, (\d+) elements; one filter change (\d+) ms")


def baseline(folder: Path, records: int) -> list[dict[str, Any]]:
    """The baseline version: its own benchmark, in a fresh interpreter, parsed from its output."""
    done = subprocess.run(
        [sys.executable, "bench/bench_report.py", "--records", str(records)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if done.returncode:
        raise RuntimeError(f"baseline benchmark failed:\n{done.stderr[-2000:]}")
    out: list[dict[str, Any]] = []
    for line in done.stdout.splitlines():
        m = _OLD_LINE.search(line)
        if m:
            out.append({k: (v.strip() if k == "workload" else float(v)) for k, v in m.groupdict().items()})
        page = _OLD_PAGE.search(line)
        if page and out:
            out[-1]["page"] = f"{page[1]} s, {page[2]} elements, filter {page[3]} ms"
    return out


def export(rev: str, into: Path) -> Path:
    """The files of `rev` (git archive), for running the baseline beside this checkout."""
    data = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def _row(version: str, runs: list[dict[str, Any]]) -> str:
    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    page = runs[-1].get("page") or "—"
    sizes = f"{med('html_kib'):>9.0f} {med('summary_kib'):>12.0f}"
    return (
        f"  {version:<9} {int(med('records')):>8} {int(med('groups')):>7} {med('build_s'):>8.2f} "
        f"{med('read_s'):>7.2f} {med('render_s'):>8.2f} {sizes}   {page}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", default=BASELINE, help="git revision to compare with")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--json", action="store_true", help="measure this version once, print JSON")
    parser.add_argument("--page", action="store_true", help="with --json: also measure page load")
    args = parser.parse_args()
    if args.json:
        print(json.dumps(measure(args.records, args.page)))
        return
    results: dict[str, dict[str, list[dict[str, Any]]]] = {w: {"baseline": [], "new": []} for w in WORKLOADS}
    with tempfile.TemporaryDirectory() as tmp:
        old = None if args.no_baseline else export(args.baseline, Path(tmp) / "baseline")
        for i in range(args.rounds):
            last = i == args.rounds - 1
            if old is not None:
                for r in baseline(old, args.records):
                    results[r["workload"]]["baseline"].append(r)
            command = [sys.executable, __file__, "--json", "--records", str(args.records)]
            done = subprocess.run(
                command + (["--page"] if last else []), capture_output=True, text=True, check=True
            )
            for r in json.loads(done.stdout):
                results[r["workload"]]["new"].append(r)
    label = f"baseline = {args.baseline}" if not args.no_baseline else "no baseline"
    rounds = f"median of {args.rounds} interleaved rounds ({label})"
    print(f"report build, {args.records} records, {rounds}; target < 10 s")
    print(
        f"  {'version':<9} {'records':>8} {'groups':>7} {'build s':>8} {'read s':>7} {'render s':>8} "
        f"{'HTML KiB':>9} {'summary KiB':>12}   page load"
    )
    for workload, by_version in results.items():
        print(f"{workload}:")
        for version, runs in by_version.items():
            if runs:
                print(_row(version, runs))


if __name__ == "__main__":
    main()
