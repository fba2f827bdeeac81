"""Widgets of lesson 07 (Mixture-of-Experts; its slug and this module's name: mixture_of_experts).

- :class:`RouterSimulator`: a skewed router sends batches of tokens to experts; choose how many experts, the
  top-k, the capacity factor, the skew and how to balance (nothing, Switch's auxiliary loss, DeepSeek-V3's bias
  rule), and watch each expert's load against its capacity, the drop rate and the balancing loss over steps.
  A thin shell over :func:`scalingedu.moe.simulate_balancing`.
- :class:`DenseVsMoEExplorer`: at a training budget, the Chinchilla-optimal dense model against an
  MoE with the same FLOPs per token and tokens: parameters (active and total) and memory (training
  and inference). A thin shell over :func:`scalingedu.moe.dense_vs_moe`.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import MaxNLocator, NullLocator

from ..data import ACCELERATORS
from ..formatting import GIB, human, sci
from ..formatting import memory as memory_text
from ..moe import dense_vs_moe, expert_preference, moe_size_caution, simulate_balancing, skewed_logits
from ..plotting import PALETTE, describe, new_figure
from .base import LessonWidget, log_slider

_STYLE = {"description_width": "150px"}


def _layout() -> widgets.Layout:
    return widgets.Layout(width="460px")


# ----------------------------------------------------------------------------------------------------------------
# Router simulator
# ----------------------------------------------------------------------------------------------------------------

METHOD_LABELS = {"none": "none", "Switch auxiliary loss": "aux_loss", "DeepSeek-V3 bias": "bias"}
"""Balancing methods by the label a learner sees (values: :data:`scalingedu.moe.BALANCING_METHODS`)."""

SIMULATOR_TOKENS = 512
"""Tokens per simulated batch: enough for stable loads, small enough for a fast widget (a choice of the course)."""
MAX_EXPERTS = 64
MAX_STEPS = 100
SIMULATOR_SEED = 0
LOAD_TOPS = (2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 32.0, 64.0)
DROP_TOPS = (25.0, 50.0, 100.0)
LOSS_TOPS = (1.5, 2.0, 3.0, 4.0, 8.0, 16.0, 32.0, 64.0)


def _top(value: float, tops: tuple[float, ...]) -> float:
    """The smallest of ``tops`` that leaves 5% headroom above ``value`` (limits change in steps, not every move)."""
    return next((top for top in tops if value * 1.05 <= top), tops[-1])


class RouterSimulator(LessonWidget):
    """A skewed router over steps: per-expert load against capacity, drop rate and balancing loss.

    Controls: ``skew`` (how strongly the router favours the first experts), ``experts``, ``top_k``,
    ``capacity_factor`` (Switch Eq. 3), ``method`` (balancing: none, Switch's auxiliary loss, DeepSeek-V3's bias
    rule) and ``steps``. Left: each expert's load at the last step as a multiple of the even share, the part over
    capacity (dropped) stacked on top, the first step's load as an outline, and the capacity line. Middle and right:
    the drop rate and Switch's balancing loss N·Σ f_i·P_i at every step, with the unbalanced router for reference.
    The title counts the idle experts (no tokens at the last step) beside the drops, since a generous capacity can
    drop nothing while many experts sit idle, and says so when top-k equals the number of experts (a dense model).
    The batches are SIMULATED (seeded), :data:`SIMULATOR_TOKENS` tokens each.
    """

    DEBOUNCED = True

    def __init__(self, *, skew: float = 1.0, experts: int = 16, top_k: int = 2, capacity_factor: float = 1.25,
                 method: str = "DeepSeek-V3 bias", steps: int = 100):
        self._reference_key = None
        self._reference = None
        self._noise: dict[int, np.ndarray] = {}
        self._limits = None
        self._load_limits = None
        super().__init__(skew=skew, experts=experts, top_k=top_k, capacity_factor=capacity_factor, method=method,
                         steps=steps)

    def build_controls(self):
        looks = {"style": _STYLE, "layout": _layout()}
        return {
            "skew": widgets.FloatSlider(min=0.0, max=3.0, step=0.25, readout_format=".2f", description="router skew",
                                        **looks),
            "experts": widgets.IntSlider(min=4, max=MAX_EXPERTS, step=4, description="experts", **looks),
            "top_k": widgets.IntSlider(min=1, max=4, description="top-k", **looks),
            "capacity_factor": widgets.FloatSlider(min=0.5, max=3.0, step=0.05, readout_format=".2f",
                                                   description="capacity factor", **looks),
            "method": widgets.Dropdown(options=list(METHOD_LABELS), description="balancing", style=_STYLE,
                                       layout=_layout()),
            "steps": widgets.IntSlider(min=1, max=MAX_STEPS, description="training steps", **looks),
        }

    def build_figure(self):
        figure, (loads, drops, losses) = new_figure(3, width=12.5, height=4.4)
        figure.get_layout_engine().set(w_pad=0.08)
        index = np.arange(MAX_EXPERTS)
        loads.set(xlabel="expert", ylabel="load at the last step (× even share)",
                  title="per-expert load against capacity")
        self.kept_bars = loads.bar(index, np.zeros(MAX_EXPERTS), width=0.8, color=PALETTE[0],
                                   label="processed")
        self.dropped_bars = loads.bar(index, np.zeros(MAX_EXPERTS), width=0.8, color=PALETTE[3], hatch="///",
                                      label="over capacity (dropped)")
        self.first_step, = loads.step([], [], where="mid", color="0.35", lw=1.2, label="load at step 1")
        self.capacity_line = loads.axhline(1.0, color=PALETTE[7], ls="--", lw=1.3, label="capacity")
        self.even_line = loads.axhline(1.0, color=PALETTE[2], ls=":", lw=1.3, label="even share")
        loads.legend(loc="upper right", fontsize=8)
        loads.xaxis.set_major_locator(MaxNLocator(integer=True))
        loads.xaxis.set_minor_locator(NullLocator())

        drops.set(xlim=(0, MAX_STEPS), xlabel="training step", ylabel="assignments dropped (%)",
                  title="drop rate over steps")
        self.drop_reference, = drops.plot([], [], "--", color="0.6", lw=1.5, label="no balancing")
        self.drop_line, = drops.plot([], [], color=PALETTE[3], lw=2.0, label="chosen method")
        drops.legend(loc="upper right", fontsize=8)

        losses.set(xlim=(0, MAX_STEPS), xlabel="training step", ylabel="N·Σ f·P (1 = balanced)",
                   title="Switch balancing loss over steps")
        self.loss_reference, = losses.plot([], [], "--", color="0.6", lw=1.5, label="no balancing")
        self.loss_line, = losses.plot([], [], color=PALETTE[0], lw=2.0, label="chosen method")
        losses.axhline(1.0, color=PALETTE[2], ls=":", lw=1.3)
        losses.legend(loc="upper right", fontsize=8)
        self.summary = figure.suptitle("", fontsize=10.5)
        # Only these are repainted on an update (the load panel's axes included, whose limits follow the experts).
        self.animate(loads.xaxis, loads.yaxis, *self.kept_bars, *self.dropped_bars,
                     self.first_step, self.capacity_line, self.even_line, self.drop_reference, self.drop_line,
                     self.loss_reference, self.loss_line, self.summary)
        return figure, (loads, drops, losses)

    def _batches(self, experts: int, skew: float) -> np.ndarray:
        """Seeded logits of every step: the same noise for every skew (drawn once per number of experts), plus
        skew × each expert's preference, exactly as :func:`scalingedu.moe.skewed_logits` builds them."""
        if experts not in self._noise:
            self._noise[experts] = skewed_logits(MAX_STEPS * SIMULATOR_TOKENS, experts, skew=0.0,
                                                 seed=SIMULATOR_SEED).reshape(MAX_STEPS, SIMULATOR_TOKENS, experts)
        return self._noise[experts] + np.float32(skew) * expert_preference(experts)

    def _simulate(self, method, batches, experts, top_k, capacity_factor, steps):
        return simulate_balancing(method=method, experts=experts, tokens=SIMULATOR_TOKENS, top_k=top_k,
                                  steps=steps, capacity_factor=capacity_factor, batches=batches)

    def _unbalanced(self, batches, experts, top_k, capacity_factor, skew, steps):
        """The same batches without balancing (cached: moving only ``method`` or ``steps`` does not redo it)."""
        key = (experts, top_k, capacity_factor, skew)
        if key != self._reference_key:
            self._reference = self._simulate("none", batches, experts, top_k, capacity_factor, MAX_STEPS)
            self._reference_key = key
        return self._reference

    def draw(self, skew, experts, top_k, capacity_factor, method, steps):
        if method not in METHOD_LABELS:
            raise ValueError(f"method must be one of {list(METHOD_LABELS)} (got {method!r})")
        if top_k > experts:
            raise ValueError(f"top-k ({top_k}) cannot exceed the number of experts ({experts})")
        chosen = METHOD_LABELS[method]
        batches = self._batches(experts, skew)
        reference = self._unbalanced(batches, experts, top_k, capacity_factor, skew, steps)
        history = reference if chosen == "none" else self._simulate(chosen, batches, experts, top_k,
                                                                      capacity_factor, steps)
        last = steps - 1
        even = SIMULATOR_TOKENS * top_k / experts
        demand = history.load[last] / even
        capacity = history.capacity / even
        kept = np.minimum(demand, capacity)
        for i, (kept_bar, dropped_bar) in enumerate(zip(self.kept_bars, self.dropped_bars)):
            visible = i < experts
            kept_bar.set_visible(visible)
            dropped_bar.set_visible(visible)
            if visible:
                kept_bar.set_height(kept[i])
                dropped_bar.set_y(kept[i])
                dropped_bar.set_height(demand[i] - kept[i])
        x = np.arange(experts)
        self.first_step.set_data(x, history.load[0] / even)
        self.capacity_line.set_ydata([capacity, capacity])
        shown = np.arange(1, steps + 1)
        self.drop_reference.set_data(shown, 100 * reference.dropped_fraction[:steps])
        self.drop_line.set_data(shown, 100 * history.dropped_fraction[:steps])
        self.loss_reference.set_data(shown, reference.balancing_loss[:steps])
        self.loss_line.set_data(shown, history.balancing_loss[:steps])
        idle = int(np.count_nonzero(history.load[last] == 0))
        dense = (f"top-{top_k} of {experts} experts: every token uses every expert, so this is a dense model "
                 f"(no choice is left to the router)") if top_k == experts else (
                 f"{SIMULATOR_TOKENS} tokens per batch; capacity {history.capacity} assignments per expert")
        self.summary.set_text(
            f"{experts} experts, top-{top_k}, step {steps}: busiest expert {history.imbalance[last]:.2f}× the even "
            f"share, {idle} of {experts} experts idle (no tokens), "
            f"{100 * history.dropped_fraction[last]:.1f}% of assignments dropped "
            f"(no balancing: {100 * reference.dropped_fraction[last]:.1f}%)\n{dense}")
        # The load panel's axes are animated (they follow the experts and the skew at almost every move); the
        # other panels' limits change in coarse steps and then cost one full redraw.
        load_limits = ((-0.6, experts - 0.4),
                       _top(max(float(history.load[0].max() / even), float(demand.max()), capacity), LOAD_TOPS))
        if load_limits != self._load_limits:
            self.axes[0].set_xlim(*load_limits[0])
            self.axes[0].set_ylim(0, load_limits[1])
            self._load_limits = load_limits
        limits = (_top(100 * float(max(reference.dropped_fraction[:steps].max(),
                                        history.dropped_fraction[:steps].max())), DROP_TOPS),
                  _top(float(max(reference.balancing_loss[:steps].max(), history.balancing_loss[:steps].max())),
                       LOSS_TOPS))
        if limits != self._limits:
            self.axes[1].set_ylim(0, limits[0])
            self.axes[2].set_ylim(0.9, limits[1])
            self._limits = limits
            self.invalidate()
        describe(self.figure, f"""A simulated router of {experts} experts, top-{top_k}, capacity factor
            {capacity_factor:g} and skew {skew:g} (balancing: {method}), over {steps} steps of
            {SIMULATOR_TOKENS} tokens. Left: each expert's load at the last step (× the even share) against the expert,
            the part above the capacity of {capacity:.2f}× the even share dropped (hatched): the busiest expert gets
            {history.imbalance[last]:.2f}× the even share and {idle} of {experts} experts are idle. Middle: the share
            of assignments dropped (%) against the training step, {100 * history.dropped_fraction[last]:.1f}% at the
            last step against {100 * reference.dropped_fraction[last]:.1f}% without balancing (dashed). Right: Switch's
            balancing loss N·Σ f·P against the step (1 = balanced), {history.balancing_loss[last]:.2f} at the last
            step against {reference.balancing_loss[last]:.2f} without balancing (dashed).""")


