"""Command line: `python -m reports build RESULTS... -o reports/out/index.html`.

Other commands:
  python -m reports diff OLD NEW            what changed between two runs of one engine
  python -m reports sample DIR              write sample results (impl on CPU and CUDA, NumPy, JAX)
  python -m reports screenshot HTML -o PNG  a PNG of the report's top, taken with headless Chromium

Exit status 0, or 2 (with a one-line error) for inputs that match no file or an output that
cannot be written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="build one self-contained HTML report and summary.json")
    build.add_argument("results", nargs="+", help="results files (*.jsonl), directories or glob patterns")
    build.add_argument("-o", "--output", default="reports/out/index.html", help="HTML file to write")
    build.add_argument("--title", default="tensorspec conformance report")
    build.add_argument("--max-groups", type=int, default=200, help="divergence groups rendered per section")
    build.add_argument("--samples", type=int, default=5, help="other cases listed by parameters per group")

    changed = sub.add_parser("diff", help="what changed between two runs of one engine")
    changed.add_argument("old", help="the earlier run's results: a file, folder or glob")
    changed.add_argument("new", help="the later run's results: a file, folder or glob")
    changed.add_argument("--json", action="store_true", help="print the changes as JSON")

    sample = sub.add_parser("sample", help="write sample results for a demo report")
    sample.add_argument("directory")

    shot = sub.add_parser("screenshot", help="PNG of a built report (headless Chromium)")
    shot.add_argument("html")
    shot.add_argument("-o", "--output", default="docs/report.png")
    shot.add_argument("--size", default="1280,1000", help="window width,height in CSS pixels")

    args = parser.parse_args(argv)
    if args.command == "build":
        from reports.build import OutputError
        from reports.build import build as build_report

        try:
            info = build_report(
                args.results, args.output, title=args.title, max_groups=args.max_groups, samples=args.samples
            )
        except (FileNotFoundError, OutputError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(
            f"wrote {info['html']} ({info['html_bytes'] / 1024:.0f} KiB) and {info['summary']}: "
            f"{info['records']} records, {info['groups']} divergence groups, {info['total_s']:.2f} s"
        )
        for notice in info["notices"]:
            print(f"warning: {notice}", file=sys.stderr)
    elif args.command == "diff":
        from reports.diff import DiffError, diff

        try:
            print(diff([args.old], [args.new], as_json=args.json))
        except (FileNotFoundError, DiffError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    elif args.command == "sample":
        from reports import sample as synth

        out = Path(args.directory)
        synth.write(out / "impl-cpu.jsonl", synth.records(run_id="impl-cpu"))
        synth.write(out / "numpy-cpu.jsonl", synth.records(run_id="numpy-cpu", engine="numpy", seed=2))
        synth.write(out / "jax-cpu.jsonl", synth.records(run_id="jax-cpu", engine="jax", seed=3, end=False))
        synth.write(
            out / "impl-cuda.jsonl",
            synth.records(run_id="impl-cuda", device="cuda", oracle_device="cuda", seed=4, sampled=0.5),
        )
        print(f"wrote sample results to {out}")
    else:
        from reports.browser import Chromium, chromium_path

        if chromium_path() is None:
            print("error: no Chromium found (install Debian's `chromium`)", file=sys.stderr)
            return 2
        width, height = (int(v) for v in args.size.split(","))
        with Chromium() as browser:
            browser.open(Path(args.html).resolve().as_uri(), width=width, height=height)
            size = browser.screenshot(args.output)
        print(f"wrote {args.output} ({size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
