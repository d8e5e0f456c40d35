"""Reading time series: any CSV file or pandas DataFrame, and the public data sets the book uses.

:func:`load_csv` and :func:`from_frame` turn a table with a time column into a :class:`Series`: timestamps,
channel names, which channels are targets, and the regular step between rows, inferred and checked. Every
problem a table can have (a text column, a value that is not a number, a missing value, a stamp that does not
parse, duplicated, unsorted or irregular stamps) is one :class:`DataError` that says where it is and how to fix
it; ``missing="interpolate"`` fills gaps and empty cells by time interpolation instead.

The public data sets (:data:`SOURCES`: ETTh1 and ETTh2 of Zhou et al., 2021, and the Seattle weather table) are
found, in this order:

1. in the folder named by the environment variable ``ATTENTION_BOOK_DATA``;
2. in an installed package that ships the file (the Seattle table comes with ``vega_datasets``);
3. in the cache folder (``~/.cache/attention_book``, or ``$XDG_CACHE_HOME/attention_book``);
4. at the data set's canonical address, downloaded once into the cache.

Each copy is checked against its published sha256 before it is read.
"""

from __future__ import annotations

import hashlib
import http.client
import importlib.util
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

DATA_ENV = "ATTENTION_BOOK_DATA"
BASE_URL = "https://raw.githubusercontent.com/zhouhaoyi/ETDataset/main/ETT-small/"


@dataclass(frozen=True)
class Source:
    """Where a public data set comes from: ``filename``, its ``sha256``, the ``url`` to download, and optionally
    the ``member`` of a zip archive at that url (with the archive's own ``archive_sha256``) and the ``package``
    and path inside it of an installed copy."""

    filename: str
    sha256: str
    url: str
    time_column: str
    licence: str
    member: str | None = None
    archive_sha256: str | None = None
    package: tuple[str, str] | None = None


#: The public data sets by name.
SOURCES = {
    "ETTh1": Source(
        "ETTh1.csv", "f18de3ad269cef59bb07b5438d79bb3042d3be49bdeecf01c1cd6d29695ee066", BASE_URL + "ETTh1.csv",
        "date", "CC BY-ND 4.0 (ETDataset, Zhou et al., 2021)",
    ),
    "ETTh2": Source(
        "ETTh2.csv", "a3dc2c597b9218c7ce1cd55eb77b283fd459a1d09d753063f944967dd6b9218b", BASE_URL + "ETTh2.csv",
        "date", "CC BY-ND 4.0 (ETDataset, Zhou et al., 2021)",
    ),
    # Daily weather at Seattle, 2012-2015, from NOAA (public domain), as shipped by the vega_datasets package
    # (MIT licence) on PyPI; the download is that package's wheel, from which the file is taken.
    "seattle-weather": Source(
        "seattle-weather.csv", "62f0609f787158128aa2bd102967173a4953122dd4f872bf1d502cae1037df0b",
        "https://files.pythonhosted.org/packages/e6/9f/ca52771fe972e0dcc5167fedb609940e01516066938ff2ee28b273ae4f29/"
        "vega_datasets-0.9.0-py3-none-any.whl",
        "date", "public domain (NOAA); packaged by vega_datasets 0.9.0, MIT licence",
        member="vega_datasets/_data/seattle-weather.csv",
        archive_sha256="3d7c63917be6ca9b154b565f4779a31fedce57b01b5b9d99d8a34a7608062a1d",
        package=("vega_datasets", "_data/seattle-weather.csv"),
    ),
}
#: sha256 of the unmodified files of the ETDataset repository.
ETT_SHA256 = {name: SOURCES[name].sha256 for name in ("ETTh1", "ETTh2")}

#: The seven channels, in file order, and what they measure (Zhou et al., 2021).
ETT_CHANNELS = {
    "HUFL": "high useful load",
    "HULL": "high useless load",
    "MUFL": "middle useful load",
    "MULL": "middle useless load",
    "LUFL": "low useful load",
    "LULL": "low useless load",
    "OT": "oil temperature (the usual single target)",
}
ETT_COLUMNS = ("date", *ETT_CHANNELS)
MISSING_CHOICES = ("error", "interpolate")
#: Text that stands for a missing value in a CSV cell (besides an empty cell).
MISSING_TEXT = frozenset({"", "na", "n/a", "nan", "null", "none", "#n/a", "-nan"})


