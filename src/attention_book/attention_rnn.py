"""An RNN that looks back at its own past, and the attention forecasters of chapter 3.

:class:`AttentionRNN` is the simple RNN of chapter 2 with one change. Before computing h_t it attends over all its
earlier states h_1, ..., h_{t-1} with the last state h_{t-1} as the lookup vector, and concatenates the context
c_t to that state:

    c_t = sum_{i<t} p_i h_i,   p = softmax_i(f(h_i, h_{t-1})),   h_t = tanh(W_x x_t + W_s [h_{t-1}; c_t] + b).

Because the recurrent input is now [h_{t-1}; c_t] of size 2d, the recurrent matrix W_s is (d, 2d), stored as
``recurrent_kernel`` (2d, d). At t = 1 there is no earlier state and the context is zero.

The forecasters map (B, L, C) to (B, H, C_out); :func:`~attention_book.probes.layer_weights` reads the attention
weights of their read-out (or of the attending RNN) for given windows, so that the chapters can plot where they look:

* :func:`attention_rnn_forecaster` -- the attending RNN; its last state looks once more at all its states.
* :func:`lstm_attention_forecaster` -- the common variant: an LSTM reads the window, and its last state looks at
  all its states (attention pooling).
* :func:`ff_attention_forecaster` -- feed-forward attention (Raffel & Ellis, 2015): every input step is embedded
  on its own, and a learned lookup vector (or several) pools the embeddings. No recurrence at all.
* :func:`segment_forecaster` -- a GRU that reads the window a segment of steps at a time (SegRNN, Lin et al.,
  2023), with or without the read-out's attention over its segment states: L / 24 recurrent steps instead of L.

The recurrences are written with ``keras.ops`` (``fori_loop``, ``scan``), so they run on every Keras backend.
:func:`scan_steps` and :func:`weights_read_once` are the loop helpers that the step-by-step decoders of the later
chapters share.
"""

from __future__ import annotations

import keras
from keras import ops

from .attention import SCORES, AttentionPooling, attend, make_score
from .checks import check_int, check_shape
from .forecasters import check_sizes, single_shot
from .positions import PositionEmbedding


def scan_steps(step, carry, length: int, sequences: dict | None = None):
    """Run ``carry = step(carry, inputs)`` for t = 0, ..., length - 1 and return the carry after every step.

    The loop of the book's step-by-step decoders, in ``keras.ops`` so that it runs on every backend.

    Args:
        step: ``step(carry, inputs) -> carry``, with the same structure, shapes and dtypes as ``carry``; ``inputs``
            is a dict holding slice t of every sequence (an empty dict without sequences).
        carry: a tensor or a (nested) tuple or list of tensors, e.g. ``(output (B, C), states, weights (B, L))``.
        length: the number of steps T.
        sequences: a dict of tensors with time first, (T, ...), or None.

    Returns:
        The carry's structure with every tensor stacked over the steps, time first: (T, *shape).

    A step's outputs belong in its carry: on TensorFlow, ``keras.ops.scan`` only stacks per-step outputs that are
    shaped like the carry (keras-team/keras#19681), so the scan stacks the whole carry and callers keep the parts
    they need.
    """
    if sequences is not None and not isinstance(sequences, dict):
        raise TypeError(f"sequences: expected a dict of (T, ...) tensors or None, got {type(sequences).__name__}")

    def body(previous, inputs):
        current = step(previous, {} if inputs is None else inputs)
        return current, current

    _, stacked = ops.scan(body, carry, sequences or None, length=check_int("length", length))
    return stacked


def weights_read_once(layer: keras.layers.Layer) -> keras.StatelessScope:
    """A scope in which every weight of ``layer`` (and of its sublayers) is read once, on entering, instead of at
    every step of a loop: ``with weights_read_once(self): ...`` around a step-by-step forward pass.

    The values, and the gradients through them, are the same as without it. It matters on TensorFlow: a loop that
    reads a variable at every step is stateful, so it runs even when nothing uses its result. Models whose loss
    comes from a second, teacher-forced pass (:class:`~attention_book.seq2seq.Seq2SeqModel`,
    :class:`~attention_book.pointer.PointerModel`) leave Keras' own forward pass unused while training; with the
    weights read before the loops, TensorFlow prunes that pass instead of running it (a quarter of a seq2seq
    training step). Only for layers whose call updates no variable (no dropout, no batch normalisation): Keras
    applies no variable update inside the scope.
    """
    return keras.StatelessScope([(weight, ops.copy(weight)) for weight in layer.weights])


