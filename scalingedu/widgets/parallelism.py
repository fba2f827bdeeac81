"""Widgets of lesson 06 (parallelism): a roofline explorer, a cluster planner and a pipeline-schedule timeline.

:class:`RooflineExplorer` places the products of one transformer layer (the weight products and the attention core
with and without FlashAttention) on an accelerator's roofline, from :func:`scalingedu.roofline.layer_roofline`:
which are memory-bound at a given micro-batch, and what share of the peak the layer can reach.

:class:`ClusterPlanner` lays a model out on a cluster (data × tensor × pipeline parallelism, a ZeRO stage,
micro-batches, activation recomputation, sequence parallelism) and shows, left, the memory one GPU needs under
each ZeRO stage as stacked bars (weights, gradients, optimizer state, activations) against the GPU's capacity,
with the chosen stage highlighted and out-of-memory bars marked; right, where the time of one training step goes
(compute, tensor- and pipeline-parallel communication, the pipeline bubble, exposed data-parallel communication)
with the tokens per second and the MFU and HFU of the step-time model; ZeRO stages that do not fit are hatched and
greyed. :class:`PipelineTimeline` draws the per-device timelines of GPipe, 1F1B and
interleaved 1F1B from :func:`scalingedu.parallelism.simulate_schedule`, with the measured bubble next to the formula.

Both draw :func:`scalingedu.parallelism.planner_view` and
:func:`scalingedu.parallelism.timeline_view`, which the tests call directly.
"""
from __future__ import annotations

from types import MappingProxyType

import ipywidgets as widgets
import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgb
from matplotlib.lines import Line2D
from matplotlib.markers import MarkerStyle
from matplotlib.patches import Patch

from ..data import ACCELERATORS, INTERCONNECTS
from ..formatting import GIB, human, short_duration, traffic
from ..parallelism import (
    GPT3_EXAMPLE_LAYOUT,
    PLANNER_MODELS,
    PlannerView,
    TimelineView,
    batch_caution,
    pipeline_bubble,
    planner_model,
    planner_view,
    timeline_view,
)
from ..plotting import PALETTE, describe, new_figure
from ..roofline import LAYER_PRODUCTS, PRECISIONS, critical_batch_tokens, critical_intensity, layer_roofline
from .base import LessonWidget, log_slider

MEMORY_PARTS = ("params", "grads", "optimizer", "activations")
MEMORY_LABELS = MappingProxyType({"params": "16-bit weights", "grads": "16-bit gradients",
                                  "optimizer": "optimizer state (K = 12)", "activations": "activations"})
MEMORY_HATCHES = ("", "ooo", "...", "\\\\\\")
"""The hatch of each of :data:`MEMORY_PARTS` (slanted lines "///" are kept for the stages that do not fit)."""
NO_FIT_HATCH = "///"
"""Added to every part of a ZeRO stage that does not fit in memory."""
TIME_HATCHES = ("", "///", "...", "xxx", "\\\\\\")
"""The hatch of each of :data:`TIME_PARTS`, so that the parts of a step differ in more than colour."""
BACKWARD_HATCH, LATER_CHUNK_HATCH = "///", "..."
"""The hatches laid over backward passes and over the later model chunks of an interleaved pipeline."""
TIME_PARTS = ("compute", "tensor_parallel", "pipeline_p2p", "bubble", "data_parallel_exposed")
TIME_LABELS = MappingProxyType({"compute": "compute", "tensor_parallel": "TP all-reduces",
                                "pipeline_p2p": "PP send/receive", "bubble": "pipeline bubble",
                                "data_parallel_exposed": "DP/ZeRO comm. (not hidden)"})
MEMORY_AXIS_CAPACITIES = 4.0
"""The memory axis reaches at most this many times the GPU's memory (rounded up), so the capacity line stays
visible; taller bars run off the top and their totals are written on them."""
TP_OPTIONS = (1, 2, 4, 8)
PP_OPTIONS = (1, 2, 3, 4, 6, 7, 8, 9, 12, 14, 16, 18)
"""Pipeline degrees offered: enough divisors of 32, 40, 80, 96 and 126 layers to fit every planner model."""
INTERLEAVE_OPTIONS = (1, 2, 3, 4)
"""Model chunks per pipeline device (1: plain 1F1B)."""
MICROBATCH_SIZES = (1, 2, 4, 8)
"""Sequences per micro-batch."""
ROOFLINE_CHIPS = tuple(name for name, chip in ACCELERATORS.items() if chip.memory_bandwidth_bytes_per_second)
"""Accelerators of the reference data with a memory bandwidth, hence a roofline."""
DECODE_TOKENS = 64
"""Below this many tokens per micro-batch the explorer says that real decoding also reads a key-value cache."""
PRODUCT_STYLES = (("o", PALETTE[0]), ("s", PALETTE[1]), ("^", PALETTE[2]), ("v", PALETTE[4]), ("D", PALETTE[3]),
                  ("X", PALETTE[7]))
