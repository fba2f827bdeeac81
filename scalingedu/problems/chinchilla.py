"""Problem set chinchilla: compute-optimal allocation with the Chinchilla law
(solutions/04_chinchilla.ipynb).

The learner derives the closed form of Hoffmann et al. 2022 (Eq. 4) from the law L(N, D) = E + A/N^alpha + B/D^beta,
uses it with the published constants (Eq. 10 and the refit of Besiroglu et al. 2024), compares Gopher and Chinchilla
at equal compute, and runs Approach 2 (IsoFLOP parabolas) on seeded simulated training runs.

Expected answers are computed at check time with the library (:mod:`scalingedu.laws`); nothing is typed in. The
budget :data:`BUDGET_FLOPS`, the simulated runs (their budgets, sizes, noise and seed) and the hidden test inputs are
choices of this problem set, not published numbers.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..data import GOPHER_BUDGET_FLOPS, model
from ..formatting import human
from ..grading import ProblemSet, Tolerance, function_question, number_question
from ..grading.learner import learner_seed
from ..laws import EPOCH_2024, HOFFMANN_2022, HOFFMANN_2022_TEX, ChinchillaLaw
from ..laws.fitting import fit_isoflop_parabolas, simulate_runs

BUDGET_FLOPS = 1e24
"""The training budget (FLOPs) of questions chinchilla.optimal_params and
chinchilla.tokens_per_param: a choice of this set."""
_BUDGET_TEXT = f"{BUDGET_FLOPS:.0e}".replace("e+", "e")    # "1e24", as one would type it in Python

RUNS_BUDGETS = np.geomspace(1e18, 1e21, 6)
"""The six budgets (FLOPs) of :func:`isoflop_runs`: a choice of this problem set."""
RUNS_SIZES, RUNS_SPREAD, RUNS_NOISE, RUNS_SEED = 7, 10.0, 0.01, 2050
"""Seven sizes per budget from N_opt/10 to 10·N_opt, 1% noise, seed 2050 (choices of this problem set)."""


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
    same values, in new arrays.
    """
    runs = simulate_runs(EPOCH_2024, RUNS_BUDGETS, RUNS_SIZES, noise=RUNS_NOISE, seed=learner_seed(RUNS_SEED),
                         spread=RUNS_SPREAD)
    return Runs(*(np.array(runs[key]) for key in ("params", "tokens", "flops", "loss")))


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
    runs = isoflop_runs()
    return fit_isoflop_parabolas(runs.params, runs.flops, runs.loss).a


def _gopher_gap() -> float:
    gopher, chinchilla = model("Gopher"), model("Chinchilla")
    return float(HOFFMANN_2022.loss(gopher.params, gopher.tokens)
                 - HOFFMANN_2022.loss(chinchilla.params, chinchilla.tokens))


EXPONENT = number_question(
    "chinchilla.exponent", points=2, kind="compute", title="The exponent of the optimal model size",
    statement=f"""
        Besiroglu et al. (2024) refit the Chinchilla law and found $\\alpha$ = {EPOCH_2024.alpha:g} and $\\beta$
        = {EPOCH_2024.beta:g} (`EPOCH_2024.alpha`, `EPOCH_2024.beta`). Under a budget $C = 6ND$, the
        loss-minimising model size grows as $N_{{opt}} \\propto C^{{a}}$. Compute the exponent $a$ from
        $\\alpha$ and $\\beta$ (a plain number) and give it as `params_exponent`.
    """,
    hint="""
        At the optimum the two terms' marginal gains balance: alpha·A/N^alpha = beta·B/D^beta. Substitute D = C/(6N)
        and solve for N as a power of C. (alpha/(alpha+beta) is b, the exponent of the tokens.)
    """,
    expected=lambda: EPOCH_2024.params_exponent,
    # 2% rejects b = alpha/(alpha + beta), 5% off; the hidden check rejects rounded alpha and beta.
    tolerance=Tolerance(0.02, hidden=0.001),
    hidden_hint="Compute a from the unrounded alpha and beta, not from a rounded value.",
)

OPTIMAL_PARAMS = number_question(
    "chinchilla.optimal_params", points=2, kind="compute",
    title="The compute-optimal model at 1e24 FLOPs",
    statement=f"""
        With the refit law `EPOCH_2024`, how many parameters has the compute-optimal model for a budget of
        {_BUDGET_TEXT} FLOPs (`chinchilla.BUDGET_FLOPS`)? Use the closed form of Eq. 4, $N_{{opt}} =
        G\\,(C/6)^{{a}}$ with $G = (\\alpha A / (\\beta B))^{{1/(\\alpha+\\beta)}}$. Give a count of parameters
        (for example `7e10`, not `70`) as `optimal_params`.
    """,
    hint="""
        G = (alpha*A/(beta*B))**(1/(alpha+beta)) and a = beta/(alpha+beta); remember the 6 in C/6.
        EPOCH_2024.compute_optimal(C).params gives the same number.
    """,
    expected=lambda: EPOCH_2024.compute_optimal(BUDGET_FLOPS).params,
    sign="positive", what="the number of parameters",
    public_hint="""
        Give a count of parameters, such as 9.6e10 for 96 billion, and divide the budget by 6.
    """,
)

