"""Tests of attention_book.gradients: gradient norms through time, and the lag sweep."""

from __future__ import annotations

import functools

import keras
import numpy as np
import pytest
from keras import ops

from attention_book import set_seed
from attention_book.gradients import LagSweep, decay_per_step, lag_sweep, state_gradient_norms
from attention_book.rnn import HandRNN, lstm_forecaster, rnn_reference


def random_inputs(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


#: The gradient probes differentiate with tf.GradientTape: TensorFlow only, like the function they test.
gradient_probe = pytest.mark.tensorflow_only("state_gradient_norms differentiates with tf.GradientTape")


@gradient_probe
def test_norms_of_a_geometric_memory_are_known():
    """h_T = sum_k a^k x_{T-k} has dh_T/dx_{T-k} = a^k I, whose Frobenius norm is a^k sqrt(C)."""
    steps, channels, decay = 12, 3, 0.7
    weights = ops.convert_to_tensor((decay ** np.arange(steps)[::-1]).astype(np.float32))

    def encoder(inputs):
        return ops.einsum("btc,t->bc", inputs, weights)

    norms = state_gradient_norms(encoder, random_inputs((4, steps, channels)))
    assert norms.shape == (steps,)
    np.testing.assert_allclose(norms, decay ** np.arange(steps) * np.sqrt(channels), rtol=1e-5)


@gradient_probe
def test_norms_of_the_hand_rnn_match_finite_differences_of_the_numpy_reference():
    set_seed(0)
    inputs = random_inputs((2, 6, 2))
    layer = HandRNN(3)
    layer(inputs)
    weights = [w.astype(np.float64) for w in layer.get_weights()]
    norms = state_gradient_norms(layer, inputs)
    eps = 1e-6
    expected = np.zeros((2, 6))
    for b in range(2):
        for t in range(6):
            jacobian = np.zeros((3, 2))
            for c in range(2):
                up, down = inputs[b:b + 1].astype(np.float64), inputs[b:b + 1].astype(np.float64)
                up[0, t, c] += eps
                down[0, t, c] -= eps
                jacobian[:, c] = (rnn_reference(up, *weights)[0, -1] - rnn_reference(down, *weights)[0, -1]) / (2 * eps)
            expected[b, t] = np.linalg.norm(jacobian)
    np.testing.assert_allclose(norms, expected.mean(axis=0)[::-1], rtol=1e-3, atol=1e-7)


@gradient_probe
def test_lstm_norms_are_positive_finite_and_largest_for_the_last_step_at_init():
    set_seed(0)
    norms = state_gradient_norms(keras.layers.LSTM(8), random_inputs((4, 30, 3)))
    assert np.all(norms > 0) and np.all(np.isfinite(norms))
    assert norms[0] > norms[-1]


@gradient_probe
def test_encoder_must_return_the_last_state():
    with pytest.raises(ValueError, match=r"encoder: expected a last state of shape \(B, d\) with B=2"):
        state_gradient_norms(lambda inputs: inputs, random_inputs((2, 5, 3)))


@gradient_probe
def test_inputs_are_checked():
    with pytest.raises(ValueError, match=r"inputs: expected shape \(B, L, C\)"):
        state_gradient_norms(keras.layers.LSTM(2), np.zeros((5, 3)))


def test_gradient_norms_say_they_need_tensorflow(monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    with pytest.raises(RuntimeError, match="needs Keras' TensorFlow backend, got KERAS_BACKEND='jax'"):
        state_gradient_norms(keras.layers.LSTM(2), random_inputs((2, 5, 3)))


# ------------------------------------------------------------------------------------------------- lag sweep


@pytest.fixture(scope="module")
def small_sweep():
    build = functools.partial(lstm_forecaster, units=8)
    return lag_sweep(build, [(1, 2), (9, 12)], length=12, n_train=256, n_eval=64, epochs=2, seed=3)


def test_sweep_reports_one_trained_forecaster_per_band(small_sweep):
    assert isinstance(small_sweep, LagSweep)
    assert small_sweep.bands == ((1, 2), (9, 12))
    assert small_sweep.mse.shape == small_sweep.constant_mse.shape == (2,)
    assert np.all(small_sweep.constant_mse > 0.3)  # the mean of two N(0, 1) values has variance 1/2
    np.testing.assert_allclose(small_sweep.relative_mse, small_sweep.mse / small_sweep.constant_mse)
    assert len(small_sweep.forecasters) == 2
    assert all(f.lookback == 12 and f.n_channels == 4 and f.horizon == 1 for f in small_sweep.forecasters)
    assert all(len(f.history.history["loss"]) <= 2 for f in small_sweep.forecasters)


def test_sweep_is_reproducible(small_sweep):
    again = lag_sweep(functools.partial(lstm_forecaster, units=8), [(1, 2), (9, 12)], length=12, n_train=256,
                      n_eval=64, epochs=2, seed=3)
    np.testing.assert_array_equal(again.mse, small_sweep.mse)
    np.testing.assert_array_equal(again.constant_mse, small_sweep.constant_mse)


@pytest.mark.parametrize("bands, message", [
    ([], "bands: expected at least one"),
    ([(3, 2)], r"bands: expected 1 <= min_lag < max_lag <= length=12, got \(3, 2\)"),
    ([(1, 13)], r"bands: expected 1 <= min_lag < max_lag <= length=12, got \(1, 13\)"),
    ([(0, 4)], "min_lag: expected an integer >= 1"),
    ([5], "bands: expected pairs"),
    ([(1, 2, 3)], "bands: expected pairs"),
])
def test_bad_bands(bands, message):
    with pytest.raises(ValueError, match=message):
        lag_sweep(lstm_forecaster, bands, length=12)


def test_decay_per_step_recovers_a_geometric_rate():
    assert decay_per_step(3.0 * 0.8 ** np.arange(100)) == pytest.approx(0.8, rel=1e-9)
    assert decay_per_step(np.ones(10), steps=5) == pytest.approx(1.0)


@pytest.mark.parametrize("norms, message", [
    (np.ones(10), "norms: expected a vector of at least 60 values"),
    (np.zeros(80), "norms: expected positive finite values"),
    (np.ones((2, 80)), "norms: expected a vector"),
])
def test_decay_per_step_bad_norms(norms, message):
    with pytest.raises(ValueError, match=message):
        decay_per_step(norms)
