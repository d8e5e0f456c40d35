"""Tests of attention_book.pointer: pointer networks, whose attention weights are the prediction."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from attention_book import set_seed
from attention_book.pointer import PointerDecoder, pointer_model, pointers_of
from attention_book.synthetic import sorting_task


def rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_one_step_is_an_lstm_update_then_a_masked_additive_softmax():
    set_seed(0)
    decoder = PointerDecoder(3, units=4)
    decoder.build((None, 5, 4), (None, 5, 2))
    encoder_states, previous = rand((2, 5, 4)), rand((2, 2), 1)
    hidden, carry = rand((2, 4), 2), rand((2, 4), 3)
    available = np.array([[True, False, True, True, False], [True] * 5])
    projected = decoder.score.project_values(encoder_states)
    probabilities, (new_hidden, _) = decoder.step(previous, [hidden, carry], projected, available)
    w = {v.path.split("/", 1)[1]: v.numpy().astype(np.float64) for v in decoder.weights}
    z = previous @ w["cell/kernel"] + hidden @ w["cell/recurrent_kernel"] + w["cell/bias"]
    i, f, g, o = np.split(z, 4, axis=-1)
    expected_hidden = sigmoid(o) * np.tanh(sigmoid(f) * carry + sigmoid(i) * np.tanh(g))
    scores = np.tanh(encoder_states @ w["score/values_kernel"]
                     + (expected_hidden @ w["score/query_kernel"])[:, None]) @ w["score/score_vector"]
    scores = np.where(available, scores, -np.inf)
    expected = np.exp(scores - scores.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(new_hidden, expected_hidden, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(probabilities, expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("teacher", [False, True])
def test_no_position_is_pointed_at_twice_and_chosen_ones_get_zero_probability(teacher):
    set_seed(0)
    model = pointer_model(6, 1, 6, units=8)
    items, targets = sorting_task(4, 6, seed=1)
    layer = model.get_layer("pointer")
    probabilities, pointers = layer(items, targets if teacher else None)
    probabilities, pointers = np.asarray(probabilities), np.asarray(pointers)
    if teacher:
        np.testing.assert_array_equal(pointers, targets)
    for row in range(4):
        assert sorted(pointers[row]) == list(range(6))  # a permutation: every position exactly once
        for step in range(1, 6):
            np.testing.assert_array_equal(probabilities[row, step, pointers[row, :step]], 0.0)
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-5)


def test_greedy_pointers_are_the_most_probable_remaining_items():
    set_seed(0)
    model = pointer_model(5, 1, 3, units=8)
    items, _ = sorting_task(3, 5, seed=2)
    probabilities, pointers = model.get_layer("pointer")(items)
    np.testing.assert_array_equal(np.asarray(pointers), np.argmax(np.asarray(probabilities), axis=-1))
    np.testing.assert_array_equal(pointers_of(model, items), np.asarray(pointers))


def test_sorting_task_targets_sort_the_items():
    items, targets = sorting_task(10, 7, seed=3)
    assert items.shape == (10, 7, 1) and targets.shape == (10, 7)
    ordered = np.take_along_axis(items[..., 0], targets, axis=1)
    assert np.all(np.diff(ordered, axis=1) >= 0)


def test_keras_round_trip(tmp_path):
    set_seed(0)
    model = pointer_model(6, 1, 6, units=8)
    items, _ = sorting_task(4, 6, seed=1)
    model.save(tmp_path / "pointer.keras")
    loaded = keras.saving.load_model(tmp_path / "pointer.keras")
    np.testing.assert_allclose(loaded.predict(items, verbose=0), model.predict(items, verbose=0), atol=1e-6)


def test_bad_inputs_raise_one_clear_error():
    with pytest.raises(ValueError, match="n_steps: expected at most the 4 items"):
        pointer_model(4, 1, 5)
    with pytest.raises(ValueError, match="n_steps: expected an integer >= 1, got 0"):
        pointer_model(4, 1, 0)
    model = pointer_model(4, 1, 4, units=8)
    with pytest.raises(ValueError, match=r"items: expected shape \(B, 4, 1\), got \(2, 5, 1\)"):
        pointers_of(model, np.zeros((2, 5, 1)))
    with pytest.raises(ValueError, match=r"targets: expected shape \(B, 4\), got \(2, 3\)"):
        model.get_layer("pointer")(np.zeros((2, 4, 1), np.float32), np.zeros((2, 3), np.int32))
