"""Problem set chinchilla: compute-optimal allocation with the Chinchilla law
(solutions/04_chinchilla.ipynb).

The learner derives the closed form of Hoffmann et al. 2022 (Eq. 4) from the law L(N, D) = E + A/N^alpha + B/D^beta,
uses it with the published constants (Eq. 10 and the refit of Besiroglu et al. 2024), compares Gopher and Chinchilla
at equal compute, decides which model to train when the model will also be served (Sardana et al.'s lifetime
compute), runs Approach 2 (IsoFLOP parabolas) on a seeded simulated sweep that has to be cleaned first, and
explains in their own words what the "20 tokens per parameter" rule hides.

Expected answers are computed at check time with the library (:mod:`scalingedu.laws`, :mod:`scalingedu.returns`);
nothing is typed in. The budget :data:`BUDGET_FLOPS`, the inference demand :data:`SERVED_TOKENS`, the simulated runs
(their budgets, sizes, noise, flaws and seeds) and the hidden test inputs are choices of this problem set, not
published numbers.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..data import GOPHER_BUDGET_FLOPS, model
from ..formatting import human
from ..grading import ProblemSet, Tolerance, choice_question, function_question, number_question
from ..grading.factories import Criterion, rubric_question
from ..grading.learner import learner_seed
from ..laws import EPOCH_2024, HOFFMANN_2022, HOFFMANN_2022_TEX, ChinchillaLaw
from ..laws.fitting import fit_isoflop_parabolas, simulate_runs
from ..powerlaw import fit_power_law
from ..returns import lifetime_flops, tokens_to_reach

BUDGET_FLOPS = 1e24
"""The training budget (FLOPs) of questions chinchilla.optimal_params, chinchilla.tokens_per_param and
chinchilla.serve_choice: a choice of this set."""
_BUDGET_TEXT = f"{BUDGET_FLOPS:.0e}".replace("e+", "e")    # "1e24", as one would type it in Python

SERVED_TOKENS = 1e13
"""Tokens the model of question chinchilla.serve_choice serves over its life (ten trillion): a choice of this
set, about a year of a popular assistant, not a published figure."""
_SERVED_TEXT = f"{SERVED_TOKENS:.0e}".replace("e+", "e")
SIZE_FACTORS = {"a": 1.0, "b": 0.5, "c": 0.25, "d": 2.0}
"""The candidate model sizes of question chinchilla.serve_choice, as multiples of the compute-optimal size."""

RUNS_BUDGETS = np.geomspace(1e18, 1e21, 6)
"""The six budgets (FLOPs) of :func:`isoflop_runs`: a choice of this problem set."""
RUNS_SIZES, RUNS_SPREAD, RUNS_NOISE, RUNS_SEED = 7, 10.0, 0.01, 2050
"""Seven sizes per budget from N_opt/10 to 10·N_opt, 1% noise, seed 2050 (choices of this problem set)."""
SWEEP_SEED = 2051
"""Seed of the flaws :func:`isoflop_sweep` adds (a choice of this problem set)."""
SWEEP_BAD_BUDGET = float(RUNS_BUDGETS[-1] * 10 ** 0.6)
"""The seventh budget of :func:`isoflop_sweep` (about 4e21 FLOPs), whose sizes were all chosen too large."""
SWEEP_BAD_SIZES = (2.0, 20.0)
"""Its seven sizes run from 2 to 20 times the law's optimum: every one of them is larger than the optimum."""
SWEEP_DIVERGED_FACTORS = (1.15, 1.4)
"""The diverged run's loss is the law's times a factor drawn from this range (15% to 40% too high)."""
SWEEP_SHIFT = (0.10, 0.03)
"""How far each flaw must move the exponent of Approach 2 (relative): both left in, at least 10%; either one
left in, at least 3%. The flaws are drawn again until they do (see :func:`isoflop_sweep`)."""


class Runs(NamedTuple):
    """SIMULATED training runs, one value per run: ``params``, ``tokens``, ``flops`` (the budget, FLOPs) and
    ``loss`` (nats/token)."""

    params: np.ndarray
    tokens: np.ndarray
    flops: np.ndarray
    loss: np.ndarray


