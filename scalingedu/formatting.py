"""Numbers and units for a reader: the one place where the course turns a number into text.

Captions, widget reports, the planner's prose and lessons' printed tables format through here, so
that a number reads the same everywhere: three significant figures (the precision of the published
figures), unit prefixes instead of long runs of digits, and no ``e+`` in exponents.

- ``human(174.6e9, "params")``: '175B params', a count with a k, M, B or T prefix;
- ``duration(7.2e6)``: '83.3 days', a length of time in the largest sensible unit;
- ``short_duration(0.35)``: '350 ms', a step time (milliseconds below a second, then seconds);
- ``flops(5.76e23)``: '5.76e23 FLOPs', an amount of compute;
- ``sci(5.76e23)``: '5.76e23', scientific notation with a fixed number of significant digits;
- ``pf_days(3640)``: '3,640 PF-days', compute in petaflop/s-days;
- ``money(2.5e6)``: '$2.5M', and 'out of reach' for an infinite cost;
- ``energy(1.3e6)``: '1.3 GWh', kilowatt-hours shown in kWh, MWh, GWh or TWh;
- ``memory(80 * GIB)``: '80 GiB', bytes of memory in GiB, TiB or PiB (binary units: 1 GiB = 2**30 bytes);
- ``traffic(1.07e11)``: '107 GB', bytes sent over links in GB or TB (decimal, like link bandwidths in GB/s);
- ``table(rows, headers)``: a fixed-width text table for ``print``.

Each function raises ``TypeError`` for a value that is not a number and ``ValueError`` for a number
it cannot show (a negative cost, say), naming the parameter.

Matplotlib reads text between two ``$`` signs as mathematics (mathtext). A dollar amount in figure
text parsed that way needs ``money(..., tex=True)``, which escapes the sign as ``\\$``; printed
output, and Matplotlib text made with ``parse_math=False``, need the plain ``$``.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence

from . import _validate as v
from .compute import SECONDS_PER_DAY, SECONDS_PER_HOUR

_PREFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))

GIB = 2**30
"""Bytes in a gibibyte (GiB), the course's unit of memory: see :func:`memory`."""


def _three_figures(value: float) -> float:
    """``value`` rounded to three significant figures (a unit is chosen after the rounding)."""
    return float(f"{value:.3g}")


def _without_plus(text: str) -> str:
    """'1.5e+21' -> '1.5e21', '2e-05' -> '2e-5': an exponent without '+' or leading zeros."""
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa}e{int(exponent)}"


def _non_negative(name: str, value) -> float:
    return v.positive_number(name, value, allow_zero=True)


def _scaled(value: float, units: tuple[tuple[float, str], ...]) -> str:
    """``value`` in the largest of ``units`` ((scale, name), largest first) it reaches once rounded;
    the last unit takes everything smaller."""
    rounded = _three_figures(value)
    scale, unit = next(((s, u) for s, u in units if rounded >= s), units[-1])
    return f"{_without_plus(f'{rounded / scale:.3g}')} {unit}"


def human(value: float, unit: str = "") -> str:
    """A count for a reader: ``human(174.6e9, 'params')`` gives '175B params'.

    Three significant figures with a k, M, B or T prefix; from 1e15 on, e-notation without '+'
    ('3.14e23'). NaN and infinity read 'nan' and 'inf'.
    """
    value = v.single_number("value", value)
    if not isinstance(unit, str):
        raise TypeError(f"unit must be a string such as 'params', not {type(unit).__name__}")
    if not math.isfinite(value):
        return f"{value} {unit}".strip()
    value = _three_figures(value)  # round first, so that 999,999 reads '1M', not '1e+03k'
    magnitude = abs(value)
    if magnitude >= 1e15:
        text = f"{value:.3g}".replace("e+", "e")
    else:
        text = f"{value:.3g}"
        for threshold, prefix in _PREFIXES:
            if magnitude >= threshold:
                text = f"{value / threshold:.3g}{prefix}"
                break
    return f"{text} {unit}".strip()


def duration(seconds: float) -> str:
    """A length of time in the largest sensible unit: '350 ms', '12 seconds', '45 minutes', '1 hour', '36 hours',
    '80 days', '3.2 years', '2,700 years' (three significant figures; a year is 365.25 days; e-notation from a
    million years; the unit singular for exactly one)."""
    seconds = _non_negative("seconds", seconds)
    if seconds == 0:
        return "0 seconds"
    # Each unit is tried on the value already rounded to three figures, so 0.99999 s reads '1 second'
    # rather than '1e+03 ms' and 59.9999 s reads '1 minute'.
    if _three_figures(seconds * 1e3) < 1000:
        return f"{_three_figures(seconds * 1e3):.3g} ms"
    if _three_figures(seconds) < 60:
        return _count(f"{seconds:.3g}", "second")
    if _three_figures(seconds / 60) < 60:
        return _count(f"{seconds / 60:.3g}", "minute")
    if _three_figures(seconds / SECONDS_PER_HOUR) < 48:
        return _count(f"{seconds / SECONDS_PER_HOUR:.3g}", "hour")
    if _three_figures(seconds / SECONDS_PER_DAY) < 730:
        return _count(f"{seconds / SECONDS_PER_DAY:.3g}", "day")
    years = _three_figures(seconds / SECONDS_PER_DAY / 365.25)
    if years < 1000:
        return _count(f"{years:.3g}", "year")
    return f"{years:,.0f} years" if years < 1e6 else f"{_without_plus(f'{years:.3g}')} years"


