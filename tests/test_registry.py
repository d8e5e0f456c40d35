"""Tests of attention_book.registry: the registry and the protocol numbers on ETTh1."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest

from attention_book import baselines, metrics
from attention_book.forecasters import NeuralForecaster
from attention_book.registry import REGISTRY, TRAINING, Neural, build_model, check_sizes, evaluate, evaluate_on_task
from attention_book.rnn import HandRNN
from attention_book.tasks import make_task

KEYS = {"model", "variant", "data", "lookback", "horizon", "mse", "mae", "windows", "seconds"}


@pytest.fixture(scope="module")
def etth1_scores(etth1_task):
    """Each baseline fitted and scored once on the standard ETTh1 task (L = 336, H = 96)."""
    return {name: evaluate_on_task(name, etth1_task) for name in ("repeat", "seasonal", "linear")}


# -------------------------------------------------------------------------------------------- protocol numbers


def test_repeat_reproduces_the_published_number(etth1_scores):
    row = etth1_scores["repeat"]
    assert set(row) == KEYS
    assert (row["model"], row["data"], row["lookback"], row["horizon"]) == ("repeat", "ETTh1", 336, 96)
    assert row["windows"] == 2785
    # published 1.295 / 0.713 with the last incomplete batch dropped; every test window gives 1.294
    assert row["mse"] == pytest.approx(1.294, abs=0.005)
    assert row["mae"] == pytest.approx(0.713, abs=0.005)


def test_repeat_score_matches_a_numpy_recomputation(etth1_task, etth1_scores):
    test = etth1_task.test
    errors = test.inputs[:, -1:, :].astype(np.float64) - test.targets
    assert etth1_scores["repeat"]["mse"] == pytest.approx(np.mean(errors**2), rel=1e-9)
    assert etth1_scores["repeat"]["mae"] == pytest.approx(np.mean(np.abs(errors)), rel=1e-9)


def test_linear_matches_the_published_linear_row(etth1_scores):
    row = etth1_scores["linear"]
    assert row["mse"] <= 0.38  # published: 0.375
    assert row["mae"] <= 0.41  # published: 0.397
    assert row["windows"] == 2785


def test_seasonal_beats_repeat_and_linear_beats_seasonal(etth1_scores):
    assert etth1_scores["seasonal"]["mse"] < etth1_scores["repeat"]["mse"]
    assert etth1_scores["seasonal"]["mae"] < etth1_scores["repeat"]["mae"]
    assert etth1_scores["linear"]["mse"] < etth1_scores["seasonal"]["mse"]


def test_scores_are_plain_json_types(etth1_scores):
    for row in etth1_scores.values():
        assert type(row["mse"]) is float and type(row["mae"]) is float
        assert type(row["windows"]) is int and type(row["lookback"]) is int
        assert row["seconds"] >= 0


# -------------------------------------------------------------------------------------------------- registry


def test_registry_has_the_baselines_and_the_recurrent_models():
    assert {"repeat", "seasonal", "linear", "rnn", "lstm"} <= set(REGISTRY)


@pytest.mark.parametrize("name, encoder", [("rnn", HandRNN), ("lstm", keras.layers.LSTM)])
def test_build_model_gives_a_seeded_recurrent_forecaster_for_the_task(name, encoder):
    task = make_task("seasonal_mix", 48, 12)
    first, second = build_model(name, task, seed=4), build_model(name, task, seed=4)
    assert isinstance(first, NeuralForecaster)
    assert isinstance(first.model.get_layer("encoder"), encoder)
    assert first.model.input_shape == (None, 48, 4) and first.model.output_shape == (None, 12, 4)
    assert first.training == TRAINING
    for a, b in zip(first.model.get_weights(), second.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # the same seed builds the same initial weights
    other = build_model(name, task, seed=5)
    assert not np.array_equal(first.model.get_weights()[0], other.model.get_weights()[0])


def test_build_model_overrides_training_settings():
    task = make_task("seasonal_mix", 48, 12)
    forecaster = build_model("attention_rnn", task, epochs=4)
    assert forecaster.training == {**TRAINING, "batch_size": 256, "learning_rate": 3e-3, "epochs": 4}
    with pytest.raises(ValueError, match="training: expected settings among epochs, batch_size"):
        build_model("lstm", task, epoch=4)
    with pytest.raises(ValueError, match="training: linear is not trained by gradient descent"):
        build_model("linear", task, epochs=4)


def test_evaluate_trains_the_lstm_on_lag_retrieval():
    """The registered LSTM learns the lag-retrieval task with marks anywhere in a short window."""
    task = make_task("lag_retrieval", 12, 1)
    row = evaluate_on_task("lstm", task)
    assert (row["model"], row["windows"]) == ("lstm", 1000)
    constant = np.mean((task.train.targets.mean() - task.test.targets) ** 2)  # the best constant forecast
    assert row["mse"] < 0.2 * constant, (row, constant)


def test_build_model_uses_the_task():
    task = make_task("seasonal_mix", 200, 24)
    repeat = build_model("repeat", task)
    seasonal = build_model("seasonal", task)
    linear = build_model("linear", task)
    assert isinstance(repeat, baselines.RepeatLast) and repeat.horizon == 24
    assert isinstance(seasonal, baselines.SeasonalNaive) and seasonal.period == task.season == 168
    assert isinstance(linear, baselines.LinearForecaster) and linear.ridge is None


def test_build_model_unknown_name():
    task = make_task("lag_retrieval", 20, 1)
    names = ("attention_rnn, bahdanau, ff_attention, ff_attention_multi, itransformer, linear, lstm, lstm_attention, "
             "luong, patch_transformer, pointer, repeat, rnn, seasonal, segment_attention, segment_rnn, seq2seq, "
             "transformer")
    with pytest.raises(ValueError, match=f"model: expected one of {names}, got 'gru'"):
        build_model("gru", task)


def test_evaluate_unknown_model_fails_before_loading_data(tmp_path):
    # the data path does not exist: a model error (not a data error) shows the name was checked first
    with pytest.raises(ValueError, match="model") as caught:
        evaluate("gru", tmp_path / "missing.csv")
    assert "missing.csv" not in str(caught.value)


def embedding_kernel(forecaster, framed=False):
    """The shape of the segment model's embedding kernel, (segment * C, d); the framed model holds the inner one as
    a layer."""
    model = forecaster.model.get_layer("segment_attention") if framed else forecaster.model
    return tuple(model.get_layer("embedding").kernel.shape)


def test_sizes_override_the_registered_ones_for_one_build():
    task = make_task("seasonal_mix", 168, 24)  # 4 channels; 168 is a multiple of 24 and of 7
    assert embedding_kernel(build_model("segment_attention", task)) == (24 * 4, 64)
    assert embedding_kernel(build_model("segment_attention", task, sizes={"segment": 7})) == (7 * 4, 64)
    week = build_model("segment_attention", task, sizes={"segment": 7, "units": 8}, revin="last",
                       channel_independent=True)
    assert embedding_kernel(week, framed=True) == (7 * 1, 8)  # one channel at a time, no covariates here
    assert week.model.output_shape == (None, 24, 4)
    assert REGISTRY["segment_attention"].sizes == {"units": 64, "segment": 24}  # unchanged
    assert embedding_kernel(build_model("segment_attention", task)) == (24 * 4, 64)


def test_every_neural_model_can_set_the_sizes_its_builder_takes_and_only_those():
    for name, factory in REGISTRY.items():
        if isinstance(factory, Neural):
            assert set(factory.sizes) <= set(factory.settable), name  # the registered sizes can be overridden
            assert check_sizes(name, dict.fromkeys(factory.settable, 1)) == dict.fromkeys(factory.settable, 1)
    # the encoder-decoders read the calendar from the task and drop teacher forcing in the frame: not settable
    assert REGISTRY["bahdanau"].settable == ("units", "attention", "score", "cell")
    assert check_sizes("linear", None) == {} and check_sizes("linear", {}) == {}


@pytest.mark.parametrize(("name", "sizes", "error", "message"), [
    ("segment_attention", {"segmnt": 7}, ValueError,
     "sizes: expected names among units, segment, attention, score for segment_attention, got 'segmnt'"),
    ("bahdanau", {"calendar": True}, ValueError, "sizes: expected names among units, attention, score, cell for "
                                                 "bahdanau, got 'calendar'"),
    ("linear", {"units": 8}, ValueError, "sizes: expected none for linear, which has no model sizes (only the "
                                         "neural models do), got {'units': 8}"),
    ("lstm", [("units", 8)], TypeError, "sizes: expected a dict of model sizes such as {'units': 32}, got list"),
    ("gru", {"units": 8}, ValueError, "model: expected one of"),
])
def test_sizes_a_model_does_not_take_are_one_clear_error(name, sizes, error, message):
    task = make_task("seasonal_mix", 168, 24)
    with pytest.raises(error, match=f"^{re.escape(message)}"):
        build_model(name, task, sizes=sizes)
    with pytest.raises(error, match=f"^{re.escape(message)}"):
        evaluate(name, "no-such-file.csv", sizes=sizes)  # before any data is read


@pytest.mark.parametrize(("sizes", "message"), [
    ({"segment": 0}, "segment: expected an integer >= 1, got 0"),
    ({"segment": 5}, "lookback: expected a multiple of the segment length 5, got 168"),
])
def test_a_size_the_builder_refuses_names_itself(sizes, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        build_model("segment_attention", make_task("seasonal_mix", 168, 24), sizes=sizes)


def test_evaluate_on_a_synthetic_task():
    row = evaluate("repeat", "lag_retrieval", 30, 1)
    assert set(row) == KEYS
    assert (row["data"], row["lookback"], row["horizon"], row["windows"]) == ("lag_retrieval", 30, 1, 1000)
    # repeat copies the last signal value, which says nothing about the marked ones: error well above zero
    assert row["mse"] > 0.3


def test_linear_learns_the_seasonal_mix():
    task = make_task("seasonal_mix", 168, 24)
    scores = {name: evaluate_on_task(name, task) for name in ("repeat", "seasonal", "linear")}
    assert scores["seasonal"]["mse"] < scores["repeat"]["mse"]
    assert scores["linear"]["mse"] < scores["seasonal"]["mse"]


def test_evaluate_bad_horizon():
    with pytest.raises(ValueError, match="horizon"):
        evaluate("repeat", "lag_retrieval", 30, 2)


def test_bahdanau_trained_with_teacher_forcing_learns_the_drifting_mixture():
    task = make_task("seasonal_mix", 48, 12, drift=1.0, calendar=True)
    model = build_model("bahdanau", task, epochs=3).fit(task.train, task.val)
    forecasts = model.predict(task.test.inputs)
    repeat = build_model("repeat", task).fit(task.train, task.val).predict(task.test.inputs)
    assert model.model.get_layer("seq2seq").teacher_forcing
    assert metrics.mse(forecasts, task.test.targets) < 0.6 * metrics.mse(repeat, task.test.targets)
