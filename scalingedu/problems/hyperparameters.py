"""Problem set hyperparameters: the critical batch, learning rates across widths, schedules
(solutions/10_hyperparameters.ipynb).

The learner derives the steps a batch size needs from McCandlish et al. 2018's trade-off and fits the critical batch
to the lab's batch-size sweep (at a target loss of their own), prices a frontier batch with DeepSeek LLM's law,
derives µP's per-layer Adam rates, fits how far µP's optimal learning rate still drifts with width, decides which
recipe to tune at width 32 and train at width 256, measures what a branch of a warmup-stable-decay run is worth in
characters of cosine training, and judges in their own words whether a scaling study should use WSD branches.

Expected answers are computed at check time from the library and the shipped sweeps
(:func:`~scalingedu.lab.hyperparameters.load_hparam_results`); nothing is typed in. The target loss of the
critical-batch questions is the learner's own (:func:`target_loss`, through
:func:`~scalingedu.grading.learner.learner_seed`). :data:`TARGETS`, :data:`DEFAULT_TARGET`, :data:`TUNE_WIDTH`,
:data:`TRAIN_WIDTH`, the rule by which the transfer plan is judged (each seed's parabola evaluated at the transferred
rate) and the hidden test inputs are choices of this problem set.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from ..data import MODELS
from ..data.deepseek_llm import DEEPSEEK_LLM_HYPERPARAMETER_LAWS
from ..grading import ProblemSet, Tolerance, choice_question, function_question, number_question
from ..grading.factories import Criterion, rubric_question
from ..grading.learner import current_learner, learner_seed
from ..lab.hyperparameters import (
    DESIGNS,
    critical_batch_sizes,
    learning_rate_drift,
    learning_rate_optima,
    load_hparam_results,
    schedule_comparison,
)
from ..lab.model import MLPLanguageModel, ModelConfig
from ..lab.noise_scale import TradeOff
from ..laws.hyperparameters import deepseek_batch_tokens, non_embedding_flops_per_token
from ..transformer import PRESETS

TARGETS = (2.6, 2.4, 2.2)
"""The target losses (nats per character) a learner's critical-batch questions may use. The sweep's fourth target,
2.8, is left out: its fewest steps (about 15) fall inside the 20-step warm-up, so the trade-off there measures the
warm-up as much as the batch."""
DEFAULT_TARGET = 2.4
"""The target of everyone's shared data (self-paced learners and the solution notebook)."""
TARGET_SEED = 1010
"""Seed from which each learner of a class draws their target (:func:`target_loss`)."""
LARGEST_BATCH = max(DESIGNS["batch-size"].batches)
"""The largest batch of the batch-size sweep (8,192 characters)."""
TUNE_WIDTH = 32
"""hyperparameters.transfer_plan: the width the learning rate is tuned at."""
TRAIN_WIDTH = 256
"""hyperparameters.transfer_plan: the width of the model to train."""
DRIFT_VARIANT = ("mup", 32)
"""hyperparameters.mup_drift: the parametrisation and base width whose drift is fitted (µP relative to width 32)."""
SCHEDULE_BUDGET = max(DESIGNS["schedules"].budgets)
"""hyperparameters.wsd_worth: the largest budget of the schedules sweep (4,194,304 characters)."""
FRONTIER_MODEL = "Chinchilla"
"""hyperparameters.frontier_batch: the run DeepSeek LLM's batch law is applied to (its shape in
:data:`scalingedu.transformer.PRESETS`, its tokens in :data:`scalingedu.data.MODELS`)."""


def target_loss() -> float:
    """The target loss (nats per character) of your critical-batch questions: :data:`DEFAULT_TARGET` for everyone's
    shared data, or one of :data:`TARGETS` drawn from your id when one is set (the grader uses the roster's)."""
    if current_learner() is None:
        return DEFAULT_TARGET
    return TARGETS[learner_seed(TARGET_SEED) % len(TARGETS)]


# Expected values, computed at check time ---------------------------------------------------------------------

