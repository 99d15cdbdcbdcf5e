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
On a GPU, gru_graphed (CUDA graphs) and gru_compiled (torch.compile) run the same gru
with far fewer kernel launches: see "Fast paths on a GPU", after the layers.

Each gate function takes the two terms of its pre-activation, already computed:
the input term W_i? x_t + b_i? and the recurrent term W_h? h_{t-1} + b_h?.
`gru_cell` and `gru` compute those terms for all blocks in one matrix product each.

Two candidate forms exist, and neither is simply "the original". reset_after=True (default)
is PyTorch's and cuDNN's, kept from the first version of Cho et al. (arXiv:1406.1078v1, 2014):
n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn)). reset_after=False is the form of the
paper's EMNLP 2014 version (arXiv v3), which moved the reset before the matrix:
n_t = tanh(W_in x_t + b_in + W_hn (r_t ⊙ h_{t-1}) + b_hn).
"""

import re
import warnings
from collections.abc import Mapping

import torch

# What `from gru_torch import *` gives: the book's functions, not np/torch or the helpers.
__all__ = [
    "sigmoid", "tanh", "gru_reset_gate", "gru_update_gate", "gru_candidate_reset_after",
    "gru_candidate_reset_before", "gru_hidden_state", "gru_step", "gru_cell", "gru", "sigmoid_backward",
    "tanh_backward", "gru_backward_candidate", "gru_backward_update_gate", "gru_backward_reset_gate_after",
    "gru_backward_reset_gate_before", "gru_backward_hidden_state", "linear_backward_weight",
    "gru_step_forward", "gru_step_backward", "gru_backward", "gru_jacobian", "GRUFunction", "gru_direction",
    "gru_layers", "gru_from_keras", "gru_to_keras", "gru_graphed", "gru_compiled"
]

BLOCKS = 3  # row blocks of weight_ih and weight_hh: r, z, n
CONVERTERS = "gru_from_keras"  # for weights in the x W layout (Keras/TensorFlow, CS231n)


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
    (h_n is (B, H); nn.GRU gives (1, B, H), one row per layer: gru_layers gives that.
    A state_dict's names end in _l0: pass it to gru_layers, not to gru(**state_dict).)
    """
    H = _check_parameters(x, weight_ih, weight_hh, bias_ih, bias_hh)
    _check_rank("x", x, (2, 3))
    h = _state_or_zeros("h0", h0, x.shape[1:-1], H, x)
    Wx_all = x @ weight_ih.T + bias_ih  # (T, B, 3H): one matrix product for all steps
    y = []
    for Wx_t in Wx_all.unbind(0):  # the steps' views; Wx_all[t] would cost a full-size gradient per step
        h = gru_step(Wx_t, h, weight_hh.T, bias_hh, reset_after)
        y.append(h)
    y = torch.stack(y) if y else x.new_empty(x.shape[:-1] + (H,))
    return y, h
# --8<-- [end:gru]


# Backward pass: the gradients of a loss L, written δv = ∂L/∂v (code: dv), one formula each.
# Two pre-activation gradients per step: δa^x_t of the input terms W_ih x_t + b_ih and
# δa^h_t of the recurrent terms W_hh h_{t-1} + b_hh (blocks r, z, n). For r and z they are
# equal; for n they differ, because r_t multiplies the recurrent term (or h_{t-1}).

# --8<-- [start:sigmoid_backward]
def sigmoid_backward(s, ds):
    """Through s = σ(a):  δa = s ⊙ (1 - s) ⊙ δs   (σ' = σ(1 - σ), from the output s).

    s: (B, H) the gate value;  ds: (B, H) its gradient  ->  δa: (B, H)
    """
    return s * (1 - s) * ds
# --8<-- [end:sigmoid_backward]


# --8<-- [start:tanh_backward]
def tanh_backward(y, dy):
    """Through y = tanh(a):  δa = (1 - y ⊙ y) ⊙ δy   (tanh' = 1 - tanh², from the output y).

    y: (B, H) the tanh output;  dy: (B, H) its gradient  ->  δa: (B, H)
    """
    return (1 - y * y) * dy
# --8<-- [end:tanh_backward]


# --8<-- [start:gru_backward_candidate]
def gru_backward_candidate(dh_t, z_t):
    """Candidate, from h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}:  δn_t = (1 - z_t) ⊙ δh_t.

    dh_t, z_t: (B, H)  ->  δn_t: (B, H)
    """
    return (1 - z_t) * dh_t
# --8<-- [end:gru_backward_candidate]


# --8<-- [start:gru_backward_update_gate]
def gru_backward_update_gate(dh_t, h_prev, n_t):
    """Update gate:  δz_t = (h_{t-1} - n_t) ⊙ δh_t.

    dh_t, h_prev, n_t: (B, H)  ->  δz_t: (B, H)
    """
    return (h_prev - n_t) * dh_t
# --8<-- [end:gru_backward_update_gate]


# --8<-- [start:gru_backward_reset_gate_after]
def gru_backward_reset_gate_after(da_n, Wh_n):
    """Reset gate, reset after the product (PyTorch):  δr_t = δa^n_t ⊙ (W_hn h_{t-1} + b_hn).

    da_n: (B, H) gradient of n_t's pre-activation;  Wh_n: (B, H) the recurrent term W_hn h_{t-1} + b_hn
    returns δr_t: (B, H)
    """
    return da_n * Wh_n
# --8<-- [end:gru_backward_reset_gate_after]


# --8<-- [start:gru_backward_reset_gate_before]
def gru_backward_reset_gate_before(da_n, h_prev, W_hn):
    """Reset gate, reset before the product (Cho et al., EMNLP 2014, arXiv v3):
    δr_t = h_{t-1} ⊙ (W_hn^T δa^n_t).

    da_n, h_prev: (B, H);  W_hn: (H, H)  ->  δr_t: (B, H)
    """
    return h_prev * (da_n @ W_hn)
