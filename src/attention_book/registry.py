"""Every model of the book by name, and the one function that evaluates any of them on any task.

A factory takes the :class:`~attention_book.tasks.Task` and a seed and returns an unfitted forecaster with
``fit(train, val)`` and ``predict(inputs)``. Later chapters add their models to :data:`REGISTRY`.
"""

from __future__ import annotations

import inspect
import os
import time
from collections.abc import Mapping

from . import attention_rnn, baselines, metrics, pointer, rnn, seq2seq, transformer
from .forecasters import NeuralForecaster
from .frame import check_revin, framed, variant
from .session import seeded_layers
from .tasks import Task, make_task
from .training import distribution_scope

#: How the book trains every neural forecaster (see :func:`~attention_book.training.train`).
TRAINING = {"epochs": 20, "batch_size": 64, "patience": 3, "learning_rate": 1e-3}

#: The options of :func:`~attention_book.frame.framed` that a neural model accepts unless its entry says otherwise.
FRAMES = ("revin", "channel_independent")


class Neural:
    """A registry factory for the Keras forecaster ``build(lookback, n_channels, horizon, n_outputs, **sizes)``.

    Called as ``factory(task, seed, revin=None, channel_independent=False, sizes=None)``, it returns an unfitted
    :class:`~attention_book.forecasters.NeuralForecaster`. ``training`` overrides entries of :data:`TRAINING`
    for this model. The seed gives the initial weights (:func:`~attention_book.session.seeded_layers`) and the
    order of the training batches, so the same seed gives the same model on every run, without reseeding anything
    outside. ``revin`` and ``channel_independent`` put the model in the frame of :func:`~attention_book.frame.framed`;
    ``frames`` names the ones the model accepts. ``task_sizes`` maps a size to the function that reads it from the
    task, and ``framed_sizes`` gives the sizes that change when the model is framed. ``sizes`` (registered here, or
    given at the call) are the other keyword arguments of ``build``; a call's ``sizes`` override the registered
    ones (see :attr:`settable`).
    """

    def __init__(self, build, training=None, *, frames=FRAMES, task_sizes=None, framed_sizes=None, **sizes):
        self.build, self.training, self.frames, self.sizes = build, training or {}, tuple(frames), sizes
        self.task_sizes, self.framed_sizes = task_sizes or {}, framed_sizes or {}

    @property
    def settable(self) -> tuple[str, ...]:
        """The sizes a caller may set: ``build``'s keyword arguments after the four shapes, except those the
        registry derives from the task or the frame."""
        names = list(inspect.signature(self.build).parameters)[4:]
        return tuple(name for name in names if name not in self.task_sizes and name not in self.framed_sizes)

    def __call__(self, task: Task, seed: int, revin: str | None = None, channel_independent: bool = False,
                 sizes: Mapping | None = None) -> NeuralForecaster:
        build = self.build
        sizes = {**self.sizes, **(sizes or {}), **{name: read(task) for name, read in self.task_sizes.items()}}
        if revin is not None or channel_independent:
            build, sizes = framed(build, revin, channel_independent), {**sizes, **self.framed_sizes}
        with seeded_layers(seed):
            model = build(task.lookback, len(task.channels), task.horizon, len(task.target_channels), **sizes)
        return NeuralForecaster(model, seed=seed, **{**TRAINING, **self.training})


def seq2seq_model(attention: str, training=None, **sizes) -> Neural:
    """A registry factory for the encoder-decoder with the given ``attention``. It gives the decoder the calendar of
    the hours it forecasts when the task has calendar channels. Framed, it is trained without teacher forcing (the
    true previous values it would be fed are not normalised)."""
    return Neural(seq2seq.seq2seq_forecaster, training, task_sizes={"calendar": lambda task: task.calendar},
                  framed_sizes={"teacher_forcing": False}, attention=attention, **sizes)


#: The step-by-step decoders cost H sequential steps per window; larger batches keep an epoch affordable.
SEQ2SEQ_TRAINING = {"batch_size": 256, "learning_rate": 3e-3}

