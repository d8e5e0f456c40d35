"""Tests of attention_book.synthetic: the tasks whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attention_book.synthetic import driven_channels, lag_retrieval, seasonal_mix

# ------------------------------------------------------------------------------------------------ lag retrieval


def test_lag_retrieval_shapes_and_dtypes():
    task = lag_retrieval(50, 30, n_marked=2, n_distractors=3, seed=1)
    assert task.inputs.shape == (50, 30, 5)
    assert task.inputs.dtype == np.float32
    assert task.targets.shape == (50, 1, 1)
    assert task.targets.dtype == np.float32
    assert task.positions.shape == (50, 2)
    assert np.issubdtype(task.positions.dtype, np.integer)
    assert task.channels == ("signal", "marker", "distractor1", "distractor2", "distractor3")


def test_lag_retrieval_without_distractors_has_two_channels():
    task = lag_retrieval(4, 10, n_marked=1, n_distractors=0)
    assert task.inputs.shape == (4, 10, 2)
    assert task.channels == ("signal", "marker")
    assert task.positions.shape == (4, 1)


def test_lag_retrieval_same_seed_same_windows_other_seed_other_windows():
    first, again, other = (lag_retrieval(20, 40, seed=s) for s in (7, 7, 8))
    for a, b in zip(first[:3], again[:3], strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first.inputs, other.inputs)
    assert not np.array_equal(first.positions, other.positions)
    assert not np.array_equal(first.targets, other.targets)


def _check_lag_retrieval(task, length, n_marked, min_lag, max_lag):
    """Every promise of the docstring, recomputed independently window by window."""
    n_windows = task.inputs.shape[0]
    assert task.positions.shape == (n_windows, n_marked)
    for i in range(n_windows):
        marked = task.positions[i]
        # sorted, distinct, within [T - max_lag, T - min_lag]
        assert list(marked) == sorted(set(int(p) for p in marked))
        assert all(length - max_lag <= p <= length - min_lag for p in marked)
        # the marker is 1 exactly at the marked steps and 0 everywhere else
        expected_marker = np.zeros(length, dtype=np.float32)
        expected_marker[marked] = 1.0
        np.testing.assert_array_equal(task.inputs[i, :, 1], expected_marker)
        # the target is the mean of the signal at the marked steps
        expected_target = sum(float(task.inputs[i, p, 0]) for p in marked) / n_marked
        np.testing.assert_allclose(task.targets[i, 0, 0], expected_target, rtol=1e-6, atol=1e-6)


def test_lag_retrieval_targets_markers_and_positions():
    task = lag_retrieval(200, 25, n_marked=2, min_lag=3, max_lag=17, seed=3)
    _check_lag_retrieval(task, 25, 2, 3, 17)


def test_lag_retrieval_default_max_lag_is_the_whole_window():
    task = lag_retrieval(3000, 12, n_marked=1, seed=0)
    _check_lag_retrieval(task, 12, 1, 1, 12)
    # every allowed position is used: the marks are spread over the whole window, not a corner of it
    assert set(task.positions.ravel().tolist()) == set(range(12))


def test_lag_retrieval_the_signal_is_random_noise():
    task = lag_retrieval(400, 50, seed=2)
    assert abs(float(task.inputs[..., 0].mean())) < 0.05
    assert abs(float(task.inputs[..., 0].std()) - 1.0) < 0.05
    # distractors are never marked and are not the signal
    assert not np.array_equal(task.inputs[..., 2], task.inputs[..., 0])


@st.composite
def lag_settings(draw):
    length = draw(st.integers(2, 40))
    n_marked = draw(st.integers(1, 2))
    min_lag = draw(st.integers(1, length - n_marked + 1))
    max_lag = draw(st.integers(min_lag + n_marked - 1, length))
    return length, n_marked, min_lag, max_lag


@settings(max_examples=60, deadline=None, database=None)
@given(lag_settings(), st.integers(0, 2**32 - 1))
def test_lag_retrieval_property_any_valid_setting(setting, seed):
    length, n_marked, min_lag, max_lag = setting
    task = lag_retrieval(6, length, n_marked=n_marked, n_distractors=1, min_lag=min_lag, max_lag=max_lag, seed=seed)
    assert task.inputs.shape == (6, length, 3)
    assert task.targets.shape == (6, 1, 1)
    _check_lag_retrieval(task, length, n_marked, min_lag, max_lag)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(n_marked=3), "n_marked"),
        (dict(n_marked=0), "n_marked"),
        (dict(max_lag=31), "max_lag"),
        (dict(min_lag=10, max_lag=5), "min_lag"),
        (dict(min_lag=0), "min_lag"),
        (dict(min_lag=5, max_lag=5, n_marked=2), "max_lag"),  # no room for two distinct marks
        (dict(length=1), "length"),
        (dict(length=2.5), "length"),
        (dict(n_windows=0), "n_windows"),
        (dict(n_windows=True), "n_windows"),
        (dict(length=True), "length"),
        (dict(n_distractors=-1), "n_distractors"),
        (dict(n_marked=True), "n_marked"),
    ],
)
def test_lag_retrieval_bad_arguments(kwargs, name):
    arguments = {"n_windows": 4, "length": 30, **kwargs}
    with pytest.raises(ValueError, match=name):
        lag_retrieval(**arguments)


# ------------------------------------------------------------------------------------------------ seasonal mix


def test_seasonal_mix_shapes_names_and_delays():
    mix = seasonal_mix(1000, 5, max_delay=6, seed=4)
    assert mix.values.shape == (1000, 5)
    assert mix.values.dtype == np.float32
    assert mix.channels == ("mix1", "mix2", "mix3", "mix4", "mix5")
    assert mix.periods == (24, 168)
    assert mix.delays.shape == (5,)
    assert mix.delays[0] == 0
    assert np.all((mix.delays[1:] >= 1) & (mix.delays[1:] <= 6))
    assert mix.noise == 0.3


def test_seasonal_mix_delays_cover_their_range():
    delays = np.concatenate([seasonal_mix(336, 8, max_delay=3, seed=s).delays[1:] for s in range(10)])
    assert set(delays.tolist()) == {1, 2, 3}


def test_seasonal_mix_max_delay_zero_means_no_delay():
    assert np.array_equal(seasonal_mix(400, 3, max_delay=0).delays, [0, 0, 0])


def test_seasonal_mix_is_reproducible_and_seed_dependent():
    a, b, c = seasonal_mix(500, seed=1), seasonal_mix(500, seed=1), seasonal_mix(500, seed=2)
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.delays, b.delays)
    assert not np.array_equal(a.values, c.values)


def test_seasonal_mix_without_noise_repeats_every_week():
    values = seasonal_mix(24 * 7 * 6, 4, noise=0.0, seed=5).values
    np.testing.assert_allclose(values[168:], values[:-168], atol=1e-5)
    # ... but not every day: the weekly part breaks a 24-hour period
    assert np.max(np.abs(values[24:] - values[:-24])) > 0.5


def test_seasonal_mix_channels_are_the_shared_pattern_delayed():
    """Undo each channel's delay: then all channels are mixtures of the same two profiles (rank 2)."""
    mix = seasonal_mix(24 * 7 * 8, 5, noise=0.0, max_delay=12, seed=6)
    assert len(set(mix.delays.tolist())) > 2  # the check below needs channels with different delays
    keep = len(mix.values) - mix.delays.max()
    aligned = np.stack([mix.values[d:d + keep, c] for c, d in enumerate(mix.delays)], axis=1).astype(np.float64)
    singular = np.linalg.svd(aligned, compute_uv=False)
    assert singular[2] / singular[0] < 1e-5
    # without undoing the delays the channels are not in one 2-dimensional span
    misaligned = mix.values[:keep].astype(np.float64)
    assert np.linalg.svd(misaligned, compute_uv=False)[2] / singular[0] > 1e-2


