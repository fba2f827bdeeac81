"""Widgets of lesson 00 (start here): place your own model on the map of real training runs."""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from ..compute import FLOPS_PER_PARAM_TOKEN, pf_days, training_flops, training_time
from ..data import CHINCHILLA_TOKENS_PER_PARAM, MODELS, model
from ..formatting import duration, human, sci
from ..formatting import pf_days as pf_days_text
from ..plotting import PALETTE, new_figure
from .base import LessonWidget, log_slider

ISO_FLOP_LINES = (1e18, 1e20, 1e22, 1e24, 1e26)
PARAMS_RANGE = (1e6, 1e13)
TOKENS_RANGE = (1e8, 1e14)
FAMILY_COLOURS = {"GPT-3": PALETTE[0], "Gopher": PALETTE[3], "Chinchilla": PALETTE[2], "LLaMA": PALETTE[4],
                  "Llama 2": PALETTE[5], "Llama 3": PALETTE[1], "Mixtral": PALETTE[7], "DeepSeek": PALETTE[7]}
REFERENCE_CHIP, REFERENCE_COUNT, REFERENCE_MFU = "H100", 1024, 0.4


class ModelMap(LessonWidget):
    """Parameters against training tokens for real models, with lines of equal compute (6ND) and your model.

    Move the two sliders to place a model; the caption gives its training compute in FLOPs and PF-days, how it
    compares with GPT-3 175B, its tokens per parameter against Chinchilla's ~20, and how long it would train on
    1,024 H100s at 40% MFU. Mixture-of-Experts models are placed at their active parameters.
    """

    def build_controls(self):
        style = {"description_width": "110px"}
        layout = widgets.Layout(width="480px")
        return {
            "params": log_slider("parameters N", 6, 13, 0.05, value=1e9, style=style, layout=layout),
            "tokens": log_slider("tokens D", 8, 14, 0.05, value=2e10, style=style, layout=layout),
        }

    def build_figure(self):
        figure, ax = new_figure(width=8.0, height=4.6)
        ax.set(xscale="log", yscale="log", xlim=PARAMS_RANGE, ylim=TOKENS_RANGE,
               xlabel="parameters N (active parameters for MoE)", ylabel="training tokens D",
               title="Where would your model sit? Lines of equal training compute C = 6ND")
        params_grid = np.geomspace(*PARAMS_RANGE, 50)
        ratio = CHINCHILLA_TOKENS_PER_PARAM["tokens_per_param"]
        six = FLOPS_PER_PARAM_TOKEN
        for flops in ISO_FLOP_LINES:
            ax.plot(params_grid, flops / (six * params_grid), color="0.75", lw=1, ls="--", zorder=1)
            # where the line crosses the D = ratio·N line, inside the axes
            label_params = np.sqrt(flops / six / ratio)
            at = label_params * 0.35
            ax.annotate(f"{sci(flops, 1)} FLOPs", (at, flops / (six * at)), color="0.45",
                        fontsize=8, rotation=-33, rotation_mode="anchor")
        ax.plot(params_grid, ratio * params_grid, color=PALETTE[2], lw=1.2, alpha=0.8, zorder=1,
                label=f"{ratio:g} tokens per parameter (Chinchilla rule of thumb)")
        seen = set()
        for record in MODELS:
            if record.tokens is None:
                continue
            family = record.family
            ax.scatter(record.active_params or record.params, record.tokens, s=28, zorder=3,
                       color=FAMILY_COLOURS.get(family, PALETTE[7]),
                       marker="D" if record.active_params else "o",
                       label=None if family in seen else family)
            seen.add(family)
        for name, offset in (("GPT-3 175B", (5, -10)), ("Chinchilla", (5, -10)), ("Llama 3 70B", (6, -3)),
                             ("DeepSeek-V3", (-30, -15))):
            record = model(name)
            ax.annotate(name, (record.active_params or record.params, record.tokens), xytext=offset,
                        textcoords="offset points", fontsize=8)
        self.yours = self.animate(ax.scatter([1e9], [2e10], s=220, marker="*", color=PALETTE[3], edgecolor="black",
                                             zorder=5, label="your model"))
        self.caption = self.animate(ax.text(0.01, 0.99, "", transform=ax.transAxes, va="top", fontsize=9,
                                            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "0.8"}))
        ax.legend(loc="lower right", fontsize=8)
        return figure, ax

    def draw(self, params, tokens):
        flops = training_flops(params, tokens)
        gpt3 = model("GPT-3 175B")
        run = training_time(flops, REFERENCE_CHIP, REFERENCE_COUNT, REFERENCE_MFU)
        self.yours.set_offsets([[params, tokens]])
        self.caption.set_text(
            f"your model: {human(params, 'parameters')}, {human(tokens, 'tokens')}\n"
            f"compute 6ND = {flops:.3g} FLOPs = {pf_days_text(pf_days(flops))}\n"
            f"= {flops / gpt3.training_flops:.3g} x GPT-3 175B;  {tokens / params:.3g} tokens per parameter\n"
            f"{duration(run.seconds)} on {REFERENCE_COUNT:,} {REFERENCE_CHIP}s at {REFERENCE_MFU:.0%} MFU")


WIDGETS = (ModelMap,)
