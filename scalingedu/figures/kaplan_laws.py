"""The static figures of lesson 03 (Kaplan et al. 2020, "Scaling Laws for Neural Language Models").

Each function takes its numbers from :data:`scalingedu.laws.KAPLAN_2020` and :mod:`scalingedu.data` and returns a
``matplotlib.figure.Figure`` in the course style; the lesson calls it in one line.

- :func:`measured_region_figure`: the model and data sizes Kaplan et al. varied, against later dense models;
- :func:`embedding_share_figure`: how much of GPT-3's sizes is embedding (Eq. 2.1's count against the total);
- :func:`three_laws_figure`: Eqs. 1.1-1.3 inside the range of the runs and extrapolated;
- :func:`frontier_figure`: learning curves in compute, their lower envelope, and Table 6's split of a budget;
- :func:`breakdown_figure`: Eq. 6.8, where the compute law and the data law cross.
"""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import NullFormatter

from ..data import (
    ARCHITECTURES,
    KAPLAN_2020_MODEL_RANGE,
    KAPLAN_2020_SETUP,
    KAPLAN_2020_SINGLE_EPOCH_DATA,
    MODELS,
    PF_DAY_FLOPS,
    model,
)
from ..formatting import human, sci
from ..laws import KAPLAN_2020, KaplanLaw, kaplan_largest_run_flops, model_budget
from ..plotting import PALETTE, describe, new_figure
from ..transformer import count_params

LEARNING_CURVE_SIZES = (1e5, 1e6, 1e7, 1e8, 1e9, 1e10)
"""The model sizes (non-embedding parameters) whose learning curves :func:`frontier_figure` draws."""
FRONTIER_PF_DAYS = (1e-7, 1e3)
"""The compute range (PF-days) of :func:`frontier_figure`."""
BREAKDOWN_MODELS = ("GPT-3 175B", "Chinchilla", "Llama 3 70B")
"""The real budgets :func:`breakdown_figure` marks."""


def plain_loss_ticks(ax, ticks) -> None:
    """Loss axes span less than a decade: label round values instead of a lone 10^0."""
    ax.set_yticks(ticks, labels=[f"{t:g}" for t in ticks])
    ax.yaxis.set_minor_formatter(NullFormatter())


def _rounded(value: float) -> str:
    """A value of a thousand or more to three significant figures, with thousands separators: "11,200"."""
    return f"{float(f'{value:.3g}'):,.0f}" if value >= 1000 else f"{value:.3g}"


def gpt3_shapes():
    """GPT-3's eight shapes (the GPT-3 paper's Table 2.1, from :data:`scalingedu.data.ARCHITECTURES`)."""
    return [shape for shape in ARCHITECTURES if shape.name.startswith("GPT-3")]


def measured_region_figure():
    """The rectangle of model sizes and data sizes Kaplan et al. varied (non-embedding parameters against training
    tokens), and every later dense model with published training tokens, at its published size."""
    low_n, high_n = KAPLAN_2020_MODEL_RANGE["smallest_params"], KAPLAN_2020_MODEL_RANGE["largest_params"]
    low_d, high_d = KAPLAN_2020_SETUP["smallest_data_tokens"], KAPLAN_2020_SETUP["largest_data_tokens"]
    fig, ax = new_figure(width=6.8, height=4.2)
    ax.fill([low_n, high_n, high_n, low_n], [low_d, low_d, high_d, high_d], color=PALETTE[5], alpha=0.35, lw=0,
            label="model and data sizes Kaplan et al. varied")
    dense = [r for r in MODELS if r.tokens is not None and r.active_params is None]
    ax.scatter([r.params for r in dense], [r.tokens for r in dense], s=20, color=PALETTE[7], zorder=3,
               label="later dense models (published sizes)")
    for name, offset in (("GPT-3 175B", (-20, 8)), ("Chinchilla", (8, -2)), ("Llama 3 8B", (-72, -3))):
        ax.annotate(name, (model(name).params, model(name).tokens), xytext=offset, textcoords="offset points",
                    fontsize=8)
    ax.set(xscale="log", yscale="log", xlim=(1e2, 1e13), ylim=(1e7, 1e14), xlabel="parameters N (log scale)",
           ylabel="training tokens D (log scale)", title="what was measured, and where it was used")
    ax.legend(loc="lower right", fontsize=8)
    outside = [r for r in dense if not (low_n <= r.params <= high_n and low_d <= r.tokens <= high_d)]
    tokens = np.array([r.tokens for r in dense])
    describe(fig, f"""
        Training tokens D (log scale) against parameters N (log scale). A shaded rectangle marks what Kaplan et al.
        varied: {human(low_n)} to {human(high_n)} non-embedding parameters and {human(low_d)} to {human(high_d)}
        tokens. Dots mark the {len(dense)} later dense models with published training tokens, from
        {human(min(r.params for r in dense))} to {human(max(r.params for r in dense))} parameters and
        {human(tokens.min())} to {human(tokens.max())} tokens, GPT-3 175B, Chinchilla and Llama 3 8B named.
        {"All" if len(outside) == len(dense) else f"{len(outside)} of the"} {len(dense)} lie outside the rectangle;
        the most data among them, {human(tokens.max())} tokens, is {tokens.max() / high_d:,.0f} times the most
        Kaplan et al. used: the laws are used far beyond what was measured.""")
    return fig


