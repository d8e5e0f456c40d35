"""Baselines every attention model has to beat.

All forecasters in the book share one interface: ``fit(train, val)`` with two
:class:`~attention_book.windows.Windows`, returning the forecaster, and ``predict(inputs)`` mapping inputs
(B, L, C) to forecasts (B, H, C_out).

* :class:`RepeatLast` -- the last observed value, repeated H times ("Repeat" in Zeng et al., 2023).
* :class:`SeasonalNaive` -- the value one season earlier (Hyndman & Athanasopoulos, 2021).
* :class:`LinearForecaster` -- the LTSF "Linear" model of Zeng et al. (2023): one linear map from the L past
  values of a channel to its H future values, shared by all channels. Fitted in closed form (ridge regression).
"""

from __future__ import annotations

import numpy as np

from .checks import check_float, check_inputs, check_int, check_shape
from .windows import Windows, check_target_channels


class _Copying:
    """Shared checks of the two baselines that copy past values."""

    def __init__(self, horizon: int, target_channels=None):
        self.horizon = check_int("horizon", horizon)
        self.target_channels = check_target_channels(target_channels)

    def fit(self, train: Windows | None = None, val: Windows | None = None):
        """Nothing to learn."""
        return self

    def _select(self, inputs) -> np.ndarray:
        inputs = check_inputs(inputs)
        if self.target_channels is None:
            return inputs
        check_target_channels(self.target_channels, inputs.shape[2])
        return inputs[:, :, self.target_channels]


class RepeatLast(_Copying):
    """Forecast every future step as the last observed value: (B, L, C) -> (B, H, C_out)."""

    def predict(self, inputs) -> np.ndarray:
        last = self._select(inputs)[:, -1:, :]
        return np.repeat(last, self.horizon, axis=1).astype(np.float32)


class SeasonalNaive(_Copying):
    """Forecast step h as the value ``period`` steps before it: (B, L, C) -> (B, H, C_out).

    For h beyond one period the last observed season repeats. Needs ``period <= L``.
    """

    def __init__(self, horizon: int, period: int = 24, target_channels=None):
        super().__init__(horizon, target_channels)
        self.period = check_int("period", period)

    def predict(self, inputs) -> np.ndarray:
        history = self._select(inputs)
        lookback = history.shape[1]
        if self.period > lookback:
            raise ValueError(f"inputs: a period of {self.period} needs at least that many steps, got {lookback}")
        steps = lookback - self.period + np.arange(self.horizon) % self.period
        return history[:, steps, :].astype(np.float32)


class LinearForecaster:
    """LTSF-Linear: ``y[:, h, c] = sum_l W[l, h] x[:, l, c] + b[h]``, one (W, b) for every channel.

    ``fit`` solves the ridge regression in closed form on the training windows. With ``ridge=None`` the
    penalty is chosen from ``RIDGE_GRID`` (times the number of rows) by the validation MSE; validation windows
    are used for nothing else.
    """

    RIDGE_GRID = (0.0, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)

    def __init__(self, ridge: float | None = None, target_channels=None):
        self.ridge = check_float("ridge", ridge, 0, allow_none=True)
        self.target_channels = check_target_channels(target_channels)
        self.weights = None  # (L + 1, H): the last row is the bias
        self.chosen_ridge = None

    def _rows(self, inputs) -> np.ndarray:
        """(B, L, C) -> (B * C, L + 1): one row per window and channel, with a 1 for the bias."""
        inputs = check_inputs(inputs)
        if self.target_channels is not None:
            check_target_channels(self.target_channels, inputs.shape[2])
            inputs = inputs[:, :, self.target_channels]
        rows = np.moveaxis(inputs, 2, 1).reshape(-1, inputs.shape[1]).astype(np.float64)
        return np.hstack([rows, np.ones((rows.shape[0], 1))])

    @staticmethod
    def _targets(targets) -> np.ndarray:
        targets = np.asarray(targets, dtype=np.float64)
        check_shape("targets", targets, "B, H, C_out")
        return np.moveaxis(targets, 2, 1).reshape(-1, targets.shape[1])

    def fit(self, train: Windows, val: Windows | None = None) -> LinearForecaster:
        rows, targets = self._rows(train.inputs), self._targets(train.targets)
        if rows.shape[0] != targets.shape[0]:
            raise ValueError(
                f"train: inputs give {rows.shape[0]} (window, channel) rows but targets {targets.shape[0]}"
            )
        gram, moment = rows.T @ rows, rows.T @ targets
        penalty = np.eye(gram.shape[0])
        penalty[-1, -1] = 0.0  # the bias is not penalised
        candidates = self.RIDGE_GRID if self.ridge is None else (self.ridge,)
        if self.ridge is None and val is None:
            raise ValueError("val: choosing the ridge penalty needs validation windows, or pass ridge=")
        if len(candidates) > 1:
            val_rows, val_targets = self._rows(val.inputs), self._targets(val.targets)
        best = None
        for ridge in candidates:
            weights = np.linalg.lstsq(gram + ridge * rows.shape[0] * penalty, moment, rcond=None)[0]
            score = np.mean((val_rows @ weights - val_targets) ** 2) if len(candidates) > 1 else 0.0
            if best is None or score < best[0]:
                best = (score, ridge, weights)
        _, self.chosen_ridge, self.weights = best
        return self

    def predict(self, inputs) -> np.ndarray:
        if self.weights is None:
            raise RuntimeError("LinearForecaster: call fit() before predict()")
        inputs = check_inputs(inputs)
        lookback = self.weights.shape[0] - 1
        if inputs.shape[1] != lookback:
            raise ValueError(f"inputs: the model was fitted on {lookback} time steps, got {inputs.shape[1]}")
        flat = self._rows(inputs) @ self.weights  # (B * C_out, H)
        n_out = flat.shape[0] // inputs.shape[0]
        return np.moveaxis(flat.reshape(inputs.shape[0], n_out, -1), 1, 2).astype(np.float32)
