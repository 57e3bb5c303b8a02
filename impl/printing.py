"""repr(tensor) as torch prints it: a NumPy port of torch/_tensor_str.py (default print options).

torch picks one format for all elements: integer mode for floats that are all
whole numbers (`1., 2.`), scientific mode when the nonzero finite magnitudes
span more than 1e3, exceed 1e8 or go below 1e-4, else fixed with 4 decimals;
every element is right-aligned to the widest. Suffixes follow the values:
`dtype=` unless the dtype is the default float, its complex, int64 or bool;
`size=` for empty tensors that are not 1-d; `grad_fn=<...>` or `requires_grad=True`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from impl import dtypes

if TYPE_CHECKING:
    from impl.tensor import Tensor

PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH = 4, 1000, 3, 80


class _Formatter:
    """Chooses int / fixed / scientific mode and the column width for a set of values."""

    def __init__(self, values: np.ndarray, floating: bool) -> None:
        self.floating, self.int_mode, self.sci_mode, self.max_width = floating, True, False, 1
        flat = values.reshape(-1)
        if not floating:
            self.max_width = max([1, *(len(str(v)) for v in flat.tolist())])
            return
        flat = flat.astype(np.float64)
        finite = flat[np.isfinite(flat) & (flat != 0)]
        if finite.size == 0:
            return
        magnitudes = np.abs(finite)
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        low, high = magnitudes.min(), magnitudes.max()
        self.sci_mode = bool(high / low > 1000.0 or high > 1.0e8 or low < 1.0e-4)
        if self.sci_mode:
            widths = [len(f"{v:.{PRECISION}e}") for v in finite]
        elif self.int_mode:
            widths = [len(f"{v:.0f}") + 1 for v in finite]
        else:
            widths = [len(f"{v:.{PRECISION}f}") for v in finite]
        self.max_width = max(self.max_width, *widths)

    def format(self, value: float | int | bool) -> str:
        if not self.floating:
            text = f"{value}"
        elif self.sci_mode:
            text = f"{value:{self.max_width}.{PRECISION}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{PRECISION}f}"
        return " " * (self.max_width - len(text)) + text


def _element(value: object, real: _Formatter, imag: _Formatter | None) -> str:
    if imag is None:
        return real.format(value)  # type: ignore[arg-type]
    imag_text = (imag.format(value.imag) + "j").lstrip()  # type: ignore[attr-defined]
    sign = "" if imag_text[0] in "+-" else "+"
    return real.format(value.real) + sign + imag_text  # type: ignore[attr-defined]


def _summarized(values: np.ndarray) -> np.ndarray:
    """The edge items torch keeps when summarizing (first and last 3 along every dim)."""
    for axis, size in enumerate(values.shape):
        if size > 2 * EDGEITEMS:
            keep = list(range(EDGEITEMS)) + list(range(size - EDGEITEMS, size))
            values = np.take(values, keep, axis=axis)
    return values


def _body(values: np.ndarray, indent: int, summarize: bool, real: _Formatter, imag: _Formatter | None) -> str:
    if values.ndim == 0:
        return _element(values.item(), real, imag)
    size = values.shape[0]
    cut = summarize and size > 2 * EDGEITEMS
    rows = [*range(EDGEITEMS), None, *range(size - EDGEITEMS, size)] if cut else list(range(size))
    if values.ndim == 1:
        width = real.max_width + 2 + (imag.max_width + 1 if imag else 0)
        per_line = max(1, math.floor((LINEWIDTH - indent) / width))
        items = [" ..." if i is None else _element(values[i].item(), real, imag) for i in rows]
        lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    parts = ["..." if i is None else _body(values[i], indent + 1, summarize, real, imag) for i in rows]
    return "[" + ("," + "\n" * (values.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _values_text(values: np.ndarray, dtype: dtypes.dtype, indent: int) -> str:
    summarize = values.size > THRESHOLD
    sample = _summarized(values) if summarize else values
    if dtype.is_complex:
        real = _Formatter(sample.real, True)
        return _body(values, indent, summarize, real, _Formatter(sample.imag, True))
    return _body(values, indent, summarize, _Formatter(sample, dtype.is_floating_point), None)


def tensor_repr(t: Tensor) -> str:
    """torch's `repr(tensor)` for a CPU strided tensor."""
    prefix = "tensor("
    indent, dtype, suffixes = len(prefix), t.dtype, []
    values = t._data.astype(np.float32) if dtype is dtypes.bfloat16 else t._data
    if t.numel() == 0:
        text = "[]"
        if t.ndim != 1:
            suffixes.append(f"size={tuple(t.shape)}")
        if dtype is not dtypes.get_default_dtype():
            suffixes.append(f"dtype={dtype}")
    else:
        text = _values_text(values, dtype, indent)
        defaults = (dtypes.get_default_dtype(), dtypes.default_complex_dtype(), dtypes.int64, dtypes.bool)
        if dtype not in defaults:
            suffixes.append(f"dtype={dtype}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(t.grad_fn).__name__}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    out, last_line = prefix + text, len(prefix + text) - (prefix + text).rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > LINEWIDTH:
            out, last_line = out + ",\n" + " " * indent + suffix, indent + len(suffix)
        else:
            out, last_line = out + ", " + suffix, last_line + len(suffix) + 2
    return out + ")"
