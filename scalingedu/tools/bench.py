"""Benchmarks: figures printed one per line as ``name value unit``. Benchmarks measure; tests assert behaviour.

Every benchmark lives here, none in the modules it measures (which never import this one):

- ``widget_update_ms.<Widget>``: median wall time of one programmatic control change (model + redraw + PNG),
  over ``repeats`` changes that cycle through the widget's controls, set as a learner would (``control.value``).
- ``inline_render_ms.<Widget>``: median time of one plain matplotlib inline render of the same figure with
  every artist drawn (what ``%matplotlib inline`` does to show a figure), the yardstick for "one render".
- ``widget_update_per_inline_render.<Widget>``: the ratio of the two; at most 1 means an update costs no more
  than one render.
- ``inline_render_ms.simple_line_plot``: one inline render of a plain one-line plot, for scale.
- ``notebook_seconds.<folder>/<name>``: execution time of each notebook in a fresh kernel, and the total.
- ``chinchilla_fit_*`` / ``chinchilla_grid_*``: :func:`bench_chinchilla_fit`, the fast Approach-3
  fit (:func:`scalingedu.laws.fit_chinchilla`) against Hoffmann's 4,500-start L-BFGS-B grid on the
  same simulated runs: seconds of each, the speedup, both objectives and how far the fitted
  exponents are from the truth and from each other.
- ``cpu_data_parallel_*``: :func:`bench_cpu_data_parallel`, lesson 06's two-process data-parallel
  run on this CPU: wall time, the share of it spent in the ring all-reduce, and the largest weight
  difference from single-process training.
- ``plan_run_ms``, ``capstone_widget_update_ms``: :func:`bench_planning`, the capstone planner
  (:func:`scalingedu.planning.plan_run`) and its widget.
- ``lab_mfu`` (and the FLOP/s behind it): :func:`bench_lab`, the scaling lab's trainer on its
  largest sweep model against this machine's float32 matrix-product speed, both measured in one
  process.
- ``moe_route_*``: :func:`bench_moe`, routing a million tokens over 64 experts (top-1 and top-2).
"""
from __future__ import annotations

import math
import statistics
import time
from pathlib import Path

import ipywidgets
import numpy as np


def _emit(name: str, value: float, unit: str) -> None:
    print(f"{name} {value:.4g} {unit}", flush=True)


def _alternative_values(control) -> tuple:
    """Two distinct valid values of a control, to alternate between."""
    if isinstance(control, (ipywidgets.Dropdown, ipywidgets.ToggleButtons, ipywidgets.RadioButtons)):
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return values[0], values[-1]
    if isinstance(control, ipywidgets.Checkbox):
        return True, False
    if isinstance(control, ipywidgets.FloatLogSlider):
        low, high = control.min, control.max
        return control.base ** (low + 0.3 * (high - low)), control.base ** (low + 0.7 * (high - low))
    low, high = control.min, control.max
    first, second = low + 0.3 * (high - low), low + 0.7 * (high - low)
    if isinstance(control, ipywidgets.IntSlider):
        first, second = int(round(first)), int(round(second))
    return first, second


def _median_ms(action, repeats: int) -> float:
    times = []
    for index in range(repeats):
        start = time.perf_counter()
        action(index)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def inline_render_seconds(figure, repeats: int = 5) -> float:
    """Median seconds of one inline-backend render of ``figure`` (IPython's ``print_figure``), all artists drawn."""
    from IPython.core.pylabtools import print_figure
    animated = [a for a in figure.findobj() if a.get_animated()]
    for artist in animated:
        artist.set_animated(False)
    try:
        return _median_ms(lambda _: print_figure(figure, "png", bbox_inches="tight"), repeats) / 1000
    finally:
        for artist in animated:
            artist.set_animated(True)


