# SPDX-License-Identifier: MIT-0
# Copyright 2026 The Gate by Gate authors
"""Plain (Elman) RNN in PyTorch, one function per formula — same names and math as rnn_numpy.py.

Self-contained: needs only PyTorch. Runs on the device and in the dtype of its inputs
(CPU or CUDA, float32 or float64) and never copies data to the host; autograd works
through every function, so it can be trained. Parameters use the torch.nn.RNN layout
(nonlinearity='tanh'), so weights taken from a PyTorch model work unchanged:

    weight_ih (H, D), weight_hh (H, H), bias_ih (H,), bias_hh (H,)

Shapes: B = batch, D = input features, H = hidden size, T = time steps.
Every function also accepts unbatched inputs (no B axis).
"""

import torch

BLOCKS = 1  # one row block: the RNN has no gates


# --8<-- [start:tanh]
def tanh(x):
    """Hyperbolic tangent tanh(x) = (e^x - e^(-x)) / (e^x + e^(-x)), values in [-1, 1]."""
    return torch.tanh(x)
# --8<-- [end:tanh]


# --8<-- [start:rnn_hidden_state]
def rnn_hidden_state(Wx, Wh):
    """Hidden state  h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh).

    Wx: (B, H) input term      W_ih x_t + b_ih
    Wh: (B, H) recurrent term  W_hh h_{t-1} + b_hh
    returns h_t: (B, H) in (-1, 1)
    """
    return tanh(Wx + Wh)
# --8<-- [end:rnn_hidden_state]


# --8<-- [start:rnn_jacobian]
def rnn_jacobian(h_t, W_hh):
    """One step's Jacobian  ∂h_t/∂h_{t-1} = diag(1 - h_t ⊙ h_t) W_hh   (tanh' = 1 - tanh²).

    h_t: (B, H) the new hidden state;  W_hh: (H, H)
    returns (B, H, H): entry [b, i, j] = ∂h_t[b, i] / ∂h_{t-1}[b, j]
    Backpropagation through k steps multiplies k of these. If all their norms stay below
    some γ < 1, the product shrinks at least like γ^k (vanishing gradient); norms above 1
    only make growth possible (Pascanu et al. 2013): necessary for exploding, not sufficient.
    """
    return (1 - h_t * h_t)[..., :, None] * W_hh
# --8<-- [end:rnn_jacobian]


# --8<-- [start:rnn_step]
def rnn_step(Wx, h_prev, weight_hh_T, bias_hh):
    """One time step from the input term Wx: (B, H) = x_t W_ih^T + b_ih.

    h_prev: (B, H);  weight_hh_T: (H, H) = weight_hh transposed;  bias_hh: (H,)
    returns h_t: (B, H)
    """
    Wh = h_prev @ weight_hh_T + bias_hh  # (B, H) recurrent term
    return rnn_hidden_state(Wx, Wh)
# --8<-- [end:rnn_step]


# --8<-- [start:rnn_cell]
def rnn_cell(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    """One RNN step, like torch.nn.RNNCell.

    x: (B, D) or (D,);  h_prev: (B, H) or (H,), or None for zeros
    weight_ih: (H, D), weight_hh: (H, H), bias_ih, bias_hh: (H,)
    returns h: (B, H) or (H,)
    """
    H = _check_parameters(x, weight_ih, weight_hh, bias_ih, bias_hh)
    _check_rank("x", x, (1, 2))
    h_prev = _state_or_zeros("h_prev", h_prev, x.shape[:-1], H, x)
    Wx = x @ weight_ih.T + bias_ih  # (B, H) input term
    return rnn_step(Wx, h_prev, weight_hh.T, bias_hh)
# --8<-- [end:rnn_cell]


# --8<-- [start:rnn]
def rnn(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    """A one-layer tanh RNN over a sequence, like torch.nn.RNN.

    x: (T, B, D) or (T, D);  h0: (B, H) or (H,), or None for zeros
    returns y: (T, B, H) or (T, H), the h_t of every step, and h_n, the last state
    """
    H = _check_parameters(x, weight_ih, weight_hh, bias_ih, bias_hh)
    _check_rank("x", x, (2, 3))
    h = _state_or_zeros("h0", h0, x.shape[1:-1], H, x)
    Wx_all = x @ weight_ih.T + bias_ih  # (T, B, H): one matrix product for all steps
    y = []
    for t in range(x.shape[0]):
        h = rnn_step(Wx_all[t], h, weight_hh.T, bias_hh)
        y.append(h)
    y = torch.stack(y) if y else x.new_empty(x.shape[:-1] + (H,))
    return y, h
# --8<-- [end:rnn]


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
