"""How a compute budget is split between parameters and training tokens."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Allocation:
    """A training plan: ``params`` trained on ``tokens`` for ``flops`` (= 6·params·tokens), reaching ``loss``.

    Fields are floats for a scalar budget and arrays for an array of budgets.
    """

    params: float | np.ndarray
    tokens: float | np.ndarray
    flops: float | np.ndarray
    loss: float | np.ndarray

    @property
    def tokens_per_param(self):
        return self.tokens / self.params
