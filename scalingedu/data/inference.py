"""Scaling with inference in mind: inference-aware model sizing and test-time compute.

- Sardana, Portes, Doubov & Frankle 2023, "Beyond Chinchilla-Optimal: Accounting for Inference in Language
  Model Scaling Laws", arXiv:2401.00448.
- Snell, Lee, Xu & Kumar 2024, "Scaling LLM Test-Time Compute Optimally can be More Effective than
  Scaling Model Parameters", arXiv:2408.03314.
"""
from __future__ import annotations

from .records import PublishedConstants

SARDANA_2023 = PublishedConstants(
    {"inference_flops_per_param_token": 2.0, "training_flops_per_param_token": 6.0,
     "figure1_inference_tokens": 2e12, "figure1_chinchilla_params": 13e9,
     "figure1_inference_aware_params": 7e9, "figure1_flops_saved": 1.7e22,
     "figure1_fraction_saved": 0.17, "models_trained": 47.0, "max_tokens_per_param": 10_000.0},
    source="""
        Sardana, Portes, Doubov & Frankle, 'Beyond Chinchilla-Optimal: Accounting for Inference in Language Model
        Scaling Laws' (arXiv:2401.00448) [S: secondary quotations, facts.md §7]: total cost 6ND for training plus 2N per
        inference token, under Hoffmann's Chinchilla law; Fig. 1: with 2T tokens of inference demand a
        longer-trained 7B model instead of a Chinchilla-optimal 13B one of equal quality saves 1.7e22 FLOPs (17%);
        47 models trained, quality still improving up to 10,000 tokens per parameter
    """,
    note="Not checked against the paper's PDF here; the Fig. 1 numbers are quoted as rounded.",
)
SNELL_2024 = PublishedConstants(
    {"efficiency_over_best_of_n": 4.0, "flops_matched_larger_model": 14.0},
    source="""
        Snell, Lee, Xu & Kumar 2024, 'Scaling LLM Test-Time Compute Optimally can be More Effective than Scaling
        Model Parameters' (arXiv:2408.03314), abstract [S: quoted verbatim in secondary copies]: a compute-optimal
        per-prompt strategy is more than 4x as efficient as best-of-N; FLOPs-matched, test-time compute beats a 14x
        larger model where the small model has non-trivial success rates
    """,
)