class Series(NamedTuple):
    """A multivariate series in its own units.

    ``timestamps`` (T,) datetime64[s]; ``channels`` (C,) names; ``values`` (T, C) float32; ``targets``: the
    names of the channels to forecast (the others are covariates, read but not forecast); ``step``: the regular
    step between rows as a pandas frequency (``"h"``, ``"15min"``, ``"D"``, ``"W-SUN"``, ``"MS"``, ...);
    ``time_column``: the name of the time column it was read from; ``filled``: how many values
    ``missing="interpolate"`` filled.
    """

    timestamps: np.ndarray
    channels: tuple[str, ...]
    values: np.ndarray
    targets: tuple[str, ...]
    step: str
    time_column: str = "date"
    filled: int = 0

    @property
    def target_indices(self) -> tuple[int, ...]:
        """The positions of the targets among the channels."""
        return tuple(self.channels.index(name) for name in self.targets)

    def targets_first(self) -> Series:
        """The same series with its channels reordered: the targets first (in the order of ``targets``), then
        the covariates in their own order. Every forecaster of the book reads its forecast channels as the first
        channels of a window; :func:`~attention_book.tasks.own_task` reorders with this."""
        order = [*self.target_indices, *(i for i, name in enumerate(self.channels) if name not in self.targets)]
        return self._replace(channels=tuple(self.channels[i] for i in order), values=self.values[:, order])

    def to_frame(self) -> pd.DataFrame:
        """The series as a DataFrame indexed by its timestamps (index name: the time column)."""
        index = pd.DatetimeIndex(self.timestamps, name=self.time_column)
        return pd.DataFrame(self.values, index=index, columns=list(self.channels))


class DataError(ValueError):
    """The data file is missing, damaged or not in the expected form."""


def cache_dir() -> Path:
    """The folder where downloaded data sets are kept."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "attention_book"


def sha256_of(path: str | os.PathLike) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def locate(name: str, *, download: bool = True) -> Path:
    """Path of a verified local copy of the public data set ``name`` (see :data:`SOURCES`), downloading it if
    needed; the places searched are listed in the module docstring."""
    if name not in SOURCES:
        raise ValueError(f"name: expected one of {sorted(SOURCES)} or a path to a CSV file, got {name!r}")
    source = SOURCES[name]
    folder = os.environ.get(DATA_ENV)
    installed = _installed_copy(source)
    if folder and (Path(folder) / source.filename).is_file():
        path = Path(folder) / source.filename
    elif installed is not None:
        path = installed
    elif folder:
        raise DataError(
            f"{DATA_ENV} is set to {folder!r}, but {source.filename} is not there. "
            f"Put the file there, or unset {DATA_ENV} to use the cache and the download."
        )
    else:
        path = cache_dir() / source.filename
        if not path.is_file():
            if not download:
                raise DataError(f"{source.filename} is not in the cache {cache_dir()} and download=False.")
            _download(source, path, name)
    _check_sha256(path, name)
    return path


def locate_ett(name: str = "ETTh1", *, download: bool = True) -> Path:
    """Path of a verified local copy of ``<name>.csv`` (``ETTh1`` or ``ETTh2``), downloading it if needed."""
    if name not in ETT_SHA256:
        raise ValueError(f"name: expected one of {sorted(ETT_SHA256)} or a path to a CSV file, got {name!r}")
    return locate(name, download=download)


def _installed_copy(source: Source) -> Path | None:
    """The file inside an installed package that ships it, if that package is installed."""
    if source.package is None:
        return None
    package, inside = source.package
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / inside
    return path if path.is_file() else None


def _check_sha256(path: Path, name: str) -> None:
    expected = SOURCES[name].sha256
    found = sha256_of(path)
    if found != expected:
        raise DataError(
            f"{path} does not have the published sha256 of {name}: expected {expected}, got {found}. "
            f"The file is damaged or not the original; delete it and download it again from {SOURCES[name].url}."
        )


def _download(source: Source, path: Path, name: str) -> None:
    """Download ``source`` to ``path``; only a complete file with the published checksum is kept.

    For a source inside a zip archive, the archive's checksum is checked first, then the member's.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = None
    try:
        with urllib.request.urlopen(source.url, timeout=60) as response, tempfile.NamedTemporaryFile(
            dir=path.parent, delete=False
        ) as partial:
            shutil.copyfileobj(response, partial)
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        if partial is not None:  # an interrupted download leaves no half-written file in the cache
            Path(partial.name).unlink(missing_ok=True)
        raise DataError(
            f"could not download {source.url} ({error}). If you are offline, download that file on another "
            f"machine and set the environment variable {DATA_ENV} to the folder that holds {source.filename}."
        ) from None
    downloaded = Path(partial.name)
    expected = source.archive_sha256 or source.sha256
    found = sha256_of(downloaded)
    if found != expected:
        downloaded.unlink()
        raise DataError(
            f"the file downloaded from {source.url} does not have the published sha256 of {name}: expected "
            f"{expected}, got {found} (a proxy or login page instead of the data?). Nothing was kept; "
            f"download the file by hand and set {DATA_ENV} to the folder that holds {source.filename}."
        )
    if source.member is not None:
        with zipfile.ZipFile(downloaded) as archive:
            content = archive.read(source.member)
        downloaded.write_bytes(content)
    os.replace(downloaded, path)


