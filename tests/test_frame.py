"""The frame of every neural forecaster: reversible instance normalisation and channel independence.

:class:`~attention_book.frame.InstanceNorm` against numpy; :func:`~attention_book.frame.framed` against the inner
model applied by hand to normalised one-channel rows; the properties that make the frame worth having (a forecast
that moves with the window's level, channels that cannot read each other); and the errors of the registry, the
command line and the builder when a model does not take the frame.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from attention_book import cli, registry
from attention_book.attention_rnn import lstm_attention_forecaster, segment_forecaster
from attention_book.frame import REVIN, InstanceNorm, channels_to_rows, framed, rows_to_channels, variant
from attention_book.session import seeded_layers
from attention_book.tasks import Task
from attention_book.windows import Windows

from reference import instance_norm, rand

LOOKBACK, HORIZON = 24, 6


def _dense(lookback, n_channels, horizon, n_outputs):
    """The smallest forecaster: one dense layer from the flattened window to the H x C_out forecast."""
    window = keras.Input((lookback, n_channels))
    flat = keras.layers.Dense(horizon * n_outputs, name="head")(keras.layers.Flatten()(window))
    return keras.Model(window, keras.layers.Reshape((horizon, n_outputs))(flat), name="dense")


@pytest.mark.parametrize(("center", "scale"), [("mean", True), ("mean", False), ("last", False), ("last", True)])
def test_instance_norm_matches_numpy_and_is_undone_by_its_level_and_spread(center, scale):
    window = rand((3, LOOKBACK, 4), seed=1) * 5 + 2
    normed, level, spread = (np.asarray(x) for x in InstanceNorm(center, scale)(window))
    expected = instance_norm(window, center=center, scale=scale)
    for ours, theirs in zip((normed, level, spread), expected, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(normed * spread + level, window, rtol=1e-5, atol=1e-4)
    if center == "last":
        np.testing.assert_allclose(normed[:, -1], 0, atol=1e-6)  # every channel ends at 0
    else:
        np.testing.assert_allclose(normed.mean(axis=1), 0, atol=1e-5)


def test_instance_norm_refuses_an_unknown_center():
    with pytest.raises(ValueError, match=r"center: expected 'mean' or 'last', got 'median'"):
        InstanceNorm("median")


def test_rows_and_channels_are_inverse_and_each_row_is_one_channel_with_the_covariates():
    targets, covariates = rand((2, LOOKBACK, 3), seed=2), rand((2, LOOKBACK, 2), seed=3)
    rows = np.asarray(channels_to_rows(targets, covariates))
    assert rows.shape == (6, LOOKBACK, 3)
    for b in range(2):
        for c in range(3):
            np.testing.assert_array_equal(rows[b * 3 + c, :, 0], targets[b, :, c])
            np.testing.assert_array_equal(rows[b * 3 + c, :, 1:], covariates[b])
    forecasts = rand((6, HORIZON, 1), seed=4)
    back = np.asarray(rows_to_channels(forecasts, 3))
    assert back.shape == (2, HORIZON, 3)
    np.testing.assert_array_equal(back[1, :, 2], forecasts[5, :, 0])


@pytest.mark.parametrize(("revin", "channel_independent"),
                         [(revin, ci) for revin in (None, *REVIN) for ci in (False, True) if revin or ci])
def test_a_framed_model_is_its_inner_model_on_normalised_windows(revin, channel_independent):
    """The framed forecast equals the inner model run by hand: normalise (numpy), split into rows, forecast with
    the inner model's own layer, merge, undo."""
    n_channels, n_outputs = 4, 3  # the fourth channel is a covariate
    with seeded_layers(0):
        model = framed(_dense, revin, channel_independent)(LOOKBACK, n_channels, HORIZON, n_outputs)
    inner = model.get_layer("dense")
    window = rand((5, LOOKBACK, n_channels), seed=5) * 3 + 1
    targets, covariates = window[:, :, :n_outputs], window[:, :, n_outputs:]
    if revin:
        center, scale = REVIN[revin]
        targets, level, spread = instance_norm(targets, center=center, scale=scale)
    if channel_independent:
        assert inner.input_shape == (None, LOOKBACK, 2) and inner.output_shape == (None, HORIZON, 1)
        expected = np.stack([np.asarray(inner(np.concatenate([targets[:, :, [c]], covariates], axis=-1)))[:, :, 0]
                             for c in range(n_outputs)], axis=-1)
    else:
        expected = np.asarray(inner(np.concatenate([targets, covariates], axis=-1)))
    if revin:
        expected = expected * spread + level
    np.testing.assert_allclose(model.predict(window, verbose=0), expected, rtol=1e-4, atol=1e-4)
    assert model.name == f"dense_{variant(revin, channel_independent).replace('-', '_').replace('+', '_')}"


