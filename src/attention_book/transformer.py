"""Transformers: attention with separate queries, keys and values, several heads at once, and no recurrence.

The building blocks, each tested against numpy and against Keras' own layers:

* :func:`scaled_dot_product_attention` -- softmax(Q K^T / sqrt(d_k)) V with an optional mask: the query says what
  is looked for, the key what each position offers to be matched on, the value what it hands over.
* :class:`MultiHeadAttention` -- h heads, each with its own projections of width d / h, attending in parallel; the
  heads' outputs are concatenated and projected back to d. Its weights have the shapes of
  ``keras.layers.MultiHeadAttention`` so that they can be copied across; use the built-in in production.
* The position codes of :mod:`~attention_book.positions` (fixed sinusoids, learned, or calendar features) add the
  order of the tokens, which attention alone does not see.
* :class:`EncoderBlock` -- a pre-LayerNorm encoder block.

Three forecasters, three ways to make tokens from a window (L, C):

* :func:`transformer_forecaster` -- one token per time step, all channels of that step together: L tokens.
* :func:`patch_transformer_forecaster` -- one channel at a time, patches of steps as tokens (PatchTST); no
  attention across channels.
* :func:`variate_transformer_forecaster` -- one token per channel, its whole window embedded (iTransformer):
  C tokens, and attention decides which channel reads which.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from .attention import AttentionPooling, attend, scaled_dot_score
from .checks import check_float, check_int, check_shape
from .forecasters import check_sizes, single_shot
from .frame import InstanceNorm
from .positions import CalendarEmbedding, PositionEmbedding, SinusoidalPositions
from .time_features import CALENDAR_CHANNELS


def scaled_dot_product_attention(query, key, value, mask=None):
    """softmax(Q K^T / sqrt(d_k)) V: query (B, Tq, d_k), key (B, Tk, d_k), value (B, Tk, d_v).

    ``mask``: booleans (B, Tq, Tk), (B, 1, Tk) or (Tq, Tk), True where a query may look at a key. A query row with
    nothing to look at gets zero weights and a zero output. Returns ``(output (B, Tq, d_v), weights (B, Tq, Tk))``.
    """
    query, key, value = (ops.convert_to_tensor(t) for t in (query, key, value))
    check_shape("query", query, "B, Tq, d_k")
    key_shape, value_shape = check_shape("key", key, "B, Tk, d_k"), check_shape("value", value, "B, Tk, d_v")
    if None not in (key_shape[1], value_shape[1]) and key_shape[1] != value_shape[1]:
        raise ValueError(f"value: expected one value per key, {key_shape[1]}, got {value_shape[1]} "
                         f"(key {key_shape}, value {value_shape})")
    if None not in (key_shape[0], value_shape[0]) and key_shape[0] != value_shape[0]:
        raise ValueError(f"value: expected the batch size of key, {key_shape[0]}, got {value_shape[0]}")
    return attend(value, query, scaled_dot_score, mask, keys=key)  # the score checks query against key


@keras.saving.register_keras_serializable(package="attention_book")
class MultiHeadAttention(keras.layers.Layer):
    """Multi-head attention written out: project, split into heads, attend, merge, project back.

    Args:
        d_model: the output width d; each of the ``heads`` heads works in d / heads dimensions.
        heads: the number of heads h; it must divide ``d_model``.

    Call arguments:
        query: (B, Tq, d_q); value: (B, Tk, d_v); key: (B, Tk, d_k), default ``value``.
        attention_mask: booleans (B, Tq, Tk) or (Tq, Tk), True where a query may look at a key.
        causal: also forbid looking at later positions (self-attention over one sequence).

    Returns:
        ``(output, weights)``: (B, Tq, d) and the weights of every head (B, h, Tq, Tk).

    The weights have the shapes and order of ``keras.layers.MultiHeadAttention(heads, key_dim=d // heads)``:
    query, key and value kernels (d_in, h, d/h) with biases (h, d/h), output kernel (h, d/h, d) and bias (d,), so
    ``set_weights(keras_layer.get_weights())`` copies a trained built-in layer into this one, and back.
    """

    def __init__(self, d_model: int, heads: int, **kwargs):
        super().__init__(**kwargs)
        self.d_model, self.heads = check_int("d_model", d_model), check_int("heads", heads)
        if d_model % heads:
            raise ValueError(f"heads: expected a divisor of d_model = {d_model}, got {heads}")
        self.head_dim = d_model // heads

    def build(self, query_shape, value_shape, key_shape=None, attention_mask_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        shape = (self.heads, self.head_dim)
        for name, input_shape in (("query", query_shape), ("key", key_shape), ("value", value_shape)):
            setattr(self, f"{name}_kernel", self.add_weight(shape=(input_shape[-1], *shape),
                                                            initializer="glorot_uniform", name=f"{name}_kernel"))
            setattr(self, f"{name}_bias", self.add_weight(shape=shape, initializer="zeros", name=f"{name}_bias"))
        self.output_kernel = self.add_weight(shape=(*shape, self.d_model), initializer="glorot_uniform",
                                             name="output_kernel")
        self.output_bias = self.add_weight(shape=(self.d_model,), initializer="zeros", name="output_bias")

    def _split_heads(self, inputs, kernel, bias):
        """(B, T, d_in) -> (B * h, T, d/h): one independent attention problem per batch item and head."""
        projected = ops.einsum("btd,dhk->bhtk", inputs, kernel) + bias[None, :, None, :]  # (B, h, T, d/h)
        return ops.reshape(projected, (-1, ops.shape(projected)[2], self.head_dim))

    def call(self, query, value, key=None, attention_mask=None, causal: bool = False):
        key = value if key is None else key
        query_shape = check_shape("query", query, "B, Tq, d")
        key_shape, value_shape = check_shape("key", key, "B, Tk, d"), check_shape("value", value, "B, Tk, d")
        if None not in (key_shape[1], value_shape[1]) and key_shape[1] != value_shape[1]:
            raise ValueError(f"value: expected one value per key, {key_shape[1]}, got {value_shape[1]}")
        batch, n_queries, n_keys = ops.shape(query)[0], query_shape[1], key_shape[1]
        mask = attention_mask
        if causal:
            allowed = ops.arange(n_keys)[None, :] <= ops.arange(n_queries)[:, None]  # (Tq, Tk)
            mask = allowed if mask is None else ops.logical_and(mask, allowed)
        if mask is not None:
            mask = ops.convert_to_tensor(mask)
            if len(mask.shape) == 2:
                mask = ops.broadcast_to(mask[None], (batch, n_queries, n_keys))
            check_shape("attention_mask", mask, "B, Tq, Tk")
            mask = ops.reshape(ops.repeat(mask[:, None], self.heads, axis=1), (-1, n_queries, n_keys))
        output, weights = scaled_dot_product_attention(
            self._split_heads(query, self.query_kernel, self.query_bias),
            self._split_heads(key, self.key_kernel, self.key_bias),
            self._split_heads(value, self.value_kernel, self.value_bias),
            mask,
        )  # (B * h, Tq, d/h), (B * h, Tq, Tk)
        output = ops.reshape(output, (-1, self.heads, n_queries, self.head_dim))
        merged = ops.einsum("bhtk,hkd->btd", output, self.output_kernel) + self.output_bias
        return merged, ops.reshape(weights, (-1, self.heads, n_queries, n_keys))

    def compute_output_shape(self, query_shape, value_shape, key_shape=None, attention_mask_shape=None):
        batch, n_queries, n_keys = query_shape[0], query_shape[1], value_shape[1]
        return (batch, n_queries, self.d_model), (batch, self.heads, n_queries, n_keys)

    def get_config(self):
        return {**super().get_config(), "d_model": self.d_model, "heads": self.heads}


@keras.saving.register_keras_serializable(package="attention_book")
class EncoderBlock(keras.layers.Layer):
    """A pre-LayerNorm Transformer encoder block: (B, T, d) -> ``(outputs (B, T, d), weights (B, h, T, T))``.

    Placement: the LayerNorm sits *before* each sub-layer, inside the residual branch, and the residual path is
    never normalised:

        x = x + MultiHeadAttention(LN(x));   x = x + FeedForward(LN(x)),   FeedForward = Dense(d) o ReLU o Dense(d_ff)

    (the original Transformer normalised after the addition, LN(x + Sublayer(x)); the pre-LN order trains more
    stably without a learning-rate warm-up, Xiong et al., 2020). A block whose sub-layers output zeros is exactly
    the identity.

    Args: ``d_model``, ``heads``, ``d_ff`` (width of the feed-forward hidden layer), ``dropout``.
    Call arguments: ``inputs`` (B, T, d); ``causal``: each position sees only itself and earlier ones.
    """

    def __init__(self, d_model: int, heads: int, d_ff: int, dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.d_model, self.heads, self.d_ff = d_model, heads, check_int("d_ff", d_ff)
        self.dropout = check_float("dropout", dropout, 0, 1, include_maximum=False)
        self.attention_norm = keras.layers.LayerNormalization(epsilon=1e-6, name="attention_norm")
        self.attention = MultiHeadAttention(d_model, heads, name="attention")
        self.feed_forward_norm = keras.layers.LayerNormalization(epsilon=1e-6, name="feed_forward_norm")
        self.hidden = keras.layers.Dense(self.d_ff, activation="relu", name="hidden")
        self.back = keras.layers.Dense(d_model, name="back")
        self.drop = keras.layers.Dropout(self.dropout)

    def build(self, input_shape):
        check_shape("inputs", input_shape)
        if input_shape[-1] != self.d_model:
            raise ValueError(f"inputs: expected width d_model = {self.d_model}, got shape {tuple(input_shape)}")
        self.attention_norm.build(input_shape)
        self.attention.build(input_shape, input_shape)
        self.feed_forward_norm.build(input_shape)
        self.hidden.build(input_shape)
        self.back.build((*input_shape[:-1], self.d_ff))

    def call(self, inputs, causal: bool = False, training=None):
        normed = self.attention_norm(inputs)
        attended, weights = self.attention(normed, normed, causal=causal)
        inputs = inputs + self.drop(attended, training=training)
        change = self.back(self.hidden(self.feed_forward_norm(inputs)))
        return inputs + self.drop(change, training=training), weights

    def compute_output_shape(self, input_shape):
        return tuple(input_shape), (input_shape[0], self.heads, input_shape[1], input_shape[1])

    def get_config(self):
        return {**super().get_config(), "d_model": self.d_model, "heads": self.heads, "d_ff": self.d_ff,
                "dropout": self.dropout}


POSITIONS = ("sinusoidal", "learned", "calendar", "none")


def transformer_forecaster(lookback: int, n_channels: int, horizon: int, n_outputs: int, d_model: int = 32,
                           heads: int = 4, layers: int = 2, d_ff: int = 64, positions: str = "sinusoidal",
                           dropout: float = 0.0) -> keras.Model:
    """A point-wise Transformer encoder: one token per hour, (B, L, C) -> (B, H, C_out).

    Every hour's C values are embedded to d (``Dense``), a position code is added (``positions``: one of
    :data:`POSITIONS`; ``"calendar"`` embeds the window's calendar channels), ``layers`` encoder blocks follow,
    and a learned query pools the L tokens into one vector for the single-shot head.
    """
    check_sizes(lookback, n_channels, horizon, n_outputs)
    if positions not in POSITIONS:
        raise ValueError(f"positions: expected one of {', '.join(POSITIONS)}, got {positions!r}")
    window = keras.Input((lookback, n_channels), name="window")
    tokens = keras.layers.Dense(check_int("d_model", d_model), name="embedding")(window)
    if positions == "sinusoidal":
        tokens = SinusoidalPositions(name="positions")(tokens)
    elif positions == "learned":
        tokens = PositionEmbedding(name="positions")(tokens)
    elif positions == "calendar":
        if n_channels <= len(CALENDAR_CHANNELS):
            raise ValueError(f"positions: 'calendar' needs the window's last {len(CALENDAR_CHANNELS)} channels to be "
                             f"calendar features, but the window has only {n_channels} channels")
        tokens = CalendarEmbedding(name="positions")(tokens, window)
    for index in range(check_int("layers", layers)):
        tokens, _ = EncoderBlock(d_model, heads, d_ff, dropout, name=f"block{index + 1}")(tokens)
    tokens = keras.layers.LayerNormalization(epsilon=1e-6, name="final_norm")(tokens)
    summary, _ = AttentionPooling("scaled_dot", learned_query=True, name="readout")(tokens)
    return keras.Model(window, single_shot(summary[:, 0], horizon, n_outputs), name="transformer")


@keras.saving.register_keras_serializable(package="attention_book")
class Patches(keras.layers.Layer):
    """Cuts each series into patches: (B, L) -> (B, N, P), N = (L - P) // S + 1 patches of P = ``patch`` steps,
    one starting every S = ``stride`` steps (they overlap when S < P). The patches are aligned with the end of the
    window, so the most recent step is always in the last patch; the first (L - P) mod S steps are not used."""

    def __init__(self, patch: int, stride: int, **kwargs):
        super().__init__(**kwargs)
        self.patch, self.stride = check_int("patch", patch), check_int("stride", stride)

    def n_patches(self, length: int) -> int:
        if length < self.patch:
            raise ValueError(f"patch: expected at most the look-back, {length} steps, got {self.patch}")
        return (length - self.patch) // self.stride + 1

    def call(self, series):
        length = check_shape("series", series, "B, L")[1]
        starts = np.arange(self.n_patches(length)) * self.stride
        # align the patches with the end of the window, so that the most recent hour is always in the last patch
        starts = starts + (length - self.patch - starts[-1])
        index = starts[:, None] + np.arange(self.patch)[None, :]  # (N, P)
        return ops.take(series, ops.convert_to_tensor(index), axis=1)

    def get_config(self):
        return {**super().get_config(), "patch": self.patch, "stride": self.stride}


def patch_transformer_forecaster(lookback: int, n_channels: int, horizon: int, n_outputs: int, patch: int = 16,
                                 stride: int = 8, d_model: int = 16, heads: int = 4, layers: int = 2,
                                 d_ff: int = 32, dropout: float = 0.0) -> keras.Model:
    """A patch Transformer in the spirit of PatchTST (Nie et al., 2023): (B, L, C) -> (B, H, C_out).

    Channel independence: every channel is forecast from its own past alone, with weights shared by all channels.
    Each window is normalised per channel (and the forecast de-normalised), the L steps are cut into patches of
    ``patch`` steps every ``stride`` steps, each patch becomes one token (a ``Dense`` to d plus a learned position
    embedding), ``layers`` encoder blocks follow, and one dense layer maps all tokens to the H forecast steps.
    The forecast channels are the window's first ``n_outputs`` channels.
    """
    check_sizes(lookback, n_channels, horizon, n_outputs)
    if n_outputs > n_channels:
        raise ValueError(f"n_outputs: a channel-independent model forecasts its input channels, so expected at most "
                         f"{n_channels}, got {n_outputs}")
    patches_layer = Patches(patch, stride, name="patches")
    patches_layer.n_patches(lookback)  # a clear error if the patch is longer than the window
    window = keras.Input((lookback, n_channels), name="window")
    targets = window[:, :, :n_outputs]
    normed, mean, std = InstanceNorm(name="instance_norm")(targets)
    series = ops.reshape(ops.transpose(normed, (0, 2, 1)), (-1, lookback))  # (B * C_out, L): one series per row
    tokens = keras.layers.Dense(check_int("d_model", d_model), name="embedding")(patches_layer(series))
    tokens = PositionEmbedding(name="positions")(tokens)  # (B * C_out, N, d)
    for index in range(check_int("layers", layers)):
        tokens, _ = EncoderBlock(d_model, heads, d_ff, dropout, name=f"block{index + 1}")(tokens)
    flat = keras.layers.Flatten(name="flatten")(tokens)  # (B * C_out, N * d)
    per_series = keras.layers.Dense(horizon, name="head")(flat)  # (B * C_out, H)
    forecast = ops.transpose(ops.reshape(per_series, (-1, n_outputs, horizon)), (0, 2, 1))  # (B, H, C_out)
    return keras.Model(window, forecast * std + mean, name="patch_transformer")  # the window's level put back


def variate_transformer_forecaster(lookback: int, n_channels: int, horizon: int, n_outputs: int, d_model: int = 64,
                                   heads: int = 4, layers: int = 2, d_ff: int = 128,
                                   dropout: float = 0.0) -> keras.Model:
    """Variate tokens, in the spirit of iTransformer (Liu et al., 2024): (B, L, C) -> (B, H, C_out).

    Every channel's whole window becomes one token: the forecast channels (the window's first ``n_outputs``) are
    normalised per window (:class:`InstanceNorm`), and one ``Dense`` shared by all channels embeds each channel's
    L values into d. The other channels are covariates (e.g. calendar features, or a column that is read but not
    forecast): they are embedded the same way, without the normalisation, and are read but never forecast.
    ``layers`` encoder blocks attend across the C tokens, so that each channel can read the channels that inform
    it; their weights (B, h, C, C), row i the channel that reads and column j the channel read, come from
    :func:`~attention_book.probes.layer_weights` with ``layer="block1"``, ``"block2"``, ... A head shared by all
    channels maps each forecast channel's token to its H future values, and the normalisation is undone.

    There is no position code: the channels form a set, so permuting the input channels permutes the forecasts
    and the attention weights in the same way.
    """
    check_sizes(lookback, n_channels, horizon, n_outputs)
    if n_outputs > n_channels:
        raise ValueError(f"n_outputs: the forecast channels are among the input channels, so expected at most "
                         f"{n_channels}, got {n_outputs}")
    window = keras.Input((lookback, n_channels), name="window")
    normed, mean, std = InstanceNorm(name="instance_norm")(window[:, :, :n_outputs])
    series = ops.concatenate([normed, window[:, :, n_outputs:]], axis=-1) if n_outputs < n_channels else normed
    tokens = keras.layers.Dense(check_int("d_model", d_model), name="embedding")(ops.transpose(series, (0, 2, 1)))
    for index in range(check_int("layers", layers)):  # tokens: (B, C, d)
        tokens, _ = EncoderBlock(d_model, heads, d_ff, dropout, name=f"block{index + 1}")(tokens)
    tokens = keras.layers.LayerNormalization(epsilon=1e-6, name="final_norm")(tokens)
    per_channel = keras.layers.Dense(horizon, name="head")(tokens[:, :n_outputs])  # (B, C_out, H)
    forecast = ops.transpose(per_channel, (0, 2, 1))  # (B, H, C_out)
    return keras.Model(window, forecast * std + mean, name="variate_transformer")  # the window's level put back
