"""Benchmark: build the HTML report from 100,000 result records; print time, sizes and page load.

    python bench/bench_report.py [--records 100000] [--keep DIR]

Two workloads of the same size: "realistic" (three runs -- impl on CPU, impl on CUDA, a NumPy
engine -- whose divergences have a handful of causes each) and "many causes" (a fifth of the
records are divergences with distinct causes, so the page must cap what it renders). Target:
build < 10 s. Page load is measured in headless Chromium when one is installed.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reports import sample
from reports.browser import Chromium, chromium_path
from reports.build import build


def realistic(root: Path, total: int) -> None:
    """Three runs; each sample case record is one record, plus the run and end records."""
    share = {"impl-cpu": 0.4, "impl-cuda": 0.3, "numpy-cpu": 0.3}
    for i, (run_id, part) in enumerate(share.items()):
        engine, device = run_id.split("-")
        recs = sample.records(
            run_id=run_id,
            engine=engine,
            device=device,
            oracle_device=device,
            cases=int(total * part) - 2,
            seed=i,
        )
        sample.write(root / f"{run_id}.jsonl", recs, bulk=True)


def many_causes(root: Path, total: int) -> None:
    """Like `realistic`, with one record in five a divergence of its own cause (distinct fact names)."""
    rng = random.Random(7)

    def records():
        for r in sample.records(run_id="wide", cases=total - 2, seed=9):
            if r.get("kind") == "case" and rng.random() < 0.2:
                cause = rng.randrange(total // 20)
                fact = f"fact_{cause}"
                r |= {
                    "status": "fail",
                    "count": 1,
                    "case": sample.case_repr(r["area"], "x", rng),
                    "differences": [{"field": "fact", "name": fact, "engine": "True", "oracle": "False"}],
                    "engine_outcome": {fact: "True"},
                    "oracle_outcome": {fact: "False"},
                    "reproduction": sample.reproduction(r["scenario"], "{}", "impl", "cpu"),
                }
            yield r

    sample.write(root / "wide.jsonl", records(), bulk=True)


def page_load(html: Path) -> str:
    if chromium_path() is None:
        return "page load: skipped (no Chromium)"
    with Chromium(timeout=120) as browser:
        wall = browser.open(html.resolve().as_uri())
        nav = browser.evaluate(
            "(() => { const n = performance.getEntriesByType('navigation')[0];"
            " return [n.domContentLoadedEventEnd, n.loadEventEnd]; })()"
        )
        nodes = browser.evaluate("document.getElementsByTagName('*').length")
        # a filter change on the loaded page: how long the page is busy re-filtering
        t0 = time.perf_counter()
        browser.evaluate(
            "(() => { const f = document.getElementById('filters'); f.elements.area.value = 'promotion';"
            " f.dispatchEvent(new Event('change')); return document.body.offsetHeight; })()"
        )
        filter_s = time.perf_counter() - t0
    return (
        f"page load: {wall:.2f} s to load event (DOMContentLoaded {nav[0] / 1000:.2f} s, "
        f"load {nav[1] / 1000:.2f} s), {nodes} elements; one filter change {filter_s * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--keep", help="write results and reports under this directory instead of a temp dir")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(args.keep or tmp)
        for name, make in (("realistic", realistic), ("many causes", many_causes)):
            root = base / name.replace(" ", "-")
            make(root / "results", args.records)
            info = build([str(root / "results")], root / "out" / "index.html")
            print(
                f"{name:>11}: {info['records']} records, {info['groups']} divergence groups -> "
                f"build {info['total_s']:.2f} s (read+group {info['read_s']:.2f} s, render+write "
                f"{info['render_s']:.2f} s; target < 10 s), HTML {info['html_bytes'] / 1024:.0f} KiB, "
                f"summary.json {info['summary_bytes'] / 1024:.0f} KiB"
            )
            print(f"{'':>11}  {page_load(Path(info['html']))}")


if __name__ == "__main__":
    main()
