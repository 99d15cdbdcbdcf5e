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
On a GPU, rnn_graphed (CUDA graphs) and rnn_compiled (torch.compile) run the same rnn
with far fewer kernel launches: see "Fast paths on a GPU", after the layers.
"""

import re
import warnings
from collections.abc import Mapping

import torch

# What `from rnn_torch import *` gives: the book's functions, not np/torch or the helpers.
__all__ = [
    "tanh", "rnn_hidden_state", "rnn_jacobian", "rnn_step", "rnn_cell", "rnn", "tanh_backward",
    "rnn_backward_hidden_state", "linear_backward_weight", "clip_grad_norm", "rnn_step_forward",
    "rnn_step_backward", "rnn_backward", "RNNFunction", "rnn_hidden_state_relu", "rnn_direction",
    "rnn_layers", "rnn_from_keras", "rnn_to_keras", "rnn_from_cs231n", "rnn_graphed", "rnn_compiled"
]

BLOCKS = 1  # one row block: the RNN has no gates
CONVERTERS = "rnn_from_keras or rnn_from_cs231n"  # for weights in the x W layout (Keras/TensorFlow, CS231n)


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
    (h_n is (B, H); nn.RNN gives (1, B, H), one row per layer: rnn_layers gives that.
    A state_dict's names end in _l0: pass it to rnn_layers, not to rnn(**state_dict).)
    """
    H = _check_parameters(x, weight_ih, weight_hh, bias_ih, bias_hh)
    _check_rank("x", x, (2, 3))
    h = _state_or_zeros("h0", h0, x.shape[1:-1], H, x)
    Wx_all = x @ weight_ih.T + bias_ih  # (T, B, H): one matrix product for all steps
    y = []
    for Wx_t in Wx_all.unbind(0):  # the steps' views; Wx_all[t] would cost a full-size gradient per step
        h = rnn_step(Wx_t, h, weight_hh.T, bias_hh)
        y.append(h)
    y = torch.stack(y) if y else x.new_empty(x.shape[:-1] + (H,))
    return y, h
# --8<-- [end:rnn]


# Backward pass: the gradients of a loss L, written δv = ∂L/∂v (code: dv), one formula each.
# δa_t is the gradient of the pre-activation a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh.

# --8<-- [start:tanh_backward]
def tanh_backward(y, dy):
    """Through y = tanh(a):  δa = (1 - y ⊙ y) ⊙ δy   (tanh' = 1 - tanh², from the output y).

    y: (B, H) the tanh output;  dy: (B, H) its gradient  ->  δa: (B, H)
    """
    return (1 - y * y) * dy
# --8<-- [end:tanh_backward]


# --8<-- [start:rnn_backward_hidden_state]
def rnn_backward_hidden_state(da_t, weight_hh):
    """What step t hands back to h_{t-1}:  δh_{t-1} = W_hh^T δa_t.

    da_t: (B, H) gradient of the pre-activation;  weight_hh: (H, H)
    returns (B, H); the full δh_{t-1} adds δy_{t-1}, the gradient of the output y_{t-1}.
    """
    return da_t @ weight_hh
# --8<-- [end:rnn_backward_hidden_state]


# --8<-- [start:linear_backward_weight]
def linear_backward_weight(da, v):
    """Gradient of a weight W in a = W v + ...:  δW = Σ δa v^T, summed over the batch (and time).

    da: (N, K) gradients of a;  v: (N, M) the vectors W multiplied (x_t for W_ih, h_{t-1} for W_hh)
    returns δW: (K, M). The biases get Σ δa (the same sum without v).
    """
    return da.T @ v
# --8<-- [end:linear_backward_weight]


# --8<-- [start:clip_grad_norm]
def clip_grad_norm(g, max_norm):
    """Clipping by norm  g ← g · min(1, max_norm / (‖g‖ + 1e-6)), like torch.nn.utils.clip_grad_norm_.

    g: a tensor, or a dict of tensors clipped together: ‖g‖ is then the norm of all of them
    as one vector. Pass the parameters' gradients only (weight_ih, weight_hh, bias_ih,
    bias_hh), as torch does: the x, h0 and c0 of a *_backward result are not parameters.
    The direction is kept; only a gradient longer than max_norm is shortened. Returns a new tensor or dict.
    """
    arrays = list(g.values()) if isinstance(g, dict) else [g]
    norm = torch.sqrt(sum((a * a).sum() for a in arrays))
    scale = torch.clamp(max_norm / (norm + 1e-6), max=1.0)  # a tensor: no copy to the host
    if isinstance(g, dict):
        return {name: a * scale for name, a in g.items()}
    return g * scale
