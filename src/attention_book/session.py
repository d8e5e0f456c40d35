"""Seeds and quiet: what the edges of a program set (a chapter's first cell, the command line, a test), and the
one scoped seeding the library itself uses.

* :func:`quiet_tensorflow` and :func:`set_seed` act on the whole process. The chapters, the command line and the
  tests call them once at the start; nothing inside the package does.
* :func:`seeded_layers` is how the package makes initial weights reproducible without touching the process's
  random state (see its docstring).
"""

from __future__ import annotations

import contextlib
import os
import random
import sys


@contextlib.contextmanager
def _stderr_silenced():
    """Send the process-level stderr (file descriptor 2) to /dev/null for a moment."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def quiet_tensorflow() -> None:
    """Import TensorFlow without its C++ start-up messages, and keep its later logs to errors.

    TensorFlow prints a few INFO lines from C++ at import time (oneDNN, CUDA, CPU features) that no setting
    silences in recent versions, because they come before its logging is initialised; in a notebook they would
    land in the book as stderr output. Call this before anything imports TensorFlow. Python errors raised
    during the import still propagate.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" not in sys.modules:
        with _stderr_silenced():
            import tensorflow  # noqa: F401
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")


def set_seed(seed: int = 0) -> None:
    """Seed Python, numpy and TensorFlow/Keras, and make TensorFlow's ops deterministic, for the whole process.

    For the start of a program (a chapter's first cell, the command line, a test), never for library code: op
    determinism cannot be switched off again.
    """
    import keras

    from .checks import check_int

    keras.utils.set_random_seed(check_int("seed", seed, minimum=0))
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


@contextlib.contextmanager
def seeded_layers(seed: int):
    """Within the block, the Keras layers built get initial weights (and dropout seeds) that depend on ``seed`` only.

    Keras 3 gives every initializer and ``keras.random.SeedGenerator`` created without a seed one drawn from
    Python's ``random`` module. The block reseeds that module with ``seed`` and restores its previous state on the
    way out, so the same seed builds the same weights and the code around the block sees the random sequence it
    would have seen without it (the pattern of ``torch.random.fork_rng``). Not thread-safe: don't build models
    from several threads at once.
    """
    from .checks import check_int

    seed = check_int("seed", seed, minimum=0)
    state = random.getstate()
    random.seed(seed)
    try:
        yield
    finally:
        random.setstate(state)