def embedding_share_figure():
    """For GPT-3's eight sizes: the share of all parameters that sits in the token and position embeddings,
    against Kaplan's non-embedding count 12·n_layer·d_model² (Eq. 2.1), both from
    :func:`scalingedu.transformer.count_params`."""
    counts = [(shape.name, count_params(shape)) for shape in gpt3_shapes()]
    kaplan = np.array([c.kaplan_approx for _, c in counts], dtype=float)
    share = np.array([100.0 * c.embedding / c.total for _, c in counts])
    fig, ax = new_figure(width=6.2, height=3.8)
    ax.plot(kaplan, share, "o-", color=PALETTE[0])
    for index in (0, len(counts) - 1):
        ax.annotate(counts[index][0], (kaplan[index], share[index]), xytext=(6, 4), textcoords="offset points",
                    fontsize=8)
    ax.set(xscale="log", ylim=(0, 35), xlabel="non-embedding parameters (12·L·d², Eq. 2.1, log scale)",
           ylabel="embedding share of all parameters (%)", title="GPT-3's sizes: how much is embedding?")
    describe(fig, f"""
        The share of all parameters that sits in the token and position embeddings (%) against Kaplan's
        non-embedding count 12·L·d² (Eq. 2.1, log scale) for GPT-3's {len(counts)} sizes. It falls from
        {share[0]:.1f}% for {counts[0][0]} ({human(kaplan[0])} non-embedding parameters) to {share[-1]:.1f}% for
        {counts[-1][0]} ({human(kaplan[-1])}). Counted in, the embeddings would distort the sizes of the small models
        in a scaling law; left out, as Kaplan et al. do, they change a large model's size by almost nothing.""")
    return fig


def three_laws_figure(law: KaplanLaw = KAPLAN_2020):
    """Eqs. 1.1, 1.2 and 1.3 (loss against parameters, tokens and compute), solid over the range of Kaplan et
    al.'s runs and dashed where they are extrapolated."""
    largest_pf_days = kaplan_largest_run_flops() / PF_DAY_FLOPS
    setup, size = KAPLAN_2020_SETUP, KAPLAN_2020_MODEL_RANGE
    panels = (
        ("parameters N (non-embedding, log scale)", law.loss_from_params,
         (size["smallest_params"], size["largest_params"]), 1e13, rf"Eq. 1.1: $\alpha_N$ = {law.alpha_N:g}"),
        ("training tokens D (log scale)", law.loss_from_tokens,
         (setup["smallest_data_tokens"], setup["largest_data_tokens"]), 1e14,
         rf"Eq. 1.2: $\alpha_D$ = {law.alpha_D:g}"),
        ("compute $C_{min}$ (PF-days, log scale)", law.loss_from_compute, (1e-6, largest_pf_days), 1e5,
         rf"Eq. 1.3: $\alpha_C$ = {law.alpha_C:g}"),
    )
    fig, axes = new_figure(3, width=11.5, height=3.7)
    for ax, (label, loss, (low, high), far, title) in zip(axes, panels):
        inside, beyond = np.geomspace(low, high, 80), np.geomspace(high, far, 60)
        ax.plot(inside, loss(inside), color=PALETTE[0], label="range of the runs")
        ax.plot(beyond, loss(beyond), color=PALETTE[0], ls="--", label="extrapolation")
        ax.set(xscale="log", yscale="log", ylim=(1.3, 8), xlabel=label, title=title)
        plain_loss_ticks(ax, (1.5, 2, 3, 4, 6, 8))
    axes[0].set_ylabel("test loss (nats/token, log scale)")
    axes[0].legend(loc="lower left", fontsize=8)
    ranges = []
    for (_, loss, (low, high), far, _), name, exponent in zip(panels, ("N", "D", "C_min"),
                                                                   (law.alpha_N, law.alpha_D, law.alpha_C)):
        ranges.append(f"L({name}) with exponent {exponent:g} falls from {loss(low):.2f} to {loss(high):.2f} over the "
                      f"runs and reaches {loss(far):.2f} at {human(far)}{' PF-days' if name == 'C_min' else ''}")
    describe(fig, f"""
        Three panels of test loss (nats/token, log scale) against non-embedding parameters N, training tokens D and
        compute C_min (PF-days), all on log scales: Eqs. 1.1 to 1.3, solid over the range of Kaplan et al.'s runs
        and dashed where extrapolated. Each is a straight line: {"; ".join(ranges)}. The exponents are small: ten
        times the parameters lowers the loss by only {100 * (1 - 10 ** -law.alpha_N):.0f}%, ten times the compute by
        {100 * (1 - 10 ** -law.alpha_C):.0f}%.""")
    return fig


