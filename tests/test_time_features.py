"""Tests of attention_book.time_features: calendar features and their rotation into the future."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attention_book.time_features import CALENDAR_CHANNELS, advance, calendar_features

HOUR = np.timedelta64(1, "h")


def test_known_hours_land_on_the_expected_angles():
    stamps = np.array(["2024-01-01T00", "2024-01-01T06", "2024-01-07T18", "2016-07-01T00"], dtype="datetime64[h]")
    features = calendar_features(stamps)
    assert features.shape == (4, len(CALENDAR_CHANNELS)) and features.dtype == np.float32
    # 2024-01-01 was a Monday: hour of week 0; 06:00 is a quarter turn of the day
    np.testing.assert_allclose(features[0], [0, 1, 0, 1], atol=1e-6)
    np.testing.assert_allclose(features[1], [1, 0, np.sin(2 * np.pi * 6 / 168), np.cos(2 * np.pi * 6 / 168)],
                               atol=1e-6)
    # Sunday 18:00 is hour 6 * 24 + 18 = 162 of the week; 2016-07-01 was a Friday, hour 96
    np.testing.assert_allclose(features[2, 2:], [np.sin(2 * np.pi * 162 / 168), np.cos(2 * np.pi * 162 / 168)],
                               atol=1e-6)
    np.testing.assert_allclose(features[3, 2:], [np.sin(2 * np.pi * 96 / 168), np.cos(2 * np.pi * 96 / 168)],
                               atol=1e-6)


def test_features_repeat_with_their_periods_and_stay_on_the_unit_circles():
    stamps = np.datetime64("2016-07-01T00", "h") + np.arange(400) * HOUR
    features = calendar_features(stamps)
    np.testing.assert_allclose(features[24:, :2], features[:-24, :2], atol=1e-5)
    np.testing.assert_allclose(features[168:], features[:-168], atol=1e-5)
    assert np.abs(features[1:25, 2:] - features[:24, 2:]).max() > 0.01  # the week turns slowly, but it turns
    np.testing.assert_allclose(features[:, 0] ** 2 + features[:, 1] ** 2, 1.0, atol=1e-5)
    np.testing.assert_allclose(features[:, 2] ** 2 + features[:, 3] ** 2, 1.0, atol=1e-5)


@settings(max_examples=30, deadline=None)
@given(start=st.integers(0, 24 * 365 * 20), horizon=st.integers(1, 200))
def test_advancing_the_last_hour_gives_the_features_of_the_next_hours(start, horizon):
    stamps = np.datetime64("2000-01-01T00", "h") + (start + np.arange(horizon + 1)) * HOUR
    features = calendar_features(stamps)
    future = np.asarray(advance(features[None, 0], horizon))
    assert future.shape == (1, horizon, 4)
    np.testing.assert_allclose(future[0], features[1:], atol=1e-4)


def test_seconds_within_the_hour_do_not_matter():
    stamps = np.array(["2024-03-05T13:00:00", "2024-03-05T13:59:59"], dtype="datetime64[s]")
    features = calendar_features(stamps)
    np.testing.assert_array_equal(features[0], features[1])


@pytest.mark.parametrize("timestamps,message", [
    (np.arange(5), "timestamps: expected a 1-d array of datetime64, got int64 of shape (5,)"),
    (np.array([["2024-01-01"]], dtype="datetime64[D]"), "timestamps: expected a 1-d array of datetime64, got "
                                                          "datetime64[D] of shape (1, 1)"),
])
def test_bad_timestamps_raise_one_clear_error(timestamps, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
                       .replace("]", r"\]")):
        calendar_features(timestamps)


@pytest.mark.parametrize("features,horizon,message", [
    (np.zeros((2, 3)), 4, r"features: expected shape \(B, 4\) in the order .*, got shape \(2, 3\)"),
    (np.zeros((4,)), 4, r"features: expected shape \(B, 4\)"),
    (np.zeros((2, 4)), 0, "horizon: expected an integer >= 1, got 0"),
])
def test_bad_advance_arguments_raise_one_clear_error(features, horizon, message):
    with pytest.raises(ValueError, match=message):
        advance(features, horizon)
