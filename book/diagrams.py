"""The book's diagrams, drawn from code as small inline SVGs with real text in the page's language.

Contract with the MkDocs hook (hooks.py, directive ``::diagram <name>``):

    NAMES                 every diagram name, in reading order
    LANGS                 ("ko", "en")
    render(name, lang)    an inline-ready ``<svg ...>...</svg>`` string, byte-for-byte deterministic
    title(name, lang)     the short alt text / title in that language

The SVG is inlined into a page that has a light and a dark mode, so it carries no colour at all: every
element has ``dg-*`` classes, styled by docs/assets/diagrams.css from mkdocs-material's CSS variables.
No ``<style>`` (it would leak into the page), no images, no embedded fonts; every ``id`` starts with
``dg-<name>-`` so several diagrams can share a page. Text is ``<text>`` with ``<tspan>`` subscripts.

The LSTM and GRU cells are each described once (``_lstm``, ``_gru``); every element belongs to a *part*,
and the gate pages draw the same cell with a highlight set of parts (``HIGHLIGHTS``): highlighted parts
get ``dg-hl``, the others ``dg-dim``. Text widths are estimated per character (Hangul ~1 em, Latin
~0.55 em) and recorded by the canvas, so tests can check that no label overflows or overlaps.

``python -m book.diagrams OUTDIR`` writes OUTDIR/<name>.<lang>.svg (standalone: the stylesheet is
embedded there, with fallback colours) and OUTDIR/preview.html with a copy of diagrams.css (every
diagram inline, light and dark side by side, for a screenshot).
"""

import re
import sys
from pathlib import Path

NAMES = ("rnn_unrolled", "rnn_vs_lstm", "lstm_cell", "lstm_forget_gate", "lstm_input_gate", "lstm_state_update",
         "lstm_output_gate", "gru_cell", "gru_reset_gate", "gru_update_gate", "lstm_vs_gru")
LANGS = ("ko", "en")

CSS_PATH = Path(__file__).resolve().parents[1] / "docs" / "assets" / "diagrams.css"

# Page-language words. Korean terms follow book/glossary.yml.
WORDS = {
    "ko": {"cell": "셀 상태", "hidden": "은닉 상태", "input": "입력", "output": "출력", "time": "시간",
           "forget": "망각 게이트", "in_gate": "입력 게이트", "cand_c": "후보 셀 상태", "out_gate": "출력 게이트",
           "reset": "리셋 게이트", "update": "업데이트 게이트", "cand_h": "후보 은닉 상태",
           "lstm_head": "LSTM: 상태 2개, 게이트 3개", "gru_head": "GRU: 상태 1개, 게이트 2개",
           "rnn_head": "기본 RNN: 상태 1개, 게이트 없음"},
    "en": {"cell": "cell state", "hidden": "hidden state", "input": "input", "output": "output", "time": "time",
           "forget": "forget gate", "in_gate": "input gate", "cand_c": "candidate", "out_gate": "output gate",
           "reset": "reset gate", "update": "update gate", "cand_h": "candidate",
           "lstm_head": "LSTM: 2 states, 3 gates", "gru_head": "GRU: 1 state, 2 gates",
           "rnn_head": "Plain RNN: 1 state, no gates"},
}

TITLES = {
    "rnn_unrolled": ("시간 축으로 펼친 RNN", "An RNN unrolled in time"),
    "rnn_vs_lstm": ("기본 RNN 셀과 LSTM 셀", "The plain RNN cell and the LSTM cell"),
    "lstm_cell": ("LSTM 셀의 구조", "The LSTM cell"),
    "lstm_forget_gate": ("LSTM의 망각 게이트", "The LSTM forget gate"),
    "lstm_input_gate": ("LSTM의 입력 게이트와 후보 셀 상태", "The LSTM input gate and candidate"),
    "lstm_state_update": ("LSTM의 셀 상태 업데이트", "The LSTM cell state update"),
    "lstm_output_gate": ("LSTM의 출력 게이트", "The LSTM output gate"),
    "gru_cell": ("GRU 셀의 구조", "The GRU cell"),
    "gru_reset_gate": ("GRU의 리셋 게이트와 후보 은닉 상태", "The GRU reset gate and candidate"),
    "gru_update_gate": ("GRU의 업데이트 게이트", "The GRU update gate"),
    "lstm_vs_gru": ("LSTM과 GRU 비교", "LSTM and GRU side by side"),
}

