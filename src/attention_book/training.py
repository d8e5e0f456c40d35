"""Training every neural forecaster the same way: Adam on the mean squared error, early stopping on the
validation loss, best weights restored. One call of ``model.fit``, silent unless asked; the history is returned
for plots.

The order of the batches comes from the ``seed`` argument alone (:class:`ShuffledBatches`), not from any global
random state; ``distribution`` spreads the training over several devices (:func:`distribution_scope`).
"""

from __future__ import annotations

import contextlib
import math

import keras
import numpy as np

from .checks import check_float, check_int
from .windows import Windows


def _check_windows(name: str, windows, model: keras.Model) -> tuple[np.ndarray, np.ndarray]:
    """The split's (inputs, targets) as float32, or a ``ValueError`` if they don't fit the model's shapes."""
    if not isinstance(windows, Windows):
        raise TypeError(f"{name}: expected Windows(inputs, targets), got {type(windows).__name__}")
    inputs, targets = np.asarray(windows.inputs, np.float32), np.asarray(windows.targets, np.float32)
    expected_in, expected_out = tuple(model.input_shape[1:]), tuple(model.output_shape[1:])
    if inputs.shape[1:] != expected_in:
        raise ValueError(f"{name}: expected inputs of shape (N, {', '.join(map(str, expected_in))}), "
                         f"got {inputs.shape}")
    if targets.shape[1:] != expected_out or targets.shape[0] != inputs.shape[0]:
        raise ValueError(f"{name}: expected targets of shape ({inputs.shape[0]}, "
                         f"{', '.join(map(str, expected_out))}), got {targets.shape}")
    if not (np.all(np.isfinite(inputs)) and np.all(np.isfinite(targets))):
        raise ValueError(f"{name}: contains NaN or infinity")
    return inputs, targets


class ShuffledBatches(keras.utils.PyDataset):
    """The training windows in batches of ``batch_size``, in a new order each epoch drawn from ``seed`` alone.

    Keras' own shuffling of arrays draws from the backend's global random state; this one owns its generator, so
    the same seed gives the same batches whatever else the program has drawn, on every backend.
    """

    def __init__(self, inputs: np.ndarray, targets: np.ndarray, batch_size: int, seed: int):
        super().__init__()
        self.inputs, self.targets = inputs, targets
        self.batch_size = check_int("batch_size", batch_size)
        self.generator = np.random.default_rng(check_int("seed", seed, minimum=0))
        self.order = self.generator.permutation(len(inputs))

    def __len__(self) -> int:
        return math.ceil(len(self.inputs) / self.batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        rows = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        return self.inputs[rows], self.targets[rows]

    def on_epoch_end(self) -> None:
        self.order = self.generator.permutation(len(self.inputs))


def distribution_scope(distribution):
    """The context in which to build, compile and train a model that ``distribution`` spreads over devices.

    ``distribution``: ``None`` (one device: an empty context), a ``tf.distribute`` strategy on the TensorFlow
    backend (e.g. ``tf.distribute.MirroredStrategy()`` over the visible GPUs), or a Keras distribution on the JAX
    backend (e.g. ``keras.distribution.DataParallel()``). Build the model inside the same scope as its training.
    """
    if distribution is None:
        return contextlib.nullcontext()
    if not callable(getattr(distribution, "scope", None)):
        raise TypeError(f"distribution: expected None, a tf.distribute strategy or a keras.distribution "
                        f"Distribution, got {type(distribution).__name__}")
    return distribution.scope()


def train(
    model: keras.Model,
    train: Windows,
    val: Windows,
    *,
    epochs: int = 20,
    batch_size: int = 64,
    patience: int = 3,
    learning_rate: float = 1e-3,
    seed: int = 0,
    distribution=None,
    verbose: int = 0,
) -> keras.callbacks.History:
    """Fit ``model`` on ``train``, stop when the loss on ``val`` has not improved for ``patience`` epochs.

    The model is compiled here (Adam with gradients clipped to norm 1, mean squared error). Afterwards it holds
    the weights of the epoch with the lowest validation loss. Returns the ``History``; its ``history`` dict has
    the lists ``loss`` and ``val_loss``. ``seed``: the order of the batches (:class:`ShuffledBatches`).
    ``distribution``: the devices to train on, see :func:`distribution_scope` (the model must have been built in
    the same scope). ``verbose``: Keras' progress output (0 silent, the book's default; 1 a progress bar; 2 one
    line per epoch with the loss and the validation loss).
    """
    train_data, val_data = _check_windows("train", train, model), _check_windows("val", val, model)
    epochs, batch_size = check_int("epochs", epochs), check_int("batch_size", batch_size)
    patience = check_int("patience", patience, minimum=0)
    if verbose not in (0, 1, 2) or isinstance(verbose, bool):
        raise ValueError(f"verbose: expected 0, 1 or 2, got {verbose!r}")
    learning_rate = check_float("learning_rate", learning_rate, 0, include_minimum=False)
    batches = ShuffledBatches(*train_data, batch_size=batch_size, seed=seed)
    with distribution_scope(distribution):
        model.compile(optimizer=keras.optimizers.Adam(learning_rate, clipnorm=1.0), loss="mse")
        stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
        # shuffle=False: the batches shuffle themselves; Keras would also shuffle their order with Python's random.
        return model.fit(batches, validation_data=val_data, validation_batch_size=batch_size, epochs=epochs,
                         shuffle=False, callbacks=[stop], verbose=verbose)
