# SPDX-License-Identifier: MIT-0
# Copyright 2026 The Gate by Gate authors
"""xLSTM's sLSTM and mLSTM in NumPy, one function per formula — the reference implementation.

Self-contained: needs only NumPy. Beck et al. (2024, "xLSTM: Extended Long Short-Term Memory",
arXiv:2405.04517) give the LSTM an exponential input gate i_t = exp(ĩ_t), a normaliser state n_t
and a stabiliser state m_t (sLSTM), and a matrix memory C_t written with keys and values and
read with a query (mLSTM). One head, time-major like the rest of the book.

    sLSTM   m_t = max(log f_t + m_{t-1}, ĩ_t),  i'_t = exp(ĩ_t - m_t),  f'_t = exp(log f_t + m_{t-1} - m_t)
            c_t = f'_t ⊙ c_{t-1} + i'_t ⊙ z_t,  n_t = f'_t ⊙ n_{t-1} + i'_t,  h_t = o_t ⊙ c_t / n_t
            with f_t = σ(f̃_t), z_t = tanh(z̃_t), o_t = σ(õ_t); ĩ, f̃, z̃, õ are pre-activations.
    mLSTM   C_t = f'_t C_{t-1} + i'_t v_t k_tᵀ,  n_t = f'_t n_{t-1} + i'_t k_t   (k_t scaled by 1/√D)
            h̃_t = C_t q_t / (max(|n_tᵀ q_t|, e^(-m_t)) + ε),  ε = 1e-6

The stabiliser m_t divides c_t and n_t (and C_t) by the same e^(m_t): h_t does not change, and
no exp() ever sees an argument above 0. An empty memory (states0 None, and the start of mlstm)
has m_0 = -inf, so m_1 = ĩ_1, as in the reference implementation (NX-AI/xlstm).
Shapes: T = time steps, B = batch, D = input features (mLSTM: head size), H = hidden size.
sLSTM weights use the LSTM's stacked layout: weight_ih (4H, D), weight_hh (4H, H), bias (4H,),
row blocks i, f, z, o. weight_hh is one full matrix: one head (xlstm's block-diagonal
recurrent matrix with a single block).
"""

import math

import numpy as np

__all__ = [
    "sigmoid", "log_sigmoid", "xlstm_input_gate_unstabilized", "xlstm_stabilizer", "xlstm_input_gate",
    "xlstm_forget_gate", "slstm_cell_state", "slstm_normalizer_state", "slstm_hidden_state",
    "slstm_step", "slstm_step_unstabilized", "slstm",
    "mlstm_memory", "mlstm_normalizer_state", "mlstm_hidden_state", "mlstm_step", "mlstm",
    "mlstm_decay_matrix", "mlstm_parallel",
]

EPS = 1e-6  # added to the mLSTM normaliser, as in the reference implementation
BLOCKS = 4  # row blocks of weight_ih and weight_hh: i, f, z, o


# --8<-- [start:sigmoid]
def sigmoid(x):
    """Logistic function σ(x) = 1 / (1 + e^(-x)), elementwise, values in [0, 1].

    Written as σ(x) = (1 + tanh(x / 2)) / 2, an exact identity that never overflows:
    no warning and no NaN even for x = ±1e4. Same shape and dtype as x.
    """
    return 0.5 * np.tanh(0.5 * x) + 0.5
# --8<-- [end:sigmoid]


# --8<-- [start:log_sigmoid]
def log_sigmoid(x):
    """log σ(x) = -log(1 + e^(-x)) = -softplus(-x), without forming σ(x).

    log(1 - σ(x)) = log σ(-x), so a gate and its complement both come from here.
    Exact for large |x|: log_sigmoid(-800) = -800, where log(sigmoid(-800)) = log(0) = -inf.
    """
    return -np.logaddexp(0, -x)
# --8<-- [end:log_sigmoid]


# --8<-- [start:xlstm_input_gate_unstabilized]
def xlstm_input_gate_unstabilized(pre_i):
    """Exponential input gate  i_t = exp(ĩ_t), as the paper first writes it: no upper bound.

    pre_i: ĩ_t, any shape -> i_t > 0. exp(89) already overflows float32 to inf; see slstm_step_unstabilized.
    """
    return np.exp(pre_i)