@keras.saving.register_keras_serializable(package="attention_book")
class AttentionRNN(keras.layers.Layer):
    """The simple RNN that attends over its own earlier states before every update.

    Args:
        units: the state size d.
        score: how h_{t-1} is compared with each earlier state: ``"dot"``, ``"scaled_dot"`` (default),
            ``"general"`` or ``"additive"``.

    Call arguments:
        inputs: (B, T, C).

    Returns:
        ``(states, weights)``: every state h_1..h_T, (B, T, d), and the attention weights (B, T, T), where row t
        holds the weights used to compute state t over the states before it (row 0 is all zeros).
    """

    def __init__(self, units: int, score: str = "scaled_dot", **kwargs):
        super().__init__(**kwargs)
        self.units = check_int("units", units)
        if score not in SCORES:
            raise ValueError(f"score: expected one of {', '.join(SCORES)}, got {score!r}")
        self.score_name = score
        self.score = make_score(score, self.units, layer_name="score")

    def build(self, input_shape):
        check_shape("inputs", input_shape)
        if input_shape[-1] is None or input_shape[1] is None:
            raise ValueError(f"inputs: the time and channel axes must have known sizes, got {tuple(input_shape)}")
        self.input_kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform",
                                            name="input_kernel")
        # [h_{t-1}; c_t] has 2d entries, so the recurrent kernel has 2d rows: the fix to the original sketch.
        self.recurrent_kernel = self.add_weight(shape=(2 * self.units, self.units), initializer="orthogonal",
                                                name="recurrent_kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
        if isinstance(self.score, keras.layers.Layer):
            self.score.build((None, input_shape[1], self.units), (None, 1, self.units))

    def call(self, inputs):
        check_shape("inputs", inputs.shape, size=self.input_kernel.shape[0])
        length = inputs.shape[1]
        drives = ops.matmul(inputs, self.input_kernel) + self.bias  # (B, T, d): the input's share of each step
        steps = ops.transpose(drives, (1, 0, 2))  # (T, B, d): time first, one slice per step
        positions = ops.arange(length)

        def step(t, carry):
            # state: (B, d) the last state; memory: (B, T, d) the states so far, zeros from row t on
            state, memory = carry
            earlier = (positions < t)[None, :]  # (1, T): only the states before t
            context, _ = attend(memory, state[:, None, :], self.score, earlier)  # (B, 1, d)
            joined = ops.concatenate([state, context[:, 0]], axis=-1)  # (B, 2d)
            new_state = ops.tanh(steps[t] + ops.matmul(joined, self.recurrent_kernel))
            row_t = ops.cast(positions == t, memory.dtype)[None, :, None]  # (1, T, 1)
            return new_state, memory + row_t * new_state[:, None, :]

        # After the last step the memory holds every state, so the loop needs no per-step outputs: a scan would
        # stack its carry, the (B, T, d) memory, at every step (see scan_steps).
        _, states = ops.fori_loop(0, length, step, (ops.zeros_like(steps[0]), ops.zeros_like(drives)))
        return states, self.step_weights(states)

    def step_weights(self, states):
        """The weights each step used, from the states it produced: states (B, T, d) -> weights (B, T, T).

        Row t is what step t computed inside the loop, softmax over i < t of f(h_i, h_{t-1}), recomputed for all
        steps at once (row 0, with nothing before it, is all zeros).
        """
        positions = ops.arange(states.shape[1])
        lookups = ops.concatenate([ops.zeros_like(states[:, :1]), states[:, :-1]], axis=1)  # (B, T, d): h_{t-1}
        earlier = positions[None, :] < positions[:, None]  # (T, T): state i comes before step t
        _, weights = attend(states, lookups, self.score, earlier)
        return weights

    def compute_output_shape(self, input_shape):
        batch, length = input_shape[0], input_shape[1]
        return (batch, length, self.units), (batch, length, length)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "score": self.score_name}


def _state_and_context(states, score: str, units: int):
    """The read-out of the recurrent forecasters: the last state attends over all states, (B, T, d) -> [h_T; c]."""
    last = states[:, -1:, :]
    context, _ = AttentionPooling(score, units if score == "additive" else None, name="readout")(states, last)
    return keras.layers.Concatenate(name="state_and_context")([last[:, 0], context[:, 0]])


