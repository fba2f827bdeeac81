"""Problem set diminishing_returns: the frontier's shrinking gains, repeated data, paying for inference and
picking among samples (solutions/08_diminishing_returns.ipynb).

The learner works out the loss one more doubling of compute buys on Hoffmann et al.'s compute-optimal frontier and
the compute for the next 0.1 nats; writes Muennighoff et al.'s effective data of repeated epochs as a function and
uses it to fit the decay constant R_D* to SIMULATED runs, one of which diverged; decides which of five model sizes
reaches a target loss for the least lifetime compute (Sardana et al.); derives the best-of-N accuracy of repeated
sampling with an imperfect verifier (a toy model) for any number of samples; and argues, in a few sentences,
whether the next 10x of compute is worth it.

Expected answers are computed at check time with the library (:mod:`scalingedu.returns`, and a least-squares fit of
the simulated runs); nothing is typed in. The budgets, demand, run sizes, noise, seeds, verifier rates and test
inputs below are choices of this problem set, not published numbers; the laws' constants are published (see
:mod:`scalingedu.data`).
"""
from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np
from scipy.optimize import minimize_scalar

from ..data import MUENNIGHOFF_2023_FIT
from ..formatting import human
from ..grading import ProblemSet, Tolerance, choice_question, function_question, number_question
from ..grading.factories import Criterion, rubric_question
from ..grading.learner import learner_seed
from ..laws import HOFFMANN_2022
from ..returns import (
    MUENNIGHOFF_2023,
    DataConstrainedLaw,
    Verifier,
    best_of_n_accuracy,
    flops_for_loss,
    frontier_exponent,
    frontier_loss,
    gain_per_doubling,
    lifetime_flops,
    smallest_params_for_loss,
    tokens_to_reach,
)

FRONTIER_FLOPS = 1e24
"""Questions diminishing_returns.gain_per_doubling, next_step_flops and next_ten_x: the budget of today's
compute-optimal run."""
STEP_NATS = 0.1
"""How much lower the next run's loss should be (nats per token)."""


# Simulated runs that repeat their data (question diminishing_returns.repeat_decay) ---------------------------------

REPEAT_PARAMS, REPEAT_UNIQUE_TOKENS = 2e8, 5e9
"""A 200M-parameter model trained on 5B unique tokens, repeated: small enough for its data (N' = N)."""
REPEAT_EPOCHS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
"""The twelve runs' numbers of epochs over the same 5B unique tokens."""
REPEAT_NOISE, REPEAT_SEED = 0.001, 2308
"""0.1% multiplicative noise on each final loss; the seed (the learner's own when one is set)."""
REPEAT_RD_STAR_RANGES = ((7.0, 12.0), (20.0, 26.0))
"""The true R_D* of the simulation is drawn, for each learner, from one of these ranges: away from the published
15.4 on either side, so that quoting the published value never passes for fitting."""
DIVERGED_JUMP_NATS = (0.15, 0.30)
"""The diverged run ends this many nats above where the law puts it (50 to 100 times the noise)."""
RD_STAR_BOUNDS = (0.5, 1000.0)
"""Where the least-squares fit of R_D* searches (well outside any value the simulation draws)."""


class RepeatedRuns(NamedTuple):
    """SIMULATED training runs, one value per run: ``epochs``, ``tokens`` (seen in training), ``unique_tokens``,
    ``params`` and the final ``loss`` (nats/token)."""

    epochs: np.ndarray
    tokens: np.ndarray
    unique_tokens: np.ndarray
    params: np.ndarray
    loss: np.ndarray


