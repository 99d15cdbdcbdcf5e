"""gru/conventions: porting the update gate between the z and 1 - z conventions negates its
weights and its bias (1 - σ(a) = σ(-a)); flipping only one of them gives another model."""

import numpy as np
import pytest
import torch

from snippets import gru_numpy, gru_torch

D, H, T = 3, 4, 6
UPDATE = slice(H, 2 * H)  # block order r, z, n


def test_one_minus_sigmoid_is_sigmoid_of_minus():
    a = np.linspace(-30, 30, 601)
    np.testing.assert_allclose(1 - gru_numpy.sigmoid(a), gru_numpy.sigmoid(-a), rtol=0, atol=1e-15)
    at = torch.from_numpy(a)
    assert torch.allclose(1 - gru_torch.sigmoid(at), gru_torch.sigmoid(-at), rtol=0, atol=1e-15)


def _gru_other_convention(x, weight_ih, weight_hh, bias_ih, bias_hh):
    """Reset after, but h_t = z ⊙ n_t + (1 - z) ⊙ h_{t-1} (z accepts the candidate, as in colah's post)."""
    h = np.zeros(H)
    for t in range(x.shape[0]):
        Wx_r, Wx_z, Wx_n = np.split(weight_ih @ x[t] + bias_ih, 3)
        Wh_r, Wh_z, Wh_n = np.split(weight_hh @ h + bias_hh, 3)
        r = gru_numpy.gru_reset_gate(Wx_r, Wh_r)
        z = gru_numpy.gru_update_gate(Wx_z, Wh_z)
        n = gru_numpy.gru_candidate_reset_after(Wx_n, r, Wh_n)
        h = z * n + (1 - z) * h
    return h


def _negate_update_block(params, weights=True, biases=True):
    out = [p.copy() for p in params]
    for k in ((0, 1) if weights else ()) + ((2, 3) if biases else ()):
        out[k][UPDATE] *= -1
    return out


@pytest.fixture(scope="module")
def pytorch_gru():
    torch.manual_seed(3)
    layer = torch.nn.GRU(D, H, dtype=torch.float64)
    params = [getattr(layer, f"{p}_l0").detach().numpy().copy()
              for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    x = np.random.default_rng(4).normal(size=(T, D))
    with torch.no_grad():
        _, h_n = layer(torch.from_numpy(x))
    return params, x, h_n.numpy()[0]


def test_negating_the_update_block_ports_a_gru_between_the_z_conventions(pytorch_gru):
    params, x, h_ref = pytorch_gru
    ported = _gru_other_convention(x, *_negate_update_block(params))
    np.testing.assert_allclose(ported, h_ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("weights,biases", [(False, False), (True, False), (False, True)])
def test_flipping_only_part_of_the_update_block_gives_another_model(pytorch_gru, weights, biases):
    params, x, h_ref = pytorch_gru
    wrong = _gru_other_convention(x, *_negate_update_block(params, weights, biases))
    assert np.max(np.abs(wrong - h_ref)) > 1e-3
