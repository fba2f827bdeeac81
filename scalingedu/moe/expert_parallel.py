"""What experts cost: all-to-all communication under expert parallelism, FLOPs per token, and memory.

**Expert parallelism (EP).** With EP degree ``ep``, each MoE layer's experts are split over ``ep`` GPUs. Every GPU
holds a share of the batch; after routing, each token's hidden vector (d_model values) is sent to the GPU that
holds each of its ``top_k`` experts (the *dispatch* all-to-all), and the experts' outputs come back the same way
(the *combine* all-to-all). A GPU that holds ``tokens_per_gpu`` tokens thus starts each all-to-all with
tokens_per_gpu × top_k × d_model × bytes_per_value bytes, of which (ep-1)/ep leave the GPU when the routing is
balanced (:func:`scalingedu.parallelism.collective_bytes`). Forward: 2 all-to-alls per MoE layer; training doubles
it (the backward pass sends the gradients the same two ways).

**Compute and memory.** A token's FLOPs depend on the *active* parameters (about 2 per active weight forward, 6
for training: Kaplan et al. 2020's C ≈ 6N with N the weights a token uses), while memory must hold *all*
parameters. A dense model of the same total size would cost total/active times more FLOPs per token; a dense model
of the same active size fits in active/total of the memory.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as v
from ..data import SWITCH_ROUTING, model
from ..formatting import human
from ..parallelism import collective_bytes, collective_time
from .architecture import MoEConfig, _check_config, count_params

ALL_TO_ALLS_PER_MOE_LAYER_FORWARD = 2
"""Dispatch (tokens to their experts) and combine (expert outputs back to their tokens)."""
TRAINING_PASS_FACTOR = 2
"""Training repeats both all-to-alls in the backward pass (for the gradients), so twice the forward traffic."""


@dataclass(frozen=True)
class AllToAllCost:
    """Network traffic of expert parallelism for one MoE layer, per GPU (bytes; arrays if inputs were arrays).

    ``dispatch_bytes``: what one GPU sends in the dispatch all-to-all; ``forward_bytes``: dispatch + combine;
    ``training_bytes``: forward and backward; ``seconds``: time of the training traffic at the given bandwidth
    (None if no bandwidth was given).
    """

    dispatch_bytes: float | np.ndarray
    forward_bytes: float | np.ndarray
    training_bytes: float | np.ndarray
    seconds: float | np.ndarray | None


def all_to_all_bytes(tokens_per_gpu, top_k, d_model, ep_degree, *, bytes_per_value: float = 2.0,
                     bandwidth_bytes_per_second=None, latency_seconds: float = 0.0) -> AllToAllCost:
    """Bytes each GPU sends per MoE layer under expert parallelism of degree ``ep_degree`` (balanced routing).

    Each of the ``tokens_per_gpu`` tokens on a GPU goes to ``top_k`` experts, so a GPU holds
    tokens_per_gpu × top_k × d_model × ``bytes_per_value`` bytes to dispatch (2 bytes: bf16 activations); an
    all-to-all sends (ep-1)/ep of it (:func:`scalingedu.parallelism.collective_bytes`). Forward = 2 all-to-alls,
    training = 4. With ``bandwidth_bytes_per_second`` (per GPU), ``seconds`` is the alpha-beta time of the
    training traffic (:func:`scalingedu.parallelism.collective_time`). Vectorised over the numeric arguments.
    """
    tokens = v.positive("tokens_per_gpu", tokens_per_gpu)
    k = v.positive("top_k", top_k)
    width = v.positive("d_model", d_model)
    width_bytes = float(v.positive("bytes_per_value", bytes_per_value))
    message = tokens * k * width * width_bytes
    inputs = (tokens_per_gpu, top_k, d_model, ep_degree)
    dispatch = np.asarray(collective_bytes("all_to_all", message, ep_degree), dtype=float)
    forward = ALL_TO_ALLS_PER_MOE_LAYER_FORWARD * dispatch
    training = TRAINING_PASS_FACTOR * forward
    seconds = None
    if bandwidth_bytes_per_second is not None:
        one = np.asarray(collective_time("all_to_all", message, ep_degree,
                                         bandwidth_bytes_per_second=bandwidth_bytes_per_second,
                                         latency_seconds=latency_seconds), dtype=float)
        seconds = v.scalar_or_array(ALL_TO_ALLS_PER_MOE_LAYER_FORWARD * TRAINING_PASS_FACTOR * one, *inputs)
    return AllToAllCost(dispatch_bytes=v.scalar_or_array(dispatch, *inputs),
                        forward_bytes=v.scalar_or_array(forward, *inputs),
                        training_bytes=v.scalar_or_array(training, *inputs), seconds=seconds)


def model_all_to_all_bytes(config: MoEConfig | str, tokens_per_gpu, ep_degree, *,
                           bytes_per_value: float = 2.0) -> float:
    """Training all-to-all bytes per GPU for one step of a whole model: every MoE layer's traffic added up."""
    c = _check_config(config)
    per_layer = all_to_all_bytes(tokens_per_gpu, c.top_k, c.d_model, ep_degree, bytes_per_value=bytes_per_value)
    return v.scalar_or_array(np.asarray(per_layer.training_bytes) * c.moe_layers, tokens_per_gpu, ep_degree)


