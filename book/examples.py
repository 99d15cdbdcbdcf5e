"""Whole scripts shown on a page and run when the page is built (directive ``::example <name>``).

examples/<name>.py is a script a reader can run as it is, next to the snippet files it
imports (``from lstm_numpy import lstm_layers``). The page shows the file and the output of
this build's run; a script that raises fails the build.
"""

import contextlib
import io
import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SNIPPETS = ROOT / "snippets"


def names():
    return sorted(path.stem for path in EXAMPLES.glob("*.py"))


def run(name):
    """What examples/<name>.py prints, run with snippets/ on the import path."""
    path = EXAMPLES / f"{name}.py"
    if name not in names():
        raise ValueError(f"unknown example {name!r}; examples/ has: {', '.join(names())}")
    import torch

    loaded = set(sys.modules)
    out = io.StringIO()
    sys.path.insert(0, str(SNIPPETS))
    try:
        with torch.random.fork_rng(devices=[]), contextlib.redirect_stdout(out):
            runpy.run_path(str(path), run_name="__main__")
    except Exception as error:
        raise RuntimeError(f"example {name} raised {type(error).__name__}: {error}") from error
    finally:
        sys.path.remove(str(SNIPPETS))
        for module in set(sys.modules) - loaded:  # the snippets it imported: fresh next time
            if str(getattr(sys.modules[module], "__file__", "") or "").startswith(str(SNIPPETS)):
                del sys.modules[module]
    return out.getvalue()


def markdown(name, run_label):
    """The script (included from its file, so it is the code that ran) and its output."""
    output = run(name).rstrip()
    return (f'```python title="examples/{name}.py"\n--8<-- "examples/{name}.py"\n```\n\n'
            f'<p class="formula-run">{run_label}</p>\n\n```text\n{output}\n```\n')
