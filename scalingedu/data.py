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

from collections.abc import Mapping
from dataclasses import dataclass, field
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

# --- added for lesson 03 (Kaplan's scaling laws) -----------------------------------------------------------------
KAPLAN_2020_SETUP = PublishedConstants(
    MappingProxyType({"dataset_tokens": 2.29e10, "test_tokens": 6.6e8, "vocab_size": 50257.0,
                      "context_tokens": 1024.0, "training_steps": 2.5e5, "batch_sequences": 512.0,
                      "warmup_steps": 3000.0, "smallest_data_tokens": 2.2e7, "largest_data_tokens": 2.3e10}),
    source="Kaplan et al. 2020, sections 2.2-2.3 and 1: WebText2 with 2.29e10 training tokens (6.6e8 test), "
           "GPT-2 byte-pair encoding with n_vocab = 50257, n_ctx = 1024; unless otherwise noted Adam for a fixed "
           "2.5e5 steps of 512 sequences of 1024 tokens, 3000 warm-up steps then cosine decay to zero; data sets "
           "of 22M to 23B tokens",
    note="The smallest data set is the full one divided by 1024 (Fig. 9's legend prints 21M).",
)
KAPLAN_2020_SEED_VARIATION = PublishedConstants(
    MappingProxyType({"loss": 0.02}),
    source="Kaplan et al. 2020, section 4.2: 'the variation in the loss with different random seeds is roughly "
           "0.02', the threshold of overfitting behind Eq. 4.4",
)
KAPLAN_2020_CRITICAL_BATCH = PublishedConstants(
    MappingProxyType({"B_star": 2.1e8, "alpha_B": 0.21}),
    source="Kaplan et al. 2020, Table 5 and Eq. 1.4 / 5.3: B_crit(L) = B* / L^(1/alpha_B), B* in tokens, L in "
           "nats/token",
    note="Eqs. 1.4 and 5.3 round B* to 2e8; Table 5 and Fig. 10 print 2.1e8. Fig. 10: B_crit roughly doubles for "
         "every 13% decrease in loss.",
)
KAPLAN_2020_STEPS_LAW = PublishedConstants(
    MappingProxyType({"alpha_N": 0.077, "alpha_S": 0.76, "N_c": 6.5e13, "S_c": 2.1e3}),
    source="Kaplan et al. 2020, Eq. 1.6 / 5.6 with the fit of Table 3: L(N, S_min) = (N_c/N)^alpha_N + "
           "(S_c/S_min)^alpha_S, S_min the steps at a batch far above B_crit",
)
KAPLAN_2020_SINGLE_EPOCH_DATA = PublishedConstants(
    MappingProxyType({"tokens_coefficient": 4e10, "tokens_exponent": 0.26}),
    source="Kaplan et al. 2020, Eq. 6.7: D(C_min) = 2 C_min / (6 N(C_min)) ~ (4e10 tokens) (C_min / PF-day)^0.26, "
           "the data of compute-efficient training at the critical batch size, one epoch",
    note="With Table 6's N_opt = 1.3e9 C^0.73 the formula 2C/(6N) gives 2.2e10 C^0.27 (close to Table 6's D_opt), "
         "about half the printed coefficient.",
)
KAPLAN_2020_BREAKDOWN = PublishedConstants(
    MappingProxyType({"pf_days": 1e4, "params": 1e12, "tokens": 1e12, "loss": 1.7}),
    source="Kaplan et al. 2020, Eq. 6.8: L(C_min) and L(D(C_min)) intersect at C* ~ 1e4 PF-days, N* ~ 1e12 "
           "parameters, D* ~ 1e12 tokens, L* ~ 1.7 nats/token",
    note="The paper: 'the numerical values are highly uncertain, varying by an order or magnitude in either "
         "direction depending on the precise values of the exponents'. Orders of magnitude, not measurements.",
)
KAPLAN_2020_FRONTIER_THEORY = PublishedConstants(
    MappingProxyType({"alpha_C_min": 0.054, "params_exponent": 0.71, "stop_above_converged": 0.10}),
    source="Kaplan et al. 2020, Eq. 6.4 (alpha_C^min = 1/(1/alpha_S + 1/alpha_B + 1/alpha_N) ~ 0.054), Eq. 6.5 "
           "(N ∝ C_min^0.71, predicted from L(N, S_min)) and Eq. B.5 (compute-efficient training stops about "
           "alpha_N/alpha_S ~ 10% above the converged loss)",
)
KAPLAN_2020_TENFOLD_COMPUTE = PublishedConstants(
    MappingProxyType({"params_factor": 5.5, "tokens_factor": 1.8}),
    source="Hoffmann et al. 2022, section 1, summarising Kaplan et al. 2020: for 10x more compute, model size "
           "should grow 5.5x and training tokens only 1.8x",
    note="Kaplan et al.'s own Fig. 14 caption rounds it to ~5x model size and ~2x data per 10x compute.",
)

