"""Tests of attention_book.rnn: the hand-written RNN against Keras and numpy, and the recurrent forecasters."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from attention_book import set_seed
from attention_book.rnn import HandRNN, lstm_forecaster, rnn_forecaster, rnn_reference

FORECASTERS = {"rnn": rnn_forecaster, "lstm": lstm_forecaster}


def random_inputs(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def built(layer, inputs):
    layer(inputs)
    return layer


# ------------------------------------------------------------------------------------- equals Keras and numpy


@pytest.mark.parametrize("batch, steps, channels, units", [(1, 1, 1, 1), (3, 11, 4, 5), (2, 50, 7, 16)])
def test_equals_keras_simple_rnn_with_the_same_weights(batch, steps, channels, units):
    set_seed(0)
    inputs = random_inputs((batch, steps, channels))
    hand = built(HandRNN(units), inputs)
    reference = built(keras.layers.SimpleRNN(units, return_sequences=True, return_state=True), inputs)
    reference.set_weights(hand.get_weights())  # same order: input kernel, recurrent kernel, bias
    states, last = hand(inputs)
    expected_states, expected_last = reference(inputs)
    np.testing.assert_allclose(states, expected_states, atol=1e-5)
    np.testing.assert_allclose(last, expected_last, atol=1e-5)


def test_equals_keras_simple_rnn_with_a_nonzero_bias():
    inputs = random_inputs((4, 9, 3))
    hand = built(HandRNN(6), inputs)
    weights = [random_inputs(w.shape, seed=i) * 0.5 for i, w in enumerate(hand.get_weights())]
    hand.set_weights(weights)
    reference = built(keras.layers.SimpleRNN(6, return_sequences=True), inputs)
    reference.set_weights(weights)
    np.testing.assert_allclose(hand(inputs)[0], reference(inputs), atol=1e-5)


@pytest.mark.tensorflow_only("differentiates with tf.GradientTape")
def test_gradients_equal_keras_simple_rnn():
    inputs = tf.constant(random_inputs((2, 8, 3)))
    hand = built(HandRNN(4), inputs)
    reference = built(keras.layers.SimpleRNN(4, return_sequences=True), inputs)
    reference.set_weights(hand.get_weights())
    with tf.GradientTape(persistent=True) as tape:
        hand_loss = tf.reduce_sum(hand(inputs)[0] ** 2)
        reference_loss = tf.reduce_sum(reference(inputs) ** 2)
    for mine, theirs in zip(tape.gradient(hand_loss, hand.trainable_weights),
                            tape.gradient(reference_loss, reference.trainable_weights), strict=True):
        np.testing.assert_allclose(mine, theirs, atol=1e-5)


def test_equals_the_numpy_reference():
    inputs = random_inputs((3, 20, 2))
    hand = built(HandRNN(5), inputs)
    weights = [random_inputs(w.shape, seed=i + 1) for i, w in enumerate(hand.get_weights())]
    hand.set_weights(weights)
    np.testing.assert_allclose(hand(inputs)[0], rnn_reference(inputs, *weights), atol=1e-5)


def test_numpy_reference_on_numbers_worked_by_hand():
    # d = C = 1: h1 = tanh(0.5 * 1 + 0.1), h2 = tanh(0.5 * -2 + 0.8 * h1 + 0.1)
    states = rnn_reference(np.array([[[1.0], [-2.0]]]), np.array([[0.5]]), np.array([[0.8]]), np.array([0.1]))
    h1 = np.tanh(0.6)
    np.testing.assert_allclose(states[0, :, 0], [h1, np.tanh(-0.9 + 0.8 * h1)], rtol=1e-12)


def test_weights_are_named_and_shaped_like_simple_rnn():
    hand = built(HandRNN(5), random_inputs((1, 3, 4)))
    assert [w.path.split("/")[-1] for w in hand.weights] == ["input_kernel", "recurrent_kernel", "bias"]
    assert [tuple(w.shape) for w in hand.weights] == [(4, 5), (5, 5), (5,)]
    recurrent = hand.recurrent_kernel.numpy()
    np.testing.assert_allclose(recurrent.T @ recurrent, np.eye(5), atol=1e-5)  # orthogonal, as in SimpleRNN
    np.testing.assert_array_equal(hand.bias.numpy(), 0.0)


# -------------------------------------------------------------------------------------------------- shapes


def test_returns_all_states_and_the_last():
    states, last = HandRNN(6)(random_inputs((2, 7, 3)))
    assert tuple(states.shape) == (2, 7, 6) and tuple(last.shape) == (2, 6)
    np.testing.assert_array_equal(states[:, -1], last)
    assert np.all(np.abs(states) < 1.0)  # tanh


# ----------------------------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize("shape", [(5, 3), (2, 5, 3, 1), (5,)])
def test_wrong_rank_is_one_clear_error(shape):
    with pytest.raises(ValueError, match=r"inputs: expected shape \(B, T, C\), got shape"):
        HandRNN(4)(np.zeros(shape, np.float32))


def test_channel_mismatch_after_build_is_one_clear_error():
    layer = built(HandRNN(4), random_inputs((2, 5, 3)))
    with pytest.raises(ValueError, match=r"inputs: expected 3 channels, got 2"):
        layer(random_inputs((2, 5, 2)))


def test_numpy_reference_rejects_a_channel_mismatch():
    with pytest.raises(ValueError, match="inputs: expected 2 channels, got 3"):
        rnn_reference(np.zeros((1, 4, 3)), np.zeros((2, 5)), np.zeros((5, 5)), np.zeros(5))


@pytest.mark.parametrize("units", [0, -1, 2.5, True, "8"])
def test_bad_units(units):
    with pytest.raises(ValueError, match="units: expected an integer >= 1"):
        HandRNN(units)


@pytest.mark.parametrize("name", sorted(FORECASTERS))
@pytest.mark.parametrize("argument, sizes", [
    ("lookback", (0, 3, 4, 3)), ("n_channels", (10, -1, 4, 3)), ("horizon", (10, 3, 0, 3)),
    ("n_outputs", (10, 3, 4, 1.5)),
])
def test_forecaster_sizes_are_checked(name, argument, sizes):
    with pytest.raises(ValueError, match=f"{argument}: expected an integer >= 1"):
        FORECASTERS[name](*sizes)


# ------------------------------------------------------------------------------------------------ forecasters


@pytest.mark.parametrize("name", sorted(FORECASTERS))
def test_forecaster_maps_a_window_to_all_horizon_steps(name):
    model = FORECASTERS[name](24, 7, 6, 2, units=8)
    forecast = model(random_inputs((5, 24, 7)))
    assert tuple(forecast.shape) == (5, 6, 2)
    assert model.name == name and isinstance(model.get_layer("encoder"), (HandRNN, keras.layers.LSTM))


@pytest.mark.parametrize("name", sorted(FORECASTERS))
def test_forecaster_rejects_a_window_with_other_channels(name):
    model = FORECASTERS[name](24, 7, 6, 2, units=8)
    with pytest.raises(ValueError):
        model(random_inputs((5, 24, 3)))
