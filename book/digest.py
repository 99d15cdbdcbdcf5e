"""Digests of code, for results files that record what computed them.

A digest ignores docstrings and comments (it hashes ast.unparse of the code): an edit that changes
no number does not make a results file stale. Used by benchmarks/gpu_speed.py,
benchmarks/scan_speed.py and experiments/adding.py.
"""

import ast
import hashlib
import inspect
from pathlib import Path


def _without_docstrings(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and ast.get_docstring(node) is not None:
            node.body = node.body[1:]
    return tree


def file_digest(path):
    """sha256 of a file's code, without docstrings or comments."""
    tree = _without_docstrings(ast.parse(Path(path).read_text(encoding="utf-8")))
    return hashlib.sha256(ast.unparse(tree).encode()).hexdigest()


def function_digest(function_names, module):
    """sha256 of the named functions of `module` and of every public module-level function they
    reach, without docstrings or comments; returns (digest, sorted names of the functions covered)."""
    functions = {node.name: node for node in ast.parse(inspect.getsource(module)).body
                 if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")}
    todo, seen = list(function_names), []
    while todo:
        name = todo.pop()
        if name in seen or name not in functions:
            continue
        seen.append(name)
        todo += [n.id for n in ast.walk(functions[name]) if isinstance(n, ast.Name) and n.id in functions]
    parts = [ast.unparse(_without_docstrings(functions[name])) for name in sorted(seen)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest(), sorted(seen)
