"""Epoch AI's replication of Chinchilla: Besiroglu, Erdil, Barnett & You 2024, "Chinchilla Scaling:
A replication attempt", arXiv:2404.10102, with its repository epoch-research/analyzing-chinchilla
(data/svg_extracted_data.csv, data_analysis.ipynb).
"""
from __future__ import annotations

from .records import PublishedConstants

EPOCH_2024_FIT = PublishedConstants(
    {"E": 1.817, "A": 482.006, "B": 2085.434, "alpha": 0.3478, "beta": 0.3658},
    source="""
        Besiroglu, Erdil, Barnett & You 2024, 'Chinchilla Scaling: A replication attempt' (arXiv:2404.10102), refit
        of Hoffmann's Approach 3 on 240 points extracted from Fig. 4 (data_analysis.ipynb output)
    """,
    note="""
        Standard errors: A 124.5, B 1293.3, E 0.026, alpha 0.0154, beta 0.0206; a = beta/(alpha+beta) = 0.513 (SE
        0.020).
    """,
)
EPOCH_2024_REPLICATION = PublishedConstants(
    {"points_extracted": 245.0, "points_excluded": 5.0,
     "params_exponent": 0.513, "params_exponent_se": 0.020,
     "median_tokens_per_param": 25.66, "hoffmann_policy_tokens_per_param": 72.87,
     "samples_for_hoffmann_interval": 634_773.0,
     "log_likelihood_rounded": 562.25, "log_likelihood_unrounded": 837.78,
     "log_likelihood_epoch": 879.77,
     "fig4_smallest_flops": 1.4e18, "fig4_largest_flops": 1.3e22,
     "fig4_smallest_params": 5.7e7, "fig4_largest_params": 1.62e10},
    source="""
        Besiroglu, Erdil, Barnett & You 2024 (arXiv:2404.10102) and epoch-research/analyzing-chinchilla:
        data/svg_extracted_data.csv (245 points read from Hoffmann's Fig. 4) and data_analysis.ipynb (5 highest-loss
        points excluded; a = 0.513 with standard error 0.020; median D/N at Chinchilla's compute 25.66 under the
        refit against 72.87 under Hoffmann's policy; about 634,773 runs would be needed for Table 2's interval on a;
        log-likelihoods without outliers of the rounded, unrounded and refit laws); the range of the 245 points
        (the summary of training_df in data_analysis.ipynb: training FLOP 1.397e18 to 1.296e22, model size 5.73e7
        to 1.618e10), that is, the compute and the model sizes the parametric fit (Approach 3) rests on
    """,
    note="""
        The abstract also says Hoffmann's optimizer stopped before convergence because of a poor choice of loss
        scale; a secondary source says the Huber loss was averaged rather than summed (not checked here).
    """,
)
