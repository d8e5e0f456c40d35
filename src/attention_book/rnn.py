"""Recurrent networks: the simple RNN written out by hand, and the two recurrent forecasters of chapter 2.

The simple (Elman) RNN keeps one state vector and updates it once per time step,

    h_t = tanh(W_x x_t + W_h h_{t-1} + b),        h_0 = 0,

so that h_t is all the network remembers of x_1, ..., x_t. In code the vectors are rows and the matrices are
stored transposed, as Keras stores them: ``input_kernel`` (C, d) is W_x^T and ``recurrent_kernel`` (d, d) is
W_h^T. :class:`HandRNN` computes exactly what ``keras.layers.SimpleRNN`` computes (the tests check it to 1e-5);
:func:`rnn_reference` is the same loop in numpy.

The forecasters map a look-back window (B, L, C) to a forecast (B, H, C_out): a recurrent encoder reads the
window and its last state goes through one dense layer that emits all H steps at once
(:func:`~attention_book.forecasters.single_shot`).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from .checks import check_int, check_shape
from .forecasters import check_sizes, single_shot


@keras.saving.register_keras_serializable(package="attention_book")
class HandRNN(keras.layers.Layer):
    """The simple RNN, h_t = tanh(x_t W_x^T + h_{t-1} W_h^T + b), written out step by step.

    Args:
        units: the state size d.

    Call arguments:
        inputs: (B, T, C).

    Returns:
        ``(states, last)``: every state, (B, T, d), and the last one, (B, d).

    The weights are created and initialised like those of ``keras.layers.SimpleRNN`` (Glorot-uniform input
    kernel, orthogonal recurrent kernel, zero bias), so copying weights between the two gives the same outputs.
    """

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = check_int("units", units)

    def build(self, input_shape):
        check_shape("inputs", input_shape)
        n_channels = input_shape[-1]
        if n_channels is None:
            raise ValueError(f"inputs: the channel axis must have a known size, got shape {tuple(input_shape)}")
        self.input_kernel = self.add_weight(
            shape=(n_channels, self.units), initializer="glorot_uniform", name="input_kernel"
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units), initializer="orthogonal", name="recurrent_kernel"
        )
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, inputs):
        check_shape("inputs", inputs.shape, size=self.input_kernel.shape[0])
        # The input's share of a step does not depend on the state:
        # one matrix product for all steps.
        drives = ops.matmul(inputs, self.input_kernel) + self.bias  # (B, T, d)
        batch = ops.shape(inputs)[0]
        initial = ops.zeros((batch, self.units), dtype=drives.dtype)  # h_0

        def step(state, drive):  # state: (B, d), drive: (B, d)
            recurrent = ops.matmul(state, self.recurrent_kernel)
            new_state = ops.tanh(drive + recurrent)
            return new_state, new_state

        over_time = ops.transpose(drives, (1, 0, 2))  # (T, B, d)
        last, states = ops.scan(step, initial, over_time)
        return ops.transpose(states, (1, 0, 2)), last

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1], self.units), (input_shape[0], self.units)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def rnn_reference(inputs, input_kernel, recurrent_kernel, bias) -> np.ndarray:
    """The simple RNN in numpy, one step at a time: inputs (B, T, C) -> all states (B, T, d)."""
    inputs = np.asarray(inputs, dtype=np.float64)
    check_shape("inputs", inputs.shape, size=np.shape(input_kernel)[0])
    state = np.zeros((inputs.shape[0], np.shape(recurrent_kernel)[0]))
    states = []
    for t in range(inputs.shape[1]):
        state = np.tanh(inputs[:, t] @ input_kernel + state @ recurrent_kernel + bias)
        states.append(state)
    return np.stack(states, axis=1)


def rnn_forecaster(lookback: int, n_channels: int, horizon: int, n_outputs: int, units: int = 32) -> keras.Model:
    """The hand-written RNN reads the window; its last state forecasts all H steps: (B, L, C) -> (B, H, C_out)."""
    check_sizes(lookback, n_channels, horizon, n_outputs)
    inputs = keras.Input((lookback, n_channels), name="window")
    _, last = HandRNN(units, name="encoder")(inputs)
    return keras.Model(inputs, single_shot(last, horizon, n_outputs), name="rnn")


def lstm_forecaster(lookback: int, n_channels: int, horizon: int, n_outputs: int, units: int = 32) -> keras.Model:
    """An LSTM reads the window; its last state forecasts all H steps: (B, L, C) -> (B, H, C_out)."""
    check_sizes(lookback, n_channels, horizon, n_outputs)
    inputs = keras.Input((lookback, n_channels), name="window")
    last = keras.layers.LSTM(check_int("units", units), name="encoder")(inputs)
    return keras.Model(inputs, single_shot(last, horizon, n_outputs), name="lstm")
