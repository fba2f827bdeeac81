"""Mixture-of-Experts (lesson 07): parameters, routing, capacity, load balancing and the cost of experts.

One concept per module, public names re-exported here:

- :mod:`~scalingedu.moe.architecture`: :class:`MoEConfig`, :data:`PRESETS` of real models, :func:`count_params`
  (total and active parameters, counted from the architecture);
- :mod:`~scalingedu.moe.scores`: :func:`load_balancing_loss` (Switch Eqs. 4-6) and the kernels
  (softmax and sigmoid in place, top-k) that routing and balancing share;
- :mod:`~scalingedu.moe.routing`: :func:`route` (softmax top-k as Switch and GShard, sigmoid with a bias as
  DeepSeek-V3), :func:`expert_capacity` (Switch Eq. 3), dropped tokens, per-expert load;
- :mod:`~scalingedu.moe.balancing`: :func:`simulate_balancing` (DeepSeek-V3's auxiliary-loss-free
  bias rule, or Switch's loss, over steps), :func:`train_router` (collapse and its cure);
- :mod:`~scalingedu.moe.expert_parallel`: all-to-all bytes of expert parallelism, FLOPs and memory against dense
  models, :func:`dense_vs_moe` at a training budget.
"""
from .architecture import PRESETS, MoEConfig, ParamCount, active_matmul_params, count_params, preset, published_counts
from .balancing import (
                        BALANCING_METHODS,
                        BalanceHistory,
                        RouterTraining,
                        simulate_balancing,
                        simulate_bias_balancing,
                        train_router,
)
from .expert_parallel import (
                        LARGEST_TRAINED_MOE,
                        AllToAllCost,
                        ComputeAndMemory,
                        DenseVsMoE,
                        all_to_all_bytes,
                        compute_and_memory,
                        dense_vs_moe,
                        model_all_to_all_bytes,
                        moe_size_caution,
                        moe_total_params,
)
from .routing import METHODS, Routing, expert_capacity, expert_preference, route, skewed_logits, softmax
from .scores import load_balancing_loss

__all__ = [
    "AllToAllCost", "BALANCING_METHODS", "BalanceHistory", "ComputeAndMemory", "DenseVsMoE", "LARGEST_TRAINED_MOE",
    "METHODS",
    "MoEConfig", "PRESETS", "ParamCount", "RouterTraining", "Routing", "active_matmul_params", "all_to_all_bytes",
    "compute_and_memory", "count_params", "dense_vs_moe", "expert_capacity", "expert_preference", "load_balancing_loss",
    "model_all_to_all_bytes", "moe_size_caution", "moe_total_params", "preset", "published_counts", "route",
    "simulate_balancing",
    "simulate_bias_balancing", "skewed_logits", "softmax", "train_router",
]