def _forecaster(inputs, summary, horizon, n_outputs, name):
    return keras.Model(inputs, single_shot(summary, horizon, n_outputs), name=name)


def attention_rnn_forecaster(lookback: int, n_channels: int, horizon: int, n_outputs: int, units: int = 32,
                             score: str = "scaled_dot") -> keras.Model:
    """The attending RNN reads the window; its last state attends over all states once more, and [h_T; c] goes
    to the head: (B, L, C) -> (B, H, C_out)."""
    check_sizes(lookback, n_channels, horizon, n_outputs)
    inputs = keras.Input((lookback, n_channels), name="window")
    states, _ = AttentionRNN(units, score, name="encoder")(inputs)
    return _forecaster(inputs, _state_and_context(states, score, units), horizon, n_outputs, "attention_rnn")


def lstm_attention_forecaster(lookback: int, n_channels: int, horizon: int, n_outputs: int, units: int = 32,
                              score: str = "scaled_dot") -> keras.Model:
    """An LSTM reads the window; its last state attends over all its states, and [h_T; c] goes to the head:
    (B, L, C) -> (B, H, C_out)."""
    check_sizes(lookback, n_channels, horizon, n_outputs)
    inputs = keras.Input((lookback, n_channels), name="window")
    states = keras.layers.LSTM(check_int("units", units), return_sequences=True, name="encoder")(inputs)
    return _forecaster(inputs, _state_and_context(states, score, units), horizon, n_outputs, "lstm_attention")


def ff_attention_forecaster(lookback: int, n_channels: int, horizon: int, n_outputs: int, units: int = 32,
                            positions: bool = True, queries: int = 1) -> keras.Model:
    """Feed-forward attention: each step is embedded alone, e_t = tanh(W x_t + b) (+ a learned embedding of its
    position when ``positions``), and ``queries`` learned lookup vectors each pool the embeddings with the additive
    score; the head reads the ``queries`` contexts side by side: (B, L, C) -> (B, H, C_out)."""
    check_sizes(lookback, n_channels, horizon, n_outputs)
    units, queries = check_int("units", units), check_int("queries", queries)
    inputs = keras.Input((lookback, n_channels), name="window")
    embedded = keras.layers.Dense(units, activation="tanh", name="embedding")(inputs)  # (B, L, d)
    if positions:
        embedded = PositionEmbedding(name="positions")(embedded)
    context, _ = AttentionPooling("additive", units, learned_query=True, queries=queries, name="readout")(embedded)
    summary = ops.reshape(context, (-1, queries * units))  # (B, queries * d)
    return _forecaster(inputs, summary, horizon, n_outputs, "ff_attention")


def segment_forecaster(lookback: int, n_channels: int, horizon: int, n_outputs: int, units: int = 64,
                       segment: int = 24, attention: bool = True, score: str = "scaled_dot") -> keras.Model:
    """A GRU that reads the window in segments (SegRNN, Lin et al., 2023): (B, L, C) -> (B, H, C_out).

    The L steps are cut into N = L / ``segment`` segments; one ``Dense`` layer (ReLU) embeds each segment's
    ``segment`` x C values into d = ``units``, and a GRU reads the N embeddings, so that the recurrence takes N
    steps (14 for L = 336 and segments of a day) instead of L. With ``attention``, the last state attends over all N
    segment states (the read-out of :func:`lstm_attention_forecaster`) and [h_N; c] goes to the head; without it,
    h_N alone.
    """
    check_sizes(lookback, n_channels, horizon, n_outputs)
    units, segment = check_int("units", units), check_int("segment", segment)
    if lookback % segment:
        raise ValueError(f"lookback: expected a multiple of the segment length {segment}, got {lookback}")
    inputs = keras.Input((lookback, n_channels), name="window")
    segments = ops.reshape(inputs, (-1, lookback // segment, segment * n_channels))  # (B, N, segment * C)
    embedded = keras.layers.Dense(units, activation="relu", name="embedding")(segments)  # (B, N, d)
    states = keras.layers.GRU(units, return_sequences=True, name="encoder")(embedded)  # (B, N, d)
    summary = _state_and_context(states, score, units) if attention else states[:, -1]
    return _forecaster(inputs, summary, horizon, n_outputs, "segment_attention" if attention else "segment_rnn")