def isoflop_runs() -> Runs:
    """Forty-two SIMULATED IsoFLOP runs: 7 model sizes at each of 6 budgets from 1e18 to 1e21 FLOPs.

    Made by :func:`scalingedu.laws.fitting.simulate_runs` from the Epoch AI refit (``EPOCH_2024``) with 1%
    multiplicative noise and seed 2050 (or the learner's own when one is set, see :mod:`scalingedu.grading.learner`):
    data whose true law is known, not measurements. Every call returns the
    same values, in new arrays. These are the good runs of :func:`isoflop_sweep`.
    """
    runs = simulate_runs(EPOCH_2024, RUNS_BUDGETS, RUNS_SIZES, noise=RUNS_NOISE, seed=learner_seed(RUNS_SEED),
                         spread=RUNS_SPREAD)
    return Runs(*(np.array(runs[key]) for key in ("params", "tokens", "flops", "loss")))


def _approach2_exponent(runs: Runs) -> float:
    """Approach 2 the way the statement asks for it (np.polyfit per budget, fit_power_law through the minima);
    NaN when a parabola has no minimum."""
    budgets = np.unique(runs.flops)
    optima = []
    for budget in budgets:
        same = runs.flops == budget
        c2, c1, _ = np.polyfit(np.log(runs.params[same]), runs.loss[same], 2)
        if not c2 > 0:
            return float("nan")
        optima.append(np.exp(-c1 / (2 * c2)))
    return float(fit_power_law(budgets, optima).b)


def _joined(good: Runs, extra: list[tuple[float, float]]) -> tuple[Runs, np.ndarray]:
    """``good`` plus ``extra`` runs (params, flops) with their losses, sorted by budget then size, and a mask of
    the extra ones."""
    params = np.concatenate([good.params, [p for p, _, _ in extra]])
    flops = np.concatenate([good.flops, [c for _, c, _ in extra]])
    loss = np.concatenate([good.loss, [lo for _, _, lo in extra]])
    bad = np.concatenate([np.zeros(good.params.size, bool), np.ones(len(extra), bool)])
    order = np.lexsort((params, flops))
    runs = Runs(params[order], flops[order] / (6 * params[order]), flops[order], loss[order])
    return runs, bad[order]


def _sweep() -> tuple[Runs, np.ndarray]:
    """The sweep of :func:`isoflop_sweep` and the mask of its flawed runs (the answer of the cleaning)."""
    good = isoflop_runs()
    clean = _approach2_exponent(good)
    rng = np.random.default_rng(learner_seed(SWEEP_SEED))
    optimum = EPOCH_2024.compute_optimal(SWEEP_BAD_BUDGET).params
    bad_params = optimum * np.geomspace(*SWEEP_BAD_SIZES, RUNS_SIZES)
    step = np.log(RUNS_SPREAD) / ((RUNS_SIZES - 1) / 2)          # the ln-N step between neighbouring sizes
    for _ in range(1000):
        budget = float(RUNS_BUDGETS[rng.integers(RUNS_BUDGETS.size)])
        centre = EPOCH_2024.compute_optimal(budget).params
        offset = int(rng.integers(1, RUNS_SIZES - 2)) - (RUNS_SIZES - 1) / 2 + 0.5   # between two inner sizes
        diverged_params = float(centre * np.exp(offset * step))
        diverged = (diverged_params, budget, float(EPOCH_2024.loss(diverged_params, budget / (6 * diverged_params))
                                                   * rng.uniform(*SWEEP_DIVERGED_FACTORS)))
        bad_loss = (EPOCH_2024.loss(bad_params, SWEEP_BAD_BUDGET / (6 * bad_params))
                    * np.exp(RUNS_NOISE * rng.standard_normal(RUNS_SIZES)))
        bad_budget = [(float(p), SWEEP_BAD_BUDGET, float(lo)) for p, lo in zip(bad_params, bad_loss)]
        shifts = [abs(_approach2_exponent(_joined(good, extra)[0]) / clean - 1)
                  for extra in ([diverged, *bad_budget], [diverged], bad_budget)]
        if shifts[0] > SWEEP_SHIFT[0] and min(shifts[1:]) > SWEEP_SHIFT[1]:   # NaN compares False: drawn again
            return _joined(good, [diverged, *bad_budget])
    raise RuntimeError("no flaws that move the exponent enough: change SWEEP_SEED")   # never seen


