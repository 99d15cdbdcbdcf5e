"""The reset-before GRU (Cho et al. 2014, `reset_after=False`) against a reference written
here from the weight blocks, in NumPy and PyTorch, cell and sequence, batched and unbatched.

torch.nn.GRU implements only the reset-after form, so it cannot check this path. The
reference below shares no code with the snippets: it cuts torch.nn's row blocks r, z, n out
of weight_hh and bias_hh by index and applies the formulas one batch row at a time. The same
reference run in its reset-after form is checked against torch.nn.GRUCell, which proves its
block order; only the candidate line differs between the two forms.
"""

import numpy as np
import pytest
import torch

from snippets import gru_numpy, gru_torch

from .conftest import as_numpy

D, H = 3, 4
TOLERANCE = 1e-10  # float64


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def reference_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh, reset_after):
    """One GRU step for a batch (B, D), (B, H) of float64 NumPy arrays, row by row."""
    W_ir, W_iz, W_in = weight_ih[0:H], weight_ih[H:2 * H], weight_ih[2 * H:3 * H]
    W_hr, W_hz, W_hn = weight_hh[0:H], weight_hh[H:2 * H], weight_hh[2 * H:3 * H]
    b_ir, b_iz, b_in = bias_ih[0:H], bias_ih[H:2 * H], bias_ih[2 * H:3 * H]
    b_hr, b_hz, b_hn = bias_hh[0:H], bias_hh[H:2 * H], bias_hh[2 * H:3 * H]
    out = np.empty_like(h)
    for b in range(x.shape[0]):
        x_t, h_prev = x[b], h[b]
        r = _sigmoid(W_ir.dot(x_t) + b_ir + W_hr.dot(h_prev) + b_hr)
        z = _sigmoid(W_iz.dot(x_t) + b_iz + W_hz.dot(h_prev) + b_hz)
        if reset_after:
            n = np.tanh(W_in.dot(x_t) + b_in + r * (W_hn.dot(h_prev) + b_hn))
        else:
            n = np.tanh(W_in.dot(x_t) + b_in + W_hn.dot(r * h_prev) + b_hn)
        out[b] = [(1 - z[j]) * n[j] + z[j] * h_prev[j] for j in range(H)]
    return out


def reference_sequence(x, h0, *params, reset_after):
    h, ys = h0, []
    for x_t in x:
        h = reference_cell(x_t, h, *params, reset_after=reset_after)
        ys.append(h)
    return np.stack(ys), h


def random_gru(seed, B, T=None):
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=s) for s in ((3 * H, D), (3 * H, H), (3 * H,), (3 * H,))]
    x = rng.normal(size=(B, D) if T is None else (T, B, D))
    return x, rng.normal(size=(B, H)), params


def test_the_reference_in_its_reset_after_form_matches_torch_nn():
    """Validates the reference's block order r, z, n and its weight slicing."""
    x, h, params = random_gru(0, B=5)
    cell = torch.nn.GRUCell(D, H).double()
    with torch.no_grad():
        for p, value in zip((cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh), params):
            p.copy_(torch.from_numpy(value))
        expected = cell(torch.from_numpy(x), torch.from_numpy(h)).numpy()
    np.testing.assert_allclose(reference_cell(x, h, *params, reset_after=True), expected, rtol=0, atol=TOLERANCE)
    # and the two forms really differ on these numbers, so the comparisons below can fail
    difference = np.abs(reference_cell(x, h, *params, reset_after=False) - expected).max()
    assert difference > 1e-3


def call(framework, fn, *arrays, **options):
    if framework == "numpy":
        return fn(*arrays, **options)
    result = fn(*[None if a is None else torch.from_numpy(a) for a in arrays], **options)
    return tuple(as_numpy(r) for r in result) if isinstance(result, tuple) else as_numpy(result)


MODULES = {"numpy": gru_numpy, "torch": gru_torch}


@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("framework", MODULES)
def test_cell_reset_before_matches_the_reference(framework, batched):
    x, h, params = random_gru(1, B=4)
    expected = reference_cell(x, h, *params, reset_after=False)
    if batched:
        ours = call(framework, MODULES[framework].gru_cell, x, h, *params, reset_after=False)
    else:
        ours = call(framework, MODULES[framework].gru_cell, x[0], h[0], *params, reset_after=False)
        expected = expected[0]
    assert ours.shape == expected.shape and ours.dtype == np.float64
    np.testing.assert_allclose(ours, expected, rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("framework", MODULES)
def test_sequence_reset_before_matches_the_reference(framework, batched):
    x, h0, params = random_gru(2, B=3, T=6)
    y_expected, h_expected = reference_sequence(x, h0, *params, reset_after=False)
    if batched:
        y, h_n = call(framework, MODULES[framework].gru, x, h0, *params, reset_after=False)
    else:
        y, h_n = call(framework, MODULES[framework].gru, x[:, 0], h0[0], *params, reset_after=False)
        y_expected, h_expected = y_expected[:, 0], h_expected[0]
    assert y.shape == y_expected.shape and h_n.shape == h_expected.shape
    np.testing.assert_allclose(y, y_expected, rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(h_n, h_expected, rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize("framework", MODULES)
def test_sequence_reset_before_from_zero_state_matches_the_reference(framework):
    x, _, params = random_gru(3, B=2, T=4)
    y_expected, _ = reference_sequence(x, np.zeros((2, H)), *params, reset_after=False)
    y, _ = call(framework, MODULES[framework].gru, x, None, *params, reset_after=False)
    np.testing.assert_allclose(y, y_expected, rtol=0, atol=TOLERANCE)



@pytest.mark.parametrize("framework", MODULES)
def test_gru_step_defaults_to_the_reset_after_form_of_torch_nn(framework):
    """gru_step is public: called without reset_after it is PyTorch's form, like gru_cell and gru."""
    x, h, params = random_gru(4, B=3)
    weight_ih, weight_hh, bias_ih, bias_hh = params
    Wx = x @ weight_ih.T + bias_ih
    module = MODULES[framework]
    arrays = (Wx, h, weight_hh.T, bias_hh)
    if framework == "torch":
        arrays = tuple(torch.from_numpy(np.ascontiguousarray(a)) for a in arrays)
    ours = module.gru_step(*arrays)
    ours = as_numpy(ours) if framework == "torch" else ours
    expected = reference_cell(x, h, *params, reset_after=True)
    np.testing.assert_allclose(ours, expected, rtol=0, atol=TOLERANCE)
