"""Figures of lesson 05 (the scaling lab): a live run, the shipped IsoFLOP sweep, the bootstrap of its exponent,
Approach 3's law against the runs, and the data experiments.

Each function takes numbers made by :mod:`scalingedu.lab` (runs, the shipped results, fits) and returns a
``matplotlib.figure.Figure`` in the course style; none trains or fits anything itself.
"""
from __future__ import annotations

import math

import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from ..formatting import human
from ..lab.corpus import VOCAB_SIZE
from ..plotting import PALETTE, new_figure

UNIFORM_LOSS = math.log(VOCAB_SIZE)
"""The loss of a uniform guess over the lab's 97 symbols, ln 97 ≈ 4.57 nats per character."""
BUDGET_COLOURS = (PALETTE[5], PALETTE[0], PALETTE[2], PALETTE[3])
"""One colour per budget of the shipped sweep, smallest first."""


def _count_ticks(axis) -> None:
    """Label a log axis of counts at 1, 2 and 5 × 10^k as '200k', '1M' (no crowded '3×10¹¹ 4×10¹¹' labels)."""
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda x, _: human(x)))
    axis.set_minor_formatter(NullFormatter())


def live_run(run, unigram_loss: float):
    """The validation loss of one live training run (a :class:`~scalingedu.lab.RunResult`) against the characters
    it has seen, with two baselines: a uniform guess over the 97 symbols and the loss of character frequencies
    alone (``unigram_loss``, nats per character)."""
    figure, ax = new_figure(width=7.5, height=3.6)
    ax.plot(run.curve_tokens, run.curve_val_loss, "o-", color=PALETTE[0], label="this run (validation)")
    ax.axhline(UNIFORM_LOSS, color="0.5", ls=":", label=f"uniform guess, ln {VOCAB_SIZE}")
    ax.axhline(unigram_loss, color=PALETTE[1], ls="--", label="character frequencies only")
    ax.set(xscale="log", xlabel="training characters seen (log scale)", ylabel="validation loss (nats/char)",
           title="A live training run: loss against data")
    _count_ticks(ax.xaxis)
    ax.legend(fontsize=8, loc="center right")
    return figure


def sweep_profiles(results: dict):
    """The shipped sweep two ways. Left: each model size's final loss against its training characters (one colour
    per size, darker for larger, labelled at its last run). Right: each budget's IsoFLOP profile, loss against
    parameters, with its best run starred. ``results`` has the columns of ``load_results()``."""
    figure, (by_tokens, by_params) = new_figure(2, width=11.5, height=4.3)
    widths = np.unique(results["width"])
    shades = [_blend(PALETTE[0], k / max(1, widths.size - 1)) for k in range(widths.size)]
    for width, colour in zip(widths, shades):
        rows = results["width"] == width
        by_tokens.plot(results["tokens"][rows], results["val_loss"][rows], "o-", color=colour, ms=5)
        by_tokens.annotate(human(results["params"][rows][0]), (results["tokens"][rows][-1],
                           results["val_loss"][rows][-1]), xytext=(4, 0), textcoords="offset points", fontsize=7,
                           color=colour, va="center")
    by_tokens.set(xscale="log", xlabel="training characters D (log scale)", ylabel="validation loss (nats/char)",
                  title="each model size (labelled, in parameters): loss against data")
    _count_ticks(by_tokens.xaxis)
    for budget, colour in zip(np.unique(results["budget"]), BUDGET_COLOURS):
        rows = results["budget"] == budget
        by_params.plot(results["params"][rows], results["val_loss"][rows], "o-", color=colour,
                       label=f"C = {budget:.2g} FLOPs")
        best = np.argmin(results["val_loss"][rows])
        by_params.plot(results["params"][rows][best], results["val_loss"][rows][best], "*", ms=15, color=colour,
                       mec=PALETTE[7])
    by_params.set(xscale="log", xlabel="parameters N (log scale)", ylabel="validation loss (nats/char)",
                  title="each budget: IsoFLOP profile (star: best run)")
    _count_ticks(by_params.xaxis)
    by_params.legend(fontsize=8)
    return figure


