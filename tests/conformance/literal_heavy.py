"""An adapter module full of literals: hypothesis mixes the constants of local modules into what it
draws, so without the committed corpus this module alone changed the drawn cases of most scenarios."""

from __future__ import annotations

from conformance.engines.torchlike import TorchLikeEngine

ODD_VALUES = (17, 4242, -98765, 3.14159, 2.71828e-5, "bfloat16x", 1e300, -0.0, 65504, 127, -129)
MORE_VALUES = {"a": 123456789, "b": 0.3333, "c": "complex64!", "d": 255, "e": 2**53 + 1}


class LiteralHeavy(TorchLikeEngine):
    def __init__(self, device: str = "cpu") -> None:
        import torch

        super().__init__(torch, "literal-heavy", device)