def load_ett(name: str | os.PathLike = "ETTh1", *, download: bool = True) -> Series:
    """Read an hourly ETT-small data set.

    Args:
        name: ``"ETTh1"`` or ``"ETTh2"`` (found and verified as the module docstring says), or the path of any
            CSV file with the ETT columns ``date, HUFL, HULL, MUFL, MULL, LUFL, LULL, OT``.
        download: whether a named data set may be downloaded when no local copy exists.

    Returns:
        ``Series`` with timestamps (T,), the seven channels (all of them targets), values (T, 7) float32, step
        ``"h"``.

    Raises:
        DataError: the file is missing or damaged, a column is missing or extra, a value is empty or not a
            number, or the time index is not strictly hourly (gaps, duplicates or stamps out of order).
    """
    text_name = os.fspath(name)
    if text_name in ETT_SHA256:
        path = locate_ett(text_name, download=download)
    else:
        path = Path(text_name)
        if path.suffix.lower() != ".csv":
            raise ValueError(
                f"name: expected one of {sorted(ETT_SHA256)} or a path to a .csv file, got {text_name!r}"
            )
        if not path.is_file():
            raise DataError(f"name: no file at {text_name!r}")
    table = _read_table(path)
    header = tuple(table.columns)
    missing = [column for column in ETT_COLUMNS if column not in header]
    extra = [column for column in header if column not in ETT_COLUMNS]
    if missing or extra:
        raise DataError(
            f"{path}: expected the columns {', '.join(ETT_COLUMNS)}; "
            f"missing: {missing or 'none'}, extra: {extra or 'none'}"
        )
    return _series(table, "date", list(ETT_CHANNELS), None, "error", "h", _Lines(path))


def load_public(name: str, *, columns=None, targets=None, missing: str = "error", download: bool = True) -> Series:
    """Read the public data set ``name`` of :data:`SOURCES` with :func:`load_csv` after finding and verifying
    it (see the module docstring)."""
    path = locate(name, download=download)
    return load_csv(path, SOURCES[name].time_column, columns=columns, targets=targets, missing=missing)


def load_csv(path: str | os.PathLike, time_column: str, columns=None, targets=None, missing: str = "error", *,
             time_format: str | None = None, step: str | None = None) -> Series:
    """Read a CSV file with a time column and one column per channel into a :class:`Series`.

    Args:
        path: the CSV file (a header line, then one row per time step; comma-separated).
        time_column: the column that holds the timestamps.
        columns: the channels to use, in this order (default: every column but the time column). A column that
            is not numeric must be left out here.
        targets: the channels to forecast, a subset of ``columns`` (default: all of them); the other channels
            are covariates, read as inputs only.
        missing: ``"error"`` (default) refuses empty cells and gaps in the time index; ``"interpolate"`` fills
            them by time interpolation and reports how many values it filled in ``Series.filled``.
        time_format: a ``strftime`` format for the time column (e.g. ``"%d/%m/%Y"``); default: inferred.
        step: the step between rows as a pandas frequency (``"h"``, ``"D"``, ``"MS"``, ...); default: inferred
            from the timestamps (at least 3 rows are needed then).

    Raises:
        DataError: one error naming the line and the problem (see the module docstring).
    """
    path = Path(os.fspath(path))
    if not path.is_file():
        raise DataError(f"path: no file at {os.fspath(path)!r}")
    table = _read_table(path)
    return _series(table, time_column, columns, targets, missing, step, _Lines(path), time_format)


