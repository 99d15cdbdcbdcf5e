"""Backward diagrams of the LSTM and GRU cells: where the gradient flows in one step.

Drawn with the canvas of book/diagrams.py (same classes, same stylesheet docs/assets/diagrams.css,
same text measurement) and the same contract with the hook (``::diagram <name>``): NAMES, LANGS,
render(name, lang), title(name, lang). Every arrow points the way the gradient travels, from the
step's outputs (right) back to its inputs (left and bottom). The direct path of the state, along
the top, is drawn as the cell-state line and highlighted: on it the gradient meets only one
elementwise product (f_t for the LSTM, z_t for the GRU) and one addition.
"""

from book.diagrams import LANGS, MARKER_SIZE, _Canvas, _esc

NAMES = ("lstm_backward", "gru_backward")

WORDS = {
    "ko": {"lstm_path": "셀 상태: 덧셈으로 이어진 경로", "gru_path": "은닉 상태: 직접 경로",
           "from_next": "다음 단계에서", "to_prev": "이전 단계로", "input": "입력으로"},
    "en": {"lstm_path": "cell state: the additive path", "gru_path": "hidden state: the direct path",
           "from_next": "from the next step", "to_prev": "to the previous step", "input": "to the input"},
}

TITLES = {
    "lstm_backward": ("LSTM 셀의 역전파: 기울기의 흐름", "The LSTM cell backwards: where the gradient flows"),
    "gru_backward": ("GRU 셀의 역전파: 기울기의 흐름", "The GRU cell backwards: where the gradient flows"),
}

DESCRIPTIONS = {
    "lstm_backward": (
        "LSTM 한 단계의 역전파입니다. 위쪽의 셀 상태 경로에서 기울기 δc는 덧셈 하나와 망각 게이트 f와의 원소별 곱 "
        "하나만 거쳐 이전 단계로 갑니다. 오른쪽에서 들어온 δh는 출력 게이트의 기울기 δo가 되고, o와 tanh의 미분을 "
        "거쳐 δc에 더해집니다. δc에서 δf, δi, δg가 나오고, 네 게이트의 기울기는 σ와 tanh의 미분을 거쳐 δa로 "
        "모인 다음 W_hh의 전치를 거쳐 δh_{t−1}이, W_ih의 전치를 거쳐 δx가 됩니다.",
        "One LSTM step backwards. Along the cell-state path at the top, the gradient δc reaches the previous "
        "step through one addition and one elementwise product with the forget gate f. δh enters from the "
        "right, becomes the output gate's gradient δo, and joins δc through o and the derivative of tanh. "
        "From δc come δf, δi and δg; the four gate gradients pass the derivatives of σ and tanh into δa, "
        "which gives δh_{t−1} through the transpose of W_hh and δx through the transpose of W_ih."),
    "gru_backward": (
        "GRU 한 단계의 역전파입니다. 위쪽의 직접 경로에서 기울기 δh는 업데이트 게이트 z와의 원소별 곱 하나만 거쳐 "
        "이전 단계로 갑니다. 같은 δh에서 후보의 기울기 δn과 업데이트 게이트의 기울기 δz가 나오고, δn은 tanh의 "
        "미분을 거쳐 리셋 게이트의 기울기 δr을 만듭니다. 게이트의 기울기는 δa로 모인 다음 W_hh의 전치를 거쳐 "
        "직접 경로에 더해지고, W_ih의 전치를 거쳐 δx가 됩니다.",
        "One GRU step backwards. Along the direct path at the top, the gradient δh reaches the previous step "
        "through one elementwise product with the update gate z. The same δh gives the candidate's gradient "
        "δn and the update gate's gradient δz; δn passes the derivative of tanh and gives the reset gate's "
        "gradient δr. The gate gradients gather in δa, which joins the direct path through the transpose of "
        "W_hh and gives δx through the transpose of W_ih."),
}


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
    """The finished canvas (its SVG and its recorded text and box outlines, for the tests)."""
    _check(name, lang)
    canvas = _BackwardCanvas(name, lang, 640, 400, {"path"})
    (_lstm if name == "lstm_backward" else _gru)(canvas)
    return canvas


class _BackwardCanvas(_Canvas):
    """The diagrams' canvas with this module's titles; parts outside the highlight are not dimmed."""

    def state(self, part):
        return " dg-hl" if part in (self.highlight or ()) else ""

    def svg(self):
        n, i = self.name, LANGS.index(self.lang)
        marks = "".join(f'<marker id="dg-{n}-{k}" viewBox="0 0 10 10" refX="7" refY="5" markerUnits="userSpaceOnUse" '
                        f'markerWidth="{MARKER_SIZE[k]}" markerHeight="{MARKER_SIZE[k]}" orient="auto">'
                        f'<path class="dg-head-{"hl" if k.startswith("hl") else k}" d="M0 0L10 5L0 10z"/></marker>'
                        for k in sorted(self.markers))
        return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.w} {self.h}" class="dg" role="img" '
                f'aria-labelledby="dg-{n}-title dg-{n}-desc">'
                f'<title id="dg-{n}-title">{_esc(TITLES[n][i])}</title>'
                f'<desc id="dg-{n}-desc">{_esc(DESCRIPTIONS[n][i])}</desc>'
                f'<defs>{marks}</defs>' + "".join(self.body) + "</svg>")