# --8<-- [end:gru_backward_reset_gate_before]


# --8<-- [start:gru_backward_hidden_state]
def gru_backward_hidden_state(dh_t, z_t, da_h, weight_hh):
    """What step t hands back to h_{t-1}:  δh_{t-1}^next = z_t ⊙ δh_t + W_hh^T δa^h_t.

    dh_t, z_t: (B, H);  da_h: (B, 3H) gradients of the recurrent terms, blocks r, z, n;
    weight_hh: (3H, H). The first term is the direct path of the update gate.
    returns (B, H); the full δh_{t-1} adds δy_{t-1}, the gradient of the output y_{t-1}.
    """
    return z_t * dh_t + da_h @ weight_hh
# --8<-- [end:gru_backward_hidden_state]


# --8<-- [start:linear_backward_weight]
def linear_backward_weight(da, v):
    """Gradient of a weight W in a = W v + ...:  δW = Σ δa v^T, summed over the batch (and time).

    da: (N, K) gradients of a;  v: (N, M) the vectors W multiplied (x_t for W_ih, h_{t-1} for W_hh)
    returns δW: (K, M). The biases get Σ δa (the same sum without v).
    """
    return da.T @ v
# --8<-- [end:linear_backward_weight]


# --8<-- [start:gru_step_forward]
def gru_step_forward(Wx, h_prev, weight_hh, bias_hh, reset_after=True):
    """gru_step that also returns the cache its backward needs.

    Wx: (B, 3H) input terms x_t W_ih^T + b_ih, blocks r, z, n;  h_prev: (B, H)
    weight_hh: (3H, H), torch.nn's layout (gru_step takes it transposed);  bias_hh: (3H,)
    returns h_t: (B, H) and the cache: the step's input, gates, weights and reset_after, all that
    gru_step_backward needs for the gradient of every argument (Wh_n is None when reset_after=False)
    """
    _check_step(Wx, {"h_prev": h_prev}, weight_hh, bias_hh)
    _check_reset_after("gru_step_forward", reset_after)
    H = h_prev.shape[-1]
    Wx_r, Wx_z, Wx_n = Wx.chunk(BLOCKS, dim=-1)
    if reset_after:
        Wh = h_prev @ weight_hh.T + bias_hh  # (B, 3H) recurrent terms of r, z, n
        Wh_r, Wh_z, Wh_n = Wh.chunk(BLOCKS, dim=-1)
    else:
        Wh = h_prev @ weight_hh[:2 * H].T + bias_hh[:2 * H]  # (B, 2H): r and z only
        (Wh_r, Wh_z), Wh_n = Wh.chunk(2, dim=-1), None
    r_t = gru_reset_gate(Wx_r, Wh_r)
    z_t = gru_update_gate(Wx_z, Wh_z)
    if reset_after:
        n_t = gru_candidate_reset_after(Wx_n, r_t, Wh_n)
    else:
        n_t = gru_candidate_reset_before(Wx_n, r_t, h_prev, weight_hh[2 * H:], bias_hh[2 * H:])
    cache = {"h_prev": h_prev, "r_t": r_t, "z_t": z_t, "n_t": n_t, "Wh_n": Wh_n, "weight_hh": weight_hh,
             "reset_after": reset_after}
    return gru_hidden_state(z_t, n_t, h_prev), cache
# --8<-- [end:gru_step_forward]


# --8<-- [start:gru_step_backward]
def gru_step_backward(dh_t, cache):
    """One step back, gate by gate: the gradient of every argument of gru_step_forward.
    The two reset positions differ only where r_t sits; the cache says which one ran.

    dh_t: (B, H) the full gradient of h_t;  cache: from gru_step_forward (it holds weight_hh)
    returns {"Wx": δa^x_t (B, 3H), "h_prev": δh_{t-1}^next (B, H), "weight_hh": (3H, H),
             "bias_hh": (3H,)}, the weights' summed over the batch.
    δa^x_t is also δb_ih (summed over the batch) and gives δW_ih = Σ δa^x_t x_t^T.
    """
    h_prev, r_t, z_t, n_t, Wh_n = cache["h_prev"], cache["r_t"], cache["z_t"], cache["n_t"], cache["Wh_n"]
    weight_hh, reset_after = cache["weight_hh"], cache["reset_after"]
    _check_gradient("dh_t", dh_t, h_prev)
    H = h_prev.shape[-1]
    W_hn = weight_hh[2 * H:]  # (H, H)
    dn_t = gru_backward_candidate(dh_t, z_t)
    dz_t = gru_backward_update_gate(dh_t, h_prev, n_t)
    da_n = tanh_backward(n_t, dn_t)  # gradient of n_t's pre-activation
    if reset_after:
        dr_t = gru_backward_reset_gate_after(da_n, Wh_n)
    else:
        dr_t = gru_backward_reset_gate_before(da_n, h_prev, W_hn)
    da_r = sigmoid_backward(r_t, dr_t)
    da_z = sigmoid_backward(z_t, dz_t)
    da_x = torch.cat([da_r, da_z, da_n], dim=-1)  # input terms: blocks r, z, n
    if reset_after:  # n's recurrent term is multiplied by r_t
        da_h = torch.cat([da_r, da_z, r_t * da_n], dim=-1)
        dh_prev = gru_backward_hidden_state(dh_t, z_t, da_h, weight_hh)
        n_input = h_prev  # what W_hn multiplied
    else:  # n's recurrent term is W_hn (r_t ⊙ h_{t-1}) + b_hn: r_t comes after W_hn^T
        da_h = da_x
        dh_prev = gru_backward_hidden_state(dh_t, z_t, da_h[..., :2 * H], weight_hh[:2 * H]) \
            + r_t * (da_n @ W_hn)
        n_input = r_t * h_prev
    da_h_2d = da_h.reshape(-1, BLOCKS * H)  # (B, 3H), also for an unbatched step
    d_weight_hh = torch.cat([
        linear_backward_weight(da_h_2d[:, :2 * H], h_prev.reshape(-1, H)),   # r, z
        linear_backward_weight(da_h_2d[:, 2 * H:], n_input.reshape(-1, H))])  # n
    return {"Wx": da_x, "h_prev": dh_prev, "weight_hh": d_weight_hh, "bias_hh": da_h_2d.sum(0)}
