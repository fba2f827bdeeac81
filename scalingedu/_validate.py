"""Input checks shared by the library: every public function calls these before computing.

A bad argument raises ``TypeError`` (wrong kind of object) or ``ValueError`` (right kind, wrong value) with a
message that names the parameter, shows the value and states the valid range, so that a learner sees what to fix
instead of a silent NaN three cells later.
"""
from __future__ import annotations

import numbers

import numpy as np


def _describe(value) -> str:
    array = np.asarray(value)
    if array.ndim == 0:
        return repr(value)
    if array.size <= 4:
        return np.array2string(array, separator=", ")
    return f"an array of shape {array.shape}"


def as_number_array(name: str, value) -> np.ndarray:
    """Convert ``value`` to a float array, raising ``TypeError`` for anything that is not a real number."""
    if isinstance(value, (bool, np.bool_)) or value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a number or an array of numbers, not {type(value).__name__} ({value!r})")
    if isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, not complex ({value!r})")
    try:
        array = np.asarray(value)
    except Exception as error:  # ragged nested lists and the like
        raise TypeError(f"{name} must be a number or an array of numbers ({error})") from None
    if array.dtype == object and all(isinstance(item, numbers.Real) and not isinstance(item, (bool, np.bool_))
                                     for item in array.ravel()):
        # Python ints beyond int64 (e.g. 3 * 10**23 FLOPs typed as integers) and Fractions arrive as objects.
        try:
            return array.astype(float)
        except OverflowError:
            raise ValueError(f"{name} is too large to represent as a float (got {_describe(value)})") from None
    if array.dtype == object or array.dtype.kind not in "iuf":
        raise TypeError(f"{name} must contain real numbers, not values of type {array.dtype}")
    return array.astype(float)


def positive(name: str, value, *, allow_zero: bool = False, allow_empty: bool = False) -> np.ndarray:
    """Check that ``value`` is finite and > 0 (or >= 0); return it as a float array."""
    array = as_number_array(name, value)
    if array.size == 0 and not allow_empty:
        raise ValueError(f"{name} is empty: give at least one value")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite (got {_describe(value)}); NaN and infinity are not allowed")
    bound_ok = array >= 0 if allow_zero else array > 0
    if not np.all(bound_ok):
        expected = ">= 0" if allow_zero else "> 0"
        bad = array[~bound_ok].ravel()[0]
        raise ValueError(f"{name} must be {expected} and finite (got {bad:g})")
    return array


def single_number(name: str, value) -> float:
    """Check that ``value`` is one real number (not an array, not a list); return it as a Python float."""
    array = as_number_array(name, value)
    if array.ndim:
        raise TypeError(f"{name} must be a single number, not an array of shape {array.shape}")
    return float(array)


def positive_number(name: str, value, *, allow_zero: bool = False) -> float:
    """Check that ``value`` is one finite number > 0 (or >= 0); return it as a Python float."""
    single_number(name, value)
    return float(positive(name, value, allow_zero=allow_zero))


def finite(name: str, value) -> np.ndarray:
    """Check that ``value`` is a non-empty array of finite real numbers."""
    array = as_number_array(name, value)
    if array.size == 0:
        raise ValueError(f"{name} is empty: give at least one value")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite (got {_describe(value)}); NaN and infinity are not allowed")
    return array


def in_range(name: str, value, low: float, high: float, *,
             low_open: bool = False, high_open: bool = False) -> np.ndarray:
    """Check that every element lies in the interval from ``low`` to ``high`` (open or closed ends)."""
    array = finite(name, value)
    above = array > low if low_open else array >= low
    below = array < high if high_open else array <= high
    ok = above & below
    if not np.all(ok):
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        bad = array[~ok].ravel()[0]
        raise ValueError(f"{name} must lie in {left}{low:g}, {high:g}{right} (got {bad:g})")
    return array


def positive_int(name: str, value, *, minimum: int = 1, maximum: int | None = None) -> int:
    """Check that ``value`` is a whole number in the range from ``minimum`` to ``maximum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        if (isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
                and float(value).is_integer()):
            value = int(value)
        else:
            raise TypeError(f"{name} must be a whole number, not {type(value).__name__} ({value!r})")
    value = int(value)
    if value < minimum or (maximum is not None and value > maximum):
        upper = "" if maximum is None else f" and <= {maximum}"
        raise ValueError(f"{name} must be >= {minimum}{upper} (got {value})")
    return value


def same_shape(**arrays: np.ndarray) -> None:
    """Check that the named arrays have equal shapes."""
    shapes = {name: np.shape(array) for name, array in arrays.items()}
    if len(set(shapes.values())) > 1:
        listed = ", ".join(f"{name} has shape {shape}" for name, shape in shapes.items())
        raise ValueError(f"the inputs must have the same shape: {listed}")


def one_of(name: str, value, choices) -> str:
    """Check that ``value`` is one of ``choices`` (case-sensitive)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {sorted(choices)}; got {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; choose one of: {', '.join(sorted(choices))}")
    return value


def scalar_or_array(array: np.ndarray, *inputs):
    """Return a Python float when every input was a scalar, else the array (so scalars stay scalars)."""
    if all(np.ndim(x) == 0 for x in inputs):
        return float(array)
    return array
