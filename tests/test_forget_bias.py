"""lstm_forget_bias_one: the two lines that make the effective forget-gate bias b_if + b_hf equal 1."""

import numpy as np
import pytest
import torch

from snippets import lstm_numpy, lstm_torch

from .conftest import TOLERANCE, max_error

D, H = 3, 5
FORGET = slice(H, 2 * H)  # block order i, f, g, o


def _default_lstm(device):
    torch.manual_seed(0)
    return torch.nn.LSTM(D, H, dtype=torch.float64).to(device)


def test_numpy_sets_the_sum_to_1_and_leaves_other_blocks_alone():
    rng = np.random.default_rng(0)
    bias_ih, bias_hh = rng.uniform(-1, 1, 4 * H), rng.uniform(-1, 1, 4 * H)
    before_ih, before_hh = bias_ih.copy(), bias_hh.copy()
    out_ih, out_hh = lstm_numpy.lstm_forget_bias_one(bias_ih, bias_hh)
    assert out_ih is bias_ih and out_hh is bias_hh  # in place
    np.testing.assert_array_equal(bias_ih[FORGET] + bias_hh[FORGET], np.ones(H))
    others = np.r_[0:H, 2 * H:4 * H]
    np.testing.assert_array_equal(bias_ih[others], before_ih[others])
    np.testing.assert_array_equal(bias_hh[others], before_hh[others])
    assert not np.allclose(before_ih[FORGET] + before_hh[FORGET], 1)  # the default draw was not 1


def test_torch_on_nn_lstm_parameters(device):
    layer = _default_lstm(device)
    before = [p.detach().clone() for p in (layer.bias_ih_l0, layer.bias_hh_l0)]
    lstm_torch.lstm_forget_bias_one(layer.bias_ih_l0, layer.bias_hh_l0)
    total = layer.bias_ih_l0 + layer.bias_hh_l0
    assert total.device.type == device.type
    assert torch.equal(total[FORGET], torch.ones(H, dtype=torch.float64, device=device))
    for old, new in zip(before, (layer.bias_ih_l0, layer.bias_hh_l0)):
        keep = torch.cat([new[:H], new[2 * H:]]).detach()
        assert torch.equal(keep, torch.cat([old[:H], old[2 * H:]]))
    assert layer.bias_ih_l0.requires_grad  # still a trainable parameter


def test_nn_lstm_with_those_parameters_matches_the_snippets(device):
    """The changed nn.LSTM, our lstm() on the same tensors, and the NumPy reference agree, and the
    forget gate at zero input and zero state is σ(1)."""
    layer = _default_lstm(device)
    lstm_torch.lstm_forget_bias_one(layer.bias_ih_l0, layer.bias_hh_l0)
    params = [getattr(layer, f"{p}_l0").detach() for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    x = torch.randn(7, 2, D, dtype=torch.float64, generator=torch.Generator().manual_seed(1)).to(device)
    with torch.no_grad():
        y_ref, (h_ref, c_ref) = layer(x)
    y, (h, c) = lstm_torch.lstm(x, None, None, *params)
    assert max_error(y, y_ref) <= TOLERANCE[torch.float64]
    assert max_error(c[None], c_ref) <= TOLERANCE[torch.float64]
    y_np, _ = lstm_numpy.lstm(x.cpu().numpy(), None, None, *(p.cpu().numpy() for p in params))
    assert max_error(y_np, y_ref) <= TOLERANCE[torch.float64]
    # zero input and zero state: the forget gate's pre-activation is the bias sum alone
    zeros = torch.zeros(1, D, dtype=torch.float64, device=device)
    pre = zeros @ params[0].T + params[2] + params[3]
    f = lstm_torch.lstm_forget_gate(pre[:, FORGET], torch.zeros_like(pre[:, FORGET]))
    assert torch.allclose(f, torch.sigmoid(torch.ones_like(f)), rtol=0, atol=1e-15)


@pytest.mark.parametrize("shapes", [((8,), (12,)), ((2, 4), (2, 4)), ((6,), (6,))])
def test_bad_bias_shapes_are_refused(shapes):
    a, b = (np.zeros(s) for s in shapes)
    with pytest.raises(ValueError, match="bias_ih and bias_hh must both have shape"):
        lstm_numpy.lstm_forget_bias_one(a, b)
    with pytest.raises(ValueError, match="bias_ih and bias_hh must both have shape"):
        lstm_torch.lstm_forget_bias_one(torch.zeros(shapes[0]), torch.zeros(shapes[1]))
