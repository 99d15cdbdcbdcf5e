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

Each formula function takes the two terms of its pre-activation, already computed:
the input term W_i? x_t + b_i? and the recurrent term W_h? h_{t-1} + b_h?.
`lstm_cell` and `lstm` compute those terms for all four gates in one matrix product each.
"""

import torch

BLOCKS = 4  # row blocks of weight_ih and weight_hh: i, f, g, o


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
    """
    H = _check_parameters(x, weight_ih, weight_hh, bias_ih, bias_hh)
    _check_rank("x", x, (2, 3))
    h = _state_or_zeros("h0", h0, x.shape[1:-1], H, x)
    c = _state_or_zeros("c0", c0, x.shape[1:-1], H, x)
    Wx_all = x @ weight_ih.T + bias_ih  # (T, B, 4H): one matrix product for all steps
    y = []
    for t in range(x.shape[0]):
        h, c = lstm_step(Wx_all[t], h, c, weight_hh.T, bias_hh)
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