# --8<-- [end:gru_step_backward]


# --8<-- [start:gru_backward]
def gru_backward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, dy, dh_n=None, reset_after=True):
    """Backpropagation through time (BPTT) for gru(x, h0, ..., reset_after).

    Gradients of L = Σ dy ⊙ y + Σ dh_n ⊙ h_n with respect to every input of gru.
    x: (T, B, D) or (T, D);  h0: (B, H) or (H,), or None for zeros
    dy: (T, B, H) or (T, H), ∂L/∂y;  dh_n: (B, H) or (H,), ∂L/∂h_n, None for zeros
    reset_after: the candidate's form, as in the gru call being differentiated (True: torch.nn.GRU's)
    returns {"x", "h0", "weight_ih", "weight_hh", "bias_ih", "bias_hh"}, each in its input's shape
    """
    H = _check_parameters(x, weight_ih, weight_hh, bias_ih, bias_hh)
    _check_rank("x", x, (2, 3))
    T, batch, D = x.shape[0], x.shape[1:-1], x.shape[-1]
    h = _state_or_zeros("h0", h0, batch, H, x)
    dy = _state_or_zeros("dy", dy, (T,) + batch, H, x)
    dh = _state_or_zeros("dh_n", dh_n, batch, H, x).clone()  # never an alias of the caller's array
    # Forward, as in gru, keeping each step's cache
    Wx_all = (x.reshape(-1, D) @ weight_ih.T + bias_ih).reshape((T,) + batch + (BLOCKS * H,))
    caches = []
    for t in range(T):
        h, cache = gru_step_forward(Wx_all[t], h, weight_hh, bias_hh, reset_after)
        caches.append(cache)
    # Backward, from the last step to the first
    da_x_all = torch.empty_like(Wx_all)  # (T, B, 3H) gradients of the input terms
    d_weight_hh, d_bias_hh = torch.zeros_like(weight_hh), torch.zeros_like(bias_hh)  # summed step by step
    for t in reversed(range(T)):
        step = gru_step_backward(dh + dy[t], caches[t])
        da_x_all[t], dh = step["Wx"], step["h_prev"]
        d_weight_hh += step["weight_hh"]
        d_bias_hh += step["bias_hh"]
    da_x_2d = da_x_all.reshape(-1, BLOCKS * H)  # (T*B, 3H): one product sums over time and batch
    return {"x": (da_x_2d @ weight_ih).reshape(x.shape),
            "h0": dh,
            "weight_ih": linear_backward_weight(da_x_2d, x.reshape(-1, D)),
            "weight_hh": d_weight_hh,
            "bias_ih": da_x_2d.sum(0),
            "bias_hh": d_bias_hh}
# --8<-- [end:gru_backward]


# --8<-- [start:gru_jacobian]
def gru_jacobian(r_t, z_t, n_t, h_prev, Wh_n, weight_hh):
    """One step's full Jacobian ∂h_t/∂h_{t-1} (reset after): the direct path diag(z_t),
    and the paths through z_t, through n_t, and through r_t into n_t.

    r_t, z_t, n_t, h_prev: (B, H);  Wh_n: (B, H) = W_hn h_{t-1} + b_hn;  weight_hh: (3H, H)
    returns (B, H, H): entry [b, k, j] = ∂h_t[b, k] / ∂h_{t-1}[b, j]
    """
    W_hr, W_hz, W_hn = weight_hh.chunk(BLOCKS, dim=0)  # (H, H) each
    direct = z_t[..., None] * torch.eye(z_t.shape[-1], dtype=z_t.dtype, device=z_t.device)  # diag(z_t)
    through_z = ((h_prev - n_t) * z_t * (1 - z_t))[..., None] * W_hz
    dn_da = (1 - z_t) * (1 - n_t * n_t)  # (B, H) ∂h_t/∂n_t ⊙ tanh'
    through_n = dn_da[..., None] * (r_t[..., None] * W_hn + (Wh_n * r_t * (1 - r_t))[..., None] * W_hr)
    return direct + through_z + through_n
# --8<-- [end:gru_jacobian]


# Training with the explicit backward: one autograd operation whose gradients come from
# gru_backward, not from autograd. y, h_n = GRUFunction.apply(x, h0, weight_ih, weight_hh,
# bias_ih, bias_hh, reset_after); torch.autograd.gradcheck checks it in float64.

class GRUFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, h0, weight_ih, weight_hh, bias_ih, bias_hh, reset_after=True):
        ctx.save_for_backward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
        ctx.reset_after = reset_after
        y, h_n = gru(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, reset_after)
        return y, h_n.clone()  # a new tensor even when T = 0 (h_n would be h0 itself)

    @staticmethod
    def backward(ctx, dy, dh_n):
        x, h0, *parameters = ctx.saved_tensors
        grads = gru_backward(x, h0, *parameters, dy, dh_n, ctx.reset_after)
        return (grads["x"], None if h0 is None else grads["h0"],
                grads["weight_ih"], grads["weight_hh"], grads["bias_ih"], grads["bias_hh"], None)


