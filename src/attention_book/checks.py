"""Argument checks shared by the package: one clear error that names the argument, what was expected and what
arrived, instead of silent broadcasting, truncation or NaN."""

from __future__ import annotations

import numpy as np


def check_int(name: str, value, minimum: int = 1) -> int:
    """``value`` as an ``int`` if it is an integer (not a bool) >= ``minimum``; else a ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    return int(value)


def check_float(name: str, value, minimum: float | None = None, maximum: float | None = None, *,
                include_minimum: bool = True, include_maximum: bool = True, allow_none: bool = False) -> float | None:
    """``value`` as a ``float`` if it is a finite real number (not a bool) within the bounds; else a ``ValueError``.

    ``minimum`` and ``maximum`` are inclusive unless ``include_minimum`` / ``include_maximum`` is False; with
    ``allow_none``, ``None`` passes through. The message says what was expected: "a finite number >= 0",
    "a number in (0, 1]" (both bounds), "None or a finite number".
    """
    if allow_none and value is None:
        return None
    number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    ok = number and bool(np.isfinite(value))
    if ok and minimum is not None:
        ok = value >= minimum if include_minimum else value > minimum
    if ok and maximum is not None:
        ok = value <= maximum if include_maximum else value < maximum
    if not ok:
        if minimum is not None and maximum is not None:
            left, right = "[" if include_minimum else "(", "]" if include_maximum else ")"
            expected = f"a number in {left}{minimum:g}, {maximum:g}{right}"
        elif minimum is not None:
            expected = f"a finite number {'>=' if include_minimum else '>'} {minimum:g}"
        elif maximum is not None:
            expected = f"a finite number {'<=' if include_maximum else '<'} {maximum:g}"
        else:
            expected = "a finite number"
        raise ValueError(f"{name}: expected {'None or ' if allow_none else ''}{expected}, got {value!r}")
    return float(value)


def check_bool(name: str, value) -> bool:
    """``value`` as a ``bool`` if it is ``True`` or ``False`` (numpy's too); else a ``ValueError``: 1 and "yes"
    are not flags."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name}: expected True or False, got {value!r}")
    return bool(value)


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


def check_shape(name: str, shape, layout: str = "B, T, C", size: int | None = None, unit: str = "channels") -> tuple:
    """``shape`` (a shape, or anything with a ``.shape``) as a tuple, if it has one size per axis of ``layout`` and,
    when ``size`` is given, a last axis of that size; else a ``ValueError`` naming ``name``.

    Meant for layers and tensors: sizes not known yet (``None``) are not compared.
    ``check_shape("query", query, "B, Tq, d")``; ``check_shape("inputs", shape, size=3)`` wants 3 channels.
    """
    shape = tuple(getattr(shape, "shape", shape))
    if len(shape) != len(layout.split(",")):
        raise ValueError(f"{name}: expected shape ({layout}), got shape {shape}")
    if size is not None and shape[-1] is not None and shape[-1] != size:
        raise ValueError(f"{name}: expected {size} {unit}, got {shape[-1]} (shape {shape})")
    return shape
