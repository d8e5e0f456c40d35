"""Attention: aggregate a set of vectors with a lookup vector.

Given values v_1, ..., v_T (stacked as rows of V, shape (T, d)) and a lookup vector u, attention computes a score
z_i = f(v_i, u) for every value, turns the scores into weights p = softmax(z), and returns the context
c = sum_i p_i v_i together with the weights. In code everything is batched, and there may be several lookups:

    values: (B, T, d_v)    query: (B, Tq, d_q)    scores, weights: (B, Tq, T)    context: (B, Tq, d_v)

The score functions f (all return (B, Tq, T)):

* :func:`dot_score` -- v_i^T u.
* :func:`scaled_dot_score` -- v_i^T u / sqrt(d), which keeps the scores' spread independent of d.
* :class:`GeneralScore` -- v_i^T W u, a learned bilinear form (Luong et al., 2015).
* :class:`AdditiveScore` -- w^T tanh(W_1 v_i + W_2 u), a one-layer network (Bahdanau et al., 2015).

:func:`masked_softmax` gives masked positions a weight of exactly 0 and a row with every position masked all-zero
weights (never NaN). :func:`attend` puts it together; :class:`AttentionPooling` is the same as a Keras layer,
optionally with a learned lookup vector (feed-forward attention, Raffel & Ellis, 2015).
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

from .checks import check_int, check_shape

SCORES = ("dot", "scaled_dot", "general", "additive")


# ----------------------------------------------------------------------------------------------------- checks


def check_pair(values, query, *, same_width: bool) -> None:
    """A ``ValueError`` unless values (B, T, d_v) and query (B, Tq, d_q) fit together.

    ``same_width``: the score needs d_v == d_q (dot products). Sizes not known yet (``None``) are not compared.
    """
    values_shape, query_shape = check_shape("values", values, "B, T, d"), check_shape("query", query, "B, Tq, d")
    if None not in (values_shape[0], query_shape[0]) and values_shape[0] != query_shape[0]:
        raise ValueError(f"query: expected the batch size of values, {values_shape[0]}, got {query_shape[0]} "
                         f"(values {values_shape}, query {query_shape})")
    if same_width and None not in (values_shape[2], query_shape[2]) and values_shape[2] != query_shape[2]:
        raise ValueError(f"query: expected width d = {values_shape[2]} to match the values, got {query_shape[2]} "
                         f"(values {values_shape}, query {query_shape})")


# ----------------------------------------------------------------------------------------------------- scores


def dot_score(values, query):
    """z[b, q, i] = values[b, i] . query[b, q]: values (B, T, d), query (B, Tq, d) -> (B, Tq, T)."""
    values, query = ops.convert_to_tensor(values), ops.convert_to_tensor(query)
    check_pair(values, query, same_width=True)
    return ops.matmul(query, ops.swapaxes(values, 1, 2))


def scaled_dot_score(values, query):
    """The dot score divided by sqrt(d): values (B, T, d), query (B, Tq, d) -> (B, Tq, T)."""
    scores = dot_score(values, query)
    # The values' static width: the query's can be unknown while tracing (Keras 3.10, a tiled learned query), and
    # the dot score has already required the two to be equal.
    return scores / math.sqrt(values.shape[-1])


@keras.saving.register_keras_serializable(package="attention_book")
class GeneralScore(keras.layers.Layer):
    """The bilinear ("general") score z = v^T W u, with W of shape (d_v, d_q) learned.

    Call arguments: ``values`` (B, T, d_v), ``query`` (B, Tq, d_q). Returns scores (B, Tq, T).
    """

    def build(self, values_shape, query_shape):
        self.kernel = self.add_weight(shape=(values_shape[-1], query_shape[-1]), initializer="glorot_uniform",
                                      name="kernel")

    def call(self, values, query):
        check_pair(values, query, same_width=False)
        # v^T W u = v . (W u): project the Tq lookups rather than the T values, which is cheaper when Tq < T
        projected_query = ops.matmul(query, ops.transpose(self.kernel))  # (B, Tq, d_v)
        return ops.matmul(projected_query, ops.swapaxes(values, 1, 2))

    def compute_output_shape(self, values_shape, query_shape):
        return (values_shape[0], query_shape[1], values_shape[1])


@keras.saving.register_keras_serializable(package="attention_book")
class AdditiveScore(keras.layers.Layer):
    """The additive score z = w^T tanh(W_1 v + W_2 u) of Bahdanau et al. (2015).

    Args:
        units: the width d_a of the hidden layer; W_1 is (d_v, d_a), W_2 is (d_q, d_a), w is (d_a,).

    Call arguments: ``values`` (B, T, d_v), ``query`` (B, Tq, d_q). Returns scores (B, Tq, T).
    """

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        self.units = check_int("units", units)

    def build(self, values_shape, query_shape):
        self.values_kernel = self.add_weight(shape=(values_shape[-1], self.units), initializer="glorot_uniform",
                                             name="values_kernel")
        self.query_kernel = self.add_weight(shape=(query_shape[-1], self.units), initializer="glorot_uniform",
                                            name="query_kernel")
        self.score_vector = self.add_weight(shape=(self.units,), initializer="glorot_uniform", name="score_vector")

    def call(self, values, query):
        check_pair(values, query, same_width=False)
        return self.score_projected(self.project_values(values), query)

    def project_values(self, values):
        """W_1 v_i for every value: (B, T, d_v) -> (B, T, d_a). It does not depend on the lookup, so a decoder
        that scores the same values at many steps computes it once."""
        return ops.matmul(values, self.values_kernel)

    def score_projected(self, projected_values, query):
        """The scores (B, Tq, T) from projected values (B, T, d_a) (:meth:`project_values`) and query (B, Tq, d_q)."""
        projected_query = ops.matmul(query, self.query_kernel)[:, :, None, :]  # (B, Tq, 1, d_a)
        hidden = ops.tanh(projected_values[:, None, :, :] + projected_query)  # (B, Tq, T, d_a)
        # w^T h as a product and a sum over d_a. Not matmul(hidden, w[:, None]): on TensorFlow 2.19 (Colab's) the
        # oneDNN kernel of that rank-4 by rank-2 product corrupts the heap, and a process that trains a few such
        # models dies later with a segmentation fault or "free(): invalid size" (gone with TF_ENABLE_ONEDNN_OPTS=0).
        return ops.sum(hidden * self.score_vector, axis=-1)

    def compute_output_shape(self, values_shape, query_shape):
        return (values_shape[0], query_shape[1], values_shape[1])

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def make_score(name: str, units: int | None = None, layer_name: str | None = None):
    """The score function called ``name`` (one of :data:`SCORES`); ``units`` is the additive score's width."""
    if name == "dot":
        return dot_score
    if name == "scaled_dot":
        return scaled_dot_score
    if name == "general":
        return GeneralScore(name=layer_name)
    if name == "additive":
        return AdditiveScore(check_int("units", units), name=layer_name)
    raise ValueError(f"score: expected one of {', '.join(SCORES)}, got {name!r}")


