"""Benchmarks of attention (run by hand, not by the test suite):

    python -m attention_book.bench attention [--lengths 64,256,1024,4096] [--repeats 5]

1. The book's from-scratch :class:`~attention_book.transformer.MultiHeadAttention` against
   ``keras.layers.MultiHeadAttention`` on the same shapes, in one run: both times and their ratio.
2. Self-attention against an LSTM layer as the sequence length T grows: the time of one forward pass and the peak
   memory of a fresh process doing it, so that attention's T^2 is seen, not only stated.

Timings depend on the machine; the book's chapter prints the ones of the machine that built it. They are timings
of Keras' TensorFlow backend, the book's: the timed calls are compiled with ``tf.function``, so the timing helpers
(:func:`compare_with_keras`, :func:`forward_seconds` and the command line) need that backend.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from .checks import check_int


def _timed(function, repeats: int) -> float:
    """The shortest wall time of ``function()`` over ``repeats`` calls, after one warm-up call.

    Other work on the machine can only add time to a call, never remove it, so the fastest call is the best
    estimate of what the computation itself costs; a median of a few calls still moves with a busy machine.
    """
    function()
    times = []
    for _ in range(check_int("repeats", repeats)):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def compare_with_keras(batch: int = 16, length: int = 256, d_model: int = 64, heads: int = 4,
                       repeats: int = 5) -> dict:
    """Seconds per forward pass of the book's and Keras' multi-head self-attention, same weights, same inputs.
    TensorFlow backend only (``tf.function``)."""
    import keras
    import numpy as np
    import tensorflow as tf

    from .transformer import MultiHeadAttention

    inputs = np.random.default_rng(0).standard_normal((batch, length, d_model)).astype("float32")
    reference = keras.layers.MultiHeadAttention(heads, key_dim=d_model // heads)
    book = MultiHeadAttention(d_model, heads)
    reference(inputs, inputs)
    book(inputs, inputs)
    book.set_weights(reference.get_weights())
    run_reference = tf.function(lambda x: reference(x, x, return_attention_scores=True))
    run_book = tf.function(lambda x: book(x, x))
    seconds = {"book": _timed(lambda: run_book(inputs)[0].numpy(), repeats),
               "keras": _timed(lambda: run_reference(inputs)[0].numpy(), repeats)}
    return {"batch": batch, "length": length, "d_model": d_model, "heads": heads, **seconds,
            "ratio": seconds["book"] / seconds["keras"]}


def forward_seconds(layer: str, length: int, d_model: int = 32, heads: int = 4, batch: int = 1,
                    repeats: int = 15) -> float:
    """Seconds of one forward pass of ``layer`` (``"attention"`` or ``"lstm"``) over (batch, length, d_model).
    TensorFlow backend only (``tf.function``)."""
    import keras
    import numpy as np
    import tensorflow as tf

    from .transformer import MultiHeadAttention

    inputs = np.random.default_rng(0).standard_normal((batch, check_int("length", length), d_model)).astype("float32")
    if layer == "attention":
        attention = MultiHeadAttention(d_model, heads)
        run = tf.function(lambda x: attention(x, x)[0])
    elif layer == "lstm":
        lstm = keras.layers.LSTM(d_model, return_sequences=True)
        run = tf.function(lambda x: lstm(x))
    else:
        raise ValueError(f"layer: expected 'attention' or 'lstm', got {layer!r}")
    return _timed(lambda: run(inputs).numpy(), repeats)


def attention_weights_bytes(length: int, heads: int = 4, batch: int = 1) -> int:
    """Memory of the attention weights alone, float32: batch * heads * T * T * 4 bytes."""
    return 4 * check_int("batch", batch) * check_int("heads", heads) * check_int("length", length) ** 2


def _child(layer: str, length: int) -> dict:
    """One (layer, length) measurement in a fresh process: its time and its peak resident memory."""
    code = ("import json, resource, sys; from attention_book.session import quiet_tensorflow; quiet_tensorflow(); "
            "from attention_book.bench import forward_seconds; "
            f"s = forward_seconds({layer!r}, {length}); "
            "print(json.dumps({'seconds': s, 'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def sweep(lengths=(64, 256, 1024, 4096)) -> list[dict]:
    """Time and peak memory of self-attention and of an LSTM for every T in ``lengths``, each in a fresh process."""
    rows = []
    for length in lengths:
        for layer in ("attention", "lstm"):
            rows.append({"layer": layer, "length": length, **_child(layer, length)})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m attention_book.bench", description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["attention"], help="what to benchmark")
    parser.add_argument("--lengths", default="64,256,1024,4096", help="sequence lengths T, comma separated")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats (the fastest is reported)")
    args = parser.parse_args(argv)
    try:
        texts = args.lengths.split(",")
        if not all(text.strip().lstrip("-").isdigit() for text in texts):
            raise ValueError(f"--lengths: expected integers separated by commas, got {args.lengths!r}")
        lengths = [check_int("--lengths", int(text)) for text in texts]
        check_int("--repeats", args.repeats)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from .session import quiet_tensorflow

    quiet_tensorflow()
    comparison = compare_with_keras(repeats=args.repeats)
    print(f"multi-head self-attention, B={comparison['batch']} T={comparison['length']} d={comparison['d_model']} "
          f"h={comparison['heads']}: book {comparison['book'] * 1e3:.2f} ms, keras {comparison['keras'] * 1e3:.2f} ms, "
          f"ratio {comparison['ratio']:.2f}")
    print(f"{'T':>6}  {'layer':9}  {'ms':>9}  {'peak MB':>8}  {'attention weights MB':>20}")
    for row in sweep(lengths):
        weights = attention_weights_bytes(row["length"]) / 2**20 if row["layer"] == "attention" else 0.0
        print(f"{row['length']:>6}  {row['layer']:9}  {row['seconds'] * 1e3:9.2f}  {row['peak_mb']:8.0f}  "
              f"{weights:20.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