REGISTRY = {
    "repeat": lambda task, seed: baselines.RepeatLast(task.horizon, task.target_channels),
    "seasonal": lambda task, seed: baselines.SeasonalNaive(task.horizon, task.season, task.target_channels),
    "linear": lambda task, seed: baselines.LinearForecaster(target_channels=task.target_channels),
    "rnn": Neural(rnn.rnn_forecaster, units=32),
    "lstm": Neural(rnn.lstm_forecaster, units=32),
    # Its step-by-step attention makes every step cost O(L): larger batches keep an epoch affordable on a CPU.
    "attention_rnn": Neural(attention_rnn.attention_rnn_forecaster, {"batch_size": 256, "learning_rate": 3e-3},
                            units=32, score="general"),
    "lstm_attention": Neural(attention_rnn.lstm_attention_forecaster, units=32),
    "ff_attention": Neural(attention_rnn.ff_attention_forecaster, units=32),
    # Eight learned lookup vectors instead of one: the head reads eight weighted averages of the window.
    "ff_attention_multi": Neural(attention_rnn.ff_attention_forecaster, units=32, queries=8),
    # A GRU over segments of a day (SegRNN): 14 recurrent steps for L = 336, so that long windows stay affordable.
    "segment_rnn": Neural(attention_rnn.segment_forecaster, units=64, segment=24, attention=False),
    "segment_attention": Neural(attention_rnn.segment_forecaster, units=64, segment=24),
    "seq2seq": seq2seq_model("none", SEQ2SEQ_TRAINING, units=32),
    "bahdanau": seq2seq_model("bahdanau", SEQ2SEQ_TRAINING, units=32),
    "luong": seq2seq_model("luong", SEQ2SEQ_TRAINING, units=32),
    "transformer": Neural(transformer.transformer_forecaster, d_model=32, heads=4, layers=2, d_ff=64),
    # Small and regularised, as PatchTST is for ETTh1 (Nie et al., 2023): it overfits within a few epochs otherwise.
    # It normalises each window and reads each channel alone already: no frame to add.
    "patch_transformer": Neural(transformer.patch_transformer_forecaster, {"learning_rate": 5e-4}, frames=(),
                                patch=16, stride=8, d_model=16, heads=4, layers=2, d_ff=128, dropout=0.2),
    # One token per channel (iTransformer): attention across the channels. It normalises each window already, and
    # reading each channel alone would leave it one token.
    "itransformer": Neural(transformer.variate_transformer_forecaster, frames=(), d_model=64, heads=4, layers=2,
                           d_ff=64, dropout=0.1),
    # Analog forecasting: copies the past stretch of H steps it points at (use it with --horizon 24 on hourly data,
    # so that the stretches are days). Its loss is the pointer's cross-entropy, whatever the training settings say.
    # It copies stretches of the window as they are, so it is not framed.
    "pointer": Neural(pointer.pointer_forecaster, {"batch_size": 128, "learning_rate": 3e-3}, frames=(), units=32),
}


def check_model_name(name: str) -> str:
    """``name`` if it is registered; else a ``ValueError`` listing the registered names."""
    if name not in REGISTRY:
        raise ValueError(f"model: expected one of {', '.join(sorted(REGISTRY))}, got {name!r}")
    return name


def framed_models(option: str) -> list[str]:
    """The registered models that accept the frame option ``option`` (``"revin"`` or ``"channel_independent"``)."""
    return sorted(name for name, factory in REGISTRY.items()
                  if isinstance(factory, Neural) and option in factory.frames)


def check_frame(name: str, revin: str | None = None, channel_independent: bool = False) -> None:
    """A ``ValueError`` if model ``name`` does not accept the frame asked for, naming the models that do."""
    check_model_name(name)
    check_revin(revin)
    for option, asked in (("revin", revin is not None), ("channel_independent", channel_independent)):
        if asked and option not in getattr(REGISTRY[name], "frames", ()):
            raise ValueError(f"{option}: expected one of the models that accept it "
                             f"({', '.join(framed_models(option))}), got {name!r}")


