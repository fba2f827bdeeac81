"""Fitting the Chinchilla law to training runs: Approach 3 (the parametric fit) and Approach 2 (IsoFLOP parabolas).

**Approach 3** (Hoffmann et al. 2022, Eq. 3 and App. D.2). With N_i parameters, D_i tokens and final loss L_i for
each run, choose theta = (a, b, e, alpha, beta) to minimise

    sum_i Huber_delta( LSE(a - alpha·log N_i, b - beta·log D_i, e) - log L_i ),       delta = 10^-3,

where LSE(u, v, w) = log(exp u + exp v + exp w), so that exp(LSE) = E + A/N^alpha + B/D^beta with A = exp(a),
B = exp(b), E = exp(e). The residuals are differences of *log* losses, so the fit weighs every run by its relative
error, and with delta = 10^-3 almost every residual lies in the Huber loss's linear part: the fit is close to a
least-absolute-deviation fit, which a few gross outliers cannot drag far. Hoffmann ran L-BFGS from a grid of
4,500 starting points and kept the best. Besiroglu et al. 2024 (Epoch AI) found that Hoffmann's optimiser stopped
before converging and refit with the **sum** of the Huber terms (an average shrinks the objective and its gradient
by the number of runs, so the optimiser's tolerances stop it early); we use the sum as they do.

- :func:`fit_chinchilla_grid` is the reference: Hoffmann's full grid, scipy's L-BFGS-B from every start, the
  lowest objective wins. It is slow (tens of seconds; ``scalingedu bench`` times it).
- :func:`fit_chinchilla` reaches the same optimum much faster. For fixed exponents (alpha, beta) the law
  L = E + A·N^-alpha + B·D^-beta is *linear* in (E, A, B); so it first scores a 41 × 41 grid of exponent pairs
  (-0.5 to 2 in steps of 0.0625; negative ones too, since the unbounded L-BFGS of the grid fit can reach them)
  all at once, solving each linear problem by a few steps of iteratively reweighted least squares on relative
  residuals (the same near-L1 criterion), and evaluating the true objective there. L-BFGS-B then starts only
  from the few best local minima of that score map, in centred coordinates (a - alpha·mean(log N) instead of a,
  which removes most of the strong correlation between a and alpha), with the analytic gradient; the best result
  is polished with tight tolerances.
- :func:`huber_objective` evaluates the objective for any theta or law, so a learner can compare fits.

**Approach 2** (IsoFLOP profiles): :func:`fit_isoflop_parabolas` fits a parabola in log N to the losses at each
budget, takes its minimum as the budget's optimal size, and fits power laws N_opt ∝ C^a and D_opt ∝ C^b.

:func:`simulate_runs` makes *simulated* IsoFLOP experiments from a known law, for lessons and tests.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from .. import _validate as v
from ..compute import FLOPS_PER_PARAM_TOKEN
from ..powerlaw import PowerLaw, fit_power_law
from .chinchilla import ChinchillaLaw

HUBER_DELTA = 1e-3
"""Hoffmann et al. 2022, App. D.2: the Huber loss's delta (larger overfits the small runs; smaller changes nothing)."""

MINIMUM_RUNS = 5
"""A fit of five parameters needs at least five runs (and many more to say anything useful)."""

HOFFMANN_GRID = {
    "a": (0.0, 5.0, 10.0, 15.0, 20.0, 25.0),
    "b": (0.0, 5.0, 10.0, 15.0, 20.0, 25.0),
    "e": (-1.0, -0.5, 0.0, 0.5, 1.0),
    "alpha": (0.0, 0.5, 1.0, 1.5, 2.0),
    "beta": (0.0, 0.5, 1.0, 1.5, 2.0),
}
"""Hoffmann et al. 2022, App. D.2: the starting values of L-BFGS (6 · 6 · 5 · 5 · 5 = 4,500 starts)."""

# fit_chinchilla's exponent map and its optimiser settings
_PROFILE_EXPONENTS = np.linspace(-0.5, 2.0, 41)  # alpha and beta values scored by the linear inner fit
_PROFILE_IRLS_STEPS = 6
_CANDIDATES = 5                                    # L-BFGS-B runs, from the best local minima of the map
_LBFGS_OPTIONS = {"maxiter": 3000, "ftol": 1e-13, "gtol": 1e-10}
_POLISH_OPTIONS = {"maxiter": 3000, "ftol": 1e-15, "gtol": 1e-12, "maxcor": 20}


