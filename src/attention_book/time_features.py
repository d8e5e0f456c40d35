"""Calendar features: covariates whose future values are known when the forecast is made.

The hour of the day and the day of the week of every future step are known in advance, even though the loads are
not. They are encoded as points on two circles, so that 23:00 sits next to 00:00 and Sunday next to Monday:

    hour_sin, hour_cos = sin, cos(2 pi h / 24)      h: hour of the day, 0..23
    week_sin, week_cos = sin, cos(2 pi w / 168)     w: hour of the week, 0 (Monday 00:00) .. 167

One hour later both points have turned by a fixed angle (2 pi / 24 and 2 pi / 168), so the features of the next H
steps follow from the features of the last observed step by rotation: :func:`advance` does that, with no
timestamps needed inside a model.
"""

from __future__ import annotations

import numpy as np
from keras import ops

from .checks import check_int

#: The feature names, in the order of the last axis.
CALENDAR_CHANNELS = ("hour_sin", "hour_cos", "week_sin", "week_cos")
#: The period of each circle in hours.
PERIODS = (24, 168)


def calendar_features(timestamps) -> np.ndarray:
    """Features (T, 4) in the order of :data:`CALENDAR_CHANNELS` for hourly ``timestamps`` (T,) datetime64."""
    timestamps = np.asarray(timestamps)
    if timestamps.ndim != 1 or not np.issubdtype(timestamps.dtype, np.datetime64):
        raise ValueError(f"timestamps: expected a 1-d array of datetime64, got {timestamps.dtype} of shape "
                         f"{timestamps.shape}")
    hours = timestamps.astype("datetime64[h]").astype(np.int64)  # hours since 1970-01-01 00:00, a Thursday
    hour_of_day = np.mod(hours, 24)
    hour_of_week = np.mod(hours + 3 * 24, 168)  # shift so that 0 is Monday 00:00
    angles = [2 * np.pi * hour_of_day / 24, 2 * np.pi * hour_of_week / 168]
    return np.stack([f(a) for a in angles for f in (np.sin, np.cos)], axis=-1).astype(np.float32)


def advance(features, horizon: int):
    """The features of the next ``horizon`` hours from those of the current hour: (B, 4) -> (B, H, 4).

    Step h (1..H) turns each (sin, cos) pair by h times its hourly angle. Works on numpy arrays and on tensors.
    """
    horizon = check_int("horizon", horizon)
    features = ops.convert_to_tensor(features)
    if len(features.shape) != 2 or features.shape[-1] != len(CALENDAR_CHANNELS):
        raise ValueError(f"features: expected shape (B, {len(CALENDAR_CHANNELS)}) in the order "
                         f"{CALENDAR_CHANNELS}, got shape {tuple(features.shape)}")
    steps = ops.cast(ops.arange(1, horizon + 1), features.dtype)[None, :]  # (1, H)
    turned = []
    for pair, period in enumerate(PERIODS):
        sin, cos = features[:, 2 * pair, None], features[:, 2 * pair + 1, None]  # (B, 1) each
        angle = 2 * np.pi * steps / period
        # sin(a + b) = sin a cos b + cos a sin b;  cos(a + b) = cos a cos b - sin a sin b
        turned += [sin * ops.cos(angle) + cos * ops.sin(angle), cos * ops.cos(angle) - sin * ops.sin(angle)]
    return ops.stack(turned, axis=-1)
