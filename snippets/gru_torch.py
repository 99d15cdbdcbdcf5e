# SPDX-License-Identifier: MIT-0
# Copyright 2026 The Gate by Gate authors
"""GRU in PyTorch, one function per formula — same names and math as gru_numpy.py.

Self-contained: needs only PyTorch. Runs on the device and in the dtype of its inputs
(CPU or CUDA, float32 or float64) and never copies data to the host; autograd works
through every function, so it can be trained. Parameters use the torch.nn.GRU layout,
so weights taken from a PyTorch model work unchanged:

    weight_ih (3H, D), weight_hh (3H, H), bias_ih (3H,), bias_hh (3H,)
    row blocks in the order r, z, n  (reset gate, update gate, candidate)

Shapes: B = batch, D = input features, H = hidden size, T = time steps.
Every function also accepts unbatched inputs (no B axis).

Each gate function takes the two terms of its pre-activation, already computed:
the input term W_i? x_t + b_i? and the recurrent term W_h? h_{t-1} + b_h?.
`gru_cell` and `gru` compute those terms for all blocks in one matrix product each.

Two candidate forms exist, and neither is simply "the original". reset_after=True (default)
is PyTorch's and cuDNN's, kept from the first version of Cho et al. (arXiv:1406.1078v1, 2014):
n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn)). reset_after=False is the form of the
paper's EMNLP 2014 version (arXiv v3), which moved the reset before the matrix:
n_t = tanh(W_in x_t + b_in + W_hn (r_t ⊙ h_{t-1}) + b_hn).
"""

import torch

BLOCKS = 3  # row blocks of weight_ih and weight_hh: r, z, n


# --8<-- [start:sigmoid]
def sigmoid(x):
    """Logistic function σ(x) = 1 / (1 + e^(-x)), elementwise, values in [0, 1]."""
    return torch.sigmoid(x)
# --8<-- [end:sigmoid]


# --8<-- [start:tanh]
def tanh(x):
    """Hyperbolic tangent tanh(x) = (e^x - e^(-x)) / (e^x + e^(-x)), values in [-1, 1]."""
    return torch.tanh(x)
# --8<-- [end:tanh]


# --8<-- [start:gru_reset_gate]
def gru_reset_gate(Wx_r, Wh_r):
    """Reset gate  r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr).

    Wx_r: (B, H) input term      W_ir x_t + b_ir
    Wh_r: (B, H) recurrent term  W_hr h_{t-1} + b_hr
    returns r_t: (B, H), how much of h_{t-1} the candidate may use (0 = none).
    """
    return sigmoid(Wx_r + Wh_r)
# --8<-- [end:gru_reset_gate]


# --8<-- [start:gru_update_gate]
def gru_update_gate(Wx_z, Wh_z):
    """Update gate  z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz).

    Wx_z: (B, H) input term      W_iz x_t + b_iz
    Wh_z: (B, H) recurrent term  W_hz h_{t-1} + b_hz
    returns z_t: (B, H), how much of h_{t-1} to keep (1 = keep, 0 = take n_t).
    """
    return sigmoid(Wx_z + Wh_z)
# --8<-- [end:gru_update_gate]


# --8<-- [start:gru_candidate_reset_after]
def gru_candidate_reset_after(Wx_n, r_t, Wh_n):
    """Candidate, reset after  n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn)).

    The form of PyTorch and cuDNN, kept from Cho et al., arXiv:1406.1078v1 (2014).

    Wx_n: (B, H) input term      W_in x_t + b_in
    r_t:  (B, H) reset gate
    Wh_n: (B, H) recurrent term  W_hn h_{t-1} + b_hn, computed before the reset
    returns n_t: (B, H) in (-1, 1)
    """
    return tanh(Wx_n + r_t * Wh_n)
# --8<-- [end:gru_candidate_reset_after]


# --8<-- [start:gru_candidate_reset_before]
def gru_candidate_reset_before(Wx_n, r_t, h_prev, W_hn, b_hn):
    """Candidate, reset before  n_t = tanh(W_in x_t + b_in + W_hn (r_t ⊙ h_{t-1}) + b_hn).

    The form of Cho et al.'s EMNLP 2014 version (arXiv:1406.1078v3), which moved the reset
    before the matrix; v1 had it after.

    Wx_n: (B, H) input term  W_in x_t + b_in
    r_t, h_prev: (B, H);  W_hn: (H, H);  b_hn: (H,)
    The reset applies to h_{t-1} before the product, so W_hn h_{t-1} cannot be shared
    with the gates' product: one more matrix product per step than reset-after.
    returns n_t: (B, H) in (-1, 1)
    """
    return tanh(Wx_n + (r_t * h_prev) @ W_hn.T + b_hn)
# --8<-- [end:gru_candidate_reset_before]


# --8<-- [start:gru_hidden_state]
def gru_hidden_state(z_t, n_t, h_prev):
    """Hidden state  h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}.

    z_t, n_t, h_prev: (B, H)  ->  h_t: (B, H)
    z_t = 1 keeps h_{t-1} unchanged; z_t = 0 replaces it by n_t.
    """
    return (1 - z_t) * n_t + z_t * h_prev
# --8<-- [end:gru_hidden_state]


