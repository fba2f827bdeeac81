"""Exact floating-point operations of one training step of the lab model, compared with the 6·N·D rule.

Counting convention: one FLOP per scalar add, multiply, comparison (max, ReLU's test), exp, log, division or square
root; a matrix product of (m × n) by (n × p) counts 2·m·n·p (Kaplan et al. 2020, §2.1, count the same way). The
count follows :meth:`scalingedu.lab.model.MLPLanguageModel.loss_and_gradient` and ``adam_step`` line by line; the
embedding lookup is a copy (0 FLOPs) and its backward is a scatter-add (one add per looked-up number).

The rule C ≈ 6·N·D (Kaplan et al. 2020, Table 1; Hoffmann et al. 2022 use it for their budgets) counts 2 FLOPs per
parameter per token forward (one multiply-add) and twice that backward (gradients of activations and of weights).
It ignores the element-wise work (biases, activations, softmax, the optimiser) and treats embeddings as matrix
weights, although a lookup costs nothing: :func:`six_nd_ratio` shows how close it comes for the lab's models.
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import _validate as v
from .. import compute
from .model import ModelConfig

ADAM_FLOPS_PER_PARAM = 12
"""Adam's update as :meth:`MLPLanguageModel.adam_step` writes it: m (3), v (4), sqrt, +eps, step·m, /, -= (5)."""


@dataclass(frozen=True)
class StepFlops:
    """FLOPs of one training step, by part: ``forward``, ``backward``, ``optimizer``; ``total`` is their sum.

    ``matmul`` is the share of forward + backward spent in matrix products."""

    forward: int
    backward: int
    optimizer: int
    matmul: int

    @property
    def total(self) -> int:
        return self.forward + self.backward + self.optimizer


def _check(config, batch) -> int:
    if not isinstance(config, ModelConfig):
        raise TypeError(f"config must be a ModelConfig, not {type(config).__name__}")
    return v.positive_int("batch", batch)


def training_flops_per_step(config: ModelConfig, batch: int) -> StepFlops:
    """Exact FLOPs of one step of :meth:`MLPLanguageModel.loss_and_gradient` plus ``adam_step`` on ``batch`` rows."""
    b = _check(config, batch)
    w, k, e, vocab, depth = config.width, config.context, config.embedding, config.vocab, config.depth
    fan_ins = [k * e] + [w] * (depth - 1)
    forward_matmul = sum(2 * b * fan_in * w for fan_in in fan_ins) + 2 * b * w * vocab
    forward = forward_matmul + depth * 2 * b * w          # bias add and ReLU per hidden layer
    forward += b * vocab                                   # output bias
    forward += 4 * b * vocab                               # softmax: row max, subtract, exp, row sum
    forward += 3 * b                                       # log of the totals, minus the target's logit, mean
    backward_matmul = 2 * b * w * vocab                    # gradient of w_out
    backward_matmul += 2 * b * vocab * w                   # delta through w_out
    backward_matmul += sum(2 * b * fan_in * w for fan_in in fan_ins)          # weight gradients of hidden layers
    backward_matmul += sum(2 * b * w * fan_in for fan_in in fan_ins[1:])      # delta through hidden layers
    backward_matmul += 2 * b * w * k * e                   # delta through w0: the embeddings' gradient
    backward = backward_matmul
    backward += 2 * b + b * vocab + b                      # 1/(totals·batch): 2 per row; scale; subtract 1/batch
    backward += vocab * b                                  # bias gradient of the output (column sums)
    backward += depth * (3 * b * w)                        # ReLU mask: compare and multiply; bias gradient sum
    backward += b * k * e                                  # scatter-add into the embedding gradient
    optimizer = ADAM_FLOPS_PER_PARAM * config.params
    return StepFlops(forward=forward, backward=backward, optimizer=optimizer,
                     matmul=forward_matmul + backward_matmul)


def training_flops(config: ModelConfig, tokens: int, batch: int) -> int:
    """Exact FLOPs of training on ``tokens`` predicted characters in steps of ``batch`` (tokens / batch steps)."""
    b = _check(config, batch)
    steps = v.positive_int("tokens", tokens) // b
    return steps * training_flops_per_step(config, b).total


def six_nd(params, tokens):
    """The 6·N·D approximation of training compute (Kaplan et al. 2020, Table 1), in FLOPs: the course's
    :func:`scalingedu.compute.training_flops`, named here to set it beside the lab's exact count."""
    return compute.training_flops(params, tokens)


def six_nd_ratio(config: ModelConfig, batch: int) -> float:
    """Exact training FLOPs per token divided by 6·N (N = all parameters): 1 would mean 6ND is exact."""
    b = _check(config, batch)
    return training_flops_per_step(config, b).total / compute.training_flops(config.params, b)