# --- added for lesson 02 (compute budgets): transformer shapes, board power, published runs ----------------------
# Tags as in shared/reference/facts.md: [P] checked against the paper or the authors' repository file; [S] seen
# only in secondary quotations or vendor material (say so when you use it); [A] an assumption of this course.


@dataclass(frozen=True)
class ArchitectureRecord:
    """The published shape of one transformer, as printed, with its sources and caveats.

    ``d_head`` is the per-head width when the source prints it (``None``: d_model / n_heads); ``n_kv_heads`` is
    the number of key/value heads under grouped-query attention (``None``: one per query head). ``positions`` is
    "learned" (a context × d_model table), "rotary" (no parameters) or "relative" (Transformer-XL style, Dai et
    al. 2019). ``norm`` is "layernorm" or "rmsnorm". ``size_reference`` names the record of :data:`MODELS` whose
    ``params`` is the published size to compare a parameter count with (``None``: the record of the same name).
    ``printed`` holds the values the source prints where they are not self-consistent (e.g. ``{"n_heads": 24}``
    for GPT-3 XL); the fields then hold the consistent reading, and ``note`` explains the difference.
    """

    name: str
    n_layers: int
    d_model: int
    n_heads: int
    d_ff: int
    vocab_size: int
    context: int
    d_head: int | None = None
    n_kv_heads: int | None = None
    gated_mlp: bool = False
    biases: bool = True
    tied_embeddings: bool = True
    positions: str = "learned"
    norm: str = "layernorm"
    size_reference: str | None = None
    sources: tuple[str, ...] = ()
    note: str = ""
    printed: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))


_GPT3_T21 = ("GPT-3 paper, Table 2.1 [P]: n_layers, d_model, n_heads, d_head; n_ctx = 2048 and d_ff = 4 d_model for "
             "every size")
_GPT3_ARCH = ("GPT-3 paper, section 2.1: 'the same model and architecture as GPT-2', so learned positions, biases, "
              "LayerNorm, tied embeddings and GPT-2's 50,257-token BPE vocabulary [S: read in secondary quotations; "
              "the vocabulary size is Kaplan et al.'s n_vocab for the same tokenizer, [P]]")
_GPT3_SPARSE = ("GPT-3 alternates dense and locally banded sparse attention layers (section 2.1) [S]: the attention "
                "FLOPs of 12·L·H·Q·T overstate its cost.")


def _gpt3_shape(size: str, n_layers: int, d_model: int, n_heads: int, d_head: int, note: str = "",
                printed: Mapping[str, int] | None = None) -> ArchitectureRecord:
    return ArchitectureRecord(f"GPT-3 {size}", n_layers, d_model, n_heads, 4 * d_model, 50257, 2048, d_head=d_head,
                              sources=(_GPT3_T21, _GPT3_ARCH), note=(note + " " + _GPT3_SPARSE).strip(),
                              printed=MappingProxyType(dict(printed or {})))


_GOPHER_ARCH = ("Gopher paper (Rae et al. 2021, arXiv:2112.11446), section 2 [S: secondary quotation]: GPT-2's "
                "architecture with RMSNorm and Transformer-XL relative positions (Dai et al. 2019); SentencePiece "
                "vocabulary of 32,000; 2048-token context")
_CHIN_T4 = ("Chinchilla paper, Table 4 [P]: layers, heads, key/value size, d_model; d_ff = 4 d_model; Chinchilla "
            "keeps Gopher's architecture (AdamW, a slightly modified tokenizer)")
_RELATIVE_NOTE = ("Counted with one d_model × d_attn projection of the relative-position encodings per layer (W_kR "
                  "of Transformer-XL) and its two bias vectors [A: our reading of Dai et al. 2019]; without it the "
                  "count lands about 8% below the published size. Tied embeddings and linear biases follow GPT-2 [A].")
_LLAMA_CODE = ("meta-llama/llama3: llama/model.py [P]: no biases, RMSNorm, rotary positions, SwiGLU with three "
               "d_model × d_ff matrices, untied output layer; d_ff = int(8 d_model / 3), times ffn_dim_multiplier "
               "if given, rounded up to a multiple of multiple_of")
_LLAMA2_SHAPE = ("Llama 2 paper (Touvron et al. 2023, arXiv:2307.09288) and its released params.json: 4k context, "
                 "32,000-token vocabulary [S: shapes not checked against the primary files here]")
_LLAMA3_SHAPE = ("Llama 3 params.json as released with the weights [S: seen in a copy in the meta-llama/llama3 "
                 "repository history: dim, n_layers, n_heads, n_kv_heads, vocab_size 128256, multiple_of, "
                 "ffn_dim_multiplier 1.3]; 8k context from meta-llama/llama3: MODEL_CARD.md [P]")