def test_seasonal_mix_noise_is_its_standard_deviation():
    clean = seasonal_mix(24 * 365, 3, noise=0.0, seed=9).values
    noisy = seasonal_mix(24 * 365, 3, noise=0.3, seed=9).values
    assert abs(float((noisy - clean).std()) - 0.3) < 0.01


def _autocorrelation(series: np.ndarray, lag: int) -> float:
    return float(np.corrcoef(series[lag:], series[:-lag])[0, 1])


def test_seasonal_mix_weekly_lag_beats_half_a_week():
    mix = seasonal_mix(seed=0)  # the default: a year of hours, with noise
    for c in range(mix.values.shape[1]):
        series = mix.values[:, c]
        assert _autocorrelation(series, 168) > _autocorrelation(series, 84) + 0.2
        assert _autocorrelation(series, 168) > _autocorrelation(series, 24)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(n_steps=335), "n_steps"),
        (dict(n_steps=1000.0), "n_steps"),
        (dict(n_channels=0), "n_channels"),
        (dict(noise=-0.1), "noise"),
        (dict(noise=float("nan")), "noise"),
        (dict(noise="0.3"), "noise"),
        (dict(max_delay=-1), "max_delay"),
        (dict(max_delay=True), "max_delay"),
    ],
)
def test_seasonal_mix_bad_arguments(kwargs, name):
    arguments = {"n_steps": 400, **kwargs}
    with pytest.raises(ValueError, match=name):
        seasonal_mix(**arguments)


def test_drift_zero_leaves_the_mixture_unchanged():
    np.testing.assert_array_equal(seasonal_mix(800, 3, seed=5).values, seasonal_mix(800, 3, drift=0.0, seed=5).values)


