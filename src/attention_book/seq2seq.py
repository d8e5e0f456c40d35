"""Sequence to sequence: an encoder reads the window, a decoder writes the forecast one step at a time.

The encoder (an LSTM or a GRU) turns the window x_1..x_L into states v_1..v_L, (B, L, d). The decoder starts from
the encoder's last state and, for each forecast step t = 1..H, takes the previous value y_{t-1} (the last observed
value at t = 1) and emits y_t. Three decoders, one class:

* ``attention="none"`` -- the plain encoder-decoder (Sutskever et al., 2014; Cho et al., 2014): everything the
  decoder knows about the window went through the encoder's last state.
* ``attention="bahdanau"`` -- additive attention (Bahdanau et al., 2015). *Before* the update, the previous
  decoder state h_{t-1} scores every encoder state, z_i = w^T tanh(W_1 v_i + W_2 h_{t-1}); the context
  c_t = sum_i softmax(z)_i v_i joins the cell's input, and the output reads [h_t; c_t].
* ``attention="luong"`` -- Luong et al. (2015): the cell updates first, then the *new* state h_t scores the encoder
  states (dot or general score) and the output reads tanh(W_c [c_t; h_t]).

Training uses teacher forcing: the decoder's input at step t is the true y_{t-1}. At inference it runs free and
feeds back its own prediction. :class:`Seq2SeqModel` does both inside ``model.fit``: its training loss is the error
of the forced forecast, while validation, ``predict`` and ``evaluate`` run free, so early stopping watches the error
a user will see.
:func:`teacher_forced_predict` gives the forced forecasts, to measure the gap (exposure bias).

Known future covariates: with ``calendar=True`` the window's last four channels are the calendar features of
:mod:`~attention_book.time_features`; the decoder then also gets, at each step, the calendar of the hour it forecasts.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from . import time_features
from .attention import attend, make_score
from .attention_rnn import scan_steps, weights_read_once
from .checks import check_bool, check_int, check_shape
from .forecasters import check_model_windows, check_sizes

CELLS = ("lstm", "gru")
ATTENTIONS = ("none", "bahdanau", "luong")
#: The scores each attention style may use; the first one is its default.
STYLE_SCORES = {"none": (None,), "bahdanau": ("additive",), "luong": ("general", "dot", "scaled_dot")}


def _check_choice(name: str, value, choices) -> str:
    if value not in choices:
        raise ValueError(f"{name}: expected one of {', '.join(map(str, choices))}, got {value!r}")
    return value


@keras.saving.register_keras_serializable(package="attention_book")
class AttentionDecoder(keras.layers.Layer):
    """Writes H forecast steps from the encoder states, with or without attention over them.

    Args:
        horizon: number of steps H.
        n_outputs: values per step, C_out.
        units: the decoder state size d; it must equal the encoder's, whose last state starts the decoder.
        cell: ``"lstm"`` or ``"gru"``.
        attention: ``"none"``, ``"bahdanau"`` or ``"luong"`` (see the module docstring).
        score: the score of the attention; Bahdanau's is ``"additive"``, Luong's ``"general"`` (default), ``"dot"``
            or ``"scaled_dot"``.
        n_covariates: known future covariates per step, F (0: none).

    Call arguments:
        encoder_states: (B, L, d).
        initial_state: the encoder's last state, a list: [h, c] for an LSTM, [h] for a GRU, each (B, d).
        first_value: (B, C_out), the last observed value, the decoder's first input.
        covariates: (B, H, F) when ``n_covariates`` > 0, else None.
        targets: (B, H, C_out) to teacher-force (the input at step t is targets[:, t - 1]); None to run free.

    Returns:
        ``(forecast, weights)``: (B, H, C_out) and the attention weights (B, H, L); all zero without attention.
    """

    def __init__(self, horizon: int, n_outputs: int, units: int = 32, cell: str = "lstm",
                 attention: str = "bahdanau", score: str | None = None, n_covariates: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.horizon = check_int("horizon", horizon)
        self.n_outputs = check_int("n_outputs", n_outputs)
        self.units = check_int("units", units)
        self.cell_name = _check_choice("cell", cell, CELLS)
        self.attention = _check_choice("attention", attention, ATTENTIONS)
        self.score_name = STYLE_SCORES[attention][0] if score is None else _check_choice(
            f"score (for attention={attention!r})", score, STYLE_SCORES[attention])
        self.n_covariates = check_int("n_covariates", n_covariates, minimum=0)
        cell_class = keras.layers.LSTMCell if cell == "lstm" else keras.layers.GRUCell
        self.cell = cell_class(self.units, name="cell")
        self.score = None if self.score_name is None else make_score(self.score_name, self.units, "score")
        self.combine = (keras.layers.Dense(self.units, activation="tanh", name="combine") if attention == "luong"
                        else None)
        self.readout = keras.layers.Dense(self.n_outputs, name="readout")

    def build(self, encoder_states_shape, initial_state_shape=None, first_value_shape=None, covariates_shape=None,
              targets_shape=None):
        check_shape("encoder_states", encoder_states_shape, "B, L, units")
        width = encoder_states_shape[-1]
        if width != self.units:
            raise ValueError(f"encoder_states: expected width d = {self.units} (the decoder's units), got {width}; "
                             "the encoder and the decoder must have the same state size")
        context = self.units if self.attention == "bahdanau" else 0
        self.cell.build((None, self.n_outputs + self.n_covariates + context))
        if isinstance(self.score, keras.layers.Layer):
            self.score.build((None, encoder_states_shape[1], width), (None, 1, self.units))
        if self.combine is not None:
            self.combine.build((None, 2 * self.units))
        self.readout.build((None, self.units + context))

    def step(self, previous, covariate, states, encoder_states, projected=None):
        """One decoder step: previous (B, C_out), covariate (B, F) or None, states (list of (B, d)), encoder
        states (B, L, d) -> (output (B, C_out), new states, weights (B, L)).

        ``projected``: the encoder states' half of the additive score, W_1 v_i (B, L, d_a), if already computed;
        it is the same at every step, so :meth:`call` computes it once per window.
        """
        parts = [previous] if covariate is None else [previous, covariate]
        if self.attention == "bahdanau":  # the previous state looks first, and the context feeds the update
            if projected is None:
                projected = self.score.project_values(encoder_states)
            score = lambda values, query: self.score.score_projected(projected, query)  # noqa: E731
            context, weights = attend(encoder_states, states[0][:, None, :], score)
            parts.append(context[:, 0])
        hidden, states = self.cell(ops.concatenate(parts, axis=-1), states)
        if self.attention == "bahdanau":
            features = ops.concatenate([hidden, context[:, 0]], axis=-1)
        elif self.attention == "luong":  # the new state looks, and the context shapes the output only
            context, weights = attend(encoder_states, hidden[:, None, :], self.score)
            features = self.combine(ops.concatenate([context[:, 0], hidden], axis=-1))
        else:
            features, weights = hidden, ops.zeros_like(encoder_states[:, None, :, 0])
        return self.readout(features), list(states), weights[:, 0]

    def call(self, encoder_states, initial_state, first_value, covariates=None, targets=None):
        check_shape("encoder_states", encoder_states, "B, L, units", size=self.units, unit="units")
        n_states = 2 if self.cell_name == "lstm" else 1
        if len(initial_state) != n_states or any(tuple(s.shape)[-1] != self.units for s in initial_state):
            raise ValueError(f"initial_state: expected {n_states} tensor(s) of shape (B, {self.units}) for an "
                             f"{self.cell_name.upper()} decoder, got shapes {[tuple(s.shape) for s in initial_state]}")
        if tuple(first_value.shape)[-1] != self.n_outputs:
            raise ValueError(f"first_value: expected shape (B, {self.n_outputs}), got {tuple(first_value.shape)}")
        if (covariates is None) != (self.n_covariates == 0):
            expected = "None" if self.n_covariates == 0 else f"shape (B, {self.horizon}, {self.n_covariates})"
            raise ValueError(f"covariates: expected {expected}, got "
                             f"{None if covariates is None else tuple(covariates.shape)}")
        expected_widths = (("covariates", covariates, self.n_covariates), ("targets", targets, self.n_outputs))
        for name, tensor, width in expected_widths:
            if tensor is not None and tuple(tensor.shape)[1:] != (self.horizon, width):
                raise ValueError(f"{name}: expected shape (B, {self.horizon}, {width}), got {tuple(tensor.shape)}")
        dtype = encoder_states.dtype
        first_value = ops.cast(first_value, dtype)
        projected = self.score.project_values(encoder_states) if self.attention == "bahdanau" else None
        sequences = {}  # time first, so that step t reads slice [t]
        if covariates is not None:
            sequences["covariate"] = ops.transpose(ops.cast(covariates, dtype), (1, 0, 2))  # (H, B, F)
        if targets is not None:  # teacher forcing: step t reads targets[:, t - 1], step 0 the last observed value
            previous = ops.concatenate([first_value[:, None, :], ops.cast(targets, dtype)[:, :-1]], axis=1)
            sequences["previous"] = ops.transpose(previous, (1, 0, 2))  # (H, B, C_out)

        def body(carry, inputs):
            output, states, _ = carry
            previous = inputs.get("previous", output)  # teacher forcing, or free running: its own last output
            return self.step(previous, inputs.get("covariate"), states, encoder_states, projected)

        start = (first_value, [ops.cast(s, dtype) for s in initial_state], ops.zeros_like(encoder_states[:, :, 0]))
        outputs, _, weights = scan_steps(body, start, self.horizon, sequences)  # (H, B, C_out), _, (H, B, L)
        return ops.transpose(outputs, (1, 0, 2)), ops.transpose(weights, (1, 0, 2))

    def compute_output_shape(self, encoder_states_shape, *args, **kwargs):
        batch, length = encoder_states_shape[0], encoder_states_shape[1]
        return (batch, self.horizon, self.n_outputs), (batch, self.horizon, length)

    def get_config(self):
        return {**super().get_config(), "horizon": self.horizon, "n_outputs": self.n_outputs, "units": self.units,
                "cell": self.cell_name, "attention": self.attention, "score": self.score_name,
                "n_covariates": self.n_covariates}


@keras.saving.register_keras_serializable(package="attention_book")
class Seq2Seq(keras.layers.Layer):
    """Encoder and decoder together: window (B, L, C) -> ``(forecast (B, H, C_out), weights (B, H, L))``.

    The forecast channels are the window's first ``n_outputs`` channels (as in every task of the book); with
    ``calendar`` its last four channels are the calendar features, whose future values feed the decoder.

    Args:
        horizon, n_outputs, units, cell, attention, score: as for :class:`AttentionDecoder`.
        calendar: use the calendar features as known future covariates.
        teacher_forcing: how :class:`Seq2SeqModel` trains: with the true previous values (True) or free (False).

    Call arguments: ``window`` (B, L, C); ``targets`` (B, H, C_out) to teacher-force, else None.
    """

    def __init__(self, horizon: int, n_outputs: int, units: int = 32, cell: str = "lstm",
                 attention: str = "bahdanau", score: str | None = None, calendar: bool = False,
                 teacher_forcing: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.calendar = check_bool("calendar", calendar)
        self.teacher_forcing = check_bool("teacher_forcing", teacher_forcing)
        n_covariates = len(time_features.CALENDAR_CHANNELS) if calendar else 0
        self.decoder = AttentionDecoder(horizon, n_outputs, units, cell, attention, score, n_covariates,
                                        name="decoder")
        recurrent = keras.layers.LSTM if cell == "lstm" else keras.layers.GRU
        self.encoder = recurrent(units, return_sequences=True, return_state=True, name="encoder")

    def build(self, window_shape, targets_shape=None):
        check_shape("window", window_shape, "B, L, C")
        needed = self.decoder.n_outputs + (len(time_features.CALENDAR_CHANNELS) if self.calendar else 0)
        if window_shape[-1] is None or window_shape[-1] < needed:
            raise ValueError(f"window: expected at least {needed} channels ({self.decoder.n_outputs} forecast"
                             f"{' + 4 calendar' if self.calendar else ''}), got shape {tuple(window_shape)}")
        self.encoder.build(window_shape)
        self.decoder.build((None, window_shape[1], self.decoder.units))

    def call(self, window, targets=None):
        with weights_read_once(self):
            encoded = self.encoder(window)
            states, last_states = encoded[0], list(encoded[1:])
            first_value = window[:, -1, : self.decoder.n_outputs]
            covariates = time_features.advance(window[:, -1, -4:], self.decoder.horizon) if self.calendar else None
            return self.decoder(states, last_states, first_value, covariates, targets)

    def compute_output_shape(self, window_shape, targets_shape=None):
        return self.decoder.compute_output_shape((window_shape[0], window_shape[1], self.decoder.units))

    def get_config(self):
        decoder = self.decoder.get_config()
        return {**super().get_config(), **{k: decoder[k] for k in ("horizon", "n_outputs", "units", "cell",
                                                                      "attention", "score")},
                "calendar": self.calendar, "teacher_forcing": self.teacher_forcing}


@keras.saving.register_keras_serializable(package="attention_book")
class Seq2SeqModel(keras.Model):
    """A functional model around one :class:`Seq2Seq` layer named ``"seq2seq"`` whose training loss is that of
    the teacher-forced forecast when the layer says so. Everything else (validation, ``predict``, ``evaluate``)
    runs free, and so do the metrics compiled with the model."""

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss; while training with teacher forcing, of the forecast (B, H, C_out) the decoder makes
        when fed the true previous values ``y`` instead of the free-running ``y_pred``."""
        layer = self.get_layer("seq2seq")
        if training and layer.teacher_forcing and y is not None:
            y_pred, _ = layer(x, y, training=True)
        return super().compute_loss(x, y, y_pred, sample_weight, training=training)


