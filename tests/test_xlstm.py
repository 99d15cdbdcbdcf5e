"""sLSTM and mLSTM (snippets/xlstm_*.py) against the pure-PyTorch paths of NX-AI's xlstm,
NumPy against PyTorch, and the mLSTM's parallel form against its recurrent form.

xlstm 2.0.6 (requirements-nodeps.txt, installed without its CUDA-kernel dependencies):
  slstm_forward_pointwise, slstm_forward   xlstm/blocks/slstm/src/vanilla/
  parallel_stabilized_simple, recurrent_step_stabilized_simple   xlstm/blocks/mlstm/backends.py
The computations are the same, so float64 agrees to 1e-10 everywhere. Deliberate differences:
the reference stores the memory as k vᵀ (read as qᵀ C), the book as v kᵀ (read as C q, the
paper's notation): the tests compare C with the transpose. The reference clamps its stabilised
gates with min(·, 1) and starts a memory whose n is all zero from m = ĩ; the book's m_t is a
maximum, so its gates never exceed 1, and an empty memory has m_0 = -inf, which gives the same
m_1 = ĩ_1.
"""

import ast
import inspect
import math
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from xlstm.blocks.mlstm.backends import parallel_stabilized_simple, recurrent_step_stabilized_simple
from xlstm.blocks.slstm.src.vanilla import slstm_forward
from xlstm.blocks.slstm.src.vanilla.slstm import slstm_forward_pointwise

from book import catalogue
from snippets import xlstm_numpy, xlstm_torch

from .conftest import as_numpy
from .independent_modern import decay_matrix

FRAMEWORKS = {"numpy": xlstm_numpy, "torch": xlstm_torch}
NON_FORMULAS = {"sigmoid", "slstm_step", "slstm_step_unstabilized", "slstm", "mlstm_step", "mlstm",
                "mlstm_decay_matrix", "mlstm_parallel"}
T, B, D, H = 13, 3, 5, 4
ATOL = 1e-10


def _t(*arrays, device="cpu"):
    return [torch.from_numpy(a).to(device) for a in arrays]


def _max(a, b):
    a = as_numpy(a) if isinstance(a, torch.Tensor) else a
    b = as_numpy(b) if isinstance(b, torch.Tensor) else b
    return float(np.max(np.abs(a - b)))


def _slstm_inputs(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(T, B, D))
    weight_ih, weight_hh = rng.normal(scale=0.6, size=(4 * H, D)), rng.normal(scale=0.6, size=(4 * H, H))
    bias = rng.normal(size=4 * H)
    return x, weight_ih, weight_hh, bias


def _mlstm_inputs(seed, T=T):
    rng = np.random.default_rng(seed)
    q, k, v = (rng.normal(size=(T, B, D)) for _ in range(3))
    return q, k, v, rng.normal(scale=2.0, size=(T, B)), rng.normal(scale=2.0, size=(T, B)) + 1.0


# --- sLSTM against xlstm -------------------------------------------------------------------------

@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_slstm_step_equals_slstm_forward_pointwise(framework):
    """Any states (n > 0): the reference's pointwise step with the recurrent term already in Wx."""
    rng = np.random.default_rng(0)
    pre = rng.normal(scale=3.0, size=(B, 4 * H))
    h, c, m = rng.normal(size=(3, B, H))
    n = rng.uniform(0.1, 3.0, size=(B, H))
    theirs, _ = slstm_forward_pointwise(*_t(pre), torch.zeros(B, 4 * H, dtype=torch.float64),
                                        torch.zeros(1, 4 * H, dtype=torch.float64), *_t(np.stack([h, c, n, m])), {})
    args = (*np.split(pre, 4, axis=-1), c, n, m)
    ours = FRAMEWORKS[framework].slstm_step(*(args if framework == "numpy" else _t(*args)))
    for mine, reference in zip(ours, theirs):  # h, c, n, m
        assert _max(mine, reference) <= ATOL


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_slstm_equals_slstm_forward(framework):
    """A whole sequence from an empty memory; one head, so xlstm's R is weight_hh itself."""
    x, weight_ih, weight_hh, bias = _slstm_inputs(1)
    states, last, _ = slstm_forward(*_t(x @ weight_ih.T), torch.zeros(4, B, H, dtype=torch.float64),
                                    *_t(weight_hh[None], bias), slstm_forward_pointwise)
    args = (x, None, weight_ih, weight_hh, bias)
    if framework == "torch":
        args = (_t(x)[0], None, *_t(weight_ih, weight_hh, bias))
    y, final = FRAMEWORKS[framework].slstm(*args)
    assert _max(y, states[0, 1:]) <= ATOL
    for mine, reference in zip(final, last):  # h, c, n, m
        assert _max(mine, reference) <= ATOL


