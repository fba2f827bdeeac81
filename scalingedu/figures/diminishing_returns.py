"""Static figures of lesson 08 (diminishing returns). Each function takes its numbers from :mod:`scalingedu.returns`
and returns a :class:`matplotlib.figure.Figure`; the lesson calls it in one line."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullLocator

from ..formatting import human, sci
from ..plotting import PALETTE, new_figure
from ..returns import ComputeMatched, TotalMatched, Verifier, best_of_n_accuracy, coverage, lab_frontier


def lab_runs_frontier(lab=None) -> Figure:
    """The scaling lab's measured compute-efficient frontier: the best run's validation loss (nats per character)
    at each budget (FLOPs, log scale), one tick per budget so that no two tick labels collide. ``lab`` is a
    :class:`scalingedu.returns.LabFrontier` (default: the runs shipped with the course)."""
    lab = lab_frontier() if lab is None else lab
    fig, ax = new_figure(width=6.5, height=3.6)
    ax.plot(lab.flops, lab.loss, "o-", color=PALETTE[0], label="best lab run per budget (measured)")
    ax.set(xscale="log", xlim=(min(lab.flops) / 1.6, max(lab.flops) * 1.6),
           xlabel="training compute (FLOPs, log scale)", ylabel="validation loss (nats/character)",
           title="the lab's compute-efficient frontier")
    ax.xaxis.set_major_locator(FixedLocator(lab.flops))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([sci(f) for f in lab.flops])
    ax.legend()
    return fig


def sampling_toy(result: ComputeMatched, verifier: Verifier, probabilities=(0.02, 0.1, 0.4)) -> Figure:
    """The toy model of test-time compute (:mod:`scalingedu.returns.test_time`). Left: coverage (dashed) and
    best-of-N accuracy with ``verifier`` (solid) against the number of samples per problem (1 to 1,000, log scale),
    for per-sample success ``probabilities``. Right: the compute-matched comparison ``result``: the chance of a right
    answer against problem difficulty for the small model sampled ``result.samples`` times and judged by the
    verifier, for the larger model answering once, and for the small model answering once (dotted)."""
    samples = np.unique(np.geomspace(1, 1000, 40).round())
    fig, (left, right) = new_figure(2, width=11, height=4.0)
    for p, colour in zip(probabilities, PALETTE):
        left.plot(samples, coverage(p, samples), "--", color=colour, label=f"coverage, p = {p}")
        left.plot(samples, best_of_n_accuracy(p, samples, verifier), color=colour, lw=2,
                  label=f"best-of-N, p = {p}")
    left.set(xscale="log", ylim=(0, 1.02), xlabel="samples per problem k (log scale)",
             ylabel="fraction of problems", title="TOY MODEL: coverage vs what a verifier can pick")
    left.legend(fontsize=8, ncols=2, loc="lower right")
    small, large = human(result.small_params), human(result.large_params)
    right.plot(result.difficulties, result.small_best_of_n, color=PALETTE[0], lw=2,
               label=f"{small} model, best of {result.samples}")
    right.plot(result.difficulties, result.large_single, color=PALETTE[3], lw=2, label=f"{large} model, one answer")
    right.plot(result.difficulties, result.small_single, ":", color=PALETTE[0], label=f"{small} model, one answer")
    right.set(ylim=(0, 1.02), xlabel="problem difficulty (toy units)", ylabel="chance of a right answer",
              title="TOY MODEL: same inference FLOPs, two ways")
    right.legend(fontsize=8)
    return fig


def lifetime_exchange(free: TotalMatched, paid: TotalMatched) -> Figure:
    """Test-time compute counted over a model's life (:mod:`scalingedu.returns.total_compute`). Left: the samples
    per answer a small model can afford at a larger model's lifetime FLOPs, against the ratio R of answer tokens
    served to pre-training tokens (both log scale), without a verifier's cost (``free``) and with it (``paid``).
    Right: the toy task's mean accuracy of the small model's best-of-k at those k, and the larger model's single
    answer (flat), against R; where the curves cross, extra pre-training becomes the better buy."""
    fig, (left, right) = new_figure(2, width=11, height=4.0)
    for result, colour, label in ((free, PALETTE[0], "verifier free"), (paid, PALETTE[1], "verifier paid for")):
        shown = result.affordable
        left.plot(result.ratios[shown], result.samples[shown], "o-", color=colour, ms=4, label=label)
        right.plot(result.ratios[shown], result.small_accuracy[shown], "o-", color=colour, ms=4,
                   label=f"small model, best of k ({label})")
    left.axhline(free.scale, color="0.4", ls=":", lw=1, label=f"k = {free.scale:g} (the inference-only match)")
    left.set(xscale="log", yscale="log", xlabel="answer tokens served / pre-training tokens, R (log scale)",
             ylabel="samples per answer k (log scale)", title=f"samples affordable vs a {free.scale:g}x model")
    left.legend(fontsize=8)
    right.axhline(free.large_accuracy, color=PALETTE[3], lw=2, label=f"{free.scale:g}x larger model, one answer")
    right.set(xscale="log", ylim=(0, 1.02), xlabel="answer tokens served / pre-training tokens, R (log scale)",
              ylabel="mean chance of a right answer", title="TOY MODEL: equal lifetime FLOPs, two ways")
    right.legend(fontsize=8, loc="lower left")
    return fig