ARCHITECTURES: tuple[ArchitectureRecord, ...] = (
    _gpt3_shape("Small", 12, 768, 12, 64),
    _gpt3_shape("Medium", 24, 1024, 16, 64),
    _gpt3_shape("Large", 24, 1536, 16, 96),
    _gpt3_shape("XL", 24, 2048, 16, 128, printed={"n_heads": 24, "n_kv_heads": 24},
                note="Table 2.1 prints 24 heads of 128 = 3072, not d_model = 2048: as printed, the attention "
                     "projections are 2048 × 3072 and the count lands about 15% above Table D.1's 1,320M. The preset "
                     "reads it as an attention width of 2048 (16 heads of 128, our choice), which reproduces 1,320M; "
                     "transformer.as_printed('GPT-3 XL') gives the shape as printed."),
    _gpt3_shape("2.7B", 32, 2560, 32, 80),
    _gpt3_shape("6.7B", 32, 4096, 32, 128),
    _gpt3_shape("13B", 40, 5120, 40, 128, printed={"d_model": 5140, "d_ff": 4 * 5140},
                note="Table 2.1 prints d_model = 5140, not 40 × 128 = 5120: counted as printed (attention width 5120, "
                     "residual width 5140) it lands 0.7% above Table D.1's 12,850M. The preset reads d_model = 5120, "
                     "which reproduces 12,850M almost exactly; transformer.as_printed('GPT-3 13B') gives the shape "
                     "as printed."),
    _gpt3_shape("175B", 96, 12288, 96, 128),
    ArchitectureRecord("Gopher", 80, 16384, 128, 4 * 16384, 32000, 2048, d_head=128, positions="relative",
                       norm="rmsnorm", sources=(_CHIN_T4, _GOPHER_ARCH), note=_RELATIVE_NOTE),
    ArchitectureRecord("Chinchilla", 80, 8192, 64, 4 * 8192, 32000, 2048, d_head=128, positions="relative",
                       norm="rmsnorm", sources=(_CHIN_T4, _GOPHER_ARCH), note=_RELATIVE_NOTE),
    ArchitectureRecord("Llama 2 7B", 32, 4096, 32, 11008, 32000, 4096, gated_mlp=True, biases=False,
                       tied_embeddings=False, positions="rotary", norm="rmsnorm", size_reference="LLaMA 7B",
                       sources=(_LLAMA2_SHAPE, _LLAMA_CODE, _LLAMA1),
                       note="Same shape as LLaMA 7B, whose size the LLaMA paper prints precisely (6.7B); the "
                            "Llama 2 card only gives the name size 7B."),
    ArchitectureRecord("Llama 2 13B", 40, 5120, 40, 13824, 32000, 4096, gated_mlp=True, biases=False,
                       tied_embeddings=False, positions="rotary", norm="rmsnorm", size_reference="LLaMA 13B",
                       sources=(_LLAMA2_SHAPE, _LLAMA_CODE, _LLAMA1),
                       note="Same shape as LLaMA 13B, whose size the LLaMA paper prints (13.0B)."),
    ArchitectureRecord("Llama 2 70B", 80, 8192, 64, 28672, 32000, 4096, n_kv_heads=8, gated_mlp=True, biases=False,
                       tied_embeddings=False, positions="rotary", norm="rmsnorm", sources=(_LLAMA2_SHAPE, _LLAMA_CODE),
                       note="Grouped-query attention with 8 key/value heads (the card marks GQA for 70B only). "
                            "Only the name size, 70B, is published."),
    ArchitectureRecord("Llama 3 8B", 32, 4096, 32, 14336, 128256, 8192, n_kv_heads=8, gated_mlp=True, biases=False,
                       tied_embeddings=False, positions="rotary", norm="rmsnorm", sources=(_LLAMA3_SHAPE, _LLAMA_CODE),
                       note="Only the name size, 8B, is published; the 128,256-token vocabulary makes the embeddings "
                            "13% of the parameters."),
    ArchitectureRecord("Llama 3 70B", 80, 8192, 64, 28672, 128256, 8192, n_kv_heads=8, gated_mlp=True, biases=False,
                       tied_embeddings=False, positions="rotary", norm="rmsnorm", sources=(_LLAMA3_SHAPE, _LLAMA_CODE),
                       note="Only the name size, 70B, is published."),
)
"""Published shapes of real models (the presets of :mod:`scalingedu.transformer`), with sources and caveats."""

NANOGPT_GPT2_SMALL = ArchitectureRecord(
    "GPT-2 small (nanoGPT, bias=False)", 12, 768, 12, 4 * 768, 50257, 1024, biases=False,
    sources=("karpathy/nanoGPT: transformer_sizing.ipynb [P]: block_size 1024, vocab_size 50257, n_layer 12, "
             "n_head 12, n_embd 768, bias=False; LayerNorm without bias; output layer tied to the token embedding",),
    note="nanoGPT's sizing notebook assumes bias=False 'just for simplicity'; the released GPT-2 has biases.")
