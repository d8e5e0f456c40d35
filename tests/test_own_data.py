"""Tests of attention_book.data's generic reader: load_csv and from_frame on any table with a time column, the
Series they return, and the public Seattle weather table (the ETT files have their own tests in test_data.py)."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import importlib.util
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import DATA_ENV
from hypothesis import given, settings
from hypothesis import strategies as st

from attention_book import data
from attention_book.data import DataError, Series, from_frame, load_csv, load_public, locate

STEPS = ["15min", "h", "D", "W-SUN", "MS", "ME"]
SEATTLE_COLUMNS = ["precipitation", "temp_max", "temp_min", "wind"]


def table(stamps, seed: int = 0, channels=("a", "b")) -> pd.DataFrame:
    """A frame with the time column ``date`` first, then one column of numbers (3 decimals) per channel."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"date": stamps})
    for name in channels:
        frame[name] = np.round(rng.normal(10.0, 3.0, len(stamps)), 3)
    return frame


def write_csv(path: Path, frame: pd.DataFrame, **kwargs) -> Path:
    frame.to_csv(path, index=False, **kwargs)
    return path


def seconds(stamps) -> np.ndarray:
    """Stamps as the datetime64[s] array a Series holds, computed without the reader."""
    return pd.DatetimeIndex(stamps).to_numpy().astype("datetime64[s]")


# ------------------------------------------------------------------------------------------------------- steps


@pytest.mark.parametrize("step", STEPS)
def test_from_frame_infers_the_step_and_keeps_stamps_and_values(step):
    stamps = pd.date_range("2020-11-29", periods=40, freq=step)  # 2020-11-29 is a Sunday
    frame = table(stamps)
    series = from_frame(frame, "date")
    assert series.step == step
    assert series.timestamps.dtype == np.dtype("datetime64[s]")
    np.testing.assert_array_equal(series.timestamps, seconds(stamps))
    assert series.values.dtype == np.float32
    np.testing.assert_array_equal(series.values, frame[["a", "b"]].to_numpy(np.float32))
    assert (series.channels, series.targets, series.time_column, series.filled) == (("a", "b"), ("a", "b"),
                                                                                    "date", 0)


@pytest.mark.parametrize("step", STEPS)
def test_load_csv_infers_the_step_and_keeps_stamps_and_values(step, tmp_path):
    stamps = pd.date_range("2020-11-29", periods=40, freq=step)
    frame = table(stamps, seed=1)
    series = load_csv(write_csv(tmp_path / "steps.csv", frame), "date")
    assert series.step == step
    np.testing.assert_array_equal(series.timestamps, seconds(stamps))
    np.testing.assert_array_equal(series.values, frame[["a", "b"]].to_numpy(np.float32))
    assert (series.channels, series.targets, series.filled) == (("a", "b"), ("a", "b"), 0)


@settings(max_examples=40, deadline=None)
@given(
    step=st.sampled_from(STEPS),
    values=st.lists(st.floats(-1e6, 1e6, width=32), min_size=3, max_size=30),
)
def test_any_finite_values_round_trip_through_from_frame(step, values):
    stamps = pd.date_range("2019-06-02", periods=len(values), freq=step)
    frame = pd.DataFrame({"x": np.array(values, dtype=np.float32)}, index=stamps)
    series = from_frame(frame)
    assert series.step == step
    np.testing.assert_array_equal(series.values[:, 0], np.array(values, dtype=np.float32))
    np.testing.assert_array_equal(series.timestamps, seconds(stamps))


def test_a_day_first_format_is_read_with_time_format(tmp_path):
    stamps = pd.date_range("2021-01-01", periods=40, freq="D")
    frame = table(stamps)
    frame["date"] = stamps.strftime("%d/%m/%Y")
    path = write_csv(tmp_path / "dayfirst.csv", frame)
    assert path.read_text().splitlines()[13].startswith("13/01/2021,")  # really day first (line 14)
    series = load_csv(path, "date", time_format="%d/%m/%Y")
    assert series.step == "D"
    np.testing.assert_array_equal(series.timestamps, seconds(stamps))
    np.testing.assert_array_equal(series.values, frame[["a", "b"]].to_numpy(np.float32))


