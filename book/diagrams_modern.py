"""Diagrams of the part "Gates after 2017": one minGRU step and one mLSTM step.

Drawn with the canvas of book/diagrams.py (same classes, same stylesheet docs/assets/diagrams.css,
same text measurement) and the same contract with the hook (``::diagram <name>``): NAMES, LANGS,
render(name, lang), title(name, lang).
"""

from book.diagrams import LANGS, _Canvas

NAMES = ("mingru_step", "mlstm_step")

WORDS = {
    "ko": {"hidden": "은닉 상태", "input": "입력", "update": "업데이트 게이트", "cand": "후보 은닉 상태",
           "no_past": "게이트는 입력만 봅니다", "memory": "행렬 메모리", "write": "쓰기", "read": "읽기",
           "normalizer": "정규화 상태", "key": "키", "value": "값", "query": "쿼리", "output": "출력",
           "decay": "망각 게이트", "in_gate": "입력 게이트"},
    "en": {"hidden": "hidden state", "input": "input", "update": "update gate", "cand": "candidate",
           "no_past": "the gates see only the input", "memory": "matrix memory", "write": "write", "read": "read",
           "normalizer": "normalizer", "key": "key", "value": "value", "query": "query", "output": "output",
           "decay": "forget gate", "in_gate": "input gate"},
}

TITLES = {
    "mingru_step": ("minGRU 한 단계", "One minGRU step"),
    "mlstm_step": ("mLSTM 한 단계: 행렬 메모리에 쓰고 읽기", "One mLSTM step: writing to and reading from the matrix memory"),
}

