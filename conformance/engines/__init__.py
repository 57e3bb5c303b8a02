"""Engine adapters, chosen by name or by an import path `package.module:Adapter`.

`get_engine("impl")` builds a registered engine; `get_engine("mypkg.adapter:MyEngine", device="cuda")`
builds any class or factory that returns an object following `spec.engine.Engine`, so a new engine
needs no edit here (see docs/adapters.md). Registered names resolve lazily: an engine whose library
is missing fails only when chosen, with an `EngineUnavailable` naming what to install.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from typing import Any

from spec.engine import Capability, Engine

ENGINES: dict[str, str] = {
    "torch": "conformance.engines.torchlike:make_torch",
    "impl": "conformance.engines.torchlike:make_impl",
    "numpy": "conformance.engines.numpy_engine:make_numpy",
    "tinygrad": "conformance.engines.tinygrad_engine:make_tinygrad",
    "jax": "conformance.engines.jax_engine:make_jax",
    "jax64": "conformance.engines.jax_engine:make_jax64",
}
"""Registry name -> `module:factory`; the factory takes `device=` (or nothing, for CPU-only engines)."""

INSTALL_HINTS: dict[str, str] = {
    "tinygrad": "pip install tinygrad",
    "jax": "pip install jax",
    "jax64": "pip install jax",
}

LIBRARIES: dict[str, str] = {"tinygrad": "tinygrad", "jax": "jax", "jax64": "jax"}
"""The library a registered engine imports (checked without importing it, before anything starts)."""

REQUIRED_ATTRIBUTES = ("name", "version", "device", "capabilities", "dtypes")


def library_missing(spec: str) -> str | None:
    """Why `spec` names nothing that can start here (unknown name, module or library not found), or
    None; found without running the adapter's code (only its packages' __init__ modules)."""
    target = ENGINES.get(spec, spec)
    if ":" not in target:
        return _unknown(spec)
    module = target.partition(":")[0]
    for name in (module, LIBRARIES.get(spec)):
        try:
            found = name is None or importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            hint = INSTALL_HINTS.get(spec, f"make {name!r} importable")
            return f"engine {spec!r} needs {name!r}, not importable here: {hint}"
    return None


class EngineUnavailable(RuntimeError):
    """The engine cannot be built here: its library is missing, or the spec does not resolve."""


def _unknown(spec: str) -> str:
    known = ", ".join(sorted(ENGINES))
    return f"unknown engine {spec!r}: use one of {known}, or an import path 'pkg.mod:Adapter'"


def resolve(spec: str) -> Any:
    """The class or factory behind a registry name or a `package.module:attribute` path."""
    target = ENGINES.get(spec, spec)
    if ":" not in target:
        raise EngineUnavailable(_unknown(spec))
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        hint = INSTALL_HINTS.get(spec, f"make {module_name!r} importable")
        missing = exc.name or module_name
        raise EngineUnavailable(f"engine {spec!r} needs {missing!r}, not importable here: {hint}") from exc
    try:
        return getattr(module, attribute)
    except AttributeError as exc:
        raise EngineUnavailable(f"engine {spec!r}: {module_name} has no attribute {attribute!r}") from exc


def get_engine(spec: str, device: str = "cpu") -> Engine:
    """Build the engine named by `spec` on `device`.

    A factory (or class) taking a `device` parameter receives it; one without is CPU-only and
    refuses any other device.
    """
    factory = resolve(spec)
    try:
        accepts_device = "device" in inspect.signature(factory).parameters
    except (TypeError, ValueError):  # builtins without a signature
        accepts_device = False
    if not accepts_device and device != "cpu":
        raise EngineUnavailable(f"engine {spec!r} is CPU-only (its factory takes no device), not {device!r}")
    try:
        engine = factory(device=device) if accepts_device else factory()
    except ImportError as exc:
        raise EngineUnavailable(f"engine {spec!r} could not be built: {type(exc).__name__}: {exc}") from exc
    missing = [name for name in REQUIRED_ATTRIBUTES if not hasattr(engine, name)]
    if missing:
        lacking = ", ".join(missing)
        raise EngineUnavailable(f"engine {spec!r} lacks {lacking}: see the Engine protocol in spec/engine.py")
    return engine


def describe(engine: Engine) -> str:
    """One line naming the engine, its version, device and capabilities, for headers and reports."""
    caps = ",".join(sorted(c.value if isinstance(c, Capability) else str(c) for c in engine.capabilities))
    return f"{engine.name} {engine.version} ({engine.device}; {caps or 'no capabilities'})"
