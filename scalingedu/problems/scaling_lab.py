"""Problem set 05_scaling_lab: count, fit and predict with the scaling lab (solutions/05_scaling_lab.ipynb).

The learner counts the matrix-product FLOPs of a lab model by hand and compares them with the lab's exact counter,
runs Approach 2 on the shipped IsoFLOP sweep, reads off the tokens per parameter at our scale, fits the Chinchilla
law to the sweep and predicts the loss of a bigger model before training it, and prices repeated data with
Muennighoff et al.'s formula.

Expected answers are computed at check time from the library and the shipped results (:func:`load_results`,
:func:`experiment_runs`); nothing is typed in. :data:`PREDICT_WIDTH` and :data:`PREDICT_TOKENS` (the run to predict)
and the hidden test shapes are choices of this problem set.
"""
from __future__ import annotations

import numpy as np

from ..grading import ProblemSet, Question, close_to, has_sign, is_function, is_function_matching, is_number
from ..lab import ModelConfig, load_results, training_flops_per_step
from ..lab.experiments import muennighoff_effective_tokens, repetition_runs
from ..laws import fit_chinchilla, fit_isoflop_parabolas

PREDICT_WIDTH = 256
"""The model of lab.predict_loss: width 256 (158k parameters, larger than any model of the sweep)."""
PREDICT_TOKENS = 262_144
"""Its training characters (1,024 steps of 256): a run of a few seconds."""
REPETITION_EPOCHS = 4
"""The repetition run of lab.repetition_worth."""


# Expected values, computed at check time ---------------------------------------------------------------------

def _matmul_flops_per_token(width, depth, context, embedding, vocab):
    """The reference for lab.matmul_flops: the lab's exact counter, matrix products only, for one token."""
    config = ModelConfig(width=int(width), depth=int(depth), context=int(context), embedding=int(embedding),
                         vocab=int(vocab))
    return float(training_flops_per_step(config, 1).matmul)


def _public_shapes() -> list[tuple]:
    return [(48, 2, 16, 16, 97)]


def _hidden_shapes() -> list[tuple]:
    return [(16, 1, 8, 4, 97), (192, 3, 16, 16, 97), (64, 2, 32, 8, 256)]


def _sweep_fit():
    results = load_results()
    return fit_isoflop_parabolas(results["params"], results["flops"], results["val_loss"])


def _isoflop_exponent() -> float:
    return _sweep_fit().a


def _tokens_per_param() -> float:
    fit = _sweep_fit()
    return float(fit.tokens[-1] / fit.params[-1])


def _predicted_loss() -> float:
    results = load_results()
    law = fit_chinchilla(results["params"], results["tokens"], results["val_loss"])
    return float(law.loss(ModelConfig(PREDICT_WIDTH).params, PREDICT_TOKENS))


def _repetition_worth() -> float:
    run = next(r for r in repetition_runs() if round(r.epochs) == REPETITION_EPOCHS)
    return float(muennighoff_effective_tokens(run.unique_tokens, run.epochs) / run.tokens)


MATMUL_FLOPS = Question(
    id="lab.matmul_flops",
    points=3,
    statement=(
        "A lab model embeds each of `context` characters in `embedding` numbers, passes them through `depth` "
        "hidden layers of `width` units and predicts one of `vocab` symbols. Write a function "
        "`matmul_flops_per_token(width, depth, context, embedding, vocab)` that returns the training FLOPs per "
        "token spent in matrix products (forward and backward, the embedding gradient included), counting a "
        "product of an (m × n) by an (n × p) matrix as 2·m·n·p. Do not call the lab's counter."
    ),
    hint=("List the weight matrices: (context·embedding × width), depth − 1 of (width × width), (width × vocab). "
          "Forward costs 2 FLOPs per weight per token; backward twice that (gradients of the inputs and of the "
          "weights). Embeddings and biases are not matrix products."),
    public_checks=(
        is_function(5),
        is_function_matching(_matmul_flops_per_token, _public_shapes, what="the sweep's width-48 model", rel=1e-9),
    ),
    hidden_checks=(is_function_matching(_matmul_flops_per_token, _hidden_shapes, what="other shapes", rel=1e-9),),
    answer_kind="function",
)

