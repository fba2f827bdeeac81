"""The record types of the reference data: constants, models, accelerators and transformer shapes.

Every table of :mod:`scalingedu.data` is made of these, and each record names its source:
:class:`PublishedConstants` (a group of fitted or printed numbers from one place in one paper),
:class:`ModelRecord` (a real model's training facts), :class:`Accelerator` (a chip's peak and
memory) and :class:`TransformerShape` (a decoder-only transformer's shape; the published ones carry
a name, sources and caveats). :class:`TransformerShape` is defined here, and imported by
:mod:`scalingedu.transformer`, so that the published shapes can be values of it without an import
cycle.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field
from types import MappingProxyType

import numpy as np

from .. import _validate as v
from .._text import prose


def _prose_fields(record, *names: str) -> None:
    """Normalise the text fields of a frozen record (sources written as triple-quoted prose, see ``_text``)."""
    for name in names:
        value = getattr(record, name)
        if isinstance(value, str):
            object.__setattr__(record, name, prose(value))
        elif isinstance(value, tuple):
            object.__setattr__(record, name, tuple(prose(each) if isinstance(each, str) else each for each in value))


@dataclass(frozen=True)
class PublishedConstants:
    """A set of fitted constants from one paper, with the place they are printed.

    ``values`` may be given as any mapping; it is stored as a read-only copy. Look a constant up as
    ``constants["alpha"]``.
    """

    values: MappingProxyType
    source: str
    note: str = ""

    def __post_init__(self):
        if not isinstance(self.values, Mapping):
            raise TypeError(f"values must be a mapping, not {type(self.values).__name__}")
        if not isinstance(self.source, str) or not self.source.strip():
            raise ValueError("a PublishedConstants needs its source: the paper and where it prints "
                             "them")
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))
        _prose_fields(self, "source", "note")

    def __getitem__(self, key: str) -> float:
        return self.values[key]


@dataclass(frozen=True)
class ModelRecord:
    """Published training facts of one model. ``None`` means the figure was not published (or not
    checked).

    ``accelerator`` is a key of :data:`scalingedu.data.ACCELERATORS` (so
    ``accelerator(record.accelerator)`` finds the chip).
    """

    name: str
    family: str
    params: float
    tokens: float | None
    training_flops: float | None = None
    gpu_hours: float | None = None
    accelerator: str | None = None
    active_params: float | None = None
    sources: tuple[str, ...] = ()
    note: str = ""

    def __post_init__(self):
        _prose_fields(self, "sources", "note")

    @property
    def tokens_per_param(self) -> float | None:
        """Training tokens per (active) parameter: Chinchilla's rule of thumb is about 20."""
        if self.tokens is None:
            return None
        return self.tokens / (self.active_params or self.params)


@dataclass(frozen=True)
class Accelerator:
    """An accelerator's peak dense bf16 (and FP8) throughput, memory and bandwidth, with sources and caveats."""

    name: str
    peak_flops_per_second: float
    memory_bytes: float
    memory_bandwidth_bytes_per_second: float | None
    source: str
    note: str = ""
    fp8_peak_flops_per_second: float | None = None
    """Dense FP8 throughput where the chip has FP8 tensor cores (None otherwise): twice the bf16 peak on Hopper and
    Blackwell. A run in FP8 (DeepSeek-V3's) is measured against this peak, not the bf16 one."""

    def __post_init__(self):
        _prose_fields(self, "source", "note")


POSITIONS = ("learned", "rotary", "relative")
NORMS = ("layernorm", "rmsnorm")
_SIZES = ("n_layers", "d_model", "n_heads", "d_ff", "vocab_size", "context")
_FLAGS = ("gated_mlp", "biases", "tied_embeddings")
_SHAPE_FIELDS = _SIZES + ("d_head", "n_kv_heads") + _FLAGS + ("positions", "norm")


def _whole(name: str, value, minimum: int = 1) -> int:
    return v.positive_int(name, value, minimum=minimum)


