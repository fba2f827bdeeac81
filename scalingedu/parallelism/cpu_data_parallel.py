"""Real data parallelism on the CPU: worker processes train a tiny MLP and all-reduce their gradients by a ring.

Each of ``world`` worker processes holds the same copy of a small NumPy MLP (one tanh hidden layer, mean-squared
error) and, at every step, a different shard of the batch. It computes the gradient of its shard, the workers sum
their gradients with :func:`ring_all_reduce` (the bandwidth-optimal ring of Patarasuk & Yuan 2009, written out
here over ``multiprocessing`` pipes), divide by ``world`` and take the same SGD step. Because the mean of the
shards' mean gradients is the full batch's mean gradient, the workers follow the same trajectory as one process
training on the whole batch, up to floating-point rounding (the sums are added in a different order).

The ring all-reduce cuts the buffer into ``world`` chunks. In ``world - 1`` reduce-scatter steps each worker sends
one chunk to its right neighbour and adds the chunk arriving from its left; afterwards each worker holds one chunk
of the full sum. In ``world - 1`` all-gather steps the finished chunks travel round the ring. Each worker sends
2(world-1)/world of the buffer: the figure :func:`~scalingedu.parallelism.collectives.collective_bytes` gives.
"""
from __future__ import annotations

import multiprocessing as mp
import time
from dataclasses import dataclass

import numpy as np

from .. import _validate as v

INPUTS, HIDDEN = 8, 32
"""The MLP's input width and hidden width (a few hundred parameters: the point is the communication pattern)."""


def ring_all_reduce(buffer: np.ndarray, rank: int, world: int, send_right, receive_left) -> int:
    """Sum ``buffer`` over all ``world`` workers in place, with a ring; return the bytes this worker sent.

    ``send_right`` is a connection to worker (rank + 1) % world, ``receive_left`` one from (rank - 1) % world.
    Even ranks send before they receive and odd ranks after, so no two neighbours block on a full pipe.
    """
    if world == 1:
        return 0
    chunks = np.array_split(np.arange(buffer.size), world)
    flat = buffer.reshape(-1)
    sent = 0

    def exchange(outgoing: np.ndarray) -> np.ndarray:
        nonlocal sent
        payload = outgoing.tobytes()
        if rank % 2 == 0:
            send_right.send_bytes(payload)
            incoming = receive_left.recv_bytes()
        else:
            incoming = receive_left.recv_bytes()
            send_right.send_bytes(payload)
        sent += len(payload)
        return np.frombuffer(incoming, dtype=flat.dtype)

    for step in range(world - 1):  # reduce-scatter: after it, worker r holds the full sum of chunk (r + 1) % world
        out_index = chunks[(rank - step) % world]
        in_index = chunks[(rank - step - 1) % world]
        flat[in_index] += exchange(flat[out_index])
    for step in range(world - 1):  # all-gather: pass the finished chunks round the ring
        out_index = chunks[(rank + 1 - step) % world]
        in_index = chunks[(rank - step) % world]
        flat[in_index] = exchange(flat[out_index])
    return sent


