# SPDX-License-Identifier: MIT-0
# Copyright 2026 The Gate by Gate authors
"""LSTM in PyTorch, one function per formula — same names and math as lstm_numpy.py.

Self-contained: needs only PyTorch. Runs on the device and in the dtype of its inputs
(CPU or CUDA, float32 or float64) and never copies data to the host; autograd works
through every function, so it can be trained. Parameters use the torch.nn.LSTM layout:

    weight_ih (4H, D), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,)
    row blocks in the order i, f, g, o  (input gate, forget gate, candidate, output gate)

Shapes: B = batch, D = input features, H = hidden size, T = time steps.
Every function also accepts unbatched inputs (no B axis).
On a GPU, lstm_graphed (CUDA graphs) and lstm_compiled (torch.compile) run the same lstm
with far fewer kernel launches: see "Fast paths on a GPU", after the layers.

Each formula function takes the two terms of its pre-activation, already computed:
the input term W_i? x_t + b_i? and the recurrent term W_h? h_{t-1} + b_h?.
`lstm_cell` and `lstm` compute those terms for all four gates in one matrix product each.
"""

import re
import warnings
from collections.abc import Mapping

import torch

# What `from lstm_torch import *` gives: the book's functions, not np/torch or the helpers.
__all__ = [
    "sigmoid", "tanh", "lstm_input_gate", "lstm_forget_gate", "lstm_candidate", "lstm_cell_state",
    "lstm_output_gate", "lstm_hidden_state", "lstm_step", "lstm_cell", "lstm", "lstm_forget_bias_one",
    "sigmoid_backward", "tanh_backward", "lstm_backward_output_gate", "lstm_backward_cell_state",
    "lstm_backward_forget_gate", "lstm_backward_input_gate", "lstm_backward_candidate",
    "lstm_backward_cell_carry", "lstm_backward_hidden_state", "linear_backward_weight", "lstm_step_forward",
    "lstm_step_backward", "lstm_backward", "lstm_jacobian", "lstm_cell_jacobian", "LSTMFunction",
    "lstm_projection", "lstm_projected_step", "lstm_direction", "lstm_layers", "lstm_cell_state_no_forget",
    "lstm_peephole_input_gate", "lstm_peephole_forget_gate", "lstm_peephole_output_gate",
    "lstm_coupled_input_gate", "lstm_no_forget_step", "lstm_peephole_step", "lstm_cifg_step",
    "lstm_from_keras", "lstm_to_keras", "lstm_from_cs231n", "lstm_graphed", "lstm_compiled"
]

BLOCKS = 4  # row blocks of weight_ih and weight_hh: i, f, g, o
CONVERTERS = "lstm_from_keras or lstm_from_cs231n"  # for weights in the x W layout (Keras/TensorFlow, CS231n)


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


# --8<-- [start:lstm_input_gate]
def lstm_input_gate(Wx_i, Wh_i):
    """Input gate  i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi).

    Wx_i: (B, H) input term      W_ii x_t + b_ii
    Wh_i: (B, H) recurrent term  W_hi h_{t-1} + b_hi
    returns i_t: (B, H), how much of the candidate to write (0 = nothing, 1 = all).
    """
    return sigmoid(Wx_i + Wh_i)
# --8<-- [end:lstm_input_gate]


# --8<-- [start:lstm_forget_gate]
def lstm_forget_gate(Wx_f, Wh_f):
    """Forget gate  f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf).

    Wx_f: (B, H) input term      W_if x_t + b_if
    Wh_f: (B, H) recurrent term  W_hf h_{t-1} + b_hf
    returns f_t: (B, H), how much of c_{t-1} to keep (0 = erase, 1 = keep).
    """
    return sigmoid(Wx_f + Wh_f)
# --8<-- [end:lstm_forget_gate]


# --8<-- [start:lstm_candidate]
def lstm_candidate(Wx_g, Wh_g):
    """Candidate cell state  g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg).

    Wx_g: (B, H) input term      W_ig x_t + b_ig
    Wh_g: (B, H) recurrent term  W_hg h_{t-1} + b_hg
    returns g_t: (B, H) in (-1, 1), the new content offered to the cell state.
    """
    return tanh(Wx_g + Wh_g)
# --8<-- [end:lstm_candidate]


# --8<-- [start:lstm_cell_state]
def lstm_cell_state(f_t, c_prev, i_t, g_t):
    """State update  c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t   (⊙: elementwise product).

    f_t, c_prev, i_t, g_t: (B, H)  ->  c_t: (B, H)
    f_t = i_t = 1 keeps all of c_{t-1} and adds all of g_t;
    f_t = i_t = 0 erases c_{t-1} and lets nothing in (c_t = 0).
    """
    return f_t * c_prev + i_t * g_t
# --8<-- [end:lstm_cell_state]


# --8<-- [start:lstm_output_gate]
def lstm_output_gate(Wx_o, Wh_o):
    """Output gate  o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho).

    Wx_o: (B, H) input term      W_io x_t + b_io
    Wh_o: (B, H) recurrent term  W_ho h_{t-1} + b_ho
    returns o_t: (B, H), how much of the cell state to show as h_t.
    """
    return sigmoid(Wx_o + Wh_o)
# --8<-- [end:lstm_output_gate]


# --8<-- [start:lstm_hidden_state]
def lstm_hidden_state(o_t, c_t):
    """Hidden state  h_t = o_t ⊙ tanh(c_t).

    o_t, c_t: (B, H)  ->  h_t: (B, H) in (-1, 1)
    """
    return o_t * tanh(c_t)
# --8<-- [end:lstm_hidden_state]


