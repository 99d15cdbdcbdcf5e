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


def _mlstm_read(a):
    out = np.empty(a["q_t"].shape)
    for b in range(a["q_t"].shape[0]):
        C, n, q = a["C_t"][b], a["n_t"][b], a["q_t"][b]
        dot = sum(n[j] * q[j] for j in range(len(q)))
        denominator = max(abs(dot), math.exp(-a["m_t"][b])) + 1e-6
        out[b] = [sum(C[i, j] * q[j] for j in range(len(q))) / denominator for i in range(len(q))]
    return out


def decay_matrix(log_f, pre_i):
    """log D of the mLSTM's parallel form, one entry at a time (tests/test_xlstm.py)."""
    return _decay({"log_f": log_f, "pre_i": pre_i})


def _decay(a):
    T, B = a["log_f"].shape
    out = np.full((B, T, T), -np.inf)
    for b in range(B):
        for t in range(T):
            for s in range(t + 1):
                out[b, t, s] = sum(a["log_f"][j, b] for j in range(s + 1, t + 1)) + a["pre_i"][s, b]
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
    "xlstm_input_gate_unstabilized": lambda a: _each(math.exp, a["pre_i"]),
    "xlstm_stabilizer": lambda a: _each(lambda lf, i, m: max(lf + m, i), a["log_f"], a["pre_i"], a["m_prev"]),
    "xlstm_input_gate": lambda a: _each(lambda i, m: math.exp(i - m), a["pre_i"], a["m_t"]),
    "xlstm_forget_gate": lambda a: _each(lambda lf, mp, m: math.exp(lf + mp - m), a["log_f"], a["m_prev"], a["m_t"]),
    "slstm_cell_state": lambda a: _each(lambda f, c, i, z: f * c + i * z, a["f_t"], a["c_prev"], a["i_t"], a["z_t"]),
    "slstm_normalizer_state": lambda a: _each(lambda f, n, i: f * n + i, a["f_t"], a["n_prev"], a["i_t"]),
    "slstm_hidden_state": lambda a: _each(lambda o, c, n: o * c / n, a["o_t"], a["c_t"], a["n_t"]),
    "mlstm_memory": lambda a: np.array([[[a["f_gate"][b] * a["C_prev"][b, i, j] + a["i_gate"][b] * a["v_t"][b, i]
                                          * a["k_t"][b, j] for j in range(a["k_t"].shape[1])]
                                         for i in range(a["v_t"].shape[1])] for b in range(a["v_t"].shape[0])]),
    "mlstm_normalizer_state": lambda a: np.array([[a["f_gate"][b] * a["n_prev"][b, j] + a["i_gate"][b] * a["k_t"][b, j]
                                                   for j in range(a["k_t"].shape[1])] for b in range(a["k_t"].shape[0])]),
    "mlstm_hidden_state": _mlstm_read,
}
