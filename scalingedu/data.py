"""Reference data: every published number the course uses, once, with its source.

Lessons, widgets, exercises and tests import these tables; no notebook types a published constant. Each record
names where its figures come from (paper and table or equation, or the authors' repository file). Where a figure
was only seen in secondary quotations, the ``note`` says so, and the lessons repeat that caveat.

Sources (short names used below):

- GPT-3: Brown et al. 2020, "Language Models are Few-Shot Learners", arXiv:2005.14165.
- Kaplan: Kaplan et al. 2020, "Scaling Laws for Neural Language Models", arXiv:2001.08361.
- Chinchilla: Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models", arXiv:2203.15556.
- LLaMA: Touvron et al. 2023, "LLaMA: Open and Efficient Foundation Language Models", arXiv:2302.13971.
- Llama 2 / Llama 3: Meta's model cards, meta-llama/llama: MODEL_CARD.md and meta-llama/llama3: MODEL_CARD.md.
- Mixtral: Jiang et al. 2024, "Mixtral of Experts", arXiv:2401.04088, and Mistral AI's release post.
- DeepSeek-V3: deepseek-ai/DeepSeek-V3: README.md and the technical report, arXiv:2412.19437.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

PF_DAY_FLOPS = 1e15 * 24 * 3600
"""One petaflop/s-day in FLOPs: 8.64e19 (Kaplan et al. 2020, section 1.3 notation)."""


@dataclass(frozen=True)
class ModelRecord:
    """Published training facts of one model. ``None`` means the figure was not published (or not checked).

    ``accelerator`` is a key of :data:`ACCELERATORS` (so ``accelerator(record.accelerator)`` finds the chip).
    """

    name: str
    family: str
    params: float
    tokens: float | None
    training_flops: float | None = None
    gpu_hours: float | None = None
    accelerator: str | None = None
    active_params: float | None = None
    sources: tuple[str, ...] = ()
    note: str = ""

    @property
    def tokens_per_param(self) -> float | None:
        """Training tokens per (active) parameter: Chinchilla's rule of thumb is about 20."""
        if self.tokens is None:
            return None
        return self.tokens / (self.active_params or self.params)


_GPT3 = "GPT-3 paper, Table D.1 (params, training FLOPs) and Table 2.1 (300B tokens for every size)"
_CHIN_T1 = "Chinchilla paper, Table 1 (params, tokens)"
_CHIN_BUDGET = "Chinchilla paper, Fig. 2 and Table 3 (Gopher budget 5.76e23 FLOPs, shared by Chinchilla)"
_LLAMA1 = "LLaMA paper, Table 2 (params, tokens)"
_LLAMA2 = "meta-llama/llama: MODEL_CARD.md (2.0T tokens; A100-80GB GPU hours)"
_LLAMA3 = "meta-llama/llama3: MODEL_CARD.md ('15T+' tokens; H100-80GB GPU hours)"
_MIXTRAL = "Mixtral paper abstract (47B / 13B) and Mistral AI's release post (46.7B total, 12.9B per token)"
_DEEPSEEK = "deepseek-ai/DeepSeek-V3: README.md (671B total, 37B activated, 14.8T tokens, 2.788M H800 GPU hours)"


def _gpt3(name: str, params: float, flops: float) -> ModelRecord:
    return ModelRecord(name, "GPT-3", params, 300e9, training_flops=flops, sources=(_GPT3,))