# ------------------------------------------------------------------------------------------- softmax, pooling


def check_mask(mask, scores_shape) -> None:
    """A ``ValueError`` unless ``mask`` is boolean and (B, Tq, T), (B, 1, T) or (Tq, T) for scores (B, Tq, T)."""
    mask_shape = tuple(mask.shape)
    if "bool" not in str(mask.dtype):
        raise ValueError(f"mask: expected booleans (True = may attend), got dtype {mask.dtype}")
    batch, n_queries, length = scores_shape
    allowed = [(batch, n_queries, length), (batch, 1, length), (n_queries, length)]
    def fits(shape):
        return len(mask_shape) == len(shape) and all(
            m is None or s is None or m == s for m, s in zip(mask_shape, shape, strict=True))

    if not any(fits(shape) for shape in allowed):
        raise ValueError(f"mask: expected shape (B, Tq, T), (B, 1, T) or (Tq, T) for scores {tuple(scores_shape)}, "
                         f"got shape {mask_shape}")


def masked_softmax(scores, mask=None):
    """Softmax over the last axis of ``scores`` (B, Tq, T), with positions where ``mask`` is False left out.

    A left-out position gets a weight of exactly 0; a row in which every position is left out gets all-zero
    weights instead of the 0/0 = NaN of a naive implementation. Large scores (e.g. +-1e4) stay finite, because
    the row maximum is subtracted before exponentiating.
    """
    scores = ops.convert_to_tensor(scores)
    check_shape("scores", scores, "B, Tq, T")
    if mask is None:
        return ops.softmax(scores, axis=-1)
    mask = ops.convert_to_tensor(mask)
    check_mask(mask, tuple(scores.shape))
    mask = ops.broadcast_to(mask, ops.shape(scores))
    lowest = ops.cast(np.finfo(keras.backend.standardize_dtype(scores.dtype)).min, scores.dtype)
    row_max = ops.max(ops.where(mask, scores, lowest), axis=-1, keepdims=True)
    shifted = ops.where(mask, scores - row_max, ops.zeros_like(scores))  # <= 0 where it counts; no overflow
    exponentials = ops.where(mask, ops.exp(shifted), ops.zeros_like(scores))
    total = ops.sum(exponentials, axis=-1, keepdims=True)
    return exponentials / ops.where(total > 0, total, ops.ones_like(total))


