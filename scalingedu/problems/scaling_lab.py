"""Problem set scaling_lab: count, fit and predict with the scaling lab
(solutions/05_scaling_lab.ipynb).

The learner counts the matrix-product FLOPs of a lab model by hand and compares them with the lab's exact counter,
runs Approach 2 on the shipped IsoFLOP sweep, reads off the tokens per parameter at our scale, fits the Chinchilla
law to the sweep and predicts the loss of a bigger model before training it, and prices repeated data with
Muennighoff et al.'s formula.

Expected answers are computed at check time from the library and the shipped results (:func:`load_results`,
:func:`experiment_runs`); nothing is typed in. :data:`PREDICT_WIDTH` and :data:`PREDICT_TOKENS` (the run to predict)
and the hidden test shapes are choices of this problem set.
"""
from __future__ import annotations

from ..grading import ProblemSet, Tolerance, function_question, number_question
from ..lab import ModelConfig, load_results, training_flops_per_step
from ..lab.experiments import muennighoff_effective_tokens, repetition_runs
from ..laws import fit_chinchilla, fit_isoflop_parabolas

PREDICT_WIDTH = 256
"""The model of scaling_lab.predict_loss: width 256 (158k parameters, larger than any model of the
sweep)."""
PREDICT_TOKENS = 262_144
"""Its training characters (1,024 steps of 256): a run of a few seconds."""
REPETITION_EPOCHS = 4
"""The repetition run of scaling_lab.repetition_worth."""


# Expected values, computed at check time ---------------------------------------------------------------------

def _matmul_flops_per_token(width, depth, context, embedding, vocab):
    """The reference for scaling_lab.matmul_flops: the lab's exact counter, matrix products only,
    for one token."""
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


MATMUL_FLOPS = function_question(
    "scaling_lab.matmul_flops", points=3, kind="derive", title="Matrix-product FLOPs per token",
    statement="""
        A lab model embeds each of `context` characters in `embedding` numbers, passes them through `depth`
        hidden layers of `width` units and predicts one of `vocab` symbols. Write a function
        `matmul_flops_per_token(width, depth, context, embedding, vocab)` that returns the training FLOPs per
        token spent in matrix products (forward and backward, the embedding gradient included), counting a
        product of an (m × n) by an (n × p) matrix as 2·m·n·p. Do not call the lab's counter.
    """,
    hint="""
        List the weight matrices: (context·embedding × width), depth − 1 of (width × width), (width × vocab).
        Forward costs 2 FLOPs per weight per token; backward twice that (gradients of the inputs and of the
        weights). Embeddings and biases are not matrix products.
    """,
    reference=_matmul_flops_per_token, n_args=5, forbidden=(training_flops_per_step,),
    public_inputs=_public_shapes, public_what="the sweep's width-48 model",
    hidden_inputs=_hidden_shapes, hidden_what="other shapes",
    rel=1e-9,   # a count of whole FLOPs: nothing is fitted, only float rounding may differ
)

ISOFLOP_EXPONENT = number_question(
    "scaling_lab.isoflop_exponent", points=3, kind="fit", title="Approach 2 on real runs",
    statement="""
        Do Approach 2 on the shipped sweep (`load_results()`: columns `budget`, `params`, `flops`, `val_loss`).
        For each of its four budgets fit a parabola to `val_loss` against $\\ln N$, take its minimum as
        $N_{opt}$, and fit $N_{opt} \\propto C^{a}$ through the four minima against the geometric mean of each
        budget's `flops`. Give the exponent $a$ as `isoflop_exponent`.
    """,
    hint="""
        Select a budget's runs with results['budget'] == budget. A parabola c2·x² + c1·x + c0 is lowest at x =
        -c1/(2·c2), so N_opt = exp(-c1/(2·c2)). The best run of each budget is not the parabola's minimum.
    """,
    expected=_isoflop_exponent,
    # A fit, but of shipped runs everyone shares: 2% in public (the best run of each budget in place
    # of the parabola's minimum is 10% off).
    tolerance=Tolerance(0.02, hidden=0.002),
    sign="positive", what="the exponent",
    public_hint="""
        Fit the parabola's minimum for each budget (not the best run), then a line through (ln C, ln N_opt).
    """,
)

TOKENS_PER_PARAM = number_question(
    "scaling_lab.tokens_per_param", points=2, kind="compute",
    title="Tokens per parameter at our scale",
    statement="""
        At the sweep's largest budget, how many training characters per parameter does the compute-optimal model
        of Approach 2 use? Give $D_{opt}/N_{opt}$ with $D_{opt} = C/(6 N_{opt})$ as `tokens_per_param`.
    """,
    hint="""
        Use the largest budget's N_opt from your parabola and C = that budget's FLOPs; divide D_opt by N_opt.
    """,
    expected=_tokens_per_param,
    # 3% rejects the best run's D/N (7% off) with room to spare; the usual hidden 0.5%.
    tolerance=Tolerance(0.03, hidden=0.005),
    public_hint="D_opt/N_opt, not N_opt/D_opt; and remember the 6 in C/(6N).",
)

PREDICT_LOSS = number_question(
    "scaling_lab.predict_loss", points=3, kind="fit", title="Predict a bigger run, then run it",
    statement=f"""
        Fit the Chinchilla law to all twenty runs of the shipped sweep with `fit_chinchilla(params, tokens,
        val_loss)`. Predict the validation loss of a model of width {PREDICT_WIDTH}
        (`ModelConfig({PREDICT_WIDTH}).params` parameters, larger than any model of the sweep) trained on
        {PREDICT_TOKENS:,} characters. Give the prediction (nats per character) as `predicted_loss`; then train
        that model and compare.
    """,
    hint="""
        law.loss(N, D) evaluates the fitted law; N is the number of parameters (not the width), D the number of
        training characters.
    """,
    expected=_predicted_loss,
    # The sweep's losses all lie within 15% of the answer: 5% would accept a poor prediction.
    tolerance=Tolerance(0.01),
    public_hint="Fit to the sweep's val_loss (not train_loss), with N = params.",
)

REPETITION_WORTH = number_question(
    "scaling_lab.repetition_worth", points=2, kind="compute", title="What four epochs are worth",
    statement=f"""
        The repetition run with {REPETITION_EPOCHS} epochs (`repetition_runs()`) trained on `run.tokens`
        characters made of `run.unique_tokens` unique ones. Muennighoff et al. 2023 value such data at $D' = U +
        U R^{{*}}_D (1 - e^{{-R/R^{{*}}_D}})$ fresh tokens, where $R$ is the number of *repetitions* (epochs −
        1) and $R^{{*}}_D$ = `MUENNIGHOFF_2023_FIT['rd_star']`. What share of fresh data, $D'/D$, is the run
        worth by their formula? Give it as `repetition_worth`.
    """,
    hint="R counts repetitions after the first pass: R = epochs − 1. The share is at most 1.",
    expected=_repetition_worth,
    tolerance=Tolerance(0.01),   # one formula, one printed constant: only rounding to forgive
    public_hint="Use R = epochs − 1, and divide D' by the tokens trained on.",
)

PROBLEM_SET = ProblemSet(
    id="scaling_lab",
    title="The scaling lab: count, fit, predict",
    questions=(MATMUL_FLOPS, ISOFLOP_EXPONENT, TOKENS_PER_PARAM, PREDICT_LOSS, REPETITION_WORTH),
)
