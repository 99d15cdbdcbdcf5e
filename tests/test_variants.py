"""The LSTM variants: each reduces to the standard LSTM in its limit, NumPy = PyTorch, and
one step agrees with a scalar re-implementation written with the math module."""

import math

import numpy as np
import pytest
import torch

from snippets import gru_numpy, gru_torch, lstm_numpy, lstm_torch

from .conftest import as_numpy

B, H = 3, 4
FRAMEWORKS = {"numpy": (lstm_numpy, gru_numpy, lambda a: a),
              "torch": (lstm_torch, gru_torch, torch.from_numpy)}


def arrays(seed, **shapes):
    rng = np.random.default_rng(seed)
    return {name: rng.normal(size=shape) for name, shape in shapes.items()}


@pytest.fixture(params=list(FRAMEWORKS))
def snippets(request):
    lstm, gru, convert = FRAMEWORKS[request.param]
    return lstm, gru, convert, request.param


def numpy(v):
    return as_numpy(v) if isinstance(v, torch.Tensor) else v


def close(a, b, atol=1e-12):
    a, b = numpy(a), numpy(b)
    np.testing.assert_allclose(a, b, rtol=0, atol=atol)


def test_no_forget_gate_is_a_forget_gate_fixed_at_one(snippets):
    lstm, _, convert, _ = snippets
    a = {k: convert(v) for k, v in arrays(0, c_prev=(B, H), i_t=(B, H), g_t=(B, H)).items()}
    ones = convert(np.ones((B, H)))
    assert (lstm.lstm_cell_state_no_forget(**a) == lstm.lstm_cell_state(ones, a["c_prev"], a["i_t"], a["g_t"])).all()


def test_no_forget_step_is_lstm_step_with_the_forget_gate_saturated(snippets):
    """A forget block with zero weights and bias 1e4 gives σ = 1 exactly in float64."""
    lstm, _, convert, _ = snippets
    a = arrays(1, Wx=(B, 3 * H), h_prev=(B, H), c_prev=(B, H), weight_hh_T=(H, 3 * H), bias_hh=(3 * H,))
    i, g, o = (slice(k * H, (k + 1) * H) for k in range(3))

    def with_forget(m, fill):  # insert a forget block after i: blocks i, f, g, o
        block = np.full(m.shape[:-1] + (H,), fill)
        return np.concatenate([m[..., i], block, m[..., g], m[..., o]], axis=-1)

    four = dict(Wx=with_forget(a["Wx"], 1e4), h_prev=a["h_prev"], c_prev=a["c_prev"],
                weight_hh_T=with_forget(a["weight_hh_T"], 0.0), bias_hh=with_forget(a["bias_hh"], 0.0))
    ours = lstm.lstm_no_forget_step(**{k: convert(v) for k, v in a.items()})
    standard = lstm.lstm_step(**{k: convert(v) for k, v in four.items()})
    for x, y in zip(ours, standard):
        close(x, y, 0)


def test_peephole_gates_and_step_with_zero_weights_are_the_standard_ones(snippets):
    lstm, _, convert, _ = snippets
    a = {k: convert(v) for k, v in arrays(2, Wx=(B, H), Wh=(B, H), c=(B, H)).items()}
    zero = convert(np.zeros(H))
    for peephole, standard in ((lstm.lstm_peephole_input_gate, lstm.lstm_input_gate),
                               (lstm.lstm_peephole_forget_gate, lstm.lstm_forget_gate),
                               (lstm.lstm_peephole_output_gate, lstm.lstm_output_gate)):
        assert (peephole(a["Wx"], a["Wh"], zero, a["c"]) == standard(a["Wx"], a["Wh"])).all()
        assert not np.allclose(numpy(peephole(a["Wx"], a["Wh"], zero + 1, a["c"])), numpy(standard(a["Wx"], a["Wh"])))
    s = {k: convert(v) for k, v in arrays(3, Wx=(B, 4 * H), h_prev=(B, H), c_prev=(B, H), weight_hh_T=(H, 4 * H),
                                          bias_hh=(4 * H,)).items()}
    for x, y in zip(lstm.lstm_peephole_step(**s, w_ci=zero, w_cf=zero, w_co=zero), lstm.lstm_step(**s)):
        assert (x == y).all()


def test_cifg_step_is_lstm_step_whose_input_gate_mirrors_the_forget_gate(snippets):
    """σ(-a) = 1 - σ(a): an input block equal to minus the forget block makes i_t = 1 - f_t."""
    lstm, _, convert, _ = snippets
    a = arrays(4, Wx=(B, 3 * H), h_prev=(B, H), c_prev=(B, H), weight_hh_T=(H, 3 * H), bias_hh=(3 * H,))
    f, g, o = (slice(k * H, (k + 1) * H) for k in range(3))

    def with_input(m):  # blocks i = -f, f, g, o
        return np.concatenate([-m[..., f], m[..., f], m[..., g], m[..., o]], axis=-1)

    four = dict(Wx=with_input(a["Wx"]), h_prev=a["h_prev"], c_prev=a["c_prev"],
                weight_hh_T=with_input(a["weight_hh_T"]), bias_hh=with_input(a["bias_hh"]))
    ours = lstm.lstm_cifg_step(**{k: convert(v) for k, v in a.items()})
    standard = lstm.lstm_step(**{k: convert(v) for k, v in four.items()})
    for x, y in zip(ours, standard):
        close(x, y)