def _control_changer(controls: list):
    """An action for :func:`_median_ms`: call number ``index`` sets control ``index % len(controls)`` to one of
    its two alternative values, in turn, so every call changes a value and triggers one widget update."""
    choices = [_alternative_values(control) for control in controls]

    def change(index):
        which = index % len(controls)
        controls[which].value = choices[which][(index // len(controls)) % 2]

    return change


def bench_widgets(repeats: int) -> None:
    from ..plotting import new_figure
    from ..widgets import all_widget_classes

    figure, ax = new_figure()
    ax.plot(np.arange(100), np.sqrt(np.arange(100)))
    ax.set(xlabel="x", ylabel="y")
    _emit("inline_render_ms.simple_line_plot", 1000 * inline_render_seconds(figure), "ms")
    for widget_class in all_widget_classes():
        widget = widget_class()
        update_ms = _median_ms(_control_changer(list(widget.controls.values())), repeats)
        render_ms = 1000 * inline_render_seconds(widget.figure)
        name = widget_class.__name__
        _emit(f"widget_update_ms.{name}", update_ms, "ms")
        _emit(f"inline_render_ms.{name}", render_ms, "ms")
        _emit(f"widget_update_per_inline_render.{name}", update_ms / render_ms, "ratio")


def bench_notebooks(root: Path) -> None:
    from ..lessons import LESSONS
    from .execute import execute

    total = 0.0
    for each in LESSONS:
        for name in (each.notebook, each.solution, each.exercise):
            if name is None:
                continue
            _, seconds = execute(root / name)
            total += seconds
            _emit(f"notebook_seconds.{Path(name).parent.name}/{each.stem}", seconds, "s")
    _emit("notebook_seconds.total", total, "s")


def bench_chinchilla_fit(n_points: int = 243, seed: int = 0) -> dict:
    """Time :func:`scalingedu.laws.fit_chinchilla` against the full grid of
    :func:`scalingedu.laws.fit_chinchilla_grid` on one simulated data set.

    The data resemble Hoffmann's Approach 2 experiments: 9 budgets log-spaced from 6e18 to 3e21
    FLOPs (Hoffmann et al. 2022, §3.2), ``n_points // 9`` sizes per budget over a factor 30 either
    side of the optimum, simulated from EPOCH_2024 (the law that fits the points of Hoffmann's
    Fig. 4 best) with 2 % log-normal noise and 2 % of the runs made ×1.5 outliers.
    ``chinchilla_fit_seconds`` is the median of 5 fits; the grid runs once. Prints ``name value
    unit`` lines and returns the values in a dict.

    OpenBLAS's threads slow scipy's L-BFGS-B down by 10× or more on a machine whose cores are all
    busy; both fits suffer alike, so the speedup holds, but the absolute times are cleanest with
    ``OPENBLAS_NUM_THREADS=1``.
    """
    from .. import _validate as v
    from ..laws import EPOCH_2024, fit_chinchilla, fit_chinchilla_grid, huber_objective, simulate_runs

    per_budget = v.positive_int("n_points", n_points, minimum=5 * 9) // 9
    runs = simulate_runs(EPOCH_2024, np.geomspace(6e18, 3e21, 9), per_budget, noise=0.02, seed=seed,
                         outlier_fraction=0.02)
    data = (runs["params"], runs["tokens"], runs["loss"])
    fast_times = []
    for _ in range(5):                       # the median of 5 fits; the grid fit runs once
        start = time.perf_counter()
        fast = fit_chinchilla(*data)
        fast_times.append(time.perf_counter() - start)
    fast_seconds = float(np.median(fast_times))
    start = time.perf_counter()
    grid = fit_chinchilla_grid(*data)
    grid_seconds = time.perf_counter() - start
    fast_objective, grid_objective = huber_objective(fast, *data), huber_objective(grid, *data)
    results = {
        "chinchilla_fit_points": (float(runs["params"].size), "runs"),
        "chinchilla_fit_seconds": (fast_seconds, "s"),
        "chinchilla_grid_seconds": (grid_seconds, "s"),
        "chinchilla_fit_speedup": (grid_seconds / fast_seconds, "x"),
        "chinchilla_fit_objective": (fast_objective, "huber_sum"),
        "chinchilla_grid_objective": (grid_objective, "huber_sum"),
        "chinchilla_fit_objective_rel_diff": ((fast_objective - grid_objective) / grid_objective,
                                              "ratio"),
        "chinchilla_fit_alpha_error": (fast.alpha - EPOCH_2024.alpha, "abs"),
        "chinchilla_fit_beta_error": (fast.beta - EPOCH_2024.beta, "abs"),
        "chinchilla_fit_grid_alpha_diff": (fast.alpha - grid.alpha, "abs"),
        "chinchilla_fit_grid_beta_diff": (fast.beta - grid.beta, "abs"),
    }
    for name, (value, unit) in results.items():
        _emit(name, value, unit)
    return {name: value for name, (value, unit) in results.items()}


def bench_cpu_data_parallel(repeats: int = 3) -> dict:
    """Benchmark lesson 06's 2-process run
    (:func:`scalingedu.parallelism.cpu_data_parallel.run_data_parallel`): wall time (process start
    included), the workers' share of time in the all-reduce, and the largest weight difference from
    single-process training. Prints ``name value unit`` lines and returns the values (medians over
    ``repeats`` runs)."""
    from .. import _validate as v
    from ..parallelism.cpu_data_parallel import run_data_parallel

    walls, fractions, differences = [], [], []
    for _ in range(v.positive_int("repeats", repeats)):
        start = time.perf_counter()
        run = run_data_parallel(world=2, steps=50)
        walls.append(time.perf_counter() - start)
        fractions.append(run.comm_fraction)
        differences.append(run.max_param_difference)
    values = {"cpu_data_parallel_seconds": float(np.median(walls)),
              "cpu_data_parallel_comm_fraction": float(np.median(fractions)),
              "cpu_data_parallel_max_param_difference": float(np.max(differences))}
    units = {"cpu_data_parallel_seconds": "s", "cpu_data_parallel_comm_fraction": "ratio",
             "cpu_data_parallel_max_param_difference": "abs"}
    for name, value in values.items():
        _emit(name, value, units[name])
    return values


def bench_lab() -> dict:
    """``lab_mfu`` (ratio) with the two FLOP/s it divides, single BLAS thread each
    (:func:`scalingedu.lab.efficiency.measure_mfu`)."""
    from ..lab.efficiency import measure_mfu

    results = measure_mfu()
    units = {"lab_matmul_flops_per_second": "FLOP/s", "lab_trainer_flops_per_second": "FLOP/s",
             "lab_mfu": "ratio", "lab_model_params": "params"}
    for name, value in results.items():
        _emit(name, value, units[name])
    return results


def bench_moe(tokens: int = 1_000_000, experts: int = 64, top_k: int = 2, repeats: int = 3) -> dict:
    """Time :func:`scalingedu.moe.route` on ``tokens`` × ``experts`` random logits (best of
    ``repeats``), print and return it: ``name value unit`` lines, e.g.
    ``moe_route_1M_tokens_64_experts_top2 0.410 s``."""
    from ..moe import route, skewed_logits

    logits = skewed_logits(tokens, experts, skew=0.5, seed=0)
    results = {}
    for k in sorted({1, top_k}):
        best = math.inf
        for _ in range(repeats):
            start = time.perf_counter()
            route(logits, top_k=k, capacity_factor=1.25)
            best = min(best, time.perf_counter() - start)
        name = f"moe_route_{tokens / 1e6:g}M_tokens_{experts}_experts_top{k}"
        results[name] = best
        print(f"{name} {best:.3f} s", flush=True)
    return results


def bench_planning() -> dict:
    """Median milliseconds of one :func:`scalingedu.planning.plan_run` and of one capstone-widget
    update (prints ``name value unit`` lines)."""
    from ..planning import plan_run
    from ..widgets.capstone import RunPlanner

    budgets = np.geomspace(1e6, 5e7, 9)
    timings = []
    for budget in budgets:
        start = time.perf_counter()
        plan_run(float(budget), "H100", 90, 1e13, 1e12)
        timings.append(time.perf_counter() - start)
    widget = RunPlanner()
    updates = []
    for budget in budgets:
        widget.update(budget=float(budget))
        updates.append(widget.last_update_seconds)
    results = {"plan_run_ms": 1e3 * statistics.median(timings),
               "capstone_widget_update_ms": 1e3 * statistics.median(updates)}
    for name, value in results.items():
        print(f"{name} {value:.1f} ms", flush=True)
    return results


def bench_grading(root: Path, *, submissions: int = 60, problem_set_id: str = "chinchilla",
                  sandbox_only: bool = False) -> dict:
    """Grade a class of ``submissions`` honest notebooks (copies of the set's solution) with ``scalingedu grade``'s
    defaults (one submission per core), in the sandbox and without it; prints ``grade_class_sandbox_seconds``,
    ``grade_class_no_sandbox_seconds`` and the mean score (which must be full marks)."""
    import shutil
    import tempfile

    from ..grading.classroom import grade_class
    from ..lessons import lesson
    solution = root / "solutions" / f"{lesson(problem_set_id).stem}.ipynb"
    folder = Path(tempfile.mkdtemp(prefix="scalingedu-bench-grade-"))
    results = {}
    try:
        for number in range(submissions):
            shutil.copyfile(solution, folder / f"learner{number:03d}_{problem_set_id}.ipynb")
        for name, sandbox in (("sandbox", True), ("no_sandbox", False)):
            if sandbox_only and not sandbox:
                continue
            started = time.perf_counter()
            report = grade_class([folder], folder / f"out-{name}", problem_set_id=problem_set_id,
                                 progress=False, sandbox=sandbox)
            results[f"grade_class_{name}_seconds"] = time.perf_counter() - started
            scores = [g.total / g.possible for g in report.grades]
            results[f"grade_class_{name}_mean_score"] = sum(scores) / len(scores)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for name, value in results.items():
        unit = "fraction" if name.endswith("score") else "s"
        _emit(name, value, unit)
    _emit("grade_class_submissions", submissions, "notebooks")
    return results


def run_benchmarks(root: Path, *, repeats: int = 25, notebooks: bool = True, fits: bool = True,
                   grading: bool = True) -> None:
    if repeats < 20:
        raise ValueError(f"repeats must be >= 20 for a stable median (got {repeats})")
    bench_widgets(repeats)
    if fits:
        bench_chinchilla_fit()
    bench_cpu_data_parallel()
    bench_lab()
    bench_moe()
    bench_planning()
    if notebooks:
        bench_notebooks(root)
    if grading:
        bench_grading(root)
