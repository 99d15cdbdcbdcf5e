"""The backward pass: rnn_backward, lstm_backward, gru_backward in NumPy and PyTorch.

Against torch autograd through nn.RNN / nn.LSTM / nn.GRU (and a small autograd reference for
the reset-before GRU, which torch.nn does not have), against centered finite differences in
float64, and gradcheck on the autograd.Function wrappers. Sizes include T = B = D = H = 1 and
the empty sequence T = 0; states None or given; the loss through dy only, dh_n only, or both.
"""

import inspect

import numpy as np
import pytest
import torch

from snippets import gru_numpy, gru_torch, lstm_numpy, lstm_torch, rnn_numpy, rnn_torch

from .conftest import as_numpy

MODELS = {  # name: (torch.nn layer, blocks, numpy module, torch module, number of states)
    "rnn": (torch.nn.RNN, 1, rnn_numpy, rnn_torch, 1),
    "lstm": (torch.nn.LSTM, 4, lstm_numpy, lstm_torch, 2),
    "gru": (torch.nn.GRU, 3, gru_numpy, gru_torch, 1),
}
VARIANTS = [("rnn", True), ("lstm", True), ("gru", True), ("gru", False)]  # (model, reset_after)
VARIANT_IDS = ["rnn", "lstm", "gru", "gru_reset_before"]
PARAMS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
SIZES = [(5, 3, 4, 6), (1, 1, 1, 1), (3, 2, 1, 2), (4, 1, 3, 1)]  # (T, B, D, H)
# Tolerances of issue #9, relative to the largest gradient entry (at least 1).
TOLERANCE = {torch.float64: 1e-9, torch.float32: 1e-4}
API = {
    "rnn_backward": ["x", "h0", "weight_ih", "weight_hh", "bias_ih", "bias_hh", "dy", "dh_n"],
    "lstm_backward": ["x", "h0", "c0", "weight_ih", "weight_hh", "bias_ih", "bias_hh", "dy", "dh_n", "dc_n"],
    "gru_backward": ["x", "h0", "weight_ih", "weight_hh", "bias_ih", "bias_hh", "dy", "dh_n", "reset_after"],
}
DEFAULTS = {"dh_n": None, "dc_n": None, "reset_after": True}


def state_names(name):
    return ["h0", "c0"] if name == "lstm" else ["h0"]


def problem(name, size, dtype, device, batched=True, seed=0, reset_after=True):
    """Random float inputs (torch tensors) for one backward call, parameters from torch.nn's init."""
    nn_layer, blocks, _, _, n_states = MODELS[name]
    T, B, D, H = size
    torch.manual_seed(seed + sum(size))
    layer = nn_layer(D, H).to(device, dtype)
    batch = (B,) if batched else ()
    inputs = {"x": torch.randn((T, *batch, D), dtype=dtype, device=device)}
    for state in state_names(name):
        inputs[state] = torch.randn((*batch, H), dtype=dtype, device=device)
    for p in PARAMS:
        inputs[p] = getattr(layer, f"{p}_l0").detach().clone()
    grads_out = {"dy": torch.randn((T, *batch, H), dtype=dtype, device=device),
                 "dh_n": torch.randn((*batch, H), dtype=dtype, device=device)}
    if name == "lstm":
        grads_out["dc_n"] = torch.randn((*batch, H), dtype=dtype, device=device)
    return inputs, grads_out


def call_backward(name, framework, inputs, grads_out, reset_after=True):
    """Our backward through NumPy or PyTorch; returns the dict as tensors on the inputs' device."""
    module = MODELS[name][2 if framework == "numpy" else 3]
    fn = getattr(module, f"{name}_backward")
    arguments = {**inputs, **grads_out}
    if name == "gru":
        arguments["reset_after"] = reset_after
    if framework == "numpy":
        device = inputs["x"].device
        arguments = {k: as_numpy(v) if isinstance(v, torch.Tensor) else v for k, v in arguments.items()}
        return {k: torch.from_numpy(v).to(device) for k, v in fn(**arguments).items()}
    return fn(**arguments)


