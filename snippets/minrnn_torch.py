# SPDX-License-Identifier: MIT-0
# Copyright 2026 The Gate by Gate authors
"""minGRU and minLSTM in PyTorch, one function per formula — same names and math as minrnn_numpy.py.

Self-contained: needs only PyTorch. Runs on the device and in the dtype of its inputs
(CPU or CUDA, float32 or float64); autograd works through every function, so it can be trained. Feng et al. (2024, "Were RNNs All We Needed?",
arXiv:2410.01201) take h_{t-1} out of the gates and the candidate of GRU and LSTM:

    minGRU   z_t = σ(W_z x_t + b_z),  h̃_t = W_h x_t + b_h,  h_t = (1 - z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t
    minLSTM  f_t = σ(W_f x_t + b_f),  i_t = σ(W_i x_t + b_i),  f'_t = f_t / (f_t + i_t),
             i'_t = i_t / (f_t + i_t),  h_t = f'_t ⊙ h_{t-1} + i'_t ⊙ h̃_t

Then every step is h_t = a_t ⊙ h_{t-1} + b_t with a_t and b_t known from x alone, and a
whole sequence can be computed by a parallel scan instead of a loop over time.

Note the direction of minGRU's z_t: z_t = 1 takes the candidate (the paper's convention);
in torch.nn.GRU z_t = 1 keeps h_{t-1}.

Parameters use the torch.nn.Linear layout: weight_z, weight_h, ... (H, D), biases (H,) or
None for no bias (mingru-pytorch uses no biases).
Shapes: T = time steps, B = batch, D = input features, H = hidden size; time-major like
the rest of the book: x (T, B, D) or unbatched (T, D).

log_space=False: the candidate is h̃_t itself (signed); the parallel forms use a scan of the
affine maps h -> a_t ⊙ h + b_t by recursive doubling (no logarithm, any sign).
log_space=True: the candidate is g(h̃_t) > 0 and the parallel forms run the scan in log space,
as the paper's Appendix B and mingru-pytorch do; h0 must then be >= 0.
"""

import torch

__all__ = [
    "sigmoid", "log_sigmoid", "linear", "minrnn_candidate", "minrnn_g", "minrnn_log_g",
    "mingru_update_gate", "mingru_hidden_state",
    "minlstm_forget_gate", "minlstm_input_gate", "minlstm_forget_normalized", "minlstm_input_normalized",
    "minlstm_hidden_state", "minrnn_scan", "minrnn_scan_log",
    "mingru", "mingru_parallel", "minlstm", "minlstm_parallel",
]


# --8<-- [start:sigmoid]
def sigmoid(x):
    """Logistic function σ(x) = 1 / (1 + e^(-x)), elementwise, values in [0, 1]."""
    return torch.sigmoid(x)
# --8<-- [end:sigmoid]


# --8<-- [start:log_sigmoid]
def log_sigmoid(x):
    """log σ(x) = -log(1 + e^(-x)) = -softplus(-x), without forming σ(x).

    log(1 - σ(x)) = log σ(-x), so a gate and its complement both come from here.
    Exact for large |x|: log_sigmoid(-800) = -800, where log(sigmoid(-800)) = log(0) = -inf.
    """
    return -torch.logaddexp(torch.zeros_like(x), -x)
# --8<-- [end:log_sigmoid]


# --8<-- [start:linear]
def linear(x, weight, bias=None):
    """W x + b, as torch.nn.Linear: x (..., D), weight (H, D), bias (H,) or None -> (..., H).

    Applied to a whole sequence x (T, B, D) at once: in minGRU and minLSTM nothing inside it
    depends on h_{t-1}.
    """
    out = x @ weight.T
    return out if bias is None else out + bias
# --8<-- [end:linear]


