"""book/diagrams_modern.py: the figures of the part "Gates after 2017"."""

import xml.etree.ElementTree as ET

import pytest

from book import catalogue, diagrams_modern

from .test_backward_figures import classes, texts
from .test_diagrams import layout_problems

DIAGRAMS = [(n, lang) for n in diagrams_modern.NAMES for lang in diagrams_modern.LANGS]
SYMBOLS = {"mingru_step": {"h_{t−1}", "h_t", "x_t", "z_t", "h̃_t", "a_t", "b_t"},
           "mlstm_step": {"C_{t−1}", "C_t", "n_{t−1}", "n_t", "x_t", "f_t", "i_t", "q_t", "k_t", "h̃_t"}}


@pytest.mark.parametrize("name,lang", DIAGRAMS)
def test_diagram_root_title_language_and_symbols(name, lang):
    svg = diagrams_modern.render(name, lang)
    assert svg == diagrams_modern.render(name, lang)
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("class") == "dg"
    title, desc = list(root)[:2]
    assert title.text == diagrams_modern.title(name, lang) and len(desc.text) > 40
    shown = " ".join(texts(root))
    assert any("\uac00" <= ch <= "\ud7a3" for ch in shown + title.text + desc.text) == (lang == "ko")
    assert not [term for term in catalogue.avoided_terms() if term in shown + desc.text]
    assert SYMBOLS[name] <= set(texts(root, "dg-m")), SYMBOLS[name] - set(texts(root, "dg-m"))


@pytest.mark.parametrize("name,lang", DIAGRAMS)
def test_diagram_labels_fit_and_do_not_overlap(name, lang):
    canvas = diagrams_modern._draw(name, lang)
    assert len(canvas.boxes) >= 12
    assert layout_problems(canvas) == []


@pytest.mark.parametrize("name,lang", DIAGRAMS)
def test_diagram_classes_are_styled(name, lang):
    css = (catalogue.ROOT / "docs" / "assets" / "diagrams.css").read_text(encoding="utf-8")
    for cls in classes(diagrams_modern.render(name, lang)):
        assert f".{cls}" in css, cls


def test_no_line_from_the_state_down_to_the_gates_in_mingru():
    """The point of minGRU: every vertical line in the gates' region runs upwards (from x_t)."""
    root = ET.fromstring(diagrams_modern.render("mingru_step", "en"))
    for path in root.iter("{http://www.w3.org/2000/svg}path"):
        d = path.get("d") or ""
        if d.startswith("M200 62") or d.startswith("M446 62"):
            pytest.fail(f"a line leaves the state downwards: {d}")


def test_unknown_name_or_language():
    with pytest.raises(ValueError, match="unknown diagram"):
        diagrams_modern.render("lstm_cell", "ko")
    with pytest.raises(ValueError, match="unknown language"):
        diagrams_modern.title("mingru_step", "de")
