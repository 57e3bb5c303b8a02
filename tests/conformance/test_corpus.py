"""The same cases for every engine: under `ci`, drawn scenarios read their cases from the committed
corpus (conformance/cases/), which is what the strategies draw wherever the checkout lives and
whatever else is imported; the corpus is in sync with the strategies."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from conformance import corpus
from conformance.runner import targets
from spec.scenario import all_scenarios

ROOT = Path(__file__).resolve().parents[2]
FINGERPRINT = """
import hashlib, sys
{imports}
from conformance.corpus import literal
from conformance.runner import targets
from spec.scenario import all_scenarios
text = "".join(t.id + literal(list(t.cases)) for t in targets(all_scenarios().values(), corpus=True))
print(hashlib.sha256(text.encode()).hexdigest())
"""


def _fingerprint(cwd: Path, env: dict[str, str], imports: str = "") -> str:
    run = subprocess.run(
        [sys.executable, "-c", FINGERPRINT.format(imports=imports)],
        cwd=cwd,
        env={**env, "PYTHONPATH": f"{cwd}:{ROOT / 'tests' / 'conformance'}"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def _copy_checkout(folder: Path) -> Path:
    for name in ("conformance", "spec", "impl"):
        shutil.copytree(ROOT / name, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def test_every_drawn_scenario_has_a_corpus_and_ci_targets_use_it() -> None:
    drawn = [sc for sc in all_scenarios().values() if not sc.finite]
    assert drawn
    for sc in drawn:
        cases = corpus.load(sc.id)
        assert cases, f"{sc.id} has no corpus: run `python -m conformance corpus`"
        (target, *rest) = targets([sc], corpus=True)
        assert [c for t in (target, *rest) for c in t.cases or ()] == cases


def test_engines_and_checkouts_get_identical_cases(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    here = _fingerprint(ROOT, subprocess_env)
    with_adapter = _fingerprint(ROOT, subprocess_env, imports="import literal_heavy")
    elsewhere = _fingerprint(_copy_checkout(tmp_path / "tests" / "checkout"), subprocess_env)
    assert here == with_adapter == elsewhere


def test_the_corpus_is_what_the_strategies_draw_from_any_folder(
    tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    checkout = _copy_checkout(tmp_path / "tests" / "elsewhere")
    run = subprocess.run(
        [sys.executable, "-m", "conformance", "corpus", "--check"],
        cwd=checkout,
        env={**subprocess_env, "PYTHONPATH": str(checkout)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr + "\n(regenerate with `python -m conformance corpus`)"


def test_a_case_reads_back_exactly() -> None:
    case = {"v": [complex(0.0, -65.0), -0.0, float("inf")], "t": (1, "x"), "n": None}
    line = corpus.literal(case)
    back = corpus._read(line)
    assert corpus.literal(back) == line and str(back["v"][0].real) == "0.0"