"""Marker and colour of each product of :data:`scalingedu.roofline.LAYER_PRODUCTS`."""


# ----------------------------------------------------------------------------------------------------------------
# The widgets
# ----------------------------------------------------------------------------------------------------------------

_STYLE = {"description_width": "150px"}


def _layout(width: str = "440px") -> widgets.Layout:
    return widgets.Layout(width=width)


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 1.5, 2, 3, 5, 7 × 10^k at or above ``value``: axis limits that change only now and then."""
    exponent = np.floor(np.log10(value))
    for step in (1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 10.0):
        if step * 10.0 ** exponent >= value * (1 - 1e-12):
            return float(step * 10.0 ** exponent)
    return float(10.0 ** (exponent + 1))


class RooflineExplorer(LessonWidget):
    """The products of one transformer layer on an accelerator's roofline: memory- or compute-bound, and why.

    Controls: ``accelerator`` (every chip of the reference data with a memory bandwidth), ``precision`` ("bf16", or
    "fp8" on chips with FP8 tensor cores), ``tokens`` (tokens per micro-batch on each GPU, 1 to 65,536), ``model``
    (the planner's presets) and ``tp`` (the tensor-parallel degree, which narrows each GPU's products). Left, the
    roofline (attainable FLOP/s against arithmetic intensity, log-log) with its ridge marked and one point per
    product of :func:`scalingedu.roofline.layer_roofline` (hollow: memory-bound); right, a readout of each product,
    the share of the peak the layer reaches and the critical batch. The first state is GPT-3 175B on H100s, one
    2,048-token sequence per micro-batch, tp = 8 (a chip with FP8, so that every control can move from it).
    """

    X_RANGE = (0.1, 1e5)
    Y_RANGE = (1e11, 1e16)

    def __init__(self, *, accelerator: str = "H100", precision: str = "bf16", tokens: float = 2048.0,
                 model: str = "GPT-3 175B", tp: int = GPT3_EXAMPLE_LAYOUT.tp):
        self.layer = None
        super().__init__(accelerator=accelerator, precision=precision, tokens=tokens, model=model, tp=tp)

    def build_controls(self):
        return {
            "tokens": log_slider("tokens per micro-batch per GPU", 0.0, float(np.log10(65536)), float(np.log10(2)),
                                 value=2048.0, readout_format=",.0f", style=_STYLE, layout=_layout()),
            "accelerator": widgets.Dropdown(options=ROOFLINE_CHIPS, description="accelerator", style=_STYLE,
                                            layout=_layout()),
            "precision": widgets.ToggleButtons(options=PRECISIONS, description="precision",
                                               style={**_STYLE, "button_width": "60px"}),
            "model": widgets.Dropdown(options=list(PLANNER_MODELS), description="model", style=_STYLE,
                                      layout=_layout()),
            "tp": widgets.ToggleButtons(options=TP_OPTIONS, description="tensor parallel (tp)",
                                        style={**_STYLE, "button_width": "48px"}),
        }

    def build_figure(self):
        figure, (ax, text_ax) = new_figure(2, width=11.5, height=4.6)
        ax.get_gridspec().set_width_ratios([1.35, 1.0])
        ax.set(xscale="log", yscale="log", xlim=self.X_RANGE, ylim=self.Y_RANGE,
               xlabel="arithmetic intensity (FLOPs per byte moved to or from memory)",
               ylabel="attainable FLOP/s", title="the roofline of one GPU")
        self.intensities = np.logspace(np.log10(self.X_RANGE[0]), np.log10(self.X_RANGE[1]), 241)
        self.roof = ax.plot(self.intensities, np.full_like(self.intensities, self.Y_RANGE[0]), color=PALETTE[7],
                            lw=2.0, label="roofline: min(peak, intensity × bandwidth)")[0]
        self.ridge = ax.axvline(1.0, color=PALETTE[3], ls="--", lw=1.2, label="ridge: peak / bandwidth")
        self.ridge_label = ax.text(1.0, self.Y_RANGE[0] * 1.6, "", color=PALETTE[3], fontsize=8.5, ha="left",
                                   va="bottom", rotation=90)
        self.points = ax.scatter(np.ones(len(LAYER_PRODUCTS)), np.ones(len(LAYER_PRODUCTS)), s=70, lw=1.6, zorder=3)
        self.points.set_paths([MarkerStyle(marker).get_path().transformed(MarkerStyle(marker).get_transform())
                               for marker, _ in PRODUCT_STYLES])
        handles = [self.roof, self.ridge] + [
            Line2D([], [], ls="none", marker=marker, color=colour, markersize=7, label=name)
            for (marker, colour), name in zip(PRODUCT_STYLES, LAYER_PRODUCTS)]
        handles.append(Line2D([], [], ls="none", marker="o", markerfacecolor="none", markeredgecolor="0.3",
                              markersize=7, label="hollow: memory-bound"))
        text_ax.set_axis_off()
        text_ax.legend(handles=handles, loc="lower left", fontsize=7.5, ncols=2)   # off the plot: nothing hides it
        self.readout = text_ax.text(0.0, 1.0, "", transform=text_ax.transAxes, va="top", ha="left", fontsize=8.5,
                                    family="DejaVu Sans Mono")
        self.animate(self.roof, self.ridge, self.ridge_label, self.points, self.readout)
        return figure, (ax, text_ax)

    def draw(self, accelerator, precision, tokens, model, tp):
        shape = planner_model(model)
        layer = layer_roofline(shape, tokens, accelerator, precision=precision, tp=tp)
        self.layer = layer
        ridge = critical_intensity(accelerator, precision)
        self.roof.set_ydata(np.minimum(layer.peak_flops_per_second,
                                       self.intensities * layer.bandwidth_bytes_per_second))
        self.ridge.set_xdata([ridge, ridge])
        self.ridge_label.set_x(ridge * 1.1)
        self.ridge_label.set_text(f"ridge {ridge:,.0f} FLOPs/byte")
        self.points.set_offsets(np.column_stack([layer.intensity, layer.attainable_flops_per_second]))
        colours = [colour for _, colour in PRODUCT_STYLES]
        self.points.set_edgecolors(colours)
        self.points.set_facecolors(["none" if bound else colour
                                    for bound, colour in zip(layer.memory_bound, colours)])
        critical = critical_batch_tokens(accelerator, precision=precision)
        lines = [f"{model}, tp {tp}, {tokens:,.0f} token{'s' if tokens != 1 else ''} per micro-batch",
                 f"{accelerator} in {precision}: peak {layer.peak_flops_per_second / 1e12:,.0f} TFLOP/s,",
                 f"  memory {layer.bandwidth_bytes_per_second / 1e12:.2f} TB/s, ridge {ridge:,.0f} FLOPs/byte", "",
                 f"{'product':<34} {'FLOPs/byte':>10}  bound by"]
        for name, intensity, bound in zip(layer.names, layer.intensity, layer.memory_bound):
            lines.append(f"{name:<34} {intensity:>10,.0f}  {'memory' if bound else 'compute'}")
        share = [layer.utilisation(flash=flash) for flash in (True, False)]
        share = [f"{x:.1%}" if x < 0.1 else f"{x:.0%}" for x in share]
        lines += ["", f"the layer reaches at best {share[0]} of the peak",
                  f"  ({share[1]} without FlashAttention)",
                  f"critical batch: about {critical:,.0f} tokens per GPU",
                  f"  (intensity of a weight product ≈ tokens{' × 2' if precision == 'fp8' else ''})"]
        self.readout.set_text("\n".join(lines))
        describe(self.figure, _roofline_text(layer, accelerator, precision, tokens, model, tp, ridge, critical, share))
        if tokens < DECODE_TOKENS:
            self.caution(f"{tokens:,.0f} tokens per micro-batch is what generating text one token at a time looks "
                         f"like; a real decoder's attention also reads its key-value cache, which this roofline of a "
                         f"training step leaves out, so decoding is even more memory-bound than drawn")


class ClusterPlanner(LessonWidget):
    """Plan the training of a real model on a cluster: memory per GPU (left) and the time of one step (right).

    Controls: ``dp`` (data-parallel replicas), ``model`` (GPT-3 175B to Llama 3 405B), ``gpu``, ``tp`` and ``pp``
    (tensor- and pipeline-parallel degrees; GPUs = dp·tp·pp), ``zero_stage``, ``microbatches`` (per replica and
    step), ``microbatch_size`` (sequences per micro-batch), ``interleave`` (model chunks per pipeline device: 1 is
    plain 1F1B), ``recompute`` and ``sequence_parallel``. A layout that cannot work (pp not dividing the layers,
    interleaving with micro-batches that are not a multiple of pp, say) shows the library's message saying what
    would fit; ZeRO stages that do not fit in memory are hatched and greyed, and a chosen stage that does not fit
    shows no step time (it could not run); a batch beyond the largest published one is drawn with a caution. The
    first state is :data:`~scalingedu.parallelism.GPT3_EXAMPLE_LAYOUT`, with selective recomputation.
    """

    def __init__(self, *, model: str = "GPT-3 175B", gpu: str = "A100", dp: int = GPT3_EXAMPLE_LAYOUT.dp,
                 tp: int = GPT3_EXAMPLE_LAYOUT.tp, pp: int = GPT3_EXAMPLE_LAYOUT.pp,
                 zero_stage: int = GPT3_EXAMPLE_LAYOUT.zero_stage, microbatches: int = GPT3_EXAMPLE_LAYOUT.microbatches,
                 recompute: str = "selective", sequence_parallel: bool = True,
                 interleave: int = GPT3_EXAMPLE_LAYOUT.interleave,
                 microbatch_size: int = GPT3_EXAMPLE_LAYOUT.microbatch_size):
        self.view: PlannerView | None = None
        super().__init__(model=model, gpu=gpu, dp=dp, tp=tp, pp=pp, zero_stage=zero_stage, microbatches=microbatches,
                         recompute=recompute, sequence_parallel=sequence_parallel, interleave=interleave,
                         microbatch_size=microbatch_size)

    def build_controls(self):
        return {
            "dp": widgets.IntSlider(min=1, max=128, description="data parallel (dp)", style=_STYLE, layout=_layout()),
            "model": widgets.Dropdown(options=list(PLANNER_MODELS), description="model", style=_STYLE,
                                      layout=_layout()),
            "gpu": widgets.Dropdown(options=list(INTERCONNECTS), description="GPU", style=_STYLE, layout=_layout()),
            "tp": widgets.ToggleButtons(options=TP_OPTIONS, description="tensor parallel (tp)",
                                        style={**_STYLE, "button_width": "48px"}),
            "pp": widgets.Dropdown(options=PP_OPTIONS, description="pipeline parallel (pp)", style=_STYLE,
                                   layout=_layout()),
            "zero_stage": widgets.ToggleButtons(options=(0, 1, 2, 3), description="ZeRO stage",
                                                style={**_STYLE, "button_width": "48px"}),
            "microbatches": widgets.IntSlider(min=1, max=128, description="micro-batches (m)", style=_STYLE,
                                              layout=_layout()),
            "recompute": widgets.ToggleButtons(options=("none", "selective", "full"), description="recomputation",
                                               style={**_STYLE, "button_width": "80px"}),
            "sequence_parallel": widgets.Checkbox(description="sequence parallelism (with tp)", style=_STYLE),
            "interleave": widgets.ToggleButtons(options=INTERLEAVE_OPTIONS, description="chunks per device (v)",
                                                style={**_STYLE, "button_width": "48px"}),
            "microbatch_size": widgets.ToggleButtons(options=MICROBATCH_SIZES, description="sequences per micro-batch",
                                                     style={**_STYLE, "button_width": "48px"}),
        }

    def layout_controls(self):
        order = (("dp", "model", "gpu", "tp", "pp", "interleave"),
                 ("zero_stage", "microbatches", "microbatch_size", "recompute", "sequence_parallel"))
        return widgets.HBox([widgets.VBox([self.controls[n] for n in names]) for names in order])

    def build_figure(self):
        figure, (memory_ax, time_ax) = new_figure(2, width=11.5, height=4.6)
        x = np.arange(4)
        colours = (PALETTE[0], PALETTE[5], PALETTE[1], PALETTE[4])
        self.memory_bars = {}
        for part, colour, hatch in zip(MEMORY_PARTS, colours, MEMORY_HATCHES):
            self.memory_bars[part] = memory_ax.bar(x, np.zeros(4), width=0.6, color=colour, hatch=hatch,
                                                   label=MEMORY_LABELS[part])
        memory_ax.set(xticks=x, xticklabels=["0 (plain DP)", "1 (P_os)", "2 (P_os+g)", "3 (P_os+g+p)"],
                      xlabel="ZeRO stage", ylabel="memory per GPU (GiB)", title="memory per GPU by ZeRO stage")
        memory_ax.grid(axis="x", visible=False)
        self.capacity_line = memory_ax.axhline(80, color=PALETTE[3], ls="--", lw=1.4, label="GPU memory")
        self.oom_labels = [memory_ax.text(i, 0, "", ha="center", va="bottom", fontsize=8.5, color=PALETTE[3],
                                          fontweight="bold") for i in x]
        self.chosen_frame = memory_ax.bar([0], [0], width=0.72, fill=False, edgecolor=PALETTE[7], lw=2.0,
                                          label="chosen stage")[0]
        memory_ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=3, fontsize=8)

        self.time_bars = {}
        time_colours = (PALETTE[2], PALETTE[0], PALETTE[5], "0.65", PALETTE[3])
        for part, colour, hatch in zip(TIME_PARTS, time_colours, TIME_HATCHES):
            self.time_bars[part] = time_ax.barh([1.0], [0.0], left=[0.0], height=0.6, color=colour, hatch=hatch,
                                                label=TIME_LABELS[part])[0]
        time_ax.set(yticks=[], xlabel="time per training step (s)", ylim=(-0.2, 2.4), xlim=(0, 1),
                    title="one training step")
        time_ax.legend(loc="upper left", ncols=2, fontsize=8)
        time_ax.grid(axis="y", visible=False)
        self.time_text = time_ax.text(0.02, 0.05, "", transform=time_ax.transAxes, fontsize=9, va="bottom",
                                      family="DejaVu Sans Mono")
        self.title = figure.suptitle("", fontsize=11)
        animated = [self.capacity_line, self.chosen_frame, self.time_text, self.title]
        for container in self.memory_bars.values():
            animated.extend(container.patches)
        animated.extend(self.oom_labels)
        animated.extend(self.time_bars.values())
        self.animate(*animated)
        return figure, (memory_ax, time_ax)

    def draw(self, dp, model, gpu, tp, pp, zero_stage, microbatches, recompute, sequence_parallel, interleave,
             microbatch_size):
        view = planner_view(model, gpu, dp, tp, pp, zero_stage, microbatches, recompute, sequence_parallel,
                            interleave=interleave, microbatch_size=microbatch_size)
        self.view = view
        memory_ax, time_ax = self.axes
        tops = np.zeros(4)
        for part, hatch in zip(MEMORY_PARTS, MEMORY_HATCHES):
            for stage, patch in enumerate(self.memory_bars[part].patches):
                height = getattr(view.memory_by_stage[stage], part) / GIB
                patch.set_y(tops[stage])
                patch.set_height(height)
                fits = view.memory_by_stage[stage].fits
                # what does not fit is greyed and hatched over its part's own hatch; the chosen stage stands out
                # among what fits
                patch.set_alpha((1.0 if stage == zero_stage else 0.55) if fits else 0.25)
                patch.set_hatch(hatch if fits else hatch + NO_FIT_HATCH)
                patch.set_edgecolor("none" if fits else "0.35")
                tops[stage] += height
        capacity = view.memory.capacity / GIB
        self.capacity_line.set_ydata([capacity, capacity])
        # bars far above the capacity would squash the capacity line to the floor: cap the axis, label the bars
        top = _nice_ceiling(max(capacity * 1.3, min(float(tops.max()) * 1.12, capacity * MEMORY_AXIS_CAPACITIES)))
        if memory_ax.get_ylim()[1] != top:
            memory_ax.set_ylim(0, top)
            self.invalidate()   # the axes are static (drawn into the background): redraw them only when they change
        for stage, label in enumerate(self.oom_labels):
            fits = view.memory_by_stage[stage].fits
            verdict = "fits" if fits else "OUT OF\nMEMORY"
            if tops[stage] > top * 0.8:       # at or beyond the top: write the total inside the bar, from the top
                label.set_position((stage, top * 0.98))
                label.set_verticalalignment("top")
                label.set_text(f"{tops[stage]:,.0f} GiB\n{verdict}")
                label.set_bbox({"facecolor": "white", "alpha": 0.85, "edgecolor": "none", "pad": 1.5})
            else:
                label.set_position((stage, tops[stage]))
                label.set_verticalalignment("bottom")
                label.set_text(verdict)
                label.set_bbox(None)
            label.set_color(PALETTE[2] if fits else PALETTE[3])
        self.chosen_frame.set_x(zero_stage - 0.36)
        self.chosen_frame.set_height(min(tops[zero_stage], top))

        time = view.time
        runs = view.memory.fits
        left = 0.0
        for part in TIME_PARTS:
            width = getattr(time, part) if runs else 0.0     # a layout that does not fit has no step to time
            self.time_bars[part].set_x(left)
            self.time_bars[part].set_width(width)
            left += width
        if runs:
            right = _nice_ceiling(left * 1.05)
            if time_ax.get_xlim()[1] != right:
                time_ax.set_xlim(0, right)
                self.invalidate()
        bubble = pipeline_bubble(pp, microbatches, interleave=interleave)
        formula = "(p-1)/m" if interleave == 1 else "(p-1)/(v·m)"
        setting = (f"ZeRO-{zero_stage}, {'no' if recompute == 'none' else recompute} recomputation"
                   + (", sequence parallel" if sequence_parallel and tp > 1 else "")
                   + (f", v = {interleave}" if interleave > 1 else ""))
        if runs:
            self.time_text.set_text(
                f"{setting}\n"
                f"step {short_duration(time.total)}  ·  "
                f"{human(time.tokens_per_step, 'tokens')} per step\n"
                f"{human(time.tokens_per_second, 'tokens/s')}  ·  MFU {time.mfu:.1%}  ·  HFU {time.hfu:.1%}\n"
                f"bubble {formula} = {bubble:.1%} of the work, {time.bubble / time.total:.1%} of the step\n"
                f"communication per GPU {traffic(time.communication.total_bytes)} per step")
        else:
            self.time_text.set_text(
                f"{setting}\n"
                f"NO STEP TIME: this layout needs {view.memory.total / GIB:,.0f} GiB\n"
                f"per GPU, more than the {capacity:.0f} GiB a {gpu} has,\n"
                f"so it cannot run. Raise tp, pp or the ZeRO\n"
                f"stage, or recompute activations.")
        self.time_text.set_color(PALETTE[7] if runs else PALETTE[3])
        n_gpus = view.layout.n_gpus
        fits = "fits" if view.memory.fits else "does NOT fit"
        self.title.set_text(f"{model} on {n_gpus:,} {gpu}s (dp {dp} × tp {tp} × pp {pp}): "
                            f"{view.memory.total / GIB:,.1f} GiB per GPU, {fits} in {capacity:.0f} GiB")
        caution = batch_caution(time.tokens_per_step)
        if caution:
            self.caution(caution)
        describe(self.figure, _planner_text(view, model, gpu, dp, tp, pp, zero_stage, setting, tops, capacity))


def _listed(names) -> str:
    """Names in a sentence: 'a', 'a and b', 'a, b and c'."""
    names = list(names)
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


def _roofline_text(layer, accelerator, precision, tokens, model, tp, ridge, critical, share) -> str:
    """The description of :class:`RooflineExplorer`'s figure at these settings (its alt text)."""
    memory = [name for name, bound in zip(layer.names, layer.memory_bound) if bound]
    compute = [name for name, bound in zip(layer.names, layer.memory_bound) if not bound]
    sides = "; ".join(part for part in (f"memory-bound (hollow): {_listed(memory)}" if memory else "",
                                        f"compute-bound: {_listed(compute)}" if compute else "") if part)
    return (f"Left: the roofline of one {accelerator} in {precision}, attainable FLOP/s against arithmetic intensity "
            f"(FLOPs per byte moved to or from memory), both on log scales: it rises as intensity × "
            f"{layer.bandwidth_bytes_per_second / 1e12:.2f} TB/s up to the ridge at {ridge:,.0f} FLOPs per byte, "
            f"then stays flat at the peak of {layer.peak_flops_per_second / 1e12:,.0f} TFLOP/s. One point per "
            f"product of a {model} layer with tp {tp} and {tokens:,.0f} tokens per micro-batch; {sides}. Right: a "
            f"readout of each product's intensity; the layer reaches at best {share[0]} of the peak ({share[1]} "
            f"without FlashAttention). Notice that a weight product's intensity grows with the tokens per "
            f"micro-batch: below about {critical:,.0f} tokens per GPU it is memory-bound.")


