"""Pipeline parallelism: the bubble formula and a simulator of GPipe, 1F1B and interleaved 1F1B schedules.

A model cut into p stages on p devices processes a batch as m micro-batches. Each device must wait for the first
micro-batch to reach it and, at the end, for the last backward pass to come back: Narayanan et al. 2021 ("Efficient
large-scale language model training on GPU clusters using Megatron-LM", §2.2) count this *pipeline bubble* as
t_pb = (p-1)(t_f + t_b) against the ideal time t_id = m(t_f + t_b), so

    bubble fraction  t_pb / t_id = (p - 1) / m,

and with the interleaved schedule, where every device holds v model chunks of L/(p·v) layers, (p - 1)/(v·m).

GPipe (Huang et al. 2019) runs all m forward passes, then all backward passes, and so holds the activations of m
micro-batches. 1F1B (PipeDream-Flush, Narayanan et al. 2021 §2.2.1) starts the backward passes as soon as possible
and alternates one forward with one backward: the same bubble, but device d holds at most p - d micro-batches.
Interleaved 1F1B (§2.2.2) shrinks the bubble v times at the cost of v times more point-to-point communication.

:func:`simulate_schedule` runs a schedule: every device executes its operations in the schedule's order, each as
soon as its input is ready (a forward needs the previous stage's forward, a backward the next stage's backward).
The result holds each device's timeline, so the bubble can be drawn and *measured*, and the number of micro-batch
activations each device holds at its peak.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as v

SCHEDULES = ("gpipe", "1f1b", "interleaved")
"""Schedules :func:`simulate_schedule` knows: GPipe, 1F1B (PipeDream-Flush) and Megatron's interleaved 1F1B."""


def pipeline_bubble(stages, microbatches, *, interleave=1):
    """The pipeline bubble as a fraction of the ideal compute time: (p - 1)/(v·m), Narayanan et al. 2021 §2.2.

    ``stages`` p (pipeline degree), ``microbatches`` m per batch, ``interleave`` v (model chunks per device; 1 for
    GPipe and 1F1B). The idle share of the whole step is bubble/(1 + bubble). Vectorised over all arguments.
    """
    p = v.positive("stages", stages)
    m = v.positive("microbatches", microbatches)
    chunks = v.positive("interleave", interleave)
    for name, array in (("stages", p), ("microbatches", m), ("interleave", chunks)):
        if not np.all(array == np.round(array)):
            raise ValueError(f"{name} must be whole numbers >= 1 (got {array[array != np.round(array)].ravel()[0]:g})")
    return v.scalar_or_array((p - 1.0) / (chunks * m), stages, microbatches, interleave)


def microbatches_for_bubble(stages, max_bubble, *, interleave=1) -> int:
    """The fewest micro-batches m with (p - 1)/(v·m) <= ``max_bubble`` (e.g. 0.05 for a bubble under 5%)."""
    p = v.positive_int("stages", stages)
    chunks = v.positive_int("interleave", interleave)
    target = float(v.in_range("max_bubble", max_bubble, 0.0, 1e9, low_open=True))
    m = max(1, int(np.ceil((p - 1) / (chunks * target) - 1e-12)))
    return m


@dataclass(frozen=True)
class PipelineSchedule:
    """A simulated pipeline schedule: every operation's device, kind, micro-batch, chunk, start and end time.

    ``device``, ``is_forward``, ``microbatch``, ``chunk``, ``start``, ``end`` are arrays with one entry per
    operation. ``makespan`` is the time from the first operation's start to the last one's end; ``busy`` each
    device's compute time; ``peak_activations`` the most micro-batches whose activations each device holds at
    once (a micro-batch on one of v chunks counts 1/v, as a chunk is 1/v of the device's layers).
    """

    schedule: str
    stages: int
    microbatches: int
    interleave: int
    device: np.ndarray
    is_forward: np.ndarray
    microbatch: np.ndarray
    chunk: np.ndarray
    start: np.ndarray
    end: np.ndarray
    makespan: float
    busy: np.ndarray
    peak_activations: np.ndarray

    @property
    def idle(self) -> np.ndarray:
        """Each device's idle time within the makespan."""
        return self.makespan - self.busy

    @property
    def bubble_fraction(self) -> float:
        """Measured idle time over compute time, averaged over devices: Narayanan's t_pb/t_id."""
        return float(self.idle.sum() / self.busy.sum())

    @property
    def idle_share(self) -> float:
        """Measured share of the device-time spent idle (bubble/(1 + bubble))."""
        return float(self.idle.sum() / (self.makespan * self.stages))


