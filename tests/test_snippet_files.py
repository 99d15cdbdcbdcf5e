"""The snippet files themselves: the public API, self-containment, sections and catalogue.

A student copies one file into coursework; it must run alone, and it must expose exactly
the functions the book promises.
"""

import ast
import importlib
import inspect
import shutil
import subprocess
import sys
import textwrap

import pytest

from book import catalogue

MODULES = ["rnn", "lstm", "gru"]
CONVERTERS = {"lstm_from_keras", "lstm_to_keras", "lstm_from_cs231n", "gru_from_keras", "gru_to_keras",
              "rnn_from_keras", "rnn_to_keras", "rnn_from_cs231n"}  # weights in other layouts (tests/test_porting.py)
HELPERS = {"lstm_forget_bias_one"} | CONVERTERS  # tools around a model, not a formula: shown with ::code, tested on their own
FAST_PATHS = {f"{m}_{kind}" for m in MODULES for kind in ("graphed", "compiled")}  # torch only (tests/test_fast_paths.py)
FILES = [catalogue.snippet_path(m, fw) for m in MODULES for fw in catalogue.FRAMEWORKS]
API = {
    "rnn_cell": ["x", "h_prev", "weight_ih", "weight_hh", "bias_ih", "bias_hh"],
    "lstm_cell": ["x", "h_prev", "c_prev", "weight_ih", "weight_hh", "bias_ih", "bias_hh"],
    "gru_cell": ["x", "h_prev", "weight_ih", "weight_hh", "bias_ih", "bias_hh", "reset_after"],
    "rnn": ["x", "h0", "weight_ih", "weight_hh", "bias_ih", "bias_hh"],
    "lstm": ["x", "h0", "c0", "weight_ih", "weight_hh", "bias_ih", "bias_hh"],
    "gru": ["x", "h0", "weight_ih", "weight_hh", "bias_ih", "bias_hh", "reset_after"],
}


@pytest.mark.parametrize("framework", catalogue.FRAMEWORKS)
@pytest.mark.parametrize("function", API)
def test_public_api_signatures(function, framework):
    module = catalogue.snippet_module(function.split("_")[0], framework)
    parameters = inspect.signature(getattr(module, function)).parameters
    assert list(parameters) == API[function]
    if "reset_after" in parameters:
        assert parameters["reset_after"].default is True


@pytest.mark.parametrize("path", FILES)
def test_imports_only_numpy_or_torch_and_the_standard_library(path):
    tree = ast.parse((catalogue.ROOT / path).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path} uses a relative import"
            imported.add(node.module.split(".")[0])
    allowed = {"numpy"} if path.endswith("_numpy.py") else {"torch"}
    assert imported - sys.stdlib_module_names <= allowed, imported