# --8<-- [start:gru_direction]
def gru_direction(x, lengths, h0, weight_ih, weight_hh, bias_ih, bias_hh, reset_after=True):
    """One layer, one direction, over a padded batch: the loop of `gru`, plus lengths.

    x: (T, B, D);  lengths: (B,) ints, sequence b is x[:lengths[b], b], or None for all T
    h0: (B, H), or None for zeros;  reset_after: the candidate's form, as in gru
    At step t only the sequences that are still running (t < length) move on; the others
    keep their state, and their output is 0, as pad_packed_sequence pads it.
    returns y: (T, B, H), the h_t of every step, and h_n: (B, H)
    """
    _check_reset_after("gru_direction", reset_after)
    lengths, h0 = _check_direction(x, lengths, {"h0": h0}, weight_ih, weight_hh, bias_ih, bias_hh)
    Wx_all = x @ weight_ih.T + bias_ih  # (T, B, 3H): the input terms of all steps at once
    h = h0
    y = []
    for t, Wx_t in enumerate(Wx_all.unbind(0)):  # views; Wx_all[t] would cost a full-size gradient per step
        h_t = gru_step(Wx_t, h, weight_hh.T, bias_hh, reset_after)
        running = (t < lengths)[:, None]  # (B, 1): which sequences have a step t
        h = torch.where(running, h_t, h)
        y.append(torch.where(running, h_t, 0.0))
    y = torch.stack(y) if y else x.new_zeros(x.shape[:-1] + h0.shape[-1:])
    return y, h
# --8<-- [end:gru_direction]


# --8<-- [start:gru_layers]
def gru_layers(x, params, h0=None, *, batch_first=False, lengths=None, reset_after=True):
    """torch.nn.GRU in eval mode, all of it: layers, directions, lengths.

    x: (T, B, D), or (B, T, D) with batch_first=True, or unbatched (T, D)
    params: {name: tensor} with torch.nn.GRU's state_dict names (weight_ih_l0,
        bias_hh_l1_reverse, ...), e.g.
        nn.GRU(...).state_dict() (any device; x's dtype and device).
        The number of layers L, the directions (2 if there are _reverse keys) and the
        biases are read from the keys.
    h0: (L*dirs, B, H), without B for unbatched x; None for zeros
    lengths: B ints in any order, 1 <= length <= T, or None for all T. Gives what
        pack_padded_sequence(x, lengths, enforce_sorted=False) and pad_packed_sequence
        give: max(lengths) steps, zeros after each sequence's end, final states from each
        sequence's last step, and the reverse direction starting from that step.
    returns output: (T, B, dirs*H) (batch_first: (B, T, dirs*H)), the last layer's h_t
        with both directions side by side, and h_n: (L*dirs, B, H), the final states of
        every layer and direction, row layer*dirs + direction.
    reset_after: True is torch.nn.GRU's candidate; False the reset-before form (a Keras GRU with
        reset_after=False, converted by gru_from_keras), which torch.nn.GRU does not offer.
    Dropout between layers acts only in training and is not reproduced. T = 0 gives an
    empty output and h_n = h0.
    """
    _check_reset_after("gru_layers", reset_after)
    layers, H, _ = _layer_parameters(params, x, projection=False)
    x, lengths, batched = _time_major(x, batch_first, lengths)
    rows = (len(layers) * len(layers[0]), x.shape[1])  # (L*dirs, B)
    h0 = _initial_states("h0", h0, rows + (H,), batched, x)
    h_n = []
    for layer in layers:  # the output of one layer is the input of the next
        outputs = []
        for direction, p in enumerate(layer):
            k = len(h_n)  # row of h_n: layer * dirs + direction
            if direction == 0:
                y, h = gru_direction(x, lengths, h0[k], **p, reset_after=reset_after)
            else:  # each sequence read backwards from its own last step, then put back in order
                y, h = gru_direction(_reverse_padded(x, lengths), lengths, h0[k], **p, reset_after=reset_after)
                y = _reverse_padded(y, lengths)
            outputs.append(y)
            h_n.append(h)
        x = torch.cat(outputs, dim=-1)  # (T, B, dirs*H)
    return _output_layout(x, batch_first, batched), _stacked(h_n, batched)
# --8<-- [end:gru_layers]


# Converters: weights stored in other layouts, as torch.nn's names, for gru(x, h0, **params).
# Keras/TensorFlow multiply row vectors, x K (kernel (D, 3H)); torch.nn multiplies column
# vectors, W x (weight_ih (3H, D)): every matrix is transposed, and the gate blocks reordered.

# --8<-- [start:gru_from_keras]
def gru_from_keras(kernel, recurrent_kernel, bias=None, reset_after=True):
    """Keras 3 / TensorFlow GRU weights (layer.get_weights()) in torch.nn.GRU's layout.

    kernel: (D, 3H), recurrent_kernel: (H, 3H), column blocks z, r, h (h is our n): z and r trade places.
    bias: with reset_after=True (Keras's default) (2, 3H), row 0 the input bias, row 1 the
        recurrent bias; with reset_after=False (3H,), one bias, so bias_hh = 0; None for use_bias=False.
    reset_after: the Keras layer's setting; use the result with gru(..., reset_after=reset_after).
    returns {"weight_ih": (3H, D), "weight_hh": (3H, H), "bias_ih": (3H,), "bias_hh": (3H,)}
    """
    converter = f"gru_from_keras(reset_after={reset_after!r})"
    _check_reset_after(converter, reset_after)
    _, H = _check_x_w_layout(converter, kernel, recurrent_kernel)
    shape = (2, BLOCKS * H) if reset_after else (BLOCKS * H,)
    bias = _bias_or_zeros(converter, "bias", bias, shape, kernel)
    bias_ih, bias_hh = (bias[0], bias[1]) if reset_after else (bias, torch.zeros_like(bias))

    def rzn(W):  # (..., 3H) blocks z, r, h -> r, z, n (and back: the swap is its own inverse)
        z, r, n = torch.chunk(W, BLOCKS, dim=-1)
        return torch.cat([r, z, n], dim=-1)

    return {"weight_ih": rzn(kernel).T.contiguous(),            # (3H, D)
            "weight_hh": rzn(recurrent_kernel).T.contiguous(),  # (3H, H)
            "bias_ih": rzn(bias_ih),
            "bias_hh": rzn(bias_hh)}
