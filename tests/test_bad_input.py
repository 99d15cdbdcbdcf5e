"""Bad input fails early with a message that names the argument and both shapes;
extreme pre-activations give no warning, no overflow and no NaN."""

import re
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch

from snippets import gru_numpy, gru_torch, lstm_numpy, lstm_torch, rnn_numpy, rnn_torch

MODULES = {"rnn": (1, rnn_numpy, rnn_torch), "lstm": (4, lstm_numpy, lstm_torch), "gru": (3, gru_numpy, gru_torch)}
D, H, B, T = 4, 3, 2, 5


def make(name, framework, dtype=np.float64):
    blocks, numpy_module, torch_module = MODULES[name]
    module = numpy_module if framework == "numpy" else torch_module
    convert = (lambda a: a) if framework == "numpy" else torch.from_numpy
    rng = np.random.default_rng(0)
    params = [rng.normal(size=s).astype(dtype) for s in ((blocks * H, D), (blocks * H, H), (blocks * H,), (blocks * H,))]
    return module, [convert(p) for p in params], convert, blocks


def call_cell(name, module, x, states, params):
    return getattr(module, f"{name}_cell")(x, *states, *params)


def n_states(name):
    return 2 if name == "lstm" else 1


CASES = [
    # (what to break, expected message)
    ("x_features", r"x has 5 features but weight_ih expects 4"),
    ("h_shape", r"h_prev has shape \(2, 4\) but expected \(2, 3\)"),
    ("weight_hh_shape", r"weight_hh has shape \(\d+, 2\) but expected \(\d+, 3\) for hidden size 3"),
    ("bias_ih_shape", r"bias_ih has shape \(\d+,\) but expected \(\d+,\) for hidden size 3"),
    ("weight_ih_rows", r"weight_ih has \d+ rows, expected a positive multiple of \d"),
    ("x_rank", r"x must have 1 or 2 dimensions, got shape \(1, 2, 4\)"),
    ("dtype", r"weight_ih has dtype .*float32 but x has dtype .*float64"),
    ("int_x", r"x must hold floating-point numbers"),
]


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("case,message", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("name", MODULES)
def test_cell_rejects_bad_shapes_with_a_clear_message(name, case, message, framework):
    module, params, convert, blocks = make(name, framework)
    rng = np.random.default_rng(1)
    x = convert(rng.normal(size=(B, D)))
    states = [convert(rng.normal(size=(B, H))) for _ in range(n_states(name))]
    if case == "x_features":
        x = convert(rng.normal(size=(B, 5)))
    elif case == "h_shape":
        states[0] = convert(rng.normal(size=(B, 4)))
    elif case == "weight_hh_shape":
        params[1] = convert(rng.normal(size=(blocks * H, 2)))
    elif case == "bias_ih_shape":
        params[2] = convert(rng.normal(size=(blocks * H + 1,)))
    elif case == "weight_ih_rows":
        if blocks == 1:
            params[0] = convert(np.zeros((0, D)))
        else:
            params[0] = convert(rng.normal(size=(blocks * H + 1, D)))
    elif case == "x_rank":
        x = convert(rng.normal(size=(1, B, D)))
    elif case == "dtype":
        params[0] = params[0].astype(np.float32) if framework == "numpy" else params[0].float()
    elif case == "int_x":
        x = convert(np.ones((B, D), dtype=np.int64))
    with pytest.raises(ValueError, match=message):
        call_cell(name, module, x, states, params)


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("name", MODULES)
def test_sequence_rejects_bad_shapes(name, framework):
    module, params, convert, _ = make(name, framework)
    rng = np.random.default_rng(2)
    states = [None] * n_states(name)
    with pytest.raises(ValueError, match=r"x must have 2 or 3 dimensions, got shape \(4,\)"):
        getattr(module, name)(convert(rng.normal(size=(D,))), *states, *params)
    with pytest.raises(ValueError, match=r"h0 has shape \(3,\) but expected \(2, 3\)"):
        getattr(module, name)(convert(rng.normal(size=(T, B, D))), convert(rng.normal(size=(H,))),
                              *states[1:], *params)


def test_torch_rejects_mixed_devices_and_non_tensors():
    module, params, convert, _ = make("gru", "torch")
    with pytest.raises(TypeError, match="x must be a torch.Tensor, got ndarray"):
        gru_torch.gru_cell(np.ones((B, D)), None, *params)
    if torch.cuda.is_available():
        with pytest.raises(ValueError, match="weight_ih is on device cpu but x is on cuda"):
            gru_torch.gru_cell(torch.ones(B, D, dtype=torch.float64, device="cuda"), None, *params)


NN = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", MODULES)
def test_extreme_preactivations_give_no_warning_and_no_nan(name, dtype):
    """Inputs of ±1e4 through ordinary random weights: pre-activations of ±1e4 and more reach every
    gate, which saturates cleanly in NumPy and PyTorch, as in torch.nn."""
    module, params, _, _ = make(name, "numpy", dtype)
    rng = np.random.default_rng(7)
    x = (1e4 * rng.choice([-1.0, 1.0], size=(T, B, D))).astype(dtype)
    pre = x.reshape(-1, D) @ params[0].T  # the input terms alone: most of them are huge
    assert np.mean(np.abs(pre) > 1e3) > 0.9
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        y, _ = getattr(module, name)(x, *[None] * n_states(name), *params)
    assert y.dtype == dtype and np.all(np.isfinite(y))
    y_torch, _ = getattr(MODULES[name][2], name)(torch.from_numpy(x), *[None] * n_states(name),
                                                 *map(torch.from_numpy, params))
    layer = NN[name](D, H).to(torch.float64 if dtype == np.float64 else torch.float32)
    with torch.no_grad():
        for attribute, value in zip(("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"), params):
            getattr(layer, attribute).copy_(torch.from_numpy(value))
        y_nn, _ = layer(torch.from_numpy(x))
    assert np.abs(y).max() > 0.75  # saturated states (LSTM: tanh(1) = 0.76), not an all-zero answer
    np.testing.assert_allclose(y, y_nn.numpy(), rtol=0, atol=1e-6)
    np.testing.assert_allclose(y_torch.numpy(), y_nn.numpy(), rtol=0, atol=1e-6)


@pytest.mark.parametrize("module", ["rnn_numpy", "lstm_numpy", "gru_numpy"])
def test_sigmoid_and_tanh_saturate_without_warnings(module):
    mod = __import__(f"snippets.{module}", fromlist=["tanh"])
    z = np.array([-1e4, -100.0, 0.0, 100.0, 1e4])
    with np.errstate(all="raise"):
        if hasattr(mod, "sigmoid"):
            np.testing.assert_array_equal(mod.sigmoid(z), [0.0, 0.0, 0.5, 1.0, 1.0])
            np.testing.assert_array_equal(mod.sigmoid(z.astype(np.float32)), np.float32([0, 0, 0.5, 1, 1]))
        np.testing.assert_array_equal(mod.tanh(z), [-1.0, -1.0, 0.0, 1.0, 1.0])


def test_error_messages_survive_python_optimisations():
    """Checks are real `raise` statements, not asserts that `python -O` would strip."""
    code = ("import numpy as np; from snippets.lstm_numpy import lstm_cell\n"
            "try:\n    lstm_cell(np.ones(5), None, None, np.ones((12, 4)), np.ones((12, 3)), np.ones(12), np.ones(12))\n"
            "except ValueError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-O", "-c", code], capture_output=True, text=True, check=True)
    assert re.search("x has 5 features but weight_ih expects 4", out.stdout)


