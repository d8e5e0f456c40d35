"""Pointer networks (Vinyals et al., 2015): the attention weights are the output.

An encoder reads a set or sequence of N items, (B, N, F) -> states e_1..e_N (B, N, d). A decoder then runs for
``n_steps`` steps; at step t its state h_t scores every item with the additive score of chapter 4,

    u_{t,j} = w^T tanh(W_1 e_j + W_2 h_t),    p_t = softmax over the items not chosen yet,

and p_t *is* the prediction: a distribution over the input positions. The chosen item (the true one when
teacher-forcing, the most probable one otherwise) becomes the decoder's next input, and it is masked out of every
later step, so no position is pointed at twice. Trained with cross-entropy on the pointed positions.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from .attention import AdditiveScore, masked_softmax
from .checks import check_int, check_sequence_shape


@keras.saving.register_keras_serializable(package="attention_book")
class PointerDecoder(keras.layers.Layer):
    """Points at ``n_steps`` distinct items of the input, one per step.

    Args:
        n_steps: how many positions to point at (at most N).
        units: the decoder state size d, equal to the encoder's.

    Call arguments:
        encoder_states: (B, N, d); items: (B, N, F), the encoder's inputs (the chosen one is fed back);
        initial_state: [h, c], each (B, d); targets: (B, n_steps) integer positions to teacher-force, or None.

    Returns:
        ``(probabilities, pointers)``: (B, n_steps, N), each row a distribution over the items not chosen before,
        and the chosen positions (B, n_steps) (the targets when teacher-forcing, else the most probable).
    """

    def __init__(self, n_steps: int, units: int = 32, **kwargs):
        super().__init__(**kwargs)
        self.n_steps, self.units = check_int("n_steps", n_steps), check_int("units", units)
        self.cell = keras.layers.LSTMCell(self.units, name="cell")
        self.score = AdditiveScore(self.units, name="score")

    def build(self, encoder_states_shape, items_shape=None, initial_state_shape=None, targets_shape=None):
        check_sequence_shape(encoder_states_shape)
        if encoder_states_shape[-1] != self.units:
            raise ValueError(f"encoder_states: expected width d = {self.units} (the decoder's units), got "
                             f"{encoder_states_shape[-1]}")
        if encoder_states_shape[1] is not None and self.n_steps > encoder_states_shape[1]:
            raise ValueError(f"n_steps: expected at most the {encoder_states_shape[1]} items, since no item is "
                             f"pointed at twice, got {self.n_steps}")
        n_features = items_shape[-1]
        self.go = self.add_weight(shape=(n_features,), initializer="zeros", name="go")  # the first input
        self.cell.build((None, n_features))
        self.score.build((None, encoder_states_shape[1], self.units), (None, 1, self.units))

    def step(self, previous, states, projected, available):
        """One step: previous item (B, F), states [h, c], projected encoder states W_1 e (B, N, d), available
        (B, N) booleans -> (probabilities (B, N), new states)."""
        hidden, states = self.cell(previous, states)
        scores = self.score.score_projected(projected, hidden[:, None, :])  # (B, 1, N)
        return masked_softmax(scores, available[:, None, :])[:, 0], list(states)

    def call(self, encoder_states, items, initial_state, targets=None):
        batch, n_items = ops.shape(items)[0], items.shape[1]
        if targets is not None:
            if tuple(targets.shape)[1:] != (self.n_steps,):
                raise ValueError(f"targets: expected shape (B, {self.n_steps}), got {tuple(targets.shape)}")
            targets = tf.transpose(ops.cast(targets, "int32"))  # (n_steps, B)
        projected = self.score.project_values(encoder_states)
        rows = tf.range(batch)

        def body(t, previous, states, available, probabilities, pointers):
            step_probabilities, states = self.step(previous, states, projected, available)
            choice = ops.cast(ops.argmax(step_probabilities, axis=-1), "int32") if targets is None else targets[t]
            available = ops.logical_and(available, ops.logical_not(ops.one_hot(choice, n_items) > 0))
            chosen = tf.gather_nd(items, tf.stack([rows, choice], axis=1))  # (B, F)
            return (t + 1, chosen, states, available, probabilities.write(t, step_probabilities),
                    pointers.write(t, choice))

        _, _, _, _, probabilities, pointers = tf.while_loop(
            lambda t, *_: t < self.n_steps,
            body,
            (tf.constant(0), ops.broadcast_to(self.go[None], (batch, items.shape[-1])), list(initial_state),
             ops.ones((batch, n_items), "bool"), tf.TensorArray(encoder_states.dtype, size=self.n_steps),
             tf.TensorArray("int32", size=self.n_steps)),
        )
        return tf.transpose(probabilities.stack(), (1, 0, 2)), tf.transpose(pointers.stack())

    def compute_output_shape(self, encoder_states_shape, *args, **kwargs):
        return (encoder_states_shape[0], self.n_steps, encoder_states_shape[1]), (encoder_states_shape[0], self.n_steps)

    def get_config(self):
        return {**super().get_config(), "n_steps": self.n_steps, "units": self.units}


@keras.saving.register_keras_serializable(package="attention_book")
class PointerNetwork(keras.layers.Layer):
    """Encoder (an LSTM over the items) and :class:`PointerDecoder`: items (B, N, F) -> ``(probabilities
    (B, n_steps, N), pointers (B, n_steps))``. Call with ``targets`` (B, n_steps) to teacher-force."""

    def __init__(self, n_steps: int, units: int = 32, **kwargs):
        super().__init__(**kwargs)
        self.n_steps, self.units = check_int("n_steps", n_steps), check_int("units", units)
        self.embedding = keras.layers.Dense(self.units, name="embedding")
        self.encoder = keras.layers.LSTM(self.units, return_sequences=True, return_state=True, name="encoder")
        self.decoder = PointerDecoder(self.n_steps, self.units, name="decoder")

    def build(self, items_shape, targets_shape=None):
        check_sequence_shape(items_shape)
        self.embedding.build(items_shape)
        self.encoder.build((*items_shape[:-1], self.units))
        self.decoder.build((None, items_shape[1], self.units), items_shape)

    def call(self, items, targets=None):
        states, hidden, carry = self.encoder(self.embedding(items))
        return self.decoder(states, items, [hidden, carry], targets)

    def compute_output_shape(self, items_shape, targets_shape=None):
        return (items_shape[0], self.n_steps, items_shape[1]), (items_shape[0], self.n_steps)

    def get_config(self):
        return {**super().get_config(), "n_steps": self.n_steps, "units": self.units}


@keras.saving.register_keras_serializable(package="attention_book")
class PointerModel(keras.Model):
    """A functional model around one :class:`PointerNetwork` named ``"pointer"``: items -> probabilities.

    Its training step teacher-forces (the true previous item is fed back) and minimises the cross-entropy of the
    true positions; ``predict`` and validation point greedily at the most probable remaining item.
    """

    def train_step(self, data):
        items, targets = data[0], data[1]
        with tf.GradientTape() as tape:
            probabilities, _ = self.get_layer("pointer")(items, targets, training=True)
            loss = self.compute_loss(x=items, y=targets, y_pred=probabilities, training=True)
        gradients = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply(gradients, self.trainable_weights)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(targets, probabilities)
        return {metric.name: metric.result() for metric in self.metrics}


def pointer_model(n_items: int, n_features: int, n_steps: int, units: int = 32) -> PointerModel:
    """A pointer network for N = ``n_items`` items of F = ``n_features`` features each, pointing ``n_steps`` times,
    compiled-ready: (B, N, F) -> probabilities (B, n_steps, N)."""
    n_items, n_features = check_int("n_items", n_items), check_int("n_features", n_features)
    items = keras.Input((n_items, n_features), name="items")
    probabilities, _ = PointerNetwork(n_steps, units, name="pointer")(items)
    return PointerModel(items, probabilities, name="pointer_network")


def pointers_of(model: keras.Model, items, batch_size: int = 256) -> np.ndarray:
    """The positions (B, n_steps) a trained pointer ``model`` chooses for ``items`` (B, N, F), greedily."""
    items = np.asarray(items, np.float32)
    if items.ndim != 3 or items.shape[1:] != tuple(model.input_shape[1:]):
        raise ValueError(f"items: expected shape (B, {', '.join(map(str, model.input_shape[1:]))}), got {items.shape}")
    layer = model.get_layer("pointer")
    run = tf.function(lambda batch: layer(batch)[1])
    return np.concatenate([np.asarray(run(items[i:i + batch_size])) for i in range(0, len(items), batch_size)])
