"""Small array helpers shared by the statistics modules (private)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

FloatOrArray = float | np.ndarray
"""What the interval functions return: a float for scalar input, else a float ndarray."""


def to_float(x: ArrayLike | Any) -> np.ndarray:
    """Convert scalars, lists, numpy or pandas input (nullable dtypes included) to float."""
    if isinstance(x, pd.Series | pd.Index):
        return x.to_numpy(dtype=float, na_value=np.nan)
    if isinstance(x, pd.api.extensions.ExtensionArray):
        return x.to_numpy(dtype=float, na_value=np.nan)
    if x is None:
        return np.asarray(np.nan)
    arr = np.asarray(x)
    if arr.dtype == object:
        return (
            pd.to_numeric(pd.Series(arr.ravel()), errors="coerce")
            .to_numpy(float)
            .reshape(arr.shape)
        )
    return arr.astype(float, copy=False)


def is_scalar_input(*args: Any) -> bool:
    """True when every argument is zero-dimensional, so results go back as plain floats."""
    return all(np.ndim(a) == 0 for a in args)


def finish(scalar: bool, *arrays: np.ndarray) -> tuple[FloatOrArray, ...]:
    """Return arrays as floats when the caller passed scalars."""
    if scalar:
        return tuple(float(a) for a in arrays)
    return tuple(np.asarray(a, dtype=float) for a in arrays)


def check_confidence(confidence: float) -> float:
    """Validate a two-sided confidence level given as a fraction (0.95, 0.998)."""
    c = float(confidence)
    if not 0.0 < c < 1.0:
        raise ValueError(
            f"confidence must be a fraction strictly between 0 and 1 (e.g. 0.95), got {confidence!r}"
        )
    return c


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile: 1.959964 for 0.95, 3.090232 for 0.998."""
    c = check_confidence(confidence)
    return float(stats.norm.ppf(0.5 + c / 2.0))