@dataclass(frozen=True)
class ComputeAndMemory:
    """Per-token FLOPs and parameter memory of an MoE model against dense models (see :func:`compute_and_memory`).

    ``moe_training_flops_per_token`` = 6 × active; ``dense_same_total_flops_per_token`` = 6 × total (a dense model
    as big as the MoE's memory); ``weights_bytes`` holds every parameter at ``bytes_per_param``;
    ``active_weights_bytes`` only the active ones (what a dense model of the same FLOPs would hold).
    """

    total_params: int
    active_params: int
    moe_training_flops_per_token: float
    dense_same_total_flops_per_token: float
    weights_bytes: float
    active_weights_bytes: float

    @property
    def flops_saving(self) -> float:
        """How many times fewer FLOPs per token than a dense model of the same total size (total / active)."""
        return self.dense_same_total_flops_per_token / self.moe_training_flops_per_token

    @property
    def memory_factor(self) -> float:
        """How many times more weight memory than a dense model of the same FLOPs per token (total / active)."""
        return self.weights_bytes / self.active_weights_bytes


FLOPS_PER_PARAM_PER_TOKEN_TRAINING = 6.0
"""Kaplan et al. 2020, section 2.1: about 6 FLOPs per parameter per token for training (2 forward, 4 backward),
with N the parameters a token uses: for an MoE, the active ones. Attention over the context is left out."""


def compute_and_memory(config: MoEConfig | str, *, bytes_per_param: float = 2.0) -> ComputeAndMemory:
    """FLOPs per training token (6 × active parameters) and weight memory (all parameters), against dense models.

    ``bytes_per_param``: 2 for bf16 weights at inference; about 16 per parameter in mixed-precision training with
    Adam (weights, gradients, optimizer states: ZeRO's 16Ψ).
    """
    counts = count_params(config)
    per_param = float(v.positive("bytes_per_param", bytes_per_param))
    return ComputeAndMemory(
        total_params=counts.total, active_params=counts.active,
        moe_training_flops_per_token=FLOPS_PER_PARAM_PER_TOKEN_TRAINING * counts.active,
        dense_same_total_flops_per_token=FLOPS_PER_PARAM_PER_TOKEN_TRAINING * counts.total,
        weights_bytes=per_param * counts.total, active_weights_bytes=per_param * counts.active)


EXPERT_SHARE_OF_PARAMS = 2.0 / 3.0
"""Share of a dense transformer's non-embedding parameters in its MLPs: 8·d² of Kaplan et al. 2020's 12·d² per
layer (Eq. 2.1, d_ff = 4·d_model). Turning each MLP into experts multiplies this share."""


