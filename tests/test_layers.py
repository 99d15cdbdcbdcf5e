"""rnn_layers, lstm_layers and gru_layers against torch.nn.RNN, LSTM and GRU in eval mode.

Every configuration runs through the NumPy and the PyTorch snippet, in float64 (within
1e-10) and float32 (within 2e-5), on the CPU and, where there is one, on CUDA. Weights
are the modules' own state_dicts; initial states are random and non-zero unless None.
"""

import inspect
import re

import numpy as np
import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from book import catalogue
from snippets import gru_numpy, gru_torch, lstm_numpy, lstm_torch, rnn_numpy, rnn_torch

from .conftest import TOLERANCE, as_numpy, max_error

MODELS = {  # name: (torch.nn module, numpy snippet, torch snippet)
    "rnn": (torch.nn.RNN, rnn_numpy, rnn_torch),
    "lstm": (torch.nn.LSTM, lstm_numpy, lstm_torch),
    "gru": (torch.nn.GRU, gru_numpy, gru_torch),
}
D, H, B, T = 3, 5, 4, 6
UNSORTED = [3, T, 1, 4]  # any order, with the edges 1 and T

CONFIGS = {  # id: nn keyword arguments and how the module is called
    "1layer": dict(num_layers=1, bidirectional=False),
    "2layers-bi-batch_first-states": dict(num_layers=2, bidirectional=True, batch_first=True, states=True),
    "3layers-bi-nobias-states-lengths": dict(num_layers=3, bidirectional=True, bias=False, states=True,
                                             lengths=UNSORTED),
    "2layers-batch_first-states-lengths": dict(num_layers=2, batch_first=True, states=True, lengths=UNSORTED),
    "2layers-bi-unbatched-states": dict(num_layers=2, bidirectional=True, unbatched=True, states=True),
    "lstm-proj-2layers-bi-batch_first-states-lengths": dict(num_layers=2, bidirectional=True, proj_size=2,
                                                            batch_first=True, states=True, lengths=UNSORTED),
    "lstm-proj-1layer-unbatched": dict(num_layers=1, proj_size=3, unbatched=True),
    "rnn-relu-2layers-bi-states-lengths": dict(num_layers=2, bidirectional=True, nonlinearity="relu",
                                               states=True, lengths=UNSORTED),
    "rnn-relu-1layer-batch_first": dict(num_layers=1, nonlinearity="relu", batch_first=True),
}
CASES = [(name, config) for name in MODELS for config in CONFIGS
         if not (config.startswith(("lstm-", "rnn-", "gru-")) and not config.startswith(name + "-"))]
DTYPES = {"float64": torch.float64, "float32": torch.float32}


def build(name, config, dtype, device, seed=0):
    """The torch.nn module, x, the initial states (or Nones) and the call options of a case."""
    options = dict(CONFIGS[config])
    states, unbatched, lengths = options.pop("states", False), options.pop("unbatched", False), \
        options.pop("lengths", None)
    torch.manual_seed(seed)
    module = MODELS[name][0](D, H, **options).to(device, dtype).eval()
    L, dirs = module.num_layers, 2 if module.bidirectional else 1
    batch = () if unbatched else (B,)
    x = torch.randn(*((B, T) if options.get("batch_first") and not unbatched else (T, *batch)), D,
                    dtype=dtype, device=device)
    sizes = [options.get("proj_size") or H] + ([H] if name == "lstm" else [])
    initial = [torch.randn(L * dirs, *batch, size, dtype=dtype, device=device) if states else None
               for size in sizes]
    call = {"batch_first": options.get("batch_first", False), "lengths": lengths}
    if "nonlinearity" in options:
        call["nonlinearity"] = options["nonlinearity"]
    return module, x, initial, call


def expected(name, module, x, initial, call, grad=False):
    """torch.nn's results: (output, h_n) or (output, (h_n, c_n)), through pack/pad for lengths."""
    states = None if initial[0] is None else (initial[0] if name != "lstm" else tuple(initial))
    with torch.set_grad_enabled(grad):
        if call["lengths"] is None:
            return module(x, states)
        packed = pack_padded_sequence(x, torch.tensor(call["lengths"]), batch_first=call["batch_first"],
                                      enforce_sorted=False)
        output, last = module(packed, states)
        return pad_packed_sequence(output, batch_first=call["batch_first"])[0], last


