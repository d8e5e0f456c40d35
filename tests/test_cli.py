"""Tests of attention_book.cli: ``python -m attention_book evaluate|models``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from attention_book import cli

from conftest import DATA_ENV

KEYS = {"model", "data", "lookback", "horizon", "mse", "mae", "windows", "seconds"}


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
    """Chapter 2's row, reproduced by the command line: the LSTM trains and beats repeating the last value."""
    args = ("--data", "ETTh1", "--horizon", "96")
    lstm = run_module("evaluate", "--model", "lstm", *args, env_data=ett_folder, timeout=600)
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
    from attention_book import models

    seen = {}

    def fake_evaluate(name, data, lookback, horizon, seed=0, calendar=False):
        seen.update(name=name, calendar=calendar)
        return {"model": name}

    monkeypatch.setattr(models, "evaluate", fake_evaluate)
    argv = ["evaluate", "--model", "bahdanau", "--data", "seasonal_mix"]
    assert cli.main(argv) == 0 and seen == {"name": "bahdanau", "calendar": False}
    assert cli.main(argv + ["--calendar"]) == 0 and seen == {"name": "bahdanau", "calendar": True}


def test_calendar_flag_on_lag_retrieval_is_a_usage_error(capsys):
    argv = ["evaluate", "--model", "repeat", "--data", "lag_retrieval", "--lookback", "20", "--horizon", "1",
            "--calendar"]
    assert cli.main(argv) == 2
    assert "calendar: lag_retrieval windows have no time of day" in capsys.readouterr().err