"""The model of nanoGPT's transformer_sizing.ipynb: an exact check of a parameter and FLOP count."""

NANOGPT_SIZING = PublishedConstants(
    MappingProxyType({"params": 124_337_664.0, "forward_flops_per_sequence": 291_648_307_200.0,
                      "sequence_tokens": 1024.0, "measured_sequences_per_iteration": 100.0,
                      "measured_seconds_per_iteration": 0.755, "measured_fraction_of_a100_peak": 0.3714}),
    source="karpathy/nanoGPT: transformer_sizing.ipynb [P]: params() total 124,337,664 (matches PyTorch); flops() "
           "forward_total 291,648,307,200 for one 1024-token sequence (weight matmuls, attention scores and "
           "reduction, output layer; LayerNorm and softmax left out), backward = 2 × forward; measured on one A100: "
           "batch 20 × grad_accum 5 = 100 sequences per 0.755 s iteration, 'fraction of A100 used: 37.14%'",
)

ACCELERATOR_BOARD_POWER_WATTS = MappingProxyType({"A100": 400.0, "H100": 700.0, "H800": 700.0, "H200": 700.0})
"""Board power (TDP) per accelerator in watts, by key of :data:`ACCELERATORS`.

A100 400 W: meta-llama/llama: MODEL_CARD.md ('A100-80GB (TDP of 350-400W)', 400 W in its table) [P]. H100 700 W:
meta-llama/llama3: MODEL_CARD.md ('H100-80GB (TDP of 700W)') [P]. H800 and H200 700 W: NVIDIA's SXM product
pages [S: not checked here]. TPUs are left out: no figure checked. A board's TDP is its maximum; average draw in
training is usually lower, and hosts, network and storage draw power too.
"""

DEEPSEEK_V3_PRETRAINING_GPU_HOURS = 2.664e6
"""H800 GPU-hours of DeepSeek-V3's pre-training alone: deepseek-ai/DeepSeek-V3: README.md [P] (2.788M in total)."""

PALM_540B_UTILISATION = PublishedConstants(
    MappingProxyType({"mfu": 0.462, "hfu": 0.578, "chips": 6144.0, "tokens": 780e9, "params": 540e9}),
    source="Chowdhery et al. 2022, 'PaLM' (arXiv:2204.02311): 540B parameters on 6144 TPU v4 chips, 780B tokens, "
           "model FLOPs utilisation 46.2% and hardware FLOPs utilisation 57.8% [S: secondary quotations]",
    note="MFU counts only the model's FLOPs (6N + 12·L·H·Q·T per token); HFU also counts the recomputed "
         "activations (rematerialisation).",
)

# --- added for lesson 04 (Chinchilla: compute-optimal allocation) ------------------------------------------------
HOFFMANN_2022_ALLOCATION_INTERVALS = PublishedConstants(
    MappingProxyType({
        "approach_1_a": (0.488, 0.502), "approach_1_b": (0.501, 0.512),
        "approach_2_a": (0.462, 0.534), "approach_2_b": (0.483, 0.529),
        "approach_3_a": (0.454, 0.455), "approach_3_b": (0.542, 0.543),
    }),
    source="Hoffmann et al. 2022, Table 2: 10th and 90th percentiles of a bootstrap (80% of the data resampled 100 "
           "times) around the exponents of HOFFMANN_2022_ALLOCATION_EXPONENTS",
    note="Approach 3's interval is about 50 times narrower than Approach 2's; Besiroglu et al. 2024 argue that it "
         "is implausibly narrow for the number of runs (see EPOCH_2024_REPLICATION).",
)
HOFFMANN_2022_EXPERIMENTS = PublishedConstants(
    MappingProxyType({"models": 400.0, "smallest_params": 70e6, "largest_params": 16e9,
                      "smallest_tokens": 5e9, "largest_tokens": 500e9,
                      "isoflop_budgets": 9.0, "isoflop_smallest_flops": 6e18, "isoflop_largest_flops": 3e21,
                      "huber_delta": 1e-3}),
    source="Hoffmann et al. 2022: abstract and section 1 (more than 400 models, 70M to over 16B parameters, 5B to "
           "500B tokens); section 3.2 (Approach 2: nine IsoFLOP budgets from 6e18 to 3e21 FLOPs, a parabola per "
           "profile); Eq. 3 and App. D.2 (Huber loss with delta = 1e-3 on log loss, L-BFGS from a grid of starts)",
    note="'models' is a lower bound ('over 400'); the largest model is 'over 16B'. The fitted laws are "
         "extrapolations beyond these ranges.",
)
EPOCH_2024_REPLICATION = PublishedConstants(
    MappingProxyType({"points_extracted": 245.0, "points_excluded": 5.0,
                      "params_exponent": 0.513, "params_exponent_se": 0.020,
                      "median_tokens_per_param": 25.66, "hoffmann_policy_tokens_per_param": 72.87,
                      "samples_for_hoffmann_interval": 634_773.0,
                      "log_likelihood_rounded": 562.25, "log_likelihood_unrounded": 837.78,
                      "log_likelihood_epoch": 879.77}),
    source="Besiroglu, Erdil, Barnett & You 2024 (arXiv:2404.10102) and epoch-research/analyzing-chinchilla: "
           "data/svg_extracted_data.csv (245 points read from Hoffmann's Fig. 4) and data_analysis.ipynb "
           "(5 highest-loss points excluded; a = 0.513 with standard error 0.020; median D/N at Chinchilla's "
           "compute 25.66 under the refit against 72.87 under Hoffmann's policy; about 634,773 runs would be needed "
           "for Table 2's interval on a; log-likelihoods without outliers of the rounded, unrounded and refit laws)",
    note="The abstract also says Hoffmann's optimizer stopped before convergence because of a poor choice of loss "
         "scale; a secondary source says the Huber loss was averaged rather than summed (not checked here).",
)
CHINCHILLA_TABLE3_TEXT = PublishedConstants(
    MappingProxyType({"gpt3_params": 175e9, "gpt3_flops": 4.41e24, "gpt3_tokens": 4.2e12,
                      "gopher_params": 280e9, "gopher_flops": 1e25, "gopher_tokens": 6.8e12}),
    source="Hoffmann et al. 2022, the text beside Table 3: a 175B model should use 4.41e24 FLOPs and more than "
           "4.2T tokens; a 280B Gopher-like model is compute-optimal at about 1e25 FLOPs and 6.8T tokens",
    note="'more than 4.2T' and 'about 1e25' as printed: approximate figures.",
)


