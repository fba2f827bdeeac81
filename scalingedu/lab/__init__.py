"""The scaling lab: train tiny character-level language models on this CPU and find your own scaling laws.

One concept per module: ``corpus`` (the standard library's source as text, its split and hash), ``model`` (the MLP
language model with its hand-written backward pass and Adam), ``flops`` (exact FLOPs per step against 6·N·D),
``training`` (one run: data order, schedule, validation loss), ``sweep`` (IsoFLOP sweeps over both cores, the
shipped results, the ``scalingedu sweep`` command), ``experiments`` (data quality and repetition), ``efficiency``
(the trainer's FLOP/s against this machine's matrix-multiply FLOP/s: "your own MFU"), ``analysis``
(bootstrap intervals of the fitted exponent; one budget of a sweep as an IsoFLOP profile),
``processes`` (worker processes with one BLAS thread).
"""
from .analysis import BudgetView, isoflop_budget_view, sweep_fit
from .corpus import VOCAB_SIZE, Corpus, CorpusMismatchError, check_corpus, decode, encode, load_corpus
from .experiments import nearest_run
from .flops import StepFlops, six_nd, six_nd_ratio, training_flops, training_flops_per_step
from .model import MLPLanguageModel, ModelConfig
from .sweep import (
                    FULL_SWEEP,
                    QUICK_SWEEP,
                    SweepDesign,
                    load_provenance,
                    load_results,
                    read_results,
                    run_design,
                    write_results,
)
from .training import RunResult, default_learning_rate, generate, train, train_isolated, validation_loss

__all__ = ["Corpus", "CorpusMismatchError", "FULL_SWEEP", "MLPLanguageModel", "ModelConfig", "QUICK_SWEEP",
           "RunResult", "StepFlops", "SweepDesign", "VOCAB_SIZE", "check_corpus", "decode", "default_learning_rate",
           "encode", "generate", "load_corpus", "load_provenance", "load_results", "read_results", "run_design",
           "six_nd", "six_nd_ratio", "train", "train_isolated", "training_flops", "training_flops_per_step",
           "validation_loss", "write_results",
           "BudgetView", "isoflop_budget_view", "nearest_run", "sweep_fit"]
