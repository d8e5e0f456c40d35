"""The frame any neural forecaster can be put in: reversible instance normalisation and channel independence.

Two ideas carry much of what the forecasting models of 2022-2023 gained on benchmarks such as ETT, and neither
is attention:

* **Reversible instance normalisation** (RevIN, Kim et al., 2022; NLinear, Zeng et al., 2023). Each window is
  moved to a common level before the model reads it: per window and per forecast channel, subtract the last value
  or the mean of its L steps, and optionally divide by their standard deviation. The model's forecast is moved
  back by the same amounts. The model learns the shape of what comes next rather than its level, which on ETTh1
  shifts between the training years and the test year.
* **Channel independence** (PatchTST, Nie et al., 2023). One model, shared by all channels, forecasts each
  forecast channel from its own past (and the covariates, if the task has any): a window of C_out forecast
  channels becomes C_out one-channel windows. The model cannot read one channel from another, and it sees C_out
  times as many training series.

:func:`framed` puts a forecaster builder ``build(lookback, n_channels, horizon, n_outputs, **sizes)`` in either
or both, and gives a builder with the same signature. The forecast channels are the window's first ``n_outputs``
channels; the others (covariates such as calendar features) are read as they are, never normalised.
"""

from __future__ import annotations

import keras
from keras import ops

from .checks import check_bool
from .forecasters import check_sizes

#: ``revin`` modes: what is subtracted from each window and channel, and whether it is divided by its std.
REVIN = {
    "last": ("last", False),  # NLinear: subtract the last value
    "mean": ("mean", False),  # subtract the window's mean
    "std": ("mean", True),  # RevIN without its affine part: standardise with the window's mean and std
}


def check_revin(revin) -> str | None:
    """``revin`` if it is ``None`` or one of :data:`REVIN`; else a ``ValueError`` naming them."""
    if revin is not None and revin not in REVIN:
        raise ValueError(f"revin: expected one of {', '.join(REVIN)} (or None), got {revin!r}")
    return revin


def variant(revin: str | None = None, channel_independent: bool = False) -> str:
    """A short label of a frame for results tables: ``plain``, ``revin-last``, ``ci``, ``revin-last+ci``, ..."""
    parts = ([f"revin-{check_revin(revin)}"] if revin else []) + (["ci"] if channel_independent else [])
    return "+".join(parts) or "plain"


def parse_variant(label: str) -> tuple[str | None, bool]:
    """The inverse of :func:`variant`: ``"revin-last+ci"`` -> ``("last", True)``, ``"plain"`` -> ``(None, False)``."""
    parts = [] if label == "plain" else label.split("+")
    revin = [part.removeprefix("revin-") for part in parts if part.startswith("revin-")]
    if len(revin) > 1 or set(parts) - {f"revin-{mode}" for mode in REVIN} - {"ci"} or len(set(parts)) < len(parts):
        raise ValueError(f"variant: expected plain, ci, revin-MODE or revin-MODE+ci with MODE one of "
                         f"{', '.join(REVIN)}, got {label!r}")
    return (revin[0] if revin else None), "ci" in parts


@keras.saving.register_keras_serializable(package="attention_book")
class InstanceNorm(keras.layers.Layer):
    """Per-window normalisation: window (B, L, C) -> ``(normalised, level, spread)``, level and spread (B, 1, C).

    ``center``: ``"mean"`` subtracts each channel's mean over the L steps, ``"last"`` its last value. ``scale``:
    divide by each channel's standard deviation over the L steps (spread 1 otherwise). A forecaster undoes it at
    its output: ``forecast * spread + level``.
    """

    def __init__(self, center: str = "mean", scale: bool = True, epsilon: float = 1e-5, **kwargs):
        super().__init__(**kwargs)
        if center not in ("mean", "last"):
            raise ValueError(f"center: expected 'mean' or 'last', got {center!r}")
        self.center, self.scale, self.epsilon = center, check_bool("scale", scale), float(epsilon)

    def call(self, window):
        level = ops.mean(window, axis=1, keepdims=True) if self.center == "mean" else window[:, -1:, :]
        if not self.scale:
            return window - level, level, ops.ones_like(level)
        spread = ops.sqrt(ops.var(window, axis=1, keepdims=True) + self.epsilon)
        return (window - level) / spread, level, spread

    def get_config(self):
        return {**super().get_config(), "center": self.center, "scale": self.scale, "epsilon": self.epsilon}


def channels_to_rows(targets, covariates=None):
    """(B, L, C_out) and covariates (B, L, K) -> (B * C_out, L, 1 + K): one row per forecast channel, each with
    its own values first and the window's covariates after them. Row b * C_out + c is channel c of window b."""
    lookback, n_outputs = targets.shape[1], targets.shape[2]
    rows = ops.reshape(ops.transpose(targets, (0, 2, 1)), (-1, lookback, 1))
    if covariates is None:
        return rows
    return ops.concatenate([rows, ops.repeat(covariates, n_outputs, axis=0)], axis=-1)


def rows_to_channels(forecasts, n_outputs: int):
    """(B * C_out, H, 1) -> (B, H, C_out): the inverse of :func:`channels_to_rows` for the forecasts."""
    horizon = forecasts.shape[1]
    return ops.transpose(ops.reshape(forecasts, (-1, n_outputs, horizon)), (0, 2, 1))


def framed(build, revin: str | None = None, channel_independent: bool = False):
    """A builder ``(lookback, n_channels, horizon, n_outputs, **sizes) -> keras.Model`` that puts ``build``'s
    model in the frame: ``revin`` (a key of :data:`REVIN`, or ``None``) normalises each window's forecast channels
    and undoes it on the forecast; ``channel_independent`` builds ``build``'s model for one forecast channel (plus
    the covariates) and applies it to every forecast channel. The inner model is one layer of the returned model,
    named as ``build`` names it."""
    revin, channel_independent = check_revin(revin), check_bool("channel_independent", channel_independent)

    def builder(lookback: int, n_channels: int, horizon: int, n_outputs: int, **sizes) -> keras.Model:
        check_sizes(lookback, n_channels, horizon, n_outputs)
        if n_outputs > n_channels:
            raise ValueError(f"n_outputs: the frame forecasts the window's first channels, so expected at most "
                             f"{n_channels}, got {n_outputs}")
        window = keras.Input((lookback, n_channels), name="window")
        targets = window[:, :, :n_outputs]
        covariates = window[:, :, n_outputs:] if n_channels > n_outputs else None
        if revin:
            center, scale = REVIN[revin]
            targets, level, spread = InstanceNorm(center, scale, name="instance_norm")(targets)
        if channel_independent:
            inner = build(lookback, n_channels - n_outputs + 1, horizon, 1, **sizes)
            forecast = rows_to_channels(inner(channels_to_rows(targets, covariates)), n_outputs)
        else:
            inner = build(lookback, n_channels, horizon, n_outputs, **sizes)
            forecast = inner(targets if covariates is None else ops.concatenate([targets, covariates], axis=-1))
        if revin:
            forecast = forecast * spread + level
        label = variant(revin, channel_independent).replace("-", "_").replace("+", "_")
        return keras.Model(window, forecast, name=f"{inner.name}_{label}")

    return builder
