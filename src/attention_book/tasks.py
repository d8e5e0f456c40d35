"""A forecasting task ready for a model: named data, split, standardised and cut into windows.

:func:`make_task` is what the command line and the chapters use to turn a data name into train, validation and
test windows, so every model in the book sees exactly the same windows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from . import data, synthetic
from .checks import check_bool, check_int
from .seasonality import default_season
from .time_features import CALENDAR_CHANNELS, calendar_features
from .windows import (
    ETT_ROWS,
    SPLITS,
    Standardizer,
    Windows,
    ett_borders,
    fraction_borders,
    split_borders,
    window_arrays,
)

#: The own-data split: 70 % of the rows train, 10 % validate, 20 % test, in time order.
DEFAULT_SPLIT = (0.7, 0.1, 0.2)
#: Synthetic tasks reachable by name, with the window counts of their splits.
SYNTHETIC_TASKS = ("lag_retrieval", "seasonal_mix", "driven_channels")
LAG_RETRIEVAL_SIZES = {"train": 4000, "val": 1000, "test": 1000}
#: The first hour of the seasonal mixture: a Monday, so that its weekend dip falls on Saturday and Sunday.
SEASONAL_MIX_START = np.datetime64("2024-01-01T00", "h")


@dataclass(frozen=True)
class Task:
    """Windows of one data set for one (lookback, horizon).

    ``train``, ``val``, ``test``: :class:`~attention_book.windows.Windows` with inputs (N, L, C) and targets
    (N, H, C_out). ``target_channels``: the input channels that the targets are (baselines copy from them).
    ``season``: the natural seasonal period in steps. ``standardizer``: fitted on training rows, if any.
    ``truth``: the ground truth of a synthetic task (e.g. the marked positions of each split's windows).
    ``calendar``: the inputs end with the four channels of :data:`~attention_book.time_features.CALENDAR_CHANNELS`,
    which are inputs only, never targets.
    """

    name: str
    channels: tuple[str, ...]
    target_channels: tuple[int, ...]
    lookback: int
    horizon: int
    train: Windows
    val: Windows
    test: Windows
    season: int
    standardizer: Standardizer | None = None
    truth: dict = field(default_factory=dict)
    calendar: bool = False


def series_task(name, values, channels, lookback, horizon, borders, *, season, timestamps=None,
                target_channels=None) -> Task:
    """Standardise ``values`` (T, C) with the training rows of ``borders`` and cut every split into windows.

    With ``timestamps`` (T,), the calendar features of every row are appended to the inputs (not standardised,
    not forecast). ``target_channels``: the channels to forecast, which must be the first ones (default: all);
    the others are covariates, inputs only.
    """
    train_start, train_end = borders["train"]
    standardizer = Standardizer().fit(values[train_start:train_end])
    scaled = standardizer.transform(values)
    targets = list(range(len(channels))) if target_channels is None else list(target_channels)
    if targets != list(range(len(targets))):
        # The models forecast the first channels of a window (the channel-independent ones read them alone).
        raise ValueError(f"target_channels: expected the first channels, 0 to {len(targets) - 1}, got {targets}; "
                         "reorder the channels first (data.Series.targets_first)")
    if timestamps is not None:
        if len(timestamps) != len(values):
            raise ValueError(f"timestamps: expected one per row, {len(values)}, got {len(timestamps)}")
        scaled = np.concatenate([scaled, calendar_features(timestamps)], axis=1)
    splits = {}
    for split in SPLITS:
        start, end = borders[split]
        if end - start < lookback + horizon:
            raise ValueError(
                f"lookback, horizon: the {split} split has {end - start} rows, fewer than one window of "
                f"lookback + horizon = {lookback + horizon}"
            )
        splits[split] = window_arrays(scaled, lookback, horizon, start=start, end=end, target_channels=targets)
    calendar = timestamps is not None
    return Task(
        name, tuple(channels) + (CALENDAR_CHANNELS if calendar else ()), tuple(targets), lookback, horizon,
        season=season, standardizer=standardizer, calendar=calendar, **splits,
    )


def own_task(series: data.Series, lookback: int, horizon: int, *, split=DEFAULT_SPLIT, season: int | None = None,
             name: str = "series") -> Task:
    """The own-data protocol for a :class:`~attention_book.data.Series`: a chronological split (three fractions,
    default 70/10/20 as the LTSF loaders for custom data, or two dates: see
    :func:`~attention_book.windows.split_borders`), standardisation on the training rows only, windows that may
    look back into the split before, targets from ``series.targets`` (the other channels are covariates). The
    task's channels are the targets first, then the covariates (:meth:`~attention_book.data.Series.targets_first`).
    ``season`` (for the seasonal-naive baseline) defaults to the one the step suggests
    (:func:`~attention_book.seasonality.default_season`).
    """
    if not isinstance(series, data.Series):
        raise TypeError(f"series: expected an attention_book.data.Series, got {type(series).__name__}")
    lookback, horizon = check_int("lookback", lookback), check_int("horizon", horizon)
    season = default_season(series.step) if season is None else check_int("season", season)
    borders = split_borders(series.timestamps, lookback, split)
    series = series.targets_first()
    return series_task(name, series.values, series.channels, lookback, horizon, borders, season=season,
                       target_channels=series.target_indices)


def make_task(data_name: str | os.PathLike, lookback: int = 336, horizon: int = 96, *, seed: int = 0,
              calendar: bool = False, drift: float = 0.0, time_column: str | None = None, columns=None,
              targets=None, split=None, missing: str = "error", time_format: str | None = None,
              step: str | None = None, season: int | None = None) -> Task:
    """Build the task named ``data_name``.

    ``data_name`` is an ETT name (``ETTh1``, ``ETTh2``; standard protocol), a path to a CSV file with the ETT
    columns (same protocol), ``lag_retrieval`` (``lookback`` is the window length T, ``horizon`` must be 1), or
    ``seasonal_mix`` or ``driven_channels`` (a chronological 70/10/20 split; their hours start on a Monday at
    00:00; ``task.truth`` holds what the generator knows, e.g. which channel drives which). ``seed`` seeds the
    synthetic generators. ``calendar``: append the calendar features (hour of day, hour of week) to the inputs.
    ``drift``: how much the daily profile of ``seasonal_mix`` changes from day to day (see
    :func:`~attention_book.synthetic.seasonal_mix`).

    Any other table: with ``time_column``, ``data_name`` is the path of a CSV file read by
    :func:`~attention_book.data.load_csv` (``columns``, ``targets``, ``missing``, ``time_format``, ``step``), or the
    name of another public data set of :data:`~attention_book.data.SOURCES`; it is cut by :func:`own_task` (``split``,
    ``season``).
    """
    lookback, horizon = check_int("lookback", lookback), check_int("horizon", horizon)
    calendar = check_bool("calendar", calendar)
    text = os.fspath(data_name)
    own = time_column is not None or (text in data.SOURCES and text not in data.ETT_SHA256)
    if not own and (columns is not None or targets is not None or split is not None or missing != "error"
                    or time_format is not None or step is not None or season is not None):
        raise ValueError("time_column: columns, targets, split, missing, time_format, step and season apply to "
                         f"your own table, so name its time column (for {text!r}, got none)")
    if own:
        if calendar:
            raise ValueError("calendar: the calendar features are hourly ones for the ETT and synthetic tasks; "
                             "expected False for your own table, got True")
        if text in data.SOURCES:
            series = data.load_public(text, columns=columns, targets=targets, missing=missing)
        else:
            series = data.load_csv(text, time_column, columns, targets, missing, time_format=time_format,
                                   step=step)
        return own_task(series, lookback, horizon, split=DEFAULT_SPLIT if split is None else split,
                        season=season, name=os.path.basename(text))
    if drift and text != "seasonal_mix":
        raise ValueError(f"drift: only seasonal_mix has a daily profile to drift, got drift={drift!r} for {text}")
    if text == "lag_retrieval":
        if calendar:
            raise ValueError("calendar: lag_retrieval windows have no time of day, so expected False, got True")
        return _lag_retrieval_task(lookback, horizon, seed)
    if text == "seasonal_mix":
        mix = synthetic.seasonal_mix(drift=drift, seed=seed)
        borders = fraction_borders(len(mix.values), lookback)
        hours = SEASONAL_MIX_START + np.arange(len(mix.values)) * np.timedelta64(1, "h") if calendar else None
        task = series_task(text, mix.values, mix.channels, lookback, horizon, borders, season=mix.periods[1],
                           timestamps=hours)
        task.truth.update(periods=mix.periods, delays=mix.delays)
        return task
    if text == "driven_channels":
        driven = synthetic.driven_channels(seed=seed)
        borders = fraction_borders(len(driven.values), lookback)
        hours = SEASONAL_MIX_START + np.arange(len(driven.values)) * np.timedelta64(1, "h") if calendar else None
        # no season: AR(1) channels; the seasonal-naive baseline with a season of one step repeats the last value
        task = series_task(text, driven.values, driven.channels, lookback, horizon, borders, season=1,
                           timestamps=hours)
        task.truth.update(driver=driven.driver, driven=driven.driven, delay=driven.delay)
        return task
    series = data.load_ett(text)
    name = text if text in data.ETT_SHA256 else os.path.basename(text)
    if len(series.values) < ETT_ROWS:
        raise data.DataError(
            f"{text}: {len(series.values)} hourly rows is too short for the ETT split, which needs {ETT_ROWS} "
            "(12 + 4 + 4 months of 30 days)"
        )
    borders = ett_borders(len(series.values), lookback)
    return series_task(name, series.values, series.channels, lookback, horizon, borders, season=24,
                       timestamps=series.timestamps if calendar else None)


def _lag_retrieval_task(lookback: int, horizon: int, seed: int) -> Task:
    if horizon != 1:
        raise ValueError(f"horizon: lag_retrieval has one target per window, so expected 1, got {horizon}")
    seeds = np.random.SeedSequence(seed).spawn(len(SPLITS))
    splits, positions = {}, {}
    for split, split_seed in zip(SPLITS, seeds, strict=True):
        windows = synthetic.lag_retrieval(LAG_RETRIEVAL_SIZES[split], lookback, seed=split_seed)
        splits[split] = Windows(windows.inputs, windows.targets)
        positions[split] = windows.positions
    return Task(
        "lag_retrieval", windows.channels, (0,), lookback, horizon, season=lookback,
        truth={"positions": positions}, **splits,
    )
