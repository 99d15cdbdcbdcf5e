"""minGRU and minLSTM (snippets/minrnn_*.py) against mingru-pytorch, NumPy against PyTorch,
and the parallel scans against the loops.

mingru-pytorch (lucidrains, pinned in requirements.txt) is batch-first, has no biases, and
always uses the log-space candidate g(h̃); its one Linear holds the blocks [h̃, z] (minGRU)
or [h̃, f, i] (minLSTM). With more than one step it runs the log-space scan, with one step
the plain recurrence. One deliberate difference: its minLSTM scan maps a given initial state
through g (log_h_0 = log_g(prev_hidden)) while its own one-step branch and minGRU use the
state as it is; the book always uses h0 as it is, so the scan is compared with h0 = g(p).
Its softplus switches to the identity above 20 (error < e^-20 ≈ 2e-9): inputs here keep
every pre-activation far below that, so float64 agrees to 1e-10.
"""

import ast
import inspect
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from minGRU_pytorch.minGRU import minGRU
from minGRU_pytorch.minLSTM import minLSTM

from book import catalogue
from snippets import minrnn_numpy, minrnn_torch

from .conftest import as_numpy

T, B, D, H = 23, 3, 4, 4  # mingru-pytorch's layers map D features to D hidden units
FRAMEWORKS = {"numpy": minrnn_numpy, "torch": minrnn_torch}
NON_FORMULAS = {"sigmoid", "linear", "mingru", "mingru_parallel", "minlstm", "minlstm_parallel"}


def _tensors(*arrays, device="cpu"):
    return [None if a is None else torch.from_numpy(a).to(device) for a in arrays]


def _inputs(seed, T=T, D=D, H=H, gates=2, bias=True):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(T, B, D))
    h0 = np.abs(rng.normal(size=(B, H)))  # >= 0: valid for both forms
    weights = [rng.normal(scale=0.7, size=(H, D)) for _ in range(gates)]
    biases = [rng.normal(size=H) if bias else None for _ in range(gates)]
    return x, h0, weights, biases


# --- against mingru-pytorch -------------------------------------------------------------------

@pytest.mark.parametrize("with_h0", [False, True])
def test_mingru_equals_mingru_pytorch(with_h0):
    torch.manual_seed(0)
    reference = minGRU(D).double()
    W = reference.to_hidden_and_gate.weight.detach().numpy()  # (2H, D): blocks h̃, z
    weight_h, weight_z = W[:H], W[H:]
    x, h0, _, _ = _inputs(1, bias=False)
    with torch.no_grad():
        theirs, theirs_n = reference(torch.from_numpy(x).transpose(0, 1),
                                     torch.from_numpy(h0)[:, None] if with_h0 else None,
                                     return_next_prev_hidden=True)
    theirs = as_numpy(theirs.transpose(0, 1))
    for module in FRAMEWORKS.values():
        for function in (module.mingru, module.mingru_parallel):
            args = (x, h0 if with_h0 else None, weight_z, weight_h)
            if module is minrnn_torch:
                args = _tensors(*args)
            y, h_n = function(*args, log_space=True)
            assert np.max(np.abs(np.asarray(as_numpy(y) if module is minrnn_torch else y) - theirs)) <= 1e-10
            h_n = as_numpy(h_n) if module is minrnn_torch else h_n
            assert np.max(np.abs(h_n - as_numpy(theirs_n[:, 0]))) <= 1e-10


def test_mingru_one_step_equals_mingru_pytorch_sequential_branch():
    """One step takes mingru-pytorch's other branch: torch.lerp(h_prev, g(h̃), z)."""
    torch.manual_seed(1)
    reference = minGRU(D).double()
    W = reference.to_hidden_and_gate.weight.detach().numpy()
    x, h0, _, _ = _inputs(2, T=1, bias=False)
    with torch.no_grad():
        theirs = as_numpy(reference(torch.from_numpy(x).transpose(0, 1), torch.from_numpy(h0)[:, None]))
    y, _ = minrnn_numpy.mingru(x, h0, W[H:], W[:H], log_space=True)
    assert np.max(np.abs(y - theirs.transpose(1, 0, 2))) <= 1e-12


