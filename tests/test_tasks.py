"""Tests of attention_book.tasks: a data name turned into train, validation and test windows."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DATA_ENV

from attention_book.data import DataError, load_ett
from attention_book.tasks import LAG_RETRIEVAL_SIZES, Task, make_task
from attention_book.windows import Standardizer

CHANNELS = ("HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT")


# ------------------------------------------------------------------------------------------------------- ETTh1


def test_etth1_window_counts_and_shapes(etth1_task):
    task = etth1_task
    assert isinstance(task, Task)
    assert (task.name, task.lookback, task.horizon, task.season) == ("ETTh1", 336, 96, 24)
    assert task.channels == CHANNELS
    assert task.target_channels == tuple(range(7))
    for split, count in (("train", 8209), ("val", 2785), ("test", 2785)):
        windows = getattr(task, split)
        assert windows.inputs.shape == (count, 336, 7), split
        assert windows.targets.shape == (count, 96, 7), split
        assert windows.inputs.dtype == np.float32 and windows.targets.dtype == np.float32


def test_etth1_is_standardised_with_the_first_8640_rows(etth1_task, ett_folder, monkeypatch):
    monkeypatch.setenv(DATA_ENV, str(ett_folder))
    raw = load_ett("ETTh1").values.astype(np.float64)
    mean, std = raw[:8640].mean(axis=0), raw[:8640].std(axis=0)
    scaler = etth1_task.standardizer
    assert isinstance(scaler, Standardizer)
    np.testing.assert_allclose(scaler.mean, mean, rtol=1e-6)
    np.testing.assert_allclose(scaler.std, std, rtol=1e-6)
    assert not np.allclose(scaler.mean, raw[:14400].mean(axis=0), rtol=1e-3)  # not the statistics of all rows

    scaled = (raw - mean) / std
    test = etth1_task.test
    # the first test window reads rows 11184..11519 and forecasts 11520..11615; the last forecasts ..14399
    np.testing.assert_allclose(test.inputs[0], scaled[11184:11520], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(test.targets[0], scaled[11520:11616], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(test.targets[-1], scaled[14304:14400], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(etth1_task.val.targets[0], scaled[8640:8736], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(etth1_task.train.inputs[0], scaled[:336], rtol=1e-5, atol=1e-5)
    # the training windows cover rows 0..8639 exactly, and those rows have mean 0 and std 1 per channel
    train = etth1_task.train
    train_rows = np.concatenate([train.inputs[:, 0], train.inputs[-1, 1:], train.targets[-1]]).astype(np.float64)
    assert train_rows.shape == (8640, 7)
    np.testing.assert_allclose(train_rows.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(train_rows.std(axis=0), 1.0, rtol=1e-5)


def test_etth1_lookback_too_long_for_the_training_split(ett_folder, monkeypatch):
    monkeypatch.setenv(DATA_ENV, str(ett_folder))
    with pytest.raises(ValueError, match="lookback"):
        make_task("ETTh1", 8640, 96)


# ------------------------------------------------------------------------------------------------ CSV by path


def test_a_short_csv_is_too_short_for_the_ett_split(small_csv):
    path = small_csv(500)
    with pytest.raises(DataError, match="too short") as caught:
        make_task(path, 24, 12)
    assert "14400" in str(caught.value)


def test_a_csv_path_with_enough_rows_follows_the_ett_protocol(small_csv):
    path = small_csv(14400, name="station.csv")
    task = make_task(str(path), 48, 24)
    assert task.name == "station.csv"
    assert task.channels == CHANNELS
    assert task.train.inputs.shape == (8640 - 48 - 24 + 1, 48, 7)
    assert task.val.inputs.shape == (2880 - 24 + 1, 48, 7)
    assert task.test.targets.shape == (2880 - 24 + 1, 24, 7)
    values = load_ett(path).values.astype(np.float64)
    np.testing.assert_allclose(task.standardizer.mean, values[:8640].mean(axis=0), rtol=1e-6)


def test_a_bad_csv_path_is_a_data_error(small_csv):
    path = small_csv(100, edit=lambda rows: [row[:-1] for row in rows])  # no OT column
    with pytest.raises(DataError, match="OT"):
        make_task(path, 24, 12)


# ------------------------------------------------------------------------------------------------- synthetic


def test_lag_retrieval_task():
    task = make_task("lag_retrieval", 50, 1)
    assert (task.name, task.lookback, task.horizon) == ("lag_retrieval", 50, 1)
    assert task.channels == ("signal", "marker", "distractor1", "distractor2")
    assert task.target_channels == (0,)
    assert task.standardizer is None
    assert set(task.truth) == {"positions"}
    for split, count in LAG_RETRIEVAL_SIZES.items():
        windows, positions = getattr(task, split), task.truth["positions"][split]
        assert windows.inputs.shape == (count, 50, 4)
        assert windows.targets.shape == (count, 1, 1)
        assert positions.shape == (count, 2)
        assert positions.min() >= 0 and positions.max() < 50
        rows = np.arange(count)[:, None]
        np.testing.assert_array_equal(windows.inputs[rows, positions, 1], 1.0)
        assert windows.inputs[:, :, 1].sum() == 2 * count
        np.testing.assert_allclose(windows.targets[:, 0, 0], windows.inputs[rows, positions, 0].mean(axis=1),
                                   rtol=1e-6, atol=1e-6)
    # the three splits are different draws, and the seed reproduces them
    assert not np.array_equal(task.train.inputs[:1000], task.val.inputs)
    again = make_task("lag_retrieval", 50, 1, seed=0)
    np.testing.assert_array_equal(again.test.inputs, task.test.inputs)
    other = make_task("lag_retrieval", 50, 1, seed=1)
    assert not np.array_equal(other.test.inputs, task.test.inputs)


@pytest.mark.parametrize("horizon", [2, 96])
def test_lag_retrieval_needs_horizon_one(horizon):
    with pytest.raises(ValueError, match="horizon"):
        make_task("lag_retrieval", 50, horizon)


def test_seasonal_mix_task():
    task = make_task("seasonal_mix", 48, 24)
    assert task.name == "seasonal_mix"
    assert task.channels == ("mix1", "mix2", "mix3", "mix4")
    assert task.season == 168
    assert task.truth["periods"] == (24, 168)
    assert task.truth["delays"][0] == 0 and task.truth["delays"].shape == (4,)
    # a year of hours, split 70/10/20: train rows [0, 6132), val [6084, 7008), test [6960, 8760)
    assert task.train.inputs.shape == (6132 - 72 + 1, 48, 4)
    assert task.val.inputs.shape == (924 - 72 + 1, 48, 4)
    assert task.test.inputs.shape == (1800 - 72 + 1, 48, 4)
    assert task.test.targets.shape == (1729, 24, 4)
    assert isinstance(task.standardizer, Standardizer)


@pytest.mark.parametrize(
    "lookback, horizon, name",
    [(0, 96, "lookback"), (-3, 96, "lookback"), (336, 0, "horizon"), (True, 96, "lookback"),
     (336.0, 96, "lookback"), (336, "96", "horizon")],
)
def test_bad_lookback_or_horizon(lookback, horizon, name):
    with pytest.raises(ValueError, match=name):
        make_task("seasonal_mix", lookback, horizon)


def test_unknown_data_name():
    with pytest.raises(ValueError, match="name"):
        make_task("ETTh9", 96, 24)


def test_calendar_channels_are_appended_as_inputs_never_as_targets():
    plain = make_task("seasonal_mix", 48, 12)
    timed = make_task("seasonal_mix", 48, 12, calendar=True)
    assert timed.calendar and not plain.calendar
    assert timed.channels == plain.channels + ("hour_sin", "hour_cos", "week_sin", "week_cos")
    assert timed.target_channels == plain.target_channels == (0, 1, 2, 3)
    for split in ("train", "val", "test"):
        np.testing.assert_array_equal(getattr(timed, split).inputs[..., :4], getattr(plain, split).inputs)
        np.testing.assert_array_equal(getattr(timed, split).targets, getattr(plain, split).targets)


def test_the_seasonal_mix_starts_on_a_monday_at_midnight():
    first_window = make_task("seasonal_mix", 48, 12, calendar=True).train.inputs[0]
    np.testing.assert_allclose(first_window[0, 4:], [0.0, 1.0, 0.0, 1.0], atol=1e-6)  # hour 0 of day and of week
    np.testing.assert_allclose(first_window[6, 4:6], [1.0, 0.0], atol=1e-6)  # 06:00


def test_ett_calendar_follows_the_file_timestamps(ett_folder, monkeypatch):
    from attention_book.data import load_ett
    from attention_book.time_features import calendar_features

    monkeypatch.setenv("ATTENTION_BOOK_DATA", str(ett_folder))
    task = make_task("ETTh1", 24, 4, calendar=True)
    stamps = load_ett("ETTh1").timestamps
    np.testing.assert_allclose(task.train.inputs[5, :, 7:], calendar_features(stamps[5:29]), atol=1e-6)
    assert task.train.targets.shape[-1] == 7


@pytest.mark.parametrize("kwargs,message", [
    ({"data_name": "lag_retrieval", "horizon": 1, "calendar": True}, "calendar: lag_retrieval windows have no time"),
    ({"data_name": "seasonal_mix", "calendar": 1}, "calendar: expected True or False, got 1"),
    ({"data_name": "lag_retrieval", "horizon": 1, "drift": 0.5}, "drift: only seasonal_mix has a daily profile"),
    ({"data_name": "seasonal_mix", "drift": -1.0}, "drift: expected a finite number >= 0, got -1.0"),
])
def test_bad_calendar_and_drift_settings_raise_one_clear_error(kwargs, message):
    settings = {"lookback": 48, "horizon": 12, **kwargs}
    with pytest.raises(ValueError, match=message):
        make_task(**settings)


def test_driven_channels_task_knows_which_channel_drives_which():
    task = make_task("driven_channels", 96, 24)
    assert task.truth == {"driver": 0, "driven": 1, "delay": 36}
    assert task.channels == ("x1", "x2", "x3", "x4") and task.target_channels == (0, 1, 2, 3)
    assert task.season == 1
    calendar = make_task("driven_channels", 96, 24, calendar=True)
    assert calendar.train.inputs.shape[2] == 8 and calendar.train.targets.shape[2] == 4