@pytest.mark.parametrize("revin", ["last", "mean"])
def test_revin_moves_the_forecast_with_the_level_of_the_window(revin):
    """Adding a constant to a forecast channel's window adds it to that channel's forecast: the model only ever
    sees the window's shape."""
    with seeded_layers(1):
        model = framed(lstm_attention_forecaster, revin)(LOOKBACK, 3, HORIZON, 3, units=8)
    window = rand((4, LOOKBACK, 3), seed=6)
    shift = np.array([10.0, 0.0, -3.0], np.float32)
    before, after = (model.predict(x, verbose=0) for x in (window, window + shift))
    np.testing.assert_allclose(after - before, np.broadcast_to(shift, before.shape), atol=1e-3)


def test_revin_std_scales_the_forecast_with_the_window():
    with seeded_layers(1):
        model = framed(lstm_attention_forecaster, "std")(LOOKBACK, 2, HORIZON, 2, units=8)
    window = rand((4, LOOKBACK, 2), seed=7)
    before, after = (model.predict(x, verbose=0) for x in (window, 4.0 * window + 1.0))
    np.testing.assert_allclose(after, 4.0 * before + 1.0, rtol=1e-3, atol=1e-3)
    plain = lstm_attention_forecaster(LOOKBACK, 2, HORIZON, 2, units=8)  # without the frame: no such law
    assert not np.allclose(plain.predict(4.0 * window + 1.0, verbose=0), 4.0 * plain.predict(window, verbose=0) + 1.0,
                           atol=1e-2)


def test_channel_independence_lets_no_forecast_channel_read_another_but_every_one_read_the_covariates():
    with seeded_layers(2):
        model = framed(segment_forecaster, "last", True)(LOOKBACK, 4, HORIZON, 3, units=8, segment=6)
    window = rand((4, LOOKBACK, 4), seed=8)
    base = model.predict(window, verbose=0)
    changed = window.copy()
    changed[:, :, 1] += rand((4, LOOKBACK), seed=9)  # a forecast channel
    after = model.predict(changed, verbose=0)
    np.testing.assert_allclose(after[:, :, [0, 2]], base[:, :, [0, 2]], rtol=1e-5, atol=1e-5)
    assert not np.allclose(after[:, :, 1], base[:, :, 1], atol=1e-4)
    covariate = window.copy()
    covariate[:, :, 3] += 1.0
    moved = np.abs(model.predict(covariate, verbose=0) - base).max(axis=(0, 1))
    assert np.all(moved > 1e-4)  # every channel reads the covariate
    swapped = model.predict(window[:, :, [2, 1, 0, 3]], verbose=0)  # one shared model: swapping swaps
    np.testing.assert_allclose(swapped, base[:, :, [2, 1, 0]], rtol=1e-5, atol=1e-5)


def test_the_frame_checks_its_options_and_sizes():
    with pytest.raises(ValueError, match=r"revin: expected one of last, mean, std \(or None\), got 'max'"):
        framed(_dense, "max")
    with pytest.raises(ValueError, match=r"channel_independent: expected True or False, got 'yes'"):
        framed(_dense, None, "yes")
    with pytest.raises(ValueError, match=r"n_outputs: the frame forecasts the window's first channels, so expected "
                                         r"at most 2, got 3"):
        framed(_dense, "last")(LOOKBACK, 2, HORIZON, 3)
    assert variant() == "plain" and variant("std", True) == "revin-std+ci" and variant(None, True) == "ci"


def _task() -> Task:
    rng = np.random.default_rng(0)
    splits = [Windows(rng.standard_normal((8, LOOKBACK, 3)).astype(np.float32),
                      rng.standard_normal((8, HORIZON, 2)).astype(np.float32)) for _ in range(3)]
    return Task("tiny", ("a", "b", "c"), (0, 1), LOOKBACK, HORIZON, *splits, season=24)


def test_the_registry_frames_the_models_that_accept_it_and_names_them_when_one_does_not():
    task = _task()
    framed_model = registry.build_model("segment_attention", task, 0, revin="last", channel_independent=True)
    assert framed_model.model.name == "segment_attention_revin_last_ci"
    assert framed_model.model.get_layer("segment_attention").input_shape == (None, LOOKBACK, 2)
    accepting = ", ".join(registry.framed_models("revin"))
    for name in ("linear", "pointer", "patch_transformer"):
        with pytest.raises(ValueError, match=rf"revin: expected one of the models that accept it \({accepting}\), "
                                             rf"got '{name}'"):
            registry.build_model(name, task, 0, revin="last")
    with pytest.raises(ValueError, match=r"channel_independent: expected one of the models .*, got 'itransformer'"):
        registry.build_model("itransformer", task, 0, channel_independent=True)


def test_the_help_of_the_command_line_names_the_models_the_registry_does_not_frame():
    neural = {name for name, factory in registry.REGISTRY.items() if isinstance(factory, registry.Neural)}
    for option in registry.FRAMES:
        assert set(cli.UNFRAMED) == neural - set(registry.framed_models(option))


def test_the_same_seed_frames_the_same_weights_and_unframed_models_are_unchanged():
    task = _task()
    first, again = (registry.build_model("lstm_attention", task, 3, revin="std") for _ in range(2))
    for a, b in zip(first.model.get_weights(), again.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    plain = registry.build_model("lstm_attention", task, 3)
    assert plain.model.name == "lstm_attention"
    assert "instance_norm" not in [layer.name for layer in plain.model.layers]