def _steps_for_batch(batch, s_min, e_min):
    """The reference for hyperparameters.steps_for_batch: the lab's trade-off, S = S_min + E_min/B."""
    return TradeOff(s_min=float(s_min), e_min=float(e_min), points=0, rms_log_error=0.0).steps(batch)


def _public_tradeoffs() -> list[tuple]:
    # about the sweep's fit at 2.4 nats: S_min = 30 steps, E_min = 44k characters
    return [(1024.0, 30.0, 44_000.0)]


def _hidden_tradeoffs() -> list[tuple]:
    # batches below and far above B_crit, an array of batches, and a frontier-sized run (B_crit = 160k tokens),
    # so that a function fitted to the public case, or one that gives E in place of S, fails
    return [(64.0, 15.0, 9_000.0), (np.array([32.0, 512.0, 8192.0, 1e6]), 36.0, 136_000.0),
            (4e6, 25_000.0, 4e9)]


@functools.lru_cache(maxsize=8)
def _critical_batch_at(target: float):
    """The library's trade-off fit at ``target`` (shipped data; cached per target, since learners share targets)."""
    (found,) = critical_batch_sizes(targets=[target])
    return found


def _critical_batch() -> float:
    return _critical_batch_at(target_loss()).b_crit


def _frontier_batch() -> float:
    shape = PRESETS[FRONTIER_MODEL]
    tokens = next(m.tokens for m in MODELS if m.name == FRONTIER_MODEL)
    flops = non_embedding_flops_per_token(shape.n_layers, shape.d_model, shape.context) * tokens
    return float(deepseek_batch_tokens(flops))


def _mup_learning_rates(learning_rate, width, base_width):
    """The reference for hyperparameters.mup_learning_rates: the Adam rates the lab's µP model gives its first,
    hidden and output weight matrices (``learning_rate`` × :attr:`MLPLanguageModel.learning_rate_scale`)."""
    config = ModelConfig(int(width), depth=2)
    model = MLPLanguageModel(config, parametrization="mup", base_width=int(base_width))
    first, start = {}, 0
    for name, shape in config.shapes().items():
        first[name] = float(model.learning_rate_scale[start])
        start += math.prod(shape)
    return float(learning_rate) * np.array([first["w0"], first["w1"], first["w_out"]])


def _public_widths() -> list[tuple]:
    return [(0.03, 256, 8)]


def _hidden_widths() -> list[tuple]:
    # other rates and base widths, a width below its base (the rates rise), a width that is not a power of two
    return [(0.01, 64, 32), (0.02, 16, 32), (0.005, 1024, 16), (0.04, 48, 8)]


def _drift(parametrization: str, base_width: int) -> float:
    return next(d.slope for d in learning_rate_drift()
                if (d.parametrization, d.base_width) == (parametrization, base_width))


def _mup_drift() -> float:
    return _drift(*DRIFT_VARIANT)


def _seed_parabolas(parametrization: str, base_width: int, width: int) -> list[np.ndarray]:
    """Each seed's parabola (``np.polyfit`` coefficients, loss against log2 of the learning rate) through the best
    rate of its sweep and its two neighbours, for one parametrisation ("sp" or "mup", with ``base_width``) and
    width of the shipped lr-transfer runs. The rule of hyperparameters.transfer_plan."""
    data = load_hparam_results("lr-transfer")
    rows = ((data["final"] == 1) & (data["mup"] == int(parametrization == "mup"))
            & (data["base_width"] == base_width) & (data["width"] == width))
    parabolas = []
    for seed in np.unique(data["seed"][rows]):
        mine = np.flatnonzero(rows & (data["seed"] == seed))
        mine = mine[np.argsort(data["learning_rate"][mine])]
        rates, losses = data["learning_rate"][mine], data["val_loss"][mine]
        best = int(np.clip(np.nanargmin(losses), 1, rates.size - 2))
        parabolas.append(np.polyfit(np.log2(rates[best - 1:best + 2]), losses[best - 1:best + 2], 2))
    return parabolas