def make_problem(samples: int = 256, seed: int = 0):
    """A synthetic regression task and the MLP's initial weights (all from one seeded generator)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(samples, INPUTS))
    y = np.sin(x @ rng.normal(size=INPUTS))[:, None]
    params = {"w1": rng.normal(scale=INPUTS ** -0.5, size=(INPUTS, HIDDEN)), "b1": np.zeros(HIDDEN),
              "w2": rng.normal(scale=HIDDEN ** -0.5, size=(HIDDEN, 1)), "b2": np.zeros(1)}
    return x, y, params


def loss_and_gradient(params: dict, x: np.ndarray, y: np.ndarray) -> tuple[float, dict]:
    """Mean-squared error of the MLP on (x, y) and its gradient with respect to every weight (backpropagation)."""
    hidden = np.tanh(x @ params["w1"] + params["b1"])
    error = hidden @ params["w2"] + params["b2"] - y
    loss = float(np.mean(error ** 2))
    d_out = 2.0 * error / len(x)
    d_hidden = (d_out @ params["w2"].T) * (1.0 - hidden ** 2)
    return loss, {"w1": x.T @ d_hidden, "b1": d_hidden.sum(0), "w2": hidden.T @ d_out, "b2": d_out.sum(0)}


def _flatten(grads: dict) -> np.ndarray:
    return np.concatenate([grads[k].ravel() for k in sorted(grads)])


def _unflatten(flat: np.ndarray, like: dict) -> dict:
    out, offset = {}, 0
    for key in sorted(like):
        size = like[key].size
        out[key] = flat[offset:offset + size].reshape(like[key].shape)
        offset += size
    return out


def train_single(steps: int = 50, batch: int = 64, lr: float = 0.1, seed: int = 0):
    """Train on one process: the reference trajectory. Returns (losses, final params)."""
    x, y, params = make_problem(seed=seed)
    losses = []
    for step in range(steps):
        rows = _batch_rows(step, batch, len(x))
        loss, grads = loss_and_gradient(params, x[rows], y[rows])
        losses.append(loss)
        params = {k: params[k] - lr * grads[k] for k in params}
    return np.array(losses), params


def _batch_rows(step: int, batch: int, samples: int) -> np.ndarray:
    return (np.arange(batch) + step * batch) % samples


def _worker(rank, world, steps, batch, lr, seed, send_right, receive_left, results):
    x, y, params = make_problem(seed=seed)
    shard = batch // world
    losses, comm_seconds, sent = [], 0.0, 0
    start = time.perf_counter()
    for step in range(steps):
        rows = _batch_rows(step, batch, len(x))[rank * shard:(rank + 1) * shard]
        loss, grads = loss_and_gradient(params, x[rows], y[rows])
        flat = _flatten(grads)
        tick = time.perf_counter()
        sent += ring_all_reduce(flat, rank, world, send_right, receive_left)
        comm_seconds += time.perf_counter() - tick
        flat /= world
        grads = _unflatten(flat, params)
        params = {k: params[k] - lr * grads[k] for k in params}
        losses.append(loss)
    total = time.perf_counter() - start
    results.put((rank, np.array(losses), params, total, comm_seconds, sent, flat.nbytes))


def run_ring_workers(target, world: int, args: tuple, *, start_method: str = "spawn") -> list[tuple]:
    """Start ``world`` processes joined in a ring and collect what each puts on the results queue, by rank.

    Worker r is called as ``target(r, world, *args, send_right, receive_left, results)``, with a pipe to worker
    r + 1 and one from worker r - 1 (what :func:`ring_all_reduce` needs), and must put a tuple starting with its rank
    on ``results``. Workers that hang are stopped after two minutes.
    """
    v.one_of("start_method", start_method, mp.get_all_start_methods())
    context = mp.get_context(start_method)
    links = [context.Pipe(duplex=False) for _ in range(world)]  # link r carries worker r -> worker r+1
    results = context.Queue()
    workers = [context.Process(target=target, args=(r, world, *args, links[r][1], links[(r - 1) % world][0],
                                                    results), daemon=True)
               for r in range(world)]
    for worker in workers:
        worker.start()
    try:
        return sorted((results.get(timeout=120) for _ in range(world)), key=lambda item: item[0])
    finally:
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.terminate()


@dataclass(frozen=True)
class DataParallelRun:
    """A real data-parallel run next to its single-process reference.

    ``losses_single`` per step on the whole batch; ``losses_workers`` (world × steps) each worker's shard loss;
    ``max_param_difference`` the largest absolute difference between any worker's final weights and the
    reference; ``seconds`` and ``comm_seconds`` each worker's training and all-reduce wall time;
    ``bytes_sent`` per worker per step and ``gradient_bytes`` the all-reduced buffer.
    """

    world: int
    steps: int
    losses_single: np.ndarray
    losses_workers: np.ndarray
    max_param_difference: float
    seconds: np.ndarray
    comm_seconds: np.ndarray
    bytes_sent_per_step: float
    gradient_bytes: int

    @property
    def comm_fraction(self) -> float:
        """Share of the workers' training time spent in the all-reduce (measured; machine-dependent)."""
        return float(self.comm_seconds.sum() / self.seconds.sum())


def run_data_parallel(world: int = 2, steps: int = 50, batch: int = 64, lr: float = 0.1, seed: int = 0,
                      *, start_method: str = "spawn") -> DataParallelRun:
    """Train the MLP with ``world`` worker processes and compare with one process (see the module docstring).

    ``batch`` must be a multiple of ``world`` (every worker gets an equal shard). ``start_method`` "spawn" works
    everywhere, including notebooks; "fork" starts faster on Linux.
    """
    world = v.positive_int("world", world, minimum=1, maximum=16)
    steps = v.positive_int("steps", steps)
    batch = v.positive_int("batch", batch)
    lr = float(v.positive("lr", lr))
    if batch % world:
        raise ValueError(f"batch = {batch} must be a multiple of world = {world} so every worker gets an equal "
                         f"shard; try batch = {batch - batch % world or world}")
    outputs = run_ring_workers(_worker, world, (steps, batch, lr, seed), start_method=start_method)
    losses, reference = train_single(steps, batch, lr, seed)
    difference = max(float(np.max(np.abs(out[2][k] - reference[k]))) for out in outputs for k in reference)
    return DataParallelRun(world, steps, losses, np.array([out[1] for out in outputs]), difference,
                           np.array([out[3] for out in outputs]), np.array([out[4] for out in outputs]),
                           outputs[0][5] / steps, outputs[0][6])