def test_a_day_first_format_without_time_format_is_an_error_that_suggests_it(tmp_path):
    stamps = pd.date_range("2021-01-01", periods=40, freq="D")
    frame = table(stamps)
    frame["date"] = stamps.strftime("%d/%m/%Y")
    path = write_csv(tmp_path / "dayfirst.csv", frame)
    line = 2 + int(np.flatnonzero(stamps.day > 12)[0])  # the first stamp that cannot be month first
    with pytest.raises(DataError, match=f"line {line}: column date has a value that is not a timestamp") as caught:
        load_csv(path, "date")
    assert repr(stamps[line - 2].strftime("%d/%m/%Y")) in str(caught.value)
    assert "time_format=" in str(caught.value)


def test_a_time_format_that_does_not_match_names_the_line_and_the_format(tmp_path):
    frame = table(pd.date_range("2021-01-01", periods=5, freq="D"))
    path = write_csv(tmp_path / "iso.csv", frame)
    with pytest.raises(DataError, match=r"line 2: .*'2021-01-01'.*does not match time_format '%d/%m/%Y'"):
        load_csv(path, "date", time_format="%d/%m/%Y")


def test_slashed_year_first_dates_are_read_without_a_format(tmp_path):
    stamps = pd.date_range("2012-01-01", periods=30, freq="D")
    frame = table(stamps)
    frame["date"] = stamps.strftime("%Y/%m/%d")
    path = write_csv(tmp_path / "slashes.csv", frame)
    assert path.read_text().splitlines()[1].startswith("2012/01/01,")
    series = load_csv(path, "date")
    assert series.step == "D"
    np.testing.assert_array_equal(series.timestamps, seconds(stamps))


# -------------------------------------------------------------------------------------------- columns, targets


@pytest.fixture
def abc_csv(tmp_path):
    """A daily CSV whose time column sits between the channels: ``a, date, b, c``."""
    frame = table(pd.date_range("2021-01-01", periods=10, freq="D"), channels=("a", "b", "c"))
    frame = frame[["a", "date", "b", "c"]]
    return write_csv(tmp_path / "abc.csv", frame), frame


def test_by_default_every_other_column_is_a_channel_and_a_target(abc_csv):
    path, frame = abc_csv
    series = load_csv(path, "date")
    assert series.channels == ("a", "b", "c")
    assert series.targets == series.channels
    assert series.target_indices == (0, 1, 2)
    np.testing.assert_array_equal(series.values, frame[["a", "b", "c"]].to_numpy(np.float32))


def test_columns_picks_and_orders_the_channels(abc_csv):
    path, frame = abc_csv
    series = load_csv(path, "date", columns=["c", "a"])
    assert series.channels == ("c", "a")
    assert series.targets == ("c", "a")
    np.testing.assert_array_equal(series.values, frame[["c", "a"]].to_numpy(np.float32))


@pytest.mark.parametrize("targets", [["b", "c"], ["c"], "b", ["a", "c", "b"]])
def test_targets_are_found_among_the_channels(abc_csv, targets):
    path, frame = abc_csv
    columns = ["c", "a", "b"]
    series = load_csv(path, "date", columns=columns, targets=targets)
    names = [targets] if isinstance(targets, str) else targets
    assert series.targets == tuple(names)
    assert series.target_indices == tuple(columns.index(name) for name in names)
    np.testing.assert_array_equal(series.values[:, list(series.target_indices)], frame[names].to_numpy(np.float32))


def weather_csv(tmp_path) -> tuple[Path, pd.DataFrame]:
    frame = table(pd.date_range("2014-05-01", periods=8, freq="D"), channels=("rain", "wind"))
    frame["weather"] = ["sun", "rain", "drizzle", "sun", "fog", "snow", "sun", "rain"]
    return write_csv(tmp_path / "weather.csv", frame), frame


def test_a_text_column_names_the_column_and_how_to_leave_it_out(tmp_path):
    path, _ = weather_csv(tmp_path)
    with pytest.raises(DataError, match="column weather is not numeric") as caught:
        load_csv(path, "date")
    message = str(caught.value)
    assert "'sun' on line 2" in message
    assert "columns=" in message
    assert str(path) in message


def test_a_text_column_left_out_with_columns_is_fine(tmp_path):
    path, frame = weather_csv(tmp_path)
    series = load_csv(path, "date", columns=["rain", "wind"])
    assert series.channels == ("rain", "wind")
    np.testing.assert_array_equal(series.values, frame[["rain", "wind"]].to_numpy(np.float32))


