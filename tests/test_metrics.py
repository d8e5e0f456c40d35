"""Tests of attention_book.metrics: MSE and MAE over every window, step and channel."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from attention_book.metrics import mae, mse


def test_by_hand():
    predictions = np.array([[1.0, 2.0], [3.0, 4.0]])
    targets = np.array([[1.0, 0.0], [5.0, 5.0]])
    assert mse(predictions, targets) == pytest.approx((0 + 4 + 4 + 1) / 4)
    assert mae(predictions, targets) == pytest.approx((0 + 2 + 2 + 1) / 4)


def test_against_numpy_on_windows():
    rng = np.random.default_rng(0)
    predictions = rng.normal(size=(50, 96, 7)).astype(np.float32)
    targets = rng.normal(size=(50, 96, 7)).astype(np.float32)
    difference = predictions.astype(np.float64) - targets.astype(np.float64)
    assert mse(predictions, targets) == pytest.approx(np.mean(difference**2), rel=1e-12)
    assert mae(predictions, targets) == pytest.approx(np.mean(np.abs(difference)), rel=1e-12)
    assert isinstance(mse(predictions, targets), float) and isinstance(mae(predictions, targets), float)


def test_perfect_forecast_scores_zero_and_lists_work():
    assert mse([[1.0, 2.0]], [[1.0, 2.0]]) == 0.0
    assert mae([1.0], [1.0]) == 0.0


finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


@settings(max_examples=50, deadline=None, database=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5), elements=finite), st.data())
def test_properties(predictions, data):
    targets = data.draw(hnp.arrays(np.float64, predictions.shape, elements=finite))
    squared, absolute = mse(predictions, targets), mae(predictions, targets)
    assert squared >= 0 and absolute >= 0
    assert squared == pytest.approx(mse(targets, predictions))  # symmetric
    assert absolute <= np.sqrt(squared) * (1 + 1e-9) + 1e-12  # mean |e| <= sqrt(mean e^2)
    assert squared == pytest.approx(np.mean((predictions - targets) ** 2), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("metric", [mse, mae])
@pytest.mark.parametrize(
    "predictions, targets, message",
    [
        (np.zeros((2, 3)), np.zeros((3, 2)), r"predictions: expected the shape of targets \(3, 2\), got \(2, 3\)"),
        (np.zeros((2, 96, 7)), np.zeros((2, 96, 1)), "predictions: expected the shape of targets"),
        (np.zeros((4,)), np.zeros((4, 1)), "predictions: expected the shape of targets"),  # no broadcasting
        (np.zeros((0, 3)), np.zeros((0, 3)), "predictions: expected at least one value"),
        (np.array([1.0, np.nan]), np.zeros(2), "predictions: contains NaN"),
        (np.zeros(2), np.array([np.inf, 1.0]), "targets: contains NaN or infinity"),
    ],
)
def test_bad_input(metric, predictions, targets, message):
    with pytest.raises(ValueError, match=message):
        metric(predictions, targets)