# --8<-- [end:xlstm_input_gate_unstabilized]


# --8<-- [start:xlstm_stabilizer]
def xlstm_stabilizer(log_f, pre_i, m_prev):
    """Stabiliser state  m_t = max(log f_t + m_{t-1}, ĩ_t): the log of the largest term so far.

    log_f: log f_t = log σ(f̃_t);  pre_i: ĩ_t;  m_prev: m_{t-1} (-inf for an empty memory)
    sLSTM: (B, H) each; mLSTM: (B,) each, one gate per head.
    """
    return np.maximum(log_f + m_prev, pre_i)
# --8<-- [end:xlstm_stabilizer]


# --8<-- [start:xlstm_input_gate]
def xlstm_input_gate(pre_i, m_t):
    """Stabilised input gate  i'_t = exp(ĩ_t - m_t) = i_t / e^(m_t), in (0, 1] since m_t >= ĩ_t."""
    return np.exp(pre_i - m_t)
# --8<-- [end:xlstm_input_gate]


# --8<-- [start:xlstm_forget_gate]
def xlstm_forget_gate(log_f, m_prev, m_t):
    """Stabilised forget gate  f'_t = exp(log f_t + m_{t-1} - m_t), in [0, 1] since m_t >= log f_t + m_{t-1}.

    It carries the change of scale from e^(m_{t-1}) to e^(m_t) along with f_t = σ(f̃_t).
    """
    return np.exp(log_f + m_prev - m_t)  # m_prev = -inf (empty memory) gives f'_t = 0
# --8<-- [end:xlstm_forget_gate]


# --8<-- [start:slstm_cell_state]
def slstm_cell_state(f_t, c_prev, i_t, z_t):
    """Cell state  c_t = f_t ⊙ c_{t-1} + i_t ⊙ z_t  (f_t, i_t: the stabilised gates; z_t = tanh(z̃_t)).

    f_t, c_prev, i_t, z_t: (B, H)  ->  c_t: (B, H), scaled by e^(-m_t)
    """
    return f_t * c_prev + i_t * z_t
# --8<-- [end:slstm_cell_state]


# --8<-- [start:slstm_normalizer_state]
def slstm_normalizer_state(f_t, n_prev, i_t):
    """Normaliser state  n_t = f_t ⊙ n_{t-1} + i_t: the same sum as c_t with every z_t = 1.

    f_t, n_prev, i_t: (B, H)  ->  n_t: (B, H) > 0, scaled by e^(-m_t) like c_t
    """
    return f_t * n_prev + i_t
# --8<-- [end:slstm_normalizer_state]


# --8<-- [start:slstm_hidden_state]
def slstm_hidden_state(o_t, c_t, n_t):
    """Hidden state  h_t = o_t ⊙ c_t / n_t: a weighted mean of the z_s, so |h_t| < 1.

    o_t, c_t, n_t: (B, H)  ->  h_t: (B, H). The common factor e^(-m_t) cancels here.
    """
    return o_t * c_t / n_t
# --8<-- [end:slstm_hidden_state]


# --8<-- [start:slstm_step]
def slstm_step(pre_i, pre_f, pre_z, pre_o, c_prev, n_prev, m_prev):
    """One sLSTM step from the pre-activations ĩ_t, f̃_t, z̃_t, õ_t (each W x_t + R h_{t-1} + b).

    all arguments (B, H); m_prev = -inf for an empty memory
    returns h_t, c_t, n_t, m_t: (B, H) each
    """
    log_f = log_sigmoid(pre_f)  # the forget gate σ(f̃_t), in log space
    m_t = xlstm_stabilizer(log_f, pre_i, m_prev)
    i_t = xlstm_input_gate(pre_i, m_t)
    f_t = xlstm_forget_gate(log_f, m_prev, m_t)
    c_t = slstm_cell_state(f_t, c_prev, i_t, np.tanh(pre_z))
    n_t = slstm_normalizer_state(f_t, n_prev, i_t)
    h_t = slstm_hidden_state(sigmoid(pre_o), c_t, n_t)
    return h_t, c_t, n_t, m_t