def repeated_runs() -> RepeatedRuns:
    """Twelve SIMULATED runs of a 200M-parameter model on 5B unique tokens repeated for 1 to 64 epochs.

    Made from Muennighoff et al.'s law (``MUENNIGHOFF_2023``) with a decay constant R_D* of the simulation's own,
    0.1% noise on each loss, and one run that diverged; seed 2308, or the learner's own when one is set (see
    :mod:`scalingedu.grading.learner`). Data whose true law is known, not measurements. Every call returns the same
    values, in new arrays.
    """
    rng = np.random.default_rng(learner_seed(REPEAT_SEED))
    true_rd_star = rng.uniform(*REPEAT_RD_STAR_RANGES[rng.integers(len(REPEAT_RD_STAR_RANGES))])
    epochs = np.array(REPEAT_EPOCHS, dtype=float)
    tokens = epochs * REPEAT_UNIQUE_TOKENS
    unique = np.full_like(epochs, REPEAT_UNIQUE_TOKENS)
    params = np.full_like(epochs, REPEAT_PARAMS)
    law = dataclasses.replace(MUENNIGHOFF_2023, rd_star=float(true_rd_star), name="simulation")
    loss = np.asarray(law.loss(params, tokens, unique)) * (1.0 + REPEAT_NOISE * rng.standard_normal(len(epochs)))
    diverged = rng.integers(REPEAT_EPOCHS.index(8), len(epochs))     # a long run, 8 epochs or more
    loss[diverged] += rng.uniform(*DIVERGED_JUMP_NATS)
    return RepeatedRuns(epochs, tokens, unique, params, loss)


def _truth() -> tuple[float, int]:
    """The simulation's true R_D* and the index of the diverged run: the draws of :func:`repeated_runs`, replayed
    in the same order."""
    rng = np.random.default_rng(learner_seed(REPEAT_SEED))
    true_rd_star = float(rng.uniform(*REPEAT_RD_STAR_RANGES[rng.integers(len(REPEAT_RD_STAR_RANGES))]))
    rng.standard_normal(len(REPEAT_EPOCHS))
    return true_rd_star, int(rng.integers(REPEAT_EPOCHS.index(8), len(REPEAT_EPOCHS)))


def _law_with_rd_star(rd_star: float) -> DataConstrainedLaw:
    """``MUENNIGHOFF_2023`` with its decay constant of repeated data replaced by ``rd_star``."""
    return dataclasses.replace(MUENNIGHOFF_2023, rd_star=float(rd_star), name=f"R_D* = {float(rd_star):g}")


def _fit_rd_star(runs: RepeatedRuns, keep) -> float:
    """The R_D* that minimises the sum of squared differences (in nats) between the losses of the runs ``keep``
    selects and ``MUENNIGHOFF_2023`` with that R_D*."""
    keep = np.asarray(keep, dtype=bool)
    params, tokens, unique, loss = (np.asarray(values)[keep] for values in
                                    (runs.params, runs.tokens, runs.unique_tokens, runs.loss))

    def squares(rd_star):
        return float(np.sum((np.asarray(_law_with_rd_star(rd_star).loss(params, tokens, unique)) - loss) ** 2))
    best = minimize_scalar(squares, bounds=RD_STAR_BOUNDS, method="bounded", options={"xatol": 1e-9})
    return float(best.x)


def _repeat_decay() -> float:
    runs = repeated_runs()
    _, diverged = _truth()
    return _fit_rd_star(runs, np.arange(len(runs.loss)) != diverged)


# The lifetime plans (question diminishing_returns.lifetime_plan) ------------------------------------------------

LIFETIME_BUDGET_FLOPS, LIFETIME_DEMAND_TOKENS = 1e23, 3e13
"""The target is the loss of the compute-optimal model for 1e23 FLOPs; the model then serves 30 trillion tokens."""
LIFETIME_FRACTIONS = {"a": 1.0, "b": 1 / 2, "c": 1 / 3, "d": 1 / 4, "e": 1 / 12}
"""The five plans' model sizes, as fractions of the compute-optimal model for the target."""


def lifetime_target_loss() -> float:
    """The target loss of question diminishing_returns.lifetime_plan: Hoffmann's Eq. 10 optimum for 1e23 FLOPs."""
    return float(HOFFMANN_2022.compute_optimal(LIFETIME_BUDGET_FLOPS).loss)


