"""Scaling laws: Kaplan et al. 2020, Hoffmann et al. 2022 (Chinchilla) and its replication, fits and allocations.

One concept per module: ``allocation`` (the ``Allocation`` plan), ``kaplan`` (``KAPLAN_2020``), ``chinchilla``
(``ChinchillaLaw`` and its published constants), ``fitting`` (``fit_chinchilla``, the reference grid fit, and
Approach 2's IsoFLOP parabolas).
"""
from .allocation import Allocation
from .chinchilla import EPOCH_2024, HOFFMANN_2022, HOFFMANN_2022_TEX, ChinchillaLaw
from .kaplan import KAPLAN_2020, KaplanLaw

__all__ = ["Allocation", "ChinchillaLaw", "EPOCH_2024", "HOFFMANN_2022", "HOFFMANN_2022_TEX", "KAPLAN_2020",
           "KaplanLaw"]