DESCRIPTIONS = {
    "rnn_unrolled": (
        "같은 RNN 셀을 세 시간 단계에 걸쳐 펼친 그림입니다. 각 단계에서 입력 x와 이전 은닉 상태 h가 tanh를 "
        "거쳐 새 은닉 상태 h가 되고, 그 h가 출력이 되면서 오른쪽의 다음 단계로 넘어갑니다.",
        "The same RNN cell unrolled over three time steps. At each step the input x and the previous hidden "
        "state h pass through tanh to give the new hidden state h, which is the output and also moves right "
        "to the next step."),
    "rnn_vs_lstm": (
        "기본 RNN 셀과 LSTM 셀을 나란히 놓은 그림입니다. 왼쪽의 기본 RNN에서는 이전 은닉 상태 h와 입력 x가 "
        "tanh 층 하나를 거쳐 새 은닉 상태 h가 됩니다. 오른쪽의 LSTM에는 위쪽을 가로지르는 셀 상태 c가 더 있고, "
        "그 길에서는 망각 게이트 f와의 원소별 곱 ⊙과 i ⊙ g의 덧셈 +만 일어납니다. 아래쪽의 σ 세 개(f, i, o)와 "
        "tanh 하나(g)가 같은 h와 x를 보고, 출력 게이트 o가 tanh(c)를 걸러 새 은닉 상태 h를 만듭니다.",
        "The plain RNN cell and the LSTM cell side by side. In the plain RNN on the left, the previous hidden "
        "state h and the input x pass through a single tanh layer to give the new hidden state h. The LSTM on "
        "the right adds a cell state c across the top, on which only an elementwise product ⊙ with the forget "
        "gate f and the addition + of i ⊙ g happen. Below, three σ layers (f, i, o) and one tanh (g) see the "
        "same h and x, and the output gate o filters tanh(c) into the new hidden state h."),
    "lstm_cell": (
        "셀 상태 c가 위쪽을 가로지르며, 그 위에서 망각 게이트와의 원소별 곱 ⊙과 덧셈 +만 일어납니다. "
        "아래에서는 h와 x가 σ 세 개(f, i, o)와 tanh 하나(g)로 들어가고, 출력 게이트 o가 tanh(c)를 "
        "걸러 새 은닉 상태 h를 만듭니다.",
        "The cell state c runs straight across the top, where only an elementwise product ⊙ with the forget "
        "gate and an addition + touch it. Below, h and x feed three σ layers (f, i, o) and one tanh (g); the "
        "output gate o filters tanh(c) into the new hidden state h."),
    "lstm_forget_gate": (
        "LSTM 셀에서 망각 게이트 부분을 강조한 그림입니다. σ가 만든 f가 이전 셀 상태 c에 원소별로 곱해져 "
        "지울 부분을 정합니다.",
        "The LSTM cell with the forget gate highlighted: σ produces f, which multiplies the previous cell "
        "state c elementwise and decides what to erase."),
    "lstm_input_gate": (
        "LSTM 셀에서 입력 게이트 i와 후보 셀 상태 g를 강조한 그림입니다. σ가 만든 i와 tanh가 만든 g의 "
        "원소별 곱 ⊙이 셀 상태에 더할 새 내용이 됩니다.",
        "The LSTM cell with the input gate i and the candidate g highlighted: the elementwise product ⊙ of i "
        "(from σ) and g (from tanh) is the new content to add to the cell state."),
    "lstm_state_update": (
        "LSTM 셀에서 셀 상태의 길을 강조한 그림입니다. 이전 셀 상태 c에 f를 원소별로 곱하고 i ⊙ g를 더해 "
        "새 셀 상태 c가 됩니다.",
        "The LSTM cell with the cell state path highlighted: the previous cell state c is multiplied "
        "elementwise by f, then i ⊙ g is added, giving the new cell state c."),
    "lstm_output_gate": (
        "LSTM 셀에서 출력 게이트 부분을 강조한 그림입니다. σ가 만든 o가 tanh(c)에 원소별로 곱해져 새 은닉 "
        "상태 h가 되고, h는 오른쪽과 위쪽으로 나갑니다.",
        "The LSTM cell with the output gate highlighted: o (from σ) multiplies tanh(c) elementwise to give the "
        "new hidden state h, which leaves to the right and upwards."),
    "gru_cell": (
        "GRU 셀에는 은닉 상태 h 하나만 위쪽을 가로지릅니다. σ 두 개가 리셋 게이트 r과 업데이트 게이트 z를 "
        "만들고, r은 후보 은닉 상태 n을 만드는 tanh의 순환 항에 곱해지며, z는 1−를 거쳐 이전 상태와 "
        "후보를 섞습니다.",
        "In the GRU cell a single hidden state h runs across the top. Two σ layers give the reset gate r and "
        "the update gate z; r multiplies the recurrent term inside the tanh that builds the candidate n, and "
        "z, with 1− z, mixes the previous state and the candidate."),
    "gru_reset_gate": (
        "GRU 셀에서 리셋 게이트 r을 강조한 그림입니다. r은 행렬을 곱한 순환 항 W h에 원소별로 곱해진 뒤 "
        "tanh로 들어가 후보 은닉 상태 n을 만듭니다.",
        "The GRU cell with the reset gate r highlighted: r multiplies the recurrent term W h elementwise "
        "(after the matrix), which then enters the tanh that builds the candidate n."),
    "gru_update_gate": (
        "GRU 셀에서 업데이트 게이트 z를 강조한 그림입니다. 이전 은닉 상태에는 z를, 후보 n에는 1− z를 "
        "원소별로 곱해 더한 것이 새 은닉 상태 h가 됩니다.",
        "The GRU cell with the update gate z highlighted: the previous hidden state is multiplied by z, the "
        "candidate n by 1− z, and their sum is the new hidden state h."),
    "lstm_vs_gru": (
        "LSTM과 GRU를 나란히 놓은 그림입니다. LSTM에는 셀 상태 c와 은닉 상태 h 두 상태와 게이트 세 개"
        "(f, i, o)가 있고, GRU에는 은닉 상태 h 하나와 게이트 두 개(r, z)가 있습니다.",
        "LSTM and GRU side by side. The LSTM has two states, the cell state c and the hidden state h, and "
        "three gates (f, i, o); the GRU has one state h and two gates (r, z)."),
}

