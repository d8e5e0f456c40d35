"""Tests of attention_book.baselines: repeat-last, seasonal naive and LTSF-Linear."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attention_book.baselines import LinearForecaster, RepeatLast, SeasonalNaive, check_inputs
from attention_book.windows import Windows

# A tiny batch the reader can check by eye: 2 windows, L = 4 steps, C = 2 channels.
TINY = np.array(
    [
        [[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0]],
        [[5.0, 50.0], [6.0, 60.0], [7.0, 70.0], [8.0, 80.0]],
    ]
)


# ---------------------------------------------------------------------------------------------------- RepeatLast


def test_repeat_last_by_hand():
    forecast = RepeatLast(3).predict(TINY)
    expected = np.array(
        [
            [[4.0, 40.0], [4.0, 40.0], [4.0, 40.0]],
            [[8.0, 80.0], [8.0, 80.0], [8.0, 80.0]],
        ]
    )
    assert forecast.dtype == np.float32
    np.testing.assert_array_equal(forecast, expected)


def test_repeat_last_target_channels():
    forecast = RepeatLast(2, target_channels=[1]).predict(TINY)
    np.testing.assert_array_equal(forecast, [[[40.0], [40.0]], [[80.0], [80.0]]])
    np.testing.assert_array_equal(RepeatLast(1, target_channels=(1, 0)).predict(TINY)[:, 0], [[40, 4], [80, 8]])


def test_repeat_last_fit_is_a_no_op():
    model = RepeatLast(1)
    assert model.fit(None, None) is model


@settings(max_examples=30, deadline=None, database=None)
@given(st.integers(1, 5), st.integers(1, 8), st.integers(1, 4), st.integers(1, 10), st.integers(0, 1000))
def test_repeat_last_property(batch, lookback, channels, horizon, seed):
    inputs = np.random.default_rng(seed).normal(size=(batch, lookback, channels))
    forecast = RepeatLast(horizon).predict(inputs)
    assert forecast.shape == (batch, horizon, channels)
    for h in range(horizon):
        np.testing.assert_array_equal(forecast[:, h], inputs[:, -1].astype(np.float32))


# ------------------------------------------------------------------------------------------------ SeasonalNaive


def test_seasonal_naive_by_hand():
    inputs = np.arange(6.0).reshape(1, 6, 1)  # steps 0..5; the future steps are 6, 7, ...
    forecast = SeasonalNaive(6, period=4).predict(inputs)
    # step 6 <- 2, 7 <- 3, 8 <- 4, 9 <- 5, then the last season again: 10 <- 2, 11 <- 3
    np.testing.assert_array_equal(forecast[0, :, 0], [2.0, 3.0, 4.0, 5.0, 2.0, 3.0])
    np.testing.assert_array_equal(SeasonalNaive(2, period=1).predict(inputs)[0, :, 0], [5.0, 5.0])
    np.testing.assert_array_equal(SeasonalNaive(3, period=6).predict(inputs)[0, :, 0], [0.0, 1.0, 2.0])


def test_seasonal_naive_on_tiny_and_with_target_channels():
    forecast = SeasonalNaive(3, period=2, target_channels=[1]).predict(TINY)
    np.testing.assert_array_equal(forecast, [[[30.0], [40.0], [30.0]], [[70.0], [80.0], [70.0]]])


def test_seasonal_naive_is_exact_on_a_periodic_series():
    period, lookback, horizon = 24, 96, 60
    t = np.arange(lookback + horizon)
    series = np.sin(2 * np.pi * t / period)[None, :, None]
    forecast = SeasonalNaive(horizon, period).predict(series[:, :lookback])
    np.testing.assert_allclose(forecast, series[:, lookback:], atol=1e-6)


def test_seasonal_naive_with_period_one_is_repeat_last():
    inputs = np.random.default_rng(0).normal(size=(3, 10, 2))
    np.testing.assert_array_equal(SeasonalNaive(5, period=1).predict(inputs), RepeatLast(5).predict(inputs))


def test_seasonal_naive_period_longer_than_the_window():
    with pytest.raises(ValueError, match="period of 5"):
        SeasonalNaive(2, period=5).predict(TINY)


@pytest.mark.parametrize("period", [0, -24, 2.5, True])
def test_seasonal_naive_bad_period(period):
    with pytest.raises(ValueError, match="period"):
        SeasonalNaive(2, period=period)


@pytest.mark.parametrize("model", [RepeatLast, SeasonalNaive])
@pytest.mark.parametrize("horizon", [0, -1, 1.5, True, "4"])
def test_copying_baselines_bad_horizon(model, horizon):
    with pytest.raises(ValueError, match="horizon"):
        model(horizon)


@pytest.mark.parametrize("model", [RepeatLast(2, target_channels=[2]), SeasonalNaive(2, 2, target_channels=[5])])
def test_copying_baselines_missing_target_channel(model):
    with pytest.raises(ValueError, match="target_channels"):
        model.predict(TINY)


# ------------------------------------------------------------------------------------------------ check_inputs


@pytest.mark.parametrize(
    "inputs, kwargs, message",
    [
        (np.zeros((4, 3)), {}, r"inputs: expected shape \(B, L, C\)"),
        (np.zeros((1, 4, 3, 2)), {}, r"inputs: expected shape \(B, L, C\)"),
        (np.array([[["a"]]]), {}, "inputs: expected numbers"),
        (np.full((1, 4, 2), np.nan), {}, "inputs: contains NaN"),
        (np.zeros((1, 4, 2)), {"n_channels": 3}, "inputs: expected 3 channels"),
        (np.zeros((1, 4, 2)), {"lookback": 5}, "inputs: expected 5 time steps"),
    ],
)
def test_check_inputs(inputs, kwargs, message):
    with pytest.raises(ValueError, match=message):
        check_inputs(inputs, **kwargs)


def test_check_inputs_accepts_lists():
    assert check_inputs([[[1.0], [2.0]]]).shape == (1, 2, 1)


@pytest.mark.parametrize("model", [RepeatLast(2), SeasonalNaive(2, 2)])
@pytest.mark.parametrize("inputs", [np.zeros((4, 3)), np.array([[[np.nan]] * 4])])
def test_copying_baselines_reject_bad_inputs(model, inputs):
    with pytest.raises(ValueError, match="inputs"):
        model.predict(inputs)


# ---------------------------------------------------------------------------------------------------- Linear


def linear_problem(n_windows=80, lookback=8, horizon=5, channels=3, seed=0):
    """Windows whose targets are exactly ``x @ W + b`` for every channel, with one shared (W, b)."""
    rng = np.random.default_rng(seed)
    weights = rng.normal(size=(lookback, horizon))
    bias = rng.normal(size=horizon)

    def windows(n):
        inputs = rng.normal(size=(n, lookback, channels))
        targets = np.einsum("blc,lh->bhc", inputs, weights) + bias[None, :, None]
        return Windows(inputs, targets)

    return weights, bias, windows(n_windows), windows(30), windows(20)


def test_linear_recovers_an_exact_linear_map():
    weights, bias, train, val, test = linear_problem()
    model = LinearForecaster(ridge=0.0).fit(train)
    np.testing.assert_allclose(model.weights[:-1], weights, atol=1e-8)
    np.testing.assert_allclose(model.weights[-1], bias, atol=1e-8)
    forecast = model.predict(test.inputs)
    assert forecast.shape == (20, 5, 3) and forecast.dtype == np.float32
    np.testing.assert_allclose(forecast, test.targets, rtol=1e-5, atol=1e-5)


def test_linear_prediction_by_hand():
    """One window, one channel: the forecast is sum_l W[l, h] x[l] + b[h]."""
    model = LinearForecaster(ridge=0.0)
    model.weights = np.array([[1.0, 0.0], [0.0, 2.0], [0.5, 0.5]])  # L = 2, H = 2, last row the bias
    forecast = model.predict(np.array([[[3.0], [4.0]]]))
    np.testing.assert_array_equal(forecast, [[[3.0 + 0.5], [8.0 + 0.5]]])


def test_linear_chooses_the_ridge_on_validation():
    _, _, train, val, test = linear_problem(seed=1)
    model = LinearForecaster().fit(train, val)
    assert model.chosen_ridge == 0.0  # an exact linear map needs no penalty
    np.testing.assert_allclose(model.predict(test.inputs), test.targets, rtol=1e-5, atol=1e-5)


def test_linear_ridge_shrinks_the_weights():
    _, _, train, val, _ = linear_problem(seed=2)
    free = LinearForecaster(ridge=0.0).fit(train)
    shrunk = LinearForecaster(ridge=1.0).fit(train)
    assert shrunk.chosen_ridge == 1.0
    assert np.linalg.norm(shrunk.weights[:-1]) < 0.9 * np.linalg.norm(free.weights[:-1])


def test_linear_with_noise_picks_a_penalty_that_helps_validation():
    rng = np.random.default_rng(3)
    _, _, train, val, _ = linear_problem(n_windows=12, lookback=30, horizon=2, channels=1, seed=3)
    noisy = Windows(train.inputs, train.targets + rng.normal(scale=3.0, size=train.targets.shape))
    model = LinearForecaster().fit(noisy, val)
    assert model.chosen_ridge in LinearForecaster.RIDGE_GRID
    chosen = np.mean((model.predict(val.inputs) - val.targets) ** 2)
    for ridge in LinearForecaster.RIDGE_GRID:
        other = LinearForecaster(ridge=ridge).fit(noisy)
        assert chosen <= np.mean((other.predict(val.inputs) - val.targets) ** 2) + 1e-6


def test_linear_target_channels():
    weights, bias, train, val, test = linear_problem(channels=4, seed=4)
    picked = Windows(train.inputs, train.targets[:, :, [2]])
    model = LinearForecaster(ridge=0.0, target_channels=[2]).fit(picked)
    forecast = model.predict(test.inputs)
    assert forecast.shape == (20, 5, 1)
    np.testing.assert_allclose(forecast, test.targets[:, :, [2]], rtol=1e-5, atol=1e-5)


def test_linear_choosing_the_ridge_needs_validation():
    _, _, train, _, _ = linear_problem()
    with pytest.raises(ValueError, match="val"):
        LinearForecaster().fit(train)


def test_linear_predict_before_fit():
    with pytest.raises(RuntimeError, match="fit"):
        LinearForecaster(ridge=0.0).predict(TINY)


@pytest.mark.parametrize("ridge", [-1.0, float("nan"), float("inf"), "0.1"])
def test_linear_bad_ridge(ridge):
    with pytest.raises(ValueError, match="ridge"):
        LinearForecaster(ridge=ridge)


@pytest.mark.parametrize(
    "inputs, message",
    [
        (np.zeros((20, 8)), r"inputs: expected shape \(B, L, C\)"),
        (np.full((2, 8, 3), np.nan), "inputs: contains NaN"),
        (np.zeros((2, 7, 3)), "inputs: the model was fitted on 8 time steps, got 7"),
        (np.zeros((2, 9, 3)), "inputs: the model was fitted on 8 time steps, got 9"),
    ],
)
def test_linear_predict_bad_inputs(inputs, message):
    _, _, train, _, _ = linear_problem()
    model = LinearForecaster(ridge=0.0).fit(train)
    with pytest.raises(ValueError, match=message):
        model.predict(inputs)


def test_linear_fit_bad_windows():
    _, _, train, _, _ = linear_problem()
    with pytest.raises(ValueError, match="train"):
        LinearForecaster(ridge=0.0).fit(Windows(train.inputs, train.targets[:10]))
    with pytest.raises(ValueError, match="targets"):
        LinearForecaster(ridge=0.0).fit(Windows(train.inputs, train.targets[:, :, 0]))
    with pytest.raises(ValueError, match="inputs"):
        LinearForecaster(ridge=0.0).fit(Windows(train.inputs[:, :, 0], train.targets))


@pytest.mark.parametrize("channels", [[-1], [1.5], [True], []])
def test_target_channels_must_be_non_negative_integers(channels):
    for make in (lambda: RepeatLast(2, target_channels=channels),
                 lambda: SeasonalNaive(2, 2, target_channels=channels),
                 lambda: LinearForecaster(target_channels=channels)):
        with pytest.raises(ValueError, match="target_channels"):
            make()