MODELS: tuple[ModelRecord, ...] = (
    _gpt3("GPT-3 Small", 125e6, 2.25e20),
    _gpt3("GPT-3 Medium", 356e6, 6.41e20),
    _gpt3("GPT-3 Large", 760e6, 1.37e21),
    _gpt3("GPT-3 XL", 1.32e9, 2.38e21),
    _gpt3("GPT-3 2.7B", 2.65e9, 4.77e21),
    _gpt3("GPT-3 6.7B", 6.66e9, 1.20e22),
    _gpt3("GPT-3 13B", 12.85e9, 2.31e22),
    _gpt3("GPT-3 175B", 174.6e9, 3.14e23),
    ModelRecord("Gopher", "Gopher", 280e9, 300e9, training_flops=5.76e23, sources=(_CHIN_T1, _CHIN_BUDGET),
                note="Chinchilla's App. F counts 6.3e23 FLOPs more carefully; 6ND gives 5.04e23."),
    ModelRecord("Chinchilla", "Chinchilla", 70e9, 1.4e12, training_flops=5.76e23, sources=(_CHIN_T1, _CHIN_BUDGET),
                note="Same budget as Gopher by design; 6ND gives 5.88e23."),
    ModelRecord("LLaMA 7B", "LLaMA", 6.7e9, 1.0e12, sources=(_LLAMA1,)),
    ModelRecord("LLaMA 13B", "LLaMA", 13.0e9, 1.0e12, sources=(_LLAMA1,)),
    ModelRecord("LLaMA 33B", "LLaMA", 32.5e9, 1.4e12, sources=(_LLAMA1,)),
    ModelRecord("LLaMA 65B", "LLaMA", 65.2e9, 1.4e12, sources=(_LLAMA1,)),
    ModelRecord("Llama 2 7B", "Llama 2", 7e9, 2.0e12, gpu_hours=184_320, accelerator="A100", sources=(_LLAMA2,)),
    ModelRecord("Llama 2 13B", "Llama 2", 13e9, 2.0e12, gpu_hours=368_640, accelerator="A100",
                sources=(_LLAMA2,)),
    ModelRecord("Llama 2 70B", "Llama 2", 70e9, 2.0e12, gpu_hours=1_720_320, accelerator="A100",
                sources=(_LLAMA2,)),
    ModelRecord("Llama 3 8B", "Llama 3", 8e9, 15e12, gpu_hours=1.3e6, accelerator="H100", sources=(_LLAMA3,),
                note="The model card says '15T+' tokens: 15e12 is a lower bound."),
    ModelRecord("Llama 3 70B", "Llama 3", 70e9, 15e12, gpu_hours=6.4e6, accelerator="H100", sources=(_LLAMA3,),
                note="The model card says '15T+' tokens: 15e12 is a lower bound."),
    ModelRecord("Mixtral 8x7B", "Mixtral", 46.7e9, None, active_params=12.9e9, sources=(_MIXTRAL,),
                note="Mixture-of-Experts, 8 experts, top-2. Training tokens were not published. "
                     "Figures seen in secondary quotations of the paper and post."),
    ModelRecord("DeepSeek-V3", "DeepSeek", 671e9, 14.8e12, gpu_hours=2.788e6, accelerator="H800",
                active_params=37e9, sources=(_DEEPSEEK,),
                note="Mixture-of-Experts. GPU hours cover the full training (pre-training 2.664M); "
                     "the HF checkpoint is 685B with the 14B multi-token-prediction module."),
)
"""Published facts of real models, in rough chronological order."""


def model(name: str) -> ModelRecord:
    """Look up a model of :data:`MODELS` by name (case-insensitive), with a helpful error for unknown names."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a string such as 'Chinchilla', not {type(name).__name__}")
    for record in MODELS:
        if record.name.lower() == name.lower():
            return record
    raise ValueError(f"unknown model {name!r}; known models: {', '.join(r.name for r in MODELS)}")


GPT3_PF_DAYS = MappingProxyType({
    "GPT-3 Small": 2.60, "GPT-3 Medium": 7.42, "GPT-3 Large": 15.8, "GPT-3 XL": 27.5, "GPT-3 2.7B": 55.2,
    "GPT-3 6.7B": 139.0, "GPT-3 13B": 268.0, "GPT-3 175B": 3.64e3,
})
"""Training compute in PF-days as printed in the GPT-3 paper, Table D.1 (to check our conversion against)."""


@dataclass(frozen=True)
class Accelerator:
    """An accelerator's peak dense bf16 throughput and memory, with sources and caveats."""

    name: str
    peak_flops_per_second: float
    memory_bytes: float
    memory_bandwidth_bytes_per_second: float | None
    source: str
    note: str = ""