def seq2seq_forecaster(lookback: int, n_channels: int, horizon: int, n_outputs: int, units: int = 32,
                       attention: str = "bahdanau", score: str | None = None, cell: str = "lstm",
                       calendar: bool = False, teacher_forcing: bool = True) -> Seq2SeqModel:
    """An encoder-decoder forecaster (B, L, C) -> (B, H, C_out); see :class:`Seq2Seq` for the arguments."""
    check_sizes(lookback, n_channels, horizon, n_outputs)
    window = keras.Input((lookback, n_channels), name="window")
    forecast, _ = Seq2Seq(horizon, n_outputs, units, cell, attention, score, calendar, teacher_forcing,
                          name="seq2seq")(window)
    return Seq2SeqModel(window, forecast, name=f"seq2seq_{attention}")


def teacher_forced_predict(model: keras.Model, inputs, targets, batch_size: int = 256) -> np.ndarray:
    """The forecasts (N, H, C_out) of a seq2seq ``model`` when every step gets the true previous value."""
    inputs, targets = check_model_windows(model, inputs, targets)
    layer = model.get_layer("seq2seq")
    window, truth = keras.Input(inputs.shape[1:], name="window"), keras.Input(targets.shape[1:], name="truth")
    forced = keras.Model([window, truth], layer(window, truth)[0], name="teacher_forced")
    return np.asarray(forced.predict([inputs, targets], batch_size=batch_size, verbose=0))