TRANSFER_RECIPES = {
    "a": ("sp", 32, False),
    "b": ("sp", 32, True),
    "c": ("mup", 8, False),
    "d": ("mup", 32, False),
}
"""The recipes of hyperparameters.transfer_plan: (parametrisation, base width, whether the rate tuned at
:data:`TUNE_WIDTH` is scaled by (TRAIN_WIDTH/TUNE_WIDTH)^s with s the parametrisation's fitted drift)."""


def _transfer_losses() -> dict[str, tuple[float, float]]:
    """Each recipe of :data:`TRANSFER_RECIPES`: (the peak rate it trains the width-256 model at, the mean over seeds
    of that model's loss predicted by :func:`_seed_parabolas` at that rate)."""
    found = {}
    for key, (parametrization, base_width, scaled) in TRANSFER_RECIPES.items():
        rate = next(o.learning_rate for o in learning_rate_optima()
                    if (o.parametrization, o.base_width, o.width) == (parametrization, base_width, TUNE_WIDTH))
        if scaled:
            rate *= (TRAIN_WIDTH / TUNE_WIDTH) ** _drift(parametrization, base_width)
        losses = [np.polyval(p, math.log2(rate)) for p in _seed_parabolas(parametrization, base_width, TRAIN_WIDTH)]
        found[key] = (float(rate), float(np.mean(losses)))
    return found


def _transfer_plan() -> str:
    losses = _transfer_losses()
    return min(losses, key=lambda key: losses[key][1])


def _wsd_equivalent_tokens(comparisons=None) -> tuple[float, float]:
    """(largest budget, the characters a cosine run would need to reach the best WSD branch's mean loss there):
    the best mean loss of each schedule at each budget (:meth:`ScheduleComparison.best`), interpolated linearly in
    ln(budget) between the two cosine budgets that bracket the WSD loss (extrapolated from the nearest two when none
    do). The rule of hyperparameters.wsd_worth."""
    comparisons = schedule_comparison() if comparisons is None else comparisons
    budgets = np.array([c.budget for c in comparisons], dtype=float)
    cosine = np.array([c.best("cosine")[1].mean() for c in comparisons])
    target = float(comparisons[-1].best("wsd")[1].mean())
    below = np.flatnonzero(cosine <= target)
    upper = int(np.clip(below[0] if below.size else budgets.size - 1, 1, budgets.size - 1))
    lower = upper - 1
    weight = (cosine[lower] - target) / (cosine[lower] - cosine[upper])
    log_tokens = math.log(budgets[lower]) + weight * (math.log(budgets[upper]) - math.log(budgets[lower]))
    return float(budgets[-1]), math.exp(log_tokens)


def _wsd_worth() -> float:
    budget, tokens = _wsd_equivalent_tokens()
    return tokens / budget


# Questions ---------------------------------------------------------------------------------------------------

STEPS_FOR_BATCH = function_question(
    "hyperparameters.steps_for_batch", points=5, kind="derive", title="Steps to a target at any batch size",
    statement="""
        McCandlish et al. 2018 found that the steps $S$ and the examples $E$ a run needs to reach a given loss trade
        off as $(S/S_{min} - 1)(E/E_{min} - 1) = 1$, where $S_{min}$ is the fewest steps any batch size can do it
        in and $E_{min}$ the fewest examples. A run with batch size $B$ uses $E = B\\,S$ examples. Solve for $S$
        and write a function `steps_for_batch(batch, s_min, e_min)` that returns the steps a run with batch size
        `batch` needs (`batch` may be a NumPy array of batch sizes). Write it yourself: a function that calls the
        lab's `TradeOff.steps` or `TradeOff.examples` earns no points.
    """,
    hint="""
        Substitute E = B·S, multiply out the product and solve for S: the S² terms cancel, or divide by S first.
        Check the two limits: a huge batch needs S_min steps, a tiny one about E_min/B steps. The critical batch
        B_crit = E_min/S_min is where both S and E are twice their minimum.
    """,
    reference=_steps_for_batch, n_args=3, forbidden=(TradeOff.steps, TradeOff.examples),
    public_inputs=_public_tradeoffs, public_what="a batch of 1,024 with the sweep's fit at 2.4 nats",
    hidden_inputs=_hidden_tradeoffs,
    hidden_what="other batch sizes and trade-offs (an array of batches, a frontier run)",
    public_hint="The examples a run needs are E_min + S_min·B; the steps are E/B. Did you return E, or S?",
)

