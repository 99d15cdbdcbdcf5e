"""Every formula of the catalogue: NumPy = PyTorch = an independent elementwise computation.

The test ids are the formula ids (test_numpy_equals_torch[lstm_forget_gate]), so a formula
id names its catalogue entry, its two functions, its snippet sections, its tests and its
page anchor alike.
"""

import inspect
import math

import numpy as np
import pytest
import torch

from book import catalogue

from .conftest import as_numpy
from .independent_backward import INDEPENDENT_BACKWARD
from .independent_modern import INDEPENDENT_MODERN

FORMULAS = catalogue.formulas()
IDS = list(FORMULAS)
B, H = 3, 4
BLOCKS = {"rnn": 1, "lstm": 4, "gru": 3, "minrnn": 1, "xlstm": 4}  # row blocks of weight_hh per module
P = 2  # projection size of lstm_projection
MLSTM_SHAPES = {"f_gate": ((B,), True), "i_gate": ((B,), True), "C_prev": ((B, H, H), False),
                "C_t": ((B, H, H), False), "m_t": ((B,), False)}  # name -> (shape, positive gate?)


def function(formula_id, framework):
    module = catalogue.snippet_module(FORMULAS[formula_id]["module"], framework)
    return getattr(module, formula_id)


def random_arguments(formula_id, rng):
    """float64 arguments for a formula function, by parameter name."""
    arguments = {}
    blocks = BLOCKS[FORMULAS[formula_id]["module"]]
    for name in inspect.signature(function(formula_id, "numpy")).parameters:
        if formula_id.startswith("mlstm_") and name in MLSTM_SHAPES:  # mLSTM: one gate and stabiliser per head, a (B, D, D) memory
            shape, gate = MLSTM_SHAPES[name]
            arguments[name] = rng.uniform(0.01, 2.0, size=shape) if gate else rng.normal(size=shape)
            continue
        if name in {"W_hn", "W_hh"}:
            shape = (H, H)
        elif name == "W_hr":
            shape = (P, H)
        elif name in {"b_hn", "w_ci", "w_cf", "w_co", "h0", "log_h0"} or name.startswith("bias_"):
            shape = (H,)
        elif name.startswith("weight_") and name != "weight_hh":  # nn.Linear layout (H, D), D = H here
            shape = (H, H)
        elif name == "weight_hh":  # all row blocks of the module, (kH, H)
            shape = (blocks * H, H)
        elif name in {"da_t", "da_h"}:  # gradients of all pre-activations, (B, kH)
            shape = (B, blocks * H)
        elif name == "max_norm":
            arguments[name] = np.asarray(rng.uniform(0.5, 3.0))
            continue
        else:
            shape = (B, H)
        if name in {"f_t", "i_t", "o_t", "r_t", "z_t", "o_prev", "s", "f_prime", "i_prime"}:  # gate values lie in (0, 1)
            arguments[name] = rng.uniform(0.01, 0.99, size=shape)
        else:
            arguments[name] = rng.normal(scale=2.0, size=shape)
    return arguments


def _sigmoid(v):
    return 1.0 / (1.0 + math.exp(-v))


# Each formula written again, one scalar at a time with the math module: no NumPy or
# PyTorch vector code in common with the snippets.
def _elementwise(fn, *arrays):
    flat = [np.broadcast_to(a, arrays[0].shape).ravel() for a in arrays]
    return np.array([fn(*values) for values in zip(*flat)]).reshape(arrays[0].shape)


def _reset_before(a):
    reset_h = a["r_t"] * a["h_prev"]
    product = np.array([[sum(a["W_hn"][j, k] * reset_h[b, k] for k in range(H)) for j in range(H)]
                        for b in range(B)])
    return _elementwise(lambda x, p, bias: math.tanh(x + p + bias), a["Wx_n"], product, a["b_hn"])


