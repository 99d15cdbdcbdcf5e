"""The step API is the same for the three models: *_step_forward(Wx, states..., weight_hh, bias_hh)
returns the new states and a cache; *_step_backward(dh, [dc,] cache) returns the gradient of every
argument of the forward step. Checked against autograd through the forward step, in float64,
batched and unbatched, for both snippet files; bad arguments get the book's messages."""

import inspect

import numpy as np
import pytest
import torch

from snippets import gru_numpy, gru_torch, lstm_numpy, lstm_torch, rnn_numpy, rnn_torch

SNIPPETS = {"numpy": {"lstm": lstm_numpy, "gru": gru_numpy, "rnn": rnn_numpy},
            "torch": {"lstm": lstm_torch, "gru": gru_torch, "rnn": rnn_torch}}
CASES = {"lstm": ("lstm", {}), "gru-reset_after": ("gru", {"reset_after": True}),
         "gru-reset_before": ("gru", {"reset_after": False}), "rnn": ("rnn", {})}
K = {"lstm": 4, "gru": 3, "rnn": 1}
B, H = 3, 4


def arguments(model, batch, seed=0):
    g = torch.Generator().manual_seed(seed)
    states = ["h_prev", "c_prev"] if model == "lstm" else ["h_prev"]
    shapes = {"Wx": batch + (K[model] * H,), **{s: batch + (H,) for s in states},
              "weight_hh": (K[model] * H, H), "bias_hh": (K[model] * H,)}
    return {n: torch.randn(*s, generator=g, dtype=torch.float64) for n, s in shapes.items()}


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_signatures_are_one_pattern(framework):
    for model, module in SNIPPETS[framework].items():
        forward = list(inspect.signature(getattr(module, f"{model}_step_forward")).parameters)
        backward = list(inspect.signature(getattr(module, f"{model}_step_backward")).parameters)
        states = ["h_prev", "c_prev"] if model == "lstm" else ["h_prev"]
        assert forward == ["Wx", *states, "weight_hh", "bias_hh"] + (["reset_after"] if model == "gru" else [])
        assert backward == ["dh_t"] + (["dc_next"] if model == "lstm" else []) + ["cache"]