def _planner_text(view, model, gpu, dp, tp, pp, zero_stage, setting, tops, capacity) -> str:
    """The description of :class:`ClusterPlanner`'s figure for this layout (its alt text)."""
    stages = "; ".join(f"ZeRO-{stage} {total:,.0f} GiB ({'fits' if each.fits else 'out of memory'})"
                       for stage, (total, each) in enumerate(zip(tops, view.memory_by_stage)))
    text = (f"{model} on {view.layout.n_gpus:,} {gpu}s (dp {dp} × tp {tp} × pp {pp}), {setting}. Left: memory per "
            f"GPU (GiB) under each ZeRO stage, stacked from weights, gradients, optimizer state and activations, "
            f"against the GPU's {capacity:.0f} GiB (dashed line): {stages}; the chosen stage, ZeRO-{zero_stage}, "
            f"is framed. ")
    time = view.time
    if not view.memory.fits:
        return text + (f"Right: no step time, since the chosen layout needs {view.memory.total / GIB:,.0f} GiB per "
                       f"GPU and cannot run. Notice which stages fit: sharding the optimizer state, gradients and "
                       f"weights over the data-parallel GPUs is what brings a large model under the line.")
    parts = ", ".join(f"{TIME_LABELS[part]} {short_duration(getattr(time, part))}" for part in TIME_PARTS)
    biggest = max((part for part in TIME_PARTS if part != "compute"), key=lambda part: getattr(time, part))
    return text + (f"Right: one training step of {short_duration(time.total)}, split into {parts}; "
                   f"{human(time.tokens_per_second, 'tokens/s')}, MFU {time.mfu:.1%}. Notice where the time that is "
                   f"not compute goes: here the largest share is {TIME_LABELS[biggest]}, "
                   f"{getattr(time, biggest) / time.total:.0%} of the step.")