# --8<-- [end:slstm_step]


# --8<-- [start:slstm_step_unstabilized]
def slstm_step_unstabilized(pre_i, pre_f, pre_z, pre_o, c_prev, n_prev):
    """The same step without m_t: i_t = exp(ĩ_t), f_t = σ(f̃_t). Equal to slstm_step in exact
    arithmetic, but c_t and n_t grow like e^(ĩ): once exp overflows, h_t = inf / inf = NaN.

    all arguments (B, H)  ->  h_t, c_t, n_t: (B, H) each
    """
    i_t, f_t = xlstm_input_gate_unstabilized(pre_i), sigmoid(pre_f)
    c_t = slstm_cell_state(f_t, c_prev, i_t, np.tanh(pre_z))
    n_t = slstm_normalizer_state(f_t, n_prev, i_t)
    return slstm_hidden_state(sigmoid(pre_o), c_t, n_t), c_t, n_t
# --8<-- [end:slstm_step_unstabilized]


# --8<-- [start:slstm]
def slstm(x, states0, weight_ih, weight_hh, bias):
    """A one-head sLSTM layer over a sequence.

    x: (T, B, D) or (T, D);  states0: (h0, c0, n0, m0), each (B, H) or (H,), or None for an
    empty memory (h0 = c0 = n0 = 0, m0 = -inf)
    weight_ih: (4H, D), weight_hh: (4H, H), bias: (4H,); row blocks i, f, z, o
    returns y: (T, B, H) or (T, H), the h_t of every step, and (h_n, c_n, n_n, m_n)
    """
    H = _check_slstm_parameters(x, weight_ih, weight_hh, bias)
    h, c, n, m = _slstm_states(states0, x, H)
    Wx_all = x @ weight_ih.T + bias  # (T, B, 4H): the input terms of all steps at once
    y = np.empty(x.shape[:-1] + (H,), dtype=x.dtype)
    for t, Wx_t in enumerate(Wx_all):
        pre = Wx_t + h @ weight_hh.T  # (B, 4H): the recurrent term needs h_{t-1}
        pre_i, pre_f, pre_z, pre_o = np.split(pre, BLOCKS, axis=-1)
        h, c, n, m = slstm_step(pre_i, pre_f, pre_z, pre_o, c, n, m)
        y[t] = h
    return y, (h, c, n, m)
# --8<-- [end:slstm]


# --8<-- [start:mlstm_memory]
def mlstm_memory(f_gate, C_prev, i_gate, v_t, k_t):
    """Matrix memory  C_t = f'_t C_{t-1} + i'_t v_t k_tᵀ: write value v_t under key k_t.

    f_gate, i_gate: (B,) stabilised gates, one per head;  C_prev: (B, D, D);  v_t, k_t: (B, D)
    returns C_t: (B, D, D). Reading C_t q = Σ_s (weight_s) v_s (k_sᵀ q): the values whose keys match q.
    """
    return f_gate[:, None, None] * C_prev + i_gate[:, None, None] * (v_t[:, :, None] * k_t[:, None, :])
# --8<-- [end:mlstm_memory]


# --8<-- [start:mlstm_normalizer_state]
def mlstm_normalizer_state(f_gate, n_prev, i_gate, k_t):
    """Normaliser state  n_t = f'_t n_{t-1} + i'_t k_t: the keys written so far, with their weights.

    f_gate, i_gate: (B,);  n_prev, k_t: (B, D)  ->  n_t: (B, D)
    """
    return f_gate[:, None] * n_prev + i_gate[:, None] * k_t
# --8<-- [end:mlstm_normalizer_state]