def from_frame(frame: pd.DataFrame, time_column: str | None = None, columns=None, targets=None,
               missing: str = "error", *, time_format: str | None = None, step: str | None = None) -> Series:
    """A :class:`Series` from a DataFrame with a time column, or with a ``DatetimeIndex`` when ``time_column`` is
    ``None``. The other arguments are those of :func:`load_csv`; errors name rows by their position (from 0)."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame: expected a pandas DataFrame, got {type(frame).__name__}")
    if time_column is None:
        if not isinstance(frame.index, pd.DatetimeIndex):
            raise ValueError(
                "time_column: the frame has no DatetimeIndex, so name its time column "
                f"(one of {[str(c) for c in frame.columns]}), got None"
            )
        time_column = str(frame.index.name or "time")
        if time_column in [str(column) for column in frame.columns]:
            raise ValueError(f"time_column: the frame's DatetimeIndex would be called {time_column!r}, which is "
                             "also a column; rename one of them or pass time_column=")
        frame = frame.reset_index(names=time_column)
    frame = frame.reset_index(drop=True)
    frame.columns = [str(column) for column in frame.columns]
    return _series(frame, time_column, columns, targets, missing, step, _Rows(), time_format)


class _Lines:
    """Names rows of a CSV file by their line in an editor (the header is line 1)."""

    def __init__(self, path: Path):
        self.source = str(path)

    def __call__(self, row: int) -> str:
        return f"line {row + 2}"


class _Rows:
    """Names rows of a DataFrame by their position."""

    source = "frame"

    def __call__(self, row: int) -> str:
        return f"row {row}"


def _read_table(path: Path) -> pd.DataFrame:
    """Every cell of a CSV file as text, stripped; empty cells, and the cells a short row lacks, are ``""``."""
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True,
                            skip_blank_lines=True, encoding="utf-8")
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty") from None
    except pd.errors.ParserError as error:
        raise DataError(f"{path}: not a comma-separated table ({str(error).strip()})") from None
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not a UTF-8 text file ({error.reason} at byte {error.start})") from None
    table.columns = [str(column).strip() for column in table.columns]
    if table.empty:
        raise DataError(f"{path}: the file has a header but no rows")
    return table.apply(lambda column: column.str.strip())


def _series(table: pd.DataFrame, time_column, columns, targets, missing, step, rows, time_format=None) -> Series:
    """The checks and conversions that :func:`load_csv`, :func:`from_frame` and :func:`load_ett` share."""
    if missing not in MISSING_CHOICES:
        raise ValueError(f"missing: expected one of {', '.join(MISSING_CHOICES)}, got {missing!r}")
    header = list(table.columns)
    if not isinstance(time_column, str) or time_column not in header:
        raise ValueError(f"time_column: expected one of the columns {header}, got {time_column!r}")
    available = [column for column in header if column != time_column]
    columns = _names("columns", columns, available, time_column)
    if not columns:
        raise ValueError(f"columns: the table has no column besides the time column {time_column!r}")
    targets = _names("targets", targets, columns, time_column)
    if not targets:
        raise ValueError("targets: expected at least one channel to forecast, got none")
    values = np.column_stack([_numbers(table[name], name, rows) for name in columns])
    stamps = _timestamps(table[time_column], time_column, rows, time_format)
    offset = _step(stamps, step, rows)
    grid = pd.date_range(stamps[0], stamps[-1], freq=offset)
    positions = grid.get_indexer(stamps)
    off_step = np.flatnonzero(positions < 0)
    if off_step.size:
        i = int(off_step[0])
        raise DataError(
            f"{rows.source}: the time stamps are not regular: the step is {offset.freqstr}, but {_text(stamps[i])} "
            f"({rows(i)}) is not on it; {off_step.size} stamp(s) off the step in all. Pass step= (command line: "
            "--step) if the step is another one, or resample the table to one step first (DataFrame.resample)"
        )
    absent = np.isnan(values)
    n_gaps = len(grid) - len(stamps)
    if missing == "error" and (absent.any() or n_gaps):
        raise DataError(_missing_message(table, columns, absent, stamps, positions, n_gaps, offset, rows))
    filled = 0
    if absent.any() or n_gaps:
        frame = pd.DataFrame(values, index=stamps, columns=columns).reindex(grid)
        filled = int(frame.isna().to_numpy().sum())
        frame = frame.interpolate(method="time", limit_direction="both")
        empty = [name for name in columns if frame[name].isna().all()]
        if empty:
            raise DataError(f"{rows.source}: column {empty[0]} has no values to interpolate from; leave it out "
                            "with columns= (command line: --columns)")
        values = frame.to_numpy()
    return Series(grid.to_numpy().astype("datetime64[s]"), tuple(columns), values.astype(np.float32),
                  tuple(targets), offset.freqstr, time_column, filled)


def _names(argument: str, given, allowed: list[str], time_column: str) -> list[str]:
    """``given`` (None: all of ``allowed``) as a list of distinct names from ``allowed``, or one ``ValueError``."""
    if given is None:
        return list(allowed)
    names = [given] if isinstance(given, str) else list(given)
    if any(not isinstance(name, str) for name in names):
        raise ValueError(f"{argument}: expected column names (text), got {names!r}")
    if len(set(names)) != len(names):
        raise ValueError(f"{argument}: expected distinct names, got {names!r}")
    if time_column in names:
        raise ValueError(f"{argument}: {time_column!r} is the time column; expected channels among {allowed}")
    unknown = [name for name in names if name not in allowed]
    if unknown:
        within = "the columns" if argument == "targets" else "the table's columns"
        raise ValueError(f"{argument}: expected names among {within} {allowed}, got {unknown} that are not")
    return names


def _numbers(column: pd.Series, name: str, rows) -> np.ndarray:
    """One channel as float64, missing values as NaN; a text column or a bad value is a ``DataError``."""
    if pd.api.types.is_bool_dtype(column) or not (
        pd.api.types.is_numeric_dtype(column) or pd.api.types.is_object_dtype(column)
        or pd.api.types.is_string_dtype(column)
    ):
        raise DataError(f"{rows.source}: column {name} holds {column.dtype} values, not numbers; leave it out "
                        "with columns= (command line: --columns)")
    if pd.api.types.is_numeric_dtype(column):
        numbers = column.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        text = column.astype(object).where(column.notna(), "").astype(str).str.strip()
        blank = text.str.lower().isin(MISSING_TEXT).to_numpy()
        numbers = pd.to_numeric(text.where(~blank), errors="coerce").to_numpy(dtype=np.float64)
        bad = np.isnan(numbers) & ~blank
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            if bad.sum() == (~blank).sum():
                raise DataError(
                    f"{rows.source}: column {name} is not numeric ({text.iloc[i]!r} on {rows(i)}); leave it out "
                    "by naming the channels to use: columns=[...] (command line: --columns a,b,c)"
                )
            raise DataError(f"{rows.source}, {rows(i)}: column {name} is not a number: {text.iloc[i]!r}")
    infinite = np.flatnonzero(np.isinf(numbers))
    if infinite.size:
        i = int(infinite[0])
        raise DataError(f"{rows.source}, {rows(i)}: column {name} is not finite: {column.iloc[i]!r}")
    return numbers


def _timestamps(column: pd.Series, name: str, rows, time_format) -> pd.DatetimeIndex:
    """The time column parsed and checked: no empty or unparsable stamp, none repeated, none out of order."""
    if pd.api.types.is_datetime64_any_dtype(column):
        stamps = pd.DatetimeIndex(column)
        empty = np.flatnonzero(stamps.isna())
        if empty.size:
            raise DataError(f"{rows.source}, {rows(int(empty[0]))}: column {name} is empty")
    elif pd.api.types.is_numeric_dtype(column):
        raise DataError(f"{rows.source}: column {name} holds numbers, not timestamps (dtype {column.dtype})")
    else:
        text = column.astype(object).where(column.notna(), "").astype(str).str.strip()
        empty = np.flatnonzero((text == "").to_numpy())
        if empty.size:
            raise DataError(f"{rows.source}, {rows(int(empty[0]))}: column {name} is empty")
        try:
            # utc=True reads stamps with UTC offsets (which change with daylight saving) as instants; naive
            # stamps stay as written, since they are taken as UTC and the zone is dropped below.
            parsed = pd.to_datetime(text, format=time_format, errors="coerce", utc=True)
        except (ValueError, TypeError) as error:
            raise DataError(f"{rows.source}: column {name} could not be read as timestamps ({error})") from None
        bad = np.flatnonzero(parsed.isna().to_numpy())
        if bad.size:
            i = int(bad[0])
            hint = (f"it does not match time_format {time_format!r}" if time_format else
                    f"its format differs from the first stamp's, {text.iloc[0]!r}; pass time_format= "
                    "(command line: --time-format), e.g. '%d/%m/%Y'")
            raise DataError(f"{rows.source}, {rows(i)}: column {name} has a value that is not a timestamp: "
                            f"{text.iloc[i]!r} ({hint})")
        stamps = pd.DatetimeIndex(parsed)
    if stamps.tz is not None:  # compare instants, not wall-clock times that repeat when clocks change
        stamps = stamps.tz_convert(None)
    steps = np.diff(stamps.asi8)
    backwards = np.flatnonzero(steps < 0)
    if backwards.size:
        i = int(backwards[0])
        raise DataError(
            f"{rows.source}: the time stamps go backwards between {_text(stamps[i])} ({rows(i)}) and "
            f"{_text(stamps[i + 1])} ({rows(i + 1)}); {backwards.size} such step(s) in all. Sort the rows by "
            "time first (DataFrame.sort_values)"
        )
    repeated = np.flatnonzero(steps == 0)
    if repeated.size:
        i = int(repeated[0])
        raise DataError(
            f"{rows.source}: the time stamp {_text(stamps[i])} appears twice ({rows(i)} and {rows(i + 1)}); "
            f"{repeated.size} row(s) repeat the stamp before them. A long table that holds several series, one "
            "row per series and time step, looks like this: give each series its own column first "
            "(DataFrame.pivot)"
        )
    return stamps


def _step(stamps: pd.DatetimeIndex, step, rows):
    """The given ``step`` as a pandas offset, or the one inferred from the stamps."""
    if step is not None:
        try:
            return pd.tseries.frequencies.to_offset(step)
        except (ValueError, TypeError):
            raise ValueError(f"step: expected a pandas frequency such as 'h', '15min', 'D', 'W-SUN' or 'MS', "
                             f"got {step!r}") from None
    if len(stamps) < 3:
        raise DataError(f"{rows.source}: {len(stamps)} row(s) are too few to infer the step between rows; "
                        "at least 3 are needed, or pass step=")
    freq = _infer_freq(stamps)
    if freq is None:  # gaps or irregular stamps: the step that most rows advance by
        gaps = stamps[1:] - stamps[:-1]
        common = pd.Series(gaps).mode().iloc[0]
        if common < pd.Timedelta(days=28):  # named as pandas names it (D, W-SUN, h) from a regular stretch
            regular = np.flatnonzero((gaps[:-1] == common) & (gaps[1:] == common))
            freq = _infer_freq(stamps[regular[0]:regular[0] + 3]) if regular.size else None
            freq = freq or common
        else:  # months, quarters, years: of the calendar steps that stretches show, the one most stamps are on
            candidates = {found for i in range(min(len(stamps) - 2, 50))
                          if (found := _infer_freq(stamps[i:i + 3])) is not None}
            if not candidates:
                raise DataError(f"{rows.source}: no regular step found in the time stamps; pass step=")
            freq = max(candidates, key=lambda found: (
                pd.date_range(stamps[0], stamps[-1], freq=found).isin(stamps).sum(),
                len(pd.date_range(stamps[0], stamps[-1], freq=found))))
    return pd.tseries.frequencies.to_offset(freq)


def _infer_freq(stamps: pd.DatetimeIndex) -> str | None:
    """pandas' name for the step of regular ``stamps`` (3 or more), or ``None``."""
    import warnings

    with warnings.catch_warnings():  # pandas 3 announces that infer_freq will return an offset
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        found = pd.infer_freq(stamps)
    return getattr(found, "freqstr", found)