@pytest.mark.parametrize("path", FILES)
def test_file_runs_alone_outside_the_repository(path, tmp_path):
    """Copied alone into an empty folder, the file imports and its sequence function runs."""
    shutil.copy(catalogue.ROOT / path, tmp_path / "copied.py")
    name = path.split("/")[-1].split("_")[0]
    lib = "numpy as np" if path.endswith("_numpy.py") else "torch as np"
    blocks = {"rnn": 1, "lstm": 4, "gru": 3}[name]
    states = "None, None" if name == "lstm" else "None"
    code = textwrap.dedent(f"""
        import {lib}
        import copied
        ones = (lambda *s: np.ones(s)) if hasattr(np, "ndarray") and np.__name__ == "numpy" else (
            lambda *s: np.ones(*s, dtype=np.float64))
        y, _ = copied.{name}(ones(4, 2, 3), {states}, ones({blocks} * 5, 3), ones({blocks} * 5, 5),
                              ones({blocks} * 5), ones({blocks} * 5))
        print(tuple(y.shape))
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(4, 2, 5)"


@pytest.mark.parametrize("module", MODULES)
def test_numpy_and_torch_files_have_the_same_sections_and_functions(module):
    numpy_path, torch_path = (catalogue.snippet_path(module, fw) for fw in catalogue.FRAMEWORKS)
    torch_sections = catalogue.sections(torch_path)
    assert catalogue.sections(numpy_path) == [s for s in torch_sections if s not in FAST_PATHS]
    assert {f"{module}_graphed", f"{module}_compiled"} <= set(torch_sections)
    public = [{n for n, f in inspect.getmembers(catalogue.snippet_module(module, fw), inspect.isfunction)
               if not n.startswith("_")} for fw in catalogue.FRAMEWORKS]
    assert public[0] == public[1] - FAST_PATHS


@pytest.mark.parametrize("path", FILES)
def test_every_section_is_one_function_of_the_same_name(path):
    """Section `name` holds exactly `def name(...)`: the code beside a formula is that function."""
    text = (catalogue.ROOT / path).read_text(encoding="utf-8")
    for name in catalogue.sections(path):
        body = text.split(f"# --8<-- [start:{name}]\n", 1)[1].split(f"# --8<-- [end:{name}]", 1)[0]
        tree = ast.parse(body)
        assert [type(n) for n in tree.body] == [ast.FunctionDef], name
        assert tree.body[0].name == name


def test_every_catalogue_formula_has_both_implementations_and_sections():
    for formula_id, entry in catalogue.formulas().items():
        for framework in catalogue.FRAMEWORKS:
            path = catalogue.snippet_path(entry["module"], framework)
            assert formula_id in catalogue.sections(path), (formula_id, path)
            assert callable(getattr(catalogue.snippet_module(entry["module"], framework), formula_id))


def test_every_formula_function_is_in_the_catalogue():
    """A function that implements a formula line (not a cell, step, sequence, direction, layers,
    their backward, or an activation copy) must be catalogued, or it would have no page, no anchor
    and no test id."""
    known = set(catalogue.formulas())
    for module in MODULES:
        for name in catalogue.sections(catalogue.snippet_path(module, "numpy")):
            if (name == module or name.endswith(("_step", "_cell", "_direction", "_layers", "_step_forward",
                                                 "_step_backward", "_backward")) or name in HELPERS):
                continue
            assert name in known, f"{name} in snippets/{module}_numpy.py has no catalogue entry"


@pytest.mark.parametrize("framework", catalogue.FRAMEWORKS)
def test_repeated_pieces_are_identical_copies(framework):
    """Self-containment repeats sigmoid, tanh and the input checks in each file: the copies
    must not drift apart (the catalogue links sigmoid and tanh to the lstm file)."""
    texts = {m: (catalogue.ROOT / catalogue.snippet_path(m, framework)).read_text(encoding="utf-8") for m in MODULES}

    def section(text, name):
        return text.split(f"# --8<-- [start:{name}]", 1)[1].split(f"# --8<-- [end:{name}]", 1)[0]

    checks = {m: t[t.index("# Input checks"):] for m, t in texts.items()}
    assert checks["rnn"] == checks["lstm"] == checks["gru"]
    assert section(texts["lstm"], "sigmoid") == section(texts["gru"], "sigmoid")
    assert section(texts["rnn"], "tanh") == section(texts["lstm"], "tanh") == section(texts["gru"], "tanh")


SNIPPET_FILES = sorted(p.name for p in (catalogue.ROOT / "snippets").glob("*.py") if p.name != "__init__.py")


@pytest.mark.parametrize("name", SNIPPET_FILES)
def test_every_snippet_file_declares_all(name):
    """`from lstm_numpy import *` in coursework gives the book's functions and classes, exactly, and
    not np, torch, re or the private helpers (CS231n's rnn_layers.py has names of its own)."""
    module = importlib.import_module(f"snippets.{name[:-3]}")
    public = {n for n, f in vars(module).items() if (inspect.isfunction(f) or inspect.isclass(f))
              and f.__module__ == module.__name__ and not n.startswith("_")}
    assert len(module.__all__) == len(set(module.__all__))
    assert set(module.__all__) == public
