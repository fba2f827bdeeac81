"""Real tensor parallelism on the CPU: worker processes split one MLP and one attention layer by columns and rows.

Megatron-LM (Shoeybi et al. 2019, §3, Fig. 3) splits a transformer's MLP across ``world`` devices so that only one
all-reduce is needed in the forward pass and one in the backward pass:

- the first weight matrix ``W1`` (d_model × d_ff) is cut by **columns**: worker r holds ``W1[:, cols_r]`` and its
  bias, and computes its own slice of the hidden layer, ``h_r = tanh(x W1_r + b1_r)``, with no communication
  (the non-linearity acts element by element, so it can be applied to a slice);
- the second matrix ``W2`` (d_ff × d_model) is cut by **rows** to match: worker r computes the partial product
  ``h_r W2_r``, and the output is the sum of the partials, an **all-reduce** (then the bias, once);
- backwards, each worker gets its weights' gradients from its own slices; the gradient with respect to the input
  ``x`` is again a sum of partials, the second all-reduce.

Attention splits the same way by heads: worker r holds the query, key and value columns of its heads and the rows
of the output projection that read them, computes its heads' outputs alone, and one all-reduce sums the partial
projections. Each all-reduce moves the activations (tokens × d_model), not the weights: this is why tensor
parallelism needs a fast link and stays inside a node. This module trains the MLP with ``world`` processes over
the ring all-reduce of :mod:`.cpu_data_parallel` and checks it against one process doing the whole layer.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .. import _validate as v
from .cpu_data_parallel import ring_all_reduce, run_ring_workers

D_MODEL, D_FF, HEADS, TOKENS = 16, 64, 4, 32
"""The layer's width, hidden width, attention heads and tokens per batch (small: the point is the split)."""


def make_layer(seed: int = 0) -> dict:
    """The full layer's weights (MLP and attention) and a regression batch, all from one seeded generator."""
    rng = np.random.default_rng(seed)
    scale = D_MODEL ** -0.5
    return {"x": rng.normal(size=(TOKENS, D_MODEL)), "y": rng.normal(size=(TOKENS, D_MODEL)),
            "w1": rng.normal(scale=scale, size=(D_MODEL, D_FF)), "b1": np.zeros(D_FF),
            "w2": rng.normal(scale=D_FF ** -0.5, size=(D_FF, D_MODEL)), "b2": np.zeros(D_MODEL),
            **{name: rng.normal(scale=scale, size=(D_MODEL, D_MODEL)) for name in ("wq", "wk", "wv", "wo")}}


def shard(layer: dict, rank: int, world: int) -> dict:
    """Worker ``rank``'s part of the layer: W1's columns and W2's rows of its slice of d_ff, and the query, key and
    value columns and output-projection rows of its heads. The batch and the output bias are replicated."""
    hidden = np.array_split(np.arange(D_FF), world)[rank]
    head = D_MODEL // HEADS
    heads = np.array_split(np.arange(HEADS), world)[rank]
    columns = np.concatenate([np.arange(h * head, (h + 1) * head) for h in heads])
    return {"x": layer["x"], "y": layer["y"], "b2": layer["b2"],
            "w1": layer["w1"][:, hidden], "b1": layer["b1"][hidden], "w2": layer["w2"][hidden, :],
            "wq": layer["wq"][:, columns], "wk": layer["wk"][:, columns], "wv": layer["wv"][:, columns],
            "wo": layer["wo"][columns, :], "heads": len(heads)}


def attention_partial(part: dict, heads: int) -> np.ndarray:
    """Causal self-attention of ``heads`` heads whose weights ``part`` holds, through their rows of the output
    projection: the full layer's output is the sum of these partials over the workers (or all heads at once)."""
    x, head = part["x"], D_MODEL // HEADS
    out = np.zeros((len(x), D_MODEL))
    mask = np.triu(np.full((len(x), len(x)), -np.inf), k=1)
    for h in range(heads):
        cols = slice(h * head, (h + 1) * head)
        q, k, value = x @ part["wq"][:, cols], x @ part["wk"][:, cols], x @ part["wv"][:, cols]
        scores = q @ k.T / np.sqrt(head) + mask
        weights = np.exp(scores - scores.max(axis=1, keepdims=True))
        weights /= weights.sum(axis=1, keepdims=True)
        out += (weights @ value) @ part["wo"][cols, :]
    return out


def mlp_step(part: dict, all_reduce) -> tuple[float, dict, np.ndarray]:
    """One forward and backward pass of the (possibly split) MLP on its batch, mean-squared error against ``y``.

    ``all_reduce(array)`` sums an array over the workers (the identity for one process). Returns the loss, the
    gradients of this worker's weights, and the gradient with respect to the input ``x``.
    """
    x, y = part["x"], part["y"]
    hidden = np.tanh(x @ part["w1"] + part["b1"])           # column-parallel: no communication
    out = all_reduce(hidden @ part["w2"]) + part["b2"]      # row-parallel: sum the partial products
    error = out - y
    loss = float(np.mean(error ** 2))
    d_out = 2.0 * error / error.size
    d_pre = (d_out @ part["w2"].T) * (1.0 - hidden ** 2)
    d_x = all_reduce(d_pre @ part["w1"].T)                  # the input's gradient: the backward all-reduce
    grads = {"w1": x.T @ d_pre, "b1": d_pre.sum(0), "w2": hidden.T @ d_out, "b2": d_out.sum(0)}
    return loss, grads, d_x


