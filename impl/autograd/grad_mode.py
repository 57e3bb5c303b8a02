"""Grad mode: torch.no_grad, enable_grad, set_grad_enabled, is_grad_enabled.

torch's rules modelled (torch/autograd/grad_mode.py): one global flag; the three
classes are context managers and decorators (`@no_grad()`, bare `@no_grad`,
`@set_grad_enabled(False)`), generator functions decorated keep the mode
inside each step only; `set_grad_enabled(mode)` switches the mode as soon as it
is constructed (so it also works as a plain call) and restores on exit.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any


class GradMode:
    """The one global flag (torch keeps it per thread; impl has one thread). recording.py reads
    `MODE.enabled` on every op."""

    enabled = True


MODE = GradMode()


def is_grad_enabled() -> bool:
    """torch.is_grad_enabled(): whether ops record history."""
    return MODE.enabled


def _set(mode: bool) -> None:
    MODE.enabled = mode


class _GradModeDecorator:
    """A context manager that also decorates functions and generator functions (as torch's)."""

    mode: bool

    def __new__(cls, orig_func: Callable[..., Any] | None = None) -> Any:
        if orig_func is None or cls is set_grad_enabled:
            return super().__new__(cls)
        return cls()(orig_func)  # bare @no_grad

    def __init__(self, orig_func: Callable[..., Any] | None = None) -> None:
        self.prev = MODE.enabled

    def __enter__(self) -> None:
        self.prev = MODE.enabled
        _set(self.mode)

    def __exit__(self, *exc: object) -> None:
        _set(self.prev)

    def clone(self) -> _GradModeDecorator:
        return self.__class__()

    def __call__(self, func: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.isgeneratorfunction(func):
            return self._wrap_generator(func)

        @functools.wraps(func)
        def decorated(*args: Any, **kwargs: Any) -> Any:
            with self.clone():
                return func(*args, **kwargs)

        return decorated

    def _wrap_generator(self, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def decorated(*args: Any, **kwargs: Any) -> Any:
            gen = func(*args, **kwargs)
            to_send = None
            while True:
                with self.clone():
                    try:
                        value = gen.send(to_send)
                    except StopIteration as stop:
                        return stop.value
                to_send = yield value

        return decorated


class no_grad(_GradModeDecorator):
    """torch.no_grad: ops inside do not record history; their results are leaves."""

    mode = False


class enable_grad(_GradModeDecorator):
    """torch.enable_grad: turns recording back on (e.g. inside no_grad)."""

    mode = True


class set_grad_enabled(_GradModeDecorator):
    """torch.set_grad_enabled(mode): sets the mode at construction; restores the previous on exit."""

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(
                f"set_grad_enabled(): argument 'enabled' (position 1) must be bool, not {type(mode).__name__}"
            )
        self.prev = MODE.enabled
        self.mode = mode
        _set(mode)

    def __enter__(self) -> None:
        _set(self.mode)

    def clone(self) -> set_grad_enabled:
        return self.__class__(self.mode)

    def __call__(self, func: Callable[..., Any]) -> Callable[..., Any]:
        _set(self.prev)  # used as a decorator: construction must not change the mode
        return super().__call__(func)