# Parts drawn in the highlight colour on each gate page; every other part is dimmed.
HIGHLIGHTS = {
    "lstm_forget_gate": ("lstm", {"f", "f_out", "f_op", "c_in"}),
    "lstm_input_gate": ("lstm", {"i", "i_out", "g", "g_out", "ig_op"}),
    "lstm_state_update": ("lstm", {"c_in", "f_op", "c_mid", "add", "c_out", "cell_word", "f_out", "ig_op", "ig_out"}),
    "lstm_output_gate": ("lstm", {"o", "o_out", "tanh_c", "h_op", "h_out"}),
    "gru_reset_gate": ("gru", {"r", "r_out", "r_op", "w_hn", "rn", "n"}),
    "gru_update_gate": ("gru", {"z", "z_out", "zh_op", "one_minus", "zn_op", "zn_out", "add", "h_mid", "h_out"}),
}

MARKER_SIZE = {"ink": 9, "hl": 11, "cell": 14, "hlcell": 15}
SIZES = {"t": 13, "m": 16, "s": 17, "n": 12, "h": 15}  # font size per text class dg-<key>


def _check(name, lang):
    if name not in NAMES:
        raise ValueError(f"unknown diagram {name!r}; valid names: {', '.join(NAMES)}")
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; valid languages: {', '.join(LANGS)}")


def title(name, lang):
    _check(name, lang)
    return TITLES[name][LANGS.index(lang)]


def render(name, lang):
    return _draw(name, lang).svg()


def _draw(name, lang):
    """The finished canvas (its SVG and its recorded text boxes)."""
    _check(name, lang)
    if name == "rnn_unrolled":
        return _rnn(name, lang)
    if name == "lstm_vs_gru":
        return _compare(name, lang)
    if name == "rnn_vs_lstm":
        return _rnn_vs_lstm(name, lang)
    kind, highlight = HIGHLIGHTS.get(name, (name.split("_")[0], None))
    canvas = _Canvas(name, lang, 640, 378, highlight)
    (_lstm if kind == "lstm" else _gru)(canvas)
    return canvas


# --- text measurement --------------------------------------------------------------------------

def _char_em(ch):
    if "\uac00" <= ch <= "\ud7a3":
        return 1.0
    if ch == " ":
        return 0.3
    if ch in "ijlt1()rf.,:":
        return 0.4
    if ch.isupper() or ch in "mwσ⊙−+":
        return 0.72
    return 0.58


def text_width(runs, size):
    """Estimated width of text runs [(string, is_subscript)] at a font size (user units)."""
    return sum(_char_em(ch) * (size * (0.7 if sub else 1)) for s, sub in runs for ch in s)