def test_slstm_from_given_states_numpy_equals_torch_and_unbatched(device):
    x, weight_ih, weight_hh, bias = _slstm_inputs(2)
    rng = np.random.default_rng(3)
    states = (rng.normal(size=(B, H)), rng.normal(size=(B, H)), rng.uniform(0.5, 2, size=(B, H)), rng.normal(size=(B, H)))
    y, final = xlstm_numpy.slstm(x, states, weight_ih, weight_hh, bias)
    y_t, final_t = xlstm_torch.slstm(*_t(x, device=device), tuple(_t(*states, device=device)),
                                     *_t(weight_ih, weight_hh, bias, device=device))
    assert y_t.device.type == device.type and _max(y_t, y) <= ATOL
    assert all(_max(a, b) <= ATOL for a, b in zip(final_t, final))
    y0, _ = xlstm_numpy.slstm(x[:, 0], tuple(s[0] for s in states), weight_ih, weight_hh, bias)
    assert _max(y0, y[:, 0]) <= ATOL


def test_without_the_stabilizer_the_state_overflows():
    """ĩ = 100 in float32: exp(100) = inf, so c / n = inf / inf = NaN; the stabilised step is fine."""
    pre_i = np.array([[100.0, 10.0]], dtype=np.float32)
    pre_f, pre_z, pre_o = (np.ones_like(pre_i) for _ in range(3))
    zeros = np.zeros_like(pre_i)
    with np.errstate(over="ignore", invalid="ignore"):
        h_bad, c_bad, n_bad = xlstm_numpy.slstm_step_unstabilized(pre_i, pre_f, pre_z, pre_o, zeros, zeros)
    assert np.isinf(c_bad[0, 0]) and np.isnan(h_bad[0, 0]) and np.isfinite(h_bad[0, 1])
    h, c, n, m = xlstm_numpy.slstm_step(pre_i, pre_f, pre_z, pre_o, zeros, zeros, np.full_like(pre_i, -np.inf))
    assert np.all(np.isfinite(h)) and abs(h[0, 0] - xlstm_numpy.sigmoid(1.0) * np.tanh(1.0)) < 1e-6
    assert m[0, 0] == 100.0 and n[0, 0] == 1.0  # the state is kept as e^(-m) times the true one


# --- mLSTM against xlstm --------------------------------------------------------------------------

def _heads(a):
    """(T, B, D) -> xlstm's (B, NH=1, T, D); (T, B) gates -> (B, 1, T, 1)."""
    t = torch.from_numpy(np.ascontiguousarray(a))
    return t.permute(1, 0, 2)[:, None] if t.ndim == 3 else t.T[:, None, :, None]


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_mlstm_parallel_equals_parallel_stabilized_simple(framework):
    q, k, v, pre_i, pre_f = _mlstm_inputs(4)
    theirs = parallel_stabilized_simple(*(_heads(a) for a in (q, k, v, pre_i, pre_f)))[:, 0].permute(1, 0, 2)
    args = (q, k, v, pre_i, pre_f)
    ours = FRAMEWORKS[framework].mlstm_parallel(*(args if framework == "numpy" else _t(*args)))
    assert _max(ours, theirs) <= ATOL


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_mlstm_equals_recurrent_step_stabilized_simple_from_an_empty_memory(framework):
    q, k, v, pre_i, pre_f = _mlstm_inputs(5)
    C = torch.zeros(B, 1, D, D, dtype=torch.float64)
    n = torch.zeros(B, 1, D, 1, dtype=torch.float64)
    m = torch.full((B, 1, 1, 1), -math.inf, dtype=torch.float64)
    theirs = []
    for t in range(T):
        h, (C, n, m) = recurrent_step_stabilized_simple(
            C, n, m, *(_heads(a[t:t + 1]) for a in (q, k, v)), *(_heads(a[t:t + 1]) for a in (pre_i, pre_f)))
        theirs.append(h[:, 0, 0])
    args = (q, k, v, pre_i, pre_f)
    ours = FRAMEWORKS[framework].mlstm(*(args if framework == "numpy" else _t(*args)))
    assert _max(ours, torch.stack(theirs)) <= ATOL


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_mlstm_step_equals_recurrent_step_stabilized_simple(framework):
    """Any states; the reference's memory is the transpose of the book's (k vᵀ against v kᵀ)."""
    rng = np.random.default_rng(6)
    q, k, v, pre_i, pre_f = (a[0] for a in _mlstm_inputs(6))
    C, n, m = rng.normal(size=(B, D, D)), rng.normal(size=(B, D)), rng.normal(size=B)
    h, (C_ref, n_ref, m_ref) = recurrent_step_stabilized_simple(
        *_t(C.transpose(0, 2, 1)[:, None], n[:, None, :, None], m[:, None, None, None]),
        *(_heads(a[None]) for a in (q, k, v)), *(_heads(a[None]) for a in (pre_i, pre_f)))
    args = (q, k, v, pre_i, pre_f, C, n, m)
    h_t, C_t, n_t, m_t = FRAMEWORKS[framework].mlstm_step(*(args if framework == "numpy" else _t(*args)))
    assert _max(h_t, h[:, 0, 0]) <= ATOL
    assert _max(C_t, C_ref[:, 0].transpose(-1, -2)) <= ATOL
    assert _max(n_t, n_ref[:, 0, :, 0]) <= ATOL and _max(m_t, m_ref.reshape(-1)) <= ATOL


