"""Tests of attention_book.attention: score functions, masked softmax and attention pooling."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from attention_book.attention import (
    AdditiveScore,
    AttentionPooling,
    GeneralScore,
    attend,
    causal_mask,
    dot_score,
    make_score,
    masked_softmax,
    scaled_dot_score,
)

from reference import attention_scores, rand, softmax


@pytest.mark.parametrize("kind", ["dot", "scaled_dot", "general", "additive"])
def test_every_score_matches_numpy(kind):
    values, query = rand((2, 7, 4)), rand((2, 3, 4), seed=1)
    score = make_score(kind, units=5)
    scores = np.asarray(score(values, query))
    weights = [w.numpy() for w in score.weights] if isinstance(score, keras.layers.Layer) else []
    assert scores.shape == (2, 3, 7)
    np.testing.assert_allclose(scores, attention_scores(kind, values, query, weights), rtol=1e-5, atol=1e-5)


def test_scores_worked_by_hand():
    values = np.array([[[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]], np.float32)  # three values, d = 2
    query = np.array([[[2.0, 1.0]]], np.float32)
    np.testing.assert_allclose(dot_score(values, query), [[[2.0, 2.0, 3.0]]])
    np.testing.assert_allclose(scaled_dot_score(values, query), [[[2.0, 2.0, 3.0]]] / np.sqrt(2), rtol=1e-6)


def test_general_and_additive_take_different_widths():
    values, query = rand((2, 6, 3)), rand((2, 1, 5), seed=1)
    assert tuple(GeneralScore()(values, query).shape) == (2, 1, 6)
    assert tuple(AdditiveScore(4)(values, query).shape) == (2, 1, 6)


def test_pooling_matches_numpy():
    values, query = rand((3, 8, 4)), rand((3, 2, 4), seed=1)
    mask = rand((3, 2, 8), seed=2) > 0
    context, weights = attend(values, query, dot_score, mask)
    expected_weights = softmax(attention_scores("dot", values, query), mask)
    np.testing.assert_allclose(weights, expected_weights, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(context, expected_weights @ values, rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------------------------- keras layers


@pytest.mark.parametrize("use_scale", [False, True])
def test_dot_scores_equal_keras_attention(use_scale):
    values, query = rand((2, 6, 4)), rand((2, 3, 4), seed=1)
    layer = keras.layers.Attention(use_scale=use_scale)
    layer([query, values])
    if use_scale:
        layer.scale.assign(1.0 / np.sqrt(4.0))  # Keras learns the scale; set it to the 1/sqrt(d) of the paper
    expected, expected_weights = layer([query, values], return_attention_scores=True)
    context, weights = attend(values, query, scaled_dot_score if use_scale else dot_score)
    np.testing.assert_allclose(context, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(weights, expected_weights, rtol=1e-5, atol=1e-6)


def test_masked_pooling_equals_keras_attention_with_a_value_mask():
    values, query = rand((2, 6, 4)), rand((2, 3, 4), seed=1)
    padding = np.array([[True] * 4 + [False] * 2, [True] * 6])  # the first window has two padded steps
    # The value mask goes in as (B, 1, Tv), which broadcasts over the queries: Keras 3.10 (Colab's) subtracts a
    # (B, Tv) value mask from the (B, Tq, Tv) scores without expanding it ("Incompatible shapes"); later
    # versions accept both forms and give the same weights.
    expected, expected_weights = keras.layers.Attention()([query, values], mask=[None, padding[:, None, :]],
                                                          return_attention_scores=True)
    context, weights = attend(values, query, dot_score, padding[:, None, :])
    np.testing.assert_allclose(weights, expected_weights, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(context, expected, rtol=1e-5, atol=1e-6)


def test_additive_score_equals_keras_additive_attention_with_identity_projections():
    values, query = rand((2, 6, 4)), rand((2, 3, 4), seed=1)
    keras_layer = keras.layers.AdditiveAttention()
    keras_layer([query, values])
    keras_layer.scale.assign(rand((4,), seed=3))
    expected, expected_weights = keras_layer([query, values], return_attention_scores=True)
    score = AdditiveScore(4)
    score(values, query)
    score.set_weights([np.eye(4, dtype=np.float32), np.eye(4, dtype=np.float32), keras_layer.scale.numpy()])
    context, weights = attend(values, query, score)
    np.testing.assert_allclose(weights, expected_weights, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(context, expected, rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------------------------- masked softmax


@settings(max_examples=60, deadline=None)
@given(
    scores=hnp.arrays(np.float32, (2, 3, 5), elements=st.floats(-50, 50, width=32)),
    mask=hnp.arrays(bool, (2, 3, 5)),
)
def test_weights_are_a_distribution_over_the_unmasked_positions(scores, mask):
    weights = np.asarray(masked_softmax(scores, mask))
    assert np.all(np.isfinite(weights)) and np.all(weights >= 0)
    np.testing.assert_array_equal(weights[~mask], 0.0)
    sums = weights.sum(axis=-1)
    any_open = mask.any(axis=-1)
    np.testing.assert_allclose(sums[any_open], 1.0, rtol=1e-5)
    np.testing.assert_array_equal(sums[~any_open], 0.0)
    np.testing.assert_allclose(weights, softmax(scores, mask), rtol=1e-4, atol=1e-6)


@pytest.mark.tensorflow_only("differentiates with tf.GradientTape")
def test_fully_masked_row_gives_zeros_and_finite_gradients():
    scores = tf.constant(rand((1, 2, 4)))
    mask = np.array([[[True, False, True, False], [False, False, False, False]]])
    with tf.GradientTape() as tape:
        tape.watch(scores)
        weights = masked_softmax(scores, mask)
        total = tf.reduce_sum(weights * tf.range(4, dtype=tf.float32))
    np.testing.assert_array_equal(weights[0, 1], 0.0)
    gradient = tape.gradient(total, scores).numpy()
    assert np.all(np.isfinite(gradient))
    np.testing.assert_array_equal(gradient[0, 1], 0.0)


@pytest.mark.parametrize("mask", [None, np.array([[[True, True, False]]])])
def test_huge_logits_stay_finite(mask):
    weights = np.asarray(masked_softmax(np.array([[[1e4, -1e4, 1e4 - 1]]], np.float32), mask))
    assert np.all(np.isfinite(weights))
    expected = [1 / (1 + np.exp(-1)), 0.0, np.exp(-1) / (1 + np.exp(-1))] if mask is None else [1.0, 0.0, 0.0]
    np.testing.assert_allclose(weights[0, 0], expected, rtol=1e-5, atol=1e-7)


@pytest.mark.tensorflow_only("JAX computes in float32 unless jax_enable_x64 is set")
def test_float64_scores_with_a_mask():
    scores = np.array([[[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]])  # numpy's default dtype
    weights = np.asarray(masked_softmax(scores, np.array([[[True, True, False], [False] * 3]])))
    np.testing.assert_allclose(weights[0, 0], [1 / (1 + np.e), np.e / (1 + np.e), 0.0], rtol=1e-12)
    np.testing.assert_array_equal(weights[0, 1], 0.0)


def test_causal_mask_hides_the_future():
    np.testing.assert_array_equal(causal_mask(3), [[1, 0, 0], [1, 1, 0], [1, 1, 1]])
    scores = rand((2, 4, 4))
    weights = np.asarray(masked_softmax(scores, causal_mask(4)))
    np.testing.assert_array_equal(np.triu(weights[0], k=1), 0.0)
    np.testing.assert_allclose(weights[:, 0, 0], 1.0)


def test_padding_mask_broadcasts_over_the_lookups_only():
    weights = np.asarray(masked_softmax(rand((2, 3, 4)), np.array([[[True, True, False, False]],
                                                                     [[True, True, True, True]]])))
    np.testing.assert_array_equal(weights[0, :, 2:], 0.0)
    assert np.all(weights[1] > 0)


# ------------------------------------------------------------------------------------- gradients, symmetry


@pytest.mark.tensorflow_only("differentiates with tf.GradientTape")
def test_gradient_reaches_every_value():
    values = tf.constant(rand((1, 9, 3)))
    query = tf.constant(rand((1, 1, 3), seed=1))
    with tf.GradientTape() as tape:
        tape.watch(values)
        context, _ = attend(values, query, scaled_dot_score)
        loss = tf.reduce_sum(context ** 2)
    gradient = tape.gradient(loss, values).numpy()
    assert np.all(np.abs(gradient).sum(axis=-1) > 0)


def test_permuting_the_values_permutes_the_weights_and_keeps_the_context():
    values, query = rand((2, 7, 4)), rand((2, 2, 4), seed=1)
    order = np.random.default_rng(5).permutation(7)
    context, weights = attend(values, query, scaled_dot_score)
    shuffled_context, shuffled_weights = attend(values[:, order], query, scaled_dot_score)
    np.testing.assert_allclose(shuffled_weights, np.asarray(weights)[:, :, order], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(shuffled_context, context, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------------------------------- layer


@pytest.mark.parametrize("score, units", [("dot", None), ("scaled_dot", None), ("general", None), ("additive", 6)])
def test_pooling_layer_returns_context_and_weights(score, units):
    layer = AttentionPooling(score, units)
    context, weights = layer(rand((2, 5, 4)), rand((2, 3, 4), seed=1))
    assert tuple(context.shape) == (2, 3, 4) and tuple(weights.shape) == (2, 3, 5)
    np.testing.assert_allclose(np.asarray(weights).sum(axis=-1), 1.0, rtol=1e-5)


def test_learned_query_pools_with_one_lookup():
    layer = AttentionPooling("additive", 6, learned_query=True)
    context, weights = layer(rand((2, 5, 4)))
    assert tuple(context.shape) == (2, 1, 4) and tuple(weights.shape) == (2, 1, 5)
    assert [w.path.split("/")[-1] for w in layer.weights][0] == "query"


# ----------------------------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize("values_shape, query_shape, message", [
    ((7, 4), (2, 1, 4), r"values: expected shape \(B, T, d\)"),
    ((2, 7, 4), (1, 4), r"query: expected shape \(B, Tq, d\)"),
    ((2, 7, 4), (2, 1, 3), "query: expected width d = 4 to match the values, got 3"),
    ((2, 7, 4), (3, 1, 4), "query: expected the batch size of values, 2, got 3"),
])
def test_mismatched_values_and_query(values_shape, query_shape, message):
    with pytest.raises(ValueError, match=message):
        dot_score(np.zeros(values_shape, np.float32), np.zeros(query_shape, np.float32))


@pytest.mark.parametrize("mask, message", [
    (np.ones((2, 3, 5), bool), r"mask: expected shape \(B, Tq, T\), \(B, 1, T\) or \(Tq, T\)"),
    (np.ones((4,), bool), r"mask: expected shape"),
    (np.ones((2, 2, 4)), "mask: expected booleans"),
])
def test_bad_masks(mask, message):
    with pytest.raises(ValueError, match=message):
        masked_softmax(np.zeros((2, 2, 4), np.float32), mask)


def test_bad_score_names_and_widths():
    with pytest.raises(ValueError, match="score: expected one of dot, scaled_dot, general, additive, got 'cosine'"):
        make_score("cosine")
    with pytest.raises(ValueError, match="score: expected one of"):
        AttentionPooling("cosine")
    with pytest.raises(ValueError, match="units: expected an integer >= 1"):
        AttentionPooling("additive")
    with pytest.raises(ValueError, match="units: only the additive score has a width"):
        AttentionPooling("dot", 4)


def test_learned_query_refuses_a_query_and_plain_pooling_needs_one():
    learned = AttentionPooling("dot", learned_query=True)
    learned(rand((1, 3, 2)))
    with pytest.raises(ValueError, match="query: this layer learns its own lookup vector"):
        learned(rand((1, 3, 2)), rand((1, 1, 2)))
    with pytest.raises(ValueError, match="query: expected a lookup tensor"):
        AttentionPooling("dot")(rand((1, 3, 2)))
