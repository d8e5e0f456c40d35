import numpy as np
import pytest

from attention_book.checks import check_inputs, check_int


@pytest.mark.parametrize("value", [0, -3, 1.0, True, "2", None])
def test_check_int_rejects_what_is_not_an_integer_at_least_the_minimum(value):
    with pytest.raises(ValueError, match=r"^horizon: expected an integer >= 1, got "):
        check_int("horizon", value)


def test_check_int_accepts_numpy_integers_and_returns_int():
    value = check_int("n", np.int64(5), minimum=0)
    assert value == 5 and type(value) is int


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


def test_check_sequence_shape_accepts_unknown_sizes_and_names_what_is_wrong():
    from attention_book.checks import check_sequence_shape

    check_sequence_shape((None, None, 3), 3)
    check_sequence_shape((2, 5, None), 3)  # the channel size is not known yet
    with pytest.raises(ValueError, match=r"inputs: expected shape \(B, T, C\), got shape \(5, 3\)"):
        check_sequence_shape((5, 3))
    with pytest.raises(ValueError, match=r"inputs: expected 3 channels, got 2 \(shape \(None, 5, 2\)\)"):
        check_sequence_shape((None, 5, 2), 3)