_GB = 1e9
ACCELERATORS = MappingProxyType({
    "A100": Accelerator(
        "NVIDIA A100 (SXM, 80 GB)", 312e12, 80 * _GB, 2.0e12,
        source="karpathy/nanoGPT: model.py estimate_mfu ('A100 GPU bfloat16 peak flops is 312 TFLOPS'); "
               "NVIDIA A100 datasheet for memory and bandwidth",
        note="Memory bandwidth (about 2.0 TB/s for the 80 GB SXM part) is the datasheet value, not checked here."),
    "H100": Accelerator(
        "NVIDIA H100 (SXM, 80 GB)", 989e12, 80 * _GB, 3.35e12,
        source="jax-ml/scaling-book: roofline.md (9.89e14 bf16 FLOP/s dense, HBM 3.35 TB/s)",
        note="NVIDIA's 1,979 TFLOP/s is 'with sparsity'; the dense figure is half. NVIDIA's sheet not checked here."),
    "H800": Accelerator(
        "NVIDIA H800 (SXM, 80 GB)", 989e12, 80 * _GB, 3.35e12,
        source="China-market H100 variant: same compute as the H100 SXM, reduced interconnect",
        note="Assumed equal to the H100 for dense bf16; secondary information, not checked in a primary text."),
    "H200": Accelerator(
        "NVIDIA H200 (SXM, 141 GB)", 989e12, 141 * _GB, 4.8e12,
        source="NVIDIA H200 product page (same compute as H100 SXM; 141 GB HBM3e at 4.8 TB/s)",
        note="Secondary: not checked against a primary text here."),
    "TPU v4": Accelerator(
        "Google TPU v4", 275e12, 32 * 2**30, 1.2e12,
        source="Google Cloud TPU v4 documentation (275 TFLOP/s bf16, 32 GiB HBM2 per chip)",
        note="Secondary: not checked against a primary text here. PaLM reports 46.2% MFU on 6144 TPU v4 chips."),
    "TPU v5p": Accelerator(
        "Google TPU v5p", 459e12, 95 * _GB, 2.765e12,
        source="Google Cloud TPU v5p documentation (459 TFLOP/s bf16, 95 GB HBM2e per chip)",
        note="Secondary: not checked against a primary text here."),
})
"""Accelerators by short name. Peak figures are dense bf16 (no structured sparsity)."""


def accelerator(name: str) -> Accelerator:
    """Look up an accelerator by short name (case-insensitive), e.g. ``accelerator('H100')``."""
    if not isinstance(name, str):
        raise TypeError(f"accelerator must be a name such as 'H100', not {type(name).__name__}")
    for key, value in ACCELERATORS.items():
        if key.lower() == name.lower():
            return value
    raise ValueError(f"unknown accelerator {name!r}; choose one of: {', '.join(ACCELERATORS)}")


@dataclass(frozen=True)
class PublishedConstants:
    """A set of fitted constants from one paper, with the place they are printed."""

    values: MappingProxyType
    source: str
    note: str = ""

    def __getitem__(self, key: str) -> float:
        return self.values[key]


