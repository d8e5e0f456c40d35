"""Tests of attention_book.forecasters: the single-shot head and the fit/predict adapter."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from attention_book import set_seed
from attention_book.forecasters import NeuralForecaster, single_shot
from attention_book.rnn import lstm_forecaster
from attention_book.windows import Windows


def task_windows(n, seed):
    rng = np.random.default_rng(seed)
    inputs = rng.standard_normal((n, 10, 3)).astype(np.float32)
    return Windows(inputs, np.repeat(inputs[:, -1:, :2], 4, axis=1))  # repeat the last value of 2 channels


def test_single_shot_emits_every_step_at_once():
    summary = keras.Input((5,))
    model = keras.Model(summary, single_shot(summary, 4, 3))
    assert model.output_shape == (None, 4, 3)
    dense = model.get_layer("head")
    assert dense.units == 12
    # step h, channel c is row-major entry h * C_out + c of one dense layer: no recurrence over the horizon
    values = np.random.default_rng(0).standard_normal((2, 5)).astype(np.float32)
    kernel, bias = dense.get_weights()
    np.testing.assert_allclose(model(values), (values @ kernel + bias).reshape(2, 4, 3), atol=1e-6)


@pytest.mark.parametrize("horizon, n_outputs", [(0, 3), (4, -1), (2.0, 3)])
def test_single_shot_sizes(horizon, n_outputs):
    with pytest.raises(ValueError, match="expected an integer >= 1"):
        single_shot(keras.Input((5,)), horizon, n_outputs)


def test_fit_and_predict_with_the_baselines_interface():
    set_seed(0)
    forecaster = NeuralForecaster(lstm_forecaster(10, 3, 4, 2, units=8), epochs=8, learning_rate=1e-2)
    assert (forecaster.lookback, forecaster.n_channels, forecaster.horizon, forecaster.n_outputs) == (10, 3, 4, 2)
    assert forecaster.fit(task_windows(512, 0), task_windows(128, 1)) is forecaster
    test = task_windows(64, 2)
    predictions = forecaster.predict(test.inputs)
    assert predictions.shape == (64, 4, 2)
    assert np.mean((predictions - test.targets) ** 2) < 0.3 * np.var(test.targets)
    assert len(forecaster.history.history["loss"]) <= 8


def test_same_seed_same_forecasts():
    forecasts = []
    for _ in range(2):
        set_seed(1)
        forecaster = NeuralForecaster(lstm_forecaster(10, 3, 4, 2, units=4), seed=1, epochs=2)
        forecasts.append(forecaster.fit(task_windows(128, 0), task_windows(32, 1)).predict(task_windows(8, 2).inputs))
    np.testing.assert_array_equal(*forecasts)


@pytest.mark.parametrize("shape, message", [
    ((4, 10, 2), "inputs: expected 3 channels, got 2"),
    ((4, 12, 3), "inputs: expected 10 time steps, got 12"),
    ((10, 3), r"inputs: expected shape \(B, L, C\)"),
])
def test_predict_rejects_windows_of_another_shape(shape, message):
    forecaster = NeuralForecaster(lstm_forecaster(10, 3, 4, 2, units=4))
    with pytest.raises(ValueError, match=message):
        forecaster.predict(np.zeros(shape, np.float32))


def test_predict_rejects_nan():
    inputs = np.zeros((2, 10, 3), np.float32)
    inputs[1, 4, 0] = np.nan
    with pytest.raises(ValueError, match="inputs: contains NaN"):
        NeuralForecaster(lstm_forecaster(10, 3, 4, 2, units=4)).predict(inputs)


def test_model_must_be_a_keras_model():
    with pytest.raises(TypeError, match="model: expected a keras.Model, got str"):
        NeuralForecaster("lstm")


def test_model_must_map_windows_to_forecasts():
    inputs = keras.Input((10, 3))
    flat = keras.Model(inputs, keras.layers.Dense(4)(keras.layers.Flatten()(inputs)))  # (B, 4), not (B, H, C_out)
    with pytest.raises(ValueError, match=r"model: expected one output of shape \(B, H, C_out\)"):
        NeuralForecaster(flat)
    variable = keras.Input((None, 3))
    with pytest.raises(ValueError, match=r"model: expected one input of shape \(B, L, C\) with known sizes"):
        NeuralForecaster(keras.Model(variable, keras.layers.Dense(2)(variable)))


@pytest.mark.parametrize("seed", [-1, 1.5])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="seed: expected an integer >= 0"):
        NeuralForecaster(lstm_forecaster(10, 3, 4, 2, units=4), seed=seed)