def _flag(name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, not {type(value).__name__} ({value!r})")
    return bool(value)


def _about(default=MISSING, default_factory=MISSING):
    """A field that describes a shape (its name, sources, caveats) without being part of it."""
    return field(default=default, default_factory=default_factory, kw_only=True, compare=False,
                 repr=False)


@dataclass(frozen=True)
class TransformerShape:
    """The shape of a decoder-only transformer (all sizes are whole numbers), and where it is
    published.

    ``d_head`` defaults to d_model / n_heads (which must then divide evenly); give it when the
    heads' total width n_heads·d_head differs from d_model, as printed for GPT-3 XL and 13B.
    ``n_kv_heads`` defaults to ``n_heads`` (multi-head attention); fewer key/value heads is
    grouped-query attention (Llama 2 70B, Llama 3), and it must divide ``n_heads``. ``gated_mlp`` is
    a SwiGLU MLP with three d_model × d_ff matrices (Llama); otherwise two. ``positions``: "learned"
    adds a context × d_model table (GPT-2/3), "rotary" adds nothing (Llama), "relative" adds a
    d_model × d_attn projection and two d_attn bias vectors per layer (Transformer-XL, Dai et al.
    2019, as used by Gopher and Chinchilla; our reading). ``norm``: "layernorm" (a gain, plus a bias
    when ``biases``) or "rmsnorm" (a gain).

    A published shape also says where it comes from, in keyword-only fields that take no part in
    equality or in the printed form (two shapes are equal when their sizes and choices are):
    ``name``; ``sources``; ``note`` (caveats); ``size_reference``, the record of
    :data:`scalingedu.data.MODELS` whose ``params`` is the published size to compare a parameter
    count with (``None``: the record named ``name``); and ``printed``, the values the source prints
    where they are not self-consistent (e.g. ``{"n_heads": 24}`` for GPT-3 XL): the size fields then
    hold the consistent reading, and ``note`` explains the difference.

    After construction ``d_head`` and ``n_kv_heads`` hold their resolved values, so
    ``dataclasses.replace`` keeps them: pass them again when you change ``n_heads`` or ``d_model``.
    ``replace`` also keeps ``name`` and ``sources``, which then describe the shape it started from.
    """

    n_layers: int
    d_model: int
    n_heads: int
    d_ff: int
    vocab_size: int
    context: int
    d_head: int | None = None
    n_kv_heads: int | None = None
    gated_mlp: bool = False
    biases: bool = True
    tied_embeddings: bool = True
    positions: str = "learned"
    norm: str = "layernorm"
    name: str = _about("")
    size_reference: str | None = _about(None)
    sources: tuple[str, ...] = _about(())
    note: str = _about("")
    printed: Mapping[str, int] = _about(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self):
        for name in _SIZES:
            object.__setattr__(self, name, _whole(name, getattr(self, name)))
        if self.d_head is None:
            if self.d_model % self.n_heads:
                raise ValueError(f"d_model ({self.d_model}) is not a multiple of n_heads "
                                 f"({self.n_heads}): give d_head, the width of one head, "
                                 f"explicitly")
            object.__setattr__(self, "d_head", self.d_model // self.n_heads)
        else:
            object.__setattr__(self, "d_head", _whole("d_head", self.d_head))
        if self.n_kv_heads is None:
            object.__setattr__(self, "n_kv_heads", self.n_heads)
        else:
            kv = v.positive_int("n_kv_heads", self.n_kv_heads, minimum=1, maximum=self.n_heads)
            if self.n_heads % kv:
                raise ValueError(f"n_kv_heads ({kv}) must divide n_heads ({self.n_heads}): each "
                                 f"key/value head serves the same number of query heads")
            object.__setattr__(self, "n_kv_heads", kv)
        for name in _FLAGS:
            object.__setattr__(self, name, _flag(name, getattr(self, name)))
        v.one_of("positions", self.positions, POSITIONS)
        v.one_of("norm", self.norm, NORMS)
        self._check_description()

    def _check_description(self):
        for name in ("name", "note"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a string, not {type(value).__name__}")
        if self.size_reference is not None and not isinstance(self.size_reference, str):
            raise TypeError(f"size_reference must be a model's name or None, not "
                            f"{type(self.size_reference).__name__}")
        if isinstance(self.sources, str) or not all(isinstance(s, str) for s in self.sources):
            raise TypeError("sources must be a tuple of strings, one per source")
        object.__setattr__(self, "sources", tuple(self.sources))
        _prose_fields(self, "sources", "note")
        if not isinstance(self.printed, Mapping):
            raise TypeError(f"printed must be a mapping, not {type(self.printed).__name__}")
        unknown = set(self.printed) - set(_SHAPE_FIELDS)
        if unknown:
            raise ValueError(f"printed names fields a shape does not have: "
                             f"{', '.join(sorted(unknown))}")
        object.__setattr__(self, "printed", MappingProxyType(dict(self.printed)))

    @property
    def d_attn(self) -> int:
        """Total width of the query heads, n_heads·d_head (Kaplan's d_attn; usually equal to
        d_model)."""
        return self.n_heads * self.d_head

    @property
    def d_kv(self) -> int:
        """Total width of the key (or value) heads, n_kv_heads·d_head."""
        return self.n_kv_heads * self.d_head
