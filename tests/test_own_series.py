"""Tests of forecasting your own series: the own-data protocol (tasks.own_task), the Forecaster (fit, forecast,
save, load), plots.plot_future, seasonality.default_season and the split borders (windows.split_borders,
windows.date_borders), on small synthetic tables and the real Seattle weather table."""

from __future__ import annotations

import json
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from conftest import DATA_ENV

from attention_book import data
from attention_book.data import DataError
from attention_book.own_series import CONFIG_FILE, Forecaster
from attention_book.plots import plot_future
from attention_book.seasonality import default_season
from attention_book.tasks import own_task
from attention_book.windows import date_borders, split_borders

LOOKBACK, HORIZON = 28, 7
N_DAYS = 400
FIRST_DAY = pd.Timestamp("2021-03-01")
LEAD = 3  # the covariate c leads the target a by this many days
SEATTLE_COLUMNS = ["precipitation", "temp_max", "temp_min", "wind"]


def daily_frame(n: int = N_DAYS, seed: int = 0) -> pd.DataFrame:
    """A daily table: ``day``; targets ``a`` (weekly + monthly sine) and ``b`` (monthly sine), with a little noise;
    covariate ``c``, which is ``a`` three days later; and a text column ``label``. Numbers have 3 decimals, so a
    CSV round trip keeps them exactly."""
    rng = np.random.default_rng(seed)
    t = np.arange(n + LEAD)
    a = 10 + 3 * np.sin(2 * np.pi * t / 7) + 1.5 * np.sin(2 * np.pi * t / 30) + rng.normal(0, 0.2, n + LEAD)
    b = 5 + 2 * np.sin(2 * np.pi * t / 30 + 1) + rng.normal(0, 0.2, n + LEAD)
    return pd.DataFrame({
        "day": pd.date_range(FIRST_DAY, periods=n, freq="D"),
        "a": a[:n].round(3),
        "b": b[:n].round(3),
        "c": (a[LEAD:] + rng.normal(0, 0.05, n)).round(3),
        "label": np.where(np.arange(n) % 2 == 0, "even", "odd"),
    })


def daily_series(n: int = N_DAYS, targets=("a", "b"), frame=None) -> data.Series:
    frame = daily_frame(n) if frame is None else frame
    return data.from_frame(frame, "day", columns=["a", "b", "c"], targets=list(targets))


