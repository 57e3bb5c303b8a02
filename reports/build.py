"""Render a Summary as ONE self-contained HTML file (plus summary.json next to it), atomically.

The page needs nothing but itself: CSS and the small filter/copy script are inline and
pinned by a Content-Security-Policy of `default-src 'none'` with their sha256 hashes, so the
page can load nothing from the network and no injected script could run. Every string that
came from an engine is escaped by Jinja2's autoescape; the one JSON block the script reads is
embedded with `tojson` (which writes <, >, & and ' as \\u escapes).

Both files are rendered in full before either is written, then each goes to a temporary file
beside its target and is moved into place with os.replace: a build that fails (bad input, a full
disk, a bug) leaves the previous report as it was, never a truncated page.
"""

from __future__ import annotations

import base64
import contextlib
import difflib
import hashlib
import heapq
import json
import math
import os
import re
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from conformance.records import STATUSES, Example, TestAccount
from reports.summary import (
    DIVERGENT,
    MANIFEST,
    Column,
    Group,
    Summary,
    checked_fraction,
    column_id,
    params_text,
    pass_rate,
    summarise,
    to_json,
)

STATUS_LABELS: dict[str, str] = {
    "pass": "pass",
    "fail": "fail",
    "expected": "expected",
    "stale": "stale",
    "unsupported": "unsupported",
    "not_run": "not run",
    "error": "error",
}
STATUS_HELP: dict[str, str] = {
    "pass": "engine and oracle agree",
    "fail": "unexplained divergence",
    "expected": "divergence listed in the engine's manifest",
    "stale": "the manifest lists it, but the engine now agrees: remove the entry",
    "unsupported": "the engine lacks a capability the scenario needs",
    "not_run": "could not run here (e.g. no CUDA device)",
    "error": "the engine crashed, hung or raised out of its adapter on this case",
}
RATE_CLASSES: tuple[tuple[float, str], ...] = ((1.0, "r100"), (0.95, "r95"), (0.8, "r80"), (0.5, "r50"))
"""Cell colour by pass rate: the first threshold the rate reaches; below all of them 'r0'."""
DIFF_LIMIT = 4000
"""Strings longer than this are highlighted whole instead of token by token."""
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
RULES_HREF = "../../docs/rules.md"
"""The rule index as seen from the report's usual place, reports/out/index.html."""
SUMMARY_NAME = "summary.json"
ACROSS_OPEN = 30
"""The cross-engine table starts unfolded up to this many causes."""
INLINE_TESTS = 50
"""Incomplete tests named inline per column; the rest are named in a folded list."""
TEST_ROWS = 300
"""Rows of the per-test account table per column (every test is in summary.json)."""


@dataclass
class Cell:
    """One matrix cell: status counts of an (area or scenario) x column."""

    counts: Counter[str]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def ran(self) -> int:
        return self.total - self.counts["unsupported"] - self.counts["not_run"]

    @property
    def rate(self) -> float | None:
        return pass_rate(self.counts)

    @property
    def rate_class(self) -> str:
        rate = self.rate
        if rate is None:
            return "rnone" if self.total else "rempty"
        return next((cls for floor, cls in RATE_CLASSES if rate >= floor), "r0")

    @property
    def pct(self) -> str:
        """The pass rate rounded down, so that 100% means every case passed."""
        return "" if self.rate is None else _pct(self.rate)

    @property
    def segments(self) -> list[tuple[str, float, float]]:
        """(status, x %, width %) of the stacked status bar, in STATUSES order."""
        out, x = [], 0.0
        for status in (*STATUSES, *sorted(set(self.counts) - set(STATUSES))):
            n = self.counts.get(status, 0)
            if n and self.total:
                width = 100.0 * n / self.total
                out.append((status, round(x, 3), round(width, 3)))
                x += width
        return out

    @property
    def badges(self) -> list[tuple[str, int]]:
        return [
            (s, n) for s, n in sorted(self.counts.items(), key=lambda i: _order(i[0])) if n and s != "pass"
        ]