def _count(number: str, unit: str) -> str:
    return f"{number} {unit}" if number == "1" else f"{number} {unit}s"


def short_duration(seconds: float) -> str:
    """A short time such as one training step: '350 ms' below a second, '2.35 s' from one on."""
    seconds = _non_negative("seconds", seconds)
    if seconds * 1e3 < 999.5:
        return f"{seconds * 1e3:.0f} ms"
    return f"{seconds:.2f} s"


def sci(value: float, digits: int = 3) -> str:
    """``value`` in scientific notation with ``digits`` significant digits: '5.76e23'.

    The exponent has no '+' and no leading zeros ('1.00e21', '2.50e-5'). NaN and infinity read
    'nan' and 'inf'.
    """
    value = v.single_number("value", value)
    digits = v.positive_int("digits", digits, maximum=17)
    if not math.isfinite(value):
        return str(value)
    return _without_plus(f"{value:.{digits - 1}e}")


def flops(value: float) -> str:
    """An amount of compute with its unit, three significant figures: '5.76e23 FLOPs'.

    Below 1,000 the number is written out ('512 FLOPs'), from 1,000 on in e-notation ('1e21 FLOPs').
    """
    value = _non_negative("value", value)
    return f"{_without_plus(f'{value:.3g}')} FLOPs"


def pf_days(value: float) -> str:
    """Compute in petaflop/s-days (1 PF-day = 8.64e19 FLOPs): '3,640 PF-days', '36.4 PF-days'.

    ``value`` is a number of PF-days (:func:`scalingedu.compute.pf_days` converts FLOPs to them).
    From 100 on, the whole number with thousands separators; below, three significant figures.
    """
    value = _non_negative("value", value)
    if value >= 100:
        return f"{value:,.0f} PF-days"
    return f"{_without_plus(f'{value:.3g}')} PF-days"


def money(dollars: float, *, tex: bool = False) -> str:
    """A dollar amount: '$2.5M', '$0', and 'out of reach' for an infinite cost (no budget buys it).

    ``tex=True`` writes the sign as ``\\$``, for text that Matplotlib parses as mathtext.
    """
    dollars = v.single_number("dollars", dollars)
    if not isinstance(tex, bool):
        raise TypeError(f"tex must be True or False, not {type(tex).__name__}")
    if math.isnan(dollars) or dollars < 0:
        raise ValueError(f"dollars must be >= 0 (got {dollars:g})")
    if math.isinf(dollars):
        return "out of reach"
    return ("\\$" if tex else "$") + human(dollars)


def energy(kwh: float | None) -> str:
    """Energy given in kilowatt-hours, in the largest unit it reaches: '850 kWh', '1.3 GWh',
    '26 TWh'. None (no power figure on record) reads 'n/a'."""
    if kwh is None:
        return "n/a"
    kwh = _non_negative("kwh", kwh)
    return _scaled(kwh, ((1e9, "TWh"), (1e6, "GWh"), (1e3, "MWh"), (1.0, "kWh")))


_BINARY_UNITS = ((GIB, "GiB"), (GIB * 2**10, "TiB"), (GIB * 2**20, "PiB"))


def memory(n_bytes: float) -> str:
    """Bytes of memory in binary units: GiB up to 1,000 GiB ('0.25 GiB', '80 GiB'), then TiB and PiB.

    **The course's convention for memory.** Memory, whether an accelerator's capacity or an estimate of what a model
    needs (weights, gradients, optimizer state, activations, KV cache), is printed in GiB (1 GiB = 2**30 bytes),
    TiB (2**40) and PiB (2**50), and computed with those powers of two. Vendors' "GB" on HBM denote binary capacities
    (an "80GB" A100 holds 80 GiB: :mod:`scalingedu.data.accelerators`), so a capacity and an estimate read in one
    unit; a fit is decided in bytes, estimate against capacity, never on rounded text. Two things stay decimal: bytes
    moved over links and link bandwidths (:func:`traffic`, GB/s: 1 GB = 10**9 bytes, the unit of link speeds), and a
    published figure quoted in its source's own unit (the ZeRO paper's GB, for instance), which says so.

    Three significant figures; the unit is chosen after rounding, so no number reaches 1,000 ('0.977 TiB', not
    '1,000 GiB').
    """
    n_bytes = _non_negative("n_bytes", n_bytes)
    scale, unit = next(((s, u) for s, u in _BINARY_UNITS if _three_figures(n_bytes / s) < 1000), _BINARY_UNITS[-1])
    return f"{_without_plus(f'{_three_figures(n_bytes / scale):.3g}')} {unit}"


