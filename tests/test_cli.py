"""Tests of attention_book.cli: ``python -m attention_book evaluate|fit|forecast|models``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import DATA_ENV

from attention_book import cli

KEYS = {"model", "variant", "data", "lookback", "horizon", "mse", "mae", "windows", "seconds"}


def run_module(*args, env_data=None, timeout=120):
    env = dict(os.environ)
    env.pop(DATA_ENV, None)
    if env_data is not None:
        env[DATA_ENV] = str(env_data)
    return subprocess.run(
        [sys.executable, "-m", "attention_book", *args],
        capture_output=True, text=True, env=env, timeout=timeout,
    )


# ------------------------------------------------------------------------------------------ real subprocesses


def test_evaluate_repeat_on_etth1_as_a_subprocess(ett_folder):
    """The full path a reader runs: parse, load, verify, split, window, fit, score, print JSON."""
    result = run_module(
        "evaluate", "--model", "repeat", "--data", "ETTh1", "--lookback", "336", "--horizon", "96",
        env_data=ett_folder,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    row = json.loads(lines[0])
    assert set(row) == KEYS
    assert (row["model"], row["data"], row["lookback"], row["horizon"], row["windows"]) == (
        "repeat", "ETTh1", 336, 96, 2785,
    )
    assert row["mse"] == pytest.approx(1.294, abs=0.005)
    assert row["mae"] == pytest.approx(0.713, abs=0.005)
    assert "Traceback" not in result.stderr


def test_lstm_on_etth1_beats_repeat_as_a_subprocess(ett_folder):
    """Chapter 2's row, reproduced by the command line: the LSTM trains and beats repeating the last value
    (silently, with --quiet)."""
    args = ("--data", "ETTh1", "--horizon", "96")
    lstm = run_module("evaluate", "--model", "lstm", *args, "--quiet", env_data=ett_folder, timeout=600)
    repeat = run_module("evaluate", "--model", "repeat", *args, env_data=ett_folder)
    assert lstm.returncode == 0 and repeat.returncode == 0, lstm.stderr + repeat.stderr
    lstm_row, repeat_row = json.loads(lstm.stdout), json.loads(repeat.stdout)
    assert (lstm_row["model"], lstm_row["windows"]) == ("lstm", repeat_row["windows"])
    assert lstm_row["mse"] < repeat_row["mse"] - 0.1, (lstm_row, repeat_row)
    assert lstm.stderr == ""


def test_missing_csv_as_a_subprocess_is_one_clean_line(tmp_path):
    missing = tmp_path / "missing.csv"
    result = run_module("evaluate", "--model", "repeat", "--data", str(missing))
    assert result.returncode != 0
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # not even TensorFlow's start-up chatter
    assert lines[0].startswith("error: --data:") and "missing.csv" in lines[0]


# ----------------------------------------------------------------------------------------------- in process


def test_models_lists_the_registry(capsys):
    assert cli.main(["models"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == sorted(out.splitlines())
    assert {"repeat", "seasonal", "linear", "rnn", "lstm"} <= set(out.split())


def test_evaluate_prints_one_json_object(capsys):
    assert cli.main(["evaluate", "--model", "seasonal", "--data", "lag_retrieval", "--lookback", "40",
                     "--horizon", "1", "--seed", "3"]) == 0
    captured = capsys.readouterr()
    row = json.loads(captured.out)
    assert captured.out.count("\n") == 1
    assert set(row) == KEYS
    assert (row["model"], row["data"], row["lookback"], row["horizon"], row["windows"]) == (
        "seasonal", "lag_retrieval", 40, 1, 1000,
    )


def test_evaluate_defaults_are_the_standard_protocol():
    args = cli._parser().parse_args(["evaluate", "--model", "repeat", "--data", "ETTh1"])
    assert (args.lookback, args.horizon, args.seed) == (336, 96, 0)


def test_unknown_model(capsys):
    assert cli.main(["evaluate", "--model", "gru", "--data", "ETTh1"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "--model" in lines[0] and "'gru'" in lines[0] and "lstm" in lines[0]
    assert "Traceback" not in captured.err


def test_missing_csv_path(capsys, tmp_path):
    assert cli.main(["evaluate", "--model", "repeat", "--data", str(tmp_path / "nope.csv")]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "--data" in captured.err and "nope.csv" in captured.err


def test_bad_csv_file(capsys, small_csv):
    path = small_csv(30, edit=lambda rows: rows[0].__setitem__(3, "MUFL2"))
    assert cli.main(["evaluate", "--model", "repeat", "--data", str(path)]) == 1
    captured = capsys.readouterr()
    assert "--data" in captured.err and "MUFL" in captured.err and "Traceback" not in captured.err


def test_a_data_name_that_is_not_csv(capsys):
    assert cli.main(["evaluate", "--model", "repeat", "--data", "ETTh9"]) == 2
    assert "name" in capsys.readouterr().err


@pytest.mark.parametrize("horizon", ["0", "-5"])
def test_bad_horizon(capsys, horizon):
    assert cli.main(["evaluate", "--model", "repeat", "--data", "seasonal_mix", "--horizon", horizon]) == 2
    captured = capsys.readouterr()
    assert "horizon" in captured.err and captured.err.count("\n") == 1


def test_lag_retrieval_needs_horizon_one(capsys):
    assert cli.main(["evaluate", "--model", "repeat", "--data", "lag_retrieval", "--lookback", "20",
                     "--horizon", "2"]) == 2
    captured = capsys.readouterr()
    assert "horizon" in captured.err and "Traceback" not in captured.err


@pytest.mark.parametrize(
    "argv, word",
    [
        (["evaluate", "--model", "repeat", "--data", "ETTh1", "--colour", "red"], "--colour"),
        (["evaluate", "--model", "repeat", "--data", "ETTh1", "--horizon", "abc"], "--horizon"),
        (["evaluate", "--data", "ETTh1"], "--model"),
        (["train"], "train"),
        ([], "command"),
    ],
)
def test_usage_errors_exit_2(capsys, argv, word):
    with pytest.raises(SystemExit) as caught:
        cli.main(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert word in err and "Traceback" not in err


def test_calendar_flag_reaches_the_task(capsys, monkeypatch):
    """evaluate builds the task with make_task(calendar=...) and scores it with evaluate_on_task (faked here)."""
    from attention_book import registry, tasks

    real_make_task = tasks.make_task
    seen = {}

    def recording_make_task(data_name, lookback, horizon, **options):
        seen["make_task"] = options.get("calendar")
        return real_make_task(data_name, lookback, horizon, **options)

    def fake_evaluate_on_task(name, task, seed=0, verbose=0, revin=None, channel_independent=False, sizes=None):
        seen.update(name=name, task=task.calendar)
        return {"model": name}

    monkeypatch.setattr(tasks, "make_task", recording_make_task)
    monkeypatch.setattr(registry, "evaluate_on_task", fake_evaluate_on_task)
    argv = ["evaluate", "--model", "bahdanau", "--data", "seasonal_mix", "--lookback", "48", "--horizon", "24"]
    assert cli.main(argv) == 0 and seen == {"make_task": False, "name": "bahdanau", "task": False}
    assert cli.main(argv + ["--calendar"]) == 0 and seen == {"make_task": True, "name": "bahdanau", "task": True}
    assert capsys.readouterr().out.splitlines() == ['{"model": "bahdanau"}'] * 2


def test_frame_flags_reach_the_registry(capsys, monkeypatch):
    from attention_book import registry

    seen = []

    def fake_evaluate_on_task(name, task, seed=0, verbose=0, revin=None, channel_independent=False, sizes=None):
        seen.append((name, revin, channel_independent))
        return {"model": name}

    monkeypatch.setattr(registry, "evaluate_on_task", fake_evaluate_on_task)
    argv = ["evaluate", "--model", "lstm_attention", "--data", "seasonal_mix", "--lookback", "48", "--horizon", "24"]
    for flags in ([], ["--revin"], ["--revin", "std", "--channel-independent"], ["--channel-independent"]):
        assert cli.main(argv + flags) == 0
    assert seen == [("lstm_attention", None, False), ("lstm_attention", "last", False),
                    ("lstm_attention", "std", True), ("lstm_attention", None, True)]


@pytest.mark.parametrize(("model", "flags", "message"), [
    ("linear", ["--revin"], "error: --revin: expected one of the models that accept it (attention_rnn, "),
    ("patch_transformer", ["--channel-independent"], "error: --channel-independent: expected one of the models"),
    ("lstm", ["--revin", "max"], "error: argument --revin: invalid choice: 'max'"),
])
def test_a_frame_a_model_does_not_take_is_a_usage_error_before_any_data_is_read(model, flags, message, capsys):
    argv = ["evaluate", "--model", model, "--data", "no-such-file.csv", *flags]
    try:
        code = cli.main(argv)
    except SystemExit as stop:  # argparse's own errors
        code = stop.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


def test_sizes_reach_the_registry(capsys, monkeypatch):
    from attention_book import registry

    seen = []

    def fake_evaluate_on_task(name, task, seed=0, verbose=0, revin=None, channel_independent=False, sizes=None):
        seen.append(sizes)
        return {"model": name}

    monkeypatch.setattr(registry, "evaluate_on_task", fake_evaluate_on_task)
    argv = ["evaluate", "--model", "segment_attention", "--data", "seasonal_mix", "--lookback", "168"]
    for flags in ([], ["--sizes", "segment=7"], ["--sizes", " segment = 7 , units=8,score=general,attention=false"]):
        assert cli.main(argv + flags) == 0
    assert seen == [None, {"segment": 7}, {"segment": 7, "units": 8, "score": "general", "attention": False}]
    assert cli._sizes("units=1e1,score=2.5,attention=True") == {"units": 10.0, "score": 2.5, "attention": True}


def test_calendar_flag_on_lag_retrieval_is_a_usage_error(capsys):
    argv = ["evaluate", "--model", "repeat", "--data", "lag_retrieval", "--lookback", "20", "--horizon", "1",
            "--calendar"]
    assert cli.main(argv) == 2
    assert "calendar: lag_retrieval windows have no time of day" in capsys.readouterr().err


# ------------------------------------------------------------------------------- your own CSV: fit and forecast

FIT_KEYS = {"model", "variant", "data", "lookback", "horizon", "val", "test", "seconds", "out"}
FORECAST_KEYS = {"model_dir", "data", "out", "plot", "first", "last", "steps", "targets"}
N_DAYS = 200
LAST_DAY = pd.Timestamp("2021-03-01") + pd.Timedelta(days=N_DAYS - 1)  # 2021-09-16
GAP_ROWS = (50, 51, 52)  # 2021-04-20 to 2021-04-22


def write_daily_csv(path: Path, drop_rows=(), drop_columns=(), step: str = "D") -> Path:
    """``day`` (2021/03/01, ...), ``a`` (weekly sine), ``b`` (monthly sine), ``c`` (noise) and the text column
    ``label``, one row per day; ``drop_rows`` leaves days out (a gap), ``drop_columns`` leaves columns out;
    ``step="h"`` makes the same table hourly (2021/03/01 00:00, ...)."""
    rng = np.random.default_rng(0)
    t = np.arange(N_DAYS)
    frame = pd.DataFrame({
        "day": pd.date_range("2021-03-01", periods=N_DAYS, freq=step).strftime(
            "%Y/%m/%d" if step == "D" else "%Y/%m/%d %H:%M"),
        "a": (10 + 3 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 0.2, N_DAYS)).round(3),
        "b": (5 + np.sin(2 * np.pi * t / 30) + rng.normal(0, 0.2, N_DAYS)).round(3),
        "c": rng.normal(0, 1, N_DAYS).round(3),
        "label": np.where(t % 2 == 0, "even", "odd"),
    })
    frame.drop(index=list(drop_rows), columns=list(drop_columns)).to_csv(path, index=False)
    return path


def write_hourly_csv(path: Path, n_rows: int = 24 * 30) -> Path:
    rng = np.random.default_rng(1)
    t = np.arange(n_rows)
    pd.DataFrame({
        "time": pd.date_range("2023-03-20 00:00", periods=n_rows, freq="h").strftime("%Y-%m-%d %H:%M:%S"),
        "x": (20 + 4 * np.sin(2 * np.pi * t / 24) + rng.normal(0, 0.3, n_rows)).round(3),
        "y": rng.normal(0, 1, n_rows).round(3),
    }).to_csv(path, index=False)
    return path


OWN = ["--time-column", "day", "--columns", "a,b,c", "--targets", "a,b"]
SIZES = ["--lookback", "28", "--horizon", "7"]


def one_json_line(stdout: str) -> dict:
    lines = stdout.splitlines()
    assert len(lines) == 1, stdout
    return json.loads(lines[0])


def check_forecast_csv(path: Path, header: str, last: pd.Timestamp, step: str, horizon: int) -> pd.DataFrame:
    """The forecast file: the header, ``horizon`` rows whose stamps continue ``last`` by ``step``."""
    text = path.read_text(encoding="utf-8").splitlines()
    assert text[0] == header
    frame = pd.read_csv(path, index_col=0, parse_dates=True)
    expected = pd.date_range(last, periods=horizon + 1, freq=step)[1:]
    assert len(frame) == horizon
    assert list(frame.index) == list(expected)
    return frame


def test_evaluate_fit_and_forecast_a_daily_csv_as_subprocesses(tmp_path):
    """What a reader with a CSV file runs: evaluate, fit and save, forecast with a plot; one JSON line each."""
    from attention_book.own_series import Forecaster

    data = str(write_daily_csv(tmp_path / "daily.csv"))
    evaluated = run_module("evaluate", "--data", data, *OWN, "--model", "linear", *SIZES)
    assert evaluated.returncode == 0, evaluated.stderr
    row = one_json_line(evaluated.stdout)
    assert set(row) == KEYS
    assert (row["model"], row["data"], row["lookback"], row["horizon"]) == ("linear", "daily.csv", 28, 7)
    assert row["windows"] == int(0.2 * N_DAYS) - 7 + 1  # the test split owns the last 40 rows
    assert "Traceback" not in evaluated.stderr

    folder = tmp_path / "forecaster"
    fitted = run_module("fit", "--data", data, *OWN, "--model", "linear", *SIZES, "--out", str(folder))
    assert fitted.returncode == 0, fitted.stderr
    row = one_json_line(fitted.stdout)
    assert set(row) == FIT_KEYS
    for split, windows in (("val", 14), ("test", 34)):
        assert set(row[split]) == {"mse", "mae", "windows"} and row[split]["windows"] == windows
        assert 0 < row[split]["mse"] < 1  # standardised units; the weekly cycle is easy for the linear map
    assert row["test"]["mse"] == pytest.approx(json.loads(evaluated.stdout)["mse"], rel=1e-9)
    assert row["seconds"] >= 0 and row["out"] == str(folder)
    assert (folder / "forecaster.json").is_file()
    assert "200 rows of 3 channels" in fitted.stderr and "Traceback" not in fitted.stderr

    out, plot = tmp_path / "fc.csv", tmp_path / "fc.png"
    forecast = run_module("forecast", "--model-dir", str(folder), "--data", data, "--out", str(out),
                          "--plot", str(plot))
    assert forecast.returncode == 0, forecast.stderr
    row = one_json_line(forecast.stdout)
    assert set(row) == FORECAST_KEYS
    assert (row["steps"], row["targets"], row["first"], row["last"]) == (
        7, ["a", "b"], "2021-09-17 00:00:00", "2021-09-23 00:00:00")
    frame = check_forecast_csv(out, "day,a,b", LAST_DAY, "D", 7)
    expected = Forecaster.load(folder).forecast(data)
    np.testing.assert_allclose(frame.to_numpy(), expected.to_numpy(), rtol=1e-12)
    assert plot.is_file() and plot.stat().st_size > 1000
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Traceback" not in forecast.stderr


def test_a_neural_fit_shows_its_epochs_unless_quiet_as_subprocesses(tmp_path):
    data = str(write_daily_csv(tmp_path / "daily.csv"))
    args = ("fit", "--data", data, *OWN, "--model", "lstm", "--lookback", "14", "--horizon", "7")
    loud = run_module(*args, "--out", str(tmp_path / "loud"))
    assert loud.returncode == 0, loud.stderr
    assert "Epoch 1/" in loud.stderr and "Epoch 1/" not in loud.stdout
    assert set(one_json_line(loud.stdout)) == FIT_KEYS
    quiet = run_module(*args, "--out", str(tmp_path / "quiet"), "--quiet")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""
    assert one_json_line(quiet.stdout)["test"] == one_json_line(loud.stdout)["test"]  # same seed, same model
    assert (tmp_path / "quiet" / "model.keras").is_file()


def test_fit_and_forecast_an_hourly_csv(capsys, tmp_path):
    data = str(write_hourly_csv(tmp_path / "hourly.csv"))
    folder, out = tmp_path / "hourly-forecaster", tmp_path / "next-day.csv"
    assert cli.main(["fit", "--data", data, "--time-column", "time", "--model", "linear", "--lookback", "48",
                     "--horizon", "24", "--out", str(folder)]) == 0
    captured = capsys.readouterr()
    row = one_json_line(captured.out)
    assert row["test"]["windows"] == int(0.2 * 24 * 30) - 24 + 1
    assert "step h, targets x, y" in captured.err
    assert cli.main(["forecast", "--model-dir", str(folder), "--data", data, "--out", str(out), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert one_json_line(captured.out)["first"] == "2023-04-19 00:00:00"
    check_forecast_csv(out, "time,x,y", pd.Timestamp("2023-04-18 23:00"), "h", 24)


@pytest.fixture(scope="module")
def own_files(tmp_path_factory) -> dict:
    """The daily CSV, variants of it, and a linear forecaster fitted on it (a, b targets; c a covariate)."""
    from attention_book import data
    from attention_book.own_series import Forecaster

    folder = tmp_path_factory.mktemp("own")
    files = {
        "data": write_daily_csv(folder / "daily.csv"),
        "no_c": write_daily_csv(folder / "no_c.csv", drop_columns=["c"]),
        "gap": write_daily_csv(folder / "gap.csv", drop_rows=GAP_ROWS),
        "hourly": write_daily_csv(folder / "hourly.csv", step="h"),
        "short": write_daily_csv(folder / "short.csv", drop_rows=range(20, N_DAYS)),
        "empty": folder / "empty",
        "model": folder / "forecaster",
        "out": folder / "out.csv",
    }
    files["empty"].mkdir()
    series = data.load_csv(files["data"], "day", ["a", "b", "c"], ["a", "b"])
    Forecaster("linear", 28, 7).fit(series).save(files["model"])
    return {name: str(path) for name, path in files.items()}


def run_main(argv, capsys):
    """``cli.main(argv)`` in this process: (exit code, stdout, stderr); argparse's exits are caught."""
    try:
        code = cli.main(argv)
    except SystemExit as stop:
        code = stop.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