def _order(status: str) -> int:
    return STATUSES.index(status) if status in STATUSES else len(STATUSES)


def mark_diff(oracle: str, engine: str) -> tuple[Markup, Markup]:
    """Both strings escaped, with the tokens that differ between them wrapped in <mark>."""
    if oracle == engine:
        return escape(oracle), escape(engine)
    if len(oracle) + len(engine) > DIFF_LIMIT:
        return Markup("<mark>%s</mark>") % oracle, Markup("<mark>%s</mark>") % engine
    a, b = _TOKEN.findall(oracle), _TOKEN.findall(engine)
    out_a: list[Markup] = []
    out_b: list[Markup] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        for tokens, out, lo, hi in ((a, out_a, i1, i2), (b, out_b, j1, j2)):
            text = "".join(tokens[lo:hi])
            if text:
                out.append(escape(text) if op == "equal" else Markup("<mark>%s</mark>") % text)
    return Markup("").join(out_a), Markup("").join(out_b)


def outcome_rows(example: Example) -> list[dict[str, Any]]:
    """Rows of the oracle-vs-engine table: every key of either rendered outcome, differing ones marked."""
    oracle = example.oracle_outcome or {}
    engine = example.engine_outcome or {}
    rows = []
    for key in [*oracle, *(k for k in engine if k not in oracle)]:
        o = _text(oracle.get(key, "—"))
        e = _text(engine.get(key, "—"))
        mo, me = mark_diff(o, e)
        rows.append({"key": key, "oracle": mo, "engine": me, "differs": o != e})
    return rows


