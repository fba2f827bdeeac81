"""Collective communication: how many bytes each GPU sends, and how long a collective takes.

Distributed training moves tensors between GPUs with a handful of *collectives*. With ``n`` participants that each
hold a buffer of ``M`` bytes, the bandwidth-optimal (ring) algorithms send, per participant:

- **all-reduce** (every GPU ends with the sum of all buffers): ``2(n-1)/n · M``. A ring all-reduce is a
  reduce-scatter followed by an all-gather, each of ``n-1`` steps moving one ``M/n`` chunk.
- **reduce-scatter** (every GPU ends with the sum of one ``1/n`` shard): ``(n-1)/n · M``.
- **all-gather** (every GPU ends with the concatenation of all shards; ``M`` is the gathered size): ``(n-1)/n · M``.
- **all-to-all** (every GPU sends a different ``1/n`` of its buffer to each other GPU): ``(n-1)/n · M``.

These counts follow Patarasuk & Yuan 2009 ("Bandwidth optimal all-reduce algorithms for clusters of workstations")
and Thakur, Rabenseifner & Gropp 2005 ("Optimization of collective communication operations in MPICH"); the
all-reduce volume ``2(n-1)/n · M`` is the one NCCL reports as "bus bandwidth".

:func:`collective_time` uses the alpha-beta model: ``steps · latency + bytes / bandwidth``, with ``2(n-1)`` steps
for the ring all-reduce and ``n-1`` for the others.
"""
from __future__ import annotations

import numpy as np

from .. import _validate as v

COLLECTIVES = ("all_reduce", "all_gather", "reduce_scatter", "all_to_all")
"""The collectives modelled here (the names used by every function of :mod:`scalingedu.parallelism`)."""

_VOLUME_FACTOR = {"all_reduce": 2.0, "all_gather": 1.0, "reduce_scatter": 1.0, "all_to_all": 1.0}
"""Multiples of (n-1)/n · M sent per participant (ring all-reduce = reduce-scatter + all-gather)."""

_STEP_FACTOR = {"all_reduce": 2, "all_gather": 1, "reduce_scatter": 1, "all_to_all": 1}
"""Multiples of (n-1) sequential messages, each paying the latency once."""


def _check_kind(kind) -> str:
    return v.one_of("kind", kind, COLLECTIVES)


def _check_participants(participants) -> np.ndarray:
    array = v.positive("participants", participants)
    if not np.all(array == np.round(array)):
        bad = array[array != np.round(array)].ravel()[0]
        raise ValueError(f"participants must be whole numbers >= 1 (got {bad:g})")
    if not np.all(array >= 1):
        bad = array[array < 1].ravel()[0]
        raise ValueError(f"participants must be whole numbers >= 1 (got {bad:g})")
    return array


def collective_bytes(kind: str, message_bytes, participants):
    """Bytes each participant sends over the network for one collective (ring / bandwidth-optimal algorithm).

    ``message_bytes`` is the full buffer each participant holds (for all-gather: the gathered buffer; for
    all-to-all: the bytes a participant holds before the exchange). ``participants`` is the group size ``n``; one
    participant sends nothing. Vectorised: arrays broadcast against each other.
    """
    kind = _check_kind(kind)
    message = v.positive("message_bytes", message_bytes, allow_zero=True)
    n = _check_participants(participants)
    sent = _VOLUME_FACTOR[kind] * (n - 1.0) / n * message
    return v.scalar_or_array(sent, message_bytes, participants)


def collective_steps(kind: str, participants):
    """Number of sequential messages of the ring algorithm: ``2(n-1)`` for all-reduce, ``n-1`` otherwise."""
    kind = _check_kind(kind)
    n = _check_participants(participants)
    return v.scalar_or_array(_STEP_FACTOR[kind] * (n - 1.0), participants)


def collective_time(kind: str, message_bytes, participants, *, bandwidth_bytes_per_second,
                    latency_seconds=0.0):
    """Seconds one collective takes in the alpha-beta model: ``steps · latency + collective_bytes / bandwidth``.

    ``bandwidth_bytes_per_second`` is each participant's send bandwidth (e.g. NVLink or InfiniBand per GPU);
    ``latency_seconds`` the fixed cost of one message. Vectorised over all numeric arguments.
    """
    kind = _check_kind(kind)
    sent = np.asarray(collective_bytes(kind, message_bytes, participants), dtype=float)
    steps = np.asarray(collective_steps(kind, participants), dtype=float)
    bandwidth = v.positive("bandwidth_bytes_per_second", bandwidth_bytes_per_second)
    latency = v.positive("latency_seconds", latency_seconds, allow_zero=True)
    seconds = steps * latency + sent / bandwidth
    return v.scalar_or_array(seconds, message_bytes, participants, bandwidth_bytes_per_second, latency_seconds)
