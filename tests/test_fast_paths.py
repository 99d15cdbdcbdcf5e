"""The fast paths of the PyTorch snippets (`*_graphed`, `*_compiled`) equal the plain sequence functions.

Values, final states and, for training, the gradients of every weight. CUDA graphs exist only on
CUDA: on the CPU `*_graphed` must hand back the plain function and say why, once. torch.compile
runs on the CPU too: most CPU checks trace with backend="aot_eager" (the same Dynamo and AOT
Autograd graphs, no code generation, a few seconds), one check generates real kernels with
inductor. Compiled functions are shared through module-scoped fixtures: each compile costs seconds.
The CUDA parametrization (TF32 off, conftest) compiles with inductor, as a reader would.
"""

import ast
import warnings

import pytest
import torch

from book import catalogue

from .conftest import TOLERANCE, max_error
from .models import module, n_states, parameters, states_tuple

D, H, B, T = 3, 4, 2, 3
MODELS = ["rnn", "lstm", "gru"]
CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")


def tensors(name, device, dtype=torch.float64, weights_grad=False, seed=0):
    """x (T, B, D), the initial states and the four weights of `name`, random, on `device`."""
    generator = torch.Generator().manual_seed(seed)

    def convert(a):
        return torch.as_tensor(a, dtype=dtype).to(device)
    x = convert(torch.randn(T, B, D, generator=generator, dtype=torch.float64))
    states = [convert(torch.randn(B, H, generator=generator, dtype=torch.float64)) for _ in range(n_states(name))]
    weights = [w.requires_grad_(weights_grad) for w in parameters(name, D, H, convert, seed=seed)]
    return x, states, weights


def flat(name, result):
    """(y, state(s)) -> [y, h_n(, c_n)]"""
    y, last = result
    return [y, *states_tuple(name, last)]


def training(name, function, x, states, weights, **options):
    """Outputs and weight gradients of one forward + backward with a loss touching every output."""
    outputs = flat(name, function(x, *states, *weights, **options))
    loss = sum((k + 1) * (o * o).sum() for k, o in enumerate(outputs))  # y, h_n and c_n all get gradients
    gradients = torch.autograd.grad(loss, weights)
    return [o.detach().clone() for o in outputs], gradients


def assert_same_training(name, plain, fast, x, states, weights, tolerance, **options):
    expected_outputs, expected_grads = training(name, plain, x, states, weights, **options)
    outputs, grads = training(name, fast, x, states, weights, **options)
    for expected, got in zip(expected_outputs + list(expected_grads), outputs + list(grads)):
        assert max_error(got, expected) <= tolerance


# --- torch.compile ----------------------------------------------------------------------------------

COMPILED = {"rnn-step": ("rnn", False, {}), "lstm-step": ("lstm", False, {}), "lstm-whole_loop": ("lstm", True, {}),
            "gru-step": ("gru", False, {}), "gru-step-reset_before": ("gru", False, {"reset_after": False}),
            "gru-whole_loop": ("gru", True, {})}
ON_CPU_TOO = ["rnn-step", "lstm-step", "lstm-whole_loop", "gru-step-reset_before"]  # a few: each compiles for seconds
COMPILED_CASES = ([pytest.param(*COMPILED[case], "cpu", id=f"{case}-cpu") for case in ON_CPU_TOO] +
                  [pytest.param(*arguments, "cuda", id=f"{case}-cuda", marks=CUDA)
                   for case, arguments in COMPILED.items()])


@pytest.fixture(scope="module")
def compiled():
    """One compiled function per (model, whole_loop, backend), shared by the tests of this file."""
    made = {}

    def get(name, whole_loop, backend):
        key = (name, whole_loop, backend)
        if key not in made:
            made[key] = getattr(module(name, "torch"), f"{name}_compiled")(whole_loop=whole_loop, backend=backend)
        return made[key]
    return get


@pytest.mark.parametrize("name,whole_loop,options,device", COMPILED_CASES)
def test_compiled_trains_like_the_plain_function(name, whole_loop, options, device, compiled):
    """Values, states and weight gradients; on CUDA compiled by inductor (whole loop: reduce-overhead)."""
    backend = "inductor" if device == "cuda" else "aot_eager"
    x, states, weights = tensors(name, device, weights_grad=True)
    plain = getattr(module(name, "torch"), name)
    fast = compiled(name, whole_loop, backend)
    assert_same_training(name, plain, fast, x, states, weights, TOLERANCE[torch.float64], **options)
    x2, states2, _ = tensors(name, device, seed=1)  # same shapes, new values: no stale results
    with torch.no_grad():
        for expected, got in zip(flat(name, plain(x2, *states2, *weights, **options)),
                                 flat(name, fast(x2, *states2, *weights, **options))):
            assert max_error(got, expected) <= TOLERANCE[torch.float64]


