"""One contract for every layer of the package: what a Keras layer owes the models built from it.

For each layer (parametrised over :data:`CASES`, which a test keeps in step with the package's layer classes):

* its outputs have the shapes its ``compute_output_shape`` announces;
* ``from_config(get_config())`` rebuilds it, and with the same weights it computes the same outputs;
* a model holding it survives a ``.keras`` file round trip with identical outputs;
* inside :func:`~attention_book.session.seeded_layers`, the same seed gives the same initial weights and another
  seed different ones;
* where it claims causality (its output at step t may depend on the inputs up to step t only), changing the inputs
  after step t leaves the outputs up to t unchanged and changes a later one.

The registered forecasters have their own contract in ``test_backends.py`` (build, one epoch of training,
forecast, ``.keras`` round trip) and below (the same seed gives the same weights).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field

import keras
import numpy as np
import pytest

from attention_book import attention, attention_rnn, entity, frame, pointer, positions, rnn, seq2seq, transformer
from attention_book.registry import REGISTRY, build_model
from attention_book.session import seeded_layers
from attention_book.tasks import Task
from attention_book.windows import Windows


def _call_all(layer, *inputs):
    return layer(*inputs)


@dataclass(frozen=True)
class Case:
    """How to build one layer and call it on example inputs.

    ``shapes``: the example inputs' shapes, batch first. ``call(layer, *inputs)`` returns the outputs (by default
    the layer called on all inputs). ``causal``: the index of the output whose axis 1 is time and that may depend
    on the steps of the first input up to its own step only (``None``: no such claim).
    """

    build: Callable[[], keras.layers.Layer]
    shapes: tuple[tuple[int, ...], ...]
    call: Callable = field(default=_call_all)
    causal: int | None = None


def _self_attention(layer, x):
    return layer(x, x, causal=True)


def _causal_block(layer, x):
    return layer(x, causal=True)


CASES = {
    "GeneralScore": Case(attention.GeneralScore, ((2, 6, 4), (2, 3, 5))),
    "AdditiveScore": Case(lambda: attention.AdditiveScore(8), ((2, 6, 4), (2, 3, 5))),
    "AttentionPooling": Case(lambda: attention.AttentionPooling("additive", 8), ((2, 6, 4), (2, 3, 5))),
    "AttentionPooling, learned query": Case(lambda: attention.AttentionPooling("general", learned_query=True),
                                            ((2, 6, 4),)),
    "AttentionPooling, learned queries": Case(lambda: attention.AttentionPooling("additive", 5, learned_query=True,
                                                                                 queries=3), ((2, 6, 4),)),
    "HandRNN": Case(lambda: rnn.HandRNN(5), ((2, 7, 3),), causal=0),
    "AttentionRNN": Case(lambda: attention_rnn.AttentionRNN(5, score="general"), ((2, 7, 3),), causal=0),
    "PositionEmbedding": Case(positions.PositionEmbedding, ((2, 7, 3),), causal=0),
    "MultiHeadAttention": Case(lambda: transformer.MultiHeadAttention(8, 2), ((2, 6, 8),), call=_self_attention,
                               causal=0),
    "EncoderBlock": Case(lambda: transformer.EncoderBlock(8, 2, 16), ((2, 6, 8),), call=_causal_block, causal=0),
    "SinusoidalPositions": Case(positions.SinusoidalPositions, ((2, 6, 8),), causal=0),
    "CalendarEmbedding": Case(positions.CalendarEmbedding, ((2, 6, 8), (2, 6, 7)), causal=0),
    "Patches": Case(lambda: transformer.Patches(4, 2), ((2, 12),)),
    "InstanceNorm": Case(frame.InstanceNorm, ((2, 12, 3),)),
    "InstanceNorm, last value": Case(lambda: frame.InstanceNorm("last", scale=False), ((2, 12, 3),)),
    "EntityMemory": Case(lambda: entity.EntityMemory(3), ((2, 7, 5),), causal=1),  # outputs (memories, gates)
    "EntityReadout": Case(lambda: entity.EntityReadout(4), ((2, 3, 5), (2, 5))),
    "AttentionDecoder": Case(lambda: seq2seq.AttentionDecoder(4, 2, units=6),
                             ((2, 7, 6), (2, 6), (2, 6), (2, 2)),
                             call=lambda layer, states, h, c, first: layer(states, [h, c], first)),
    "Seq2Seq": Case(lambda: seq2seq.Seq2Seq(4, 2, units=6), ((2, 7, 3),)),
    "PointerDecoder": Case(lambda: pointer.PointerDecoder(3, units=6), ((2, 5, 6), (2, 5, 1), (2, 6), (2, 6)),
                           call=lambda layer, states, items, h, c: layer(states, items, [h, c])),
    "PointerNetwork": Case(lambda: pointer.PointerNetwork(3, units=6), ((2, 5, 1),)),
    "AnalogPointer": Case(lambda: pointer.AnalogPointer(4, 2, units=6), ((2, 16, 2),)),
}


def _inputs(case: Case, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(np.float32) for shape in case.shapes]


def _arrays(outputs) -> list[np.ndarray]:
    """Every output tensor of a call as numpy arrays, in order (a single tensor, or nested tuples and lists)."""
    return [np.asarray(keras.ops.convert_to_numpy(x)) for x in keras.tree.flatten(outputs)]


def _model(case: Case) -> keras.Model:
    """A functional model holding one new layer of the case."""
    inputs = [keras.Input(shape[1:], batch_size=None) for shape in case.shapes]
    return keras.Model(inputs, case.call(case.build(), *inputs))


def _layer_of(model: keras.Model) -> keras.layers.Layer:
    (layer,) = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    return layer


def test_every_layer_class_of_the_package_has_a_case():
    """A new layer class must join the contract: the cases name every keras.layers.Layer the modules define."""
    modules = (attention, attention_rnn, entity, frame, pointer, positions, rnn, seq2seq, transformer)
    classes = {name for module in modules for name, value in vars(module).items()
               if inspect.isclass(value) and issubclass(value, keras.layers.Layer)
               and not issubclass(value, keras.Model) and value.__module__ == module.__name__}
    assert classes == {name.split(",")[0] for name in CASES}


# The layers that announce their output shapes (the others leave it to Keras, which traces the call) and are
# called on their inputs in the order of their shapes.
ANNOUNCED = sorted(name for name, case in CASES.items() if case.call is _call_all
                   and type(case.build()).compute_output_shape is not keras.layers.Layer.compute_output_shape)


@pytest.mark.parametrize("name", ANNOUNCED)
def test_output_shapes_are_the_announced_ones(name):
    case = CASES[name]
    layer = case.build()
    outputs = _arrays(case.call(layer, *_inputs(case)))
    announced = layer.compute_output_shape(*case.shapes)
    if all(size is None or isinstance(size, int) for size in announced):
        announced = (announced,)  # one output
    assert [tuple(x.shape) for x in outputs] == [tuple(shape) for shape in announced]


@pytest.mark.parametrize("name", sorted(CASES))
def test_from_config_rebuilds_the_same_layer(name):
    case = CASES[name]
    inputs = _inputs(case)
    layer = case.build()
    outputs = _arrays(case.call(layer, *inputs))
    clone = type(layer).from_config(layer.get_config())
    case.call(clone, *inputs)  # builds it
    clone.set_weights(layer.get_weights())
    for ours, theirs in zip(outputs, _arrays(case.call(clone, *inputs)), strict=True):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("name", sorted(CASES))
def test_keras_file_round_trip_gives_identical_outputs(name, tmp_path):
    case = CASES[name]
    inputs = _inputs(case)
    model = _model(case)
    path = tmp_path / "layer.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(_layer_of(loaded)) is type(_layer_of(model))
    for ours, theirs in zip(_arrays(model(inputs)), _arrays(loaded(inputs)), strict=True):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_same_seed_builds_the_same_weights(name):
    case = CASES[name]
    weights = {}
    for key, seed in (("first", 3), ("again", 3), ("other", 4)):
        with seeded_layers(seed):
            weights[key] = _model(case).get_weights()
    for a, b in zip(weights["first"], weights["again"], strict=True):
        np.testing.assert_array_equal(a, b)
    random = [w for w in weights["first"] if w.size > 1 and np.ptp(w) > 0]  # not a constant initialiser
    if random:
        assert any(not np.array_equal(a, b) for a, b in zip(weights["first"], weights["other"], strict=True))


CAUSAL = sorted(name for name, case in CASES.items() if case.causal is not None)


@pytest.mark.parametrize("name", CAUSAL)
@pytest.mark.parametrize("t", [0, 3])
def test_causal_layers_do_not_look_ahead(name, t):
    case = CASES[name]
    with seeded_layers(0):
        layer = case.build()
    inputs = _inputs(case)
    changed = [x.copy() for x in inputs]
    changed[0][:, t + 1:] += 1.0  # the first input, after step t
    before = _arrays(case.call(layer, *inputs))[case.causal]
    after = _arrays(case.call(layer, *changed))[case.causal]
    np.testing.assert_allclose(after[:, :t + 1], before[:, :t + 1], rtol=1e-6, atol=1e-6)
    assert not np.allclose(after[:, t + 1:], before[:, t + 1:], atol=1e-6)


# ----------------------------------------------------------------------------------------- the forecasters


def _tiny_task() -> Task:
    rng = np.random.default_rng(0)
    splits = [Windows(rng.standard_normal((16, 24, 3)).astype(np.float32),
                      rng.standard_normal((16, 8, 2)).astype(np.float32)) for _ in range(3)]
    return Task("tiny", ("a", "b", "c"), (0, 1), 24, 8, *splits, season=24)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_registered_model_builds_the_same_weights_from_the_same_seed(name):
    task = _tiny_task()
    first, again, other = (build_model(name, task, seed) for seed in (5, 5, 6))
    if not hasattr(first, "model"):
        assert type(first) is type(again)  # the baselines have no initial weights
        return
    for a, b in zip(first.model.get_weights(), again.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b)
               for a, b in zip(first.model.get_weights(), other.model.get_weights(), strict=True))