def frontier_figure(law: KaplanLaw = KAPLAN_2020):
    """Left: the learning curves of fixed model sizes as loss against compute C_min (Eqs. 1.4 and 1.6), their lower
    envelope (the compute-efficient frontier) with the point where each size is the best choice, and Eq. 1.3's
    fit. Right: Table 6's split of a budget into parameters N and tokens D = C/(6N), with 1 and 10 PF-days marked."""
    fig, (curve_ax, split_ax) = new_figure(2, width=11, height=4.4)
    budgets = np.geomspace(*FRONTIER_PF_DAYS, 120)
    frontier = law.compute_efficient_frontier(budgets)
    for i, size in enumerate(LEARNING_CURVE_SIZES):
        losses = law.loss_at_infinite_steps(size) * (1 + np.geomspace(1e-3, 3.0, 200))
        curve_ax.plot(law.compute_to_reach_loss(size, losses), losses, ":", color="0.55", lw=1.2,
                      label="learning curves of fixed sizes" if i == 0 else None)
        best = law.frontier_point_for_params(size)           # where this size is the frontier's model
        curve_ax.plot(best.flops / PF_DAY_FLOPS, best.loss, "o", color=PALETTE[0], ms=4, zorder=4)
        curve_ax.annotate(f"N = {human(size)}", (best.flops / PF_DAY_FLOPS, best.loss * 1.1), fontsize=7.5,
                          color="0.35", ha="center")
    curve_ax.plot(budgets, frontier.loss, color=PALETTE[0], lw=2.4, label="frontier (from Eqs. 1.4 and 1.6)")
    curve_ax.plot(budgets, law.loss_from_compute(budgets), color=PALETTE[1], ls="--", lw=1.6,
                  label=rf"Eq. 1.3 fit, $L \propto C_{{min}}^{{-{law.alpha_C:g}}}$")
    curve_ax.set(xscale="log", yscale="log", xlim=FRONTIER_PF_DAYS, ylim=(1.8, 8),
                 xlabel="compute $C_{min}$ (PF-days, log scale)", ylabel="test loss (nats/token, log scale)",
                 title="learning curves and their lower envelope")
    plain_loss_ticks(curve_ax, (2, 3, 4, 5, 6, 8))
    curve_ax.legend(loc="upper right", fontsize=8)

    split = law.compute_optimal(budgets * PF_DAY_FLOPS)
    split_ax.plot(budgets, split.params, color=PALETTE[0], lw=2.2,
                  label=rf"parameters, Table 6: $N \propto C^{{{law.params_exponent:g}}}$")
    split_ax.plot(budgets, split.tokens, "--", color=PALETTE[2], lw=2.2, label="tokens D = C/(6N)")
    one, ten = law.compute_optimal(PF_DAY_FLOPS), law.compute_optimal(10 * PF_DAY_FLOPS)
    split_ax.plot([1, 10], [one.params, ten.params], "o", color=PALETTE[0], ms=5)
    split_ax.plot([1, 10], [one.tokens, ten.tokens], "s", color=PALETTE[2], ms=5)
    split_ax.text(0.97, 0.05, f"1 → 10 PF-days:\nN {human(one.params)} → {human(ten.params)} "
                  f"(×{ten.params / one.params:.1f})\nD {human(one.tokens)} → {human(ten.tokens)} "
                  f"(×{ten.tokens / one.tokens:.1f})", transform=split_ax.transAxes, ha="right", va="bottom",
                  fontsize=8.5)
    split_ax.set(xscale="log", yscale="log", xlim=FRONTIER_PF_DAYS, xlabel="compute $C_{min}$ (PF-days, log scale)",
                 ylabel="parameters N or tokens D (log scale)",
                 title=f"Kaplan's split: 10× compute, ×{ten.params / one.params:.1f} model, "
                       f"×{ten.tokens / one.tokens:.1f} data")
    split_ax.legend(loc="upper left", fontsize=8)
    first, last = (law.frontier_point_for_params(size) for size in (LEARNING_CURVE_SIZES[0], LEARNING_CURVE_SIZES[-1]))
    gap = np.max(np.abs(frontier.loss / law.loss_from_compute(budgets) - 1))
    describe(fig, f"""
        Left: test loss (nats/token, log scale) against compute C_min (PF-days, log scale, {sci(budgets[0], 1)} to
        {sci(budgets[-1], 1)}): grey dotted learning curves of {len(LEARNING_CURVE_SIZES)} fixed model sizes,
        {human(LEARNING_CURVE_SIZES[0])} to {human(LEARNING_CURVE_SIZES[-1])} parameters, their lower envelope (the
        compute-efficient frontier, solid) and Eq. 1.3's fit L ∝ C_min^-{law.alpha_C:g} (dashed), which stays within
        {100 * gap:.0f}% of the frontier. A dot marks where each size is the best model: N = {human(first.params)}
        at {sci(first.flops / PF_DAY_FLOPS, 2)} PF-days up to N = {human(last.params)} at
        {last.flops / PF_DAY_FLOPS:.3g} PF-days. Right: Table 6's split of a budget into parameters N ∝
        C^{law.params_exponent:g} (solid) and tokens D = C/(6N) (dashed), both log scales: from 1 to 10 PF-days the
        model grows
        ×{ten.params / one.params:.1f} ({human(one.params)} to {human(ten.params)}) and the data only
        ×{ten.tokens / one.tokens:.1f}. Kaplan's rule puts most of each new unit of compute into model size.""")
    return fig