def _runs(s):
    """Split math markup 'h_{t-1}' into [('h', False), ('t−1', True)]; '-' in a subscript becomes '−'."""
    runs = []
    for m in re.finditer(r"_\{([^}]*)\}|_(\w)|([^_]+)", s):
        if m.group(3) is not None:
            runs.append((m.group(3), False))
        else:
            runs.append(((m.group(1) or m.group(2)).replace("-", "−"), True))
    return runs


def _esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _n(v):
    """A coordinate with at most one decimal, without trailing zeros."""
    v = round(v, 1)
    return str(int(v)) if v == int(v) else f"{v:.1f}"


# --- the canvas ----------------------------------------------------------------------------------

class _Canvas:
    """Collects SVG elements; each belongs to a part, which decides its highlight state."""

    def __init__(self, name, lang, width, height, highlight=None, texts=None):
        self.name, self.lang, self.w, self.h = name, lang, width, height
        self.texts = texts  # (title, description) for a diagram drawn outside this module
        self.words = WORDS[lang]
        self.highlight = highlight  # None: no highlighting; a set: highlight these parts, dim the rest
        self.body = []
        self.boxes = []  # (x0, y0, x1, y1, text) of every text, estimated
        self.rects = []  # (x0, y0, x1, y1) of every box a text may sit in
        self.markers = set()

    def state(self, part):
        if self.highlight is None or part is None:
            return ""
        return " dg-hl" if part in self.highlight else " dg-dim"

    def _arrow(self, cls):
        kind = ("hl" if "dg-hl" in cls else "") + ("cell" if "dg-cell" in cls else "") or "ink"
        self.markers.add(kind)
        return f' marker-end="url(#dg-{self.name}-{kind})"'

    def line(self, d, part=None, arrow=True, cls="dg-l"):
        cls += self.state(part)
        end = self._arrow(cls) if arrow else ""
        self.body.append(f'<path class="{cls}" d="{d}"{end}/>')

    def gap(self, d):
        """A wider stroke in the cell's background colour: lets a line pass over another."""
        self.body.append(f'<path class="dg-gap" d="{d}"/>')

    def rect(self, cx, cy, w, h, cls, part=None, r=6):
        if cls != "dg-frame":
            self.rects.append((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
        self.body.append(f'<rect class="{cls}{self.state(part)}" x="{_n(cx - w / 2)}" y="{_n(cy - h / 2)}" '
                         f'width="{_n(w)}" height="{_n(h)}" rx="{r}"/>')

    def dot(self, x, y, part=None):
        self.body.append(f'<circle class="dg-ink{self.state(part)}" cx="{_n(x)}" cy="{_n(y)}" r="3"/>')

    def op(self, x, y, kind, part=None, r=11):
        """A pointwise operation node: '*' is ⊙ (circle with a centre dot), '+' a circled plus."""
        st = self.state(part)
        self.body.append(f'<circle class="dg-op{st}" cx="{_n(x)}" cy="{_n(y)}" r="{r}"/>')
        if kind == "*":
            self.body.append(f'<circle class="dg-ink{st}" cx="{_n(x)}" cy="{_n(y)}" r="2.6"/>')
        else:
            k = r - 4
            self.body.append(f'<path class="dg-l{st}" d="M{_n(x - k)} {_n(y)}H{_n(x + k)}M{_n(x)} '
                             f'{_n(y - k)}V{_n(y + k)}"/>')

    def text(self, x, y, s, key="t", part=None, anchor="middle"):
        """Text with baseline y; key picks the class dg-<key> (font size SIZES[key]); math uses key 'm'."""
        size = SIZES[key]
        runs = _runs(s) if key == "m" else [(s, False)]
        width = text_width(runs, size)
        x0 = x - {"start": 0, "middle": width / 2, "end": width}[anchor]
        self.boxes.append((x0, y - 0.78 * size, x0 + width, y + (0.3 if len(runs) > 1 else 0.22) * size, s))
        shift = round(0.3 * size)
        content, down = "", False
        for run, sub in runs:
            if sub:
                content += f'<tspan class="dg-sub" dy="{shift}">{_esc(run)}</tspan>'
                down = True
            elif down:
                content += f'<tspan dy="-{shift}">{_esc(run)}</tspan>'
                down = False
            else:
                content += _esc(run)
        a = "" if anchor == "start" else f' text-anchor="{anchor}"'
        self.body.append(f'<text class="dg-{key}{self.state(part)}" x="{_n(x)}" y="{_n(y)}"{a}>{content}</text>')

    def layer(self, x, y, fn, gate_word, part, w=92, h=44):
        """A neural-network layer: σ or tanh over the gate's name."""
        self.rect(x, y, w, h, "dg-box dg-" + ("sig" if fn == "σ" else "tanh"), part)
        self.text(x, y - 2, fn, "s", part)
        self.text(x, y + 16, gate_word, "n", part)

    def svg(self):
        n = self.name
        # Heads are sized in user units (not by stroke width); the tip lies 0.3 head past the line's end,
        # where the head is still wider than the line.
        marks = "".join(f'<marker id="dg-{n}-{k}" viewBox="0 0 10 10" refX="7" refY="5" markerUnits="userSpaceOnUse" '
                        f'markerWidth="{MARKER_SIZE[k]}" markerHeight="{MARKER_SIZE[k]}" orient="auto">'
                        f'<path class="dg-head-{"hl" if k.startswith("hl") else k}" d="M0 0L10 5L0 10z"/></marker>'
                        for k in sorted(self.markers))
        i = LANGS.index(self.lang)
        title, desc = self.texts or (TITLES[n][i], DESCRIPTIONS[n][i])
        return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.w} {self.h}" class="dg" role="img" '
                f'aria-labelledby="dg-{n}-title dg-{n}-desc">'
                f'<title id="dg-{n}-title">{_esc(title)}</title>'
                f'<desc id="dg-{n}-desc">{_esc(desc)}</desc>'
                f'<defs>{marks}</defs>' + "".join(self.body) + "</svg>")


