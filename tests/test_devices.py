"""Training on more than one device, and what training leaves behind in the process.

Both need a fresh process: TensorFlow's logical devices can only be configured before it first uses a device, and
op determinism, once on (every test's ``set_seed`` turns it on), cannot be switched off.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

# Two logical CPUs, one model trained on one of them and then mirrored over both, with the same seed; meanwhile
# nothing in the package may reseed the process or turn on op determinism.
SCRIPT = """
import json, random
import numpy as np
import tensorflow as tf
from tensorflow.python.framework import config

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from attention_book.registry import build_model
from attention_book.tasks import make_task

task = make_task("lag_retrieval", 24, 1, seed=0)
python_state, numpy_draw = random.getstate(), np.random.get_state()[1].copy()
mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
result = {"replicas": mirrored.num_replicas_in_sync}
for name, distribution in (("one", None), ("two", mirrored)):
    forecaster = build_model("lstm", task, seed=0, distribution=distribution, epochs=2).fit(task.train, task.val)
    history = forecaster.history.history
    result[name] = [history["loss"][0], history["val_loss"][0], history["loss"][1], history["val_loss"][1]]
result["determinism"] = config.is_op_determinism_enabled()
result["python_random_untouched"] = random.getstate() == python_state
result["numpy_random_untouched"] = bool(np.array_equal(np.random.get_state()[1], numpy_draw))
print(json.dumps(result))
"""


# The same comparison on the JAX backend, with Keras' distribution API over two host devices.
JAX_SCRIPT = """
import json
import keras
from attention_book.registry import build_model
from attention_book.tasks import make_task

devices = keras.distribution.list_devices("cpu")
task = make_task("lag_retrieval", 24, 1, seed=0)
result = {"replicas": len(devices)}
for name, distribution in (("one", None), ("two", keras.distribution.DataParallel(devices=devices))):
    forecaster = build_model("lstm", task, seed=0, distribution=distribution, epochs=2).fit(task.train, task.val)
    history = forecaster.history.history
    result[name] = [history["loss"][0], history["val_loss"][0], history["loss"][1], history["val_loss"][1]]
print(json.dumps(result))
"""


def _run(script: str, **environment) -> dict:
    """The JSON line a script prints, run in a fresh interpreter with these environment variables."""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, check=False,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **environment})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def run():
    """The script's result, run once for the module (the TensorFlow backend)."""
    return _run(SCRIPT, KERAS_BACKEND="tensorflow")


def test_mirrored_over_two_devices_matches_one_device(run):
    """The same batches, split over two replicas whose gradients are summed, give the one-device losses up to
    float rounding: to 1e-4 after the first epoch; the second lets the rounding grow through 63 more updates."""
    assert run["replicas"] == 2
    np.testing.assert_allclose(run["two"][:2], run["one"][:2], rtol=1e-4)  # loss, val_loss of epoch 1
    np.testing.assert_allclose(run["two"][2:], run["one"][2:], rtol=1e-2)  # of epoch 2


@pytest.mark.skipif(importlib.util.find_spec("jax") is None,
                    reason="JAX is not installed here; the JAX environment of CI (make test-jax) runs this test")
def test_data_parallel_over_two_jax_devices_matches_one_device():
    run = _run(JAX_SCRIPT, KERAS_BACKEND="jax", XLA_FLAGS="--xla_force_host_platform_device_count=2")
    assert run["replicas"] == 2
    np.testing.assert_allclose(run["two"][:2], run["one"][:2], rtol=1e-4)
    np.testing.assert_allclose(run["two"][2:], run["one"][2:], rtol=1e-2)


def test_building_and_training_leave_the_process_seeds_and_op_determinism_alone(run):
    assert run["determinism"] is False
    assert run["python_random_untouched"]
    assert run["numpy_random_untouched"]