@pytest.mark.parametrize("kind", ["str", "category", "bool"])
def test_a_frame_column_that_is_not_numbers_says_columns(kind):
    frame = table(pd.date_range("2014-05-01", periods=4, freq="D"))
    frame["label"] = pd.Series(["x", "y", "x", "z"], dtype=kind) if kind != "bool" else [True, False, True, True]
    with pytest.raises(DataError, match="column label") as caught:
        from_frame(frame, "date")
    assert "columns=" in str(caught.value)
    assert from_frame(frame, "date", columns=["a", "b"]).channels == ("a", "b")


BAD_ARGUMENTS = {
    "targets not in columns": (dict(columns=["a"], targets=["b"]), r"targets: .*\['b'\]"),
    "unknown target": (dict(targets=["z"]), r"targets: .*\['z'\]"),
    "unknown column": (dict(columns=["a", "z"]), r"columns: .*\['z'\]"),
    "duplicated column": (dict(columns=["a", "b", "a"]), "columns: expected distinct names"),
    "duplicated target": (dict(targets=["b", "b"]), "targets: expected distinct names"),
    "time column as a channel": (dict(columns=["date", "a"]), "columns: 'date' is the time column"),
    "time column as a target": (dict(targets=["date"]), "targets: 'date' is the time column"),
    "no columns": (dict(columns=[]), "columns:"),
    "no targets": (dict(targets=[]), "targets:"),
    "names that are not text": (dict(columns=[0, 1]), "columns:"),
    "unknown time column": (dict(time_column="when"), r"time_column: .*'when'"),
    "missing sometimes": (dict(missing="sometimes"), r"missing: .*'sometimes'"),
    "step that is no frequency": (dict(step="fortnightly"), r"step: .*'fortnightly'"),
}


@pytest.mark.parametrize("reader", ["load_csv", "from_frame"])
@pytest.mark.parametrize("problem", BAD_ARGUMENTS)
def test_each_bad_argument_is_a_value_error_naming_it(problem, reader, tmp_path):
    arguments, message = BAD_ARGUMENTS[problem]
    arguments = {"time_column": "date", **arguments}
    frame = table(pd.date_range("2021-01-01", periods=6, freq="D"))
    source = write_csv(tmp_path / "ab.csv", frame) if reader == "load_csv" else frame
    with pytest.raises(ValueError, match=message) as caught:
        getattr(data, reader)(source, **arguments)
    assert type(caught.value) is ValueError  # a usage error, not a damaged file


def test_a_table_with_only_the_time_column_says_columns(tmp_path):
    path = write_csv(tmp_path / "stamps.csv", pd.DataFrame({"date": pd.date_range("2021", periods=4, freq="D")}))
    with pytest.raises(ValueError, match="columns: the table has no column besides the time column 'date'"):
        load_csv(path, "date")


def test_a_missing_file_names_the_path(tmp_path):
    with pytest.raises(DataError, match="path: no file"):
        load_csv(tmp_path / "nowhere.csv", "date")


# -------------------------------------------------------------------------------------------------- timestamps

DAYS = pd.date_range("2021-01-01", periods=20, freq="D")


def iso(line: int) -> str:
    """The stamp a valid daily table has on ``line`` (line 1 is the header), as the reader prints it."""
    return DAYS[line - 2].strftime("%Y-%m-%dT%H:%M:%S")


def daily_rows() -> list[list[str]]:
    rows = [["date", "a", "b"]]
    for i, stamp in enumerate(DAYS):
        rows.append([stamp.strftime("%Y-%m-%d %H:%M:%S"), f"{i * 1.5:.1f}", f"{100 - i:.1f}"])
    return rows


def _set(line, column, text):
    def edit(rows):
        rows[line - 1][rows[0].index(column)] = text

    return edit


def _repeat(line):  # the stamp of ``line`` repeats the one before it
    def edit(rows):
        rows[line - 1][0] = rows[line - 2][0]

    return edit


def _swap(line):  # the stamps of ``line`` and the next line change places
    def edit(rows):
        rows[line - 1][0], rows[line][0] = rows[line][0], rows[line - 1][0]

    return edit


def _delete(line):
    def edit(rows):
        del rows[line - 1]

    return edit


