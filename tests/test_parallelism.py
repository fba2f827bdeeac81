"""Tests of scalingedu.parallelism: ZeRO memory, activation memory, pipeline bubble and simulator, layouts,
communication, step time, the training-time estimate and the real 2-process data-parallel run.

Sources (each test names its own): Rajbhandari et al. 2020 (ZeRO, arXiv:1910.02054) Figure 1 and §7; Korthikanti
et al. 2022 (arXiv:2205.05198) Table 2, Eq. 5; Narayanan et al. 2021 (arXiv:2104.04473) §2.2 and §5.1; Shoeybi et
al. 2019 (Megatron-LM) Fig. 4. Published figures are read from scalingedu.data, not typed here.
"""
import dataclasses

import numpy as np
import pytest

from scalingedu.data import NARAYANAN_GPT3_TRAINING_TIME, ZERO_COMMUNICATION_VOLUME, ZERO_FIGURE1_EXAMPLE
from scalingedu.parallelism import (
    LLAMA3_405B,
    PLANNER_MODELS,
    ParallelLayout,
    activation_memory,
    activations_in_flight,
    check_layout,
    collective_bytes,
    data_parallel_bytes,
    layout_memory,
    microbatches_for_bubble,
    pipeline_bubble,
    simulate_schedule,
    step_communication,
    step_time,
    training_days,
    zero_memory,
)
from scalingedu.parallelism.cpu_data_parallel import make_problem, ring_all_reduce, run_data_parallel
from scalingedu.transformer import PRESETS, count_params

# --- ZeRO -----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stage", [0, 1, 2, 3])
def test_zero_figure_1_per_device_memory(stage):
    """ZeRO Figure 1: 7.5B params, N_d = 64, K = 12 -> 120, 31.4, 16.6, 1.9 GB. The figure rounds to 3 significant
    figures (1.875 prints as 1.9), so the tolerance is half a unit of the last printed digit. The paper's GB are
    decimal (16 bytes × 7.5e9 = 120e9 bytes is its "120GB"), so our bytes are converted to its unit, 1e9, not to
    the course's GiB."""
    example = ZERO_FIGURE1_EXAMPLE
    printed = example["per_gpu_gb"][stage]
    memory = zero_memory(example["params"], example["n_gpus"], stage,
                         optimizer_bytes_per_param=example["optimizer_bytes_per_param"])
    assert memory.total / 1e9 == pytest.approx(printed, abs=0.05)
    assert memory.total == pytest.approx(memory.params + memory.grads + memory.optimizer, rel=1e-15)


def test_zero_stages_shard_the_right_states():
    """§3.1 formulas: stage 1 divides K·Ψ by N_d, stage 2 also the gradients, stage 3 also the weights."""
    psi, n = 1e9, 8
    base, s1, s2, s3 = (zero_memory(psi, n, s) for s in range(4))
    assert (base.params, base.grads, base.optimizer) == (2 * psi, 2 * psi, 12 * psi)
    assert s1.optimizer == pytest.approx(12 * psi / n) and s1.grads == 2 * psi
    assert s2.grads == pytest.approx(2 * psi / n) and s2.params == 2 * psi
    assert s3.total == pytest.approx(16 * psi / n)


def test_zero_combines_with_tensor_and_pipeline_degrees():
    """A 3D layout of 64 GPUs as tp=4, pp=2: each GPU holds Ψ/8 parameters, sharded over dp = 8."""
    three_d = zero_memory(8e9, 64, 3, tp=4, pp=2)
    assert three_d.total == pytest.approx(16 * 8e9 / 8 / 8)
    with pytest.raises(ValueError, match="does not divide n_gpus = 60"):
        zero_memory(8e9, 60, 1, tp=8, pp=1)


@pytest.mark.parametrize("bad, match", [(dict(stage=4), "stage must be one of 0"),
                                        (dict(stage="3"), "stage must be one of 0"),
                                        (dict(params=-1.0), "params must be > 0"),
                                        (dict(n_gpus=0), "n_gpus must be >= 1")])
