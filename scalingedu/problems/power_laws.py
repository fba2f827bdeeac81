"""Problem set power_laws: read, fit, clean and extrapolate power laws (solutions/01_power_laws.ipynb).

The learner gets three seeded, noisy, simulated data sets of loss against model size, made from published laws:

- :func:`measurements`: Kaplan et al. 2020's L(N) = (N_c / N)^alpha_N (Eq. 1.1), a pure power law;
- :func:`measurements_with_floor`: Hoffmann et al. 2022's L(N) = E + A / N^alpha (Eq. 10 without its data term,
  i.e. the loss with unlimited data), a power law with an irreducible floor E;
- :func:`sweep`: Kaplan's law again, with the flaws of a real sweep: the smallest models sit above the law (a
  regime where it does not hold) and one run diverged. A fit on all of it is wrong; the learner
  has to choose the range and drop the bad run.

The expected answers are computed here, at check time, from the same data with the library's own functions
(:func:`scalingedu.powerlaw.fit_power_law`); nothing is typed in. The noise levels, sizes, seeds and the
targets of the extrapolation questions are choices of this problem set, not published numbers.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..data import HOFFMANN_2022_FIT, KAPLAN_2020_PARAMS_LAW
from ..grading import ProblemSet, Tolerance, choice_question, function_question, number_question
from ..grading.factories import Criterion, rubric_question
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
FAR_PARAMS = 1e13
"""Model size (parameters) at which question power_laws.extrapolate asks for the loss: ten times the largest
model of :func:`measurements_with_floor`. Close enough to the data for the law's reducible part (about 0.01-0.02
nats/token there) to be told from the floor."""
_FAR_PARAMS_TEXT = f"{FAR_PARAMS:.0e}".replace("e+", "e")   # "1e13", as one would type it in Python
SEED_SWEEP = 2021
NOISE_SWEEP = 0.015
"""Standard deviation of the multiplicative noise of :func:`sweep`: about 1.5%."""
SWEEP_KNEE_PARAMS = 2e5
"""Below about this size the runs of :func:`sweep` leave the law: their loss is raised by a factor
1 + 0.15 (knee/N)^2.5 (+85% at half the knee, +15% at the knee, +2.7% at twice it, +0.3% at five times it)."""
_SWEEP_ON_LAW = 0.0075
"""A run of :func:`sweep` counts as on the law when the factor above adds less than half the noise (0.75%)."""
DECISION_LOSS = HOFFMANN_2022_FIT["E"] + 0.02
"""The loss (nats/token) of question power_laws.which_size: 0.02 above Hoffmann et al.'s floor E."""
DECISION_SIZES = (1e12, 1e13, 1e14, 1e15)
"""The model sizes (parameters) offered in question power_laws.which_size."""


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


def _sweep() -> tuple[Measurements, np.ndarray]:
    """The sweep and the mask of its runs that lie on the law (the ones the expected fit uses)."""
    rng = np.random.default_rng(learner_seed(SEED_SWEEP))
    params = np.geomspace(1e5, 1e10, 21)
    law = KAPLAN_2020_PARAMS_LAW
    off_law = 0.15 * (SWEEP_KNEE_PARAMS / params) ** 2.5
    loss = (law["N_c"] / params) ** law["alpha_N"] * (1.0 + off_law) * np.exp(rng.normal(0.0, NOISE_SWEEP,
                                                                                         params.size))
    on_law = off_law < _SWEEP_ON_LAW
    # One run diverged (a loss spike it never recovered from): the second to fourth run on the law, so that it
    # pulls the fit the same way as the small models and the two flaws do not cancel in a fit on everything.
    diverged = int(np.argmax(on_law)) + 1 + int(rng.integers(0, 3))
    loss[diverged] *= rng.uniform(1.4, 1.8)
    on_law[diverged] = False
    return Measurements(params, loss), on_law


