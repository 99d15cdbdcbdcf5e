"""book/guards.py lists every build guard, and every guard there has a planted-fault test.

A planted-fault test names its guard with `@pytest.mark.guard("<name>")`. These checks read
the sources (no build), so they are quick.
"""

import ast
from pathlib import Path

import pytest

from book.guards import GUARDS, WRAPPERS, guard

ROOT = Path(__file__).resolve().parents[1]
NAMES = [g.name for g in GUARDS]
GUARD_CODE = [ROOT / "hooks.py", *sorted((ROOT / "book").glob("*.py"))]


def marked_guards():
    """{guard name: [test function, ...]} from the `pytest.mark.guard(...)` decorators in tests/."""
    found = {}
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef) or not node.name.startswith("test_"):
                continue
            for decorator in node.decorator_list:
                if (isinstance(decorator, ast.Call) and ast.unparse(decorator.func) == "pytest.mark.guard"
                        and decorator.args and isinstance(decorator.args[0], ast.Constant)):
                    found.setdefault(decorator.args[0].value, []).append(f"{path.name}::{node.name}")
    return found


def build_errors(path):
    """(line, constant text) of every `PluginError(...)` and `problems.append(...)` in a file;
    formatted values are shown as {}."""
    errors = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        callee = ast.unparse(node.func)
        if callee not in {"PluginError", "problems.append"}:
            continue
        parts = []
        for piece in ast.walk(node.args[0]):
            if isinstance(piece, ast.Constant) and isinstance(piece.value, str):
                parts.append(piece.value)
            elif isinstance(piece, ast.FormattedValue):
                parts.append("{}")
        errors.append((node.lineno, "".join(parts)))
    return errors


def test_guard_names_are_unique_and_lower_snake_case():
    assert len(NAMES) == len(set(NAMES))
    assert all(name.isidentifier() and name == name.lower() for name in NAMES)
    assert guard(NAMES[0]) is GUARDS[0]
    with pytest.raises(KeyError, match="no build guard"):
        guard("no_such_guard")


@pytest.mark.parametrize("name", NAMES)
def test_each_guard_text_is_in_its_source(name):
    entry = guard(name)
    source = ROOT / entry.source
    assert source.is_file(), entry.source
    assert entry.text in source.read_text(encoding="utf-8"), f"{entry.text!r} not in {entry.source}"


@pytest.mark.parametrize("name", NAMES)
def test_each_guard_has_a_planted_fault_test(name):
    assert marked_guards().get(name), (f"no test marked @pytest.mark.guard({name!r}): plant the fault in "
                                       f"tests/test_build_guards.py or tests/test_guard_units.py")


def test_every_marked_test_names_a_registered_guard():
    unknown = {name: tests for name, tests in marked_guards().items() if name not in NAMES}
    assert not unknown, f"tests marked with guards that book/guards.py does not list: {unknown}"


@pytest.mark.parametrize("path", GUARD_CODE, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_build_error_in_the_code_is_a_registered_guard(path):
    rel = path.relative_to(ROOT).as_posix()
    texts = [g.text for g in GUARDS if g.source == rel]
    unlisted = []
    for line, text in build_errors(path):
        if not any(c.isalpha() for c in text.replace("{}", "")):
            continue  # passes another error on, adding only where it happened
        if any(text.startswith(wrapper) for wrapper in WRAPPERS) or any(t in text for t in texts):
            continue
        unlisted.append(f"{rel}:{line}: {text}")
    assert not unlisted, "build errors without an entry in book/guards.py:\n  " + "\n  ".join(unlisted)


def test_the_scan_finds_build_errors():
    """The completeness check above is not vacuous: it sees the hook's messages."""
    found = build_errors(ROOT / "hooks.py")
    assert len(found) >= 15
    assert any("unknown directive ::{}" in text for _, text in found)
