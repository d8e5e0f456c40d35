"""Pointer networks (Vinyals et al., 2015): the attention weights are the output.

An encoder reads a set or sequence of N items, (B, N, F) -> states v_1..v_N (B, N, d). A decoder then runs for
``n_steps`` steps; at step t its state h_t scores every item with the additive score of chapter 4,

    z_{t,j} = w^T tanh(W_1 v_j + W_2 h_t),    p_t = softmax_j(z_{t,j}) over the items not chosen yet,

and p_t *is* the prediction: a distribution over the input positions. The chosen item (the true one when
teacher-forcing, the most probable one otherwise) becomes the decoder's next input, and it is masked out of every
later step, so no position is pointed at twice. Trained with cross-entropy on the pointed positions.
"""

from __future__ import annotations

from typing import NamedTuple

import keras
import numpy as np
from keras import ops

from .attention import AdditiveScore, masked_softmax
from .attention_rnn import scan_steps, weights_read_once
from .checks import check_bool, check_int, check_shape
from .forecasters import check_model_windows, check_sizes
from .probes import layer_weights


@keras.saving.register_keras_serializable(package="attention_book")
class PointerDecoder(keras.layers.Layer):
    """Points at ``n_steps`` distinct items of the input, one per step.

    Args:
        n_steps: how many positions to point at (at most N).
        units: the decoder state size d, equal to the encoder's.
        learned_start: the first input is a learned vector ``go``; if False, every call passes it as ``first``.

    Call arguments:
        encoder_states: (B, N, d); items: (B, N, F), the encoder's inputs (the chosen one is fed back);
        initial_state: [h, c], each (B, d); targets: (B, n_steps) integer positions to teacher-force, or None;
        first: (B, F), the decoder's first input (only without ``learned_start``).

    Returns:
        ``(probabilities, pointers)``: (B, n_steps, N), each row a distribution over the items not chosen before,
        and the chosen positions (B, n_steps) (the targets when teacher-forcing, else the most probable).
    """

    def __init__(self, n_steps: int, units: int = 32, learned_start: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.n_steps, self.units = check_int("n_steps", n_steps), check_int("units", units)
        self.learned_start = check_bool("learned_start", learned_start)
        self.cell = keras.layers.LSTMCell(self.units, name="cell")
        self.score = AdditiveScore(self.units, name="score")

    def build(self, encoder_states_shape, items_shape=None, initial_state_shape=None, targets_shape=None,
              first_shape=None):
        check_shape("encoder_states", encoder_states_shape, "B, L, units")
        if encoder_states_shape[-1] != self.units:
            raise ValueError(f"encoder_states: expected width d = {self.units} (the decoder's units), got "
                             f"{encoder_states_shape[-1]}")
        if encoder_states_shape[1] is not None and self.n_steps > encoder_states_shape[1]:
            raise ValueError(f"n_steps: expected at most the {encoder_states_shape[1]} items, since no item is "
                             f"pointed at twice, got {self.n_steps}")
        n_features = items_shape[-1]
        if self.learned_start:
            self.go = self.add_weight(shape=(n_features,), initializer="zeros", name="go")  # the first input
        self.cell.build((None, n_features))
        self.score.build((None, encoder_states_shape[1], self.units), (None, 1, self.units))

    def step(self, previous, states, projected, available):
        """One step: previous item (B, F), states [h, c], projected encoder states W_1 e (B, N, d), available
        (B, N) booleans -> (probabilities (B, N), new states)."""
        hidden, states = self.cell(previous, states)
        scores = self.score.score_projected(projected, hidden[:, None, :])  # (B, 1, N)
        return masked_softmax(scores, available[:, None, :])[:, 0], list(states)

    def call(self, encoder_states, items, initial_state, targets=None, first=None):
        batch, n_items = ops.shape(items)[0], items.shape[1]
        if self.learned_start != (first is None):
            expected = "None (the first input is learned)" if self.learned_start else "the first input (B, F)"
            raise ValueError(f"first: expected {expected}, got {'None' if first is None else tuple(first.shape)}")
        if first is None:
            first = ops.broadcast_to(self.go[None], (batch, items.shape[-1]))
        elif tuple(first.shape)[1:] != tuple(items.shape)[2:]:
            raise ValueError(f"first: expected shape (B, {items.shape[-1]}) like one item, got {tuple(first.shape)}")
        sequences = {}
        if targets is not None:
            if tuple(targets.shape)[1:] != (self.n_steps,):
                raise ValueError(f"targets: expected shape (B, {self.n_steps}), got {tuple(targets.shape)}")
            sequences["choice"] = ops.transpose(ops.cast(targets, "int32"))  # (n_steps, B)
        projected = self.score.project_values(encoder_states)

        def body(carry, inputs):
            previous, states, available, _, _ = carry
            probabilities, states = self.step(previous, states, projected, available)
            greedy = ops.cast(ops.argmax(probabilities, axis=-1), "int32")  # (B,): the most probable item
            choice = inputs.get("choice", greedy)  # teacher forcing, or greedy
            available = ops.logical_and(available, ops.logical_not(ops.one_hot(choice, n_items) > 0))
            chosen = ops.take_along_axis(items, choice[:, None, None], axis=1)[:, 0]  # (B, F): fed back next
            return chosen, states, available, probabilities, choice

        start = (first, list(initial_state), ops.ones_like(items[:, :, 0], dtype="bool"),
                 ops.zeros_like(encoder_states[:, :, 0]), ops.zeros_like(items[:, 0, 0], dtype="int32"))
        *_, probabilities, pointers = scan_steps(body, start, self.n_steps, sequences)  # (n_steps, B, N), (n_steps, B)
        return ops.transpose(probabilities, (1, 0, 2)), ops.transpose(pointers)

    def compute_output_shape(self, encoder_states_shape, *args, **kwargs):
        return (encoder_states_shape[0], self.n_steps, encoder_states_shape[1]), (encoder_states_shape[0], self.n_steps)

    def get_config(self):
        return {**super().get_config(), "n_steps": self.n_steps, "units": self.units,
                "learned_start": self.learned_start}


@keras.saving.register_keras_serializable(package="attention_book")
class PointerNetwork(keras.layers.Layer):
    """Encoder (an LSTM over the items) and :class:`PointerDecoder`: items (B, N, F) -> ``(probabilities
    (B, n_steps, N), pointers (B, n_steps))``. Call with ``targets`` (B, n_steps) to teacher-force, and with
    ``query`` (B, F) to start the decoder from a question instead of a learned first input (then build it with
    ``learned_start=False``)."""

    def __init__(self, n_steps: int, units: int = 32, learned_start: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.n_steps, self.units = check_int("n_steps", n_steps), check_int("units", units)
        self.embedding = keras.layers.Dense(self.units, name="embedding")
        self.encoder = keras.layers.LSTM(self.units, return_sequences=True, return_state=True, name="encoder")
        self.decoder = PointerDecoder(self.n_steps, self.units, learned_start, name="decoder")
        self.learned_start = learned_start

    def build(self, items_shape, targets_shape=None, query_shape=None):
        check_shape("items", items_shape, "B, n, C")
        self.embedding.build(items_shape)
        self.encoder.build((*items_shape[:-1], self.units))
        self.decoder.build((None, items_shape[1], self.units), items_shape)

    def call(self, items, targets=None, query=None):
        with weights_read_once(self):
            states, hidden, carry = self.encoder(self.embedding(items))
            return self.decoder(states, items, [hidden, carry], targets, query)

    def teacher_forced(self, items, positions, training=False):
        """The probabilities (B, n_steps, N) when the decoder is fed the true ``positions`` (B, n_steps)."""
        return self(items, positions, training=training)[0]

    def compute_output_shape(self, items_shape, *args, **kwargs):
        return (items_shape[0], self.n_steps, items_shape[1]), (items_shape[0], self.n_steps)

    def get_config(self):
        return {**super().get_config(), "n_steps": self.n_steps, "units": self.units,
                "learned_start": self.learned_start}


@keras.saving.register_keras_serializable(package="attention_book")
class PointerModel(keras.Model):
    """A functional model around one pointer layer named ``"pointer"`` (a :class:`PointerNetwork` or an
    :class:`AnalogPointer`), trained on the cross-entropy of the positions it should point at.

    Training teacher-forces (the true previous item is fed back); validation reports the same cross-entropy;
    ``predict`` runs the model's outputs, pointing greedily. The loss is the pointer's own: whatever loss the
    model was compiled with is not used. :meth:`positions` says where to point for a batch of (inputs, targets):
    for a :class:`PointerNetwork` the targets are the positions.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pointer_loss = keras.metrics.Mean(name="loss")

    def positions(self, inputs, targets):
        return targets

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The mean cross-entropy of the positions to point at, with the decoder fed the true previous positions,
        in training and in validation alike; the compiled loss and ``y_pred`` are not used."""
        positions = ops.cast(self.positions(x, y), "int32")  # (B, n_steps)
        probabilities = self.get_layer("pointer").teacher_forced(x, positions, training=training)  # (B, n_steps, N)
        loss = ops.mean(keras.losses.sparse_categorical_crossentropy(positions, probabilities))
        self.pointer_loss.update_state(loss)  # the mean over batches, as the history reports it
        return loss

    @property
    def metrics(self):
        return [self.pointer_loss]


def pointer_model(n_items: int, n_features: int, n_steps: int, units: int = 32) -> PointerModel:
    """A pointer network for N = ``n_items`` items of F = ``n_features`` features each, pointing ``n_steps`` times:
    (B, N, F) -> probabilities (B, n_steps, N). Compile it with an optimizer only."""
    n_items, n_features = check_int("n_items", n_items), check_int("n_features", n_features)
    items = keras.Input((n_items, n_features), name="items")
    probabilities, _ = PointerNetwork(n_steps, units, name="pointer")(items)
    return PointerModel(items, probabilities, name="pointer_network")


def position_classifier(n_items: int, n_features: int, n_steps: int, units: int = 128) -> keras.Model:
    """The baseline without attention: a two-layer perceptron reads all N items at once and, for each of the
    ``n_steps`` outputs, classifies which of the N positions it is, (B, N, F) -> probabilities (B, n_steps, N).

    Its output dictionary is fixed at N classes, and nothing stops it from naming a position twice. Compile it
    with ``sparse_categorical_crossentropy``; its greedy positions are ``argmax`` over the last axis.
    """
    n_items, n_features = check_int("n_items", n_items), check_int("n_features", n_features)
    n_steps, units = check_int("n_steps", n_steps), check_int("units", units)
    items = keras.Input((n_items, n_features), name="items")
    hidden = keras.layers.Flatten()(items)
    for k in range(2):
        hidden = keras.layers.Dense(units, activation="relu", name=f"hidden{k + 1}")(hidden)
    logits = keras.layers.Reshape((n_steps, n_items))(keras.layers.Dense(n_steps * n_items, name="logits")(hidden))
    return keras.Model(items, keras.layers.Softmax()(logits), name="position_classifier")


def pointers_of(model: keras.Model, items, batch_size: int = 256) -> np.ndarray:
    """The positions (B, n_steps) a trained pointer ``model`` chooses for ``items`` (B, N, F), greedily."""
    items = np.asarray(items, np.float32)
    if items.ndim != 3 or items.shape[1:] != tuple(model.input_shape[1:]):
        raise ValueError(f"items: expected shape (B, {', '.join(map(str, model.input_shape[1:]))}), got {items.shape}")
    probe = keras.Model(model.inputs, model.get_layer("pointer").output[1])
    return np.asarray(probe.predict(items, batch_size=batch_size, verbose=0))


# ----------------------------------------------------------------------------------------------------------------
# Analog forecasting: point at the past stretch whose continuation should be copied.

def analog_candidates(window, horizon: int, n_outputs: int):
    """Cut a window (B, L, C) into the pieces of analog forecasting with stretches of H = ``horizon`` steps.

    Returns ``(keys, continuations, query)``:

    - ``query`` (B, H*C): the last H steps, flattened: what happened just before the forecast.
    - ``continuations`` (B, K, H, C_out): candidate j (0-based) is the stretch of H steps that began (j + 1) * H
      steps before the forecast begins, first ``n_outputs`` channels. Copying candidate 0 is the seasonal-naive
      forecast with period H.
    - ``keys`` (B, K, H*C): the H steps before each candidate, flattened: what came before it.

    K = L // H - 1, so that every candidate has a whole key inside the window; the oldest steps left over when
    H does not divide L are not used.
    """
    length = window.shape[1]
    count = length // horizon - 1
    if count < 1:
        raise ValueError(f"window: analog forecasting with stretches of {horizon} steps needs at least "
                         f"{2 * horizon} steps, got {length}")
    def stretch(end):
        return ops.reshape(window[:, end - horizon:end, :], (-1, horizon * window.shape[2]))

    ends = [length - j * horizon for j in range(count)]  # where candidate j, 0-based, ends
    keys = ops.stack([stretch(end - horizon) for end in ends], axis=1)
    continuations = ops.stack([window[:, end - horizon:end, :n_outputs] for end in ends], axis=1)
    return keys, continuations, stretch(length)


@keras.saving.register_keras_serializable(package="attention_book")
class AnalogPointer(keras.layers.Layer):
    """A pointer network that forecasts by copying the past: window (B, L, C) -> ``(forecast (B, H, C_out),
    probabilities (B, K))``.

    The items are the K candidate stretches' keys (see :func:`analog_candidates`), newest first; the decoder
    starts from the query (the last H steps) and points once. The forecast copies the continuation of the most
    probable candidate (C_out = ``n_outputs``, the window's first channels). It is trained, by
    :class:`AnalogPointerModel`, to point at the candidate whose continuation was closest to the truth.
    """

    def __init__(self, horizon: int, n_outputs: int, units: int = 32, **kwargs):
        super().__init__(**kwargs)
        self.horizon, self.n_outputs = check_int("horizon", horizon), check_int("n_outputs", n_outputs)
        self.units = check_int("units", units)
        self.pointer = PointerNetwork(1, self.units, learned_start=False, name="network")

    def build(self, window_shape, positions_shape=None):
        check_shape("window", window_shape, "B, L, C")
        if self.n_outputs > window_shape[-1]:
            raise ValueError(f"n_outputs: expected at most the window's {window_shape[-1]} channels, "
                             f"got {self.n_outputs}")
        count = window_shape[1] // self.horizon - 1
        if count < 1:
            raise ValueError(f"window: analog forecasting with stretches of {self.horizon} steps needs at least "
                             f"{2 * self.horizon} steps, got {window_shape[1]}")
        self.pointer.build((None, count, self.horizon * window_shape[-1]))

    def call(self, window, positions=None):
        keys, continuations, query = analog_candidates(window, self.horizon, self.n_outputs)
        probabilities, pointers = self.pointer(keys, positions, query)
        chosen = ops.take_along_axis(continuations, pointers[:, :, None, None], axis=1)[:, 0]
        return chosen, probabilities[:, 0]

    def teacher_forced(self, window, positions, training=False):
        keys, _, query = analog_candidates(window, self.horizon, self.n_outputs)
        return self.pointer(keys, positions, query, training=training)[0]

    def best_candidates(self, window, targets):
        """The candidate (B, 1) whose continuation has the smallest squared error against ``targets``
        (B, H, C_out): where the pointer should have pointed."""
        _, continuations, _ = analog_candidates(window, self.horizon, self.n_outputs)
        errors = ops.mean(ops.square(continuations - ops.cast(targets, continuations.dtype)[:, None]), axis=(2, 3))
        return ops.argmin(errors, axis=1)[:, None]

    def compute_output_shape(self, window_shape, positions_shape=None):
        return ((window_shape[0], self.horizon, self.n_outputs),
                (window_shape[0], window_shape[1] // self.horizon - 1))

    def get_config(self):
        return {**super().get_config(), "horizon": self.horizon, "n_outputs": self.n_outputs, "units": self.units}


@keras.saving.register_keras_serializable(package="attention_book")
class AnalogPointerModel(PointerModel):
    """:class:`PointerModel` around an :class:`AnalogPointer`: the positions to point at are the best candidates
    of each training window, and ``predict`` returns the copied forecast."""

    def positions(self, inputs, targets):
        return self.get_layer("pointer").best_candidates(inputs, targets)


def pointer_forecaster(lookback: int, n_channels: int, horizon: int, n_outputs: int,
                       units: int = 32) -> AnalogPointerModel:
    """An analog-forecasting pointer network (B, L, C) -> (B, H, C_out); see :class:`AnalogPointer`."""
    check_sizes(lookback, n_channels, horizon, n_outputs)
    if lookback < 2 * horizon:
        raise ValueError(f"lookback: expected at least 2 * horizon = {2 * horizon} steps, so that one past stretch "
                         f"of {horizon} and the stretch before it fit in the window, got {lookback}")
    window = keras.Input((lookback, n_channels), name="window")
    forecast, _ = AnalogPointer(horizon, n_outputs, units, name="pointer")(window)
    return AnalogPointerModel(window, forecast, name="analog_pointer")



class Analogs(NamedTuple):
    """What a trained analog pointer makes of N windows (see :func:`analogs`).

    weights: (N, K) its pointer distributions. best: (N,) the candidate whose continuation was closest to the truth.
    pointed: (N, H, C_out) its forecasts, the continuation it points at. mixture: (N, H, C_out) the candidates'
    continuations averaged with its weights. oracle: (N, H, C_out) the best candidate's continuation.
    """

    weights: np.ndarray
    best: np.ndarray
    pointed: np.ndarray
    mixture: np.ndarray
    oracle: np.ndarray


def analogs(model: keras.Model, inputs, targets, batch_size: int = 256) -> Analogs:
    """Run a trained :func:`pointer_forecaster` on ``inputs`` (N, L, C) and compare with ``targets`` (N, H, C_out):
    its forecasts, the attention-style mixture of its candidates, and the best candidate in hindsight."""
    inputs, targets = check_model_windows(model, inputs, targets)
    _, horizon, n_outputs = model.output_shape
    weights = layer_weights(model, inputs, "pointer", batch_size)
    _, continuations, _ = analog_candidates(inputs, horizon, n_outputs)
    continuations = np.asarray(continuations)
    best = np.asarray(model.get_layer("pointer").best_candidates(inputs, targets))[:, 0]
    rows = np.arange(len(inputs))
    return Analogs(weights, best, continuations[rows, weights.argmax(axis=1)],
                   np.einsum("nk,nkhc->nhc", weights, continuations), continuations[rows, best])