CRITICAL_BATCH = number_question(
    "hyperparameters.critical_batch", points=7, kind="fit", title="The critical batch of the lab's model",
    statement=f"""
        The batch-size sweep (`load_hparam_results("batch-size")`: columns `batch`, `learning_rate`, `seed`,
        `steps`, `val_loss`, ...) trained a width-64 model at eight batch sizes from 64 to
        {LARGEST_BATCH:,} characters, each at five learning rates and with two seeds, and measured the validation
        loss at log-spaced step counts. Your target loss is `hyperparameters.target_loss()` nats per character
        ({DEFAULT_TARGET:g} for everyone's shared data; one of {", ".join(f"{t:g}" for t in TARGETS)} when your
        instructor sets your id). For each seed and batch size, find the fewest steps any of its learning rates
        needed to reach the target: `steps_to_target(steps, val_loss, target)` reads them off one run's curve
        (interpolating between checkpoints; NaN if the run never got there). Fit $S = S_{{min}} + E_{{min}}/B$ (your
        function of question 1) to every (batch, steps) point that reached the target, both seeds together, by
        least squares on $\\ln S$. Give the critical batch $B_{{crit}} = E_{{min}}/S_{{min}}$, in characters, as
        `critical_batch`.
    """,
    hint="""
        Each batch size has its own best learning rate: take the fewest steps over the rates, not the runs of one
        rate. The steps span two orders of magnitude, so fit ln S (scipy.optimize.curve_fit on np.log of your
        function, or least_squares), not S: a fit of S itself is ruled by the small batches' long runs.
    """,
    expected=_critical_batch,
    # A fit of shipped runs everyone shares (the target is the learner's own): 2% in public rejects one learning
    # rate for every batch (4-12% off at the three targets), the first checkpoint below the target without
    # interpolation (2.3-4.8%) and a fit of S instead of ln S (9% off to a negative B_crit); 0.2% hidden asks for
    # the fit described. (The two seeds' own fits differ by up to 20%: the data pin B_crit down far less well than
    # the check does; the check is of the method.)
    tolerance=Tolerance(0.02, hidden=0.002),
    sign="positive", what="the critical batch",
    public_hint="""
        Fewest steps over the learning rates for each (seed, batch), interpolated with steps_to_target at YOUR
        target_loss(); then a least-squares fit of ln S, both seeds' points together.
    """,
)

_LAWS = DEEPSEEK_LLM_HYPERPARAMETER_LAWS

FRONTIER_BATCH = number_question(
    "hyperparameters.frontier_batch", points=3, kind="compute", title="A frontier batch from DeepSeek LLM's law",
    statement=f"""
        DeepSeek LLM (2024) fitted the near-optimal batch size of its small runs as $B_{{opt}} =
        {_LAWS["batch_coefficient"]:.4f}\\,C^{{{_LAWS["batch_exponent"]:.4f}}}$ tokens, with the budget measured as
        $C = M\\,D$: $D$ training tokens and $M = 72\\,n_{{layer}} d_{{model}}^2 + 6\\,n_{{layer}} d_{{model}}
        l_{{seq}}$ non-embedding FLOPs per token (not $6N$). What batch, in tokens, does the law give for
        {FRONTIER_MODEL}'s run: the shape `PRESETS["{FRONTIER_MODEL}"]` (its `n_layers`, `d_model`, and `context`
        as $l_{{seq}}$) trained on the tokens of {FRONTIER_MODEL}'s record in `MODELS`? Give it as
        `frontier_batch`.
    """,
    hint="""
        scalingedu.laws.hyperparameters has non_embedding_flops_per_token and deepseek_batch_tokens. The budget is
        M·D, not 6ND and not the record's training_flops: the law was fitted with DeepSeek's own M.
    """,
    expected=_frontier_batch,
    # One formula and published constants, nothing fitted: 1% in public, which rejects C = 6ND (2% off in B) and
    # the paper's budget of 5.76e23 FLOPs (1.4% off).
    tolerance=Tolerance(0.01, hidden=0.001),
    sign="positive", what="the batch",
    public_hint="C = M·D with DeepSeek's M for the shape (72·n·d² + 6·n·d·l_seq), then 0.2920·C^0.3271.",
)

