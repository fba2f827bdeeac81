"""Static figures of lesson 08 (diminishing returns). Each function takes its numbers from :mod:`scalingedu.returns`
and returns a :class:`matplotlib.figure.Figure`; the lesson calls it in one line."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullLocator

from ..formatting import human, sci
from ..plotting import PALETTE, new_figure
from ..returns import ComputeMatched, Verifier, best_of_n_accuracy, coverage, lab_frontier


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