# ----------------------------------------------------------------------------------------------------------------
# Dense against MoE at a training budget
# ----------------------------------------------------------------------------------------------------------------

BUDGET_RANGE = (1e20, 1e26)
PARAM_LIMITS = (1e8, 1e15)
"""The widest parameter axis (1e26 FLOPs, 256 experts, top-1 gives 56.5T); the axis shows what the state needs."""
BYTES_LIMITS = (1e9, 1e16)
"""The widest memory axis (that MoE's training state is 9.04e14 bytes, 822 TiB); the axis shows what the state
needs."""
_LABEL_BOX = {"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.0}


def _upper(largest: float, limits: tuple[float, float]) -> float:
    """An axis end about a decade above the largest bar (room for its label), in whole decades."""
    return float(min(limits[1], max(10 * limits[0], 10.0 ** np.ceil(np.log10(largest * 8)))))


class DenseVsMoEExplorer(LessonWidget):
    """At a training budget: the compute-optimal dense model against an MoE of equal FLOPs per token.

    Controls: ``flops`` (training budget), ``experts`` and ``top_k``. The dense model is Chinchilla-optimal
    (Hoffmann et al. 2022, Eq. 10); the MoE uses the same tokens and the same active parameters (so the same
    6·N·D FLOPs), its MLPs copied into ``experts`` experts. Left: parameters (active, total). Right: memory of the
    weights for inference (2 bytes each) and of training state (16 bytes each, mixed-precision Adam). An MoE larger
    than any trained (:func:`scalingedu.moe.moe_size_caution`) gets a caution under the plot.
    """

    DEBOUNCED = True

    def __init__(self, *, flops: float = 1e23, experts: int = 64, top_k: int = 2):
        super().__init__(flops=flops, experts=experts, top_k=top_k)

    def build_controls(self):
        looks = {"style": _STYLE, "layout": _layout()}
        return {
            "flops": log_slider("training budget (FLOPs)", *np.log10(BUDGET_RANGE), 0.25, readout_format=".2e",
                                **looks),
            "experts": widgets.IntSlider(min=8, max=256, step=8, description="experts", **looks),
            "top_k": widgets.IntSlider(min=1, max=8, description="top-k", **looks),
        }

    def build_figure(self):
        figure, (params_ax, memory_ax) = new_figure(2, width=12.0, height=4.2)
        rows = np.arange(3)
        params_ax.set(xscale="log", xlim=PARAM_LIMITS, yticks=rows, xlabel="parameters (log scale)",
                      title="parameters: what a token uses, what memory holds")
        params_ax.set_yticklabels(["dense", "MoE active", "MoE total"])
        params_ax.invert_yaxis()
        self.param_bars = params_ax.barh(rows, np.ones(3), left=PARAM_LIMITS[0] / 10,
                                         color=[PALETTE[5], PALETTE[0], PALETTE[1]], height=0.6)
        self.param_labels = [params_ax.text(1, row, "", va="center", fontsize=9, bbox=_LABEL_BOX, zorder=5)
                             for row in rows]

        memory_rows = np.arange(4)
        memory_ax.set(xscale="log", xlim=BYTES_LIMITS, yticks=memory_rows, xlabel="bytes (log scale)",
                      title="memory: bf16 weights; training state at 16 B/param")
        memory_ax.set_yticklabels(["dense inference", "MoE inference", "dense training", "MoE training"])
        memory_ax.invert_yaxis()
        self.memory_bars = memory_ax.barh(memory_rows, np.ones(4), left=BYTES_LIMITS[0] / 10, height=0.6,
                                          color=[PALETTE[5], PALETTE[1], PALETTE[5], PALETTE[1]])
        for bar in self.memory_bars[2:]:
            bar.set_hatch("//")
        self.memory_labels = [memory_ax.text(1, row, "", va="center", fontsize=9, bbox=_LABEL_BOX, zorder=5)
                              for row in memory_rows]
        gpu_bytes = ACCELERATORS["H100"].memory_bytes
        memory_ax.axvline(gpu_bytes, color=PALETTE[7], ls="--", lw=1.2)
        memory_ax.annotate(f"one {gpu_bytes / GIB:.0f} GiB GPU", (gpu_bytes, -0.45), xytext=(3, 0),
                           textcoords="offset points", fontsize=8, va="top")
        for axis in (params_ax.xaxis, memory_ax.xaxis):
            axis.set_minor_locator(NullLocator())
        self.summary = figure.suptitle("", fontsize=10.5)
        self.animate(*self.param_bars, *self.param_labels, *self.memory_bars, *self.memory_labels, self.summary)
        self._upper_limits = None
        return figure, (params_ax, memory_ax)

    def draw(self, flops, experts, top_k):
        if top_k > experts:
            raise ValueError(f"top-k ({top_k}) cannot exceed the number of experts ({experts})")
        result = dense_vs_moe(flops, experts, top_k)
        params = (result.dense_params, result.moe_active_params, result.moe_total_params)
        memory = (result.dense_inference_bytes, result.moe_inference_bytes, result.dense_training_bytes,
                  result.moe_training_bytes)
        for bars, labels, values, low in ((self.param_bars, self.param_labels, params, PARAM_LIMITS[0]),
                                          (self.memory_bars, self.memory_labels, memory, BYTES_LIMITS[0])):
            for bar, label, value in zip(bars, labels, values):
                bar.set_x(low)
                bar.set_width(value - low)
                label.set_x(value * 1.3)
            for label, value in zip(labels, values):
                label.set_text(human(value) if bars is self.param_bars else memory_text(value))
        uppers = (_upper(max(params), PARAM_LIMITS), _upper(max(memory), BYTES_LIMITS))
        if uppers != self._upper_limits:     # the axes end where the bars need them, in whole decades
            self.axes[0].set_xlim(PARAM_LIMITS[0], uppers[0])
            self.axes[1].set_xlim(BYTES_LIMITS[0], uppers[1])
            self._upper_limits = uppers
            self.invalidate()
        caution = moe_size_caution(result.moe_total_params)
        if caution:
            self.caution(caution)
        ratio = result.moe_total_params / result.dense_params
        describe(self.figure, f"""At a training budget of {sci(flops)} FLOPs, the compute-optimal dense model
            against an MoE of {experts} experts, top-{top_k}, with the same active parameters, both trained on
            {human(result.tokens)} tokens. Left: parameters (log scale): dense {human(result.dense_params)}, MoE
            active {human(result.moe_active_params)}, MoE total {human(result.moe_total_params)}, {ratio:.1f}× the
            dense model. Right: memory (bytes, log scale) against one {ACCELERATORS["H100"].memory_bytes / GIB:.0f}
            GiB GPU: bf16 weights for inference {memory_text(result.dense_inference_bytes)} dense against
            {memory_text(result.moe_inference_bytes)} MoE, training state at 16 bytes per parameter
            {memory_text(result.dense_training_bytes)} against {memory_text(result.moe_training_bytes)}. The MoE costs
            the same FLOPs per token, but its memory grows with all its parameters.""")
        self.summary.set_text(
            f"C = {sci(flops)} FLOPs: both train on {human(result.tokens)} tokens at "
            f"{sci(result.flops_per_token)} FLOPs/token.\nThe MoE ({experts} experts, top-{top_k}) "
            f"holds {ratio:.1f}× the parameters; a dense "
            f"model that big would need {sci(result.same_total_dense_flops)} FLOPs on the same "
            f"tokens.")


WIDGETS = (RouterSimulator, DenseVsMoEExplorer)