def sweep() -> Measurements:
    """Twenty-one SIMULATED final losses of a sweep of 1e5 to 1e10 parameters (seed 2021, or the learner's own when
    one is set), with two flaws a real sweep can have.

    The runs follow Kaplan's L(N) = (N_c/N)^alpha_N (:data:`scalingedu.data.KAPLAN_2020_PARAMS_LAW`) with
    multiplicative noise ~ Normal(0, 0.015), except that (1) models below about :data:`SWEEP_KNEE_PARAMS` sit
    above the law (a regime where it does not hold: their loss is raised by 1 + 0.15 (knee/N)^2.5) and (2) one of
    the first runs on the law diverged (its loss is 1.4 to 1.8 times the law's). Every call returns the same values,
    in new arrays.
    """
    return _sweep()[0]


# Expected values, computed at check time from the published constants and the seeded data.

def _halving_factor() -> float:
    return 2.0 ** (1.0 / HOFFMANN_2022_FIT["alpha"])


def _pure_law() -> PowerLaw:
    return fit_power_law(*measurements())


def _floor_law() -> PowerLaw:
    return fit_power_law(*measurements_with_floor(), offset=True)


def _sweep_law() -> PowerLaw:
    data, on_law = _sweep()
    return fit_power_law(data.params[on_law], data.loss[on_law])


