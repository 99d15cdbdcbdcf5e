"""The exercises at the end of each chapter (book/exercises.yml), with solutions checked at build time.

Contract with the MkDocs hook (hooks.py, directive ``::exercise <id>``):

    exercises()              {id: entry} in file order, shape checked
    render(id, lang, page)   Markdown: the numbered question, and the solution folded in a
                             pymdownx.details block; an exercise with ``code`` runs it now and
                             shows its output, and a result that differs from ``expected``
                             raises ExerciseError naming the exercise
    run(id)                  (answer, printed output) of an exercise's code

An entry of exercises.yml::

    lstm_state_decay_50:            # the id: identical on the ko and en page, anchor #exercise-<id>
      page: lstm/state-update       # the page (without .ko.md) that shows it
      ko: {question: ..., solution: ...}
      en: {question: ..., solution: ...}
      code: |                       # optional: a solution that computes; it sets `answer`
        ...
      expected: 0.0051537752073     # required with code: a number or a (nested) list of numbers
      tolerance: 1.0e-12            # optional: max |answer - expected|, default 1e-9

The code is what the reader sees: a complete script that imports NumPy, PyTorch and the book's
snippet modules itself (``from snippets import lstm_numpy``). It runs in a fresh namespace, so an
exercise cannot lean on another one.
"""

import contextlib
import io
import re
import textwrap
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("ko", "en")
ID = re.compile(r"^[a-z][a-z0-9_]*$")
DEFAULT_TOLERANCE = 1e-9
LABELS = {
    "ko": {"exercise": "문제", "solution": "풀이", "run": "빌드할 때 실행해 확인한 결과"},
    "en": {"exercise": "Exercise", "solution": "Solution", "run": "Output, run and checked when this page was built"},
}


class ExerciseError(ValueError):
    """An exercise that is malformed, shown on the wrong page, or whose solution is wrong."""


@lru_cache(maxsize=None)
def exercises():
    """{id: entry} from book/exercises.yml in file order; checks the shape of every entry."""
    data = yaml.safe_load((ROOT / "book" / "exercises.yml").read_text(encoding="utf-8"))
    for exercise_id, entry in data.items():
        where = f"exercise {exercise_id!r} in book/exercises.yml"
        if not ID.match(exercise_id):
            raise ExerciseError(f"{where}: the id must be lower_snake_case")
        missing = {"page", *LANGS} - set(entry)
        if missing:
            raise ExerciseError(f"{where} lacks {sorted(missing)}")
        for lang in LANGS:
            if set(entry[lang]) != {"question", "solution"}:
                raise ExerciseError(f"{where}: {lang} needs exactly 'question' and 'solution'")
        if ("code" in entry) != ("expected" in entry):
            raise ExerciseError(f"{where}: 'code' and 'expected' go together")
    return data


def page_exercises(page):
    """The ids of the exercises of one page (e.g. 'lstm/state-update'), in file order."""
    return [exercise_id for exercise_id, entry in exercises().items() if entry["page"] == page]


def run(exercise_id):
    """Run an exercise's code; return (answer, what it printed). Raises ExerciseError when the code
    raises, sets no `answer`, or computes something other than `expected`."""
    entry = exercises()[exercise_id]
    namespace = {"__name__": f"exercise_{exercise_id}"}
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(entry["code"], f"<exercise {exercise_id}>", "exec"), namespace)  # noqa: S102
    except Exception as error:
        raise ExerciseError(f"exercise {exercise_id}: the solution raised {type(error).__name__}: {error}") from error
    if "answer" not in namespace:
        raise ExerciseError(f"exercise {exercise_id}: the solution's code must set `answer`")
    answer = _as_array(exercise_id, "answer", namespace["answer"])
    expected = _as_array(exercise_id, "expected", entry["expected"])
    tolerance = float(entry.get("tolerance", DEFAULT_TOLERANCE))
    if answer.shape != expected.shape:
        raise ExerciseError(f"exercise {exercise_id}: the solution computes an answer of shape {answer.shape}, "
                            f"but book/exercises.yml expects shape {expected.shape}")
    error = float(np.max(np.abs(answer - expected), initial=0.0))
    if not error <= tolerance:  # also fails on NaN
        raise ExerciseError(f"exercise {exercise_id}: the solution computes {_show(answer)}, but "
                            f"book/exercises.yml expects {_show(expected)} (max difference {error:.3g} "
                            f"> tolerance {tolerance:g})")
    return answer, printed.getvalue()


def render(exercise_id, lang, page):
    """The exercise as Markdown for `page` ('lstm/state-update') in `lang`."""
    if exercise_id not in exercises():
        raise ExerciseError(f"unknown exercise id {exercise_id!r}; book/exercises.yml has: "
                            f"{', '.join(exercises())}")
    entry = exercises()[exercise_id]
    if entry["page"] != page:
        raise ExerciseError(f"exercise {exercise_id} belongs to page {entry['page']!r} (book/exercises.yml), "
                            f"not {page!r}")
    labels = LABELS[lang]
    number = page_exercises(page).index(exercise_id) + 1
    text = entry[lang]
    body = [text["solution"].strip()]
    if "code" in entry:
        answer, printed = run(exercise_id)
        output = printed + f"answer = {_show(answer)}"
        body += [f'```python\n{entry["code"].strip()}\n```',
                 f'{labels["run"]}\n{{: .exercise-run }}',
                 f"```text\n{output.strip()}\n```"]
    folded = textwrap.indent("\n\n".join(body), "    ")
    return (f'<div class="exercise" id="exercise-{exercise_id}" markdown>\n\n'
            f'**{labels["exercise"]} {number}.** {text["question"].strip()}\n\n'
            f'??? note "{labels["solution"]}"\n\n{folded}\n\n</div>\n')


def _as_array(exercise_id, name, value):
    if hasattr(value, "detach"):  # a PyTorch tensor, on any device
        value = value.detach().cpu().numpy()
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ExerciseError(f"exercise {exercise_id}: {name} must be a number or a list of numbers, "
                            f"got {value!r}") from error


def _show(array):
    with np.printoptions(precision=6, suppress=False, floatmode="maxprec"):
        return np.array2string(array, separator=", ") if array.ndim else f"{float(array):.6g}"