# --- the cells -------------------------------------------------------------------------------------
# Both cells share one frame (640 x 378): the state line enters on the left at x=52 and leaves on the
# right at x=588; the cell's background spans x 64..560, y 28..322; the top state line is at y=62 and
# the layer boxes are centred at y=234, on columns about 100 units apart. Arrows stop 2 units short of
# their target's edge (the arrowhead's tip reaches it).

def _frame(c):
    c.rect(312, 175, 496, 294, "dg-frame", None, 14)


def _lstm(c):
    W = c.words
    _frame(c)
    # cell state: the long-term memory path along the top
    c.line("M52 62H119", "c_in", False, "dg-l dg-cell")
    c.line("M141 62H323", "c_mid", False, "dg-l dg-cell")
    c.line("M345 62H586", "c_out", True, "dg-l dg-cell")
    c.text(46, 68, "c_{t-1}", "m", "c_in", "end")
    c.text(598, 68, "c_t", "m", "c_out", "start")
    c.text(232, 52, W["cell"], "t", "cell_word")
    # inputs: h_{t-1} along the bottom, x_t from below; taps into the four layers
    c.line("M52 290H446V258", "bus")
    c.line("M100 352V293", "x_in")
    c.text(46, 296, "h_{t-1}", "m", "bus", "end")
    c.text(100, 372, "x_t", "m", "x_in")
    c.text(116, 372, W["input"], "t", "x_in", "start")
    for x in (100, 130, 232, 334):
        c.dot(x, 290, "bus")
    for x, gate in ((130, "f"), (232, "i"), (334, "g")):
        c.line(f"M{x} 290V258", gate)
    # the four layers
    c.layer(130, 234, "σ", W["forget"], "f")
    c.layer(232, 234, "σ", W["in_gate"], "i")
    c.layer(334, 234, "tanh", W["cand_c"], "g")
    c.layer(446, 234, "σ", W["out_gate"], "o")
    # forget: f_t ⊙ c_{t-1}
    c.line("M130 212V75", "f_out")
    c.text(138, 160, "f_t", "m", "f_out", "start")
    c.op(130, 62, "*", "f_op")
    # input: i_t ⊙ g_t, added to the cell state
    c.line("M232 212V140H321", "i_out")
    c.text(276, 128, "i_t", "m", "i_out")
    c.line("M334 212V153", "g_out")
    c.text(342, 190, "g_t", "m", "g_out", "start")
    c.op(334, 140, "*", "ig_op")
    c.line("M334 129V75", "ig_out")
    c.op(334, 62, "+", "add")
    # output: h_t = o_t ⊙ tanh(c_t), leaving to the right (next step) and upwards (output)
    c.dot(500, 62, "tanh_c")
    c.line("M500 62V102", "tanh_c")
    c.rect(500, 118, 58, 28, "dg-op", "tanh_c", 14)
    c.text(500, 124, "tanh", "s", "tanh_c")
    c.line("M500 132V177", "tanh_c")
    c.line("M446 212V190H487", "o_out")
    c.text(466, 178, "o_t", "m", "o_out")
    c.op(500, 190, "*", "h_op")
    c.line("M500 201V290H586", "h_out")
    c.dot(544, 290, "h_out")
    c.gap("M544 52V72")
    c.line("M544 290V12", "h_out")
    c.text(596, 296, "h_t", "m", "h_out", "start")
    c.text(554, 22, "h_t", "m", "h_out", "start")
    c.text(578, 22, W["output"], "t", "h_out", "start")
    c.text(552, 316, W["hidden"], "t", "h_out")