# --- inputs ---------------------------------------------------------------------------------------------------------

def _check_delta(delta) -> float:
    return v.positive_number("delta", delta)


def _check_runs(params, tokens, loss, *, minimum: int = MINIMUM_RUNS, names=("params", "tokens", "loss"),
                purpose: str = "to fit the 5 parameters"):
    """Validated natural logs of three same-length 1-D arrays of positive finite values, one value per run."""
    arrays = {}
    for name, value in zip(names, (params, tokens, loss)):
        array = v.positive(name, value)
        if array.ndim != 1:
            raise ValueError(f"{name} must be a 1-D sequence of runs, one value per run (got shape {array.shape})")
        arrays[name] = array
    lengths = {name: array.size for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(f"{', '.join(names[:2])} and {names[2]} must have one value per run, the same number each "
                         f"({listed})")
    count = arrays[names[0]].size
    if count < minimum:
        raise ValueError(f"{', '.join(names[:2])} and {names[2]} need at least {minimum} runs {purpose} "
                         f"(got {count})")
    return tuple(np.log(array) for array in arrays.values())


def _check_theta(theta) -> np.ndarray:
    if isinstance(theta, ChinchillaLaw):
        if theta.E == 0:
            raise ValueError("theta: a law with E = 0 has e = log E = -infinity; give E > 0")
        return np.array([math.log(theta.A), math.log(theta.B), math.log(theta.E), theta.alpha, theta.beta])
    array = v.finite("theta", theta)
    if array.shape != (5,):
        raise ValueError(f"theta must be the 5 values (a, b, e, alpha, beta) or a ChinchillaLaw "
                         f"(got shape {array.shape})")
    return array


# --- the objective --------------------------------------------------------------------------------------------------

def _huber(residuals: np.ndarray, delta: float) -> np.ndarray:
    size = np.abs(residuals)
    return np.where(size <= delta, 0.5 * residuals * residuals, delta * (size - 0.5 * delta))


def _objective_and_gradient(theta, log_params, log_tokens, log_loss, delta):
    """Sum of Huber terms and its gradient in (a, b, e, alpha, beta); log-sum-exp shifted by its largest term."""
    a, b, e, alpha, beta = theta
    model_term = a - alpha * log_params
    data_term = b - beta * log_tokens
    largest = np.maximum(np.maximum(model_term, data_term), e)
    w_model = np.exp(model_term - largest)
    w_data = np.exp(data_term - largest)
    w_floor = np.exp(e - largest)
    total = w_model + w_data + w_floor
    residuals = largest + np.log(total) - log_loss
    value = float(np.sum(_huber(residuals, delta)))
    slope = np.clip(residuals, -delta, delta) / total          # Huber'(r) times the softmax normaliser
    g_model, g_data = slope * w_model, slope * w_data
    gradient = np.array([g_model.sum(), g_data.sum(), float(slope @ w_floor),
                         -float(g_model @ log_params), -float(g_data @ log_tokens)])
    return value, gradient


def huber_objective(theta, params, tokens, loss, delta=HUBER_DELTA) -> float:
    """Hoffmann et al.'s fitting objective (Eq. 3 with the sum of Epoch's replication) at ``theta``.

    ``theta`` is (a, b, e, alpha, beta) with A = exp(a), B = exp(b), E = exp(e), or a :class:`ChinchillaLaw`
    (E must then be > 0). Returns sum_i Huber_delta(log L̂(N_i, D_i) - log L_i), a float; smaller is a better fit.
    The Huber loss is r²/2 for |r| <= delta and delta·(|r| - delta/2) beyond (``scipy.special.huber``).
    """
    vector = _check_theta(theta)
    columns = _check_runs(params, tokens, loss, minimum=1, purpose="")
    return _objective_and_gradient(vector, *columns, _check_delta(delta))[0]


# --- the reference: Hoffmann's grid ---------------------------------------------------------------------------------

def hoffmann_grid_starts() -> np.ndarray:
    """Hoffmann's 4,500 L-BFGS starting points as rows (a, b, e, alpha, beta) (App. D.2, :data:`HOFFMANN_GRID`)."""
    axes = [np.asarray(HOFFMANN_GRID[name]) for name in ("a", "b", "e", "alpha", "beta")]
    return np.stack([grid.ravel() for grid in np.meshgrid(*axes, indexing="ij")], axis=1)


def _law(theta, name: str = "fitted") -> ChinchillaLaw:
    a, b, e, alpha, beta = (float(value) for value in theta)
    if not (alpha > 0 and beta > 0 and all(math.isfinite(value) for value in theta)):
        raise ValueError(f"the fit did not find a law with falling loss (alpha = {alpha:.4g}, beta = {beta:.4g}, "
                         "both must be > 0): the runs do not span enough sizes and token counts to fix the law")
    return ChinchillaLaw(E=math.exp(e), A=math.exp(a), B=math.exp(b), alpha=alpha, beta=beta, name=name)


def fit_chinchilla_grid(params, tokens, loss, *, delta=HUBER_DELTA, starts=None) -> ChinchillaLaw:
    """The reference fit: Hoffmann's method exactly, L-BFGS-B from every start of his grid, best objective wins.

    ``starts`` (rows of (a, b, e, alpha, beta)) replaces the 4,500-point grid of :func:`hoffmann_grid_starts`,
    for example with a sub-grid to keep a test fast. Each start runs scipy's L-BFGS-B with its default
    tolerances and the analytic gradient of the summed Huber objective; no start is polished. This takes tens
    of seconds for a few hundred runs; :func:`fit_chinchilla` finds the same optimum in a fraction of a second.
    """
    columns = _check_runs(params, tokens, loss)
    delta = _check_delta(delta)
    grid = hoffmann_grid_starts() if starts is None else v.finite("starts", starts)
    if grid.ndim != 2 or grid.shape[1] != 5 or grid.shape[0] == 0:
        raise ValueError(f"starts must be rows of (a, b, e, alpha, beta), shape (k, 5) (got shape {grid.shape})")
    best = None
    for start in grid:
        result = optimize.minimize(_objective_and_gradient, start, args=(*columns, delta), jac=True,
                                   method="L-BFGS-B")
        if np.isfinite(result.fun) and (best is None or result.fun < best.fun):
            best = result
    return _law(best.x)


# --- the fast fit ---------------------------------------------------------------------------------------------------

def _centred_objective(theta_c, log_params, log_tokens, log_loss, delta, mean_log_params, mean_log_tokens):
    """The objective in centred coordinates (a - alpha·mean log N, b - beta·mean log D, e, alpha, beta) / delta."""
    a_c, b_c, e, alpha, beta = theta_c
    theta = np.array([a_c + alpha * mean_log_params, b_c + beta * mean_log_tokens, e, alpha, beta])
    value, g = _objective_and_gradient(theta, log_params, log_tokens, log_loss, delta)
    g_c = np.array([g[0], g[1], g[2], g[3] + g[0] * mean_log_params, g[4] + g[1] * mean_log_tokens])
    return value / delta, g_c / delta


def _exponent_map(log_params, log_tokens, log_loss, delta):
    """For each (alpha, beta) of a grid: (E, A, B) from a linear near-L1 fit, and the true objective there.

    At fixed exponents, L̂ = E + A·N^-alpha + B·D^-beta is linear in (E, A, B). Relative residuals L̂/L - 1 match
    the log residuals to first order; a few steps of iteratively reweighted least squares with weights
    1/max(|r|, delta) approach the Huber fit. Solved for all pairs at once. Returns thetas (k, 5) and scores (k,).
    """
    alpha, beta = (grid.ravel() for grid in np.meshgrid(_PROFILE_EXPONENTS, _PROFILE_EXPONENTS, indexing="ij"))
    mean_x, mean_y = log_params.mean(), log_tokens.mean()
    floor = np.exp(-log_loss)                                          # the E column, divided by L
    model = np.exp(-alpha[:, None] * (log_params - mean_x) - log_loss)  # N^-alpha / L, up to a constant
    data = np.exp(-beta[:, None] * (log_tokens - mean_y) - log_loss)
    products = {"mm": model * model, "md": model * data, "mf": model * floor, "dd": data * data, "df": data * floor}
    weights = np.ones_like(model)
    for _ in range(_PROFILE_IRLS_STEPS):
        s = {key: np.sum(weights * value, axis=1) for key, value in products.items()}
        sm, sd = (weights * model).sum(axis=1), (weights * data).sum(axis=1)
        sf, sff = (weights * floor).sum(axis=1), (weights * (floor * floor)).sum(axis=1)
        normal = np.stack([np.stack([s["mm"], s["md"], s["mf"]], -1), np.stack([s["md"], s["dd"], s["df"]], -1),
                           np.stack([s["mf"], s["df"], sff], -1)], -2)
        normal += 1e-12 * np.trace(normal, axis1=1, axis2=2)[:, None, None] * np.eye(3)
        coefficients = np.linalg.solve(normal, np.stack([sm, sd, sf], -1)[:, :, None])[:, :, 0]
        ratio = coefficients[:, [0]] * model + coefficients[:, [1]] * data + coefficients[:, [2]] * floor
        weights = 1.0 / np.maximum(np.abs(ratio - 1.0), delta)
    coefficients = np.maximum(coefficients, 1e-12)                 # a negative term scores badly, not NaN
    ratio = coefficients[:, [0]] * model + coefficients[:, [1]] * data + coefficients[:, [2]] * floor
    scores = np.sum(_huber(np.log(ratio), delta), axis=1)          # log L̂ - log L: the true objective
    log_c = np.log(coefficients)
    thetas = np.column_stack([log_c[:, 0] + alpha * mean_x, log_c[:, 1] + beta * mean_y, log_c[:, 2], alpha, beta])
    return thetas, np.where(np.isfinite(scores), scores, np.inf)


def _best_local_minima(scores: np.ndarray, count: int) -> np.ndarray:
    """Indices of the ``count`` lowest local minima (8-neighbourhood) of the square map of ``scores``."""
    size = _PROFILE_EXPONENTS.size
    grid = scores.reshape(size, size)
    padded = np.pad(grid, 1, constant_values=np.inf)
    is_minimum = np.ones_like(grid, dtype=bool)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                is_minimum &= grid <= padded[1 + di:1 + di + size, 1 + dj:1 + dj + size]
    minima = np.flatnonzero(is_minimum.ravel() & np.isfinite(scores))
    if minima.size == 0:
        minima = np.argsort(scores)[:1]
    return minima[np.argsort(scores[minima])][:count]


def fit_chinchilla(params, tokens, loss, *, delta=HUBER_DELTA) -> ChinchillaLaw:
    """Fit L(N, D) = E + A/N^alpha + B/D^beta to runs by Hoffmann et al.'s method (Approach 3), fast.

    ``params``, ``tokens`` and ``loss`` (nats/token) hold one value per training run (at least 5). Minimises the
    summed Huber loss (``delta`` = 10^-3, Hoffmann App. D.2) of the log-loss residuals over (a, b, e, alpha, beta),
    the objective of :func:`huber_objective`. Reaches the optimum of Hoffmann's 4,500-start L-BFGS grid
    (:func:`fit_chinchilla_grid`) at a small fraction of its cost: a map of exponent pairs scored with a linear
    inner fit chooses a few starts, L-BFGS-B runs from those in centred coordinates with the analytic gradient,
    and the best result is polished (see the module's docstring). Returns a :class:`ChinchillaLaw` named "fitted".
    """
    columns = _check_runs(params, tokens, loss)
    delta = _check_delta(delta)
    log_params, log_tokens, _ = columns
    mean_x, mean_y = float(log_params.mean()), float(log_tokens.mean())
    args = (*columns, delta, mean_x, mean_y)

    thetas, scores = _exponent_map(*columns, delta)
    best = None
    for index in _best_local_minima(scores, _CANDIDATES):
        a, b, e, alpha, beta = thetas[index]
        start = np.array([a - alpha * mean_x, b - beta * mean_y, e, alpha, beta])
        result = optimize.minimize(_centred_objective, start, args=args, jac=True, method="L-BFGS-B",
                                   options=_LBFGS_OPTIONS)
        if np.isfinite(result.fun) and (best is None or result.fun < best.fun):
            best = result
    if best is None:
        raise ValueError("the fit failed: the objective is not finite at any starting point")
    for _ in range(5):  # restarting L-BFGS-B resets its curvature memory, which kinks of the Huber loss can spoil
        result = optimize.minimize(_centred_objective, best.x, args=args, jac=True, method="L-BFGS-B",
                                   options=_POLISH_OPTIONS)
        improved = result.fun < best.fun - 1e-13 * abs(best.fun) - 1e-15
        if result.fun <= best.fun:
            best = result
        if not improved:
            break
    a_c, b_c, e, alpha, beta = best.x
    return _law([a_c + alpha * mean_x, b_c + beta * mean_y, e, alpha, beta])


# --- simulated experiments ------------------------------------------------------------------------------------------

def simulate_runs(law: ChinchillaLaw, flops_budgets, sizes_per_budget, *, noise=0.02, seed=0, outlier_fraction=0.0,
                  spread=30.0, outlier_factor=1.5) -> dict:
    """SIMULATED IsoFLOP experiments from a known law: not measurements, but data whose true law we know.

    For each budget C in ``flops_budgets`` (FLOPs), ``sizes_per_budget`` model sizes (an int, or one count per
    budget) are log-spaced from N_opt(C)/``spread`` to N_opt(C)·``spread`` around the law's optimum (Eq. 4), each
    trained on C/(6N) tokens. The loss is ``law.loss`` times exp(``noise``·z) with z standard normal: multiplicative
    log-normal noise of relative size ``noise``. A fraction ``outlier_fraction`` of the runs, chosen at random, has
    its loss multiplied by ``outlier_factor`` (a failed run, a bad read-off). Seeded by ``seed``: the same arguments
    give the same data. Returns a dict of 1-D arrays ``params``, ``tokens``, ``flops`` and ``loss``.
    """
    if not isinstance(law, ChinchillaLaw):
        raise TypeError(f"law must be a ChinchillaLaw, not {type(law).__name__}")
    budgets = np.atleast_1d(v.positive("flops_budgets", flops_budgets))
    if budgets.ndim != 1:
        raise ValueError(f"flops_budgets must be a 1-D sequence of budgets (got shape {budgets.shape})")
    if isinstance(sizes_per_budget, numbers.Number) or np.ndim(sizes_per_budget) == 0:
        counts = [v.positive_int("sizes_per_budget", sizes_per_budget)] * budgets.size
    else:
        counts = [v.positive_int("sizes_per_budget", count) for count in sizes_per_budget]
        if len(counts) != budgets.size:
            raise ValueError(f"sizes_per_budget must be one count, or one count per budget ({budgets.size}); "
                             f"got {len(counts)} counts")
    for name, value in (("noise", noise), ("outlier_fraction", outlier_fraction), ("spread", spread),
                        ("outlier_factor", outlier_factor)):
        v.single_number(name, value)
    noise = float(v.positive("noise", noise, allow_zero=True))
    fraction = float(v.in_range("outlier_fraction", outlier_fraction, 0.0, 1.0))
    spread = float(v.in_range("spread", spread, 1.0, math.inf, high_open=True))
    factor = float(v.positive("outlier_factor", outlier_factor))
    seed = v.positive_int("seed", seed, minimum=0)

    optimum = law.compute_optimal(budgets).params
    params, flops = [], []
    for budget, centre, count in zip(budgets, np.atleast_1d(optimum), counts):
        steps = np.linspace(-1.0, 1.0, count) if count > 1 else np.zeros(1)
        params.append(centre * spread ** steps)
        flops.append(np.full(count, budget))
    params, flops = np.concatenate(params), np.concatenate(flops)
    tokens = flops / (FLOPS_PER_PARAM_TOKEN * params)
    rng = np.random.default_rng(seed)
    loss = np.asarray(law.loss(params, tokens)) * np.exp(noise * rng.standard_normal(params.size))
    outliers = int(round(fraction * params.size))
    if outliers:
        loss[rng.choice(params.size, size=outliers, replace=False)] *= factor
    return {"params": params, "tokens": tokens, "flops": flops, "loss": loss}


# --- Approach 2: IsoFLOP parabolas ----------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class IsoFlopFit:
    """Hoffmann et al.'s Approach 2: one parabola per IsoFLOP profile, then power laws through the minima.

    Per budget (ascending): ``flops`` (the budget), ``params`` (N_opt, the parabola's minimum), ``tokens``
    (D_opt = flops / (6·N_opt)), ``loss`` (the parabola's minimum loss), ``runs`` (runs in the budget's group),
    ``coefficients`` (rows c2, c1, c0 of loss = c2·ln(N)² + c1·ln(N) + c0) and ``inside_sampled_range`` (False
    where N_opt lies outside the sizes sampled at that budget: an extrapolation). ``params_law`` is
    N_opt = k·C^a and ``tokens_law`` D_opt = k'·C^b (:func:`scalingedu.powerlaw.fit_power_law`); ``a`` and ``b``
    are their exponents (Table 2 of Hoffmann et al.: a = 0.49, b = 0.51 for Approach 2).
    """

    flops: np.ndarray
    params: np.ndarray
    tokens: np.ndarray
    loss: np.ndarray
    runs: np.ndarray
    coefficients: np.ndarray
    inside_sampled_range: np.ndarray
    params_law: PowerLaw
    tokens_law: PowerLaw

    @property
    def a(self) -> float:
        """a in N_opt ∝ C^a."""
        return self.params_law.b

    @property
    def b(self) -> float:
        """b in D_opt ∝ C^b."""
        return self.tokens_law.b


def _group_budgets(flops: np.ndarray, rtol: float) -> list[np.ndarray]:
    """Indices of runs grouped by budget: sorted, a new group wherever a budget exceeds its group's first by rtol."""
    order = np.argsort(flops, kind="stable")
    groups, current = [], [order[0]]
    for index in order[1:]:
        if flops[index] > flops[current[0]] * (1.0 + rtol):
            groups.append(np.array(current))
            current = []
        current.append(index)
    groups.append(np.array(current))
    return groups


def fit_isoflop_parabolas(params, flops, loss, *, budget_rtol=0.05) -> IsoFlopFit:
    """Approach 2 of Hoffmann et al. 2022: the compute-optimal model size at each budget from its IsoFLOP profile.

    Runs (``params``, ``flops``, ``loss``: one value each per run) are grouped by budget; budgets within a relative
    ``budget_rtol`` of the smallest in their group count as one (read-off data are never exact). At each budget a
    parabola in ln N is fitted to the losses (``np.polyfit``, degree 2); its minimum gives N_opt(C), and
    D_opt = C/(6·N_opt) with C the group's geometric-mean budget. Power laws N_opt ∝ C^a and D_opt ∝ C^b are then
    fitted through the minima. Each budget needs at least 3 distinct sizes and losses that curve upward; at least
    3 budgets are needed for the power laws.
    """
    log_params, log_flops, log_loss = _check_runs(params, flops, loss, minimum=3, names=("params", "flops", "loss"),
                                                  purpose="for a parabola")
    rtol = float(v.in_range("budget_rtol", budget_rtol, 0.0, 1.0))
    flops_values, loss_values = np.exp(log_flops), np.exp(log_loss)
    rows = []
    for group in _group_budgets(flops_values, rtol):
        budget = float(np.exp(log_flops[group].mean()))
        sizes = log_params[group]
        distinct = np.unique(sizes).size
        if distinct < 3:
            raise ValueError(f"the budget of {budget:.3g} FLOPs has {distinct} distinct model size(s) in params; "
                             "a parabola needs at least 3")
        c2, c1, c0 = np.polyfit(sizes, loss_values[group], 2)
        if not c2 > 0:
            raise ValueError(f"the losses at the budget of {budget:.3g} FLOPs do not curve upward in log params "
                             f"(parabola curvature {c2:.3g} <= 0), so the profile has no minimum: sample sizes on "
                             "both sides of the optimum")
        log_optimum = -c1 / (2.0 * c2)
        rows.append((budget, math.exp(log_optimum), c0 - c1 * c1 / (4.0 * c2), group.size, (c2, c1, c0),
                     bool(sizes.min() <= log_optimum <= sizes.max())))
    if len(rows) < 3:
        raise ValueError(f"flops holds {len(rows)} distinct budget(s) (grouped within budget_rtol = {rtol:g}); "
                         "fitting N_opt ∝ C^a needs at least 3")
    budgets = np.array([row[0] for row in rows])
    params_opt = np.array([row[1] for row in rows])
    tokens_opt = budgets / (FLOPS_PER_PARAM_TOKEN * params_opt)
    arrays = {
        "flops": budgets, "params": params_opt, "tokens": tokens_opt,
        "loss": np.array([row[2] for row in rows]), "runs": np.array([row[3] for row in rows]),
        "coefficients": np.array([row[4] for row in rows]),
        "inside_sampled_range": np.array([row[5] for row in rows]),
    }
    for array in arrays.values():
        array.setflags(write=False)
    return IsoFlopFit(**arrays, params_law=fit_power_law(budgets, params_opt),
                      tokens_law=fit_power_law(budgets, tokens_opt))
