"""Kaplan et al. 2020, "Scaling Laws for Neural Language Models", arXiv:2001.08361.

The power laws in parameters, data and compute (Eqs. 1.1-1.6, Tables 2-6), the setup they were
measured in (sections 1-2.3), the compute-efficient frontier (section 6, App. B), and the PF-day
unit (section 1.3). :data:`KAPLAN_2020_TENFOLD_COMPUTE` is Hoffmann et al. 2022's summary of
Kaplan's allocation.
"""
from __future__ import annotations

from .records import PublishedConstants

PF_DAY_FLOPS = 1e15 * 24 * 3600
"""One petaflop/s-day in FLOPs: 8.64e19 (Kaplan et al. 2020, section 1.3 notation)."""

# --- the setup ------------------------------------------------------------------------------------

KAPLAN_2020_SETUP = PublishedConstants(
    {"dataset_tokens": 2.29e10, "test_tokens": 6.6e8, "vocab_size": 50257.0,
     "context_tokens": 1024.0, "training_steps": 2.5e5, "batch_sequences": 512.0,
     "warmup_steps": 3000.0, "smallest_data_tokens": 2.2e7, "largest_data_tokens": 2.3e10},
    source="""
        Kaplan et al. 2020, sections 2.2-2.3 and 1: WebText2 with 2.29e10 training tokens (6.6e8 test), GPT-2
        byte-pair encoding with n_vocab = 50257, n_ctx = 1024; unless otherwise noted Adam for a fixed 2.5e5 steps
        of 512 sequences of 1024 tokens, 3000 warm-up steps then cosine decay to zero; data sets of 22M to 23B
        tokens
    """,
    note="The smallest data set is the full one divided by 1024 (Fig. 9's legend prints 21M).",
)
KAPLAN_2020_MODEL_RANGE = PublishedConstants(
    {"smallest_params": 768.0, "largest_params": 1.5e9},
    source="""
        Kaplan et al. 2020, abstract and section 1: models from 768 to 1.5 billion non-embedding parameters
    """,
    note="The range over which Eq. 1.1 was measured; beyond it the law is an extrapolation.",
)
KAPLAN_2020_SEED_VARIATION = PublishedConstants(
    {"loss": 0.02},
    source="""
        Kaplan et al. 2020, section 4.2: 'the variation in the loss with different random seeds is roughly 0.02',
        the threshold of overfitting behind Eq. 4.4
    """,
)

# --- single-variable laws (Eqs. 1.1-1.3) ----------------------------------------------------------

KAPLAN_2020_PARAMS_LAW = PublishedConstants(
    {"alpha_N": 0.076, "N_c": 8.8e13},
    source="""
        Kaplan et al. 2020, Eq. 1.1: L(N) = (N_c / N)^alpha_N, N in non-embedding parameters, L in nats/token
    """,
)
KAPLAN_2020_DATA_LAW = PublishedConstants(
    {"alpha_D": 0.095, "D_c": 5.4e13},
    source="Kaplan et al. 2020, Eq. 1.2: L(D) = (D_c / D)^alpha_D, D in tokens",
)
KAPLAN_2020_COMPUTE_LAW = PublishedConstants(
    {"alpha_C": 0.050, "C_c_pf_days": 3.1e8},
    source="Kaplan et al. 2020, Eq. 1.3: L(C_min) = (C_c / C_min)^alpha_C, C in PF-days",
)

# --- parameters and data together, and overfitting (Eqs. 1.5, 4.1, 4.4) ---------------------------

KAPLAN_2020_JOINT_LAW = PublishedConstants(
    {"alpha_N": 0.076, "alpha_D": 0.103, "N_c": 6.4e13, "D_c": 1.8e13},
    source="""
        Kaplan et al. 2020, Eq. 1.5 / 4.1: L(N, D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D, fit of Table 2
    """,
    note="""
        These differ from the single-variable fits of Eqs. 1.1 and 1.2 (alpha_D 0.095 there); the paper notes it.
    """,
)
KAPLAN_2020_OVERFITTING = PublishedConstants(
    {"tokens_coefficient": 5e3, "exponent": 0.74},
    source="""
        Kaplan et al. 2020, Eq. 4.4: D >~ (5 x 10^3) N^0.74 tokens keeps the overfitting penalty small; 0.74 =
        alpha_N / alpha_D of the Table 2 fit
    """,
)

# --- batch size and training steps (Eqs. 1.4, 1.6, 5.3, 5.6) --------------------------------------

