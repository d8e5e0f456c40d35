"""The benchmark command: its line-up entries, its resumable results file, its summary table and its errors.

The committed results file itself is checked in ``test_results_file.py``.
"""

from __future__ import annotations

import io
import urllib.error
from pathlib import Path

import pandas as pd
import pytest
from conftest import ett_table, write_rows

from attention_book import benchmark
from attention_book.benchmark import COLUMNS, Entry, main, parse_entry, read_results, run
from attention_book.data import DataError
from attention_book.frame import REVIN, parse_variant, variant

ROWS = 20 * 30 * 24  # the 20 months of the standard ETT protocol (12 / 4 / 4), hourly


@pytest.fixture
def ett_csv(tmp_path):
    return write_rows(tmp_path / "toy.csv", ett_table(ROWS, seed=3))


@pytest.mark.parametrize(("revin", "channel_independent"),
                         [(revin, ci) for revin in (None, *REVIN) for ci in (False, True)])
def test_variant_labels_parse_back(revin, channel_independent):
    assert parse_variant(variant(revin, channel_independent)) == (revin, channel_independent)


@pytest.mark.parametrize("label", ["", "revin", "revin-max", "ci+ci", "revin-last+revin-mean", "plain+ci", "CI"])
def test_malformed_variants_are_refused(label):
    with pytest.raises(ValueError, match=rf"variant: expected plain, ci, revin-MODE or revin-MODE\+ci .*, got "
                                         rf"'{label.replace('+', '[+]')}'"):
        parse_variant(label)


def test_entries_name_a_model_its_variant_and_its_lookback():
    assert parse_entry("linear", 336) == Entry("linear", "plain", 336)
    assert parse_entry(" segment_attention:revin-last+ci@720 ", 336) == Entry("segment_attention", "revin-last+ci",
                                                                              720)
    assert parse_entry("itransformer@96", 336) == Entry("itransformer", "plain", 96)
    with pytest.raises(ValueError, match=r"models: expected entries like name, name:revin-last\+ci or name@336, "
                                         r"got 'lstm@'"):
        parse_entry("lstm@", 336)
    with pytest.raises(ValueError, match=r"models: 'gru': model: expected one of .*, got 'gru'"):
        parse_entry("gru", 336)
    with pytest.raises(ValueError, match=r"models: 'linear:revin-last': revin: expected one of the models that "
                                         r"accept it .*, got 'linear'"):
        parse_entry("linear:revin-last", 336)


def test_the_book_lineup_parses():
    entries = [parse_entry(text, 336) for text in benchmark.LINEUP]
    assert len(set(entries)) == len(entries)


def test_a_run_writes_every_row_once_and_a_second_run_resumes(ett_csv, tmp_path):
    said = []
    entries = [parse_entry(text, 48) for text in ("repeat", "linear", "seasonal@72")]
    table = run(entries, [24, 12], [0, 1], str(ett_csv), tmp_path / "out", say=said.append)
    assert list(table.columns) == list(COLUMNS)
    assert len(table) == 6  # the baselines get seed 0 only
    assert set(table["seed"]) == {0}
    assert set(zip(table["model"], table["lookback"], strict=True)) == {("repeat", 48), ("linear", 48),
                                                                        ("seasonal", 72)}
    linear = table[table["model"] == "linear"]
    assert (linear["parameters"] == (48 + 1) * linear["horizon"]).all()  # W (L, H) and the bias
    assert (table["mse"] > 0).all() and (table["windows"] > 0).all()
    assert said[0].endswith("0 rows already, 6 to run") and said[-1].startswith("[6/6] seasonal plain L=72 H=12")
    said.clear()
    again = run(entries, [24, 12], [0, 1], str(ett_csv), tmp_path / "out", say=said.append)
    assert said == [f"{tmp_path / 'out' / 'toy.csv'}: 6 rows already, 0 to run"]
    pd.testing.assert_frame_equal(again, table)
    text = (tmp_path / "out" / "toy.md").read_text()
    assert "| linear | plain | 48 |" in text and "H = 12 | H = 24" in text
    mse = table.set_index(["model", "horizon"]).loc[("linear", 12), "mse"]
    assert f"{mse:.3f} ± 0.000" in text


def test_a_results_file_with_other_columns_is_refused(tmp_path):
    path = tmp_path / "etth1.csv"
    path.write_text("model,mse\nlinear,0.37\n")
    with pytest.raises(ValueError, match=r"out: expected a results file with the columns model, variant, .*, got "
                                         r"model, mse in "):
        read_results(path)