@pytest.mark.parametrize("batch", [(B,), ()], ids=["batched", "unbatched"])
@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("case", CASES)
def test_step_backward_returns_every_gradient(case, framework, batch):
    model, options = CASES[case]
    module = SNIPPETS[framework][model]
    a = arguments(model, batch)
    leaves = {n: v.clone().requires_grad_() for n, v in a.items()}
    out = getattr(SNIPPETS["torch"][model], f"{model}_step_forward")(**leaves, **options)
    outputs = out[:-1]
    seeds = [torch.randn(o.shape, dtype=torch.float64, generator=torch.Generator().manual_seed(9 + i))
             for i, o in enumerate(outputs)]
    expected = dict(zip(leaves, torch.autograd.grad(outputs, list(leaves.values()), seeds)))
    given = a if framework == "torch" else {n: v.numpy() for n, v in a.items()}
    ours = getattr(module, f"{model}_step_forward")(**given, **options)
    cache = ours[-1]
    assert cache["weight_hh"] is given["weight_hh"]
    grad_seeds = seeds if framework == "torch" else [s.numpy() for s in seeds]
    grads = getattr(module, f"{model}_step_backward")(*grad_seeds, cache)
    assert set(grads) == set(a)  # one gradient per argument of the forward step
    for name, value in grads.items():
        value = value.numpy() if isinstance(value, torch.Tensor) else value
        assert value.shape == tuple(a[name].shape), name
        assert np.abs(value - expected[name].numpy()).max() <= 1e-12, name


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("model", ["lstm", "gru", "rnn"])
def test_step_arguments_are_checked(model, framework):
    module = SNIPPETS[framework][model]
    a = arguments(model, (B,))
    if framework == "numpy":
        a = {n: v.numpy() for n, v in a.items()}
    forward = getattr(module, f"{model}_step_forward")
    if model != "rnn":  # square for the RNN: no telling
        with pytest.raises(ValueError, match=rf"weight_hh has shape \({H}, {K[model] * H}\) but expected "
                                             rf"\({K[model]}H, H\), torch.nn's layout \(it looks transposed"):
            forward(**dict(a, weight_hh=a["weight_hh"].T))
    with pytest.raises(ValueError, match=r"h_prev has shape \(3, 5\) but expected \(3, 4\)"):
        forward(**dict(a, h_prev=a["h_prev"][:, :1].repeat(1, 5) if framework == "torch"
                       else np.repeat(a["h_prev"][:, :1], 5, axis=1)))
    with pytest.raises(ValueError, match=r"bias_hh has shape"):
        forward(**dict(a, bias_hh=a["bias_hh"][:-1]))
    with pytest.raises(ValueError, match="dtype"):
        forward(**dict(a, Wx=a["Wx"].astype(np.float32) if framework == "numpy" else a["Wx"].float()))
    out = forward(**a)
    backward = getattr(module, f"{model}_step_backward")
    wrong = out[0][:, :-1]
    with pytest.raises(ValueError, match=r"dh_t has shape \(3, 3\) but expected \(3, 4\)"):
        backward(wrong, *out[1:-1], out[-1])


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("model", ["lstm", "gru", "rnn"])
def test_direction_is_checked_and_takes_lengths_none(model, framework):
    module = SNIPPETS[framework][model]
    T, D = 5, 3
    g = torch.Generator().manual_seed(1)
    p = {"weight_ih": torch.randn(K[model] * H, D, generator=g, dtype=torch.float64),
         "weight_hh": torch.randn(K[model] * H, H, generator=g, dtype=torch.float64),
         "bias_ih": torch.randn(K[model] * H, generator=g, dtype=torch.float64),
         "bias_hh": torch.randn(K[model] * H, generator=g, dtype=torch.float64)}
    x = torch.randn(T, B, D, generator=g, dtype=torch.float64)
    if framework == "numpy":
        p, x = {n: v.numpy() for n, v in p.items()}, x.numpy()
    states = [None, None] if model == "lstm" else [None]
    direction = getattr(module, f"{model}_direction")
    y, *final = direction(x, None, *states, **p)  # lengths None: all T steps, like the plain loop
    reference, _ = getattr(module, model)(x, *states, **p)
    assert np.abs(np.asarray(y) - np.asarray(reference)).max() <= 1e-12
    with pytest.raises(ValueError, match=r"lengths must lie in 1\.\.5"):
        direction(x, [0, 5, 5], *states, **p)
    with pytest.raises(ValueError, match=r"x must have 3 dimensions"):
        direction(x[:, 0], None, *states, **p)
    with pytest.raises(ValueError, match=r"h0 has shape"):
        direction(x, None, x[0], *states[1:], **p)
    with pytest.raises(ValueError, match="look transposed"):
        direction(x, None, *states, **dict(p, weight_ih=p["weight_ih"].T, weight_hh=p["weight_hh"].T))


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_gru_layers_honours_reset_after(framework):
    module = SNIPPETS[framework]["gru"]
    g = torch.Generator().manual_seed(2)
    params = {"weight_ih_l0": torch.randn(3 * H, 2, generator=g, dtype=torch.float64),
              "weight_hh_l0": torch.randn(3 * H, H, generator=g, dtype=torch.float64),
              "bias_ih_l0": torch.randn(3 * H, generator=g, dtype=torch.float64),
              "bias_hh_l0": torch.randn(3 * H, generator=g, dtype=torch.float64)}
    x = torch.randn(6, B, 2, generator=g, dtype=torch.float64)
    if framework == "numpy":
        params, x = {n: v.numpy() for n, v in params.items()}, x.numpy()
    plain = {n[:-3]: v for n, v in params.items()}
    for reset_after in (True, False):
        y, h_n = module.gru_layers(x, params, reset_after=reset_after)
        expected, h = module.gru(x, None, **plain, reset_after=reset_after)
        assert np.abs(np.asarray(y) - np.asarray(expected)).max() <= 1e-12
        assert np.abs(np.asarray(h_n[0]) - np.asarray(h)).max() <= 1e-12
    with pytest.raises(TypeError, match="reset_after must be True or False"):
        module.gru_layers(x, params, reset_after=None)
