"""The claims the book's text makes, each as an executed check (NumPy and PyTorch alike)."""

import math

import numpy as np
import pytest
import torch

from snippets import gru_numpy, gru_torch, lstm_numpy, lstm_torch, rnn_numpy, rnn_torch

FRAMEWORKS = {"numpy": (lstm_numpy, gru_numpy, np.asarray), "torch": (lstm_torch, gru_torch, torch.as_tensor)}


@pytest.fixture(params=list(FRAMEWORKS))
def fw(request):
    return FRAMEWORKS[request.param]


def values(array):
    return np.asarray(array.cpu() if isinstance(array, torch.Tensor) else array)


@pytest.mark.parametrize("gate", ["lstm_input_gate", "lstm_forget_gate", "lstm_output_gate"])
def test_lstm_gates_lie_strictly_between_0_and_1(fw, gate):
    lstm, _, array = fw
    rng = np.random.default_rng(0)
    Wx, Wh = array(rng.normal(scale=5, size=(64, 32))), array(rng.normal(scale=5, size=(64, 32)))
    out = values(getattr(lstm, gate)(Wx, Wh))
    assert out.min() > 0 and out.max() < 1


@pytest.mark.parametrize("gate", ["gru_reset_gate", "gru_update_gate"])
def test_gru_gates_lie_strictly_between_0_and_1(fw, gate):
    _, gru, array = fw
    rng = np.random.default_rng(1)
    out = values(getattr(gru, gate)(array(rng.normal(scale=5, size=(64, 32))),
                                    array(rng.normal(scale=5, size=(64, 32)))))
    assert out.min() > 0 and out.max() < 1


def test_candidates_lie_between_minus_1_and_1(fw):
    lstm, gru, array = fw
    rng = np.random.default_rng(2)
    a, b = array(rng.normal(scale=3, size=(50, 8))), array(rng.normal(scale=3, size=(50, 8)))
    for out in (lstm.lstm_candidate(a, b), gru.gru_candidate_reset_after(a, array(np.full((50, 8), 0.5)), b)):
        out = values(out)
        assert out.min() > -1 and out.max() < 1


def test_both_gates_1_keep_the_old_state_and_add_the_whole_candidate(fw):
    lstm, _, array = fw
    c_prev, g_t, ones = array([[0.5, -1.0, 2.0]]), array([[0.3, 0.3, -0.9]]), array([[1.0, 1.0, 1.0]])
    c_t = values(lstm.lstm_cell_state(ones, c_prev, ones, g_t))
    np.testing.assert_array_equal(c_t, values(c_prev) + values(g_t))


def test_both_gates_0_erase_the_old_state_and_let_nothing_in(fw):
    lstm, _, array = fw
    c_prev, g_t, zeros = array([[0.5, -1.0, 2.0]]), array([[0.3, 0.3, -0.9]]), array([[0.0, 0.0, 0.0]])
    c_t = values(lstm.lstm_cell_state(zeros, c_prev, zeros, g_t))
    np.testing.assert_array_equal(c_t, np.zeros((1, 3)))


def test_forget_1_input_0_carries_the_cell_state_unchanged_over_many_steps(fw):
    """The cell-state path: with f = 1, i = 0 the memory survives any number of steps exactly."""
    lstm, _, array = fw
    c = array([[0.7, -0.2, 1.5]])
    start = values(c).copy()
    for _ in range(1000):
        c = lstm.lstm_cell_state(array([[1.0, 1.0, 1.0]]), c, array([[0.0, 0.0, 0.0]]), array([[0.9, -0.9, 0.1]]))
    np.testing.assert_array_equal(values(c), start)


def test_gru_update_gate_1_keeps_h_prev_and_0_takes_the_candidate(fw):
    _, gru, array = fw
    n_t, h_prev = array([[0.8, -0.3]]), array([[-0.4, 0.9]])
    np.testing.assert_array_equal(values(gru.gru_hidden_state(array([[1.0, 1.0]]), n_t, h_prev)), values(h_prev))
    np.testing.assert_array_equal(values(gru.gru_hidden_state(array([[0.0, 0.0]]), n_t, h_prev)), values(n_t))