def ours(name, framework, module, x, initial, call, device):
    """Our result as tensors on `device`, through the NumPy or the PyTorch snippet."""
    fn = getattr(MODELS[name][1 if framework == "numpy" else 2], f"{name}_layers")
    if framework == "torch":
        return fn(x, module.state_dict(), *initial, **call)
    params = {k: as_numpy(v) for k, v in module.state_dict().items()}
    result = fn(as_numpy(x), params, *[None if s is None else as_numpy(s) for s in initial], **call)
    for array in flatten(result):
        assert isinstance(array, np.ndarray) and array.dtype == as_numpy(x).dtype
    return tuple_map(lambda a: torch.from_numpy(a).to(device), result)


def flatten(result):
    return [r for item in result for r in (flatten(item) if isinstance(item, tuple) else [item])]


def tuple_map(fn, result):
    return tuple(tuple_map(fn, r) if isinstance(r, tuple) else fn(r) for r in result)


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,config", CASES, ids=[f"{n}-{c}" for n, c in CASES])
def test_layers_match_torch_nn(name, config, dtype, framework, device):
    module, x, initial, call = build(name, config, DTYPES[dtype], device)
    before = [t.clone() for t in [x, *[s for s in initial if s is not None], *module.state_dict().values()]]
    theirs = flatten(expected(name, module, x, initial, call))
    mine = flatten(ours(name, framework, module, x, initial, call, device))
    assert len(mine) == len(theirs) == (3 if name == "lstm" else 2)
    for a, b in zip(mine, theirs):
        assert a.shape == b.shape and a.dtype == b.dtype and a.device == b.device
        assert max_error(a, b) <= TOLERANCE[DTYPES[dtype]]
    after = [x, *[s for s in initial if s is not None], *module.state_dict().values()]
    assert all(torch.equal(u, v) for u, v in zip(before, after)), "an input or a parameter was modified"


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("name", MODELS)
def test_one_layer_without_lengths_is_the_one_layer_function(name, framework):
    """*_layers is built on the one-layer code: one layer, one direction gives `lstm` etc. exactly."""
    torch.manual_seed(2)
    module = MODELS[name][0](D, H).double()
    convert = as_numpy if framework == "numpy" else (lambda t: t.detach())
    params = {k: convert(v) for k, v in module.state_dict().items()}
    x = convert(torch.randn(T, B, D, dtype=torch.float64))
    states = [convert(torch.randn(B, H, dtype=torch.float64)) for _ in range(2 if name == "lstm" else 1)]
    snippet = MODELS[name][1 if framework == "numpy" else 2]
    y_layers, last_layers = getattr(snippet, f"{name}_layers")(x, params, *[s[None] for s in states])
    y_one, last_one = getattr(snippet, name)(x, *states, *[params[f"{n}_l0"] for n in
                                                           ("weight_ih", "weight_hh", "bias_ih", "bias_hh")])
    assert (y_layers == y_one).all()
    for a, b in zip(flatten((last_layers,)), flatten((last_one,))):
        assert (a[0] == b).all()


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("name", MODELS)
def test_zero_time_steps(name, framework, device):
    """torch.nn refuses T = 0; ours gives an empty output and the initial states back."""
    if framework == "numpy" and device.type != "cpu":
        pytest.skip("NumPy runs on the CPU")
    module, x, initial, call = build(name, "2layers-bi-batch_first-states", torch.float64, device)
    x = x[:, :0]  # (B, 0, D) with batch_first
    result = flatten(ours(name, framework, module, x, initial, call, device))
    assert tuple(result[0].shape) == (B, 0, 2 * H)
    for mine, start in zip(result[1:], initial):
        assert torch.equal(mine, start)


def numpy_params(name, **options):
    torch.manual_seed(1)
    return {k: v.detach().numpy() for k, v in MODELS[name][0](D, H, **options).double().state_dict().items()}


