"""book/diagrams_backward.py and book/plots_backward.py: the backward part's figures.

The diagrams are checked like tests/test_diagrams.py checks the forward ones (same layout
checker); the plots like tests/test_plots.py (same SVG checker), and their numbers against the
snippets' backward functions and the claims the text makes about them.
"""

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from book import catalogue, diagrams_backward, plots_backward
from snippets import gru_numpy, lstm_numpy

from .test_diagrams import NS, classes, layout_problems, texts
from .test_plots import svg_problems

DIAGRAMS = [(n, lang) for n in diagrams_backward.NAMES for lang in diagrams_backward.LANGS]
PLOTS = [(n, lang) for n in plots_backward.NAMES for lang in plots_backward.LANGS]
AVOIDED = catalogue.avoided_terms()


# --------------------------------------------------------------------------------- diagrams

@pytest.mark.parametrize("name,lang", DIAGRAMS)
def test_diagram_root_title_and_language(name, lang):
    svg = diagrams_backward.render(name, lang)
    assert svg == diagrams_backward.render(name, lang)
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("class") == "dg"
    title, desc = list(root)[:2]
    assert title.text == diagrams_backward.title(name, lang) and title.get("id") == f"dg-{name}-title"
    assert desc.get("id") == f"dg-{name}-desc" and len(desc.text) > 40
    shown = " ".join(texts(root))
    has_hangul = any("\uac00" <= ch <= "\ud7a3" for ch in shown + title.text + desc.text)
    assert has_hangul == (lang == "ko")
    assert not [term for term in AVOIDED if term in shown + desc.text]


@pytest.mark.parametrize("name,lang", DIAGRAMS)
def test_diagram_labels_fit_and_do_not_overlap(name, lang):
    canvas = diagrams_backward._draw(name, lang)
    assert len(canvas.boxes) >= 15
    assert layout_problems(canvas) == []


@pytest.mark.parametrize("name,lang", DIAGRAMS)
def test_diagram_shows_every_gradient_and_highlights_the_direct_path(name, lang):
    root = ET.fromstring(diagrams_backward.render(name, lang))
    shown = set(texts(root, "dg-m"))
    gates = {"δf_t", "δi_t", "δg_t", "δo_t", "δc_t", "δc_{t−1}"} if name == "lstm_backward" else \
        {"δz_t", "δn_t", "δr_t", "δh_{t−1}"}
    assert gates | {"δh_t", "δa_t", "δx_t"} <= shown, (gates | {"δh_t", "δa_t", "δx_t"}) - shown
    highlighted = [e for e in root.iter() if "dg-hl" in (e.get("class") or "").split()]
    cell_lines = [e for e in highlighted if "dg-cell" in (e.get("class") or "").split()]
    assert cell_lines and any(e.get("marker-end") for e in cell_lines)  # the path ends in an arrow
    gate = "f_t" if name == "lstm_backward" else "z_t"
    assert gate in [t for t in texts(root, "dg-hl")]
    # the only operations on the highlighted path: one product and one addition
    ops = [e for e in root.iter(NS + "circle") if "dg-op" in e.get("class").split()]
    assert len(ops) == 2 and all("dg-hl" in e.get("class").split() for e in ops)


@pytest.mark.parametrize("name,lang", DIAGRAMS)
def test_diagram_classes_are_styled(name, lang):
    css = (catalogue.ROOT / "docs" / "assets" / "diagrams.css").read_text(encoding="utf-8")
    for cls in classes(diagrams_backward.render(name, lang)):
        assert f".{cls}" in css, cls


def test_diagram_unknown_name_or_language():
    with pytest.raises(ValueError, match="unknown diagram"):
        diagrams_backward.render("lstm_cell", "ko")
    with pytest.raises(ValueError, match="unknown language"):
        diagrams_backward.title("gru_backward", "de")


# ------------------------------------------------------------------------------------ plots

@pytest.mark.parametrize("name,lang", PLOTS)
def test_plot_is_inline_ready(name, lang, monkeypatch):
    # the shared checker reads titles from book.plots; point it at this module's
    import book.plots
    monkeypatch.setattr(book.plots, "title", plots_backward.title)
    svg = plots_backward.render(name, lang)
    assert svg_problems(svg, name, lang) == []
    assert svg == plots_backward._render_cached.__wrapped__(name, lang)  # deterministic


def test_plot_unknown_name():
    with pytest.raises(ValueError, match="unknown plot"):
        plots_backward.data("gradient_norms")


def test_gradient_norms_come_from_the_backward_functions():
    """Spot-check one point of each curve by stepping back by hand with the step functions."""
    d = plots_backward.data("backward_gradient_norms")
    T, H = plots_backward.T, plots_backward.H
    assert d["t"].shape == (T + 1,) and np.all(np.isfinite(d["lstm"])) and np.all(d["gru"] > 0)
    x, params, v = plots_backward._model(4, plots_backward.SEED)
    _, _, caches = plots_backward._lstm_states(x, params)
    dh, dc = v, np.zeros((1, H))
    for t in reversed(range(T - 5, T)):
        step = lstm_numpy.lstm_step_backward(dh, dc, caches[t])
        dh, dc = step["h_prev"], step["c_prev"]
    assert np.linalg.norm(dh) == pytest.approx(d["lstm"][T - 5], rel=1e-12)
    assert np.linalg.norm(dc) == pytest.approx(d["lstm_c"][T - 5], rel=1e-12)
    _, _, v_rnn = plots_backward._model(1, plots_backward.SEED)
    assert np.linalg.norm(v_rnn) == pytest.approx(d["rnn"][T], rel=1e-12)  # no step back: δh_T = v


def test_the_text_about_the_gradient_norms_holds():
    """jacobians.md: at the default initialisation the gradient shrinks exponentially in all three."""
    d = plots_backward.data("backward_gradient_norms")
    for model in ("rnn", "lstm", "gru"):
        assert d[model][0] < 1e-6 * d[model][-1], model


def test_direct_path_data_and_the_claims_about_it():
    """jacobians.md: the direct path alone falls faster than the whole gradient, and turns away from it."""
    d = plots_backward.data("direct_path_share")
    T = plots_backward.T
    for model in ("lstm", "gru"):
        full, direct = d[f"{model}_full"], d[f"{model}_direct"]
        assert full[0] == pytest.approx(direct[0])  # k = 0: the same vector
        assert direct[T // 2] < full[T // 2]
        assert d[f"{model}_cos"] < 0.9 and 0 < d[f"{model}_ratio"] < 1
    # the direct path of the GRU is the product of z, by gru_step_forward's caches
    x, params, v = plots_backward._model(3, plots_backward.SEED)
    _, caches = plots_backward._gru_states(x, params)
    product = v * np.prod([c["z_t"] for c in caches[T - 3:]], axis=0)
    assert np.linalg.norm(product) == pytest.approx(d["gru_direct"][3], rel=1e-12)
    whole = gru_numpy.gru_backward(x[T - 3:], plots_backward._gru_states(x, params)[0][T - 3], *params,
                                   np.zeros((3, 1, plots_backward.H)), v)["h0"]
    assert np.linalg.norm(whole) == pytest.approx(d["gru_full"][3], rel=1e-12)