def reference(name, inputs, grads_out, reset_after=True):
    """Gradients by torch autograd: nn.RNN/nn.LSTM/nn.GRU, or a plain loop for reset-before."""
    leaves = {k: (v.detach().clone().requires_grad_() if v is not None else None) for k, v in inputs.items()}
    x = leaves["x"]
    if name == "gru" and not reset_after:
        y, h_n = _gru_reset_before(leaves)
        outputs = {"y": y, "h_n": h_n}
    else:
        nn_layer, blocks, *_ = MODELS[name]
        D, H = x.shape[-1], leaves["weight_hh"].shape[1]
        layer = nn_layer(D, H).to(x.device, x.dtype)
        with torch.no_grad():
            for p in PARAMS:
                getattr(layer, f"{p}_l0").copy_(leaves[p])
        states = [leaves[s] if leaves[s] is not None else torch.zeros(x.shape[1:-1] + (H,), dtype=x.dtype,
                                                                        device=x.device).requires_grad_()
                  for s in state_names(name)]
        leaves.update(zip(state_names(name), states))
        states = [s.unsqueeze(0) for s in states]  # the layer axis comes first
        y, last = layer(x, tuple(states) if name == "lstm" else states[0])
        last = last if name == "lstm" else (last,)
        outputs = {"y": y, "h_n": last[0].squeeze(0)}
        if name == "lstm":
            outputs["c_n"] = last[1].squeeze(0)
        layer_params = {p: getattr(layer, f"{p}_l0") for p in PARAMS}
    loss = (outputs["y"] * grads_out["dy"]).sum()
    if grads_out.get("dh_n") is not None:
        loss = loss + (outputs["h_n"] * grads_out["dh_n"]).sum()
    if grads_out.get("dc_n") is not None:
        loss = loss + (outputs["c_n"] * grads_out["dc_n"]).sum()
    wrt = {k: v for k, v in leaves.items() if k not in PARAMS}
    wrt.update(layer_params if not (name == "gru" and not reset_after) else {p: leaves[p] for p in PARAMS})
    grads = torch.autograd.grad(loss, list(wrt.values()), allow_unused=True)
    return {k: (g if g is not None else torch.zeros_like(v)) for (k, v), g in zip(wrt.items(), grads)}


def _gru_reset_before(leaves):
    """The reset-before GRU (Cho et al. 2014, v3) written with plain torch ops, for autograd."""
    x, h = leaves["x"], leaves["h0"]
    W_ir, W_iz, W_in = leaves["weight_ih"].chunk(3)
    W_hr, W_hz, W_hn = leaves["weight_hh"].chunk(3)
    b_ir, b_iz, b_in = leaves["bias_ih"].chunk(3)
    b_hr, b_hz, b_hn = leaves["bias_hh"].chunk(3)
    if h is None:
        h = leaves["h0"] = torch.zeros(x.shape[1:-1] + (W_hr.shape[1],), dtype=x.dtype,
                                       device=x.device).requires_grad_()
    y = []
    for x_t in x:
        r = torch.sigmoid(x_t @ W_ir.T + b_ir + h @ W_hr.T + b_hr)
        z = torch.sigmoid(x_t @ W_iz.T + b_iz + h @ W_hz.T + b_hz)
        n = torch.tanh(x_t @ W_in.T + b_in + (r * h) @ W_hn.T + b_hn)
        h = (1 - z) * n + z * h
        y.append(h)
    y = torch.stack(y) if y else x.new_zeros(x.shape[:-1] + (W_hr.shape[1],))
    return y, h