def _gru(c):
    W = c.words
    z, r, w, n = 128, 236, 330, 446  # columns: update gate, reset gate, W_hn, candidate
    _frame(c)
    # the one state: h along the top
    c.line(f"M52 62H{z - 11}", "h_in", False, "dg-l dg-cell")
    c.line(f"M{z + 11} 62H{n - 11}", "h_mid", False, "dg-l dg-cell")
    c.line(f"M{n + 11} 62H586", "h_out", True, "dg-l dg-cell")
    c.text(46, 68, "h_{t-1}", "m", "h_in", "end")
    c.text(598, 68, "h_t", "m", "h_out", "start")
    c.dot(544, 62, "h_out")
    c.line("M544 62V12", "h_out")
    c.text(554, 22, "h_t", "m", "h_out", "start")
    c.text(578, 22, W["output"], "t", "h_out", "start")
    c.text(290, 52, W["hidden"], "t", "h_mid")
    # inputs: h_{t-1} drops to y=278, x_t enters at y=308; both feed the gates' layers
    c.dot(68, 62, "h_in")
    c.line(f"M68 62V278H{w}V251", "w_hn")
    c.line(f"M52 308H{n}V196", "x_in")
    c.text(46, 314, "x_t", "m", "x_in", "end")
    c.text(46, 340, W["input"], "t", "x_in", "end")
    for x, gate in ((z, "z"), (r, "r")):
        c.dot(x, 308, "x_in")
        c.dot(x, 278, "w_hn")
        c.line(f"M{x} 308V258", gate)
    # the layers: z, r, and the candidate's tanh; W_hn is the recurrent term that r scales
    c.layer(z, 234, "σ", W["update"], "z", w=100)
    c.layer(r, 234, "σ", W["reset"], "r", w=100)
    c.rect(w, 234, 48, 32, "dg-box dg-lin", "w_hn")
    c.text(w, 239, "W_{hn}", "m", "w_hn")
    c.layer(n, 172, "tanh", W["cand_h"], "n", w=100)
    # reset: r_t ⊙ (W_hn h_{t-1} + b_hn) enters the tanh
    c.line(f"M{r} 212V172H{w - 13}", "r_out")
    c.text((r + w) / 2, 160, "r_t", "m", "r_out")
    c.line(f"M{w} 218V185", "w_hn")
    c.op(w, 172, "*", "r_op")
    c.line(f"M{w + 11} 172H{n - 52}", "rn")
    # update: h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}
    c.line(f"M{z} 212V75", "z_out")
    c.text(z + 8, 190, "z_t", "m", "z_out", "start")
    c.op(z, 62, "*", "zh_op")
    c.dot(z, 106, "one_minus")
    c.line(f"M{z} 106H271", "one_minus")
    c.rect(290, 106, 34, 24, "dg-op", "one_minus", 12)
    c.text(290, 112, "1−", "s", "one_minus")
    c.line(f"M307 106H{n - 13}", "one_minus")
    c.line(f"M{n} 150V119", "n_out")
    c.text(n + 8, 140, "n_t", "m", "n_out", "start")
    c.op(n, 106, "*", "zn_op")
    c.line(f"M{n} 95V75", "zn_out")
    c.op(n, 62, "+", "add")


