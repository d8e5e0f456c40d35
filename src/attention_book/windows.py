"""Splitting a series by time, standardising it, and cutting it into (input, target) windows.

The standard ETT protocol (Zhou et al., 2021; Zeng et al., 2023): the first 12 months (of 30 days) train, the
next 4 validate, the next 4 test. A validation or test window may look back ``lookback`` rows into the split
before it, but its targets always lie inside its own split. Every channel is standardised with the mean and
standard deviation of the **training rows only**.

A split is described by the rows ``[start, end)`` its windows may read; every window is ``lookback + horizon``
consecutive rows of that range, inputs first, targets after.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .checks import check_int

SPLITS = ("train", "val", "test")
HOURS_PER_MONTH = 30 * 24
ETT_MONTHS = {"train": 12, "val": 4, "test": 4}
ETT_ROWS = sum(ETT_MONTHS.values()) * HOURS_PER_MONTH  # 14,400 hourly rows are needed


class Windows(NamedTuple):
    """All windows of one split: ``inputs`` (N, L, C), ``targets`` (N, H, C_out)."""

    inputs: np.ndarray
    targets: np.ndarray

    def every(self, step: int) -> Windows:
        """Every ``step``-th window, from the first: a cheaper training set of windows that still spans the split."""
        step = check_int("step", step, 1)
        return Windows(self.inputs[::step], self.targets[::step])


def ett_borders(n_rows: int, lookback: int) -> dict[str, tuple[int, int]]:
    """Row ranges ``{split: (start, end)}`` of the standard ETT protocol for hourly data.

    Train reads rows [0, 8640); validation [8640 - L, 11520); test [11520 - L, 14400).
    """
    n_rows = check_int("n_rows", n_rows, 0)
    lookback = check_int("lookback", lookback, 1)
    train_end = ETT_MONTHS["train"] * HOURS_PER_MONTH
    val_end = train_end + ETT_MONTHS["val"] * HOURS_PER_MONTH
    test_end = ETT_ROWS
    if n_rows < test_end:
        raise ValueError(
            f"n_rows: the ETT protocol needs at least {test_end} hourly rows (12 + 4 + 4 months of 30 days), "
            f"got {n_rows}"
        )
    if lookback >= train_end:
        raise ValueError(f"lookback: expected fewer than {train_end} steps, got {lookback}")
    return {"train": (0, train_end), "val": (train_end - lookback, val_end), "test": (val_end - lookback, test_end)}


def fraction_borders(
    n_rows: int, lookback: int, fractions: tuple[float, float, float] = (0.7, 0.1, 0.2)
) -> dict[str, tuple[int, int]]:
    """Row ranges of a chronological split by fractions (train, val, test), with the same look-back rule.

    The training and test sizes are rounded down and validation takes the rest, as in the Informer code base
    for custom data sets.
    """
    n_rows = check_int("n_rows", n_rows, 1)
    lookback = check_int("lookback", lookback, 1)
    if len(fractions) != 3 or any(not 0 < f < 1 for f in fractions) or abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(f"fractions: expected three numbers in (0, 1) that sum to 1, got {fractions!r}")
    n_train = int(n_rows * fractions[0])
    n_test = int(n_rows * fractions[2])
    val_end = n_rows - n_test
    if lookback >= n_train:
        raise ValueError(f"lookback: expected fewer than the {n_train} training rows, got {lookback}")
    return {"train": (0, n_train), "val": (n_train - lookback, val_end), "test": (val_end - lookback, n_rows)}


def date_borders(timestamps, lookback: int, val_start, test_start) -> dict[str, tuple[int, int]]:
    """Row ranges of a chronological split at two dates: training rows come before ``val_start``, validation
    rows from ``val_start`` to before ``test_start``, test rows from ``test_start`` on (same look-back rule)."""
    import pandas as pd

    stamps = pd.DatetimeIndex(np.asarray(timestamps))
    lookback = check_int("lookback", lookback, 1)
    try:
        first, second = pd.Timestamp(val_start), pd.Timestamp(test_start)
    except (ValueError, TypeError):
        raise ValueError(f"split: expected two dates (validation start, test start), got {val_start!r}, "
                         f"{test_start!r}") from None
    if not first < second:
        raise ValueError(f"split: expected the validation start before the test start, got {first} and {second}")
    n_train, val_end = int(stamps.searchsorted(first)), int(stamps.searchsorted(second))
    if not 0 < n_train < val_end < len(stamps):
        raise ValueError(
            f"split: the dates {first} and {second} must cut the series ({stamps[0]} to {stamps[-1]}) into three "
            f"non-empty parts; they give {n_train}, {val_end - n_train} and {len(stamps) - val_end} rows"
        )
    if lookback >= n_train:
        raise ValueError(f"lookback: expected fewer than the {n_train} training rows, got {lookback}")
    return {"train": (0, n_train), "val": (n_train - lookback, val_end), "test": (val_end - lookback, len(stamps))}


def split_borders(timestamps, lookback: int, split=(0.7, 0.1, 0.2)) -> dict[str, tuple[int, int]]:
    """Row ranges for ``split``: three fractions (train, val, test) for :func:`fraction_borders`, or two dates
    (the first validation and the first test time stamp) for :func:`date_borders`."""
    import datetime

    parts = tuple(split) if isinstance(split, (tuple, list)) else ()
    numbers = all(isinstance(part, (int, float, np.number)) and not isinstance(part, bool) for part in parts)
    dates = all(isinstance(part, (str, datetime.date, np.datetime64)) for part in parts)
    if len(parts) == 3 and numbers:
        if any(not 0 < part < 1 for part in parts) or abs(sum(parts) - 1) > 1e-9:
            raise ValueError(f"split: expected three fractions in (0, 1) that sum to 1, got {split!r}")
        return fraction_borders(len(timestamps), lookback, tuple(float(part) for part in parts))
    if len(parts) == 2 and dates:
        return date_borders(timestamps, lookback, *parts)
    raise ValueError(f"split: expected three fractions that sum to 1 (e.g. 0.7, 0.1, 0.2) or two dates "
                     f"(validation start, test start), got {split!r}")


def own_rows(borders: dict[str, tuple[int, int]], lookback: int) -> dict[str, tuple[int, int]]:
    """The rows that belong to each split, ``{split: (first, end)}``: where its targets may lie.

    Training owns its rows from the start; validation and test read ``lookback`` rows of the split before
    them, which they do not own.
    """
    lookback = check_int("lookback", lookback, 1)
    if set(borders) != set(SPLITS):
        raise ValueError(f"borders: expected the splits {SPLITS}, got {tuple(borders)}")
    return {
        split: (start if split == "train" else start + lookback, end) for split, (start, end) in borders.items()
    }


class Standardizer:
    """Per-channel standardisation, ``(x - mean) / std``, with statistics from the rows it is fitted on.

    Fit it on the training rows only; applying it to validation and test rows then uses nothing from them.
    """

    def __init__(self):
        self.mean = None
        self.std = None

    def fit(self, values) -> Standardizer:
        """Learn mean and std per channel from ``values`` (T, C)."""
        values = _as_matrix("values", values)
        std = values.std(axis=0, dtype=np.float64)
        constant = np.flatnonzero(std == 0)
        if constant.size:
            raise ValueError(f"values: channel(s) {constant.tolist()} are constant; they cannot be standardised")
        self.mean = values.mean(axis=0, dtype=np.float64)
        self.std = std
        return self

    def _check(self, values) -> np.ndarray:
        if self.mean is None:
            raise RuntimeError("Standardizer: call fit() before transform() or inverse_transform()")
        values = np.asarray(values)
        if not np.issubdtype(values.dtype, np.number):
            raise ValueError(f"values: expected numbers, got dtype {values.dtype}")
        if values.ndim < 1 or values.shape[-1] != self.mean.size:
            raise ValueError(
                f"values: expected a last axis of {self.mean.size} channels, got shape {values.shape}"
            )
        if not np.all(np.isfinite(values)):
            raise ValueError("values: contains NaN or infinity")
        return values

    def transform(self, values) -> np.ndarray:
        """Standardise ``values`` (..., C); float32 out."""
        values = self._check(values)
        return ((values - self.mean) / self.std).astype(np.float32)

    def inverse_transform(self, values) -> np.ndarray:
        """Undo :meth:`transform` on ``values`` (..., C); float32 out."""
        values = self._check(values)
        return (values * self.std + self.mean).astype(np.float32)


def _as_matrix(name: str, values) -> np.ndarray:
    values = np.asarray(values)
    if values.ndim != 2:
        raise ValueError(f"{name}: expected a (T, C) array, got shape {values.shape}")
    if not np.issubdtype(values.dtype, np.number):
        raise ValueError(f"{name}: expected numbers, got dtype {values.dtype}")
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name}: contains NaN or infinity")
    return values


def window_dataset(
    values,
    lookback: int,
    horizon: int,
    *,
    start: int = 0,
    end: int | None = None,
    target_channels=None,
    batch_size: int = 256,
    shuffle: bool = False,
    seed: int | None = None,
):
    """A ``tf.data.Dataset`` of (inputs (B, L, C), targets (B, H, C_out)) from rows ``[start, end)``.

    Built on ``keras.utils.timeseries_dataset_from_array``: every run of ``lookback + horizon`` consecutive
    rows is one window. ``target_channels`` picks the channels to forecast (default: all).
    """
    import keras
    import tensorflow as tf

    values = _as_matrix("values", values)
    lookback = check_int("lookback", lookback, 1)
    horizon = check_int("horizon", horizon, 1)
    end = values.shape[0] if end is None else end
    if not 0 <= start < end <= values.shape[0]:
        raise ValueError(f"start, end: expected 0 <= start < end <= {values.shape[0]}, got {start}, {end}")
    if end - start < lookback + horizon:
        raise ValueError(
            f"lookback, horizon: rows [{start}, {end}) hold {end - start} steps, fewer than one window of "
            f"lookback + horizon = {lookback + horizon}"
        )
    channels = _target_channels(target_channels, values.shape[1])
    windows = keras.utils.timeseries_dataset_from_array(
        values[start:end].astype(np.float32),
        None,
        sequence_length=lookback + horizon,
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
    )
    return windows.map(lambda w: (w[:, :lookback], tf.gather(w[:, lookback:], channels, axis=2)))


def window_arrays(values, lookback: int, horizon: int, *, start: int = 0, end: int | None = None,
                  target_channels=None) -> Windows:
    """The windows of :func:`window_dataset`, in order, as numpy arrays."""
    dataset = window_dataset(
        values, lookback, horizon, start=start, end=end, target_channels=target_channels, batch_size=4096
    )
    inputs, targets = zip(*dataset.as_numpy_iterator(), strict=True)
    return Windows(np.concatenate(inputs), np.concatenate(targets))


def check_target_channels(target_channels, n_channels: int | None = None) -> list[int] | None:
    """``target_channels`` as a list of channel indices (``None`` stays ``None``), or one clear error.

    Indices must be integers in ``[0, n_channels)`` (no negative indices, no floats); with ``n_channels=None``
    only their form is checked.
    """
    if target_channels is None:
        return None
    given = list(np.atleast_1d(np.asarray(target_channels, dtype=object)))
    limit = "" if n_channels is None else f" < {n_channels}"
    if (
        not given
        or any(isinstance(c, bool) or not isinstance(c, (int, np.integer)) for c in given)
        or any(c < 0 or (n_channels is not None and c >= n_channels) for c in given)
    ):
        raise ValueError(f"target_channels: expected integer indices 0 <= i{limit}, got {given}")
    return [int(c) for c in given]


def _target_channels(target_channels, n_channels: int) -> list[int]:
    channels = check_target_channels(target_channels, n_channels)
    return list(range(n_channels)) if channels is None else channels
