"""Recurrent entity networks (Henaff et al., 2017): several memories, and gates that decide which to update.

A bank of M memory slots, each with a learned key w_j (d,) and a content h_j (d,), reads a sequence of embedded
inputs e_1..e_T (d,). At every step each slot decides, with a gate, how much the input concerns it, and takes that
share of a candidate update (the letters of chapter 6 and ``book/notation.md``):

    g_j = sigmoid(e_t . h_j + e_t . w_j + b)          the gate: does the input concern slot j? (its content or key)
    h~_j = tanh(U h_j + V w_j + W e_t)                the candidate content
    h_j <- h_j + g_j h~_j,   h_j <- h_j / ||h_j||     update, then keep every content on the unit sphere

(the paper uses a parametric ReLU for the candidate; tanh keeps the update bounded). The slots start at their keys.

The gate bias b is not in the paper, whose inputs (sentences) are never empty. A time series has steps at which
nothing concerns any slot, and there, without b, every gate would be sigmoid(0) = 1/2 and every memory would be
half rewritten. b is learned and starts at ``gate_bias`` (-3: gates start nearly shut, sigmoid(-3) = 0.05).
At the end a query q reads the memories with attention, p = softmax_j(q . h_j), into the context
c = sum_j p_j h_j, and the output is R tanh(q + G c).
"""

from __future__ import annotations

import keras
from keras import ops

from .attention_rnn import scan_steps
from .checks import check_float, check_int, check_shape
from .forecasters import check_sizes


@keras.saving.register_keras_serializable(package="attention_book")
class EntityMemory(keras.layers.Layer):
    """The dynamic memory: inputs (B, T, d) -> ``(memories (B, M, d), gates (B, T, M))``.

    Args:
        slots: the number of memories M.
        gate_bias: the initial value of the learned gate bias b.

    ``gates[b, t, j]`` is how much slot j took of its candidate at step t, in (0, 1). The final contents have
    unit norm. The keys are ``self.keys`` (M, d); U, V, W are ``content_kernel``, ``key_kernel``,
    ``input_kernel`` (each (d, d), applied on the right); b is ``self.bias``.
    """

    def __init__(self, slots: int, gate_bias: float = -3.0, **kwargs):
        super().__init__(**kwargs)
        self.slots = check_int("slots", slots)
        self.gate_bias = check_float("gate_bias", gate_bias)

    def build(self, input_shape):
        check_shape("inputs", input_shape)
        width = input_shape[-1]
        if width is None:
            raise ValueError(f"inputs: the width d must be known, got shape {tuple(input_shape)}")
        self.keys = self.add_weight(shape=(self.slots, width), initializer="random_normal", name="keys")
        for name in ("content_kernel", "key_kernel", "input_kernel"):
            setattr(self, name, self.add_weight(shape=(width, width), initializer="glorot_uniform", name=name))
        self.bias = self.add_weight(shape=(), initializer=keras.initializers.Constant(self.gate_bias), name="bias")

    def step(self, memories, inputs):
        """One update: memories (B, M, d), inputs (B, d) -> (new memories (B, M, d), gates (B, M))."""
        gates = ops.sigmoid(ops.einsum("bmd,bd->bm", memories, inputs) + ops.matmul(inputs, ops.transpose(self.keys))
                            + self.bias)
        candidates = ops.tanh(ops.matmul(memories, self.content_kernel)
                              + ops.matmul(self.keys, self.key_kernel)[None]
                              + ops.matmul(inputs, self.input_kernel)[:, None, :])
        updated = memories + gates[..., None] * candidates
        norms = ops.sqrt(ops.sum(updated * updated, axis=-1, keepdims=True))
        return updated / ops.maximum(norms, 1e-6), gates

    def call(self, inputs):
        check_shape("inputs", inputs.shape, size=self.keys.shape[-1])
        batch = ops.shape(inputs)[0]

        def body(carry, step_inputs):
            memories, _ = carry
            return self.step(memories, step_inputs["input"])

        start = ops.broadcast_to(self.keys[None], (batch, self.slots, self.keys.shape[-1]))  # (B, M, d): the keys
        sequences = {"input": ops.transpose(inputs, (1, 0, 2))}  # (T, B, d): time first
        memories, gates = scan_steps(body, (start, ops.zeros_like(start[:, :, 0])), inputs.shape[1], sequences)
        return memories[-1], ops.transpose(gates, (1, 0, 2))  # (B, M, d) after the last step, (B, T, M)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.slots, input_shape[-1]), (input_shape[0], input_shape[1], self.slots)

    def get_config(self):
        return {**super().get_config(), "slots": self.slots, "gate_bias": self.gate_bias}


@keras.saving.register_keras_serializable(package="attention_book")
class EntityReadout(keras.layers.Layer):
    """Reads the memories with a query: memories (B, M, d), query (B, d) -> ``(output (B, n_outputs), weights
    (B, M))``: p = softmax(q . h_j), c = sum_j p_j h_j, output = R tanh(q + G c)."""

    def __init__(self, n_outputs: int, **kwargs):
        super().__init__(**kwargs)
        self.n_outputs = check_int("n_outputs", n_outputs)

    def build(self, memories_shape, query_shape):
        width = memories_shape[-1]
        if query_shape[-1] != width:
            raise ValueError(f"query: expected width d = {width} (the memories'), got {query_shape[-1]}")
        # G (d, d) mixes the context into the query; R, stored transposed (d, H C_out), reads the output.
        self.mix = self.add_weight(shape=(width, width), initializer="glorot_uniform", name="mix")
        self.output_kernel = self.add_weight(shape=(width, self.n_outputs), initializer="glorot_uniform",
                                             name="output_kernel")

    def call(self, memories, query):
        scores = ops.einsum("bmd,bd->bm", memories, query)
        # With one slot the weight is 1 (Keras warns about a softmax over an axis of size 1).
        weights = ops.softmax(scores, axis=-1) if memories.shape[1] != 1 else ops.ones_like(scores)
        read = ops.einsum("bm,bmd->bd", weights, memories)
        return ops.matmul(ops.tanh(query + ops.matmul(read, self.mix)), self.output_kernel), weights

    def compute_output_shape(self, memories_shape, query_shape):
        return (memories_shape[0], self.n_outputs), (memories_shape[0], memories_shape[1])

    def get_config(self):
        return {**super().get_config(), "n_outputs": self.n_outputs}


def entity_forecaster(lookback: int, n_channels: int, horizon: int, n_outputs: int, slots: int = 4,
                      units: int = 16, gate_bias: float = -3.0) -> keras.Model:
    """A recurrent entity network as a forecaster (B, L, C) -> (B, H, C_out).

    Every step is embedded (a dense layer to d = ``units``) and read by an :class:`EntityMemory` of ``slots``
    memories (layer ``"memory"``, returning the gates); the embedded last step is the query of an
    :class:`EntityReadout` (layer ``"readout"``) that outputs all H x C_out values.
    """
    check_sizes(lookback, n_channels, horizon, n_outputs)
    window = keras.Input((lookback, n_channels), name="window")
    steps = keras.layers.Dense(check_int("units", units), name="embedding")(window)
    memories, _ = EntityMemory(slots, gate_bias, name="memory")(steps)
    output, _ = EntityReadout(horizon * n_outputs, name="readout")(memories, steps[:, -1])
    return keras.Model(window, keras.layers.Reshape((horizon, n_outputs), name="forecast")(output),
                       name="entity_network")