# (end of the lessons 00-04 section)


# ---------------------------------------------------------------------------------------------------------------------
# Lesson 05, the scaling lab (published figures the lab compares with)
# ---------------------------------------------------------------------------------------------------------------------
MUENNIGHOFF_2023_REPETITION = PublishedConstants(
    MappingProxyType({"nearly_free_epochs": 4.0, "negligible_returns_epochs": 16.0,
                      "runs": 400.0, "largest_params": 9e9, "largest_tokens": 900e9}),
    source="Muennighoff et al. 2023, 'Scaling Data-Constrained Language Models' (arXiv:2305.16264): abstract (up "
           "to 4 epochs of repeated data give negligible changes to loss compared with unique data; 400 runs up to "
           "9B parameters and 900B tokens)",
    note="'About 16 epochs' for negligible returns is read from the paper's discussion; the 4-epoch wording is "
         "taken from secondary copies of the abstract (facts.md §9). The fitted R_D* and R_N* live in "
         "MUENNIGHOFF_2023_FIT (lesson 08's section).",
)
# (end of the scaling-lab section)


# ---------------------------------------------------------------------------------------------------------------------
# Lesson 06, parallelism (ZeRO, Megatron-LM activations and pipelines, collectives)
# ---------------------------------------------------------------------------------------------------------------------
_ZERO = "Rajbhandari et al. 2020, ZeRO (arXiv:1910.02054), Figure 1 and §3.1 (K = 12 for mixed-precision Adam)"

ZERO_FIGURE1_EXAMPLE = MappingProxyType({
    "params": 7.5e9, "n_gpus": 64, "optimizer_bytes_per_param": 12,
    "per_gpu_gb": MappingProxyType({0: 120.0, 1: 31.4, 2: 16.6, 3: 1.9}),
    "source": _ZERO + "; the figure prints the per-device memory rounded to 3 significant figures",
})
"""ZeRO Figure 1: per-GPU model-state memory of a 7.5B model on 64 GPUs: baseline, P_os, P_os+g, P_os+g+p (GB)."""

ZERO_COMMUNICATION_VOLUME = MappingProxyType({
    0: 2.0, 1: 2.0, 2: 2.0, 3: 3.0,
    "source": "ZeRO §7 (data parallelism: 2Ψ per step; P_os and P_os+g: 2Ψ; P_os+g+p: 3Ψ = 1.5× baseline) and the "
              "Ultra-Scale Playbook [P in facts.md §5]",
})
"""Elements communicated per GPU per step, in units of Ψ (the parameter count), by ZeRO stage."""

NARAYANAN_GPT3_TRAINING_TIME = MappingProxyType({
    "params": 175e9, "tokens": 300e9, "n_gpus": 1024, "flops_per_gpu_per_second": 140e12, "days": 34.0,
    "source": "Narayanan et al. 2021 (arXiv:2104.04473) §5.1 end-to-end estimate: 8TP/(nX) with 175B params, 300B "
              "tokens, 1024 A100s at 140 TFLOP/s each: about 34 days",
})
"""Narayanan et al.'s training-time example for GPT-3 (the paper rounds to 'about 34 days')."""