# --8<-- [start:minrnn_candidate]
def minrnn_candidate(x_t, weight_h, bias_h):
    """Candidate  h̃_t = W_h x_t + b_h: no tanh, and no h_{t-1}.

    x_t: (B, D);  weight_h: (H, D);  bias_h: (H,) or None  ->  h̃_t: (B, H), any sign
    """
    return linear(x_t, weight_h, bias_h)
# --8<-- [end:minrnn_candidate]


# --8<-- [start:minrnn_g]
def minrnn_g(x):
    """g(x) = x + 1/2 for x >= 0, σ(x) for x < 0: positive, continuous, and linear for x >= 0.

    The log-space version's candidate is g(h̃_t) > 0, so that every h_t stays positive.
    """
    return torch.where(x >= 0, x + 0.5, sigmoid(x))
# --8<-- [end:minrnn_g]


# --8<-- [start:minrnn_log_g]
def minrnn_log_g(x):
    """log g(x) = log(x + 1/2) for x >= 0, log σ(x) = -softplus(-x) for x < 0.

    Computed without forming g(x), so log g(-800) = -800 instead of log(0) = -inf.
    """
    return torch.where(x >= 0, torch.log(torch.clamp(x, min=0) + 0.5), log_sigmoid(x))
# --8<-- [end:minrnn_log_g]


# --8<-- [start:mingru_update_gate]
def mingru_update_gate(x_t, weight_z, bias_z):
    """Update gate  z_t = σ(W_z x_t + b_z): no h_{t-1}, so all steps can be computed at once.

    x_t: (B, D), or a whole sequence (T, B, D);  weight_z: (H, D);  bias_z: (H,) or None
    returns z_t: (B, H) in (0, 1); z_t = 1 takes the candidate, z_t = 0 keeps h_{t-1}.
    """
    return sigmoid(linear(x_t, weight_z, bias_z))
# --8<-- [end:mingru_update_gate]


# --8<-- [start:mingru_hidden_state]
def mingru_hidden_state(z_t, h_tilde, h_prev):
    """Hidden state  h_t = (1 - z_t) ⊙ h_{t-1} + z_t ⊙ h̃_t  (a_t = 1 - z_t, b_t = z_t ⊙ h̃_t).

    z_t, h_tilde, h_prev: (B, H)  ->  h_t: (B, H)
    """
    return (1 - z_t) * h_prev + z_t * h_tilde
# --8<-- [end:mingru_hidden_state]


# --8<-- [start:minlstm_forget_gate]
def minlstm_forget_gate(x_t, weight_f, bias_f):
    """Forget gate  f_t = σ(W_f x_t + b_f).

    x_t: (B, D) or (T, B, D);  weight_f: (H, D);  bias_f: (H,) or None  ->  f_t: (B, H)
    """
    return sigmoid(linear(x_t, weight_f, bias_f))
# --8<-- [end:minlstm_forget_gate]


# --8<-- [start:minlstm_input_gate]
def minlstm_input_gate(x_t, weight_i, bias_i):
    """Input gate  i_t = σ(W_i x_t + b_i).

    x_t: (B, D) or (T, B, D);  weight_i: (H, D);  bias_i: (H,) or None  ->  i_t: (B, H)
    """
    return sigmoid(linear(x_t, weight_i, bias_i))
# --8<-- [end:minlstm_input_gate]


# --8<-- [start:minlstm_forget_normalized]
def minlstm_forget_normalized(f_t, i_t):
    """Normalised forget gate  f'_t = f_t / (f_t + i_t).

    f_t, i_t: (B, H) in (0, 1)  ->  f'_t: (B, H); f'_t + i'_t = 1, so h_t stays a weighted
    mean of h_{t-1} and h̃_t and its scale does not depend on t.
    """
    return f_t / (f_t + i_t)
# --8<-- [end:minlstm_forget_normalized]


# --8<-- [start:minlstm_input_normalized]
def minlstm_input_normalized(f_t, i_t):
    """Normalised input gate  i'_t = i_t / (f_t + i_t).

    f_t, i_t: (B, H) in (0, 1)  ->  i'_t: (B, H)
    """
    return i_t / (f_t + i_t)
