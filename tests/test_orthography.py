"""Korean orthography: no particle or copula after a space anywhere (한글 맞춤법 제41항).

`python -m book.orthography` lists every one with its file, line and fix; `--fix` removes them.
The planted faults below prove the check finds each kind and that the fix touches nothing else.
"""

import json

import pytest

from book import orthography

pytestmark = pytest.mark.xdist_group("orthography")  # one worker loads Kiwi once


def test_no_particle_after_a_space_in_any_korean_source():
    findings = orthography.check()
    assert not findings, (f"{len(findings)} particle(s) after a space; run `python -m book.orthography --fix`:\n"
                          + "\n".join(map(str, findings)))


def test_the_sources_it_reads_include_every_kind_of_korean_text():
    rel = {orthography._rel(p) for p in orthography.korean_sources()}
    assert {"docs/lstm/forget-gate.ko.md", "docs/labs/lstm.ko.ipynb", "book/diagrams.py", "book/plots.py",
            "book/glossary.yml", "mkdocs.yml", "hooks.py"} <= rel
    assert "tests/test_orthography.py" not in rel and not any(r.startswith(("node_modules", "site/")) for r in rel)


MARKDOWN = """\
# 셀 상태 업데이트 { #state-update }

순환 신경망 (RNN) 은 **출력 게이트** 는 $h_t$ 는 셀 상태 를 씁니다. PyTorch 와 `weight_ih` 의 값 입니다.
| 값 | 뜻 |
|---|---|
| 1 | 게이트 가 열림 |
[망각 게이트](lstm/forget-gate.md#lstm_forget_gate) 를 보세요. tanh 의 상한, σ 두 개, 두 게이트가 모두 1 일 때.
이 값은 망각 게이트 입력 게이트 출력 게이트 세 개 가운데 하나입니다. https://example.org/a 를 엽니다.

::formula lstm_forget_gate

```python
x = "셀 상태 는"  # 코드 안 는
```

수식 $a 는 b$ 와 HTML <span title="값 은">값</span> 은 그대로.

$$
\text{셀 상태 는 } c_t
$$
"""

FIXED = """\
# 셀 상태 업데이트 { #state-update }

순환 신경망 (RNN)은 **출력 게이트**는 $h_t$는 셀 상태를 씁니다. PyTorch와 `weight_ih`의 값입니다.
| 값 | 뜻 |
|---|---|
| 1 | 게이트가 열림 |
[망각 게이트](lstm/forget-gate.md#lstm_forget_gate)를 보세요. tanh의 상한, σ 두 개, 두 게이트가 모두 1일 때.
이 값은 망각 게이트 입력 게이트 출력 게이트 세 개 가운데 하나입니다. https://example.org/a를 엽니다.

::formula lstm_forget_gate

```python
x = "셀 상태 는"  # 코드 안 는
```

수식 $a 는 b$와 HTML <span title="값 은">값</span>은 그대로.

$$
\text{셀 상태 는 } c_t
$$
"""


def test_planted_particles_in_markdown_are_found_with_line_and_fix(tmp_path):
    page = tmp_path / "page.ko.md"
    page.write_text(MARKDOWN, encoding="utf-8")
    findings = orthography.check([page])
    assert [f.line for f in findings] == [3, 3, 3, 3, 3, 3, 3, 6, 7, 7, 7, 8, 16, 16]
    first = str(findings[0])
    assert "page.ko.md:3" in first and "순환 신경망 (RNN) 은" in first and "→ 순환 신경망 (RNN)은" in first


def test_fix_removes_only_the_spaces_and_is_idempotent(tmp_path):
    page = tmp_path / "page.ko.md"
    page.write_text(MARKDOWN, encoding="utf-8")
    assert len(orthography.check([page], fix=True)) == 14
    assert page.read_text(encoding="utf-8") == FIXED  # code, math, URLs, ids, attributes, compounds kept
    assert orthography.check([page], fix=True) == []
    assert page.read_text(encoding="utf-8") == FIXED


def test_planted_particles_in_python_strings_and_comments(tmp_path):
    module = tmp_path / "labels.py"
    module.write_text('LABEL = "LSTM 의 셀 상태 갱신"  # 망각 게이트 와 입력 게이트\n'
                      'DESC = ("이전 셀 상태 c 에 f 를 곱한 값 "  # the next string goes on\n'
                      '        "이고, 값 {n} 입니다")\n'
                      'code = c 에  # not a string: never read\n', encoding="utf-8")
    findings = orthography.check([module], fix=True)
    assert [f.line for f in findings] == [1, 1, 2, 2, 2, 3]
    assert module.read_text(encoding="utf-8") == (
        'LABEL = "LSTM의 셀 상태 갱신"  # 망각 게이트와 입력 게이트\n'
        'DESC = ("이전 셀 상태 c에 f를 곱한 값"  # the next string goes on\n'
        '        "이고, 값 {n}입니다")\n'
        'code = c 에  # not a string: never read\n')


def test_planted_particles_in_notebook_text_and_comments(tmp_path):
    notebook = {"cells": [
        {"cell_type": "markdown", "id": "a", "metadata": {}, "source": ["# GRU 의 표기\n", "\n", "$z$ 가 1 이면"]},
        {"cell_type": "code", "id": "b", "metadata": {}, "execution_count": None, "outputs": [],
         "source": ["h = gru(x)  # h 는 은닉 상태\n", "print('게이트 값 :', h)"]},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "lab.ko.ipynb"
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    findings = orthography.check([path], fix=True)
    assert [(f.cell, f.line) for f in findings] == [(0, 1), (0, 3), (0, 3), (1, 1)]
    assert "lab.ko.ipynb: cell 0, line 1" in str(findings[0])
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    assert cells[0]["source"] == ["# GRU의 표기\n", "\n", "$z$가 1이면"]
    assert cells[1]["source"] == ["h = gru(x)  # h는 은닉 상태\n", "print('게이트 값 :', h)"]


def test_yaml_values_and_comments_are_read(tmp_path):
    config = tmp_path / "mkdocs.yml"
    config.write_text("site_description: LSTM 과 GRU 를 읽는 교재\nnav:\n  - 홈: index.md\n", encoding="utf-8")
    assert [f.after for f in orthography.check([config])] == ["site_description: LSTM과 GRU를 읽는 교재"] * 2


def test_cli_exit_status_and_message(tmp_path, capsys):
    page = tmp_path / "p.ko.md"
    page.write_text("셀 상태 는 기억입니다.\n", encoding="utf-8")
    assert orthography.main([str(page)]) == 1
    out = capsys.readouterr().out
    assert "p.ko.md:1" in out and "→ 셀 상태는 기억입니다." in out and "--fix" in out
    assert orthography.main(["--fix", str(page)]) == 0
    assert orthography.main([str(page)]) == 0
    assert page.read_text(encoding="utf-8") == "셀 상태는 기억입니다.\n"
