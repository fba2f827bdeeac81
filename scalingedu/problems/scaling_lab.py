"""Problem set scaling_lab: count, fit, weigh the noise, predict (solutions/05_scaling_lab.ipynb).

The learner counts the matrix-product FLOPs of a lab model by hand and compares them with the lab's exact counter,
runs Approach 2 on the shipped IsoFLOP sweep, reads off the tokens per parameter at our scale, measures how much
the fitted exponent moves from one initialisation seed to the next (the shipped seed replicates), decides whether
the largest budget's optimum is resolved by that noise, cleans a SIMULATED class sweep with a diverged run before
fitting it, judges in their own words how far the exponent can be trusted, predicts the loss of a bigger model
before training it, and prices repeated data with Muennighoff et al.'s formula.

Expected answers are computed at check time from the library and the shipped results (:func:`load_results`,
:func:`experiment_runs`); nothing is typed in. :func:`class_sweep` is simulated from the law fitted to the seed
replicates, with their measured seed noise, and seeded per learner (:func:`learner_seed`). :data:`PREDICT_WIDTH`,
:data:`PREDICT_TOKENS` (the run to predict), the hidden test shapes, the two-standard-error rule of
scaling_lab.optimum_resolved and the simulation's seed are choices of this problem set.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from ..grading import ProblemSet, Tolerance, choice_question, function_question, number_question
from ..grading.factories import Criterion, rubric_question
from ..grading.learner import learner_seed
from ..lab import FULL_SWEEP, VOCAB_SIZE, ModelConfig, load_results, training_flops_per_step
from ..lab.experiments import muennighoff_effective_tokens, repetition_runs
from ..laws import fit_chinchilla, fit_isoflop_parabolas

PREDICT_WIDTH = 256
"""The model of scaling_lab.predict_loss: width 256 (158k parameters, larger than any model of the
sweep)."""
PREDICT_TOKENS = 262_144
"""Its training characters (1,024 steps of 256): a run of a few seconds."""
REPETITION_EPOCHS = 4
"""The repetition run of scaling_lab.repetition_worth."""
SEEDS = "sweep_seeds"
"""The shipped seed replicates: every run of the sweep trained with seeds 0, 1 and 2 (`load_results(SEEDS)`)."""
RESOLVED_BUDGET = FULL_SWEEP.budgets[2]
"""The budget of scaling_lab.optimum_resolved: 2.7e11 FLOPs, where the two largest seed-0 runs tie in lesson 05."""
RESOLVED_STANDARD_ERRORS = 2.0
"""scaling_lab.optimum_resolved: two mean losses are told apart when they differ by more than this many standard
errors of their difference (about 95% confidence for a normal error)."""
CLASS_SEED = 505
"""Seed of the SIMULATED class sweep (:func:`class_sweep`), or of each learner's own when one is set."""
NAIVE_MISS = 0.06
"""The diverged run of :func:`class_sweep` is placed where it moves a fit on all 60 runs by more than this share
(three times the question's public tolerance), so that a naive fit fails for every learner."""


def _latex(number: float) -> str:
    """2.7e11 as $2.7\\times10^{11}$, for a statement."""
    mantissa, exponent = f"{number:.1e}".split("e")
    return f"${mantissa}\\times10^{{{int(exponent)}}}$"


# Data --------------------------------------------------------------------------------------------------------

def seed_runs() -> dict[str, np.ndarray]:
    """The shipped seed replicates: the columns of the sweep, three rows (seeds 0, 1, 2) per budget and width."""
    return load_results(SEEDS)


