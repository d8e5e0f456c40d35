"""Shared fixtures: the real data folder, small hand-made ETT files, an isolated cache and the ETTh1 task."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

# TensorFlow's C++ start-up lines would clutter every captured stderr; set before anything imports it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

DATA_ENV = "ATTENTION_BOOK_DATA"
HEADER = ["date", "HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"]
FIRST_STAMP = np.datetime64("2016-07-01T00:00:00", "s")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "tensorflow_only(reason): studies TensorFlow itself (tf.GradientTape, tf.function timings); "
        "skipped, with the reason, when KERAS_BACKEND is another backend, and never on TensorFlow")


def pytest_collection_modifyitems(config, items):
    """Skip the tests marked ``tensorflow_only`` when Keras runs on another backend (e.g. ``KERAS_BACKEND=jax``)."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        return
    for item in items:
        marker = item.get_closest_marker("tensorflow_only")
        if marker is not None:
            reason = marker.args[0] if marker.args else "TensorFlow only"
            item.add_marker(pytest.mark.skip(reason=f"TensorFlow only, Keras runs on {backend}: {reason}"))


@pytest.fixture(scope="session")
def ett_folder() -> Path:
    """The folder named by ``ATTENTION_BOOK_DATA`` that holds the real ``ETTh1.csv``.

    Unset variable: the real-data tests are skipped (a reader without the file can still run the rest).
    Set, but no ``ETTh1.csv`` there: that is a broken setup (e.g. CI), so the test fails instead of skipping.
    """
    folder = os.environ.get(DATA_ENV)
    if not folder:
        pytest.skip(f"{DATA_ENV} is not set; set it to the folder holding ETTh1.csv to run the real-data tests")
    path = Path(folder).resolve()
    if not (path / "ETTh1.csv").is_file():
        pytest.fail(f"{DATA_ENV} is set to {folder!r}, but there is no ETTh1.csv in {path}")
    return path


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch) -> Path:
    """Every test gets an empty cache folder, so no test reads or writes the real ``~/.cache``.

    The network is cut as well: a test that would download by accident fails loudly instead. Tests that
    exercise the download replace ``urllib.request.urlopen`` themselves.
    """
    root = tmp_path_factory.mktemp("xdg_cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(root))

    def no_network(*args, **kwargs):
        raise AssertionError(f"a test tried to use the network: urlopen{args}")

    monkeypatch.setattr("urllib.request.urlopen", no_network)
    return root / "attention_book"


def ett_table(n_rows: int, seed: int = 0) -> list[list[str]]:
    """Rows of a valid ETT-format CSV: the header, then ``n_rows`` hourly rows of 7 numbers (as text)."""
    rng = np.random.default_rng(seed)
    values = np.round(rng.normal(5.0, 2.0, (n_rows, 7)), 3)
    stamps = FIRST_STAMP + np.arange(n_rows) * np.timedelta64(1, "h")
    rows = [list(HEADER)]
    for stamp, line in zip(stamps, values, strict=True):
        rows.append([str(stamp).replace("T", " ")] + [repr(float(v)) for v in line])
    return rows


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("".join(",".join(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture
def small_csv(tmp_path):
    """Factory: ``small_csv(n_rows=48, edit=None, name="small.csv")`` writes a valid ETT-format CSV.

    ``edit`` receives the rows (header first, all cells as text) and may change them in place, or return new
    rows, to make the file bad in one specific way. Returns the path.
    """

    def write(n_rows: int = 48, edit=None, name: str = "small.csv", seed: int = 0) -> Path:
        rows = ett_table(n_rows, seed)
        if edit is not None:
            rows = edit(rows) or rows
        return write_rows(tmp_path / name, rows)

    return write


@pytest.fixture(scope="session")
def etth1_task(ett_folder):
    """The standard ETTh1 task (L = 336, H = 96), built once for the whole run (it takes a few seconds).

    Shared between tests: never modify its arrays.
    """
    from attention_book.tasks import make_task

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DATA_ENV, str(ett_folder))
        return make_task("ETTh1", 336, 96)
