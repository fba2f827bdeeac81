"""Scaling laws: Kaplan et al. 2020, Hoffmann et al. 2022 (Chinchilla) and its replication, fits and allocations.

One concept per module: ``allocation`` (the ``Allocation`` plan), ``kaplan`` (``KAPLAN_2020``), ``chinchilla``
(``ChinchillaLaw`` and its published constants), ``fitting`` (``fit_chinchilla``, the reference grid fit, and
Approach 2's IsoFLOP parabolas).
"""
from .allocation import Allocation
from .chinchilla import EPOCH_2024, HOFFMANN_2022, HOFFMANN_2022_TEX, ChinchillaLaw
from .fitting import (IsoFlopFit, fit_chinchilla, fit_chinchilla_grid, fit_isoflop_parabolas, huber_objective,
                      simulate_runs)
from .kaplan import KAPLAN_2020, KaplanLaw

__all__ = ["Allocation", "ChinchillaLaw", "EPOCH_2024", "HOFFMANN_2022", "HOFFMANN_2022_TEX", "IsoFlopFit",
           "KAPLAN_2020", "KaplanLaw", "fit_chinchilla", "fit_chinchilla_grid", "fit_isoflop_parabolas",
           "huber_objective", "simulate_runs"]