def lifetime_plan_params() -> dict[str, float]:
    """The model size of each plan (parameters), keyed by its option."""
    chinchilla = float(HOFFMANN_2022.compute_optimal(LIFETIME_BUDGET_FLOPS).params)
    return {key: chinchilla * fraction for key, fraction in LIFETIME_FRACTIONS.items()}


def _lifetime_plan_flops() -> dict[str, float]:
    """Training plus inference FLOPs of each plan; infinite for a model too small ever to reach the target."""
    target = lifetime_target_loss()
    smallest = float(smallest_params_for_loss(HOFFMANN_2022, target))
    totals = {}
    for key, params in lifetime_plan_params().items():
        if params <= smallest:
            totals[key] = float("inf")
            continue
        tokens = tokens_to_reach(HOFFMANN_2022, params, target)
        totals[key] = float(lifetime_flops(params, tokens, LIFETIME_DEMAND_TOKENS))
    return totals


def _cheapest_plan() -> str:
    totals = _lifetime_plan_flops()
    return min(totals, key=totals.get)


# Inputs of the functions the learner writes -----------------------------------------------------------------------

def _effective_reference(tokens, unique_tokens, rd_star):
    law = _law_with_rd_star(rd_star)
    return np.asarray(law.effective_tokens(tokens, unique_tokens), dtype=float)


def _effective_public() -> list[tuple]:
    return [(np.array([20e9, 40e9, 100e9, 400e9]), 20e9, MUENNIGHOFF_2023.rd_star)]


def _effective_hidden() -> list[tuple]:
    return [
        (np.array([5e9, 7.5e9, 50e9, 5e12]), 5e9, 5.0),          # another decay constant, up to 1,000 epochs
        (np.array([1e12]), 1e12, 40.0),                           # exactly one epoch: nothing is repeated
        (np.geomspace(1e11, 1e14, 4), 1e11, MUENNIGHOFF_2023.rd_star),
    ]


BEST_OF_N_PUBLIC = (np.array([0.01, 0.05, 0.2, 0.5]), 32, 0.9, 0.02)
"""The public input of question diminishing_returns.best_of_n_rule: four success rates, 32 samples, a verifier
that accepts 90% of right and 2% of wrong samples (a toy)."""


def _best_of_n_reference(p, k, true_positive, false_positive):
    return np.asarray(best_of_n_accuracy(p, k, Verifier(true_positive, false_positive)), dtype=float)


def _best_of_n_public() -> list[tuple]:
    return [BEST_OF_N_PUBLIC]


def _best_of_n_hidden() -> list[tuple]:
    p = np.array([0.01, 0.1, 0.3, 0.7])
    return [
        (p, 1, 0.9, 0.02),                                  # one sample: the verifier cannot help
        (p, 1000, 0.9, 0.02),                               # many samples: the verifier's precision is the ceiling
        (p, 8, 1.0, 0.0),                                   # a perfect verifier: coverage
        (np.array([0.3]), np.array([1, 2, 4, 16, 64]), 0.7, 0.1),
        (p, 16, 0.6, 0.3),                                  # a poor verifier
    ]


# Expected values of the frontier questions ----------------------------------------------------------------------

def _gain_per_doubling() -> float:
    return float(gain_per_doubling(HOFFMANN_2022, FRONTIER_FLOPS))


def _next_step_flops() -> float:
    return float(flops_for_loss(HOFFMANN_2022, frontier_loss(HOFFMANN_2022, FRONTIER_FLOPS) - STEP_NATS))


_H, _FIT = HOFFMANN_2022, MUENNIGHOFF_2023_FIT   # published constants quoted in the statements
_PLAN_PARAMS = lifetime_plan_params()


# Questions ---------------------------------------------------------------------------------------------------------

