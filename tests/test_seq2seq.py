"""Tests of attention_book.seq2seq: the encoder-decoder with Bahdanau, Luong or no attention."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from attention_book import set_seed
from attention_book.registry import REGISTRY
from attention_book.seq2seq import (
    AttentionDecoder,
    Seq2Seq,
    seq2seq_forecaster,
    teacher_forced_predict,
)
from attention_book.tasks import make_task
from attention_book.time_features import calendar_features

from reference import additive_scores, attention_scores, lstm_step, rand, softmax

STYLES = ("none", "bahdanau", "luong")


def decoder_step_reference(decoder, previous, covariate, hidden, carry, encoder_states):
    """One decoder step written from the formulas: (output, hidden, carry, weights)."""
    weights = {w.path.split("/", 1)[1]: w.numpy().astype(np.float64) for w in decoder.weights}
    parts = [previous] + ([] if covariate is None else [covariate])
    if decoder.attention == "bahdanau":
        # z_i = w^T tanh(W1 v_i + W2 h_{t-1})
        p = softmax(additive_scores(encoder_states, hidden, weights))
        context = np.einsum("bl,bld->bd", p, encoder_states)
        parts.append(context)
    hidden, carry = lstm_step(np.concatenate(parts, axis=-1), hidden, carry, weights["cell/kernel"],
                                        weights["cell/recurrent_kernel"], weights["cell/bias"])
    if decoder.attention == "bahdanau":
        features = np.concatenate([hidden, context], axis=-1)
    elif decoder.attention == "luong":
        # general score z_i = v_i^T W h_t, then tanh(W_c [c; h])
        p = softmax(attention_scores("general", encoder_states, hidden[:, None], (weights["score/kernel"],)))[:, 0]
        context = np.einsum("bl,bld->bd", p, encoder_states)
        features = np.tanh(np.concatenate([context, hidden], axis=-1) @ weights["combine/kernel"]
                           + weights["combine/bias"])
    else:
        features, p = hidden, np.zeros(encoder_states.shape[:2])
    output = features @ weights["readout/kernel"] + weights["readout/bias"]
    return output, hidden, carry, p


def built_decoder(attention, n_covariates=0, units=5, length=7, n_outputs=2, horizon=4):
    set_seed(0)
    decoder = AttentionDecoder(horizon, n_outputs, units, attention=attention, n_covariates=n_covariates)
    decoder.build((None, length, units))
    for weight in decoder.weights:  # non-zero biases, so that the reference checks them too
        weight.assign(rand(tuple(weight.shape), seed=len(weight.path)) * 0.5)
    return decoder


# ----------------------------------------------------------------------------------------- one decoder step


@pytest.mark.parametrize("attention", STYLES)
@pytest.mark.parametrize("n_covariates", [0, 3])
def test_one_decoder_step_equals_the_numpy_formulas(attention, n_covariates):
    decoder = built_decoder(attention, n_covariates)
    encoder_states, previous = rand((3, 7, 5), 1), rand((3, 2), 2)
    hidden, carry = rand((3, 5), 3), rand((3, 5), 4)
    covariate = rand((3, n_covariates), 5) if n_covariates else None
    output, states, weights = decoder.step(previous, covariate, [hidden, carry], encoder_states)
    expected = decoder_step_reference(decoder, previous, covariate, hidden, carry, encoder_states.astype(np.float64))
    for got, want in zip((output, states[0], states[1], weights), expected, strict=True):
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("attention", STYLES)
def test_the_loop_is_the_step_applied_h_times(attention):
    decoder = built_decoder(attention)
    encoder_states, first = rand((3, 7, 5), 1), rand((3, 2), 2)
    hidden, carry = rand((3, 5), 3), rand((3, 5), 4)
    forecast, weights = decoder(encoder_states, [hidden, carry], first)
    previous, states = first, [hidden, carry]
    for t in range(4):
        output, states, step_weights = decoder.step(previous, None, states, encoder_states)
        np.testing.assert_allclose(forecast[:, t], output, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(weights[:, t], step_weights, rtol=1e-5, atol=1e-6)
        previous = output


@pytest.mark.parametrize("attention", ["bahdanau", "luong"])
def test_weights_are_a_distribution_over_the_encoder_steps_at_every_output_step(attention):
    model = seq2seq_forecaster(24, 3, 6, 2, units=8, attention=attention)
    weights = np.asarray(model.get_layer("seq2seq")(rand((4, 24, 3)))[1])
    assert weights.shape == (4, 6, 24)
    assert np.all(weights >= 0)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=1e-5)


def test_without_attention_the_weights_are_zero():
    model = seq2seq_forecaster(24, 3, 6, 2, units=8, attention="none")
    np.testing.assert_array_equal(model.get_layer("seq2seq")(rand((4, 24, 3)))[1], 0.0)


# ----------------------------------------------------------------------------------- teacher forcing, free run


@pytest.mark.parametrize("attention", STYLES)
def test_under_teacher_forcing_step_t_does_not_see_targets_from_t_on(attention):
    layer = seq2seq_forecaster(24, 3, 6, 2, units=8, attention=attention).get_layer("seq2seq")
    window, targets = rand((2, 24, 3)), rand((2, 6, 2), 1)
    base = np.asarray(layer(window, targets)[0])
    for t in range(5):
        changed = targets.copy()
        changed[:, t:] += 10.0
        after = np.asarray(layer(window, changed)[0])
        np.testing.assert_allclose(after[:, : t + 1], base[:, : t + 1], rtol=1e-6, atol=1e-6)
        assert np.abs(after[:, t + 1] - base[:, t + 1]).max() > 1e-3  # target t is the input of step t + 1


@pytest.mark.parametrize("attention", STYLES)
def test_running_free_feeds_back_its_own_forecasts(attention):
    """Free running equals teacher forcing with the model's own forecasts as 'targets': nothing else enters."""
    layer = seq2seq_forecaster(24, 3, 6, 2, units=8, attention=attention).get_layer("seq2seq")
    window = rand((2, 24, 3))
    free = np.asarray(layer(window)[0])
    np.testing.assert_allclose(layer(window, free)[0], free, rtol=1e-5, atol=1e-6)
    assert np.abs(np.asarray(layer(window, rand((2, 6, 2), 1))[0]) - free).max() > 1e-3