def assert_close(ours, theirs, dtype):
    assert set(ours) == set(theirs), (sorted(ours), sorted(theirs))
    for key in theirs:
        o, t = ours[key], theirs[key]
        assert o.shape == t.shape and o.dtype == t.dtype and o.device == t.device, key
        scale = max(1.0, float(t.abs().max())) if t.numel() else 1.0
        error = float((o - t).abs().max()) if t.numel() else 0.0
        assert error <= TOLERANCE[dtype] * scale, f"{key}: max error {error:.3g} (scale {scale:.3g})"


# ------------------------------------------------------------------------------------- API

@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("function", API)
def test_backward_signatures(function, framework):
    module = MODELS[function.split("_")[0]][2 if framework == "numpy" else 3]
    parameters = inspect.signature(getattr(module, function)).parameters
    assert list(parameters) == API[function]
    for name, default in DEFAULTS.items():
        if name in parameters:
            assert parameters[name].default is default


# ----------------------------------------------------------------------- against autograd

@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: "T{}-B{}-D{}-H{}".format(*s))
@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_backward_matches_autograd(variant, framework, size, batched, dtype, device):
    name, reset_after = variant
    inputs, grads_out = problem(name, size, dtype, device, batched, reset_after=reset_after)
    ours = call_backward(name, framework, inputs, grads_out, reset_after)
    assert_close(ours, reference(name, inputs, grads_out, reset_after), dtype)


LOSSES = {  # which parts of L = Σ dy ⊙ y + Σ dh_n ⊙ h_n (+ Σ dc_n ⊙ c_n) are non-zero
    "dy_only": {"dh_n": None, "dc_n": None},
    "dh_n_only": {"dy": "zeros", "dc_n": None},
    "dc_n_only": {"dy": "zeros", "dh_n": None},
}


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_parts_of_the_loss_and_none_states(variant, loss, framework, device):
    name, reset_after = variant
    if loss == "dc_n_only" and name != "lstm":
        pytest.skip("only the LSTM has a cell state")
    inputs, grads_out = problem(name, (4, 2, 3, 5), torch.float64, device, reset_after=reset_after)
    for state in state_names(name):
        inputs[state] = None
    for key, value in LOSSES[loss].items():
        if key in grads_out:
            grads_out[key] = torch.zeros_like(grads_out[key]) if value == "zeros" else None
    ours = call_backward(name, framework, inputs, grads_out, reset_after)
    theirs = reference(name, inputs, grads_out, reset_after)
    assert_close(ours, theirs, torch.float64)
    assert float(ours["weight_hh"].abs().max()) > 0  # the chosen part does reach the weights


@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_empty_sequence_passes_the_state_gradients_through(variant, framework, batched, device):
    name, reset_after = variant
    inputs, grads_out = problem(name, (0, 2, 3, 4), torch.float64, device, batched, reset_after=reset_after)
    ours = call_backward(name, framework, inputs, grads_out, reset_after)
    assert ours["x"].shape == inputs["x"].shape
    assert torch.equal(ours["h0"], grads_out["dh_n"])
    if name == "lstm":
        assert torch.equal(ours["c0"], grads_out["dc_n"])
    for p in PARAMS:
        assert ours[p].shape == inputs[p].shape and not ours[p].any()
    inputs["h0"] = None
    grads_out["dh_n"] = None
    ours = call_backward(name, framework, inputs, grads_out, reset_after)
    assert ours["h0"].shape == inputs["x"].shape[1:-1] + (inputs["weight_hh"].shape[1],) and not ours["h0"].any()


# ------------------------------------------------------------------ contract of the result

