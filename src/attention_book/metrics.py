"""Error measures, averaged over every window, step and channel (the "multivariate" setting)."""

from __future__ import annotations

import numpy as np


def _pair(predictions, targets) -> tuple[np.ndarray, np.ndarray]:
    predictions = np.asarray(predictions, dtype=np.float64)
    targets = np.asarray(targets, dtype=np.float64)
    if predictions.shape != targets.shape:
        raise ValueError(
            f"predictions: expected the shape of targets {targets.shape}, got {predictions.shape}"
        )
    if predictions.size == 0:
        raise ValueError("predictions: expected at least one value, got an empty array")
    for name, array in (("predictions", predictions), ("targets", targets)):
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name}: contains NaN or infinity")
    return predictions, targets


def mse(predictions, targets) -> float:
    """Mean squared error over all entries of two arrays of the same shape, e.g. (N, H, C)."""
    predictions, targets = _pair(predictions, targets)
    return float(np.mean((predictions - targets) ** 2))


def mae(predictions, targets) -> float:
    """Mean absolute error over all entries of two arrays of the same shape, e.g. (N, H, C)."""
    predictions, targets = _pair(predictions, targets)
    return float(np.mean(np.abs(predictions - targets)))