def _timeline_text(view, stages, microbatches, slow_stage) -> str:
    """The description of :class:`PipelineTimeline`'s figure for this schedule (its alt text)."""
    panels = []
    for run, title in zip(view.runs, SCHEDULE_TITLES):
        if run is None:
            panels.append(f"{title} cannot run ({view.problem})")
            continue
        formula = pipeline_bubble(stages, microbatches, interleave=run.interleave)
        panels.append(f"{title}{f' (v = {run.interleave})' if run.interleave > 1 else ''}: bubble "
                      f"{run.bubble_fraction:.1%} measured against {formula:.1%} from the formula, step "
                      f"{run.makespan:.1f} units, device 0 holds up to {run.peak_activations[0]:.3g} micro-batches")
    text = (f"Timelines of {stages} devices (rows) in three panels, time in units of one stage's forward pass (a "
            f"backward pass takes 2{f', the last stage {slow_stage:g} times slower' if slow_stage != 1 else ''}), "
            f"for {microbatches} micro-batches: forward passes plain blue, backward passes orange hatched with slanted "
            f"lines, the later model chunks of the interleaved schedule paler and dotted, white gaps idle (the "
            f"bubble). {'; '.join(panels)}.")
    gpipe, one_f, interleaved = view.runs
    notes = []
    if gpipe is not None and one_f is not None and one_f.peak_activations[0] < gpipe.peak_activations[0]:
        notes.append(f"1F1B holds {one_f.peak_activations[0]:.3g} micro-batches' activations at once where GPipe "
                     f"holds {gpipe.peak_activations[0]:.3g}")
    if one_f is not None and interleaved is not None and interleaved.bubble_fraction < one_f.bubble_fraction:
        notes.append(f"interleaving cuts the bubble from {one_f.bubble_fraction:.1%} to "
                     f"{interleaved.bubble_fraction:.1%}")
    return text + (f" Notice that {' and '.join(notes)}." if notes else "")


