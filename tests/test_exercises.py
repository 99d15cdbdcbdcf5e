"""Exercises at the end of every chapter (book/exercises.yml, `::exercise <id>`): placement in both
languages, solutions that compute and are right, and a planted wrong answer that fails the build."""

import re
from pathlib import Path

import pytest

from book import exercises

from .test_build_guards import assert_fails, project, replace, warm_project  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# Every chapter of the book; the home page, the notation and the glossary have no exercises.
CHAPTERS = ("rnn", "lstm/index", "lstm/forget-gate", "lstm/input-gate", "lstm/state-update", "lstm/output-gate",
            "lstm/pytorch", "lstm/variants", "gru/index", "gru/reset-gate", "gru/update-gate", "gru/conventions",
            "backprop/index", "backprop/lstm", "backprop/gru", "backprop/jacobians", "backprop/clipping", "modules",
            "porting", "experiments/adding-problem", "speed", "modern/minrnn", "modern/xlstm")
HEADINGS = {"ko": "## 연습 문제 { #exercises }", "en": "## Exercises { #exercises }"}
DIRECTIVE = re.compile(r"^::exercise[ \t]+(\S+)[ \t]*$", re.MULTILINE)


def page_text(page, lang):
    return (DOCS / f"{page}.{lang}.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", HEADINGS)
@pytest.mark.parametrize("page", CHAPTERS)
def test_every_chapter_ends_with_2_to_4_exercises(page, lang):
    text = page_text(page, lang)
    assert text.count(HEADINGS[lang]) == 1, f"{page}.{lang}.md needs the heading {HEADINGS[lang]!r}"
    head, tail = text.split(HEADINGS[lang])
    assert not re.search(r"^## ", tail, re.MULTILINE), "the exercises are the chapter's last section"
    assert not DIRECTIVE.search(head), "exercises sit under their heading"
    shown = DIRECTIVE.findall(tail)
    assert 2 <= len(shown) <= 4, shown
    assert shown == exercises.page_exercises(page), "the page shows its exercises in book/exercises.yml's order"
    assert DIRECTIVE.sub("", tail).strip() == "", "nothing but exercises under the heading"


def test_every_exercise_is_on_a_chapter_page():
    for exercise_id, entry in exercises.exercises().items():
        assert entry["page"] in CHAPTERS, (exercise_id, entry["page"])


def test_the_other_pages_have_none():
    for path in DOCS.rglob("*.md"):
        page = path.relative_to(DOCS).as_posix().rsplit(".", 2)[0]
        if page not in CHAPTERS:
            assert not DIRECTIVE.search(path.read_text(encoding="utf-8")), path


def test_a_mix_of_recall_derivation_and_code():
    entries = exercises.exercises().values()
    computed = [e for e in entries if "code" in e]
    assert len(computed) >= 2 * len(CHAPTERS) - 4 and len(computed) < len(entries)
    for entry in computed:  # a complete script a reader can paste: it imports what it uses
        assert "import" in entry["code"] and "answer =" in entry["code"]


@pytest.mark.parametrize("exercise_id", [k for k, v in exercises.exercises().items() if "code" in v])
def test_every_computed_solution_is_right(exercise_id):
    exercises.run(exercise_id)


@pytest.mark.parametrize("exercise_id", list(exercises.exercises()))
def test_both_languages_render_the_same_exercise(exercise_id):
    page = exercises.exercises()[exercise_id]["page"]
    ko, en = (exercises.render(exercise_id, lang, page) for lang in ("ko", "en"))
    for out in (ko, en):
        assert f'id="exercise-{exercise_id}"' in out
        assert out.count("??? note ") == 1
    assert '??? note "풀이"' in ko and '??? note "Solution"' in en
    assert re.search(r"[\uac00-\ud7a3]", ko) and not re.search(r"[\uac00-\ud7a3]", en)
    # the same numbers and code in both languages
    strip = lambda s: re.findall(r"```python\n(.*?)```", s, re.DOTALL)  # noqa: E731
    assert strip(ko) == strip(en)


def test_a_wrong_expected_answer_is_caught(monkeypatch):
    entry = dict(exercises.exercises()["state_decay_50"], expected=0.9 ** 49)
    monkeypatch.setitem(exercises.exercises(), "state_decay_50", entry)
    with pytest.raises(exercises.ExerciseError, match=r"exercise state_decay_50: the solution computes .* "
                                                      r"but book/exercises.yml expects"):
        exercises.run("state_decay_50")


@pytest.mark.parametrize("code,message", [
    ("answer = [1.0, 2.0]", "an answer of shape (2,)"),
    ("x = 1.0", "must set `answer`"),
    ("raise ZeroDivisionError('planted')", "raised ZeroDivisionError: planted"),
    ("answer = float('nan')", "expects"),
    ("answer = 'five'", "answer must be a number"),
])
def test_broken_solutions_are_named(monkeypatch, code, message):
    entry = dict(exercises.exercises()["state_decay_50"], code=code)
    monkeypatch.setitem(exercises.exercises(), "state_decay_50", entry)
    with pytest.raises(exercises.ExerciseError, match=re.escape(message)):
        exercises.run("state_decay_50")


def test_unknown_id_and_wrong_page_are_refused():
    with pytest.raises(exercises.ExerciseError, match="unknown exercise id 'state_decay_5'"):
        exercises.render("state_decay_5", "en", "lstm/state-update")
    with pytest.raises(exercises.ExerciseError, match="belongs to page 'lstm/state-update'"):
        exercises.render("state_decay_50", "en", "rnn")


# --- planted faults: the strict build fails ----------------------------------------------------------

@pytest.mark.faults
@pytest.mark.guard("exercise_wrong_answer")
def test_a_wrong_exercise_answer_fails_the_build(project, tmp_path):  # noqa: F811
    """modules_shapes is on the modules page, the third the build reads (tests/test_build_guards.py
    says why the fault goes there); its answer is checked like every other's."""
    replace(project / "book/exercises.yml", "  expected: [[7, 2, 6], [4, 2, 3], [4, 2, 5]]\n",
            "  expected: [[7, 2, 6], [4, 2, 3], [4, 2, 4]]\n")
    assert_fails(project, tmp_path, "exercise modules_shapes: the solution computes", "expects")


@pytest.mark.faults
@pytest.mark.guard("unknown_exercise_id")
def test_an_unknown_exercise_fails_the_build(project, tmp_path):  # noqa: F811
    replace(project / "docs/modules.ko.md", "::exercise modules_shapes", "::exercise modules_shape")
    assert_fails(project, tmp_path, "unknown exercise id 'modules_shape'")