def test_compiled_step_generates_kernels_equal_to_the_plain_lstm(compiled):
    """One real inductor compile on the CPU (C++ kernels), forward only, float32 like a GPU run."""
    lstm = module("lstm", "torch").lstm
    fast = compiled("lstm", False, "inductor")
    x, (h0, c0), weights = tensors("lstm", "cpu", dtype=torch.float32)
    with torch.no_grad():
        for states in ((h0, c0), (None, c0)):  # None: zeros, as in lstm
            errors = [max_error(g, e) for g, e in zip(flat("lstm", fast(x, *states, *weights)),
                                                      flat("lstm", lstm(x, *states, *weights)))]
            assert max(errors) <= TOLERANCE[torch.float32]


@pytest.mark.parametrize("name", MODELS)
def test_compiled_rejects_bad_input_like_the_plain_function(name, compiled):
    x, states, weights = tensors(name, "cpu")
    fast = compiled(name, False, "aot_eager")
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        fast(x.numpy(), *states, *weights)
    with pytest.raises(ValueError, match=r"weight_hh has shape \(\d+, 5\)"):
        fast(x, *states, weights[0], weights[1][:, :1].repeat(1, 5), *weights[2:])


# --- CUDA graphs --------------------------------------------------------------------------------------

VARIANTS = [("rnn", {}), ("lstm", {}), ("gru", {}), ("gru", {"reset_after": False})]
VARIANT_IDS = ["rnn", "lstm", "gru", "gru-reset_before"]