@pytest.mark.parametrize("with_h0", [False, True])
def test_minlstm_equals_mingru_pytorch(with_h0):
    torch.manual_seed(2)
    reference = minLSTM(D).double()
    W = reference.to_hidden_and_f_i_gate.weight.detach().numpy()  # (3H, D): blocks h̃, f, i
    weight_h, weight_f, weight_i = W[:H], W[H:2 * H], W[2 * H:]
    x, p, _, _ = _inputs(3, bias=False)
    with torch.no_grad():
        theirs = as_numpy(reference(torch.from_numpy(x).transpose(0, 1),
                                    torch.from_numpy(p)[:, None] if with_h0 else None).transpose(0, 1))
    h0 = minrnn_numpy.minrnn_g(p) if with_h0 else None  # the reference's scan starts from g(p), not p
    for module in FRAMEWORKS.values():
        for function in (module.minlstm, module.minlstm_parallel):
            args = (x, h0, weight_f, weight_i, weight_h)
            if module is minrnn_torch:
                args = _tensors(*args)
            y, _ = function(*args, log_space=True)
            y = as_numpy(y) if module is minrnn_torch else y
            assert np.max(np.abs(y - theirs)) <= 1e-10


def test_minlstm_one_step_equals_mingru_pytorch_sequential_branch():
    """The reference's one-step branch uses h_prev as it is, like the book."""
    torch.manual_seed(3)
    reference = minLSTM(D).double()
    W = reference.to_hidden_and_f_i_gate.weight.detach().numpy()
    x, h0, _, _ = _inputs(4, T=1, bias=False)
    with torch.no_grad():
        theirs = as_numpy(reference(torch.from_numpy(x).transpose(0, 1), torch.from_numpy(h0)[:, None]))
    y, _ = minrnn_numpy.minlstm(x, h0, W[H:2 * H], W[2 * H:], W[:H], log_space=True)
    assert np.max(np.abs(y - theirs.transpose(1, 0, 2))) <= 1e-12


def test_minlstm_reference_scan_maps_its_initial_state_through_g():
    """The documented difference, pinned: with h0 = p the reference's scan differs from the book's."""
    torch.manual_seed(2)
    reference = minLSTM(D).double()
    W = reference.to_hidden_and_f_i_gate.weight.detach().numpy()
    x, p, _, _ = _inputs(3, bias=False)
    with torch.no_grad():
        theirs = as_numpy(reference(torch.from_numpy(x).transpose(0, 1), torch.from_numpy(p)[:, None]))
    y, _ = minrnn_numpy.minlstm(x, p, W[H:2 * H], W[2 * H:], W[:H], log_space=True)
    assert np.max(np.abs(y[0] - theirs[:, 0])) > 1e-3


# --- NumPy = PyTorch, parallel = loop ---------------------------------------------------------

CASES = [("mingru", 2), ("minlstm", 3)]


@pytest.mark.parametrize("log_space", [False, True])
@pytest.mark.parametrize("name, gates", CASES)
def test_parallel_equals_loop_and_numpy_equals_torch(name, gates, log_space, device):
    x, h0, weights, biases = _inputs(5, T=37, D=5, H=6, gates=gates)
    if not log_space:
        h0 = h0 - 1.0  # a signed state: only the doubling scan can take it
    loop_numpy, h_numpy = getattr(minrnn_numpy, name)(x, h0, *weights, *biases, log_space=log_space)
    for function in (getattr(minrnn_numpy, f"{name}_parallel"),):
        y, h_n = function(x, h0, *weights, *biases, log_space=log_space)
        assert np.max(np.abs(y - loop_numpy)) <= 1e-10 and np.max(np.abs(h_n - h_numpy)) <= 1e-10
    for function in (getattr(minrnn_torch, name), getattr(minrnn_torch, f"{name}_parallel")):
        y, h_n = function(*_tensors(x, h0, *weights, *biases, device=device), log_space=log_space)
        assert y.device.type == device.type and y.dtype == torch.float64
        assert np.max(np.abs(as_numpy(y) - loop_numpy)) <= 1e-10
        assert np.max(np.abs(as_numpy(h_n) - h_numpy)) <= 1e-10


