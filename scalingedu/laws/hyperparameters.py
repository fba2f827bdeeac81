"""Hyperparameters from the compute budget: DeepSeek LLM's learning-rate and batch-size laws (arXiv:2401.02954,
section 3.1), and Kaplan et al.'s critical batch size as the loss falls.

DeepSeek LLM measures model scale by the non-embedding FLOPs per token,

    M = 72·n_layer·d_model² + 6·n_layer·d_model·l_seq          (its Eq. 2: 6N for the layers plus the attention
                                                                 over the sequence, with the MLP 4·d_model wide)

and the budget as C = M·D. Its fits of near-optimal hyperparameters over small runs are

    eta_opt(C) = 0.3118·C^-0.1250,        B_opt(C) = 0.2920·C^0.3271 tokens            (its Eq. 1)

so a 100× larger budget wants a learning rate 1.8× smaller and a batch 4.5× larger. Both are fits to one lab's
recipe (AdamW, a multi-step schedule, its data); the paper itself notes a wide band of near-optimal values around
them. Kaplan et al. 2020 (Eq. 5.3) give the critical batch as a function of the loss instead:
B_crit(L) = B*/L^(1/alpha_B), which doubles for about every 13% fall in loss.
"""
from __future__ import annotations

from .. import _validate as v
from ..data.deepseek_llm import DEEPSEEK_LLM_HYPERPARAMETER_LAWS as _LAWS
from ..data.kaplan_2020 import KAPLAN_2020_CRITICAL_BATCH as _KAPLAN


def non_embedding_flops_per_token(n_layers, d_model, sequence_length):
    """DeepSeek LLM's M (Eq. 2): 72·n_layer·d_model² + 6·n_layer·d_model·l_seq FLOPs per token."""
    layers = v.positive("n_layers", n_layers)
    width = v.positive("d_model", d_model)
    length = v.positive("sequence_length", sequence_length)
    return v.scalar_or_array(72.0 * layers * width ** 2 + 6.0 * layers * width * length,
                             n_layers, d_model, sequence_length)


def deepseek_learning_rate(flops):
    """The near-optimal peak learning rate at a budget of ``flops`` (C = M·D): 0.3118·C^-0.1250."""
    c = v.positive("flops", flops)
    return v.scalar_or_array(_LAWS["lr_coefficient"] * c ** _LAWS["lr_exponent"], flops)


def deepseek_batch_tokens(flops):
    """The near-optimal batch in tokens at a budget of ``flops`` (C = M·D): 0.2920·C^0.3271."""
    c = v.positive("flops", flops)
    return v.scalar_or_array(_LAWS["batch_coefficient"] * c ** _LAWS["batch_exponent"], flops)


def kaplan_critical_batch(loss):
    """Kaplan et al.'s critical batch in tokens at a loss of ``loss`` nats per token: B*/L^(1/alpha_B) (Eq. 5.3,
    Table 5: B* = 2.1e8 tokens, alpha_B = 0.21). Measured on WebText2 with GPT-2's tokens; another tokenizer or
    data set moves it."""
    value = v.positive("loss", loss)
    return v.scalar_or_array(_KAPLAN["B_star"] / value ** (1.0 / _KAPLAN["alpha_B"]), loss)
