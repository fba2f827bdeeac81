"""Problem set kaplan_laws: read and use Kaplan et al. 2020's scaling laws
(solutions/03_kaplan_laws.ipynb).

The questions work with the published constants of :mod:`scalingedu.data` (Eqs. 1.1-1.3, Table 2, Table 6), the
way lesson 03 does: the loss a law predicts, the growth a loss cut costs, the overfitting exponent and penalty,
Kaplan's compute-efficient allocation at a real budget, and the breakdown point of Eq. 6.8.

The expected answers are computed here, at check time, by :data:`scalingedu.laws.KAPLAN_2020`; nothing is typed in.
The model size and the loss cut asked about (:data:`TARGET_PARAMS`, :data:`LOSS_CUT`) are choices of this problem
set, not published numbers.
"""
from __future__ import annotations

import numpy as np

from .. import data
from ..grading import ProblemSet, Tolerance, function_question, number_question
from ..laws import KAPLAN_2020

TARGET_PARAMS = 1e10
"""Non-embedding parameters of the model that question kaplan_laws.loss_from_params asks about."""
LOSS_CUT = 0.05
"""The fraction by which question kaplan_laws.data_for_cut wants the loss lowered (5%)."""
BUDGET_FLOPS = data.GOPHER_BUDGET_FLOPS
"""The budget of questions kaplan_laws.kaplan_params and kaplan_laws.tokens_per_param: Gopher's and
Chinchilla's, in FLOPs."""


# Expected values, computed at check time by the library.

def _loss_from_params() -> float:
    return KAPLAN_2020.loss_from_params(TARGET_PARAMS)


def _data_for_cut() -> float:
    return (1.0 / (1.0 - LOSS_CUT)) ** (1.0 / KAPLAN_2020.alpha_D)


def _exponent_ratio() -> float:
    return KAPLAN_2020.joint_alpha_N / KAPLAN_2020.joint_alpha_D


def _kaplan_params() -> float:
    return KAPLAN_2020.compute_optimal(BUDGET_FLOPS).params


def _tokens_per_param() -> float:
    return KAPLAN_2020.compute_optimal(BUDGET_FLOPS).tokens_per_param


def _breakdown_pf_days() -> float:
    return KAPLAN_2020.breakdown_point().pf_days


def _public_penalty_inputs() -> list[tuple]:
    largest = data.KAPLAN_2020_MODEL_RANGE["largest_params"]
    webtext2 = data.KAPLAN_2020_SETUP["dataset_tokens"]
    return [(largest, webtext2), (np.array([1e8, 1e9, 1e10]), np.array([1e10, 1e10, 1e10]))]


def _hidden_penalty_inputs() -> list[tuple]:
    return [
        (3e11, 2e11),                                                   # far beyond the data: a large penalty
        (np.geomspace(1e6, 1e12, 7), np.geomspace(1e13, 1e8, 7)),       # sizes up, data down
        (np.array([[1e7], [1e11]]), np.array([[1e9, 1e12]])),           # a 2 x 2 grid by broadcasting
    ]


def _penalty_reference(params, tokens):
    return KAPLAN_2020.overfitting_penalty(params, tokens)


def _latex(value: float, digits: int = 3) -> str:
    """A number as LaTeX in scientific notation: 5.76e23 -> 5.76\\times10^{23}."""
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}\\times10^{{{int(exponent)}}}"


_PARAMS_TEXT = f"{TARGET_PARAMS:.0e}".replace("e+", "e")   # "1e10", as one would type it in Python
_ALLOCATION = data.KAPLAN_2020_ALLOCATION
_PRINTED_EXPONENT = f"{data.KAPLAN_2020_OVERFITTING['exponent']:g}"
_N_OPT = f"{_latex(_ALLOCATION['params_coefficient'], 2)}\\cdot C^{{{_ALLOCATION['params_exponent']:g}}}"
_D_OPT = f"{_latex(_ALLOCATION['tokens_coefficient'], 1)}\\cdot C^{{{_ALLOCATION['tokens_exponent']:g}}}"