# --8<-- [start:mlstm_hidden_state]
def mlstm_hidden_state(C_t, n_t, q_t, m_t):
    """Read with the query  h̃_t = C_t q_t / (max(|n_tᵀ q_t|, e^(-m_t)) + ε),  ε = 1e-6.

    C_t: (B, D, D);  n_t, q_t: (B, D);  m_t: (B,)  ->  h̃_t: (B, D)
    With the stabiliser, e^(-m_t) plays the part of the paper's lower bound 1.
    """
    numerator = np.einsum("bij,bj->bi", C_t, q_t)  # C_t q_t
    denominator = np.maximum(np.abs(np.einsum("bj,bj->b", n_t, q_t)), np.exp(-m_t)) + EPS
    return numerator / denominator[:, None]
# --8<-- [end:mlstm_hidden_state]


# --8<-- [start:mlstm_step]
def mlstm_step(q_t, k_t, v_t, pre_i, pre_f, C_prev, n_prev, m_prev):
    """One mLSTM step (one head, no output gate: the layer applies o_t outside, as xlstm does).

    q_t, k_t, v_t: (B, D);  pre_i, pre_f: (B,);  C_prev: (B, D, D);  n_prev: (B, D);  m_prev: (B,)
    returns h̃_t: (B, D), C_t: (B, D, D), n_t: (B, D), m_t: (B,)
    """
    k_t = k_t / math.sqrt(k_t.shape[-1])  # keys scaled by 1/√D
    log_f = log_sigmoid(pre_f)
    m_t = xlstm_stabilizer(log_f, pre_i, m_prev)
    i_gate = xlstm_input_gate(pre_i, m_t)
    f_gate = xlstm_forget_gate(log_f, m_prev, m_t)
    C_t = mlstm_memory(f_gate, C_prev, i_gate, v_t, k_t)
    n_t = mlstm_normalizer_state(f_gate, n_prev, i_gate, k_t)
    return mlstm_hidden_state(C_t, n_t, q_t, m_t), C_t, n_t, m_t
# --8<-- [end:mlstm_step]


# --8<-- [start:mlstm]
def mlstm(q, k, v, pre_i, pre_f):
    """The mLSTM over a sequence, recurrent form: one step at a time from an empty memory.

    q, k, v: (T, B, D);  pre_i, pre_f: (T, B)  ->  h̃: (T, B, D)
    """
    _check_mlstm(q, k, v, pre_i, pre_f)
    B, D = q.shape[1:]
    C = np.zeros((B, D, D), dtype=q.dtype)
    n = np.zeros((B, D), dtype=q.dtype)
    m = np.full((B,), -np.inf, dtype=q.dtype)  # an empty memory has no scale yet
    h = np.empty_like(q)
    for t, (q_t, k_t, v_t, pre_i_t, pre_f_t) in enumerate(zip(q, k, v, pre_i, pre_f)):
        h[t], C, n, m = mlstm_step(q_t, k_t, v_t, pre_i_t, pre_f_t, C, n, m)
    return h
# --8<-- [end:mlstm]


# --8<-- [start:mlstm_decay_matrix]
def mlstm_decay_matrix(log_f, pre_i):
    """Gate matrix of the parallel form  log D_ts = Σ_{s<j<=t} log f_j + ĩ_s  for s <= t, -inf above.

    log_f, pre_i: (T, B)  ->  log D: (B, T, T). Row t weighs the writes s <= t that step t still
    remembers: ĩ_s when it was written, times every forget gate since.
    """
    F = np.cumsum(log_f, axis=0).T  # (B, T): Σ_{j<=t} log f_j
    T = F.shape[-1]
    log_D = F[:, :, None] - F[:, None, :] + pre_i.T[:, None, :]  # (B, T, T): [b, t, s]
    return np.where(np.tril(np.ones((T, T), dtype=bool)), log_D, -np.inf)
# --8<-- [end:mlstm_decay_matrix]