def class_sweep() -> dict[str, np.ndarray]:
    """A SIMULATED class rerun of the sweep: the sweep's 20 (budget, width) points × 3 seeds, one run diverged.

    Not measurements. The losses are those of the Chinchilla law fitted to the shipped seed replicates
    (:func:`seed_law`), each multiplied by exp(s·z), z standard normal, with s the relative seed noise measured in
    the replicates (:func:`seed_noise`); then one run at the smallest or largest width of a budget, drawn at
    random among those where it moves Approach 2's exponent by more than :data:`NAIVE_MISS`, is replaced by a
    diverged run whose loss lies above the uniform guess ln 97 (it learned nothing). Seeded by :data:`CLASS_SEED`,
    or the learner's own seed when one is set. Columns ``budget``, ``width``, ``params``, ``tokens``, ``flops``
    (6·N·D), ``seed`` and ``val_loss``.
    """
    rng = np.random.default_rng(learner_seed(CLASS_SEED))
    rows = [(budget, width, FULL_SWEEP.config(width).params, tokens, seed)
            for budget, width, tokens in FULL_SWEEP.runs() for seed in range(3)]
    budget, width, params, tokens, seed = (np.array(column) for column in zip(*rows))
    params, tokens = params.astype(np.int64), tokens.astype(np.int64)
    flops = 6.0 * params * tokens
    loss = seed_law().loss(params, tokens) * np.exp(seed_noise() * rng.standard_normal(params.size))
    diverged = math.log(VOCAB_SIZE) + rng.uniform(0.3, 1.5)
    edges = np.flatnonzero([w in (width[budget == b].min(), width[budget == b].max()) for b, w in zip(budget, width)])
    candidates = rng.permutation(edges)
    for index in candidates:          # the first, in a random order, that a naive fit cannot get away with
        trial = loss.copy()
        trial[index] = diverged
        try:
            naive = fit_isoflop_parabolas(params, flops, trial).a
        except ValueError:            # a profile that no longer curves upward: a fit the learner cannot miss
            continue
        kept = np.arange(loss.size) != index
        if abs(naive / fit_isoflop_parabolas(params[kept], flops[kept], loss[kept]).a - 1) > NAIVE_MISS:
            break
    else:
        index = candidates[0]
    loss[index] = diverged
    return {"budget": budget.astype(float), "width": width.astype(np.int64), "params": params, "tokens": tokens,
            "flops": flops, "seed": seed.astype(np.int64), "val_loss": loss}


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
    # other depths (1 has no width × width matrix), contexts, embeddings and vocabularies than the public shape,
    # so that a function with the public shape's numbers typed in fails
    return [(16, 1, 8, 4, 97), (192, 3, 16, 16, 97), (64, 2, 32, 8, 256)]


def _sweep_fit():
    results = load_results()
    return fit_isoflop_parabolas(results["params"], results["flops"], results["val_loss"])


def _isoflop_exponent() -> float:
    return _sweep_fit().a


def _tokens_per_param() -> float:
    fit = _sweep_fit()
    return float(fit.tokens[-1] / fit.params[-1])


def per_seed_exponents() -> np.ndarray:
    """Approach 2's exponent a fitted to each seed's twenty runs of the seed replicates, by seed."""
    data = seed_runs()
    return np.array([fit_isoflop_parabolas(data["params"][same], data["flops"][same], data["val_loss"][same]).a
                     for same in (data["seed"] == seed for seed in np.unique(data["seed"]))])


def _exponent_seed_sd() -> float:
    return float(np.std(per_seed_exponents(), ddof=1))


def seed_noise() -> float:
    """The relative seed noise of the replicates: the pooled standard deviation of ln(val_loss) within each
    (budget, width), over all twenty points."""
    data = seed_runs()
    groups = [np.log(data["val_loss"][(data["budget"] == b) & (data["width"] == w)])
              for b, w in sorted(set(zip(data["budget"].tolist(), data["width"].tolist())))]
    squares = sum(float(np.sum((g - g.mean()) ** 2)) for g in groups)
    return math.sqrt(squares / sum(g.size - 1 for g in groups))


@functools.lru_cache(maxsize=1)
def seed_law():
    """The Chinchilla law fitted to every run of the seed replicates (the truth of :func:`class_sweep`; shipped
    data, the same for every learner, so fitted once per process)."""
    data = seed_runs()
    return fit_chinchilla(data["params"], data["tokens"], data["val_loss"])


