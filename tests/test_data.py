"""Tests of attention_book.data: finding, verifying and reading the ETT files (the generic reader has its own
tests in test_own_data.py)."""

from __future__ import annotations

import io
import urllib.error
from http.client import IncompleteRead

import numpy as np
import pytest
from conftest import DATA_ENV, HEADER, ett_table

from attention_book import data
from attention_book.data import DataError, load_ett, locate_ett

CHANNELS = ("HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT")
ETTH1_SHA256 = "f18de3ad269cef59bb07b5438d79bb3042d3be49bdeecf01c1cd6d29695ee066"
ETTH1_URL = "https://raw.githubusercontent.com/zhouhaoyi/ETDataset/main/ETT-small/ETTh1.csv"


# ---------------------------------------------------------------------------------------------------- real file


@pytest.fixture(scope="module")
def etth1(ett_folder):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DATA_ENV, str(ett_folder))
        return load_ett("ETTh1")


@pytest.fixture(scope="module")
def etth1_bytes(ett_folder) -> bytes:
    return (ett_folder / "ETTh1.csv").read_bytes()


def test_etth1_shape_dtype_and_channels(etth1):
    assert etth1.values.shape == (17420, 7)
    assert etth1.values.dtype == np.float32
    assert etth1.channels == CHANNELS
    assert tuple(data.ETT_CHANNELS) == CHANNELS


def test_etth1_timestamps_are_hourly_over_the_published_range(etth1):
    stamps = etth1.timestamps
    assert stamps.dtype == np.dtype("datetime64[s]")
    assert stamps.shape == (17420,)
    assert stamps[0] == np.datetime64("2016-07-01T00:00")
    assert stamps[-1] == np.datetime64("2018-06-26T19:00")
    assert np.all(np.diff(stamps) == np.timedelta64(1, "h"))


def test_etth1_values_match_an_independent_parse(etth1, ett_folder):
    path = ett_folder / "ETTh1.csv"
    expected = np.loadtxt(path, delimiter=",", skiprows=1, usecols=range(1, 8), dtype=np.float64)
    np.testing.assert_array_equal(etth1.values, expected.astype(np.float32))
    first_stamps = np.loadtxt(path, delimiter=",", skiprows=1, usecols=0, dtype=str, max_rows=3)
    assert [str(s).replace("T", " ") for s in etth1.timestamps[:3]] == list(first_stamps)


def test_etth1_has_the_published_sha256(ett_folder):
    assert data.ETT_SHA256["ETTh1"] == ETTH1_SHA256
    assert data.sha256_of(ett_folder / "ETTh1.csv") == ETTH1_SHA256
    assert (ett_folder / "ETTh1.csv").stat().st_size == 2_589_657


def test_locate_returns_the_file_in_the_data_folder(ett_folder, monkeypatch):
    monkeypatch.setenv(DATA_ENV, str(ett_folder))
    assert locate_ett("ETTh1") == ett_folder / "ETTh1.csv"


def test_one_changed_byte_fails_the_sha256_check(ett_folder, etth1_bytes, tmp_path, monkeypatch):
    damaged = bytearray(etth1_bytes)
    position = damaged.index(b"5.827")  # first value of the first row: the file still parses after the change
    damaged[position] = ord("6")
    (tmp_path / "ETTh1.csv").write_bytes(bytes(damaged))
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    with pytest.raises(DataError, match="sha256") as caught:
        load_ett("ETTh1")
    assert ETTH1_SHA256 in str(caught.value)
    assert "ETTh1.csv" in str(caught.value)
    # the damaged copy is a perfectly readable CSV: only the checksum can catch it
    assert load_ett(tmp_path / "ETTh1.csv").values[0, 0] == np.float32(6.827000141143799)


def test_data_folder_without_the_file_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    with pytest.raises(DataError, match=DATA_ENV) as caught:
        load_ett("ETTh1")
    assert "ETTh1.csv" in str(caught.value)


def test_data_folder_wins_over_the_cache(ett_folder, isolated_cache, monkeypatch):
    isolated_cache.mkdir(parents=True)
    (isolated_cache / "ETTh1.csv").write_text("not the data\n")
    monkeypatch.setenv(DATA_ENV, str(ett_folder))
    assert load_ett("ETTh1").values.shape == (17420, 7)


# ------------------------------------------------------------------------------------------ cache and download


def test_cache_dir_follows_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert data.cache_dir() == tmp_path / "attention_book"


