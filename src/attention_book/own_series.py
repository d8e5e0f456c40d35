"""Forecasting your own series: fit any registered model on a table, forecast the steps after its last row, keep
the forecaster on disk.

    forecaster = Forecaster("linear", lookback=56, horizon=14).fit(series)
    forecaster.forecast(series)          # a DataFrame of the next 14 steps, in the series' units
    forecaster.save("my-forecaster")     # and later: Forecaster.load("my-forecaster").forecast("new.csv")

:meth:`Forecaster.fit` follows the own-data protocol of :func:`~attention_book.tasks.own_task` (a chronological
split, standardisation on the training rows, early stopping on the validation split) and records the validation
and test scores, in standardised units like every table of the book. :meth:`Forecaster.forecast` standardises
the last ``lookback`` rows with the training statistics, runs the model, and undoes the standardisation for the
target channels. :meth:`Forecaster.save` writes ``forecaster.json`` (everything but the weights: model name,
frame, sizes, channel and target names, step, standardiser, scores) and the weights (``model.keras`` for a neural
model, ``linear.npz`` for the linear one; the copying baselines have none).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__, data, metrics
from .baselines import LinearForecaster
from .checks import check_int
from .forecasters import NeuralForecaster
from .tasks import DEFAULT_SPLIT, Task, own_task
from .windows import Standardizer

#: The file that describes a saved forecaster; its format number changes when the layout does.
CONFIG_FILE = "forecaster.json"
# Format 2: the standardiser's statistics are in the task's channel order, the targets first.
FORMAT = 2
#: What a saved forecaster's description must hold.
REQUIRED = ("model", "lookback", "horizon", "split", "season", "seed", "training", "time_column", "channels",
            "targets", "step", "last_fitted", "standardizer", "scores", "seconds", "weights")


class Forecaster:
    """A registered model (see :data:`~attention_book.registry.REGISTRY`) fitted on one series.

    Args:
        model: the registered name, e.g. ``"linear"`` or ``"patch_transformer"``.
        lookback: L, the steps the model reads.
        horizon: H, the steps it forecasts.
        split: three fractions (train, val, test) or two dates (first validation stamp, first test stamp).
        season: the seasonal-naive period in steps (default: from the step, e.g. 7 for daily data).
        seed: seeds the initial weights and the training.
        revin, channel_independent: put a neural model in the frame of :func:`~attention_book.frame.framed`
            (see :func:`~attention_book.registry.build_model`).
        sizes: overrides of a neural model's registered sizes, e.g. ``{"segment": 7}`` (see
            :func:`~attention_book.registry.check_sizes`).
        **training: overrides of the neural training settings (``epochs``, ``batch_size``, ``patience``,
            ``learning_rate``).
    """

    def __init__(self, model: str = "linear", lookback: int = 96, horizon: int = 24, *, split=DEFAULT_SPLIT,
                 season: int | None = None, seed: int = 0, revin: str | None = None,
                 channel_independent: bool = False, sizes: dict | None = None, **training):
        from .registry import check_frame, check_sizes

        check_frame(model, revin, channel_independent)
        self.name, self.revin, self.channel_independent = model, revin, channel_independent
        self.sizes = check_sizes(model, sizes)
        self.lookback = check_int("lookback", lookback)
        self.horizon = check_int("horizon", horizon)
        self.split = split
        self.season = None if season is None else check_int("season", season)
        self.seed = check_int("seed", seed, minimum=0)
        self.training = dict(training)
        self.model = None
        self.standardizer = None
        self.layout = None  # what the series looked like: time column, channels, targets, step, last stamp
        self.scores = None
        self.seconds = None

    # ------------------------------------------------------------------------------------------------ fitting

    def fit(self, series: data.Series, *, verbose: int = 0) -> Forecaster:
        """Fit on ``series`` (a :class:`~attention_book.data.Series`) and score on its validation and test
        windows; ``verbose`` is Keras' progress output for neural models (0 silent, 1 a bar, 2 a line per
        epoch)."""
        from .registry import build_model, fit_on_task

        started = time.perf_counter()
        task = own_task(series, self.lookback, self.horizon, split=self.split, season=self.season)
        model = build_model(self.name, task, self.seed, revin=self.revin,
                            channel_independent=self.channel_independent, sizes=self.sizes, **self.training)
        model = fit_on_task(model, task, verbose)
        self.model, self.standardizer, self.season = model, task.standardizer, task.season
        self.layout = {
            "time_column": series.time_column, "channels": list(series.channels),
            "targets": list(series.targets), "step": series.step, "last_fitted": str(series.timestamps[-1]),
        }
        self.scores = {split: self._score(task, split) for split in ("val", "test")}
        self.seconds = round(time.perf_counter() - started, 3)
        return self

    def _score(self, task: Task, split: str) -> dict:
        windows = getattr(task, split)
        predictions = self.model.predict(windows.inputs)
        return {"mse": metrics.mse(predictions, windows.targets), "mae": metrics.mae(predictions, windows.targets),
                "windows": int(windows.inputs.shape[0])}

    # ------------------------------------------------------------------------------------------------ forecasting

    def forecast(self, series, *, missing: str = "error") -> pd.DataFrame:
        """The next H steps after the last row of ``series``, in its own units.

        ``series``: a :class:`~attention_book.data.Series`, a DataFrame or the path of a CSV file (read with the
        time column and channels the forecaster was fitted on; ``missing`` as in
        :func:`~attention_book.data.load_csv`). Returns a DataFrame with one column per target, indexed by the
        H time stamps that continue the series' step.
        """
        self._check_fitted()
        series = self._as_series(series, missing)
        layout = self.layout
        if list(series.channels) != layout["channels"] or list(series.targets) != layout["targets"]:
            raise ValueError(f"series: expected the channels {layout['channels']} with the targets "
                             f"{layout['targets']} that the forecaster was fitted on, got the channels "
                             f"{list(series.channels)} with the targets {list(series.targets)}")
        if series.step != layout["step"]:
            raise ValueError(f"series: expected the step {layout['step']!r} the forecaster was fitted on, got "
                             f"{series.step!r}")
        if len(series.values) < self.lookback:
            raise ValueError(f"series: expected at least lookback = {self.lookback} rows, got {len(series.values)}")
        # the channels as the task had them, targets first (the standardizer was fitted in that order)
        window = self.standardizer.transform(series.targets_first().values[-self.lookback:])[None]  # (1, L, C)
        if isinstance(self.model, NeuralForecaster):
            # One eager call: the same operations whatever the model predicted before. (Keras' predict() traces
            # a graph for the first batch shape it sees, and a graph traced for another shape can round the last
            # bit differently, so a reloaded model would not give identical numbers.)
            scaled = np.asarray(self.model.model(window, training=False))[0]  # (H, C_out), standardised
        else:
            scaled = self.model.predict(window)[0]
        n_targets = len(series.targets)
        values = scaled * self.standardizer.std[:n_targets] + self.standardizer.mean[:n_targets]
        stamps = pd.date_range(pd.Timestamp(series.timestamps[-1]), periods=self.horizon + 1,
                               freq=layout["step"])[1:]
        return pd.DataFrame(values, index=pd.DatetimeIndex(stamps, name=layout["time_column"]),
                            columns=layout["targets"])

    def _as_series(self, given, missing: str) -> data.Series:
        if isinstance(given, data.Series):
            return given
        layout = self.layout
        options = {"columns": layout["channels"], "targets": layout["targets"], "missing": missing}
        if isinstance(given, pd.DataFrame):
            time_column = layout["time_column"] if layout["time_column"] in given.columns else None
            return data.from_frame(given, time_column, **options)
        if isinstance(given, (str, os.PathLike)):
            return data.load_csv(given, layout["time_column"], **options)
        raise TypeError(f"series: expected a Series, a DataFrame or the path of a CSV file, got "
                        f"{type(given).__name__}")

    def _check_fitted(self) -> None:
        if self.model is None:
            raise RuntimeError("Forecaster: call fit() or Forecaster.load() before forecast() or save()")

    # ------------------------------------------------------------------------------------------------ saving

    def save(self, folder: str | os.PathLike) -> Path:
        """Write the forecaster into ``folder`` (created if needed; a forecaster already there is replaced)."""
        import keras

        self._check_fitted()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        if isinstance(self.model, NeuralForecaster):
            self.model.model.save(folder / "model.keras")
            weights = "model.keras"
        elif isinstance(self.model, LinearForecaster):
            np.savez(folder / "linear.npz", weights=self.model.weights)
            weights = "linear.npz"
        else:
            weights = None
        config = {
            "format": FORMAT, "model": self.name, "revin": self.revin,
            "channel_independent": self.channel_independent, "sizes": self.sizes, "lookback": self.lookback,
            "horizon": self.horizon,
            "split": [str(part) if not isinstance(part, (int, float)) else part for part in self.split],
            "season": self.season, "seed": self.seed, "training": self.training, **self.layout,
            "standardizer": {"mean": self.standardizer.mean.tolist(), "std": self.standardizer.std.tolist()},
            "scores": self.scores, "seconds": self.seconds, "weights": weights,
            "versions": {"attention_book": __version__, "keras": keras.__version__},
        }
        (folder / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: str | os.PathLike) -> Forecaster:
        """The forecaster that :meth:`save` wrote into ``folder``; it forecasts exactly as the saved one did."""
        from .registry import REGISTRY

        folder = Path(folder)
        path = folder / CONFIG_FILE
        if not path.is_file():
            raise data.DataError(f"model_dir: no saved forecaster in {os.fspath(folder)!r} (no {CONFIG_FILE})")
        try:
            config = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            raise data.DataError(f"{path}: not a forecaster description ({error})") from None
        if not isinstance(config, dict) or config.get("format") != FORMAT or config.get("model") not in REGISTRY:
            raise data.DataError(f"{path}: expected format {FORMAT} and a registered model, got format "
                                 f"{config.get('format') if isinstance(config, dict) else None!r}")
        absent = [key for key in REQUIRED if key not in config]
        if absent:
            raise data.DataError(f"{path}: not a complete forecaster description; it lacks {', '.join(absent)}")
        try:
            forecaster = cls(config["model"], config["lookback"], config["horizon"], split=tuple(config["split"]),
                             season=config["season"], seed=config["seed"], revin=config.get("revin"),
                             channel_independent=config.get("channel_independent", False),
                             sizes=config.get("sizes"), **config["training"])
            mean, std = (np.asarray(config["standardizer"][key], dtype=np.float64) for key in ("mean", "std"))
        except (ValueError, TypeError, KeyError) as error:
            raise data.DataError(f"{path}: a value is not what a saved forecaster holds ({error})") from None
        if mean.shape != std.shape or mean.shape != (len(config["channels"]),):
            raise data.DataError(f"{path}: expected a mean and a std for each of the {len(config['channels'])} "
                                 f"channels, got shapes {mean.shape} and {std.shape}")
        forecaster.layout = {key: config[key] for key in ("time_column", "channels", "targets", "step",
                                                          "last_fitted")}
        forecaster.standardizer = Standardizer()
        forecaster.standardizer.mean, forecaster.standardizer.std = mean, std
        forecaster.scores, forecaster.seconds = config["scores"], config["seconds"]
        forecaster.model = _load_model(folder, config, forecaster)
        return forecaster


def _load_model(folder: Path, config: dict, forecaster: Forecaster):
    """Rebuild the fitted model: Keras loads a neural one; a baseline is built from the registry for the saved
    layout (the linear model then gets its saved weights)."""
    from .registry import build_model

    if config["weights"] == "model.keras":
        import keras

        try:
            network = keras.saving.load_model(folder / "model.keras")
        except (OSError, ValueError) as error:
            raise data.DataError(f"{folder / 'model.keras'}: could not be loaded ({error})") from None
        return NeuralForecaster(network, seed=config["seed"])
    layout = forecaster.layout
    covariates = [name for name in layout["channels"] if name not in layout["targets"]]
    channels = (*layout["targets"], *covariates)  # as the task had them, targets first
    spec = Task(config["model"], channels, tuple(range(len(layout["targets"]))), config["lookback"], config["horizon"],
                train=None, val=None, test=None, season=config["season"])
    model = build_model(config["model"], spec, config["seed"])
    if config["weights"] == "linear.npz":
        with np.load(folder / "linear.npz") as saved:
            model.weights = saved["weights"]
    return model