KAPLAN_2020_PARAMS_LAW = PublishedConstants(
    MappingProxyType({"alpha_N": 0.076, "N_c": 8.8e13}),
    source="Kaplan et al. 2020, Eq. 1.1: L(N) = (N_c / N)^alpha_N, N in non-embedding parameters, L in nats/token",
)
KAPLAN_2020_DATA_LAW = PublishedConstants(
    MappingProxyType({"alpha_D": 0.095, "D_c": 5.4e13}),
    source="Kaplan et al. 2020, Eq. 1.2: L(D) = (D_c / D)^alpha_D, D in tokens",
)
KAPLAN_2020_COMPUTE_LAW = PublishedConstants(
    MappingProxyType({"alpha_C": 0.050, "C_c_pf_days": 3.1e8}),
    source="Kaplan et al. 2020, Eq. 1.3: L(C_min) = (C_c / C_min)^alpha_C, C in PF-days",
)
HOFFMANN_2022_FIT = PublishedConstants(
    MappingProxyType({"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}),
    source="Hoffmann et al. 2022, Eq. 10: L(N, D) = E + A / N^alpha + B / D^beta (Approach 3)",
    note="Besiroglu et al. 2024 refit the same data and found E=1.82, A=482, B=2085, alpha=0.348, beta=0.366.",
)
CHINCHILLA_TOKENS_PER_PARAM = PublishedConstants(
    MappingProxyType({"tokens_per_param": 20.0}),
    source="Rule of thumb read off Hoffmann et al. 2022, Table 3 (1B -> 20.2B tokens; 10B -> 205.1B) and "
           "Chinchilla's own 1.4T / 70B",
    note="The paper's body does not state '20 tokens per parameter' as a rule; it is the community's reading.",
)

# --- added for lesson 01 (power laws) ---------------------------------------------------------------------------
KAPLAN_2020_MODEL_RANGE = PublishedConstants(
    MappingProxyType({"smallest_params": 768.0, "largest_params": 1.5e9}),
    source="Kaplan et al. 2020, abstract and section 1: models from 768 to 1.5 billion non-embedding parameters",
    note="The range over which Eq. 1.1 was measured; beyond it the law is an extrapolation.",
)
KAPLAN_2020_JOINT_LAW = PublishedConstants(
    MappingProxyType({"alpha_N": 0.076, "alpha_D": 0.103, "N_c": 6.4e13, "D_c": 1.8e13}),
    source="Kaplan et al. 2020, Eq. 1.5 / 4.1: L(N, D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D, fit of Table 2",
    note="These differ from the single-variable fits of Eqs. 1.1 and 1.2 (alpha_D 0.095 there); the paper notes it.",
)
KAPLAN_2020_OVERFITTING = PublishedConstants(
    MappingProxyType({"tokens_coefficient": 5e3, "exponent": 0.74}),
    source="Kaplan et al. 2020, Eq. 4.4: D >~ (5 x 10^3) N^0.74 tokens keeps the overfitting penalty small; "
           "0.74 = alpha_N / alpha_D of the Table 2 fit",
)
HOFFMANN_2022_ALLOCATION_EXPONENTS = PublishedConstants(
    MappingProxyType({
        "approach_1_a": 0.50, "approach_1_b": 0.50,
        "approach_2_a": 0.49, "approach_2_b": 0.51,
        "approach_3_a": 0.46, "approach_3_b": 0.54,
        "kaplan_a": 0.73, "kaplan_b": 0.27,
    }),
    source="Hoffmann et al. 2022, Table 2: N_opt ∝ C^a and D_opt ∝ C^b for the three approaches, and Kaplan's values",
    note="Point estimates; Table 2 also gives 10th-90th bootstrap percentiles.",
)

# --- added for lessons 02-04 (compute, Kaplan, Chinchilla) -------------------------------------------------------
KAPLAN_2020_ALLOCATION = PublishedConstants(
    MappingProxyType({"params_coefficient": 1.3e9, "params_exponent": 0.73,
                      "tokens_coefficient": 2e10, "tokens_exponent": 0.27,
                      "batch_coefficient": 2.0e6, "batch_exponent": 0.24,
                      "steps_coefficient": 5.4e3, "steps_exponent": 0.03}),
    source="Kaplan et al. 2020, Table 6 (C_min in PF-days): N_opt = 1.3e9 C^0.73 params, B = 2.0e6 C^0.24 tokens, "
           "S_min = 5.4e3 C^0.03 steps, D_opt = 2e10 C^0.27 tokens (Eqs. 6.1-6.2 give the exponents)",
    note="Table 6's N_opt and D_opt are separate fits: 6 N_opt D_opt is not exactly C (it is about 1.8 C).",
)
HOFFMANN_2022_TEX_FIT = PublishedConstants(
    MappingProxyType({"E": 1.6934, "A": 406.40, "B": 410.72, "alpha": 0.33917084, "beta": 0.2849083}),
    source="Hoffmann et al. 2022, Eq. 10 unrounded, from the paper's TeX source as quoted in Epoch AI's "
           "epoch-research/analyzing-chinchilla data_analysis.ipynb (true_params: a=6.0073404, b=6.0179186, "
           "e=0.5267228, alpha=0.33917084, beta=0.2849083; A=exp(a), B=exp(b), E=exp(e))",
    note="With these values Eq. 4 puts the optimum at Gopher's budget near 40B parameters (Fig. 4 caption).",
)
EPOCH_2024_FIT = PublishedConstants(
    MappingProxyType({"E": 1.817, "A": 482.006, "B": 2085.434, "alpha": 0.3478, "beta": 0.3658}),
    source="Besiroglu, Erdil, Barnett & You 2024, 'Chinchilla Scaling: A replication attempt' (arXiv:2404.10102), "
           "refit of Hoffmann's Approach 3 on 240 points extracted from Fig. 4 (data_analysis.ipynb output)",
    note="Standard errors: A 124.5, B 1293.3, E 0.026, alpha 0.0154, beta 0.0206; a = beta/(alpha+beta) = 0.513 "
         "(SE 0.020).",
)
CHINCHILLA_APPROACH1_TABLE3 = PublishedConstants(
    MappingProxyType({"params": (400e6, 1e9, 10e9, 67e9, 175e9, 280e9, 520e9, 1e12, 10e12),
                      "flops": (1.92e19, 1.21e20, 1.23e22, 5.76e23, 3.85e24, 9.90e24, 3.43e25, 1.27e26, 1.30e28),
                      "tokens": (8.0e9, 20.2e9, 205.1e9, 1.5e12, 3.7e12, 5.9e12, 11.0e12, 21.2e12, 216.2e12)}),
    source="Hoffmann et al. 2022, Table 3: estimated compute-optimal FLOPs and tokens for model sizes (Approach 1)",
)
GOPHER_BUDGET_FLOPS = 5.76e23
"""Gopher's (and Chinchilla's) training budget: Hoffmann et al. 2022, Fig. 2 and Table 3 (67B = 1 Gopher unit)."""
