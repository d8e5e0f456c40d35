"""Argument checks shared by the package: one clear error that names the argument, what was expected and what
arrived, instead of silent broadcasting, truncation or NaN."""

from __future__ import annotations

import numpy as np


def check_int(name: str, value, minimum: int = 1) -> int:
    """``value`` as an ``int`` if it is an integer (not a bool) >= ``minimum``; else a ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    return int(value)


def check_inputs(inputs, n_channels: int | None = None, lookback: int | None = None) -> np.ndarray:
    """``inputs`` as a finite numeric array (B, L, C), optionally with C and L fixed; else a ``ValueError``."""
    inputs = np.asarray(inputs)
    if inputs.ndim != 3:
        raise ValueError(f"inputs: expected shape (B, L, C), got shape {inputs.shape}")
    if not np.issubdtype(inputs.dtype, np.number):
        raise ValueError(f"inputs: expected numbers, got dtype {inputs.dtype}")
    if n_channels is not None and inputs.shape[2] != n_channels:
        raise ValueError(f"inputs: expected {n_channels} channels, got {inputs.shape[2]} (shape {inputs.shape})")
    if lookback is not None and inputs.shape[1] != lookback:
        raise ValueError(f"inputs: expected {lookback} time steps, got {inputs.shape[1]} (shape {inputs.shape})")
    if not np.all(np.isfinite(inputs)):
        raise ValueError("inputs: contains NaN or infinity")
    return inputs


def check_sequence_shape(shape, n_channels: int | None = None) -> None:
    """A ``ValueError`` unless the (possibly symbolic) ``shape`` is (B, T, C), with ``n_channels`` channels when
    given. Meant for layers: sizes not known yet (``None``) are not compared."""
    shape = tuple(shape)
    if len(shape) != 3:
        raise ValueError(f"inputs: expected shape (B, T, C), got shape {shape}")
    if n_channels is not None and shape[2] is not None and shape[2] != n_channels:
        raise ValueError(f"inputs: expected {n_channels} channels, got {shape[2]} (shape {shape})")