NARAYANAN_1T_THROUGHPUT = MappingProxyType({
    "params": 1.008e12, "n_gpus": 3072, "flops_per_gpu_per_second": 163e12, "peak_flops_per_second": 312e12,
    "fraction_of_peak": 0.52, "source": "Narayanan et al. 2021 abstract and Table 1: 502 PFLOP/s on 3072 A100s",
})
"""Narayanan et al.'s largest run: 163 TFLOP/s per GPU, 52% of the A100's 312 TFLOP/s peak."""

LLAMA3_405B_ARCHITECTURE = ArchitectureRecord(
    "Llama 3 405B", 126, 16384, 128, 53248, 128256, 8192, n_kv_heads=8, gated_mlp=True, biases=False,
    tied_embeddings=False, positions="rotary", norm="rmsnorm",
    sources=("Llama 3 paper (Dubey et al. 2024, arXiv:2407.21783) Table 3: 126 layers, model dimension 16,384, FFN "
             "dimension 53,248, 128 attention heads, 8 key/value heads [S: not checked against the PDF here]",
             _LLAMA3_SHAPE, _LLAMA_CODE),
    note="Table 3 prints the vocabulary as 128,000; the released tokenizer has 128,256 entries (as for 8B and 70B).")
"""The shape of Llama 3.1 405B, kept here for lesson 06 (not part of ARCHITECTURES)."""

LLAMA3_405B_TRAINING = MappingProxyType({
    "n_gpus": (8192, 16384), "tp": 8, "pp": 16, "dp": (64, 128), "seq_len": 8192,
    "tflops_per_gpu": (430, 400), "mfu": (0.43, 0.41),
    "source": "Llama 3 paper Table 4 (H100s, 8K-token sequences, no context parallelism) [S: facts.md §6 lists "
              "38-43% MFU and 380-430 TFLOP/s per GPU]",
})
"""Llama 3 405B's published 4D layouts and throughput (pre-training at 8K sequence length)."""

INTERCONNECTS = MappingProxyType({
    # per GPU, per direction, bytes/s: NVLink inside an 8-GPU node, InfiniBand between nodes
    "A100": MappingProxyType({"nvlink": 300e9, "network": 25e9, "gpus_per_node": 8}),
    "H100": MappingProxyType({"nvlink": 450e9, "network": 50e9, "gpus_per_node": 8}),
    "H200": MappingProxyType({"nvlink": 450e9, "network": 50e9, "gpus_per_node": 8}),
})
"""Bandwidth per GPU and direction (B/s): NVLink 3/4 (600/900 GB/s total both ways per GPU) and one 200/400 Gb/s
InfiniBand adapter per GPU, as in DGX A100 / DGX H100 nodes. Secondary: NVIDIA product pages, not checked against
a primary text here; real collectives reach a fraction of these figures."""

# (end of the parallelism section)


# ---------------------------------------------------------------------------------------------------------------------
# Lesson 07, Mixture-of-Experts
# ---------------------------------------------------------------------------------------------------------------------
MOE_ARCHITECTURES = MappingProxyType({
    "switch-base-like": MappingProxyType({
        "n_layers": 12, "d_model": 768, "n_heads": 12, "d_head": 64, "n_kv_heads": 12, "experts": 128,
        "shared_experts": 0, "top_k": 1, "expert_d_ff": 3072, "gated_mlp": False, "moe_every": 2,
        "dense_layers": 0, "dense_d_ff": 3072, "vocab_size": 32128, "tied_embeddings": True,
        "source": "Fedus et al. 2022, 'Switch Transformers' (arXiv:2101.03961), Table 9 [S: not checked in the "
                  "paper here]: Switch-Base has T5-Base's d_model 768, d_ff 3072, 12 heads of 64, 128 experts, "
                  "top-1 routing, an expert layer in every other feed-forward layer, T5's 32,128-token vocabulary",
        "note": "A decoder-only ANALOGUE of Switch-Base (the real model is an encoder-decoder of 12 + 12 blocks "
                "with about 7B parameters): used to show top-1 routing at a small scale, not compared with a "
                "published count."}),
    "mixtral-8x7b": MappingProxyType({
        "n_layers": 32, "d_model": 4096, "n_heads": 32, "d_head": 128, "n_kv_heads": 8, "experts": 8,
        "shared_experts": 0, "top_k": 2, "expert_d_ff": 14336, "gated_mlp": True, "moe_every": 1,
        "dense_layers": 0, "dense_d_ff": 14336, "vocab_size": 32000, "tied_embeddings": False,
        "source": "Jiang et al. 2024, 'Mixtral of Experts' (arXiv:2401.04088), Table 1 [S: secondary quotations "
                  "and Mistral's params.json as quoted]: dim 4096, n_layers 32, head_dim 128, hidden_dim 14336, "
                  "n_heads 32, n_kv_heads 8, vocab 32000, 8 experts, top-2; SwiGLU experts, RMSNorm, rotary "
                  "positions, no biases, untied output layer",
        "note": "Published sizes: 46.7B total and 12.9B per token (MODELS['Mixtral 8x7B'])."}),
    "deepseek-v3": MappingProxyType({
        "n_layers": 61, "d_model": 7168, "n_heads": 128, "d_head": 128, "n_kv_heads": 128, "experts": 256,
        "shared_experts": 1, "top_k": 8, "expert_d_ff": 2048, "gated_mlp": True, "moe_every": 1,
        "dense_layers": 3, "dense_d_ff": 18432, "vocab_size": 129280, "tied_embeddings": False,
        "q_lora_rank": 1536, "kv_lora_rank": 512, "qk_rope_head_dim": 64, "v_head_dim": 128,
        "mtp_modules": 1,
        "source": "deepseek-ai/DeepSeek-V3 config.json [S: quoted identically in several repositories] and the "
                  "technical report (arXiv:2412.19437) section 4.2: 61 layers, hidden 7168, 128 heads with "
                  "qk_nope_head_dim 128, qk_rope_head_dim 64, v_head_dim 128; multi-head latent attention (MLA) "
                  "with q_lora_rank 1536 and kv_lora_rank 512; first_k_dense_replace 3 with intermediate_size "
                  "18432; 256 routed + 1 shared expert of width 2048, 8 routed experts per token; vocab 129,280; "
                  "untied embeddings; num_nextn_predict_layers 1 (multi-token prediction, MTP)",
        "note": "Published sizes: 671B total and 37B activated (MODELS['DeepSeek-V3']); the released checkpoint "
                "is 685B with the MTP module, which the 671B leaves out."}),
})
"""Shapes of Mixture-of-Experts models, by preset name (:data:`scalingedu.moe.PRESETS` builds configs from them)."""