ISOFLOP_EXPONENT = Question(
    id="lab.isoflop_exponent",
    points=3,
    statement=(
        "Do Approach 2 on the shipped sweep (`load_results()`: columns `budget`, `params`, `flops`, `val_loss`). "
        "For each of its four budgets fit a parabola to `val_loss` against $\\ln N$, take its minimum as "
        "$N_{opt}$, and fit $N_{opt} \\propto C^{a}$ through the four minima against the geometric mean of each budget's `flops`. "
        "Give the exponent $a$ as `isoflop_exponent`."
    ),
    hint=("Select a budget's runs with results['budget'] == budget. A parabola c2·x² + c1·x + c0 is lowest at "
          "x = -c1/(2·c2), so N_opt = exp(-c1/(2·c2)). The best run of each budget is not the parabola's minimum."),
    public_checks=(
        is_number(),
        has_sign("positive", what="the exponent"),
        close_to(_isoflop_exponent, rel=0.02,
                 hint="Fit the parabola's minimum for each budget (not the best run), then a line through "
                      "(ln C, ln N_opt)."),
    ),
    hidden_checks=(close_to(_isoflop_exponent, rel=0.002),),
)

TOKENS_PER_PARAM = Question(
    id="lab.tokens_per_param",
    points=2,
    statement=(
        "At the sweep's largest budget, how many training characters per parameter does the compute-optimal model "
        "of Approach 2 use? Give $D_{opt}/N_{opt}$ with $D_{opt} = C/(6 N_{opt})$ as `tokens_per_param`."
    ),
    hint="Use the largest budget's N_opt from your parabola and C = that budget's FLOPs; divide D_opt by N_opt.",
    public_checks=(
        is_number(),
        close_to(_tokens_per_param, rel=0.03, hint="D_opt/N_opt, not N_opt/D_opt; and remember the 6 in C/(6N)."),
    ),
    hidden_checks=(close_to(_tokens_per_param, rel=0.005),),
)

PREDICT_LOSS = Question(
    id="lab.predict_loss",
    points=3,
    statement=(
        "Fit the Chinchilla law to all twenty runs of the shipped sweep with `fit_chinchilla(params, tokens, "
        f"val_loss)`. Predict the validation loss of a model of width {PREDICT_WIDTH} (`ModelConfig("
        f"{PREDICT_WIDTH}).params` parameters, larger than any model of the sweep) trained on {PREDICT_TOKENS:,} "
        "characters. Give the prediction (nats per character) as `predicted_loss`; then train that model and "
        "compare."
    ),
    hint=("law.loss(N, D) evaluates the fitted law; N is the number of parameters (not the width), D the number "
          "of training characters."),
    public_checks=(
        is_number(),
        close_to(_predicted_loss, rel=0.01, hint="Fit to the sweep's val_loss (not train_loss), with N = params."),
    ),
    hidden_checks=(close_to(_predicted_loss, rel=0.001),),
)

REPETITION_WORTH = Question(
    id="lab.repetition_worth",
    points=2,
    statement=(
        f"The repetition run with {REPETITION_EPOCHS} epochs (`repetition_runs()`) trained on "
        "`run.tokens` characters made of `run.unique_tokens` unique ones. Muennighoff et al. 2023 value such data "
        "at $D' = U + U R^{*}_D (1 - e^{-R/R^{*}_D})$ fresh tokens, where $R$ is the number of *repetitions* "
        "(epochs − 1) and $R^{*}_D$ = `MUENNIGHOFF_2023_FIT['rd_star']`. What share of "
        "fresh data, $D'/D$, is the run worth by their formula? Give it as `repetition_worth`."
    ),
    hint="R counts repetitions after the first pass: R = epochs − 1. The share is at most 1.",
    public_checks=(
        is_number(),
        close_to(_repetition_worth, rel=0.01, hint="Use R = epochs − 1, and divide D' by the tokens trained on."),
    ),
    hidden_checks=(close_to(_repetition_worth, rel=0.001),),
)

PROBLEM_SET = ProblemSet(
    id="05_scaling_lab",
    title="The scaling lab: count, fit, predict",
    questions=(MATMUL_FLOPS, ISOFLOP_EXPONENT, TOKENS_PER_PARAM, PREDICT_LOSS, REPETITION_WORTH),
)
