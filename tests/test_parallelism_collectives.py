"""Tests of scalingedu.parallelism.collectives: bytes sent and alpha-beta time of the ring collectives.

Sources: NVIDIA/nccl-tests doc/PERFORMANCE.md — an all-reduce of S bytes over n ranks moves S·2(n-1)/n per rank
(so bus bandwidth = algorithm bandwidth · 2(n-1)/n); reduce-scatter, all-gather and all-to-all move S·(n-1)/n.
jax-ml/scaling-book sharding.md: an all-reduce is a reduce-scatter followed by an all-gather. Patarasuk & Yuan 2009
for the ring algorithm (2(n-1) steps for the all-reduce). Tolerances are float round-off (rel 1e-12).
"""
import numpy as np
import pytest

from scalingedu.parallelism import COLLECTIVES, collective_bytes, collective_steps, collective_time


def test_agreed_names():
    assert COLLECTIVES == ("all_reduce", "all_gather", "reduce_scatter", "all_to_all")


@pytest.mark.parametrize("n", [2, 3, 8, 64, 1024])
def test_nccl_tests_bus_bandwidth_factors(n):
    """nccl-tests PERFORMANCE.md: busbw/algbw is 2(n-1)/n for all-reduce and (n-1)/n for the other three."""
    message = 3.0e9
    assert collective_bytes("all_reduce", message, n) / message == pytest.approx(2 * (n - 1) / n, rel=1e-12)
    for kind in ("all_gather", "reduce_scatter", "all_to_all"):
        assert collective_bytes(kind, message, n) / message == pytest.approx((n - 1) / n, rel=1e-12)


def test_all_reduce_is_reduce_scatter_plus_all_gather():
    """scaling-book sharding.md: AllReduce = ReduceScatter + AllGather, in bytes and (with latency) in time."""
    n, message = np.array([2, 4, 16]), np.array([1e6, 5e8, 7e9])
    assert np.allclose(collective_bytes("all_reduce", message, n),
                       collective_bytes("reduce_scatter", message, n) + collective_bytes("all_gather", message, n),
                       rtol=1e-12)
    kwargs = dict(bandwidth_bytes_per_second=5e10, latency_seconds=3e-6)
    assert np.allclose(collective_time("all_reduce", message, n, **kwargs),
                       collective_time("reduce_scatter", message, n, **kwargs)
                       + collective_time("all_gather", message, n, **kwargs), rtol=1e-12)


def test_one_participant_sends_nothing_and_large_rings_approach_twice_the_message():
    for kind in COLLECTIVES:
        assert collective_bytes(kind, 1e9, 1) == 0.0
        assert collective_time(kind, 1e9, 1, bandwidth_bytes_per_second=1e9, latency_seconds=1e-3) == 0.0
    assert collective_bytes("all_reduce", 1e9, 10**6) == pytest.approx(2e9, rel=1e-5)


def test_alpha_beta_time():
    """t = steps·alpha + bytes/beta, steps = 2(n-1) for the ring all-reduce and n-1 otherwise."""
    n, message, bandwidth, latency = 8, 2e9, 1e11, 5e-6
    expected = 2 * 7 * latency + 2 * 7 / 8 * message / bandwidth
    assert collective_time("all_reduce", message, n, bandwidth_bytes_per_second=bandwidth,
                           latency_seconds=latency) == pytest.approx(expected, rel=1e-12)
    assert collective_steps("all_gather", n) == 7
    assert collective_time("all_to_all", message, n, bandwidth_bytes_per_second=bandwidth) == pytest.approx(
        7 / 8 * message / bandwidth, rel=1e-12)


def test_vectorised_and_scalars_stay_scalars():
    assert isinstance(collective_bytes("all_gather", 1e6, 4), float)
    out = collective_time("all_reduce", np.array([1e6, 1e9]), 4, bandwidth_bytes_per_second=np.array([1e9, 1e10]))
    assert isinstance(out, np.ndarray) and out.shape == (2,)
    assert np.all(np.diff(collective_bytes("all_reduce", 1e9, np.arange(1, 9))) > 0)


@pytest.mark.parametrize("call, words", [
    (lambda: collective_bytes("broadcast", 1e6, 4), ["kind", "all_reduce", "all_to_all"]),
    (lambda: collective_bytes("all_reduce", -1.0, 4), ["message_bytes", ">= 0"]),
    (lambda: collective_bytes("all_reduce", 1e6, 0), ["participants", "0"]),
    (lambda: collective_bytes("all_reduce", 1e6, 2.5), ["participants", "whole", "2.5"]),
    (lambda: collective_time("all_reduce", 1e6, 4, bandwidth_bytes_per_second=0),
     ["bandwidth_bytes_per_second", "> 0"]),
    (lambda: collective_time("all_reduce", 1e6, 4, bandwidth_bytes_per_second=1e9, latency_seconds=-1),
     ["latency_seconds", ">= 0"]),
])
def test_bad_input_names_the_parameter(call, words):
    with pytest.raises(ValueError) as error:
        call()
    for word in words:
        assert word in str(error.value)