def width_means(budget: float | None = None) -> list[tuple[int, float, float]]:
    """(width, mean loss over seeds, standard error of that mean) at ``budget`` (default:
    :data:`RESOLVED_BUDGET`) of the seed replicates, by width."""
    data = seed_runs()
    budget = RESOLVED_BUDGET if budget is None else float(budget)
    rows = []
    for width in np.unique(data["width"][data["budget"] == budget]):
        losses = data["val_loss"][(data["budget"] == budget) & (data["width"] == width)]
        rows.append((int(width), float(losses.mean()), float(losses.std(ddof=1) / math.sqrt(losses.size))))
    return rows


def _optimum_resolved() -> str:
    rows = sorted(width_means(), key=lambda row: row[1])
    best, runner_up = rows[0], rows[1]
    widths = [row[0] for row in width_means()]
    if best[0] in (min(widths), max(widths)):
        return "c"
    gap = runner_up[1] - best[1]
    return "a" if gap > RESOLVED_STANDARD_ERRORS * math.hypot(best[2], runner_up[2]) else "b"


def _clean_class_exponent() -> float:
    data = class_sweep()
    kept = data["val_loss"] < math.log(VOCAB_SIZE)
    return fit_isoflop_parabolas(data["params"][kept], data["flops"][kept], data["val_loss"][kept]).a


def _predicted_loss() -> float:
    results = load_results()
    law = fit_chinchilla(results["params"], results["tokens"], results["val_loss"])
    return float(law.loss(ModelConfig(PREDICT_WIDTH).params, PREDICT_TOKENS))


def _repetition_worth() -> float:
    run = next(r for r in repetition_runs() if round(r.epochs) == REPETITION_EPOCHS)
    return float(muennighoff_effective_tokens(run.unique_tokens, run.epochs) / run.tokens)


# Questions ---------------------------------------------------------------------------------------------------

