"""The formula catalogue (book/formulas.yml), the glossary, and the snippet files.

Used by the MkDocs hook and by the tests, so both read the same formula ids and terms.
"""

import importlib
import re
from functools import lru_cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SNIPPETS = ROOT / "snippets"
FRAMEWORKS = ("numpy", "torch")
ID = re.compile(r"^[a-z][a-z0-9_]*$")


@lru_cache(maxsize=None)
def formulas():
    """{id: {"module", "page", "latex", "examples"}} in catalogue order; checks its own shape."""
    data = yaml.safe_load((ROOT / "book" / "formulas.yml").read_text(encoding="utf-8"))
    for formula_id, entry in data.items():
        if not ID.match(formula_id):
            raise ValueError(f"formula id {formula_id!r} must be lower_snake_case")
        missing = {"module", "page", "latex", "examples"} - set(entry)
        if missing:
            raise ValueError(f"formula {formula_id!r} lacks {sorted(missing)} in book/formulas.yml")
    return data


@lru_cache(maxsize=None)
def glossary():
    """book/glossary.yml: [{"en", "ko", "aliases"?, "avoid"?}], one canonical Korean term per concept."""
    return yaml.safe_load((ROOT / "book" / "glossary.yml").read_text(encoding="utf-8"))


def avoided_terms():
    """Korean terms the glossary rules out of the prose, figures included."""
    return [term for entry in glossary() for term in entry.get("avoid", [])]


def snippet_path(module, framework):
    """snippets/<module>_<framework>.py as a path relative to the repository root."""
    return f"snippets/{module}_{framework}.py"


def snippet_module(module, framework):
    return importlib.import_module(f"snippets.{module}_{framework}")


def sections(path):
    """Names of the `--8<-- [start:name]` sections in a snippet file, in order."""
    text = (ROOT / path).read_text(encoding="utf-8")
    return re.findall(r"--8<-- \[start:(\w+)\]", text)