@pytest.mark.parametrize("name,options", VARIANTS, ids=VARIANT_IDS)
def test_graphed_on_the_cpu_returns_the_plain_function_and_warns_once(name, options, monkeypatch):
    snippet = module(name, "torch")
    plain = getattr(snippet, name)
    monkeypatch.setattr(snippet, "_WARNED", set())
    x, states, weights = tensors(name, "cpu")
    with pytest.warns(UserWarning, match=f"{name}_graphed: CUDA graphs need CUDA tensors"):
        fast = getattr(snippet, f"{name}_graphed")(x, *states, *weights, **options)
    if name != "gru":
        assert fast is plain
    assert torch.equal(fast(x, *states, *weights)[0], plain(x, *states, *weights, **options)[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the second call is silent
        getattr(snippet, f"{name}_graphed")(x, *states, *weights, **options)


@pytest.mark.parametrize("name", MODELS)
def test_graphed_on_the_cpu_returns_the_function_it_was_given(name, compiled, monkeypatch):
    snippet = module(name, "torch")
    monkeypatch.setattr(snippet, "_WARNED", {f"{name}_graphed"})
    x, states, weights = tensors(name, "cpu")
    fused = compiled(name, False, "aot_eager")
    fast = getattr(snippet, f"{name}_graphed")(x, *states, *weights, **{f"{name}_function": fused})
    assert fast is fused or name == "gru"
    expected = getattr(snippet, name)(x, *states, *weights)
    assert max(max_error(g, e) for g, e in zip(flat(name, fast(x, *states, *weights)), flat(name, expected))) <= \
        TOLERANCE[torch.float64]


@pytest.mark.parametrize("name", MODELS)
def test_graphed_rejects_what_is_not_a_tensor(name):
    x, states, weights = tensors(name, "cpu")
    with pytest.raises(TypeError, match="x must be a torch.Tensor, got list"):
        getattr(module(name, "torch"), f"{name}_graphed")(x.tolist(), *states, *weights)


def test_a_replay_names_the_argument_that_differs_from_the_capture():
    """The replay check itself (CPU): shape, dtype, device, requires_grad, type."""
    check = module("lstm", "torch")._check_replay
    captured = (torch.zeros(3, 2, 4), torch.zeros(2, 5))
    names = ("x", "h0")
    check("lstm_graphed", names, (torch.ones(3, 2, 4), torch.ones(2, 5)), captured)  # same: silent
    with pytest.raises(ValueError, match=r"h0 has shape \(2, 6\) but lstm_graphed captured \(2, 5\)"):
        check("lstm_graphed", names, (torch.ones(3, 2, 4), torch.ones(2, 6)), captured)
    with pytest.raises(ValueError, match=r"x has dtype torch.float64 but lstm_graphed captured torch.float32"):
        check("lstm_graphed", names, (torch.ones(3, 2, 4, dtype=torch.float64), torch.ones(2, 5)), captured)
    with pytest.raises(ValueError, match=r"x requires grad but lstm_graphed captured it without"):
        check("lstm_graphed", names, (torch.ones(3, 2, 4, requires_grad=True), torch.ones(2, 5)), captured)
    with torch.no_grad():  # no autograd, no backward graph needed
        check("lstm_graphed", names, (torch.ones(3, 2, 4, requires_grad=True), torch.ones(2, 5)), captured)
    captured_for_training = (captured[0].clone().requires_grad_(), captured[1])
    check("lstm_graphed", names, (torch.ones(3, 2, 4), torch.ones(2, 5)), captured_for_training)  # evaluation
    with pytest.raises(ValueError, match=r"h0 has device meta but lstm_graphed captured cpu"):
        check("lstm_graphed", names, (torch.ones(3, 2, 4), torch.ones(2, 5, device="meta")), captured)
    with pytest.raises(TypeError, match="h0 must be a torch.Tensor, got NoneType"):
        check("lstm_graphed", names, (torch.ones(3, 2, 4), None), captured)


@CUDA
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name,options", VARIANTS, ids=VARIANT_IDS)
def test_graphed_forward_equals_the_plain_function_on_new_values(name, options, dtype):
    snippet = module(name, "torch")
    plain = getattr(snippet, name)
    x, states, weights = tensors(name, "cuda", dtype=dtype)
    replay = getattr(snippet, f"{name}_graphed")(x, *states, *weights, **options)
    for seed in (0, 1, 2):  # new values are copied into the graph's inputs before each replay
        x, states, _ = tensors(name, "cuda", dtype=dtype, seed=seed)
        expected = flat(name, plain(x, *states, *weights, **options))
        got = [o.clone() for o in flat(name, replay(x, *states, *weights))]
        assert max(max_error(g, e) for g, e in zip(got, expected)) <= TOLERANCE[dtype]
    zeros = [None] * n_states(name)  # None states mean zeros, as in the plain function
    expected = flat(name, plain(x, *zeros, *weights, **options))
    got = flat(name, replay(x, *zeros, *weights))
    assert max(max_error(g, e) for g, e in zip(got, expected)) <= TOLERANCE[dtype]


@CUDA
@pytest.mark.parametrize("name,options", VARIANTS, ids=VARIANT_IDS)
def test_graphed_trains_like_the_plain_function(name, options):
    """Gradients reach the caller's weights; an update in place is seen by the next replay."""
    snippet = module(name, "torch")
    plain = getattr(snippet, name)
    x, states, weights = tensors(name, "cuda", weights_grad=True)
    replay = getattr(snippet, f"{name}_graphed")(x, *states, *weights, **options)
    for step in range(2):
        assert_same_training(name, lambda *a, **o: plain(*a, **options), replay, x, states, weights,
                             TOLERANCE[torch.float64])
        with torch.no_grad():
            for w in weights:
                w.mul_(0.9)  # like an optimizer step: same tensors, new values
    with torch.no_grad():  # evaluation with the training graphs: the forward graph alone
        expected = flat(name, plain(x, *states, *weights, **options))
        got = flat(name, replay(x, *states, *weights))
    assert max(max_error(g, e) for g, e in zip(got, expected)) <= TOLERANCE[torch.float64]


@CUDA
@pytest.mark.parametrize("name,options", [("lstm", {}), ("gru", {"reset_after": False})], ids=["lstm", "gru-reset_before"])
def test_graphed_compiled_step_trains_like_the_plain_function(name, options, compiled):
    """Fused steps (inductor), then captured: what a compiled step inside a CUDA graph computes."""
    snippet = module(name, "torch")
    plain = getattr(snippet, name)
    x, states, weights = tensors(name, "cuda", weights_grad=True)
    replay = getattr(snippet, f"{name}_graphed")(x, *states, *weights, **options,
                                                 **{f"{name}_function": compiled(name, False, "inductor")})
    assert_same_training(name, lambda *a, **o: plain(*a, **options), replay, x, states, weights,
                         TOLERANCE[torch.float64])


@CUDA
def test_graphed_replay_rejects_other_shapes_and_empty_sequences():
    snippet = module("lstm", "torch")
    x, (h0, c0), weights = tensors("lstm", "cuda")
    replay = snippet.lstm_graphed(x, h0, c0, *weights)
    with pytest.raises(ValueError, match=rf"x has shape \({T + 1}, {B}, {D}\) but lstm_graphed captured "
                                         rf"\({T}, {B}, {D}\)"):
        replay(torch.cat([x, x[:1]]), h0, c0, *weights)
    with pytest.raises(ValueError, match="weight_hh requires grad but lstm_graphed captured it without"):
        replay(x, h0, c0, weights[0], weights[1].clone().requires_grad_(), *weights[2:])
    with pytest.raises(ValueError, match="needs at least one time step"):
        snippet.lstm_graphed(x[:0], h0, c0, *weights)
    with pytest.raises(ValueError, match="weight_hh has shape"):
        snippet.lstm_graphed(x, h0, c0, weights[0], weights[1][:, :2], *weights[2:])


# --- the three files --------------------------------------------------------------------------------

def test_fast_path_helpers_are_identical_in_the_three_files():
    """The private helpers of the fast paths are copied into each self-contained file: no drift."""
    texts = [(catalogue.ROOT / catalogue.snippet_path(m, "torch")).read_text(encoding="utf-8") for m in MODELS]
    start, end = "# Fast paths: checks and copies for the CUDA graphs.", "# Layers: reading a state_dict"
    helpers = [t[t.index(start):t.index(end)] for t in texts]
    assert helpers[0] == helpers[1] == helpers[2]
    assert {n.name for n in ast.parse(helpers[0]).body if isinstance(n, ast.FunctionDef)} == {
        "_without_cuda_graphs", "_check_steps", "_static_copies", "_check_replay"}
