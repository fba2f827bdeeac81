"""Problem set kaplan_laws: read, combine and stress Kaplan et al. 2020's scaling laws
(solutions/03_kaplan_laws.ipynb).

The questions work with the published constants of :mod:`scalingedu.data` (Eqs. 1.1-1.3, Table 2, Table 6), the
way lesson 03 does: the loss a law predicts and the growth a loss cut costs; the overfitting penalty derived from
the joint law, and a fit of Eq. 1.1 to a seeded SIMULATED sweep in which the largest models are data-limited, so
the learner must choose the range where the law holds; Kaplan's compute-efficient allocation at a real budget, and
a decision between it, Gopher and Chinchilla by Kaplan's own joint law; the breakdown point of Eq. 6.8; and, in the
learner's own words, why Kaplan's experiments favoured big models.

The expected answers are computed here, at check time, by :data:`scalingedu.laws.KAPLAN_2020` and
:func:`scalingedu.powerlaw.fit_power_law` on the same seeded data the learner gets; nothing is typed in. The model
size and the loss cut asked about (:data:`TARGET_PARAMS`, :data:`LOSS_CUT`) and the simulated sweep (sizes, noise,
seed) are choices of this problem set, not published numbers.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import data
from ..compute import training_flops
from ..formatting import human
from ..grading import ProblemSet, Tolerance, choice_question, function_question, number_question
from ..grading.factories import Criterion, rubric_question
from ..grading.learner import learner_seed
from ..laws import KAPLAN_2020
from ..powerlaw import fit_power_law

TARGET_PARAMS = 1e10
"""Non-embedding parameters of the model that question kaplan_laws.loss_from_params asks about."""
LOSS_CUT = 0.05
"""The fraction by which question kaplan_laws.data_for_cut wants the loss lowered (5%)."""
BUDGET_FLOPS = data.GOPHER_BUDGET_FLOPS
"""The budget of questions kaplan_laws.kaplan_params, kaplan_laws.tokens_per_param and kaplan_laws.which_plan:
Gopher's and Chinchilla's, in FLOPs."""

SWEEP_PARAMS = np.geomspace(1e6, 1e11, 11)
"""Model sizes (non-embedding parameters) of :func:`size_sweep`, two per decade: a choice of this problem set."""
SWEEP_TOKENS = data.KAPLAN_2020_SETUP["dataset_tokens"]
"""Every model of :func:`size_sweep` trains (with early stopping) on all of WebText2: 2.29e10 tokens."""
SWEEP_NOISE, SWEEP_SEED = 0.01, 2001
"""1% multiplicative noise on each loss, seed 2001 (choices of this problem set)."""


class Sweep(NamedTuple):
    """SIMULATED final losses, one value per model: ``params`` (non-embedding), ``tokens`` and ``loss``
    (nats/token)."""

    params: np.ndarray
    tokens: np.ndarray
    loss: np.ndarray


def size_sweep() -> Sweep:
    """Eleven SIMULATED training runs, 1e6 to 1e11 non-embedding parameters, all on WebText2's 2.29e10 tokens.

    The losses are Kaplan et al.'s joint law (Eq. 1.5 with Table 2's constants, ``KAPLAN_2020.loss``) times
    exp(0.01·z), z standard normal, seed 2001 (or the learner's own, see :mod:`scalingedu.grading.learner`): data
    whose law is known, not measurements. The larger models are data-limited, where Eq. 1.1 does not hold. Every
    call returns the same values, in new arrays.
    """
    rng = np.random.default_rng(learner_seed(SWEEP_SEED))
    params = SWEEP_PARAMS.copy()
    tokens = np.full(params.shape, SWEEP_TOKENS)
    loss = np.asarray(KAPLAN_2020.loss(params, tokens)) * np.exp(SWEEP_NOISE * rng.standard_normal(params.size))
    return Sweep(params, tokens, loss)


# Expected values, computed at check time by the library.

def _loss_from_params() -> float:
    return KAPLAN_2020.loss_from_params(TARGET_PARAMS)


def _data_for_cut() -> float:
    return (1.0 / (1.0 - LOSS_CUT)) ** (1.0 / KAPLAN_2020.alpha_D)


def _exponent_ratio() -> float:
    return KAPLAN_2020.joint_alpha_N / KAPLAN_2020.joint_alpha_D


def _not_data_limited() -> np.ndarray:
    """The runs of :func:`size_sweep` whose data meet Eq. 4.4's bound (D >= 5e3 N^0.74): where Eq. 1.1 holds."""
    sweep = size_sweep()
    return sweep.tokens >= KAPLAN_2020.overfitting_bound_tokens(sweep.params)


def _fitted_alpha_n() -> float:
    sweep, keep = size_sweep(), _not_data_limited()
    return -fit_power_law(sweep.params[keep], sweep.loss[keep]).b


def _kaplan_params() -> float:
    return KAPLAN_2020.compute_optimal(BUDGET_FLOPS).params


def _tokens_per_param() -> float:
    return KAPLAN_2020.compute_optimal(BUDGET_FLOPS).tokens_per_param


def plan_losses() -> dict[str, float]:
    """The options of question kaplan_laws.which_plan and their loss by Kaplan's joint law (Eq. 1.5, Table 2):
    Table 6's plan at BUDGET_FLOPS, Gopher and Chinchilla as published."""
    table6 = KAPLAN_2020.compute_optimal(BUDGET_FLOPS)
    plans = {"a": (table6.params, table6.tokens)}
    for key, name in (("b", "Gopher"), ("c", "Chinchilla")):
        record = data.model(name)
        plans[key] = (record.params, record.tokens)
    return {key: float(KAPLAN_2020.loss(params, tokens)) for key, (params, tokens) in plans.items()}


def _which_plan() -> str:
    losses = plan_losses()
    return min(losses, key=losses.get)


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
    "kaplan_laws.loss_from_params", points=1, kind="compute",
    title="The loss of a ten-billion-parameter model",
    statement=f"""
        By Kaplan et al.'s Eq. 1.1, $L(N) = (N_c/N)^{{\\alpha_N}}$ with the constants of
        `KAPLAN_2020_PARAMS_LAW`, what test loss (nats/token) does a model with {_PARAMS_TEXT} non-embedding
        parameters (`kaplan_laws.TARGET_PARAMS`) reach when data are not the bottleneck? Give it as `loss_10b`.
    """,
    hint=f"""
        Take N_c and alpha_N from KAPLAN_2020_PARAMS_LAW and N = {_PARAMS_TEXT} (a count, not "10").
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
    "kaplan_laws.data_for_cut", points=1, kind="compute",
    title="The price of a 5% lower loss in data",
    statement=f"""
        By Kaplan et al.'s Eq. 1.2, $L(D) = (D_c/D)^{{\\alpha_D}}$ (constants in `KAPLAN_2020_DATA_LAW`), by
        what factor must the training data grow to lower the data-limited loss by {LOSS_CUT:.0%}
        (`kaplan_laws.LOSS_CUT`)? Give the factor (a plain number greater than 1) as `data_factor`.
    """,
    hint="""
        Part A's opening: multiplying D by k multiplies the loss by the same factor wherever you start. Set that
        factor equal to the loss you want to keep and solve for k.
    """,
    expected=_data_for_cut,
    # 3% rejects Table 2's alpha_D (4% off); only the hidden check rejects 1.05^(1/alpha_D) (2.6%).
    tolerance=Tolerance(0.03, hidden=0.002),
    public_hint=f"""
        A 5% cut keeps 95% of the loss; the factor is greater than 1. Use Eq. 1.2's alpha_D =
        {data.KAPLAN_2020_DATA_LAW['alpha_D']:g}, not Table 2's.
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
        Kaplan et al.'s overfitting penalty (Eq. 4.3) is the fraction by which finite data raise the loss above
        the converged loss of the same model: $\\delta L(N, D) = L(N, D)/L(N, \\infty) - 1$, with the joint law
        of Part B and the constants of Table 2 (`KAPLAN_2020_JOINT_LAW`). Work out $L(N, \\infty)$, simplify the
        ratio until $N$ and $D$ appear only once, and write a function `overfitting_penalty(params, tokens)` that
        returns $\\delta L$. It should work on numbers and on NumPy arrays (and broadcast them, as NumPy does).
        Write it yourself: a function that calls the library's `KAPLAN_2020.overfitting_penalty` earns no points.
    """,
    hint="""
        Let D grow without bound in the joint law to get L(N, infinity); then factor (N_c/N)^(alpha_N/alpha_D)
        out of the bracket. Use NumPy-friendly operators (** and /) so that arrays work too. The result is a
        fraction: 0.03 means 3%.
    """,
    reference=_penalty_reference, n_args=2, forbidden=(type(KAPLAN_2020).overfitting_penalty,),
    public_inputs=_public_penalty_inputs, public_what="Kaplan's largest model and a row",
    hidden_inputs=_hidden_penalty_inputs, hidden_what="other sizes and grids",
)

_BOUND = data.KAPLAN_2020_OVERFITTING

DATA_LIMITED_FIT = number_question(
    "kaplan_laws.data_limited_fit", points=4, kind="fit", title="Fit Eq. 1.1 where it holds",
    statement=f"""
        `kaplan_laws.size_sweep()` returns SIMULATED final losses (`params`, `tokens`, `loss`, one value per
        model) of {SWEEP_PARAMS.size} models from {human(SWEEP_PARAMS[0])} to {human(SWEEP_PARAMS[-1])}
        non-embedding parameters, each trained with early stopping on all of WebText2
        ({human(SWEEP_TOKENS)} tokens), made from the joint law of Part B with {SWEEP_NOISE:.0%} noise on each
        loss. Eq. 1.1, $L(N) = (N_c/N)^{{\\alpha_N}}$, describes only models whose data are not the bottleneck.
        Use Eq. 4.4 ($D \\gtrsim {_BOUND['tokens_coefficient']:g}\\, N^{{{_BOUND['exponent']:g}}}$,
        `KAPLAN_2020_OVERFITTING`) to decide which runs those are, fit a power law $L = k\\,N^{{b}}$ to them
        only (`fit_power_law`), and give $\\alpha_N = -b$ (a positive number) as `fitted_alpha_n`.
    """,
    hint="""
        Plot the losses against N on log-log axes first: a power law is a straight line, and the data-limited
        models bend away from it. Then compare each run's tokens with the bound Eq. 4.4 sets for its size and keep
        the runs that meet it.
    """,
    expected=_fitted_alpha_n,
    # The learner's fit reproduces the checker's to rounding, hence the strict hidden check; 5% rejects a fit on
    # all the runs (13% or more off for every seed) and a bound applied the wrong way round.
    tolerance=Tolerance(0.05, hidden=0.002),
    sign="positive", what="alpha_N",
    sign_hint="The law falls with N, so the fitted b is negative and alpha_N = -b is positive.",
    public_hint="""
        Did you fit every run? The largest models are data-limited and flatten the line. Keep only the runs whose
        tokens meet Eq. 4.4's bound for their size, and fit the simulated losses, not the law's constants.
    """,
    hidden_hint="Fit exactly the runs that meet Eq. 4.4's bound (tokens >= coefficient * params ** exponent).",
)

KAPLAN_PARAMS = number_question(
    "kaplan_laws.kaplan_params", points=1, kind="compute",
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
    "kaplan_laws.tokens_per_param", points=1, kind="compute", title="Tokens per parameter",
    statement="""
        Spend that whole budget on the model of the previous question: it trains on $D = C/(6N)$ tokens. How
        many training tokens per parameter is that? Give $D/N$ (a plain number) as `tokens_per_param`.
    """,
    hint="""
        Spending the budget fixes D once N is chosen. Use FLOPs here, not PF-days.
    """,
    expected=_tokens_per_param,
    sign="positive", what="tokens per parameter",
    public_hint="""
        C = 6ND with C in FLOPs. The answer is far below Chinchilla's 20: that is the point.
    """,
)

_GOPHER, _CHINCHILLA = data.model("Gopher"), data.model("Chinchilla")
_TABLE6 = KAPLAN_2020.compute_optimal(BUDGET_FLOPS)
_PLAN_SPREAD = max(abs(training_flops(record.params, record.tokens) / BUDGET_FLOPS - 1)
                   for record in (_GOPHER, _CHINCHILLA))

WHICH_PLAN = choice_question(
    "kaplan_laws.which_plan", points=3, kind="decide", title="Which plan does Kaplan's own law prefer?",
    statement=f"""
        Three ways to spend about the same budget of ${_latex(BUDGET_FLOPS)}$ FLOPs are on the table (each
        one's $6ND$ is within {_PLAN_SPREAD:.0%} of it). Judge them by Kaplan et al.'s own joint law, Eq. 1.5
        with Table 2's constants (the law of Part B), as if all were trained on text like WebText2: which
        plan reaches the lowest loss?
        Work out each plan's loss and give the letter as `which_plan`.
    """,
    hint="""
        Table 6's plan is the one of the two previous questions. The joint law needs only N and D; for the
        published models use the records of data.model. Compare three numbers, to three decimals.
    """,
    options={
        "a": "Kaplan's Table 6 plan for this budget (the model and tokens of the two previous questions)",
        "b": f"Gopher as trained: {human(_GOPHER.params)} parameters on {human(_GOPHER.tokens)} tokens",
        "c": f"Chinchilla as trained: {human(_CHINCHILLA.params)} parameters on {human(_CHINCHILLA.tokens)} tokens",
    },
    answer=_which_plan,
)

BREAKDOWN = number_question(
    "kaplan_laws.breakdown", points=3, kind="derive", title="The breakdown point",
    statement=f"""
        Find Kaplan et al.'s breakdown point (Eq. 6.8): the compute $C^*$ in PF-days at which Eq. 1.3, $L(C) =
        (C_c/C)^{{\\alpha_C}}$ (`KAPLAN_2020_COMPUTE_LAW`), equals Eq. 1.2, $L(D) = (D_c/D)^{{\\alpha_D}}$
        (`KAPLAN_2020_DATA_LAW`), evaluated on the data of Table 6, $D(C) = {_D_OPT}$
        (`KAPLAN_2020_ALLOCATION`'s tokens coefficient and exponent). Give $C^*$ in PF-days as
        `breakdown_pf_days`.
    """,
    hint="""
        Both sides are powers of C: take logarithms and the equation becomes linear in ln C. Solve it on paper,
        then evaluate. Lesson 03, section 5, draws the two lines.
    """,
    expected=_breakdown_pf_days,
    sign="positive", what="the compute",
    public_hint=f"""
        Keep C in PF-days throughout (Eq. 1.3's C_c is {data.KAPLAN_2020_COMPUTE_LAW['C_c_pf_days']:g} PF-days); the
        answer is between 1e3 and 1e5.
    """,
)

_STOP_ABOVE = KAPLAN_2020.steps_alpha_N / KAPLAN_2020.alpha_S     # Eq. B.5: alpha_N / alpha_S, about 10%
_LARGEST = data.KAPLAN_2020_MODEL_RANGE["largest_params"]

WHY_BIG_MODELS = rubric_question(
    "kaplan_laws.why_big_models", points=3, kind="decide", title="Why Kaplan's allocation favoured big models",
    statement=f"""
        Table 6 grows the model as $C^{{{_ALLOCATION['params_exponent']:g}}}$ and puts most of every larger
        budget into parameters; two years later Chinchilla grew parameters and tokens about equally. Compare
        with what you found in the plan question, where Kaplan's own joint law judged the plans. In a few
        sentences: why did Kaplan et al.'s experiments favour big models trained on few tokens, and would you
        use Table 6 to size a run today?
    """,
    hint="""
        Lesson 03, section 4: where the allocation comes from (learning curves, and where on them each model
        stops), how every run was scheduled, and how big the models measured were compared with the models the
        rule was used for.
    """,
    criteria=[
        Criterion("explains that the allocation comes from the compute-efficient frontier of learning curves, "
                  f"on which big models stop far short of convergence (about {_STOP_ABOVE:.0%} above their "
                  "converged loss), not "
                  "from minimising the converged joint law L(N, D)", 1),
        Criterion("names the single learning-rate schedule and token count for every run: losses read part way "
                  "through a long schedule overstate what shorter training reaches, so they undervalued training "
                  "small models on more tokens (Hoffmann et al.'s explanation)", 1),
        Criterion(f"notes that the rule was measured on small models (up to about {human(_LARGEST)} non-embedding "
                  "parameters, "
                  "counted without embeddings) and extrapolated by orders of magnitude, and concludes that Table 6 "
                  "should not size a run today (use a Chinchilla-type fit)", 1),
    ],
    model_answer=f"""
        Table 6 does not come from the converged joint law; it comes from the compute-efficient frontier, the
        lower envelope of learning curves. At each budget the best model on that envelope is one that is still
        improving fast, a big model stopped about {_STOP_ABOVE:.0%} above its converged loss, so the frontier
        rewards size and penalises long training. Two features of the experiments tilted it further. Every
        run used the same
        learning-rate schedule for the same number of steps, and shorter runs were read off the middle of that
        schedule; a schedule matched to each run's length ends lower, so training small models on more tokens
        looked worse than it is (the explanation Hoffmann et al. gave). And the models were small, at most about
        {human(_LARGEST)} non-embedding parameters, counted without their embeddings, which later analyses say bends
        the exponent at small scale; the rule was then extrapolated by two to four orders of magnitude. I would
        not use Table 6 to size a run today: at Gopher's budget it asks for {human(_TABLE6.params)} parameters on
        {human(_TABLE6.tokens)} tokens, {_TABLE6.params / _CHINCHILLA.params:.0f} times Chinchilla's model on
        {_TABLE6.tokens / _CHINCHILLA.tokens:.0%} of its data, and even Kaplan's own joint law prefers Gopher's
        smaller model to it.
    """,
)

PROBLEM_SET = ProblemSet(
    id="kaplan_laws",
    title="Kaplan's scaling laws: read, combine and stress them",
    questions=(LOSS_FROM_PARAMS, DATA_FOR_CUT, EXPONENT_RATIO, OVERFITTING_PENALTY, DATA_LIMITED_FIT,
               KAPLAN_PARAMS, TOKENS_PER_PARAM, WHICH_PLAN, BREAKDOWN, WHY_BIG_MODELS),
)
