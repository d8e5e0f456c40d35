"""Every model of the book by name, and the one function that evaluates any of them on any task.

A factory takes the :class:`~attention_book.tasks.Task` and a seed and returns an unfitted forecaster with
``fit(train, val)`` and ``predict(inputs)``. Later chapters add their models to :data:`REGISTRY`.
"""

from __future__ import annotations

import os
import time

from . import attention_rnn, baselines, metrics, pointer, rnn, seq2seq, transformer
from .forecasters import NeuralForecaster
from .session import seeded_layers
from .tasks import Task, make_task
from .training import distribution_scope

#: How the book trains every neural forecaster (see :func:`~attention_book.training.train`).
TRAINING = {"epochs": 20, "batch_size": 64, "patience": 3, "learning_rate": 1e-3}


def neural(build, training=None, **sizes):
    """A registry factory for the Keras forecaster ``build(lookback, n_channels, horizon, n_outputs, **sizes)``.

    ``training`` overrides entries of :data:`TRAINING` for this model. The seed gives the initial weights
    (:func:`~attention_book.session.seeded_layers`) and the order of the training batches, so the same seed gives
    the same model on every run, without reseeding anything outside.
    """

    def factory(task: Task, seed: int):
        with seeded_layers(seed):
            model = build(task.lookback, len(task.channels), task.horizon, len(task.target_channels), **sizes)
        return NeuralForecaster(model, seed=seed, **{**TRAINING, **(training or {})})

    return factory


def seq2seq_model(attention: str, training=None, **sizes):
    """A registry factory for the encoder-decoder with the given ``attention``; it gives the decoder the calendar
    of the hours it forecasts when the task has calendar channels."""

    def factory(task: Task, seed: int):
        build = neural(seq2seq.seq2seq_forecaster, training, attention=attention, calendar=task.calendar, **sizes)
        return build(task, seed)

    return factory


#: The step-by-step decoders cost H sequential steps per window; larger batches keep an epoch affordable.
SEQ2SEQ_TRAINING = {"batch_size": 256, "learning_rate": 3e-3}

REGISTRY = {
    "repeat": lambda task, seed: baselines.RepeatLast(task.horizon, task.target_channels),
    "seasonal": lambda task, seed: baselines.SeasonalNaive(task.horizon, task.season, task.target_channels),
    "linear": lambda task, seed: baselines.LinearForecaster(target_channels=task.target_channels),
    "rnn": neural(rnn.rnn_forecaster, units=32),
    "lstm": neural(rnn.lstm_forecaster, units=32),
    # Its step-by-step attention makes every step cost O(L): larger batches keep an epoch affordable on a CPU.
    "attention_rnn": neural(attention_rnn.attention_rnn_forecaster, {"batch_size": 256, "learning_rate": 3e-3},
                            units=32, score="general"),
    "lstm_attention": neural(attention_rnn.lstm_attention_forecaster, units=32),
    "ff_attention": neural(attention_rnn.ff_attention_forecaster, units=32),
    "seq2seq": seq2seq_model("none", SEQ2SEQ_TRAINING, units=32),
    "bahdanau": seq2seq_model("bahdanau", SEQ2SEQ_TRAINING, units=32),
    "luong": seq2seq_model("luong", SEQ2SEQ_TRAINING, units=32),
    "transformer": neural(transformer.transformer_forecaster, d_model=32, heads=4, layers=2, d_ff=64),
    # Small and regularised, as PatchTST is for ETTh1 (Nie et al., 2023): it overfits within a few epochs otherwise.
    "patch_transformer": neural(transformer.patch_transformer_forecaster, {"learning_rate": 5e-4}, patch=16, stride=8,
                                d_model=16, heads=4, layers=2, d_ff=128, dropout=0.2),
    # One token per channel (iTransformer): attention across the channels.
    "itransformer": neural(transformer.variate_transformer_forecaster, d_model=64, heads=4, layers=2, d_ff=64,
                           dropout=0.1),
    # Analog forecasting: copies the past stretch of H steps it points at (use it with --horizon 24 on hourly data,
    # so that the stretches are days). Its loss is the pointer's cross-entropy, whatever the training settings say.
    "pointer": neural(pointer.pointer_forecaster, {"batch_size": 128, "learning_rate": 3e-3}, units=32),
}


def check_model_name(name: str) -> str:
    """``name`` if it is registered; else a ``ValueError`` listing the registered names."""
    if name not in REGISTRY:
        raise ValueError(f"model: expected one of {', '.join(sorted(REGISTRY))}, got {name!r}")
    return name


def build_model(name: str, task: Task, seed: int = 0, distribution=None, **training):
    """An unfitted forecaster of the registered kind ``name`` for ``task``.

    ``seed``: the initial weights and the order of the training batches. ``distribution``: the devices a neural
    model is built and trained on (a ``tf.distribute`` strategy, or a Keras distribution on JAX; see
    :func:`~attention_book.training.distribution_scope`). ``training`` overrides the training settings of a neural
    model (e.g. ``epochs=4`` to fit a time budget).
    """
    with distribution_scope(distribution):
        model = REGISTRY[check_model_name(name)](task, seed)
    if isinstance(model, NeuralForecaster):
        model.distribution = distribution
    if training:
        if not isinstance(model, NeuralForecaster):
            raise ValueError(f"training: {name} is not trained by gradient descent, got settings {training}")
        unknown = set(training) - set(TRAINING)
        if unknown:
            raise ValueError(f"training: expected settings among {', '.join(TRAINING)}, "
                             f"got {', '.join(sorted(unknown))}")
        model.training = {**model.training, **training}
    return model


def fit_on_task(model, task: Task, verbose: int = 0):
    """``model.fit(task.train, task.val)``; ``verbose`` is the training's progress output for a neural model (see
    :func:`~attention_book.training.train`), which the baselines, fitted at once, do not have."""
    if isinstance(model, NeuralForecaster):
        return model.fit(task.train, task.val, verbose=verbose)
    return model.fit(task.train, task.val)


def evaluate_on_task(name: str, task: Task, seed: int = 0, verbose: int = 0) -> dict:
    """Fit model ``name`` on the task's training windows and score it on every test window (``verbose``: see
    :func:`fit_on_task`)."""
    started = time.perf_counter()
    model = fit_on_task(build_model(name, task, seed), task, verbose)
    predictions = model.predict(task.test.inputs)
    return {
        "model": name,
        "data": task.name,
        "lookback": task.lookback,
        "horizon": task.horizon,
        "mse": metrics.mse(predictions, task.test.targets),
        "mae": metrics.mae(predictions, task.test.targets),
        "windows": int(task.test.inputs.shape[0]),
        "seconds": round(time.perf_counter() - started, 3),
    }


def evaluate(name: str, data: str | os.PathLike, lookback: int = 336, horizon: int = 96, seed: int = 0,
             calendar: bool = False, **data_options) -> dict:
    """One row of a results table: ``{model, data, lookback, horizon, mse, mae, windows, seconds}``.

    ``seconds`` counts building the windows, fitting and predicting. ``calendar`` and ``data_options``
    (``time_column``, ``columns``, ``targets``, ``split``, ``missing``, ...): see
    :func:`~attention_book.tasks.make_task`.
    """
    check_model_name(name)  # fail before loading any data
    started = time.perf_counter()
    task = make_task(data, lookback, horizon, seed=seed, calendar=calendar, **data_options)
    row = evaluate_on_task(name, task, seed)
    row["seconds"] = round(time.perf_counter() - started, 3)
    return row