# --8<-- [start:mlstm_parallel]
def mlstm_parallel(q, k, v, pre_i, pre_f):
    """The mLSTM over a sequence, parallel form: like causal attention with a gate matrix D.

    q, k, v: (T, B, D);  pre_i, pre_f: (T, B)  ->  h̃: (T, B, D), equal to mlstm's
    h̃_t = Σ_s C̃_ts v_s / (max(|Σ_s C̃_ts|, e^(-m_t)) + ε),  C̃_ts = (q_tᵀ k_s / √D) e^(log D_ts - m_t),
    m_t = max_s log D_ts: the row maximum is the recurrent form's stabiliser.
    """
    _check_mlstm(q, k, v, pre_i, pre_f)
    log_D = mlstm_decay_matrix(log_sigmoid(pre_f), pre_i)  # (B, T, T)
    m = log_D.max(axis=-1, keepdims=True)  # (B, T, 1)
    scores = np.einsum("tbd,sbd->bts", q, k) / math.sqrt(q.shape[-1])  # (B, T, T): q_tᵀ k_s / √D
    C = scores * np.exp(log_D - m)  # (B, T, T); exp(-inf) = 0 above the diagonal
    normalizer = np.maximum(np.abs(C.sum(axis=-1, keepdims=True)), np.exp(-m)) + EPS  # (B, T, 1)
    return np.einsum("bts,sbd->tbd", C / normalizer, v)
# --8<-- [end:mlstm_parallel]


# Input checks: a wrong shape fails here, with a message, instead of deep inside a product.

def _check_array(name, array, x):
    if not isinstance(array, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(array).__name__}")
    if not np.issubdtype(array.dtype, np.floating):
        raise ValueError(f"{name} must hold floating-point numbers, got dtype {array.dtype}")
    if array.dtype != x.dtype:
        raise ValueError(f"{name} has dtype {array.dtype} but x has dtype {x.dtype}")


def _check_slstm_parameters(x, weight_ih, weight_hh, bias):
    """Check x and the stacked sLSTM parameters; return the hidden size H."""
    for name, array in (("x", x), ("weight_ih", weight_ih), ("weight_hh", weight_hh), ("bias", bias)):
        _check_array(name, array, x)
    if x.ndim not in (2, 3):
        raise ValueError(f"x must have 2 or 3 dimensions (T, B, D) or (T, D), got shape {x.shape}")
    if weight_ih.ndim != 2 or weight_ih.shape[0] == 0 or weight_ih.shape[0] % BLOCKS:
        raise ValueError(f"weight_ih has shape {weight_ih.shape}, expected (4H, D): blocks i, f, z, o")
    H = weight_ih.shape[0] // BLOCKS
    if weight_ih.shape[1] != x.shape[-1]:
        raise ValueError(f"x has {x.shape[-1]} features but weight_ih expects {weight_ih.shape[1]}")
    for name, array, shape in (("weight_hh", weight_hh, (BLOCKS * H, H)), ("bias", bias, (BLOCKS * H,))):
        if array.shape != shape:
            raise ValueError(f"{name} has shape {array.shape} but expected {shape} for hidden size {H}")
    return H


def _slstm_states(states0, x, H):
    """(h, c, n, m) checked against x; None gives an empty memory (zeros, and m = -inf)."""
    batch = x.shape[1:-1] + (H,)
    if states0 is None:
        zeros = np.zeros(batch, dtype=x.dtype)
        return zeros, zeros, zeros, np.full(batch, -np.inf, dtype=x.dtype)
    if len(states0) != 4:
        raise ValueError(f"states0 must be (h0, c0, n0, m0), got {len(states0)} arrays")
    for name, state in zip(("h0", "c0", "n0", "m0"), states0):
        _check_array(name, state, x)
        if state.shape != batch:
            raise ValueError(f"{name} has shape {state.shape} but expected {batch}")
    return tuple(states0)


def _check_mlstm(q, k, v, pre_i, pre_f):
    for name, array in (("q", q), ("k", k), ("v", v), ("pre_i", pre_i), ("pre_f", pre_f)):
        _check_array(name, array, q)
    if q.ndim != 3:
        raise ValueError(f"q must have 3 dimensions (T, B, D), got shape {q.shape}")
    for name, array, shape in (("k", k, q.shape), ("v", v, q.shape), ("pre_i", pre_i, q.shape[:2]),
                               ("pre_f", pre_f, q.shape[:2])):
        if array.shape != shape:
            raise ValueError(f"{name} has shape {array.shape} but expected {shape}")
