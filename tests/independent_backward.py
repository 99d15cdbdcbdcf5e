"""The backward formulas written again, one scalar at a time with the math module and plain
loops: no NumPy or PyTorch vector code in common with the snippets. Used by
tests/test_formulas.py (INDEPENDENT), like the forward formulas' own independent checks."""

import math

import numpy as np


def _each(fn, *arrays):
    """fn applied to the scalars of equally shaped arrays."""
    flat = [np.broadcast_to(a, arrays[0].shape).ravel() for a in arrays]
    return np.array([fn(*values) for values in zip(*flat)]).reshape(arrays[0].shape)


def _transpose_product(da, weight):
    """Rows b of Σ_k da[b, k] * weight[k, j], i.e. W^T δa per batch row."""
    rows, cols = weight.shape
    return np.array([[sum(da[b, k] * weight[k, j] for k in range(rows)) for j in range(cols)]
                     for b in range(da.shape[0])])


def _weight_gradient(a):
    da, v = a["da"], a["v"]
    return np.array([[sum(da[n, k] * v[n, m] for n in range(da.shape[0])) for m in range(v.shape[1])]
                     for k in range(da.shape[1])])


def _clip(a):
    g = a["g"]
    norm = math.sqrt(sum(value * value for value in g.ravel()))
    scale = min(1.0, float(a["max_norm"]) / (norm + 1e-6))
    return _each(lambda value: value * scale, g)


def _blocks(weight, count):
    size = weight.shape[0] // count
    return [weight[k * size:(k + 1) * size] for k in range(count)]


def _lstm_jacobian(a):
    W_hi, W_hf, W_hg, W_ho = _blocks(a["weight_hh"], 4)
    batch, size = a["i_t"].shape
    out = np.zeros((batch, size, size))
    for b in range(batch):
        for k in range(size):
            i, f, g, o = (a[n][b, k] for n in ("i_t", "f_t", "g_t", "o_t"))
            c_prev, tc = a["c_prev"][b, k], math.tanh(a["c_t"][b, k])
            for j in range(size):
                dc = i * (1 - i) * g * W_hi[k, j] + f * (1 - f) * c_prev * W_hf[k, j] + i * (1 - g * g) * W_hg[k, j]
                out[b, k, j] = o * (1 - o) * tc * W_ho[k, j] + o * (1 - tc * tc) * dc
    return out


def _lstm_cell_jacobian(a):
    W_hi, W_hf, W_hg, _ = _blocks(a["weight_hh"], 4)
    batch, size = a["i_t"].shape
    out = np.zeros((batch, size, size))
    for b in range(batch):
        for k in range(size):
            i, f, g, c_prev = (a[n][b, k] for n in ("i_t", "f_t", "g_t", "c_prev"))
            for j in range(size):
                t = math.tanh(a["c_prev"][b, j])
                dh_dc = a["o_prev"][b, j] * (1 - t * t)
                dc = i * (1 - i) * g * W_hi[k, j] + f * (1 - f) * c_prev * W_hf[k, j] + i * (1 - g * g) * W_hg[k, j]
                out[b, k, j] = (f if k == j else 0.0) + dc * dh_dc
    return out


def _gru_jacobian(a):
    W_hr, W_hz, W_hn = _blocks(a["weight_hh"], 3)
    batch, size = a["z_t"].shape
    out = np.zeros((batch, size, size))
    for b in range(batch):
        for k in range(size):
            r, z, n, h, whn = (a[name][b, k] for name in ("r_t", "z_t", "n_t", "h_prev", "Wh_n"))
            for j in range(size):
                through_n = (1 - z) * (1 - n * n) * (r * W_hn[k, j] + r * (1 - r) * whn * W_hr[k, j])
                out[b, k, j] = (z if k == j else 0.0) + z * (1 - z) * (h - n) * W_hz[k, j] + through_n
    return out


INDEPENDENT_BACKWARD = {
    "tanh_backward": lambda a: _each(lambda y, d: d * (1 - math.pow(y, 2)), a["y"], a["dy"]),
    "sigmoid_backward": lambda a: _each(lambda s, d: d * s - d * s * s, a["s"], a["ds"]),
    "rnn_backward_hidden_state": lambda a: _transpose_product(a["da_t"], a["weight_hh"]),
    "linear_backward_weight": _weight_gradient,
    "clip_grad_norm": _clip,
    "lstm_backward_output_gate": lambda a: _each(lambda d, c: d * math.tanh(c), a["dh_t"], a["c_t"]),
    "lstm_backward_cell_state": lambda a: _each(lambda d, o, c, nxt: nxt + d * o / math.cosh(c) ** 2,
                                                a["dh_t"], a["o_t"], a["c_t"], a["dc_next"]),
    "lstm_backward_forget_gate": lambda a: _each(lambda d, c: d * c, a["dc_t"], a["c_prev"]),
    "lstm_backward_input_gate": lambda a: _each(lambda d, g: d * g, a["dc_t"], a["g_t"]),
    "lstm_backward_candidate": lambda a: _each(lambda d, i: d * i, a["dc_t"], a["i_t"]),
    "lstm_backward_cell_carry": lambda a: _each(lambda d, f: d * f, a["dc_t"], a["f_t"]),
    "lstm_backward_hidden_state": lambda a: _transpose_product(a["da_t"], a["weight_hh"]),
    "gru_backward_candidate": lambda a: _each(lambda d, z: d - z * d, a["dh_t"], a["z_t"]),
    "gru_backward_update_gate": lambda a: _each(lambda d, h, n: d * h - d * n, a["dh_t"], a["h_prev"], a["n_t"]),
    "gru_backward_reset_gate_after": lambda a: _each(lambda d, w: d * w, a["da_n"], a["Wh_n"]),
    "gru_backward_reset_gate_before": lambda a: a["h_prev"] * _transpose_product(a["da_n"], a["W_hn"]),
    "gru_backward_hidden_state": lambda a: (_each(lambda z, d: z * d, a["z_t"], a["dh_t"])
                                            + _transpose_product(a["da_h"], a["weight_hh"])),
    "lstm_jacobian": _lstm_jacobian,
    "lstm_cell_jacobian": _lstm_cell_jacobian,
    "gru_jacobian": _gru_jacobian,
}