def test_zero_rejects_bad_input(bad, match):
    args = dict(params=1e9, n_gpus=8, stage=1) | bad
    with pytest.raises(ValueError, match=match):
        zero_memory(**args)


# --- activation memory ----------------------------------------------------------------------------------------------

S, B, H, A = 2048, 4, 12288, 96   # GPT-3 175B shape, a 4-sequence micro-batch


@pytest.mark.parametrize("t", [1, 2, 8])
def test_korthikanti_table_2(t):
    """Korthikanti et al. 2022 Table 2 (bytes per layer, 16-bit activations); equality to float round-off."""
    sbh, scores = S * B * H, 5 * A * S / H
    table = {
        (False, "none"): sbh * (10 + 24 / t + scores / t),
        (True, "none"): sbh / t * (34 + scores),
        (False, "selective"): sbh * (10 + 24 / t),
        (True, "selective"): 34 * sbh / t,
        (False, "full"): 2 * sbh,
    }
    for (sp, recompute), expected in table.items():
        got = activation_memory(S, B, H, A, tp=t, sequence_parallel=sp, recompute=recompute)
        assert got == pytest.approx(expected, rel=1e-12), (sp, recompute)


def test_korthikanti_eq_1_breakdown_without_parallelism():
    """Eq. 1: attention 11sbh + 5as²b, MLP 19sbh, two LayerNorms 4sbh: sum = sbh(34 + 5as/h)."""
    expected = 11 * S * B * H + 5 * A * S * S * B + 19 * S * B * H + 4 * S * B * H
    assert activation_memory(S, B, H, A) == pytest.approx(expected, rel=1e-12)


def test_activation_memory_rejects_tp_not_dividing_heads():
    with pytest.raises(ValueError, match="tp = 5 does not divide heads = 96"):
        activation_memory(S, B, H, A, tp=5)
    with pytest.raises(ValueError, match="recompute"):
        activation_memory(S, B, H, A, recompute="some")


# --- pipeline -------------------------------------------------------------------------------------------------------

def test_bubble_formula():
    """Narayanan et al. 2021 §2.2: t_pb/t_id = (p-1)/m, interleaved (p-1)/(v·m)."""
    assert pipeline_bubble(8, 32) == pytest.approx(7 / 32)
    assert pipeline_bubble(8, 32, interleave=4) == pytest.approx(7 / 128)
    assert np.allclose(pipeline_bubble(np.array([2, 4]), 8), [1 / 8, 3 / 8])
    assert microbatches_for_bubble(8, 0.05) == 140 and pipeline_bubble(8, 140) <= 0.05 < pipeline_bubble(8, 139)


@pytest.mark.parametrize("schedule, interleave", [("gpipe", 1), ("1f1b", 1), ("interleaved", 2), ("interleaved", 3)])
@pytest.mark.parametrize("p, m", [(2, 4), (4, 8), (4, 12), (8, 16)])
def test_simulated_idle_fraction_equals_the_formula(schedule, interleave, p, m):
    """Equal stage times, no p2p time: the simulator's measured idle/compute ratio is (p-1)/(v·m) (round-off)."""
    run = simulate_schedule(schedule, p, m, interleave=interleave, forward_time=1.0, backward_time=2.0)
    assert run.bubble_fraction == pytest.approx(pipeline_bubble(p, m, interleave=interleave), rel=1e-12)
    assert run.idle_share == pytest.approx(run.bubble_fraction / (1 + run.bubble_fraction), rel=1e-12)
    assert run.makespan == pytest.approx(3.0 * m + 3.0 * (p - 1) / interleave, rel=1e-12)


def test_simulated_timelines_respect_dependencies_and_never_overlap():
    run = simulate_schedule("interleaved", 4, 8, interleave=2, forward_time=[1.0, 1.5, 1.0, 0.5], p2p_time=0.1)
    for d in range(4):
        mine = np.argsort(run.start[run.device == d])
        starts, ends = run.start[run.device == d][mine], run.end[run.device == d][mine]
        assert np.all(starts[1:] >= ends[:-1] - 1e-12)
    assert len(run.start) == 2 * 4 * 8 * 2
    # unbalanced stages make the bubble larger than the formula
    assert run.bubble_fraction > pipeline_bubble(4, 8, interleave=2)


