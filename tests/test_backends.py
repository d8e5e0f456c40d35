"""Every registered model on the backend Keras runs on: the entry of the JAX subset (see constraints/jax.txt).

For each name in :data:`~attention_book.registry.REGISTRY`, and each model that takes the frame of
:mod:`~attention_book.frame` in it: build it for a tiny synthetic task, train it one epoch, forecast, and (for the
neural models) save it to a ``.keras`` file and load it back with identical forecasts.
The same tests run on TensorFlow, the book's backend, and under ``KERAS_BACKEND=jax``.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from attention_book.forecasters import NeuralForecaster
from attention_book.registry import REGISTRY, build_model, fit_on_task, framed_models
from attention_book.tasks import Task
from attention_book.windows import Windows

LOOKBACK, HORIZON, CHANNELS, TARGETS = 24, 8, ("a", "b", "c"), (0, 1)


def tiny_windows(n_windows: int, seed: int) -> Windows:
    """Windows of three noisy sines with periods 8, 12 and 6 steps: inputs (N, 24, 3), targets (N, 8, 2)."""
    rng = np.random.default_rng(seed)
    steps = rng.integers(0, 1000, size=(n_windows, 1, 1)) + np.arange(LOOKBACK + HORIZON)[None, :, None]
    series = np.sin(2 * np.pi * steps / np.array([8, 12, 6])) + 0.1 * rng.standard_normal(steps.shape[:2] + (3,))
    series = series.astype(np.float32)
    return Windows(series[:, :LOOKBACK], series[:, LOOKBACK:, list(TARGETS)])


@pytest.fixture(scope="module")
def tiny_task() -> Task:
    """A synthetic task small enough to train every registered model for one epoch in seconds."""
    return Task("tiny_sines", CHANNELS, TARGETS, LOOKBACK, HORIZON, tiny_windows(64, 0), tiny_windows(16, 1),
                tiny_windows(16, 2), season=24)


def test_the_backend_is_one_the_book_supports():
    assert keras.backend.backend() in ("tensorflow", "jax")


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_registered_model_trains_forecasts_and_round_trips(name, tiny_task, tmp_path):
    _trains_forecasts_and_round_trips(build_model(name, tiny_task, seed=0), tiny_task, tmp_path)


@pytest.mark.parametrize("name", framed_models("revin"))
def test_every_framed_model_trains_forecasts_and_round_trips(name, tiny_task, tmp_path):
    """In the frame (normalised windows, one channel at a time, the third channel a covariate of each)."""
    forecaster = build_model(name, tiny_task, seed=0, revin="last", channel_independent=True)
    _trains_forecasts_and_round_trips(forecaster, tiny_task, tmp_path)


def _trains_forecasts_and_round_trips(forecaster, tiny_task, tmp_path):
    neural = isinstance(forecaster, NeuralForecaster)
    if neural:
        forecaster.training = {**forecaster.training, "epochs": 1}
        initial = forecaster.model.get_weights()
    fit_on_task(forecaster, tiny_task)
    inputs = tiny_task.test.inputs
    forecast = forecaster.predict(inputs)
    assert forecast.shape == (len(inputs), HORIZON, len(TARGETS))
    assert np.all(np.isfinite(forecast))
    if not neural:  # the baselines are fitted in closed form and have no .keras file
        return
    assert len(forecaster.history.history["loss"]) == 1
    assert np.all(np.isfinite(forecaster.history.history["loss"]))
    trained = forecaster.model.get_weights()
    assert any(not np.array_equal(before, after) for before, after in zip(initial, trained, strict=True))
    path = tmp_path / "model.keras"
    forecaster.model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is type(forecaster.model)
    for saved, restored in zip(trained, loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(saved, restored)
    np.testing.assert_array_equal(loaded.predict(inputs, verbose=0), forecast)