def periodic_frame(time_column: str, step: str, n: int, period: int, start: str, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return pd.DataFrame({
        time_column: pd.date_range(start, periods=n, freq=step),
        "x": (20 + 4 * np.sin(2 * np.pi * t / period) + rng.normal(0, 0.3, n)).round(3),
        "y": (rng.normal(0, 1, n) + 0.01 * t).round(3),
    })


def hourly_series() -> data.Series:
    return data.from_frame(periodic_frame("hour", "h", 24 * 40, 24, "2023-03-20 00:00"), "hour")


def monthly_series() -> data.Series:
    return data.from_frame(periodic_frame("month", "MS", 120, 12, "2010-01-01"), "month")


@pytest.fixture
def seattle(monkeypatch) -> data.Series:
    monkeypatch.delenv(DATA_ENV, raising=False)  # the copy inside vega_datasets, no network
    return data.load_public("seattle-weather", columns=SEATTLE_COLUMNS)


def standardised(values, n_train: int) -> np.ndarray:
    """Every row standardised with the mean and std of the first ``n_train`` rows, computed here in float64."""
    values = np.asarray(values, dtype=np.float64)
    return (values - values[:n_train].mean(axis=0)) / values[:n_train].std(axis=0)


def window_count(n_rows: int) -> int:
    """Windows whose H targets lie in ``n_rows`` rows that a split owns."""
    return n_rows - HORIZON + 1


# ---------------------------------------------------------------------------------------------------- own_task


def test_default_split_is_70_10_20_of_the_rows():
    series = daily_series()
    task = own_task(series, LOOKBACK, HORIZON)
    n_train, n_test = int(0.7 * N_DAYS), int(0.2 * N_DAYS)  # 280 and 80; validation owns the other 40
    n_val = N_DAYS - n_train - n_test
    assert (n_train, n_val, n_test) == (280, 40, 80)
    assert len(task.train.inputs) == n_train - LOOKBACK - HORIZON + 1
    assert len(task.val.inputs) == window_count(n_val)
    assert len(task.test.inputs) == window_count(n_test)
    scaled = standardised(series.values, n_train)
    np.testing.assert_allclose(task.val.targets[0], scaled[n_train:n_train + HORIZON, :2], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(task.test.targets[0], scaled[n_train + n_val:n_train + n_val + HORIZON, :2],
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(task.test.targets[-1], scaled[-HORIZON:, :2], rtol=1e-5, atol=1e-5)


def test_seattle_default_split(seattle):
    task = own_task(seattle, 56, 14)
    n_rows = 1461  # 2012-01-01 to 2015-12-31
    n_train, n_test = int(0.7 * n_rows), int(0.2 * n_rows)
    assert (n_train, n_test) == (1022, 292)
    assert len(task.train.inputs) == n_train - 56 - 14 + 1
    assert len(task.val.inputs) == n_rows - n_train - n_test - 14 + 1
    assert len(task.test.inputs) == n_test - 14 + 1
    assert task.season == 7 and task.channels == tuple(SEATTLE_COLUMNS) and task.target_channels == (0, 1, 2, 3)
    np.testing.assert_allclose(task.standardizer.mean, seattle.values[:n_train].mean(axis=0, dtype=np.float64),
                               rtol=1e-6)


def test_a_split_at_two_dates_starts_validation_and_test_on_those_rows():
    series = daily_series()
    val_day, test_day = "2021-12-01", "2022-02-01"
    val_row, test_row = ((pd.Timestamp(day) - FIRST_DAY).days for day in (val_day, test_day))
    assert (val_row, test_row) == (275, 337)
    task = own_task(series, LOOKBACK, HORIZON, split=(val_day, test_day))
    assert len(task.train.inputs) == val_row - LOOKBACK - HORIZON + 1
    assert len(task.val.inputs) == window_count(test_row - val_row)
    assert len(task.test.inputs) == window_count(N_DAYS - test_row)
    scaled = standardised(series.values, val_row)
    np.testing.assert_allclose(task.standardizer.mean, series.values[:val_row].mean(axis=0, dtype=np.float64),
                               rtol=1e-6)
    for windows, row in ((task.val, val_row), (task.test, test_row)):
        np.testing.assert_allclose(windows.targets[0], scaled[row:row + HORIZON, :2], rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(windows.inputs[0], scaled[row - LOOKBACK:row], rtol=1e-5, atol=1e-5)


def test_the_standardizer_sees_only_training_rows():
    frame = daily_frame()
    task = own_task(daily_series(frame=frame), LOOKBACK, HORIZON)
    wild = frame.copy()
    wild.loc[N_DAYS - 5, "a"] = 1e6  # one value of the test split
    wild.loc[N_DAYS - 30, "c"] = -1e6
    wild_task = own_task(daily_series(frame=wild), LOOKBACK, HORIZON)
    np.testing.assert_array_equal(wild_task.standardizer.mean, task.standardizer.mean)
    np.testing.assert_array_equal(wild_task.standardizer.std, task.standardizer.std)
    np.testing.assert_array_equal(wild_task.train.inputs, task.train.inputs)
    np.testing.assert_array_equal(wild_task.val.targets, task.val.targets)
    # the wild value did reach the test windows, scaled with the training statistics
    scaled = (1e6 - task.standardizer.mean[0]) / task.standardizer.std[0]
    np.testing.assert_allclose(wild_task.test.targets[-1, HORIZON - 5, 0], scaled, rtol=1e-5)
    assert not np.array_equal(wild_task.test.inputs, task.test.inputs)


@pytest.mark.parametrize("targets, channels", [(("a", "b"), ("a", "b", "c")), (("c", "a"), ("c", "a", "b")),
                                               (("b",), ("b", "a", "c"))])
def test_inputs_have_every_channel_the_targets_first(targets, channels):
    series = daily_series(targets=targets)
    task = own_task(series, LOOKBACK, HORIZON)
    assert task.channels == channels and task.target_channels == tuple(range(len(targets)))
    n_train = int(0.7 * N_DAYS)
    scaled = standardised(series.values[:, [series.channels.index(name) for name in channels]], n_train)
    for name, windows, first in (("train", task.train, LOOKBACK), ("val", task.val, n_train),
                                 ("test", task.test, N_DAYS - int(0.2 * N_DAYS))):
        assert windows.inputs.shape[1:] == (LOOKBACK, 3), name
        assert windows.targets.shape[1:] == (HORIZON, len(targets)), name
        for i in (0, len(windows.inputs) - 1):
            row = first + i
            np.testing.assert_allclose(windows.inputs[i], scaled[row - LOOKBACK:row], rtol=1e-5, atol=1e-5)
            np.testing.assert_allclose(windows.targets[i], scaled[row:row + HORIZON, :len(targets)],
                                       rtol=1e-5, atol=1e-5)


def test_a_task_wants_its_targets_as_the_first_channels():
    from attention_book.tasks import series_task

    values = daily_series().values
    borders = split_borders(daily_series().timestamps, LOOKBACK)
    with pytest.raises(ValueError, match=r"target_channels: expected the first channels, 0 to 0, got \[2\]"):
        series_task("x", values, ("a", "b", "c"), LOOKBACK, HORIZON, borders, season=7, target_channels=[2])


def test_targets_listed_after_a_covariate_are_forecast_as_themselves(tmp_path):
    series = daily_series(targets=("c", "a"))
    frame = Forecaster("repeat", LOOKBACK, HORIZON).fit(series).forecast(series)
    assert list(frame.columns) == ["c", "a"]
    np.testing.assert_array_equal(frame.to_numpy().astype(np.float32), np.tile(series.values[-1, [2, 0]], (HORIZON, 1)))
    linear = Forecaster("linear", LOOKBACK, HORIZON).fit(series)
    loaded = Forecaster.load(linear.save(tmp_path))
    np.testing.assert_array_equal(loaded.forecast(series).to_numpy(), linear.forecast(series).to_numpy())


def test_a_channel_independent_model_reads_its_target_even_when_it_is_not_the_first_column():
    """The patch Transformer forecasts each target from that channel alone; with the target c listed after a and
    b, changing a and b must not change its forecast."""
    forecaster = Forecaster("patch_transformer", LOOKBACK, HORIZON, epochs=1).fit(daily_series(targets=("c",)))
    frame = daily_frame()
    other = frame.assign(a=frame["a"][::-1].to_numpy(), b=0.0)
    forecasts = [forecaster.forecast(daily_series(targets=("c",), frame=table)) for table in (frame, other)]
    np.testing.assert_array_equal(forecasts[1].to_numpy(), forecasts[0].to_numpy())



@pytest.mark.parametrize("series, season", [(daily_series, 7), (hourly_series, 24), (monthly_series, 12)])
def test_the_season_follows_the_step_unless_given(series, season):
    series = series()
    assert own_task(series, 24, 6).season == season
    assert own_task(series, 24, 6, season=5).season == 5


def test_seattle_season_is_a_week(seattle):
    assert own_task(seattle, LOOKBACK, HORIZON).season == 7


def test_a_split_too_short_for_one_window_names_the_numbers():
    # 400 rows at 75/5/20: validation owns 20 rows and reads 28 before them, 48 in all; a window needs 28 + 30
    with pytest.raises(ValueError, match=r"val split has 48 rows, fewer than one window of lookback \+ horizon = 58"):
        own_task(daily_series(), LOOKBACK, 30, split=(0.75, 0.05, 0.2))


def test_own_task_wants_a_series():
    with pytest.raises(TypeError, match="series"):
        own_task(daily_frame(), LOOKBACK, HORIZON)


# ------------------------------------------------------------------------------------------------- Forecaster


@pytest.fixture(scope="module")
def fitted() -> dict:
    """One forecaster of each kind, fitted once on the daily series (targets a, b; covariate c)."""
    series = daily_series()
    forecasters = {name: Forecaster(name, LOOKBACK, HORIZON).fit(series) for name in ("repeat", "seasonal", "linear")}
    forecasters["lstm"] = Forecaster("lstm", LOOKBACK, HORIZON, epochs=2).fit(series)
    forecasters["framed"] = Forecaster("lstm_attention", LOOKBACK, HORIZON, revin="last", channel_independent=True,
                                       epochs=2).fit(series)
    forecasters["weekly"] = Forecaster("segment_attention", LOOKBACK, HORIZON, revin="last", channel_independent=True,
                                       sizes={"segment": 7, "units": 8}, epochs=2).fit(series)
    return forecasters


@pytest.mark.parametrize("series, model, lookback, horizon", [
    (daily_series, "linear", LOOKBACK, HORIZON),
    (hourly_series, "seasonal", 48, 24),
    (monthly_series, "repeat", 24, 6),
])
def test_the_forecast_continues_the_series_step(series, model, lookback, horizon):
    series = series()
    frame = Forecaster(model, lookback, horizon).fit(series).forecast(series)
    n_rows = len(series.values)
    first = pd.Timestamp(series.timestamps[0])
    expected = pd.date_range(first, periods=n_rows + horizon, freq=series.step)[n_rows:]
    assert frame.shape == (horizon, len(series.targets))
    assert list(frame.index) == list(expected)
    assert frame.index[0] > pd.Timestamp(series.timestamps[-1])
    assert frame.index.name == series.time_column
    assert list(frame.columns) == list(series.targets)


def test_monthly_forecast_starts_on_the_first_of_each_month():
    frame = Forecaster("repeat", 24, 6).fit(monthly_series()).forecast(monthly_series())
    assert [stamp.strftime("%Y-%m-%d") for stamp in frame.index] == [
        "2020-01-01", "2020-02-01", "2020-03-01", "2020-04-01", "2020-05-01", "2020-06-01"]


def test_repeat_forecasts_the_last_row_exactly(fitted):
    series = daily_series()
    frame = fitted["repeat"].forecast(series)
    assert list(frame.columns) == ["a", "b"]
    last = series.values[-1, [0, 1]]
    np.testing.assert_array_equal(frame.to_numpy().astype(np.float32), np.tile(last, (HORIZON, 1)))


def test_repeat_forecasts_the_last_seattle_day_to_float32_precision(seattle):
    """The last day, 2015-12-31, had no rain: the forecast of repeat is 0.0 mm, in the table's units, up to the
    float32 rounding of the standardised value (a few 1e-7 of a standard deviation), which the models work in."""
    forecaster = Forecaster("repeat", LOOKBACK, HORIZON).fit(seattle)
    frame = forecaster.forecast(seattle)
    assert seattle.values[-1, 0] == 0.0
    tolerance = 1e-6 * forecaster.standardizer.std
    assert np.all(np.abs(frame.to_numpy() - seattle.values[-1]) <= tolerance)


def test_seasonal_forecasts_the_values_a_week_before():
    series = daily_series()
    horizon = 10  # more than a week: the last observed week repeats
    frame = Forecaster("seasonal", LOOKBACK, horizon).fit(series).forecast(series)
    rows = [N_DAYS - 7 + h % 7 for h in range(horizon)]
    np.testing.assert_array_equal(frame.to_numpy().astype(np.float32), series.values[rows][:, [0, 1]])


def test_a_forecast_is_in_the_series_units(fitted):
    series = daily_series()
    frame = fitted["linear"].forecast(series)
    # a is 10 + 3 sin(weekly) + 1.5 sin(monthly) + noise; b is 5 + 2 sin(monthly) + noise
    assert frame["a"].min() > 4 and frame["a"].max() < 16
    assert frame["b"].min() > 2 and frame["b"].max() < 8
    assert frame["a"].std() > 1  # it follows the weekly cycle rather than sitting on the mean


@pytest.mark.parametrize("name, weights", [("repeat", None), ("seasonal", None), ("linear", "linear.npz"),
                                           ("lstm", "model.keras"), ("framed", "model.keras"),
                                           ("weekly", "model.keras")])
def test_save_and_load_give_the_identical_forecast(fitted, name, weights, tmp_path):
    series = daily_series()
    forecaster = fitted[name]
    folder = forecaster.save(tmp_path / "saved")
    assert (folder / CONFIG_FILE).is_file()
    assert sorted(path.name for path in folder.iterdir()) == sorted(filter(None, [CONFIG_FILE, weights]))
    loaded = Forecaster.load(folder)
    assert (loaded.name, loaded.lookback, loaded.horizon, loaded.season) == (forecaster.name, LOOKBACK, HORIZON, 7)
    assert (loaded.revin, loaded.channel_independent) == (forecaster.revin, forecaster.channel_independent)
    assert loaded.sizes == forecaster.sizes
    assert loaded.layout == forecaster.layout
    assert loaded.scores == forecaster.scores
    before, after = forecaster.forecast(series), loaded.forecast(series)
    np.testing.assert_array_equal(after.to_numpy(), before.to_numpy())
    pd.testing.assert_index_equal(after.index, before.index)
    assert list(after.columns) == list(before.columns)
    # and a second forecast of the loaded one, on a shorter series, still matches the original
    shorter = daily_series(N_DAYS - 3)
    np.testing.assert_array_equal(loaded.forecast(shorter).to_numpy(), forecaster.forecast(shorter).to_numpy())


def test_a_framed_forecaster_reads_each_target_alone(fitted):
    """Channel independence survives the own-series path: changing target b's history leaves a's forecast as it
    was (the frame's model reads a with the covariate c only)."""
    frame = daily_frame()
    before = fitted["framed"].forecast(frame)
    frame.loc[frame.index[-LOOKBACK:], "b"] += 3.0
    after = fitted["framed"].forecast(frame)
    np.testing.assert_allclose(after["a"], before["a"], rtol=1e-5)
    assert not np.allclose(after["b"], before["b"])
    assert fitted["framed"].model.model.name == "lstm_attention_revin_last_ci"


def test_a_frame_the_model_does_not_take_is_refused_before_fitting():
    with pytest.raises(ValueError, match=r"revin: expected one of the models that accept it .*, got 'linear'"):
        Forecaster("linear", LOOKBACK, HORIZON, revin="last")


def test_sizes_reach_the_model_and_are_saved(fitted, tmp_path):
    """Segments of a week, d = 8: the inner model embeds 7 days of one target and the covariate c (7 * 2 values)
    into 8 numbers; forecaster.json keeps the sizes, and the loaded forecaster has them."""
    forecaster = fitted["weekly"]
    inner = forecaster.model.model.get_layer("segment_attention")
    assert tuple(inner.get_layer("embedding").kernel.shape) == (7 * 2, 8)
    folder = forecaster.save(tmp_path / "saved")
    assert json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))["sizes"] == {"segment": 7, "units": 8}
    assert Forecaster.load(folder).sizes == {"segment": 7, "units": 8}
    assert Forecaster("linear", LOOKBACK, HORIZON).sizes == {}


def test_a_forecaster_saved_before_sizes_existed_still_loads(fitted, tmp_path):
    series = daily_series()
    for name in ("linear", "framed"):
        folder = fitted[name].save(tmp_path / name)
        path = folder / CONFIG_FILE
        path.write_text(without("sizes")(json.loads(path.read_text(encoding="utf-8"))), encoding="utf-8")
        loaded = Forecaster.load(folder)
        assert loaded.sizes == {}
        np.testing.assert_array_equal(loaded.forecast(series).to_numpy(), fitted[name].forecast(series).to_numpy())


@pytest.mark.parametrize(("model", "sizes", "message"), [
    ("segment_attention", {"segmnt": 7}, "sizes: expected names among units, segment, attention, score for "
                                         "segment_attention, got 'segmnt'"),
    ("repeat", {"segment": 7}, "sizes: expected none for repeat"),
])
def test_sizes_a_model_does_not_take_are_refused_before_fitting(model, sizes, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        Forecaster(model, LOOKBACK, HORIZON, sizes=sizes)


def test_a_segment_that_does_not_divide_the_lookback_names_both():
    forecaster = Forecaster("segment_attention", 30, HORIZON, sizes={"segment": 7}, epochs=1)
    with pytest.raises(ValueError, match="^lookback: expected a multiple of the segment length 7, got 30"):
        forecaster.fit(daily_series())


def test_saving_again_replaces_the_forecaster(fitted, tmp_path):
    fitted["lstm"].save(tmp_path)
    fitted["linear"].save(tmp_path)
    assert Forecaster.load(tmp_path).name == "linear"


def test_forecast_reads_a_series_a_frame_an_indexed_frame_and_a_csv(fitted, tmp_path):
    frame = daily_frame()
    path = tmp_path / "daily.csv"
    frame.to_csv(path, index=False)
    forecaster = fitted["linear"]
    results = {
        "series": forecaster.forecast(daily_series(frame=frame)),
        "frame": forecaster.forecast(frame),  # label, a text column, is not a channel: it is not read
        "indexed frame": forecaster.forecast(frame.set_index("day")),
        "csv": forecaster.forecast(path),
        "csv as text": forecaster.forecast(str(path)),
    }
    expected = results["series"]
    for how, result in results.items():
        np.testing.assert_array_equal(result.to_numpy(), expected.to_numpy(), err_msg=how)
        pd.testing.assert_index_equal(result.index, expected.index)


def hourly_abc() -> pd.DataFrame:
    frame = daily_frame()
    frame["day"] = pd.date_range("2021-03-01", periods=N_DAYS, freq="h")
    return frame


@pytest.mark.parametrize("series, message", [
    (lambda: data.from_frame(daily_frame(), "day", columns=["a", "b"]),
     r"^series: expected the channels \['a', 'b', 'c'\] with the targets \['a', 'b'\].*got the channels \['a', 'b'\]"),
    (lambda: daily_series(targets=("a",)),
     r"^series: expected the channels .* with the targets \['a', 'b'\] .*got .* with the targets \['a'\]"),
    (lambda: daily_series(targets=("b", "a")), r"^series: expected .* with the targets \['a', 'b'\]"),
    (lambda: data.from_frame(hourly_abc(), "day", columns=["a", "b", "c"], targets=["a", "b"]),
     r"^series: expected the step 'D' the forecaster was fitted on, got 'h'"),
    (lambda: daily_series(LOOKBACK - 1), rf"^series: expected at least lookback = {LOOKBACK} rows, got {LOOKBACK - 1}"),
])
def test_a_series_unlike_the_fitted_one_is_a_value_error(fitted, series, message):
    with pytest.raises(ValueError, match=message):
        fitted["linear"].forecast(series())


def test_exactly_lookback_rows_are_enough(fitted):
    assert fitted["linear"].forecast(daily_series(LOOKBACK)).shape == (HORIZON, 2)


def test_a_frame_without_a_fitted_channel_names_it(fitted):
    with pytest.raises(ValueError, match=r"columns: .*\['c'\]"):
        fitted["linear"].forecast(daily_frame().drop(columns="c"))


def test_forecast_wants_a_series_a_frame_or_a_path(fitted):
    with pytest.raises(TypeError, match="series"):
        fitted["linear"].forecast(daily_series().values)


def test_forecast_and_save_before_fit_are_runtime_errors(tmp_path):
    forecaster = Forecaster("linear", LOOKBACK, HORIZON)
    with pytest.raises(RuntimeError, match="fit"):
        forecaster.forecast(daily_series())
    with pytest.raises(RuntimeError, match="fit"):
        forecaster.save(tmp_path / "never")
    assert not (tmp_path / "never").exists()


@pytest.mark.parametrize("folder", ["empty", "absent"])
def test_loading_a_folder_without_a_forecaster_names_model_dir(tmp_path, folder):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match=rf"^model_dir: .*{folder}.*{CONFIG_FILE}"):
        Forecaster.load(tmp_path / folder)


def without(key):
    return lambda config: json.dumps({name: value for name, value in config.items() if name != key})


@pytest.mark.parametrize("damage", [
    lambda config: json.dumps(config)[:60],  # cut short
    lambda config: "[1, 2, 3]",
    lambda config: json.dumps({**config, "format": 99}),
    lambda config: json.dumps({**config, "model": "oracle"}),
    without("lookback"),
    without("standardizer"),
    lambda config: json.dumps({**config, "sizes": {"segment": 7}}),  # a size for the linear model
    lambda config: json.dumps({**config, "sizes": [7]}),
], ids=["truncated", "a list", "another format", "unknown model", "no lookback", "no standardizer",
        "sizes for linear", "sizes not a dict"])
def test_a_damaged_forecaster_json_is_a_data_error(fitted, tmp_path, damage):
    folder = fitted["linear"].save(tmp_path / "saved")
    path = folder / CONFIG_FILE
    path.write_text(damage(json.loads(path.read_text(encoding="utf-8"))), encoding="utf-8")
    with pytest.raises(DataError, match=CONFIG_FILE):
        Forecaster.load(folder)


def test_a_forecaster_json_that_is_not_text_is_a_data_error(fitted, tmp_path):
    folder = fitted["linear"].save(tmp_path)
    (folder / CONFIG_FILE).write_bytes(b"\xff\xfe\x00 not json")
    with pytest.raises(DataError, match=CONFIG_FILE):
        Forecaster.load(folder)


def test_scores_are_the_validation_and_test_windows(fitted):
    series = daily_series()
    task = own_task(series, LOOKBACK, HORIZON)
    for forecaster in fitted.values():
        assert set(forecaster.scores) == {"val", "test"}
        for split in ("val", "test"):
            score = forecaster.scores[split]
            assert set(score) == {"mse", "mae", "windows"}
            assert score["windows"] == len(getattr(task, split).inputs)
            assert score["mae"] > 0 and score["mse"] > 0
        assert forecaster.seconds >= 0
    assert (fitted["repeat"].scores["val"]["windows"], fitted["repeat"].scores["test"]["windows"]) == (34, 74)
    last = task.test.inputs[:, -1:, :2]  # repeat, in standardised units, computed here
    assert fitted["repeat"].scores["test"]["mse"] == pytest.approx(np.mean((last - task.test.targets) ** 2), rel=1e-5)
    assert fitted["repeat"].scores["test"]["mae"] == pytest.approx(np.mean(np.abs(last - task.test.targets)), rel=1e-5)


def test_linear_beats_repeat_and_seasonal_on_a_smooth_seasonal_series(fitted):
    linear, repeat, seasonal = (fitted[name].scores["test"]["mse"] for name in ("linear", "repeat", "seasonal"))
    # the weekly cycle alone makes repeating the last value poor; the linear map reads both cycles
    assert linear < 0.25 * repeat, (linear, repeat)
    assert linear < 0.5 * seasonal, (linear, seasonal)


def test_an_explicit_season_reaches_the_seasonal_forecast():
    series = daily_series()
    frame = Forecaster("seasonal", LOOKBACK, HORIZON, season=14).fit(series).forecast(series)
    np.testing.assert_array_equal(frame.to_numpy().astype(np.float32), series.values[-14:-14 + HORIZON, :2])


# ------------------------------------------------------------------------------------------------ plot_future


@pytest.mark.parametrize("targets", [("a", "b"), ("c",)])
def test_plot_future_draws_one_panel_per_target(targets):
    series = daily_series(targets=targets)
    forecast = Forecaster("repeat", LOOKBACK, HORIZON).fit(series).forecast(series)
    figure = plot_future(series, forecast)
    try:
        assert len(figure.axes) == len(targets)
        assert [ax.get_ylabel() for ax in figure.axes] == list(targets)
        drawn = figure.axes[0].get_lines()[1]  # history first, then the forecast
        np.testing.assert_array_equal(drawn.get_ydata(), forecast[targets[0]].to_numpy())
    finally:
        plt.close(figure)


def test_plot_future_refuses_a_forecast_column_that_is_not_a_channel(fitted):
    series = daily_series()
    forecast = fitted["repeat"].forecast(series).rename(columns={"b": "rain"})
    before = plt.get_fignums()
    with pytest.raises(ValueError, match=r"forecast: .*\['rain'\]"):
        plot_future(series, forecast)
    assert plt.get_fignums() == before


# ------------------------------------------------------------------------------- default_season and borders


@pytest.mark.parametrize("step, season", [("h", 24), ("15min", 96), ("D", 7), ("W-SUN", 52), ("MS", 12),
                                          ("QS-JAN", 4), ("YS-JAN", 1)])
def test_default_season(step, season):
    assert default_season(step) == season


@pytest.mark.parametrize("step", ["fortnightly", "", 3, None])
def test_a_bad_step_names_step(step):
    with pytest.raises(ValueError, match="^step: "):
        default_season(step)


STAMPS = pd.date_range(FIRST_DAY, periods=N_DAYS, freq="D")


@pytest.mark.parametrize("split", [
    (0.7, 0.1, 0.1, 0.1), ("2021-12-01",), "2021-12-01,2022-02-01", ("soon", "later"), (0.7, 0.3),
], ids=["four fractions", "one date", "one text", "not dates", "two fractions"])
def test_a_split_that_is_neither_three_fractions_nor_two_dates(split):
    with pytest.raises(ValueError, match="^split: "):
        split_borders(STAMPS, LOOKBACK, split)


@pytest.mark.parametrize("split", [
    ("2022-02-01", "2021-12-01"),  # test before validation
    ("2021-12-01", "2021-12-01"),  # no validation rows
    ("2020-01-01", "2021-12-01"),  # before the series: no training rows
    ("2021-12-01", "2023-01-01"),  # after the series: no test rows
    ("2019-01-01", "2020-01-01"),  # both before
])
def test_dates_in_the_wrong_order_or_outside_the_series_name_split(split):
    with pytest.raises(ValueError, match="^split: "):
        split_borders(STAMPS, LOOKBACK, split)
    with pytest.raises(ValueError, match="^split: "):
        date_borders(STAMPS, LOOKBACK, *split)


def test_date_borders_of_a_good_split():
    assert date_borders(STAMPS, LOOKBACK, "2021-12-01", "2022-02-01") == {
        "train": (0, 275), "val": (275 - LOOKBACK, 337), "test": (337 - LOOKBACK, N_DAYS)}
    assert split_borders(STAMPS, LOOKBACK, ["2021-12-01", pd.Timestamp("2022-02-01")]) == date_borders(
        STAMPS, LOOKBACK, "2021-12-01", "2022-02-01")


@pytest.mark.parametrize("split, lookback", [
    (("2021-03-20", "2021-12-01"), 19),  # 19 training rows: a look-back must be shorter
    (("2021-03-20", "2021-12-01"), 50),
    ((0.7, 0.1, 0.2), 280),  # 280 training rows
    ((0.1, 0.1, 0.8), 40),
])
def test_a_lookback_as_long_as_the_training_rows_names_lookback(split, lookback):
    with pytest.raises(ValueError, match=r"^lookback: expected fewer than the \d+ training rows"):
        split_borders(STAMPS, lookback, split)


@pytest.mark.parametrize("lookback", [0, -3, 2.5])
def test_a_lookback_that_is_not_a_positive_integer_names_lookback(lookback):
    with pytest.raises(ValueError, match="^lookback: "):
        date_borders(STAMPS, lookback, "2021-12-01", "2022-02-01")