def test_activations_each_schedule_holds():
    """GPipe holds m micro-batches, 1F1B p - d on device d (Narayanan §2.2.1); interleaving multiplies the first
    stage's p by (1 + (p-1)/(p·v)) (Korthikanti et al. 2022, after Eq. 5)."""
    p, m = 4, 8
    assert np.all(simulate_schedule("gpipe", p, m).peak_activations == m)
    assert list(simulate_schedule("1f1b", p, m).peak_activations) == [4, 3, 2, 1]
    for chunks in (2, 4):
        run = simulate_schedule("interleaved", p, m, interleave=chunks)
        assert run.peak_activations[0] == pytest.approx(activations_in_flight(p, m, chunks), rel=1e-12)
        assert run.peak_activations[0] == pytest.approx(p * (1 + (p - 1) / (p * chunks)), rel=1e-12)


def test_bad_schedules_say_what_fits():
    with pytest.raises(ValueError, match="multiple of stages = 4 .*try 8 or 12"):
        simulate_schedule("interleaved", 4, 10, interleave=2)
    with pytest.raises(ValueError, match=r"multiple of stages = 8 \(got 3; try 8\)"):   # not "try 8 or 8"
        simulate_schedule("interleaved", 8, 3, interleave=2)
    with pytest.raises(ValueError, match="schedule"):
        simulate_schedule("zigzag", 4, 8)
    with pytest.raises(ValueError, match="interleave"):
        simulate_schedule("1f1b", 4, 8, interleave=2)


# --- layouts, communication and time --------------------------------------------------------------------------------

