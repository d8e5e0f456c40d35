"""Tests of attention_book.attention_rnn: the RNN that attends over its own past, and the chapter 3 forecasters."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from attention_book import set_seed
from attention_book.attention import AttentionPooling
from attention_book.attention_rnn import (
    AttentionRNN,
    attention_rnn_forecaster,
    ff_attention_forecaster,
    lstm_attention_forecaster,
    segment_forecaster,
)
from attention_book.probes import layer_weights
from attention_book.registry import REGISTRY

from reference import attention_rnn, attention_scores, gru, rand, softmax

FORECASTERS = {"attention_rnn": attention_rnn_forecaster, "lstm_attention": lstm_attention_forecaster,
               "ff_attention": ff_attention_forecaster}


@pytest.mark.parametrize("score", ["scaled_dot", "general"])
def test_equals_the_numpy_reference(score):
    set_seed(0)
    inputs = rand((3, 9, 2))
    layer = AttentionRNN(5, score)
    states, weights = layer(inputs)
    kernels = [w.numpy().astype(np.float64) for w in layer.weights]
    general = kernels[3] if score == "general" else None
    expected_states, expected_weights = attention_rnn(inputs.astype(np.float64), *kernels[:3], general)
    np.testing.assert_allclose(states, expected_states, atol=1e-5)
    np.testing.assert_allclose(weights, expected_weights, atol=1e-5)


def test_recurrent_kernel_fits_the_concatenated_state():
    layer = AttentionRNN(6)
    layer(rand((1, 4, 3)))
    shapes = {w.path.split("/")[-1]: tuple(w.shape) for w in layer.weights}
    assert shapes == {"input_kernel": (3, 6), "recurrent_kernel": (12, 6), "bias": (6,)}


def test_weights_look_only_at_earlier_states():
    states, weights = AttentionRNN(4)(rand((2, 7, 3)))
    weights = np.asarray(weights)
    assert tuple(states.shape) == (2, 7, 4) and weights.shape == (2, 7, 7)
    np.testing.assert_array_equal(weights[:, 0], 0.0)  # nothing to look at before the first step: zero, not NaN
    np.testing.assert_array_equal(np.triu(weights[0]), 0.0)  # row t only covers states 0..t-1
    np.testing.assert_allclose(weights[:, 1:].sum(axis=-1), 1.0, rtol=1e-5)
    assert np.all(weights >= 0)


@pytest.mark.parametrize("t", [0, 3, 6])
def test_states_and_weights_are_causal(t):
    set_seed(1)
    layer = AttentionRNN(5)
    inputs = rand((2, 8, 3))
    changed = inputs.copy()
    changed[:, t + 1:] += rand((2, 7 - t, 3), seed=4)
    (states, weights), (new_states, new_weights) = layer(inputs), layer(changed)
    np.testing.assert_array_equal(np.asarray(states)[:, : t + 1], np.asarray(new_states)[:, : t + 1])
    np.testing.assert_array_equal(np.asarray(weights)[:, : t + 1], np.asarray(new_weights)[:, : t + 1])
    if t < 7:
        assert np.abs(np.asarray(states)[:, t + 1:] - np.asarray(new_states)[:, t + 1:]).max() > 1e-4


def gradients_of_last_state(layer, inputs):
    """d sum(h_T^2) / d(inputs, weights) for an attending RNN, with the backend's own differentiation."""
    if keras.backend.backend() == "jax":
        import jax

        def loss(weights, window):
            (states, _), _ = layer.stateless_call(weights, [], window)
            return (states[:, -1] ** 2).sum()

        weights = [w.value for w in layer.trainable_weights]
        weight_gradients, input_gradients = jax.grad(loss, argnums=(0, 1))(weights, inputs)
        return [np.asarray(input_gradients)] + [np.asarray(g) for g in weight_gradients]
    import tensorflow as tf

    inputs = tf.constant(inputs)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        states, _ = layer(inputs)
        loss = tf.reduce_sum(states[:, -1] ** 2)
    return [np.asarray(g) for g in tape.gradient(loss, [inputs] + layer.trainable_weights)]


def test_gradients_reach_every_weight_and_input():
    layer = AttentionRNN(4, "general")
    inputs = rand((2, 6, 3))
    layer(inputs)
    gradients = gradients_of_last_state(layer, inputs)
    assert len(gradients) == 1 + len(layer.trainable_weights)
    assert all(np.all(np.isfinite(g)) and np.abs(g).max() > 0 for g in gradients)
    assert np.all(np.abs(gradients[0]).sum(axis=-1) > 0)  # every input step matters to the last state


# ------------------------------------------------------------------------------------------------ forecasters


@pytest.mark.parametrize("name", sorted(FORECASTERS))
def test_forecasters_map_windows_to_forecasts_and_expose_their_weights(name):
    model = FORECASTERS[name](12, 3, 4, 2, units=8)
    inputs = rand((5, 12, 3))
    assert tuple(model(inputs).shape) == (5, 4, 2)
    weights = layer_weights(model, inputs)
    assert weights.shape == (5, 1, 12)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=1e-5)


def test_attention_rnn_forecaster_exposes_its_step_weights():
    model = attention_rnn_forecaster(10, 2, 3, 1, units=4)
    assert layer_weights(model, rand((2, 10, 2)), layer="encoder").shape == (2, 10, 10)


