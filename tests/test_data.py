"""Tests of scalingedu.data, the reference tables: every record sourced and sane, lookups helpful.

Figures typed in this file are transcriptions of the published sources (named beside them, as listed in
shared/reference/facts.md) to check the library's tables against; the lessons import the tables, not these.
"""
import ast
import importlib
import math
import pkgutil
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

import pytest

from scalingedu import data
from scalingedu.data import (
    ACCELERATORS,
    GPT3_PF_DAYS,
    MODELS,
    Accelerator,
    ModelRecord,
    PublishedConstants,
    TransformerShape,
    accelerator,
    model,
)

ALL_CONSTANTS = {
    "KAPLAN_2020_PARAMS_LAW": data.KAPLAN_2020_PARAMS_LAW,
    "KAPLAN_2020_DATA_LAW": data.KAPLAN_2020_DATA_LAW,
    "KAPLAN_2020_COMPUTE_LAW": data.KAPLAN_2020_COMPUTE_LAW,
    "HOFFMANN_2022_FIT": data.HOFFMANN_2022_FIT,
    "CHINCHILLA_TOKENS_PER_PARAM": data.CHINCHILLA_TOKENS_PER_PARAM,
}


@pytest.mark.parametrize("record", MODELS, ids=lambda r: r.name)
def test_every_model_record_is_sourced_and_sane(record):
    assert record.sources and all(isinstance(s, str) and s.strip() for s in record.sources)
    assert record.params > 0 and math.isfinite(record.params)
    assert record.family and record.name
    for field in ("tokens", "training_flops", "gpu_hours", "active_params"):
        value = getattr(record, field)
        assert value is None or (value > 0 and math.isfinite(value)), field
    if record.active_params is not None:
        assert record.active_params < record.params  # Mixture-of-Experts: only part of the model runs per token
    if record.gpu_hours is not None:
        # the chip resolves to a record with a peak, so implied_mfu can use it
        assert accelerator(record.accelerator).peak_flops_per_second > 1e14
    else:
        assert record.accelerator is None


def test_model_names_are_unique_ignoring_case():
    names = [record.name.lower() for record in MODELS]
    assert len(names) == len(set(names))


def test_model_lookup_is_case_insensitive():
    assert model("chinchilla") is model("Chinchilla") is model("CHINCHILLA")
    assert model("gpt-3 175b").params == 174.6e9


def test_unknown_model_lists_every_known_model():
    with pytest.raises(ValueError) as info:
        model("GPT-4")
    message = str(info.value)
    assert "GPT-4" in message
    assert all(record.name in message for record in MODELS)


@pytest.mark.parametrize("bad", [None, 175, b"Chinchilla", ["Chinchilla"]])
def test_model_lookup_wants_a_string(bad):
    with pytest.raises(TypeError, match="name"):
        model(bad)


def test_gpt3_table_d1_transcription():
    """GPT-3 paper (Brown et al. 2020), Table D.1 as transcribed in facts.md §4: (params, PF-days, FLOPs), all
    trained on 300B tokens. Exact equality: the library must store the printed values."""
    table_d1 = {
        "GPT-3 Small": (125e6, 2.60, 2.25e20), "GPT-3 Medium": (356e6, 7.42, 6.41e20),
        "GPT-3 Large": (760e6, 15.8, 1.37e21), "GPT-3 XL": (1320e6, 27.5, 2.38e21),
        "GPT-3 2.7B": (2650e6, 55.2, 4.77e21), "GPT-3 6.7B": (6660e6, 139, 1.20e22),
        "GPT-3 13B": (12850e6, 268, 2.31e22), "GPT-3 175B": (174600e6, 3.64e3, 3.14e23),
    }
    gpt3 = {record.name: record for record in MODELS if record.family == "GPT-3"}
    assert set(gpt3) == set(table_d1) == set(GPT3_PF_DAYS)
    for name, (params, pf, flops) in table_d1.items():
        record = gpt3[name]
        assert record.params == pytest.approx(params, rel=1e-12), name
        assert record.tokens == 300e9, name
        assert record.training_flops == flops, name
        assert GPT3_PF_DAYS[name] == pf, name
        assert any("Table D.1" in source for source in record.sources)