def test_gru_one_gate_plays_forget_and_input(fw):
    """h_t = (1 - z) n + z h: the weights on old and new always sum to 1 (an LSTM's f and i need not)."""
    _, gru, array = fw
    z = array(np.linspace(0, 1, 11)[None, :])
    h = values(gru.gru_hidden_state(z, array(np.ones((1, 11))), array(np.zeros((1, 11)))))
    np.testing.assert_allclose(h, 1 - values(z), atol=1e-15)


def test_gru_candidate_forms_coincide_when_reset_is_1_and_differ_otherwise(fw):
    _, gru, array = fw
    rng = np.random.default_rng(3)
    H = 5
    W_hn, b_hn = rng.normal(size=(H, H)), rng.normal(size=H)
    Wx_n, h_prev = rng.normal(size=(2, H)), rng.normal(size=(2, H))
    Wh_n = h_prev @ W_hn.T + b_hn
    for r in (np.ones((2, H)), rng.uniform(0.05, 0.95, size=(2, H))):
        after = values(gru.gru_candidate_reset_after(array(Wx_n), array(r), array(Wh_n)))
        before = values(gru.gru_candidate_reset_before(array(Wx_n), array(r), array(h_prev), array(W_hn), array(b_hn)))
        if (r == 1).all():
            np.testing.assert_allclose(after, before, atol=1e-12)
        else:
            assert np.abs(after - before).max() > 1e-2
    # r = 0: reset-after drops b_hn with the rest of the recurrent term, reset-before keeps it
    zero = np.zeros((2, H))
    after = values(gru.gru_candidate_reset_after(array(Wx_n), array(zero), array(Wh_n)))
    before = values(gru.gru_candidate_reset_before(array(Wx_n), array(zero), array(h_prev), array(W_hn), array(b_hn)))
    np.testing.assert_allclose(after, np.tanh(Wx_n), atol=1e-15)
    np.testing.assert_allclose(before, np.tanh(Wx_n + b_hn), atol=1e-15)


@pytest.mark.parametrize("D,H", [(1, 1), (10, 20), (128, 256)])
@pytest.mark.parametrize("name,blocks", [("lstm", 4), ("gru", 3), ("rnn", 1)])
@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_parameter_counts(name, blocks, framework, D, H):
    """blocks·(HD + H² + 2H): 4 for the LSTM, 3 for the GRU, 1 for the RNN. The snippets take
    exactly four arrays of these shapes (and refuse one row more), and torch.nn has as many."""
    claimed = blocks * (H * D + H * H + 2 * H)
    shapes = [(blocks * H, D), (blocks * H, H), (blocks * H,), (blocks * H,)]
    assert sum(math.prod(shape) for shape in shapes) == claimed
    module = {"numpy": {"lstm": lstm_numpy, "gru": gru_numpy, "rnn": rnn_numpy},
              "torch": {"lstm": lstm_torch, "gru": gru_torch, "rnn": rnn_torch}}[framework][name]
    array = np.zeros if framework == "numpy" else (lambda shape: torch.zeros(shape, dtype=torch.float64))
    cell = getattr(module, f"{name}_cell")
    states = [None] * (2 if name == "lstm" else 1)
    out = cell(array((D,)), *states, *[array(shape) for shape in shapes])
    assert tuple((out[0] if name == "lstm" else out).shape) == (H,)
    for which in range(4):  # one row more in any of the four is refused
        wrong = [array(shape) for shape in shapes]
        wrong[which] = array((shapes[which][0] + 1,) + shapes[which][1:])
        with pytest.raises(ValueError):
            cell(array((D,)), *states, *wrong)
    layer = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[name](D, H)
    assert sum(p.numel() for p in layer.parameters()) == claimed
    assert [tuple(p.shape) for p in layer.parameters()] == shapes


def test_pytorch_gate_order_is_i_f_g_o():
    """Row block k of weight_ih feeds gate k: setting one block's bias saturates exactly that gate."""
    H = 2
    weight_ih, weight_hh = np.zeros((4 * H, 3)), np.zeros((4 * H, H))
    bias_ih, bias_hh = np.zeros(4 * H), np.zeros(4 * H)
    bias_ih[H:2 * H] = -50.0  # block 1 = forget gate -> f = 0: c_prev erased
    c_prev = np.array([3.0, -3.0])
    _, c = lstm_numpy.lstm_cell(np.ones(3), np.zeros(H), c_prev, weight_ih, weight_hh, bias_ih, bias_hh)
    np.testing.assert_allclose(c, 0.0, atol=1e-20)  # i = 0.5, g = tanh(0) = 0, f = 0
    layer = torch.nn.LSTMCell(3, H).double()
    with torch.no_grad():
        for p in layer.parameters():
            p.zero_()
        layer.bias_ih[H:2 * H] = -50.0
        _, c_torch = layer(torch.ones(1, 3, dtype=torch.float64),
                           (torch.zeros(1, H, dtype=torch.float64), torch.tensor([[3.0, -3.0]], dtype=torch.float64)))
    np.testing.assert_allclose(c_torch.numpy()[0], 0.0, atol=1e-20)


