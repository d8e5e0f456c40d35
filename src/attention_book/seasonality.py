"""How strongly a series repeats itself after a lag (the sample autocorrelation), and the season a step suggests."""

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


#: The season suggested by a calendar step: the pandas offset's name -> steps per cycle.
CALENDAR_SEASONS = {"W": 52, "MS": 12, "ME": 12, "M": 12, "QS": 4, "QE": 4, "Q": 4, "B": 5}


def default_season(step: str) -> int:
    """The seasonal period, in steps, that a step suggests: steps per day below a day (24 for hourly data, 96
    for 15 minutes), 7 for daily, 52 for weekly, 12 for monthly, 4 for quarterly, 5 for business days, and 1
    (no season: the last value repeats) for yearly or other steps. A reader who knows better passes a season.
    """
    import pandas as pd

    try:
        offset = pd.tseries.frequencies.to_offset(step)
    except (ValueError, TypeError):
        offset = None
    if offset is None:
        raise ValueError(f"step: expected a pandas frequency such as 'h', 'D' or 'MS', got {step!r}")
    name = offset.rule_code.split("-")[0]
    if offset.n == 1 and name in CALENDAR_SEASONS:
        return CALENDAR_SEASONS[name]
    try:
        length = pd.Timedelta(offset)
    except (ValueError, TypeError):  # a calendar step (years, several months) with no season of its own
        return 1
    day = pd.Timedelta(days=1)
    if length < day and day % length == pd.Timedelta(0):
        return int(day // length)
    if length == day:
        return 7
    if length == 7 * day:
        return 52
    return 1