GAIN_PER_DOUBLING = number_question(
    "diminishing_returns.gain_per_doubling", points=2, kind="compute",
    title="The loss one doubling buys",
    statement=f"""
        On the compute-optimal frontier of Hoffmann et al.'s Eq. 10 (`HOFFMANN_2022`: E = {_H.E:g}, A = {_H.A:g}, B
        = {_H.B:g}, alpha = {_H.alpha:g}, beta = {_H.beta:g}), the part of the loss above E is a power law of
        compute, L(C) − E = K·(C/6)^(−gamma) with gamma = alpha·beta/(alpha + beta). A compute-optimal run uses C =
        1e24 FLOPs. By how many nats does the loss of the compute-optimal run fall when the budget doubles to 2e24
        FLOPs? Work it out from the closed form (you may use `HOFFMANN_2022.compute_optimal` for the loss at 1e24
        FLOPs, but not `scalingedu.returns`). Give a positive number of nats as `gain`.
    """,
    hint="""
        Lesson 08, section 1: only the part above E follows the power law. Ask what a doubling of C does to that
        part, then turn the change into nats. gamma is about 0.15, not alpha or beta.
    """,
    expected=_gain_per_doubling,
    tolerance=Tolerance(0.01, hidden=1e-5),   # a closed form: 1% in public, only rounding in hidden
    sign="positive", what="the loss gained",
    public_hint="""
        Give nats, not a fraction, and take the change of L − E only: E can never be removed.
    """,
)

NEXT_STEP_FLOPS = number_question(
    "diminishing_returns.next_step_flops", points=2, kind="compute",
    title="The compute for the next 0.1 nats",
    statement="""
        Still on the frontier of `HOFFMANN_2022`, from the compute-optimal run at 1e24 FLOPs: how much compute
        does a compute-optimal run need whose loss is 0.1 nats lower? Give the whole budget of that new run
        (runs are trained from scratch, not continued) in FLOPs as `next_flops`. Invert the closed form L(C) − E
        = K·(C/6)^(−gamma), with K = A·G^(−alpha) + B·G^beta and G = `HOFFMANN_2022.G`.
    """,
    hint="""
        K and gamma are the same for every budget; only the target loss changes. Solve the closed form for C, then
        check your answer: the compute-optimal loss at your budget should be 0.1 below the loss at 1e24.
    """,
    expected=_next_step_flops,
    tolerance=Tolerance(0.01, hidden=1e-4),   # a closed form: 1% in public, only rounding in hidden
    sign="positive", what="the number of FLOPs",
    public_hint="""
        Give the new run's FLOPs (between 1e25 and 1e26), not its ratio to 1e24; remember the 6 in C/6 and that only
        L − E shrinks.
    """,
)

EFFECTIVE_DATA = function_question(
    "diminishing_returns.effective_data", points=3, kind="derive",
    title="What repeated epochs are worth, for any run",
    statement=f"""
        Muennighoff et al. discount data that a run sees more than once. With U unique tokens and a run of D tokens,
        the effective data is D' = U + U·R_D*·(1 − exp(−R_D/R_D*)), where R_D is the number of *repeated* epochs
        and R_D* a decay constant (their fit, `MUENNIGHOFF_2023_FIT[\"rd_star\"]`, is about {_FIT['rd_star']:.1f}).
        Write a function `effective_tokens(tokens, unique_tokens, rd_star)` that returns D' for an array of run
        lengths `tokens` (each at least `unique_tokens`), without calling the library's `effective_tokens`. It
        should return an array of the same shape as `tokens`.
    """,
    hint="""
        Lesson 08, section 3. Count the epochs a run makes over its unique data, then ask which of them are
        repeats: the first pass is new data. A run of exactly one epoch must be worth all its tokens.
    """,
    reference=_effective_reference, n_args=3, forbidden=(DataConstrainedLaw.effective_tokens,),
    public_inputs=_effective_public, public_what="20B unique tokens repeated 1 to 20 times, the published R_D*",
    hidden_inputs=_effective_hidden, hidden_what="other data sizes, decay constants and numbers of epochs",
    public_hint="""
        Check the first run: 20B tokens from 20B unique ones is one epoch, and must be worth exactly 20B tokens. If
        it is not, look at how you count repeated epochs.
    """,
    hidden_hint="Use the rd_star you are given, not the published value.",
)

