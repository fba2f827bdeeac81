"""The published laws side by side, and real models placed against them (lessons 03 and 04).

- :data:`LAW_CHOICES` and :func:`law_choice`: the laws a learner picks by label in lesson 04
  (Hoffmann et al. 2022's Eq. 10, rounded and unrounded; the Epoch AI replication; Kaplan et al.
  2020's allocation for contrast); :data:`ALLOCATION_LAWS` and :func:`allocations`: the three rules
  lesson 03 compares, and how each splits a budget;
- :func:`optimal_tokens_for_params`: the tokens that make a model of a given size compute-optimal;
- :func:`model_budget`, :func:`preset_values` and :func:`model_positions`: the models of
  :data:`scalingedu.data.MODELS` as budgets, as points (N, D) of Kaplan's law, and against a law's
  compute-optimal line.

Kaplan's Table 6 gives an allocation but no loss in the units of the Chinchilla laws (his losses are
on WebText2), so where a loss is needed for Kaplan's plans it is that of Hoffmann et al.'s Eq. 10
(rounded): :data:`KAPLAN_SCORED_BY`.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from .. import _validate as v
from ..compute import flops_from_pf_days, training_flops
from ..data import EPOCH_2024_REPLICATION, GOPHER_BUDGET_FLOPS, model
from ..formatting import flops as flops_text
from ..formatting import human, sci
from .allocation import Allocation
from .chinchilla import EPOCH_2024, HOFFMANN_2022, HOFFMANN_2022_TEX, ChinchillaLaw
from .kaplan import KAPLAN_2020, KaplanLaw, measured_range_cautions

KAPLAN_CHOICE = "Kaplan 2020 allocation (Table 6)"
LAW_CHOICES = MappingProxyType({
    "Hoffmann 2022, Eq. 10 (rounded)": HOFFMANN_2022,
    "Hoffmann 2022, Eq. 10 (unrounded)": HOFFMANN_2022_TEX,
    "Epoch 2024 replication": EPOCH_2024,
    KAPLAN_CHOICE: KAPLAN_2020,
})
"""The laws lesson 04's IsoFLOP explorer offers, by the label a learner sees."""

KAPLAN_SCORED_BY = HOFFMANN_2022
"""Kaplan's allocation has no loss in the Chinchilla laws' units: its plans are scored with Eq. 10
(rounded)."""

ALLOCATION_LAWS = MappingProxyType({
    "Kaplan 2020 (Table 6)": KAPLAN_2020,
    "Hoffmann 2022 (Eq. 10)": HOFFMANN_2022,
    "Epoch 2024 (refit)": EPOCH_2024,
})
"""The allocation rules lesson 03's comparer shows, by label, in drawing order."""

MAP_MODELS = ("GPT-3 175B", "Gopher", "Chinchilla", "Llama 2 70B", "Llama 3 8B", "Llama 3 70B",
              "DeepSeek-V3")
"""Real models placed against the laws (Mixture-of-Experts models at their active parameters)."""


def law_choice(name: str) -> ChinchillaLaw | KaplanLaw:
    """The law behind a label of :data:`LAW_CHOICES`; ValueError listing the labels otherwise."""
    v.one_of("law", name, LAW_CHOICES)
    return LAW_CHOICES[name]


def optimal_tokens_for_params(law: ChinchillaLaw | KaplanLaw, params):
    """The number of training tokens that makes a model of ``params`` parameters compute-optimal
    under ``law``.

    For a Chinchilla law, invert Eq. 4: N = G·(C/6)^a gives C/6 = (N/G)^(1/a), so
    D = (N/G)^(b/a) / G. For Kaplan, invert Table 6 (N = 1.3e9·C^0.73, C in PF-days) for the budget
    C whose optimum is N, and let the law's own allocation spend it (D = C / (6N),
    :meth:`KaplanLaw.compute_optimal`).
    """
    n = v.positive("params", params)
    if isinstance(law, ChinchillaLaw):
        tokens = (n / law.G) ** (law.tokens_exponent / law.params_exponent) / law.G
    elif isinstance(law, KaplanLaw):
        budget_pf_days = (n / law.params_coefficient) ** (1.0 / law.params_exponent)
        tokens = law.compute_optimal(flops_from_pf_days(budget_pf_days)).tokens
    else:
        raise TypeError(f"law must be a ChinchillaLaw or KaplanLaw, not {type(law).__name__}")
    return v.scalar_or_array(tokens, params)


def allocations(flops) -> dict[str, Allocation]:
    """The split of ``flops`` (a training budget in FLOPs, scalar or array) under each rule of
    :data:`ALLOCATION_LAWS`.

    Kaplan's is Table 6's N_opt with D = flops / (6 N); the Chinchilla laws' is the closed form of
    Hoffmann et al.'s Eq. 4 with their Eq. 10 constants, or with the refit of Besiroglu et al. 2024.
    """
    v.positive("flops", flops)
    return {name: law.compute_optimal(flops) for name, law in ALLOCATION_LAWS.items()}


def model_budget(name: str) -> float:
    """A real model's training budget in FLOPs: the published figure if there is one, else 6·N·D.

    Mixture-of-Experts models count their active parameters (the ones each token passes through).
    Raises ValueError when neither the budget nor the training tokens were published.
    """
    record = model(name)
    if record.training_flops is not None:
        return float(record.training_flops)
    if record.tokens is None:
        raise ValueError(f"{record.name}: neither its training compute nor its training tokens "
                         f"were published, so its budget is unknown. Pick another model, or set "
                         f"the budget with the slider.")
    return training_flops(record.active_params or record.params, record.tokens)


