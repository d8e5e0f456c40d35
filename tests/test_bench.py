"""Tests of attention_book.bench: the benchmark runs and reports what it says; its numbers are not tested."""

from __future__ import annotations

import pytest

from attention_book import bench

#: The timings are of tf.function-compiled calls: TensorFlow only, like the helpers they test.
timing = pytest.mark.tensorflow_only("the benchmark times tf.function calls")


@pytest.mark.parametrize("length, heads, batch", [(16, 2, 1), (64, 4, 3)])
def test_attention_weights_bytes_are_what_the_layer_really_returns(length, heads, batch):
    import numpy as np

    from attention_book.transformer import MultiHeadAttention

    tokens = np.zeros((batch, length, 8), "float32")
    _, weights = MultiHeadAttention(8, heads)(tokens, tokens)
    assert np.asarray(weights).nbytes == bench.attention_weights_bytes(length, heads=heads, batch=batch)


@timing
def test_compare_with_keras_times_the_same_computation_in_both_layers(monkeypatch):
    """The two timed calls give the same attention output (same weights, same inputs), and the row reports
    their times and ratio."""
    import numpy as np

    outputs, fake_seconds = [], iter([0.2, 0.1])

    def timed(function, repeats):
        outputs.append(function())
        return next(fake_seconds)

    monkeypatch.setattr(bench, "_timed", timed)
    row = bench.compare_with_keras(batch=2, length=8, d_model=8, heads=2, repeats=1)
    np.testing.assert_allclose(outputs[0], outputs[1], rtol=1e-5, atol=1e-6)
    assert outputs[0].shape == (2, 8, 8)
    assert (row["book"], row["keras"], row["ratio"]) == (0.2, 0.1, pytest.approx(2.0))
    assert (row["batch"], row["length"], row["d_model"], row["heads"]) == (2, 8, 8, 2)


@timing
@pytest.mark.parametrize("layer", ["attention", "lstm"])
def test_forward_seconds_grow_with_the_length(layer):
    """The time measured is the layer's computation: 64 times the steps cost more (the fastest of 3 calls)."""
    short = bench.forward_seconds(layer, 16, d_model=8, heads=2, repeats=3)
    long = bench.forward_seconds(layer, 1024, d_model=8, heads=2, repeats=3)
    assert 0 < short < long


def test_forward_seconds_rejects_unknown_layers():
    with pytest.raises(ValueError, match="layer: expected 'attention' or 'lstm', got 'gru'"):
        bench.forward_seconds("gru", 16)


@timing
def test_command_line_prints_the_ratio_and_one_row_per_layer_and_length(capsys):
    assert bench.main(["attention", "--lengths", "8", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "ratio" in out
    rows = [line.split() for line in out.splitlines()[2:]]
    assert [(row[0], row[1]) for row in rows] == [("8", "attention"), ("8", "lstm")]
    assert all(float(row[3]) > 0 for row in rows)  # a peak memory was measured in each child process


def test_command_line_rejects_bad_lengths(capsys):
    assert bench.main(["attention", "--lengths", "0,64"]) == 2
    assert "--lengths: expected an integer >= 1, got 0" in capsys.readouterr().err


def test_command_line_rejects_lengths_that_are_not_integers(capsys):
    assert bench.main(["attention", "--lengths", "64,abc"]) == 2
    assert "--lengths: expected integers separated by commas, got '64,abc'" in capsys.readouterr().err


def test_timing_reports_the_fastest_call():
    import time

    pauses = iter([0.0, 0.08, 0.001, 0.05])  # the first call is the warm-up, not timed
    seconds = bench._timed(lambda: time.sleep(next(pauses)), 3)
    assert 0.001 <= seconds < 0.04
