"""Figures of lesson 05 (the scaling lab): a live run, the shipped IsoFLOP sweep, the bootstrap of its exponent,
Approach 3's law against the runs, and the data experiments.

Each function takes numbers made by :mod:`scalingedu.lab` (runs, the shipped results, fits) and returns a
``matplotlib.figure.Figure`` in the course style; none trains or fits anything itself.
"""
from __future__ import annotations

import math

import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from ..formatting import flops, human
from ..lab.corpus import VOCAB_SIZE
from ..plotting import PALETTE, describe, new_figure

UNIFORM_LOSS = math.log(VOCAB_SIZE)
"""The loss of a uniform guess over the lab's 97 symbols, ln 97 ≈ 4.57 nats per character."""
BUDGET_COLOURS = (PALETTE[5], PALETTE[0], PALETTE[2], PALETTE[3])
"""One colour per budget of the shipped sweep, smallest first."""
BUDGET_STYLES = (("-", "o"), ("--", "s"), ("-.", "^"), (":", "D"))
"""One line style and marker per budget, in the same order, so that the budgets differ in more than colour."""
_STYLE_WORDS = {"-": "solid", "--": "dashed", "-.": "dash-dotted", ":": "dotted", "o": "circles", "s": "squares",
                "^": "triangles", "D": "diamonds"}


def _in_words(items) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


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
    tokens, losses = np.asarray(run.curve_tokens, dtype=float), np.asarray(run.curve_val_loss, dtype=float)
    if losses[-1] < unigram_loss:
        lesson = (f"It ends {unigram_loss - losses[-1]:.2f} nats below the character frequencies: the model has "
                  f"learned to use the characters before each one, not only how common each is.")
    else:
        lesson = "It ends above the character frequencies: so far it has learned no more than how common each is."
    describe(figure, f"""
        The validation loss (nats/char) of one live training run against the training characters it has seen (log
        scale, {human(tokens[0])} to {human(tokens[-1])}), measured {losses.size} times: it
        {"falls" if losses[-1] < losses[0] else "rises"} from {losses[0]:.2f} to {losses[-1]:.2f}. Two horizontal
        lines give baselines: a uniform guess over the {VOCAB_SIZE} symbols, ln {VOCAB_SIZE} ≈ {UNIFORM_LOSS:.2f},
        and the loss of character frequencies alone, {unigram_loss:.2f}. {lesson}""")
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
    for budget, colour, (dash, marker) in zip(np.unique(results["budget"]), BUDGET_COLOURS, BUDGET_STYLES):
        rows = results["budget"] == budget
        by_params.plot(results["params"][rows], results["val_loss"][rows], dash, marker=marker, color=colour,
                       label=f"C = {budget:.2g} FLOPs")
        best = np.argmin(results["val_loss"][rows])
        by_params.plot(results["params"][rows][best], results["val_loss"][rows][best], "*", ms=15, color=colour,
                       mec=PALETTE[7])
    by_params.set(xscale="log", xlabel="parameters N (log scale)", ylabel="validation loss (nats/char)",
                  title="each budget: IsoFLOP profile (star: best run)")
    _count_ticks(by_params.xaxis)
    by_params.legend(fontsize=8)
    budgets, sizes = np.unique(results["budget"]), np.unique(results["params"])
    best = [np.argmin(np.where(results["budget"] == budget, results["val_loss"], np.inf)) for budget in budgets]
    runs_by_size = [np.argsort(results["tokens"][results["params"] == size]) for size in sizes]
    improves = all(np.all(np.diff(results["val_loss"][results["params"] == size][order]) < 0)
                   for size, order in zip(sizes, runs_by_size))
    grows = np.all(np.diff(results["params"][best]) >= 0)
    trend = "moves to larger models as the budget grows, as in" if grows else "does not move steadily, unlike"
    describe(figure, f"""
        The shipped sweep of {results["val_loss"].size} runs, final validation loss (nats/char) on both panels.
        Left: loss against training characters D (log scale, {human(results["tokens"].min())} to
        {human(results["tokens"].max())}) for each of {sizes.size} model sizes, {human(sizes[0])} to
        {human(sizes[-1])} parameters, darker for larger: {"every" if improves else "not every"} size improves
        with more data.
        Right: loss against parameters N (log scale) for each of {budgets.size} budgets from
        {flops(budgets[0]).removesuffix(" FLOPs")} to {flops(budgets[-1])}, each a bowl with its own colour, line
        style and marker, and its best run starred;
        the best run moves from {human(results["params"][best[0]])} parameters (loss
        {results["val_loss"][best[0]]:.3f}) at the smallest budget to {human(results["params"][best[-1]])}
        (loss {results["val_loss"][best[-1]]:.3f}) at the largest. Notice that the bottom of the bowl
        {trend} Hoffmann et al.'s Fig. 3.""")
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
    ax.axvspan(interval.low, interval.high, facecolor=to_rgba(PALETTE[0], 0.12), edgecolor=to_rgba(PALETTE[0], 0.6),
               lw=0, hatch="...", label=f"our {interval.level:.0%} interval")
    ax.axvline(interval.a, color=PALETTE[0], lw=2, label=f"our fit, a = {interval.a:.3f}")
    ax.axvspan(*published_interval, facecolor=to_rgba(PALETTE[1], 0.25), edgecolor=to_rgba(PALETTE[1], 0.8), lw=0,
               hatch="///", label="Hoffmann et al., Approach 2 interval")
    ax.axvline(published_a, color=PALETTE[1], lw=2, ls="--", label=f"Hoffmann et al., a = {published_a}")
    ax.set(xlabel="exponent a in N_opt ∝ C^a (dimensionless)", ylabel="resamples (count)",
           title=f"How sure is a? (bootstrap, {interval.samples.size:,} resamples)")
    ax.legend(fontsize=8)
    low, high = published_interval
    inside = "contains" if interval.low <= published_a <= interval.high else "does not contain"
    describe(figure, f"""
        A histogram of the exponent a in N_opt ∝ C^a (dimensionless) refitted to {interval.samples.size:,}
        bootstrap resamples of our sweep (count of resamples per bin), spread from {interval.samples.min():.2f}
        to {interval.samples.max():.2f}. Our own fit gives a = {interval.a:.3f} (solid blue line), with its
        {interval.level:.0%} interval from {interval.low:.3f} to {interval.high:.3f} (blue band hatched with dots);
        Hoffmann et al.'s Approach 2 gives a = {published_a} (dashed orange line) with the interval {low:.3f} to
        {high:.3f} (orange band hatched with slanted lines). Notice how wide the spread is: our
        interval is {(interval.high - interval.low) / (high - low):.1f} times as wide as
        theirs, and it {inside} their value.""")
    return figure


