"""book/layer_diagrams.py: the layers x directions x time figure marks the cells that
nn.LSTM's output and h_n really take (checked against torch.nn), in both languages."""

import re
import xml.etree.ElementTree as ET

import pytest
import torch

from book import catalogue, layer_diagrams

from .test_diagrams import CSS, HANGUL, NS, classes, label, layout_problems

CASES = [(name, lang) for name in layer_diagrams.NAMES for lang in layer_diagrams.LANGS]
WORDS = {"ko": ["층 0 · 정방향", "층 1 · 역방향", "입력", "시간"],
         "en": ["layer 0 · forward", "layer 1 · reverse", "input", "time"]}


def cells(root):
    """{(x, y): (classes, text inside)} of the grid's cells."""
    boxes = {}
    for rect in root.iter(NS + "rect"):
        x, y = float(rect.get("x")) + float(rect.get("width")) / 2, float(rect.get("y")) + float(rect.get("height")) / 2
        if x in layer_diagrams.COLUMNS:
            boxes[x, y] = (rect.get("class").split(), None)
    for text in root.iter(NS + "text"):
        key = (float(text.get("x")), float(text.get("y")) - 6)
        if key in boxes:
            boxes[key] = (boxes[key][0], label(text))
    return boxes


@pytest.mark.parametrize("name,lang", CASES)
def test_svg_contract(name, lang):
    svg = layer_diagrams.render(name, lang)
    assert svg == layer_diagrams.render(name, lang)
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.find(NS + "title").text == layer_diagrams.title(name, lang)
    desc = root.find(NS + "desc").text
    shown = " ".join(label(t) for t in root.iter(NS + "text"))
    if lang == "ko":
        assert HANGUL.search(shown) and all(s.endswith("니다.") for s in re.split(r"(?<=\.)\s+", desc))
        for term in catalogue.avoided_terms():
            assert term not in shown + desc
    else:
        assert not HANGUL.search(shown + desc)
    for word in WORDS[lang]:
        assert word in shown, word
    ids = re.findall(r'\sid="([^"]+)"', svg)
    assert len(ids) == len(set(ids)) and all(i.startswith(f"dg-{name}-") for i in ids)
    assert classes(svg) <= set(re.findall(r"\.(dg(?:-[\w-]+)?)", CSS))
    assert not re.search(r'\s(fill|stroke|style|font-family)=', svg) and "_" not in "".join(
        t.text or "" for t in root.iter(NS + "text"))
    assert layout_problems(layer_diagrams._draw(name, lang)) == []


def test_output_and_h_n_cells_are_the_ones_torch_nn_uses():
    """Run a 2-layer bidirectional nn.GRU and find, for each marked cell, the state it stands for."""
    root = ET.fromstring(layer_diagrams.render("layers_states", "en"))
    grid = cells(root)
    L, T = layer_diagrams.LAYERS, layer_diagrams.STEPS
    assert len(grid) == 2 * L * T
    torch.manual_seed(0)
    gru = torch.nn.GRU(2, 3, num_layers=L, bidirectional=True).double()
    x = torch.randn(T, 2, dtype=torch.float64)
    with torch.no_grad():
        output, h_n = gru(x)
        first = torch.nn.GRU(2, 3, bidirectional=True).double()  # layer 0 alone gives its outputs
        first.load_state_dict({k: v for k, v in gru.state_dict().items() if "_l0" in k})
        layer0, _ = first(x)
    for (x_pos, y), (cls, text) in grid.items():
        t = layer_diagrams.COLUMNS.index(x_pos)
        layer, direction = next((lay, d) for lay in range(L) for d in range(2) if layer_diagrams.row_y(lay, d) == y)
        # the output cells: the last layer, every step
        assert ("dg-sig" in cls) == (layer == L - 1)
        # h_n row k = layer*2 + direction is the state of this cell exactly when the cell is marked
        k = 2 * layer + direction
        states = output if layer == L - 1 else layer0
        state = states[t, 3 * direction:3 * direction + 3]
        assert torch.equal(state, h_n[k]) == ("dg-hl" in cls), (layer, direction, t)
        assert text == (f"h_n[{k}]" if "dg-hl" in cls else None)