def preset_values(name: str) -> tuple[float, float]:
    """(parameters, training tokens) of a real model of :data:`scalingedu.data.MODELS`, as a point
    of Kaplan's law L(N, D).

    Raises ValueError for a model the law cannot place: a Mixture-of-Experts model (Kaplan et al.
    measured dense Transformers; neither the total nor the active parameter count is their N), or
    one whose training tokens were not published.
    """
    record = model(name)
    unpublished = ("" if record.tokens is not None
                   else " Its training tokens were not published either.")
    if record.active_params is not None:
        total, active = human(record.params), human(record.active_params)
        raise ValueError(f"{record.name} is a Mixture-of-Experts model: Kaplan et al. measured "
                         f"dense Transformers, and neither its {total} total nor its {active} "
                         f"active parameters are the N of their law.{unpublished} Pick a dense "
                         f"model, or set N and D with the sliders.")
    if record.tokens is None:
        raise ValueError(f"{record.name}: its training tokens were not published, so there is no "
                         f"D to put into L(N, D). Pick another model, or set N and D with the "
                         f"sliders.")
    return record.params, record.tokens


@dataclass(frozen=True)
class ModelPosition:
    """A real model against a law: its (active) ``params``, ``tokens``, its budget ``flops`` = 6ND,
    the law's compute-optimal tokens for its size, and the predicted ``loss`` (nats/token) of the
    scoring law."""

    name: str
    params: float
    tokens: float
    flops: float
    optimal_tokens: float
    loss: float

    @property
    def tokens_per_param(self) -> float:
        return self.tokens / self.params

    @property
    def training_ratio(self) -> float:
        """tokens / the law's optimal tokens for this size: > 1 over-trained, < 1 under-trained."""
        return self.tokens / self.optimal_tokens


def model_positions(law: str | ChinchillaLaw | KaplanLaw, names=MAP_MODELS) -> list[ModelPosition]:
    """Where the named models of :data:`scalingedu.data.MODELS` sit against ``law`` (a label of
    :data:`LAW_CHOICES` or a law), with budgets from 6ND and losses from the law (or, for Kaplan's
    allocation, from :data:`KAPLAN_SCORED_BY`)."""
    chosen = law_choice(law) if isinstance(law, str) else law
    scorer = chosen if isinstance(chosen, ChinchillaLaw) else KAPLAN_SCORED_BY
    positions = []
    for name in names:
        record = model(name)
        if record.tokens is None:
            raise ValueError(f"{name} has no published number of training tokens; "
                             f"it cannot be placed")
        params = record.active_params or record.params
        positions.append(ModelPosition(
            name=record.name, params=params, tokens=record.tokens,
            flops=training_flops(params, record.tokens),
            optimal_tokens=float(optimal_tokens_for_params(chosen, params)),
            loss=float(scorer.loss(params, record.tokens))))
    return positions


CHINCHILLA_FITTED_FLOPS = (EPOCH_2024_REPLICATION["fig4_smallest_flops"], EPOCH_2024_REPLICATION["fig4_largest_flops"])
"""The compute of the runs behind the Chinchilla laws' parametric fit (FLOPs): Hoffmann et al.'s Fig. 4, whose
points Epoch AI extracted and refitted (about 1.4e18 to 1.3e22 FLOPs)."""

CHINCHILLA_TESTED_FLOPS = GOPHER_BUDGET_FLOPS
"""The one larger budget at which the laws' advice was tested: Chinchilla, trained with Gopher's compute (5.76e23
FLOPs, Hoffmann et al. 2022, Fig. 2)."""

_PUBLISHED_CHINCHILLA_LAWS = (HOFFMANN_2022, HOFFMANN_2022_TEX, EPOCH_2024)


def budget_cautions(flops: float, law: str | ChinchillaLaw | KaplanLaw | None = None) -> list[str]:
    """Where a training budget takes a law beyond the compute it was fitted or tested on: one sentence per rule.

    ``law`` is a label of :data:`LAW_CHOICES` or :data:`ALLOCATION_LAWS`, or a law; None checks every rule of
    :data:`ALLOCATION_LAWS` (lesson 03's comparer shows them all). Kaplan's Table 6 rule is checked against the
    compute of Kaplan et al.'s largest runs; the published Chinchilla laws against their runs
    (:data:`CHINCHILLA_FITTED_FLOPS`) below, and against Chinchilla's test at Gopher's budget
    (:data:`CHINCHILLA_TESTED_FLOPS`) above. A law fitted elsewhere (an extra law of your own) gets no caution.
    """
    budget = float(v.positive("flops", flops))
    if law is None:
        chosen = list(ALLOCATION_LAWS.values())
    elif isinstance(law, str):
        labels = {**LAW_CHOICES, **ALLOCATION_LAWS}
        v.one_of("law", law, labels)
        chosen = [labels[law]]
    else:
        chosen = [law]
    found = []
    if any(isinstance(each, KaplanLaw) for each in chosen):
        found += measured_range_cautions(flops=budget)
    if any(any(each is known for known in _PUBLISHED_CHINCHILLA_LAWS) for each in chosen):
        low, high = CHINCHILLA_FITTED_FLOPS
        tested = CHINCHILLA_TESTED_FLOPS
        if budget > tested * 1.001:
            found.append(f"budget {flops_text(budget)}: the Chinchilla laws were fitted on runs of {sci(low, 2)} to "
                         f"{sci(high, 2)} FLOPs and their advice tested once, by Chinchilla at {sci(tested)}; the "
                         f"law is extrapolated {budget / tested:,.1f}× beyond that test here")
        elif budget < low / 1.001:
            found.append(f"budget {flops_text(budget)}: below the smallest runs the Chinchilla laws were fitted on "
                         f"({sci(low, 2)} FLOPs); the law is extrapolated here")
    return found