def test_the_summary_gives_the_mean_and_spread_over_seeds():
    rows = [dict(zip(COLUMNS, ("lstm", "plain", 96, 96, seed, mse, mse, 10, 5, 1.0, "v", "v", "v"), strict=True))
            for seed, mse in ((0, 0.4), (1, 0.5), (2, 0.6))]
    summary = benchmark.summary(pd.DataFrame(rows))
    assert summary.loc[0, "mse"] == pytest.approx(0.5) and summary.loc[0, "mse_std"] == pytest.approx(0.1)
    assert summary.loc[0, "seeds"] == 3


@pytest.mark.parametrize(("argv", "message"), [
    (["--horizons", "96,x"], "error: --horizons: expected integers separated by commas, got '96,x'"),
    (["--seeds", "-1"], "error: --seeds: expected integers separated by commas, got '-1'"),
    (["--models", "lstm:revin-max"], "error: --models: 'lstm:revin-max': variant: expected plain, ci, revin-MODE"),
    (["--models", "pointer:ci"], "error: --models: 'pointer:ci': channel_independent: expected one of the models"),
])
def test_bad_arguments_exit_2_with_one_line(argv, message, capsys, tmp_path):
    assert main([*argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


def test_a_missing_data_file_exits_1_with_one_line(capsys, tmp_path):
    assert main(["--data", str(tmp_path / "none.csv"), "--models", "repeat", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: --data: ") and err.count("\n") == 1


def test_the_repository_of_the_results_is_the_book_s(tmp_path):
    import yaml

    config = yaml.safe_load((Path(__file__).resolve().parents[1] / "_config.yml").read_text())
    assert config["repository"]["url"] == f"https://github.com/{benchmark.REPOSITORY}"


def test_results_come_from_the_clone_else_from_a_download_into_the_cache(tmp_path, monkeypatch, isolated_cache):
    """No clone: the file is downloaded once (faked here) and then read from the cache; offline, one clear error."""
    monkeypatch.setattr(benchmark, "CLONE_RESULTS", tmp_path / "no-clone")
    with pytest.raises(DataError, match=r"etth1.csv: no results file in .* and download=False"):
        benchmark.load_results("ETTh1", download=False)
    def offline(url, timeout):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    with pytest.raises(DataError, match=r"could not download https://raw.githubusercontent.com/attention-book/"
                                        r"attention-book/main/results/etth1.csv \(.*no network.*\); clone the book's"):
        benchmark.load_results("ETTh1")
    assert not (isolated_cache / "results" / "etth1.csv").exists()
    rows = ",".join(COLUMNS) + "\nlinear,plain,336,96,0,0.37,0.39,2785,32592,1.0,0.1.0,2.19.0,3.10.0\n"
    fetched = []

    class Response(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def fake_urlopen(url, timeout):
        fetched.append(url)
        return Response(rows.encode())

    monkeypatch.setattr("urllib.request.urlopen", fake_urlopen)
    first = benchmark.load_results("ETTh1")
    second = benchmark.load_results("ETTh1")
    assert len(fetched) == 1 and (isolated_cache / "results" / "etth1.csv").is_file()
    assert first.loc[0, "mse"] == 0.37 and second.equals(first)



def _rows(*settings):
    """Results rows from (model, variant, lookback, horizon, seed, mse)."""
    return pd.DataFrame([dict(zip(COLUMNS, (*setting, 0.5, 2785, 10, 1.0, "0", "2", "3"), strict=True))
                         for setting in settings], columns=list(COLUMNS))


def test_the_mse_by_horizon_has_one_line_per_setting_and_one_column_per_horizon():
    rows = _rows(("linear", "plain", 336, 96, 0, 0.37), ("linear", "plain", 336, 192, 0, 0.404),
                 ("lstm", "revin-last", 336, 96, 0, 0.46), ("lstm", "revin-last", 336, 96, 1, 0.48))
    grid = benchmark.mse_by_horizon(rows)
    assert list(grid.columns) == [96, 192]
    assert grid.loc[("linear", "plain", 336)].tolist() == ["0.370", "0.404"]
    assert grid.loc[("lstm", "revin-last", 336)].tolist() == ["0.470 ± 0.014", ""]
    text = benchmark.markdown_table(grid)
    assert text.splitlines()[0] == "| model | variant | lookback | 96 | 192 |"
    assert text.splitlines()[3] == "| lstm | revin-last | 336 | 0.470 ± 0.014 |  |"


def test_the_pareto_front_keeps_the_points_nothing_beats_on_both():
    costs, errors = [1, 2, 3, 3, 10], [0.5, 0.4, 0.45, 0.4, 0.3]
    assert benchmark.pareto_front(costs, errors) == [True, True, False, False, True]
    assert benchmark.pareto_front([1, 1], [0.5, 0.5]) == [True, True]  # ties beat nobody
    with pytest.raises(ValueError, match=r"errors: expected one per cost \(2\), got 1"):
        benchmark.pareto_front([1, 2], [0.5])