# --8<-- [end:minlstm_input_normalized]


# --8<-- [start:minlstm_hidden_state]
def minlstm_hidden_state(f_prime, i_prime, h_tilde, h_prev):
    """Hidden state  h_t = f'_t ⊙ h_{t-1} + i'_t ⊙ h̃_t  (a_t = f'_t, b_t = i'_t ⊙ h̃_t).

    f_prime, i_prime, h_tilde, h_prev: (B, H)  ->  h_t: (B, H)
    """
    return f_prime * h_prev + i_prime * h_tilde
# --8<-- [end:minlstm_hidden_state]


# --8<-- [start:minrnn_scan]
def minrnn_scan(a, b, h0):
    """All h_t = a_t ⊙ h_{t-1} + b_t at once: a parallel scan by recursive doubling.

    a, b: (T, ...) the coefficients of every step;  h0: (...) the state before step 1
    returns h: (T, ...), h[t-1] = h_t.
    Step t is the affine map h -> a_t h + b_t. Two maps compose into one,
    (a_2, b_2) after (a_1, b_1) = (a_2 a_1, a_2 b_1 + b_2), and composing is associative, so
    after round k every position holds the composition of its last 2^k steps:
    ceil(log2 T) rounds of whole-array operations instead of T steps. Works for any sign.
    """
    a_star, b_star = a, b  # position t: the maps up to step t composed so far
    shift = 1
    while shift < a.shape[0]:  # new tensors, no in-place writes: autograd can go through
        b_star = torch.cat([b_star[:shift], a_star[shift:] * b_star[:-shift] + b_star[shift:]])
        a_star = torch.cat([a_star[:shift], a_star[shift:] * a_star[:-shift]])
        shift *= 2
    return a_star * h0 + b_star  # now a*_t = a_t ⋯ a_1 and b*_t = h_t for h_0 = 0
# --8<-- [end:minrnn_scan]


# --8<-- [start:minrnn_scan_log]
def minrnn_scan_log(log_a, log_b, log_h0):
    """The same scan in log space (Heinsen 2023), for a_t > 0, b_t > 0, h_0 >= 0:

        log h_t = a*_t + log(h_0 + Σ_{k<=t} e^(log b_k - a*_k)),   a*_t = Σ_{k<=t} log a_k

    log_a, log_b: (T, ...);  log_h0: (...), -inf for h_0 = 0;  returns h: (T, ...).
    A cumulative sum and a cumulative log-sum-exp, no loop. Written with a*_t = log(a_1 ⋯ a_t)
    directly, h_t = a_1⋯a_t (h_0 + Σ b_k / (a_1⋯a_k)) divides by products that underflow to 0;
    in log space they are sums that stay finite.
    """
    a_star = torch.cumsum(log_a, dim=0)  # (T, ...)
    log_sum = torch.logcumsumexp(log_b - a_star, dim=0)  # log Σ_{k<=t} b_k / (a_1⋯a_k)
    return torch.exp(a_star + torch.logaddexp(log_h0.expand_as(log_sum), log_sum))
# --8<-- [end:minrnn_scan_log]


