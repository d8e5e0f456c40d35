"""Numpy references shared by the tests: each formula of the book written once, in float64, step by step.

The layers of the package are checked against these with the same weights; the references use nothing but numpy.
"""

from __future__ import annotations

import numpy as np


def rand(shape, seed=0, scale=1.0):
    """Standard normal float32 numbers, from their own generator."""
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(scores, mask=None):
    """Softmax over the last axis; positions where ``mask`` is False get weight 0, and a row with nothing allowed
    gets all-zero weights."""
    scores = np.asarray(scores, np.float64)
    mask = np.ones(scores.shape, bool) if mask is None else np.broadcast_to(mask, scores.shape)
    shifted = np.where(mask, scores - np.where(mask, scores, -np.inf).max(axis=-1, keepdims=True), -np.inf)
    with np.errstate(invalid="ignore"):
        exps = np.where(mask, np.exp(shifted), 0.0)
        total = exps.sum(axis=-1, keepdims=True)
    return np.where(total > 0, exps / np.where(total > 0, total, 1), 0.0)


def attention_scores(kind, values, query, weights=()):
    """The four scores for values (B, T, d_v) and queries (B, Tq, d_q): (B, Tq, T).

    ``weights``: () for dot and scaled_dot, (W,) for general, (W_1, W_2, w) for additive."""
    if kind == "dot":
        return np.einsum("bid,bqd->bqi", values, query)
    if kind == "scaled_dot":
        return np.einsum("bid,bqd->bqi", values, query) / np.sqrt(values.shape[-1])
    if kind == "general":
        (kernel,) = weights
        return np.einsum("bid,de,bqe->bqi", values, kernel, query)
    if kind == "additive":
        w1, w2, w = weights
        hidden = np.tanh((values @ w1)[:, None, :, :] + (query @ w2)[:, :, None, :])
        return (hidden @ w).reshape(hidden.shape[:3])
    raise ValueError(f"kind: unknown score {kind!r}")


def additive_scores(values, query, weights):
    """Bahdanau's score for one query per batch item, with the package's weight names: values (B, T, d),
    query (B, d_q) -> (B, T)."""
    kernels = (weights["score/values_kernel"], weights["score/query_kernel"], weights["score/score_vector"])
    return attention_scores("additive", values, query[:, None], kernels)[:, 0]


def lstm_step(inputs, hidden, carry, kernel, recurrent_kernel, bias):
    """One LSTM step with Keras' gate order (input, forget, candidate, output): ``(hidden, carry)``."""
    z = inputs @ kernel + hidden @ recurrent_kernel + bias
    i, f, candidate, o = np.split(z, 4, axis=-1)
    carry = sigmoid(f) * carry + sigmoid(i) * np.tanh(candidate)
    return sigmoid(o) * np.tanh(carry), carry


def gru(inputs, kernel, recurrent_kernel, bias):
    """Keras' GRU (gates update, reset, candidate; ``reset_after``: the reset gate scales U h + b_h) over
    (B, T, C): the states (B, T, d). ``bias`` is (2, 3d): the input bias and the recurrent bias."""
    units = recurrent_kernel.shape[0]
    state, states = np.zeros((inputs.shape[0], units)), []
    for t in range(inputs.shape[1]):
        x = inputs[:, t] @ kernel + bias[0]
        h = state @ recurrent_kernel + bias[1]
        z, r = sigmoid(x[:, :units] + h[:, :units]), sigmoid(x[:, units:2 * units] + h[:, units:2 * units])
        candidate = np.tanh(x[:, 2 * units:] + r * h[:, 2 * units:])
        state = z * state + (1 - z) * candidate
        states.append(state)
    return np.stack(states, axis=1)


