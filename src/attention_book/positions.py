"""Where, or when, a token is: attention treats its inputs as a set, so the order has to be added to them.

* :func:`sinusoidal_positions`, :class:`SinusoidalPositions` -- the fixed position code of Vaswani et al. (2017).
* :class:`PositionEmbedding` -- the learned alternative: one trainable vector per position.
* :class:`CalendarEmbedding` -- the forecasting variant: each hour's calendar features, embedded, say *when* the
  hour was rather than where in the window it sits.

Each layer maps tokens (B, T, d) to tokens of the same shape by adding the code.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from .checks import check_int, check_shape
from .time_features import CALENDAR_CHANNELS


def sinusoidal_positions(length: int, d_model: int) -> np.ndarray:
    """The fixed position code (T, d): PE[t, 2i] = sin(t / 10000^(2i/d)), PE[t, 2i + 1] = cos(t / 10000^(2i/d)).

    Each pair of columns turns at its own speed, from one turn per 2 pi steps to one per 10000 * 2 pi, so every
    position gets a distinct code and a shift by k steps is the same rotation wherever it starts.
    """
    length, d_model = check_int("length", length), check_int("d_model", d_model)
    if d_model % 2:
        raise ValueError(f"d_model: expected an even width (sine and cosine pairs), got {d_model}")
    positions = np.arange(length)[:, None]
    rates = 1.0 / 10000 ** (np.arange(0, d_model, 2) / d_model)  # (d/2,)
    code = np.empty((length, d_model))
    code[:, 0::2], code[:, 1::2] = np.sin(positions * rates), np.cos(positions * rates)
    return code.astype(np.float32)


@keras.saving.register_keras_serializable(package="attention_book")
class SinusoidalPositions(keras.layers.Layer):
    """Adds the fixed position code of :func:`sinusoidal_positions`: (B, T, d) -> (B, T, d). No weights."""

    def build(self, input_shape):
        check_shape("inputs", input_shape)
        self.code = ops.convert_to_tensor(sinusoidal_positions(input_shape[1], input_shape[2]))

    def call(self, inputs):
        return inputs + self.code[None]


@keras.saving.register_keras_serializable(package="attention_book")
class CalendarEmbedding(keras.layers.Layer):
    """Embeds each hour's calendar features (the window's last four channels, see :mod:`~attention_book.time_features`)
    and adds them to the tokens: the forecasting variant of a position code, which says *when* an hour was rather
    than where in the window it sits.

    Call arguments: ``tokens`` (B, T, d), ``window`` (B, T, C) whose last four channels are the calendar features.
    """

    def build(self, tokens_shape, window_shape):
        self.kernel = self.add_weight(shape=(len(CALENDAR_CHANNELS), tokens_shape[-1]),
                                      initializer="glorot_uniform", name="kernel")

    def call(self, tokens, window):
        return tokens + ops.matmul(window[..., -len(CALENDAR_CHANNELS):], self.kernel)


@keras.saving.register_keras_serializable(package="attention_book")
class PositionEmbedding(keras.layers.Layer):
    """Adds a learned vector per position: (B, T, d) -> (B, T, d). Without it, attention pooling cannot tell
    where in the window a step was, since it treats the steps as a set."""

    def build(self, input_shape):
        check_shape("inputs", input_shape)
        self.embeddings = self.add_weight(shape=(input_shape[1], input_shape[2]), initializer="zeros",
                                          name="embeddings")

    def call(self, inputs):
        return inputs + self.embeddings[None]
