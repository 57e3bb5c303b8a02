"""Command line: `python -m conformance COMMAND`.

corpus [--check]                         draw (or check) the committed cases of drawn scenarios
manifest draft RESULTS... -o FILE        a manifest drafted from a run's divergences
manifest update RESULTS... --manifest F  remove stale entries, append new causes, keep reasons
"""

from __future__ import annotations

import argparse
import fnmatch
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    corpus = sub.add_parser("corpus", help="draw the committed cases of drawn scenarios (conformance/cases/)")
    corpus.add_argument("--check", action="store_true", help="only compare; exit 1 if a file differs")
    corpus.add_argument("--scenario", action="append", help="only scenario ids matching this pattern")
    manifest = sub.add_parser("manifest", help="draft or update a manifest from results")
    verbs = manifest.add_subparsers(dest="verb", required=True)
    draft = verbs.add_parser("draft", help="one narrow entry per cause, with a placeholder reason")
    draft.add_argument("results", nargs="+", help="results files or folders")
    draft.add_argument("-o", "--output", required=True, help="the manifest to write")
    update = verbs.add_parser("update", help="remove stale entries, append new causes, keep every reason")
    update.add_argument("results", nargs="+", help="results files or folders")
    update.add_argument("--manifest", required=True, help="the manifest to update")
    update.add_argument("-o", "--output", help="where to write it (default: in place)")
    costs = sub.add_parser("costs", help="seconds per case by scenario from a run (balances --shard)")
    costs.add_argument("results", nargs="+", help="results files")
    costs.add_argument("-o", "--output", default=None, help="default conformance/costs.json")
    args = parser.parse_args(argv)

    from spec.scenario import all_scenarios

    scenarios = all_scenarios()
    if args.command == "corpus":
        from conformance import corpus as cases

        patterns = args.scenario or ["*"]
        chosen = [
            sc for sid, sc in sorted(scenarios.items()) if any(fnmatch.fnmatchcase(sid, p) for p in patterns)
        ]
        differ = cases.regenerate(chosen, check=args.check)
        verb = "differ from what the strategies draw" if args.check else "written"
        print(f"{len(differ)} corpus file(s) {verb}: {', '.join(differ) or 'none'}")
        return 1 if args.check and differ else 0
    if args.command == "costs":
        import json

        from conformance import planning
        from conformance import records as rec
        from conformance.planning import measured_costs

        found = [r for path in args.results for r in rec.records(path)]
        measured = {sid: round(v, 7) for sid, v in sorted(measured_costs(found).items())}
        out = args.output or planning.COSTS
        with open(out, "w", encoding="utf-8") as fh:
            json.dump(measured, fh, indent=1)
            fh.write("\n")
        print(f"wrote {out}: {len(measured)} scenarios")
        return 0
    from conformance import drafting

    try:
        if args.verb == "draft":
            summary = drafting.draft_file(args.results, args.output, scenarios)
        else:
            summary = drafting.update_file(
                args.results, args.manifest, args.output or args.manifest, scenarios
            )
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