@pytest.mark.parametrize("name, gates", CASES)
def test_float32_and_unbatched(name, gates, device):
    x, h0, weights, biases = _inputs(6, T=9, gates=gates)
    x, h0 = x[:, 0].astype(np.float32), h0[0].astype(np.float32)  # unbatched (T, D), (H,)
    weights = [w.astype(np.float32) for w in weights]
    biases = [b.astype(np.float32) for b in biases]
    reference, _ = getattr(minrnn_numpy, name)(x.astype(np.float64), h0.astype(np.float64),
                                               *[w.astype(np.float64) for w in weights],
                                               *[b.astype(np.float64) for b in biases], log_space=True)
    for function in (getattr(minrnn_torch, name), getattr(minrnn_torch, f"{name}_parallel")):
        y, h_n = function(*_tensors(x, h0, *weights, *biases, device=device), log_space=True)
        assert y.dtype == torch.float32 and y.shape == (9, H) and h_n.shape == (H,)
        assert np.max(np.abs(as_numpy(y) - reference)) <= 2e-5
    y, _ = getattr(minrnn_numpy, f"{name}_parallel")(x, h0, *weights, *biases, log_space=True)
    assert y.dtype == np.float32


@pytest.mark.parametrize("log_space", [False, True])
@pytest.mark.parametrize("name, gates", CASES)
def test_gradients_of_the_scan_equal_those_of_the_loop(name, gates, log_space):
    x, h0, weights, biases = _inputs(7, T=17, gates=gates)
    grads = []
    for function in (getattr(minrnn_torch, name), getattr(minrnn_torch, f"{name}_parallel")):
        params = [p.requires_grad_() for p in _tensors(x, *weights, *biases)]
        y, _ = function(params[0], torch.from_numpy(h0), *params[1:], log_space=log_space)
        (y * torch.linspace(-1, 1, y.numel(), dtype=y.dtype).reshape(y.shape)).sum().backward()
        grads.append([as_numpy(p.grad) for p in params])
    for loop_grad, scan_grad in zip(*grads):
        assert np.max(np.abs(loop_grad - scan_grad)) <= 1e-10


def test_log_space_scan_stays_finite_where_the_direct_product_form_overflows():
    """2000 steps with a_t = 0.5: a_1⋯a_t underflows to 0, so b_k / (a_1⋯a_k) is inf;
    the log-space scan gives the fixed point b / (1 - a) = 2."""
    log_a, log_b = np.full((2000, 1), np.log(0.5)), np.zeros((2000, 1))
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        products = np.cumprod(np.exp(log_a), axis=0)
        direct = products * np.cumsum(np.exp(log_b) / products, axis=0)
    assert not np.all(np.isfinite(direct))
    h = minrnn_numpy.minrnn_scan_log(log_a, log_b, np.array([-np.inf]))
    assert np.all(np.isfinite(h)) and abs(h[-1, 0] - 2.0) < 1e-12
    assert abs(as_numpy(minrnn_torch.minrnn_scan_log(*_tensors(log_a, log_b, np.array([-np.inf]))))[-1, 0] - 2) < 1e-12


def test_empty_sequence_returns_h0():
    x, h0, weights, biases = _inputs(8, T=0)
    for module in FRAMEWORKS.values():
        args = (x, h0, *weights, *biases) if module is minrnn_numpy else _tensors(x, h0, *weights, *biases)
        for function in (module.mingru, module.mingru_parallel):
            y, h_n = function(*args, log_space=True)
            assert tuple(y.shape) == (0, B, H) and np.array_equal(np.asarray(as_numpy(h_n) if module is minrnn_torch else h_n), h0)