# --8<-- [end:gru_from_keras]


# --8<-- [start:gru_to_keras]
def gru_to_keras(weight_ih, weight_hh, bias_ih, bias_hh, reset_after=True):
    """torch.nn.GRU's layout -> Keras 3 / TensorFlow GRU weights, the inverse of gru_from_keras.

    weight_ih: (3H, D), weight_hh: (3H, H), bias_ih, bias_hh: (3H,)
    reset_after: the Keras layer's setting, and the gru(..., reset_after) these weights were used with.
    returns {"kernel": (D, 3H), "recurrent_kernel": (H, 3H), "bias": (2, 3H), or (3H,) when
    reset_after=False}, in the order of layer.set_weights(list(...values())). Reset-before
    adds b_hn outside r_t ⊙ (...), so both biases fold into Keras's one.
    """
    _check_reset_after("gru_to_keras", reset_after)
    _check_torch_layout(weight_ih, weight_hh, bias_ih, bias_hh)

    def zrh(W):  # (..., 3H) blocks r, z, n -> z, r, h
        r, z, n = torch.chunk(W, BLOCKS, dim=-1)
        return torch.cat([z, r, n], dim=-1)

    bias = torch.stack([zrh(bias_ih), zrh(bias_hh)]) if reset_after else zrh(bias_ih + bias_hh)
    return {"kernel": zrh(weight_ih.T).contiguous(),            # (D, 3H)
            "recurrent_kernel": zrh(weight_hh.T).contiguous(),  # (H, 3H)
            "bias": bias}
# --8<-- [end:gru_to_keras]


def _check_reset_after(name, reset_after):
    if not isinstance(reset_after, bool):
        raise TypeError(f"{name}: reset_after must be True or False, got {reset_after!r}")


# Fast paths on a GPU: the same gru, launched differently. On a GPU the plain loop spends its time
# launching about a dozen small kernels per step, not computing; these functions keep the code above
# and change only how its kernels reach the GPU.

