"""Widget of lesson 09 (the capstone): a training-run planner over :func:`scalingedu.planning.plan_run`.

:class:`RunPlanner` takes a budget, an accelerator, a deadline, a limit on unique data and a lifetime inference
demand, and draws the plan: left, where the planned model sits on the map of parameters and tokens (the
compute-optimal frontier, this budget's IsoFLOP line, the unique-data limit, the Chinchilla point and real runs);
middle, the memory one accelerator holds against its capacity; right, the training time against the deadline, with
the cost, accelerators, layout and expected loss. An impossible request shows the planner's message instead. A plan
beyond the epochs or tokens per parameter that its laws were measured on gets a caution under the plot
(:mod:`scalingedu.returns.limits`): the planner still spends the whole budget, and says where that is a guess.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..compute import training_flops
from ..data import ACCELERATORS, LLAMA3_405B_RUN, model
from ..formatting import GIB, human, money
from ..planning import MEMORY_HEADROOM, RunPlan, plan_run
from ..plotting import PALETTE, describe, new_figure
from ..returns import MUENNIGHOFF_2023, epochs_caution, tokens_per_param_caution
from .base import LessonWidget, log_slider
from .parallelism import MEMORY_HATCHES  # the memory parts look as in lesson 06's cluster planner

_STYLE = {"description_width": "170px"}
_FRONTIER_FLOPS = np.logspace(18, 28, 60)
MEMORY_PARTS = (("params", "16-bit weights"), ("grads", "16-bit gradients"), ("optimizer", "optimizer state"),
                ("activations", "activations"))


def _layout(width: str = "480px") -> widgets.Layout:
    return widgets.Layout(width=width)


class RunPlanner(LessonWidget):
    """Plan a training run and see why: controls ``budget`` (dollars), ``accelerator``, ``deadline`` (days),
    ``unique_tokens`` (the data limit) and ``inference_tokens`` (lifetime serving demand)."""

    DEBOUNCED = True

    def __init__(self, *, budget: float = 2e7, accelerator: str = "H100", deadline: int = 90,
                 unique_tokens: float = 1e13, inference_tokens: float = 1e12):
        self.plan: RunPlan | None = None
        super().__init__(budget=budget, accelerator=accelerator, deadline=deadline, unique_tokens=unique_tokens,
                         inference_tokens=inference_tokens)

    def build_controls(self):
        return {
            "budget": log_slider("budget ($)", 5, 8, 0.05, style=_STYLE, layout=_layout()),
            "accelerator": widgets.Dropdown(options=list(ACCELERATORS), description="accelerator", style=_STYLE,
                                            layout=_layout()),
            "deadline": widgets.IntSlider(min=14, max=365, step=1, description="deadline (days)", style=_STYLE,
                                          layout=_layout()),
            "unique_tokens": log_slider("unique data (tokens)", 11, 14, 0.05, style=_STYLE, layout=_layout()),
            "inference_tokens": log_slider("inference demand (tokens)", 10, 16, 0.1, style=_STYLE, layout=_layout()),
        }

    def build_figure(self):
        figure, (map_ax, memory_ax, time_ax) = new_figure(3, width=12.5, height=4.8)
        figure.get_layout_engine().set(w_pad=0.08)
        # the map: parameters × tokens, with the frontier of the same law the planner uses
        frontier = MUENNIGHOFF_2023.unconstrained.compute_optimal(_FRONTIER_FLOPS)
        map_ax.loglog(frontier.params, frontier.tokens, color=PALETTE[7], lw=1.2, label="compute-optimal frontier")
        for name, params, tokens, marker, offset in (
                ("Chinchilla", model("Chinchilla").params, model("Chinchilla").tokens, "s", (6, -4)),
                ("Llama 3 405B", LLAMA3_405B_RUN["params"], LLAMA3_405B_RUN["tokens"], "D", (6, 4)),
                ("DeepSeek-V3\n(active)", model("DeepSeek-V3").active_params, model("DeepSeek-V3").tokens, "^",
                 (-52, 4))):
            map_ax.plot(params, tokens, marker, color="0.55", ms=6)
            map_ax.annotate(name, (params, tokens), textcoords="offset points", xytext=offset, fontsize=7.5,
                            color="0.4")
        self.isoflop_line, = map_ax.plot([], [], color=PALETTE[0], ls="--", lw=1.2, label="this budget (6ND = C)")
        self.unique_line = map_ax.axhline(1e12, color=PALETTE[3], lw=1.2, ls="-.", label="unique tokens (1 epoch)")
        self.epochs_line = map_ax.axhline(4e12, color=PALETTE[3], lw=1.0, ls=":", label="4 epochs")
        self.chinchilla_point, = map_ax.plot([], [], "o", color=PALETTE[0], mfc="white", ms=8,
                                             label="Chinchilla optimum")
        self.plan_point, = map_ax.plot([], [], "*", color=PALETTE[1], ms=15, mec="black", label="the plan")
        map_ax.set(xlim=(1e8, 1e13), ylim=(1e9, 1e15), xlabel="parameters (active)", ylabel="training tokens",
                   title="where the plan sits")
        map_ax.legend(loc="lower right", fontsize=7.5)

        # memory per accelerator
        colours = (PALETTE[0], PALETTE[5], PALETTE[1], PALETTE[4])
        self.memory_bars = [memory_ax.bar([0], [0.0], width=0.5, color=colour, hatch=hatch, label=label)[0]
                            for (_, label), colour, hatch in zip(MEMORY_PARTS, colours, MEMORY_HATCHES)]
        self.capacity_line = memory_ax.axhline(80, color=PALETTE[3], ls="--", lw=1.4, label="memory")
        self.usable_line = memory_ax.axhline(72, color=PALETTE[3], ls=":", lw=1.2,
                                             label=f"usable ({MEMORY_HEADROOM:.0%} headroom)")
        self.memory_text = memory_ax.text(0.0, 150, "", ha="center", va="top", fontsize=8.5)
        memory_ax.set(xlim=(-0.6, 0.6), ylim=(0, 160), xticks=[], ylabel="memory per accelerator (GiB)",
                      title="memory of the busiest accelerator")
        memory_ax.legend(loc="center right", fontsize=7.5, bbox_to_anchor=(1.0, 0.62))

        # time against the deadline, and the rest of the plan as text
        self.time_bar = time_ax.barh([1.0], [0.0], height=0.5, color=PALETTE[2], label="training time")[0]
        self.deadline_line = time_ax.axvline(90, color=PALETTE[3], ls="--", lw=1.4, label="deadline")
        self.plan_text = time_ax.text(0.02, 0.02, "", transform=time_ax.transAxes, fontsize=8.2, va="bottom",
                                      family="DejaVu Sans Mono",
                                      bbox=dict(facecolor="white", edgecolor="0.8", boxstyle="round,pad=0.3"))
        time_ax.set(xlim=(0, 380), ylim=(-3.2, 1.6), yticks=[], xlabel="days", title="time, cost and the plan")
        # labelled in place, not by a legend: a bar or a deadline anywhere on the axis never runs under a label
        self.time_label = time_ax.text(3, 0.62, "", va="top", fontsize=8, color=PALETTE[2],
                                       bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0})
        self.deadline_label = time_ax.text(90, 1.55, "deadline", va="top", fontsize=8, color=PALETTE[3])
        time_ax.grid(axis="y", visible=False)
        self.title = figure.suptitle("", fontsize=10.5)
        self.animate(self.isoflop_line, self.unique_line, self.epochs_line, self.chinchilla_point, self.plan_point,
                     *self.memory_bars, self.capacity_line, self.usable_line, self.memory_text, self.time_bar,
                     self.deadline_line, self.time_label, self.deadline_label, self.plan_text, self.title)
        return figure, (map_ax, memory_ax, time_ax)

    def draw(self, budget, accelerator, deadline, unique_tokens, inference_tokens):
        plan = plan_run(budget, accelerator, deadline, unique_tokens, inference_tokens)
        self.plan = plan
        params = np.logspace(8, 13, 30)
        self.isoflop_line.set_data(params, plan.flops / training_flops(params, 1.0))  # D = C / (6N)
        self.unique_line.set_ydata([unique_tokens, unique_tokens])
        self.epochs_line.set_ydata([4 * unique_tokens, 4 * unique_tokens])
        self.chinchilla_point.set_data([plan.chinchilla_params], [plan.chinchilla_tokens])
        self.plan_point.set_data([plan.params], [plan.tokens])

        bottom = 0.0
        for (part, _), bar in zip(MEMORY_PARTS, self.memory_bars):
            height = getattr(plan.memory, part) / GIB
            bar.set_y(bottom)
            bar.set_height(height)
            bottom += height
        capacity = plan.memory.capacity / GIB
        self.capacity_line.set_ydata([capacity, capacity])
        self.usable_line.set_ydata([capacity * (1 - plan.memory_headroom)] * 2)
        lay = plan.layout
        self.memory_text.set_text(f"{bottom:.1f} GiB of {capacity:.0f} GiB\ndp {lay.dp} × tp {lay.tp} × pp {lay.pp}"
                                  f"\nZeRO-{lay.zero_stage}, {lay.recompute} recompute")

        self.time_bar.set_width(plan.days)
        self.deadline_line.set_xdata([deadline, deadline])
        self.time_label.set_text(f"training time {plan.days:.1f} days")
        late_in_year = deadline > 300           # the label goes on whichever side of the line has room
        self.deadline_label.set_position((deadline - 4 if late_in_year else deadline + 4, 1.55))
        self.deadline_label.set_horizontalalignment("right" if late_in_year else "left")
        self.deadline_label.set_text(f"deadline {deadline} days")
        energy = "n/a (no board power)" if plan.energy_kwh is None else f"{plan.energy_kwh / 1e6:.3g} GWh"
        self.plan_text.set_text(
            f"{plan.architecture:5s} {human(plan.params)} params"
            + (f" ({human(plan.total_params)} total)" if plan.architecture == "moe" else "") + "\n"
            f"tokens {human(plan.tokens)} ({plan.tokens_per_param:.0f}/param, {plan.epochs:.1f} epochs)\n"
            f"compute {plan.flops:.3g} FLOPs\n"
            f"{plan.n_accelerators:,} {accelerator} for {plan.days:.1f} days\n"
            f"cost {money(plan.cost_dollars)}, energy {energy}\n"
            f"expected loss {plan.loss:.3f} nats/token\n"
            f"(Chinchilla at this budget: {plan.chinchilla_loss:.3f})")
        for caution in (epochs_caution(plan.epochs), tokens_per_param_caution(plan.tokens_per_param)):
            if caution:
                self.caution(caution)
        binds = [b.split(" (")[0] for b in plan.binding[1:]]
        self.title.set_text(f"{money(budget)} on {accelerator}s in {deadline} days: "
                            f"binding beyond the budget: "
                            f"{', '.join(dict.fromkeys(binds)) or 'nothing'}")
        kind = "Mixture-of-Experts" if plan.architecture == "moe" else "dense"
        total = f" ({human(plan.total_params)} in total)" if plan.architecture == "moe" else ""
        describe(self.figure, f"""The plan for {money(budget)} on {accelerator}s within {deadline} days, with
            {human(unique_tokens)} unique tokens and a lifetime demand of {human(inference_tokens)} tokens. Left:
            training tokens against parameters (both log scale), with the compute-optimal frontier, this budget's
            IsoFLOP line, the unique-data limit and real runs. The plan is a {kind} model of {human(plan.params)}
            active parameters{total} on {human(plan.tokens)} tokens ({plan.tokens_per_param:.0f} per parameter,
            {plan.epochs:.1f} epochs); the Chinchilla optimum is {human(plan.chinchilla_params)} on
            {human(plan.chinchilla_tokens)}. Middle: the busiest accelerator's memory, {bottom:.1f} of {capacity:.0f}
            GiB. Right: training time, {plan.days:.1f} days on {plan.n_accelerators:,} accelerators against the
            deadline of {deadline}, for {money(plan.cost_dollars)} and an expected loss of {plan.loss:.3f} nats/token
            (Chinchilla at this budget: {plan.chinchilla_loss:.3f}). Binding beyond the budget:
            {', '.join(dict.fromkeys(binds)) or 'nothing'}.""")


WIDGETS = (RunPlanner,)
