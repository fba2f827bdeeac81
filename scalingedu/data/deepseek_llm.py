"""DeepSeek LLM (DeepSeek-AI 2024, "DeepSeek LLM: Scaling Open-Source Language Models with Longtermism",
arXiv:2401.02954): its scaling laws for the learning rate and the batch size, and the two models it set with them.

Section 3.1 fits the near-optimal peak learning rate and batch size of small runs (multi-step schedule, AdamW) as
power laws of the compute budget C = M·D, where M is the non-embedding FLOPs per token
(M = 72·n_layer·d_model² + 6·n_layer·d_model·l_seq, its Eq. 2) and D the training tokens. Table 2 lists the 7B and
67B models' shapes and the learning rate and batch size chosen for them.
"""
from __future__ import annotations

from .records import PublishedConstants

_CHECK = """
    [S] Recalled from the paper (section 3.1, Eq. 1; Table 2), not checked against its text offline. Consistency
    check instead: the laws give both models' chosen learning rates within 3% and batch sizes within 10% (the
    tests), which a mis-remembered constant would not.
"""

DEEPSEEK_LLM_HYPERPARAMETER_LAWS = PublishedConstants(
    {"lr_coefficient": 0.3118, "lr_exponent": -0.1250, "batch_coefficient": 0.2920, "batch_exponent": 0.3271},
    source="""
        DeepSeek LLM (arXiv:2401.02954) section 3.1, Eq. 1: eta_opt = 0.3118 * C^-0.1250 and
        B_opt = 0.2920 * C^0.3271 (batch in tokens, C in FLOPs as M*D)
    """,
    note=_CHECK,
)
"""DeepSeek LLM's learning-rate and batch-size laws."""

DEEPSEEK_LLM_MODELS = {
    "7B": PublishedConstants(
        {"n_layers": 30.0, "d_model": 4096.0, "context": 4096.0, "tokens": 2.0e12, "learning_rate": 4.2e-4,
         "batch_sequences": 2304.0},
        source="DeepSeek LLM (arXiv:2401.02954) Table 2: 30 layers, d_model 4096, 4096-token sequences, 2T tokens, "
               "peak learning rate 4.2e-4, batch of 2304 sequences",
        note=_CHECK),
    "67B": PublishedConstants(
        {"n_layers": 95.0, "d_model": 8192.0, "context": 4096.0, "tokens": 2.0e12, "learning_rate": 3.2e-4,
         "batch_sequences": 4608.0},
        source="DeepSeek LLM (arXiv:2401.02954) Table 2: 95 layers, d_model 8192, 4096-token sequences, 2T tokens, "
               "peak learning rate 3.2e-4, batch of 4608 sequences",
        note=_CHECK),
}
"""The two DeepSeek LLM models whose hyperparameters the laws set."""
