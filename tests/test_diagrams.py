"""book/diagrams.py: inline-ready, deterministic SVG diagrams labelled in the page's language."""

import hashlib
import itertools
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from book import catalogue, diagrams

ROOT = Path(__file__).resolve().parents[1]
CSS = (ROOT / "docs" / "assets" / "diagrams.css").read_text(encoding="utf-8")
NS = "{http://www.w3.org/2000/svg}"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
CASES = [(name, lang) for name in diagrams.NAMES for lang in diagrams.LANGS]
MAX_BYTES = 8_000

LSTM = {"c_{t−1}", "c_t", "h_{t−1}", "h_t", "x_t", "f_t", "i_t", "g_t", "o_t"}
GRU = {"h_{t−1}", "h_t", "x_t", "r_t", "z_t", "n_t", "W_{hn}"}
SYMBOLS = {  # math symbols (italic, dg-m) each diagram must show
    "rnn_unrolled": {"x_{t−1}", "x_t", "x_{t+1}", "h_{t−2}", "h_{t−1}", "h_t", "h_{t+1}"},
    **{name: LSTM for name in diagrams.NAMES if name.startswith("lstm_") and name != "lstm_vs_gru"},
    **{name: GRU for name in diagrams.NAMES if name.startswith("gru_")},
    "lstm_vs_gru": {"c_{t−1}", "c_t", "h_{t−1}", "h_t", "f_t", "i_t", "o_t", "g_t", "r_t", "z_t", "n_t"},
    "rnn_vs_lstm": LSTM,
}
FUNCTIONS = {  # upright function / operator labels (dg-s)
    "rnn_unrolled": {"tanh"},
    "rnn_vs_lstm": {"σ", "tanh"},
    **{name: {"σ", "tanh"} for name in diagrams.NAMES if name.startswith("lstm_")},
    **{name: {"σ", "tanh", "1−"} for name in diagrams.NAMES if name.startswith("gru_")},
}
WORDS = {  # words each diagram must show, per language
    "rnn_unrolled": {"ko": ["은닉 상태", "입력", "시간"], "en": ["hidden state", "input", "time"]},
    "lstm_cell": {"ko": ["셀 상태", "은닉 상태", "입력", "출력", "망각 게이트", "입력 게이트", "후보 셀 상태",
                         "출력 게이트"],
                  "en": ["cell state", "hidden state", "input", "output", "forget gate", "input gate", "candidate",
                         "output gate"]},
    "gru_cell": {"ko": ["은닉 상태", "입력", "출력", "리셋 게이트", "업데이트 게이트", "후보 은닉 상태"],
                 "en": ["hidden state", "input", "output", "reset gate", "update gate", "candidate"]},
    "rnn_vs_lstm": {"ko": ["기본 RNN", "LSTM", "셀 상태", "은닉 상태", "입력"],
                    "en": ["Plain RNN", "LSTM", "cell state", "hidden state", "input"]},
    "lstm_vs_gru": {"ko": ["셀 상태", "은닉 상태", "망각 게이트", "입력 게이트", "출력 게이트", "리셋 게이트",
                           "업데이트 게이트"],
                    "en": ["cell state", "hidden state", "forget gate", "input gate", "output gate", "reset gate",
                           "update gate"]},
}
for _name, (_kind, _parts) in diagrams.HIGHLIGHTS.items():
    WORDS[_name] = WORDS[f"{_kind}_cell"]
AVOID_KO = catalogue.avoided_terms()
HIGHLIGHTED = {  # text that must be drawn highlighted on each gate's page
    "lstm_forget_gate": {"f_t", "c_{t−1}", "σ"},
    "lstm_input_gate": {"i_t", "g_t", "σ", "tanh"},
    "lstm_state_update": {"c_{t−1}", "c_t", "f_t"},
    "lstm_output_gate": {"o_t", "h_t", "tanh", "σ"},
    "gru_reset_gate": {"r_t", "W_{hn}", "tanh"},
    "gru_update_gate": {"z_t", "1−", "h_t"},
}


def parse(name, lang):
    return ET.fromstring(diagrams.render(name, lang))


def label(element):
    """A <text> as math markup: 'h' + <tspan>t−1</tspan> becomes 'h_{t−1}', a one-character subscript 'h_t'."""
    out = element.text or ""
    for span in element:
        sub = (span.text or "")
        if "dg-sub" in (span.get("class") or "").split():
            out += f"_{sub}" if len(sub) == 1 else f"_{{{sub}}}"
        else:
            out += sub
        out += span.tail or ""
    return out


def texts(root, cls=None):
    return [label(t) for t in root.iter(NS + "text") if cls is None or cls in t.get("class").split()]


def classes(svg):
    return {c for value in re.findall(r'class="([^"]*)"', svg) for c in value.split()}