def test_rnn_jacobian_is_the_derivative_of_one_rnn_step():
    """rnn_jacobian agrees with autograd through rnn_cell: the matrix the RNN chapter multiplies."""
    torch.manual_seed(0)
    cell = torch.nn.RNNCell(3, 4).double()
    x, h_prev = torch.randn(3, dtype=torch.float64), torch.randn(4, dtype=torch.float64)
    params = [cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh]
    expected = torch.autograd.functional.jacobian(lambda h: rnn_torch.rnn_cell(x, h, *params), h_prev)
    h_t = rnn_torch.rnn_cell(x, h_prev, *params)
    torch.testing.assert_close(rnn_torch.rnn_jacobian(h_t, cell.weight_hh), expected, rtol=0, atol=1e-12)


# ------------------------------------------------------------ issue 21: the statements the prose makes

PARAMETERS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def test_norms_above_1_are_necessary_not_sufficient_for_growth():
    """rnn.* and clipping.*: every factor has norm 2, yet the product of 40 of them is 0; with
    every norm at most 0.9 the product is at most 0.9^k (the sufficient condition for vanishing)."""
    a, b = np.diag([2.0, 0.0]), np.diag([0.0, 2.0])
    product = np.eye(2)
    for k in range(40):
        product = (a if k % 2 else b) @ product
    assert np.linalg.norm(a, 2) == np.linalg.norm(b, 2) == 2.0 and np.linalg.norm(product, 2) == 0.0
    rng = np.random.default_rng(4)
    weight_hh = rng.normal(size=(6, 6))
    weight_hh *= 0.9 / np.linalg.norm(weight_hh, 2)  # largest singular value 0.9 < 1/γ, γ = 1 for tanh
    product, h = np.eye(6), np.zeros(6)
    for k in range(1, 31):
        h = rnn_numpy.rnn_cell(rng.normal(size=3), h, rng.normal(size=(6, 3)), weight_hh, np.zeros(6), np.zeros(6))
        product = rnn_numpy.rnn_jacobian(h, weight_hh) @ product
        assert np.linalg.norm(product, 2) <= 0.9 ** k + 1e-12