def attend(values, query, score=scaled_dot_score, mask=None, keys=None):
    """Attention pooling: ``(context, weights)`` for values (B, T, d_v) and lookups query (B, Tq, d_q).

    ``score``: a score function ``score(values, query) -> (B, Tq, T)``. ``mask``: see :func:`masked_softmax`.
    ``keys`` (B, T, d_k): what the query is scored against, one key per value; by default the values themselves.
    Separate keys are the Transformer's form (:func:`~attention_book.transformer.scaled_dot_product_attention`).
    Returns the context (B, Tq, d_v), the weighted average of the values, and the weights (B, Tq, T).
    """
    values = ops.convert_to_tensor(values)
    keys = values if keys is None else ops.convert_to_tensor(keys)
    weights = masked_softmax(score(keys, query), mask)
    return ops.matmul(weights, values), weights


@keras.saving.register_keras_serializable(package="attention_book")
class AttentionPooling(keras.layers.Layer):
    """:func:`attend` as a layer, with the score chosen by name and, optionally, a learned lookup vector.

    Args:
        score: one of ``"dot"``, ``"scaled_dot"``, ``"general"``, ``"additive"``.
        units: width of the additive score's hidden layer (only for ``score="additive"``).
        learned_query: if True, the layer owns trainable lookup vectors of the values' width and is called
            with the values alone: feed-forward attention (Raffel & Ellis, 2015).
        queries: how many learned lookup vectors (only with ``learned_query``); each pools the values on its own.

    Call arguments: ``values`` (B, T, d_v); ``query`` (B, Tq, d_q) unless ``learned_query``; ``mask`` (optional).

    Returns:
        ``(context, weights)``: (B, Tq, d_v) and (B, Tq, T); Tq = ``queries`` with learned lookup vectors.
    """

    def __init__(self, score: str = "scaled_dot", units: int | None = None, learned_query: bool = False,
                 queries: int = 1, **kwargs):
        super().__init__(**kwargs)
        if score not in SCORES:
            raise ValueError(f"score: expected one of {', '.join(SCORES)}, got {score!r}")
        if score == "additive":
            units = check_int("units", units)
        elif units is not None:
            raise ValueError(f"units: only the additive score has a width, got units={units!r} for score={score!r}")
        self.score_name, self.units, self.learned_query = score, units, bool(learned_query)
        self.queries = check_int("queries", queries)
        if self.queries > 1 and not self.learned_query:
            raise ValueError(f"queries: only learned lookup vectors are counted here, so expected 1 without "
                             f"learned_query, got {queries}")
        self.score = make_score(score, units, layer_name="score")

    def build(self, values_shape, query_shape=None, mask_shape=None):
        if self.learned_query:
            self.query = self.add_weight(shape=(1, self.queries, values_shape[-1]), initializer="glorot_uniform",
                                         name="query")
            query_shape = (values_shape[0], self.queries, values_shape[-1])
        if query_shape is None:
            raise ValueError("query: expected a lookup tensor (B, Tq, d_q), got None; pass one or use learned_query")
        if isinstance(self.score, keras.layers.Layer):
            self.score.build(values_shape, query_shape)

    def call(self, values, query=None, mask=None):
        check_shape("values", values, "B, T, d")
        if self.learned_query:
            if query is not None:
                raise ValueError("query: this layer learns its own lookup vector, so expected None, got a tensor")
            query = ops.tile(self.query, (ops.shape(values)[0], 1, 1))
        elif query is None:
            raise ValueError("query: expected a lookup tensor (B, Tq, d_q), got None")
        return attend(values, query, self.score, mask)

    def compute_output_shape(self, values_shape, query_shape=None, mask_shape=None):
        n_queries = self.queries if self.learned_query else query_shape[1]
        return (values_shape[0], n_queries, values_shape[2]), (values_shape[0], n_queries, values_shape[1])

    def get_config(self):
        return {**super().get_config(), "score": self.score_name, "units": self.units,
                "learned_query": self.learned_query, "queries": self.queries}


def causal_mask(length: int):
    """(T, T) booleans, True where position i may be seen from step t, i.e. i <= t."""
    length = check_int("length", length)
    positions = ops.arange(length)
    return positions[None, :] <= positions[:, None]