def test_other_published_model_figures():
    """Transcriptions: Chinchilla paper Table 1 (Gopher 280B/300B, Chinchilla 70B/1.4T) and Fig. 2 budget
    5.76e23; LLaMA Table 2; Llama 2 and Llama 3 model cards (GPU hours); DeepSeek-V3 README; Mixtral."""
    expected = {  # name: (params, tokens, gpu_hours, active_params)
        "Gopher": (280e9, 300e9, None, None), "Chinchilla": (70e9, 1.4e12, None, None),
        "LLaMA 7B": (6.7e9, 1.0e12, None, None), "LLaMA 13B": (13.0e9, 1.0e12, None, None),
        "LLaMA 33B": (32.5e9, 1.4e12, None, None), "LLaMA 65B": (65.2e9, 1.4e12, None, None),
        "Llama 2 7B": (7e9, 2.0e12, 184_320, None), "Llama 2 13B": (13e9, 2.0e12, 368_640, None),
        "Llama 2 70B": (70e9, 2.0e12, 1_720_320, None),
        "Llama 3 8B": (8e9, 15e12, 1.3e6, None), "Llama 3 70B": (70e9, 15e12, 6.4e6, None),
        "Mixtral 8x7B": (46.7e9, None, None, 12.9e9), "DeepSeek-V3": (671e9, 14.8e12, 2.788e6, 37e9),
    }
    for name, figures in expected.items():
        record = model(name)
        assert (record.params, record.tokens, record.gpu_hours, record.active_params) == figures, name
    assert model("Gopher").training_flops == model("Chinchilla").training_flops == 5.76e23
    assert model("Llama 2 70B").accelerator == "A100" and model("Llama 3 70B").accelerator == "H100"
    assert model("DeepSeek-V3").accelerator == "H800"


def test_tokens_per_param():
    """Chinchilla: 1.4T tokens / 70B params = 20 (Hoffmann et al. 2022, Table 1), the rule of thumb stored in
    CHINCHILLA_TOKENS_PER_PARAM. MoE models count tokens per *active* parameter; unknown tokens give None."""
    rule = data.CHINCHILLA_TOKENS_PER_PARAM["tokens_per_param"]
    assert model("Chinchilla").tokens_per_param == pytest.approx(rule, rel=1e-12)
    assert rule == 20.0
    assert model("GPT-3 175B").tokens_per_param == pytest.approx(300e9 / 174.6e9)  # ≈ 1.7: "undertrained"
    assert model("DeepSeek-V3").tokens_per_param == pytest.approx(14.8e12 / 37e9)  # per active parameter
    assert model("Mixtral 8x7B").tokens_per_param is None


@pytest.mark.parametrize("key", sorted(ACCELERATORS))
def test_every_accelerator_is_sourced_and_positive(key):
    chip = ACCELERATORS[key]
    assert chip.source.strip() and chip.name.strip()
    assert chip.peak_flops_per_second > 0 and math.isfinite(chip.peak_flops_per_second)
    assert chip.memory_bytes > 0
    assert chip.memory_bandwidth_bytes_per_second is None or chip.memory_bandwidth_bytes_per_second > 0
    # dense bf16 peaks: 1e14-1e15 FLOP/s up to Hopper, 2-3e15 for Blackwell; a sparse or FP8 figure in the bf16
    # field would be twice the dense bf16 one, so the FP8 peak (where given) must be exactly twice it
    assert 1e14 < chip.peak_flops_per_second < 3e15
    if chip.fp8_peak_flops_per_second is not None:
        assert chip.fp8_peak_flops_per_second == pytest.approx(2 * chip.peak_flops_per_second, rel=0.01)
    assert accelerator(key.lower()) is chip


def test_h100_is_the_dense_bf16_figure_not_the_sparse_one():
    """jax-ml/scaling-book: roofline.md: H100 SXM ≈ 9.89e14 bf16 FLOP/s dense; NVIDIA's 1.979e15 is "with
    sparsity" (twice the dense figure). HBM bandwidth 3.35 TB/s from the same page."""
    h100 = accelerator("H100")
    assert h100.peak_flops_per_second == pytest.approx(9.89e14, rel=0.005)
    assert h100.peak_flops_per_second < 1.979e15 / 1.5
    assert h100.memory_bandwidth_bytes_per_second == pytest.approx(3.35e12)
    assert "sparsity" in h100.note


HBM_LABELS_GIB = {"A100": 80, "H100": 80, "H800": 80, "H200": 141, "B200": 180, "GB200": 186, "TPU v4": 32,
                  "TPU v5p": 95}
