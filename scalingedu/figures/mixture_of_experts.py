"""Static figures of lesson 07 (Mixture-of-Experts). Each function takes its numbers from :mod:`scalingedu.moe`
and returns a :class:`matplotlib.figure.Figure`; the lesson calls it in one line."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullLocator

from .. import moe
from ..data import SWITCH_ROUTING
from ..formatting import human
from ..plotting import HATCHES, PALETTE, describe, new_figure

PARTS = (("attention", "attention"), ("dense_mlp", "dense MLPs"), ("routers", "routers"),
         ("shared_experts", "shared experts"), ("embeddings", "embeddings"), ("routed_experts", "routed experts"))
"""The parts of :class:`scalingedu.moe.ParamCount` that the share figure shows, with their labels (norms, under
0.01% of every preset, are left out)."""
SHARE_FLOOR = 1e-3
"""The lowest share the log axis of :func:`parameter_shares` shows (0.001%); a part with no parameters is marked
"none" there."""
LINE_STYLES = ("-", "--", "-.", ":")
"""Line styles in order, so that the curves of one figure differ in more than colour."""
MARKERS = ("o", "s", "^", "D", "v", "P", "X")


def parameter_shares(names=None) -> Figure:
    """Where an MoE's parameters sit. Left: each part's share of the total (%) on a log axis, one group of bars per
    part and one colour per model, each bar labelled with its share, so that the small parts (routers, shared experts,
    attention) are as readable as the routed experts that hold almost everything. Right: total parameters (memory)
    against active parameters per token (compute), log scale. ``names`` are presets of :data:`scalingedu.moe.PRESETS`
    (all of them by default)."""
    names = list(moe.PRESETS) if names is None else [moe.preset(n).name for n in names]
    counts = {name: moe.count_params(name) for name in names}
    fig, (share_ax, ratio_ax) = new_figure(2, width=11.5, height=4.2)
    share_ax.get_gridspec().set_width_ratios((1.6, 1.0))
    slots = np.arange(len(PARTS))
    width = 0.8 / len(names)
    for i, (name, colour) in enumerate(zip(names, PALETTE)):
        shares = np.array([100 * getattr(counts[name], part) / counts[name].total for part, _ in PARTS])
        x = slots - 0.4 + (i + 0.5) * width
        heights = np.where(shares > 0, shares, np.nan)
        share_ax.bar(x, heights - SHARE_FLOOR, bottom=SHARE_FLOOR, width=width, color=colour,
                     hatch=HATCHES[i % len(HATCHES)], label=name)
        for xi, share in zip(x, shares):
            text = "none" if share == 0 else (f"{share:.2g}%" if share < 10 else f"{share:.0f}%")
            share_ax.text(xi, max(share, SHARE_FLOOR) * 1.3, text, rotation=90, ha="center", va="bottom",
                          fontsize=7.5, color="0.25")
    share_ax.set(yscale="log", ylim=(SHARE_FLOOR, 3e3), ylabel="share of the total parameters (%, log scale)",
                 title="where the parameters are")
    share_ax.set_xticks(slots, [label for _, label in PARTS], fontsize=8.5)
    share_ax.yaxis.set_major_locator(FixedLocator([1e-3, 1e-2, 1e-1, 1, 10, 100]))
    share_ax.yaxis.set_minor_locator(NullLocator())
    share_ax.set_yticklabels(["0.001", "0.01", "0.1", "1", "10", "100"])
    share_ax.legend(loc="upper left", fontsize=8, title="model", title_fontsize=8)

    rows = np.arange(len(names))
    totals = [counts[n].total for n in names]
    actives = [counts[n].active for n in names]
    ratio_ax.barh(rows - 0.2, totals, height=0.4, color=PALETTE[1], label="total (memory)")
    ratio_ax.barh(rows + 0.2, actives, height=0.4, color=PALETTE[0], hatch=HATCHES[1],
                  label="active per token (compute)")
    ratio_ax.set(xscale="log", xlim=(1e7, 1e13), yticks=rows, yticklabels=names, xlabel="parameters (log scale)",
                 title="total against active parameters")
    ratio_ax.xaxis.set_minor_locator(NullLocator())
    ratio_ax.invert_yaxis()
    ratio_ax.legend(fontsize=8, loc="upper right")
    experts = [100 * counts[n].routed_experts / counts[n].total for n in names]
    routers = [100 * counts[n].routers / counts[n].total for n in names]
    pairs = "; ".join(f"{n} stores {human(counts[n].total)} and uses {human(counts[n].active)} per token "
                      f"({counts[n].active / counts[n].total:.0%})" for n in names)
    describe(fig, f"""Left: each part's share of the total parameters (%, log scale) for {", ".join(names)}, one bar per
        model and part, each model with its own colour and hatching. The routed experts hold {min(experts):.1f}% to
        {max(experts):.1f}% of every model, while the
        routers hold at most {max(routers):.2g}%. Right: total parameters (memory, plain bars) against active parameters
        per token (compute, hatched bars), log scale: {pairs}. An MoE stores far more than a token uses, and the
        smaller the
        share of its routed experts a token uses (top-k of them), the smaller its active share.""")
    return fig


def capacity_drops(skews=(0.0, 0.5, 1.0, 2.0), *, tokens: int = 8192, experts: int = 16, top_k: int = 2,
                   seed: int = 1) -> Figure:
    """Share of expert assignments dropped (%) against the capacity factor (0.5 to 3), for routers of several
    ``skews``, with Switch's recommended range of capacity factors shaded. Simulated routers
    (:func:`scalingedu.moe.skewed_logits`, seeded) routed by :func:`scalingedu.moe.route`."""
    factors = np.linspace(0.5, 3.0, 26)
    fig, ax = new_figure(width=7.5, height=3.8)
    low, high = SWITCH_ROUTING["capacity_factor_low"], SWITCH_ROUTING["capacity_factor_high"]
    one, two = int(np.argmin(abs(factors - 1.0))), int(np.argmin(abs(factors - 2.0)))
    at_one, at_two = [], []
    for skew, colour, dash in zip(skews, PALETTE, LINE_STYLES * 2):
        logits = moe.skewed_logits(tokens, experts, skew=skew, seed=seed)
        dropped = 100 * np.array([moe.route(logits, top_k=top_k, capacity_factor=f).dropped_fraction
                                  for f in factors])
        ax.plot(factors, dropped, dash, color=colour, label=f"router skew {skew:g}")
        at_one.append(dropped[one])
        at_two.append(dropped[two])
    ax.axvspan(low, high, color=PALETTE[5], alpha=0.2, lw=0, label=f"Switch's recommended {low:g}-{high:g}")
    ax.set(xlabel="capacity factor (× the even share)", ylabel="assignments dropped (%)",
           title=f"dropped tokens: {tokens:,} tokens, {experts} experts, top-{top_k} (simulated router)")
    ax.legend()
    skew_list = ", ".join(f"{skew:g}" for skew in skews)
    describe(fig, f"""Share of expert assignments dropped (%) against the capacity factor (0.5 to 3 times the even
        share), for simulated routers of skew {skew_list} sending {tokens:,} tokens to {experts} experts, top-{top_k},
        with Switch's recommended {low:g}-{high:g} shaded. Every curve falls as the factor grows. At a factor of
        {factors[one]:g} the routers drop {", ".join(f"{d:.1f}%" for d in at_one)} (skew {skew_list}); at
        {factors[two]:g} they drop {", ".join(f"{d:.1f}%" for d in at_two)}. An even router needs little spare
        capacity; a skewed one drops tokens even with twice the buffer, so the router itself must be balanced.""")
    return fig


def router_collapse(alphas=(0.0, 0.1, 1.0), *, experts: int = 8, steps: int = 100, seed: int = 0) -> Figure:
    """The toy router of :func:`scalingedu.moe.train_router` trained with balancing-loss weights ``alphas``. Left:
    the busiest expert's share of the tokens (%) at each step, with the even share 1/experts. Right: Switch's
    balancing loss N·Σ f·P at each step (1 = balanced, N = collapsed)."""
    fig, (share_ax, loss_ax) = new_figure(2, width=11, height=3.8)
    ends = []
    for alpha, colour, dash in zip(alphas, (PALETTE[3], PALETTE[1], PALETTE[2]), ("-", "--", "-.")):
        run = moe.train_router(alpha=alpha, experts=experts, steps=steps, seed=seed)
        ends.append(f"alpha = {alpha:g}: {100 * run.max_share[-1]:.0f}% and {run.balancing_loss[-1]:.2f}")
        shown = np.arange(1, run.max_share.size + 1)
        share_ax.plot(shown, 100 * run.max_share, dash, color=colour, label=f"alpha = {alpha:g}")
        loss_ax.plot(shown, run.balancing_loss, dash, color=colour, label=f"alpha = {alpha:g}")
    share_ax.axhline(100 / experts, color=PALETTE[7], ls=":", lw=1.2, label=f"even share (1/{experts})")
    share_ax.set(xlabel="training step", ylabel="busiest expert's share of tokens (%)", ylim=(0, 105),
                 title="a toy router collapses without the balancing loss")
    loss_ax.set(xlabel="training step", ylabel=f"N·Σ f·P (1 = balanced, {experts} = collapsed)",
                ylim=(0.8, experts + 0.3), title="the balancing loss it minimises")
    share_ax.legend(fontsize=8)
    loss_ax.legend(fontsize=8)
    describe(fig, f"""A toy router of {experts} experts trained for {steps} steps with balancing-loss weights alpha
        = {", ".join(f"{a:g}" for a in alphas)}. Left: the busiest expert's share of the tokens (%) against the
        training step, with the even share of {100 / experts:.1f}% dotted. Right: Switch's balancing loss N·Σ f·P
        against the step (1 = balanced, {experts} = collapsed). After {steps} steps the busiest expert's share
        and N·Σ f·P end at: {"; ".join(ends)}. Without the loss the router collapses onto one expert; the stronger
        the loss, the closer the load stays to even.""")
    return fig


def all_to_all_by_degree(config="deepseek-v3", tokens_per_gpu: int = 4096, top_ks=(1, 2, 8)) -> Figure:
    """Bytes one GPU sends per MoE layer in training (dispatch and combine, forward and backward, in GB) against
    the expert-parallel degree (1 to 256 GPUs, log scale), for several top-k, at the preset's d_model
    (:func:`scalingedu.moe.all_to_all_bytes`, bf16)."""
    shape = moe.preset(config) if isinstance(config, str) else config
    degrees = np.array([1, 2, 4, 8, 16, 32, 64, 128, 256])
    fig, ax = new_figure(width=7.5, height=3.6)
    sent = {}
    for top_k, colour, marker in zip(top_ks, PALETTE, MARKERS):
        traffic = moe.all_to_all_bytes(tokens_per_gpu, top_k, shape.d_model, degrees).training_bytes
        sent[top_k] = np.asarray(traffic) / 1e9
        ax.plot(degrees, sent[top_k], "-", marker=marker, color=colour, label=f"top-{top_k}")
    ax.set(xscale="log", xlabel="expert-parallel degree (GPUs, log scale)", ylabel="GB sent per GPU per MoE layer",
           title=f"all-to-all traffic of one MoE layer (training, {tokens_per_gpu} tokens/GPU, "
                 f"d_model {shape.d_model})")
    ax.set_xticks(degrees, [str(d) for d in degrees])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.legend()
    eight = int(np.argmax(degrees == 8))
    growth = "; ".join(f"top-{k}: {gb[eight]:.2f} GB at 8 GPUs, {gb[-1]:.2f} GB at {degrees[-1]}"
                       for k, gb in sent.items())
    describe(fig, f"""Gigabytes one GPU sends per MoE layer in training (dispatch and combine, forward and backward,
        bf16) against the expert-parallel degree ({degrees[0]} to {degrees[-1]} GPUs, log scale), for
        {", ".join(f"top-{k}" for k in top_ks)}, at d_model {shape.d_model} and {tokens_per_gpu:,} tokens per GPU.
        One GPU sends nothing; {growth}. The traffic grows with k but barely with the degree beyond a few GPUs, since
        almost every token's experts then live elsewhere.""")
    return fig
