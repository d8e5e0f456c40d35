"""Tests of attention_book.session: seeding and quiet TensorFlow."""

from __future__ import annotations

import logging
import os
import random

import numpy as np
import pytest

from attention_book import quiet_tensorflow, session, set_seed


def _draws():
    import keras
    import tensorflow as tf

    return (  # (Keras' unseeded keras.random calls are left out: whether set_random_seed resets them varies by version)
        keras.ops.convert_to_numpy(keras.layers.Dense(3, kernel_initializer="glorot_uniform")(np.ones((1, 2)))),
        np.random.rand(4),
        random.random(),
        tf.random.uniform((3,)).numpy(),
    )


def test_set_seed_makes_draws_repeat():
    set_seed(7)
    first = _draws()
    set_seed(7)
    again = _draws()
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    set_seed(8)
    other = _draws()
    assert not np.array_equal(first[0], other[0])
    assert not np.array_equal(first[1], other[1])


@pytest.mark.tensorflow_only("TensorFlow's op determinism switch")
def test_set_seed_turns_on_op_determinism():
    from tensorflow.python.framework import config

    set_seed(0)
    assert config.is_op_determinism_enabled()


@pytest.mark.parametrize("seed", [-1, 1.5, "0", None, True, 2**40 + 0.5])
def test_set_seed_bad_seed(seed):
    with pytest.raises(ValueError, match="seed"):
        set_seed(seed)


def _dense_weights():
    import keras

    layer = keras.layers.Dense(3)
    layer.build((None, 2))
    return layer.get_weights()[0]


def test_seeded_layers_give_the_same_weights_and_restore_the_random_state():
    set_seed(0)
    before = random.getstate()
    with session.seeded_layers(5):
        first = _dense_weights()
    assert random.getstate() == before  # the sequence outside the block is untouched
    random.random()  # whatever the program draws in between
    with session.seeded_layers(5):
        again = _dense_weights()
    with session.seeded_layers(6):
        other = _dense_weights()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_seeded_layers_restore_the_state_after_an_error():
    before = random.getstate()
    with pytest.raises(RuntimeError), session.seeded_layers(1):
        raise RuntimeError("while building")
    assert random.getstate() == before


@pytest.mark.parametrize("seed", [-1, 1.5, None])
def test_seeded_layers_bad_seed(seed):
    with pytest.raises(ValueError, match="seed: expected an integer >= 0"), session.seeded_layers(seed):
        pass


def test_quiet_tensorflow_is_idempotent_and_sets_the_logger_to_error(monkeypatch):
    import tensorflow as tf

    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)  # conftest sets it; start without it
    tf.get_logger().setLevel(logging.INFO)
    quiet_tensorflow()
    assert tf.get_logger().level == logging.ERROR
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "1")  # a reader's own setting is kept
    quiet_tensorflow()  # a second call changes nothing else and raises nothing
    assert tf.get_logger().level == logging.ERROR
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "1"


def test_stderr_is_silenced_only_for_a_moment(capfd):
    with session._stderr_silenced():
        os.write(2, b"C++ start-up chatter\n")
    os.write(2, b"still here\n")
    err = capfd.readouterr().err
    assert "still here" in err
    assert "chatter" not in err