@pytest.mark.parametrize("name", sorted(FORECASTERS))
def test_keras_file_round_trip_gives_identical_predictions(name, tmp_path):
    set_seed(2)
    model = FORECASTERS[name](12, 3, 4, 2, units=6)
    model.compile(optimizer="adam", loss="mse")
    model.fit(rand((32, 12, 3)), rand((32, 4, 2), seed=1), epochs=1, verbose=0)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    inputs = rand((4, 12, 3), seed=7)
    np.testing.assert_array_equal(model.predict(inputs, verbose=0), loaded.predict(inputs, verbose=0))
    np.testing.assert_array_equal(layer_weights(model, inputs), layer_weights(loaded, inputs))


def test_ff_attention_without_positions_ignores_the_order_of_the_steps():
    set_seed(3)
    model = ff_attention_forecaster(8, 2, 3, 1, units=4, positions=False)
    inputs = rand((2, 8, 2))
    order = np.random.default_rng(0).permutation(8)
    np.testing.assert_allclose(model(inputs), model(inputs[:, order]), rtol=1e-5, atol=1e-6)
    with_positions = ff_attention_forecaster(8, 2, 3, 1, units=4)
    assert "positions" in [layer.name for layer in with_positions.layers]


@pytest.mark.parametrize("queries", [1, 3])
def test_ff_attention_equals_numpy_with_one_or_several_lookup_vectors(queries):
    """Embed each step, add its position, let each learned lookup vector pool with the additive score, and read
    the contexts side by side: by hand."""
    model = ff_attention_forecaster(10, 2, 4, 2, units=6, queries=queries)
    model.get_layer("positions").set_weights([rand((10, 6), seed=5, scale=0.3)])
    inputs = rand((3, 10, 2), seed=6)
    kernel, bias = model.get_layer("embedding").get_weights()
    readout = model.get_layer("readout")
    lookups = np.asarray(readout.query)  # (1, queries, d)
    score = readout.score
    embedded = np.tanh(inputs @ kernel + bias) + model.get_layer("positions").get_weights()[0]
    weights = softmax(attention_scores("additive", embedded, np.repeat(lookups, 3, axis=0),
                                       (np.asarray(score.values_kernel), np.asarray(score.query_kernel),
                                        np.asarray(score.score_vector))))  # (B, queries, L)
    contexts = (weights @ embedded).reshape(3, queries * 6)
    head_kernel, head_bias = model.get_layer("head").get_weights()
    expected = (contexts @ head_kernel + head_bias).reshape(3, 4, 2)
    np.testing.assert_allclose(model.predict(inputs, verbose=0), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer_weights(model, inputs), weights, rtol=1e-4, atol=1e-6)


def test_several_lookup_vectors_need_a_learned_query():
    with pytest.raises(ValueError, match="queries: only learned lookup vectors are counted here, so expected 1 "
                                         "without learned_query, got 2"):
        AttentionPooling("dot", queries=2)
    with pytest.raises(ValueError, match="queries: expected an integer >= 1"):
        ff_attention_forecaster(8, 1, 2, 1, queries=0)


@pytest.mark.parametrize("attention", [True, False])
def test_the_segment_forecaster_equals_numpy(attention):
    """Cut into segments, embed, GRU over the segments, (attend from the last state), head: by hand."""
    lookback, channels, segment, horizon, outputs = 12, 2, 4, 3, 2
    model = segment_forecaster(lookback, channels, horizon, outputs, units=5, segment=segment, attention=attention)
    inputs = rand((3, lookback, channels), seed=4)
    embedding = model.get_layer("embedding").get_weights()
    kernel, recurrent_kernel, bias = model.get_layer("encoder").get_weights()
    head_kernel, head_bias = model.get_layer("head").get_weights()
    segments = inputs.reshape(3, lookback // segment, segment * channels)  # steps of a segment side by side
    states = gru(np.maximum(segments @ embedding[0] + embedding[1], 0), kernel, recurrent_kernel, bias)
    last = states[:, -1]
    if attention:
        weights = softmax(attention_scores("scaled_dot", states, last[:, None]))  # (B, 1, N)
        summary = np.concatenate([last, (weights @ states)[:, 0]], axis=-1)
        np.testing.assert_allclose(layer_weights(model, inputs), weights, rtol=1e-4, atol=1e-6)
    else:
        summary = last
    expected = (summary @ head_kernel + head_bias).reshape(3, horizon, outputs)
    np.testing.assert_allclose(model.predict(inputs, verbose=0), expected, rtol=1e-4, atol=1e-5)
    assert model.name == ("segment_attention" if attention else "segment_rnn")


def test_the_segment_forecaster_needs_whole_segments():
    with pytest.raises(ValueError, match="lookback: expected a multiple of the segment length 24, got 100"):
        segment_forecaster(100, 2, 4, 1)
    with pytest.raises(ValueError, match="segment: expected an integer >= 1"):
        segment_forecaster(96, 2, 4, 1, segment=0)


def test_registered_in_the_command_line():
    assert {"attention_rnn", "lstm_attention", "ff_attention", "ff_attention_multi", "segment_rnn",
            "segment_attention"} <= set(REGISTRY)


# ----------------------------------------------------------------------------------------------- bad inputs


def test_bad_score_and_units():
    with pytest.raises(ValueError, match="score: expected one of dot, scaled_dot, general, additive"):
        AttentionRNN(4, "cosine")
    with pytest.raises(ValueError, match="units: expected an integer >= 1"):
        AttentionRNN(0)


def test_wrong_rank_and_channel_mismatch():
    with pytest.raises(ValueError, match=r"inputs: expected shape \(B, T, C\)"):
        AttentionRNN(4)(rand((5, 3)))
    layer = AttentionRNN(4)
    layer(rand((1, 5, 3)))
    with pytest.raises(ValueError, match="inputs: expected 3 channels, got 2"):
        layer(rand((1, 5, 2)))
