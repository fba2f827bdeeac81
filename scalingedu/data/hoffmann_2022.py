"""Chinchilla and Gopher: Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models",
arXiv:2203.15556.

The parametric fit (Eq. 10, rounded and unrounded), the allocation exponents of the three approaches
(Table 2), the compute-optimal sizes (Table 3), the experiments behind them (sections 1, 3.2, App.
D.2), Gopher's and Chinchilla's training facts (Table 1, Fig. 2) and shapes (Table 4). Gopher's
architecture: Rae et al. 2021, "Scaling Language Models: Methods, Analysis & Insights from Training
Gopher", arXiv:2112.11446. The unrounded Eq. 10 is quoted from the TeX source by Epoch AI's
epoch-research/analyzing-chinchilla (see :mod:`scalingedu.data.epoch_2024` for their refit).
"""
from __future__ import annotations

from .._text import prose
from .records import ModelRecord, PublishedConstants, TransformerShape

GOPHER_BUDGET_FLOPS = 5.76e23
"""Gopher's (and Chinchilla's) training budget: Hoffmann et al. 2022, Fig. 2 and Table 3 (67B = 1
Gopher unit)."""

# --- Gopher and Chinchilla (Table 1, Fig. 2, Table 4) ---------------------------------------------

_CHIN_T1 = "Chinchilla paper, Table 1 (params, tokens)"
_CHIN_BUDGET = prose("""
    Chinchilla paper, Fig. 2 and Table 3 (Gopher budget 5.76e23 FLOPs, shared by Chinchilla)
""")

HOFFMANN_2022_MODELS: tuple[ModelRecord, ...] = (
    ModelRecord("Gopher", "Gopher", 280e9, 300e9, training_flops=GOPHER_BUDGET_FLOPS,
                sources=(_CHIN_T1, _CHIN_BUDGET),
                note="Chinchilla's App. F counts 6.3e23 FLOPs more carefully; 6ND gives 5.04e23."),
    ModelRecord("Chinchilla", "Chinchilla", 70e9, 1.4e12, training_flops=GOPHER_BUDGET_FLOPS,
                sources=(_CHIN_T1, _CHIN_BUDGET),
                note="Same budget as Gopher by design; 6ND gives 5.88e23."),
)
"""Gopher and Chinchilla (part of :data:`scalingedu.data.MODELS`)."""

_GOPHER_ARCH = prose("""
    Gopher paper (Rae et al. 2021, arXiv:2112.11446), section 2 [S: secondary quotation]: GPT-2's architecture with
    RMSNorm and Transformer-XL relative positions (Dai et al. 2019); SentencePiece vocabulary of 32,000; 2048-token
    context
""")
_CHIN_T4 = prose("""
    Chinchilla paper, Table 4 [P]: layers, heads, key/value size, d_model; d_ff = 4 d_model; Chinchilla keeps
    Gopher's architecture (AdamW, a slightly modified tokenizer)
""")
_RELATIVE_NOTE = prose("""
    Counted with one d_model × d_attn projection of the relative-position encodings per layer (W_kR of
    Transformer-XL) and its two bias vectors [A: our reading of Dai et al. 2019]; without it the count lands about
    8% below the published size. Tied embeddings and linear biases follow GPT-2 [A].
""")

HOFFMANN_2022_ARCHITECTURES: tuple[TransformerShape, ...] = (
    TransformerShape(80, 16384, 128, 4 * 16384, 32000, 2048, d_head=128, positions="relative",
                     norm="rmsnorm", name="Gopher", sources=(_CHIN_T4, _GOPHER_ARCH),
                     note=_RELATIVE_NOTE),
    TransformerShape(80, 8192, 64, 4 * 8192, 32000, 2048, d_head=128, positions="relative",
                     norm="rmsnorm", name="Chinchilla", sources=(_CHIN_T4, _GOPHER_ARCH),
                     note=_RELATIVE_NOTE),
)
"""The shapes of Gopher and Chinchilla (part of :data:`scalingedu.data.ARCHITECTURES`)."""

# --- the parametric fit (Eq. 10) and the rule of thumb --------------------------------------------

HOFFMANN_2022_FIT = PublishedConstants(
    {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28},
    source="Hoffmann et al. 2022, Eq. 10: L(N, D) = E + A / N^alpha + B / D^beta (Approach 3)",
    note="""
        Besiroglu et al. 2024 refit the same data and found E=1.82, A=482, B=2085, alpha=0.348, beta=0.366.
    """,
)
HOFFMANN_2022_TEX_FIT = PublishedConstants(
    {"E": 1.6934, "A": 406.40, "B": 410.72, "alpha": 0.33917084, "beta": 0.2849083},
    source="""
        Hoffmann et al. 2022, Eq. 10 unrounded, from the paper's TeX source as quoted in Epoch AI's
        epoch-research/analyzing-chinchilla data_analysis.ipynb (true_params: a=6.0073404, b=6.0179186, e=0.5267228,
        alpha=0.33917084, beta=0.2849083; A=exp(a), B=exp(b), E=exp(e))
    """,
    note="""
        With these values Eq. 4 puts the optimum at Gopher's budget near 40B parameters (Fig. 4 caption).
    """,
)
CHINCHILLA_TOKENS_PER_PARAM = PublishedConstants(
    {"tokens_per_param": 20.0},
    source="""
        Rule of thumb read off Hoffmann et al. 2022, Table 3 (1B -> 20.2B tokens; 10B -> 205.1B) and Chinchilla's
        own 1.4T / 70B
    """,
    note="""
        The paper's body does not state '20 tokens per parameter' as a rule; it is the community's reading.
    """,
)