ARGUMENTS = ["x", "weight_ih", "weight_hh", "bias_ih", "bias_hh"]


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("sequence", [False, True], ids=["cell", "sequence"])
@pytest.mark.parametrize("name", MODULES)
def test_every_argument_is_named_in_its_error(name, sequence, framework):
    """Each argument in turn of the wrong type, dtype or rank: the error names that argument."""
    module, params, convert, blocks = make(name, framework)
    rng = np.random.default_rng(4)
    good = dict(zip(ARGUMENTS, [convert(rng.normal(size=(T, B, D) if sequence else (B, D))), *params]))
    fn = getattr(module, name if sequence else f"{name}_cell")
    states = [None] * n_states(name)
    array_type = {"numpy": "numpy.ndarray", "torch": "torch.Tensor"}[framework]

    def call(**changed):
        arguments = {**good, **changed}
        return fn(arguments["x"], *states, *[arguments[a] for a in ARGUMENTS[1:]])

    for argument in ARGUMENTS:
        with pytest.raises(TypeError, match=rf"^{argument} must be a {re.escape(array_type)}, got list$"):
            call(**{argument: good[argument].tolist()})
        if argument != "x":
            wrong = good[argument].astype(np.float32) if framework == "numpy" else good[argument].float()
            with pytest.raises(ValueError, match=rf"^{argument} has dtype .*float32 but x has dtype .*float64$"):
                call(**{argument: wrong})
    with pytest.raises(ValueError, match=r"^weight_ih must have 2 dimensions, got shape \(1, \d+, 4\)$"):
        call(weight_ih=good["weight_ih"][None])
    with pytest.raises(ValueError, match=rf"^bias_hh has shape \({blocks * H + 1},\) but expected \({blocks * H},\)"):
        call(bias_hh=convert(np.zeros(blocks * H + 1)))


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("name", MODULES)
def test_x_without_features_or_with_too_many(name, framework):
    module, params, convert, _ = make(name, framework)
    cell = getattr(module, f"{name}_cell")
    states = [None] * n_states(name)
    with pytest.raises(ValueError, match=r"^x has 0 features but weight_ih expects 4$"):
        cell(convert(np.array(1.0)), *states, *params)  # a 0-d x
    with pytest.raises(ValueError, match=r"^x has 5 features but weight_ih expects 4$"):
        cell(convert(np.ones(5)), *states, *params)  # unbatched


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("name", MODULES)
def test_a_hidden_size_of_zero_is_rejected(name, framework):
    """Parameters that agree with each other on H = 0 still name weight_ih's missing rows."""
    module, _, convert, blocks = make(name, framework)
    empty = [convert(np.zeros(shape)) for shape in ((0, D), (0, 0), (0,), (0,))]
    with pytest.raises(ValueError, match=rf"^weight_ih has 0 rows, expected a positive multiple of {blocks} "):
        getattr(module, f"{name}_cell")(convert(np.ones((B, D))), *[None] * n_states(name), *empty)