def test_the_first_input_is_the_last_observed_value_of_the_target_channels():
    layer = seq2seq_forecaster(24, 3, 6, 2, units=8).get_layer("seq2seq")
    window = rand((2, 24, 3))
    states = layer.encoder(window)
    forecast_direct = layer.decoder(states[0], list(states[1:]), window[:, -1, :2])[0]
    np.testing.assert_allclose(layer(window)[0], forecast_direct, rtol=1e-6, atol=1e-6)


def test_free_running_forecasts_depend_only_on_the_window():
    model = seq2seq_forecaster(24, 3, 6, 2, units=8)
    window = rand((5, 24, 3))
    alone = model.predict(window[:1], verbose=0)
    np.testing.assert_allclose(model.predict(window, verbose=0)[:1], alone, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("teacher_forcing", [True, False])
def test_the_training_loss_is_the_forced_or_the_free_error(teacher_forcing):
    set_seed(0)
    model = seq2seq_forecaster(24, 3, 6, 2, units=8, teacher_forcing=teacher_forcing)
    window, targets = rand((16, 24, 3)), rand((16, 6, 2), 1)
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")  # no update: the loss of the initial weights
    loss = model.fit(window, targets, batch_size=16, epochs=1, verbose=0).history["loss"][0]
    forced = np.mean((teacher_forced_predict(model, window, targets) - targets) ** 2)
    free = np.mean((model.predict(window, verbose=0) - targets) ** 2)
    assert abs(forced - free) > 1e-3
    np.testing.assert_allclose(loss, forced if teacher_forcing else free, rtol=1e-5)


# ----------------------------------------------------------------------------------------------- covariates


def test_the_decoder_gets_the_calendar_of_the_hours_it_forecasts():
    stamps = np.datetime64("2016-07-01T05", "h") + np.arange(30) * np.timedelta64(1, "h")
    features = calendar_features(stamps)
    layer = Seq2Seq(6, 2, units=8, calendar=True)
    window = np.concatenate([rand((1, 24, 2)), features[None, :24]], axis=-1)
    seen = {}
    original_call = layer.decoder.call

    def spy(encoder_states, initial_state, first_value, covariates=None, targets=None):
        seen["covariates"] = covariates
        return original_call(encoder_states, initial_state, first_value, covariates, targets)

    layer.decoder.call = spy
    layer(window)
    np.testing.assert_allclose(seen["covariates"][0], features[24:30], atol=1e-5)


def test_calendar_channels_change_the_forecast():
    set_seed(0)
    layer = Seq2Seq(6, 2, units=8, calendar=True)
    window = rand((1, 24, 6))
    other = window.copy()
    other[:, -1, -4:] = -other[:, -1, -4:]  # another clock at the last step: other future covariates
    assert np.abs(np.asarray(layer(window)[0]) - np.asarray(layer(other)[0])).max() > 1e-4


# ---------------------------------------------------------------------------------------- saving, registry


@pytest.mark.parametrize("attention,cell,calendar", [("none", "lstm", False), ("bahdanau", "gru", False),
                                                      ("luong", "lstm", True), ("bahdanau", "lstm", True)])
def test_keras_round_trip_keeps_predictions_weights_and_training_mode(tmp_path, attention, cell, calendar):
    set_seed(0)
    model = seq2seq_forecaster(24, 7, 6, 3, units=8, attention=attention, cell=cell, calendar=calendar,
                               teacher_forcing=False)
    window = rand((4, 24, 7))
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded).__name__ == "Seq2SeqModel"
    assert loaded.get_layer("seq2seq").get_config() == model.get_layer("seq2seq").get_config()
    np.testing.assert_allclose(loaded.predict(window, verbose=0), model.predict(window, verbose=0), atol=1e-6)
    np.testing.assert_allclose(loaded.get_layer("seq2seq")(window)[1], model.get_layer("seq2seq")(window)[1],
                               atol=1e-6)