TOKENS_PER_PARAM = number_question(
    "chinchilla.tokens_per_param", points=2, kind="compute",
    title="Tokens per parameter with the printed constants",
    statement=f"""
        Now use the constants Hoffmann et al. printed (Eq. 10, `HOFFMANN_2022`) at the same budget of
        {_BUDGET_TEXT} FLOPs. How many training tokens per parameter does their compute-optimal plan use? Give
        the ratio $D_{{opt}}/N_{{opt}}$ (tokens per parameter, a plain number) as `tokens_per_param`.
    """,
    hint="""
        Find N_opt with Eq. 4 and the HOFFMANN_2022 constants, then D_opt = C/(6·N_opt). The answer is far from the
        popular 20, which is the point of the question.
    """,
    expected=lambda: HOFFMANN_2022.compute_optimal(BUDGET_FLOPS).tokens_per_param,
    sign="positive", what="the ratio",
    public_hint="Use HOFFMANN_2022 (Eq. 10), not EPOCH_2024, and divide tokens by parameters.",
)

_GOPHER, _CHINCHILLA = model("Gopher"), model("Chinchilla")

GOPHER_GAP = number_question(
    "chinchilla.gopher_gap", points=2, kind="compute", title="Predicted losses at equal compute",
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
        model and subtract Chinchilla's loss from Gopher's.
    """,
    expected=_gopher_gap,
    tolerance=Tolerance(0.05, hidden=0.002),   # an exact formula: a stricter hidden check
    sign="positive", what="the gap",
    sign_hint="""
        Chinchilla's predicted loss is the lower one: subtract Chinchilla's loss from Gopher's.
    """,
)

OPTIMAL_SPLIT = function_question(
    "chinchilla.optimal_split", points=3, kind="derive", title="The closed form as a function",
    statement="""
        Write a function `eq4_params(flops, alpha, beta, A, B)` that returns the compute-optimal number of
        parameters of Eq. 4 for a budget of `flops` FLOPs (a NumPy array of budgets), without calling the
        library's `compute_optimal`. It should return an array of the same shape as `flops`.
    """,
    hint="""
        N_opt = G·(C/6)^a with G = (alpha·A/(beta·B))^(1/(alpha+beta)) and a = beta/(alpha+beta). NumPy's ** works
        element by element on arrays.
    """,
    reference=_eq4_params, n_args=5, forbidden=(ChinchillaLaw.compute_optimal,),
    public_inputs=_public_split_inputs, public_what="Eq. 10's constants",
    hidden_inputs=_hidden_split_inputs, hidden_what="other laws and budgets",
)

ISOFLOP_EXPONENT = number_question(
    "chinchilla.isoflop_exponent", points=3, kind="fit", title="Approach 2 on simulated runs",
    statement="""
        `chinchilla.isoflop_runs()` returns simulated training runs (`params`, `tokens`, `flops`, `loss`) at six
        budgets, seven model sizes each. Do Approach 2 by hand: for each budget, fit a parabola to the loss
        against $\\ln N$ (`np.polyfit(np.log(params), loss, 2)`), take the parabola's minimum as that budget's
        $N_{opt}$, then fit $N_{opt} \\propto C^{a}$ through the six minima with `fit_power_law`. Give the
        exponent $a$ (a plain number) as `isoflop_exponent`.
    """,
    hint="""
        A parabola c2·x² + c1·x + c0 has its minimum at x = -c1/(2·c2); with x = ln N, N_opt = exp(-c1/(2·c2)). Fit
        the power law of N_opt against the budget; the exponent is the attribute b of the fitted PowerLaw. Use the
        simulated runs, not the law they were made from.
    """,
    expected=_isoflop_exponent,
    # A fit, but of seeded runs everyone shares: 3% rejects the exponent of the law the runs were
    # made from (0.513, 4.5% off), which the hint warns about.
    tolerance=Tolerance(0.03, hidden=0.002),
    public_hint="""
        Fit the runs: one parabola per budget (select a budget with runs.flops == budget), then a power law of the
        six minima against the six budgets.
    """,
    hidden_hint="Use all seven runs of every budget and a parabola (degree 2) in ln N.",
)

PROBLEM_SET = ProblemSet(
    id="chinchilla",
    title="Chinchilla: compute-optimal allocation",
    questions=(EXPONENT, OPTIMAL_SPLIT, OPTIMAL_PARAMS, TOKENS_PER_PARAM, GOPHER_GAP, ISOFLOP_EXPONENT),
)
