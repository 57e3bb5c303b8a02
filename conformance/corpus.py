"""The committed corpus of drawn cases: under `ci`, every engine is checked on the same cases.

A drawn scenario's cases come from hypothesis, and what hypothesis draws depends on more than the
seed: it mixes in constants it finds in the source of every "local" module loaded (an adapter's
module included) and decides what is local by the checkout's path, so two engines, or one engine
from two folders, would be checked on different cases. Under the `ci` profile the harness
therefore reads each drawn scenario's cases from conformance/cases/<scenario id>.cases, a
committed file of CASES cases drawn once by `python -m conformance corpus` (and kept in sync by a
test): drawn scenarios become finite there, with exact counts, and a divergence's case is the
corpus case (hypothesis' early cases are its simplest ones). `dev` and `thorough` still draw
fresh cases and shrink them.

The file holds one case per line, as a Python literal (`inf`, `nan` and `complex(re, im)`
included), read back with `eval` in an empty namespace: it is the project's own data.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
from collections.abc import Iterator
from pathlib import Path

from spec.scenario import Case, Scenario

CASES = 400
"""Cases drawn per scenario for the corpus (about what ci's 20 examples of ~24 cases drew)."""
DIRECTORY = Path(__file__).resolve().parent / "cases"
HEADER = "# {sid}: {n} cases drawn by `python -m conformance corpus` (hypothesis {version}, seed {seed})\n"
_NAMES = {"inf": math.inf, "nan": math.nan, "complex": complex}


def literal(value: object) -> str:
    """repr(), except that complex numbers are written complex(re, im): repr(-65j) reads back as
    (-0-65j), losing the sign of the real zero."""
    if isinstance(value, complex):
        return f"complex({value.real!r}, {value.imag!r})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + "".join(literal(v) + ", " for v in value) + ")"
    return repr(value)


def _read(line: str) -> Case:
    return eval(line, {"__builtins__": {}}, dict(_NAMES))


def path(scenario_id: str) -> Path:
    return DIRECTORY / f"{scenario_id}.cases"


def seed_of(scenario_id: str) -> int:
    """A seed that depends on the scenario's id only."""
    return int.from_bytes(hashlib.sha256(scenario_id.encode()).digest()[:4], "little")


def load(scenario_id: str) -> list[Case] | None:
    """The committed cases of a drawn scenario, or None when it has no corpus file."""
    file = path(scenario_id)
    if not file.exists():
        return None
    lines = file.read_text(encoding="utf-8").splitlines()
    return [
        eval(line, {"__builtins__": {}}, dict(_NAMES)) for line in lines if line and not line.startswith("#")
    ]


@contextlib.contextmanager
def _without_local_constants() -> Iterator[None]:
    """Hypothesis draws, now and then, a constant found in the source of local modules; which modules
    are local depends on the checkout's path and on what is imported. Off while drawing the corpus."""
    from hypothesis.internal.conjecture import providers

    saved = providers._get_local_constants
    providers._get_local_constants = providers.Constants  # an empty pool
    providers.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = saved
        providers.CONSTANTS_CACHE.cache.clear()


def draw(sc: Scenario, n: int = CASES) -> list[Case]:
    """Up to `n` distinct cases of a drawn scenario, the same for the same strategies and hypothesis."""
    from hypothesis import HealthCheck, Phase, given, seed, settings

    found: dict[str, Case] = {}

    @seed(seed_of(sc.id))
    @settings(
        max_examples=n,
        database=None,
        derandomize=False,
        deadline=None,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
    )
    @given(sc.cases())
    def collect(case: Case) -> None:
        found.setdefault(repr(case), case)

    with _without_local_constants():
        collect()
    return list(found.values())[:n]


def render(sc: Scenario, cases: list[Case]) -> str:
    import hypothesis

    lines = [literal(case) for case in cases]
    for line in lines:
        if literal(_read(line)) != line:
            raise ValueError(f"{sc.id}: case does not read back as written: {line}")
    head = HEADER.format(sid=sc.id, n=len(cases), version=hypothesis.__version__, seed=seed_of(sc.id))
    return head + "".join(line + "\n" for line in lines)


def regenerate(scenarios: list[Scenario], check: bool = False) -> list[str]:
    """Write (or, with `check`, compare) the corpus of every drawn scenario; the ids that differ."""
    DIRECTORY.mkdir(exist_ok=True)
    stale = []
    for sc in scenarios:
        if sc.finite:
            continue
        text = render(sc, draw(sc))
        file = path(sc.id)
        if not file.exists() or file.read_text(encoding="utf-8") != text:
            stale.append(sc.id)
            if not check:
                file.write_text(text, encoding="utf-8")
    return stale