MUP_LEARNING_RATES = function_question(
    "hyperparameters.mup_learning_rates", points=5, kind="derive", title="µP's per-layer learning rates",
    statement="""
        With Adam, one step moves every weight by about its learning rate, whatever the size of its gradient. A
        weight matrix whose `fan_in` inputs all move together therefore changes each of its outputs by about
        (rate × `fan_in`) per step. µP (Yang et al. 2022) picks each matrix's rate so that this change is the same
        at every width as at a base width, where every matrix trains at the tuned rate η. In the lab's model
        (lesson 10) the first layer's fan-in is `context × embedding`, which does not grow with the width; the
        hidden layer's and the output layer's fan-in is `width`. Write a function
        `mup_learning_rates(learning_rate, width, base_width)` that returns the three Adam rates as a tuple (first
        layer, hidden layer, output layer), for a tuned rate `learning_rate` = η. Write it yourself: a function that
        builds a lab model (`MLPLanguageModel`) to read its `learning_rate_scale` earns no points.
    """,
    hint="""
        Write the change per step at width w and at the base width for each layer and make them equal; a layer
        whose fan-in does not grow keeps η. At width = base_width all three are η; at twice the base width the
        rates that change are halved (not divided by √2: that is how initialisations scale, not Adam's rates).
    """,
    reference=_mup_learning_rates, n_args=3, forbidden=(MLPLanguageModel.__init__,),
    public_inputs=_public_widths, public_what="η = 0.03 tuned at base width 8, used at width 256",
    hidden_inputs=_hidden_widths, hidden_what="other rates and widths (one below its base width)",
    public_hint="Only the layers whose fan-in grows with the width change their rate, by base_width/width.",
)

MUP_DRIFT = number_question(
    "hyperparameters.mup_drift", points=7, kind="fit", title="Does µP's optimum stay put?",
    statement=f"""
        The lr-transfer sweep (`load_hparam_results("lr-transfer")`) trained widths 16 to 256 at seven peak
        learning rates each, with three seeds, in SP and in µP relative to base widths 8 and 32; the rows with
        `final == 1` hold each run's final `val_loss`. Take the µP runs relative to base width {DRIFT_VARIANT[1]}
        (`mup == 1`, `base_width == {DRIFT_VARIANT[1]}`). For each width and seed, fit a parabola through the
        learning rate with the lowest loss and its two neighbours, loss against $\\log_2$ of the rate, and take its
        vertex as that seed's optimal rate. Then fit a straight line through all fifteen (log width, log optimal
        rate) points. Give its slope, the exponent $s$ in optimum $\\propto \\mathrm{{width}}^{{s}}$, as `mup_drift`.
    """,
    hint="""
        Lesson 10 does the same for SP with the library (learning_rate_optima, learning_rate_drift): by hand,
        np.polyfit of degree 2 on three points, vertex at -b/(2a). The grid's best rate is not the optimum (the grid
        steps by factors of 2), and the parabola is in log rate, not in the rate: losses are symmetric in the
        logarithm of the rate, not in the rate.
    """,
    expected=_mup_drift,
    # An exponent, so an absolute tolerance. The seed spread puts a standard error of 0.015 on it
    # (learning_rate_drift().slope_se), so 0.01 in public accepts only what the data cannot tell from the answer;
    # it rejects the grid's best rate (0.06 off), a parabola in the rate itself (0.03 off) and one through all
    # seven rates (0.02 off). 0.001 hidden: the fit described.
    tolerance=Tolerance(0.01, hidden=0.001, absolute=True),
    public_hint="""
        Per width and seed: the vertex of the parabola through the best rate and its two neighbours, in log2 of
        the rate. Then one line through all fifteen points (logs of width and of rate, any base, the same for both).
    """,
)