REPEAT_DECAY = number_question(
    "diminishing_returns.repeat_decay", points=4, kind="fit",
    title="How fast repeated data loses its value, from simulated runs",
    statement=f"""
        SIMULATED DATA. `diminishing_returns_problems.repeated_runs()` returns twelve training runs of one
        200M-parameter model on the same 5B unique tokens, repeated for 1 to 64 epochs (`epochs`, `tokens`,
        `unique_tokens`, `params`, `loss`). They were made from Muennighoff et al.'s law with a decay constant R_D*
        of their own, not the published {_FIT['rd_star']:.1f}. The model is small enough for its data, so N' = N,
        and the loss is L = E + A/N^alpha + B/D'^beta with E, A, B, alpha and beta of `MUENNIGHOFF_2023`. Not every
        run trained properly. Look at the runs first and leave out any the law cannot describe; then find the R_D*
        that minimises the sum of squared differences between the law and the losses (in nats) of the runs you
        keep, with the other constants fixed. Use your `effective_tokens` of the previous question. Give R_D* (a
        plain number of epochs) as `rd_star`.
    """,
    hint="""
        Plot the loss against the number of epochs (log scale): in this law more passes over the same data never
        raise the loss, so a run far above the trend of the others, by much more than their scatter, did not follow
        it. For the fit, write the sum of squares as a function of R_D* and minimise it with
        scipy.optimize.minimize_scalar (bounds, method=\"bounded\") or curve_fit.
    """,
    expected=_repeat_decay,
    sign="positive", what="the decay constant",
    public_hint="""
        A fit pulled far from the published value usually means a run that did not train properly is still in
        the data: look at the plot again.
    """,
    hidden_hint="Fit the loss itself (nats), not its logarithm, with only R_D* free, over all the runs but the "
                "bad one.",
)

LIFETIME_PLAN = choice_question(
    "diminishing_returns.lifetime_plan", points=3, kind="decide",
    title="Bigger, or smaller and trained longer?",
    statement=f"""
        Under `HOFFMANN_2022`, your model must reach the loss of the compute-optimal model for 1e23 FLOPs
        (`diminishing_returns_problems.lifetime_target_loss()`, about {lifetime_target_loss():.3f}), and it
        will then serve {human(LIFETIME_DEMAND_TOKENS, 'tokens')} over its life. Each plan below trains a model of
        the size it names on exactly as many tokens as that size needs to reach the target, then serves the demand
        (lesson 08, section 4: training costs 6 FLOPs and serving 2 FLOPs per parameter and token). Which plan
        reaches the target for the least training plus inference compute? Give its letter as `plan`.
    """,
    hint="""
        For each size, solve the law for the tokens that bring it to the target (Sardana et al.'s curve), then add
        training and serving. A model can be too small to reach the target with any amount of data: check each plan
        can be trained at all.
    """,
    options={key: f"{human(params, 'parameters')}" + (" (the compute-optimal model for 1e23 FLOPs)" if key == "a"
                                                       else "")
             for key, params in _PLAN_PARAMS.items()},
    answer=_cheapest_plan,
)

BEST_OF_N_RULE = function_question(
    "diminishing_returns.best_of_n_rule", points=3, kind="derive",
    title="Best of N with an imperfect verifier, for any N",
    statement="""
        TOY MODEL (made-up numbers). A model solves a problem with probability `p` per independent sample; we draw
        `k` samples. A verifier accepts each right sample with probability `true_positive` and each wrong one with
        probability `false_positive`, independently. We return one accepted sample chosen at random or, if none is
        accepted, one of all `k` samples chosen at random. Write a function `best_of_n(p, k, true_positive,
        false_positive)` that returns the chance that the returned answer is right (best-of-N accuracy), without
        calling the library's `best_of_n_accuracy`. `p` and `k` may be NumPy arrays (work element by element);
        assume 0 < p < 1.
    """,
    hint="""
        Lesson 08, section 5. Sort each sample into one of three kinds: right and accepted, wrong and accepted, or
        rejected. Ask how likely the pick is right when at least one sample is accepted, and separately when none
        is. Check the special cases: with one sample the verifier cannot help, and a perfect verifier gives the
        coverage.
    """,
    reference=_best_of_n_reference, n_args=4, forbidden=(best_of_n_accuracy,),
    public_inputs=_best_of_n_public, public_what="32 samples with a 90%/2% verifier",
    hidden_inputs=_best_of_n_hidden,
    hidden_what="1 to 1,000 samples, a perfect and a poor verifier, an array of k",
    public_hint="""
        This is not coverage (at least one right sample): the verifier's wrong acceptances lower the chance that the
        *chosen* sample is right, and the case with no accepted sample counts too.
    """,
    hidden_hint="With k = 1 your function must give p: check the case in which no sample is accepted.",
)