def breakdown_figure(law: KaplanLaw = KAPLAN_2020):
    """Eq. 6.8: the compute law L(C_min) (Eq. 1.3) against the data law L(D) (Eq. 1.2) evaluated on the data that
    compute-efficient training sees, with Table 6's D_opt and with Eq. 6.7's coefficient; their crossings, the
    region beyond, and the budgets of a few real models."""
    eq67 = KAPLAN_2020_SINGLE_EPOCH_DATA
    point = law.breakdown_point()
    moved = law.breakdown_point(tokens_coefficient=eq67["tokens_coefficient"], tokens_exponent=eq67["tokens_exponent"])
    pf = np.geomspace(1e-2, 1e7, 200)
    fig, ax = new_figure(width=8.5, height=4.3)
    ax.plot(pf, law.loss_from_compute(pf), color=PALETTE[0], label=r"$L(C_{min})$, Eq. 1.3")
    ax.plot(pf, law.loss_from_tokens(law.optimal_tokens(pf)), "-.", color=PALETTE[3],
            label=r"$L(D(C))$: Eq. 1.2 on Table 6's $D_{opt}$")
    ax.plot(pf, law.loss_from_tokens(eq67["tokens_coefficient"] * pf ** eq67["tokens_exponent"]), color=PALETTE[3],
            ls="--", lw=1.4, label="the same with Eq. 6.7's data, twice as much")
    for crossing, marker in ((point, "o"), (moved, "s")):
        ax.plot(crossing.pf_days, crossing.loss, marker, color="black", ms=7, zorder=4)
    ax.axvspan(point.pf_days, pf[-1], color="0.85", alpha=0.5, lw=0, label="the laws contradict each other")
    for name in BREAKDOWN_MODELS:
        budget = model_budget(name) / PF_DAY_FLOPS
        ax.axvline(budget, color=PALETTE[4], lw=1, ls=":")
        ax.text(budget * 1.15, 2.6, name, rotation=90, fontsize=8, color=PALETTE[4], va="bottom")
    ax.set(xscale="log", yscale="log", ylim=(1.2, 4), xlabel="compute $C_{min}$ (PF-days, log scale)",
           ylabel="test loss (nats/token, log scale)", title="Kaplan's Eq. 6.8: two laws that cannot both hold")
    plain_loss_ticks(ax, (1.25, 1.5, 2, 2.5, 3, 4))
    ax.legend(loc="lower left", fontsize=8)
    budgets = {name: model_budget(name) / PF_DAY_FLOPS for name in BREAKDOWN_MODELS}
    beyond = [name for name, budget in budgets.items() if budget > point.pf_days]
    marked = ", ".join(f"{name} ({budget:,.0f})" for name, budget in budgets.items())
    where = (f"{', '.join(beyond)} lie{'s' if len(beyond) == 1 else ''} beyond the crossing" if beyond
             else "all lie before the crossing")
    describe(fig, f"""
        Test loss (nats/token, log scale) against compute C_min (PF-days, log scale, {sci(pf[0], 1)} to
        {sci(pf[-1], 1)}): Eq. 1.3's L(C_min) (solid) falls faster than Eq. 1.2's L(D) (dash-dotted) evaluated on
        the data that compute-efficient training sees (Table 6's D_opt). The two cross (circle) at
        {_rounded(point.pf_days)}
        PF-days and a loss of {point.loss:.2f} nats/token; with Eq. 6.7's twice larger data (dashed) the crossing
        (square) moves to {_rounded(moved.pf_days)} PF-days and {moved.loss:.2f}. Beyond the first crossing (shaded)
        the compute law predicts a loss below what the data allow: the laws contradict each other. Dotted lines mark
        the budgets of {marked} PF-days; {where}.""")
    return fig