# --8<-- [start:gru_step]
def gru_step(Wx, h_prev, weight_hh_T, bias_hh, reset_after=True):
    """One time step from the input terms Wx: (B, 3H) = x_t W_ih^T + b_ih, blocks r, z, n.

    h_prev: (B, H);  weight_hh_T: (H, 3H) = weight_hh transposed;  bias_hh: (3H,)
    returns h_t: (B, H)
    """
    H = h_prev.shape[-1]
    Wx_r, Wx_z, Wx_n = Wx.chunk(BLOCKS, dim=-1)
    if reset_after:
        Wh = h_prev @ weight_hh_T + bias_hh  # (B, 3H) recurrent terms of r, z, n
        Wh_r, Wh_z, Wh_n = Wh.chunk(BLOCKS, dim=-1)
    else:
        Wh = h_prev @ weight_hh_T[:, :2 * H] + bias_hh[:2 * H]  # (B, 2H): r and z only
        Wh_r, Wh_z = Wh.chunk(2, dim=-1)
    r_t = gru_reset_gate(Wx_r, Wh_r)
    z_t = gru_update_gate(Wx_z, Wh_z)
    if reset_after:
        n_t = gru_candidate_reset_after(Wx_n, r_t, Wh_n)
    else:
        W_hn, b_hn = weight_hh_T[:, 2 * H:].T, bias_hh[2 * H:]  # (H, H), (H,)
        n_t = gru_candidate_reset_before(Wx_n, r_t, h_prev, W_hn, b_hn)
    return gru_hidden_state(z_t, n_t, h_prev)
# --8<-- [end:gru_step]


# --8<-- [start:gru_cell]
def gru_cell(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh, reset_after=True):
    """One GRU step, like torch.nn.GRUCell (reset_after=True).

    x: (B, D) or (D,);  h_prev: (B, H) or (H,), or None for zeros
    weight_ih: (3H, D), weight_hh: (3H, H), bias_ih, bias_hh: (3H,)
    returns h: (B, H) or (H,)
    """
    H = _check_parameters(x, weight_ih, weight_hh, bias_ih, bias_hh)
    _check_rank("x", x, (1, 2))
    h_prev = _state_or_zeros("h_prev", h_prev, x.shape[:-1], H, x)
    Wx = x @ weight_ih.T + bias_ih  # (B, 3H) input terms of r, z, n
    return gru_step(Wx, h_prev, weight_hh.T, bias_hh, reset_after)
# --8<-- [end:gru_cell]


# --8<-- [start:gru]
def gru(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, reset_after=True):
    """A one-layer GRU over a sequence, like torch.nn.GRU (reset_after=True).

    x: (T, B, D) or (T, D);  h0: (B, H) or (H,), or None for zeros
    returns y: (T, B, H) or (T, H), the h_t of every step, and h_n, the last state
    """
    H = _check_parameters(x, weight_ih, weight_hh, bias_ih, bias_hh)
    _check_rank("x", x, (2, 3))
    h = _state_or_zeros("h0", h0, x.shape[1:-1], H, x)
    Wx_all = x @ weight_ih.T + bias_ih  # (T, B, 3H): one matrix product for all steps
    y = []
    for t in range(x.shape[0]):
        h = gru_step(Wx_all[t], h, weight_hh.T, bias_hh, reset_after)
        y.append(h)
    y = torch.stack(y) if y else x.new_empty(x.shape[:-1] + (H,))
    return y, h
# --8<-- [end:gru]


# Input checks: a wrong shape fails here, with a message, instead of deep inside a product.

def _check_parameters(x, weight_ih, weight_hh, bias_ih, bias_hh):
    """Check the four parameters against each other and x; return the hidden size H."""
    for name, array in (("x", x), ("weight_ih", weight_ih), ("weight_hh", weight_hh),
                        ("bias_ih", bias_ih), ("bias_hh", bias_hh)):
        _check_tensor(name, array, x)
    _check_rank("weight_ih", weight_ih, (2,))
    rows, D = weight_ih.shape
    if rows == 0 or rows % BLOCKS:
        raise ValueError(f"weight_ih has {rows} rows, expected a positive multiple of {BLOCKS} "
                         f"({BLOCKS} blocks x hidden size)")
    H = rows // BLOCKS
    for name, array, shape in (("weight_hh", weight_hh, (BLOCKS * H, H)),
                               ("bias_ih", bias_ih, (BLOCKS * H,)),
                               ("bias_hh", bias_hh, (BLOCKS * H,))):
        if tuple(array.shape) != shape:
            raise ValueError(f"{name} has shape {tuple(array.shape)} but expected {shape} "
                             f"for hidden size {H} (weight_ih is {tuple(weight_ih.shape)})")
    if x.ndim == 0 or x.shape[-1] != D:
        features = x.shape[-1] if x.ndim else 0
        raise ValueError(f"x has {features} features but weight_ih expects {D}")
    return H


def _check_tensor(name, array, x):
    if not isinstance(array, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(array).__name__}")
    if not array.is_floating_point():
        raise ValueError(f"{name} must hold floating-point numbers, got dtype {array.dtype}")
    if array.dtype != x.dtype:
        raise ValueError(f"{name} has dtype {array.dtype} but x has dtype {x.dtype}")
    if array.device != x.device:
        raise ValueError(f"{name} is on device {array.device} but x is on {x.device}")


def _check_rank(name, array, ranks):
    if array.ndim not in ranks:
        raise ValueError(f"{name} must have {' or '.join(map(str, ranks))} dimensions, "
                         f"got shape {tuple(array.shape)}")


def _state_or_zeros(name, state, batch, H, x):
    """Check a state of shape batch + (H,) on x's device and dtype; None gives zeros."""
    expected = tuple(batch) + (H,)
    if state is None:
        return x.new_zeros(expected)
    _check_tensor(name, state, x)
    if tuple(state.shape) != expected:
        raise ValueError(f"{name} has shape {tuple(state.shape)} but expected {expected}")
    return state
