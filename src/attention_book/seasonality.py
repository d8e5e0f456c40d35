"""How strongly a series repeats itself after a lag: the sample autocorrelation."""

from __future__ import annotations

import numpy as np

from .checks import check_int


def autocorrelation(values, max_lag: int) -> np.ndarray:
    """Sample autocorrelation of each channel for lags 0..max_lag.

    Args:
        values: (T, C) or (T,) array.
        max_lag: the largest lag, 1 <= max_lag < T.

    Returns:
        (max_lag + 1, C) array (or (max_lag + 1,) for 1-D input); row k is
        ``sum_t (x_t - m)(x_{t+k} - m) / sum_t (x_t - m)^2``, so row 0 is 1.
    """
    series = np.asarray(values, dtype=np.float64)
    flat = series.ndim == 1
    if flat:
        series = series[:, None]
    if series.ndim != 2:
        raise ValueError(f"values: expected a (T,) or (T, C) array, got shape {np.shape(values)}")
    if not np.all(np.isfinite(series)):
        raise ValueError("values: contains NaN or infinity")
    length = series.shape[0]
    if check_int("max_lag", max_lag) >= length:
        raise ValueError(f"max_lag: expected an integer in [1, {length - 1}], got {max_lag!r}")
    centred = series - series.mean(axis=0)
    energy = np.sum(centred**2, axis=0)
    if np.any(energy == 0):
        raise ValueError("values: a constant channel has no autocorrelation")
    acf = np.stack([np.sum(centred[: length - k] * centred[k:], axis=0) for k in range(max_lag + 1)])
    acf = acf / energy
    return acf[:, 0] if flat else acf
