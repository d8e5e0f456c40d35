"""Tests of attention_book.results: the published rows and the table that grows chapter by chapter."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from attention_book.results import FAIR_ETTH1, PUBLISHED_ETTH1_96, SOURCES, ResultsTable, Row, fair_by_horizon

REFERENCES = Path(__file__).resolve().parents[1] / "book" / "references.bib"


def _readme_published(folder):
    """The published H = 96 test MSE listed in the data README beside ETTh1.csv: {model: MSE}."""
    readme = folder / "README.md"
    if not readme.is_file():
        pytest.skip(f"no README.md beside ETTh1.csv in {folder}")
    text = " ".join(readme.read_text(encoding="utf-8").split())
    listed = re.search(r"Published H=96 test MSE: (.*?) \(Zeng", text).group(1)
    pairs = re.findall(r"([\w/-]+) (\d\.\d{3})", listed)
    return {("Repeat" if name == "Repeat-last-value" else name): float(mse) for name, mse in pairs}


def test_published_rows_are_the_ones_the_data_readme_lists(ett_folder):
    assert {row.model: row.mse for row in PUBLISHED_ETTH1_96} == _readme_published(ett_folder)


def test_published_rows_name_their_source():
    for row in PUBLISHED_ETTH1_96:
        assert row.source in SOURCES
        assert 0 < row.mae < 1 and 0 < row.mse < 2
        assert row.source == ("nie2023patchtst" if row.model.startswith("PatchTST") else "zeng2023dlinear")


def test_fair_rows_cover_the_four_horizons_and_grow_with_the_horizon():
    """Every fair-loader row names a known source, and each model's error grows from one horizon to the next (a
    typo in a retyped number would most likely break the order)."""
    assert sorted(FAIR_ETTH1) == [96, 192, 336, 720]
    by_model = {}
    for horizon, rows in FAIR_ETTH1.items():
        assert len({row.model for row in rows}) == len(rows)
        for row in rows:
            assert row.source in SOURCES and "every test window" in row.note
            by_model.setdefault(row.model, []).append((horizon, row.mse, row.mae))
    for model, scores in by_model.items():
        mses = [mse for _, mse, _ in sorted(scores)]
        assert mses == sorted(mses), model
    assert {model for model, scores in by_model.items() if len(scores) == 4} >= {"PatchTST", "DUET", "SegRNN"}


def test_fair_by_horizon_holds_every_fair_row_once_and_nothing_else():
    for metric in ("mse", "mae"):
        table = fair_by_horizon(metric)
        assert list(table.columns) == [96, 192, 336, 720]
        assert table.index.names == ["model", "source"]
        assert table.notna().sum().sum() == sum(len(rows) for rows in FAIR_ETTH1.values())
        for horizon, rows in FAIR_ETTH1.items():
            for row in rows:
                assert table.loc[(row.model, SOURCES[row.source]), horizon] == getattr(row, metric)
    models = list(fair_by_horizon().index.get_level_values("model"))
    assert models == list(dict.fromkeys(row.model for rows in FAIR_ETTH1.values() for row in rows))
    assert np.isnan(fair_by_horizon().loc[("DLinear", SOURCES["qiu2024tfb"]), 192])
    with pytest.raises(ValueError, match="metric: expected 'mse' or 'mae', got 'rmse'"):
        fair_by_horizon("rmse")


def test_published_sources_are_in_the_bibliography():
    keys = set(re.findall(r"@\w+\{([^,\s]+),", REFERENCES.read_text(encoding="utf-8")))
    assert set(SOURCES) <= keys


def test_add_and_getitem():
    table = ResultsTable()
    assert table.add("repeat", 1.294, 0.713, note="L = 336") is table
    row = table["repeat"]
    assert row == Row("repeat", 1.294, 0.713, "this book", "L = 336")
    assert isinstance(row.mse, float)
    table.add("linear", np.float32(0.37), np.float64(0.39))
    assert isinstance(table["linear"].mse, float)
    assert [r.model for r in table.rows] == ["repeat", "linear"]


def test_add_replaces_a_row_of_the_same_name():
    table = ResultsTable().add("linear", 0.40, 0.41).add("repeat", 1.3, 0.7).add("linear", 0.37, 0.39)
    assert len(table.rows) == 2
    assert table["linear"].mse == 0.37


def test_getitem_of_an_unknown_model():
    table = ResultsTable().add("repeat", 1.3, 0.7)
    with pytest.raises(KeyError, match="model: no row named 'transformer'"):
        table["transformer"]
    with pytest.raises(KeyError, match="Repeat"):
        table["Repeat"]  # the published rows are not the book's rows


def test_all_rows_book_first_then_published_each_sorted_by_mse():
    table = ResultsTable().add("repeat", 1.294, 0.713).add("linear", 0.371, 0.392)
    models = [row.model for row in table.all_rows()]
    assert models[:2] == ["linear", "repeat"]
    published = table.all_rows()[2:]
    assert [row.mse for row in published] == sorted(row.mse for row in PUBLISHED_ETTH1_96)


def test_markdown_has_book_and_published_rows():
    table = ResultsTable().add("linear", 0.3712, 0.3921, note="closed form")
    text = table.to_markdown()
    lines = text.splitlines()
    assert lines[0] == "**ETTh1, horizon 96, test set**"
    assert "| model | MSE | MAE | source | note |" in lines
    assert "| linear | 0.371 | 0.392 | this book | closed form |" in lines
    assert "| Informer | 0.865 | 0.713 | Zeng et al. (2023), Table 2 | L = 96 |" in lines
    assert "| PatchTST/64 | 0.370 | 0.400 | Nie et al. (2023), Table 3 | L = 512 |" in lines
    assert len([line for line in lines if line.startswith("| ")]) == 1 + 1 + len(PUBLISHED_ETTH1_96)
    assert table._repr_markdown_() == text


def test_plain_repr_lists_every_row():
    table = ResultsTable("my title").add("repeat", 1.294, 0.713)
    text = repr(table)
    assert text.splitlines()[0] == "my title"
    for model in ["repeat", *(row.model for row in PUBLISHED_ETTH1_96)]:
        assert model in text
    assert "0x" not in text  # no object address in a notebook output


def test_custom_published_rows():
    table = ResultsTable("other", published=[Row("X", 0.5, 0.5, "somebody2020")])
    assert "| X | 0.500 | 0.500 | somebody2020 |  |" in table.to_markdown()


@pytest.mark.parametrize(
    "mse, mae, name",
    [
        (float("nan"), 0.5, "mse"),
        (-0.1, 0.5, "mse"),
        (float("inf"), 0.5, "mse"),
        ("0.4", 0.5, "mse"),
        (None, 0.5, "mse"),
        (0.4, float("nan"), "mae"),
        (0.4, -1, "mae"),
    ],
)
def test_add_rejects_bad_scores(mse, mae, name):
    table = ResultsTable()
    with pytest.raises(ValueError, match=name):
        table.add("model", mse, mae)
    assert table.rows == []  # nothing half-added


def test_lstma_rows_are_the_informer_numbers_and_say_they_are_not_comparable():
    from attention_book.results import LSTMA_ETTH1, SOURCES

    assert [(row.model, row.mse, row.mae) for row in LSTMA_ETTH1] == [
        ("LSTMa (H = 48)", 0.702, 0.675), ("LSTMa (H = 168)", 1.212, 0.867)]
    assert all(row.source == "zhou2021informer" and "not comparable" in row.note for row in LSTMA_ETTH1)
    assert SOURCES["zhou2021informer"].startswith("Zhou et al. (2021)")
