"""Widgets of lesson 00 (start here): place your own model on the map of real training runs."""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..compute import FLOPS_PER_PARAM_TOKEN, pf_days, training_flops, training_time
from ..data import CHINCHILLA_TOKENS_PER_PARAM, MODELS, model
from ..formatting import duration, human, sci
from ..formatting import pf_days as pf_days_text
from ..plotting import PALETTE, describe, new_figure
from .base import LessonWidget, log_slider

ISO_FLOP_LINES = (1e18, 1e20, 1e22, 1e24, 1e26)
PARAMS_RANGE = (1e6, 1e13)
TOKENS_RANGE = (1e8, 1e14)
FAMILY_STYLES = {"GPT-3": (PALETTE[0], "o"), "Gopher": (PALETTE[3], "s"), "Chinchilla": (PALETTE[2], "P"),
                 "LLaMA": (PALETTE[4], "v"), "Llama 2": (PALETTE[5], "^"), "Llama 3": (PALETTE[1], "D"),
                 "Mixtral": (PALETTE[7], "X"), "DeepSeek": (PALETTE[7], "X")}
"""Colour and marker of each family: a colour and a shape, so that no two families differ by colour alone."""
OTHER_STYLE = ("0.5", "o")
YOURS_COLOUR = PALETTE[6]
"""The star is yellow with a black edge: no family of the map uses yellow."""
FRONT_FAMILIES = ("Chinchilla",)
"""Families drawn above the others (Chinchilla's 70B, 1.4T sits on LLaMA 65B's 65.2B, 1.4T)."""
REFERENCE_CHIP, REFERENCE_COUNT, REFERENCE_MFU = "H100", 1024, 0.4
LABEL_TOKENS_PER_PARAM = 1e4
"""Where the iso-FLOP labels sit: at this many tokens per parameter, far above every model of the map."""


def _published(records=MODELS):
    """The models of the map: those with published tokens, at their active parameters (Mixture-of-Experts)."""
    return [(r, r.active_params or r.params, r.tokens) for r in records if r.tokens is not None]


def published_ranges(records=MODELS) -> dict[str, tuple[float, float]]:
    """The span of the published models on the map (from :data:`scalingedu.data.MODELS`): parameters (active for a
    Mixture-of-Experts model), tokens, tokens per parameter and training compute 6ND."""
    rows = _published(records)
    params = np.array([n for _, n, _ in rows])
    tokens = np.array([d for _, _, d in rows])
    spans = {"params": params, "tokens": tokens, "tokens_per_param": tokens / params,
             "flops": FLOPS_PER_PARAM_TOKEN * params * tokens}
    return {key: (float(values.min()), float(values.max())) for key, values in spans.items()}


PUBLISHED_RANGES = published_ranges()
"""The span of the models on the map; a model outside it gets a caution under the plot."""
CAUTION_FACTOR = 10.0
"""A caution is shown when your model lies more than this factor beyond the published span."""


def _ratio_text(ratio: float) -> str:
    """Tokens per parameter for a reader: '20', '1.07k', '100M', '0.001'."""
    return human(ratio) if ratio >= 0.01 else sci(ratio, 2)


def _label_point(flops: float) -> tuple[float, float]:
    """A point of the iso-FLOP line inside the axes and far from the models: LABEL_TOKENS_PER_PARAM tokens per
    parameter if that lies inside, else the highest ratio that keeps the label clear of the top edge."""
    per_product = flops / FLOPS_PER_PARAM_TOKEN
    ratio = LABEL_TOKENS_PER_PARAM
    top = TOKENS_RANGE[1] / 3                   # keep a third of a decade below the top edge
    params = np.sqrt(per_product / ratio)
    if params * ratio > top:
        params = per_product / top
    return params, per_product / params