BAD_TABLES = {
    "not a timestamp": (_set(5, "date", "someday"), "line 5: column date .*not a timestamp: 'someday'"),
    "empty stamp": (_set(4, "date", ""), "line 4: column date is empty"),
    "duplicate": (_repeat(6), rf"{iso(5)} appears twice \(line 5 and line 6\).*long table.*pivot"),
    "backwards": (_swap(7), rf"backwards between {iso(8)} \(line 7\) and {iso(7)} \(line 8\).*[Ss]ort"),
    "off the step": (_set(8, "date", DAYS[6].strftime("%Y-%m-%d 12:00:00")), r"not regular.*T12:00:00 \(line 8\)"),
    "gap": (_delete(10), rf"a gap between {iso(9)} \(line 9\) and {iso(11)} \(line 10\).*missing='interpolate'"),
    "empty cell": (_set(7, "a", ""), "line 7: column a is empty.*missing='interpolate'"),
    "NA text": (_set(3, "b", "NA"), "line 3: column b has the missing value 'NA'.*missing='interpolate'"),
    "not a number": (_set(9, "b", "abc"), "line 9: column b is not a number: 'abc'"),
    "infinity": (_set(12, "a", "-inf"), "line 12: column a is not finite"),
}


@pytest.mark.parametrize("problem", BAD_TABLES)
def test_each_bad_table_gives_one_data_error_naming_the_line(problem, tmp_path):
    edit, message = BAD_TABLES[problem]
    rows = daily_rows()
    rows = edit(rows) or rows
    path = tmp_path / "bad.csv"
    path.write_text("".join(",".join(row) + "\n" for row in rows))
    with pytest.raises(DataError, match=message) as caught:
        load_csv(path, "date")
    assert str(path) in str(caught.value)


def test_the_valid_daily_table_reads(tmp_path):  # the bad tables above differ from it in one place only
    path = tmp_path / "good.csv"
    path.write_text("".join(",".join(row) + "\n" for row in daily_rows()))
    series = load_csv(path, "date")
    np.testing.assert_array_equal(series.timestamps, seconds(DAYS))
    np.testing.assert_array_equal(series.values[:, 0], np.arange(20) * 1.5)


def long_table() -> pd.DataFrame:
    """Two stations stacked in one table, one row per station and day, sorted by day."""
    stamps = pd.date_range("2021-01-01", periods=6, freq="D")
    frame = pd.DataFrame({"date": np.repeat(stamps, 2), "station": ["north", "south"] * 6,
                          "value": np.arange(12, dtype=float)})
    return frame


def test_a_long_table_is_a_duplicate_error_that_hints_at_pivot(tmp_path):
    frame = long_table()
    path = write_csv(tmp_path / "long.csv", frame)
    with pytest.raises(DataError, match=r"appears twice \(line 2 and line 3\)") as caught:
        load_csv(path, "date", columns=["value"])
    assert "long table" in str(caught.value) and "pivot" in str(caught.value)
    with pytest.raises(DataError, match=r"appears twice \(row 0 and row 1\).*pivot"):
        from_frame(frame, "date", columns=["value"])
    # following the hint works
    wide = frame.pivot(index="date", columns="station", values="value")
    series = from_frame(wide)
    assert series.channels == ("north", "south")
    np.testing.assert_array_equal(series.values, frame["value"].to_numpy(np.float32).reshape(6, 2))


def test_two_rows_are_too_few_to_infer_the_step(tmp_path):
    frame = table(pd.date_range("2021-01-01", periods=2, freq="D"))
    path = write_csv(tmp_path / "two.csv", frame)
    with pytest.raises(DataError, match="2 row.*too few.*step=") as caught:
        load_csv(path, "date")
    assert str(path) in str(caught.value)
    with pytest.raises(DataError, match="too few.*step="):
        from_frame(frame, "date")


@pytest.mark.parametrize("n_rows", [1, 2])
def test_with_step_given_one_or_two_rows_are_read(n_rows, tmp_path):
    stamps = pd.date_range("2021-01-01", periods=n_rows, freq="D")
    frame = table(stamps)
    series = load_csv(write_csv(tmp_path / "few.csv", frame), "date", step="D")
    assert series.step == "D"
    np.testing.assert_array_equal(series.timestamps, seconds(stamps))
    np.testing.assert_array_equal(series.values, frame[["a", "b"]].to_numpy(np.float32))


def test_a_given_step_that_the_stamps_do_not_follow_is_not_regular(tmp_path):
    frame = table(pd.date_range("2021-01-01", periods=10, freq="D"))
    with pytest.raises(DataError, match=r"not regular.*step is W-SUN"):
        load_csv(write_csv(tmp_path / "daily.csv", frame), "date", step="W-SUN")


