"""Reference data: every published number the course uses, once, with its source.

Lessons, widgets, exercises and tests import these tables from here (``from scalingedu.data import
X``); no notebook types a published constant. Each record names where its figures come from (paper
and table or equation, or the authors' repository file): a :class:`PublishedConstants` its
``source``, a :class:`ModelRecord` or published :class:`TransformerShape` its ``sources``, an
:class:`Accelerator` its ``source``; a lookup table of plain numbers, or a single number, says it in
its docstring. Where a figure was only seen in secondary quotations, the ``note`` says so, and the
lessons repeat that caveat. Tags as in shared/reference/facts.md: [P] checked against the paper or
the authors' repository file; [S] seen only in secondary quotations or vendor material (say so when
you use it); [A] an assumption of this course.

One module per source or family of models:

====================================================  ========================================
topic                                                 module
====================================================  ========================================
record types (constants, models, chips, shapes)       :mod:`~scalingedu.data.records`
Kaplan et al. 2020: laws, setup, frontier, PF-day     :mod:`~scalingedu.data.kaplan_2020`
GPT-3 (Brown et al. 2020): sizes, FLOPs, shapes       :mod:`~scalingedu.data.gpt3`
Chinchilla and Gopher (Hoffmann et al. 2022)          :mod:`~scalingedu.data.hoffmann_2022`
Epoch AI's Chinchilla replication (2024)              :mod:`~scalingedu.data.epoch_2024`
LLaMA, Llama 2, Llama 3 (and the 405B run)            :mod:`~scalingedu.data.llama`
nanoGPT's sizing of GPT-2 small                       :mod:`~scalingedu.data.nanogpt`
PaLM's utilisation (Chowdhery et al. 2022)            :mod:`~scalingedu.data.palm_2022`
Mixtral 8x7B                                          :mod:`~scalingedu.data.mixtral`
DeepSeek-V3 and R1: sizes, cost, routing, shape       :mod:`~scalingedu.data.deepseek`
DeepSeek LLM: learning-rate and batch-size laws      :mod:`~scalingedu.data.deepseek_llm`
Switch Transformers and GShard: routing               :mod:`~scalingedu.data.switch_gshard`
accelerators: peaks, memory, board power              :mod:`~scalingedu.data.accelerators`
parallelism: ZeRO, Megatron-LM, interconnects         :mod:`~scalingedu.data.parallelism`
data-constrained scaling (Muennighoff et al. 2023)    :mod:`~scalingedu.data.muennighoff_2023`
inference-aware sizing, test-time compute             :mod:`~scalingedu.data.inference`
catalogues: MODELS, ARCHITECTURES, MOE_ARCHITECTURES  :mod:`~scalingedu.data.models`
====================================================  ========================================
"""
from __future__ import annotations

from .accelerators import ACCELERATOR_BOARD_POWER_WATTS, ACCELERATORS, accelerator
from .deepseek import (
                            DEEPSEEK_R1_EVALUATION,
                            DEEPSEEK_V3_BATCH,
                            DEEPSEEK_V3_PRETRAINING_GPU_HOURS,
                            DEEPSEEK_V3_RENTAL,
                            DEEPSEEK_V3_ROUTING,
)
from .deepseek_llm import DEEPSEEK_LLM_HYPERPARAMETER_LAWS, DEEPSEEK_LLM_MODELS
from .epoch_2024 import EPOCH_2024_FIT, EPOCH_2024_REPLICATION
from .gpt3 import GPT3_PF_DAYS
from .hoffmann_2022 import (
                            CHINCHILLA_APPROACH1_TABLE3,
                            CHINCHILLA_TABLE3_TEXT,
                            CHINCHILLA_TOKENS_PER_PARAM,
                            GOPHER_BUDGET_FLOPS,
                            HOFFMANN_2022_ALLOCATION_EXPONENTS,
                            HOFFMANN_2022_ALLOCATION_INTERVALS,
                            HOFFMANN_2022_EXPERIMENTS,
                            HOFFMANN_2022_FIT,
                            HOFFMANN_2022_TEX_FIT,
                            HOFFMANN_2022_TRAINING,
)
from .inference import SARDANA_2023, SNELL_2024
from .kaplan_2020 import (
                            KAPLAN_2020_ALLOCATION,
                            KAPLAN_2020_BREAKDOWN,
                            KAPLAN_2020_COMPUTE_LAW,
                            KAPLAN_2020_CRITICAL_BATCH,
                            KAPLAN_2020_DATA_LAW,
                            KAPLAN_2020_FRONTIER_THEORY,
                            KAPLAN_2020_JOINT_LAW,
                            KAPLAN_2020_MODEL_RANGE,
                            KAPLAN_2020_OVERFITTING,
                            KAPLAN_2020_PARAMS_LAW,
                            KAPLAN_2020_SEED_VARIATION,
                            KAPLAN_2020_SETUP,
                            KAPLAN_2020_SINGLE_EPOCH_DATA,
                            KAPLAN_2020_STEPS_LAW,
                            KAPLAN_2020_TENFOLD_COMPUTE,
                            PF_DAY_FLOPS,
)
from .llama import LLAMA3_405B_ARCHITECTURE, LLAMA3_405B_RUN, LLAMA3_405B_TRAINING
from .models import ARCHITECTURES, MODELS, MOE_ARCHITECTURES, model
from .muennighoff_2023 import MUENNIGHOFF_2023_FIGURE1, MUENNIGHOFF_2023_FIT, MUENNIGHOFF_2023_REPETITION
from .nanogpt import NANOGPT_GPT2_SMALL, NANOGPT_SIZING
from .palm_2022 import PALM_540B_UTILISATION
from .parallelism import INTERCONNECTS, NARAYANAN_GPT3_TRAINING_TIME, ZERO_COMMUNICATION_VOLUME, ZERO_FIGURE1_EXAMPLE
from .records import Accelerator, ModelRecord, PublishedConstants, TransformerShape
from .switch_gshard import GSHARD_TOP_K, SWITCH_ROUTING