# --8<-- [end:clip_grad_norm]


# --8<-- [start:rnn_step_forward]
def rnn_step_forward(Wx, h_prev, weight_hh, bias_hh):
    """rnn_step that also returns the cache its backward needs.

    Wx: (B, H) input term x_t W_ih^T + b_ih;  h_prev: (B, H)
    weight_hh: (H, H), torch.nn's layout (rnn_step takes it transposed);  bias_hh: (H,)
    returns h_t: (B, H) and the cache: h_prev, h_t and weight_hh, all that rnn_step_backward
    needs for the gradient of every argument
    """
    _check_step(Wx, {"h_prev": h_prev}, weight_hh, bias_hh)
    h_t = rnn_hidden_state(Wx, h_prev @ weight_hh.T + bias_hh)
    return h_t, {"h_prev": h_prev, "h_t": h_t, "weight_hh": weight_hh}
# --8<-- [end:rnn_step_forward]


# --8<-- [start:rnn_step_backward]
def rnn_step_backward(dh_t, cache):
    """One step back through h_t = tanh(a_t): the gradient of every argument of rnn_step_forward.

    dh_t: (B, H) the full gradient of h_t;  cache: from rnn_step_forward (it holds weight_hh)
    returns {"Wx": δa_t (B, H), "h_prev": δh_{t-1} through this step (B, H),
             "weight_hh": (H, H), "bias_hh": (H,)}, the weights' summed over the batch.
    δa_t is also δb_ih (summed over the batch) and gives δW_ih = Σ δa_t x_t^T.
    """
    h_prev, h_t, weight_hh = cache["h_prev"], cache["h_t"], cache["weight_hh"]
    _check_gradient("dh_t", dh_t, h_t)
    da_t = tanh_backward(h_t, dh_t)
    H = h_t.shape[-1]
    da_2d = da_t.reshape(-1, H)  # (B, H), also for an unbatched step
    return {"Wx": da_t,
            "h_prev": rnn_backward_hidden_state(da_t, weight_hh),
            "weight_hh": linear_backward_weight(da_2d, h_prev.reshape(-1, H)),
            "bias_hh": da_2d.sum(0)}
# --8<-- [end:rnn_step_backward]


# --8<-- [start:rnn_backward]
def rnn_backward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, dy, dh_n=None):
    """Backpropagation through time (BPTT) for rnn(x, h0, ...).

    Gradients of L = Σ dy ⊙ y + Σ dh_n ⊙ h_n with respect to every input of rnn.
    x: (T, B, D) or (T, D);  h0: (B, H) or (H,), or None for zeros
    dy: (T, B, H) or (T, H), ∂L/∂y;  dh_n: (B, H) or (H,), ∂L/∂h_n, None for zeros
    returns {"x", "h0", "weight_ih", "weight_hh", "bias_ih", "bias_hh"}, each in its input's shape
    bias_ih and bias_hh get the same gradient, since both are added to a_t: a model that ties them
    to one bias b takes that gradient once (not their sum).
    """
    H = _check_parameters(x, weight_ih, weight_hh, bias_ih, bias_hh)
    _check_rank("x", x, (2, 3))
    T, batch, D = x.shape[0], x.shape[1:-1], x.shape[-1]
    h0 = _state_or_zeros("h0", h0, batch, H, x)
    dy = _state_or_zeros("dy", dy, (T,) + batch, H, x)
    dh = _state_or_zeros("dh_n", dh_n, batch, H, x).clone()  # never an alias of the caller's array
    # Forward, as in rnn, keeping each step's cache
    Wx_all = (x.reshape(-1, D) @ weight_ih.T + bias_ih).reshape((T,) + batch + (H,))
    h, caches = h0, []
    for t in range(T):
        h, cache = rnn_step_forward(Wx_all[t], h, weight_hh, bias_hh)
        caches.append(cache)
    # Backward, from the last step to the first
    da_all = torch.empty_like(Wx_all)  # (T, B, H) gradients of the pre-activations
    d_weight_hh = torch.zeros_like(weight_hh)  # summed step by step
    for t in reversed(range(T)):
        step = rnn_step_backward(dh + dy[t], caches[t])
        da_all[t], dh = step["Wx"], step["h_prev"]
        d_weight_hh += step["weight_hh"]
    da_2d = da_all.reshape(-1, H)  # (T*B, H): one product sums over time and batch
    return {"x": (da_2d @ weight_ih).reshape(x.shape),
            "h0": dh,
            "weight_ih": linear_backward_weight(da_2d, x.reshape(-1, D)),
            "weight_hh": d_weight_hh,
            "bias_ih": da_2d.sum(0),
            "bias_hh": da_2d.sum(0)}  # the same as bias_ih's: both are added to a_t
