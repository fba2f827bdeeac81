"""Diminishing returns: the frontier's shrinking gains, data limits, inference-aware sizing, test-time compute and
emergence as a metric effect.

One concept per module: ``frontier`` (gain per doubling along the compute-optimal frontier, the compute and money
for the next step, the lab's measured frontier), ``data_limits`` (Muennighoff et al. 2023's data-constrained law and
its optimum), ``inference`` (Sardana et al. 2023: training plus inference compute),
``overtraining`` (the compute a ratio beyond the optimum costs; Gadre et al. 2024's form), ``test_time`` (a toy model of
repeated sampling with a verifier), ``total_compute`` (the same exchange counted over a model's life: pre-training,
answers and verifier), ``emergence`` (Schaeffer et al. 2023: smooth per-token loss, sharp exact match),
``limits`` (the epochs and tokens per parameter the laws were measured on, and the caution beyond them).
"""
from .data_limits import (
                          MUENNIGHOFF_2023,
                          DataConstrainedAllocation,
                          DataConstrainedLaw,
                          data_constrained_loss,
                          data_constrained_optimal,
)
from .emergence import (
                          LabEmergence,
                          exact_match,
                          lab_emergence,
                          power_law_token_loss,
                          token_edit_distance,
                          token_probability,
)
from .frontier import (
                          FrontierStep,
                          LabFrontier,
                          flops_for_loss,
                          frontier_exponent,
                          frontier_loss,
                          frontier_step,
                          gain_per_doubling,
                          lab_frontier,
)
from .inference import (
                          InferenceAllocation,
                          inference_optimal,
                          lifetime_flops,
                          optimal_budget_for_params,
                          smallest_params_for_loss,
                          tokens_to_reach,
)
from .limits import TESTED_EPOCHS, TESTED_TOKENS_PER_PARAM, epochs_caution, tokens_per_param_caution
from .overtraining import GadreForm, compute_multiplier, gadre_form, overtrained_loss
from .test_time import ComputeMatched, ToyTask, Verifier, best_of_n_accuracy, compute_matched, coverage
from .total_compute import LifetimeCompute, TotalMatched, affordable_samples, lifetime_compute, total_matched

__all__ = ["ComputeMatched", "DataConstrainedAllocation", "DataConstrainedLaw", "FrontierStep", "GadreForm",
           "InferenceAllocation", "LabEmergence", "LabFrontier", "LifetimeCompute", "MUENNIGHOFF_2023",
           "TESTED_EPOCHS", "TESTED_TOKENS_PER_PARAM", "TotalMatched", "ToyTask", "Verifier", "affordable_samples",
           "best_of_n_accuracy", "compute_matched", "compute_multiplier", "coverage", "data_constrained_loss",
           "data_constrained_optimal", "epochs_caution", "exact_match", "flops_for_loss", "frontier_exponent",
           "frontier_loss", "frontier_step", "gadre_form", "gain_per_doubling", "inference_optimal", "lab_emergence",
           "lab_frontier", "lifetime_compute", "lifetime_flops", "optimal_budget_for_params", "overtrained_loss",
           "power_law_token_loss", "smallest_params_for_loss", "token_edit_distance", "token_probability",
           "tokens_per_param_caution", "tokens_to_reach", "total_matched"]