LOSS_FROM_PARAMS = number_question(
    "kaplan_laws.loss_from_params", points=2, kind="compute",
    title="The loss of a ten-billion-parameter model",
    statement=f"""
        By Kaplan et al.'s Eq. 1.1, $L(N) = (N_c/N)^{{\\alpha_N}}$ with the constants of
        `KAPLAN_2020_PARAMS_LAW`, what test loss (nats/token) does a model with {_PARAMS_TEXT} non-embedding
        parameters (`kaplan_laws.TARGET_PARAMS`) reach when data are not the bottleneck? Give it as `loss_10b`.
    """,
    hint=f"""
        L = (N_c / N) ** alpha_N with N_c and alpha_N from KAPLAN_2020_PARAMS_LAW, N = {_PARAMS_TEXT} (a count).
    """,
    expected=_loss_from_params,
    tolerance=Tolerance(0.01),   # printed constants: 1% rejects the joint fit's N_c (2.4% off)
    sign="positive", what="a loss",
    public_hint=f"""
        Use Eq. 1.1's constants (N_c = {data.KAPLAN_2020_PARAMS_LAW['N_c']:g}, alpha_N =
        {data.KAPLAN_2020_PARAMS_LAW['alpha_N']:g}), not Table 2's joint fit.
    """,
)

DATA_FOR_CUT = number_question(
    "kaplan_laws.data_for_cut", points=2, kind="compute",
    title="The price of a 5% lower loss in data",
    statement=f"""
        By Kaplan et al.'s Eq. 1.2, $L(D) = (D_c/D)^{{\\alpha_D}}$ (constants in `KAPLAN_2020_DATA_LAW`), by
        what factor must the training data grow to lower the data-limited loss by {LOSS_CUT:.0%}
        (`kaplan_laws.LOSS_CUT`)? Give the factor (a plain number greater than 1) as `data_factor`.
    """,
    hint=f"""
        Multiplying D by k multiplies the loss by k^(-alpha_D). Solve k^(-alpha_D) = 1 - {LOSS_CUT:g} for k: k = (1
        / {1 - LOSS_CUT:g}) ** (1 / alpha_D).
    """,
    expected=_data_for_cut,
    # 3% rejects Table 2's alpha_D (4% off); only the hidden check rejects 1.05^(1/alpha_D) (2.6%).
    tolerance=Tolerance(0.03, hidden=0.002),
    public_hint=f"""
        The factor is (1 / (1 - cut)) ** (1 / alpha_D), with alpha_D = {data.KAPLAN_2020_DATA_LAW['alpha_D']:g} of Eq.
        1.2.
    """,
)

EXPONENT_RATIO = number_question(
    "kaplan_laws.exponent_ratio", points=1, kind="compute", title="The overfitting exponent",
    statement=f"""
        Eq. 4.4 says that data must grow like $N^{{{_PRINTED_EXPONENT}}}$ to keep overfitting in check, where
        ${_PRINTED_EXPONENT}$ is the ratio $\\alpha_N/\\alpha_D$ of the joint fit (Table 2,
        `KAPLAN_2020_JOINT_LAW`). Compute the ratio from the table (do not type the rounded {_PRINTED_EXPONENT})
        and give it as `exponent_ratio`.
    """,
    hint="""
        KAPLAN_2020_JOINT_LAW['alpha_N'] / KAPLAN_2020_JOINT_LAW['alpha_D'], the joint fit's exponents.
    """,
    expected=_exponent_ratio,
    # 2% rejects Eq. 1.2's alpha_D (8% off); the printed 0.74 (0.3% off) fails only the hidden one.
    tolerance=Tolerance(0.02, hidden=0.001),
    sign="positive", what="the ratio",
    public_hint=f"""
        Use Table 2's exponents (alpha_D = {data.KAPLAN_2020_JOINT_LAW['alpha_D']:g}), not Eq. 1.2's alpha_D =
        {data.KAPLAN_2020_DATA_LAW['alpha_D']:g}.
    """,
    hidden_hint="Compute the ratio from the table; the printed 0.74 is rounded.",
)

