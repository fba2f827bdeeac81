"""Scaling laws: Kaplan et al. 2020, Hoffmann et al. 2022 (Chinchilla) and its replication, fits and allocations.

One concept per module: ``allocation`` (the ``Allocation`` plan), ``kaplan`` (``KAPLAN_2020``), ``chinchilla``
(``ChinchillaLaw`` and its published constants), ``fitting`` (``fit_chinchilla``, the reference grid fit, and
Approach 2's IsoFLOP parabolas), ``comparison`` (the laws side by side, by the labels the
lessons use, and real models against them), ``isoflop`` (IsoFLOP profiles at one budget, and
Approach 2 on simulated runs), ``hyperparameters`` (learning rate and batch size from the budget or the loss).
"""
from .allocation import Allocation
from .chinchilla import EPOCH_2024, HOFFMANN_2022, HOFFMANN_2022_TEX, ChinchillaLaw
from .comparison import (
                         ALLOCATION_LAWS,
                         CHINCHILLA_FITTED_FLOPS,
                         CHINCHILLA_TESTED_FLOPS,
                         KAPLAN_CHOICE,
                         LAW_CHOICES,
                         ModelPosition,
                         allocations,
                         budget_cautions,
                         law_choice,
                         model_budget,
                         model_positions,
                         optimal_tokens_for_params,
                         preset_values,
)
from .fitting import (
                         IsoFlopFit,
                         fit_chinchilla,
                         fit_chinchilla_grid,
                         fit_isoflop_parabolas,
                         huber_objective,
                         simulate_runs,
)
from .hyperparameters import (
                         deepseek_batch_tokens,
                         deepseek_learning_rate,
                         kaplan_critical_batch,
                         non_embedding_flops_per_token,
)
from .isoflop import TRUE_LAWS, IsoFlopExperiment, IsoFlopView, isoflop_experiment, isoflop_view, profile_limits
from .kaplan import (
                         KAPLAN_2020,
                         KaplanLaw,
                         LawPoint,
                         kaplan_largest_run_flops,
                         law_point,
                         measured_range_cautions,
)

__all__ = ["Allocation", "ALLOCATION_LAWS", "CHINCHILLA_FITTED_FLOPS", "CHINCHILLA_TESTED_FLOPS", "ChinchillaLaw",
           "EPOCH_2024", "HOFFMANN_2022", "HOFFMANN_2022_TEX", "IsoFlopExperiment", "IsoFlopFit", "IsoFlopView",
           "KAPLAN_2020", "KAPLAN_CHOICE", "KaplanLaw", "LAW_CHOICES", "LawPoint", "ModelPosition", "TRUE_LAWS",
           "allocations", "budget_cautions", "deepseek_batch_tokens", "deepseek_learning_rate", "fit_chinchilla",
           "fit_chinchilla_grid", "fit_isoflop_parabolas", "huber_objective", "isoflop_experiment", "isoflop_view",
           "kaplan_critical_batch", "kaplan_largest_run_flops", "law_choice", "law_point", "measured_range_cautions",
           "model_budget", "model_positions", "non_embedding_flops_per_token", "optimal_tokens_for_params",
           "preset_values", "profile_limits", "simulate_runs"]
