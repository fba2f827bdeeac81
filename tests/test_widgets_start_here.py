"""Tests of lesson 00's widget, the model map (scalingedu.widgets.start_here); the widget machinery itself is tested
in test_widget_base.py."""
from __future__ import annotations

import matplotlib.colors as mcolors
import numpy as np
import pytest

from scalingedu.data import MODELS, model
from scalingedu.formatting import sci
from scalingedu.plotting import description
from scalingedu.widgets.start_here import (
    CAUTION_FACTOR,
    FAMILY_STYLES,
    PUBLISHED_RANGES,
    YOURS_COLOUR,
    ModelMap,
)


@pytest.fixture
def model_map():
    return ModelMap()


def test_the_published_ranges_are_those_of_the_models_on_the_map():
    shown = [r for r in MODELS if r.tokens is not None]
    ratios = [r.tokens / (r.active_params or r.params) for r in shown]
    assert PUBLISHED_RANGES["tokens_per_param"] == (pytest.approx(min(ratios)), pytest.approx(max(ratios)))
    assert PUBLISHED_RANGES["params"][1] == max(r.active_params or r.params for r in shown)


def test_the_default_state_and_real_models_have_no_caution(model_map):
    assert model_map.cautions == [] and model_map.notes.layout.display == "none"
    for name in ("GPT-3 Small", "GPT-3 175B", "Llama 3 8B", "DeepSeek-V3"):
        record = model(name)
        model_map.update(params=record.active_params or record.params, tokens=record.tokens)
        assert model_map.cautions == [], name


@pytest.mark.parametrize("params, tokens, words", [
    (1e6, 1e14, ["100M tokens per parameter", "span 1.07 to 2.4k"]),      # far more tokens per parameter
    (1e13, 1e8, ["1.0e-5 tokens per parameter", "10T parameters"]),        # far fewer, and a size no one trained
])
def test_a_model_far_outside_the_published_span_gets_a_caution(model_map, params, tokens, words):
    model_map.update(params=params, tokens=tokens)
    assert model_map.error is None
    text = " ".join(model_map.cautions)
    for word in words:
        assert word in text
    assert f"{CAUTION_FACTOR:g}×" in text and "Outside the fitted range" in model_map.notes.value


def test_small_models_on_few_tokens_are_not_cautioned(model_map):
    model_map.update(params=1e6, tokens=1e8)           # 100 tokens per parameter: small, but nothing unusual
    assert model_map.cautions == []


def test_the_caption_formats_tokens_per_parameter_for_a_reader(model_map):
    model_map.update(params=1e6, tokens=1e14)
    caption = model_map.caption.get_text()
    assert "100M tokens per parameter" in caption and "e+" not in caption.split("compute")[0]


def test_the_caption_sits_beside_the_map_so_it_never_hides_the_star(model_map):
    ax, side = model_map.axes
    assert model_map.caption.axes is side and model_map.yours.axes is ax
    model_map.update(params=1e6, tokens=1e14)          # the upper-left corner, where the caption box used to be
    assert list(model_map.yours.get_offsets()[0]) == [1e6, 1e14]


def test_your_star_has_a_colour_no_family_uses_and_chinchilla_is_drawn_above_llama_65b(model_map):
    star = mcolors.to_hex(model_map.yours.get_facecolor()[0])
    assert star == mcolors.to_hex(YOURS_COLOUR)
    assert all(mcolors.to_hex(colour) != star for colour, _ in FAMILY_STYLES.values())
    ax = model_map.axes[0]
    orders = {c.get_label(): c.get_zorder() for c in ax.collections if c.get_label() in ("Chinchilla", "LLaMA")}
    assert orders["Chinchilla"] > orders["LLaMA"]


def test_the_iso_flop_labels_use_powers_of_ten_inside_the_axes(model_map):
    ax = model_map.axes[0]
    labels = [t for t in ax.texts if "FLOPs" in t.get_text()]
    assert len(labels) == 5 and all("e2" not in t.get_text() and "10^{" in t.get_text() for t in labels)
    for text in labels:
        x, y = text.get_position()
        assert ax.get_xlim()[0] < x < ax.get_xlim()[1] and ax.get_ylim()[0] < y < ax.get_ylim()[1]
        exponent = int(text.get_text().split("{")[1].split("}")[0])
        assert 6 * x * y == pytest.approx(10.0 ** exponent)      # each label sits on its own line C = 6ND
    assert np.isfinite([t.get_position() for t in labels]).all()


def test_the_description_follows_your_model_and_is_the_pictures_alt_text(model_map):
    text = description(model_map.figure)
    assert "Training tokens D (log scale) against parameters N (log scale" in text
    assert f"{len([r for r in MODELS if r.tokens is not None])} published models" in text
    assert "1B parameters and 20B tokens: 20 tokens per parameter, 1.20e20 FLOPs (1.39 PF-days" in text
    model_map.update(params=7e10, tokens=1.4e12)                       # Chinchilla's size and tokens
    text = description(model_map.figure)
    assert f"70B parameters and 1.4T tokens: 20 tokens per parameter, {sci(6 * 7e10 * 1.4e12)} FLOPs" in text
    bundle, metadata = model_map._repr_mimebundle_()
    assert metadata["image/png"]["alt"] == text and "image/png" in bundle