def test_render_is_deterministic_across_processes():
    """Another interpreter, with another hash seed (set and dict order of str keys), draws the same bytes."""
    code = ("import hashlib; from book import diagrams; print(hashlib.sha256(''.join("
            "diagrams.render(n, l) for n in diagrams.NAMES for l in diagrams.LANGS).encode()).hexdigest())")
    root = Path(__file__).resolve().parents[1]
    other = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "12345"}).stdout.strip()
    here = hashlib.sha256("".join(diagrams.render(n, l) for n in diagrams.NAMES for l in diagrams.LANGS)
                          .encode()).hexdigest()
    assert other == here


def test_names_and_langs():
    assert diagrams.NAMES[0] == "rnn_unrolled" and diagrams.NAMES[-1] == "lstm_vs_gru"
    assert len(set(diagrams.NAMES)) == len(diagrams.NAMES) == 11
    assert diagrams.LANGS == ("ko", "en")
    # every name has its own drawing: no two diagrams are the same picture
    bodies = {re.sub(r"<title.*?</desc>", "", diagrams.render(n, "en")).replace(f"dg-{n}-", "")
              for n in diagrams.NAMES}
    assert len(bodies) == len(diagrams.NAMES)


@pytest.mark.parametrize("name,lang", CASES)
def test_root_title_and_desc(name, lang):
    svg = diagrams.render(name, lang)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" ') and svg.endswith("</svg>")
    root = ET.fromstring(svg)
    assert root.tag == NS + "svg"
    assert root.get("role") == "img" and root.get("class") == "dg"
    assert root.get("width") is None and root.get("height") is None
    assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox"))
    assert root.get("aria-labelledby") == f"dg-{name}-title dg-{name}-desc"
    first, second = list(root)[:2]
    assert first.tag == NS + "title" and first.get("id") == f"dg-{name}-title"
    assert second.tag == NS + "desc" and second.get("id") == f"dg-{name}-desc"
    assert first.text == diagrams.title(name, lang)
    assert len(second.text) > 40 and second.text != first.text


@pytest.mark.parametrize("name,lang", CASES)
def test_text_is_in_the_page_language(name, lang):
    root = parse(name, lang)
    shown = " ".join(texts(root))
    title, desc = root.find(NS + "title").text, root.find(NS + "desc").text
    if lang == "ko":
        assert HANGUL.search(shown) and HANGUL.search(title) and HANGUL.search(desc)
        assert all(s.endswith("니다.") for s in re.split(r"(?<=\.)\s+", desc)), desc  # 합니다 register
        for term in AVOID_KO:
            assert term not in shown + title + desc
    else:
        assert not HANGUL.search(shown + title + desc)
    shown_set = set(texts(root, "dg-t") + texts(root, "dg-n") + texts(root, "dg-h"))
    for word in WORDS[name][lang]:
        assert any(word in s for s in shown_set), (word, shown_set)


@pytest.mark.parametrize("name,lang", CASES)
def test_math_symbols(name, lang):
    svg = diagrams.render(name, lang)
    root = ET.fromstring(svg)
    math = set(texts(root, "dg-m"))
    assert SYMBOLS[name] <= math, SYMBOLS[name] - math
    assert FUNCTIONS.get(name, set()) <= set(texts(root, "dg-s"))
    # subscripts are <tspan>s, never Unicode subscript characters or a literal '_'
    assert not re.search(r"[\u2080-\u209c]", svg)
    assert not any("_" in (t.text or "") for t in root.iter(NS + "text"))
    for span in root.iter(NS + "tspan"):
        if "dg-sub" in span.get("class", ""):
            assert int(span.get("dy")) > 0


def test_symbols_in_text_and_desc():
    ko, en = (ET.fromstring(diagrams.render("lstm_cell", lang)) for lang in ("ko", "en"))
    assert "⊙" in ko.find(NS + "desc").text and "⊙" in en.find(NS + "desc").text
    assert "셀 상태 c가" in ko.find(NS + "desc").text  # compound keeps its space, particle attached


@pytest.mark.parametrize("name,lang", CASES)
def test_no_hard_coded_colours_fonts_or_foreign_content(name, lang):
    svg = diagrams.render(name, lang)
    assert not re.search(r'\s(fill|stroke|color|stop-color|style|font-family|font|bgcolor)=', svg)
    assert not re.search(r"#[0-9a-fA-F]{3,8}\b|rgba?\(|hsla?\(", svg)
    for tag in ("style", "image", "foreignObject", "script", "font", "font-face", "use", "a"):
        assert f"<{tag} " not in svg and f"<{tag}>" not in svg, tag
    assert "data:" not in svg and "@font-face" not in svg and "<?xml" not in svg