"""Each part's HBM label: NVIDIA's "80GB", "141GB", "180GB", "186GB", Google's "32 GiB" (TPU v4) and "95GB" (v5p)."""


def test_every_hbm_capacity_is_its_label_in_binary_gib():
    """Vendors' "GB" on HBM are binary (nvidia-smi reports 81,920 MiB = 80 × 2**30 bytes on an A100 80GB), so each
    part holds its label × 2**30 bytes, not × 1e9 (7.4% less): the review's units finding (E6). One unit for all,
    TPU v4 included, and the display names say GiB."""
    assert set(HBM_LABELS_GIB) == set(ACCELERATORS)
    for key, label in HBM_LABELS_GIB.items():
        chip = ACCELERATORS[key]
        assert chip.memory_bytes == label * 2**30, key
        assert "GB)" not in chip.name and (key.startswith("TPU") or f"{label} GiB" in chip.name), chip.name
    assert accelerator("A100").memory_bytes == 81_920 * 2**20 == pytest.approx(85.9e9, rel=1e-3)


def test_a100_peak_is_nanogpts_312_tflops():
    """karpathy/nanoGPT: model.py estimate_mfu: "A100 GPU bfloat16 peak flops is 312 TFLOPS"."""
    assert accelerator("A100").peak_flops_per_second == 312e12


def test_unknown_accelerator_lists_the_valid_ones():
    with pytest.raises(ValueError) as info:
        accelerator("B9000")
    assert "B9000" in str(info.value)
    assert all(key in str(info.value) for key in ACCELERATORS)
    for bad in (None, 312e12, ["H100"]):
        with pytest.raises(TypeError, match="accelerator"):
            accelerator(bad)


def test_tables_are_read_only():
    with pytest.raises(TypeError):
        ACCELERATORS["B9000"] = ACCELERATORS["H100"]
    with pytest.raises(TypeError):
        GPT3_PF_DAYS["GPT-3 175B"] = 1.0
    with pytest.raises(TypeError):
        data.HOFFMANN_2022_FIT.values["E"] = 2.0
    with pytest.raises(AttributeError):
        model("Chinchilla").params = 1.0


CITATION = re.compile(r"\b(19|20)\d\d\b|arXiv|paper|README|documentation|product page|Table|Eq\.|§|\w/\w", re.I)
"""What a source must mention to be findable: a year, an arXiv id, a paper, table, equation or section, a
repository path, or a vendor's documentation page."""


@pytest.mark.parametrize("name", ALL_CONSTANTS)
def test_published_constants_are_sourced_and_finite(name):
    constants = ALL_CONSTANTS[name]
    assert CITATION.search(constants.source), f"{name}'s source names nothing a reader could look up"
    assert constants.values
    assert all(isinstance(value, float) and math.isfinite(value) and value > 0 for value in constants.values.values())


def test_published_constant_values():
    """Transcriptions: Kaplan et al. 2020 Eq. 1.1–1.3; Hoffmann et al. 2022 Eq. 10."""
    assert dict(data.KAPLAN_2020_PARAMS_LAW.values) == {"alpha_N": 0.076, "N_c": 8.8e13}
    assert dict(data.KAPLAN_2020_DATA_LAW.values) == {"alpha_D": 0.095, "D_c": 5.4e13}
    assert dict(data.KAPLAN_2020_COMPUTE_LAW.values) == {"alpha_C": 0.050, "C_c_pf_days": 3.1e8}
    assert dict(data.HOFFMANN_2022_FIT.values) == {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}
    assert data.HOFFMANN_2022_FIT["E"] == 1.69
    with pytest.raises(KeyError):
        data.HOFFMANN_2022_FIT["gamma"]


# --- the package: every public record names its source, one module per source ---------------------

PUBLIC_CONSTANTS = [name for name in data.__all__ if not callable(getattr(data, name))]
DATA_MODULES = sorted(info.name for info in pkgutil.iter_modules(data.__path__))


def _attribute_docstrings() -> dict[str, str]:
    """The docstring under each module-level assignment of scalingedu.data's modules, by name."""
    docstrings = {}
    for path in Path(data.__file__).parent.glob("*.py"):
        body = ast.parse(path.read_text(encoding="utf-8")).body
        for node, following in zip(body, body[1:]):
            documented = (isinstance(following, ast.Expr)
                          and isinstance(following.value, ast.Constant)
                          and isinstance(following.value.value, str))
            if not (documented and isinstance(node, (ast.Assign, ast.AnnAssign))):
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    docstrings[target.id] = following.value.value
    return docstrings