TRANSFER_PLAN = choice_question(
    "hyperparameters.transfer_plan", points=5, kind="decide", title="Tune small, train big: which recipe?",
    statement=f"""
        You will tune the peak learning rate on width-{TUNE_WIDTH} models and then train one width-{TRAIN_WIDTH}
        model. Judge the recipes below by the shipped lr-transfer runs. A recipe's rate tuned at width {TUNE_WIDTH}
        is the geometric mean of the three seeds' optimal rates at that width (question 5's method, for that
        parametrisation). Predict the width-{TRAIN_WIDTH} loss a recipe gets by evaluating each seed's
        width-{TRAIN_WIDTH} parabola (question 5's, for that parametrisation) at the recipe's rate, then averaging
        over the seeds. Which recipe gives the lowest predicted loss? Give its key as `transfer_plan`.
    """,
    options={
        "a": f"SP, at the rate tuned at width {TUNE_WIDTH}.",
        "b": f"SP, at the rate tuned at width {TUNE_WIDTH} times ({TRAIN_WIDTH}/{TUNE_WIDTH})^s, with s SP's drift "
             f"exponent fitted as in question 5.",
        "c": f"µP relative to base width 8, at its rate tuned at width {TUNE_WIDTH}: its optimum moves least with "
             f"width.",
        "d": f"µP relative to base width 32, at its rate tuned at width {TUNE_WIDTH} (at width 32 this model is SP's).",
    },
    answer=_transfer_plan,
    hint="""
        A recipe can lose in two ways: its rate misses the big model's optimum (the parabola says how much that
        costs), or its optimum itself is worse. Compare the predicted losses, not only how far the optima move.
    """,
)

WSD_WORTH = number_question(
    "hyperparameters.wsd_worth", points=3, kind="compute", title="What a WSD branch is worth",
    statement=f"""
        The schedules sweep trained a width-64 model with warm-up + cosine at four budgets (one run each), and one
        warmup-stable-decay (WSD) run branched into a short decay at the same four budgets, each schedule at three
        peak rates and with two seeds. `schedule_comparison()` gives, for each budget, both schedules' final losses
        by peak rate and seed; `.best("cosine")` and `.best("wsd")` pick the peak rate with the lowest mean over
        seeds. At the largest budget, {SCHEDULE_BUDGET:,} characters, how many characters would
        the best cosine schedule need to reach the best WSD branch's mean loss? Interpolate linearly in
        $\\ln(\\mathrm{{budget}})$ between the two cosine budgets whose best mean losses bracket it. Give that
        number divided by {SCHEDULE_BUDGET:,} as `wsd_worth`: what the branch is worth as a share
        of a cosine run of the same length.
    """,
    hint="""
        List the best cosine mean loss at each budget; find the two that the WSD loss falls between; the budgets
        double from one to the next, so interpolate in ln(budget) (a fraction of a doubling), not in the budget.
    """,
    expected=_wsd_worth,
    # One interpolation of shared data: 2% in public rejects interpolating in the budget itself (5% off).
    tolerance=Tolerance(0.02, hidden=0.002),
    sign="positive", what="the share",
    public_hint="Best peak rate for each schedule (mean over seeds), then interpolate in ln(budget), not in budget.",
)

