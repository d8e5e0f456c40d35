"""Reading trained models: what their attention looked at, and where.

* :func:`layer_weights` -- the attention weights (or gates) that a named layer of a trained forecaster computes
  for some windows: the read-out's (B, 1, L), the attending RNN's (B, L, L), a decoder's (B, H, L), a pointer's
  or the entity network's gates (B, T, M).
* :func:`mass_on` -- how much of the weight lies on given positions (e.g. a synthetic task's marked ones).
* :func:`peak_lags` -- how many hours back each forecast step of a decoder looks hardest.
* :func:`gates_at_events` -- how wide each memory of an entity network opens at each entity's events.
"""

from __future__ import annotations

import keras
import numpy as np

from .checks import check_inputs, check_shape


def layer_weights(model: keras.Model, inputs, layer: str = "readout", batch_size: int = 256):
    """The attention weights that the layer named ``layer`` of a trained forecaster computes for ``inputs``.

    ``"readout"`` gives the read-out's weights (B, 1, L) of every forecaster here; ``"encoder"`` gives the
    attending RNN's step-by-step weights (B, L, L).
    """
    _, lookback, n_channels = model.input_shape
    inputs = check_inputs(inputs, n_channels, lookback).astype("float32")
    try:
        outputs = model.get_layer(layer).output
    except ValueError:
        raise ValueError(f"layer: {model.name} has no layer named {layer!r}") from None
    if not isinstance(outputs, (list, tuple)) or len(outputs) != 2:
        raise ValueError(f"layer: expected an attention layer returning (outputs, weights), got {layer!r}")
    probe = keras.Model(model.inputs, outputs[1])
    return np.asarray(probe.predict(inputs, batch_size=batch_size, verbose=0))


def mass_on(weights, positions) -> float:
    """Mean over windows of the attention mass on given positions: weights (N, T), positions (N, k) -> float.

    With the marked positions of a synthetic task this measures how much a model looked where the answer was.
    """
    weights, positions = np.asarray(weights), np.asarray(positions)
    check_shape("weights", weights, "N, T")
    if positions.ndim != 2 or positions.shape[0] != weights.shape[0] or not np.issubdtype(positions.dtype, np.integer):
        raise ValueError(f"positions: expected integers of shape ({weights.shape[0]}, k), got {positions.dtype} "
                         f"of shape {positions.shape}")
    if positions.size and (positions.min() < 0 or positions.max() >= weights.shape[1]):
        raise ValueError(f"positions: expected indices in [0, {weights.shape[1]}), "
                         f"got {positions.min()}..{positions.max()}")
    return float(np.take_along_axis(weights, positions, axis=1).sum(axis=1).mean())


def peak_lags(weights) -> np.ndarray:
    """How far back the largest attention weight of each forecast step lies: weights (H, L) -> lags (H,).

    ``weights`` are a decoder's weights for one window, or their average over windows. Encoder step i (0-based)
    is the hour L - 1 - i + h before forecast step h (1-based), so lag 1 is the last observed hour for step 1.
    """
    weights = np.asarray(weights)
    if weights.ndim != 2 or 0 in weights.shape:
        raise ValueError(f"weights: expected shape (H, L), got shape {weights.shape}")
    horizon, lookback = weights.shape
    return lookback - 1 + np.arange(1, horizon + 1) - weights.argmax(axis=1)


def gates_at_events(gates, events) -> np.ndarray:
    """How wide each memory opens at each entity's events: gates (N, T, M), events (N, T, E) booleans ->
    (E, M), row e the mean gate of every slot over the steps where entity e had an event (NaN if it had none)."""
    gates, events = np.asarray(gates), np.asarray(events)
    check_shape("gates", gates, "N, T, M")
    if events.ndim != 3 or events.shape[:2] != gates.shape[:2] or events.dtype != bool:
        raise ValueError(f"events: expected booleans of shape ({gates.shape[0]}, {gates.shape[1]}, E), got "
                         f"{events.dtype} of shape {events.shape}")
    counts = events.sum(axis=(0, 1))  # (E,)
    totals = np.einsum("nte,ntm->em", events.astype(gates.dtype), gates)
    with np.errstate(invalid="ignore", divide="ignore"):
        return totals / counts[:, None]