def test_offline_without_a_copy_says_where_to_get_the_file(isolated_cache, monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)

    def offline(url, *args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    with pytest.raises(DataError, match=DATA_ENV) as caught:
        load_ett("ETTh1")
    message = str(caught.value)
    assert ETTH1_URL in message
    assert "offline" in message
    assert not (isolated_cache / "ETTh1.csv").exists()


@pytest.mark.parametrize(
    "failure", [ConnectionResetError("connection reset by peer"), TimeoutError("timed out"), IncompleteRead(b"da")]
)
def test_download_interrupted_midway_leaves_nothing_in_the_cache(failure, isolated_cache, monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)

    class Broken(io.BytesIO):
        def read(self, *args):
            raise failure

    monkeypatch.setattr("urllib.request.urlopen", lambda url, *args, **kwargs: Broken(b"date,"))
    with pytest.raises(DataError, match=DATA_ENV):
        load_ett("ETTh1")
    assert not (isolated_cache / "ETTh1.csv").exists()
    assert list(isolated_cache.iterdir()) == []  # no half-written temporary file either


def test_download_lands_in_the_cache_and_is_verified(etth1_bytes, isolated_cache, monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    requested = []

    def fake_urlopen(url, *args, **kwargs):
        requested.append(url)
        return io.BytesIO(etth1_bytes)

    monkeypatch.setattr("urllib.request.urlopen", fake_urlopen)
    series = load_ett("ETTh1")
    assert requested == [ETTH1_URL]
    assert series.values.shape == (17420, 7)
    cached = isolated_cache / "ETTh1.csv"
    assert cached.read_bytes() == etth1_bytes
    assert sorted(p.name for p in isolated_cache.iterdir()) == ["ETTh1.csv"]

    # the second call reads the cache and does not download again
    monkeypatch.setattr("urllib.request.urlopen", lambda *a, **k: pytest.fail("downloaded twice"))
    assert locate_ett("ETTh1") == cached
    np.testing.assert_array_equal(load_ett("ETTh1").values, series.values)


def test_a_wrong_download_fails_the_sha256_check(isolated_cache, monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    monkeypatch.setattr("urllib.request.urlopen", lambda url, *a, **k: io.BytesIO(b"<html>captive portal</html>"))
    with pytest.raises(DataError, match="sha256"):
        load_ett("ETTh1")


def test_download_false_and_no_copy_is_a_data_error(isolated_cache, monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    with pytest.raises(DataError, match="download=False"):
        load_ett("ETTh1", download=False)


def test_etth2_is_a_known_name(isolated_cache, etth1_bytes, monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    assert len(data.ETT_SHA256["ETTh2"]) == 64
    with pytest.raises(DataError, match="ETTh2.csv"):
        locate_ett("ETTh2", download=False)
    with pytest.raises(DataError, match="ETTh2.csv"):
        load_ett("ETTh2", download=False)
    # a download is checked against ETTh2's own checksum (here: ETTh1's bytes under ETTh2's name)
    requested = []

    def fake_urlopen(url, *args, **kwargs):
        requested.append(url)
        return io.BytesIO(etth1_bytes)

    monkeypatch.setattr("urllib.request.urlopen", fake_urlopen)
    with pytest.raises(DataError, match="sha256") as caught:
        locate_ett("ETTh2")
    assert requested == [data.BASE_URL + "ETTh2.csv"]
    assert data.ETT_SHA256["ETTh2"] in str(caught.value)


@pytest.mark.parametrize("name", ["ETTh3", "etth1", "ETTm1", ""])
def test_locate_rejects_unknown_names(name):
    with pytest.raises(ValueError, match="name"):
        locate_ett(name)


@pytest.mark.parametrize("name", ["ETTh3", "data.txt", "ETTh1.parquet"])
def test_load_rejects_a_name_that_is_neither_known_nor_csv(name):
    with pytest.raises(ValueError, match="name") as caught:
        load_ett(name)
    assert type(caught.value) is ValueError  # a usage error, not a damaged file


def test_load_a_missing_csv_path_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="name: no file"):
        load_ett(tmp_path / "missing.csv")


# ---------------------------------------------------------------------------------------------- small CSV files


def test_small_csv_is_read_exactly(small_csv):
    path = small_csv(30)
    series = load_ett(path)
    table = ett_table(30)
    expected = np.array([[float(v) for v in row[1:]] for row in table[1:]], dtype=np.float32)
    np.testing.assert_array_equal(series.values, expected)
    assert series.channels == CHANNELS
    assert series.timestamps[0] == np.datetime64("2016-07-01T00:00")
    assert series.timestamps[-1] == np.datetime64("2016-07-02T05:00")
    # a str path and a Path give the same
    np.testing.assert_array_equal(load_ett(str(path)).values, series.values)


def test_columns_in_another_order_are_read_by_name(small_csv):
    original = load_ett(small_csv(20, name="original.csv"))
    order = [7, 3, 0, 5, 1, 6, 2, 4]  # OT first, date in the middle

    def shuffle_columns(rows):
        return [[row[i] for i in order] for row in rows]

    shuffled = load_ett(small_csv(20, edit=shuffle_columns, name="shuffled.csv"))
    assert shuffled.channels == CHANNELS
    np.testing.assert_array_equal(shuffled.values, original.values)
    np.testing.assert_array_equal(shuffled.timestamps, original.timestamps)


def test_spaces_around_fields_and_crlf_line_ends_are_accepted(small_csv, tmp_path):
    rows = ett_table(5)
    path = tmp_path / "crlf.csv"
    path.write_bytes("".join(", ".join(row) + "\r\n" for row in rows).encode())
    np.testing.assert_array_equal(load_ett(path).values, load_ett(small_csv(5)).values)


def _drop(column):
    def edit(rows):
        j = rows[0].index(column)
        return [row[:j] + row[j + 1:] for row in rows]

    return edit


def _set(line, column, text):
    """Put ``text`` in ``column`` of the given file line (line 1 is the header)."""

    def edit(rows):
        rows[line - 1][HEADER.index(column)] = text

    return edit


def _add_column(rows):
    return [row + (["extra"] if i == 0 else ["1.0"]) for i, row in enumerate(rows)]


def _rename(rows):
    rows[0][HEADER.index("MULL")] = "MULL2"


def _duplicate_stamp(rows):  # line 6 repeats the timestamp of line 5
    rows[5][0] = rows[4][0]


def _gap(rows):  # the row of line 11 is missing: a gap of 2 hours between lines 10 and 11
    del rows[10]


def _short_row(rows):
    rows[8] = rows[8][:5]


def _backwards(rows):  # line 5 goes back to the timestamp of line 3
    rows[4][0] = rows[2][0]


BAD_FILES = {
    "missing OT": (_drop("OT"), r"missing: \['OT'\]"),
    "missing date": (_drop("date"), r"missing: \['date'\]"),
    "extra column": (_add_column, r"extra: \['extra'\]"),
    "renamed column": (_rename, r"missing: \['MULL'\], extra: \['MULL2'\]"),
    "empty value": (_set(7, "MULL", ""), "line 7: column MULL is empty; 1 empty or missing cell"),
    "empty date": (_set(4, "date", ""), "line 4: column date is empty"),
    "not a number": (_set(9, "LUFL", "abc"), "line 9: column LUFL is not a number: 'abc'"),
    "nan": (_set(3, "OT", "nan"), "line 3: column OT has the missing value 'nan'"),
    "infinity": (_set(12, "HUFL", "inf"), "line 12: column HUFL is not finite"),
    "not a timestamp": (_set(6, "date", "yesterday"), "line 6: column date has a value that is not a timestamp"),
    "short row": (_short_row, "line 9: column LUFL is empty"),
    "duplicate timestamp": (_duplicate_stamp, r"appears twice \(line 5 and line 6\)"),
    "backwards step": (
        _backwards,
        r"go backwards between 2016-07-01T02:00:00 \(line 4\) and 2016-07-01T01:00:00 \(line 5\)",
    ),
    "gap": (_gap, r"a gap between 2016-07-01T08:00:00 \(line 10\) and 2016-07-01T10:00:00 \(line 11\)"),
    "half-hour stamp": (_set(8, "date", "2016-07-01 06:30:00"), r"not regular.*2016-07-01T06:30:00 \(line 8\)"),
    "header only": (lambda rows: rows[:1], "has a header but no rows"),
}


@pytest.mark.parametrize("problem", BAD_FILES)
def test_each_bad_file_gives_one_data_error_naming_the_problem(small_csv, problem):
    edit, message = BAD_FILES[problem]
    path = small_csv(24, edit=edit)
    with pytest.raises(DataError, match=message) as caught:
        load_ett(path)
    assert str(path) in str(caught.value)


def test_an_empty_file_is_a_data_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(DataError, match="empty"):
        load_ett(path)


def test_a_single_row_is_valid(small_csv):
    series = load_ett(small_csv(1))
    assert series.values.shape == (1, 7)
    assert series.timestamps.shape == (1,)


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)


def test_the_data_folder_is_read_only_for_the_loader(ett_folder, monkeypatch, isolated_cache):
    before = sorted(p.name for p in ett_folder.iterdir())
    monkeypatch.setenv(DATA_ENV, str(ett_folder))
    load_ett("ETTh1")
    assert sorted(p.name for p in ett_folder.iterdir()) == before
    assert not isolated_cache.exists()  # nothing was cached either



def test_a_download_with_the_wrong_checksum_is_not_kept(isolated_cache, monkeypatch):
    monkeypatch.delenv("ATTENTION_BOOK_DATA", raising=False)
    monkeypatch.setattr("urllib.request.urlopen", lambda url, timeout=None: io.BytesIO(b"<html>log in</html>"))
    with pytest.raises(DataError, match="sha256.*Nothing was kept"):
        locate_ett("ETTh1")
    assert not [path for path in isolated_cache.rglob("*") if path.is_file()]


def test_blank_lines_at_the_end_of_the_file_are_fine(small_csv):
    path = small_csv(30)
    path.write_text(path.read_text() + "\n\n")
    assert load_ett(path).values.shape == (30, 7)