def _gate_box(c, x, top, grad, factor, fn, derivative_label, width=96):
    """A box δgate = ... ⊙ factor, then the activation's derivative down to the δa bus at y=292."""
    c.rect(x, top + 24, width, 48, f"dg-box dg-{fn}")
    c.text(x, top + 20, grad, "m")
    c.text(x, top + 40, factor, "m")
    c.line(f"M{x} {top + 48}V290")
    c.text(x + 6, top + 80, derivative_label, "m", anchor="start")


# Both cells: frame x 64..576, y 24..352; the state path along the top at y=62 runs right to left;
# the gate boxes stand in a row (tops at y=150); their gradients gather on the δa bus at y=292, which
# leads to the W_hh^T box on the left (to the previous step) and the W_ih^T box below (to the input).

def _frame(c):
    c.rect(320, 188, 512, 328, "dg-frame", None, 14)


def _bottom(c, x_label, x_input):
    W = c.words_backward
    c.line("M540 292H166", None, False)
    c.text(x_label, 286, "δa_t", "m")
    c.rect(128, 292, 72, 36, "dg-box dg-lin")
    c.text(128, 298, "W_{hh}ᵀ", "m")
    c.dot(x_input, 292)
    c.line(f"M{x_input} 292V332")
    c.rect(x_input, 352, 72, 36, "dg-box dg-lin")
    c.text(x_input, 358, "W_{ih}ᵀ", "m")
    c.line(f"M{x_input} 370V396")
    c.text(x_input + 12, 392, "δx_t", "m", anchor="start")
    c.text(x_input + 48, 392, W["input"], "n", anchor="start")


def _lstm(c):
    W = c.words_backward = WORDS[c.lang]
    _frame(c)
    # the cell state: δc_t^next enters on the right, + adds the share through h_t, ⊙ f_t hands it back
    c.line("M588 62H481", "path", False, "dg-l dg-cell")
    c.op(470, 62, "+", "path")
    c.line("M459 62H181", "path", False, "dg-l dg-cell")
    c.op(170, 62, "*", "path")
    c.line("M159 62H54", "path", True, "dg-l dg-cell")
    c.text(170, 42, "f_t", "m", "path")
    c.text(300, 44, W["lstm_path"], "t", "path")
    c.text(598, 68, "δc_t", "m", "path", "start")
    c.text(46, 68, "δc_{t-1}", "m", "path", "end")
    # δh_t enters on the right: to the output gate, and through o_t ⊙ tanh'(c_t) into the cell state
    c.line("M588 112H546", None, False)
    c.text(598, 118, "δh_t", "m", anchor="start")
    c.dot(540, 112)
    c.line("M540 112H470V75")
    c.text(462, 100, "o_t (1 − tanh² c_t)", "m", anchor="end")
    c.line("M540 112V148")
    # δc_t taps down to the forget gate, input gate and candidate
    c.dot(320, 62)
    c.line("M320 62V124", None, False)
    c.text(314, 100, "δc_t", "m", anchor="end")
    c.line("M200 124H420", None, False)
    for x in (200, 320, 420):
        c.line(f"M{x} 124V148")
    _gate_box(c, 200, 150, "δf_t", "⊙ c_{t-1}", "sig", "σ′")
    _gate_box(c, 320, 150, "δi_t", "⊙ g_t", "sig", "σ′")
    _gate_box(c, 420, 150, "δg_t", "⊙ i_t", "tanh", "tanh′")
    _gate_box(c, 540, 150, "δo_t", "⊙ tanh c_t", "sig", "σ′")
    _bottom(c, 480, 260)
    c.line("M92 292H54")
    c.text(46, 298, "δh_{t-1}", "m", anchor="end")
    c.text(92, 330, W["to_prev"], "n")


def _gru(c):
    W = c.words_backward = WORDS[c.lang]
    _frame(c)
    # the hidden state's direct path: δh_t enters on the right, ⊙ z_t, then + the share through W_hh^T
    c.line("M588 62H191", "path", False, "dg-l dg-cell")
    c.op(180, 62, "*", "path")
    c.line("M169 62H139", "path", False, "dg-l dg-cell")
    c.op(128, 62, "+", "path")
    c.line("M117 62H54", "path", True, "dg-l dg-cell")
    c.text(180, 42, "z_t", "m", "path")
    c.text(360, 44, W["gru_path"], "t", "path")
    c.text(598, 68, "δh_t", "m", "path", "start")
    c.text(46, 68, "δh_{t-1}", "m", "path", "end")
    # δh_t taps down to the update gate and the candidate
    c.dot(470, 62)
    c.line("M470 62V100", None, False)
    c.line("M230 100H470", None, False)
    c.line("M230 100V148")
    c.line("M360 100V148")
    _gate_box(c, 230, 150, "δz_t", "⊙ (h_{t-1} − n_t)", "sig", "σ′", width=124)
    # the candidate; its pre-activation gradient δa_n also feeds the reset gate (reset after)
    c.rect(360, 174, 96, 48, "dg-box dg-tanh")
    c.text(360, 170, "δn_t", "m")
    c.text(360, 190, "⊙ (1 − z_t)", "m")
    c.line("M360 198V290")
    c.text(366, 230, "tanh′", "m", anchor="start")
    c.dot(360, 250)
    c.line("M360 250H436")
    c.text(398, 270, "δa_n", "m")
    c.rect(500, 250, 124, 48, "dg-box dg-sig")
    c.text(500, 246, "δr_t", "m")
    c.text(500, 266, "⊙ (W_{hn} h + b)", "m")
    c.line("M500 274V290")
    c.text(508, 287, "σ′", "m", anchor="start")
    _bottom(c, 300, 300)
    c.line("M128 274V75")
    c.text(120, 180, W["to_prev"], "n", anchor="end")