def _rnn(name, lang):
    """One tanh cell per time step; the hidden state runs right and is also the output."""
    c = _Canvas(name, lang, 640, 300)
    W = c.words
    c.text(12, 40, W["hidden"], "t", anchor="start")
    c.text(12, 272, W["input"], "t", anchor="start")
    c.line("M70 150H114")
    c.text(92, 141, "h_{t-2}", "m")
    for x, t in ((160, "t-1"), (330, "t"), (500, "t+1")):
        c.rect(x, 150, 84, 56, "dg-box dg-tanh")
        c.text(x, 156, "tanh", "s")
        c.line(f"M{x} 250V182")
        c.text(x, 272, f"x_{{{t}}}", "m")
        c.line(f"M{x + 42} 150H{x + 126}")
        c.text(x + 100, 141, f"h_{{{t}}}", "m")
        c.dot(x + 62, 150)
        c.line(f"M{x + 62} 150V54")
        c.text(x + 62, 40, f"h_{{{t}}}", "m")
    c.line("M90 292H556", cls="dg-l dg-axis")
    c.text(564, 296, W["time"], "t", anchor="start")
    return c


def _compare(name, lang):
    """LSTM and GRU as inventories: their state paths, their σ gates and their tanh candidate."""
    c = _Canvas(name, lang, 640, 262)
    W = c.words
    c.line("M320 8V254", arrow=False, cls="dg-l dg-axis")
    models = (
        (0, "lstm_head", (("c", "cell"), ("h", "hidden")), (("f", "forget"), ("i", "in_gate"), ("o", "out_gate")),
         ("g", "cand_c")),
        (320, "gru_head", (("h", "hidden"),), (("r", "reset"), ("z", "update")), ("n", "cand_h")),
    )
    for x0, head, states, gates, (cand, cand_word) in models:
        c.text(x0 + 160, 24, W[head], "h")
        for row, (sym, word) in enumerate(states):
            y = 72 + 48 * row
            c.line(f"M{x0 + 64} {y}H{x0 + 250}", cls="dg-l dg-cell" if row == 0 else "dg-l")
            c.text(x0 + 58, y + 6, f"{sym}_{{t-1}}", "m", anchor="end")
            c.text(x0 + 262, y + 6, f"{sym}_t", "m", anchor="start")
            c.text(x0 + 156, y - 9, W[word], "t")
        for col, (sym, word) in enumerate(gates):
            _chip(c, x0 + 60 + 100 * col, 180, "σ", f"{sym}_t", W[word])
        _chip(c, x0 + 60, 232, "tanh", f"{cand}_t", W[cand_word])
    return c


def _rnn_vs_lstm(name, lang):
    """The plain RNN cell (one tanh layer) beside a compact LSTM cell (the cell state on top, four
    layers below), drawn on the same rows: h_{t-1} enters along y=240, x_t from below, layers at y=200."""
    c = _Canvas(name, lang, 680, 320)
    W = c.words
    c.line("M292 8V312", arrow=False, cls="dg-l dg-axis")
    # left: the plain RNN, h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
    c.text(150, 32, W["rnn_head"], "h")
    c.rect(150, 161, 200, 202, "dg-frame", None, 14)
    c.line("M46 240H130V224")
    c.text(42, 246, "h_{t-1}", "m", anchor="end")
    c.line("M170 300V224")
    c.text(170, 314, "x_t", "m")
    c.text(182, 314, W["input"], "t", anchor="start")
    c.rect(150, 200, 84, 44, "dg-box dg-tanh")
    c.text(150, 206, "tanh", "s")
    c.line("M150 178V84H254")
    c.text(262, 90, "h_t", "m", anchor="start")
    c.text(204, 76, W["hidden"], "t")
    # right: the LSTM, the same inputs and four layers, and the cell state across the top
    X = 12
    c.text(492, 32, W["lstm_head"], "h")
    c.rect(492, 161, 300, 202, "dg-frame", None, 14)
    f, i, g, o, out = (x + X for x in (380, 436, 492, 552, 600))
    c.line(f"M{322 + X} 84H{f - 11}", cls="dg-l dg-cell", arrow=False)
    c.line(f"M{f + 11} 84H{g - 11}", cls="dg-l dg-cell", arrow=False)
    c.line(f"M{g + 11} 84H{660}", cls="dg-l dg-cell")
    c.text(318 + X, 90, "c_{t-1}", "m", anchor="end")
    c.text(664, 90, "c_t", "m", anchor="start")
    c.text((f + g) / 2, 74, W["cell"], "t")
    c.op(f, 84, "*")
    c.op(g, 84, "+")
    c.line(f"M{322 + X} 240H{o}V220")
    c.text(318 + X, 246, "h_{t-1}", "m", anchor="end")
    for x in (f, i, g):
        c.dot(x, 240)
        c.line(f"M{x} 240V220")
    c.dot(356 + X, 240)
    c.line(f"M{356 + X} 300V243")
    c.text(356 + X, 314, "x_t", "m")
    c.text(368 + X, 314, W["input"], "t", anchor="start")
    for x, fn in ((f, "σ"), (i, "σ"), (g, "tanh"), (o, "σ")):
        c.rect(x, 200, 48, 36, "dg-box dg-" + ("sig" if fn == "σ" else "tanh"))
        c.text(x, 206, fn, "s")
    c.line(f"M{f} 182V97")                      # f_t ⊙ c_{t-1}
    c.text(f + 8, 150, "f_t", "m", anchor="start")
    c.line(f"M{i} 182V140H{g - 13}")            # i_t ⊙ g_t, added to the cell state
    c.text((i + g) / 2, 132, "i_t", "m")
    c.line(f"M{g} 182V153")
    c.text(g + 8, 174, "g_t", "m", anchor="start")
    c.op(g, 140, "*")
    c.line(f"M{g} 129V97")
    c.dot(out, 84)                              # h_t = o_t ⊙ tanh(c_t)
    c.line(f"M{out} 84V104")
    c.rect(out, 118, 44, 24, "dg-op", None, 12)
    c.text(out, 124, "tanh", "n")
    c.line(f"M{out} 130V157")
    c.line(f"M{o} 182V170H{out - 13}")
    c.text((o + out) / 2, 162, "o_t", "m")
    c.op(out, 170, "*")
    c.line(f"M{out} 181V256H660")
    c.text(664, 262, "h_t", "m", anchor="start")
    c.text(out - 8, 282, W["hidden"], "t")
    return c


