import numpy as np
import pytest

from attention_book.seasonality import autocorrelation


def reference(x, lag):
    centred = x - x.mean()
    return np.sum(centred[: len(x) - lag] * centred[lag:]) / np.sum(centred**2)


def test_matches_a_direct_computation_per_channel():
    values = np.random.default_rng(0).standard_normal((300, 3))
    acf = autocorrelation(values, 20)
    assert acf.shape == (21, 3)
    for channel in range(3):
        for lag in (0, 1, 7, 20):
            assert acf[lag, channel] == pytest.approx(reference(values[:, channel], lag))


def test_lag_zero_is_one_and_a_pure_period_peaks_at_it():
    t = np.arange(24 * 20)
    acf = autocorrelation(np.sin(2 * np.pi * t / 24), 48)
    assert acf.shape == (49,)
    assert acf[0] == pytest.approx(1.0)
    assert acf[24] > 0.9 and acf[12] < -0.9
    assert acf[24] > max(acf[23], acf[25])  # a local peak one period back


@pytest.mark.parametrize(
    "values, max_lag, match",
    [
        (np.zeros((3, 2, 2)), 1, "values"),
        (np.array([1.0, np.nan, 2.0, 3.0]), 1, "values"),
        (np.ones(10), 2, "constant"),
        (np.arange(10.0), 10, "max_lag"),
        (np.arange(10.0), 0, "max_lag"),
        (np.arange(10.0), True, "max_lag"),
    ],
)
def test_bad_input_gets_one_clear_error(values, max_lag, match):
    with pytest.raises(ValueError, match=match):
        autocorrelation(values, max_lag)