def _ten_x_numbers() -> dict[str, float]:
    """Numbers the model answer of question next_ten_x quotes, from the library."""
    now = float(frontier_loss(HOFFMANN_2022, FRONTIER_FLOPS))
    gamma = frontier_exponent(HOFFMANN_2022)
    return {"now": now, "reducible": now - HOFFMANN_2022.E,
            "next": now - float(frontier_loss(HOFFMANN_2022, 10 * FRONTIER_FLOPS)),
            "previous": float(frontier_loss(HOFFMANN_2022, FRONTIER_FLOPS / 10)) - now,
            "kept": 10 ** -gamma}


_TEN_X = _ten_x_numbers()

NEXT_TEN_X = rubric_question(
    "diminishing_returns.next_ten_x", points=4, kind="decide",
    title="Is the next 10x worth it?",
    statement="""
        Your lab trained the compute-optimal model for 1e24 FLOPs and asks for ten times the compute for the next
        one. In a few sentences (as `next_ten_x`, a text between quotes), tell them what "diminishing returns" means
        for that next 10x, with numbers you worked out in this problem set, and what could change your advice.
    """,
    hint="""
        Use Part A for what 10x buys on the frontier and compare it with what is left above E. Then think of the
        other parts: what if the data runs out, if the model will serve a lot, or if what you care about is a
        task's accuracy rather than the loss?
    """,
    criteria=[
        Criterion("gives the loss the next 10x buys on the frontier and compares it with the loss left above E or "
                  "with what the previous 10x bought", 1),
        Criterion("explains why it shrinks: each 10x removes the same fraction of the loss above E, so the gain in "
                  "nats falls every time and E is never reached", 1),
        Criterion("names something from this set that changes the judgement: unique data running out (repeats worth "
                  "less), lifetime inference demand, or a metric (exact match, best-of-N) that moves sharply with "
                  "a small change of loss", 1),
        Criterion("says which way that changes the advice, and why, rather than only that it matters", 1),
    ],
    model_answer=f"""
        On the frontier the next 10x (1e24 to 1e25 FLOPs) lowers the loss by about {_TEN_X['next']:.3f} nats, less
        than the {_TEN_X['previous']:.3f} that the previous 10x bought. That is what diminishing returns means here:
        each 10x keeps about {_TEN_X['kept']:.0%} of the {_TEN_X['reducible']:.2f} nats still above E, so the same
        multiple of compute buys fewer nats every time and the loss never reaches E. Whether {_TEN_X['next']:.3f}
        nats is worth ten times the money depends on what it buys: on a task scored by exact match over long
        answers a small drop in per-token loss can lift accuracy a lot, which argues for spending. Two things argue
        against: if the unique data runs out, the extra tokens are repeats worth less, so the real gain is smaller
        than the frontier says; and if the model will serve a great deal, a smaller model trained longer, or more
        samples checked by a good verifier at answer time, may buy the same quality for less compute over its life.
    """,
    min_words=40,
)

PROBLEM_SET = ProblemSet(
    id="diminishing_returns",
    title="Diminishing returns: the frontier, repeated data, inference and sampling",
    questions=(GAIN_PER_DOUBLING, NEXT_STEP_FLOPS, EFFECTIVE_DATA, REPEAT_DECAY, LIFETIME_PLAN, BEST_OF_N_RULE,
               NEXT_TEN_X),
)