def isoflop_sweep() -> Runs:
    """A SIMULATED IsoFLOP sweep as it comes off a cluster, flaws included: the 42 runs of :func:`isoflop_runs`,
    one run that diverged (its loss 15-40% above the law's) at one of their budgets, and a seventh budget of about
    4e21 FLOPs whose seven sizes were all chosen too large (2 to 20 times the optimum), so its profile has no
    bottom. Sorted by budget, then size.

    Where the diverged run sits and how bad it is are drawn from seed 2051 (or the learner's own), again until
    each flaw moves the exponent of Approach 2 visibly (:data:`SWEEP_SHIFT`): a fit that keeps a flaw must miss.
    """
    return _sweep()[0]


# Expected values, computed at check time from the library's laws and reference data ---------------------------

def _eq4_params(flops, alpha, beta, A, B):
    """The reference for chinchilla.optimal_split: N_opt of Eq. 4, through the library's
    ChinchillaLaw."""
    law = ChinchillaLaw(E=0.0, A=A, B=B, alpha=alpha, beta=beta)
    return np.asarray(law.compute_optimal(flops).params, dtype=float)


def _law_arguments(law: ChinchillaLaw) -> tuple[float, float, float, float]:
    return law.alpha, law.beta, law.A, law.B


def _public_split_inputs() -> list[tuple]:
    return [(np.geomspace(1e20, 1e24, 5), *_law_arguments(HOFFMANN_2022))]


def _hidden_split_inputs() -> list[tuple]:
    return [
        (np.geomspace(1e18, 1e27, 7), *_law_arguments(EPOCH_2024)),
        (np.array([GOPHER_BUDGET_FLOPS]), *_law_arguments(HOFFMANN_2022_TEX)),
        (np.array([3e21, 3e25]), 0.5, 0.25, 1000.0, 50.0),     # an invented law with alpha far from beta
    ]


def _isoflop_exponent() -> float:
    """Approach 2 on the cleaned sweep: every run but the flawed ones (the diverged run and the budget without a
    bottom)."""
    runs, flawed = _sweep()
    return fit_isoflop_parabolas(runs.params[~flawed], runs.flops[~flawed], runs.loss[~flawed]).a


def _gopher_gap() -> float:
    gopher, chinchilla = model("Gopher"), model("Chinchilla")
    return float(HOFFMANN_2022.loss(gopher.params, gopher.tokens)
                 - HOFFMANN_2022.loss(chinchilla.params, chinchilla.tokens))


def serve_options() -> dict[str, dict[str, float]]:
    """The four plans of question chinchilla.serve_choice by the law (EPOCH_2024): each size's ``params``, the
    ``tokens`` it needs to reach the compute-optimal loss at BUDGET_FLOPS, and its ``lifetime_flops`` (training
    plus serving SERVED_TOKENS). The worked solution and the tests read it; the learner computes it."""
    target = EPOCH_2024.compute_optimal(BUDGET_FLOPS)
    plans = {}
    for key, factor in SIZE_FACTORS.items():
        params = factor * target.params
        tokens = float(tokens_to_reach(EPOCH_2024, params, target.loss))
        plans[key] = {"params": params, "tokens": tokens,
                      "lifetime_flops": float(lifetime_flops(params, tokens, SERVED_TOKENS))}
    return plans


def _serve_choice() -> str:
    plans = serve_options()
    return min(plans, key=lambda key: plans[key]["lifetime_flops"])