def difference_rows(example: Example, shown: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of the differences table, leaving out those the outcome table already shows as they are."""
    seen = {(str(r["oracle"]), str(r["engine"])) for r in shown if r["differs"]}
    rows = []
    for d in example.differences:
        mo, me = mark_diff(_text(d.get("oracle", "")), _text(d.get("engine", "")))
        if (str(mo), str(me)) in seen:
            continue
        rows.append(
            {"field": _text(d.get("field", "")), "name": _text(d.get("name", "")), "oracle": mo, "engine": me}
        )
    return rows


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _when(iso: Any) -> str:
    """'2026-11-29T14:52:27.123+00:00' -> '2026-11-29 14:52:27' (whatever else: as is)."""
    text = str(iso or "")
    m = re.match(r"(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)", text)
    return f"{m[1]} {m[2]}" if m else text


def _duration(seconds: Any) -> str:
    if not isinstance(seconds, int | float):
        return "—"
    minutes, secs = divmod(float(seconds), 60)
    return f"{int(minutes)} min {secs:.0f} s" if minutes else f"{secs:.1f} s"


def _pct(fraction: float | None) -> str:
    """A fraction as a percentage rounded down, so that 100% means all ('—' for none)."""
    if fraction is None:
        return "—"
    return "100%" if fraction >= 1 else f"{math.floor(fraction * 1000) / 10:.1f}%"


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(when=_when, duration=_duration, colid=column_id, pct=_pct)
    env.globals.update(
        STATUSES=STATUSES,
        STATUS_LABELS=STATUS_LABELS,
        STATUS_HELP=STATUS_HELP,
        column_id=column_id,
        INLINE=INLINE_TESTS,
        ACROSS_OPEN=ACROSS_OPEN,
    )
    return env


def _static(name: str) -> str:
    return resources.files("reports").joinpath("templates", name).read_text(encoding="utf-8")


def render(
    summary: Summary,
    *,
    title: str = "tensorspec conformance report",
    max_groups: int = 200,
    samples: int = 5,
    rules_href: str = RULES_HREF,
) -> str:
    """The report page as one HTML string."""
    css, js = _static("report.css"), _static("report.js")
    cols = summary.columns

    def cells(by_col: dict[Column, Counter[str]]) -> list[Cell]:
        return [Cell(Counter(by_col.get(c, {}))) for c in cols]

    matrix = [(area, cells(summary.counts[area])) for area in summary.areas if area in summary.counts]
    totals = [Cell(summary.totals(col=c)) for c in cols]
    scenario_rows = [
        (area, scn, cells(by_col))
        for (area, scn), by_col in sorted(
            summary.scenario_counts.items(), key=lambda i: (summary.areas.index(i[0][0]), i[0][1])
        )
    ]
    accounts = _accounts(summary)
    manifest = [g for g in summary.groups if g.status in MANIFEST]
    unexplained = [g for g in summary.groups if g.status not in MANIFEST]
    data = {
        "areas": [{"id": a, "label": a} for a in summary.areas],
        "columns": [{"id": column_id(c), "label": f"{c[0]} · {c[1]}"} for c in cols],
        "statuses": [{"id": s, "label": STATUS_LABELS[s]} for s in STATUSES],
    }
    sections = [
        (
            "unexplained",
            "Unexplained divergences",
            unexplained,
            _view("unexplained", unexplained, max_groups),
        ),
        ("manifest", "Expected divergences (manifest)", manifest, _view("manifest", manifest, max_groups)),
    ]
    csp = (
        f"default-src 'none'; script-src {_csp_hash(js)}; style-src {_csp_hash(css)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    template = _environment().get_template("report.html.j2")
    return template.render(
        title=title,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        s=summary,
        runs=list(summary.runs.values()),
        columns=cols,
        matrix=matrix,
        totals=totals,
        grand=Cell(summary.totals()),
        scenario_rows=scenario_rows,
        sections=sections,
        gaps=summary.gaps,
        accounts=accounts,
        account_tests=sum(len(a["tests"]) + a["elided"] for a in accounts),
        across=_across(summary, max_groups) if len(cols) > 1 else None,
        samples=samples,
        rules_href=rules_href,
        data=data,
        css=Markup(css),
        js=Markup(js),
        csp=csp,
    )


def _example_view(example: Example, anchor: str) -> dict[str, Any]:
    outcome = outcome_rows(example)
    return {
        "e": example,
        "anchor": anchor,
        "outcome": outcome,
        "differences": difference_rows(example, outcome),
    }


def _view(key: str, groups: list[Group], limit: int) -> list[dict[str, Any]]:
    """Template-ready view of the first `limit` groups (the rest are counted, not rendered)."""
    return [
        {
            "g": g,
            "n": i,
            "examples": [_example_view(e, f"{key}-{i}-{j}") for j, e in enumerate(g.examples)],
            "others": [params_text(p) for p in g.others],
            "unshown": g.count - len(g.examples),
            "seeds": sorted(map(str, g.seeds), key=lambda seed: (len(seed), seed)),
        }
        for i, g in enumerate(groups[:limit])
    ]


def _accounts(summary: Summary, limit: int = TEST_ROWS) -> list[dict[str, Any]]:
    """Per column: the account of each area and of all, its incomplete tests, and (up to `limit`
    rows, incomplete tests first) every test's own."""
    out = []
    for col in summary.columns:
        tests = summary.accounts(col)
        listed = heapq.nsmallest(
            limit, tests, key=lambda ra: (not ra[1].missing, _rank_area(summary, ra[1].area), ra[1].test)
        )
        out.append(
            {
                "col": col,
                "complete": summary.complete(col),
                "total": summary.account(col),
                "areas": [(area, summary.account(col, area)) for area in summary.areas],
                "tests": [(run, a, checked_fraction(a)) for run, a in listed],
                "elided": len(tests) - len(listed),
                "incomplete": [_missing(a) for _, a in tests if a.missing],
            }
        )
    return out


def _missing(a: TestAccount) -> str:
    what = "drawn, not finished" if a.collected is None else f"{a.missing:,} of {a.collected:,} missing"
    return f"{a.test} ({what})"


def _rank_area(summary: Summary, area: str) -> int:
    return summary.areas.index(area) if area in summary.areas else len(summary.areas)


def _across(summary: Summary, limit: int) -> dict[str, Any]:
    """The cross-column view: each cause with, per column, divergent counts, agreement or nothing."""
    rows = []
    only: Counter[Column] = Counter()
    for a in summary.across:
        checked = summary.checked_columns(a.scenario)
        cells = []
        for col in summary.columns:
            counts = a.diverging.get(col)
            if counts:
                status = min(counts, key=lambda st: DIVERGENT.index(st))
                cells.append({"col": col, "state": status, "count": sum(counts.values()), "counts": counts})
            else:
                cells.append({"col": col, "state": "pass" if col in checked else "none", "count": 0})
        diverging = set(a.diverging)
        alone = next(iter(diverging)) if len(diverging) == 1 and checked - diverging else None
        if alone is not None:
            only[alone] += 1
        rows.append({"a": a, "cells": cells, "only": alone})
    return {"rows": rows[:limit], "elided": rows[limit:], "only": only, "total": len(rows)}


def rules_href(output: Path) -> str:
    """The rule index (docs/rules.md of this checkout) relative to the report's folder."""
    docs = Path(__file__).resolve().parents[1] / "docs"
    if not docs.is_dir():
        return RULES_HREF
    try:
        return Path(os.path.relpath(docs / "rules.md", output.resolve().parent)).as_posix()
    except ValueError:  # another drive (Windows)
        return RULES_HREF


class OutputError(Exception):
    """The report cannot be written where asked."""


def _write_atomically(files: dict[Path, str]) -> None:
    """Write each file to a temporary sibling, then move them all into place: a build that fails
    leaves the previous report whole. Text is encoded with backslash escapes for anything UTF-8
    cannot hold (a lone surrogate from a command-line argument), so no string can stop the write."""
    temps: list[tuple[str, Path]] = []
    try:
        for path, text in files.items():
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            temps.append((tmp, path))
            with os.fdopen(fd, "wb") as fh:
                fh.write(text.encode("utf-8", "backslashreplace"))
            os.chmod(tmp, 0o644)
        for tmp, path in temps:
            os.replace(tmp, path)
    finally:
        for tmp, _ in temps:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def check_output(output: str | Path) -> Path:
    """The HTML file to write, or OutputError saying in one line why it cannot be."""
    out = Path(output)
    if out.is_dir():
        raise OutputError(
            f"-o {output} is a directory; name the HTML file to write (e.g. {out / 'index.html'})"
        )
    if out.name == SUMMARY_NAME:
        raise OutputError(f"-o {output}: {SUMMARY_NAME} is written beside the HTML file; name the HTML file")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {out.parent}: {exc.strerror or exc}") from exc
    if not os.access(out.parent, os.W_OK):
        raise OutputError(f"cannot write into {out.parent}: permission denied")
    return out


def build(
    inputs: list[str],
    output: str | Path,
    *,
    title: str = "tensorspec conformance report",
    max_groups: int = 200,
    samples: int = 5,
) -> dict[str, Any]:
    """Write `output` (HTML) and summary.json beside it, atomically; returns sizes and timings.

    FileNotFoundError when an input matches no file; OutputError when `output` cannot be written."""
    start = time.perf_counter()
    out = check_output(output)
    summary = summarise(inputs, samples=samples)
    loaded = time.perf_counter()
    html = render(summary, title=title, max_groups=max_groups, samples=samples, rules_href=rules_href(out))
    data = json.dumps(to_json(summary, max_samples=samples), separators=(",", ":"), default=str)
    summary_path = out.with_name(SUMMARY_NAME)
    try:
        _write_atomically({out: html, summary_path: data})
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {exc.strerror or exc}") from exc
    done = time.perf_counter()
    return {
        "html": str(out),
        "summary": str(summary_path),
        "html_bytes": out.stat().st_size,
        "summary_bytes": summary_path.stat().st_size,
        "records": sum(src.records for src in summary.sources),
        "malformed": len(summary.malformed),
        "groups": len(summary.groups),
        "read_s": loaded - start,
        "render_s": done - loaded,
        "total_s": done - start,
        "notices": summary.notices,
    }
