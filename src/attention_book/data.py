"""The ETT-small data sets (Zhou et al., 2021): finding, verifying and reading them.

``load_ett("ETTh1")`` looks for the file in three places, in this order:

1. the folder named by the environment variable ``ATTENTION_BOOK_DATA``;
2. the cache folder (``~/.cache/attention_book``, or ``$XDG_CACHE_HOME/attention_book``);
3. the canonical address in the ETDataset repository, downloaded once into the cache.

A named file is always checked against its published sha256. Any CSV file with the ETT columns can be read by
passing its path instead of a name; then the same content checks apply, but no checksum.
"""

from __future__ import annotations

import csv
import hashlib
import http.client
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import NamedTuple

import numpy as np

DATA_ENV = "ATTENTION_BOOK_DATA"
BASE_URL = "https://raw.githubusercontent.com/zhouhaoyi/ETDataset/main/ETT-small/"

#: sha256 of the unmodified files of the ETDataset repository.
ETT_SHA256 = {
    "ETTh1": "f18de3ad269cef59bb07b5438d79bb3042d3be49bdeecf01c1cd6d29695ee066",
    "ETTh2": "a3dc2c597b9218c7ce1cd55eb77b283fd459a1d09d753063f944967dd6b9218b",
}

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
HOUR = np.timedelta64(1, "h")


class Series(NamedTuple):
    """A multivariate series: ``timestamps`` (T,) datetime64[s], ``channels`` (C,) names, ``values`` (T, C) float32."""

    timestamps: np.ndarray
    channels: tuple[str, ...]
    values: np.ndarray


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


def locate_ett(name: str = "ETTh1", *, download: bool = True) -> Path:
    """Path of a verified local copy of ``<name>.csv`` (``ETTh1`` or ``ETTh2``), downloading it if needed."""
    if name not in ETT_SHA256:
        raise ValueError(f"name: expected one of {sorted(ETT_SHA256)} or a path to a CSV file, got {name!r}")
    filename = f"{name}.csv"
    folder = os.environ.get(DATA_ENV)
    if folder:
        path = Path(folder) / filename
        if not path.is_file():
            raise DataError(
                f"{DATA_ENV} is set to {folder!r}, but {filename} is not there. "
                f"Put the file there, or unset {DATA_ENV} to use the cache and the download."
            )
        _check_sha256(path, name)
        return path
    path = cache_dir() / filename
    if not path.is_file():
        if not download:
            raise DataError(f"{filename} is not in the cache {cache_dir()} and download=False.")
        _download(BASE_URL + filename, path, name)
    _check_sha256(path, name)
    return path


def _check_sha256(path: Path, name: str) -> None:
    found = sha256_of(path)
    if found != ETT_SHA256[name]:
        raise DataError(
            f"{path} does not have the published sha256 of {name}: expected {ETT_SHA256[name]}, got {found}. "
            f"The file is damaged or not the original; delete it and download it again from {BASE_URL}{name}.csv."
        )


def _download(url: str, path: Path, name: str) -> None:
    """Download ``url`` to ``path``; only a complete file with the published checksum is kept."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = None
    try:
        with urllib.request.urlopen(url, timeout=60) as response, tempfile.NamedTemporaryFile(
            dir=path.parent, delete=False
        ) as partial:
            shutil.copyfileobj(response, partial)
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        if partial is not None:  # an interrupted download leaves no half-written file in the cache
            Path(partial.name).unlink(missing_ok=True)
        raise DataError(
            f"could not download {url} ({error}). If you are offline, download that file on another machine "
            f"and set the environment variable {DATA_ENV} to the folder that holds it."
        ) from None
    found = sha256_of(partial.name)
    if found != ETT_SHA256[name]:
        Path(partial.name).unlink()
        raise DataError(
            f"the file downloaded from {url} does not have the published sha256 of {name}: expected "
            f"{ETT_SHA256[name]}, got {found} (a proxy or login page instead of the data?). Nothing was kept; "
            f"download the file by hand and set {DATA_ENV} to the folder that holds it."
        )
    os.replace(partial.name, path)


def load_ett(name: str | os.PathLike = "ETTh1", *, download: bool = True) -> Series:
    """Read an hourly ETT-small data set.

    Args:
        name: ``"ETTh1"`` or ``"ETTh2"`` (found and verified as the module docstring says), or the path of any
            CSV file with the ETT columns ``date, HUFL, HULL, MUFL, MULL, LUFL, LULL, OT``.
        download: whether a named data set may be downloaded when no local copy exists.

    Returns:
        ``Series(timestamps (T,), channels (7,), values (T, 7) float32)``.

    Raises:
        DataError: the file is missing or damaged, a column is missing or extra, a value is empty or not a
            number, or the time index is not strictly hourly (gaps or duplicates).
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
    return read_ett_csv(path)


def read_ett_csv(path: str | os.PathLike) -> Series:
    """Parse and check one CSV file with the ETT columns (see :func:`load_ett`)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise DataError(f"{path}: the file is empty")
    header = tuple(column.strip() for column in rows[0])
    missing = [column for column in ETT_COLUMNS if column not in header]
    extra = [column for column in header if column not in ETT_COLUMNS]
    if missing or extra or len(header) != len(ETT_COLUMNS):
        raise DataError(
            f"{path}: expected the columns {', '.join(ETT_COLUMNS)}; "
            f"missing: {missing or 'none'}, extra: {extra or 'none'}"
        )
    order = [header.index(column) for column in ETT_COLUMNS]
    body = rows[1:]
    while body and not any(field.strip() for field in body[-1]):  # blank lines at the end of the file
        body.pop()
    if not body:
        raise DataError(f"{path}: the file has a header but no rows")
    values = np.empty((len(body), len(ETT_CHANNELS)), dtype=np.float64)
    stamps = []
    for number, row in enumerate(body, start=2):  # line numbers as an editor shows them
        if len(row) != len(header):
            raise DataError(f"{path}, line {number}: expected {len(header)} fields, got {len(row)}")
        fields = [row[i].strip() for i in order]
        for column, field in zip(ETT_COLUMNS, fields):
            if field == "":
                raise DataError(f"{path}, line {number}: column {column} is empty")
        stamps.append(fields[0])
        for j, (column, field) in enumerate(zip(ETT_COLUMNS[1:], fields[1:])):
            try:
                values[number - 2, j] = float(field)
            except ValueError:
                raise DataError(f"{path}, line {number}: column {column} is not a number: {field!r}") from None
            if not np.isfinite(values[number - 2, j]):
                raise DataError(f"{path}, line {number}: column {column} is not finite: {field!r}")
    try:
        timestamps = np.array([stamp.replace(" ", "T") for stamp in stamps], dtype="datetime64[s]")
    except ValueError as error:
        raise DataError(f"{path}: column date has a value that is not a timestamp ({error})") from None
    _check_hourly(path, timestamps)
    return Series(timestamps, tuple(ETT_CHANNELS), values.astype(np.float32))


def _check_hourly(path, timestamps: np.ndarray) -> None:
    steps = np.diff(timestamps)
    wrong = np.flatnonzero(steps != HOUR)
    if wrong.size:
        i = int(wrong[0])
        kind = "a duplicate or backwards step" if steps[i] <= np.timedelta64(0, "s") else "a gap"
        raise DataError(
            f"{path}: the time index must advance by exactly one hour per row; {kind} between "
            f"{timestamps[i]} (line {i + 2}) and {timestamps[i + 1]} (line {i + 3}); "
            f"{wrong.size} such step(s) in all"
        )