INDEPENDENT = {
    "sigmoid": lambda a: _elementwise(_sigmoid, a["x"]),
    "tanh": lambda a: _elementwise(lambda v: (math.exp(v) - math.exp(-v)) / (math.exp(v) + math.exp(-v)), a["x"]),
    "rnn_hidden_state": lambda a: _elementwise(lambda x, h: math.tanh(x + h), a["Wx"], a["Wh"]),
    "rnn_jacobian": lambda a: np.array([[[(1 - a["h_t"][b, i] ** 2) * a["W_hh"][i, j] for j in range(H)]
                                         for i in range(H)] for b in range(B)]),
    "lstm_input_gate": lambda a: _elementwise(lambda x, h: _sigmoid(x + h), a["Wx_i"], a["Wh_i"]),
    "lstm_forget_gate": lambda a: _elementwise(lambda x, h: _sigmoid(x + h), a["Wx_f"], a["Wh_f"]),
    "lstm_candidate": lambda a: _elementwise(lambda x, h: math.tanh(x + h), a["Wx_g"], a["Wh_g"]),
    "lstm_cell_state": lambda a: _elementwise(lambda f, c, i, g: f * c + i * g,
                                              a["f_t"], a["c_prev"], a["i_t"], a["g_t"]),
    "lstm_output_gate": lambda a: _elementwise(lambda x, h: _sigmoid(x + h), a["Wx_o"], a["Wh_o"]),
    "lstm_hidden_state": lambda a: _elementwise(lambda o, c: o * math.tanh(c), a["o_t"], a["c_t"]),
    "gru_reset_gate": lambda a: _elementwise(lambda x, h: _sigmoid(x + h), a["Wx_r"], a["Wh_r"]),
    "gru_update_gate": lambda a: _elementwise(lambda x, h: _sigmoid(x + h), a["Wx_z"], a["Wh_z"]),
    "gru_candidate_reset_after": lambda a: _elementwise(lambda x, r, h: math.tanh(x + r * h),
                                                        a["Wx_n"], a["r_t"], a["Wh_n"]),
    "gru_candidate_reset_before": _reset_before,
    "rnn_hidden_state_relu": lambda a: _elementwise(lambda x, h: max(0.0, x + h), a["Wx"], a["Wh"]),
    "lstm_projection": lambda a: np.array([[sum(a["W_hr"][p, k] * a["o_t"][b, k] * math.tanh(a["c_t"][b, k])
                                                for k in range(H)) for p in range(P)] for b in range(B)]),
    "lstm_cell_state_no_forget": lambda a: _elementwise(lambda c, i, g: c + i * g, a["c_prev"], a["i_t"], a["g_t"]),
    "lstm_peephole_input_gate": lambda a: _elementwise(lambda x, h, w, c: _sigmoid(x + h + w * c),
                                                       a["Wx_i"], a["Wh_i"], a["w_ci"], a["c_prev"]),
    "lstm_peephole_forget_gate": lambda a: _elementwise(lambda x, h, w, c: _sigmoid(x + h + w * c),
                                                        a["Wx_f"], a["Wh_f"], a["w_cf"], a["c_prev"]),
    "lstm_peephole_output_gate": lambda a: _elementwise(lambda x, h, w, c: _sigmoid(x + h + w * c),
                                                        a["Wx_o"], a["Wh_o"], a["w_co"], a["c_t"]),
    "lstm_coupled_input_gate": lambda a: _elementwise(lambda f: 1.0 - f, a["f_t"]),
    "gru_hidden_state": lambda a: _elementwise(lambda z, n, h: (1 - z) * n + z * h,
                                               a["z_t"], a["n_t"], a["h_prev"]),
}


INDEPENDENT.update(INDEPENDENT_BACKWARD)
INDEPENDENT.update(INDEPENDENT_MODERN)


def test_every_formula_has_an_independent_check():
    assert set(INDEPENDENT) == set(FORMULAS)


@pytest.mark.parametrize("formula_id", IDS)
def test_numpy_equals_torch(formula_id, device):
    arguments = random_arguments(formula_id, np.random.default_rng(0))
    ours_numpy = function(formula_id, "numpy")(**arguments)
    ours_torch = function(formula_id, "torch")(
        **{k: torch.from_numpy(v).to(device) for k, v in arguments.items()})
    assert ours_torch.device.type == device.type and ours_torch.dtype == torch.float64
    assert ours_numpy.dtype == np.float64
    np.testing.assert_allclose(as_numpy(ours_torch), ours_numpy, rtol=0, atol=1e-12)


@pytest.mark.parametrize("formula_id", IDS)
def test_numpy_equals_independent_computation(formula_id):
    arguments = random_arguments(formula_id, np.random.default_rng(1))
    ours = function(formula_id, "numpy")(**arguments)
    np.testing.assert_allclose(ours, INDEPENDENT[formula_id](arguments), rtol=0, atol=1e-12)


@pytest.mark.parametrize("formula_id", IDS)
def test_float32_in_float32_out(formula_id, device):
    arguments = random_arguments(formula_id, np.random.default_rng(2))
    arguments = {k: v.astype(np.float32) for k, v in arguments.items()}
    assert function(formula_id, "numpy")(**arguments).dtype == np.float32
    result = function(formula_id, "torch")(**{k: torch.from_numpy(v).to(device) for k, v in arguments.items()})
    assert result.dtype == torch.float32 and result.device.type == device.type


@pytest.mark.parametrize("formula_id", IDS)
def test_worked_examples_agree(formula_id, device):
    """The examples the site runs at build time (hooks.py does the same on CUDA when present)."""
    for example in FORMULAS[formula_id]["examples"]:
        arguments = {k: np.array(v, dtype=np.float64) for k, v in example.items()}
        ours = function(formula_id, "numpy")(**arguments)
        theirs = function(formula_id, "torch")(**{k: torch.from_numpy(v).to(device) for k, v in arguments.items()})
        assert np.all(np.isfinite(ours))
        np.testing.assert_allclose(as_numpy(theirs), ours, rtol=0, atol=1e-12)
