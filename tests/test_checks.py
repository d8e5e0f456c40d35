import numpy as np
import pytest

from attention_book.checks import check_bool, check_float, check_inputs, check_int


@pytest.mark.parametrize("value", [0, -3, 1.0, True, "2", None])
def test_check_int_rejects_what_is_not_an_integer_at_least_the_minimum(value):
    with pytest.raises(ValueError, match=r"^horizon: expected an integer >= 1, got "):
        check_int("horizon", value)


def test_check_int_accepts_numpy_integers_and_returns_int():
    value = check_int("n", np.int64(5), minimum=0)
    assert value == 5 and type(value) is int


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), True, np.True_, "0.5", None, [1.0]])
def test_check_float_rejects_what_is_not_a_finite_number(value):
    with pytest.raises(ValueError, match=r"^gate_bias: expected a finite number, got "):
        check_float("gate_bias", value)


@pytest.mark.parametrize("value, bounds, message", [
    (-0.5, {"minimum": 0}, r"^noise: expected a finite number >= 0, got -0.5$"),
    (0.0, {"minimum": 0, "include_minimum": False}, r"^noise: expected a finite number > 0, got 0.0$"),
    (2, {"maximum": 1}, r"^noise: expected a finite number <= 1, got 2$"),
    (0, {"minimum": 0, "maximum": 1, "include_minimum": False}, r"^noise: expected a number in \(0, 1\], got 0$"),
    (1.0, {"minimum": 0, "maximum": 1, "include_maximum": False}, r"^noise: expected a number in \[0, 1\), got 1.0$"),
    (-1, {"minimum": 0, "allow_none": True}, r"^noise: expected None or a finite number >= 0, got -1$"),
    (None, {"minimum": 0}, r"^noise: expected a finite number >= 0, got None$"),
])
def test_check_float_names_the_bounds_it_expected(value, bounds, message):
    with pytest.raises(ValueError, match=message):
        check_float("noise", value, **bounds)


@pytest.mark.parametrize("value, bounds", [
    (0, {"minimum": 0}), (1, {"minimum": 0, "maximum": 1, "include_minimum": False}), (np.float32(0.25), {}),
    (np.int64(3), {"minimum": 3}), (-2.5, {"maximum": 0}), (1e300, {}),
])
def test_check_float_accepts_numbers_within_the_bounds_and_returns_float(value, bounds):
    checked = check_float("x", value, **bounds)
    assert checked == float(value) and type(checked) is float


def test_check_float_lets_none_through_only_when_allowed():
    assert check_float("ridge", None, 0, allow_none=True) is None
    with pytest.raises(ValueError, match="^ridge: expected a finite number >= 0, got None$"):
        check_float("ridge", None, 0)


@pytest.mark.parametrize("value", [1, 0, 1.0, "True", None, np.array([True])])
def test_check_bool_rejects_what_is_not_true_or_false(value):
    with pytest.raises(ValueError, match=r"^calendar: expected True or False, got "):
        check_bool("calendar", value)


@pytest.mark.parametrize("value", [True, False, np.True_, np.False_])
def test_check_bool_accepts_flags_and_returns_bool(value):
    checked = check_bool("calendar", value)
    assert checked == bool(value) and type(checked) is bool


@pytest.mark.parametrize(
    "inputs, kwargs, match",
    [
        (np.zeros((2, 3)), {}, r"shape \(B, L, C\)"),
        (np.array([[["a"]]]), {}, "numbers"),
        (np.zeros((1, 4, 2)), {"n_channels": 3}, "3 channels, got 2"),
        (np.zeros((1, 4, 2)), {"lookback": 5}, "5 time steps, got 4"),
        (np.full((1, 4, 2), np.nan), {}, "NaN"),
    ],
)
def test_check_inputs_names_the_problem(inputs, kwargs, match):
    with pytest.raises(ValueError, match=f"inputs: .*{match}|inputs: {match}"):
        check_inputs(inputs, **kwargs)


def test_check_inputs_passes_good_arrays_through():
    inputs = np.ones((2, 4, 3), dtype=np.float32)
    assert check_inputs(inputs, n_channels=3, lookback=4) is inputs


def test_check_shape_accepts_unknown_sizes_and_names_what_is_wrong():
    from attention_book.checks import check_shape

    assert check_shape("inputs", (None, None, 3), size=3) == (None, None, 3)
    assert check_shape("inputs", (2, 5, None), size=3) == (2, 5, None)  # the channel size is not known yet
    assert check_shape("query", np.zeros((2, 4)), "B, d") == (2, 4)  # anything with a .shape
    with pytest.raises(ValueError, match=r"inputs: expected shape \(B, T, C\), got shape \(5, 3\)"):
        check_shape("inputs", (5, 3))
    with pytest.raises(ValueError, match=r"inputs: expected 3 channels, got 2 \(shape \(None, 5, 2\)\)"):
        check_shape("inputs", (None, 5, 2), size=3)
    with pytest.raises(ValueError, match=r"states: expected 8 units, got 4"):
        check_shape("states", (None, 5, 4), "B, T, units", size=8, unit="units")
