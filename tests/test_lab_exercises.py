"""The labs' "write it yourself" cells: the stub is reported as not written, the checker names what
is wrong, and the folded solution passes it (the same code in both languages)."""

import json
import re
from pathlib import Path

import pytest
import torch

from snippets import gru_torch, lstm_torch

from .sitebuild import reduce_docs
from .test_build_guards import assert_stops_at, project, warm_project  # noqa: F401 (fixtures)

LABS = Path(__file__).resolve().parents[1] / "docs" / "labs"
CASES = {  # lab: (the reader's function, the book's reference, inputs)
    "lstm": ("my_cell_state", lstm_torch.lstm_cell_state, lambda g, d: (
        torch.rand(2, 3, generator=g, dtype=torch.float64).to(d), torch.randn(2, 3, generator=g, dtype=torch.float64).to(d),
        torch.rand(2, 3, generator=g, dtype=torch.float64).to(d), torch.randn(2, 3, generator=g, dtype=torch.float64).to(d))),
    "gru": ("my_candidate_reset_before", gru_torch.gru_candidate_reset_before, lambda g, d: (
        torch.randn(2, 3, generator=g, dtype=torch.float64).to(d), torch.rand(2, 3, generator=g, dtype=torch.float64).to(d),
        torch.randn(2, 3, generator=g, dtype=torch.float64).to(d), torch.randn(3, 3, generator=g, dtype=torch.float64).to(d),
        torch.randn(3, generator=g, dtype=torch.float64).to(d))),
}


def cells(lab, lang):
    notebook = json.loads((LABS / f"{lab}.{lang}.ipynb").read_text(encoding="utf-8"))
    return {c["id"]: "".join(c["source"]) for c in notebook["cells"] if c.get("id", "").startswith(f"{lab}-ex-")}


def namespace(lab, lang):
    """The stub and the checker, executed as the notebook would."""
    ns = {"torch": torch}
    own = cells(lab, lang)
    exec(own[f"{lab}-ex-01"], ns)  # noqa: S102
    exec(own[f"{lab}-ex-02"], ns)  # noqa: S102
    return ns


def folded_solution(lab, lang):
    fold = cells(lab, lang)[f"{lab}-ex-05"]
    assert fold.startswith("<details><summary>") and fold.rstrip().endswith("</details>")
    (code,) = re.findall(r"```python\n(.*?)```", fold, re.DOTALL)
    return code


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("lab", CASES)
def test_stub_checker_and_solution(lab, lang, device):
    name, reference, make = CASES[lab]
    ns = namespace(lab, lang)
    inputs = make(torch.Generator().manual_seed(0), device)
    assert ns["check"](ns[name], reference, inputs) == "not written"
    exec(folded_solution(lab, lang), ns)  # noqa: S102
    assert ns["check"](ns[name], reference, inputs) == "correct"


@pytest.mark.parametrize("lab", CASES)
def test_the_checker_names_each_kind_of_mistake(lab, capsys):
    name, reference, make = CASES[lab]
    check = namespace(lab, "en")["check"]
    inputs = make(torch.Generator().manual_seed(0), torch.device("cpu"))
    right = reference(*inputs)

    def off_by_one_element(*args):
        out = reference(*args).clone()
        out[1, 2] += 1e-6
        return out

    assert check(off_by_one_element, reference, inputs) == "wrong values"
    assert "1 of 6 elements" in capsys.readouterr().out
    assert check(lambda *a: right.T, reference, inputs) == "wrong shape"
    assert check(lambda *a: right.numpy(), reference, inputs) == "wrong type"
    assert check(lambda *a: 1 / 0, reference, inputs) == "raised"
    assert "ZeroDivisionError" in capsys.readouterr().out


@pytest.mark.parametrize("lab", CASES)
def test_both_languages_hold_the_same_code(lab):
    ko, en = cells(lab, "ko"), cells(lab, "en")
    assert sorted(ko) == sorted(en) == [f"{lab}-ex-0{k}" for k in range(6)]
    assert folded_solution(lab, "ko") == folded_solution(lab, "en")
    strip = lambda s: re.sub(r"#.*|\"\"\".*?\"\"\"|\"[^\"]*\"|'[^']*'", "", s, flags=re.DOTALL)  # noqa: E731
    for k in ("01", "02", "03"):
        assert strip(ko[f"{lab}-ex-{k}"]) == strip(en[f"{lab}-ex-{k}"]), k


@pytest.mark.faults
@pytest.mark.guard("failing_notebook_cell")
def test_a_checker_that_misses_mistakes_fails_the_build(project, tmp_path):  # noqa: F811
    """The executed lab proves its checker catches wrong answers: a checker that never reports wrong
    values lets the mistakes cell's assertion fail, and with it the build. (The lab alone: see
    tests/test_build_guards.py on reduced trees.)"""
    reduce_docs(project, ["labs/gru"])
    path = project / "docs/labs/gru.en.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    (checker,) = [c for c in notebook["cells"] if c.get("id") == "gru-ex-02"]
    source = "".join(checker["source"])
    assert "    if bad:\n" in source
    checker["source"] = source.replace("    if bad:\n", "    if False:\n")
    path.write_text(json.dumps(notebook), encoding="utf-8")
    assert_stops_at(project, tmp_path, "labs/gru.en.ipynb", "AssertionError")