EXPONENT = number_question(
    "chinchilla.exponent", points=2, kind="derive", title="The exponent of the optimal model size",
    statement=f"""
        Besiroglu et al. (2024) refit the Chinchilla law and found $\\alpha$ = {EPOCH_2024.alpha:g} and $\\beta$
        = {EPOCH_2024.beta:g} (`EPOCH_2024.alpha`, `EPOCH_2024.beta`). Under a budget $C = 6ND$, the
        loss-minimising model size grows as $N_{{opt}} \\propto C^{{a}}$. Derive $a$ as a function of $\\alpha$ and
        $\\beta$ (on paper: the exponent does not depend on $A$, $B$ or $E$), then evaluate it for the refit and
        give it (a plain number) as `params_exponent`.
    """,
    hint="""
        On a fixed budget the tokens follow from the size, D = C/(6N), so the loss is a function of N alone. Set
        its derivative with respect to N to zero and collect the powers of N and of C on either side (lesson 04,
        "the closed form"). Check your result: with alpha = beta it must give one half.
    """,
    expected=lambda: EPOCH_2024.params_exponent,
    # 2% rejects b = alpha/(alpha + beta), 5% off; the hidden check rejects rounded alpha and beta.
    tolerance=Tolerance(0.02, hidden=0.001),
    public_hint="""
        The term that falls more slowly in its resource should get the larger share of extra compute: which
        exponent belongs in your numerator?
    """,
    hidden_hint="Compute a from the unrounded alpha and beta, not from a rounded value.",
)

OPTIMAL_SPLIT = function_question(
    "chinchilla.optimal_split", points=3, kind="derive", title="The closed form as a function",
    statement="""
        Carry the derivation of the previous question to the end: solve the optimum condition for $N$ itself,
        constant factor included. Write a function `eq4_params(flops, alpha, beta, A, B)` that returns the
        compute-optimal number of parameters for a budget of `flops` FLOPs (a NumPy array of budgets) under
        $L(N, D) = E + A/N^{\\alpha} + B/D^{\\beta}$ with $C = 6ND$. It should return an array of the same shape as
        `flops`. Write it yourself: a function that calls the library's `compute_optimal` earns no points.
    """,
    hint="""
        Keep the 6 of C = 6ND with the budget while you solve; the constant in front collects A, B, alpha and beta.
        Compare your function with EPOCH_2024.compute_optimal(1e22).params in a separate cell (not inside it).
    """,
    reference=_eq4_params, n_args=5, forbidden=(ChinchillaLaw.compute_optimal,),
    public_inputs=_public_split_inputs, public_what="Eq. 10's constants",
    hidden_inputs=_hidden_split_inputs, hidden_what="other laws and budgets",
    public_hint="""
        Check the 6 (the budget enters as C/6) and the constant: at alpha = beta and A = B the optimum is
        sqrt(C/6).
    """,
)

OPTIMAL_PARAMS = number_question(
    "chinchilla.optimal_params", points=1, kind="compute",
    title="The compute-optimal model at 1e24 FLOPs",
    statement=f"""
        With your `eq4_params` and the refit law `EPOCH_2024`, how many parameters has the compute-optimal model
        for a budget of {_BUDGET_TEXT} FLOPs (`chinchilla.BUDGET_FLOPS`)? Give a count of parameters (for example
        `7e10`, not `70`) as `optimal_params`.
    """,
    hint="""
        Call your function with EPOCH_2024's alpha, beta, A and B; it returns an array, so take its one value.
    """,
    expected=lambda: EPOCH_2024.compute_optimal(BUDGET_FLOPS).params,
    sign="positive", what="the number of parameters",
    public_hint="""
        Give a count of parameters, such as 9.6e10 for 96 billion, and use EPOCH_2024, not HOFFMANN_2022.
    """,
)

TOKENS_PER_PARAM = number_question(
    "chinchilla.tokens_per_param", points=1, kind="compute",
    title="Tokens per parameter with the printed constants",
    statement=f"""
        Now use the constants Hoffmann et al. printed (Eq. 10, `HOFFMANN_2022`) at the same budget of
        {_BUDGET_TEXT} FLOPs. How many training tokens per parameter does their compute-optimal plan use? Give
        the ratio $D_{{opt}}/N_{{opt}}$ (tokens per parameter, a plain number) as `tokens_per_param`.
    """,
    hint="""
        Find N_opt with the printed constants, then the tokens that spend the budget. The answer is far from the
        popular 20, which is the point of the question.
    """,
    expected=lambda: HOFFMANN_2022.compute_optimal(BUDGET_FLOPS).tokens_per_param,
    sign="positive", what="the ratio",
    public_hint="Use HOFFMANN_2022 (Eq. 10), not EPOCH_2024, and divide tokens by parameters.",
)