def test_mlstm_parallel_equals_recurrent_and_numpy_equals_torch(device):
    q, k, v, pre_i, pre_f = _mlstm_inputs(7, T=40)
    recurrent = xlstm_numpy.mlstm(q, k, v, pre_i, pre_f)
    assert _max(xlstm_numpy.mlstm_parallel(q, k, v, pre_i, pre_f), recurrent) <= ATOL
    for function in (xlstm_torch.mlstm, xlstm_torch.mlstm_parallel):
        ours = function(*_t(q, k, v, pre_i, pre_f, device=device))
        assert ours.device.type == device.type and ours.dtype == torch.float64
        assert _max(ours, recurrent) <= ATOL


def test_mlstm_gradients_of_both_forms_agree():
    inputs = [p.requires_grad_() for p in _t(*_mlstm_inputs(8, T=9))]
    grads = []
    for function in (xlstm_torch.mlstm, xlstm_torch.mlstm_parallel):
        (function(*inputs) * torch.linspace(-1, 1, 9 * B * D, dtype=torch.float64).reshape(9, B, D)).sum().backward()
        grads.append([as_numpy(p.grad).copy() for p in inputs])
        for p in inputs:
            p.grad = None
    for recurrent, parallel in zip(*grads):
        assert np.max(np.abs(recurrent - parallel)) <= 1e-8


def test_decay_matrix_is_the_independent_one():
    _, _, _, pre_i, pre_f = _mlstm_inputs(9, T=6)
    log_f = xlstm_numpy.log_sigmoid(pre_f)
    expected = decay_matrix(log_f, pre_i)
    for ours in (xlstm_numpy.mlstm_decay_matrix(log_f, pre_i), as_numpy(xlstm_torch.mlstm_decay_matrix(*_t(log_f, pre_i)))):
        assert np.array_equal(np.isinf(ours), np.isinf(expected))
        finite = ~np.isinf(expected)
        assert np.max(np.abs(ours[finite] - expected[finite])) <= 1e-12


def test_float32():
    q, k, v, pre_i, pre_f = (a.astype(np.float32) for a in _mlstm_inputs(10))
    reference = xlstm_numpy.mlstm(*(a.astype(np.float64) for a in (q, k, v, pre_i, pre_f)))
    for ours in (xlstm_numpy.mlstm_parallel(q, k, v, pre_i, pre_f), xlstm_torch.mlstm(*_t(q, k, v, pre_i, pre_f))):
        assert ours.dtype in (np.float32, torch.float32) and _max(ours, reference) <= 1e-4


# --- bad input -------------------------------------------------------------------------------------

@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_bad_input_has_a_clear_error(framework):
    module = FRAMEWORKS[framework]
    convert = (lambda *a: list(a)) if framework == "numpy" else _t
    x, weight_ih, weight_hh, bias = convert(*_slstm_inputs(11))
    with pytest.raises(ValueError, match=r"weight_hh has shape \(16, 3\) but expected \(16, 4\)"):
        module.slstm(x, None, weight_ih, weight_hh[:, :3], bias)
    with pytest.raises(ValueError, match="expected \\(4H, D\\): blocks i, f, z, o"):
        module.slstm(x, None, weight_ih[:15], weight_hh, bias)
    with pytest.raises(ValueError, match="states0 must be"):
        module.slstm(x, (x[0],), weight_ih, weight_hh, bias)
    with pytest.raises(ValueError, match="x has 4 features but weight_ih expects 5"):
        module.slstm(x[..., :4], None, weight_ih, weight_hh, bias)
    q, k, v, pre_i, pre_f = convert(*_mlstm_inputs(12))
    with pytest.raises(ValueError, match="pre_i has shape"):
        module.mlstm_parallel(q, k, v, pre_i[:, :2], pre_f)
    with pytest.raises(ValueError, match="dtype"):
        module.mlstm(q, k, v.float() if framework == "torch" else v.astype(np.float32), pre_i, pre_f)
    with pytest.raises(TypeError, match="must be a"):
        module.mlstm(q.tolist(), k, v, pre_i, pre_f)


