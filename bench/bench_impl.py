"""impl's cost next to NumPy's and torch's, measured side by side in one run (timeit, best of N).

(1) one elementwise op (a + b, a * b, exp) on 1e6 float32: impl vs NumPy, target <= 1.3x;
(2) forward + backward of a 100-op graph on small tensors: impl vs torch (CPU), target <= 3x.

The two sides of each comparison are timed interleaved (a sample of one, then of the other, in
alternating order, best of N each), so that the load of a shared machine hits both alike.
Run from the checkout root: `python bench/bench_impl.py [--repeat N]`. Prints a table of
best-of-N times and ratios, and whether each target is met; it never fails (numbers, not tests).
"""

from __future__ import annotations

import argparse
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import impl

ELEMENTWISE_TARGET = 1.3
GRAPH_TARGET = 3.0


def interleaved(calls: dict[str, Callable[[], Any]], repeat: int, number: int) -> dict[str, float]:
    """Best-of-`repeat` time of one call of each, in seconds (each sample averages `number` calls);
    the samples alternate between the calls, in an order reversed every round."""
    best = dict.fromkeys(calls, float("inf"))
    names = list(calls)
    for round_ in range(repeat):
        for name in names if round_ % 2 == 0 else reversed(names):
            best[name] = min(best[name], timeit.timeit(calls[name], number=number) / number)
    return best


def elementwise_cases() -> dict[str, tuple[Callable, Callable]]:
    """name -> (NumPy call, impl call) on the same 1e6 float32 data."""
    rng = np.random.default_rng(0)
    a_np = rng.standard_normal(1_000_000).astype(np.float32)
    b_np = rng.standard_normal(1_000_000).astype(np.float32)
    a, b = impl.from_numpy(a_np), impl.from_numpy(b_np)
    return {
        "add a + b": (lambda: a_np + b_np, lambda: a + b),
        "mul a * b": (lambda: a_np * b_np, lambda: a * b),
        "exp(a)": (lambda: np.exp(a_np), lambda: impl.exp(a)),
    }


def forward(engine: Any, x0: np.ndarray, w0: np.ndarray, requires_grad: bool = True) -> Any:
    """A 100-op graph: 25 blocks of (mul, add, tanh, mul by a scalar), then sum; returns (x, w, loss)."""
    x = engine.tensor(x0, requires_grad=requires_grad)
    w = engine.tensor(w0, requires_grad=requires_grad)
    y = x
    for _ in range(25):
        y = (y * w + x).tanh() * 0.9
    return x, w, y.sum()


def graph_program(engine: Any, x0: np.ndarray, w0: np.ndarray) -> Callable[[], Any]:
    """Forward + backward of the 100-op graph; returns the two leaves' gradients."""

    def run() -> Any:
        x, w, loss = forward(engine, x0, w0)
        loss.backward()
        return x.grad, w.grad

    return run


def split(
    engines: tuple[Any, ...], x0: np.ndarray, w0: np.ndarray, repeat: int
) -> dict[str, tuple[float, ...]]:
    """Where the time goes, per engine: forward without grad, the cost of recording, backward alone."""
    calls = {}
    for engine in engines:
        calls[f"{engine.__name__} plain"] = lambda e=engine: forward(e, x0, w0, requires_grad=False)
        calls[f"{engine.__name__} recorded"] = lambda e=engine: forward(e, x0, w0)
    times = interleaved(calls, repeat, 10)
    backward = dict.fromkeys((e.__name__ for e in engines), float("inf"))
    for _ in range(repeat * 10):  # a fresh graph for each timed backward, built outside the timing
        for engine in engines:
            loss = forward(engine, x0, w0)[2]
            start = time.perf_counter()
            loss.backward()
            backward[engine.__name__] = min(backward[engine.__name__], time.perf_counter() - start)
    return {
        name: (times[f"{name} plain"], times[f"{name} recorded"] - times[f"{name} plain"], backward[name])
        for name in backward
    }


def check_graph_grads_agree(x0: np.ndarray, w0: np.ndarray) -> None:
    tx, tw = graph_program(torch, x0, w0)()
    ix, iw = graph_program(impl, x0, w0)()
    np.testing.assert_allclose(ix._data, tx.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(iw._data, tw.numpy(), rtol=1e-4, atol=1e-6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timeit repeats (best is kept)")
    args = parser.parse_args()
    torch.set_num_threads(1)  # one core each: impl and NumPy run single-threaded
    print(f"impl {impl.__version__}, numpy {np.__version__}, torch {torch.__version__} (1 thread)\n")

    print(f"(1) elementwise on 1e6 float32, impl vs NumPy (target <= {ELEMENTWISE_TARGET}x)")
    print(f"{'op':<12}{'numpy ms':>10}{'impl ms':>10}{'ratio':>8}  target")
    for name, (numpy_call, impl_call) in elementwise_cases().items():
        times = interleaved({"numpy": numpy_call, "impl": impl_call}, args.repeat, 20)
        t_np, t_impl = times["numpy"], times["impl"]
        ratio = t_impl / t_np
        verdict = "met" if ratio <= ELEMENTWISE_TARGET else "MISSED"
        print(f"{name:<12}{t_np * 1e3:>10.3f}{t_impl * 1e3:>10.3f}{ratio:>8.2f}  {verdict}")

    rng = np.random.default_rng(1)
    x0 = rng.standard_normal((4, 4)).astype(np.float32)
    w0 = (rng.standard_normal((4, 4)) * 0.5).astype(np.float32)
    check_graph_grads_agree(x0, w0)
    print(f"\n(2) forward + backward, 100-op graph on 4x4 float32, impl vs torch (target <= {GRAPH_TARGET}x)")
    times = interleaved(
        {"torch": graph_program(torch, x0, w0), "impl": graph_program(impl, x0, w0)}, args.repeat, 10
    )
    t_torch, t_impl = times["torch"], times["impl"]
    ratio = t_impl / t_torch
    verdict = "met" if ratio <= GRAPH_TARGET else "MISSED"
    print(f"{'torch ms':>10}{'impl ms':>10}{'ratio':>8}  target")
    print(f"{t_torch * 1e3:>10.3f}{t_impl * 1e3:>10.3f}{ratio:>8.2f}  {verdict}")
    print("\n    where the time goes (ms): forward without grad | recording history | backward")
    for name, parts in split((torch, impl), x0, w0, args.repeat).items():
        print(f"    {name:<6}" + "".join(f"{p * 1e3:>10.3f}" for p in parts))


if __name__ == "__main__":
    main()