def test_impossible_layouts_say_what_would_fit():
    gpt3 = PRESETS["GPT-3 175B"]
    with pytest.raises(ValueError, match="tp = 7 does not divide the 96 attention heads: tp could be 1, 2, 3, 4, 6"):
        check_layout(gpt3, ParallelLayout(n_gpus=7, tp=7))
    with pytest.raises(ValueError, match="pp = 5 does not divide the 96 layers"):
        check_layout(gpt3, ParallelLayout(n_gpus=40, tp=8, pp=5))
    with pytest.raises(ValueError, match="does not divide n_gpus = 100: use 96 or 128"):
        check_layout(gpt3, ParallelLayout(n_gpus=100, tp=8, pp=4))
    check_layout(LLAMA3_405B, ParallelLayout(n_gpus=16, tp=16))     # 16 > 8 key/value heads: replicated, as Megatron
    grouped = dataclasses.replace(LLAMA3_405B, n_heads=96, n_kv_heads=8, d_head=LLAMA3_405B.d_model // 96)
    with pytest.raises(ValueError, match="tp = 12 neither divides the 8 key/value heads nor is a multiple"):
        check_layout(grouped, ParallelLayout(n_gpus=12, tp=12))
    with pytest.raises(ValueError, match="stage"):
        check_layout(gpt3, ParallelLayout(n_gpus=8, zero_stage=5))


def test_layout_memory_adds_states_and_first_stage_activations():
    gpt3 = PRESETS["GPT-3 175B"]
    layout = ParallelLayout(n_gpus=512, tp=8, pp=8, zero_stage=1, microbatches=16, sequence_parallel=True,
                            recompute="selective")
    memory = layout_memory(gpt3, layout, 80 * 2**30)     # an 80 GiB GPU
    states = zero_memory(count_params(gpt3).total, 512, 1, tp=8, pp=8)
    per_layer = activation_memory(2048, 1, 12288, 96, tp=8, sequence_parallel=True, recompute="selective")
    assert memory.activations == pytest.approx(per_layer * 96 / 8 * 8, rel=1e-12)   # 12 layers × p = 8 in flight
    assert memory.total == pytest.approx(states.total + memory.activations, rel=1e-12)
    assert memory.fits
    # Korthikanti Eq. 5: total on the first stage = (sbhL/t)(34 + 5as/h) with TP+SP, 1F1B and m >= p
    eq5 = 2048 * 12288 * 96 / 8 * (34 + 5 * 96 * 2048 / 12288)
    no_recompute = layout_memory(gpt3, ParallelLayout(n_gpus=512, tp=8, pp=8, microbatches=16,
                                                      sequence_parallel=True), 80 * 2**30)
    assert no_recompute.activations == pytest.approx(eq5, rel=1e-12)


def test_zero_communication_volume_per_step():
    """ZeRO §7: DP and ZeRO-1/2 move 2Ψ elements per GPU per step, ZeRO-3 3Ψ (1.5×), for large N_d."""
    psi, n = 1e9, 1024
    for stage in range(4):
        elements = data_parallel_bytes(psi, n, stage) / 2   # 16-bit elements
        assert elements / psi == pytest.approx(ZERO_COMMUNICATION_VOLUME[stage], rel=2e-3)   # (n-1)/n = 0.999


def test_tensor_parallel_sends_four_all_reduces_per_layer():
    """Megatron-LM Fig. 4: 4 all-reduces of the b·s·h activations per layer and micro-batch."""
    gpt3 = PRESETS["GPT-3 175B"]
    layout = ParallelLayout(n_gpus=64, tp=8, pp=8, microbatches=4)
    comm = step_communication(gpt3, layout, nvlink_bytes_per_second=1e11, network_bytes_per_second=1e10)
    one = collective_bytes("all_reduce", 2 * 2048 * 12288, 8)
    assert comm.tensor_parallel_bytes == pytest.approx(4 * (96 / 8) * 4 * one, rel=1e-12)
    assert comm.pipeline_bytes == pytest.approx(2 * 2 * 2048 * 12288 * 4, rel=1e-12)


def test_narayanan_gpt3_training_time():
    """Narayanan et al. 2021 §5.1: 8TP/(nX) for GPT-3 (175B, 300B tokens) on 1024 A100s at 140 TFLOP/s is 'about
    34 days'; tolerance 0.5 day (the paper rounds to whole days)."""
    example = NARAYANAN_GPT3_TRAINING_TIME
    days = training_days(example["params"], example["tokens"], example["n_gpus"],
                         example["flops_per_gpu_per_second"])
    assert days == pytest.approx(example["days"], abs=0.5)
    assert training_days(175e9, 300e9, 1024, 140e12, recompute=False) == pytest.approx(days * 6 / 8)


def test_step_time_parts_and_mfu():
    gpt3 = PRESETS["GPT-3 175B"]
    layout = ParallelLayout(n_gpus=1024, tp=8, pp=8, zero_stage=1, microbatches=32, recompute="full")
    result = step_time(gpt3, layout, accelerator="A100", efficiency=0.7)
    assert result.total == pytest.approx(result.compute + result.tensor_parallel + result.pipeline_p2p
                                         + result.bubble + result.data_parallel_exposed)
    assert result.bubble == pytest.approx((result.compute + result.tensor_parallel + result.pipeline_p2p) * 7 / 32)
    # MFU can never beat efficiency × (model FLOPs / executed FLOPs): recompute executes 4/3 of the model FLOPs
    assert 0 < result.mfu < 0.7 * 3 / 4
    assert result.tokens_per_step == 16 * 32 * 2048
    # more micro-batches: smaller bubble, higher MFU
    assert step_time(gpt3, ParallelLayout(n_gpus=1024, tp=8, pp=8, zero_stage=1, microbatches=64,
                                          recompute="full"), accelerator="A100").mfu > result.mfu
    with pytest.raises(ValueError, match="accelerator"):
        step_time(gpt3, layout, accelerator="TPU v4")


def test_planner_models_span_gpt3_to_llama3_405b():
    """Llama 3 405B from its published shape (Llama 3 paper Table 3) counts about 405B parameters (within 0.5%)."""
    assert count_params(LLAMA3_405B).total == pytest.approx(405e9, rel=5e-3)
    assert "GPT-3 175B" in PLANNER_MODELS and "Llama 3 405B" in PLANNER_MODELS


# --- the real data-parallel run -------------------------------------------------------------------------------------

def test_ring_all_reduce_in_one_process_by_threads():
    """The ring sums every worker's buffer and each worker sends 2(n-1)/n of it (the collective_bytes figure)."""
    import multiprocessing as mp
    import threading
    world, size = 4, 1000
    rng = np.random.default_rng(1)
    buffers = [rng.normal(size=size) for _ in range(world)]
    expected = np.sum(buffers, axis=0)
    links = [mp.Pipe(duplex=False) for _ in range(world)]
    sent = [0] * world

    def run(r):
        sent[r] = ring_all_reduce(buffers[r], r, world, links[r][1], links[(r - 1) % world][0])

    threads = [threading.Thread(target=run, args=(r,)) for r in range(world)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for buffer in buffers:
        assert np.allclose(buffer, expected, rtol=1e-12, atol=1e-12)
    assert sent[0] == collective_bytes("all_reduce", size * 8, world)


def test_two_processes_match_single_process_training():
    """2 worker processes with a ring all-reduce follow the single-process trajectory to round-off (1e-12)."""
    run = run_data_parallel(world=2, steps=30, start_method="fork")
    assert run.max_param_difference < 1e-12
    assert np.allclose(run.losses_workers.mean(axis=0), run.losses_single, rtol=1e-12)
    assert run.losses_single[-1] < 0.7 * run.losses_single[0]    # it actually trains
    assert run.bytes_sent_per_step == collective_bytes("all_reduce", run.gradient_bytes, 2)
    assert 0 < run.comm_fraction < 1
    _, _, params = make_problem()
    assert run.gradient_bytes == 8 * sum(p.size for p in params.values())


# --- lesson 06's views: a layout's memory and step time, pipeline timelines -----------------------

def test_planner_view_is_the_library_for_every_stage():
    from scalingedu.data import ACCELERATORS
    from scalingedu.parallelism import planner_model, planner_view

    view = planner_view("GPT-3 175B", "A100", 16, 8, 8, 1, 32, "selective", True)
    shape = planner_model("GPT-3 175B")
    for stage in range(4):
        layout = ParallelLayout(n_gpus=1024, tp=8, pp=8, zero_stage=stage, microbatches=32,
                                recompute="selective", sequence_parallel=True)
        capacity = ACCELERATORS["A100"].memory_bytes
        assert view.memory_by_stage[stage] == layout_memory(shape, layout, capacity)
    expected = step_time(shape, view.layout, accelerator="A100")
    assert view.time.total == pytest.approx(expected.total)
    assert view.time.mfu == pytest.approx(expected.mfu)
    totals = [m.total for m in view.memory_by_stage]
    assert totals == sorted(totals, reverse=True)    # every ZeRO stage saves memory


def test_planner_finds_the_smallest_stage_that_fits():
    from scalingedu.parallelism import planner_view

    # Llama 3 70B on 32 H100s, tp=8, pp=1, dp=4: plain DP needs 16 bytes × 70.6B / 8 = 141e9 bytes = 131 GiB of
    # states per GPU, over the H100's 80 GiB; ZeRO-1 keeps 4 + 12/4 = 7 bytes per parameter, 61.8e9 bytes = 57.5 GiB
    # of states, which leaves room for the activations
    view = planner_view("Llama 3 70B", "H100", 4, 8, 1, 0, 1, "full", True)
    assert view.smallest_fitting_stage == 1
    assert not view.memory_by_stage[0].fits
    stage = view.smallest_fitting_stage
    assert stage is not None and view.memory_by_stage[stage].fits
    assert all(not view.memory_by_stage[s].fits for s in range(stage))
    with pytest.raises(ValueError, match="accelerator must be one of .* \\(got 'B300'\\)"):
        planner_view("Llama 3 70B", "B300", 4, 8, 1, 0, 1)


def test_planner_view_interleaves_and_sizes_micro_batches_as_the_layout_does():
    from scalingedu.parallelism import LLAMA3_405B, planner_view

    # the lesson's Llama 3 405B layout: pp = 14 with 3 chunks per device and 14 micro-batches per replica
    view = planner_view("Llama 3 405B", "H100", 128, 8, 14, 1, 14, "full", True, interleave=3)
    layout = ParallelLayout(n_gpus=8 * 14 * 128, tp=8, pp=14, interleave=3, zero_stage=1, microbatches=14,
                            recompute="full", sequence_parallel=True)
    expected = step_time(LLAMA3_405B, layout, accelerator="H100")
    assert view.layout == layout and view.time.total == pytest.approx(expected.total)
    assert view.time.bubble / view.time.total == pytest.approx(expected.bubble / expected.total)
    plain = planner_view("Llama 3 405B", "H100", 128, 8, 14, 1, 14, "full", True)
    assert plain.time.bubble > 2.5 * view.time.bubble                # v = 3 divides the bubble by 3
    two = planner_view("GPT-3 175B", "A100", 16, 8, 8, 1, 32, "selective", True, microbatch_size=2)
    one = planner_view("GPT-3 175B", "A100", 16, 8, 8, 1, 32, "selective", True)
    assert two.time.tokens_per_step == 2 * one.time.tokens_per_step
    assert two.memory.activations == pytest.approx(2 * one.memory.activations)
    with pytest.raises(ValueError, match="interleave = 3 needs pp >= 2 and microbatches a multiple of pp = 14"):
        planner_view("Llama 3 405B", "H100", 128, 8, 14, 1, 32, "full", True, interleave=3)
    with pytest.raises(ValueError, match="pp × interleave = 32 does not divide the 126 layers"):
        planner_view("Llama 3 405B", "H100", 128, 8, 8, 1, 32, "full", True, interleave=4)


def test_timeline_view_measures_the_formula():
    from scalingedu.parallelism import timeline_view

    view = timeline_view(4, 8, 2)
    for run in view.runs:
        expected = pipeline_bubble(4, 8, interleave=run.interleave)
        assert run.bubble_fraction == pytest.approx(expected, rel=1e-12)
    unbalanced = timeline_view(4, 8, 2, slow_stage=1.5)
    assert all(run.bubble_fraction > pipeline_bubble(4, 8, interleave=run.interleave)
               for run in unbalanced.runs)
    odd = timeline_view(4, 6, 2)
    assert odd.runs[2] is None and "multiple of stages" in odd.problem


def test_interleaved_warmup_follows_megatrons_november_2024_schedule_and_keeps_the_old_one_as_an_option():
    # megatron/core/pipeline_parallel/schedules.py (forward_backward_pipelining_with_interleaving): device d runs
    # 2(p-d-1) + (v-1)p warm-up forwards; before November 2024, m = p meant all forwards first on every device.
    p, v = 4, 2
    from scalingedu.parallelism.pipeline import _orders
    # forwards before the first backward: the warm-up, plus the steady phase's first forward (if any is left)
    for legacy, expected in ((False, [min(2 * (p - d - 1) + (v - 1) * p + 1, p * v) for d in range(p)]),
                             (True, [p * v] * p)):
        orders = _orders("interleaved", p, p, v, legacy)
        warmups = [next((i for i, op in enumerate(ops) if not op[0]), len(ops)) for ops in orders]
        assert warmups == expected
    new = simulate_schedule("interleaved", p, p, interleave=v)
    old = simulate_schedule("interleaved", p, p, interleave=v, legacy_interleaved_warmup=True)
    assert new.peak_activations[-1] < old.peak_activations[-1] == p      # later devices hold fewer micro-batches
    assert new.peak_activations[0] == old.peak_activations[0]