# --- the files themselves ---------------------------------------------------------------------------

def test_same_sections_and_public_functions_in_both_files():
    paths = [catalogue.snippet_path("xlstm", fw) for fw in catalogue.FRAMEWORKS]
    assert catalogue.sections(paths[0]) == catalogue.sections(paths[1])
    for module in FRAMEWORKS.values():
        public = {n for n, f in inspect.getmembers(module, inspect.isfunction) if not n.startswith("_")}
        assert public == set(module.__all__) == set(catalogue.sections(paths[0]))


@pytest.mark.parametrize("framework", catalogue.FRAMEWORKS)
def test_sections_are_one_function_each_and_formulas_are_catalogued(framework):
    path = catalogue.snippet_path("xlstm", framework)
    text = (catalogue.ROOT / path).read_text(encoding="utf-8")
    for name in catalogue.sections(path):
        body = text.split(f"# --8<-- [start:{name}]\n", 1)[1].split(f"# --8<-- [end:{name}]", 1)[0]
        tree = ast.parse(body)
        assert [type(n) for n in tree.body] == [ast.FunctionDef] and tree.body[0].name == name
        assert name in NON_FORMULAS or name in catalogue.formulas(), name


@pytest.mark.parametrize("framework", catalogue.FRAMEWORKS)
def test_public_api_signatures(framework):
    module = FRAMEWORKS[framework]
    expected = {"slstm_step": ["pre_i", "pre_f", "pre_z", "pre_o", "c_prev", "n_prev", "m_prev"],
                "slstm": ["x", "states0", "weight_ih", "weight_hh", "bias"],
                "mlstm_step": ["q_t", "k_t", "v_t", "pre_i", "pre_f", "C_prev", "n_prev", "m_prev"],
                "mlstm": ["q", "k", "v", "pre_i", "pre_f"], "mlstm_parallel": ["q", "k", "v", "pre_i", "pre_f"]}
    for name, parameters in expected.items():
        assert list(inspect.signature(getattr(module, name)).parameters) == parameters


@pytest.mark.parametrize("framework", catalogue.FRAMEWORKS)
def test_file_runs_alone_outside_the_repository(framework, tmp_path):
    path = catalogue.snippet_path("xlstm", framework)
    shutil.copy(catalogue.ROOT / path, tmp_path / "copied.py")
    lib = "numpy as np" if framework == "numpy" else "torch as np"
    code = textwrap.dedent(f"""
        import {lib}
        import copied
        ones = lambda *s: np.ones(s) * 0.1
        y, _ = copied.slstm(ones(4, 2, 3), None, ones(20, 3), ones(20, 5), ones(20))
        h = copied.mlstm_parallel(ones(4, 2, 3), ones(4, 2, 3), ones(4, 2, 3), ones(4, 2), ones(4, 2))
        print(tuple(y.shape), tuple(h.shape))
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(4, 2, 5) (4, 2, 3)"
    tree = ast.parse((catalogue.ROOT / path).read_text(encoding="utf-8"))
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported - sys.stdlib_module_names == {framework}


def test_the_overflow_example_shows_nan_without_and_the_same_h_with_the_stabilizer():
    from book import examples

    lines = examples.run("slstm_overflow").splitlines()[1:]
    rows = {float(line.split("|")[0]): line for line in lines}
    h_stable = f"{float(xlstm_numpy.sigmoid(1.0) * np.tanh(1.0)):8.6f}"
    assert "nan" not in rows[88.0] and "inf" in rows[89.0] and "nan" in rows[89.0] and "nan" in rows[1000.0]
    assert all(line.rstrip().endswith(h_stable) for line in lines)


@pytest.mark.parametrize("framework", catalogue.FRAMEWORKS)
def test_repeated_pieces_are_identical_copies(framework):
    """sigmoid and log_sigmoid are repeated for self-containment; the copies must not drift."""
    def section(module, name):
        text = (catalogue.ROOT / catalogue.snippet_path(module, framework)).read_text(encoding="utf-8")
        return text.split(f"# --8<-- [start:{name}]", 1)[1].split(f"# --8<-- [end:{name}]", 1)[0]

    assert section("xlstm", "sigmoid") == section("minrnn", "sigmoid") == section("lstm", "sigmoid")
    assert section("xlstm", "log_sigmoid") == section("minrnn", "log_sigmoid")