SWITCH_ROUTING = PublishedConstants(
    MappingProxyType({"aux_loss_alpha": 1e-2, "capacity_factor_low": 1.0, "capacity_factor_high": 1.25,
                      "switch_c_params": 1.571e12, "switch_c_experts": 2048.0}),
    source="Fedus et al. 2022, 'Switch Transformers' (arXiv:2101.03961) [S: quotes agree across sources]: expert "
           "capacity = (tokens per batch / number of experts) x capacity factor (Eq. 3); auxiliary loss "
           "alpha·N·sum_i f_i·P_i (Eqs. 4-6) with alpha = 1e-2; capacity factors 1.0-1.25 work best; Switch-C has "
           "1.571T parameters and 2048 experts",
    note="Tokens over an expert's capacity are dropped: they skip the expert through the residual connection.",
)
GSHARD_TOP_K = 2
"""GShard (Lepikhin et al. 2020, arXiv:2006.16668) [S]: each token is dispatched to at most two experts."""

DEEPSEEK_V3_ROUTING = PublishedConstants(
    MappingProxyType({"bias_update_speed": 0.001, "sequence_balance_alpha": 1e-4, "max_nodes_per_token": 4.0,
                      "expert_parallel": 64.0, "pipeline_parallel": 16.0, "nodes": 8.0}),
    source="DeepSeek-V3 technical report (arXiv:2412.19437) sections 2.1.2 and 4.2 [S: quoted consistently]: "
           "sigmoid affinities s = sigmoid(u·e_i); top-K on s + b_i; gates are s normalised over the chosen "
           "experts; after each step b_i falls by gamma if expert i is overloaded and rises by gamma if it is "
           "underloaded, gamma = 0.001 for the first 14.3T tokens (0 for the last 500B); a sequence-wise "
           "balance loss with alpha = 1e-4; each token goes to at most 4 nodes; training with 64-way expert "
           "parallelism over 8 nodes and 16-way pipeline parallelism",
)
# (end of the Mixture-of-Experts section)


# ---------------------------------------------------------------------------------------------------------------------
# Lesson 08, diminishing returns (data limits, inference-aware sizing, test-time compute, emergence)
# ---------------------------------------------------------------------------------------------------------------------
MUENNIGHOFF_2023_FIT = PublishedConstants(
    MappingProxyType({"a": 6.255414, "b": 7.3049974, "e": 0.6254804, "alpha": 0.3526596, "beta": 0.3526596,
                      "rd_star": 15.387756, "rn_star": 5.309743}),
    source="Muennighoff et al. 2023, 'Scaling Data-Constrained Language Models' (arXiv:2305.16264), fit printed in "
           "huggingface/datablations: README.md, section 'Parametric Fit' [P]: a, b, e, alpha, beta, R_D*, R_N*; "
           "A = exp(a), B = exp(b), E = exp(e)",
    note="Fitted with alpha = beta. The README warns that the absolute loss is unlikely to be useful: compare "
         "trends and models, not the numbers themselves.",
)
MUENNIGHOFF_2023_FIGURE1 = MappingProxyType({
    "fewer_params": MappingProxyType({"params": 6.34e9, "tokens": 242e9, "unique_tokens": 25e9,
                                      "loss": 2.2256440889984477}),
    "more_params": MappingProxyType({"params": 8.67e9, "tokens": 178e9, "unique_tokens": 25e9,
                                     "loss": 2.2269634075087867}),
    "optimal_tokens": 227e9, "optimal_epochs": 9.1, "optimal_params": 6.8e9,
    "source": "huggingface/datablations: README.md, 'Parametric Fit' [P]: the two models of Figure 1 (right) with "
              "their predicted losses as printed by the README's code, and its grid-search optimum for the budget "
              "of the 8.67B model on 25B unique tokens ('227B tokens, 9.1 epochs, 6.8B parameters', rounded)",
})
"""Muennighoff et al.'s worked example: at equal compute, 6.34B params for 9.7 epochs beats 8.67B for 7.1."""