def _stage_times(name: str, value, stages: int) -> np.ndarray:
    times = v.positive(name, value)
    if times.ndim == 0:
        return np.full(stages, float(times))
    if times.shape != (stages,):
        raise ValueError(f"{name} must be one number or one per stage ({stages} values), got shape {times.shape}")
    return times


def _orders(schedule: str, p: int, m: int, chunks: int, legacy: bool = False) -> list[list[tuple[bool, int, int]]]:
    """Each device's operations in execution order, as (is_forward, microbatch, chunk)."""
    orders = []
    for d in range(p):
        if schedule == "gpipe":
            ops = [(True, i, 0) for i in range(m)] + [(False, i, 0) for i in range(m)]
        elif schedule == "1f1b":
            warmup = min(p - d - 1, m)
            ops = [(True, i, 0) for i in range(warmup)]
            for i in range(m - warmup):
                ops += [(True, warmup + i, 0), (False, i, 0)]
            ops += [(False, i, 0) for i in range(m - warmup, m)]
        else:
            # Megatron-LM's interleaved order: micro-batches advance in groups of p through the chunks; the k-th
            # forward is chunk (k // p) % v of micro-batch (k // (p·v))·p + k % p; backwards run the chunks in reverse.
            total = m * chunks

            def forward(k):
                return True, (k // (p * chunks)) * p + k % p, (k // p) % chunks

            def backward(k):
                return False, (k // (p * chunks)) * p + k % p, chunks - 1 - (k // p) % chunks

            # Warm-up forwards of device d: 2(p-d-1) + (v-1)p (Megatron-LM's core schedules since November 2024:
            # every rank, also when m = p). Before, m = p made every rank run all its forwards first (``legacy``).
            warmup = total if legacy and m == p else min((p - d - 1) * 2 + (chunks - 1) * p, total)
            ops = [forward(k) for k in range(warmup)]
            for k in range(total - warmup):
                ops += [forward(warmup + k), backward(k)]
            ops += [backward(k) for k in range(total - warmup, total)]
        orders.append(ops)
    return orders


def simulate_schedule(schedule: str, stages, microbatches, *, interleave=1, forward_time=1.0, backward_time=2.0,
                      p2p_time=0.0, legacy_interleaved_warmup: bool = False) -> PipelineSchedule:
    """Simulate one training step of a pipeline schedule and return every device's timeline.

    ``schedule`` is "gpipe", "1f1b" or "interleaved" (Megatron-LM's interleaved 1F1B, which needs ``interleave``
    v >= 2 and ``microbatches`` a multiple of ``stages``). ``forward_time`` and ``backward_time`` are the time one
    micro-batch spends in a device's stage (one number, or one per stage to model unbalanced stages; a chunk takes
    1/v of it); ``p2p_time`` is the time to send activations or gradients between neighbouring stages.

    With equal stage times and no p2p time, the measured ``bubble_fraction`` equals :func:`pipeline_bubble`.

    The interleaved order follows Megatron-LM's ``forward_backward_pipelining_with_interleaving`` as of its November
    2024 change (``megatron/core/pipeline_parallel/schedules.py``): device d runs 2(p-d-1) + (v-1)·p warm-up
    forwards, and all of them only when that covers every chunk. ``legacy_interleaved_warmup=True`` gives the
    earlier rule, under which m = p made every device run all its forwards first (so later devices peaked at all
    v·m chunks' activations).
    """
    v.one_of("schedule", schedule, SCHEDULES)
    p = v.positive_int("stages", stages)
    m = v.positive_int("microbatches", microbatches)
    chunks = v.positive_int("interleave", interleave)
    if schedule == "interleaved":
        if chunks < 2:
            raise ValueError("the interleaved schedule needs interleave >= 2 model chunks per device; with "
                             "interleave=1 use '1f1b'")
        if p < 2:
            raise ValueError("the interleaved schedule needs stages >= 2")
        if m % p:
            nearest = " or ".join(str(x) for x in sorted({(m // p) * p, (m // p + 1) * p} - {0}))
            raise ValueError(f"the interleaved schedule needs microbatches to be a multiple of stages = {p} "
                             f"(got {m}; try {nearest})")
    elif chunks != 1:
        raise ValueError(f"interleave = {chunks} needs schedule='interleaved'; '{schedule}' uses interleave=1")
    t_forward = _stage_times("forward_time", forward_time, p) / chunks
    t_backward = _stage_times("backward_time", backward_time, p) / chunks
    t_p2p = float(v.positive("p2p_time", p2p_time, allow_zero=True))

    if not isinstance(legacy_interleaved_warmup, bool):
        raise TypeError(f"legacy_interleaved_warmup must be True or False, not {legacy_interleaved_warmup!r}")
    orders = _orders(schedule, p, m, chunks, legacy_interleaved_warmup)
    n_virtual = p * chunks
    # finish time of the forward / backward of each (micro-batch, virtual stage); virtual stage = chunk·p + device
    forward_done = np.full((m, n_virtual), np.nan)
    backward_done = np.full((m, n_virtual), np.nan)
    next_op = [0] * p
    device_free = np.zeros(p)
    records = []
    remaining = sum(len(order) for order in orders)
    while remaining:
        progressed = False
        for d in range(p):
            while next_op[d] < len(orders[d]):
                is_forward, mb, chunk = orders[d][next_op[d]]
                stage = chunk * p + d
                if is_forward:
                    ready = 0.0 if stage == 0 else forward_done[mb, stage - 1]
                    if stage > 0 and not np.isnan(ready):
                        ready += t_p2p
                else:
                    if stage == n_virtual - 1:
                        ready = forward_done[mb, stage]
                    else:
                        ready = backward_done[mb, stage + 1]
                        if not np.isnan(ready):
                            ready += t_p2p
                if np.isnan(ready):
                    break  # input not computed yet: try another device
                start = max(device_free[d], ready)
                end = start + (t_forward[d] if is_forward else t_backward[d])
                (forward_done if is_forward else backward_done)[mb, stage] = end
                device_free[d] = end
                records.append((d, is_forward, mb, chunk, start, end))
                next_op[d] += 1
                remaining -= 1
                progressed = True
        if not progressed:  # pragma: no cover - the orders above never deadlock
            raise RuntimeError("pipeline schedule deadlocked")

    table = np.array(records, dtype=[("device", int), ("is_forward", bool), ("microbatch", int), ("chunk", int),
                                     ("start", float), ("end", float)])
    makespan = float(table["end"].max() - table["start"].min())
    busy = np.bincount(table["device"], weights=table["end"] - table["start"], minlength=p)
    peak = np.zeros(p)
    for d in range(p):
        ops = table[table["device"] == d]
        ops = ops[np.argsort(ops["start"], kind="stable")]
        held = np.cumsum(np.where(ops["is_forward"], 1.0, -1.0)) / chunks
        peak[d] = held.max()
    return PipelineSchedule(schedule, p, m, chunks, table["device"], table["is_forward"], table["microbatch"],
                            table["chunk"], table["start"], table["end"], makespan, busy, peak)
