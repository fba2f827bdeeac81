"""Lesson 07's static figures (scalingedu.figures.mixture_of_experts) draw the library's numbers."""
from __future__ import annotations

import numpy as np
import pytest

from scalingedu import moe
from scalingedu.data import SWITCH_ROUTING
from scalingedu.figures import mixture_of_experts as figures
from scalingedu.formatting import human
from scalingedu.plotting import description, figure_png


def _labelled_lines(ax) -> dict:
    return {line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")}


def test_parameter_shares_draws_every_parts_share_and_labels_the_small_ones():
    fig = figures.parameter_shares()
    share_ax, ratio_ax = fig.axes
    names = list(moe.PRESETS)
    bars = [patch for patch in share_ax.patches]
    assert len(bars) == len(names) * len(figures.PARTS)
    for i, name in enumerate(names):
        counts = moe.count_params(name)
        tops = [bar.get_y() + bar.get_height() for bar in bars[i * len(figures.PARTS):(i + 1) * len(figures.PARTS)]]
        expected = [100 * getattr(counts, part) / counts.total for part, _ in figures.PARTS]
        drawn = [e for e in expected if e > 0]
        np.testing.assert_allclose([t for t in tops if np.isfinite(t)], drawn, rtol=1e-9)
    assert share_ax.get_yscale() == "log" and share_ax.get_ylim()[0] == figures.SHARE_FLOOR
    texts = [t.get_text() for t in share_ax.texts]
    routers = 100 * moe.count_params("mixtral-8x7b").routers / moe.count_params("mixtral-8x7b").total
    assert f"{routers:.2g}%" in texts and "none" in texts          # a 0.002% part is labelled, an absent one named
    legend = share_ax.get_legend()
    assert legend is not None and legend.axes is share_ax             # the legend sits inside its panel
    widths = [bar.get_width() for bar in ratio_ax.patches]
    totals = [moe.count_params(n).total for n in names]
    actives = [moe.count_params(n).active for n in names]
    np.testing.assert_allclose(widths, totals + actives)
    assert figure_png(fig).startswith(b"\x89PNG")


def test_capacity_drops_are_the_routers_drops():
    fig = figures.capacity_drops(skews=(0.0, 2.0))
    lines = _labelled_lines(fig.axes[0])
    factors, dropped = lines["router skew 2"].get_data()
    logits = moe.skewed_logits(8192, 16, skew=2.0, seed=1)
    expected = [100 * moe.route(logits, top_k=2, capacity_factor=f).dropped_fraction for f in factors[[0, 10, 25]]]
    np.testing.assert_allclose(dropped[[0, 10, 25]], expected)
    low, high = SWITCH_ROUTING["capacity_factor_low"], SWITCH_ROUTING["capacity_factor_high"]
    assert f"Switch's recommended {low:g}-{high:g}" in [p.get_label() for p in fig.axes[0].patches]


def test_router_collapse_draws_the_toy_routers_history():
    fig = figures.router_collapse(alphas=(0.0, 1.0), steps=40)
    share_ax, loss_ax = fig.axes
    run = moe.train_router(alpha=0.0, experts=8, steps=40, seed=0)
    steps, share = _labelled_lines(share_ax)["alpha = 0"].get_data()
    np.testing.assert_allclose(share, 100 * run.max_share)
    np.testing.assert_allclose(_labelled_lines(loss_ax)["alpha = 0"].get_ydata(), run.balancing_loss)
    assert _labelled_lines(share_ax)["even share (1/8)"].get_ydata()[0] == pytest.approx(12.5)


def test_all_to_all_by_degree_draws_the_librarys_bytes():
    fig = figures.all_to_all_by_degree(top_ks=(2,))
    degrees, gigabytes = _labelled_lines(fig.axes[0])["top-2"].get_data()
    d_model = moe.preset("deepseek-v3").d_model
    expected = np.asarray(moe.all_to_all_bytes(4096, 2, d_model, degrees).training_bytes) / 1e9
    np.testing.assert_allclose(gigabytes, expected)
    assert gigabytes[0] == 0.0          # one GPU holds every expert: nothing to send


# --- descriptions (alt text): each figure says what it shows, with numbers computed as the figure computes them ---

def test_the_parameter_shares_description_gives_each_models_total_and_active_parameters():
    text = description(figures.parameter_shares())
    assert "%, log scale" in text and "active parameters per token" in text and "\n" not in text
    for name in moe.PRESETS:
        counts = moe.count_params(name)
        assert (f"{name} stores {human(counts.total)} and uses {human(counts.active)} per token "
                f"({counts.active / counts.total:.0%})") in text
    experts = [100 * moe.count_params(n).routed_experts / moe.count_params(n).total for n in moe.PRESETS]
    assert f"{min(experts):.1f}% to {max(experts):.1f}%" in text


def test_the_capacity_drops_description_gives_the_drops_at_factors_1_and_2():
    text = description(figures.capacity_drops(skews=(0.0, 2.0)))
    logits = moe.skewed_logits(8192, 16, skew=2.0, seed=1)
    at_two = 100 * moe.route(logits, top_k=2, capacity_factor=2.0).dropped_fraction
    assert "dropped (%)" in text and "capacity factor" in text and "1-1.25 shaded" in text
    assert f"at 2 they drop 0.0%, {at_two:.1f}%" in text


def test_the_router_collapse_description_gives_where_each_router_ends():
    text = description(figures.router_collapse(alphas=(0.0, 1.0), steps=40))
    run = moe.train_router(alpha=0.0, experts=8, steps=40, seed=0)
    assert "N·Σ f·P" in text and "12.5% dotted" in text and "after 40 steps" in text.lower()
    assert f"alpha = 0: {100 * run.max_share[-1]:.0f}% and {run.balancing_loss[-1]:.2f}" in text


def test_the_all_to_all_description_gives_the_gigabytes_at_8_and_256_gpus():
    text = description(figures.all_to_all_by_degree(top_ks=(2,)))
    d_model = moe.preset("deepseek-v3").d_model
    sent = np.asarray(moe.all_to_all_bytes(4096, 2, d_model, np.array([8, 256])).training_bytes) / 1e9
    assert "GPUs, log scale" in text and f"d_model {d_model}" in text
    assert f"top-2: {sent[0]:.2f} GB at 8 GPUs, {sent[1]:.2f} GB at 256" in text