# --8<-- [start:mingru]
def mingru(x, h0, weight_z, weight_h, bias_z=None, bias_h=None, log_space=False):
    """minGRU over a sequence with a loop over time.

    x: (T, B, D) or (T, D);  h0: (B, H) or (H,), or None for zeros
    weight_z, weight_h: (H, D);  bias_z, bias_h: (H,) or None
    log_space=True: candidate g(h̃_t) > 0, and h0 must be >= 0 (the paper's log-space version)
    returns y: (T, B, H) or (T, H), the h_t of every step, and h_n, the last state
    """
    H = _check_parameters(x, ("weight_z", weight_z), ("weight_h", weight_h), ("bias_z", bias_z), ("bias_h", bias_h))
    h = _initial_state(h0, x, H, log_space)
    z = mingru_update_gate(x, weight_z, bias_z)  # (T, B, H): every step at once, no h in it
    h_tilde = minrnn_candidate(x, weight_h, bias_h)  # (T, B, H)
    if log_space:
        h_tilde = minrnn_g(h_tilde)
    y = []  # zip unbinds z and h_tilde once: backward gets one stack, not a full (T, B, H) gradient per z[t]
    for z_t, h_tilde_t in zip(z, h_tilde):  # only this cheap elementwise line is sequential
        h = mingru_hidden_state(z_t, h_tilde_t, h)
        y.append(h)
    return (torch.stack(y) if y else h_tilde), h
# --8<-- [end:mingru]


# --8<-- [start:mingru_parallel]
def mingru_parallel(x, h0, weight_z, weight_h, bias_z=None, bias_h=None, log_space=False):
    """minGRU over a sequence without a loop over time: mingru's results by a parallel scan.

    Same arguments and results as mingru. a_t = 1 - z_t, b_t = z_t ⊙ h̃_t.
    log_space=False: minrnn_scan (doubling, any sign). log_space=True: minrnn_scan_log with
    log a_t = log σ(-(W_z x_t + b_z)), log b_t = log σ(W_z x_t + b_z) + log g(h̃_t).
    """
    H = _check_parameters(x, ("weight_z", weight_z), ("weight_h", weight_h), ("bias_z", bias_z), ("bias_h", bias_h))
    h0 = _initial_state(h0, x, H, log_space)
    pre_z = linear(x, weight_z, bias_z)  # (T, B, H)
    h_tilde = minrnn_candidate(x, weight_h, bias_h)  # (T, B, H)
    if log_space:
        log_a = log_sigmoid(-pre_z)  # log(1 - z_t)
        log_b = log_sigmoid(pre_z) + minrnn_log_g(h_tilde)  # log(z_t g(h̃_t))
        y = minrnn_scan_log(log_a, log_b, torch.log(h0))  # log 0 = -inf is right for h_0 = 0
    else:
        z = sigmoid(pre_z)
        y = minrnn_scan(1 - z, z * h_tilde, h0)
    return y, (y[-1] if len(y) else h0)
# --8<-- [end:mingru_parallel]


# --8<-- [start:minlstm]
def minlstm(x, h0, weight_f, weight_i, weight_h, bias_f=None, bias_i=None, bias_h=None, log_space=False):
    """minLSTM over a sequence with a loop over time.

    x: (T, B, D) or (T, D);  h0: (B, H) or (H,), or None for zeros
    weight_f, weight_i, weight_h: (H, D);  bias_f, bias_i, bias_h: (H,) or None
    log_space=True: candidate g(h̃_t) > 0, and h0 must be >= 0
    returns y: (T, B, H) or (T, H) and h_n, the last state
    """
    H = _check_parameters(x, ("weight_f", weight_f), ("weight_i", weight_i), ("weight_h", weight_h),
                          ("bias_f", bias_f), ("bias_i", bias_i), ("bias_h", bias_h))
    h = _initial_state(h0, x, H, log_space)
    f = minlstm_forget_gate(x, weight_f, bias_f)  # (T, B, H)
    i = minlstm_input_gate(x, weight_i, bias_i)  # (T, B, H)
    f_prime, i_prime = minlstm_forget_normalized(f, i), minlstm_input_normalized(f, i)
    h_tilde = minrnn_candidate(x, weight_h, bias_h)
    if log_space:
        h_tilde = minrnn_g(h_tilde)
    y = []
    for f_prime_t, i_prime_t, h_tilde_t in zip(f_prime, i_prime, h_tilde):
        h = minlstm_hidden_state(f_prime_t, i_prime_t, h_tilde_t, h)
        y.append(h)
    return (torch.stack(y) if y else h_tilde), h