_GOPHER, _CHINCHILLA = model("Gopher"), model("Chinchilla")

GOPHER_GAP = number_question(
    "chinchilla.gopher_gap", points=1, kind="compute", title="Predicted losses at equal compute",
    statement=f"""
        Gopher ({human(_GOPHER.params)} parameters, {human(_GOPHER.tokens)} tokens) and Chinchilla
        ({human(_CHINCHILLA.params)} parameters, {human(_CHINCHILLA.tokens)} tokens) were trained with
        about the same compute. With the law of Eq. 10 (`HOFFMANN_2022.loss`) and each model's published
        parameters and tokens (`model(\"Gopher\")`, `model(\"Chinchilla\")`), how much higher is Gopher's
        predicted loss than Chinchilla's? Give the difference in nats/token as `loss_gap` (positive if Gopher's
        is higher).
    """,
    hint="""
        HOFFMANN_2022.loss(params, tokens) gives the predicted loss; use record.params and record.tokens of each
        model.
    """,
    expected=_gopher_gap,
    tolerance=Tolerance(0.05, hidden=0.002),   # an exact formula: a stricter hidden check
    sign="positive", what="the gap",
    sign_hint="""
        Chinchilla's predicted loss is the lower one: subtract Chinchilla's loss from Gopher's.
    """,
)

_OPTIMUM = EPOCH_2024.compute_optimal(BUDGET_FLOPS)

SERVE_CHOICE = choice_question(
    "chinchilla.serve_choice", points=3, kind="decide", title="Train for the budget, or for the users?",
    statement=f"""
        Your team needs a model as good as the compute-optimal one at {_BUDGET_TEXT} FLOPs under the refit law
        `EPOCH_2024` (about {human(_OPTIMUM.params)} parameters, loss {_OPTIMUM.loss:.3f} nats/token), and it will
        then serve {_SERVED_TEXT} tokens over its life (`chinchilla.SERVED_TOKENS`, a choice of this problem set).
        Any size can reach that loss if it is trained on enough tokens. Training costs $6ND$ FLOPs and serving
        costs $2N$ FLOPs per token (Sardana et al. 2023). Which model should you train to make the **lifetime**
        compute, training plus serving, as small as possible? Work out each candidate's tokens from the law,
        then its lifetime FLOPs, and give the letter of your choice as `serve_choice`.
    """,
    hint="""
        Solve the law for D: for a given N, which D brings L(N, D) down to the target loss? A model too small
        for the target needs infinitely many tokens. Then compare four totals; the cheapest to train is not
        the cheapest to own.
    """,
    options=dict(zip(SIZE_FACTORS, (
        "the compute-optimal size, on the compute-optimal tokens",
        "half the compute-optimal size, trained on more tokens",
        "a quarter of the compute-optimal size, trained on many more tokens",
        "twice the compute-optimal size, trained on fewer tokens",
    ))),
    answer=_serve_choice,
)

ISOFLOP_EXPONENT = number_question(
    "chinchilla.isoflop_exponent", points=4, kind="fit", title="Approach 2 on a real-looking sweep",
    statement=f"""
        `chinchilla.isoflop_sweep()` returns a SIMULATED IsoFLOP sweep (`params`, `tokens`, `flops`, `loss`, one
        value per run) as it might come off a cluster: made from a known law with {RUNS_NOISE:.0%} noise, at
        {RUNS_BUDGETS.size + 1} budgets, with two flaws. One run diverged: its loss is far above the bowl of its
        budget. At one budget the sizes were all chosen on the same side of the optimum, so its profile has no
        bottom and its parabola's minimum would be a guess outside the sizes tried. Find both flaws, leave out
        that one run and that whole budget (and nothing else), then do Approach 2: for each remaining budget fit
        a parabola to the loss against $\\ln N$ (`np.polyfit(np.log(params), loss, 2)`), take its minimum as
        that budget's $N_{{opt}}$, and fit $N_{{opt}} \\propto C^{{a}}$ through the minima with
        `fit_power_law`. Give $a$ (a plain number) as `isoflop_exponent`.
    """,
    hint="""
        Look before you fit: plot each budget's losses against N on a log axis (the cell above does). A bowl with
        one point far above it, and a budget whose losses only rise (or only fall), are the flaws. A boolean mask
        (runs.flops == budget, and a comparison that singles out the bad run) selects what to keep.
    """,
    expected=_isoflop_exponent,
    # A fit of seeded runs: 3% rejects a fit that keeps either flaw (each moves a by more than 3% by construction)
    # and the exponent of the law the runs were made from (4.5% off for everyone's shared data).
    tolerance=Tolerance(0.03, hidden=0.002),
    public_hint="""
        Did you keep a flaw? Check that each budget you fit has its minimum inside the sizes it tried, and that
        no run sits far above its parabola. Use the runs, not the law they were made from.
    """,
    hidden_hint="Leave out exactly the diverged run and the budget without a bottom; fit every other run.",
)

