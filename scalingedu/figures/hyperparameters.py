"""Figures of lesson 10 (hyperparameters at scale): µP's coordinate check, the two schedules, and DeepSeek LLM's
hyperparameter laws.

Each function takes numbers made by the library (:mod:`scalingedu.lab.coordinate_check`,
:mod:`scalingedu.lab.schedules`, :mod:`scalingedu.laws.hyperparameters`) and returns a
``matplotlib.figure.Figure`` in the course style; none trains anything itself.
"""
from __future__ import annotations

import numpy as np

from ..data.deepseek_llm import DEEPSEEK_LLM_MODELS
from ..formatting import human, sci
from ..lab.coordinate_check import CoordinateCheck
from ..lab.schedules import schedule_curve, warmup_steps
from ..laws.hyperparameters import deepseek_batch_tokens, deepseek_learning_rate, non_embedding_flops_per_token
from ..plotting import PALETTE, describe, new_figure

_STYLES = {"sp": (PALETTE[3], "s", "--", "standard (SP)"), "mup": (PALETTE[0], "o", "-", "µP")}
_BUDGET_STYLES = (("-", None), ("--", None), ("-.", None), ("-", "o"), ("--", "s"), ("-.", "^"))
"""Line style and marker of each budget in :func:`schedules`, shortest first (dotted is the shared stable phase)."""


def _listed(items) -> str:
    """'a, b and c' (for a figure's description)."""
    items = [str(item) for item in items]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def coordinate_check(*checks: CoordinateCheck):
    """How far each width's logits (left) and last hidden layer (right) moved after the same few Adam steps at the
    same learning rate (RMS change per coordinate, against width; both axes log), one line per parametrisation
    (colour and marker differ). Flat lines: updates that do not depend on width."""
    fig, (left, right) = new_figure(2, width=10, height=3.6)
    for check in checks:
        colour, marker, dash, name = _STYLES[check.parametrization]
        label = f"{name}, spread {check.spread:.2g}x" + (f", base {check.base_width}" if name == "µP" else "")
        left.plot(check.widths, check.logits, dash, marker=marker, color=colour, label=label)
        right.plot(check.widths, check.hidden, dash, marker=marker, color=colour, label=name)
    for ax, what in ((left, "logits"), (right, "last hidden layer")):
        ax.set(xscale="log", yscale="log", xlabel="width (units per layer, log scale)",
               ylabel=f"RMS change of the {what} (log scale)")
        ax.set_xticks(checks[0].widths, [str(w) for w in checks[0].widths])
        ax.minorticks_off()
    steps, rate = checks[0].steps, checks[0].learning_rate
    left.set_title(f"after {steps} Adam steps at lr {rate:g}: logits")
    right.set_title("last hidden layer")
    left.legend(fontsize=8)
    growth = "; ".join(
        f"{'SP' if c.parametrization == 'sp' else f'µP (base width {c.base_width})'}: logits {c.spread:.3g}x, "
        f"hidden layer {c.hidden.max() / c.hidden.min():.3g}x" for c in checks)
    widths = checks[0].widths
    describe(fig, f"""How far the logits (left) and the last hidden layer (right) moved after {steps} Adam steps at
        learning rate {rate:g}: the RMS change per coordinate against the width ({widths[0]} to {widths[-1]} units
        per layer), both axes log scale. Largest over smallest change across the widths: {growth}. A flat line
        means the same learning rate moves every width alike, as µP intends; under the standard parametrisation
        wider models take bigger steps, so their best learning rate shrinks.""")
    return fig