def approach3_fit(results: dict, law):
    """Approach 3: every run of the sweep (dots, one colour per budget), the fitted law's IsoFLOP profile at each
    budget (lines, ``law.isoflop_profile``) and the law's optimum at each budget (stars)."""
    figure, ax = new_figure(width=7.5, height=4.0)
    grid = np.geomspace(results["params"].min() / 1.5, results["params"].max() * 1.5, 200)
    budgets = np.unique(results["budget"])
    for budget, colour, (dash, marker) in zip(budgets, BUDGET_COLOURS, BUDGET_STYLES):
        rows = results["budget"] == budget
        ax.plot(results["params"][rows], results["val_loss"][rows], marker, color=colour,
                label=f"runs, C = {budget:.2g} FLOPs")
        ax.plot(grid, law.isoflop_profile(budget, grid), dash, color=colour, lw=1.5)
    best = law.compute_optimal(budgets)
    ax.plot(best.params, best.loss, "*", ms=14, color=PALETTE[6], mec=PALETTE[7], label="the law's optima")
    ax.set(xscale="log", xlabel="parameters N (log scale)", ylabel="validation loss (nats/char)",
           title="Approach 3: one law for all twenty runs")
    _count_ticks(ax.xaxis)
    ax.legend(fontsize=8)
    miss = np.max(np.abs(law.loss(results["params"], results["tokens"]) / results["val_loss"] - 1))
    shown = BUDGET_STYLES[:budgets.size]
    markers = _in_words(_STYLE_WORDS[marker] for _, marker in shown)
    dashes = _in_words(_STYLE_WORDS[dash] for dash, _ in shown)
    describe(figure, f"""
        Validation loss (nats/char) against parameters N (log scale) for all {results["val_loss"].size} runs of
        the sweep (one colour and marker per budget: {markers} from {flops(budgets[0]).removesuffix(" FLOPs")} to
        {flops(budgets[-1])}), with the IsoFLOP profile that one fitted law L(N, D) = E + A/N^α + B/D^β predicts
        at each budget (lines: {dashes} in the same order) and the law's optimum at each budget (stars). The optima
        move from
        {human(best.params[0])} parameters (loss {best.loss[0]:.2f}) to {human(best.params[-1])} (loss
        {best.loss[-1]:.2f}), along N_opt ∝ C^{law.params_exponent:.3f}. Notice that one law with five constants
        passes within {miss:.1%} of every run.""")
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
    corrupted = np.array([r.corruption for r in quality])
    dirty = np.array([r.val_loss for r in quality])
    per_tenth = np.diff(dirty) / np.diff(corrupted) * 0.1
    fresh, last = repetition[0], repetition[-1]
    free = min(repetition, key=lambda r: abs(math.log(r.epochs / nearly_free_epochs)))
    if last.val_loss > UNIFORM_LOSS:
        ending = (f"above the uniform guess, ln {VOCAB_SIZE} ≈ {UNIFORM_LOSS:.2f}: having memorised its little "
                  f"text, the model is confidently wrong on new text.")
    else:
        ending = f"still below the uniform guess, ln {VOCAB_SIZE} ≈ {UNIFORM_LOSS:.2f}."
    describe(figure, f"""
        Final validation loss (nats/char) of the data experiments, same compute in every run. Left: against the
        fraction of training characters corrupted, {corrupted[0]:.0%} to {corrupted[-1]:.0%}: the loss rises from
        {dirty[0]:.2f} to {dirty[-1]:.2f}, by {per_tenth.min():.2f} to {per_tenth.max():.2f} nats per extra 10%.
        Right: against the epochs over the unique data (log scale, {fresh.epochs:g} to {last.epochs:g}): fresh data
        give {fresh.val_loss:.2f} (dotted line), {free.epochs:g} epochs cost only
        {free.val_loss - fresh.val_loss:+.2f} nats (dashed line: Muennighoff et al. found about
        {nearly_free_epochs:g} epochs nearly free), and {last.epochs:g} epochs end at {last.val_loss:.2f}, {ending}
        A few repeats are almost free; many are ruinous.""")
    return figure