DESCRIPTIONS = {
    "mingru_step": (
        "minGRU 한 단계입니다. 위쪽의 은닉 상태 경로에서 h_{t−1}은 1 − z_t와 원소별로 곱해지고, z_t와 후보 h̃_t의 "
        "원소별 곱이 더해져 h_t가 됩니다. 업데이트 게이트 z_t와 후보 h̃_t는 아래에서 들어오는 입력 x_t만으로 "
        "계산되고, h_{t−1}에서 게이트로 내려가는 선은 없습니다. 그래서 단계마다 h_t = a_t ⊙ h_{t−1} + b_t이고 "
        "a_t와 b_t는 모든 단계에 대해 미리 계산할 수 있습니다.",
        "One minGRU step. Along the hidden-state path at the top, h_{t−1} is multiplied elementwise by 1 − z_t, "
        "and the product of z_t and the candidate h̃_t is added to give h_t. The update gate z_t and the "
        "candidate h̃_t are computed from the input x_t alone, entering from below; no line runs from h_{t−1} "
        "down to the gates. So every step is h_t = a_t ⊙ h_{t−1} + b_t, with a_t and b_t known in advance for "
        "all steps."),
    "mlstm_step": (
        "mLSTM 한 단계입니다. 위쪽의 행렬 메모리 C_{t−1}은 망각 게이트 f_t와 곱해지고, 입력 게이트 i_t가 곱해진 "
        "값 벡터와 키 벡터의 외적 v_t k_tᵀ가 더해져 C_t가 됩니다. 가운데의 정규화 상태 n_t도 같은 게이트로 키를 "
        "모읍니다. 아래에서 쿼리 q_t가 C_t를 읽고(C_t q_t), 그 값을 max(|n_tᵀ q_t|, 1)로 나누어 출력 h̃_t를 "
        "만듭니다. 게이트와 키, 값, 쿼리는 모두 입력 x_t에서만 계산됩니다.",
        "One mLSTM step. At the top, the matrix memory C_{t−1} is multiplied by the forget gate f_t, and the "
        "outer product v_t k_tᵀ of the value and key vectors, scaled by the input gate i_t, is added to give "
        "C_t. In the middle, the normalizer n_t sums the keys with the same gates. Below, the query q_t reads "
        "C_t (C_t q_t), and dividing by max(|n_tᵀ q_t|, 1) gives the output h̃_t. Gates, keys, values and "
        "queries are all computed from the input x_t alone."),
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
    i = LANGS.index(lang)
    canvas = _Canvas(name, lang, 640, 380, None, texts=(TITLES[name][i], DESCRIPTIONS[name][i]))
    canvas.words_modern = WORDS[lang]
    (_mingru if name == "mingru_step" else _mlstm)(canvas)
    return canvas


# Frame x 64..576, y 30..342. The state runs along the top at y=62, left to right; the input x_t
# enters at the bottom (y=310) and feeds the layers; nothing goes from the state down to the layers.

def _frame(c):
    c.rect(320, 186, 512, 312, "dg-frame", None, 14)


def _mingru(c):
    W = c.words_modern
    z, n = 200, 446  # columns: update gate, candidate
    _frame(c)
    # the hidden state: h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t
    c.line(f"M52 62H{z - 11}", None, False, "dg-l dg-cell")
    c.op(z, 62, "*")
    c.line(f"M{z + 11} 62H{n - 11}", None, False, "dg-l dg-cell")
    c.op(n, 62, "+")
    c.line(f"M{n + 11} 62H586", None, True, "dg-l dg-cell")
    c.text(46, 68, "h_{t-1}", "m", anchor="end")
    c.text(598, 68, "h_t", "m", anchor="start")
    c.text(323, 50, W["hidden"])
    # the input feeds both layers; h_{t-1} feeds neither
    c.line(f"M52 310H{n}V260")
    c.dot(z, 310)
    c.line(f"M{z} 310V260")
    c.text(46, 316, "x_t", "m", anchor="end")
    c.text(46, 340, W["input"], "n", anchor="end")
    c.text(323, 290, W["no_past"], "n")
    c.layer(z, 236, "σ", W["update"], None, w=112)
    c.rect(n, 236, 112, 44, "dg-box dg-lin")
    c.text(n, 234, "W_h x_t + b_h", "m")
    c.text(n, 252, W["cand"], "n")
    # z_t: through 1 − into the state's product, and straight into the candidate's product
    c.line(f"M{z} 214V170", None, False)
    c.dot(z, 170)
    c.line(f"M{z} 170V132")
    c.rect(z, 118, 34, 24, "dg-op", None, 12)
    c.text(z, 124, "1−", "s")
    c.line(f"M{z} 106V75")
    c.text(z + 10, 94, "a_t", "m", anchor="start")
    c.text(z - 10, 196, "z_t", "m", anchor="end")
    c.line(f"M{z} 170H{n - 13}")
    c.op(n, 170, "*")
    c.line(f"M{n} 214V183")
    c.text(n + 10, 204, "h̃_t", "m", anchor="start")
    c.line(f"M{n} 159V75")
    c.text(n + 10, 120, "b_t", "m", anchor="start")


def _mlstm(c):
    W = c.words_modern
    _frame(c)
    # the matrix memory along the top, the normaliser below it: both forget by f_t and add what i_t writes
    c.line("M52 62H159", None, False, "dg-l dg-cell")
    c.op(170, 62, "*")
    c.line("M181 62H419", None, False, "dg-l dg-cell")
    c.op(430, 62, "+")
    c.line("M441 62H586", None, True, "dg-l dg-cell")
    c.text(46, 68, "C_{t-1}", "m", anchor="end")
    c.text(598, 68, "C_t", "m", anchor="start")
    c.text(300, 50, W["memory"])
    c.line("M52 122H139", None, False)
    c.op(150, 122, "*")
    c.line("M161 122H299", None, False)
    c.op(310, 122, "+")
    c.line("M321 122H586")
    c.text(46, 128, "n_{t-1}", "m", anchor="end")
    c.text(598, 128, "n_t", "m", anchor="start")
    c.text(230, 112, W["normalizer"], "n")
    # f_t: into both products (its line passes over the normaliser's)
    c.rect(110, 256, 84, 40, "dg-box dg-sig")
    c.text(110, 254, "σ", "s")
    c.text(110, 270, W["decay"], "n")
    c.gap("M110 112V132")
    c.line("M110 236V92H170V75")
    c.dot(110, 160)
    c.line("M110 160H150V135")
    c.text(102, 200, "f_t", "m", anchor="end")
    # i_t: scales the key written to the normaliser and the value–key product written to the memory
    c.rect(214, 256, 84, 40, "dg-box dg-lin")
    c.text(214, 254, "exp", "s")
    c.text(214, 270, W["in_gate"], "n")
    c.line("M214 236V180H297")
    c.text(222, 210, "i_t", "m", anchor="start")
    c.op(310, 180, "*")
    c.line("M310 169V135")
    c.line("M310 310V193")
    c.text(318, 296, "k_t", "m", anchor="start")
    c.dot(254, 180)
    c.gap("M300 200H320")
    c.line("M254 180V200H417")
    c.rect(430, 256, 76, 30, "dg-box dg-lin")
    c.text(430, 262, "v_t k_tᵀ", "m")
    c.line("M430 310V273")
    c.text(438, 296, "k_t, v_t", "m", anchor="start")
    c.line("M430 241V213")
    c.op(430, 200, "*")
    c.gap("M430 112V132")
    c.line("M430 189V75")
    c.text(438, 160, W["write"], "n", anchor="start")
    # read: h̃_t = C_t q_t / max(|n_tᵀ q_t|, e^(-m_t))
    c.dot(488, 62)
    c.gap("M488 112V132")
    c.line("M488 62V178")
    c.dot(548, 122)
    c.line("M548 122V178")
    c.rect(516, 200, 120, 40, "dg-box dg-lin")
    c.text(516, 198, "C_t q_t / |n_tᵀ q_t|", "m")
    c.text(516, 214, W["read"], "n")
    c.line("M516 220V350")
    c.text(526, 360, "h̃_t", "m", anchor="start")
    c.line("M52 310H500V222")
    c.text(492, 296, "q_t", "m", anchor="end")
    # the input x_t feeds everything; nothing runs from the states down to the gates
    c.text(46, 316, "x_t", "m", anchor="end")
    c.text(46, 340, W["input"], "n", anchor="end")
    for x in (110, 214, 310, 430):
        c.dot(x, 310)
    c.line("M110 310V278")
    c.line("M214 310V278")