def traffic(n_bytes: float) -> str:
    """Bytes sent over links (a collective's traffic, an all-to-all's dispatch) in decimal units: GB up to a
    terabyte ('0.46 GB', '107 GB'), then TB and PB (1 GB = 10**9 bytes).

    Decimal, like the link bandwidths they are divided by (GB/s), unlike memory (:func:`memory`, GiB).
    """
    n_bytes = _non_negative("n_bytes", n_bytes)
    return _scaled(n_bytes, ((1e15, "PB"), (1e12, "TB"), (1e9, "GB")))


# --------------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------------

Format = str | Callable[[object], str] | None


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _numeric_column(rows: list[tuple], column: int) -> bool:
    values = [row[column] for row in rows if row[column] is not None]
    return bool(values) and all(_is_number(value) for value in values)


def _cell(value, spec: Format, column: int, missing: str) -> str:
    if value is None:
        return missing
    if callable(spec):
        text = spec(value)
        if not isinstance(text, str):
            raise TypeError(f"formats[{column}] must return text, not {type(text).__name__}")
        return text
    if spec is None:
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            return str(int(value))
        spec = ".3g" if _is_number(value) else ""
    try:
        text = format(value, spec)
    except (ValueError, TypeError) as error:
        raise ValueError(f"formats[{column}] = {spec!r} cannot format {value!r}: {error}") from None
    return _without_plus(text) if _is_number(value) and "e+" in text else text


def table(rows, headers: Sequence[str], *, formats: Sequence[Format] | None = None,
          align: str | None = None, gap: int = 2, missing: str = "") -> str:
    """A fixed-width text table for ``print``: the headers, a rule of dashes, one line per row.

    ``rows`` holds one value per header in each row. ``formats`` gives each column a format spec
    (``",.0f"``, ``".1%"``), a function returning text (``human``, ``flops``) or None, the
    default: integers as they are, other numbers to three significant figures, the rest as text.
    Columns of numbers are right-aligned, the others left-aligned, unless ``align`` says otherwise
    with one letter per column ("l" or "r"). ``gap`` spaces separate the columns; a None cell
    shows ``missing``.

    >>> print(table([("GPT-3", 174.6e9), ("Chinchilla", 70e9)], ["model", "params"],
    ...             formats=[None, human]))
    model       params
    ----------  ------
    GPT-3         175B
    Chinchilla     70B
    """
    if isinstance(headers, str) or not isinstance(headers, Sequence):
        raise TypeError("headers must be a sequence of column names, such as ['model', 'params']")
    if not headers or not all(isinstance(header, str) for header in headers):
        raise ValueError("headers must be one or more column names (strings)")
    width = len(headers)
    try:
        if isinstance(rows, (str, bytes)):
            raise TypeError
        rows = [tuple(row) for row in rows]
    except TypeError:
        raise TypeError("rows must be a sequence of rows, each a sequence of values") from None
    for index, row in enumerate(rows):
        if len(row) != width:
            raise ValueError(f"rows[{index}] has {len(row)} values for {width} headers")
    if formats is None:
        formats = [None] * width
    elif isinstance(formats, str) or len(formats) != width:
        raise ValueError(f"formats must give one format (or None) per column, {width} in all")
    if align is None:
        align = "".join("r" if _numeric_column(rows, c) else "l" for c in range(width))
    elif not isinstance(align, str) or len(align) != width or set(align) - {"l", "r"}:
        raise ValueError(f"align must be {width} letters, each 'l' (left) or 'r' (right); "
                         f"got {align!r}")
    gap = v.positive_int("gap", gap)
    if not isinstance(missing, str):
        raise TypeError(f"missing must be a string, not {type(missing).__name__}")

    cells = [[_cell(value, formats[c], c, missing) for c, value in enumerate(row)] for row in rows]
    widths = [max([len(headers[c])] + [len(texts[c]) for texts in cells]) for c in range(width)]

    def line(texts) -> str:
        parts = [text.rjust(size) if side == "r" else text.ljust(size)
                 for text, size, side in zip(texts, widths, align)]
        return (" " * gap).join(parts).rstrip()

    rule = ["-" * size for size in widths]
    return "\n".join([line(headers), line(rule)] + [line(texts) for texts in cells])