# --8<-- [end:rnn_backward]


# Training with the explicit backward: one autograd operation whose gradients come from
# rnn_backward, not from autograd. y, h_n = RNNFunction.apply(x, h0, weight_ih, weight_hh,
# bias_ih, bias_hh); torch.autograd.gradcheck checks it in float64.

class RNNFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
        ctx.save_for_backward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
        y, h_n = rnn(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
        return y, h_n.clone()  # a new tensor even when T = 0 (h_n would be h0 itself)

    @staticmethod
    def backward(ctx, dy, dh_n):
        x, h0, *parameters = ctx.saved_tensors
        grads = rnn_backward(x, h0, *parameters, dy, dh_n)
        return (grads["x"], None if h0 is None else grads["h0"],
                grads["weight_ih"], grads["weight_hh"], grads["bias_ih"], grads["bias_hh"])


# --8<-- [start:rnn_hidden_state_relu]
def rnn_hidden_state_relu(Wx, Wh):
    """Hidden state with ReLU  h_t = max(0, W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
    (nn.RNN with nonlinearity="relu").

    Wx: (B, H) input term      W_ih x_t + b_ih
    Wh: (B, H) recurrent term  W_hh h_{t-1} + b_hh
    returns h_t: (B, H), 0 or more, unbounded above
    """
    return torch.relu(Wx + Wh)
# --8<-- [end:rnn_hidden_state_relu]


# --8<-- [start:rnn_direction]
def rnn_direction(x, lengths, h0, weight_ih, weight_hh, bias_ih, bias_hh, nonlinearity="tanh"):
    """One layer, one direction, over a padded batch: the loop of `rnn`, plus lengths.

    x: (T, B, D);  lengths: (B,) ints, sequence b is x[:lengths[b], b], or None for all T
    h0: (B, H), or None for zeros;  nonlinearity: "tanh" (rnn_hidden_state) or "relu" (rnn_hidden_state_relu)
    At step t only the sequences that are still running (t < length) move on; the others
    keep their state, and their output is 0, as pad_packed_sequence pads it.
    returns y: (T, B, H), the h_t of every step, and h_n: (B, H)
    """
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    lengths, h0 = _check_direction(x, lengths, {"h0": h0}, weight_ih, weight_hh, bias_ih, bias_hh)
    hidden_state = {"tanh": rnn_hidden_state, "relu": rnn_hidden_state_relu}[nonlinearity]
    Wx_all = x @ weight_ih.T + bias_ih  # (T, B, H): the input terms of all steps at once
    h = h0
    y = []
    for t, Wx_t in enumerate(Wx_all.unbind(0)):  # views; Wx_all[t] would cost a full-size gradient per step
        Wh = h @ weight_hh.T + bias_hh  # (B, H) recurrent term
        h_t = hidden_state(Wx_t, Wh)
        running = (t < lengths)[:, None]  # (B, 1): which sequences have a step t
        h = torch.where(running, h_t, h)
        y.append(torch.where(running, h_t, 0.0))
    y = torch.stack(y) if y else x.new_zeros(x.shape[:-1] + h0.shape[-1:])
    return y, h
# --8<-- [end:rnn_direction]


# --8<-- [start:rnn_layers]
def rnn_layers(x, params, h0=None, *, batch_first=False, lengths=None, nonlinearity="tanh"):
    """torch.nn.RNN in eval mode, all of it: layers, directions, lengths, tanh or relu.

    x: (T, B, D), or (B, T, D) with batch_first=True, or unbatched (T, D)
    params: {name: tensor} with torch.nn.RNN's state_dict names (weight_ih_l0,
        bias_hh_l1_reverse, ...), e.g.
        nn.RNN(...).state_dict() (any device; x's dtype and device).
        The number of layers L, the directions (2 if there are _reverse keys) and the
        biases are read from the keys; nonlinearity is not in a state_dict: pass it.
    h0: (L*dirs, B, H), without B for unbatched x; None for zeros
    lengths: B ints in any order, 1 <= length <= T, or None for all T. Gives what
        pack_padded_sequence(x, lengths, enforce_sorted=False) and pad_packed_sequence
        give: max(lengths) steps, zeros after each sequence's end, final states from each
        sequence's last step, and the reverse direction starting from that step.
    returns output: (T, B, dirs*H) (batch_first: (B, T, dirs*H)), the last layer's h_t
        with both directions side by side, and h_n: (L*dirs, B, H), the final states of
        every layer and direction, row layer*dirs + direction.
    Dropout between layers acts only in training and is not reproduced. T = 0 gives an
    empty output and h_n = h0.
    """
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
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
                y, h = rnn_direction(x, lengths, h0[k], **p, nonlinearity=nonlinearity)
            else:  # each sequence read backwards from its own last step, then put back in order
                y, h = rnn_direction(_reverse_padded(x, lengths), lengths, h0[k], **p, nonlinearity=nonlinearity)
                y = _reverse_padded(y, lengths)
            outputs.append(y)
            h_n.append(h)
        x = torch.cat(outputs, dim=-1)  # (T, B, dirs*H)
    return _output_layout(x, batch_first, batched), _stacked(h_n, batched)
# --8<-- [end:rnn_layers]


# Converters: weights stored in other layouts, as torch.nn's names, for rnn(x, h0, **params).
# Keras/TensorFlow and CS231n multiply row vectors, x K (kernel (D, H)); torch.nn multiplies
# column vectors, W x (weight_ih (H, D)): every matrix is transposed. There are no gates to reorder.

# --8<-- [start:rnn_from_keras]
def rnn_from_keras(kernel, recurrent_kernel, bias=None):
    """Keras 3 / TensorFlow SimpleRNN weights (layer.get_weights()) in torch.nn.RNN's layout.

    kernel: (D, H), recurrent_kernel: (H, H), bias: (H,), or None for use_bias=False
    Keras has one bias; torch.nn has two that are always added, so bias_hh = 0.
    returns {"weight_ih": (H, D), "weight_hh": (H, H), "bias_ih": (H,), "bias_hh": (H,)}
    """
    _, H = _check_x_w_layout("rnn_from_keras", kernel, recurrent_kernel)
    bias = _bias_or_zeros("rnn_from_keras", "bias", bias, (BLOCKS * H,), kernel)
    return {"weight_ih": kernel.T.contiguous(),            # (H, D)
            "weight_hh": recurrent_kernel.T.contiguous(),  # (H, H)
            "bias_ih": bias.clone(),
            "bias_hh": torch.zeros_like(bias)}
# --8<-- [end:rnn_from_keras]


# --8<-- [start:rnn_to_keras]
def rnn_to_keras(weight_ih, weight_hh, bias_ih, bias_hh):
    """torch.nn.RNN's layout -> Keras 3 / TensorFlow SimpleRNN weights, the inverse of rnn_from_keras.

    weight_ih: (H, D), weight_hh: (H, H), bias_ih, bias_hh: (H,)
    returns {"kernel": (D, H), "recurrent_kernel": (H, H), "bias": (H,)}, in the order of
    layer.set_weights(list(...values())). The two biases are summed: Keras has one.
    """
    _check_torch_layout(weight_ih, weight_hh, bias_ih, bias_hh)
    return {"kernel": weight_ih.T.contiguous(),            # (D, H)
            "recurrent_kernel": weight_hh.T.contiguous(),  # (H, H)
            "bias": bias_ih + bias_hh}
# --8<-- [end:rnn_to_keras]


# --8<-- [start:rnn_from_cs231n]
def rnn_from_cs231n(Wx, Wh, b):
    """Stanford CS231n's vanilla RNN weights (assignment 3, rnn_layers.py) in torch.nn.RNN's layout.

    Wx: (D, H), Wh: (H, H), b: (H,), for next_h = tanh(x Wx + prev_h Wh + b)
    CS231n has one bias; torch.nn has two that are always added, so bias_hh = 0.
    returns {"weight_ih": (H, D), "weight_hh": (H, H), "bias_ih": (H,), "bias_hh": (H,)}
    """
    _, H = _check_x_w_layout("rnn_from_cs231n", Wx, Wh, ("Wx", "Wh"))
    b = _bias_or_zeros("rnn_from_cs231n", "b", b, (BLOCKS * H,), Wx)
    return {"weight_ih": Wx.T.contiguous(),  # (H, D)
            "weight_hh": Wh.T.contiguous(),  # (H, H)
            "bias_ih": b.clone(),
            "bias_hh": torch.zeros_like(b)}
# --8<-- [end:rnn_from_cs231n]


# Fast paths on a GPU: the same rnn, launched differently. On a GPU the plain loop spends its time
# launching a few small kernels per step, not computing; these functions keep the code above
# and change only how its kernels reach the GPU.

# --8<-- [start:rnn_graphed]
def rnn_graphed(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, rnn_function=rnn):
    """rnn captured in CUDA graphs for the shapes of these inputs; returns a function that replays it.

    x: (T, B, D) or (T, D);  h0: (B, H) or (H,), or None for zeros;  parameters as in rnn
    returns rnn_replay(x, h0, weight_ih, weight_hh, bias_ih, bias_hh) -> y, h_n: the values of
    rnn, for inputs with exactly these shapes, dtype and device (another shape raises
    ValueError: capture again, e.g. once per sequence length).

    A CUDA graph records every kernel of the T steps once and replays them all with one launch,
    so the per-step cost of Python and of launching kernels disappears. If any input requires
    grad, the backward pass is captured as a second graph and gradients reach the caller's
    tensors, so rnn_replay trains like rnn (torch.cuda.make_graphed_callables): capture with the
    weights that will require grad.
    Helps: CUDA, fixed shapes, many calls, small B and H, where launches dominate.
    Costs: capture runs rnn 3 times to warm up, then once per graph (4 passes, backward too);
    the graphs keep their own copies of all inputs (weights included) and every step's
    activations in a private memory pool as long as rnn_replay lives; each call copies the
    inputs in. Its outputs are the graph's own tensors: the next call overwrites them.
    rnn_function: what to capture, rnn or a function with its arguments, e.g. rnn_compiled()
    (fused steps, then captured: fewer kernels and one launch, compiled once whatever T is).
    CPU tensors have no CUDA graphs: this returns rnn_function itself and warns once.
    """
    _check_tensor("x", x, x)
    if x.device.type != "cuda":
        return _without_cuda_graphs("rnn_graphed", rnn_function)
    H = _check_parameters(x, weight_ih, weight_hh, bias_ih, bias_hh)
    _check_rank("x", x, (2, 3))
    _check_steps("rnn_graphed", x)
    h0_zeros = _state_or_zeros("h0", None, x.shape[1:-1], H, x)  # what h0=None means, in every replay
    inputs = (x, _state_or_zeros("h0", h0, x.shape[1:-1], H, x), weight_ih, weight_hh, bias_ih, bias_hh)
    static_inputs = _static_copies(inputs)  # the graph reads its inputs from these tensors
    rnn_in_graphs = torch.cuda.make_graphed_callables(rnn_function, static_inputs)

    def rnn_replay(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
        inputs = (x, h0_zeros if h0 is None else h0, weight_ih, weight_hh, bias_ih, bias_hh)
        _check_replay("rnn_graphed", ("x", "h0", "weight_ih", "weight_hh", "bias_ih", "bias_hh"),
                      inputs, static_inputs)
        return rnn_in_graphs(*inputs)  # copies inputs into static_inputs, replays the graph
    return rnn_replay
# --8<-- [end:rnn_graphed]


# --8<-- [start:rnn_compiled]
def rnn_compiled(whole_loop=False, backend="inductor"):
    """rnn under torch.compile; returns a function with rnn's arguments and values.

    x: (T, B, D) or (T, D);  h0: (B, H) or (H,), or None;  parameters as in rnn
    ->  y: (T, B, H) or (T, H), h_n: (B, H) or (H,), as rnn returns them.
    whole_loop=False compiles rnn_step only: the compiler fuses each step's bias and tanh
    into a few kernels (the matrix products stay library calls) and the Python loop calls it
    T times (no CUDA graph: each step still launches its few kernels). Compile time does not
    depend on T.
    whole_loop=True compiles all of rnn: the loop is unrolled into T copies of the step and, on
    CUDA, mode="reduce-overhead" replays them as one CUDA graph: fewest launches, but compile
    time grows with T, and each new T or batch size compiles again.
    The first call for a new device, shape or autograd need compiles (forward, and backward when
    gradients are needed); later calls run the compiled code; training works as with rnn.
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

    def rnn_fused(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
        _check_tensor("x", x, x)
        if whole_loop:
            return compiled_on(x.device, rnn)(x, h0, weight_ih, weight_hh, bias_ih, bias_hh)
        H = _check_parameters(x, weight_ih, weight_hh, bias_ih, bias_hh)  # as in rnn, with a compiled step
        _check_rank("x", x, (2, 3))
        h = _state_or_zeros("h0", h0, x.shape[1:-1], H, x)
        rnn_step_fused = compiled_on(x.device, rnn_step)
        Wx_all = x @ weight_ih.T + bias_ih  # (T, B, H): one matrix product for all steps
        y = []
        for Wx_t in Wx_all.unbind(0):  # the steps' views; Wx_all[t] would cost a full-size gradient per step
            h = rnn_step_fused(Wx_t, h, weight_hh.T, bias_hh)
            y.append(h)
        y = torch.stack(y) if y else x.new_empty(x.shape[:-1] + (H,))
        return y, h
    return rnn_fused
# --8<-- [end:rnn_compiled]


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
