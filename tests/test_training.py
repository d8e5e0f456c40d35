"""Tests of attention_book.training: one silent model.fit with early stopping and the best weights restored."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from attention_book import set_seed
from attention_book.session import seeded_layers
from attention_book.training import ShuffledBatches, distribution_scope, train
from attention_book.windows import Windows


def dense_model(lookback=8, channels=2, horizon=3, outputs=1):
    inputs = keras.Input((lookback, channels))
    flat = keras.layers.Flatten()(inputs)
    outputs_ = keras.layers.Reshape((horizon, outputs))(keras.layers.Dense(horizon * outputs)(flat))
    return keras.Model(inputs, outputs_)


def windows(n, seed, lookback=8, channels=2, horizon=3, outputs=1, noise_only=False):
    rng = np.random.default_rng(seed)
    inputs = rng.standard_normal((n, lookback, channels)).astype(np.float32)
    if noise_only:
        targets = rng.standard_normal((n, horizon, outputs))
    else:  # a linear function of the inputs that the model can learn exactly
        targets = np.repeat(inputs[:, -1:, :1] - inputs[:, :1, 1:2], horizon, axis=1)
    return Windows(inputs, targets.astype(np.float32))


def test_learns_a_learnable_task_silently(capsys):
    set_seed(0)
    model = dense_model()
    history = train(model, windows(512, 0), windows(128, 1), epochs=30, learning_rate=1e-2)
    assert set(history.history) >= {"loss", "val_loss"}
    assert history.history["val_loss"][-1] < 0.05 * history.history["val_loss"][0]
    assert capsys.readouterr().out == ""  # verbose=0: no progress bars in the book


def test_stops_early_and_restores_the_best_weights():
    """On pure noise the validation loss soon rises: training stops ``patience`` epochs after its best epoch,
    and the model keeps that epoch's weights, not the last ones."""
    set_seed(0)
    model = dense_model(lookback=32, channels=4)
    train_windows, val_windows = windows(48, 0, 32, 4, noise_only=True), windows(48, 1, 32, 4, noise_only=True)
    history = train(model, train_windows, val_windows, epochs=200, patience=2, learning_rate=3e-2, batch_size=16)
    val_loss = history.history["val_loss"]
    best = int(np.argmin(val_loss))
    assert len(val_loss) < 200
    assert len(val_loss) == best + 2 + 1
    assert val_loss[-1] > val_loss[best]
    restored = model.evaluate(*val_windows, batch_size=64, verbose=0)
    assert restored == pytest.approx(val_loss[best], rel=1e-4)


def trained(build_seed, train_seed, global_seed):
    """The losses and first weights after 3 epochs, with the process seeded by ``global_seed`` beforehand."""
    set_seed(global_seed)
    with seeded_layers(build_seed):
        model = dense_model()
    history = train(model, windows(256, 0), windows(64, 1), epochs=3, seed=train_seed)
    return history.history["loss"], model.get_weights()[0]


def test_same_seeds_same_training_whatever_the_process_drew_before():
    losses, weights = trained(3, 5, global_seed=1)
    again_losses, again_weights = trained(3, 5, global_seed=2)
    assert losses == again_losses
    np.testing.assert_array_equal(weights, again_weights)
    other_order, _ = trained(3, 6, global_seed=1)  # only the order of the batches differs
    assert other_order[0] != losses[0]


def test_batches_hold_every_window_once_per_epoch_in_an_order_from_the_seed():
    inputs = np.arange(10, dtype=np.float32).reshape(10, 1, 1)
    batches = ShuffledBatches(inputs, -inputs, batch_size=4, seed=0)
    assert len(batches) == 3
    epochs = []
    for _ in range(3):
        parts = [batches[i] for i in range(len(batches))]
        assert [len(x) for x, _ in parts] == [4, 4, 2]
        for x, y in parts:
            np.testing.assert_array_equal(y, -x)  # inputs and targets stay paired
        epochs.append(np.concatenate([x for x, _ in parts]).ravel())
        batches.on_epoch_end()
    for order in epochs:
        assert sorted(order) == list(range(10))
    assert not np.array_equal(epochs[0], epochs[1])  # a new order each epoch
    again = ShuffledBatches(inputs, -inputs, batch_size=4, seed=0)
    np.testing.assert_array_equal(np.concatenate([again[i][0] for i in range(3)]).ravel(), epochs[0])


def test_training_leaves_the_process_random_state_alone():
    import random

    set_seed(0)
    python_state, numpy_state = random.getstate(), np.random.get_state()
    with seeded_layers(1):
        model = dense_model()
    train(model, windows(64, 0), windows(16, 1), epochs=2, seed=2)
    assert random.getstate() == python_state
    after = np.random.get_state()
    assert after[0] == numpy_state[0] and np.array_equal(after[1], numpy_state[1]) and after[2:] == numpy_state[2:]


def test_distribution_scope_without_devices_and_a_bad_distribution():
    with distribution_scope(None):
        pass
    with pytest.raises(TypeError, match="distribution: expected None, a tf.distribute strategy .* got str"):
        distribution_scope("gpu")
    with pytest.raises(TypeError, match="distribution: expected None"):
        train(dense_model(), windows(4, 0), windows(4, 1), distribution=object())


# ----------------------------------------------------------------------------------------------- bad inputs


def test_train_must_be_windows():
    with pytest.raises(TypeError, match="train: expected Windows"):
        train(dense_model(), (np.zeros((4, 8, 2)), np.zeros((4, 3, 1))), windows(4, 1))


@pytest.mark.parametrize("split, bad, message", [
    ("train", Windows(np.zeros((4, 8, 3)), np.zeros((4, 3, 1))), r"train: expected inputs of shape \(N, 8, 2\)"),
    ("val", Windows(np.zeros((4, 8, 2)), np.zeros((4, 5, 1))), r"val: expected targets of shape \(4, 3, 1\)"),
    ("val", Windows(np.zeros((4, 8, 2)), np.zeros((3, 3, 1))), r"val: expected targets of shape \(4, 3, 1\)"),
    ("train", Windows(np.full((4, 8, 2), np.nan), np.zeros((4, 3, 1))), "train: contains NaN"),
])
def test_windows_that_do_not_fit_the_model(split, bad, message):
    splits = {"train": windows(4, 0), "val": windows(4, 1), split: bad}
    with pytest.raises(ValueError, match=message):
        train(dense_model(), splits["train"], splits["val"])


@pytest.mark.parametrize("argument, value, message", [
    ("epochs", 0, "epochs: expected an integer >= 1"),
    ("batch_size", 2.0, "batch_size: expected an integer >= 1"),
    ("patience", -1, "patience: expected an integer >= 0"),
    ("learning_rate", 0.0, "learning_rate: expected a finite number > 0"),
    ("learning_rate", float("nan"), "learning_rate: expected a finite number > 0"),
    ("learning_rate", "0.1", "learning_rate: expected a finite number > 0"),
    ("seed", -1, "seed: expected an integer >= 0"),
])
def test_bad_settings(argument, value, message):
    with pytest.raises(ValueError, match=message):
        train(dense_model(), windows(4, 0), windows(4, 1), **{argument: value})