def _chip(c, x, y, fn, sym, word):
    """A small layer: function and output symbol on one line, the name below."""
    c.rect(x, y, 94, 42, "dg-box dg-" + ("sig" if fn == "σ" else "tanh"))
    left, right = (-12, 12) if fn == "σ" else (-14, 24)
    c.text(x + left, y - 2, fn, "s")
    c.text(x + right, y - 2, sym, "m")
    c.text(x, y + 15, word, "n")


# --- standalone files ------------------------------------------------------------------------------

FALLBACK = (":root{--md-hue:225deg;--md-default-fg-color:rgba(0,0,0,.87);"
            "--md-default-fg-color--light:rgba(0,0,0,.54);--md-default-bg-color:#fff;"
            "--md-primary-fg-color:#4051b5;--md-accent-fg-color:#ff6e42;--md-code-bg-color:#f5f5f5}")
FALLBACK_SLATE = ('[data-md-color-scheme="slate"]{--md-default-fg-color:rgba(226,228,233,.82);'
                  "--md-default-fg-color--light:rgba(226,228,233,.56);--md-default-bg-color:#1e2129;"
                  "--md-code-bg-color:#282c36}")


def standalone(name, lang):
    """The SVG with the stylesheet and fallback colours embedded (for files, never for pages)."""
    style = FALLBACK + ".dg{font-family:system-ui,'Noto Sans CJK KR',sans-serif}" + CSS_PATH.read_text(encoding="utf-8")
    svg = render(name, lang)
    return svg.replace("<defs>", f"<style>{_esc(style)}</style><defs>", 1)


def write_all(outdir):
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
        for lang in LANGS:
            (out / f"{name}.{lang}.svg").write_text(standalone(name, lang), encoding="utf-8")

    def figures(copy):  # ids get a per-copy prefix: markers resolve to the first id on a page
        return "".join(f"<figure><figcaption>{name} · {lang}</figcaption>"
                       f"{render(name, lang).replace(f'dg-{name}-', f'dg-{name}-{copy}')}</figure>"
                       for name in NAMES for lang in LANGS)

    (out / "diagrams.css").write_text(CSS_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    page = ("<!doctype html><meta charset=utf-8><title>diagrams</title>"
            f'<link rel="stylesheet" href="diagrams.css"><style>{FALLBACK}{FALLBACK_SLATE}'
            "body{margin:0;font-family:system-ui,'Noto Sans CJK KR',sans-serif;display:flex}"
            ".col{flex:1;padding:8px;background:var(--md-default-bg-color);color:var(--md-default-fg-color)}"
            "figure{margin:0 0 24px}figcaption{font:12px monospace}</style>"
            f'<div class="col">{figures("a")}</div><div class="col" data-md-color-scheme="slate">{figures("b")}</div>')
    (out / "preview.html").write_text(page, encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m book.diagrams OUTDIR")
    write_all(sys.argv[1])
