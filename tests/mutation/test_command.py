"""`python -m tests.mutation` end to end on a small sample (one seeded bug per area, each against its
own area), and its report on made-up verdicts: caught/total per area, score, median time to first
failure, and every miss with its rule and reason."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from spec.engine import AREAS
from tests.mutation.__main__ import Verdict, report, select

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = [
    "*:ArangeLengthFloors",
    "*:NanlessMaximum",
    "*:MatmulOfVectorsNotScalar",
    "*:ContiguousAlwaysCopies",
    "*:ReluGradientAtZeroIsOne",
]


def test_the_command_catches_one_bug_per_area(tmp_path: Path) -> None:
    assert set(select(SAMPLE).values()) == set(AREAS)
    patterns = [arg for pattern in SAMPLE for arg in ("-k", pattern)]
    command = [
        sys.executable,
        "-m",
        "tests.mutation",
        *patterns,
        "--own-area",
        "--json",
        str(tmp_path / "v.json"),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    verdicts = json.loads((tmp_path / "v.json").read_text())["verdicts"]
    assert [v["status"] for v in verdicts] == ["caught"] * len(SAMPLE), verdicts
    assert all(v["where"].split(".")[0] == v["area"] for v in verdicts)
    assert "score 100.0%" in done.stdout and "median time to first failure" in done.stdout


def test_the_report_lists_misses_with_their_rule_and_reason() -> None:
    found = select(["*:NanlessMaximum", "*:RetainGraphSticks"])
    (maximum, sticky) = found
    verdicts = [
        Verdict(maximum, found[maximum], "caught", 3.0, "promotion.special_values"),
        Verdict(sticky, found[sticky], "missed", 9.0, ""),
    ]
    out = io.StringIO()
    assert report(verdicts, out) == 0.5
    text = out.getvalue()
    assert "score 50.0%" in text and "median time to first failure: 3.0 s" in text
    assert f"MISSED {sticky}: retain_graph=True on one backward call" in text and "reason:" in text


def test_list_names_every_mutant_with_its_area() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.mutation", "--list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and done.stdout.strip().endswith(f"{len(select(None))} mutants")