SCHEDULE_TITLES = ("GPipe", "1F1B", "interleaved 1F1B")


class PipelineTimeline(LessonWidget):
    """The timeline of every device under GPipe, 1F1B and interleaved 1F1B, with the bubble measured and predicted.

    Controls: ``stages`` p, ``microbatches`` m, ``interleave`` v (model chunks per device, interleaved panel only)
    and ``slow_stage`` (how much slower the last stage is than the others; 1 = balanced). Forward passes are blue,
    backward passes orange and hatched (one time unit forward, two backward per stage); white gaps are the bubble.
    """

    def __init__(self, *, stages: int = 4, microbatches: int = 8, interleave: int = 2, slow_stage: float = 1.0):
        self.view: TimelineView | None = None
        super().__init__(stages=stages, microbatches=microbatches, interleave=interleave, slow_stage=slow_stage)

    def build_controls(self):
        return {
            "stages": widgets.IntSlider(min=2, max=8, description="stages (p)", style=_STYLE, layout=_layout()),
            "microbatches": widgets.IntSlider(min=1, max=24, description="micro-batches (m)", style=_STYLE,
                                              layout=_layout()),
            "interleave": widgets.IntSlider(min=2, max=4, description="chunks per device (v)", style=_STYLE,
                                            layout=_layout()),
            "slow_stage": widgets.FloatSlider(min=1.0, max=2.0, step=0.1, description="last stage slower ×",
                                              style=_STYLE, layout=_layout()),
        }

    def build_figure(self):
        figure, axes = new_figure(1, 3, width=11.5, height=6.4)
        self.blocks, self.panel_notes = [], []   # (self.notes is the base class's caution line)
        self.backward_hatches, self.chunk_hatches = [], []
        for ax, title in zip(axes, SCHEDULE_TITLES):
            blocks = PolyCollection([], edgecolors="white", linewidths=0.4)
            ax.add_collection(blocks)
            self.blocks.append(blocks)
            # hatches laid over the blocks, so that forward, backward and later chunks differ in more than colour
            for hatches, hatch in ((self.backward_hatches, BACKWARD_HATCH), (self.chunk_hatches, LATER_CHUNK_HATCH)):
                overlay = PolyCollection([], facecolors="none", edgecolors="0.2", linewidths=0.0, hatch=hatch)
                ax.add_collection(overlay)
                hatches.append(overlay)
            ax.set(ylabel="device", title=title)
            ax.title.set_fontsize(9.5)
            ax.grid(False)
            self.panel_notes.append(ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center",
                                      fontsize=9, color=PALETTE[3], wrap=True))
        axes[-1].set_xlabel("time (units of one stage's forward pass; a backward pass takes 2)")
        handles = [Patch(facecolor=PALETTE[0], edgecolor="0.2", lw=0, label="forward"),
                   Patch(facecolor=PALETTE[1], edgecolor="0.2", lw=0, hatch=BACKWARD_HATCH, label="backward"),
                   Patch(fill=False, edgecolor="0.6", label="idle (bubble)"),
                   Patch(facecolor=(*to_rgb(PALETTE[0]), 0.65), edgecolor="0.2", lw=0, hatch=LATER_CHUNK_HATCH,
                         label="second chunk (interleaved)")]
        figure.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=9)
        for ax in axes:
            self.animate(ax.title)
        self.animate(*self.blocks, *self.backward_hatches, *self.chunk_hatches, *self.panel_notes)
        return figure, axes

    def draw(self, stages, microbatches, interleave, slow_stage):
        view = timeline_view(stages, microbatches, interleave, slow_stage)
        self.view = view
        longest = max(run.makespan for run in view.runs if run is not None)
        right = _nice_ceiling(longest * 1.02)
        if self.axes[0].get_xlim()[1] != right or self.axes[0].get_ylim()[0] != stages - 0.5:
            for ax in self.axes:   # axes are static (in the background): redraw them only when they change
                ax.set_xlim(0, right)
                ax.set_ylim(stages - 0.5, -0.5)
                ax.set_yticks(range(stages))
            self.invalidate()
        for ax, blocks, backward, later, note, run, title in zip(self.axes, self.blocks, self.backward_hatches,
                                                                 self.chunk_hatches, self.panel_notes, view.runs,
                                                                 SCHEDULE_TITLES):
            if run is None:
                blocks.set_verts([])
                backward.set_verts([])
                later.set_verts([])
                note.set_text(f"cannot run: {view.problem}")
                ax.set_title(title)
                continue
            note.set_text("")
            top, bottom = run.device - 0.4, run.device + 0.4
            verts = np.stack([np.column_stack([run.start, top]), np.column_stack([run.end, top]),
                              np.column_stack([run.end, bottom]), np.column_stack([run.start, bottom])], axis=1)
            blocks.set_verts(verts)
            backward.set_verts(verts[~np.asarray(run.is_forward, dtype=bool)])
            later.set_verts(verts[np.asarray(run.chunk) > 0])
            shade = 1.0 - 0.35 * run.chunk / max(1, run.interleave - 1) * (run.interleave > 1)
            colours = np.where(run.is_forward[:, None], np.array([[0.0, 0.447, 0.698]]),
                               np.array([[0.902, 0.624, 0.0]]))
            blocks.set_facecolors(np.column_stack([colours, shade]))
            chunks = run.interleave
            formula = pipeline_bubble(stages, microbatches, interleave=chunks)
            ax.set_title(f"{title}{f' (v = {chunks})' if chunks > 1 else ''}: bubble {run.bubble_fraction:.1%} "
                         f"measured, {'(p-1)/(v·m)' if chunks > 1 else '(p-1)/m'} = {formula:.1%}; "
                         f"step {run.makespan:.1f}; "
                         f"device 0 holds {run.peak_activations[0]:.3g} "
                         f"micro-batch{'' if run.peak_activations[0] == 1 else 'es'}")
        describe(self.figure, _timeline_text(view, stages, microbatches, slow_stage))


WIDGETS = (RooflineExplorer, ClusterPlanner, PipelineTimeline)