def attention_rnn(inputs, input_kernel, recurrent_kernel, bias, general_kernel=None):
    """The RNN that attends over its own past, step by step: (B, T, C) -> states (B, T, d), weights (B, T, T).

    The scaled dot score, or the general one when ``general_kernel`` is given."""
    batch, length, _ = inputs.shape
    units = input_kernel.shape[1]
    states = np.zeros((batch, length, units))
    weights = np.zeros((batch, length, length))
    state = np.zeros((batch, units))
    for t in range(length):
        context = np.zeros((batch, units))
        if t > 0:
            earlier = states[:, :t]  # (B, t, d)
            kind, kernels = ("scaled_dot", ()) if general_kernel is None else ("general", (general_kernel,))
            p = softmax(attention_scores(kind, earlier, state[:, None], kernels))[:, 0]
            weights[:, t, :t] = p
            context = np.einsum("bi,bid->bd", p, earlier)
        joined = np.concatenate([state, context], axis=1)
        state = np.tanh(inputs[:, t] @ input_kernel + joined @ recurrent_kernel + bias)
        states[:, t] = state
    return states, weights


def entity_memory(inputs, keys, content_kernel, key_kernel, input_kernel, bias):
    """The entity network's memory updates step by step: inputs (B, T, d) -> (memories (B, M, d), gates (B, T, M))."""
    inputs = np.asarray(inputs, np.float64)
    memories = np.broadcast_to(keys, (inputs.shape[0], *keys.shape)).astype(np.float64)
    gates = []
    for t in range(inputs.shape[1]):
        s = inputs[:, t]
        g = sigmoid(np.einsum("bmd,bd->bm", memories, s) + s @ keys.T + bias)
        c = np.tanh(memories @ content_kernel + (keys @ key_kernel)[None] + (s @ input_kernel)[:, None])
        memories = memories + g[..., None] * c
        memories = memories / np.linalg.norm(memories, axis=-1, keepdims=True)
        gates.append(g)
    return memories, np.stack(gates, axis=1)


def layer_norm(x, gamma, beta, epsilon=1e-6):
    """LayerNorm over the last axis, with scale ``gamma`` and offset ``beta``."""
    return (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + epsilon) * gamma + beta


def instance_norm(window, epsilon=1e-5, center="mean", scale=True):
    """Each channel of each window moved to level 0 (its mean or last value over the time steps) and, with
    ``scale``, divided by its standard deviation: (B, L, C) -> (normalised, level, spread)."""
    level = window.mean(axis=1, keepdims=True) if center == "mean" else window[:, -1:, :]
    spread = np.sqrt(window.var(axis=1, keepdims=True) + epsilon) if scale else np.ones_like(level)
    return (window - level) / spread, level, spread


def multi_head_attention(query, value, w):
    """Self- or cross-attention with h heads; ``w`` holds the kernels and biases of
    :class:`~attention_book.transformer.MultiHeadAttention` by name. Returns (B, Tq, d) and the weights
    (B, h, Tq, Tk)."""
    def project(x, name):
        return np.einsum("btd,dhk->bhtk", x, w[f"{name}_kernel"]) + w[f"{name}_bias"][None, :, None, :]

    q, k, v = project(query, "query"), project(value, "key"), project(value, "value")
    p = softmax(np.einsum("bhqk,bhtk->bhqt", q, k) / np.sqrt(q.shape[-1]))
    heads = np.einsum("bhqt,bhtk->bhqk", p, v)
    return np.einsum("bhqk,hkd->bqd", heads, w["output_kernel"]) + w["output_bias"], p


def encoder_block(x, w):
    """The pre-LayerNorm encoder block: x + MHA(LN(x)), then + FeedForward(LN(x)). ``w``: "attention_norm",
    "feed_forward_norm" (gamma, beta), "attention" (see :func:`multi_head_attention`), "hidden", "back"
    (kernel, bias). Returns the outputs and the attention weights."""
    normed = layer_norm(x, *w["attention_norm"])
    attended, p = multi_head_attention(normed, normed, w["attention"])
    x = x + attended
    hidden = np.maximum(layer_norm(x, *w["feed_forward_norm"]) @ w["hidden"][0] + w["hidden"][1], 0)
    return x + hidden @ w["back"][0] + w["back"][1], p