def test_cifg_cell_state_is_the_gru_hidden_state(snippets):
    """c_t = f ⊙ c + (1 - f) ⊙ g is the GRU's h_t = (1 - z) ⊙ n + z ⊙ h with z = f, n = g, h = c."""
    lstm, gru, convert, _ = snippets
    a = {k: convert(v) for k, v in arrays(5, c_prev=(B, H), g_t=(B, H)).items()}
    f_t = convert(np.random.default_rng(6).uniform(size=(B, H)))
    cifg = lstm.lstm_cell_state(f_t, a["c_prev"], lstm.lstm_coupled_input_gate(f_t), a["g_t"])
    close(cifg, gru.gru_hidden_state(f_t, a["g_t"], a["c_prev"]), 1e-15)


@pytest.mark.parametrize("step", ["lstm_no_forget_step", "lstm_peephole_step", "lstm_cifg_step"])
def test_numpy_equals_torch(step, device):
    blocks = 4 if step == "lstm_peephole_step" else 3
    a = arrays(7, Wx=(B, blocks * H), h_prev=(B, H), c_prev=(B, H), weight_hh_T=(H, blocks * H),
               bias_hh=(blocks * H,), **({"w_ci": (H,), "w_cf": (H,), "w_co": (H,)} if blocks == 4 else {}))
    ours = getattr(lstm_numpy, step)(**a)
    theirs = getattr(lstm_torch, step)(**{k: torch.from_numpy(v).to(device) for k, v in a.items()})
    for x, y in zip(ours, theirs):
        assert y.device.type == device.type and y.dtype == torch.float64
        close(x, y)


def _sigmoid(v):
    return 1.0 / (1.0 + math.exp(-v))


def test_peephole_step_matches_a_scalar_reimplementation():
    """Gers & Schmidhuber (2000) written out unit by unit: f and i see c_{t-1}, o sees c_t."""
    a = arrays(8, Wx=(B, 4 * H), h_prev=(B, H), c_prev=(B, H), weight_hh_T=(H, 4 * H), bias_hh=(4 * H,),
               w_ci=(H,), w_cf=(H,), w_co=(H,))
    h_ours, c_ours = lstm_numpy.lstm_peephole_step(**a)
    for b in range(B):
        for j in range(H):
            pre = [a["Wx"][b, k * H + j] + a["bias_hh"][k * H + j]
                   + sum(a["h_prev"][b, m] * a["weight_hh_T"][m, k * H + j] for m in range(H)) for k in range(4)]
            c_prev = a["c_prev"][b, j]
            i = _sigmoid(pre[0] + a["w_ci"][j] * c_prev)
            f = _sigmoid(pre[1] + a["w_cf"][j] * c_prev)
            g = math.tanh(pre[2])
            c = f * c_prev + i * g
            o = _sigmoid(pre[3] + a["w_co"][j] * c)
            assert abs(c_ours[b, j] - c) < 1e-12 and abs(h_ours[b, j] - o * math.tanh(c)) < 1e-12


def test_no_forget_cell_only_grows_where_it_writes():
    """Without a forget gate nothing is ever erased: with g_t > 0 the state only increases."""
    a = arrays(9, Wx=(B, 3 * H), weight_hh_T=(H, 3 * H), bias_hh=(3 * H,))
    a["Wx"][:, H:2 * H] = 5.0  # candidate near +1
    h, c = np.zeros((B, H)), np.zeros((B, H))
    for _ in range(20):
        h, c_next = lstm_numpy.lstm_no_forget_step(a["Wx"], h, c, a["weight_hh_T"], a["bias_hh"])
        assert (c_next > c).all()
        c = c_next


@pytest.mark.parametrize("step", ["lstm_no_forget_step", "lstm_peephole_step", "lstm_cifg_step"])
@pytest.mark.parametrize("hidden", [5, 6])
def test_an_unbatched_step_is_row_b_of_the_batched_one(step, hidden, snippets):
    """Unbatched (H,) inputs split their gate blocks along the last axis too, for any hidden size
    (H = 5 and 6: a split into 3 or 4 blocks cannot be mistaken for one into 4 or 5)."""
    lstm, _, convert, _ = snippets
    blocks = 4 if step == "lstm_peephole_step" else 3
    a = arrays(9, Wx=(B, blocks * hidden), h_prev=(B, hidden), c_prev=(B, hidden),
               weight_hh_T=(hidden, blocks * hidden), bias_hh=(blocks * hidden,),
               **({"w_ci": (hidden,), "w_cf": (hidden,), "w_co": (hidden,)} if blocks == 4 else {}))
    batched = getattr(lstm, step)(**{k: convert(v) for k, v in a.items()})
    for b in range(B):
        row = {k: convert(v[b] if k in ("Wx", "h_prev", "c_prev") else v) for k, v in a.items()}
        for whole, one in zip(batched, getattr(lstm, step)(**row)):
            assert tuple(one.shape) == (hidden,)
            close(whole[b], one)
