"""The interface every neural forecaster of the book shares, and the adapter that gives it ``fit``/``predict``.

A neural forecaster is a ``keras.Model`` from a look-back window (B, L, C) to a forecast (B, H, C_out). The
chapters differ in how the window is read (a recurrent encoder, attention, a Transformer); they share
:func:`single_shot`, the dense head that turns a summary vector into all H steps at once, and
:class:`NeuralForecaster`, which trains the model with :func:`~attention_book.training.train` and predicts with
the same ``fit(train, val)`` / ``predict(inputs)`` interface as the baselines, so that
:mod:`~attention_book.registry` can evaluate every model the same way.
"""

from __future__ import annotations

import keras
import numpy as np

from .checks import check_inputs, check_int
from .training import distribution_scope
from .training import train as train_model
from .windows import Windows


def check_sizes(lookback: int, n_channels: int, horizon: int, n_outputs: int) -> None:
    """A ``ValueError`` naming the first of the four sizes that is not an integer >= 1."""
    for name, value in (("lookback", lookback), ("n_channels", n_channels), ("horizon", horizon),
                        ("n_outputs", n_outputs)):
        check_int(name, value)


def check_model_windows(model: keras.Model, inputs, targets) -> tuple[np.ndarray, np.ndarray]:
    """``inputs`` (N, L, C) and ``targets`` (N, H, C_out) as float32, checked against the shapes of ``model``."""
    _, lookback, n_channels = model.input_shape
    _, horizon, n_outputs = model.output_shape
    inputs = check_inputs(inputs, n_channels, lookback).astype(np.float32)
    targets = np.asarray(targets, np.float32)
    if targets.shape != (inputs.shape[0], horizon, n_outputs):
        raise ValueError(f"targets: expected shape ({inputs.shape[0]}, {horizon}, {n_outputs}), got {targets.shape}")
    return inputs, targets


def single_shot(summary, horizon: int, n_outputs: int):
    """All H forecast steps from one summary vector: (B, d) -> (B, H, C_out), one dense layer, no recurrence."""
    horizon, n_outputs = check_int("horizon", horizon), check_int("n_outputs", n_outputs)
    flat = keras.layers.Dense(horizon * n_outputs, name="head")(summary)
    return keras.layers.Reshape((horizon, n_outputs), name="forecast")(flat)


class NeuralForecaster:
    """``fit(train, val)`` and ``predict(inputs)`` for a Keras forecaster (B, L, C) -> (B, H, C_out).

    Args:
        model: the Keras model, built but not trained.
        seed: the order of the training batches. For reproducible initial weights, build ``model`` inside
            :func:`~attention_book.session.seeded_layers` (:mod:`~attention_book.registry` does).
        distribution: the devices to train on (see :func:`~attention_book.training.distribution_scope`);
            ``model`` must have been built in its scope. ``None``: the default device.
        **training: keyword arguments of :func:`~attention_book.training.train` (``epochs``, ``batch_size``,
            ``patience``, ``learning_rate``).
    """

    def __init__(self, model: keras.Model, *, seed: int = 0, distribution=None, **training):
        if not isinstance(model, keras.Model):
            raise TypeError(f"model: expected a keras.Model, got {type(model).__name__}")
        for name, shape in (("input", model.input_shape), ("output", model.output_shape)):
            if not isinstance(shape, tuple) or len(shape) != 3 or None in shape[1:]:
                raise ValueError(f"model: expected one {name} of shape (B, {'L, C' if name == 'input' else 'H, C_out'})"
                                 f" with known sizes, got {shape}")
        self.model = model
        self.seed = check_int("seed", seed, minimum=0)
        distribution_scope(distribution)  # a TypeError now rather than at the first fit
        self.distribution = distribution
        self.training = training
        self.history = None
        _, self.lookback, self.n_channels = model.input_shape
        _, self.horizon, self.n_outputs = model.output_shape

    def fit(self, train: Windows, val: Windows, *, verbose: int = 0) -> NeuralForecaster:
        """Train on ``train`` until the loss on ``val`` stops improving; keep the best weights. ``verbose``: see
        :func:`~attention_book.training.train`."""
        self.history = train_model(self.model, train, val, **self.training, seed=self.seed,
                                   distribution=self.distribution, verbose=verbose)
        return self

    def predict(self, inputs) -> np.ndarray:
        """Forecasts (B, H, C_out) for inputs (B, L, C) with the L and C the model was built for."""
        inputs = check_inputs(inputs, self.n_channels, self.lookback)
        return np.asarray(self.model.predict(inputs.astype(np.float32), batch_size=256, verbose=0))
