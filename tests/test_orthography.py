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
    page = tmp_path / "p.md"  # not a Korean page: the gloss rule (house style, below) stays out of it
    page.write_text("셀 상태 는 기억입니다.\n", encoding="utf-8")
    assert orthography.main([str(page)]) == 1
    out = capsys.readouterr().out
    assert "p.md:1" in out and "→ 셀 상태는 기억입니다." in out and "--fix" in out
    assert orthography.main(["--fix", str(page)]) == 0
    assert orthography.main([str(page)]) == 0
    assert page.read_text(encoding="utf-8") == "셀 상태는 기억입니다.\n"


# ------------------------------------------------------------------ house style (README.md, Writing)

def test_every_korean_source_follows_the_house_style():
    findings = orthography.style()
    assert not findings, (f"{len(findings)} house-style finding(s); `python -m book.orthography --fix` applies the "
                          "mechanical ones:\n" + "\n".join(map(str, findings)))


STYLE_PAGE = """\
# 리셋 게이트 { #reset-gate }

순환 신경망 (RNN)은 20 단계 뒤에 4 %만 남깁니다. 코드는 GPU에서 돕니다.
Gers 등 (2000)과 Greff 외(2017), 그리고 (Chung 등, 2014)를 보세요. reset after 형태의 모형으로 은닉 단위가 히든 크기를 씁니다.
리셋 게이트를 봅니다. 셀 상태는 `h (x)` 값, $h (x)$ 값, r_t를 (W h + b)에 곱하고 끝납니다.

```python
x = "셀 상태 (코드)"  # 20 단계
```
"""

STYLE_FIXED = """\
# 리셋 게이트 { #reset-gate }

순환 신경망(RNN)은 20단계 뒤에 4%만 남깁니다. 코드는 GPU에서 돕니다.
Gers 등(2000)과 Greff 등(2017), 그리고 (Chung 등, 2014)를 보세요. reset-after 형태의 모델로 은닉 유닛이 은닉 크기를 씁니다.
리셋 게이트(reset gate)를 봅니다. 셀 상태(cell state)는 `h (x)` 값, $h (x)$ 값, r_t를 (W h + b)에 곱하고 끝납니다.

```python
x = "셀 상태 (코드)"  # 20 단계
```
"""


def test_planted_house_style_faults_in_a_page_are_found_by_rule(tmp_path):
    page = tmp_path / "page.ko.md"
    page.write_text(STYLE_PAGE, encoding="utf-8")
    found = sorted((f.line, f.rule, f.found) for f in orthography.style([page]))
    assert found == sorted([
        (3, "parenthesis", "신경망 ("), (3, "unit", "20 단계"), (3, "unit", "4 %"), (3, "dolda", "돕니다"),
        (4, "citation", "Gers 등 (2000"), (4, "citation", "Greff 외"), (4, "citation", "Chung 등, 2014"),
        (4, "reset", "reset after"), (4, "term", "모형"), (4, "term", "은닉 단위"), (4, "term", "히든 크기"),
        (5, "gloss", "리셋 게이트"), (5, "gloss", "셀 상태")]), found  # not the particle's "를 (W h + b)에"
    assert "page.ko.md:3: [dolda]" in str(next(f for f in orthography.style([page]) if f.rule == "dolda"))


def test_house_style_fix_applies_the_mechanical_rules_only_and_is_idempotent(tmp_path):
    page = tmp_path / "page.ko.md"
    page.write_text(STYLE_PAGE, encoding="utf-8")
    orthography.style([page], fix=True)
    assert page.read_text(encoding="utf-8") == STYLE_FIXED  # code and math kept; 돕니다 and "등, 2014" by hand
    assert sorted(f.rule for f in orthography.style([page], fix=True)) == ["citation", "dolda"]
    assert page.read_text(encoding="utf-8") == STYLE_FIXED


def test_a_gloss_is_asked_once_per_page_and_not_inside_a_parenthesis(tmp_path):
    page = tmp_path / "p.ko.md"
    page.write_text("| $H$ | 은닉 크기(은닉 상태의 원소 수) |\n\n후보 은닉 상태와 **은닉 상태**(hidden state)는 요약입니다. 은닉 상태는 다시.\n",
                    encoding="utf-8")
    assert orthography.style([page]) == []
    page.write_text("**셀 상태(cell state)**는 기억입니다.\n", encoding="utf-8")  # would not render bold
    assert [(f.rule, f.found) for f in orthography.style([page], fix=True)] == [("bold", "**셀 상태(cell state)**")]
    assert page.read_text(encoding="utf-8") == "**셀 상태**(cell state)는 기억입니다.\n"
    english = tmp_path / "p.en.md"
    english.write_text("The hidden state (은닉 상태) is a summary.\n", encoding="utf-8")
    assert [f.rule for f in orthography.style([english])] == []  # English prose: no gloss rule, no paren rule


def test_a_particle_after_a_number_filled_in_at_build_time_is_found(tmp_path):
    module = tmp_path / "captions.py"
    module.write_text('A = "c는 {c_w:.2f}가 됩니다. f가 {f:.2f}을 유지하고 {n}개, {T}단계, 값은 {v:.2f}입니다."\n'
                      'B = f"h는 {h}로 바뀝니다"\n'
                      'C = "δh_{t−1}이 되고 (W h + b)"\n'  # h_{t−1} is a subscript, not a format field
                      'D = "LSTM (PyTorch 기본 초기화)"\n', encoding="utf-8")
    found = [(f.line, f.rule, f.found) for f in orthography.style([module])]
    assert sorted(found) == [(1, "number-particle", "{c_w:.2f}가"), (1, "number-particle", "{f:.2f}을"),
                             (2, "number-particle", "{h}로"), (4, "parenthesis", "LSTM (")]
    assert all(f.edit is None for f in orthography.style([module]) if f.rule == "number-particle")


def test_the_glossary_may_list_the_terms_it_avoids():
    assert orthography.style([orthography.ROOT / "book" / "glossary.yml"]) == []


def test_cli_reports_house_style_and_fails_until_fixed(tmp_path, capsys):
    page = tmp_path / "q.ko.md"
    page.write_text("LSTM은 20 단계를 봅니다.\n", encoding="utf-8")
    assert orthography.main([str(page)]) == 1
    assert "q.ko.md:1: [unit] '20 단계'" in capsys.readouterr().out
    assert orthography.main(["--fix", str(page)]) == 0
    assert page.read_text(encoding="utf-8") == "LSTM은 20단계를 봅니다.\n"