BAD = [  # (name, change to the state_dict or the call, expected message)
    ("lstm", lambda p, c: p.update(weight_ih_l0_rev=p["weight_ih_l0"]), r"key 'weight_ih_l0_rev'"),
    ("gru", lambda p, c: p.update(running_mean=p["bias_ih_l0"]), r"key 'running_mean'.*cannot reproduce"),
    ("gru", lambda p, c: p.update(weight_hr_l0=np.ones((2, H))), r"'weight_hr_l0'.*nn.LSTM only"),
    ("rnn", lambda p, c: p.pop("bias_hh_l1"), r"params lacks bias_hh_l1\b"),
    ("lstm", lambda p, c: p.pop("weight_hh_l1_reverse"), r"params lacks weight_hh_l1_reverse"),
    ("lstm", lambda p, c: p.update(weight_ih_l1=np.ones((4 * H, H))),
     r"weight_ih_l1 has shape \(20, 5\) but expected \(20, 10\)"),
    ("gru", lambda p, c: p.update(bias_ih_l0_reverse=np.ones(H)),
     r"bias_ih_l0_reverse has shape \(5,\) but expected \(15,\)"),
    ("lstm", lambda p, c: p.update(weight_ih_l0=p["weight_ih_l0"].astype(np.float32)),
     r"weight_ih_l0 has dtype float32 but x has dtype float64"),
    ("rnn", lambda p, c: c.update(lengths=[3, 0]), r"lengths must lie in 1\.\.6"),
    ("rnn", lambda p, c: c.update(lengths=[3, 7]), r"lengths must lie in 1\.\.6"),
    ("gru", lambda p, c: c.update(lengths=[3, 2, 1]), r"lengths must be 2 integers"),
    ("gru", lambda p, c: c.update(lengths=[3.0, 2.0]), r"lengths must be 2 integers"),
    ("lstm", lambda p, c: c.update(h0=np.zeros((2, 2, H))), r"h0 has shape \(2, 2, 5\) but expected \(4, 2, 5\)"),
    ("rnn", lambda p, c: c.update(nonlinearity="sigmoid"), r"nonlinearity must be 'tanh' or 'relu'"),
]


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("name,change,message", BAD, ids=[m.split()[0].strip("r\\'") + f"-{i}"
                                                          for i, (_, _, m) in enumerate(BAD)])
def test_bad_parameters_or_arguments_name_the_culprit(name, change, message, framework):
    params = numpy_params(name, num_layers=2, bidirectional=True)
    call = {}
    change(params, call)
    x = np.random.default_rng(0).normal(size=(6, 2, D))
    if framework == "torch":
        params = {k: torch.from_numpy(v) for k, v in params.items()}
        x = torch.from_numpy(x)
        call = {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in call.items()}
        message = message.replace("float32", "torch.float32").replace("float64", "torch.float64")
    fn = getattr(MODELS[name][1 if framework == "numpy" else 2], f"{name}_layers")
    with pytest.raises(ValueError, match=message):
        fn(x, params, **call)


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_params_must_be_a_mapping_and_lengths_need_a_batch(framework):
    snippet = MODELS["gru"][1 if framework == "numpy" else 2]
    params = numpy_params("gru")
    x = np.zeros((4, D))
    if framework == "torch":
        params, x = {k: torch.from_numpy(v) for k, v in params.items()}, torch.from_numpy(x)
    with pytest.raises(TypeError, match="params must be a mapping"):
        snippet.gru_layers(x, list(params.values()))
    with pytest.raises(ValueError, match=r"lengths needs a batched x, got unbatched x of shape \(4, 3\)"):
        snippet.gru_layers(x, params, lengths=[2])


def test_torch_snippet_keeps_parameters_on_their_device_and_refuses_a_mix():
    module = torch.nn.LSTM(D, H, num_layers=2).double()
    x = torch.zeros(T, B, D)  # float32, the parameters are float64
    with pytest.raises(ValueError, match=r"weight_ih_l0 has dtype torch.float64 but x has dtype torch.float32"):
        lstm_torch.lstm_layers(x, module.state_dict())


@pytest.mark.parametrize("framework", catalogue.FRAMEWORKS)
@pytest.mark.parametrize("name", MODELS)
def test_exact_signatures(name, framework):
    fn = getattr(catalogue.snippet_module(name, framework), f"{name}_layers")
    expected = {
        "rnn": "(x, params, h0=None, *, batch_first=False, lengths=None, nonlinearity='tanh')",
        "lstm": "(x, params, h0=None, c0=None, *, batch_first=False, lengths=None)",
        "gru": "(x, params, h0=None, *, batch_first=False, lengths=None, reset_after=True)",
    }[name]
    assert str(inspect.signature(fn)) == expected
    assert "Dropout" in fn.__doc__ and "not reproduced" in fn.__doc__