class ModelMap(LessonWidget):
    """Parameters against training tokens for real models, with lines of equal compute (6ND) and your model.

    Move the two sliders to place a model; the caption beside the map gives its training compute in FLOPs and
    PF-days, how it compares with GPT-3 175B, its tokens per parameter against Chinchilla's ~20, and how long it
    would train on 1,024 H100s at 40% MFU. Mixture-of-Experts models are placed at their active parameters. A model
    more than ten times beyond the published models' span (size, tokens, tokens per parameter or compute) gets a
    caution under the plot.
    """

    def build_controls(self):
        style = {"description_width": "110px"}
        layout = widgets.Layout(width="480px")
        return {
            "params": log_slider("parameters N", 6, 13, 0.05, value=1e9, style=style, layout=layout),
            "tokens": log_slider("tokens D", 8, 14, 0.05, value=2e10, style=style, layout=layout),
        }

    def build_figure(self):
        figure, (ax, side) = new_figure(2, width=10.5, height=4.8)
        ax.get_subplotspec().get_gridspec().set_width_ratios([2.6, 1.0])
        ax.set(xscale="log", yscale="log", xlim=PARAMS_RANGE, ylim=TOKENS_RANGE,
               xlabel="parameters N (active parameters for MoE)", ylabel="training tokens D (tokens)",
               title="Where would your model sit? Lines of equal training compute C = 6ND")
        params_grid = np.geomspace(*PARAMS_RANGE, 50)
        ratio = CHINCHILLA_TOKENS_PER_PARAM["tokens_per_param"]
        six = FLOPS_PER_PARAM_TOKEN
        for flops in ISO_FLOP_LINES:
            ax.plot(params_grid, flops / (six * params_grid), color="0.75", lw=1, ls="--", zorder=1)
            exponent = int(round(np.log10(flops)))
            ax.text(*_label_point(flops), f"$10^{{{exponent}}}$ FLOPs", color="0.35", fontsize=8.5, ha="center",
                    va="center", zorder=2, bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5})
        ax.plot(params_grid, ratio * params_grid, color=PALETTE[2], lw=1.2, alpha=0.8, zorder=1,
                label=f"{ratio:g} tokens per parameter\n(Chinchilla rule of thumb)")
        seen = set()
        for record, params, tokens in _published():
            family = record.family
            colour, marker = FAMILY_STYLES.get(family, OTHER_STYLE)
            front = family in FRONT_FAMILIES
            ax.scatter(params, tokens, s=60 if front else 30, zorder=4 if front else 3, color=colour, marker=marker,
                       edgecolor="black" if front else "none", linewidth=0.6,
                       label=None if family in seen else family)
            seen.add(family)
        for name, offset in (("GPT-3 175B", (6, -10)), ("Chinchilla", (8, -12)), ("Llama 3 70B", (7, -3)),
                             ("DeepSeek-V3", (-30, -15))):
            record = model(name)
            ax.annotate(name, (record.active_params or record.params, record.tokens), xytext=offset,
                        textcoords="offset points", fontsize=8.5)
        self.yours = self.animate(ax.scatter([1e9], [2e10], s=260, marker="*", color=YOURS_COLOUR, edgecolor="black",
                                             linewidth=1.0, zorder=6, clip_on=False, label="your model"))
        side.set_axis_off()
        handles, labels = ax.get_legend_handles_labels()
        side.legend(handles, labels, loc="upper left", fontsize=8.5, borderaxespad=0.0)
        self.caption = self.animate(side.text(0.0, 0.0, "", transform=side.transAxes, va="bottom", fontsize=9,
                                              linespacing=1.35))
        rows = _published()
        above = sum(tokens / params > ratio for _, params, tokens in rows)
        spans = PUBLISHED_RANGES
        self._map_text = (
            f"Training tokens D (log scale) against parameters N (log scale; active parameters for Mixture-of-Experts "
            f"models) for {len(rows)} published models, each family with its own colour and marker, with dashed "
            f"lines of equal training compute C = 6ND from {sci(ISO_FLOP_LINES[0], 1)} to "
            f"{sci(ISO_FLOP_LINES[-1], 1)} FLOPs and the line of {ratio:g} tokens per parameter (Chinchilla's rule "
            f"of thumb). The published models span {sci(spans['flops'][0], 2)} to {sci(spans['flops'][1], 2)} FLOPs "
            f"and {_ratio_text(spans['tokens_per_param'][0])} to {_ratio_text(spans['tokens_per_param'][1])} tokens "
            f"per parameter; {above} of the {len(rows)} lie above the Chinchilla line, trained on more tokens per "
            f"parameter than it asks.")
        return figure, (ax, side)

    def draw(self, params, tokens):
        flops = training_flops(params, tokens)
        gpt3 = model("GPT-3 175B")
        run = training_time(flops, REFERENCE_CHIP, REFERENCE_COUNT, REFERENCE_MFU)
        self.yours.set_offsets([[params, tokens]])
        self.caption.set_text(
            f"your model:\n{human(params, 'parameters')}, {human(tokens, 'tokens')}\n"
            f"{_ratio_text(tokens / params)} tokens per parameter\n"
            f"compute 6ND = {flops:.3g} FLOPs\n= {pf_days_text(pf_days(flops))}\n"
            f"= {flops / gpt3.training_flops:.3g} × GPT-3 175B\n"
            f"{duration(run.seconds)} on {REFERENCE_COUNT:,} {REFERENCE_CHIP}s\nat {REFERENCE_MFU:.0%} MFU")
        self._cautions(params, tokens, flops)
        describe(self.figure, f"{self._map_text} Your model, a star, sits at {human(params, 'parameters')} and "
                 f"{human(tokens, 'tokens')}: {_ratio_text(tokens / params)} tokens per parameter, "
                 f"{sci(flops)} FLOPs ({pf_days_text(pf_days(flops))}, {flops / gpt3.training_flops:.3g} times "
                 f"GPT-3 175B's compute), {duration(run.seconds)} on {REFERENCE_COUNT:,} {REFERENCE_CHIP}s at "
                 f"{REFERENCE_MFU:.0%} MFU.")

    def _cautions(self, params: float, tokens: float, flops: float) -> None:
        """A caution for each quantity more than CAUTION_FACTOR beyond the published models' span: tokens per
        parameter on either side, size, tokens and compute above (small models are trained all the time)."""
        spans = PUBLISHED_RANGES
        checks = (("{} tokens per parameter", tokens / params, spans["tokens_per_param"], _ratio_text, True),
                  ("{} parameters", params, spans["params"], human, False),
                  ("{} training tokens", tokens, spans["tokens"], human, False),
                  ("{} of training compute", flops, spans["flops"], lambda value: f"{sci(value, 2)} FLOPs", False))
        for template, value, (low, high), text, both_sides in checks:
            if value > CAUTION_FACTOR * high or (both_sides and value < low / CAUTION_FACTOR):
                self.caution(f"{template.format(text(value))}: the published models on this map span "
                             f"{text(low)} to {text(high)}; a model more than {CAUTION_FACTOR:g}× outside that span "
                             f"has no run here to compare it with")


WIDGETS = (ModelMap,)
