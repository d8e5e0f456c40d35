"""Two helpers for the first cells of every chapter: quiet TensorFlow, and seed everything."""

from __future__ import annotations

import contextlib
import os
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
    """Seed Python, numpy and TensorFlow/Keras, and make TensorFlow's ops deterministic."""
    import keras
    import tensorflow as tf

    from .checks import check_int

    keras.utils.set_random_seed(check_int("seed", seed, minimum=0))
    tf.config.experimental.enable_op_determinism()