__all__ = [
    # record types
    "Accelerator", "ModelRecord", "PublishedConstants", "TransformerShape",
    # catalogues of models, and lookups
    "MODELS", "model", "ARCHITECTURES", "MOE_ARCHITECTURES",
    # Kaplan et al. 2020
    "PF_DAY_FLOPS", "KAPLAN_2020_SETUP", "KAPLAN_2020_MODEL_RANGE", "KAPLAN_2020_SEED_VARIATION",
    "KAPLAN_2020_PARAMS_LAW", "KAPLAN_2020_DATA_LAW", "KAPLAN_2020_COMPUTE_LAW",
    "KAPLAN_2020_JOINT_LAW", "KAPLAN_2020_OVERFITTING", "KAPLAN_2020_CRITICAL_BATCH",
    "KAPLAN_2020_STEPS_LAW", "KAPLAN_2020_ALLOCATION", "KAPLAN_2020_SINGLE_EPOCH_DATA",
    "KAPLAN_2020_BREAKDOWN", "KAPLAN_2020_FRONTIER_THEORY", "KAPLAN_2020_TENFOLD_COMPUTE",
    # GPT-3
    "GPT3_PF_DAYS",
    # Hoffmann et al. 2022 (Chinchilla, Gopher)
    "GOPHER_BUDGET_FLOPS", "HOFFMANN_2022_FIT", "HOFFMANN_2022_TEX_FIT", "HOFFMANN_2022_TRAINING",
    "CHINCHILLA_TOKENS_PER_PARAM", "HOFFMANN_2022_ALLOCATION_EXPONENTS",
    "HOFFMANN_2022_ALLOCATION_INTERVALS", "CHINCHILLA_APPROACH1_TABLE3", "CHINCHILLA_TABLE3_TEXT",
    "HOFFMANN_2022_EXPERIMENTS",
    # Epoch AI 2024
    "EPOCH_2024_FIT", "EPOCH_2024_REPLICATION",
    # Llama 3 405B
    "LLAMA3_405B_ARCHITECTURE", "LLAMA3_405B_TRAINING", "LLAMA3_405B_RUN",
    # nanoGPT, PaLM
    "NANOGPT_GPT2_SMALL", "NANOGPT_SIZING", "PALM_540B_UTILISATION",
    # Mixture-of-Experts models: DeepSeek-V3, Switch Transformers, GShard
    "DEEPSEEK_V3_PRETRAINING_GPU_HOURS", "DEEPSEEK_V3_RENTAL", "DEEPSEEK_V3_ROUTING", "DEEPSEEK_V3_BATCH",
    "DEEPSEEK_R1_EVALUATION", "DEEPSEEK_LLM_HYPERPARAMETER_LAWS", "DEEPSEEK_LLM_MODELS",
    "SWITCH_ROUTING", "GSHARD_TOP_K",
    # accelerators
    "ACCELERATORS", "accelerator", "ACCELERATOR_BOARD_POWER_WATTS",
    # parallelism
    "ZERO_FIGURE1_EXAMPLE", "ZERO_COMMUNICATION_VOLUME", "NARAYANAN_GPT3_TRAINING_TIME",
    "INTERCONNECTS",
    # Muennighoff et al. 2023
    "MUENNIGHOFF_2023_REPETITION", "MUENNIGHOFF_2023_FIT", "MUENNIGHOFF_2023_FIGURE1",
    # inference
    "SARDANA_2023", "SNELL_2024",
]
