"""How far back a sequence model remembers: measured through its gradients and through a task.

* :func:`state_gradient_norms` -- backpropagation through time made visible: the size of
  dh_T/dx_{T-k}, how much the last state moves when the input k steps earlier moves. For the simple RNN it
  shrinks geometrically with k (Bengio et al., 1994; Pascanu et al., 2013); the LSTM's gated cell slows the
  shrinking (Hochreiter & Schmidhuber, 1997).
* :func:`lag_sweep` -- the consequence: train a forecaster on the lag-retrieval task with the marked values
  moved further and further into the past, and score it against the best constant prediction.

:func:`state_gradient_norms` studies TensorFlow's gradients on purpose (``tf.GradientTape``): it needs Keras'
TensorFlow backend, the book's. :func:`lag_sweep` runs on every backend.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from .checks import check_inputs, check_int
from .forecasters import NeuralForecaster
from .session import seeded_layers
from .synthetic import lag_retrieval
from .windows import Windows


def state_gradient_norms(encoder, inputs) -> np.ndarray:
    """Mean over the batch of the Frobenius norm of dh_T/dx_{T-k}, for k = 0, ..., T-1.

    Args:
        encoder: a callable (a Keras layer or model) mapping inputs (B, T, C) to the last state (B, d), or to a
            tuple whose last element is that state (as :class:`~attention_book.rnn.HandRNN` returns it).
        inputs: (B, T, C).

    The encoder must treat the windows of a batch independently, as every sequence model in the book does.

    Returns:
        (T,) float64: entry k is the norm for the input k steps before the last (k = 0 is the last input).

    TensorFlow only: the gradients come from ``tf.GradientTape``, so Keras must run on its TensorFlow backend.
    """
    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(f"state_gradient_norms differentiates with tf.GradientTape and needs Keras' TensorFlow "
                           f"backend, got KERAS_BACKEND={keras.backend.backend()!r}")
    inputs = tf.constant(check_inputs(inputs), dtype=tf.float32)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(inputs)
        last = encoder(inputs)
        if isinstance(last, (tuple, list)):
            last = last[-1]
        if len(last.shape) != 2 or last.shape[0] != inputs.shape[0]:
            raise ValueError(f"encoder: expected a last state of shape (B, d) with B={inputs.shape[0]}, "
                             f"got {tuple(last.shape)}")
        # Windows are independent, so the gradient of unit j summed over the batch holds, for every window,
        # the row j of that window's Jacobian: d backward passes instead of B * d.
        units = [tf.reduce_sum(last[:, j]) for j in range(last.shape[1])]
    squares = tf.add_n([tf.square(tape.gradient(unit, inputs)) for unit in units])  # (B, T, C)
    del tape
    norms = tf.sqrt(tf.reduce_sum(squares, axis=2))  # (B, T): Frobenius norm of each (d, C) Jacobian
    return np.asarray(tf.reduce_mean(norms, axis=0), dtype=np.float64)[::-1].copy()


def decay_per_step(norms, steps: int = 60) -> float:
    """The factor by which gradient ``norms`` (as from :func:`state_gradient_norms`) shrink per step back:
    exp of the least-squares slope of log(norm) against k over k = 0, ..., steps - 1."""
    norms = np.asarray(norms, dtype=np.float64)
    steps = check_int("steps", steps, minimum=2)
    if norms.ndim != 1 or norms.size < steps:
        raise ValueError(f"norms: expected a vector of at least {steps} values, got shape {norms.shape}")
    if not np.all(np.isfinite(norms[:steps]) & (norms[:steps] > 0)):
        raise ValueError(f"norms: expected positive finite values in the first {steps}, got zeros, NaN or infinity")
    return float(np.exp(np.polyfit(np.arange(steps), np.log(norms[:steps]), 1)[0]))


@dataclass(frozen=True)
class LagSweep:
    """The result of :func:`lag_sweep`, one entry per band of lags.

    ``bands``: (min_lag, max_lag) of each run. ``mse``: the model's test MSE. ``constant_mse``: the test MSE of
    the best constant (the mean training target). ``forecasters``: the trained forecasters, for inspection.
    """

    bands: tuple[tuple[int, int], ...]
    mse: np.ndarray
    constant_mse: np.ndarray
    forecasters: tuple

    @property
    def relative_mse(self) -> np.ndarray:
        """MSE as a fraction of the constant prediction's: near 0 is solved, near 1 learned nothing."""
        return self.mse / self.constant_mse


def lag_sweep(build, bands, *, length: int = 100, n_train: int = 2000, n_eval: int = 1000, seed: int = 0,
              **training) -> LagSweep:
    """Train one forecaster per band of lags on the lag-retrieval task and score it on fresh test windows.

    Args:
        build: ``build(length, n_channels, horizon, n_outputs)`` returning an untrained Keras forecaster, e.g.
            ``functools.partial(rnn.lstm_forecaster, units=32)``.
        bands: pairs (min_lag, max_lag); the two marked steps of every window lie that many steps before its
            end (lag 1 is the last step).
        length: the window length T, the same for every band so that only the lag changes.
        n_train: training windows per band; validation and test have ``n_eval`` each.
        seed: seeds the data (different windows for each split and band) and the models.
        **training: passed to :func:`~attention_book.training.train`.
    """
    length, n_train, n_eval = check_int("length", length, 2), check_int("n_train", n_train), check_int("n_eval", n_eval)
    bands = tuple(_check_band(band, length) for band in bands)
    if not bands:
        raise ValueError("bands: expected at least one (min_lag, max_lag) pair, got none")
    data_seeds = np.random.SeedSequence(check_int("seed", seed, 0)).spawn(len(bands))
    mse, constant_mse, fitted = [], [], []
    for (min_lag, max_lag), band_seed in zip(bands, data_seeds, strict=True):
        train, val, test = (
            Windows(*lag_retrieval(size, length, min_lag=min_lag, max_lag=max_lag, seed=split_seed)[:2])
            for size, split_seed in zip((n_train, n_eval, n_eval), band_seed.spawn(3), strict=True)
        )
        with seeded_layers(seed):
            model = build(length, train.inputs.shape[2], 1, 1)
        forecaster = NeuralForecaster(model, seed=seed, **training).fit(train, val)
        mse.append(np.mean((forecaster.predict(test.inputs) - test.targets) ** 2))
        constant_mse.append(np.mean((train.targets.mean() - test.targets) ** 2))
        fitted.append(forecaster)
    return LagSweep(bands, np.array(mse, dtype=np.float64), np.array(constant_mse, dtype=np.float64), tuple(fitted))


def _check_band(band, length: int) -> tuple[int, int]:
    try:
        min_lag, max_lag = band
    except (TypeError, ValueError):
        raise ValueError(f"bands: expected pairs (min_lag, max_lag), got {band!r}") from None
    min_lag, max_lag = check_int("min_lag", min_lag), check_int("max_lag", max_lag)
    if not min_lag < max_lag <= length:
        raise ValueError(f"bands: expected 1 <= min_lag < max_lag <= length={length}, got ({min_lag}, {max_lag})")
    return min_lag, max_lag