def train_single(steps: int = 20, lr: float = 0.5, seed: int = 0):
    """One process, the whole layer: the reference. Returns (losses, final MLP weights, last d_x, attention)."""
    layer = make_layer(seed)
    part = shard(layer, 0, 1)
    losses = []
    for _ in range(steps):
        loss, grads, d_x = mlp_step(part, lambda a: a)
        losses.append(loss)
        for key in grads:
            part[key] = part[key] - lr * grads[key]
    return np.array(losses), {k: part[k] for k in ("w1", "b1", "w2", "b2")}, d_x, attention_partial(part, HEADS)


def _worker(rank, world, steps, lr, seed, send_right, receive_left, results):
    part = shard(make_layer(seed), rank, world)
    sent, comm_seconds, reduces = 0, 0.0, 0

    def all_reduce(array: np.ndarray) -> np.ndarray:
        nonlocal sent, comm_seconds, reduces
        buffer = np.ascontiguousarray(array, dtype=np.float64).copy()
        tick = time.perf_counter()
        sent += ring_all_reduce(buffer, rank, world, send_right, receive_left)
        comm_seconds += time.perf_counter() - tick
        reduces += 1
        return buffer

    losses = []
    start = time.perf_counter()
    for _ in range(steps):
        loss, grads, d_x = mlp_step(part, all_reduce)
        losses.append(loss)
        for key in grads:
            part[key] = part[key] - lr * grads[key]
    attention = all_reduce(attention_partial(part, part["heads"]))
    seconds = time.perf_counter() - start
    weights = {k: part[k] for k in ("w1", "b1", "w2", "b2")}
    results.put((rank, np.array(losses), weights, d_x, attention, seconds, comm_seconds, sent, reduces))


@dataclass(frozen=True)
class TensorParallelRun:
    """A real tensor-parallel run of the MLP (and one attention forward) next to its single-process reference.

    ``max_difference`` is the largest absolute difference, after ``steps`` SGD steps, between the weights the
    workers hold (reassembled from their slices), the input gradient and the attention output, and the single
    process's; ``seconds`` and ``comm_seconds`` each worker's wall time and time inside all-reduces;
    ``bytes_sent`` what each worker sent in all; ``all_reduces`` how many it took part in (two per step, one for
    the attention output).
    """

    world: int
    steps: int
    losses_single: np.ndarray
    losses_parallel: np.ndarray
    max_difference: float
    seconds: np.ndarray
    comm_seconds: np.ndarray
    bytes_sent: int
    all_reduces: int

    @property
    def comm_fraction(self) -> float:
        """Share of the workers' time spent in all-reduces (measured; machine-dependent)."""
        return float(self.comm_seconds.sum() / self.seconds.sum())


def run_tensor_parallel(world: int = 2, steps: int = 20, lr: float = 0.5, seed: int = 0,
                        *, start_method: str = "spawn") -> TensorParallelRun:
    """Train the MLP split over ``world`` processes (Megatron's column-then-row split) and compare with one process.

    ``world`` must divide the number of attention heads (4) so every worker holds whole heads. "spawn" works
    everywhere, including notebooks; "fork" starts faster on Linux.
    """
    world = v.positive_int("world", world, minimum=1, maximum=HEADS)
    steps = v.positive_int("steps", steps)
    lr = float(v.positive("lr", lr))
    if HEADS % world:
        raise ValueError(f"world = {world} must divide the {HEADS} attention heads; try world = 1, 2 or 4")
    outputs = run_ring_workers(_worker, world, (steps, lr, seed), start_method=start_method)
    losses, reference, d_x, attention = train_single(steps, lr, seed)
    joined = {"w1": np.concatenate([out[2]["w1"] for out in outputs], axis=1),
              "b1": np.concatenate([out[2]["b1"] for out in outputs]),
              "w2": np.concatenate([out[2]["w2"] for out in outputs], axis=0), "b2": outputs[0][2]["b2"]}
    differences = [float(np.max(np.abs(joined[k] - reference[k]))) for k in reference]
    differences += [float(np.max(np.abs(out[3] - d_x))) for out in outputs]
    differences += [float(np.max(np.abs(out[4] - attention))) for out in outputs]
    return TensorParallelRun(world, steps, losses, outputs[0][1], max(differences),
                             np.array([out[5] for out in outputs]), np.array([out[6] for out in outputs]),
                             outputs[0][7], outputs[0][8])
