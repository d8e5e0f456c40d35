"""Tests of attention_book.training: one silent model.fit with early stopping and the best weights restored."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from attention_book import set_seed
from attention_book.training import train
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


def test_same_seed_same_training():
    results = []
    for _ in range(2):
        set_seed(7)
        model = dense_model()
        history = train(model, windows(256, 0), windows(64, 1), epochs=3)
        results.append((history.history["loss"], model.get_weights()[0]))
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])


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
    ("learning_rate", 0.0, "learning_rate: expected a number > 0"),
    ("learning_rate", float("nan"), "learning_rate: expected a number > 0"),
    ("learning_rate", "0.1", "learning_rate: expected a number > 0"),
])
def test_bad_settings(argument, value, message):
    with pytest.raises(ValueError, match=message):
        train(dense_model(), windows(4, 0), windows(4, 1), **{argument: value})