@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_keys_shapes_dtype_and_inputs_unchanged(variant, framework, dtype, device):
    name, reset_after = variant
    inputs, grads_out = problem(name, (3, 2, 4, 5), dtype, device, reset_after=reset_after)
    module = MODELS[name][2 if framework == "numpy" else 3]
    arguments = {**inputs, **grads_out}
    if framework == "numpy":
        arguments = {k: as_numpy(v).copy() for k, v in arguments.items()}
    before = {k: v.copy() if framework == "numpy" else v.clone() for k, v in arguments.items()}
    if name == "gru":
        arguments["reset_after"] = reset_after
    result = getattr(module, f"{name}_backward")(**arguments)
    assert list(result) == ["x", *state_names(name), *PARAMS]
    for key, gradient in result.items():
        assert gradient.shape == arguments[key].shape and gradient.dtype == arguments[key].dtype
        if framework == "torch":
            assert gradient.device == arguments[key].device
        assert gradient is not arguments[key]
    for key, value in before.items():
        assert (value == arguments[key]).all(), f"{key} was modified"


@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_torch_backward_works_without_autograd(variant, device):
    """The explicit backward needs no graph: it runs under torch.no_grad() and builds none."""
    name, reset_after = variant
    inputs, grads_out = problem(name, (3, 2, 4, 5), torch.float64, device, reset_after=reset_after)
    with torch.no_grad():
        ours = call_backward(name, "torch", inputs, grads_out, reset_after)
    assert all(g.grad_fn is None and not g.requires_grad for g in ours.values())
    assert_close(ours, reference(name, inputs, grads_out, reset_after), torch.float64)


# -------------------------------------------------------------------- finite differences

@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_numpy_backward_matches_centered_finite_differences(variant):
    """The CS231n habit: (L(v + ε) - L(v - ε)) / 2ε for every entry of every input, float64."""
    name, reset_after = variant
    inputs, grads_out = problem(name, (3, 2, 3, 2), torch.float64, torch.device("cpu"), reset_after=reset_after)
    inputs = {k: as_numpy(v).copy() for k, v in inputs.items()}
    grads_out = {k: as_numpy(v) for k, v in grads_out.items()}
    module = MODELS[name][2]
    extra = {"reset_after": reset_after} if name == "gru" else {}

    def loss():
        y, last = getattr(module, name)(**inputs, **extra)
        last = last if name == "lstm" else (last,)
        total = np.sum(y * grads_out["dy"]) + np.sum(last[0] * grads_out["dh_n"])
        return total + (np.sum(last[1] * grads_out["dc_n"]) if name == "lstm" else 0.0)

    analytic = getattr(module, f"{name}_backward")(**inputs, **grads_out, **extra)
    epsilon = 1e-6
    for key, array in inputs.items():
        numeric = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            saved = array[index]
            array[index] = saved + epsilon
            plus = loss()
            array[index] = saved - epsilon
            minus = loss()
            array[index] = saved
            numeric[index] = (plus - minus) / (2 * epsilon)
        relative = np.linalg.norm(numeric - analytic[key]) / max(
            np.linalg.norm(numeric) + np.linalg.norm(analytic[key]), 1e-300)
        assert relative <= 1e-6, f"{key}: relative error {relative:.2e}"


# ------------------------------------------------------------- autograd.Function wrappers

FUNCTIONS = {"rnn": rnn_torch.RNNFunction, "lstm": lstm_torch.LSTMFunction, "gru": gru_torch.GRUFunction}


@pytest.mark.parametrize("none_states", [False, True], ids=["states", "none_states"])
@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_function_wrapper_passes_gradcheck(variant, none_states, device):
    name, reset_after = variant
    inputs, _ = problem(name, (3, 2, 2, 3), torch.float64, device, reset_after=reset_after)
    if none_states:
        for state in state_names(name):
            inputs[state] = None
    leaves = [v.requires_grad_() if v is not None else None for v in inputs.values()]
    extra = (reset_after,) if name == "gru" else ()
    assert torch.autograd.gradcheck(lambda *a: FUNCTIONS[name].apply(*a, *extra), leaves)