ATTRIBUTE_DOCSTRINGS = _attribute_docstrings()


def _citations(record) -> list[str] | None:
    """The sources a record carries; None for a plain number (its docstring names the source)."""
    if isinstance(record, (PublishedConstants, Accelerator)):
        return [record.source]
    if isinstance(record, (ModelRecord, TransformerShape)):
        return list(record.sources)
    if isinstance(record, Mapping) and "source" in record:      # the shapes of MOE_ARCHITECTURES
        return [record["source"]]
    return None


@pytest.mark.parametrize("name", PUBLIC_CONSTANTS)
def test_every_public_record_names_its_source(name):
    """A record, or every record of a tuple or lookup table, carries a non-empty source; a plain
    number, or a table of plain numbers, has a docstring that names it."""
    value = getattr(data, name)
    if isinstance(value, tuple):
        records = list(value)
    elif isinstance(value, Mapping):
        records = list(value.values())
    else:
        records = [value]
    citations = [_citations(record) for record in records]
    assert records
    if all(found is not None for found in citations):
        for found in citations:
            assert found and all(isinstance(s, str) and CITATION.search(s) for s in found), name
    else:
        docstring = ATTRIBUTE_DOCSTRINGS.get(name, "")
        assert CITATION.search(docstring), f"{name} needs a docstring naming its source"


def test_all_lists_every_public_name_once():
    public = {name for name, value in vars(data).items()
              if not name.startswith("_") and not isinstance(value, ModuleType)}
    assert public - {"annotations"} == set(data.__all__)
    assert len(data.__all__) == len(set(data.__all__))


@pytest.mark.parametrize("name", DATA_MODULES)
def test_every_module_names_its_sources_and_is_on_the_map(name):
    module = importlib.import_module(f"scalingedu.data.{name}")
    assert module.__doc__ and module.__doc__.strip()
    assert f"scalingedu.data.{name}`" in data.__doc__      # the package docstring maps topics to it


def test_the_data_depend_on_nothing_else_in_the_library():
    """scalingedu.transformer imports the data (and TransformerShape from data.records), never the
    reverse: importing the data loads no other part of the library."""
    code = "import sys, scalingedu.data; print(' '.join(sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.split()
    ours = {m for m in loaded if m.startswith("scalingedu")}
    outside = {m for m in ours if not m.startswith("scalingedu.data")}
    assert outside <= {"scalingedu", "scalingedu._validate", "scalingedu._text"}, outside


def test_published_constants_need_a_source_and_are_read_only():
    with pytest.raises(ValueError, match="source"):
        PublishedConstants({"alpha": 0.3}, source=" ")
    with pytest.raises(TypeError, match="mapping"):
        PublishedConstants([("alpha", 0.3)], source="somewhere")
    given = {"alpha": 0.3}
    constants = PublishedConstants(given, source="somewhere")
    given["alpha"] = 1.0                                          # a copy is kept
    assert constants["alpha"] == 0.3
    with pytest.raises(TypeError):
        constants.values["alpha"] = 1.0


def test_single_published_figures_stay_plain_numbers():
    """Lessons compute with these directly (e.g. ``GOPHER_BUDGET_FLOPS / 6``)."""
    budget = data.GOPHER_BUDGET_FLOPS
    assert budget == model("Gopher").training_flops == model("Chinchilla").training_flops == 5.76e23
    assert data.PF_DAY_FLOPS == 8.64e19
    assert data.DEEPSEEK_V3_PRETRAINING_GPU_HOURS == 2.664e6 < model("DeepSeek-V3").gpu_hours
    assert data.GSHARD_TOP_K == 2 and isinstance(data.GSHARD_TOP_K, int)


def test_moe_shapes_point_at_the_records_with_their_published_sizes():
    assert "MODELS['Mixtral 8x7B']" in data.MOE_ARCHITECTURES["mixtral-8x7b"]["note"]
    assert "MODELS['DeepSeek-V3']" in data.MOE_ARCHITECTURES["deepseek-v3"]["note"]
    assert set(data.MOE_ARCHITECTURES) == {"switch-base-like", "mixtral-8x7b", "deepseek-v3"}