def schedules(steps: int = 1000, branch_fractions=(0.25, 0.5, 1.0), decay_fraction: float = 0.2):
    """The learning rate (as a share of the peak) against the step for a cosine run of ``steps`` steps, for cosine
    runs planned for the shorter budgets ``branch_fractions`` of it, and for one warmup-stable-decay run whose
    stable phase is branched into a short decay at each budget."""
    fig, (left, right) = new_figure(2, width=10, height=3.4)
    longest = int(round(max(branch_fractions) * steps))
    warm = warmup_steps(longest)                      # the branches share the stable run, so its warm-up too
    for fraction, colour, (dash, marker) in zip(branch_fractions, PALETTE[1:], _BUDGET_STYLES):
        n = int(round(fraction * steps))
        style = {"ls": dash, "marker": marker, "markevery": 0.2, "color": colour}
        left.plot(np.arange(n), schedule_curve("cosine", n), **style, label=f"cosine, {n} steps")
        right.plot(np.arange(n), schedule_curve("wsd", n, decay_fraction=decay_fraction, warmup=warm), **style,
                   label=f"branch at {n} steps")
    stable = schedule_curve("wsd", longest, decay_fraction=0.0, warmup=warm)
    right.plot(np.arange(longest), stable, ":", color="0.3", label="stable phase (shared)")
    left.set(xlabel="training step", ylabel="learning rate / peak", title="cosine: one run per budget", ylim=(0, 1.05))
    right.set(xlabel="training step", ylabel="learning rate / peak",
              title=f"WSD: one stable run, a {decay_fraction:.0%} decay per budget", ylim=(0, 1.05))
    left.legend(fontsize=8)
    right.legend(fontsize=8)
    lengths = [int(round(fraction * steps)) for fraction in branch_fractions]
    long_cosine = schedule_curve("cosine", longest)
    early = (f" The {longest}-step cosine run is still at {long_cosine[min(lengths) - 1]:.0%} of the peak at step "
             f"{min(lengths)}, so stopping it there is not a good {min(lengths)}-step run." if min(lengths) < longest
             else "")
    describe(fig, f"""The learning rate as a share of the peak against the training step. Left: cosine runs
        planned for {_listed(lengths)} steps, each decaying to {long_cosine[-1]:.0%} of the peak
        only at its own end.{early} Right: one warmup-stable-decay run that holds the peak after a {warm}-step
        warm-up, with a {decay_fraction:.0%} decay branched off it at {_listed(lengths)} steps.
        Cosine needs one full run per budget; WSD serves every budget from one stable run and a short decay
        each.""")
    return fig


def deepseek_laws(flops=None):
    """DeepSeek LLM's near-optimal peak learning rate (left) and batch in millions of tokens (right) against the
    compute budget C = M·D (FLOPs, log axes; default 1e20 to 1e26), with the values the paper chose for its 7B
    and 67B models."""
    flops = np.geomspace(1e20, 1e26, 61) if flops is None else np.asarray(flops, dtype=float)
    fig, (left, right) = new_figure(2, width=10, height=3.4)
    left.plot(flops, deepseek_learning_rate(flops), color=PALETTE[0], label="0.3118 C^-0.125")
    right.plot(flops, deepseek_batch_tokens(flops) / 1e6, color=PALETTE[0], label="0.2920 C^0.3271")
    for (name, model), marker in zip(DEEPSEEK_LLM_MODELS.items(), ("o", "s")):
        budget = non_embedding_flops_per_token(model["n_layers"], model["d_model"], model["context"]) * model["tokens"]
        left.plot([budget], [model["learning_rate"]], marker, color=PALETTE[3], label=f"DeepSeek LLM {name}, chosen")
        right.plot([budget], [model["batch_sequences"] * model["context"] / 1e6], marker, color=PALETTE[3],
                   label=f"DeepSeek LLM {name}, chosen")
    left.set(xscale="log", yscale="log", xlabel="compute C = M·D (FLOPs, log scale)",
             ylabel="peak learning rate (log scale)", title="learning rate falls slowly with compute")
    right.set(xscale="log", yscale="log", xlabel="compute C = M·D (FLOPs, log scale)",
              ylabel="batch (millions of tokens, log scale)", title="batch grows with compute")
    left.legend(fontsize=8)
    right.legend(fontsize=8)
    rates, batches = deepseek_learning_rate(flops), deepseek_batch_tokens(flops)
    chosen, off = [], []
    for name, model in DEEPSEEK_LLM_MODELS.items():
        budget = non_embedding_flops_per_token(model["n_layers"], model["d_model"], model["context"]) * model["tokens"]
        batch = model["batch_sequences"] * model["context"]
        chosen.append(f"{name} at {sci(budget, 2)} FLOPs: {sci(model['learning_rate'], 2)} and {human(batch)} tokens")
        off += [model["learning_rate"] / deepseek_learning_rate(budget) - 1, batch / deepseek_batch_tokens(budget) - 1]
    describe(fig, f"""DeepSeek LLM's fitted laws against the compute budget C = M·D ({sci(flops.min(), 2)} to
        {sci(flops.max(), 2)} FLOPs), all axes log scale. Left: the peak learning rate 0.3118 C^-0.125 falls from
        {sci(rates[0], 2)} to {sci(rates[-1], 2)}. Right: the batch 0.2920 C^0.3271 grows from {human(batches[0])}
        to {human(batches[-1])} tokens. The points, the learning rate and batch DeepSeek chose for its models
        ({"; ".join(chosen)}), lie within {max(abs(x) for x in off):.0%} of the lines. Over the range the learning
        rate changes {rates[0] / rates[-1]:.1f} times and the batch {batches[-1] / batches[0]:.0f} times: the batch
        carries most of the change.""")
    return fig
