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

import re
from collections.abc import Mapping

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

    x: (T, B, D);  lengths: (B,) ints, sequence b is x[:lengths[b], b]
    h0: (B, P), c0: (B, H);  weight_hr: (P, H), or None for no projection (then P = H)
    At step t only the sequences that are still running (t < length) move on; the others
    keep their states, and their output is 0, as pad_packed_sequence pads it.
    returns y: (T, B, P), the h_t of every step, and h_n: (B, P), c_n: (B, H)
    """
    Wx_all = x @ weight_ih.T + bias_ih  # (T, B, 4H): the input terms of all steps at once
    h, c = h0, c0
    y = []
    for t in range(x.shape[0]):
        if weight_hr is None:
            h_t, c_t = lstm_step(Wx_all[t], h, c, weight_hh.T, bias_hh)
        else:
            h_t, c_t = lstm_projected_step(Wx_all[t], h, c, weight_hh.T, bias_hh, weight_hr)
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