# -------------------------------------------------------------------------------------------------- interpolate


def test_one_missing_day_between_1_and_3_is_filled_with_2(tmp_path):
    path = tmp_path / "gap.csv"
    path.write_text("date,x\n2021-01-01,1.0\n2021-01-03,3.0\n2021-01-04,4.0\n2021-01-05,8.0\n")
    with pytest.raises(DataError, match="gap"):
        load_csv(path, "date")
    series = load_csv(path, "date", missing="interpolate")
    np.testing.assert_array_equal(series.timestamps, seconds(pd.date_range("2021-01-01", "2021-01-05")))
    np.testing.assert_array_equal(series.values[:, 0], [1.0, 2.0, 3.0, 4.0, 8.0])
    assert series.filled == 1


def linear_frame(n_rows: int = 48) -> pd.DataFrame:
    """Hourly channels that are straight lines in time: time interpolation must give them back exactly."""
    stamps = pd.date_range("2021-06-01", periods=n_rows, freq="h")
    hours = np.arange(n_rows, dtype=float)
    return pd.DataFrame({"date": stamps, "up": 2.5 * hours + 1.0, "down": 7.0 - 0.5 * hours})


def test_interpolate_fills_gaps_empty_cells_and_na_text_in_a_csv(tmp_path):
    full = linear_frame()
    rows = full.copy()
    rows["date"] = rows["date"].dt.strftime("%Y-%m-%d %H:%M:%S")
    rows = rows.astype(str)
    rows.loc[10, "up"] = ""
    rows.loc[30, "down"] = "NA"
    rows.loc[31, "up"] = "n/a"
    dropped = [5, 20, 21, 22]
    rows = rows.drop(index=dropped)
    path = write_csv(tmp_path / "holes.csv", rows)
    series = load_csv(path, "date", missing="interpolate")
    assert series.filled == 3 + len(dropped) * 2
    assert series.step == "h"
    np.testing.assert_array_equal(series.timestamps, seconds(full["date"]))
    np.testing.assert_allclose(series.values, full[["up", "down"]].to_numpy(np.float32), rtol=1e-6)


def test_interpolate_fills_nan_and_missing_rows_of_a_frame():
    full = linear_frame(30)
    holes = full.drop(index=[3, 4, 17]).copy()
    holes.loc[9, "down"] = np.nan
    holes.loc[25, ["up", "down"]] = np.nan
    series = from_frame(holes, "date", missing="interpolate")
    assert series.filled == 3 * 2 + 3
    np.testing.assert_array_equal(series.timestamps, seconds(full["date"]))
    np.testing.assert_allclose(series.values, full[["up", "down"]].to_numpy(np.float32), rtol=1e-6)


def test_interpolation_weighs_by_time_not_by_rows():
    stamps = pd.date_range("2021-01-01", periods=6, freq="MS")  # months of 31, 28, 31, 30 and 31 days
    values = np.array([1.0, 0.0, 3.0, 2.0, 6.0, 5.0])
    kept = [0, 1, 3, 4, 5]  # March is missing
    series = from_frame(pd.DataFrame({"x": values[kept]}, index=stamps[kept]), missing="interpolate")
    assert series.step == "MS" and series.filled == 1
    days = (stamps - stamps[0]).days.to_numpy(float)
    expected = np.interp(days, days[kept], values[kept])
    assert expected[2] != pytest.approx(1.0)  # halfway between February and April by rows would be 1.0
    np.testing.assert_allclose(series.values[:, 0], expected.astype(np.float32), rtol=1e-6)


def test_a_full_series_is_not_changed_by_interpolate():
    frame = table(pd.date_range("2021-01-01", periods=12, freq="MS"))
    series = from_frame(frame, "date", missing="interpolate")
    assert series.filled == 0
    np.testing.assert_array_equal(series.values, frame[["a", "b"]].to_numpy(np.float32))


@pytest.mark.parametrize("step", STEPS)
def test_a_gap_does_not_change_the_inferred_step(step):
    stamps = pd.date_range("2020-11-29", periods=12, freq=step)
    whole = from_frame(pd.DataFrame({"x": np.arange(12.0)}, index=stamps))
    holed = from_frame(pd.DataFrame({"x": np.delete(np.arange(12.0), 4)}, index=stamps.delete(4)),
                       missing="interpolate")
    np.testing.assert_array_equal(holed.timestamps, seconds(stamps))
    assert holed.filled == 1
    assert whole.step == step
    assert holed.step == whole.step  # a forecaster fitted on one is asked for the same step on the other


