"""Cells and sequences against torch.nn, for both the NumPy and the PyTorch snippets.

Weights come from the torch modules themselves; initial states are random and non-zero;
sizes include the edges T = B = D = H = 1; inputs batched and unbatched.
"""

import pytest
import torch

from snippets import gru_numpy, gru_torch, lstm_numpy, lstm_torch, rnn_numpy, rnn_torch

from .conftest import TOLERANCE, as_numpy, max_error

MODELS = {
    # name: (torch.nn cell, torch.nn sequence, numpy module, torch module, number of states)
    "rnn": (torch.nn.RNNCell, torch.nn.RNN, rnn_numpy, rnn_torch, 1),
    "lstm": (torch.nn.LSTMCell, torch.nn.LSTM, lstm_numpy, lstm_torch, 2),
    "gru": (torch.nn.GRUCell, torch.nn.GRU, gru_numpy, gru_torch, 1),
}
SIZES = [  # (T, B, D, H)
    (5, 3, 4, 6),
    (1, 1, 1, 1),
    (1, 2, 3, 4),
    (7, 1, 5, 1),
    (3, 4, 1, 2),
]
DTYPES = [torch.float64, torch.float32]


def parameters(layer, suffix=""):
    return [getattr(layer, f"{name}{suffix}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]


def implementations(name, device):
    """(label, call) pairs: each takes tensors and returns tensors, through NumPy or PyTorch."""
    _, _, numpy_module, torch_module, _ = MODELS[name]

    def to_tensors(result):  # array, or tuples of arrays such as (y, (h_n, c_n))
        if isinstance(result, tuple):
            return tuple(to_tensors(r) for r in result)
        return torch.from_numpy(result).to(device)

    def through_numpy(fn):
        def call(*args):
            return to_tensors(fn(*[None if a is None else as_numpy(a) for a in args]))
        return call

    return [("numpy", numpy_module, through_numpy), ("torch", torch_module, lambda fn: fn)]


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: "T{}-B{}-D{}-H{}".format(*s))
@pytest.mark.parametrize("name", MODELS)
def test_cell_matches_torch_nn(name, size, batched, dtype, device):
    nn_cell, _, _, _, n_states = MODELS[name]
    _, B, D, H = size
    torch.manual_seed(sum(size))
    cell = nn_cell(D, H).to(device, dtype)
    batch = (B,) if batched else ()
    x = torch.randn(*batch, D, dtype=dtype, device=device)
    states = [torch.randn(*batch, H, dtype=dtype, device=device) for _ in range(n_states)]
    with torch.no_grad():
        expected = cell(x, states[0] if n_states == 1 else tuple(states))
        for label, module, wrap in implementations(name, device):
            ours = wrap(getattr(module, f"{name}_cell"))(x, *states, *parameters(cell))
            expected_list = expected if n_states > 1 else (expected,)
            ours_list = ours if n_states > 1 else (ours,)
            for mine, theirs in zip(ours_list, expected_list):
                assert mine.device == theirs.device
                assert max_error(mine, theirs) <= TOLERANCE[dtype], label


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: "T{}-B{}-D{}-H{}".format(*s))
@pytest.mark.parametrize("name", MODELS)
def test_sequence_matches_torch_nn(name, size, batched, dtype, device):
    _, nn_sequence, _, _, n_states = MODELS[name]
    T, B, D, H = size
    torch.manual_seed(100 + sum(size))
    layer = nn_sequence(D, H).to(device, dtype)
    batch = (B,) if batched else ()
    x = torch.randn(T, *batch, D, dtype=dtype, device=device)
    # torch.nn wants states with a leading layer axis: (1, B, H) or (1, H)
    states = [torch.randn(1, *batch, H, dtype=dtype, device=device) for _ in range(n_states)]
    with torch.no_grad():
        y_expected, last_expected = layer(x, states[0] if n_states == 1 else tuple(states))
        last_expected = last_expected if n_states > 1 else (last_expected,)
        for label, module, wrap in implementations(name, device):
            y, last = wrap(getattr(module, name))(x, *[s[0] for s in states], *parameters(layer, "_l0"))
            last = last if n_states > 1 else (last,)
            assert max_error(y, y_expected) <= TOLERANCE[dtype], label
            for mine, theirs in zip(last, last_expected):
                assert max_error(mine, theirs[0]) <= TOLERANCE[dtype], label


@pytest.mark.parametrize("name", MODELS)
def test_sequence_with_zero_initial_state_matches_torch_nn(name, device):
    _, nn_sequence, _, _, n_states = MODELS[name]
    torch.manual_seed(7)
    layer = nn_sequence(3, 5).to(device, torch.float64)
    x = torch.randn(6, 2, 3, dtype=torch.float64, device=device)
    with torch.no_grad():
        y_expected, _ = layer(x)
        for label, module, wrap in implementations(name, device):
            y, _ = wrap(getattr(module, name))(x, *[None] * n_states, *parameters(layer, "_l0"))
            assert max_error(y, y_expected) <= 1e-10, label


@pytest.mark.parametrize("name", MODELS)
def test_torch_snippets_backpropagate_like_torch_nn(name, device):
    """Students train with these: gradients of every parameter match torch.nn's."""
    _, nn_sequence, _, torch_module, n_states = MODELS[name]
    torch.manual_seed(3)
    layer = nn_sequence(4, 3).to(device, torch.float64)
    x = torch.randn(5, 2, 4, dtype=torch.float64, device=device)
    states = [torch.randn(1, 2, 3, dtype=torch.float64, device=device) for _ in range(n_states)]
    y_expected, _ = layer(x, states[0] if n_states == 1 else tuple(states))
    expected = torch.autograd.grad(y_expected.square().sum(), parameters(layer, "_l0"))
    y, _ = getattr(torch_module, name)(x, *[s[0] for s in states], *parameters(layer, "_l0"))
    ours = torch.autograd.grad(y.square().sum(), parameters(layer, "_l0"))
    for mine, theirs in zip(ours, expected):
        assert max_error(mine, theirs) <= 1e-10


# The reset-before GRU (reset_after=False), which torch.nn lacks: tests/test_gru_reset_before.py.