def test_drift_makes_each_hour_follow_an_ar1_process_across_days():
    from attention_book.synthetic import DRIFT_PERSISTENCE

    base = seasonal_mix(24 * 3000, 1, noise=0.0, max_delay=0, seed=2)
    drifted = seasonal_mix(24 * 3000, 1, noise=0.0, max_delay=0, drift=1.0, seed=2)
    assert drifted.drift == 1.0
    departures = ((drifted.values - base.values)[:, 0]).reshape(3000, 24)  # (days, hours)
    one_day = np.corrcoef(departures[1:].ravel(), departures[:-1].ravel())[0, 1]
    two_days = np.corrcoef(departures[2:].ravel(), departures[:-2].ravel())[0, 1]
    next_hour = np.corrcoef(departures[:, 1:].ravel(), departures[:, :-1].ravel())[0, 1]
    assert abs(one_day - DRIFT_PERSISTENCE) < 0.05
    assert abs(two_days - DRIFT_PERSISTENCE**2) < 0.05
    assert abs(next_hour) < 0.05  # the hours of one day depart independently
    mix_weight = departures.std() / 1.0
    assert 0.3 < mix_weight < 1.6  # the departures have the mixing weight's size (drift 1 times a weight in 0.5..1.5)


@pytest.mark.parametrize("drift", [-0.5, float("nan"), True, "1"])
def test_bad_drift_raises(drift):
    with pytest.raises(ValueError, match="drift: expected a finite number >= 0"):
        seasonal_mix(400, 2, drift=drift)


def test_entity_tracking_targets_are_the_last_value_of_the_queried_entity():
    from attention_book.synthetic import entity_tracking

    task = entity_tracking(200, 30, n_entities=3, event_rate=0.4, seed=1)
    assert task.inputs.shape == (200, 30, 9) and task.targets.shape == (200, 1, 1)
    assert not task.events[:, -1].any()  # the last step only asks
    np.testing.assert_array_equal(task.inputs[:, -1, 6:].argmax(axis=1), task.query)
    assert np.all(task.events.sum(axis=2) <= 1)  # at most one entity changes per step
    for n in range(200):
        steps = np.flatnonzero(task.events[n, :, task.query[n]])
        expected = task.inputs[n, steps[-1], 3 + task.query[n]] if steps.size else 0.0
        assert task.targets[n, 0, 0] == expected


def test_entity_tracking_rejects_bad_settings():
    from attention_book.synthetic import entity_tracking

    with pytest.raises(ValueError, match="event_rate: expected a number in \\(0, 1\\], got 0"):
        entity_tracking(10, 20, event_rate=0)
    with pytest.raises(ValueError, match="n_entities: expected an integer >= 1, got 0"):
        entity_tracking(10, 20, n_entities=0)


# --------------------------------------------------------------------------------------------- driven channels


def test_driven_channels_shapes_names_and_truth():
    series = driven_channels(2000, 5, delay=10, seed=3)
    assert series.values.shape == (2000, 5) and series.values.dtype == np.float32
    assert series.channels == ("x1", "x2", "x3", "x4", "x5")
    assert (series.driver, series.driven, series.delay) == (0, 1, 10)
    again = driven_channels(2000, 5, delay=10, seed=3)
    np.testing.assert_array_equal(again.values, series.values)
    assert not np.array_equal(driven_channels(2000, 5, delay=10, seed=4).values, series.values)


def test_the_driven_channel_is_the_driver_delayed_and_scaled_plus_noise():
    series = driven_channels(20_000, 4, delay=36, scale=0.8, noise=0.2, seed=0)
    x, d = series.values.astype(np.float64), 36
    residual = x[d:, 1] - 0.8 * x[:-d, 0]
    assert abs(residual.std() - 0.2) < 0.01 and abs(residual.mean()) < 0.01


def test_the_other_channels_are_unit_variance_ar1_and_unrelated():
    series = driven_channels(50_000, 4, persistence=0.7, seed=1)
    x = series.values.astype(np.float64)
    for c in (0, 2, 3):
        assert abs(x[:, c].std() - 1) < 0.05
        assert abs(np.corrcoef(x[1:, c], x[:-1, c])[0, 1] - 0.7) < 0.02
    correlations = np.corrcoef(x.T)
    for a, b in ((0, 2), (0, 3), (2, 3), (1, 2), (1, 3)):
        assert abs(correlations[a, b]) < 0.05
    # at lag zero the driven channel hardly tells anything about the driver: 0.7^36 is 3e-6
    assert abs(correlations[0, 1]) < 0.05


@pytest.mark.parametrize("kwargs, name", [
    ({"n_channels": 1}, "n_channels"), ({"delay": 0}, "delay"), ({"n_steps": 10, "delay": 10}, "delay"),
    ({"persistence": 1.0}, "persistence"), ({"noise": -0.1}, "noise"), ({"scale": float("nan")}, "scale"),
])
def test_driven_channels_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}: expected"):
        driven_channels(**kwargs)