def _blend(colour: str, share: float) -> tuple[float, float, float]:
    """``colour`` mixed with white: share 0 is pale (35% of the colour), share 1 the full colour."""
    rgb = np.array([int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    weight = 0.35 + 0.65 * share
    return tuple(weight * rgb + (1 - weight) * np.ones(3))


def bootstrap_histogram(interval, published_a: float, published_interval: tuple[float, float]):
    """The bootstrap distribution of Approach 2's exponent a (an :class:`~scalingedu.lab.analysis.ExponentInterval`)
    with the sweep's own fit and its interval, next to Hoffmann et al.'s value ``published_a`` and interval."""
    figure, ax = new_figure(width=7.5, height=3.4)
    ax.hist(interval.samples, bins=40, color=PALETTE[5], label="bootstrap refits of our sweep")
    ax.axvspan(interval.low, interval.high, color=PALETTE[0], alpha=0.12,
               label=f"our {interval.level:.0%} interval")
    ax.axvline(interval.a, color=PALETTE[0], lw=2, label=f"our fit, a = {interval.a:.3f}")
    ax.axvspan(*published_interval, color=PALETTE[1], alpha=0.25, label="Hoffmann et al., Approach 2 interval")
    ax.axvline(published_a, color=PALETTE[1], lw=2, label=f"Hoffmann et al., a = {published_a}")
    ax.set(xlabel="exponent a in N_opt ∝ C^a (dimensionless)", ylabel="resamples (count)",
           title=f"How sure is a? (bootstrap, {interval.samples.size:,} resamples)")
    ax.legend(fontsize=8)
    return figure


def approach3_fit(results: dict, law):
    """Approach 3: every run of the sweep (dots, one colour per budget), the fitted law's IsoFLOP profile at each
    budget (lines, ``law.isoflop_profile``) and the law's optimum at each budget (stars)."""
    figure, ax = new_figure(width=7.5, height=4.0)
    grid = np.geomspace(results["params"].min() / 1.5, results["params"].max() * 1.5, 200)
    budgets = np.unique(results["budget"])
    for budget, colour in zip(budgets, BUDGET_COLOURS):
        rows = results["budget"] == budget
        ax.plot(results["params"][rows], results["val_loss"][rows], "o", color=colour,
                label=f"runs, C = {budget:.2g} FLOPs")
        ax.plot(grid, law.isoflop_profile(budget, grid), color=colour, lw=1.5)
    best = law.compute_optimal(budgets)
    ax.plot(best.params, best.loss, "*", ms=14, color=PALETTE[6], mec=PALETTE[7], label="the law's optima")
    ax.set(xscale="log", xlabel="parameters N (log scale)", ylabel="validation loss (nats/char)",
           title="Approach 3: one law for all twenty runs")
    _count_ticks(ax.xaxis)
    ax.legend(fontsize=8)
    return figure


def data_experiments(quality, repetition, nearly_free_epochs: float):
    """The data experiments' final losses. Left: against the fraction of training characters corrupted. Right:
    against the epochs over the unique data, with Muennighoff et al.'s ``nearly_free_epochs``, the fresh run, and
    the uniform guess (ln 97) that the longest runs end above: they memorise their little text and become
    confidently wrong on new text. ``quality`` and ``repetition`` are lists of ``ExperimentRun``."""
    figure, (left, right) = new_figure(2, width=11.5, height=3.8)
    left.plot([r.corruption for r in quality], [r.val_loss for r in quality], "o-", color=PALETTE[3])
    left.set(xlabel="fraction of training characters corrupted", ylabel="final validation loss (nats/char)",
             title="data quality")
    right.plot([r.epochs for r in repetition], [r.val_loss for r in repetition], "o-", color=PALETTE[0],
               label="our runs (same compute each)")
    right.axvline(nearly_free_epochs, color=PALETTE[1], ls="--",
                  label=f"Muennighoff et al.: ~{nearly_free_epochs:g} epochs nearly free")
    right.axhline(repetition[0].val_loss, color="0.5", ls=":", label="fresh data (1 epoch)")
    right.axhline(UNIFORM_LOSS, color=PALETTE[3], ls="-.", lw=1.2, label=f"uniform guess, ln {VOCAB_SIZE}")
    epochs = [r.epochs for r in repetition]
    right.set(xscale="log", xlabel="epochs over the unique data (log scale)",
              ylabel="final validation loss (nats/char)", title="repetition", xticks=epochs,
              xticklabels=[f"{e:g}" for e in epochs])
    right.xaxis.set_minor_formatter(NullFormatter())
    right.legend(fontsize=8, loc="upper left")
    return figure