# --- compute-optimal allocation (Tables 2 and 3) --------------------------------------------------

HOFFMANN_2022_ALLOCATION_EXPONENTS = PublishedConstants(
    {
        "approach_1_a": 0.50, "approach_1_b": 0.50,
        "approach_2_a": 0.49, "approach_2_b": 0.51,
        "approach_3_a": 0.46, "approach_3_b": 0.54,
        "kaplan_a": 0.73, "kaplan_b": 0.27,
    },
    source="""
        Hoffmann et al. 2022, Table 2: N_opt ∝ C^a and D_opt ∝ C^b for the three approaches, and Kaplan's values
    """,
    note="Point estimates; Table 2 also gives 10th-90th bootstrap percentiles.",
)
HOFFMANN_2022_ALLOCATION_INTERVALS = PublishedConstants(
    {
        "approach_1_a": (0.488, 0.502), "approach_1_b": (0.501, 0.512),
        "approach_2_a": (0.462, 0.534), "approach_2_b": (0.483, 0.529),
        "approach_3_a": (0.454, 0.455), "approach_3_b": (0.542, 0.543),
    },
    source="""
        Hoffmann et al. 2022, Table 2: 10th and 90th percentiles of a bootstrap (80% of the data resampled 100
        times) around the exponents of HOFFMANN_2022_ALLOCATION_EXPONENTS
    """,
    note="""
        Approach 3's interval is about 70 times narrower than Approach 2's for a and about 45 times for b;
        Besiroglu et al. 2024 argue that it is implausibly narrow for the number of runs (see
        EPOCH_2024_REPLICATION).
    """,
)
CHINCHILLA_APPROACH1_TABLE3 = PublishedConstants(
    {"params": (400e6, 1e9, 10e9, 67e9, 175e9, 280e9, 520e9, 1e12, 10e12),
     "flops": (1.92e19, 1.21e20, 1.23e22, 5.76e23, 3.85e24, 9.90e24, 3.43e25, 1.27e26, 1.30e28),
     "tokens": (8.0e9, 20.2e9, 205.1e9, 1.5e12, 3.7e12, 5.9e12, 11.0e12, 21.2e12, 216.2e12)},
    source="""
        Hoffmann et al. 2022, Table 3: estimated compute-optimal FLOPs and tokens for model sizes (Approach 1)
    """,
)
CHINCHILLA_TABLE3_TEXT = PublishedConstants(
    {"gpt3_params": 175e9, "gpt3_flops": 4.41e24, "gpt3_tokens": 4.2e12,
     "gopher_params": 280e9, "gopher_flops": 1e25, "gopher_tokens": 6.8e12},
    source="""
        Hoffmann et al. 2022, the text beside Table 3: a 175B model should use 4.41e24 FLOPs and more than 4.2T
        tokens; a 280B Gopher-like model is compute-optimal at about 1e25 FLOPs and 6.8T tokens
    """,
    note="'more than 4.2T' and 'about 1e25' as printed: approximate figures.",
)

# --- the experiments behind the fits --------------------------------------------------------------

HOFFMANN_2022_EXPERIMENTS = PublishedConstants(
    {"models": 400.0, "smallest_params": 70e6, "largest_params": 16e9,
     "smallest_tokens": 5e9, "largest_tokens": 500e9,
     "isoflop_budgets": 9.0, "isoflop_smallest_flops": 6e18, "isoflop_largest_flops": 3e21,
     "huber_delta": 1e-3},
    source="""
        Hoffmann et al. 2022: abstract and section 1 (more than 400 models, 70M to over 16B parameters, 5B to 500B
        tokens); section 3.2 (Approach 2: nine IsoFLOP budgets from 6e18 to 3e21 FLOPs, a parabola per profile); Eq.
        3 and App. D.2 (Huber loss with delta = 1e-3 on log loss, L-BFGS from a grid of starts)
    """,
    note="""
        'models' is a lower bound ('over 400'); the largest model is 'over 16B'. The fitted laws are extrapolations
        beyond these ranges.
    """,
)

# --- how Gopher and Chinchilla were trained -------------------------------------------------------

HOFFMANN_2022_TRAINING = PublishedConstants(
    {"chinchilla_learning_rate": 1e-4, "chinchilla_batch_start": 1.5e6, "chinchilla_batch_end": 3e6,
     "gopher_learning_rate": 4e-5, "gopher_batch_start": 3e6, "gopher_batch_end": 6e6},
    source="""
        Hoffmann et al. 2022, Table 4: maximum learning rate and batch size in tokens (doubled during training) of
        Gopher 280B (4e-5, 3M to 6M) and Chinchilla 70B (1e-4, 1.5M to 3M)
    """,
)
"""The peak learning rates and batch sizes Gopher and Chinchilla were trained with."""
