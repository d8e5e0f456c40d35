"""Tests of attention_book.probes: reading the attention weights and gates of trained models."""

from __future__ import annotations

import numpy as np
import pytest

from attention_book.attention_rnn import lstm_attention_forecaster
from attention_book.probes import gates_at_events, layer_weights, mass_on, peak_lags


def rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def test_layer_weights_checks_its_arguments():
    model = lstm_attention_forecaster(6, 2, 2, 1, units=3)
    with pytest.raises(ValueError, match="inputs: expected 2 channels, got 3"):
        layer_weights(model, rand((1, 6, 3)))
    with pytest.raises(ValueError, match="layer: lstm_attention has no layer named 'nope'"):
        layer_weights(model, rand((1, 6, 2)), layer="nope")
    with pytest.raises(ValueError, match="layer: expected an attention layer"):
        layer_weights(model, rand((1, 6, 2)), layer="head")


def test_mass_on_the_given_positions():
    weights = np.array([[0.5, 0.25, 0.25, 0.0], [0.1, 0.2, 0.3, 0.4]])
    assert mass_on(weights, np.array([[0, 1], [2, 3]])) == pytest.approx((0.75 + 0.7) / 2)
    uniform = np.full((3, 10), 0.1)
    assert mass_on(uniform, np.array([[0, 9]] * 3)) == pytest.approx(0.2)


@pytest.mark.parametrize("weights, positions, message", [
    (np.ones(4), np.array([[0]]), r"weights: expected shape \(N, T\)"),
    (np.ones((2, 4)), np.array([[0]]), r"positions: expected integers of shape \(2, k\)"),
    (np.ones((1, 4)), np.array([[0.0]]), "positions: expected integers"),
    (np.ones((1, 4)), np.array([[4]]), r"positions: expected indices in \[0, 4\)"),
])
def test_mass_on_bad_inputs(weights, positions, message):
    with pytest.raises(ValueError, match=message):
        mass_on(weights, positions)


def test_peak_lags_count_hours_back_from_each_forecast_step():
    weights = np.zeros((3, 10))
    weights[0, 9] = 1.0  # step 1 looks at the last observed hour: 1 back
    weights[1, 0] = 1.0  # step 2 looks at the first hour of the window: 10 - 1 + 2 = 11 back
    weights[2, 5] = 1.0  # step 3: 10 - 1 + 3 - 5 = 7 back
    np.testing.assert_array_equal(peak_lags(weights), [1, 11, 7])
    with pytest.raises(ValueError, match=r"weights: expected shape \(H, L\), got shape \(2, 3, 4\)"):
        peak_lags(np.zeros((2, 3, 4)))


def test_gates_at_events_averages_each_slot_over_each_entitys_events():
    gates = np.random.default_rng(0).random((3, 5, 2))
    events = np.zeros((3, 5, 2), bool)
    events[0, 1, 0] = events[2, 4, 0] = events[1, 0, 1] = True
    expected = np.stack([(gates[0, 1] + gates[2, 4]) / 2, gates[1, 0]])
    np.testing.assert_allclose(gates_at_events(gates, events), expected)
    with pytest.raises(ValueError, match=r"events: expected booleans of shape \(3, 5, E\), got float64"):
        gates_at_events(gates, events.astype(float))
    with pytest.raises(ValueError, match=r"gates: expected shape \(N, T, M\)"):
        gates_at_events(gates[0], events)
