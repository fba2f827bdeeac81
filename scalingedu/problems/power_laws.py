"""Problem set power_laws: read, fit and extrapolate power laws (solutions/01_power_laws.ipynb).

The learner gets two seeded, noisy data sets of loss against model size, made from published laws:

- :func:`measurements`: Kaplan et al. 2020's L(N) = (N_c / N)^alpha_N (Eq. 1.1), a pure power law;
- :func:`measurements_with_floor`: Hoffmann et al. 2022's L(N) = E + A / N^alpha (Eq. 10 without its data term,
  i.e. the loss with unlimited data), a power law with an irreducible floor E.

The expected answers are computed here, at check time, from the same data with the library's own functions
(:func:`scalingedu.powerlaw.fit_power_law`); nothing is typed in. The noise levels, sizes, seeds and the
targets of the extrapolation questions are choices of this problem set, not published numbers.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..data import HOFFMANN_2022_FIT, KAPLAN_2020_PARAMS_LAW
from ..grading import ProblemSet, Tolerance, function_question, number_question
from ..grading.learner import learner_seed
from ..powerlaw import PowerLaw, fit_power_law, local_slope

SEED_PURE = 2020
SEED_FLOOR = 2022
NOISE_PURE = 0.02
"""Standard deviation of the multiplicative (log-normal) noise of :func:`measurements`: about 2%."""
NOISE_FLOOR = 0.01
"""Standard deviation of the multiplicative noise of :func:`measurements_with_floor`: about 1%."""
TARGET_LOSS = 2.0
"""Loss (nats/token) that question power_laws.params_for_loss asks about."""
FAR_PARAMS = 1e14
"""Model size (parameters) at which question power_laws.extrapolate asks for the loss."""
_FAR_PARAMS_TEXT = f"{FAR_PARAMS:.0e}".replace("e+", "e")   # "1e14", as one would type it in Python


class Measurements(NamedTuple):
    """Loss measured at several model sizes: ``params`` (parameters) and ``loss`` (nats per token)."""

    params: np.ndarray
    loss: np.ndarray


def measurements() -> Measurements:
    """Twelve noisy losses of Kaplan's law L(N) = (N_c/N)^alpha_N at 1e6 to 1e10 parameters (seed 2020, or the
    learner's own when one is set: :mod:`scalingedu.grading.learner`).

    The constants come from :data:`scalingedu.data.KAPLAN_2020_PARAMS_LAW`; each loss is multiplied by
    exp(noise) with noise ~ Normal(0, 0.02). Every call returns the same values, in new arrays.
    """
    rng = np.random.default_rng(learner_seed(SEED_PURE))
    params = np.geomspace(1e6, 1e10, 12)
    law = KAPLAN_2020_PARAMS_LAW
    loss = (law["N_c"] / params) ** law["alpha_N"] * np.exp(rng.normal(0.0, NOISE_PURE, params.size))
    return Measurements(params, loss)


def measurements_with_floor() -> Measurements:
    """Fourteen noisy losses of L(N) = E + A/N^alpha at 1e7 to 1e12 parameters (seed 2022, or the learner's own
    when one is set).

    E, A and alpha come from :data:`scalingedu.data.HOFFMANN_2022_FIT`; each loss is multiplied by exp(noise)
    with noise ~ Normal(0, 0.01). Every call returns the same values, in new arrays.
    """
    rng = np.random.default_rng(learner_seed(SEED_FLOOR))
    params = np.geomspace(1e7, 1e12, 14)
    fit = HOFFMANN_2022_FIT
    loss = (fit["E"] + fit["A"] / params ** fit["alpha"]) * np.exp(rng.normal(0.0, NOISE_FLOOR, params.size))
    return Measurements(params, loss)


# Expected values, computed at check time from the published constants and the seeded data.

def _halving_factor() -> float:
    return 2.0 ** (1.0 / HOFFMANN_2022_FIT["alpha"])


def _pure_law() -> PowerLaw:
    return fit_power_law(*measurements())


def _floor_law() -> PowerLaw:
    return fit_power_law(*measurements_with_floor(), offset=True)


def _public_slope_inputs() -> list[tuple]:
    return [tuple(measurements_with_floor())]


def _hidden_slope_inputs() -> list[tuple]:
    rng = np.random.default_rng(7)
    x = np.geomspace(3.0, 3e5, 9)
    return [
        (x, 5.0 * x ** -0.5),                                    # a pure power law: constant slope -0.5
        (x, 2.0 + x ** 0.25 * np.exp(rng.normal(0, 0.05, 9))),   # rising, noisy, with an offset
        (np.array([10.0, 1000.0]), np.array([4.0, 1.0])),        # two points: one slope
    ]


HALVING = number_question(
    "power_laws.halving", points=2, kind="compute", title="Halving the reducible loss",
    statement=f"""
        Hoffmann et al. (2022) model the part of the loss that more parameters can remove as $A / N^{{\\alpha}}$
        with $\\alpha$ = {HOFFMANN_2022_FIT['alpha']:g} (`HOFFMANN_2022_FIT[\"alpha\"]`). By what factor must
        the number of parameters $N$ grow to halve this term? Give the factor (a plain number, no units) as
        `halving_factor`.
    """,
    hint="""
        Multiplying N by k multiplies N^-alpha by k^-alpha; solve k^-alpha = 1/2 for k. The factor is greater than 1
        (a growth), not the fraction 1/k.
    """,
    expected=_halving_factor,
    tolerance=Tolerance(0.05, hidden=0.002),   # an exact formula: the hidden check is stricter than usual
    hidden_hint="Compute the factor from alpha exactly rather than reading it off a plot.",
)

EXPONENT = number_question(
    "power_laws.exponent", points=2, kind="fit", title="The exponent",
    statement="""
        `power_laws.measurements()` returns the loss (nats/token) of twelve models of $10^6$ to $10^{10}$
        parameters. Fit $L = a \\cdot N^{b}$ with `fit_power_law` and give the exponent $b$ (no units) as
        `exponent`.
    """,
    hint="fit_power_law(params, loss) returns a PowerLaw; its exponent is the attribute b.",
    expected=lambda: _pure_law().b,
    tolerance=Tolerance(0.10),   # a fit to noisy data: a hand fit through the points should pass in public
    sign="negative", what="the exponent",
    sign_hint="Loss falls as models grow, so in y = a·x^b the exponent b is negative.",
    public_hint="Fit a straight line to log(loss) against log(params); its slope is b.",
    hidden_hint="Use fit_power_law without an offset, on all twelve points.",
)

PARAMS_FOR_LOSS = number_question(
    "power_laws.params_for_loss", points=2, kind="compute", title="How big for a target loss?",
    statement=f"""
        With the law you fitted in the previous question, how many parameters would a model need to reach a loss
        of {TARGET_LOSS:g} nats/token (`power_laws.TARGET_LOSS`)? Give a count of parameters (for example `9e9`,
        not `9` billion) as `params_needed`.
    """,
    hint="Invert y = a·x^b: x = (y/a)^(1/b). A PowerLaw has a method solve_for_x for this.",
    expected=lambda: _pure_law().solve_for_x(TARGET_LOSS),
    # Inverting a power law magnifies the exponent's error: a loose public check, the usual hidden one.
    tolerance=Tolerance(0.15, hidden=0.01),
    sign="positive", what="the number of parameters",
    public_hint="Give a count of parameters, such as 9e9 for nine billion; use the fit of the exponent question.",
)

FLOOR = number_question(
    "power_laws.floor", points=2, kind="fit", title="The floor",
    statement="""
        `power_laws.measurements_with_floor()` returns the loss (nats/token) of fourteen models of $10^7$ to
        $10^{12}$ parameters, trained on unlimited data. Fit $L = a \\cdot N^{b} + c$ with `fit_power_law(...,
        offset=True)` and give the irreducible floor $c$ (nats/token) as `floor`.
    """,
    hint="""
        Use offset=True: a pure power law has no floor (its c is 0). The floor is the attribute c of the fit.
    """,
    expected=lambda: _floor_law().c,
    tolerance=Tolerance(0.05, hidden=0.01),   # a three-parameter fit: c is the least certain of the three
    sign="positive", what="the floor", sign_hint="A loss floor is a positive number of nats per token.",
    public_hint="Fit with offset=True; c is in nats/token, like the loss, and lies below every data point.",
    hidden_hint="Use fit_power_law with offset=True on all fourteen points.",
)

EXTRAPOLATE = number_question(
    "power_laws.extrapolate", points=2, kind="compute", title="Extrapolate",
    statement=f"""
        With the law with a floor that you fitted in the previous question, predict the loss (nats/token) of a
        model with {_FAR_PARAMS_TEXT} parameters (`power_laws.FAR_PARAMS`), a hundred times beyond the data.
        Give it as `predicted_loss`.
    """,
    hint="A PowerLaw is callable: law(params) evaluates a·params^b + c.",
    expected=lambda: _floor_law()(FAR_PARAMS),
    tolerance=Tolerance(0.02),   # near the floor a loss varies little: 5% would accept the floor itself
    public_hint="Evaluate the law WITH the offset at FAR_PARAMS; the prediction lies just above the floor c.",
)

LOCAL_EXPONENT = function_question(
    "power_laws.local_exponent", points=3, kind="derive", title="A function for the local exponent",
    statement="""
        Write a function `local_exponent(x, y)` that returns the local exponent $\\Delta \\log y / \\Delta \\log
        x$ between each pair of neighbouring points: a NumPy array one shorter than `x`. For a pure power law
        every value equals the exponent $b$. Write it yourself: a function that calls the library's `local_slope`
        earns no points.
    """,
    hint="Use np.diff on np.log(y) and on np.log(x), and divide. The result has len(x) - 1 values.",
    reference=local_slope, n_args=2, forbidden=(local_slope,),
    public_inputs=_public_slope_inputs, public_what="the floor data",
    hidden_inputs=_hidden_slope_inputs, hidden_what="other inputs",
)

PROBLEM_SET = ProblemSet(
    id="power_laws",
    title="Power laws: read, fit and extrapolate",
    questions=(HALVING, EXPONENT, PARAMS_FOR_LOSS, FLOOR, EXTRAPOLATE, LOCAL_EXPONENT),
)