OVERFITTING_PENALTY = function_question(
    "kaplan_laws.overfitting_penalty", points=3, kind="derive",
    title="The overfitting penalty as a function",
    statement="""
        Write a function `overfitting_penalty(params, tokens)` that returns Kaplan et al.'s Eq. 4.3, the
        fraction by which finite data raise the loss above its converged value: $\\delta L = \\left[1 +
        (N/N_c)^{\\alpha_N/\\alpha_D}\\, D_c/D\\right]^{\\alpha_D} - 1$, with the constants of Table 2
        (`KAPLAN_2020_JOINT_LAW`). It should work on numbers and on NumPy arrays. Write the formula yourself: a
        function that calls the library's `KAPLAN_2020.overfitting_penalty` earns no points.
    """,
    hint="""
        Read alpha_N, alpha_D, N_c and D_c from KAPLAN_2020_JOINT_LAW and write the formula with NumPy-friendly
        operators (** and /), so that arrays work too. The result is a fraction: 0.03 means 3%.
    """,
    reference=_penalty_reference, n_args=2, forbidden=(type(KAPLAN_2020).overfitting_penalty,),
    public_inputs=_public_penalty_inputs, public_what="Kaplan's largest model and a row",
    hidden_inputs=_hidden_penalty_inputs, hidden_what="other sizes and grids",
)

KAPLAN_PARAMS = number_question(
    "kaplan_laws.kaplan_params", points=2, kind="compute",
    title="Kaplan's model for Chinchilla's budget",
    statement=f"""
        Gopher and Chinchilla were trained with the same budget, ${_latex(BUDGET_FLOPS)}$ FLOPs
        (`kaplan_laws.BUDGET_FLOPS`). How many parameters does Kaplan et al.'s Table 6 recommend for it,
        $N_{{opt}} = {_N_OPT}$ with $C$ in PF-days (constants in `KAPLAN_2020_ALLOCATION`, one PF-day is
        `PF_DAY_FLOPS`)? Give a count of parameters as `kaplan_params`.
    """,
    hint=f"""
        Convert the budget to PF-days first (divide by PF_DAY_FLOPS = {data.PF_DAY_FLOPS:.3g}), then apply Table 6.
    """,
    expected=_kaplan_params,
    sign="positive", what="the number of parameters",
    public_hint="""
        Table 6 takes C in PF-days, not FLOPs: divide the budget by PF_DAY_FLOPS before the power.
    """,
)

TOKENS_PER_PARAM = number_question(
    "kaplan_laws.tokens_per_param", points=2, kind="compute", title="Tokens per parameter",
    statement="""
        Spend that whole budget on the model of the previous question: it trains on $D = C/(6N)$ tokens. How
        many training tokens per parameter is that? Give $D/N$ (a plain number) as `tokens_per_param`.
    """,
    hint="""
        D = BUDGET_FLOPS / (6 * kaplan_params), then divide by kaplan_params. Use FLOPs here, not PF-days.
    """,
    expected=_tokens_per_param,
    sign="positive", what="tokens per parameter",
    public_hint="""
        C = 6ND with C in FLOPs. The answer is far below Chinchilla's 20: that is the point.
    """,
)

BREAKDOWN = number_question(
    "kaplan_laws.breakdown", points=3, kind="compute", title="The breakdown point",
    statement=f"""
        Find Kaplan et al.'s breakdown point (Eq. 6.8): the compute $C^*$ in PF-days at which Eq. 1.3, $L(C) =
        (C_c/C)^{{\\alpha_C}}$ (`KAPLAN_2020_COMPUTE_LAW`), equals Eq. 1.2, $L(D) = (D_c/D)^{{\\alpha_D}}$
        (`KAPLAN_2020_DATA_LAW`), evaluated on the data of Table 6, $D(C) = {_D_OPT}$
        (`KAPLAN_2020_ALLOCATION`'s tokens coefficient and exponent). Give $C^*$ in PF-days as
        `breakdown_pf_days`.
    """,
    hint="""
        Take logarithms: alpha_C·(ln C_c − ln C) = alpha_D·(ln D_c − ln d0 − p·ln C). This is linear in ln C; solve
        it and exponentiate.
    """,
    expected=_breakdown_pf_days,
    sign="positive", what="the compute",
    public_hint=f"""
        Keep C in PF-days throughout (Eq. 1.3's C_c is {data.KAPLAN_2020_COMPUTE_LAW['C_c_pf_days']:g} PF-days); the
        answer is between 1e3 and 1e5.
    """,
)

PROBLEM_SET = ProblemSet(
    id="kaplan_laws",
    title="Kaplan's scaling laws: read, combine and stress them",
    questions=(LOSS_FROM_PARAMS, DATA_FOR_CUT, EXPONENT_RATIO, OVERFITTING_PENALTY, KAPLAN_PARAMS,
               TOKENS_PER_PARAM, BREAKDOWN),
)