_MODEL_ANSWER = """
    In the lab the branched WSD run ended worse than a cosine run tuned for the same budget at all four budgets, by
    0.014, 0.012, 0.007 and 0.027 nats, and the gap does not shrink steadily with the budget: it is largest at 4.2M
    characters, where the two seeds disagree (0.013 and 0.041). There a WSD branch is worth about 77% of a cosine
    run of its length. Against that, the one WSD run trained 4.93M characters for all four budgets where four
    cosine runs trained 7.86M, 37% fewer, and every budget came out of one run. For a scaling study the danger is
    not an offset as such but one that changes with the budget (and perhaps with the width): a law fitted to WSD
    end points absorbs a bias of 0.007 to 0.027 nats, as large as the loss differences between neighbouring widths
    near an IsoFLOP optimum, so the optimum and the exponent could move. Part of our gap may be the lab's own: WSD's
    best peak rate at the largest budget is the lowest we tried (0.002), so its optimum is not bracketed; our decay
    is linear, over 20% of the steps, to 10% of the peak; two seeds; a tiny MLP. Hägele et al. 2024 found that a
    cooldown of 10 to 20% of the steps matches cosine at their scale and that the cooldown's shape matters, and
    MiniCPM (Hu et al. 2024) ran its scaling experiments on WSD branches, so the gap may close with a tuned decay.
    I would run the study with WSD branches, since the characters saved buy more widths or seeds, but first tune
    WSD's peak rate and decay on the smallest budget with a grid that brackets the optimum, run cosine at one or two
    budgets of the study at several widths to measure the offset, and report the schedule with the fitted law.
"""
"""The model answer of hyperparameters.wsd_or_cosine. Its numbers are the lab's (tests/test_hyperparameters_problems.py
checks each one against the shipped results)."""

WSD_OR_COSINE = rubric_question(
    "hyperparameters.wsd_or_cosine", points=6, kind="decide", title="WSD branches or cosine runs?",
    statement="""
        Your next scaling study trains several widths at four budgets each. Would you train each width once with a
        WSD schedule branched at the four budgets, or separately with a cosine schedule at each budget? Use the
        lab's numbers (the loss gap at each budget and its seed spread, what a branch is worth from question 7, the
        characters each approach trains) and what the papers report (Hägele et al. 2024, MiniCPM), say what the gap
        would do to the fitted law, and what you would check before trusting your choice. Write your answer as
        text in `wsd_or_cosine`.
    """,
    hint="schedule_comparison() gives the losses and the characters trained (cosine_tokens_all, wsd_tokens_all). "
         "Ask whether the gap is the same at every budget, and whether WSD's own peak rate was tuned well.",
    criteria=(
        Criterion("Uses the lab's numbers for both sides: the loss gap at each budget (0.007 to 0.027 nats, with "
                  "the seed spread) or what a branch is worth in cosine characters (about 77% at the largest "
                  "budget), against the characters trained (4.9M for the branched run against 7.9M for four "
                  "cosine runs)", 2),
        Criterion("Says what the gap would do to a scaling study (a bias that changes with the budget moves the "
                  "fitted optimum and exponent, unless it is the same at every size) and which part of it may be "
                  "the lab's own (WSD's best peak rate at the edge of its grid, the decay's length and shape, two "
                  "seeds)", 2),
        Criterion("Brings in the papers (Hägele et al. 2024: a cooldown of 10 to 20% matches cosine; MiniCPM's "
                  "branched scaling runs) and makes a decision with the check that would confirm it (a cosine run "
                  "at one or two budgets, a tuned decay)", 2),
    ),
    model_answer=_MODEL_ANSWER,
)

PROBLEM_SET = ProblemSet(
    id="hyperparameters",
    title="Hyperparameters at scale: the critical batch, learning rates across widths, schedules",
    questions=(STEPS_FOR_BATCH, CRITICAL_BATCH, FRONTIER_BATCH, MUP_LEARNING_RATES, MUP_DRIFT, TRANSFER_PLAN,
               WSD_WORTH, WSD_OR_COSINE),
)