BAD_INPUTS = {
    # name: (argv with {data}, {no_c}, ..., {empty}, {model}, {out} to fill in, exit code, words in the error)
    "text column, evaluate": (["evaluate", "--data", "{data}", "--time-column", "day", "--model", "linear", *SIZES],
                              1, ["label", "--columns"]),
    "text column, fit": (["fit", "--data", "{data}", "--time-column", "day", "--model", "linear", *SIZES,
                          "--out", "{empty}/x"], 1, ["label", "--columns"]),
    "no time column, fit": (["fit", "--data", "{data}", "--columns", "a,b,c", "--model", "linear", *SIZES,
                             "--out", "{empty}/x"], 2, ["--time-column", "daily.csv"]),
    "no time column, evaluate": (["evaluate", "--data", "{data}", "--columns", "a,b,c", "--model", "linear",
                                  *SIZES], 2, ["--time-column"]),
    "time column not in the file": (["evaluate", "--data", "{data}", "--time-column", "date", "--columns",
                                     "a,b,c", "--model", "linear", *SIZES], 2, ["--time-column", "'date'"]),
    "time column not in the file, fit": (["fit", "--data", "{data}", "--time-column", "date", "--model", "linear",
                                          *SIZES, "--out", "{empty}/x"], 2, ["--time-column", "'date'"]),
    "targets not among the columns": (["evaluate", "--data", "{data}", "--time-column", "day", "--columns",
                                       "a,b", "--targets", "a,c", "--model", "linear", *SIZES],
                                      2, ["--targets", "'c'"]),
    "split of two fractions": (["evaluate", "--data", "{data}", *OWN, "--split", "0.5,0.5", "--model", "linear",
                                *SIZES], 2, ["--split"]),
    "split of fractions that do not sum to 1": (["evaluate", "--data", "{data}", *OWN, "--split", "0.5,0.6,0.2",
                                                 "--model", "linear", *SIZES], 2, ["--split", "sum to 1"]),
    "split dates out of order": (["evaluate", "--data", "{data}", *OWN, "--split", "2021-08-01,2021-06-01",
                                  "--model", "linear", *SIZES], 2, ["--split", "2021-08-01"]),
    "split dates out of order, fit": (["fit", "--data", "{data}", *OWN, "--split", "2021-08-01,2021-06-01",
                                       "--model", "linear", *SIZES, "--out", "{empty}/x", "--quiet"],
                                      2, ["--split"]),
    "lookback 0": (["evaluate", "--data", "{data}", *OWN, "--model", "linear", "--lookback", "0"],
                   2, ["--lookback"]),
    "lookback 0, fit": (["fit", "--data", "{data}", *OWN, "--model", "linear", "--lookback", "0", "--out",
                         "{empty}/x", "--quiet"], 2, ["--lookback"]),
    "lookback longer than the training rows": (["evaluate", "--data", "{data}", *OWN, "--model", "linear",
                                                "--lookback", "140", "--horizon", "7"], 2, ["--lookback", "140"]),
    "no forecaster in model-dir": (["forecast", "--model-dir", "{empty}", "--data", "{data}", "--out", "{out}"],
                                   1, ["forecaster.json", "empty"]),
    "a fitted channel missing": (["forecast", "--model-dir", "{model}", "--data", "{no_c}", "--out", "{out}"],
                                 1, ["'c'", "no_c.csv"]),
    "a file with another step": (["forecast", "--model-dir", "{model}", "--data", "{hourly}", "--out", "{out}"],
                                 1, ["'D'", "'h'"]),
    "a file shorter than the lookback": (["forecast", "--model-dir", "{model}", "--data", "{short}", "--out",
                                          "{out}"], 1, ["28", "20"]),
    "a gap": (["forecast", "--model-dir", "{model}", "--data", "{gap}", "--out", "{out}"],
              1, ["gap", "2021-04-19", "--missing interpolate"]),
    "a step that is no frequency": (["evaluate", "--data", "{data}", *OWN, "--step", "banana", "--model", "linear",
                                     *SIZES], 2, ["--step", "'banana'"]),
    "a step the stamps are not on": (["evaluate", "--data", "{data}", *OWN, "--step", "2D", "--model", "linear",
                                      *SIZES], 1, ["not regular", "2D", "line 3"]),
    "unknown option": (["fit", "--data", "{data}", *OWN, "--model", "linear", "--out", "{empty}/x", "--colour",
                        "red"], 2, ["--colour"]),
    "unknown option, forecast": (["forecast", "--model-dir", "{model}", "--data", "{data}", "--out", "{out}",
                                  "--steps", "3"], 2, ["--steps"]),
    "a size the model does not take": (["evaluate", "--data", "{data}", *OWN, "--model", "segment_attention",
                                        "--sizes", "segmnt=7", *SIZES],
                                       2, ["--sizes: expected names among units, segment,", "'segmnt'"]),
    "sizes for a baseline, fit": (["fit", "--data", "{data}", *OWN, "--model", "linear", "--sizes", "units=8",
                                   *SIZES, "--out", "{empty}/x"], 2, ["--sizes: expected none for linear"]),
    "sizes without a value": (["fit", "--data", "{data}", *OWN, "--model", "segment_attention", "--sizes",
                               "segment", *SIZES, "--out", "{empty}/x"], 2, ["--sizes", "NAME=VALUE", "'segment'"]),
    "a size given twice": (["evaluate", "--data", "{data}", *OWN, "--model", "segment_attention", "--sizes",
                            "segment=7,segment=14", *SIZES], 2, ["--sizes", "each name once"]),
    "a size the builder refuses": (["evaluate", "--data", "{data}", *OWN, "--model", "segment_attention",
                                    "--sizes", "segment=0", *SIZES, "--quiet"],
                                   2, ["--sizes segment: expected an integer >= 1, got 0"]),
    "a segment that does not divide the lookback, fit": (["fit", "--data", "{data}", *OWN, "--model",
                                                           "segment_attention", "--sizes", "segment=5", *SIZES,
                                                           "--out", "{empty}/x", "--quiet"],
                                                          2, ["--lookback: expected a multiple of the segment "
                                                              "length 5, got 28"]),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_each_bad_input_is_one_line_on_stderr(capsys, own_files, case):
    argv, code, words = BAD_INPUTS[case]
    got, out, err = run_main([arg.format(**own_files) for arg in argv], capsys)
    assert (got, out) == (code, ""), err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert not Path(own_files["out"]).exists() and not Path(own_files["empty"], "x").exists()


def test_a_gap_is_filled_with_missing_interpolate(capsys, own_files, tmp_path):
    folder = tmp_path / "filled"
    code, out, err = run_main(["fit", "--data", own_files["gap"], *OWN, "--missing", "interpolate",
                               "--model", "linear", *SIZES, "--out", str(folder)], capsys)
    assert code == 0, err
    assert f"filled {len(GAP_ROWS) * 3} missing value(s)" in err  # 3 days of 3 channels
    assert one_json_line(out)["test"]["windows"] == int(0.2 * N_DAYS) - 7 + 1  # the gap's days count as rows
    code, out, err = run_main(["forecast", "--model-dir", str(folder), "--data", own_files["gap"], "--missing",
                               "interpolate", "--out", str(tmp_path / "fc.csv")], capsys)
    assert code == 0, err
    check_forecast_csv(tmp_path / "fc.csv", "day,a,b", LAST_DAY, "D", 7)


def test_fit_with_sizes_saves_them_and_the_forecast_uses_them(capsys, own_files, tmp_path):
    """The own-series chapter's command: the segment model in the frame with segments of a week."""
    from attention_book.own_series import Forecaster

    folder = tmp_path / "weekly"
    code, out, err = run_main(["fit", "--data", own_files["data"], *OWN, "--model", "segment_attention", "--revin",
                               "--channel-independent", "--sizes", "segment=7,units=8", *SIZES, "--out",
                               str(folder), "--quiet"], capsys)
    assert code == 0, err
    assert one_json_line(out)["variant"] == "revin-last+ci"
    assert json.loads((folder / "forecaster.json").read_text(encoding="utf-8"))["sizes"] == {"segment": 7, "units": 8}
    loaded = Forecaster.load(folder)
    inner = loaded.model.model.get_layer("segment_attention")
    assert tuple(inner.get_layer("embedding").kernel.shape) == (7 * 2, 8)  # a week of one target and c
    code, out, err = run_main(["forecast", "--model-dir", str(folder), "--data", own_files["data"], "--out",
                               str(tmp_path / "fc.csv"), "--quiet"], capsys)
    assert code == 0, err
    check_forecast_csv(tmp_path / "fc.csv", "day,a,b", LAST_DAY, "D", 7)


def test_forecast_reads_newer_rows_than_the_forecaster_saw(capsys, own_files, tmp_path):
    """A forecaster fitted on the first 150 days forecasts from the last row of the full file."""
    shorter = tmp_path / "shorter.csv"
    write_daily_csv(shorter, drop_rows=range(150, N_DAYS))
    folder = tmp_path / "early"
    assert run_main(["fit", "--data", str(shorter), *OWN, "--model", "seasonal", "--lookback", "14", "--horizon",
                     "7", "--out", str(folder), "--quiet"], capsys)[0] == 0
    code, out, err = run_main(["forecast", "--model-dir", str(folder), "--data", own_files["data"], "--out",
                               str(tmp_path / "fc.csv")], capsys)
    assert code == 0, err
    frame = check_forecast_csv(tmp_path / "fc.csv", "day,a,b", LAST_DAY, "D", 7)
    last_week = pd.read_csv(own_files["data"])[["a", "b"]].to_numpy()[-7:]
    np.testing.assert_allclose(frame.to_numpy(), last_week, rtol=1e-6)  # seasonal: the values a week before


def test_season_reaches_the_seasonal_baseline(capsys, own_files):
    """--season replaces the season the step suggests (7 for daily rows): the seasonal-naive scores change, and
    with --season 7 they are those of the default."""
    argv = ["evaluate", "--data", own_files["data"], *OWN, "--model", "seasonal", *SIZES]
    rows = {}
    for season in (None, "7", "14"):
        code, out, err = run_main(argv + ([] if season is None else ["--season", season]) + ["--quiet"], capsys)
        assert code == 0, err
        rows[season] = one_json_line(out)
    assert rows[None]["mse"] == rows["7"]["mse"]
    assert rows["14"]["mse"] != rows["7"]["mse"]
    code, out, err = run_main(argv + ["--season", "0"], capsys)
    assert code == 2 and err.count("\n") == 1 and "--season" in err and out == ""