@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_function_wrapper_trains_like_autograd(variant, device):
    """loss.backward() through the wrapper gives autograd's gradients; forward equals the snippet's."""
    name, reset_after = variant
    inputs, grads_out = problem(name, (4, 3, 2, 5), torch.float64, device, reset_after=reset_after)
    leaves = {k: v.clone().requires_grad_() for k, v in inputs.items()}
    extra = (reset_after,) if name == "gru" else ()
    outputs = FUNCTIONS[name].apply(*leaves.values(), *extra)
    loss = (outputs[0] * grads_out["dy"]).sum() + (outputs[1] * grads_out["dh_n"]).sum()
    if name == "lstm":
        loss = loss + (outputs[2] * grads_out["dc_n"]).sum()
    loss.backward()
    assert_close({k: v.grad for k, v in leaves.items()}, reference(name, inputs, grads_out, reset_after),
                 torch.float64)


# ------------------------------------------------------------------------------ Jacobians

def test_lstm_jacobian_matches_autograd_of_a_cell_step(device):
    torch.manual_seed(3)
    B, D, H = 2, 3, 4
    cell = torch.nn.LSTMCell(D, H).to(device, torch.float64)
    x, h_prev, c_prev = (torch.randn(B, n, dtype=torch.float64, device=device) for n in (D, H, H))
    weight_ih, weight_hh, bias_ih, bias_hh = (getattr(cell, p).detach() for p in PARAMS)
    gates = x @ weight_ih.T + bias_ih + h_prev @ weight_hh.T + bias_hh
    i_t, f_t, o_t = (torch.sigmoid(gates.chunk(4, -1)[k]) for k in (0, 1, 3))
    g_t = torch.tanh(gates.chunk(4, -1)[2])
    c_t = f_t * c_prev + i_t * g_t
    for framework, module in (("numpy", lstm_numpy), ("torch", lstm_torch)):
        args = [i_t, f_t, g_t, o_t, c_prev, c_t, weight_hh]
        ours = module.lstm_jacobian(*(as_numpy(a) if framework == "numpy" else a for a in args))
        for b in range(B):
            expected = torch.autograd.functional.jacobian(
                lambda h: lstm_torch.lstm_cell(x[b], h, c_prev[b], weight_ih, weight_hh, bias_ih, bias_hh)[0],
                h_prev[b])
            np.testing.assert_allclose(np.asarray(as_numpy(torch.as_tensor(ours[b]))), as_numpy(expected),
                                       rtol=0, atol=1e-12)


def test_lstm_cell_jacobian_is_the_total_derivative_through_h_prev(device):
    """c_{t-1} reaches c_t directly (f_t) and through h_{t-1} = o_{t-1} tanh(c_{t-1}) and the gates."""
    torch.manual_seed(4)
    B, D, H = 2, 3, 4
    cell = torch.nn.LSTMCell(D, H).to(device, torch.float64)
    x, c_prev = (torch.randn(B, n, dtype=torch.float64, device=device) for n in (D, H))
    o_prev = torch.rand(B, H, dtype=torch.float64, device=device)
    weight_ih, weight_hh, bias_ih, bias_hh = (getattr(cell, p).detach() for p in PARAMS)
    h_prev = o_prev * torch.tanh(c_prev)
    gates = x @ weight_ih.T + bias_ih + h_prev @ weight_hh.T + bias_hh
    i_t, f_t = (torch.sigmoid(gates.chunk(4, -1)[k]) for k in (0, 1))
    g_t = torch.tanh(gates.chunk(4, -1)[2])
    ours = lstm_torch.lstm_cell_jacobian(i_t, f_t, g_t, c_prev, o_prev, weight_hh)
    ours_numpy = lstm_numpy.lstm_cell_jacobian(*(as_numpy(a) for a in (i_t, f_t, g_t, c_prev, o_prev, weight_hh)))
    for b in range(B):
        expected = torch.autograd.functional.jacobian(
            lambda c: lstm_torch.lstm_cell(x[b], o_prev[b] * torch.tanh(c), c, weight_ih, weight_hh,
                                           bias_ih, bias_hh)[1], c_prev[b])
        np.testing.assert_allclose(as_numpy(ours[b]), as_numpy(expected), rtol=0, atol=1e-12)
        np.testing.assert_allclose(ours_numpy[b], as_numpy(expected), rtol=0, atol=1e-12)


