"""A slow engine: impl through the torch-like adapter, 5 ms per operation (a budget runs out)."""

from __future__ import annotations

import time
from typing import Any

import impl
from conformance.engines.torchlike import TorchLikeEngine


class Slow(TorchLikeEngine):
    def __init__(self, device: str = "cpu") -> None:
        super().__init__(impl, "slow", device)

    def call(self, op: str, *args: Any, **kwargs: Any) -> Any:
        time.sleep(0.005)
        return super().call(op, *args, **kwargs)

    def promote_types(self, a: str, b: str) -> str:
        time.sleep(0.005)
        return super().promote_types(a, b)