_RULE = _CHINCHILLA.tokens / _CHINCHILLA.params          # 1.4T / 70B = 20 tokens per parameter


def _ratio_text(law: ChinchillaLaw) -> str:
    return f"{law.compute_optimal(BUDGET_FLOPS).tokens_per_param:.0f}"


RATIO_RULE = rubric_question(
    "chinchilla.ratio_rule", points=3, kind="decide", title=f"What \"{_RULE:.0f} tokens per parameter\" hides",
    statement=f"""
        A colleague plans a training run this way: "Chinchilla showed that a model should see {_RULE:.0f} tokens
        per parameter, so we set D = {_RULE:.0f}N and spend the budget, C = 6ND." In a few sentences, advise them:
        where does the rule come from, what does it leave out, and when would you depart from it? Use what you
        found in this problem set.
    """,
    hint="""
        Look back at your answers: the ratio two sets of published constants give at the same budget, how
        precisely a sweep pins down the exponent, and what changed the best size in the serving question.
    """,
    criteria=[
        Criterion("says the ratio is a property of a fitted law, not a constant: different published constants "
                  "give very different ratios at the same budget, and unless alpha equals beta the ratio drifts "
                  "with the budget", 1),
        Criterion("says the optimum is flat and the fitted exponent uncertain (noise and the choice of runs move "
                  "it by several percent), so the rule is a broad target, not a precise number", 1),
        Criterion("says compute-optimal counts only training: a model that will be served a lot (or that runs "
                  "short of unique data) should be smaller and trained on more tokens per parameter", 1),
    ],
    model_answer=f"""
        The {_RULE:.0f} comes from how Chinchilla itself was trained ({human(_CHINCHILLA.tokens)} tokens for
        {human(_CHINCHILLA.params)} parameters) and from Hoffmann et al.'s Table 3, not from a law of nature. It
        is what one fitted law says over one range of budgets: at {_BUDGET_TEXT} FLOPs the constants Hoffmann et
        al. printed give about {_ratio_text(HOFFMANN_2022)} tokens per parameter and the refit about
        {_ratio_text(EPOCH_2024)}, and since alpha and beta differ the ratio also drifts as the budget grows. The
        optimum is flat: a model twice too big or too small loses little, and a sweep with {RUNS_NOISE:.0%} noise
        pins the exponent down only to a few percent (one bad run moves it by more), so {_RULE:.0f} is a region,
        not a point. Most of all, compute-optimal counts only training. A model that will serve trillions of
        tokens is cheaper to own if it is smaller and trained longer, as the serving question showed, and a team
        short of unique text cannot follow the rule either. So I would take D = {_RULE:.0f}N as a first guess,
        then size the model for its lifetime compute and for the data we actually have.
    """,
)

PROBLEM_SET = ProblemSet(
    id="chinchilla",
    title="Chinchilla: compute-optimal allocation",
    questions=(EXPONENT, OPTIMAL_SPLIT, OPTIMAL_PARAMS, TOKENS_PER_PARAM, GOPHER_GAP, SERVE_CHOICE,
               ISOFLOP_EXPONENT, RATIO_RULE),
)