@dataclass(frozen=True)
class DenseVsMoE:
    """A compute-optimal dense model at a training budget and an MoE with the same FLOPs per token and tokens.

    ``dense_params`` and ``tokens`` come from the Chinchilla law (Hoffmann et al. 2022, Eq. 10, rounded); the MoE
    has ``dense_params`` active parameters (so the same training FLOPs, 6·N·D) and ``moe_total_params`` in all
    (its MLPs copied ``experts`` times, ``top_k`` used per token). Bytes: ``*_training_bytes`` at 16 per parameter
    (mixed-precision Adam), ``*_inference_bytes`` at 2 (bf16 weights).
    """

    flops: float
    tokens: float
    dense_params: float
    moe_total_params: float
    experts: int
    top_k: int

    @property
    def moe_active_params(self) -> float:
        return self.dense_params

    @property
    def flops_per_token(self) -> float:
        """Training FLOPs per token, the same for both: 6 × active parameters."""
        return FLOPS_PER_PARAM_PER_TOKEN_TRAINING * self.dense_params

    @property
    def dense_training_bytes(self) -> float:
        return 16.0 * self.dense_params

    @property
    def moe_training_bytes(self) -> float:
        return 16.0 * self.moe_total_params

    @property
    def dense_inference_bytes(self) -> float:
        return 2.0 * self.dense_params

    @property
    def moe_inference_bytes(self) -> float:
        return 2.0 * self.moe_total_params

    @property
    def same_total_dense_flops(self) -> float:
        """Training FLOPs of a dense model as big as the MoE's total, on the same tokens: 6 × total × tokens."""
        return FLOPS_PER_PARAM_PER_TOKEN_TRAINING * self.moe_total_params * self.tokens


def moe_total_params(active_params, experts, top_k, *, expert_share: float = EXPERT_SHARE_OF_PARAMS):
    """Total parameters of an MoE whose dense counterpart (same active parameters) has ``active_params``.

    The MLP share ``expert_share`` of the parameters becomes ``experts`` experts of which ``top_k`` are active:
    total = active × (1 - share + share × experts / top_k). Each expert is 1/top_k of the dense MLP (fine-grained
    experts), so the top_k experts a token uses hold as many parameters as the dense MLP. Vectorised.
    """
    n = v.positive("active_params", active_params)
    e = v.positive("experts", experts)
    k = v.positive("top_k", top_k)
    if np.any(k > e):
        raise ValueError("top_k must be <= experts (a token cannot use more experts than there are)")
    share = float(v.in_range("expert_share", expert_share, 0.0, 1.0))
    return v.scalar_or_array(n * (1.0 - share + share * e / k), active_params, experts, top_k)


def dense_vs_moe(flops: float, experts: int, top_k: int) -> DenseVsMoE:
    """Compare, at a training budget of ``flops`` FLOPs, the Chinchilla-optimal dense model with an MoE of equal
    FLOPs per token: same tokens, same active parameters, ``experts`` experts with ``top_k`` active per token."""
    from ..laws import HOFFMANN_2022
    if np.ndim(flops) != 0:
        raise TypeError("flops must be one budget (a single number of FLOPs)")
    budget = float(v.positive("flops", flops))
    e = v.positive_int("experts", experts)
    k = v.positive_int("top_k", top_k, maximum=e)
    plan = HOFFMANN_2022.compute_optimal(budget)
    params = float(plan.params)
    return DenseVsMoE(flops=budget, tokens=float(plan.tokens), dense_params=params,
                      moe_total_params=float(moe_total_params(params, e, k)), experts=e, top_k=k)


LARGEST_TRAINED_MOE = "DeepSeek-V3"
"""The largest decoder-only MoE language model in :data:`scalingedu.data.MODELS` (671B total, 37B active)."""


def moe_size_caution(total_params: float) -> str:
    """A sentence for an MoE whose total parameters exceed :data:`LARGEST_TRAINED_MOE`'s ("" otherwise): counting
    its parameters and bytes still works, but no MoE of that size has been trained and measured."""
    total = float(v.positive("total_params", total_params))
    largest = model(LARGEST_TRAINED_MOE).params
    if total <= largest:
        return ""
    return (f"{human(total)} total parameters: more than {LARGEST_TRAINED_MOE}'s {human(largest)}, the largest "
            f"decoder-only MoE on record here (Switch-C, an encoder-decoder, had "
            f"{human(SWITCH_ROUTING['switch_c_params'])}); no MoE this size has been trained")
