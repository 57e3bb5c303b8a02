"""impl.optim: torch.optim's Optimizer base (optimizer.py) and SGD, RMSprop, Adam, one module each,
each update rule written once as the formula of torch's documentation."""

# ruff: noqa: F401 - this module re-exports torch.optim's public names
from __future__ import annotations

from impl.optim.adam import Adam
from impl.optim.optimizer import Optimizer
from impl.optim.rmsprop import RMSprop
from impl.optim.sgd import SGD
