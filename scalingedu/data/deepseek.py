"""DeepSeek-V3: deepseek-ai/DeepSeek-V3 (README.md, config.json) and the technical report,
arXiv:2412.19437.

Its published sizes and GPU hours (a record of :data:`scalingedu.data.MODELS`), the report's own
costing of the run, its routing and parallelism (sections 2.1.2 and 4.2) and its shape (an entry of
:data:`scalingedu.data.MOE_ARCHITECTURES`).
"""
from __future__ import annotations

from types import MappingProxyType

from .._text import prose
from .records import ModelRecord, PublishedConstants

_DEEPSEEK = prose("""
    deepseek-ai/DeepSeek-V3: README.md (671B total, 37B activated, 14.8T tokens, 2.788M H800 GPU hours)
""")

DEEPSEEK_V3 = ModelRecord(
    "DeepSeek-V3", "DeepSeek", 671e9, 14.8e12, gpu_hours=2.788e6, accelerator="H800",
    active_params=37e9, sources=(_DEEPSEEK,),
    note="""
        Mixture-of-Experts. GPU hours cover the full training (pre-training 2.664M); the HF checkpoint is 685B with
        the 14B multi-token-prediction module.
    """)
"""DeepSeek-V3's published sizes, tokens and GPU hours."""

DEEPSEEK_V3_PRETRAINING_GPU_HOURS = 2.664e6
"""H800 GPU-hours of DeepSeek-V3's pre-training alone: deepseek-ai/DeepSeek-V3: README.md [P]
(2.788M in total)."""

DEEPSEEK_V3_RENTAL = PublishedConstants(
    {"dollars_per_gpu_hour": 2.0, "pretraining_dollars": 5.328e6, "total_dollars": 5.576e6},
    source="""
        DeepSeek-V3 technical report (arXiv:2412.19437) Table 1 [S: facts.md §4]: H800 GPU hours priced at $2 per
        GPU-hour; pre-training 2664K hours ($5.328M), in total 2788K hours ($5.576M)
    """,
    note="""
        A rental price assumed by the report, not what the hardware cost DeepSeek; it excludes research, ablations
        and failed runs.
    """,
)
"""DeepSeek-V3's own costing of its run: the $2/GPU-hour the capstone uses as its default price."""

DEEPSEEK_V3_ROUTING = PublishedConstants(
    {"bias_update_speed": 0.001, "sequence_balance_alpha": 1e-4, "max_nodes_per_token": 4.0,
     "expert_parallel": 64.0, "pipeline_parallel": 16.0, "nodes": 8.0},
    source="""
        DeepSeek-V3 technical report (arXiv:2412.19437) sections 2.1.2 and 4.2 [S: quoted consistently]: sigmoid
        affinities s = sigmoid(u·e_i); top-K on s + b_i; gates are s normalised over the chosen experts; after each
        step b_i falls by gamma if expert i is overloaded and rises by gamma if it is underloaded, gamma = 0.001 for
        the first 14.3T tokens (0 for the last 500B); a sequence-wise balance loss with alpha = 1e-4; each token
        goes to at most 4 nodes; training with 64-way expert parallelism over 8 nodes and 16-way pipeline
        parallelism
    """,
)

DEEPSEEK_V3_BATCH = PublishedConstants(
    {"sequences": 15360.0, "seq_len": 4096.0, "tokens_per_step": 15360.0 * 4096.0, "initial_sequences": 3072.0,
     "ramp_tokens": 469e9},
    source="""
        DeepSeek-V3 technical report (arXiv:2412.19437) §4.2, hyper-parameters [S: quoted consistently]: the batch
        size grows from 3072 to 15360 sequences over the first 469B tokens and stays at 15360 for the rest of
        pre-training, with a maximum sequence length of 4K tokens
    """,
    note="""
        tokens_per_step = 15360 × 4096 ≈ 63M tokens, the largest pre-training batch among the runs the course cites
        (Llama 3 405B: about 16M; GPT-3 175B: 3.2M).
    """,
)
"""DeepSeek-V3's pre-training batch: the largest published batch the course knows of (lesson 06's planner warns
beyond it)."""

DEEPSEEK_V3_MOE_SHAPE = MappingProxyType({
    "n_layers": 61, "d_model": 7168, "n_heads": 128, "d_head": 128, "n_kv_heads": 128,
    "experts": 256,
    "shared_experts": 1, "top_k": 8, "expert_d_ff": 2048, "gated_mlp": True, "moe_every": 1,
    "dense_layers": 3, "dense_d_ff": 18432, "vocab_size": 129280, "tied_embeddings": False,
    "q_lora_rank": 1536, "kv_lora_rank": 512, "qk_rope_head_dim": 64, "v_head_dim": 128,
    "mtp_modules": 1,
    "source": prose("""
        deepseek-ai/DeepSeek-V3 config.json [S: quoted identically in several repositories] and the technical report
        (arXiv:2412.19437) section 4.2: 61 layers, hidden 7168, 128 heads with qk_nope_head_dim 128,
        qk_rope_head_dim 64, v_head_dim 128; multi-head latent attention (MLA) with q_lora_rank 1536 and
        kv_lora_rank 512; first_k_dense_replace 3 with intermediate_size 18432; 256 routed + 1 shared expert of
        width 2048, 8 routed experts per token; vocab 129,280; untied embeddings; num_nextn_predict_layers 1
        (multi-token prediction, MTP)
    """),
    "note": prose("""
        Published sizes: 671B total and 37B activated (MODELS['DeepSeek-V3']); the released checkpoint is 685B with
        the MTP module, which the 671B leaves out.
    """)})
"""DeepSeek-V3's shape: the "deepseek-v3" entry of :data:`scalingedu.data.MOE_ARCHITECTURES`."""

DEEPSEEK_R1_EVALUATION = PublishedConstants(
    {"aime_2024_pass1_v3": 39.2, "aime_2024_pass1_r1": 79.8, "aime_2024_pass1_o1_1217": 79.2,
     "math500_pass1_v3": 90.2, "math500_pass1_r1": 97.3, "max_generation_tokens": 32768.0,
     "samples_per_query": 64.0, "aime_2024_pass1_distill_qwen_1_5b": 28.9, "aime_2024_pass1_gpt_4o": 9.3},
    source="""
        deepseek-ai/DeepSeek-R1: README.md [P] ('DeepSeek-R1-Evaluation' and 'Distilled Model Evaluation' tables;
        maximum generation length 32,768 tokens, temperature 0.6, 64 responses per query to estimate pass@1);
        DeepSeek-R1-Zero and DeepSeek-R1 'are trained based on DeepSeek-V3-Base' (671B total, 37B activated)
    """,
    note="""
        The README gives scores, not the compute of the reinforcement-learning stage or the average length of the
        chains of thought; only the maximum generation length is published there.
    """,
)
"""DeepSeek-R1 against its own base (DeepSeek-V3): the same 37B active parameters, scores in percent."""
