"""Static figures of lesson 08 (diminishing returns). Each function takes its numbers from :mod:`scalingedu.returns`
and returns a :class:`matplotlib.figure.Figure`; the lesson calls it in one line."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullLocator

from ..formatting import human, sci
from ..plotting import PALETTE, describe, new_figure
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
    gains = -np.diff(lab.loss)
    steps = np.asarray(lab.flops)[1:] / np.asarray(lab.flops)[:-1]
    step = f" (each budget {steps[0]:.3g} times the last)" if np.allclose(steps, steps[0], rtol=0.01) else ""
    trend = ("roughly constant, so the points lie close to a straight line on the log axis: the lab's tiny models "
             "are still far from their floor, and no diminishing returns in nats show yet"
             if gains.max() <= 1.5 * gains.min() else "shrinking from one budget to the next: diminishing returns")
    describe(fig, f"""Validation loss of the best lab run (nats/character) against training compute (FLOPs, log
        scale) at the lab's {len(lab.flops)} budgets, {sci(min(lab.flops))} to {sci(max(lab.flops))} FLOPs. The loss
        falls from {lab.loss[0]:.3f} to {lab.loss[-1]:.3f}, by {", ".join(f"{g:.3f}" for g in gains)} nats from one
        budget to the next{step}. The gains are {trend}.""")
    return fig


def sampling_toy(result: ComputeMatched, verifier: Verifier, probabilities=(0.02, 0.1, 0.4)) -> Figure:
    """The toy model of test-time compute (:mod:`scalingedu.returns.test_time`). Left: coverage (dashed) and
    best-of-N accuracy with ``verifier`` (solid) against the number of samples per problem (1 to 1,000, log scale),
    for per-sample success ``probabilities``. Right: the compute-matched comparison ``result``: the chance of a right
    answer against problem difficulty for the small model sampled ``result.samples`` times and judged by the
    verifier, for the larger model answering once, and for the small model answering once (dotted)."""
    samples = np.unique(np.geomspace(1, 1000, 40).round())
    fig, (left, right) = new_figure(2, width=11, height=4.0)
    for p, colour, marker in zip(probabilities, PALETTE, ("o", "s", "^", "D", "v", "P", "X")):
        left.plot(samples, coverage(p, samples), "--", marker=marker, markevery=6, mfc="none", color=colour,
                  label=f"coverage, p = {p}")
        left.plot(samples, best_of_n_accuracy(p, samples, verifier), "-", marker=marker, markevery=6, color=colour,
                  lw=2, label=f"best-of-N, p = {p}")
    left.set(xscale="log", ylim=(0, 1.02), xlabel="samples per problem k (log scale)",
             ylabel="fraction of problems", title="TOY MODEL: coverage vs what a verifier can pick")
    left.legend(fontsize=8, ncols=2, loc="lower right")
    small, large = human(result.small_params), human(result.large_params)
    right.plot(result.difficulties, result.small_best_of_n, color=PALETTE[0], lw=2,
               label=f"{small} model, best of {result.samples}")
    right.plot(result.difficulties, result.large_single, "-.", color=PALETTE[3], lw=2,
               label=f"{large} model, one answer")
    right.plot(result.difficulties, result.small_single, ":", color=PALETTE[0], label=f"{small} model, one answer")
    right.set(ylim=(0, 1.02), xlabel="problem difficulty (toy units)", ylabel="chance of a right answer",
              title="TOY MODEL: same inference FLOPs, two ways")
    right.legend(fontsize=8)
    k = samples[-1]
    levels = ", ".join(f"{best_of_n_accuracy(p, k, verifier):.2f}" for p in probabilities)
    wins = result.sampling_wins
    where = (f" and losing where the {small} model's one-answer success is below "
             f"{result.small_single[wins].min():.1%}" if wins.any() and not wins.all() else "")
    describe(fig, f"""A toy model, not data. Left: the fraction of problems solved against the samples per problem
        k (1 to {k:,.0f}, log scale), one marker shape per p: coverage (dashed, hollow markers) rises towards 1 for
        every per-sample success p, while
        best-of-N accuracy with the verifier (solid, filled markers) levels off at the verifier's precision, at
        {k:,.0f} samples
        {levels} for p = {", ".join(str(p) for p in probabilities)}. Right: the chance of a right answer against
        problem difficulty (toy units) at equal inference FLOPs: the {small} model's best of {result.samples}
        averages {result.mean_small_best_of_n:.3f} (solid line) against {result.mean_large_single:.3f} for the
        {large} model's one answer (dash-dotted; {np.mean(result.small_single):.3f} for the {small} model's one
        answer, dotted), winning on
        {wins.mean():.0%} of the problems{where}.""")
    return fig


def lifetime_exchange(free: TotalMatched, paid: TotalMatched) -> Figure:
    """Test-time compute counted over a model's life (:mod:`scalingedu.returns.total_compute`). Left: the samples
    per answer a small model can afford at a larger model's lifetime FLOPs, against the ratio R of answer tokens
    served to pre-training tokens (both log scale), without a verifier's cost (``free``) and with it (``paid``).
    Right: the toy task's mean accuracy of the small model's best-of-k at those k, and the larger model's single
    answer (flat), against R; where the curves cross, extra pre-training becomes the better buy."""
    fig, (left, right) = new_figure(2, width=11, height=4.0)
    for result, colour, style, label in ((free, PALETTE[0], "o-", "verifier free"),
                                         (paid, PALETTE[1], "s--", "verifier paid for")):
        shown = result.affordable
        left.plot(result.ratios[shown], result.samples[shown], style, color=colour, ms=4, label=label)
        right.plot(result.ratios[shown], result.small_accuracy[shown], style, color=colour, ms=4,
                   label=f"small model, best of k ({label})")
    left.axhline(free.scale, color="0.4", ls=":", lw=1, label=f"k = {free.scale:g} (the inference-only match)")
    left.set(xscale="log", yscale="log", xlabel="answer tokens served / pre-training tokens, R (log scale)",
             ylabel="samples per answer k (log scale)", title=f"samples affordable vs a {free.scale:g}x model")
    left.legend(fontsize=8)
    right.axhline(free.large_accuracy, color=PALETTE[3], lw=2, label=f"{free.scale:g}x larger model, one answer")
    right.set(xscale="log", ylim=(0, 1.02), xlabel="answer tokens served / pre-training tokens, R (log scale)",
              ylabel="mean chance of a right answer", title="TOY MODEL: equal lifetime FLOPs, two ways")
    right.legend(fontsize=8, loc="lower left")

    def course(result):
        r, k, accuracy = (x[result.affordable] for x in (result.ratios, result.samples, result.small_accuracy))
        crossing = (f"the larger model is as good or better from R = {result.break_even_ratio:g}"
                    if result.break_even_ratio else "the larger model never catches up in this range")
        return (f"k falls from {k[0]:,.0f} at R = {r[0]:g} to {k[-1]:,.0f} at R = {r[-1]:g} and the mean accuracy "
                f"from {accuracy[0]:.3f} to {accuracy[-1]:.3f}: {crossing}")
    describe(fig, f"""A toy model of test-time compute at equal lifetime FLOPs. Left: the samples per answer k a
        small model can afford at a {free.scale:g}x larger model's lifetime FLOPs, against R, the answer tokens
        served over the pre-training tokens (both axes log scale), without the verifier's cost (circles, solid) and
        with it (squares, dashed). Right: the mean chance of a right answer of the
        small model's best of k against R, and the {free.scale:g}x model's one answer, flat at
        {free.large_accuracy:.3f}. With the verifier free, {course(free)}. With the verifier paid for,
        {course(paid)}. The more the model is used, the fewer samples the saved pre-training buys, until extra
        pre-training becomes the better buy.""")
    return fig


def two_step_forecast(forecast, compare=None) -> Figure:
    """The two-step forecast of a benchmark score (:func:`scalingedu.returns.forecast.two_step_forecast`). Left,
    step 1: the compute-optimal loss at each fitted budget, the power law through them (dashed beyond the fitted
    budgets), the forecast at the target with its interval, and the best run measured there. Right, step 2: the
    runs of the fitted budgets (accuracy against loss), the fitted sigmoid, the forecast with both intervals, and
    the measured run; ``compare`` (another forecast of the same runs, e.g. with the ceiling fixed at 1) adds its
    sigmoid (dotted) and its forecast."""
    fig, (left, right) = new_figure(2, width=11, height=4.0)
    name = {"task_loss": "loss on the correct answers", "val_loss": "validation loss"}[forecast.loss_column]
    measured = {"marker": "D", "mfc": "none", "mew": 2, "ms": 10, "color": PALETTE[3], "ls": "none",
                "label": "measured best run"}
    target, first = forecast.target_budget, min(forecast.fit_budgets)
    fitted = np.geomspace(forecast.step1_flops.min(), forecast.step1_flops.max(), 50)
    beyond = np.geomspace(forecast.step1_flops.max(), target * 1.15, 20)
    left.plot(forecast.step1_flops, forecast.step1_loss, "o", color=PALETTE[0],
              label="compute-optimal loss (fitted budgets)")
    left.plot(fitted, forecast.loss_law(fitted), "-", color=PALETTE[0], label="power law fit")
    left.plot(beyond, forecast.loss_law(beyond), "--", color=PALETTE[0], label="_extrapolation")
    interval = [[forecast.predicted_loss - forecast.loss_low], [forecast.loss_high - forecast.predicted_loss]]
    left.errorbar([target], [forecast.predicted_loss], yerr=interval, fmt="s", color=PALETTE[1], capsize=4,
                  label=f"forecast ({round(100 * forecast.level)}% interval)")
    left.plot([target], [forecast.measured_loss], **measured)
    ticks = sorted({*forecast.fit_budgets, target})
    left.set(xscale="log", xlim=(first / 1.6, target * 1.6), xlabel="training compute (FLOPs, log scale)",
             ylabel=f"{name} (nats/character)", title="step 1: compute → loss")
    left.xaxis.set_major_locator(FixedLocator(ticks))
    left.xaxis.set_minor_locator(NullLocator())
    left.set_xticklabels([sci(f, 2) for f in ticks])
    left.legend(fontsize=8)
    losses = np.linspace(min(forecast.fit_loss.min(), forecast.loss_low, forecast.measured_loss) - 0.05,
                         forecast.fit_loss.max() + 0.05, 120)
    right.plot(forecast.fit_loss, forecast.fit_accuracy, "o", color=PALETTE[0], label="runs at fitted budgets")
    kind = "fitted" if forecast.ceiling_fitted else "fixed"
    right.plot(losses, forecast.accuracy_at(losses), "-", color=PALETTE[0],
               label=f"sigmoid, ceiling {forecast.ceiling:.2f} ({kind})")
    if compare is not None:
        other = "fitted" if compare.ceiling_fitted else "fixed"
        right.plot(losses, compare.accuracy_at(losses), ":", color=PALETTE[4],
                   label=f"sigmoid, ceiling {compare.ceiling:.2f} ({other})")
        right.plot([compare.predicted_loss], [compare.predicted_accuracy], "s", mfc="none", color=PALETTE[4],
                   label=f"forecast, ceiling {compare.ceiling:.2f}")
    right.errorbar([forecast.predicted_loss], [forecast.predicted_accuracy],
                   xerr=[[forecast.predicted_loss - forecast.loss_low], [forecast.loss_high - forecast.predicted_loss]],
                   yerr=[[forecast.predicted_accuracy - forecast.accuracy_low],
                         [forecast.accuracy_high - forecast.predicted_accuracy]],
                   fmt="s", color=PALETTE[1], capsize=4, label="forecast (both intervals)")
    right.plot([forecast.measured_loss], [forecast.measured_accuracy], **measured)
    right.set(xlabel=f"{name} (nats/character)", ylabel="task accuracy (exact match)",
              title="step 2: loss → accuracy")
    right.invert_xaxis()
    right.legend(fontsize=8)
    inside = "inside" if forecast.accuracy_inside else "outside"
    other = "" if compare is None else (
        f" With the ceiling {'fitted' if compare.ceiling_fitted else 'fixed'} at {compare.ceiling:.2f} (dotted) the "
        f"same runs forecast {compare.predicted_accuracy:.3f} [{compare.accuracy_low:.3f}, "
        f"{compare.accuracy_high:.3f}], and the measurement is "
        f"{'inside' if compare.accuracy_inside else 'outside'} that interval.")
    describe(fig, f"""A benchmark score forecast in two steps from the lab's runs at
        {", ".join(sci(b, 2) for b in forecast.fit_budgets)} FLOPs, checked against the runs at {sci(target, 2)}.
        Left, step 1: {name} (nats/character) against training compute (FLOPs, log scale); the power law through
        the compute-optimal losses forecasts {forecast.predicted_loss:.3f} [{forecast.loss_low:.3f},
        {forecast.loss_high:.3f}] ({round(100 * forecast.level)}% interval) at {sci(target, 2)}, where the best run
        measured {forecast.measured_loss:.3f}. Right, step 2: task accuracy (exact match) against the same loss,
        its axis reversed so that lower loss is to the right; the sigmoid with ceiling {forecast.ceiling:.2f}
        ({kind}) forecasts {forecast.predicted_accuracy:.3f} [{forecast.accuracy_low:.3f},
        {forecast.accuracy_high:.3f}], against {forecast.measured_accuracy:.3f} measured ({inside} the
        interval).{other} The intervals measure the noise of the runs, not the choice of curve.""")
    return fig