def test_gru_jacobian_matches_autograd_of_a_cell_step(device):
    torch.manual_seed(5)
    B, D, H = 2, 3, 4
    cell = torch.nn.GRUCell(D, H).to(device, torch.float64)
    x, h_prev = (torch.randn(B, n, dtype=torch.float64, device=device) for n in (D, H))
    weight_ih, weight_hh, bias_ih, bias_hh = (getattr(cell, p).detach() for p in PARAMS)
    Wx, Wh = x @ weight_ih.T + bias_ih, h_prev @ weight_hh.T + bias_hh
    r_t, z_t = (torch.sigmoid(Wx.chunk(3, -1)[k] + Wh.chunk(3, -1)[k]) for k in (0, 1))
    Wh_n = Wh.chunk(3, -1)[2]
    n_t = torch.tanh(Wx.chunk(3, -1)[2] + r_t * Wh_n)
    ours = gru_torch.gru_jacobian(r_t, z_t, n_t, h_prev, Wh_n, weight_hh)
    ours_numpy = gru_numpy.gru_jacobian(*(as_numpy(a) for a in (r_t, z_t, n_t, h_prev, Wh_n, weight_hh)))
    for b in range(B):
        expected = torch.autograd.functional.jacobian(
            lambda h: gru_torch.gru_cell(x[b], h, weight_ih, weight_hh, bias_ih, bias_hh), h_prev[b])
        np.testing.assert_allclose(as_numpy(ours[b]), as_numpy(expected), rtol=0, atol=1e-12)
        np.testing.assert_allclose(ours_numpy[b], as_numpy(expected), rtol=0, atol=1e-12)


JACOBIANS = {  # name: (module pair, number of (B, H) arguments, row blocks of the weight)
    "rnn_jacobian": ((rnn_numpy, rnn_torch), 1, 1),
    "lstm_jacobian": ((lstm_numpy, lstm_torch), 6, 4),
    "lstm_cell_jacobian": ((lstm_numpy, lstm_torch), 5, 4),
    "gru_jacobian": ((gru_numpy, gru_torch), 5, 3),
}