def _smallest_size_reaching_target() -> str:
    law = _floor_law()
    for key, size in zip("abcd", DECISION_SIZES, strict=True):
        if law(size) <= DECISION_LOSS:
            return key
    return "e"


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
        Part A: a power law turns a factor in N into a factor in the loss term, whatever N is. Write what
        multiplying N by k does to A/N^alpha, then ask which k makes that one half. Expect a growth (more than 1).
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
    hint="""
        Read the law backwards: you know y and want x. Do it by hand with logarithms, or find the PowerLaw method
        that does it (help(law) lists them).
    """,
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
        model with {_FAR_PARAMS_TEXT} parameters (`power_laws.FAR_PARAMS`), ten times beyond the data.
        Give it as `predicted_loss`.
    """,
    hint="""
        A prediction uses the whole law: the part that falls with N as well as the floor. A PowerLaw is callable.
    """,
    expected=lambda: _floor_law()(FAR_PARAMS),
    # Near the floor a loss varies little: any relative tolerance that forgives rounding would accept the floor c
    # alone, which lies 0.01 to 0.02 nats/token below the prediction at 1e13. So the tolerance is in nats/token,
    # a quarter of the smallest such gap in public and a twentieth of it hidden.
    tolerance=Tolerance(0.0025, hidden=0.0005, absolute=True),
    public_hint="""
        Is your answer the floor c alone? The law still falls a little beyond the data: evaluate a·N^b + c at
        FAR_PARAMS, with the a, b and c of the fit with the offset.
    """,
)

LOCAL_EXPONENT = function_question(
    "power_laws.local_exponent", points=3, kind="derive", title="A function for the local exponent",
    statement="""
        Write a function `local_exponent(x, y)` that returns the local exponent $\\Delta \\log y / \\Delta \\log
        x$ between each pair of neighbouring points: a NumPy array one shorter than `x`. For a pure power law
        every value equals the exponent $b$. Write it yourself: a function that calls the library's `local_slope`
        earns no points.
    """,
    hint="""
        On log–log axes a power law is a straight line and its slope is the exponent: measure the slope between
        neighbours in log space. NumPy has a function for differences between neighbours.
    """,
    reference=local_slope, n_args=2, forbidden=(local_slope,),
    public_inputs=_public_slope_inputs, public_what="the floor data",
    hidden_inputs=_hidden_slope_inputs, hidden_what="other inputs",
)

SWEEP_EXPONENT = number_question(
    "power_laws.sweep_exponent", points=3, kind="fit", title="The exponent of a messy sweep",
    statement="""
        `power_laws.sweep()` returns the final loss (nats/token) of twenty-one SIMULATED training runs of
        $10^5$ to $10^{10}$ parameters. Like a real sweep it has flaws: not every run belongs on the power law.
        Plot the runs, find the ones that do not follow the law (your `local_exponent` helps), leave them out,
        fit $L = a \\cdot N^{b}$ to the rest with `fit_power_law` and give the exponent $b$ as `sweep_exponent`.
    """,
    hint="""
        Look for two kinds of trouble: a range at one end where the points bend away from the straight line that
        the others make (the local exponent drifts there instead of scattering around one value), and a single
        run far from its neighbours. A fit on all the runs is wrong.
    """,
    expected=lambda: _sweep_law().b,
    # Where the law starts is the learner's judgement: over 400 learners' data, a fit that starts one run earlier
    # or one to three runs later than the checker's, or just after the diverged run, moves b by less than 4% in
    # 98% of cases (hidden: 4%); a fit that keeps the diverged run is off by 8.5% or more (public: 7.5%), one that
    # keeps the small models by 20% or more, one on all the runs by 24% or more.
    tolerance=Tolerance(0.075, hidden=0.04),
    sign="negative", what="the exponent",
    public_hint="""
        Too far from the law of the clean runs. Did you leave out both the smallest models, which sit above the
        line, and the one run whose loss jumps far above its neighbours?
    """,
    hidden_hint="Start the fit where the local exponent stops drifting, and leave the diverged run out.",
)

WHICH_SIZE = choice_question(
    "power_laws.which_size", points=2, kind="decide", title="Which size reaches the target?",
    statement=f"""
        A team wants a model whose loss is at most {DECISION_LOSS:.2f} nats/token (`power_laws.DECISION_LOSS`,
        0.02 above the floor $E$ of Hoffmann et al.), with unlimited data as in `measurements_with_floor()`. Use
        the law you fitted to those data to decide: what is the smallest of these sizes
        (`power_laws.DECISION_SIZES`) that reaches it? Give the letter as `which_size`.
    """,
    options={
        "a": "10^12 parameters",
        "b": "10^13 parameters",
        "c": "10^14 parameters",
        "d": "10^15 parameters",
        "e": "none of them: the law says even 10^15 parameters stay above the target",
    },
    answer=_smallest_size_reaching_target,
    hint="""
        Use the law with a floor, not the pure power law: the pure one keeps falling forever and promises targets
        that no size reaches. Evaluate the law at each size and compare.
    """,
)

DEFEND_CLEANING = rubric_question(
    "power_laws.defend_cleaning", points=3, kind="decide", title="Defend your cleaning",
    statement="""
        Which runs of `power_laws.sweep()` did you leave out of your fit, and why? Say how you told a run that is
        off the law from ordinary noise, and what keeping those runs would have done to the exponent and to a
        prediction for a model much larger than the sweep. Answer in a few sentences as `defence`.
    """,
    hint="""
        Compare the size of each deviation with the noise (about 1.5%), look at whether the deviations are
        random or systematic, and refit with and without a run to see how much it moves the exponent.
    """,
    criteria=(
        Criterion("names what was left out and the evidence for each: the smallest models (a systematic bend, "
                  "the local exponent drifting) and the diverged run (one loss far above its neighbours)", 1),
        Criterion("gives a test that separates a regime or a failed run from noise: deviations much larger than "
                  "the noise, or all on one side and growing, rather than scattered; or refitting with and "
                  "without a run and comparing the change with the exponent's standard error", 1),
        Criterion("says what keeping them does: both make the exponent steeper (too optimistic), and the error "
                  "grows in an extrapolation far beyond the sweep; and that the runs left out should be reported, "
                  "not silently dropped", 1),
    ),
    model_answer="""
        (On the shared data.) I left out the four smallest models, 1e5 to 5.6e5 parameters, and the run at 5.6e6.
        The small ones sit 86%, 20%, 4% and 3% above the line the other runs make, all on the same side and more
        the smaller the model, while the others scatter by about 1% around it; their local exponent runs from
        -0.84 to about -0.1 before it settles around -0.075. The run at 5.6e6 has a loss 40% above its neighbours
        (its local exponents are +0.5 then -0.7): one jump, not a trend, so a failed run rather than a point of
        the law. Kept in, both pull the same way: a fit on every run gives -0.097 instead of -0.075, 28% too
        steep, and at 1e12 parameters it predicts 1.20 nats/token instead of 1.41. I would report the five runs
        I dropped and why, next to the fit.
    """,
)

PROBLEM_SET = ProblemSet(
    id="power_laws",
    title="Power laws: read, fit, clean and extrapolate",
    questions=(HALVING, EXPONENT, PARAMS_FOR_LOSS, FLOOR, EXTRAPOLATE, LOCAL_EXPONENT, SWEEP_EXPONENT, WHICH_SIZE,
               DEFEND_CLEANING),
)