@pytest.mark.parametrize("name,lang", CASES)
def test_ids_are_prefixed_unique_and_resolve(name, lang):
    svg = diagrams.render(name, lang)
    ids = re.findall(r'\sid="([^"]+)"', svg)
    assert len(ids) == len(set(ids))
    assert all(i.startswith(f"dg-{name}-") for i in ids), ids
    refs = re.findall(r"url\(#([^)]+)\)", svg)
    assert refs and set(refs) <= set(ids)
    assert set(ids) - {f"dg-{name}-title", f"dg-{name}-desc"} <= set(refs)  # no unused markers


def test_ids_are_unique_across_diagrams():
    every = [i for name in diagrams.NAMES for i in re.findall(r'\sid="([^"]+)"', diagrams.render(name, "ko"))]
    assert len(every) == len(set(every))


@pytest.mark.parametrize("name,lang", CASES)
def test_small_with_short_coordinates(name, lang):
    svg = diagrams.render(name, lang)
    assert len(svg.encode("utf-8")) <= MAX_BYTES
    for value in re.findall(r'\s(?:x|y|cx|cy|r|width|height|dy|d)="([^"]*)"', svg):
        for number in re.findall(r"-?\d+(?:\.\d+)?", value):
            assert len(number.partition(".")[2]) <= 1, (value, number)


@pytest.mark.parametrize("name,lang", CASES)
def test_every_class_is_styled(name, lang):
    defined = set(re.findall(r"\.(dg(?:-[\w-]+)?)", CSS))
    used = classes(diagrams.render(name, lang))
    assert all(c.startswith("dg") for c in used), used
    assert used <= defined, used - defined


def test_every_styled_class_is_used():
    defined = set(re.findall(r"\.(dg-[\w-]+)", CSS))
    used = set().union(*(classes(diagrams.render(n, l)) for n, l in CASES))
    assert defined <= used, defined - used


def test_css_colours_follow_the_theme():
    # literal colours only as values of our own custom properties, each with a dark twin
    for match in re.finditer(r"#[0-9a-fA-F]{3,8}\b|rgba?\(", CSS):
        line = CSS[CSS.rfind("\n", 0, match.start()) + 1:CSS.find("\n", match.start())]
        assert re.match(r"\s*--dg-[\w-]+:", line), line
    light = CSS[CSS.index(":root"):CSS.index("}", CSS.index(":root"))]
    dark = CSS[CSS.index('[data-md-color-scheme="slate"]'):]
    dark = dark[:dark.index("}")]
    props = re.findall(r"(--dg-[\w-]+):", light)
    assert props and props == re.findall(r"(--dg-[\w-]+):", dark)
    for prop in set(re.findall(r"var\((--dg-[\w-]+)\)", CSS)):
        assert prop in props
    assert "var(--md-default-fg-color)" in CSS and "var(--md-default-bg-color)" in CSS
    assert "<style" not in CSS and "font-family: inherit" in CSS


def layout_problems(canvas):
    """Labels (by their estimated boxes) outside the viewBox, overflowing their box, or overlapping."""
    problems = []
    for x0, y0, x1, y1, s in canvas.boxes:
        if not (0 <= x0 and x1 <= canvas.w and 0 <= y0 and y1 <= canvas.h):
            problems.append(f"{s!r} leaves the viewBox")
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        for r0, s0, r1, s1 in canvas.rects:
            if r0 <= cx <= r1 and s0 <= cy <= s1 and not (r0 + 3 <= x0 and x1 <= r1 - 3 and s0 + 1 <= y0
                                                          and y1 <= s1 - 1):
                problems.append(f"{s!r} overflows its box")
    for a, b in itertools.combinations(canvas.boxes, 2):
        if min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1]):
            problems.append(f"{a[4]!r} overlaps {b[4]!r}")
    return problems


@pytest.mark.parametrize("name,lang", CASES)
def test_labels_fit_and_do_not_overlap(name, lang):
    canvas = diagrams._draw(name, lang)
    assert len(canvas.boxes) >= 8
    assert layout_problems(canvas) == []


def test_layout_check_finds_planted_faults():
    canvas = diagrams._Canvas("lstm_cell", "ko", 200, 100)
    canvas.text(50, 50, "망각 게이트")
    canvas.text(54, 54, "h_{t-1}", "m")          # on top of the first label
    canvas.text(190, 90, "업데이트 게이트", anchor="start")  # runs off the right edge
    canvas.layer(150, 30, "σ", "업데이트 게이트", "z", w=60)   # name wider than its box
    problems = layout_problems(canvas)
    assert "'h_{t-1}' overlaps '망각 게이트'" in " ".join(problems) or \
        "'망각 게이트' overlaps 'h_{t-1}'" in " ".join(problems)
    assert "'업데이트 게이트' leaves the viewBox" in problems
    assert "'업데이트 게이트' overflows its box" in problems