SARDANA_2023 = PublishedConstants(
    MappingProxyType({"inference_flops_per_param_token": 2.0, "training_flops_per_param_token": 6.0,
                      "figure1_inference_tokens": 2e12, "figure1_chinchilla_params": 13e9,
                      "figure1_inference_aware_params": 7e9, "figure1_flops_saved": 1.7e22,
                      "figure1_fraction_saved": 0.17, "models_trained": 47.0, "max_tokens_per_param": 10_000.0}),
    source="Sardana, Doubov & Frankle, 'Beyond Chinchilla-Optimal: Accounting for Inference in Language Model "
           "Scaling Laws' (arXiv:2401.00448) [S: secondary quotations, facts.md §7]: total cost 6ND for training "
           "plus 2N per inference token, under Hoffmann's Chinchilla law; Fig. 1: with 2T tokens of inference demand "
           "a longer-trained 7B model instead of a Chinchilla-optimal 13B one of equal quality saves 1.7e22 FLOPs "
           "(17%); 47 models trained, quality still improving up to 10,000 tokens per parameter",
    note="Not checked against the paper's PDF here; the Fig. 1 numbers are quoted as rounded.",
)
SCHAEFFER_2023 = PublishedConstants(
    MappingProxyType({"big_bench_fraction_discontinuous_metrics": 0.92}),
    source="Schaeffer, Miranda & Koyejo 2023, 'Are Emergent Abilities of Large Language Models a Mirage?' "
           "(NeurIPS 2023, arXiv:2304.15004): apparent emergence comes from the researcher's choice of a nonlinear "
           "or discontinuous metric (exact string match, multiple-choice grade); over 92% of claimed BIG-Bench "
           "emergent abilities appear under one of these two metrics [S]",
)
SNELL_2024 = PublishedConstants(
    MappingProxyType({"efficiency_over_best_of_n": 4.0, "flops_matched_larger_model": 14.0}),
    source="Snell, Lee, Xu & Kumar 2024, 'Scaling LLM Test-Time Compute Optimally can be More Effective than "
           "Scaling Model Parameters' (arXiv:2408.03314), abstract [S: quoted verbatim in secondary copies]: a "
           "compute-optimal per-prompt strategy is more than 4x as efficient as best-of-N; FLOPs-matched, test-time "
           "compute beats a 14x larger model where the small model has non-trivial success rates",
)
# (end of the diminishing-returns section)


# ---------------------------------------------------------------------------------------------------------------------
# Lesson 09, the capstone
# ---------------------------------------------------------------------------------------------------------------------
LLAMA3_405B_RUN = MappingProxyType({
    "params": 405e9, "tokens": 15.6e12, "training_flops": 3.8e25, "max_gpus": 16384, "accelerator": "H100",
    "mfu_low": 0.38, "mfu_high": 0.43, "scaling_law_optimum_params": 402e9, "scaling_law_optimum_tokens": 16.55e12,
    "source": "Llama 3 paper (Dubey et al. 2024, arXiv:2407.21783) [S: secondary quotations, facts.md §4]: 405B "
              "parameters on 15.6T tokens, 3.8e25 training FLOPs, up to 16K H100s at 38-43% MFU (Table 4); Meta's "
              "own scaling law puts the optimum at 3.8e25 FLOPs at 402B parameters on 16.55T tokens",
})
"""The Llama 3.1 405B pre-training run, which the capstone plans again."""

DEEPSEEK_V3_RENTAL = MappingProxyType({
    "dollars_per_gpu_hour": 2.0, "pretraining_dollars": 5.328e6, "total_dollars": 5.576e6,
    "source": "DeepSeek-V3 technical report (arXiv:2412.19437) Table 1 [S: facts.md §4]: H800 GPU hours priced at "
              "$2 per GPU-hour; pre-training 2664K hours ($5.328M), in total 2788K hours ($5.576M)",
    "note": "A rental price assumed by the report, not what the hardware cost DeepSeek; it excludes research, "
            "ablations and failed runs.",
})
"""DeepSeek-V3's own costing of its run: the $2/GPU-hour the capstone uses as its default price."""
# (end of the capstone section)