# --8<-- [start:lstm_step]
def lstm_step(Wx, h_prev, c_prev, weight_hh_T, bias_hh):
    """One time step from the input terms of all gates.

    Wx: (B, 4H) input terms  x_t W_ih^T + b_ih, blocks i, f, g, o
    h_prev, c_prev: (B, H);  weight_hh_T: (H, 4H) = weight_hh transposed;  bias_hh: (4H,)
    returns h_t, c_t: (B, H)
    """
    Wh = h_prev @ weight_hh_T + bias_hh  # (B, 4H) recurrent terms of all gates
    Wx_i, Wx_f, Wx_g, Wx_o = Wx.chunk(BLOCKS, dim=-1)
    Wh_i, Wh_f, Wh_g, Wh_o = Wh.chunk(BLOCKS, dim=-1)
    i_t = lstm_input_gate(Wx_i, Wh_i)
    f_t = lstm_forget_gate(Wx_f, Wh_f)
    g_t = lstm_candidate(Wx_g, Wh_g)
    o_t = lstm_output_gate(Wx_o, Wh_o)
    c_t = lstm_cell_state(f_t, c_prev, i_t, g_t)
    h_t = lstm_hidden_state(o_t, c_t)
    return h_t, c_t
# --8<-- [end:lstm_step]


