"""Data-constrained scaling: Muennighoff et al. 2023, "Scaling Data-Constrained Language Models",
arXiv:2305.16264, and its repository huggingface/datablations (README.md, section 'Parametric Fit').
"""
from __future__ import annotations

from types import MappingProxyType

from .records import PublishedConstants

MUENNIGHOFF_2023_REPETITION = PublishedConstants(
    {"nearly_free_epochs": 4.0, "negligible_returns_epochs": 16.0,
     "runs": 400.0, "largest_params": 9e9, "largest_tokens": 900e9},
    source="""
        Muennighoff et al. 2023, 'Scaling Data-Constrained Language Models' (arXiv:2305.16264): abstract (up to 4
        epochs of repeated data give negligible changes to loss compared with unique data; 400 runs up to 9B
        parameters and 900B tokens)
    """,
    note="""
        'About 16 epochs' for negligible returns is read from the paper's discussion; the 4-epoch wording is taken
        from secondary copies of the abstract (facts.md §9). The fitted R_D* and R_N* live in MUENNIGHOFF_2023_FIT.
    """,
)
MUENNIGHOFF_2023_FIT = PublishedConstants(
    {"a": 6.255414, "b": 7.3049974, "e": 0.6254804, "alpha": 0.3526596, "beta": 0.3526596,
     "rd_star": 15.387756, "rn_star": 5.309743},
    source="""
        Muennighoff et al. 2023, 'Scaling Data-Constrained Language Models' (arXiv:2305.16264), fit printed in
        huggingface/datablations: README.md, section 'Parametric Fit' [P]: a, b, e, alpha, beta, R_D*, R_N*; A =
        exp(a), B = exp(b), E = exp(e)
    """,
    note="""
        Fitted with alpha = beta. The README warns that the absolute loss is unlikely to be useful: compare trends
        and models, not the numbers themselves.
    """,
)
MUENNIGHOFF_2023_FIGURE1 = PublishedConstants(
    {"fewer_params": MappingProxyType({"params": 6.34e9, "tokens": 242e9, "unique_tokens": 25e9,
                                       "loss": 2.2256440889984477}),
     "more_params": MappingProxyType({"params": 8.67e9, "tokens": 178e9, "unique_tokens": 25e9,
                                      "loss": 2.2269634075087867}),
     "optimal_tokens": 227e9, "optimal_epochs": 9.1, "optimal_params": 6.8e9},
    source="""
        huggingface/datablations: README.md, 'Parametric Fit' [P]: the two models of Figure 1 (right) with their
        predicted losses as printed by the README's code, and its grid-search optimum for the budget of the 8.67B
        model on 25B unique tokens ('227B tokens, 9.1 epochs, 6.8B parameters', rounded)
    """,
)
"""Muennighoff et al.'s worked example: at equal compute, 6.34B params for 9.7 epochs beats 8.67B
for 7.1."""
