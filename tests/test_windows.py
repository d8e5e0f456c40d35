"""Tests of attention_book.windows: splits by time, standardisation on training rows, windows."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attention_book import windows
from attention_book.tasks import series_task
from attention_book.windows import (
    Standardizer,
    Windows,
    ett_borders,
    fraction_borders,
    window_arrays,
    window_dataset,
)

ETT_LENGTH = 17420


def reference_windows(values, lookback, horizon, start=0, end=None, channels=None):
    """Windows by plain slicing: window i reads rows start+i .. start+i+L+H-1."""
    end = len(values) if end is None else end
    count = end - start - lookback - horizon + 1
    inputs = np.stack([values[start + i:start + i + lookback] for i in range(count)])
    targets = np.stack([values[start + i + lookback:start + i + lookback + horizon] for i in range(count)])
    if channels is not None:
        targets = targets[:, :, channels]
    return inputs, targets


# ------------------------------------------------------------------------------------------------------ borders


def test_ett_borders_follow_the_standard_protocol():
    assert ett_borders(17420, 336) == {"train": (0, 8640), "val": (8304, 11520), "test": (11184, 14400)}
    assert ett_borders(14400, 96) == {"train": (0, 8640), "val": (8544, 11520), "test": (11424, 14400)}


@pytest.mark.parametrize(
    "n_rows, lookback, name",
    [(14399, 336, "n_rows"), (0, 336, "n_rows"), (-1, 336, "n_rows"), (17420, 0, "lookback"),
     (17420, 8640, "lookback"), (17420.0, 336, "n_rows"), (17420, True, "lookback")],
)
def test_ett_borders_bad_arguments(n_rows, lookback, name):
    with pytest.raises(ValueError, match=name):
        ett_borders(n_rows, lookback)


def test_fraction_borders_round_train_and_test_down_and_give_validation_the_rest():
    assert fraction_borders(1000, 24) == {"train": (0, 700), "val": (676, 800), "test": (776, 1000)}
    assert fraction_borders(1009, 10) == {"train": (0, 706), "val": (696, 808), "test": (798, 1009)}
    assert fraction_borders(100, 5, (0.5, 0.25, 0.25)) == {"train": (0, 50), "val": (45, 75), "test": (70, 100)}


@settings(max_examples=50, deadline=None, database=None)
@given(st.integers(50, 100_000), st.integers(1, 30))
def test_fraction_borders_property(n_rows, lookback):
    borders = fraction_borders(n_rows, lookback)
    (train_start, train_end), (val_start, val_end), (test_start, test_end) = (
        borders[s] for s in ("train", "val", "test")
    )
    assert train_start == 0 and test_end == n_rows
    assert val_start == train_end - lookback and test_start == val_end - lookback  # look back L rows only
    assert train_end == int(n_rows * 0.7) and n_rows - val_end == int(n_rows * 0.2)


@pytest.mark.parametrize(
    "args, name",
    [
        ((1000, 24, (0.5, 0.5, 0.1)), "fractions"),
        ((1000, 24, (0.7, 0.3)), "fractions"),
        ((1000, 24, (1.0, 0.0, 0.0)), "fractions"),
        ((1000, 700), "lookback"),
        ((1000, 0), "lookback"),
        ((0, 10), "n_rows"),
    ],
)
def test_fraction_borders_bad_arguments(args, name):
    with pytest.raises(ValueError, match=name):
        fraction_borders(*args)


# ------------------------------------------------------------------------------------------------- standardizer


def test_standardizer_statistics_come_only_from_the_rows_it_is_fitted_on():
    rng = np.random.default_rng(0)
    values = rng.normal(3.0, 2.0, (500, 4))
    fitted = Standardizer().fit(values[:300])
    np.testing.assert_allclose(fitted.mean, values[:300].mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(fitted.std, values[:300].std(axis=0), rtol=1e-12)
    assert fitted.mean.dtype == np.float64 and fitted.std.dtype == np.float64

    changed = values.copy()
    changed[300:] = changed[300:] * 1000 + 1e6  # wild validation and test rows
    refitted = Standardizer().fit(changed[:300])
    np.testing.assert_array_equal(refitted.mean, fitted.mean)
    np.testing.assert_array_equal(refitted.std, fitted.std)
    np.testing.assert_array_equal(refitted.transform(values[:300]), fitted.transform(values[:300]))


def test_series_task_fits_the_standardizer_on_training_rows_only():
    rng = np.random.default_rng(1)
    values = rng.normal(0.0, 1.0, (ETT_LENGTH, 3)).astype(np.float32)
    borders = ett_borders(ETT_LENGTH, 24)
    task = series_task("noise", values, ("a", "b", "c"), 24, 12, borders, season=24)
    np.testing.assert_allclose(task.standardizer.mean, values[:8640].mean(axis=0, dtype=np.float64), rtol=1e-6)

    wild = values.copy()
    wild[8640:] = wild[8640:] * 50 + 100  # everything after the train border changes
    wild_task = series_task("noise", wild, ("a", "b", "c"), 24, 12, borders, season=24)
    np.testing.assert_array_equal(wild_task.standardizer.mean, task.standardizer.mean)
    np.testing.assert_array_equal(wild_task.standardizer.std, task.standardizer.std)
    np.testing.assert_array_equal(wild_task.train.inputs, task.train.inputs)
    np.testing.assert_array_equal(wild_task.train.targets, task.train.targets)
    # and the validation windows are the wild rows scaled with the training statistics
    expected = (wild[8640:8640 + 12].astype(np.float64) - task.standardizer.mean) / task.standardizer.std
    np.testing.assert_allclose(wild_task.val.targets[0], expected, rtol=1e-5)  # first val target: row 8640


def test_standardizer_round_trip_and_unit_scale():
    rng = np.random.default_rng(2)
    values = rng.normal([1.0, -50.0, 1e3], [0.1, 5.0, 300.0], (400, 3))
    scaler = Standardizer().fit(values)
    scaled = scaler.transform(values)
    assert scaled.dtype == np.float32
    np.testing.assert_allclose(scaled.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(scaled.std(axis=0), 1.0, rtol=1e-5)
    np.testing.assert_allclose(scaler.inverse_transform(scaled), values, rtol=1e-5, atol=1e-4)
    # any leading shape works: (N, L, C) windows
    windows = values[:60].reshape(4, 15, 3)
    np.testing.assert_allclose(scaler.transform(windows), scaled[:60].reshape(4, 15, 3), rtol=1e-6)


def test_standardizer_rejects_a_constant_channel():
    values = np.random.default_rng(3).normal(size=(50, 3))
    values[:, 1] = 7.0
    with pytest.raises(ValueError, match=r"values: channel\(s\) \[1\] are constant"):
        Standardizer().fit(values)


@pytest.mark.parametrize(
    "values",
    [np.array([[1.0, np.nan], [2.0, 3.0]]), np.array([[1.0, 2.0], [np.inf, 3.0]]), np.arange(5.0),
     np.array([["a", "b"], ["c", "d"]])],
)
def test_standardizer_fit_rejects_bad_values(values):
    with pytest.raises(ValueError, match="values"):
        Standardizer().fit(values)


def test_standardizer_transform_checks_its_input():
    scaler = Standardizer().fit(np.random.default_rng(4).normal(size=(20, 3)))
    with pytest.raises(ValueError, match="values: expected a last axis of 3 channels"):
        scaler.transform(np.zeros((5, 2)))
    with pytest.raises(ValueError, match="values"):
        scaler.inverse_transform(np.zeros((5, 4)))
    with pytest.raises(ValueError, match="values: contains NaN"):
        scaler.transform(np.array([[0.0, np.nan, 1.0]]))


def test_standardizer_needs_fit_first():
    with pytest.raises(RuntimeError, match="fit"):
        Standardizer().transform(np.zeros((3, 2)))
    with pytest.raises(RuntimeError, match="fit"):
        Standardizer().inverse_transform(np.zeros((3, 2)))


# ------------------------------------------------------------------------------------------------------ windows


def test_window_arrays_equal_plain_slicing():
    values = np.arange(40 * 3, dtype=np.float32).reshape(40, 3)
    windows = window_arrays(values, 5, 3)
    inputs, targets = reference_windows(values, 5, 3)
    assert windows.inputs.shape == (40 - 5 - 3 + 1, 5, 3)
    assert windows.targets.shape == (33, 3, 3)
    np.testing.assert_array_equal(windows.inputs, inputs)
    np.testing.assert_array_equal(windows.targets, targets)
    # window i: inputs rows i..i+L-1, targets rows i+L..i+L+H-1
    i = 17
    np.testing.assert_array_equal(windows.inputs[i], values[i:i + 5])
    np.testing.assert_array_equal(windows.targets[i], values[i + 5:i + 8])


@settings(max_examples=25, deadline=None, database=None)
@given(
    st.integers(1, 12), st.integers(1, 6), st.integers(0, 10), st.integers(0, 10),
    st.lists(st.integers(0, 3), min_size=1, max_size=4) | st.none(),
)
def test_window_arrays_property_any_range(lookback, horizon, start, trim, channels):
    n_rows = start + lookback + horizon + 15 + trim
    end = n_rows - trim
    values = np.arange(n_rows * 4, dtype=np.float32).reshape(n_rows, 4)
    windows = window_arrays(values, lookback, horizon, start=start, end=end, target_channels=channels)
    inputs, targets = reference_windows(values, lookback, horizon, start, end, channels)
    assert len(windows.inputs) == end - start - lookback - horizon + 1
    np.testing.assert_array_equal(windows.inputs, inputs)
    np.testing.assert_array_equal(windows.targets, targets)


def test_target_channels_pick_channels_in_the_given_order():
    values = np.arange(30 * 4, dtype=np.float32).reshape(30, 4)
    windows = window_arrays(values, 6, 2, target_channels=[3, 1])
    assert windows.inputs.shape == (23, 6, 4)  # inputs keep every channel
    assert windows.targets.shape == (23, 2, 2)
    np.testing.assert_array_equal(windows.targets, reference_windows(values, 6, 2, channels=[3, 1])[1])
    single = window_arrays(values, 6, 2, target_channels=2)  # one index, not a list
    assert single.targets.shape == (23, 2, 1)
    np.testing.assert_array_equal(single.targets, reference_windows(values, 6, 2, channels=[2])[1])


def test_window_dataset_batches():
    import tensorflow as tf

    values = np.arange(100 * 2, dtype=np.float64).reshape(100, 2)
    dataset = window_dataset(values, 10, 4, batch_size=32)
    assert isinstance(dataset, tf.data.Dataset)
    shapes = [(x.shape, y.shape) for x, y in dataset.as_numpy_iterator()]
    assert [s[0][0] for s in shapes] == [32, 32, 23]  # 87 windows
    x, y = next(iter(dataset))
    assert x.dtype == tf.float32 and y.dtype == tf.float32
    # shuffled with a seed: the same windows, in another order, reproducibly
    first = np.concatenate([x for x, _ in window_dataset(values, 10, 4, shuffle=True, seed=1).as_numpy_iterator()])
    again = np.concatenate([x for x, _ in window_dataset(values, 10, 4, shuffle=True, seed=1).as_numpy_iterator()])
    np.testing.assert_array_equal(first, again)
    ordered = window_arrays(values, 10, 4).inputs
    assert not np.array_equal(first, ordered)
    np.testing.assert_array_equal(np.sort(first[:, 0, 0]), ordered[:, 0, 0])


def test_targets_never_leave_their_split_on_the_ett_borders():
    """Windows of a series of row numbers show which rows every split reads."""
    lookback, horizon = 336, 96
    rows = np.arange(ETT_LENGTH, dtype=np.float32).reshape(-1, 1)
    borders = ett_borders(ETT_LENGTH, lookback)
    first_target = {"train": lookback, "val": 8640, "test": 11520}
    expected_count = {"train": 8209, "val": 2785, "test": 2785}
    for split, (start, end) in borders.items():
        windows = window_arrays(rows, lookback, horizon, start=start, end=end)
        assert len(windows.inputs) == expected_count[split] == end - start - lookback - horizon + 1
        assert windows.targets.min() == first_target[split]  # the first target is the split's first row
        assert windows.targets.max() == end - 1  # the last one is its last row; nothing beyond
        assert windows.inputs.min() == start
        # inside each window, the inputs are the L rows right before the targets
        np.testing.assert_array_equal(windows.inputs[:, -1, 0] + 1, windows.targets[:, 0, 0])
        np.testing.assert_array_equal(np.diff(windows.targets[:, :, 0], axis=1), 1)
    assert borders["test"][1] == 14400  # rows 14400.. are never read


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(values=np.arange(50.0)), "values"),
        (dict(values=np.zeros((2, 50, 3))), "values"),
        (dict(values=np.full((50, 2), np.nan)), "values"),
        (dict(values=np.array([["a", "b"]] * 50)), "values"),
        (dict(start=-1), "start"),
        (dict(end=51), "end"),
        (dict(start=30, end=20), "start"),
        (dict(start=40), "lookback, horizon"),
        (dict(lookback=40, horizon=11), "lookback, horizon"),
        (dict(lookback=0), "lookback"),
        (dict(horizon=0), "horizon"),
        (dict(lookback=2.0), "lookback"),
        (dict(target_channels=[2]), "target_channels"),
        (dict(target_channels=[-1]), "target_channels"),
        (dict(target_channels=[]), "target_channels"),
    ],
)
def test_window_bad_inputs(kwargs, name):
    arguments = {"values": np.ones((50, 2)), "lookback": 10, "horizon": 5, **kwargs}
    values, lookback, horizon = arguments.pop("values"), arguments.pop("lookback"), arguments.pop("horizon")
    with pytest.raises(ValueError, match=name):
        window_arrays(values, lookback, horizon, **arguments)
    with pytest.raises(ValueError, match=name):
        window_dataset(values, lookback, horizon, **arguments)


def test_exactly_one_window():
    values = np.arange(15.0).reshape(15, 1)
    windows = window_arrays(values, 10, 5)
    assert windows.inputs.shape == (1, 10, 1) and windows.targets.shape == (1, 5, 1)


def test_own_rows_start_where_each_split_stops_borrowing_history():
    borders = windows.ett_borders(17420, 336)
    assert windows.own_rows(borders, 336) == {"train": (0, 8640), "val": (8640, 11520), "test": (11520, 14400)}


@pytest.mark.parametrize(
    "borders, lookback, match",
    [({"train": (0, 10)}, 2, "borders"), ({"train": (0, 9), "val": (7, 12), "test": (10, 15)}, 0, "lookback")],
)
def test_own_rows_bad_arguments(borders, lookback, match):
    with pytest.raises(ValueError, match=match):
        windows.own_rows(borders, lookback)


def test_every_keeps_every_step_th_window_from_the_first_and_rejects_a_bad_step():
    inputs = np.arange(10 * 3 * 2, dtype=float).reshape(10, 3, 2)
    targets = np.arange(10 * 4 * 1, dtype=float).reshape(10, 4, 1)
    windows = Windows(inputs, targets)
    third = windows.every(3)
    assert isinstance(third, Windows)
    np.testing.assert_array_equal(third.inputs, inputs[[0, 3, 6, 9]])
    np.testing.assert_array_equal(third.targets, targets[[0, 3, 6, 9]])
    assert windows.every(1).inputs.shape == inputs.shape
    for bad in (0, -2, 1.5):
        with pytest.raises((ValueError, TypeError), match="step"):
            windows.every(bad)
