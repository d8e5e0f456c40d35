"""The committed benchmark results, ``results/etth1.csv``: well formed, the book's whole line-up at H = 96, and
reproducible. The cheap rows (the baselines at every horizon in the file) are recomputed and must match; the best
neural row at H = 96 is retrained with seed 0 and must land within its spread over the seeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import DATA_ENV

from attention_book.benchmark import COLUMNS, KEY, LINEUP, load_results, parse_entry, read_results, run_row, summary
from attention_book.registry import REGISTRY, Neural
from attention_book.tasks import make_task

RESULTS = Path(__file__).resolve().parents[1] / "results" / "etth1.csv"
HORIZONS = (96, 192, 336, 720)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    """The file as the chapters read it (``load_results`` finds the clone's copy, with no download)."""
    loaded = load_results("ETTh1", download=False)
    pd.testing.assert_frame_equal(loaded, read_results(RESULTS))
    return loaded


def test_the_file_is_well_formed(table):
    assert tuple(table.columns) == COLUMNS
    assert not table.duplicated(list(KEY)).any()
    assert set(table["horizon"]) <= set(HORIZONS)
    assert (table["mse"] > 0).all() and (table["mae"] > 0).all()
    assert set(table["model"]) <= set(REGISTRY)
    for row in table.itertuples():
        entry = parse_entry(f"{row.model}:{row.variant}@{row.lookback}", 336)  # a registered model and frame
        if not isinstance(REGISTRY[entry.model], Neural):
            assert row.seed == 0 and row.variant == "plain"


def test_every_entry_of_the_lineup_has_its_rows_at_h96(table):
    at_96 = table[table["horizon"] == 96]
    present = set(zip(at_96["model"], at_96["variant"], at_96["lookback"], strict=True))
    for text in LINEUP:
        entry = parse_entry(text, 336)
        assert (entry.model, entry.variant, entry.lookback) in present, text
    windows = at_96.groupby("lookback")["windows"].unique()
    assert windows.loc[336].tolist() == [2785]  # every test window of the standard protocol


@pytest.fixture(scope="module")
def etth1(ett_folder):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DATA_ENV, str(ett_folder))
        yield lambda lookback, horizon: make_task("ETTh1", lookback, horizon)


def test_the_baseline_rows_are_what_the_baselines_give(table, etth1):
    baselines = table[table["model"].isin(["repeat", "seasonal", "linear"])]
    assert len(baselines) > 0
    for (lookback, horizon), group in baselines.groupby(["lookback", "horizon"]):
        task = etth1(lookback, horizon)
        for row in group.itertuples():
            again = run_row(parse_entry(f"{row.model}@{lookback}", lookback), task, 0)
            assert again["mse"] == pytest.approx(row.mse, abs=1e-4), (row.model, lookback, horizon)
            assert again["mae"] == pytest.approx(row.mae, abs=1e-4), (row.model, lookback, horizon)


def test_the_best_neural_row_at_h96_is_reproduced_within_its_seed_spread(table, etth1):
    neural = table[table["model"].map(lambda name: isinstance(REGISTRY[name], Neural)) & (table["horizon"] == 96)]
    rows = summary(neural)
    best = rows.loc[rows["mse"].idxmin()]
    entry = parse_entry(f"{best.model}:{best.variant}@{best.lookback}", 336)
    again = run_row(entry, etth1(entry.lookback, 96), 0)
    tolerance = max(3 * best.mse_std, 0.005)
    assert abs(again["mse"] - best.mse) <= tolerance, (entry, again["mse"], best.mse, best.mse_std)
    assert np.isfinite(again["mae"])