# --- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_bad_input_has_a_clear_error(framework):
    module = FRAMEWORKS[framework]
    x, h0, (wz, wh), _ = _inputs(9)
    convert = (lambda *a: a) if framework == "numpy" else _tensors
    for function in (module.mingru, module.mingru_parallel):
        with pytest.raises(ValueError, match="log_space=True keeps every state positive"):
            function(*convert(x, -h0, wz, wh), log_space=True)
        with pytest.raises(ValueError, match=r"weight_h has shape \(4, 3\) but expected \(H, 4\)"):
            function(*convert(x, h0, wz, wh[:, :3]))
        with pytest.raises(ValueError, match="h0 has shape"):
            function(*convert(x, h0[:, :2], wz, wh))
        with pytest.raises(ValueError, match="bias_z has shape"):
            function(*convert(x, h0, wz, wh, np.zeros(3)))
        with pytest.raises(ValueError, match="x must have 2 or 3 dimensions"):
            function(*convert(x[0, 0], None, wz, wh))
        with pytest.raises(ValueError, match="dtype"):
            function(*convert(x, h0, wz.astype(np.float32), wh))
        with pytest.raises(TypeError, match="must be a"):
            function(x.tolist(), None, *convert(wz, wh))


# --- the files themselves ----------------------------------------------------------------------

def test_same_sections_and_public_functions_in_both_files():
    paths = [catalogue.snippet_path("minrnn", fw) for fw in catalogue.FRAMEWORKS]
    assert catalogue.sections(paths[0]) == catalogue.sections(paths[1])
    for module in FRAMEWORKS.values():
        public = {n for n, f in inspect.getmembers(module, inspect.isfunction) if not n.startswith("_")}
        assert public == set(module.__all__) == set(catalogue.sections(paths[0]))


@pytest.mark.parametrize("framework", catalogue.FRAMEWORKS)
def test_sections_are_one_function_each_and_formulas_are_catalogued(framework):
    path = catalogue.snippet_path("minrnn", framework)
    text = (catalogue.ROOT / path).read_text(encoding="utf-8")
    for name in catalogue.sections(path):
        body = text.split(f"# --8<-- [start:{name}]\n", 1)[1].split(f"# --8<-- [end:{name}]", 1)[0]
        tree = ast.parse(body)
        assert [type(n) for n in tree.body] == [ast.FunctionDef] and tree.body[0].name == name
        assert name in NON_FORMULAS or name in catalogue.formulas(), name


@pytest.mark.parametrize("framework", catalogue.FRAMEWORKS)
def test_public_api_signatures(framework):
    module = FRAMEWORKS[framework]
    gru = ["x", "h0", "weight_z", "weight_h", "bias_z", "bias_h", "log_space"]
    lstm = ["x", "h0", "weight_f", "weight_i", "weight_h", "bias_f", "bias_i", "bias_h", "log_space"]
    for name, expected in (("mingru", gru), ("mingru_parallel", gru), ("minlstm", lstm), ("minlstm_parallel", lstm)):
        parameters = inspect.signature(getattr(module, name)).parameters
        assert list(parameters) == expected
        assert parameters["log_space"].default is False and parameters["bias_h"].default is None


@pytest.mark.parametrize("framework", catalogue.FRAMEWORKS)
def test_file_runs_alone_outside_the_repository(framework, tmp_path):
    path = catalogue.snippet_path("minrnn", framework)
    shutil.copy(catalogue.ROOT / path, tmp_path / "copied.py")
    lib = "numpy as np" if framework == "numpy" else "torch as np"
    code = textwrap.dedent(f"""
        import {lib}
        import copied
        ones = lambda *s: np.ones(s) * 0.1
        y, h = copied.minlstm_parallel(ones(4, 2, 3), None, ones(5, 3), ones(5, 3), ones(5, 3), log_space=True)
        print(tuple(y.shape))
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(4, 2, 5)"
    tree = ast.parse((catalogue.ROOT / path).read_text(encoding="utf-8"))
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported - sys.stdlib_module_names == {framework}