def test_a_column_with_no_value_at_all_cannot_be_interpolated():
    frame = table(pd.date_range("2021-01-01", periods=6, freq="D"))
    frame["empty"] = np.nan
    with pytest.raises(DataError, match="column empty"):
        from_frame(frame, "date", missing="interpolate")


# -------------------------------------------------------------------------------------------------- from_frame


@pytest.mark.parametrize("name", ["when", None])
def test_from_frame_reads_a_datetime_index(name):
    stamps = pd.date_range("2021-01-01", periods=24, freq="h", name=name)
    frame = table(stamps).drop(columns="date").set_index(stamps)
    series = from_frame(frame)
    np.testing.assert_array_equal(series.timestamps, seconds(stamps))
    np.testing.assert_array_equal(series.values, frame.to_numpy(np.float32))
    assert series.channels == ("a", "b")
    assert series.step == "h"
    if name is not None:
        assert series.time_column == name


def test_from_frame_reads_a_time_column_of_text():
    stamps = pd.date_range("2021-01-01", periods=10, freq="15min")
    frame = table(stamps)
    frame["date"] = stamps.strftime("%Y-%m-%d %H:%M")
    series = from_frame(frame, "date")
    assert series.step == "15min"
    np.testing.assert_array_equal(series.timestamps, seconds(stamps))


def test_from_frame_does_not_change_the_frame():
    frame = table(pd.date_range("2021-01-01", periods=10, freq="D"))
    frame.loc[4, "a"] = np.nan
    before = frame.copy()
    from_frame(frame, "date", missing="interpolate")
    pd.testing.assert_frame_equal(frame, before)


def test_a_frame_without_datetime_index_or_time_column_names_time_column():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [4.0, 5.0, 6.0]})
    with pytest.raises(ValueError, match="time_column") as caught:
        from_frame(frame)
    assert "'a'" in str(caught.value)  # it lists the columns to choose from


def test_an_unnamed_datetime_index_next_to_a_column_called_time():
    stamps = pd.date_range("2021-01-01", periods=5, freq="D")
    frame = pd.DataFrame({"time": np.arange(5.0), "x": np.arange(5.0) * 2}, index=stamps)
    try:
        series = from_frame(frame)
    except ValueError as error:  # refusing is fine, but then with a message that names the argument
        assert "time_column" in str(error)
    else:
        assert series.channels == ("time", "x")
        np.testing.assert_array_equal(series.timestamps, seconds(stamps))


@pytest.mark.parametrize("thing", [pd.Series([1.0, 2.0, 3.0]), np.ones((3, 2)), {"date": [], "a": []}, None])
def test_from_frame_wants_a_dataframe(thing):
    with pytest.raises(TypeError, match="frame: expected a pandas DataFrame"):
        from_frame(thing, "date")


def test_nan_in_a_frame_names_the_row_unless_interpolated():
    frame = table(pd.date_range("2021-01-01", periods=8, freq="D"))
    frame.loc[5, "b"] = np.nan
    with pytest.raises(DataError, match="frame, row 5: column b is empty.*missing='interpolate'"):
        from_frame(frame, "date")
    series = from_frame(frame, "date", missing="interpolate")
    assert series.filled == 1
    assert series.values[5, 1] == pytest.approx((frame.loc[4, "b"] + frame.loc[6, "b"]) / 2, rel=1e-6)


@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_inf_in_a_frame_is_not_finite_even_with_interpolate(value):
    frame = table(pd.date_range("2021-01-01", periods=8, freq="D"))
    frame.loc[3, "a"] = value
    for missing in ("error", "interpolate"):
        with pytest.raises(DataError, match="frame, row 3: column a is not finite"):
            from_frame(frame, "date", missing=missing)


def test_a_missing_stamp_in_a_datetime_column_names_the_row():
    frame = table(pd.to_datetime(["2021-01-01", "2021-01-02", None, "2021-01-04"]))
    with pytest.raises(DataError, match="frame, row 2: column date is empty"):
        from_frame(frame, "date")