# --8<-- [start:lstm_cell]
def lstm_cell(x, h_prev, c_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    """One LSTM step, like torch.nn.LSTMCell.

    x: (B, D) or (D,);  h_prev, c_prev: (B, H) or (H,), or None for zeros
    weight_ih: (4H, D), weight_hh: (4H, H), bias_ih, bias_hh: (4H,)
    returns (h, c): (B, H) or (H,)
    """
    H = _check_parameters(x, weight_ih, weight_hh, bias_ih, bias_hh)
    _check_rank("x", x, (1, 2))
    h_prev = _state_or_zeros("h_prev", h_prev, x.shape[:-1], H, x)
    c_prev = _state_or_zeros("c_prev", c_prev, x.shape[:-1], H, x)
    Wx = x @ weight_ih.T + bias_ih  # (B, 4H) input terms of all gates
    return lstm_step(Wx, h_prev, c_prev, weight_hh.T, bias_hh)
# --8<-- [end:lstm_cell]


# --8<-- [start:lstm]
def lstm(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    """A one-layer LSTM over a sequence, like torch.nn.LSTM.

    x: (T, B, D) or (T, D);  h0, c0: (B, H) or (H,), or None for zeros
    returns y: (T, B, H) or (T, H), the h_t of every step, and (h_n, c_n), the last states
    (h_n and c_n are (B, H); nn.LSTM gives (1, B, H), one row per layer: lstm_layers gives that.
    A state_dict's names end in _l0: pass it to lstm_layers, not to lstm(**state_dict).)
    """
    H = _check_parameters(x, weight_ih, weight_hh, bias_ih, bias_hh)
    _check_rank("x", x, (2, 3))
    h = _state_or_zeros("h0", h0, x.shape[1:-1], H, x)
    c = _state_or_zeros("c0", c0, x.shape[1:-1], H, x)
    Wx_all = x @ weight_ih.T + bias_ih  # (T, B, 4H): one matrix product for all steps
    y = []
    for Wx_t in Wx_all.unbind(0):  # the steps' views; Wx_all[t] would cost a full-size gradient per step
        h, c = lstm_step(Wx_t, h, c, weight_hh.T, bias_hh)
        y.append(h)
    y = torch.stack(y) if y else x.new_empty(x.shape[:-1] + (H,))
    return y, (h, c)
# --8<-- [end:lstm]


# --8<-- [start:lstm_forget_bias_one]
def lstm_forget_bias_one(bias_ih, bias_hh):
    """Set the effective forget-gate bias b_if + b_hf to 1 (Gers et al. 2000), in place.

    The forget gate sees the sum of the two biases, so one block is set to 1 and the other to 0.
    bias_ih, bias_hh: (4H,) in the block order i, f, g, o, e.g. nn.LSTM's bias_ih_l0 and
    bias_hh_l0 (parameters are changed without recording the change for autograd);
    only rows H..2H-1 change. returns (bias_ih, bias_hh), the same tensors
    """
    H = _forget_block_size(bias_ih, bias_hh)
    with torch.no_grad():
        bias_ih[H:2 * H] = 1.0  # b_if: rows H..2H-1, the forget block
        bias_hh[H:2 * H] = 0.0  # b_hf: so that b_if + b_hf = 1
    return bias_ih, bias_hh
# --8<-- [end:lstm_forget_bias_one]


def _forget_block_size(bias_ih, bias_hh):
    """Check two bias vectors of one LSTM layer; return the hidden size H."""
    if bias_ih.ndim != 1 or tuple(bias_ih.shape) != tuple(bias_hh.shape) or bias_ih.shape[0] % BLOCKS:
        raise ValueError(f"bias_ih and bias_hh must both have shape ({BLOCKS}H,), got "
                         f"{tuple(bias_ih.shape)} and {tuple(bias_hh.shape)}")
    return bias_ih.shape[0] // BLOCKS


# Backward pass: the gradients of a loss L, written δv = ∂L/∂v (code: dv), one formula each.
# δa_t = (δa^i, δa^f, δa^g, δa^o) are the gradients of the four pre-activations
# a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh, in the row-block order i, f, g, o.

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


# --8<-- [start:lstm_backward_output_gate]
def lstm_backward_output_gate(dh_t, c_t):
    """Output gate, from h_t = o_t ⊙ tanh(c_t):  δo_t = δh_t ⊙ tanh(c_t).

    dh_t, c_t: (B, H)  ->  δo_t: (B, H)
    """
    return dh_t * tanh(c_t)
# --8<-- [end:lstm_backward_output_gate]


# --8<-- [start:lstm_backward_cell_state]
def lstm_backward_cell_state(dh_t, o_t, c_t, dc_next):
    """Cell state:  δc_t = δc_t^next + o_t ⊙ (1 - tanh²(c_t)) ⊙ δh_t.

    dc_next: (B, H) what step t+1 hands back along the cell state, f_{t+1} ⊙ δc_{t+1}
             (at the last step: ∂L/∂c_n); the second term arrives through h_t.
    dh_t, o_t, c_t: (B, H)  ->  δc_t: (B, H)
    """
    tanh_c = tanh(c_t)
    return dc_next + o_t * (1 - tanh_c * tanh_c) * dh_t
# --8<-- [end:lstm_backward_cell_state]


# --8<-- [start:lstm_backward_forget_gate]
def lstm_backward_forget_gate(dc_t, c_prev):
    """Forget gate, from c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t:  δf_t = δc_t ⊙ c_{t-1}.

    dc_t, c_prev: (B, H)  ->  δf_t: (B, H)
    """
    return dc_t * c_prev
# --8<-- [end:lstm_backward_forget_gate]


# --8<-- [start:lstm_backward_input_gate]
def lstm_backward_input_gate(dc_t, g_t):
    """Input gate:  δi_t = δc_t ⊙ g_t.

    dc_t, g_t: (B, H)  ->  δi_t: (B, H)
    """
    return dc_t * g_t
# --8<-- [end:lstm_backward_input_gate]


# --8<-- [start:lstm_backward_candidate]
def lstm_backward_candidate(dc_t, i_t):
    """Candidate:  δg_t = δc_t ⊙ i_t.

    dc_t, i_t: (B, H)  ->  δg_t: (B, H)
    """
    return dc_t * i_t
# --8<-- [end:lstm_backward_candidate]


# --8<-- [start:lstm_backward_cell_carry]
def lstm_backward_cell_carry(dc_t, f_t):
    """What step t hands back along the cell state:  δc_{t-1}^next = f_t ⊙ δc_t.

    dc_t, f_t: (B, H)  ->  (B, H). No weight matrix and no derivative of an activation:
    only the forget gate scales the gradient on this path.
    """
    return f_t * dc_t
# --8<-- [end:lstm_backward_cell_carry]


# --8<-- [start:lstm_backward_hidden_state]
def lstm_backward_hidden_state(da_t, weight_hh):
    """What step t hands back to h_{t-1}:  δh_{t-1}^next = W_hh^T δa_t.

    da_t: (B, 4H) gradients of the pre-activations, blocks i, f, g, o;  weight_hh: (4H, H)
    returns (B, H); the full δh_{t-1} adds δy_{t-1}, the gradient of the output y_{t-1}.
    """
    return da_t @ weight_hh
# --8<-- [end:lstm_backward_hidden_state]


# --8<-- [start:linear_backward_weight]
def linear_backward_weight(da, v):
    """Gradient of a weight W in a = W v + ...:  δW = Σ δa v^T, summed over the batch (and time).

    da: (N, K) gradients of a;  v: (N, M) the vectors W multiplied (x_t for W_ih, h_{t-1} for W_hh)
    returns δW: (K, M). The biases get Σ δa (the same sum without v).
    """
    return da.T @ v
# --8<-- [end:linear_backward_weight]


# --8<-- [start:lstm_step_forward]
def lstm_step_forward(Wx, h_prev, c_prev, weight_hh, bias_hh):
    """lstm_step that also returns the cache its backward needs.

    Wx: (B, 4H) input terms x_t W_ih^T + b_ih, blocks i, f, g, o;  h_prev, c_prev: (B, H)
    weight_hh: (4H, H), torch.nn's layout (lstm_step takes it transposed);  bias_hh: (4H,)
    returns h_t, c_t: (B, H) and the cache: the step's inputs, gates and weights, all that
    lstm_step_backward needs for the gradient of every argument
    """
    _check_step(Wx, {"h_prev": h_prev, "c_prev": c_prev}, weight_hh, bias_hh)
    Wh = h_prev @ weight_hh.T + bias_hh  # (B, 4H) recurrent terms of all gates
    Wx_i, Wx_f, Wx_g, Wx_o = Wx.chunk(BLOCKS, dim=-1)
    Wh_i, Wh_f, Wh_g, Wh_o = Wh.chunk(BLOCKS, dim=-1)
    i_t = lstm_input_gate(Wx_i, Wh_i)
    f_t = lstm_forget_gate(Wx_f, Wh_f)
    g_t = lstm_candidate(Wx_g, Wh_g)
    o_t = lstm_output_gate(Wx_o, Wh_o)
    c_t = lstm_cell_state(f_t, c_prev, i_t, g_t)
    h_t = lstm_hidden_state(o_t, c_t)
    cache = {"h_prev": h_prev, "c_prev": c_prev, "i_t": i_t, "f_t": f_t, "g_t": g_t, "o_t": o_t, "c_t": c_t,
             "weight_hh": weight_hh}
    return h_t, c_t, cache
# --8<-- [end:lstm_step_forward]


# --8<-- [start:lstm_step_backward]
def lstm_step_backward(dh_t, dc_next, cache):
    """One step back, gate by gate: the gradient of every argument of lstm_step_forward.

    dh_t: (B, H) the full gradient of h_t (δy_t plus what step t+1 handed back)
    dc_next: (B, H) what step t+1 handed back along the cell state
    cache: from lstm_step_forward; it holds weight_hh, so both directions use the same weights
    returns {"Wx": δa_t (B, 4H), "h_prev": δh_{t-1}^next (B, H), "c_prev": δc_{t-1}^next (B, H),
             "weight_hh": (4H, H), "bias_hh": (4H,)}, the weights' summed over the batch.
    δa_t is also δb_ih (summed over the batch) and gives δW_ih = Σ δa_t x_t^T.
    """
    h_prev, c_prev, c_t, weight_hh = cache["h_prev"], cache["c_prev"], cache["c_t"], cache["weight_hh"]
    i_t, f_t, g_t, o_t = cache["i_t"], cache["f_t"], cache["g_t"], cache["o_t"]
    _check_gradient("dh_t", dh_t, c_t)
    _check_gradient("dc_next", dc_next, c_t)
    do_t = lstm_backward_output_gate(dh_t, c_t)
    dc_t = lstm_backward_cell_state(dh_t, o_t, c_t, dc_next)
    df_t = lstm_backward_forget_gate(dc_t, c_prev)
    di_t = lstm_backward_input_gate(dc_t, g_t)
    dg_t = lstm_backward_candidate(dc_t, i_t)
    da_t = torch.cat([sigmoid_backward(i_t, di_t), sigmoid_backward(f_t, df_t),
                           tanh_backward(g_t, dg_t), sigmoid_backward(o_t, do_t)], dim=-1)
    H = c_t.shape[-1]
    da_2d = da_t.reshape(-1, BLOCKS * H)  # (B, 4H), also for an unbatched step
    return {"Wx": da_t,
            "h_prev": lstm_backward_hidden_state(da_t, weight_hh),
            "c_prev": lstm_backward_cell_carry(dc_t, f_t),
            "weight_hh": linear_backward_weight(da_2d, h_prev.reshape(-1, H)),
            "bias_hh": da_2d.sum(0)}
# --8<-- [end:lstm_step_backward]


# --8<-- [start:lstm_backward]
def lstm_backward(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, dy, dh_n=None, dc_n=None):
    """Backpropagation through time (BPTT) for lstm(x, h0, c0, ...).

    Gradients of L = Σ dy ⊙ y + Σ dh_n ⊙ h_n + Σ dc_n ⊙ c_n with respect to every input of lstm.
    x: (T, B, D) or (T, D);  h0, c0: (B, H) or (H,), or None for zeros
    dy: (T, B, H) or (T, H), ∂L/∂y;  dh_n, dc_n: (B, H) or (H,), ∂L/∂h_n and ∂L/∂c_n, None for zeros
    returns {"x", "h0", "c0", "weight_ih", "weight_hh", "bias_ih", "bias_hh"}, each in its input's shape
    bias_ih and bias_hh get the same gradient, since both are added to a_t: a model that ties them
    to one bias b takes that gradient once (not their sum).
    """
    H = _check_parameters(x, weight_ih, weight_hh, bias_ih, bias_hh)
    _check_rank("x", x, (2, 3))
    T, batch, D = x.shape[0], x.shape[1:-1], x.shape[-1]
    h = _state_or_zeros("h0", h0, batch, H, x)
    c = _state_or_zeros("c0", c0, batch, H, x)
    dy = _state_or_zeros("dy", dy, (T,) + batch, H, x)
    dh = _state_or_zeros("dh_n", dh_n, batch, H, x).clone()  # never an alias of the caller's array
    dc = _state_or_zeros("dc_n", dc_n, batch, H, x).clone()
    # Forward, as in lstm, keeping each step's cache
    Wx_all = (x.reshape(-1, D) @ weight_ih.T + bias_ih).reshape((T,) + batch + (BLOCKS * H,))
    caches = []
    for t in range(T):
        h, c, cache = lstm_step_forward(Wx_all[t], h, c, weight_hh, bias_hh)
        caches.append(cache)
    # Backward, from the last step to the first
    da_all = torch.empty_like(Wx_all)  # (T, B, 4H) gradients of the pre-activations
    d_weight_hh = torch.zeros_like(weight_hh)  # summed step by step
    for t in reversed(range(T)):
        step = lstm_step_backward(dh + dy[t], dc, caches[t])
        da_all[t], dh, dc = step["Wx"], step["h_prev"], step["c_prev"]
        d_weight_hh += step["weight_hh"]
    da_2d = da_all.reshape(-1, BLOCKS * H)  # (T*B, 4H): one product sums over time and batch
    return {"x": (da_2d @ weight_ih).reshape(x.shape),
            "h0": dh,
            "c0": dc,
            "weight_ih": linear_backward_weight(da_2d, x.reshape(-1, D)),
            "weight_hh": d_weight_hh,
            "bias_ih": da_2d.sum(0),
            "bias_hh": da_2d.sum(0)}  # the same as bias_ih's: both are added to a_t
# --8<-- [end:lstm_backward]


# --8<-- [start:lstm_jacobian]
def lstm_jacobian(i_t, f_t, g_t, o_t, c_prev, c_t, weight_hh):
    """One step's full Jacobian ∂h_t/∂h_{t-1} (c_{t-1} held fixed): the paths through o_t,
    and through f_t, i_t, g_t into c_t and on to h_t.

    i_t, f_t, g_t, o_t, c_prev, c_t: (B, H);  weight_hh: (4H, H), blocks W_hi, W_hf, W_hg, W_ho
    returns (B, H, H): entry [b, k, j] = ∂h_t[b, k] / ∂h_{t-1}[b, j]
    """
    W_hi, W_hf, W_hg, W_ho = weight_hh.chunk(BLOCKS, dim=0)  # (H, H) each
    tanh_c = tanh(c_t)
    dc_dh = (i_t * (1 - i_t) * g_t)[..., None] * W_hi \
        + (f_t * (1 - f_t) * c_prev)[..., None] * W_hf \
        + (i_t * (1 - g_t * g_t))[..., None] * W_hg  # (B, H, H) ∂c_t/∂h_{t-1}
    return (o_t * (1 - o_t) * tanh_c)[..., None] * W_ho + (o_t * (1 - tanh_c * tanh_c))[..., None] * dc_dh
# --8<-- [end:lstm_jacobian]


# --8<-- [start:lstm_cell_jacobian]
def lstm_cell_jacobian(i_t, f_t, g_t, c_prev, o_prev, weight_hh):
    """One step's exact dc_t/dc_{t-1}: diag(f_t) plus the gate paths, since c_{t-1} also
    reaches the gates through h_{t-1} = o_{t-1} ⊙ tanh(c_{t-1}).

    i_t, f_t, g_t, c_prev, o_prev: (B, H);  weight_hh: (4H, H)
    returns (B, H, H): entry [b, k, j] = dc_t[b, k] / dc_{t-1}[b, j]
    """
    W_hi, W_hf, W_hg, _ = weight_hh.chunk(BLOCKS, dim=0)  # (H, H) each
    dc_dh = (i_t * (1 - i_t) * g_t)[..., None] * W_hi \
        + (f_t * (1 - f_t) * c_prev)[..., None] * W_hf \
        + (i_t * (1 - g_t * g_t))[..., None] * W_hg  # (B, H, H) ∂c_t/∂h_{t-1}
    tanh_c = tanh(c_prev)
    dh_dc = o_prev * (1 - tanh_c * tanh_c)  # (B, H) the diagonal of ∂h_{t-1}/∂c_{t-1}
    direct = f_t[..., None] * torch.eye(f_t.shape[-1], dtype=f_t.dtype, device=f_t.device)  # diag(f_t)
    return direct + dc_dh * dh_dc[..., None, :]
# --8<-- [end:lstm_cell_jacobian]


# Training with the explicit backward: one autograd operation whose gradients come from
# lstm_backward, not from autograd. y, h_n, c_n = LSTMFunction.apply(x, h0, c0, weight_ih,
# weight_hh, bias_ih, bias_hh); torch.autograd.gradcheck checks it in float64.

class LSTMFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
        ctx.save_for_backward(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh)
        y, (h_n, c_n) = lstm(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh)
        return y, h_n.clone(), c_n.clone()  # new tensors even when T = 0

    @staticmethod
    def backward(ctx, dy, dh_n, dc_n):
        x, h0, c0, *parameters = ctx.saved_tensors
        grads = lstm_backward(x, h0, c0, *parameters, dy, dh_n, dc_n)
        return (grads["x"], None if h0 is None else grads["h0"], None if c0 is None else grads["c0"],
                grads["weight_ih"], grads["weight_hh"], grads["bias_ih"], grads["bias_hh"])


# --8<-- [start:lstm_projection]
def lstm_projection(o_t, c_t, W_hr):
    """Projected hidden state  h_t = W_hr (o_t ⊙ tanh(c_t))   (nn.LSTM with proj_size = P > 0).

    o_t, c_t: (B, H);  W_hr: (P, H)  ->  h_t: (B, P)
    The cell keeps H units; what it shows (and feeds back) is a linear map of size P.
    """
    return lstm_hidden_state(o_t, c_t) @ W_hr.T
# --8<-- [end:lstm_projection]


# --8<-- [start:lstm_projected_step]
def lstm_projected_step(Wx, h_prev, c_prev, weight_hh_T, bias_hh, W_hr):
    """One time step of an LSTM with a projection: lstm_step with h_t = W_hr (o_t ⊙ tanh(c_t)).

    Wx: (B, 4H) input terms, blocks i, f, g, o;  h_prev: (B, P), the projected state
    c_prev: (B, H);  weight_hh_T: (P, 4H);  bias_hh: (4H,);  W_hr: (P, H)
    returns h_t: (B, P), c_t: (B, H)
    """
    Wh = h_prev @ weight_hh_T + bias_hh  # (B, 4H) recurrent terms of all gates
    Wx_i, Wx_f, Wx_g, Wx_o = Wx.chunk(BLOCKS, dim=-1)
    Wh_i, Wh_f, Wh_g, Wh_o = Wh.chunk(BLOCKS, dim=-1)
    i_t = lstm_input_gate(Wx_i, Wh_i)
    f_t = lstm_forget_gate(Wx_f, Wh_f)
    g_t = lstm_candidate(Wx_g, Wh_g)
    o_t = lstm_output_gate(Wx_o, Wh_o)
    c_t = lstm_cell_state(f_t, c_prev, i_t, g_t)
    h_t = lstm_projection(o_t, c_t, W_hr)
    return h_t, c_t
# --8<-- [end:lstm_projected_step]


# --8<-- [start:lstm_direction]
def lstm_direction(x, lengths, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, weight_hr=None):
    """One layer, one direction, over a padded batch: the loop of `lstm`, plus lengths.

    x: (T, B, D);  lengths: (B,) ints, sequence b is x[:lengths[b], b], or None for all T
    h0: (B, P), c0: (B, H), or None for zeros;  weight_hr: (P, H), or None for no projection (then P = H)
    At step t only the sequences that are still running (t < length) move on; the others
    keep their states, and their output is 0, as pad_packed_sequence pads it.
    returns y: (T, B, P), the h_t of every step, and h_n: (B, P), c_n: (B, H)
    """
    lengths, h0, c0 = _check_direction(x, lengths, {"h0": h0, "c0": c0}, weight_ih, weight_hh, bias_ih, bias_hh,
                                       weight_hr)
    Wx_all = x @ weight_ih.T + bias_ih  # (T, B, 4H): the input terms of all steps at once
    h, c = h0, c0
    y = []
    for t, Wx_t in enumerate(Wx_all.unbind(0)):  # views; Wx_all[t] would cost a full-size gradient per step
        if weight_hr is None:
            h_t, c_t = lstm_step(Wx_t, h, c, weight_hh.T, bias_hh)
        else:
            h_t, c_t = lstm_projected_step(Wx_t, h, c, weight_hh.T, bias_hh, weight_hr)
        running = (t < lengths)[:, None]  # (B, 1): which sequences have a step t
        h = torch.where(running, h_t, h)
        c = torch.where(running, c_t, c)
        y.append(torch.where(running, h_t, 0.0))
    y = torch.stack(y) if y else x.new_zeros(x.shape[:-1] + h0.shape[-1:])
    return y, h, c
# --8<-- [end:lstm_direction]


# --8<-- [start:lstm_layers]
def lstm_layers(x, params, h0=None, c0=None, *, batch_first=False, lengths=None):
    """torch.nn.LSTM in eval mode, all of it: layers, directions, proj_size, lengths.

    x: (T, B, D), or (B, T, D) with batch_first=True, or unbatched (T, D)
    params: {name: tensor} with torch.nn.LSTM's state_dict names (weight_ih_l0,
        bias_hh_l1_reverse, weight_hr_l0, ...), e.g.
        nn.LSTM(...).state_dict() (any device; x's dtype and device).
        The number of layers L, the directions (2 if there are _reverse keys), the
        projection size P (weight_hr, else P = H) and the biases are read from the keys.
    h0: (L*dirs, B, P), c0: (L*dirs, B, H), without B for unbatched x; None for zeros
    lengths: B ints in any order, 1 <= length <= T, or None for all T. Gives what
        pack_padded_sequence(x, lengths, enforce_sorted=False) and pad_packed_sequence
        give: max(lengths) steps, zeros after each sequence's end, final states from each
        sequence's last step, and the reverse direction starting from that step.
    returns output: (T, B, dirs*P) (batch_first: (B, T, dirs*P)), the last layer's h_t
        with both directions side by side, and (h_n, c_n): (L*dirs, B, P), (L*dirs, B, H),
        the final states of every layer and direction, row layer*dirs + direction.
    Dropout between layers acts only in training and is not reproduced. T = 0 gives an
    empty output and h_n, c_n = h0, c0.
    """
    layers, H, P = _layer_parameters(params, x, projection=True)
    x, lengths, batched = _time_major(x, batch_first, lengths)
    rows = (len(layers) * len(layers[0]), x.shape[1])  # (L*dirs, B)
    h0 = _initial_states("h0", h0, rows + (P,), batched, x)
    c0 = _initial_states("c0", c0, rows + (H,), batched, x)
    h_n, c_n = [], []
    for layer in layers:  # the output of one layer is the input of the next
        outputs = []
        for direction, p in enumerate(layer):
            k = len(h_n)  # row of h_n and c_n: layer * dirs + direction
            if direction == 0:
                y, h, c = lstm_direction(x, lengths, h0[k], c0[k], **p)
            else:  # each sequence read backwards from its own last step, then put back in order
                y, h, c = lstm_direction(_reverse_padded(x, lengths), lengths, h0[k], c0[k], **p)
                y = _reverse_padded(y, lengths)
            outputs.append(y)
            h_n.append(h)
            c_n.append(c)
        x = torch.cat(outputs, dim=-1)  # (T, B, dirs*P)
    return _output_layout(x, batch_first, batched), (_stacked(h_n, batched), _stacked(c_n, batched))
# --8<-- [end:lstm_layers]


# LSTM variants: the 1997 cell without a forget gate, peephole connections, coupled gates.

# --8<-- [start:lstm_cell_state_no_forget]
def lstm_cell_state_no_forget(c_prev, i_t, g_t):
    """State update of the 1997 LSTM, without a forget gate  c_t = c_{t-1} + i_t ⊙ g_t.

    c_prev, i_t, g_t: (B, H)  ->  c_t: (B, H)
    lstm_cell_state with f_t = 1: the cell can add, but never erase.
    """
    return c_prev + i_t * g_t
# --8<-- [end:lstm_cell_state_no_forget]


# --8<-- [start:lstm_peephole_input_gate]
def lstm_peephole_input_gate(Wx_i, Wh_i, w_ci, c_prev):
    """Input gate with a peephole  i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi + w_ci ⊙ c_{t-1}).

    Wx_i, Wh_i: (B, H) input and recurrent terms;  w_ci: (H,) peephole weights;  c_prev: (B, H)
    returns i_t: (B, H); w_ci = 0 gives lstm_input_gate.
    """
    return sigmoid(Wx_i + Wh_i + w_ci * c_prev)
# --8<-- [end:lstm_peephole_input_gate]


# --8<-- [start:lstm_peephole_forget_gate]
def lstm_peephole_forget_gate(Wx_f, Wh_f, w_cf, c_prev):
    """Forget gate with a peephole  f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf + w_cf ⊙ c_{t-1}).

    Wx_f, Wh_f: (B, H) input and recurrent terms;  w_cf: (H,) peephole weights;  c_prev: (B, H)
    returns f_t: (B, H); w_cf = 0 gives lstm_forget_gate.
    """
    return sigmoid(Wx_f + Wh_f + w_cf * c_prev)
# --8<-- [end:lstm_peephole_forget_gate]


# --8<-- [start:lstm_peephole_output_gate]
def lstm_peephole_output_gate(Wx_o, Wh_o, w_co, c_t):
    """Output gate with a peephole  o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho + w_co ⊙ c_t).

    Wx_o, Wh_o: (B, H) input and recurrent terms;  w_co: (H,) peephole weights
    c_t: (B, H), the NEW cell state: the output gate looks at what it is about to show.
    returns o_t: (B, H); w_co = 0 gives lstm_output_gate.
    """
    return sigmoid(Wx_o + Wh_o + w_co * c_t)
# --8<-- [end:lstm_peephole_output_gate]


# --8<-- [start:lstm_coupled_input_gate]
def lstm_coupled_input_gate(f_t):
    """Coupled input and forget gate (CIFG)  i_t = 1 - f_t.

    f_t: (B, H)  ->  i_t: (B, H). What is erased is what gets written: with it,
    c_t = f_t ⊙ c_{t-1} + (1 - f_t) ⊙ g_t, the GRU's h_t = z_t ⊙ h_{t-1} + (1 - z_t) ⊙ n_t.
    """
    return 1 - f_t
# --8<-- [end:lstm_coupled_input_gate]


# --8<-- [start:lstm_no_forget_step]
def lstm_no_forget_step(Wx, h_prev, c_prev, weight_hh_T, bias_hh):
    """One step of the 1997 LSTM (no forget gate). Three row blocks: i, g, o.

    Wx: (B, 3H) input terms;  h_prev, c_prev: (B, H);  weight_hh_T: (H, 3H);  bias_hh: (3H,)
    returns h_t, c_t: (B, H)
    """
    Wh = h_prev @ weight_hh_T + bias_hh  # (B, 3H) recurrent terms
    Wx_i, Wx_g, Wx_o = Wx.chunk(3, dim=-1)
    Wh_i, Wh_g, Wh_o = Wh.chunk(3, dim=-1)
    i_t = lstm_input_gate(Wx_i, Wh_i)
    g_t = lstm_candidate(Wx_g, Wh_g)
    o_t = lstm_output_gate(Wx_o, Wh_o)
    c_t = lstm_cell_state_no_forget(c_prev, i_t, g_t)
    h_t = lstm_hidden_state(o_t, c_t)
    return h_t, c_t
# --8<-- [end:lstm_no_forget_step]


# --8<-- [start:lstm_peephole_step]
def lstm_peephole_step(Wx, h_prev, c_prev, weight_hh_T, bias_hh, w_ci, w_cf, w_co):
    """One step of an LSTM with peephole connections (Gers & Schmidhuber 2000).

    Wx: (B, 4H) input terms, blocks i, f, g, o;  h_prev, c_prev: (B, H)
    weight_hh_T: (H, 4H);  bias_hh: (4H,);  w_ci, w_cf, w_co: (H,) peephole weights
    returns h_t, c_t: (B, H); all three peephole weights 0 give lstm_step.
    """
    Wh = h_prev @ weight_hh_T + bias_hh  # (B, 4H) recurrent terms of all gates
    Wx_i, Wx_f, Wx_g, Wx_o = Wx.chunk(4, dim=-1)
    Wh_i, Wh_f, Wh_g, Wh_o = Wh.chunk(4, dim=-1)
    i_t = lstm_peephole_input_gate(Wx_i, Wh_i, w_ci, c_prev)
    f_t = lstm_peephole_forget_gate(Wx_f, Wh_f, w_cf, c_prev)
    g_t = lstm_candidate(Wx_g, Wh_g)
    c_t = lstm_cell_state(f_t, c_prev, i_t, g_t)
    o_t = lstm_peephole_output_gate(Wx_o, Wh_o, w_co, c_t)  # after c_t: it sees the new state
    h_t = lstm_hidden_state(o_t, c_t)
    return h_t, c_t
# --8<-- [end:lstm_peephole_step]


# --8<-- [start:lstm_cifg_step]
def lstm_cifg_step(Wx, h_prev, c_prev, weight_hh_T, bias_hh):
    """One step of an LSTM with coupled input and forget gates (CIFG). Three row blocks: f, g, o.

    Wx: (B, 3H) input terms;  h_prev, c_prev: (B, H);  weight_hh_T: (H, 3H);  bias_hh: (3H,)
    returns h_t, c_t: (B, H)
    """
    Wh = h_prev @ weight_hh_T + bias_hh  # (B, 3H) recurrent terms
    Wx_f, Wx_g, Wx_o = Wx.chunk(3, dim=-1)
    Wh_f, Wh_g, Wh_o = Wh.chunk(3, dim=-1)
    f_t = lstm_forget_gate(Wx_f, Wh_f)
    i_t = lstm_coupled_input_gate(f_t)
    g_t = lstm_candidate(Wx_g, Wh_g)
    o_t = lstm_output_gate(Wx_o, Wh_o)
    c_t = lstm_cell_state(f_t, c_prev, i_t, g_t)
    h_t = lstm_hidden_state(o_t, c_t)
    return h_t, c_t
# --8<-- [end:lstm_cifg_step]


# Converters: weights stored in other layouts, as torch.nn's names, for lstm(x, h0, c0, **params).
# Keras/TensorFlow and CS231n multiply row vectors, x K (kernel (D, 4H)); torch.nn multiplies
# column vectors, W x (weight_ih (4H, D)): every matrix is transposed, and the gate blocks reordered.

# --8<-- [start:lstm_from_keras]
def lstm_from_keras(kernel, recurrent_kernel, bias=None):
    """Keras 3 / TensorFlow LSTM weights (layer.get_weights()) in torch.nn.LSTM's layout.

    kernel: (D, 4H), recurrent_kernel: (H, 4H), bias: (4H,), or None for use_bias=False
    Keras's column blocks are i, f, c, o: its c is our g, so the order is already i, f, g, o.
    Keras has one bias; torch.nn has two that are always added, so bias_hh = 0.
    returns {"weight_ih": (4H, D), "weight_hh": (4H, H), "bias_ih": (4H,), "bias_hh": (4H,)}
    """
    _, H = _check_x_w_layout("lstm_from_keras", kernel, recurrent_kernel)
    bias = _bias_or_zeros("lstm_from_keras", "bias", bias, (BLOCKS * H,), kernel)
    return {"weight_ih": kernel.T.contiguous(),            # (4H, D)
            "weight_hh": recurrent_kernel.T.contiguous(),  # (4H, H)
            "bias_ih": bias.clone(),
            "bias_hh": torch.zeros_like(bias)}
# --8<-- [end:lstm_from_keras]


# --8<-- [start:lstm_to_keras]
def lstm_to_keras(weight_ih, weight_hh, bias_ih, bias_hh):
    """torch.nn.LSTM's layout -> Keras 3 / TensorFlow LSTM weights, the inverse of lstm_from_keras.

    weight_ih: (4H, D), weight_hh: (4H, H), bias_ih, bias_hh: (4H,)
    returns {"kernel": (D, 4H), "recurrent_kernel": (H, 4H), "bias": (4H,)}, in the order of
    layer.set_weights(list(...values())). The two biases are summed: Keras has one.
    """
    _check_torch_layout(weight_ih, weight_hh, bias_ih, bias_hh)
    return {"kernel": weight_ih.T.contiguous(),            # (D, 4H)
            "recurrent_kernel": weight_hh.T.contiguous(),  # (H, 4H)
            "bias": bias_ih + bias_hh}
# --8<-- [end:lstm_to_keras]


# --8<-- [start:lstm_from_cs231n]
def lstm_from_cs231n(Wx, Wh, b):
    """Stanford CS231n's LSTM weights (assignment 3, rnn_layers.py) in torch.nn.LSTM's layout.

    Wx: (D, 4H), Wh: (H, 4H), b: (4H,), column blocks i, f, o, g: o and g trade places.
    CS231n has one bias; torch.nn has two that are always added, so bias_hh = 0.
    returns {"weight_ih": (4H, D), "weight_hh": (4H, H), "bias_ih": (4H,), "bias_hh": (4H,)}
    """
    _, H = _check_x_w_layout("lstm_from_cs231n", Wx, Wh, ("Wx", "Wh"))
    b = _bias_or_zeros("lstm_from_cs231n", "b", b, (BLOCKS * H,), Wx)

    def ifgo(W):  # (..., 4H) blocks i, f, o, g -> i, f, g, o
        i, f, o, g = torch.chunk(W, BLOCKS, dim=-1)
        return torch.cat([i, f, g, o], dim=-1)

    return {"weight_ih": ifgo(Wx).T.contiguous(),  # (4H, D)
            "weight_hh": ifgo(Wh).T.contiguous(),  # (4H, H)
            "bias_ih": ifgo(b),
            "bias_hh": torch.zeros_like(b)}
# --8<-- [end:lstm_from_cs231n]


# Fast paths on a GPU: the same lstm, launched differently. On a GPU the plain loop spends its time
# launching about a dozen small kernels per step, not computing; these functions keep the code above
# and change only how its kernels reach the GPU.

# --8<-- [start:lstm_graphed]
def lstm_graphed(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, lstm_function=lstm):
    """lstm captured in CUDA graphs for the shapes of these inputs; returns a function that replays it.

    x: (T, B, D) or (T, D);  h0, c0: (B, H) or (H,), or None for zeros;  parameters as in lstm
    returns lstm_replay(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh) -> y, (h_n, c_n): the
    values of lstm, for inputs with exactly these shapes, dtype and device (another
    shape raises ValueError: capture again, e.g. once per sequence length).

    A CUDA graph records every kernel of the T steps once and replays them all with one launch,
    so the per-step cost of Python and of launching kernels disappears. If any input requires
    grad, the backward pass is captured as a second graph and gradients reach the caller's
    tensors, so lstm_replay trains like lstm (torch.cuda.make_graphed_callables): capture with the
    weights that will require grad.
    Helps: CUDA, fixed shapes, many calls, small B and H, where launches dominate.
    Costs: capture runs lstm 3 times to warm up, then once per graph (4 passes, backward too);
    the graphs keep their own copies of all inputs (weights included) and every step's
    activations in a private memory pool as long as lstm_replay lives; each call copies the
    inputs in. Its outputs are the graph's own tensors: the next call overwrites them.
    lstm_function: what to capture, lstm or a function with its arguments, e.g. lstm_compiled()
    (fused steps, then captured: fewer kernels and one launch, compiled once whatever T is).
    CPU tensors have no CUDA graphs: this returns lstm_function itself and warns once.
    """
    _check_tensor("x", x, x)
    if x.device.type != "cuda":
        return _without_cuda_graphs("lstm_graphed", lstm_function)
    H = _check_parameters(x, weight_ih, weight_hh, bias_ih, bias_hh)
    _check_rank("x", x, (2, 3))
    _check_steps("lstm_graphed", x)
    h0_zeros = _state_or_zeros("h0", None, x.shape[1:-1], H, x)  # what h0=None means, in every replay
    c0_zeros = _state_or_zeros("c0", None, x.shape[1:-1], H, x)
    inputs = (x, _state_or_zeros("h0", h0, x.shape[1:-1], H, x), _state_or_zeros("c0", c0, x.shape[1:-1], H, x),
              weight_ih, weight_hh, bias_ih, bias_hh)
    static_inputs = _static_copies(inputs)  # the graph reads its inputs from these tensors
    lstm_in_graphs = torch.cuda.make_graphed_callables(lstm_function, static_inputs)

    def lstm_replay(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
        inputs = (x, h0_zeros if h0 is None else h0, c0_zeros if c0 is None else c0,
                  weight_ih, weight_hh, bias_ih, bias_hh)
        _check_replay("lstm_graphed", ("x", "h0", "c0", "weight_ih", "weight_hh", "bias_ih", "bias_hh"),
                      inputs, static_inputs)
        return lstm_in_graphs(*inputs)  # copies inputs into static_inputs, replays the graph
    return lstm_replay
# --8<-- [end:lstm_graphed]


# --8<-- [start:lstm_compiled]
def lstm_compiled(whole_loop=False, backend="inductor"):
    """lstm under torch.compile; returns a function with lstm's arguments and values.

    x: (T, B, D) or (T, D);  h0, c0: (B, H) or (H,), or None;  parameters as in lstm
    ->  y: (T, B, H) or (T, H), (h_n, c_n): (B, H) or (H,), as lstm returns them.
    whole_loop=False compiles lstm_step only: the compiler fuses each step's gate arithmetic
    into a few kernels (the matrix products stay library calls) and the Python loop calls it
    T times (no CUDA graph: each step still launches its few kernels). Compile time does not
    depend on T.
    whole_loop=True compiles all of lstm: the loop is unrolled into T copies of the step and, on
    CUDA, mode="reduce-overhead" replays them as one CUDA graph: fewest launches, but compile
    time grows with T, and each new T or batch size compiles again.
    The first call for a new device, shape or autograd need compiles (forward, and backward when
    gradients are needed); later calls run the compiled code; training works as with lstm.
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

    def lstm_fused(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
        _check_tensor("x", x, x)
        if whole_loop:
            return compiled_on(x.device, lstm)(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh)
        H = _check_parameters(x, weight_ih, weight_hh, bias_ih, bias_hh)  # as in lstm, with a compiled step
        _check_rank("x", x, (2, 3))
        h = _state_or_zeros("h0", h0, x.shape[1:-1], H, x)
        c = _state_or_zeros("c0", c0, x.shape[1:-1], H, x)
        lstm_step_fused = compiled_on(x.device, lstm_step)
        Wx_all = x @ weight_ih.T + bias_ih  # (T, B, 4H): one matrix product for all steps
        y = []
        for Wx_t in Wx_all.unbind(0):  # the steps' views; Wx_all[t] would cost a full-size gradient per step
            h, c = lstm_step_fused(Wx_t, h, c, weight_hh.T, bias_hh)
            y.append(h)
        y = torch.stack(y) if y else x.new_empty(x.shape[:-1] + (H,))
        return y, (h, c)
    return lstm_fused
# --8<-- [end:lstm_compiled]


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
