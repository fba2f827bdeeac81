"""Figures of lesson 10 (hyperparameters at scale): µP's coordinate check, the two schedules, and DeepSeek LLM's
hyperparameter laws.

Each function takes numbers made by the library (:mod:`scalingedu.lab.coordinate_check`,
:mod:`scalingedu.lab.schedules`, :mod:`scalingedu.laws.hyperparameters`) and returns a
``matplotlib.figure.Figure`` in the course style; none trains anything itself.
"""
from __future__ import annotations

import numpy as np

from ..data.deepseek_llm import DEEPSEEK_LLM_MODELS
from ..lab.coordinate_check import CoordinateCheck
from ..lab.schedules import schedule_curve, warmup_steps
from ..laws.hyperparameters import deepseek_batch_tokens, deepseek_learning_rate, non_embedding_flops_per_token
from ..plotting import PALETTE, new_figure

_STYLES = {"sp": (PALETTE[3], "s", "--", "standard (SP)"), "mup": (PALETTE[0], "o", "-", "µP")}


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
    return fig


def schedules(steps: int = 1000, branch_fractions=(0.25, 0.5, 1.0), decay_fraction: float = 0.2):
    """The learning rate (as a share of the peak) against the step for a cosine run of ``steps`` steps, for cosine
    runs planned for the shorter budgets ``branch_fractions`` of it, and for one warmup-stable-decay run whose
    stable phase is branched into a short decay at each budget."""
    fig, (left, right) = new_figure(2, width=10, height=3.4)
    longest = int(round(max(branch_fractions) * steps))
    warm = warmup_steps(longest)                      # the branches share the stable run, so its warm-up too
    for fraction, colour in zip(branch_fractions, PALETTE[1:]):
        n = int(round(fraction * steps))
        left.plot(np.arange(n), schedule_curve("cosine", n), color=colour, label=f"cosine, {n} steps")
        right.plot(np.arange(n), schedule_curve("wsd", n, decay_fraction=decay_fraction, warmup=warm), color=colour,
                   label=f"branch at {n} steps")
    stable = schedule_curve("wsd", longest, decay_fraction=0.0, warmup=warm)
    right.plot(np.arange(longest), stable, ":", color="0.3", label="stable phase (shared)")
    left.set(xlabel="training step", ylabel="learning rate / peak", title="cosine: one run per budget", ylim=(0, 1.05))
    right.set(xlabel="training step", ylabel="learning rate / peak",
              title=f"WSD: one stable run, a {decay_fraction:.0%} decay per budget", ylim=(0, 1.05))
    left.legend(fontsize=8)
    right.legend(fontsize=8)
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
    return fig
