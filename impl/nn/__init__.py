"""impl.nn: torch.nn's Module and Parameter, a few layers and losses, functional and init.

module.py holds Module (registration, traversal, state_dict, repr) and Parameter; layers.py the
modules built on them; functional.py the formulas the layers call; init.py the initialisers.
"""

# ruff: noqa: F401 - this module re-exports torch.nn's public names
from __future__ import annotations

from impl.nn import functional, init
from impl.nn.layers import Flatten, L1Loss, Linear, MSELoss, ReLU, Sequential, Sigmoid, Tanh
from impl.nn.module import Module, Parameter