def test_a_numeric_time_column_is_an_error():
    frame = pd.DataFrame({"t": [1, 2, 3, 4], "x": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(DataError, match="column t holds numbers, not timestamps"):
        from_frame(frame, "t")


# --------------------------------------------------------------------------------------- time zones and clocks

DST_CHANGES = {"spring": "2021-03-27 20:00", "autumn": "2021-10-30 20:00"}  # Europe/Berlin changes the next night


def berlin_frame(change: str) -> pd.DataFrame:
    stamps = pd.date_range(DST_CHANGES[change], periods=12, freq="h", tz="Europe/Berlin")
    return pd.DataFrame({"date": stamps, "load": np.arange(12.0)})


def utc_seconds(stamps) -> np.ndarray:
    return seconds(pd.DatetimeIndex(stamps).tz_convert("UTC").tz_localize(None))


@pytest.mark.parametrize("change", DST_CHANGES)
def test_tz_aware_frame_across_a_clock_change_is_read_in_utc(change):
    frame = berlin_frame(change)
    offsets = {stamp.utcoffset() for stamp in frame["date"]}
    assert len(offsets) == 2  # the clocks really change inside the table
    for series in (from_frame(frame, "date"), from_frame(frame.set_index("date"))):
        assert series.step == "h"
        np.testing.assert_array_equal(series.timestamps, utc_seconds(frame["date"]))
        assert np.all(np.diff(series.timestamps) == np.timedelta64(1, "h"))
        np.testing.assert_array_equal(series.values[:, 0], np.arange(12.0))


@pytest.mark.parametrize("change", DST_CHANGES)
def test_csv_with_utc_offsets_across_a_clock_change_is_read_in_utc(change, tmp_path):
    frame = berlin_frame(change)
    path = write_csv(tmp_path / "berlin.csv", frame)
    lines = path.read_text().splitlines()
    assert {line[19:25] for line in lines[1:]} == {"+01:00", "+02:00"}
    series = load_csv(path, "date")
    assert series.step == "h"
    np.testing.assert_array_equal(series.timestamps, utc_seconds(frame["date"]))
    np.testing.assert_array_equal(series.values[:, 0], np.arange(12.0))


def test_csv_with_one_utc_offset_is_converted_to_utc(tmp_path):
    stamps = pd.date_range("2021-01-10 00:00", periods=6, freq="h", tz="Europe/Berlin")
    path = write_csv(tmp_path / "winter.csv", pd.DataFrame({"date": stamps, "x": np.arange(6.0)}))
    series = load_csv(path, "date")
    np.testing.assert_array_equal(series.timestamps, utc_seconds(stamps))


# ----------------------------------------------------------------------------------------------- Seattle weather


def seattle_installed() -> Path:
    spec = importlib.util.find_spec("vega_datasets")
    assert spec is not None, "vega_datasets is a dependency of the book"
    return Path(next(iter(spec.submodule_search_locations))) / "_data" / "seattle-weather.csv"


def test_seattle_is_found_in_the_installed_package_without_network(monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    path = locate("seattle-weather", download=False)
    assert path == seattle_installed()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == data.SOURCES["seattle-weather"].sha256


def test_seattle_weather_reads_four_years_of_days(monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    series = load_public("seattle-weather", columns=SEATTLE_COLUMNS)
    days = pd.date_range("2012-01-01", "2015-12-31", freq="D")
    assert len(days) == 1461
    assert series.values.shape == (len(days), 4)
    assert series.step == "D"
    assert series.timestamps[0] == np.datetime64("2012-01-01") and series.timestamps[-1] == np.datetime64("2015-12-31")
    np.testing.assert_array_equal(series.timestamps, seconds(days))
    assert series.channels == tuple(SEATTLE_COLUMNS) and series.time_column == "date"
    with open(seattle_installed(), newline="") as handle:
        rows = list(csv.DictReader(handle))
    expected = np.array([[float(row[name]) for name in SEATTLE_COLUMNS] for row in rows], dtype=np.float32)
    np.testing.assert_array_equal(series.values, expected)


def test_seattle_weather_targets_pick_among_the_columns(monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    series = load_public("seattle-weather", columns=SEATTLE_COLUMNS, targets=["temp_max"])
    assert series.targets == ("temp_max",)
    assert series.target_indices == (SEATTLE_COLUMNS.index("temp_max"),)


def test_seattle_weather_without_columns_names_the_weather_column(monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    with pytest.raises(DataError, match="column weather is not numeric") as caught:
        load_public("seattle-weather")
    assert "columns=" in str(caught.value)


def wheel_with_seattle() -> bytes:
    """A zip archive that holds the Seattle table where the vega_datasets wheel keeps it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("vega_datasets/__init__.py", "")
        archive.writestr(data.SOURCES["seattle-weather"].member, seattle_installed().read_bytes())
    return buffer.getvalue()


def offline_seattle(monkeypatch, archive: bytes) -> list[str]:
    """No installed copy, no data folder, and a download that returns ``archive``; returns the urls asked for."""
    monkeypatch.setattr("attention_book.data._installed_copy", lambda source: None)
    monkeypatch.delenv(DATA_ENV, raising=False)
    requested = []

    def fake_urlopen(url, *args, **kwargs):
        requested.append(url)
        return io.BytesIO(archive)

    monkeypatch.setattr("urllib.request.urlopen", fake_urlopen)
    return requested


def test_a_seattle_download_with_the_wrong_archive_checksum_is_not_kept(isolated_cache, monkeypatch):
    archive = wheel_with_seattle()
    requested = offline_seattle(monkeypatch, archive)
    with pytest.raises(DataError, match="sha256") as caught:
        load_public("seattle-weather", columns=SEATTLE_COLUMNS)
    message = str(caught.value)
    assert data.SOURCES["seattle-weather"].archive_sha256 in message
    assert hashlib.sha256(archive).hexdigest() in message
    assert "Nothing was kept" in message
    assert requested == [data.SOURCES["seattle-weather"].url]
    assert not [path for path in isolated_cache.rglob("*") if path.is_file()]


def test_a_seattle_download_with_the_right_checksum_lands_in_the_cache(isolated_cache, monkeypatch):
    archive = wheel_with_seattle()
    source = data.SOURCES["seattle-weather"]
    # the real wheel's checksum cannot be matched by a hand-made archive: publish this one's instead
    monkeypatch.setitem(data.SOURCES, "seattle-weather",
                        dataclasses.replace(source, archive_sha256=hashlib.sha256(archive).hexdigest()))
    requested = offline_seattle(monkeypatch, archive)
    series = load_public("seattle-weather", columns=SEATTLE_COLUMNS)
    assert requested == [source.url]
    assert series.values.shape == (1461, 4)
    cached = isolated_cache / "seattle-weather.csv"
    assert cached.read_bytes() == seattle_installed().read_bytes()  # the member, not the archive
    assert sorted(path.name for path in isolated_cache.iterdir()) == ["seattle-weather.csv"]


def test_locate_rejects_an_unknown_name():
    with pytest.raises(ValueError, match=re.escape("name: expected one of")):
        locate("seattle")


# ----------------------------------------------------------------------------------------------------- to_frame


def test_to_frame_is_indexed_by_the_timestamps_with_the_channel_columns(tmp_path):
    stamps = pd.date_range("2021-01-01", periods=30, freq="h")
    frame = table(stamps, channels=("a", "b", "c"))
    series = load_csv(write_csv(tmp_path / "abc.csv", frame), "date", columns=["c", "a"], targets=["a"])
    result = series.to_frame()
    assert isinstance(result, pd.DataFrame)
    assert isinstance(result.index, pd.DatetimeIndex)
    assert result.index.name == "date"
    np.testing.assert_array_equal(result.index.to_numpy().astype("datetime64[s]"), seconds(stamps))
    assert list(result.columns) == ["c", "a"]
    np.testing.assert_array_equal(result.to_numpy(), frame[["c", "a"]].to_numpy(np.float32))
    # and back: the frame gives the same series again
    again = from_frame(result, targets=["a"])
    np.testing.assert_array_equal(again.timestamps, series.timestamps)
    np.testing.assert_array_equal(again.values, series.values)
    assert (again.channels, again.targets, again.step, again.time_column) == (
        series.channels, series.targets, series.step, series.time_column)


def test_series_is_a_named_tuple_with_tuples_of_names(tmp_path):
    series = from_frame(table(pd.date_range("2021-01-01", periods=5, freq="D")), "date")
    assert isinstance(series, Series) and isinstance(series, tuple)
    assert Series._fields == ("timestamps", "channels", "values", "targets", "step", "time_column", "filled")
    assert isinstance(series.channels, tuple) and isinstance(series.targets, tuple)
    assert issubclass(DataError, ValueError)