def test_clipping_the_parameter_gradients_is_what_torch_clips():
    """clipping.*: clip_grad_norm of the four parameter gradients equals clip_grad_norm_(parameters());
    putting x, h0 and c0 into the norm, as a whole lstm_backward dict would, gives another result."""
    torch.manual_seed(5)
    layer = torch.nn.LSTM(3, 4).double()
    x = torch.randn(6, 2, 3, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(1, 2, 4, dtype=torch.float64, requires_grad=True)
    c0 = torch.randn(1, 2, 4, dtype=torch.float64, requires_grad=True)
    y, _ = layer(x, (h0, c0))
    (y * y).sum().backward()
    params = [layer.weight_ih_l0, layer.weight_hh_l0, layer.bias_ih_l0, layer.bias_hh_l0]
    numpy_params = [p.detach().numpy() for p in params]
    grads = lstm_numpy.lstm_backward(x.detach().numpy(), h0[0].detach().numpy(), c0[0].detach().numpy(),
                                     *numpy_params, 2 * y.detach().numpy())
    ours = rnn_numpy.clip_grad_norm({k: grads[k] for k in PARAMETERS}, max_norm=0.5)
    whole = rnn_numpy.clip_grad_norm(grads, max_norm=0.5)
    torch.nn.utils.clip_grad_norm_(params, max_norm=0.5)
    for key, p in zip(PARAMETERS, params):
        np.testing.assert_allclose(ours[key], p.grad.numpy(), rtol=1e-9, atol=1e-12)
    assert not np.allclose(whole["weight_hh"], ours["weight_hh"], rtol=1e-3)


def test_clipping_bounds_the_step_of_plain_sgd_but_not_of_adam():
    """clipping.*: after clipping to τ, an SGD step is at most lr·τ long; Adam's first step is not."""
    tau, lr = 0.1, 0.01
    for optimizer, bounded in ((torch.optim.SGD, True), (torch.optim.Adam, False)):
        w = torch.nn.Parameter(torch.zeros(16, dtype=torch.float64))
        w.grad = torch.linspace(1, 100, 16, dtype=torch.float64)
        torch.nn.utils.clip_grad_norm_([w], max_norm=tau)
        optimizer([w], lr=lr).step()
        assert (float(w.detach().norm()) <= lr * tau * (1 + 1e-9)) == bounded


def test_forget_bias_1_starts_at_0_73_and_keeps_little_over_20_steps(fw):
    """forget-gate.*, rnn.*: σ(1) ≈ 0.73; 0.73^20 ≈ 0.002, about 2000 times 0.5^20 ≈ 10^-6, but small."""
    lstm, _, array = fw
    f = float(values(lstm.lstm_forget_gate(array([[1.0]]), array([[0.0]])))[0, 0])
    assert f == pytest.approx(0.731, abs=1e-3)
    assert f ** 20 == pytest.approx(0.002, abs=2e-4) and 0.5 ** 20 == pytest.approx(1e-6, rel=0.05)
    assert 1000 < f ** 20 / 0.5 ** 20 < 3000


def test_bptt_linear_form_has_the_gradient_of_any_loss_at_the_point():
    """backprop/index.*: L = Σ dy ⊙ y + Σ dh_n ⊙ h_n is not the loss, but with dy = ∂loss/∂y and
    dh_n = ∂loss/∂h_n it has the loss's gradient there (here loss = Σ y³ + Σ sin h_n)."""
    torch.manual_seed(6)
    layer = torch.nn.RNN(3, 4).double()
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    y, h_n = layer(x)
    ((y ** 3).sum() + torch.sin(h_n).sum()).backward()
    params = [p.detach().numpy() for p in (layer.weight_ih_l0, layer.weight_hh_l0, layer.bias_ih_l0, layer.bias_hh_l0)]
    grads = rnn_numpy.rnn_backward(x.numpy(), None, *params, 3 * y.detach().numpy() ** 2, np.cos(h_n[0].detach().numpy()))
    for key, p in zip(PARAMETERS, layer.parameters()):
        np.testing.assert_allclose(grads[key], p.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_reset_and_update_gates_share_their_two_gradients_and_the_candidate_only_reset_after(reset_after):
    """backprop/gru.*: δa^x = δa^h for r and z in both forms; for n they differ only in reset-after."""
    torch.manual_seed(7)
    H = 3
    x, h_prev = torch.randn(2, 4, dtype=torch.float64), torch.randn(2, H, dtype=torch.float64)
    W_ih, W_hh = torch.randn(3 * H, 4, dtype=torch.float64), torch.randn(3 * H, H, dtype=torch.float64)
    b_ih, b_hh = torch.randn(3 * H, dtype=torch.float64), torch.randn(3 * H, dtype=torch.float64)
    a_x = (x @ W_ih.T + b_ih).requires_grad_()
    a_h = (h_prev @ W_hh.T + b_hh).requires_grad_()  # reset-before: block n is recomputed below
    r = torch.sigmoid(a_x[:, :H] + a_h[:, :H])
    z = torch.sigmoid(a_x[:, H:2 * H] + a_h[:, H:2 * H])
    if reset_after:
        n = torch.tanh(a_x[:, 2 * H:] + r * a_h[:, 2 * H:])
    else:
        a_h_n = ((r * h_prev) @ W_hh[2 * H:].T + b_hh[2 * H:]).detach().requires_grad_()
        n = torch.tanh(a_x[:, 2 * H:] + a_h_n)
    h = (1 - z) * n + z * h_prev
    torch.autograd.backward(h, torch.randn(2, H, dtype=torch.float64))
    torch.testing.assert_close(a_x.grad[:, :2 * H], a_h.grad[:, :2 * H], rtol=0, atol=1e-15)
    if reset_after:
        assert (a_x.grad[:, 2 * H:] - a_h.grad[:, 2 * H:]).abs().max() > 1e-3
    else:
        torch.testing.assert_close(a_x.grad[:, 2 * H:], a_h_n.grad, rtol=0, atol=1e-15)