@pytest.mark.parametrize("name", list(JACOBIANS))
@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_jacobian_of_one_unbatched_row_is_that_row_of_the_batch(name, framework):
    """Unbatched (H,) vectors give the (H, H) Jacobian, read along the last axis."""
    modules, n_vectors, blocks = JACOBIANS[name]
    B, H = 3, 5
    rng = np.random.default_rng(11)
    vectors = [rng.uniform(0.1, 0.9, size=(B, H)) for _ in range(n_vectors)]
    weight = rng.normal(size=(blocks * H, H))
    fn = getattr(modules[framework == "torch"], name)
    convert = torch.from_numpy if framework == "torch" else (lambda a: a)
    batched = fn(*map(convert, vectors), convert(weight))
    assert tuple(batched.shape) == (B, H, H)
    for b in range(B):
        one = fn(*(convert(v[b]) for v in vectors), convert(weight))
        assert tuple(one.shape) == (H, H)
        np.testing.assert_allclose(np.asarray(as_numpy(torch.as_tensor(one))),
                                   np.asarray(as_numpy(torch.as_tensor(batched[b]))), rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", list(JACOBIANS))
@pytest.mark.parametrize("framework,dtype", [("numpy", np.float32), ("torch", torch.bfloat16)])
def test_jacobian_keeps_the_dtype_of_its_inputs(name, framework, dtype):
    """The identity in diag(f_t) or diag(z_t) is made in the inputs' dtype, not the default one
    (float64 for NumPy, float32 for torch), which would promote the result."""
    modules, n_vectors, blocks = JACOBIANS[name]
    rng = np.random.default_rng(12)
    arrays = [rng.uniform(0.1, 0.9, size=(2, 3)) for _ in range(n_vectors)] + [rng.normal(size=(blocks * 3, 3))]
    if framework == "torch":
        arrays = [torch.from_numpy(a).to(dtype) for a in arrays]
    else:
        arrays = [a.astype(dtype) for a in arrays]
    assert getattr(modules[framework == "torch"], name)(*arrays).dtype == dtype


# ------------------------------------------------------------------------------- clipping

@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_equals_torch_on_a_whole_gradient_dict(max_norm, device):
    inputs, grads_out = problem("lstm", (4, 2, 3, 5), torch.float64, device)
    grads = lstm_torch.lstm_backward(**inputs, **grads_out)
    clipped = rnn_torch.clip_grad_norm(grads, max_norm)
    clipped_numpy = rnn_numpy.clip_grad_norm({k: as_numpy(v) for k, v in grads.items()}, max_norm)
    tensors = [g.clone() for g in grads.values()]
    for t in tensors:
        t.grad = t.clone()
    torch.nn.utils.clip_grad_norm_(tensors, max_norm)
    for (key, ours), theirs in zip(clipped.items(), tensors):
        np.testing.assert_allclose(as_numpy(ours), as_numpy(theirs.grad), rtol=1e-12, atol=0)
        np.testing.assert_allclose(clipped_numpy[key], as_numpy(theirs.grad), rtol=1e-12, atol=0)
    total = float(torch.sqrt(sum((c * c).sum() for c in clipped.values())))
    assert total == pytest.approx(min(max_norm, float(torch.sqrt(sum((g * g).sum() for g in grads.values())))),
                                  rel=1e-5)


# ------------------------------------------------------------------------------ bad input

BAD = [
    ("dy", lambda s: (s[0] + 1,) + s[1:], r"dy has shape \(4, 2, 5\) but expected \(3, 2, 5\)"),
    ("dh_n", lambda s: (s[0], s[1] + 1), r"dh_n has shape \(2, 6\) but expected \(2, 5\)"),
    ("dc_n", lambda s: (s[0] + 1, s[1]), r"dc_n has shape \(3, 5\) but expected \(2, 5\)"),
]


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("argument,reshape,message", BAD, ids=[b[0] for b in BAD])
@pytest.mark.parametrize("name", MODELS)
def test_bad_gradient_shapes_are_named(name, argument, reshape, message, framework):
    if argument == "dc_n" and name != "lstm":
        pytest.skip("only the LSTM has dc_n")
    inputs, grads_out = problem(name, (3, 2, 4, 5), torch.float64, torch.device("cpu"))
    grads_out[argument] = torch.zeros(reshape(tuple(grads_out[argument].shape)), dtype=torch.float64)
    with pytest.raises(ValueError, match=message):
        call_backward(name, framework, inputs, grads_out)


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("name", MODELS)
def test_gradient_of_another_dtype_is_named(name, framework):
    inputs, grads_out = problem(name, (3, 2, 4, 5), torch.float64, torch.device("cpu"))
    grads_out["dy"] = grads_out["dy"].float()
    with pytest.raises(ValueError, match=r"dy has dtype .*float32 but x has dtype .*float64"):
        call_backward(name, framework, inputs, grads_out)


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("name", MODELS)
def test_bad_parameters_are_named_in_the_backward_too(name, framework):
    inputs, grads_out = problem(name, (3, 2, 4, 5), torch.float64, torch.device("cpu"))
    inputs["weight_hh"] = inputs["weight_hh"][:, :-1]
    with pytest.raises(ValueError, match=r"weight_hh has shape \(\d+, 4\) but expected \(\d+, 5\)"):
        call_backward(name, framework, inputs, grads_out)
