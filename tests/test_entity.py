"""Tests of attention_book.entity: the recurrent entity network's memory and read-out."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from attention_book import set_seed
from attention_book.entity import EntityMemory, EntityReadout

from reference import entity_memory, rand, softmax


def built_memory(slots=3, width=4):
    set_seed(0)
    layer = EntityMemory(slots)
    layer.build((None, 6, width))
    return layer


def test_memory_equals_the_numpy_reference():
    layer = built_memory()
    inputs = rand((2, 6, 4))
    layer.bias.assign(-0.7)  # not the initial value, so that the test sees where the bias enters
    memories, gates = layer(inputs)
    weights = [w.numpy().astype(np.float64) for w in (layer.keys, layer.content_kernel, layer.key_kernel,
                                                      layer.input_kernel, layer.bias)]
    expected_memories, expected_gates = entity_memory(inputs, *weights)
    np.testing.assert_allclose(memories, expected_memories, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(gates, expected_gates, rtol=1e-4, atol=1e-5)


def test_gates_lie_in_zero_one_and_contents_on_the_unit_sphere():
    layer = built_memory(slots=5, width=8)
    memories, gates = layer(10.0 * rand((3, 6, 8), 1))
    gates = np.asarray(gates)
    assert np.all((gates >= 0) & (gates <= 1))
    np.testing.assert_allclose(np.linalg.norm(np.asarray(memories), axis=-1), 1.0, rtol=1e-5)


def test_memories_are_causal_in_the_sense_of_reading_in_order():
    """The gates at step t depend on inputs up to t only."""
    layer = built_memory()
    inputs = rand((1, 6, 4))
    _, gates = layer(inputs)
    changed = inputs.copy()
    changed[:, 4:] += 3.0
    _, changed_gates = layer(changed)
    np.testing.assert_allclose(np.asarray(changed_gates)[:, :4], np.asarray(gates)[:, :4], rtol=1e-6, atol=1e-6)


def test_an_empty_step_opens_every_gate_by_sigmoid_of_the_bias_only():
    layer = built_memory()
    inputs = rand((2, 6, 4))
    inputs[:, 3] = 0.0
    _, gates = layer(inputs)
    np.testing.assert_allclose(np.asarray(gates)[:, 3], 1 / (1 + np.exp(3.0)), rtol=1e-5)  # the initial bias, -3


def test_readout_attends_over_the_memories_with_the_query():
    set_seed(0)
    readout = EntityReadout(2)
    memories, query = rand((2, 3, 4)), rand((2, 4), 1)
    output, weights = readout(memories, query)
    expected_weights = softmax(np.einsum("bmd,bd->bm", memories, query))
    read = np.einsum("bm,bmd->bd", expected_weights, memories)
    expected = np.tanh(query + read @ readout.mix.numpy()) @ readout.output_kernel.numpy()
    np.testing.assert_allclose(weights, expected_weights, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(output, expected, rtol=1e-4, atol=1e-5)


def test_bad_inputs_raise_one_clear_error():
    with pytest.raises(ValueError, match="slots: expected an integer >= 1, got 0"):
        EntityMemory(0)
    with pytest.raises(ValueError, match="gate_bias: expected a finite number, got nan"):
        EntityMemory(2, gate_bias=float("nan"))
    layer = built_memory()
    with pytest.raises(ValueError, match=r"inputs: expected 4 channels, got 5"):
        layer(rand((2, 6, 5)))
    with pytest.raises(ValueError, match=r"inputs: expected shape \(B, T, C\), got shape \(6, 4\)"):
        EntityMemory(2)(rand((6, 4)))
    with pytest.raises(ValueError, match=r"query: expected width d = 4 \(the memories'\), got 3"):
        EntityReadout(2)(rand((2, 3, 4)), rand((2, 3)))


def test_entity_forecaster_round_trip_and_gates(tmp_path):
    from attention_book.entity import entity_forecaster
    from attention_book.probes import layer_weights

    set_seed(0)
    model = entity_forecaster(6, 5, 2, 1, slots=3, units=4)
    data = rand((3, 6, 5))
    assert model.predict(data, verbose=0).shape == (3, 2, 1)
    gates = layer_weights(model, data, "memory")
    assert gates.shape == (3, 6, 3) and np.all((gates > 0) & (gates < 1))
    model.save(tmp_path / "entnet.keras")
    loaded = keras.saving.load_model(tmp_path / "entnet.keras")
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0), atol=1e-6)
