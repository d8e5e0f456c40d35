"""Synthetic tasks whose answer is known, generated from a seed.

Each generator returns its ground truth alongside the data, so that a chapter can check not only *how well* a
model predicts but *where it looked*.

* :func:`lag_retrieval` -- in the spirit of the adding problem (Hochreiter & Schmidhuber, 1997): a window of
  ``length`` steps in which one or two positions are marked; the target is the mean of the signal at the marked
  positions. Nothing else in the window helps, so a model must find the marks and retrieve the values there.
* :func:`sorting_task` -- the classic pointer-network task (Vinyals et al., 2015): N numbers, and as targets the
  positions that put them in increasing order.
* :func:`entity_tracking` -- entities whose states change at sparse events, and a question about one of them.
* :func:`seasonal_mix` -- a long multivariate series whose channels mix a daily (24 h) and a weekly (168 h)
  pattern, each channel delayed by a known number of hours, plus noise. The lags worth looking at are known.
* :func:`driven_channels` -- independent random channels, except one that repeats another, scaled and delayed,
  plus noise. Which channel drives which is known, and only a model that reads across channels can use it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .checks import check_float, check_int

LAG_CHANNELS = ("signal", "marker")


class LagRetrieval(NamedTuple):
    """Windows of the lag-retrieval task.

    inputs: (N, T, 2 + n_distractors) float32 -- channel 0 the signal, 1 the marker (1 at marked steps, else 0),
        the rest distractors (noise, never marked).
    targets: (N, 1, 1) float32 -- the mean of the signal over the marked steps.
    positions: (N, n_marked) int -- the marked time indices (0 = first step of the window), sorted.
    channels: names of the input channels.
    """

    inputs: np.ndarray
    targets: np.ndarray
    positions: np.ndarray
    channels: tuple[str, ...]


def lag_retrieval(
    n_windows: int = 2000,
    length: int = 200,
    *,
    n_marked: int = 2,
    n_distractors: int = 2,
    min_lag: int = 1,
    max_lag: int | None = None,
    seed: int = 0,
) -> LagRetrieval:
    """Generate the lag-retrieval task.

    Args:
        n_windows: number of windows N.
        length: window length T.
        n_marked: how many positions are marked per window (1 or 2).
        n_distractors: number of pure-noise channels besides the signal and the marker.
        min_lag, max_lag: the marked steps lie between ``min_lag`` and ``max_lag`` steps before the end of the
            window (lag 1 is the last step, lag T the first). ``max_lag=None`` means T. Sweeping them moves the
            information further into the past.
        seed: the random seed; the same seed gives the same windows.
    """
    n_windows = check_int("n_windows", n_windows)
    length = check_int("length", length, minimum=2)
    n_marked = check_int("n_marked", n_marked)
    if n_marked > 2:
        raise ValueError(f"n_marked: expected 1 or 2, got {n_marked}")
    n_distractors = check_int("n_distractors", n_distractors, minimum=0)
    min_lag = check_int("min_lag", min_lag)
    max_lag = length if max_lag is None else check_int("max_lag", max_lag)
    if not min_lag <= max_lag <= length or max_lag - min_lag + 1 < n_marked:
        raise ValueError(
            f"min_lag, max_lag: expected 1 <= min_lag <= max_lag <= length={length} with room for "
            f"{n_marked} distinct marks, got min_lag={min_lag}, max_lag={max_lag}"
        )
    rng = np.random.default_rng(seed)
    n_channels = 2 + n_distractors
    inputs = rng.standard_normal((n_windows, length, n_channels)).astype(np.float32)
    # Distinct lags per window: the first n_marked of a random permutation of the allowed lags.
    allowed = np.arange(min_lag, max_lag + 1)
    picks = np.argsort(rng.random((n_windows, allowed.size)), axis=1)[:, :n_marked]
    positions = np.sort(length - allowed[picks], axis=1)
    rows = np.arange(n_windows)[:, None]
    inputs[:, :, 1] = 0.0
    inputs[rows, positions, 1] = 1.0
    targets = inputs[rows, positions, 0].mean(axis=1).reshape(n_windows, 1, 1)
    names = LAG_CHANNELS + tuple(f"distractor{i + 1}" for i in range(n_distractors))
    return LagRetrieval(inputs, targets.astype(np.float32), positions, names)


class SeasonalMix(NamedTuple):
    """A series mixing daily and weekly patterns.

    values: (T, C) float32. Channel c is ``daily_c(t - delays[c]) + weekly_c(t - delays[c]) + noise``.
    channels: names.
    periods: the two periods in steps, (24, 168).
    delays: (C,) int -- how many steps each channel lags behind the shared pattern (channel 0: none).
    noise: standard deviation of the Gaussian noise added to every value.
    drift: size of the day-to-day changes of the daily profile (0: the same profile every day).
    """

    values: np.ndarray
    channels: tuple[str, ...]
    periods: tuple[int, int]
    delays: np.ndarray
    noise: float
    drift: float = 0.0


#: How much of a day's departure from the usual daily profile carries over to the next day.
DRIFT_PERSISTENCE = 0.8


def seasonal_mix(
    n_steps: int = 24 * 365,
    n_channels: int = 4,
    *,
    noise: float = 0.3,
    max_delay: int = 12,
    drift: float = 0.0,
    seed: int = 0,
) -> SeasonalMix:
    """Generate the multi-seasonal mixture.

    A shared daily profile (two harmonics of 24 h) and a weekly profile (a weekend dip plus a harmonic of
    168 h) are mixed with random weights per channel; channel c is shifted by ``delays[c]`` hours (channel 0 by
    none, the others by 1..max_delay) and Gaussian noise of standard deviation ``noise`` is added. The best
    lags to look at for a value at time t are therefore multiples of 168, and, for the daily part, of 24.

    With ``drift`` > 0 the daily profile changes from day to day: every hour of the day gets its own departure
    from the usual profile, which follows an AR(1) process across days (persistence :data:`DRIFT_PERSISTENCE`,
    standard deviation ``drift``). A fixed pattern can then no longer be learned once and replayed: the best
    forecast of an hour copies the same hour of the most recent days, at lags that are multiples of 24.
    """
    n_steps = check_int("n_steps", n_steps, minimum=2 * 168)
    n_channels = check_int("n_channels", n_channels)
    max_delay = check_int("max_delay", max_delay, minimum=0)
    noise, drift = check_float("noise", noise, 0), check_float("drift", drift, 0)
    rng = np.random.default_rng(seed)
    delays = np.concatenate([[0], rng.integers(1, max_delay + 1, n_channels - 1)]) if max_delay else np.zeros(
        n_channels, dtype=int
    )
    daily_phase = rng.uniform(0, 2 * np.pi, 2)
    weekly_phase = rng.uniform(0, 2 * np.pi)
    mix = rng.uniform(0.5, 1.5, (n_channels, 2))
    t = np.arange(n_steps)[:, None] - delays[None, :]  # (T, C): each channel's own clock
    daily = np.sin(2 * np.pi * t / 24 + daily_phase[0]) + 0.5 * np.sin(4 * np.pi * t / 24 + daily_phase[1])
    if drift > 0:
        daily = daily + _daily_departures(t, drift, np.random.default_rng([seed, 1]))
    hour_of_week = np.mod(t, 168)
    weekend = (hour_of_week >= 120).astype(float)
    weekly = np.sin(2 * np.pi * t / 168 + weekly_phase) - 1.5 * weekend
    values = mix[:, 0] * daily + mix[:, 1] * weekly + noise * rng.standard_normal((n_steps, n_channels))
    names = tuple(f"mix{c + 1}" for c in range(n_channels))
    return SeasonalMix(values.astype(np.float32), names, (24, 168), delays.astype(int), float(noise), float(drift))


def _daily_departures(t: np.ndarray, drift: float, rng: np.random.Generator) -> np.ndarray:
    """Departures from the usual daily profile at the (T, C) clock times ``t``: one level per hour of the day,
    each following an AR(1) process from one day to the next."""
    day, hour = np.floor_divide(t, 24), np.mod(t, 24)
    first = day.min()
    shocks = drift * rng.standard_normal((day.max() - first + 1, 24))
    levels = np.empty_like(shocks)
    levels[0] = shocks[0]
    for k in range(1, len(shocks)):
        levels[k] = DRIFT_PERSISTENCE * levels[k - 1] + np.sqrt(1 - DRIFT_PERSISTENCE**2) * shocks[k]
    return levels[day - first, hour]


def sorting_task(n_windows: int, n_items: int = 8, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """N numbers drawn uniformly from [0, 1) per window; the targets are the positions of the numbers in increasing
    order. Returns items (n_windows, N, 1) float32 and targets (n_windows, N) int32."""
    n_windows, n_items = check_int("n_windows", n_windows), check_int("n_items", n_items, minimum=2)
    values = np.random.default_rng(check_int("seed", seed, 0)).random((n_windows, n_items)).astype(np.float32)
    return values[..., None], np.argsort(values, axis=1).astype(np.int32)


class EntityTracking(NamedTuple):
    """Windows of the entity-tracking task.

    inputs: (N, T, 3E) float32 -- for each of the E entities an event flag (1 at its events), the new value at its
        events (0 elsewhere), and, at the last step only, a one-hot query naming the entity asked about.
    targets: (N, 1, 1) float32 -- the queried entity's state at the end: the value of its last event (0 if none).
    events: (N, T, E) bool -- where each entity's state changed.
    query: (N,) int -- the entity asked about.
    """

    inputs: np.ndarray
    targets: np.ndarray
    events: np.ndarray
    query: np.ndarray


def entity_tracking(n_windows: int = 2000, length: int = 40, *, n_entities: int = 4, event_rate: float = 0.3,
                    seed: int = 0) -> EntityTracking:
    """Several entities whose hidden states change only at sparse events, and a question about one of them.

    At every step but the last, with probability ``event_rate`` one entity, chosen uniformly, gets an event: its
    state jumps to a fresh standard-normal value, shown on its value channel with its flag raised. At the last step
    the query channels name one entity; the target is that entity's state then. A model must keep one memory per
    entity and update the right one at each event: what a recurrent entity network does (Henaff et al., 2017).
    """
    n_windows, length = check_int("n_windows", n_windows), check_int("length", length, minimum=2)
    n_entities = check_int("n_entities", n_entities)
    event_rate = check_float("event_rate", event_rate, 0, 1, include_minimum=False)
    rng = np.random.default_rng(check_int("seed", seed, 0))
    happens = rng.random((n_windows, length)) < event_rate
    happens[:, -1] = False  # the last step asks the question
    who = rng.integers(0, n_entities, (n_windows, length))
    values = rng.standard_normal((n_windows, length)).astype(np.float32)
    events = happens[..., None] & (who[..., None] == np.arange(n_entities))  # (N, T, E)
    inputs = np.zeros((n_windows, length, 3 * n_entities), np.float32)
    inputs[..., :n_entities] = events
    inputs[..., n_entities:2 * n_entities] = np.where(events, values[..., None], 0.0)
    query = rng.integers(0, n_entities, n_windows)
    inputs[np.arange(n_windows), -1, 2 * n_entities + query] = 1.0
    asked = events[np.arange(n_windows), :, query]  # (N, T): the queried entity's events
    last = np.where(asked.any(axis=1), length - 1 - np.argmax(asked[:, ::-1], axis=1), -1)
    targets = np.where(last >= 0, values[np.arange(n_windows), np.maximum(last, 0)], 0.0).astype(np.float32)
    return EntityTracking(inputs, targets.reshape(n_windows, 1, 1), events, query)


class DrivenChannels(NamedTuple):
    """A multivariate series in which one channel drives another.

    values: (T, C) float32. Every channel but the driven one is an independent AR(1) process with unit variance;
    the driven one is ``scale * values[t - delay, driver] + noise``.
    channels: names. driver, driven: the two channel indices. delay: in steps. scale, noise: as generated.
    """

    values: np.ndarray
    channels: tuple[str, ...]
    driver: int
    driven: int
    delay: int
    scale: float
    noise: float


def driven_channels(
    n_steps: int = 3 * 24 * 365,
    n_channels: int = 4,
    *,
    delay: int = 36,
    scale: float = 0.8,
    noise: float = 0.2,
    persistence: float = 0.7,
    seed: int = 0,
) -> DrivenChannels:
    """Generate channels of which one (``driven``, channel 1) is channel 0 (``driver``) ``delay`` steps earlier,
    times ``scale``, plus Gaussian noise of standard deviation ``noise``; the others are independent.

    Every other channel is an AR(1) process, x_t = persistence * x_{t-1} + e_t, scaled to unit variance: its own
    past predicts it only a few steps ahead (the correlation after h steps is persistence^h). For a horizon of at
    most ``delay`` steps, the driven channel's future is already in the driver's past, so a model that reads
    across channels can forecast it up to the noise, and one that reads each channel alone cannot.
    """
    n_steps = check_int("n_steps", n_steps, minimum=2)
    n_channels = check_int("n_channels", n_channels, minimum=2)
    delay = check_int("delay", delay)
    if delay >= n_steps:
        raise ValueError(f"delay: expected fewer steps than the series has, {n_steps}, got {delay}")
    scale, noise = check_float("scale", scale), check_float("noise", noise, 0)
    persistence = check_float("persistence", persistence, 0, 1, include_maximum=False)
    rng = np.random.default_rng(seed)
    shocks = rng.standard_normal((n_steps + delay, n_channels)) * np.sqrt(1 - persistence**2)
    values = np.empty_like(shocks)
    values[0] = rng.standard_normal(n_channels)  # the stationary distribution from the first step on
    for t in range(1, len(values)):
        values[t] = persistence * values[t - 1] + shocks[t]
    driver, driven = 0, 1
    values[delay:, driven] = scale * values[:-delay, driver] + noise * rng.standard_normal(n_steps)
    names = tuple(f"x{c + 1}" for c in range(n_channels))
    return DrivenChannels(values[delay:].astype(np.float32), names, driver, driven, delay, float(scale), float(noise))