# --8<-- [end:minlstm]


# --8<-- [start:minlstm_parallel]
def minlstm_parallel(x, h0, weight_f, weight_i, weight_h, bias_f=None, bias_i=None, bias_h=None,
                     log_space=False):
    """minLSTM over a sequence without a loop over time: minlstm's results by a parallel scan.

    Same arguments and results as minlstm. a_t = f'_t, b_t = i'_t ⊙ h̃_t.
    log_space=False: minrnn_scan (doubling, any sign). log_space=True: minrnn_scan_log with
    log f'_t = log f_t - log(f_t + i_t), log f_t = log σ(W_f x_t + b_f) (and likewise i'_t).
    """
    H = _check_parameters(x, ("weight_f", weight_f), ("weight_i", weight_i), ("weight_h", weight_h),
                          ("bias_f", bias_f), ("bias_i", bias_i), ("bias_h", bias_h))
    h0 = _initial_state(h0, x, H, log_space)
    pre_f, pre_i = linear(x, weight_f, bias_f), linear(x, weight_i, bias_i)  # (T, B, H) each
    h_tilde = minrnn_candidate(x, weight_h, bias_h)
    if log_space:
        log_f, log_i = log_sigmoid(pre_f), log_sigmoid(pre_i)
        log_f_prime = log_f - torch.logaddexp(log_f, log_i)  # log f_t - log(f_t + i_t)
        log_i_prime = log_i - torch.logaddexp(log_f, log_i)
        y = minrnn_scan_log(log_f_prime, log_i_prime + minrnn_log_g(h_tilde), torch.log(h0))
    else:
        f, i = sigmoid(pre_f), sigmoid(pre_i)
        y = minrnn_scan(minlstm_forget_normalized(f, i), minlstm_input_normalized(f, i) * h_tilde, h0)
    return y, (y[-1] if len(y) else h0)
# --8<-- [end:minlstm_parallel]


# Input checks: a wrong shape fails here, with a message, instead of deep inside a product.

def _check_parameters(x, *named):
    """Check x and the (name, tensor or None) parameters; weights (H, D), biases (H,). Return H."""
    _check_tensor("x", x, x)
    if x.ndim not in (2, 3):
        raise ValueError(f"x must have 2 or 3 dimensions (T, B, D) or (T, D), got shape {tuple(x.shape)}")
    weights = [(n, w) for n, w in named if n.startswith("weight_")]
    H, D = None, x.shape[-1]
    for name, weight in weights:
        _check_tensor(name, weight, x)
        if weight.ndim != 2 or weight.shape[1] != D or weight.shape[0] == 0:
            raise ValueError(f"{name} has shape {tuple(weight.shape)} but expected (H, {D}) for x with {D} features")
        if H is not None and weight.shape[0] != H:
            raise ValueError(f"{name} has {weight.shape[0]} rows but {weights[0][0]} has {H}")
        H = weight.shape[0]
    for name, bias in named:
        if name.startswith("bias_") and bias is not None:
            _check_tensor(name, bias, x)
            if tuple(bias.shape) != (H,):
                raise ValueError(f"{name} has shape {tuple(bias.shape)} but expected ({H},)")
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


def _initial_state(h0, x, H, log_space):
    """h0 checked against x: shape x.shape[1:-1] + (H,); None gives zeros; >= 0 when log_space."""
    expected = tuple(x.shape[1:-1]) + (H,)
    if h0 is None:
        return x.new_zeros(expected)
    _check_tensor("h0", h0, x)
    if tuple(h0.shape) != expected:
        raise ValueError(f"h0 has shape {tuple(h0.shape)} but expected {expected}")
    if log_space and not bool((h0 >= 0).all()):
        raise ValueError("log_space=True keeps every state positive: h0 must be >= 0 "
                         "(the log-space scan takes log h0); use log_space=False for a signed state")
    return h0
