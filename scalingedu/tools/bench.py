"""Benchmarks: figures printed one per line as ``name value unit``. Benchmarks measure; tests assert behaviour.

- ``widget_update_ms.<Widget>``: median wall time of one programmatic control change (model + redraw + PNG),
  over ``repeats`` changes that cycle through the widget's controls, set as a learner would (``control.value``).
- ``inline_render_ms.<Widget>``: median time of one plain matplotlib inline render of the same figure with
  every artist drawn (what ``%matplotlib inline`` does to show a figure), the yardstick for "one render".
- ``widget_update_per_inline_render.<Widget>``: the ratio of the two; at most 1 means an update costs no more
  than one render.
- ``inline_render_ms.simple_line_plot``: one inline render of a plain one-line plot, for scale.
- ``notebook_seconds.<folder>/<name>``: execution time of each notebook in a fresh kernel, and the total.
- ``chinchilla_fit_*`` / ``chinchilla_grid_*``: :func:`scalingedu.laws.fitting.bench_chinchilla_fit`, the fast
  Approach-3 fit against Hoffmann's 4,500-start L-BFGS-B grid on the same simulated runs: seconds of each, the
  speedup, both objectives and how far the fitted exponents are from the truth and from each other.
- ``cpu_data_parallel_*``: :func:`scalingedu.parallelism.cpu_data_parallel.bench_cpu_data_parallel`, lesson 06's
  two-process data-parallel run on this CPU: wall time, the share of it spent in the ring all-reduce, and the
  largest weight difference from single-process training.
- ``plan_run_ms``, ``capstone_widget_update_ms``: :func:`scalingedu.planning.bench_planning`, the capstone planner.
- ``lab_mfu`` (and the FLOP/s behind it): :func:`scalingedu.lab.efficiency.bench_lab`, the scaling lab's trainer
  on its largest sweep model against this machine's float32 matrix-product speed, both measured in one process.
- ``moe_route_*``: :func:`scalingedu.moe.bench_moe`, routing a million tokens over 64 experts (top-1 and top-2).
"""
from __future__ import annotations

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


def bench_widgets(repeats: int) -> None:
    from .plotting import new_figure
    from .widgets import all_widget_classes

    figure, ax = new_figure()
    ax.plot(np.arange(100), np.sqrt(np.arange(100)))
    ax.set(xlabel="x", ylabel="y")
    _emit("inline_render_ms.simple_line_plot", 1000 * inline_render_seconds(figure), "ms")
    for widget_class in all_widget_classes():
        widget = widget_class()
        controls = list(widget.controls.values())
        choices = [_alternative_values(control) for control in controls]

        def change(index):
            which = index % len(controls)
            controls[which].value = choices[which][(index // len(controls)) % 2]

        update_ms = _median_ms(change, repeats)
        render_ms = 1000 * inline_render_seconds(widget.figure)
        name = widget_class.__name__
        _emit(f"widget_update_ms.{name}", update_ms, "ms")
        _emit(f"inline_render_ms.{name}", render_ms, "ms")
        _emit(f"widget_update_per_inline_render.{name}", update_ms / render_ms, "ratio")


def bench_notebooks(root: Path) -> None:
    from .execute import execute

    total = 0.0
    for folder in ("notebooks", "solutions", "exercises"):
        for path in sorted((root / folder).glob("*.ipynb")):
            _, seconds = execute(path)
            total += seconds
            _emit(f"notebook_seconds.{folder}/{path.stem}", seconds, "s")
    _emit("notebook_seconds.total", total, "s")


def run_benchmarks(root: Path, *, repeats: int = 25, notebooks: bool = True, fits: bool = True) -> None:
    if repeats < 20:
        raise ValueError(f"repeats must be >= 20 for a stable median (got {repeats})")
    bench_widgets(repeats)
    if fits:
        from ..laws.fitting import bench_chinchilla_fit
        bench_chinchilla_fit()
    from ..parallelism.cpu_data_parallel import bench_cpu_data_parallel
    bench_cpu_data_parallel()
    from ..lab.efficiency import bench_lab
    bench_lab()
    from ..moe import bench_moe
    bench_moe()
    from ..planning import bench_planning
    bench_planning()
    if notebooks:
        bench_notebooks(root)
