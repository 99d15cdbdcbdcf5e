"""The formulas of the part "Gates after 2017" (minGRU, minLSTM, xLSTM) written again, one
scalar at a time with the math module and plain loops: no NumPy or PyTorch vector code in
common with the snippets. Used by tests/test_formulas.py (INDEPENDENT)."""

import math

import numpy as np


def _each(fn, *arrays):
    """fn applied to the scalars of equally shaped arrays (later ones broadcast to the first)."""
    flat = [np.broadcast_to(a, arrays[0].shape).ravel() for a in arrays]
    return np.array([fn(*values) for values in zip(*flat)]).reshape(arrays[0].shape)


def _sigmoid(v):
    return 1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))


def _log_sigmoid(v):
    return -math.log1p(math.exp(-v)) if v >= 0 else v - math.log1p(math.exp(v))


def _linear(x, weight, bias):
    """Rows b of Σ_k weight[j, k] x[b, k] + bias[j]."""
    return np.array([[sum(weight[j, k] * x[b, k] for k in range(weight.shape[1])) + bias[j]
                      for j in range(weight.shape[0])] for b in range(x.shape[0])])


def _g(v):
    return v + 0.5 if v >= 0 else _sigmoid(v)


def _scan(a, b, h0):
    """h_t = a_t h_{t-1} + b_t, one step at a time, along axis 0."""
    h, out = h0.astype(float).copy(), np.empty(a.shape)
    for t in range(a.shape[0]):
        h = np.array([a[t].ravel()[j] * h.ravel()[j] + b[t].ravel()[j] for j in range(h.size)]).reshape(h.shape)
        out[t] = h
    return out


INDEPENDENT_MODERN = {
    "log_sigmoid": lambda a: _each(_log_sigmoid, a["x"]),
    "mingru_update_gate": lambda a: _each(_sigmoid, _linear(a["x_t"], a["weight_z"], a["bias_z"])),
    "minrnn_candidate": lambda a: _linear(a["x_t"], a["weight_h"], a["bias_h"]),
    "mingru_hidden_state": lambda a: _each(lambda z, n, h: (1 - z) * h + z * n, a["z_t"], a["h_tilde"], a["h_prev"]),
    "minlstm_forget_gate": lambda a: _each(_sigmoid, _linear(a["x_t"], a["weight_f"], a["bias_f"])),
    "minlstm_input_gate": lambda a: _each(_sigmoid, _linear(a["x_t"], a["weight_i"], a["bias_i"])),
    "minlstm_forget_normalized": lambda a: _each(lambda f, i: f / (f + i), a["f_t"], a["i_t"]),
    "minlstm_input_normalized": lambda a: _each(lambda f, i: i / (f + i), a["f_t"], a["i_t"]),
    "minlstm_hidden_state": lambda a: _each(lambda f, i, n, h: f * h + i * n,
                                            a["f_prime"], a["i_prime"], a["h_tilde"], a["h_prev"]),
    "minrnn_scan": lambda a: _scan(a["a"], a["b"], a["h0"]),
    "minrnn_g": lambda a: _each(_g, a["x"]),
    "minrnn_log_g": lambda a: _each(lambda v: math.log(_g(v)), a["x"]),
    "minrnn_scan_log": lambda a: _scan(np.exp(a["log_a"]), np.exp(a["log_b"]), np.exp(a["log_h0"])),
}