def check_sizes(name: str, sizes: Mapping | None) -> dict:
    """``sizes`` as a dict if model ``name`` can take them (:attr:`Neural.settable`; ``None`` is no sizes); else a
    ``ValueError`` (a ``TypeError`` if ``sizes`` is not a mapping) that names the sizes the model takes."""
    check_model_name(name)
    if sizes is None:
        return {}
    if not isinstance(sizes, Mapping):
        raise TypeError(f"sizes: expected a dict of model sizes such as {{'units': 32}}, got {type(sizes).__name__}")
    factory = REGISTRY[name]
    if sizes and not isinstance(factory, Neural):
        raise ValueError(f"sizes: expected none for {name}, which has no model sizes (only the neural models do), "
                         f"got {dict(sizes)}")
    unknown = [key for key in sizes if not isinstance(key, str) or key not in factory.settable]
    if unknown:
        raise ValueError(f"sizes: expected names among {', '.join(factory.settable)} for {name}, got "
                         f"{', '.join(map(repr, unknown))}")
    return dict(sizes)


def build_model(name: str, task: Task, seed: int = 0, distribution=None, *, revin: str | None = None,
                channel_independent: bool = False, sizes: Mapping | None = None, **training):
    """An unfitted forecaster of the registered kind ``name`` for ``task``.

    ``seed``: the initial weights and the order of the training batches. ``distribution``: the devices a neural
    model is built and trained on (a ``tf.distribute`` strategy, or a Keras distribution on JAX; see
    :func:`~attention_book.training.distribution_scope`). ``revin`` and ``channel_independent``: the frame of
    :func:`~attention_book.frame.framed`, for the models that accept it (:func:`framed_models`). ``sizes``
    overrides the registered sizes of a neural model (e.g. ``{"segment": 7}``: see :func:`check_sizes`).
    ``training`` overrides its training settings (e.g. ``epochs=4`` to fit a time budget).
    """
    check_frame(name, revin, channel_independent)
    sizes = check_sizes(name, sizes)
    factory = REGISTRY[name]
    with distribution_scope(distribution):
        if isinstance(factory, Neural):
            model = factory(task, seed, revin, channel_independent, sizes)
        else:
            model = factory(task, seed)
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


def evaluate_on_task(name: str, task: Task, seed: int = 0, verbose: int = 0, *, revin: str | None = None,
                     channel_independent: bool = False, sizes: Mapping | None = None) -> dict:
    """Fit model ``name`` (in the frame and with the sizes asked for: see :func:`build_model`) on the task's
    training windows and score it on every test window (``verbose``: see :func:`fit_on_task`)."""
    started = time.perf_counter()
    model = build_model(name, task, seed, revin=revin, channel_independent=channel_independent, sizes=sizes)
    model = fit_on_task(model, task, verbose)
    predictions = model.predict(task.test.inputs)
    return {
        "model": name,
        "variant": variant(revin, channel_independent),
        "data": task.name,
        "lookback": task.lookback,
        "horizon": task.horizon,
        "mse": metrics.mse(predictions, task.test.targets),
        "mae": metrics.mae(predictions, task.test.targets),
        "windows": int(task.test.inputs.shape[0]),
        "seconds": round(time.perf_counter() - started, 3),
    }


def evaluate(name: str, data: str | os.PathLike, lookback: int = 336, horizon: int = 96, seed: int = 0,
             calendar: bool = False, *, revin: str | None = None, channel_independent: bool = False,
             sizes: Mapping | None = None, **data_options) -> dict:
    """One row of a results table: ``{model, variant, data, lookback, horizon, mse, mae, windows, seconds}``.

    ``seconds`` counts building the windows, fitting and predicting. ``revin``, ``channel_independent`` and
    ``sizes``: see :func:`build_model`. ``calendar`` and ``data_options`` (``time_column``, ``columns``,
    ``targets``, ``split``, ``missing``, ...): see :func:`~attention_book.tasks.make_task`.
    """
    check_frame(name, revin, channel_independent)  # fail before loading any data
    check_sizes(name, sizes)
    started = time.perf_counter()
    task = make_task(data, lookback, horizon, seed=seed, calendar=calendar, **data_options)
    row = evaluate_on_task(name, task, seed, revin=revin, channel_independent=channel_independent, sizes=sizes)
    row["seconds"] = round(time.perf_counter() - started, 3)
    return row