KAPLAN_2020_CRITICAL_BATCH = PublishedConstants(
    {"B_star": 2.1e8, "alpha_B": 0.21},
    source="""
        Kaplan et al. 2020, Table 5 and Eq. 1.4 / 5.3: B_crit(L) = B* / L^(1/alpha_B), B* in tokens, L in nats/token
    """,
    note="""
        Eqs. 1.4 and 5.3 round B* to 2e8; Table 5 and Fig. 10 print 2.1e8. Fig. 10: B_crit roughly doubles for every
        13% decrease in loss.
    """,
)
KAPLAN_2020_STEPS_LAW = PublishedConstants(
    {"alpha_N": 0.077, "alpha_S": 0.76, "N_c": 6.5e13, "S_c": 2.1e3},
    source="""
        Kaplan et al. 2020, Eq. 1.6 / 5.6 with the fit of Table 3: L(N, S_min) = (N_c/N)^alpha_N +
        (S_c/S_min)^alpha_S, S_min the steps at a batch far above B_crit
    """,
)

# --- the compute-efficient frontier (section 6, Table 6, App. B) ----------------------------------

KAPLAN_2020_ALLOCATION = PublishedConstants(
    {"params_coefficient": 1.3e9, "params_exponent": 0.73,
     "tokens_coefficient": 2e10, "tokens_exponent": 0.27,
     "batch_coefficient": 2.0e6, "batch_exponent": 0.24,
     "steps_coefficient": 5.4e3, "steps_exponent": 0.03},
    source="""
        Kaplan et al. 2020, Table 6 (C_min in PF-days): N_opt = 1.3e9 C^0.73 params, B = 2.0e6 C^0.24 tokens, S_min
        = 5.4e3 C^0.03 steps, D_opt = 2e10 C^0.27 tokens (Eqs. 6.1-6.2 give the exponents)
    """,
    note="""
        Table 6's N_opt and D_opt are separate fits: 6 N_opt D_opt is not exactly C (it is about 1.8 C).
    """,
)
KAPLAN_2020_SINGLE_EPOCH_DATA = PublishedConstants(
    {"tokens_coefficient": 4e10, "tokens_exponent": 0.26},
    source="""
        Kaplan et al. 2020, Eq. 6.7: D(C_min) = 2 C_min / (6 N(C_min)) ~ (4e10 tokens) (C_min / PF-day)^0.26, the
        data of compute-efficient training at the critical batch size, one epoch
    """,
    note="""
        With Table 6's N_opt = 1.3e9 C^0.73 the formula 2C/(6N) gives 2.2e10 C^0.27 (close to Table 6's D_opt),
        about half the printed coefficient.
    """,
)
KAPLAN_2020_BREAKDOWN = PublishedConstants(
    {"pf_days": 1e4, "params": 1e12, "tokens": 1e12, "loss": 1.7},
    source="""
        Kaplan et al. 2020, Eq. 6.8: L(C_min) and L(D(C_min)) intersect at C* ~ 1e4 PF-days, N* ~ 1e12 parameters,
        D* ~ 1e12 tokens, L* ~ 1.7 nats/token
    """,
    note="""
        The paper: 'the numerical values are highly uncertain, varying by an order or magnitude in either direction
        depending on the precise values of the exponents'. Orders of magnitude, not measurements.
    """,
)
KAPLAN_2020_FRONTIER_THEORY = PublishedConstants(
    {"alpha_C_min": 0.054, "params_exponent": 0.71, "stop_above_converged": 0.10},
    source="""
        Kaplan et al. 2020, Eq. 6.4 (alpha_C^min = 1/(1/alpha_S + 1/alpha_B + 1/alpha_N) ~ 0.054), Eq. 6.5 (N ∝
        C_min^0.71, predicted from L(N, S_min)) and Eq. B.5 (compute-efficient training stops about alpha_N/alpha_S
        ~ 10% above the converged loss)
    """,
)
KAPLAN_2020_TENFOLD_COMPUTE = PublishedConstants(
    {"params_factor": 5.5, "tokens_factor": 1.8},
    source="""
        Hoffmann et al. 2022, section 1, summarising Kaplan et al. 2020: for 10x more compute, model size should
        grow 5.5x and training tokens only 1.8x
    """,
    note="""
        Kaplan et al.'s own Fig. 14 caption rounds it to ~5x model size and ~2x data per 10x compute.
    """,
)