def test_text_width_estimate():
    assert diagrams.text_width([("망각 게이트", False)], 10) > diagrams.text_width([("forget", False)], 10)
    assert diagrams.text_width([("h", False), ("t−1", True)], 16) < diagrams.text_width([("ht−1", False)], 16)


def _strip_highlight(svg, name):
    svg = re.sub(r"<title.*?</desc><defs>.*?</defs>", "", svg)
    svg = svg.replace(f"dg-{name}-", "dg-X-").replace(" dg-hl", "").replace(" dg-dim", "")
    return re.sub(r"url\(#dg-X-(?:hlcell|cell)\)", "url(#dg-X-cell)", svg).replace("url(#dg-X-hl)", "url(#dg-X-ink)")


@pytest.mark.parametrize("name", sorted(diagrams.HIGHLIGHTS))
@pytest.mark.parametrize("lang", diagrams.LANGS)
def test_gate_pages_are_the_overview_with_a_highlight(name, lang):
    kind = diagrams.HIGHLIGHTS[name][0]
    svg, overview = diagrams.render(name, lang), diagrams.render(f"{kind}_cell", lang)
    assert "dg-hl" not in overview and "dg-dim" not in overview
    assert _strip_highlight(svg, name) == _strip_highlight(overview, f"{kind}_cell")
    root = ET.fromstring(svg)
    lit = set(texts(root, "dg-hl"))
    assert HIGHLIGHTED[name] <= lit, HIGHLIGHTED[name] - lit
    assert len(set(texts(root, "dg-dim"))) >= 4  # the rest is dimmed, not removed
    other_gates = {"f_t", "i_t", "o_t", "r_t", "z_t"} - HIGHLIGHTED[name] - ({"f_t"} if name == "lstm_state_update"
                                                                            else set())
    assert not lit & other_gates, lit & other_gates


@pytest.mark.parametrize("call", [diagrams.render, diagrams.title])
def test_unknown_name_or_language(call):
    with pytest.raises(ValueError, match=r"'lstm_cel'.*rnn_unrolled.*lstm_vs_gru"):
        call("lstm_cel", "ko")
    with pytest.raises(ValueError, match=r"'fr'.*ko, en"):
        call("lstm_cell", "fr")


def test_titles():
    for name in diagrams.NAMES:
        ko, en = diagrams.title(name, "ko"), diagrams.title(name, "en")
        assert HANGUL.search(ko) and not HANGUL.search(en) and 0 < len(en) <= 60


def test_command_line_writes_standalone_files(tmp_path):
    subprocess.run([sys.executable, "-m", "book.diagrams", str(tmp_path)], cwd=ROOT, check=True)
    files = sorted(p.name for p in tmp_path.glob("*.svg"))
    assert files == sorted(f"{n}.{l}.svg" for n, l in CASES)
    for name, lang in CASES:
        svg = (tmp_path / f"{name}.{lang}.svg").read_text(encoding="utf-8")
        root = ET.fromstring(svg)  # the embedded stylesheet keeps the file well-formed
        assert root.tag == NS + "svg" and root.find(NS + "style") is not None
        assert root.find(NS + "title").text == diagrams.title(name, lang)
    preview = (tmp_path / "preview.html").read_text(encoding="utf-8")
    assert preview.count("<svg ") == 2 * len(CASES) and 'data-md-color-scheme="slate"' in preview


@pytest.mark.parametrize("lang", diagrams.LANGS)
def test_rnn_beside_lstm(lang):
    """Left of the divider one tanh layer and one state; right of it the LSTM's three σ gates, its
    tanh candidate and the cell state path, with the same inputs h_{t-1} and x_t on both sides."""
    canvas = diagrams._draw("rnn_vs_lstm", lang)
    divider = 292
    left = [s for x0, _, x1, _, s in canvas.boxes if x1 <= divider]
    right = [s for x0, _, x1, _, s in canvas.boxes if x0 >= divider]
    assert len(left) + len(right) == len(canvas.boxes)  # nothing straddles the divider
    assert left.count("tanh") == 1 and "σ" not in left and not any(s.startswith("c_") for s in left)
    assert right.count("σ") == 3 and {"c_{t-1}", "c_t", "f_t", "i_t", "g_t", "o_t"} <= set(right)
    for side in (left, right):
        assert {"h_{t-1}", "x_t", "h_t"} <= set(side)
    svg = diagrams.render("rnn_vs_lstm", lang)
    assert svg.count("dg-box dg-sig") == 3 and svg.count("dg-box dg-tanh") == 2
    assert svg.count("dg-l dg-cell") == 3  # the cell state path exists only on the LSTM side
