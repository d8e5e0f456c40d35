"""Tests of attention_book.pointer: pointer networks, whose attention weights are the prediction."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from attention_book import set_seed
from attention_book.pointer import PointerDecoder, pointer_model, pointers_of
from attention_book.synthetic import sorting_task

from reference import additive_scores, lstm_step, rand, softmax


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
    expected_hidden, _ = lstm_step(previous, hidden, carry, *(w[f"cell/{name}"] for name in
                                                           ("kernel", "recurrent_kernel", "bias")))
    expected = softmax(additive_scores(encoder_states, expected_hidden, w), available)
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


def test_position_classifier_gives_a_distribution_over_positions_per_step():
    from attention_book.pointer import position_classifier

    set_seed(0)
    model = position_classifier(6, 1, 4, units=8)
    probabilities = model.predict(sorting_task(3, 6, seed=1)[0], verbose=0)
    assert probabilities.shape == (3, 4, 6)
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-5)


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


# ---------------------------------------------------------------- analog forecasting with a pointer

from attention_book.baselines import SeasonalNaive  # noqa: E402
from attention_book.pointer import AnalogPointer, analog_candidates, pointer_forecaster  # noqa: E402
from attention_book.probes import layer_weights  # noqa: E402


def test_analog_candidates_are_the_past_stretches_newest_first():
    window = rand((2, 30, 3))  # H = 6: K = 30 // 6 - 1 = 4 candidates
    keys, continuations, query = (np.asarray(a) for a in analog_candidates(window, 6, 2))
    assert keys.shape == (2, 4, 18) and continuations.shape == (2, 4, 6, 2) and query.shape == (2, 18)
    np.testing.assert_array_equal(query, window[:, 24:].reshape(2, 18))
    for j in range(4):
        end = 30 - 6 * j
        np.testing.assert_array_equal(continuations[:, j], window[:, end - 6:end, :2])
        np.testing.assert_array_equal(keys[:, j], window[:, end - 12:end - 6].reshape(2, 18))
    # Copying the newest candidate is the seasonal-naive forecast with period H.
    np.testing.assert_array_equal(continuations[:, 0], SeasonalNaive(6, 6, (0, 1)).predict(window))


def test_analog_pointer_copies_the_most_probable_candidate_and_labels_the_best_one():
    set_seed(0)
    model = pointer_forecaster(30, 3, 6, 2, units=8)
    window, targets = rand((5, 30, 3), 1), rand((5, 6, 2), 2)
    forecast, probabilities = (np.asarray(a) for a in model.get_layer("pointer")(window))
    _, continuations, _ = analog_candidates(window, 6, 2)
    continuations = np.asarray(continuations)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    chosen = probabilities.argmax(axis=1)
    np.testing.assert_array_equal(forecast, continuations[np.arange(5), chosen])
    np.testing.assert_array_equal(model.predict(window, verbose=0), forecast)
    np.testing.assert_array_equal(layer_weights(model, window, "pointer"), probabilities)
    errors = ((continuations - targets[:, None]) ** 2).mean(axis=(2, 3))
    best = np.asarray(model.get_layer("pointer").best_candidates(window, targets))
    np.testing.assert_array_equal(best, errors.argmin(axis=1)[:, None])


def test_pointer_loss_is_the_cross_entropy_of_the_best_candidate():
    set_seed(0)
    model = pointer_forecaster(30, 3, 6, 2, units=8)
    model.compile(optimizer="adam", loss="mse")  # the compiled loss is not the pointer's
    window, targets = rand((5, 30, 3), 1), rand((5, 6, 2), 2)
    layer = model.get_layer("pointer")
    best = np.asarray(layer.best_candidates(window, targets))[:, 0]
    probabilities = np.asarray(layer.teacher_forced(window, best[:, None]))[:, 0]
    expected = -np.mean(np.log(probabilities[np.arange(5), best]))
    np.testing.assert_allclose(model.evaluate(window, targets, verbose=0), expected, rtol=1e-5)


def test_analog_pointer_learns_which_candidate_continues_the_series():
    """Windows whose future repeats the stretch 3 H back: the trained pointer points there."""
    rng = np.random.default_rng(0)
    window = rng.standard_normal((512, 24, 1)).astype(np.float32)
    targets = window[:, 8:12].copy()  # H = 4: candidate j ends at 24 - 4 j, so this is candidate 3
    set_seed(0)
    model = pointer_forecaster(24, 1, 4, 1, units=8)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    model.fit(window, targets, epochs=30, batch_size=64, verbose=0)
    pointed = layer_weights(model, window, "pointer").argmax(axis=1)
    assert np.mean(pointed == 3) > 0.95
    np.testing.assert_array_equal(model.predict(window, verbose=0)[pointed == 3], targets[pointed == 3])


def test_analog_pointer_round_trip(tmp_path):
    set_seed(0)
    model = pointer_forecaster(30, 3, 6, 2, units=8)
    window = rand((4, 30, 3))
    model.save(tmp_path / "analog.keras")
    loaded = keras.saving.load_model(tmp_path / "analog.keras")
    np.testing.assert_array_equal(loaded.predict(window, verbose=0), model.predict(window, verbose=0))
    np.testing.assert_allclose(layer_weights(loaded, window, "pointer"), layer_weights(model, window, "pointer"),
                               atol=1e-6)


def test_analog_pointer_bad_inputs():
    with pytest.raises(ValueError, match=r"lookback: expected at least 2 \* horizon = 48 steps, .* got 40"):
        pointer_forecaster(40, 2, 24, 2)
    with pytest.raises(ValueError, match="window: analog forecasting with stretches of 24 steps needs at least 48 "
                                         "steps, got 40"):
        AnalogPointer(24, 2)(rand((2, 40, 2)))
    with pytest.raises(ValueError, match="n_outputs: expected at most the window's 2 channels, got 3"):
        AnalogPointer(6, 3)(rand((2, 30, 2)))
    states, items, initial = rand((3, 4, 4)), rand((3, 4, 2)), [rand((3, 4)), rand((3, 4))]
    with pytest.raises(ValueError, match=r"first: expected shape \(B, 2\) like one item, got \(3, 5\)"):
        PointerDecoder(2, units=4, learned_start=False)(states, items, initial, None, rand((3, 5)))
    with pytest.raises(ValueError, match=r"first: expected the first input \(B, F\), got None"):
        PointerDecoder(2, units=4, learned_start=False)(states, items, initial)
    with pytest.raises(ValueError, match=r"first: expected None \(the first input is learned\), got \(3, 2\)"):
        PointerDecoder(2, units=4)(states, items, initial, None, rand((3, 2)))
    with pytest.raises(ValueError, match="learned_start: expected True or False, got 1"):
        PointerDecoder(2, units=4, learned_start=1)


def test_registered_pointer_is_seeded_and_forecasts_by_copying():
    from attention_book.registry import build_model
    from attention_book.tasks import make_task

    task = make_task("seasonal_mix", 72, 24)
    first, again = build_model("pointer", task, 3), build_model("pointer", task, 3)
    for a, b in zip(first.model.get_weights(), again.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    window = task.test.inputs[:3]
    forecast = first.predict(window)
    assert forecast.shape == (3, 24, 4)
    copies = [window[:, 48:], window[:, 24:48]]  # the two candidates: the last day and the day before
    assert all(any(np.array_equal(forecast[b], copy[b]) for copy in copies) for b in range(3))


def test_teacher_forced_step_t_does_not_see_the_targets_from_t_on():
    set_seed(0)
    layer = pointer_model(6, 1, 6, units=8).get_layer("pointer")
    items, targets = sorting_task(3, 6, seed=4)
    changed = targets.copy()
    changed[:, 3:] = targets[:, 3:][:, ::-1]  # the same positions from step 3 on, in another order
    before, after = (np.asarray(layer(items, t)[0]) for t in (targets, changed))
    np.testing.assert_allclose(after[:, :4], before[:, :4], rtol=1e-6, atol=1e-7)  # steps 0-3 fed targets 0-2
    assert np.abs(after[:, 4:] - before[:, 4:]).max() > 1e-4


def test_analogs_reports_the_pointer_its_mixture_and_the_oracle():
    from attention_book.pointer import analogs

    set_seed(0)
    model = pointer_forecaster(30, 3, 6, 2, units=8)
    window, targets = rand((5, 30, 3), 1), rand((5, 6, 2), 2)
    report = analogs(model, window, targets, batch_size=2)
    _, continuations, _ = analog_candidates(window, 6, 2)
    continuations = np.asarray(continuations)
    np.testing.assert_allclose(report.weights, layer_weights(model, window, "pointer"), atol=1e-6)
    np.testing.assert_array_equal(report.pointed, model.predict(window, verbose=0))
    np.testing.assert_allclose(report.mixture, (report.weights[:, :, None, None] * continuations).sum(axis=1),
                               rtol=1e-5, atol=1e-6)
    errors = ((continuations - targets[:, None]) ** 2).mean(axis=(2, 3))
    np.testing.assert_array_equal(report.best, errors.argmin(axis=1))
    np.testing.assert_array_equal(report.oracle, continuations[np.arange(5), errors.argmin(axis=1)])
    with pytest.raises(ValueError, match=r"targets: expected shape \(5, 6, 2\), got \(5, 6, 3\)"):
        analogs(model, window, rand((5, 6, 3)))