@pytest.mark.parametrize("calendar", [False, True])
def test_registered_seq2seq_models_are_seeded_and_fit_the_interface(calendar):
    task = make_task("seasonal_mix", 48, 12, calendar=calendar)
    for name, attention in (("seq2seq", "none"), ("bahdanau", "bahdanau"), ("luong", "luong")):
        first, again = REGISTRY[name](task, 3), REGISTRY[name](task, 3)
        layer = first.model.get_layer("seq2seq")
        assert (layer.decoder.attention, layer.calendar) == (attention, calendar)
        for a, b in zip(first.model.get_weights(), again.model.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
        assert first.predict(task.test.inputs[:3]).shape == (3, 12, 4)


# ------------------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize("kwargs,message", [
    ({"horizon": 0}, "horizon: expected an integer >= 1, got 0"),
    ({"horizon": -3}, "horizon: expected an integer >= 1, got -3"),
    ({"n_outputs": 0}, "n_outputs: expected an integer >= 1"),
    ({"units": 2.5}, "units: expected an integer >= 1"),
    ({"cell": "rnn"}, "cell: expected one of lstm, gru, got 'rnn'"),
    ({"attention": "dot"}, "attention: expected one of none, bahdanau, luong, got 'dot'"),
    ({"attention": "bahdanau", "score": "dot"}, "score (for attention='bahdanau'): expected one of additive"),
    ({"attention": "luong", "score": "additive"}, "score (for attention='luong'): expected one of general, dot"),
    ({"attention": "none", "score": "dot"}, "score (for attention='none')"),
    ({"n_covariates": -1}, "n_covariates: expected an integer >= 0"),
])
def test_bad_decoder_settings_raise_one_clear_error(kwargs, message):
    settings = {"horizon": 4, "n_outputs": 2, **kwargs}
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        AttentionDecoder(**settings)


def test_encoder_and_decoder_widths_must_match():
    decoder = AttentionDecoder(4, 2, units=8)
    with pytest.raises(ValueError, match=r"encoder_states: expected width d = 8 \(the decoder's units\), got 6"):
        decoder(rand((2, 7, 6)), [rand((2, 8)), rand((2, 8))], rand((2, 2)))


def test_initial_state_must_fit_the_cell():
    decoder = AttentionDecoder(4, 2, units=8)
    with pytest.raises(ValueError, match=r"initial_state: expected 2 tensor\(s\) of shape \(B, 8\) for an LSTM"):
        decoder(rand((2, 7, 8)), [rand((2, 8))], rand((2, 2)))


@pytest.mark.parametrize("name,covariates,targets,message", [
    ("missing covariates", None, None, r"covariates: expected shape \(B, 4, 3\), got None"),
    ("short covariates", (2, 3, 3), None, r"covariates: expected shape \(B, 4, 3\), got \(2, 3, 3\)"),
    ("long targets", (2, 4, 3), (2, 5, 2), r"targets: expected shape \(B, 4, 2\), got \(2, 5, 2\)"),
    ("wrong target width", (2, 4, 3), (2, 4, 1), r"targets: expected shape \(B, 4, 2\), got \(2, 4, 1\)"),
])
def test_covariates_and_targets_must_cover_the_horizon(name, covariates, targets, message):
    decoder = AttentionDecoder(4, 2, units=8, n_covariates=3)
    with pytest.raises(ValueError, match=message):
        decoder(rand((2, 7, 8)), [rand((2, 8)), rand((2, 8))], rand((2, 2)),
                None if covariates is None else rand(covariates), None if targets is None else rand(targets))


def test_covariates_given_to_a_decoder_without_them_raise():
    decoder = AttentionDecoder(4, 2, units=8)
    with pytest.raises(ValueError, match=r"covariates: expected None, got \(2, 4, 3\)"):
        decoder(rand((2, 7, 8)), [rand((2, 8)), rand((2, 8))], rand((2, 2)), rand((2, 4, 3)))


def test_a_calendar_model_needs_the_calendar_channels():
    with pytest.raises(ValueError, match=r"window: expected at least 6 channels \(2 forecast \+ 4 calendar\)"):
        seq2seq_forecaster(24, 5, 6, 2, calendar=True)


@pytest.mark.parametrize("flag", ["calendar", "teacher_forcing"])
def test_flags_must_be_booleans(flag):
    with pytest.raises(ValueError, match=f"{flag}: expected True or False, got 1"):
        Seq2Seq(4, 2, **{flag: 1})


def test_teacher_forced_predict_checks_its_targets():
    model = seq2seq_forecaster(24, 3, 6, 2, units=8)
    with pytest.raises(ValueError, match=r"targets: expected shape \(4, 6, 2\), got \(4, 5, 2\)"):
        teacher_forced_predict(model, rand((4, 24, 3)), rand((4, 5, 2)))
    with pytest.raises(ValueError, match="inputs: expected 3 channels, got 2"):
        teacher_forced_predict(model, rand((4, 24, 2)), rand((4, 6, 2)))
