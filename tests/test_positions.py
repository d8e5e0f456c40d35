"""Tests of attention_book.positions: the fixed, learned and calendar position codes."""

from __future__ import annotations

import numpy as np
import pytest

from attention_book import set_seed
from attention_book.positions import CalendarEmbedding, PositionEmbedding, SinusoidalPositions, sinusoidal_positions

from reference import rand


def test_sinusoidal_positions_follow_the_formula():
    code = sinusoidal_positions(50, 8)
    t, i = 17, 2  # columns 4 and 5 turn at the rate 1 / 10000^(4/8)
    np.testing.assert_allclose(code[t, 2 * i], np.sin(t / 10000 ** (2 * i / 8)), rtol=1e-5)
    np.testing.assert_allclose(code[t, 2 * i + 1], np.cos(t / 10000 ** (2 * i / 8)), rtol=1e-5)
    assert len({tuple(np.round(row, 5)) for row in code}) == 50  # every position has its own code
    with pytest.raises(ValueError, match="d_model: expected an even width"):
        sinusoidal_positions(10, 7)


def test_the_sinusoidal_layer_adds_the_code_to_every_window():
    inputs = rand((3, 6, 8))
    np.testing.assert_allclose(SinusoidalPositions()(inputs), inputs + sinusoidal_positions(6, 8)[None], rtol=1e-6)


def test_the_learned_embedding_adds_one_trainable_vector_per_position():
    layer = PositionEmbedding()
    inputs = rand((2, 5, 3))
    np.testing.assert_array_equal(layer(inputs), inputs)  # it starts at zero
    assert [tuple(w.shape) for w in layer.trainable_weights] == [(5, 3)]
    layer.embeddings.assign(rand((5, 3), 1))
    np.testing.assert_allclose(layer(inputs), inputs + rand((5, 3), 1)[None], rtol=1e-6)
    with pytest.raises(ValueError, match=r"inputs: expected shape \(B, T, C\), got shape \(5, 3\)"):
        PositionEmbedding()(rand((5, 3)))


def test_calendar_embedding_adds_a_learned_map_of_the_calendar_channels():
    set_seed(0)
    layer = CalendarEmbedding()
    tokens, window = rand((2, 5, 6)), rand((2, 5, 9), 1)
    output = np.asarray(layer(tokens, window))
    np.testing.assert_allclose(output, tokens + window[..., -4:] @ layer.kernel.numpy(), rtol=1e-5, atol=1e-6)