# --8<-- [start:gru_graphed]
def gru_graphed(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, reset_after=True, gru_function=gru):
    """gru captured in CUDA graphs for the shapes of these inputs; returns a function that replays it.

    x: (T, B, D) or (T, D);  h0: (B, H) or (H,), or None for zeros;  parameters as in gru
    returns gru_replay(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) -> y, h_n: the values of
    gru (with the reset_after given here), for inputs with exactly these shapes, dtype and
    device (another shape raises ValueError: capture again, e.g. once per sequence length).

    A CUDA graph records every kernel of the T steps once and replays them all with one launch,
    so the per-step cost of Python and of launching kernels disappears. If any input requires
    grad, the backward pass is captured as a second graph and gradients reach the caller's
    tensors, so gru_replay trains like gru (torch.cuda.make_graphed_callables): capture with the
    weights that will require grad.
    Helps: CUDA, fixed shapes, many calls, small B and H, where launches dominate.
    Costs: capture runs gru 3 times to warm up, then once per graph (4 passes, backward too);
    the graphs keep their own copies of all inputs (weights included) and every step's
    activations in a private memory pool as long as gru_replay lives; each call copies the
    inputs in. Its outputs are the graph's own tensors: the next call overwrites them.
    gru_function: what to capture, gru or a function with its arguments, e.g. gru_compiled()
    (fused steps, then captured: fewer kernels and one launch, compiled once whatever T is).
    CPU tensors have no CUDA graphs: this returns gru_function (with this reset_after) and
    warns once.
    """
    def gru_tensors_only(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):  # graphs take tensors only
        return gru_function(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, reset_after)
    _check_tensor("x", x, x)
    if x.device.type != "cuda":
        return _without_cuda_graphs("gru_graphed", gru_tensors_only)
    H = _check_parameters(x, weight_ih, weight_hh, bias_ih, bias_hh)
    _check_rank("x", x, (2, 3))
    _check_steps("gru_graphed", x)
    h0_zeros = _state_or_zeros("h0", None, x.shape[1:-1], H, x)  # what h0=None means, in every replay
    inputs = (x, _state_or_zeros("h0", h0, x.shape[1:-1], H, x), weight_ih, weight_hh, bias_ih, bias_hh)
    static_inputs = _static_copies(inputs)  # the graph reads its inputs from these tensors
    gru_in_graphs = torch.cuda.make_graphed_callables(gru_tensors_only, static_inputs)

    def gru_replay(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
        inputs = (x, h0_zeros if h0 is None else h0, weight_ih, weight_hh, bias_ih, bias_hh)
        _check_replay("gru_graphed", ("x", "h0", "weight_ih", "weight_hh", "bias_ih", "bias_hh"),
                      inputs, static_inputs)
        return gru_in_graphs(*inputs)  # copies inputs into static_inputs, replays the graph
    return gru_replay
# --8<-- [end:gru_graphed]


# --8<-- [start:gru_compiled]
def gru_compiled(whole_loop=False, backend="inductor"):
    """gru under torch.compile; returns a function with gru's arguments and values.

    x: (T, B, D) or (T, D);  h0: (B, H) or (H,), or None;  parameters and reset_after as in gru
    ->  y: (T, B, H) or (T, H), h_n: (B, H) or (H,), as gru returns them.
    whole_loop=False compiles gru_step only: the compiler fuses each step's gate arithmetic
    into a few kernels (the matrix products stay library calls) and the Python loop calls it
    T times (no CUDA graph: each step still launches its few kernels). Compile time does not
    depend on T.
    whole_loop=True compiles all of gru: the loop is unrolled into T copies of the step and, on
    CUDA, mode="reduce-overhead" replays them as one CUDA graph: fewest launches, but compile
    time grows with T, and each new T or batch size compiles again.
    The first call for a new device, shape or autograd need compiles (forward, and backward when
    gradients are needed); later calls run the compiled code; training works as with gru.
    Costs, measured for lstm (inductor, the book's busy 2-core build machine, forward + backward):
    the step about 1 min whatever T; the whole loop 1 min at T = 3, 3.3 min at T = 10 (20 s a step).
    Helps: fixed shapes and many calls, on CUDA most. backend="inductor" generates kernels;
    "aot_eager" traces the same graphs without generating code (quick, for checking).
    """
    compiled = {}  # (function name, device type) -> that function under torch.compile

    def compiled_on(device, function):
        key = (function.__name__, device.type)
        if key not in compiled:
            graph_mode = whole_loop and device.type == "cuda" and backend == "inductor"
            compiled[key] = torch.compile(function, backend=backend,
                                          mode="reduce-overhead" if graph_mode else None)
        return compiled[key]

    def gru_fused(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, reset_after=True):
        _check_tensor("x", x, x)
        if whole_loop:
            return compiled_on(x.device, gru)(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, reset_after)
        H = _check_parameters(x, weight_ih, weight_hh, bias_ih, bias_hh)  # as in gru, with a compiled step
        _check_rank("x", x, (2, 3))
        h = _state_or_zeros("h0", h0, x.shape[1:-1], H, x)
        gru_step_fused = compiled_on(x.device, gru_step)
        Wx_all = x @ weight_ih.T + bias_ih  # (T, B, 3H): one matrix product for all steps
        y = []
        for Wx_t in Wx_all.unbind(0):  # the steps' views; Wx_all[t] would cost a full-size gradient per step
            h = gru_step_fused(Wx_t, h, weight_hh.T, bias_hh, reset_after)
            y.append(h)
        y = torch.stack(y) if y else x.new_empty(x.shape[:-1] + (H,))
        return y, h
    return gru_fused
# --8<-- [end:gru_compiled]


# Fast paths: checks and copies for the CUDA graphs.

_WARNED = set()  # names of the fast paths that already warned about the CPU


def _without_cuda_graphs(name, function):
    """The plain function for CPU tensors, with one warning per fast path and process."""
    if name not in _WARNED:
        _WARNED.add(name)
        warnings.warn(f"{name}: CUDA graphs need CUDA tensors; on the CPU it returns the function it "
                      f"would capture (same values, no capture)", UserWarning, stacklevel=3)
    return function


def _check_steps(name, x):
    if x.shape[0] == 0:
        raise ValueError(f"{name} needs at least one time step to capture, got x of shape {tuple(x.shape)}")


def _static_copies(inputs):
    """Tensors the graph owns: a copy of each input, requiring grad where autograd would record it."""
    return tuple(t.detach().clone().requires_grad_(t.requires_grad and torch.is_grad_enabled()) for t in inputs)


def _check_replay(name, names, inputs, static_inputs):
    """A replay must see what was captured: same shape, dtype, device and requires_grad."""
    for arg, new, captured in zip(names, inputs, static_inputs):
        if not isinstance(new, torch.Tensor):
            raise TypeError(f"{arg} must be a torch.Tensor, got {type(new).__name__}")
        for what, got, expected in (("shape", tuple(new.shape), tuple(captured.shape)),
                                    ("dtype", new.dtype, captured.dtype),
                                    ("device", new.device, captured.device)):
            if got != expected:
                raise ValueError(f"{arg} has {what} {got} but {name} captured {expected}: a CUDA graph "
                                 f"replays fixed shapes and types; capture again for these inputs")
        if new.requires_grad and torch.is_grad_enabled() and not captured.requires_grad:
            raise ValueError(f"{arg} requires grad but {name} captured it without: no backward graph "
                             f"was recorded for it; capture again with inputs that require grad to train")


# Layers: reading a state_dict, the time-major layout, padded sequences read backwards.

_PARAMETER = re.compile(r"(weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(\d+)(_reverse)?")


def _layer_parameters(params, x, projection):
    """A torch.nn state_dict as layers[l][direction] = {weight_ih, weight_hh, bias_ih, bias_hh
    (, weight_hr)}; checks every key and shape against x. Returns (layers, H, P)."""
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a mapping of state_dict names to tensors, got {type(params).__name__}")
    _check_tensor("x", x, x)
    _check_rank("x", x, (2, 3))
    found = {}  # (layer, direction) -> {name: array}
    for key, array in params.items():
        match = _PARAMETER.fullmatch(str(key))
        if match is None:
            raise ValueError(f"params has key {key!r}, which this function cannot reproduce "
                             f"(expected names like weight_ih_l0, bias_hh_l1_reverse)")
        name, layer, reverse = match.groups()
        if name == "weight_hr" and not projection:
            raise ValueError(f"params has key {key!r}: a projection (proj_size) exists for nn.LSTM only")
        _check_tensor(key, array, x)
        found.setdefault((int(layer), int(bool(reverse))), {})[name] = array
    if not found:
        raise ValueError("params is empty: expected torch.nn state_dict names like weight_ih_l0")
    L = 1 + max(layer for layer, _ in found)
    dirs = 1 + max(direction for _, direction in found)
    names = {"weight_ih", "weight_hh"} | set().union(*found.values())
    if names & {"bias_ih", "bias_hh"}:  # bias=True gives both
        names |= {"bias_ih", "bias_hh"}
    for layer in range(L):
        for direction in range(dirs):
            missing = sorted(names - set(found.get((layer, direction), {})))
            if missing:
                raise ValueError(f"params lacks {_key(missing[0], layer, direction)} "
                                 f"({L} layers, {dirs} directions)")
    weight_hh = found[0, 0]["weight_hh"]
    _check_rank("weight_hh_l0", weight_hh, (2,))
    if weight_hh.shape[0] == 0 or weight_hh.shape[0] % BLOCKS:
        raise ValueError(f"weight_hh_l0 has {weight_hh.shape[0]} rows, expected a positive multiple of {BLOCKS}")
    H = weight_hh.shape[0] // BLOCKS
    P = found[0, 0]["weight_hr"].shape[0] if "weight_hr" in names else H
    layers = []
    for layer in range(L):
        layers.append([])
        for direction in range(dirs):
            p = found[layer, direction]
            expected = {"weight_ih": (BLOCKS * H, x.shape[-1] if layer == 0 else dirs * P),
                        "weight_hh": (BLOCKS * H, P), "bias_ih": (BLOCKS * H,), "bias_hh": (BLOCKS * H,),
                        "weight_hr": (P, H)}
            for name, array in p.items():
                if tuple(array.shape) != expected[name]:
                    raise ValueError(f"{_key(name, layer, direction)} has shape {tuple(array.shape)} but expected "
                                     f"{expected[name]} (hidden size {H}, {dirs} directions, "
                                     f"{x.shape[-1]} input features)")
            zeros = x.new_zeros(BLOCKS * H)  # no biases: bias=False
            layers[-1].append({"weight_ih": p["weight_ih"], "weight_hh": p["weight_hh"],
                               "bias_ih": p.get("bias_ih", zeros), "bias_hh": p.get("bias_hh", zeros),
                               **({"weight_hr": p["weight_hr"]} if "weight_hr" in p else {})})
    return layers, H, P


def _key(name, layer, direction):
    return f"{name}_l{layer}" + ("_reverse" if direction else "")


def _time_major(x, batch_first, lengths):
    """x as (T, B, D) (a view, never a copy to write into), lengths as (B,) ints, batched."""
    batched = x.ndim == 3
    if not batched:
        if lengths is not None:
            raise ValueError(f"lengths needs a batched x, got unbatched x of shape {tuple(x.shape)}")
        x = x[:, None]  # (T, 1, D)
    elif batch_first:
        x = x.transpose(0, 1)  # (B, T, D) -> (T, B, D)
    T, B = x.shape[:2]
    if lengths is None:
        return x, torch.full((B,), T, device=x.device), batched
    lengths = torch.as_tensor(lengths)
    if tuple(lengths.shape) != (B,) or lengths.is_floating_point() or lengths.is_complex() or \
            lengths.dtype == torch.bool:
        raise ValueError(f"lengths must be {B} integers (one per sequence), got {lengths.dtype} of shape "
                         f"{tuple(lengths.shape)}")
    if lengths.min() < 1 or lengths.max() > T:
        raise ValueError(f"lengths must lie in 1..{T} (the time steps of x), got {lengths.tolist()}")
    return x[:int(lengths.max())], lengths.to(x.device), batched  # pad_packed_sequence returns max(lengths) steps


def _initial_states(name, state, shape, batched, x):
    """h0 or c0 as (L*dirs, B, size); None gives zeros."""
    if state is None:
        return x.new_zeros(shape)
    _check_tensor(name, state, x)
    expected = shape if batched else shape[:1] + shape[2:]
    if tuple(state.shape) != expected:
        raise ValueError(f"{name} has shape {tuple(state.shape)} but expected {expected} "
                         f"(layers x directions, {'batch, ' if batched else ''}state size)")
    return state if batched else state[:, None]


def _reverse_padded(x, lengths):
    """Reverse each sequence x[:lengths[b], b] in time, leaving the padding where it is.

    x: (T, B, F) -> (T, B, F); applied twice it gives x back.
    """
    t = torch.arange(x.shape[0], device=x.device)[:, None]  # (T, 1)
    source = torch.where(t < lengths, lengths - 1 - t, t)  # (T, B): step read for each (t, b)
    return x[source, torch.arange(x.shape[1], device=x.device)]


def _output_layout(y, batch_first, batched):
    if not batched:
        return y[:, 0]
    return y.transpose(0, 1) if batch_first else y


def _stacked(states, batched):
    """[(B, size)] * (L*dirs) -> (L*dirs, B, size), or (L*dirs, size) unbatched."""
    stacked = torch.stack(states)
    return stacked if batched else stacked[:, 0]


# Input checks: a wrong shape fails here, with a message, instead of deep inside a product.

def _check_parameters(x, weight_ih, weight_hh, bias_ih, bias_hh):
    """Check the four parameters against each other and x; return the hidden size H."""
    for name, array in (("x", x), ("weight_ih", weight_ih), ("weight_hh", weight_hh),
                        ("bias_ih", bias_ih), ("bias_hh", bias_hh)):
        _check_tensor(name, array, x)
    _check_rank("weight_ih", weight_ih, (2,))
    if _looks_transposed(x, weight_ih, weight_hh):
        raise ValueError(f"weight_ih {tuple(weight_ih.shape)} and weight_hh {tuple(weight_hh.shape)} look transposed: "
                         f"torch.nn's layout is W x, ({BLOCKS}H, D) and ({BLOCKS}H, H). Keras/TensorFlow and CS231n "
                         f"store x W, (D, {BLOCKS}H) and (H, {BLOCKS}H), often in another gate order: convert "
                         f"them with {CONVERTERS}")
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


def _looks_transposed(x, weight_ih, weight_hh):
    """True when the weights fit the x W layout of Keras/TensorFlow and CS231n, (D, kH) and
    (H, kH), and not torch.nn's W x layout, (kH, D) and (kH, H)."""
    if x.ndim == 0 or weight_hh.ndim != 2:
        return False
    H = weight_hh.shape[0]
    fits_x_w = H > 0 and tuple(weight_hh.shape) == (H, BLOCKS * H) and tuple(weight_ih.shape) == (x.shape[-1], BLOCKS * H)
    rows = weight_ih.shape[0]
    fits_w_x = rows > 0 and rows % BLOCKS == 0 and weight_ih.shape[1] == x.shape[-1] \
        and tuple(weight_hh.shape) == (rows, rows // BLOCKS)
    return fits_x_w and not fits_w_x


def _check_torch_layout(weight_ih, weight_hh, bias_ih, bias_hh):
    """Check torch.nn's layout of one layer's parameters, with no input at hand; return H."""
    _check_tensor("weight_ih", weight_ih, weight_ih)
    _check_rank("weight_ih", weight_ih, (2,))
    return _check_parameters(weight_ih[:0], weight_ih, weight_hh, bias_ih, bias_hh)  # x: (0, D)


def _check_x_w_layout(converter, kernel, recurrent_kernel, names=("kernel", "recurrent_kernel")):
    """Check the x W layout of Keras/TensorFlow and CS231n, (D, kH) and (H, kH); return (D, H)."""
    for name, array in zip(names, (kernel, recurrent_kernel)):
        _check_tensor(name, array, kernel)
        _check_rank(name, array, (2,))
    H = recurrent_kernel.shape[0]
    if H == 0 or recurrent_kernel.shape[1] != BLOCKS * H:
        rows, columns = recurrent_kernel.shape
        hint = (f": that is torch.nn's layout ({BLOCKS}H, H), which needs no conversion"
                if columns and rows == BLOCKS * columns else "")
        raise ValueError(f"{converter}: {names[1]} has shape {(rows, columns)}, expected (H, {BLOCKS}H), "
                         f"the x W layout{hint}")
    if kernel.shape[1] != BLOCKS * H:
        raise ValueError(f"{converter}: {names[0]} has shape {tuple(kernel.shape)}, expected (D, {BLOCKS * H}) "
                         f"for hidden size {H} ({names[1]} is {tuple(recurrent_kernel.shape)})")
    return kernel.shape[0], H


def _bias_or_zeros(converter, name, bias, shape, like):
    """Check a converter's bias against its expected shape and like's dtype; None gives zeros."""
    if bias is None:
        return like.new_zeros(shape)
    _check_tensor(name, bias, like)
    if tuple(bias.shape) != shape:
        raise ValueError(f"{converter}: {name} has shape {tuple(bias.shape)}, expected {shape}")
    return bias


def _check_step(Wx, states, weight_hh, bias_hh):
    """Check the arguments of a *_step_forward: Wx (B, kH), states {name: (B, H)}, weight_hh
    (kH, H) in torch.nn's layout, bias_hh (kH,), with k = BLOCKS; return H."""
    for name, array in (("Wx", Wx), *states.items(), ("weight_hh", weight_hh), ("bias_hh", bias_hh)):
        _check_tensor(name, array, Wx)
    _check_rank("Wx", Wx, (1, 2))
    _check_rank("weight_hh", weight_hh, (2,))
    H = weight_hh.shape[1]
    if tuple(weight_hh.shape) != (BLOCKS * H, H):
        hint = (" (it looks transposed: only *_step takes weight_hh_T; weights in the x W layout of "
                f"Keras/TensorFlow or CS231n: {CONVERTERS})") if weight_hh.shape[0] * BLOCKS == H else ""
        raise ValueError(f"weight_hh has shape {tuple(weight_hh.shape)} but expected ({BLOCKS}H, H), "
                         f"torch.nn's layout{hint}")
    for name, array, shape in (("Wx", Wx, Wx.shape[:-1] + (BLOCKS * H,)), ("bias_hh", bias_hh, (BLOCKS * H,)),
                               *((n, s, Wx.shape[:-1] + (H,)) for n, s in states.items())):
        if tuple(array.shape) != tuple(shape):
            raise ValueError(f"{name} has shape {tuple(array.shape)} but expected {tuple(shape)} for hidden "
                             f"size {H} (weight_hh is {tuple(weight_hh.shape)}, Wx is {tuple(Wx.shape)})")
    return H


def _check_gradient(name, gradient, like):
    """A gradient handed to a *_step_backward has the shape and dtype of what it is the gradient of."""
    _check_tensor(name, gradient, like)
    if tuple(gradient.shape) != tuple(like.shape):
        raise ValueError(f"{name} has shape {tuple(gradient.shape)} but expected {tuple(like.shape)}, "
                         f"the shape of the state it is the gradient of")


def _check_direction(x, lengths, states, weight_ih, weight_hh, bias_ih, bias_hh, weight_hr=None):
    """Check the arguments of a *_direction: x (T, B, D), lengths (B,) ints in 1..T or None
    for all T, states {name: (B, size) or None}, the first of size P (the projection size, or
    H), the others H. Returns lengths and the states, None replaced by zeros."""
    _check_tensor("x", x, x)
    _check_rank("x", x, (3,))
    if weight_hr is None:
        H = P = _check_parameters(x, weight_ih, weight_hh, bias_ih, bias_hh)
    else:  # a projection: weight_hh multiplies the projected state, (kH, P)
        for name, array in (("weight_ih", weight_ih), ("weight_hh", weight_hh), ("bias_ih", bias_ih),
                            ("bias_hh", bias_hh), ("weight_hr", weight_hr)):
            _check_tensor(name, array, x)
        _check_rank("weight_hr", weight_hr, (2,))
        P, H = weight_hr.shape
        for name, array, shape in (("weight_ih", weight_ih, (BLOCKS * H, x.shape[-1])),
                                   ("weight_hh", weight_hh, (BLOCKS * H, P)),
                                   ("bias_ih", bias_ih, (BLOCKS * H,)), ("bias_hh", bias_hh, (BLOCKS * H,))):
            if tuple(array.shape) != shape:
                raise ValueError(f"{name} has shape {tuple(array.shape)} but expected {shape} (hidden size {H}, "
                                 f"projection size {P}, {x.shape[-1]} input features)")
    _, lengths, _ = _time_major(x, False, None if x.shape[0] == 0 else lengths)  # T = 0: no step to run
    sizes = [P] + [H] * (len(states) - 1)
    return (lengths, *(_state_or_zeros(name, state, x.shape[1:2], size, x)
                       for (name, state), size in zip(states.items(), sizes)))
