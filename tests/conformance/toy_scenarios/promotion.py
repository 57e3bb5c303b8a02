"""Toy scenarios exercising the harness: registered as promotion.toy_* when this module is imported.

The module is named after an area because spec.scenario registers a scenario under its module's
last name; the `toy_` prefix keeps the ids apart from the real ones in spec/promotion.py.
"""

from __future__ import annotations

import os
import time

from hypothesis import strategies as st

from spec.engine import DTYPES, Capability, Engine
from spec.outcome import Outcome, observe
from spec.scenario import Case, scenario

CRASH_ENV = "TOY_CRASH"  # set to make toy_crash kill its process on case i == 3


@scenario(cases=lambda: [{"dtype": d, "scalar": s} for d in DTYPES for s in (2, 2.5, True)], finite=True)
def toy_add(engine: Engine, case: Case) -> Outcome:
    """torch.add(tensor of dtype, Python scalar): result dtype and values."""
    out = Outcome()
    with out.catching():
        t = engine.tensor([1, 0, 1], dtype=case["dtype"])
        out.tensors["result"] = observe(engine, engine.call("add", t, case["scalar"]))
    return out


def _drawn_cases() -> st.SearchStrategy[Case]:
    return st.fixed_dictionaries(
        {"dtype": st.sampled_from(("float32", "float64", "int64")), "value": st.integers(-1000, 1000)}
    )


@scenario(cases=_drawn_cases)
def toy_drawn_add(engine: Engine, case: Case) -> Outcome:
    """tensor([value] * 3, dtype) + 1.5: the Python float keeps a float tensor's dtype."""
    out = Outcome()
    with out.catching():
        t = engine.tensor([case["value"]] * 3, dtype=case["dtype"])
        out.tensors["result"] = observe(engine, engine.call("add", t, 1.5))
    return out


@scenario(cases=lambda: [{"dtype": d} for d in ("float32", "int64")], finite=True)
def toy_observed_outside(engine: Engine, case: Case) -> Outcome:
    """Observation outside `catching()`: an adapter that crashes there crashes the scenario."""
    out = Outcome()
    with out.catching():
        result = engine.call("mul", engine.tensor([1, 2], dtype=case["dtype"]), 2)
    out.tensors["result"] = observe(engine, result)
    return out


@scenario(
    cases=lambda: [{"transpose": flag} for flag in (False, True)], finite=True, requires=[Capability.VIEWS]
)
def toy_view(engine: Engine, case: Case) -> Outcome:
    """x.t() (or x.view(...)) shares memory with x and has torch's strides."""
    out = Outcome()
    with out.catching():
        x = engine.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        y = engine.method("t" if case["transpose"] else "view", x, *(() if case["transpose"] else (3, 2)))
        out.tensors["y"] = observe(engine, y, layout=True)
        out.aliasing = [frozenset({"x", "y"})] if engine.shares_memory(x, y) else []
    return out


@scenario(cases=lambda: [{"seconds": s} for s in (0.0, 30.0)], finite=True)
def toy_sleep(engine: Engine, case: Case) -> Outcome:
    """Sleeps on the engine under test (not the oracle): for the per-case timeout."""
    out = Outcome()
    if engine.name != "torch":
        time.sleep(case["seconds"])
    out.facts["done"] = True
    return out


@scenario(cases=lambda: [{"i": i} for i in range(6)], finite=True)
def toy_crash(engine: Engine, case: Case) -> Outcome:
    """Kills the process on case i == 3 when TOY_CRASH is set: for worker-death handling."""
    if case["i"] == 3 and os.environ.get(CRASH_ENV):
        os._exit(13)
    out = Outcome()
    out.facts["i"] = case["i"]
    return out


@scenario(cases=lambda: st.integers(0, 10).filter(lambda _: False))
def toy_unsatisfiable(engine: Engine, case: Case) -> Outcome:
    """A strategy that can never produce a case: hypothesis itself gives up."""
    return Outcome()