MATMUL_FLOPS = function_question(
    "scaling_lab.matmul_flops", points=3, kind="derive", title="Matrix-product FLOPs per token",
    statement="""
        A lab model embeds each of `context` characters in `embedding` numbers, passes them through `depth`
        hidden layers of `width` units and predicts one of `vocab` symbols. Write a function
        `matmul_flops_per_token(width, depth, context, embedding, vocab)` that returns the training FLOPs per
        token spent in matrix products (forward and backward, the embedding gradient included), counting a
        product of an (m × n) by an (n × p) matrix as 2·m·n·p. Write it yourself: a function that calls the
        lab's counter `training_flops_per_step` earns no points.
    """,
    hint="""
        Lesson 05 §1 writes the model out layer by layer: list the weight matrices it multiplies by and their
        shapes (the layer count matters). Then count how many matrix products the backward pass needs for each
        product of the forward pass. Embedding look-ups and bias additions are not matrix products.
    """,
    reference=_matmul_flops_per_token, n_args=5, forbidden=(training_flops_per_step,),
    public_inputs=_public_shapes, public_what="the sweep's width-48 model",
    hidden_inputs=_hidden_shapes, hidden_what="other shapes (other depths, contexts and vocabularies)",
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
        Lesson 05 §4 does this with the library. By hand: np.polyfit of degree 2 gives each parabola, and the
        minimum of a parabola is where its derivative is zero. The best run of each budget is not the parabola's
        minimum. A straight line through (ln C, ln N_opt) gives the exponent.
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
        Use the largest budget's N_opt from your parabola and C = that budget's FLOPs (lesson 05 §6 prints the
        same ratio for every budget).
    """,
    expected=_tokens_per_param,
    # 3% rejects the best run's D/N (7% off) with room to spare; the usual hidden 0.5%.
    tolerance=Tolerance(0.03, hidden=0.005),
    public_hint="D_opt/N_opt, not N_opt/D_opt; and remember the 6 in C/(6N).",
)

EXPONENT_SEED_SD = number_question(
    "scaling_lab.exponent_seed_sd", points=3, kind="fit", title="An error bar from the seeds",
    statement="""
        The exponent of question 2 comes from one seed: one random initialisation of every model. The shipped
        seed replicates (`scaling_lab.seed_runs()`, made by `scalingedu sweep --seeds 3`; the same columns as
        `load_results()` plus `seed`) train every run of the sweep with seeds 0, 1 and 2. Do Approach 2
        separately on each seed's twenty runs, as in question 2, and give the sample standard deviation
        (`ddof=1`) of the three exponents as `exponent_seed_sd`: the error bar that seed noise alone puts on
        one sweep's $a$.
    """,
    hint="""
        Select one seed's runs with data['seed'] == seed and reuse your code of question 2 (write it as a
        function of the columns). np.std divides by n unless told otherwise.
    """,
    expected=_exponent_seed_sd,
    # Three fits of shared data: 5% in public rejects the ddof=0 spread (18% low), 0.5% hidden.
    tolerance=Tolerance(0.05, hidden=0.005),
    sign="positive", what="the standard deviation",
    public_hint="""
        One exponent per seed, from that seed's twenty runs only (not the runs of all seeds together); then
        np.std(..., ddof=1) of the three.
    """,
)

OPTIMUM_RESOLVED = choice_question(
    "scaling_lab.optimum_resolved", points=2, kind="decide", title="Is the optimum resolved by the noise?",
    statement=f"""
        At the budget of {_latex(RESOLVED_BUDGET)} FLOPs, average each width's validation loss over the three
        seeds of `scaling_lab.seed_runs()` and give each mean its standard error (the seeds' sample standard deviation
        over $\\sqrt{{3}}$). Call two widths *told apart* when their mean losses differ by more than
        {RESOLVED_STANDARD_ERRORS:g} standard errors of the difference of the two means. What do these runs say
        about the compute-optimal width at this budget? Give the key of the right statement as
        `optimum_resolved`.
    """,
    options={
        "a": "It is resolved: the width with the lowest mean loss is told apart from every other width, and it "
             "lies inside the sampled sizes, so the sweep singles out one optimal width at this budget.",
        "b": "It is not resolved: the lowest mean loss lies inside the sampled sizes, but the two best widths are "
             "not told apart, so the optimum is only known to lie somewhere around them.",
        "c": "It is not bracketed: the lowest mean loss is at the smallest or largest width sampled, so the "
             "optimum may lie outside the sweep and more sizes are needed before the noise even matters.",
    },
    answer=_optimum_resolved,
    hint="""
        Each of the two means carries its own error, and their difference carries both: work out the error of
        the gap before comparing the gap with it. Lesson 05 §4 points at the near-tie of the two largest runs at
        this budget.
    """,
)

CLEAN_CLASS_FIT = number_question(
    "scaling_lab.clean_class_fit", points=3, kind="fit", title="Clean a class sweep, then fit it",
    statement="""
        SIMULATED DATA. `scaling_lab.class_sweep()` imitates a class that reran the sweep with three seeds per
        run: the same 20 budget-width points, each with seeds 0, 1 and 2 (columns `budget`, `width`, `params`,
        `tokens`, `flops`, `seed`, `val_loss`). Its losses are drawn from the law fitted to the real seed
        replicates, with their measured seed noise; each learner of a class gets their own draw. One of the 60
        runs diverged: it learned nothing. Find it, leave it out, and do Approach 2 on the 59 runs that trained
        (each budget's parabola through all its remaining runs, every seed included). Give the exponent $a$ as
        `class_exponent`.
    """,
    hint="""
        Lesson 05 §1 says what loss a model that has learned nothing scores. Plot each budget's profile, or
        sort the losses, before fitting: a fit on all 60 runs is pulled far off by one bad run.
    """,
    expected=_clean_class_exponent,
    # The diverged run moves a by far more than 2%; the hidden 0.2% asks for exactly the fit described.
    tolerance=Tolerance(0.02, hidden=0.002),
    sign="positive", what="the exponent",
    public_hint="""
        Did you leave out the diverged run (one loss above the uniform guess)? Fit each budget's parabola through
        all its remaining runs, not through means.
    """,
)


MODEL_ANSWER = """
    The three seeds give a = 0.461, 0.467 and 0.485, a standard deviation of 0.012. As far as seed noise goes, the
    sweep could tell 0.45 from 0.55 easily: they are eight standard deviations apart. That is steadier than the
    single minima: at 2.7e11 FLOPs the two best widths differ by 0.004 nats, less than two standard errors, so
    that budget's optimum is not resolved. The exponent survives because each parabola uses all five runs of its
    budget and the slope uses four budgets, so the errors of single runs partly average out. But seed noise is
    not the largest uncertainty. Approach 3 on the same runs gives a = 0.556, about 0.09 away, seven times the
    seed spread, and the bootstrap of lesson 05 is wider too. Everything the three seeds share (the same four
    budgets over a factor 27, the same sizes, the learning-rate rule, the data order) is not in their spread at
    all, and three seeds only give a rough standard deviation. So I would report a as about 0.47 with an error
    of a few hundredths from the seeds and about 0.1 from the choice of method, and I would not claim that this
    sweep tells 0.45 from 0.55. To shrink it: more budgets over more decades of compute (a longer lever for the
    slope), more seeds near each minimum (the error of a mean falls as one over the square root of the number of
    seeds), a learning rate tuned for each size, and Approaches 2 and 3 reported side by side.
"""
"""The model answer of scaling_lab.trust_exponent. Its numbers are the lab's (tests/test_lab_problems.py checks
each one against the shipped results)."""


TRUST_EXPONENT = rubric_question(
    "scaling_lab.trust_exponent", points=3, kind="decide", title="How far do you trust the exponent?",
    statement="""
        Lesson 05 reported $a$ to three digits from one sweep. Using what you measured in questions 2, 4 and 5,
        say in a few sentences how far you trust the sweep's exponent. Could it tell $a = 0.45$ from $a = 0.55$?
        Is seed noise the largest uncertainty, and what does the seed spread leave out? Say what you would change
        in the experiment to shrink the uncertainty. Write your answer as text in `trust_exponent`.
    """,
    hint="Put the seed spread of question 4 next to the differences you want to tell apart, and next to what "
         "Approach 3 gives on the same runs (lesson 05 §5). Then ask what all three seeds have in common.",
    criteria=(
        Criterion("Compares the seed spread of a with the differences at stake (0.45 against 0.55, Approach 2 "
                  "against Approach 3) and draws the conclusion the numbers support for each", 1),
        Criterion("Explains why the exponent is steadier than a single minimum (parabolas through all runs, a "
                  "slope through four budgets), and names an uncertainty the seed spread leaves out: the method, "
                  "the narrow range of budgets, the shared recipe, or only three seeds", 1),
        Criterion("Proposes concrete changes: more budgets over more decades, more seeds near the minima (the "
                  "error of a mean falls as one over the square root of their number), reporting an interval", 1),
    ),
    model_answer=MODEL_ANSWER,
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
        Lesson 05 §5 fits the same law; a fitted law evaluates itself at any N and D. N counts parameters
        (not the width), D training characters.
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
    hint="R counts repetitions after the first pass, not passes. The share is at most 1.",
    expected=_repetition_worth,
    tolerance=Tolerance(0.01),   # one formula, one printed constant: only rounding to forgive
    public_hint="Count R as repetitions after the first epoch, and divide D' by the tokens trained on.",
)

PROBLEM_SET = ProblemSet(
    id="scaling_lab",
    title="The scaling lab: count, fit, weigh the noise, predict",
    questions=(MATMUL_FLOPS, ISOFLOP_EXPONENT, TOKENS_PER_PARAM, EXPONENT_SEED_SD, OPTIMUM_RESOLVED,
               CLEAN_CLASS_FIT, TRUST_EXPONENT, PREDICT_LOSS, REPETITION_WORTH),
)
