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