def _missing_message(table, columns, absent, stamps, positions, n_gaps, offset, rows) -> str:
    """Where the first missing value or gap is, and how many there are of each."""
    gap_starts = np.flatnonzero(np.diff(positions) > 1)
    totals = (f"{int(absent.sum())} empty or missing cell(s) and {n_gaps} missing step(s) in {gap_starts.size} "
              f"gap(s) in all. Pass missing='interpolate' (command line: --missing interpolate) to fill them by "
              "time interpolation, or fill them yourself")
    if absent.any():
        row, channel = (int(i) for i in np.argwhere(absent)[0])
        cell = table[columns[channel]].iloc[row]
        text = cell.strip() if isinstance(cell, str) else ""
        what = f"has the missing value {text!r}" if text else "is empty"
        return f"{rows.source}, {rows(row)}: column {columns[channel]} {what}; {totals}"
    i = int(gap_starts[0])
    return (f"{rows.source}: a gap between {_text(stamps[i])} ({rows(i)}) and {_text(stamps[i + 1])} "
            f"({rows(i + 1)}) with the step {offset.freqstr}; {totals}")


def _text(stamp) -> str:
    """A timestamp as ISO text to the second, as numpy prints it."""
    return str(np.datetime64(pd.Timestamp(stamp).to_datetime64(), "s"))