@pytest.mark.parametrize("framework", catalogue.FRAMEWORKS)
def test_layer_helpers_are_identical_copies(framework):
    """The state_dict reader and the padding helpers are repeated in each self-contained file."""
    texts = [(catalogue.ROOT / catalogue.snippet_path(m, framework)).read_text(encoding="utf-8") for m in MODELS]
    blocks = [re.search(r"# Layers: reading a state_dict.*?(?=# Input checks)", t, re.DOTALL).group(0)
              for t in texts]
    assert blocks[0] == blocks[1] == blocks[2]


@pytest.mark.parametrize("name", MODELS)
def test_torch_snippet_backpropagates_like_torch_nn(name, device):
    """Gradients of every parameter through layers, both directions and lengths match torch.nn's."""
    module, x, initial, call = build(name, "3layers-bi-nobias-states-lengths", torch.float64, device)
    theirs = flatten(expected(name, module, x, initial, call, grad=True))
    parameters = dict(module.named_parameters())  # state_dict() would be detached
    mine = flatten(getattr(MODELS[name][2], f"{name}_layers")(x, parameters, *initial, **call))
    weights = list(parameters.values())
    for outputs in (theirs, mine):
        loss = sum((out * torch.linspace(-1, 1, out.numel(), dtype=out.dtype, device=device).view_as(out)).sum()
                   for out in outputs)
        outputs[:] = torch.autograd.grad(loss, weights)
    for a, b in zip(mine, theirs):
        assert max_error(a, b) <= 1e-10


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("missing", ["weight_ih_l1", "bias_hh_l0_reverse"])
def test_a_missing_key_is_named_exactly(missing, name, framework):
    """The key in the message is the state_dict's own: _reverse for the reverse direction only."""
    params = numpy_params(name, num_layers=2, bidirectional=True)
    params.pop(missing)
    x = np.random.default_rng(0).normal(size=(6, 2, D))
    if framework == "torch":
        params, x = {k: torch.from_numpy(v) for k, v in params.items()}, torch.from_numpy(x)
    fn = getattr(MODELS[name][1 if framework == "numpy" else 2], f"{name}_layers")
    with pytest.raises(ValueError, match=rf"^params lacks {missing} \(2 layers, 2 directions\)$"):
        fn(x, params)


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("batched", [True, False])
def test_an_initial_state_of_the_wrong_shape_is_named(batched, name, framework):
    params = numpy_params(name, num_layers=2)
    x = np.zeros((T, B, D) if batched else (T, D))
    h0 = np.zeros((3, B, H) if batched else (3, H))
    if framework == "torch":
        params, x, h0 = {k: torch.from_numpy(v) for k, v in params.items()}, torch.from_numpy(x), torch.from_numpy(h0)
    fn = getattr(MODELS[name][1 if framework == "numpy" else 2], f"{name}_layers")
    expected = (rf"\(3, {B}, {H}\) but expected \(2, {B}, {H}\) \(layers x directions, batch, state size\)$"
                if batched else rf"\(3, {H}\) but expected \(2, {H}\) \(layers x directions, state size\)$")
    with pytest.raises(ValueError, match=rf"^h0 has shape {expected}"):
        fn(x, params, h0)


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("name", list(MODELS))
def test_an_empty_unbatched_sequence_returns_the_given_states(name, framework):
    params = numpy_params(name, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(3)
    x, states = np.zeros((0, D)), [rng.normal(size=(4, H)) for _ in range(2 if name == "lstm" else 1)]
    if framework == "torch":
        params, x = {k: torch.from_numpy(v) for k, v in params.items()}, torch.from_numpy(x)
        states = [torch.from_numpy(s) for s in states]
    fn = getattr(MODELS[name][1 if framework == "numpy" else 2], f"{name}_layers")
    output, finals = fn(x, params, *states)
    assert tuple(output.shape) == (0, 2 * H)
    for given, final in zip(states, finals if name == "lstm" else [finals]):
        assert tuple(final.shape) == (4, H)
        np.testing.assert_array_equal(as_numpy(torch.as_tensor(final)), as_numpy(torch.as_tensor(given)))


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("name", list(MODELS))
def test_reverse_padded_reverses_each_sequence_and_leaves_the_padding(name, framework):
    lengths = [3, 1, 4, 2]
    x = np.arange(4 * 4 * 2, dtype=float).reshape(4, 4, 2)
    expected = x.copy()
    for b, n in enumerate(lengths):
        expected[:n, b] = x[:n, b][::-1]
    if framework == "numpy":
        got = MODELS[name][1]._reverse_padded(x, np.array(lengths))
    else:
        got = as_numpy(MODELS[name][2]._reverse_padded(torch.from_numpy(x), torch.tensor(lengths)))
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("name", list(MODELS))
def test_reverse_padded_stays_on_the_device_of_its_input(name):
    """On the meta device any tensor made on the CPU meets it and raises."""
    y = MODELS[name][2]._reverse_padded(torch.empty(4, 2, 3, device="meta"), torch.tensor([2, 4], device="meta"))
    assert y.device.type == "meta" and tuple(y.shape) == (4, 2, 3)


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_rnn_direction_is_tanh_unless_told(framework):
    params = {k[:-3]: v for k, v in numpy_params("rnn").items()}  # weight_ih_l0 -> weight_ih
    rng = np.random.default_rng(4)
    x, h0 = rng.normal(size=(T, B, D)), rng.normal(size=(B, H))
    expected = rnn_numpy.rnn(x, h0, **params)
    if framework == "torch":
        params = {k: torch.from_numpy(v) for k, v in params.items()}
        x, h0 = torch.from_numpy(x), torch.from_numpy(h0)
    module = rnn_numpy if framework == "numpy" else rnn_torch
    lengths = np.full(B, T) if framework == "numpy" else torch.full((B,), T)
    for ours, theirs in zip(module.rnn_direction(x, lengths, h0, **params), expected):
        np.testing.assert_allclose(as_numpy(ours) if framework == "torch" else ours, theirs, rtol=0, atol=1e-12)


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_an_unbatched_projected_step_is_that_row_of_the_batch(framework):
    P = 2
    rng = np.random.default_rng(5)
    a = {"Wx": rng.normal(size=(B, 4 * H)), "h_prev": rng.normal(size=(B, P)), "c_prev": rng.normal(size=(B, H)),
         "weight_hh_T": rng.normal(size=(P, 4 * H)), "bias_hh": rng.normal(size=4 * H), "W_hr": rng.normal(size=(P, H))}
    module, convert = (lstm_numpy, lambda v: v) if framework == "numpy" else (lstm_torch, torch.from_numpy)
    batched = module.lstm_projected_step(**{k: convert(v) for k, v in a.items()})
    for b in range(B):
        row = {k: convert(v[b] if k in ("Wx", "h_prev", "c_prev") else v) for k, v in a.items()}
        for whole, one in zip(batched, module.lstm_projected_step(**row)):
            assert one.ndim == 1
            np.testing.assert_allclose(as_numpy(torch.as_tensor(one)), as_numpy(torch.as_tensor(whole[b])),
                                       rtol=0, atol=1e-12)


def _drop(p, key):
    del p[key]


def _hidden_rows(p, rows):
    p["weight_hh_l0"] = np.ones((rows, p["weight_hh_l0"].shape[1]))


EVERY_MODEL_BAD = [  # (change to params, change to x or None, expected full message); every model, both frameworks
    (lambda p: p.update(running_mean=p["bias_ih_l0"]), None,
     r"^params has key 'running_mean', which this function cannot reproduce \(expected names like weight_ih_l0, "
     r"bias_hh_l1_reverse\)$"),
    (lambda p: p.clear(), None, r"^params is empty: expected torch.nn state_dict names like weight_ih_l0$"),
    (lambda p: _drop(p, "bias_hh_l1_reverse"), None, r"^params lacks bias_hh_l1_reverse \(2 layers, 2 directions\)$"),
    (lambda p: [_drop(p, k) for k in list(p) if k.endswith("_l1_reverse")], None,
     r"^params lacks bias_hh_l1_reverse \(2 layers, 2 directions\)$"),
    (lambda p: p.update(weight_hh_l0=np.ones((p["weight_hh_l0"].shape[0], 4))), None,
     r"^weight_hh_l0 has shape \(\d+, 4\) but expected \(\d+, 5\) \(hidden size 5, 2 directions, "
     r"3 input features\)$"),
    (lambda p: p.update(weight_ih_l1_reverse=np.ones((1, 1))), None,
     r"^weight_ih_l1_reverse has shape \(1, 1\) but expected \(\d+, 10\) \(hidden size 5, 2 directions, "
     r"3 input features\)$"),
    (lambda p: p.update(bias_hh_l0=p["bias_hh_l0"].astype(np.float32)), None,
     r"^bias_hh_l0 has dtype float32 but x has dtype float64$"),
    (lambda p: p.update(weight_hh_l0=np.ones(3)), None, r"^weight_hh_l0 must have 2 dimensions, got shape \(3,\)$"),
    (lambda p: _hidden_rows(p, 0), None, r"^weight_hh_l0 has 0 rows, expected a positive multiple of \d$"),
    (None, lambda x: x[0, 0], r"^x must have 2 or 3 dimensions, got shape \(3,\)$"),
    (None, lambda x: x.astype(np.int64), r"^x must hold floating-point numbers, got dtype int64$"),
]


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("case", range(len(EVERY_MODEL_BAD)))
def test_every_model_names_a_bad_state_dict_or_input_in_full(case, name, framework):
    """The layer helpers are copies in each snippet file: each copy is checked, message and all."""
    change_params, change_x, message = EVERY_MODEL_BAD[case]
    params = numpy_params(name, num_layers=2, bidirectional=True)
    x = np.random.default_rng(0).normal(size=(6, 2, D))
    if change_params:
        change_params(params)
    if change_x:
        x = change_x(x)
    if framework == "torch":
        params, x = {k: torch.from_numpy(v) for k, v in params.items()}, torch.from_numpy(x)
        message = message.replace("float32", "torch.float32").replace("float64", "torch.float64")
        message = message.replace("int64", "torch.int64")
    fn = getattr(MODELS[name][1 if framework == "numpy" else 2], f"{name}_layers")
    with pytest.raises(ValueError, match=message):
        fn(x, params)


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("name", list(MODELS))
def test_every_model_refuses_a_projection_or_bad_lengths(name, framework):
    params = numpy_params(name)
    x = np.zeros((6, 2, D))
    if framework == "torch":
        params, x = {k: torch.from_numpy(v) for k, v in params.items()}, torch.from_numpy(x)
    fn = getattr(MODELS[name][1 if framework == "numpy" else 2], f"{name}_layers")
    with pytest.raises(TypeError, match=r"^params must be a mapping of state_dict names to (arrays|tensors), "
                                        r"got list$"):
        fn(x, list(params.values()))
    with pytest.raises(ValueError, match=r"^lengths needs a batched x, got unbatched x of shape \(6, 3\)$"):
        fn(x[:, 0], params, lengths=[1])
    with pytest.raises(ValueError, match=r"^lengths must be 2 integers \(one per sequence\)"):
        fn(x, params, lengths=[1, 2, 3])
    if name != "lstm":
        weight_hr = np.ones((2, H)) if framework == "numpy" else torch.ones(2, H, dtype=torch.float64)
        with pytest.raises(ValueError, match=r"^params has key 'weight_hr_l0': a projection \(proj_size\) exists "
                                             r"for nn.LSTM only$"):
            fn(x, {**params, "weight_hr_l0": weight_hr})


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_a_cell_state_of_the_wrong_shape_is_named(framework):
    params = numpy_params("lstm", num_layers=2)
    x, c0 = np.zeros((T, B, D)), np.zeros((2, B, H + 1))
    if framework == "torch":
        params, x, c0 = {k: torch.from_numpy(v) for k, v in params.items()}, torch.from_numpy(x), torch.from_numpy(c0)
    fn = lstm_numpy.lstm_layers if framework == "numpy" else lstm_torch.lstm_layers
    with pytest.raises(ValueError, match=rf"^c0 has shape \(2, {B}, {H + 1}\) but expected \(2, {B}, {H}\) "
                                         r"\(layers x directions, batch, state size\)$"):
        fn(x, params, None, c0)
