"""Gate explorers: sliders for the gates of one LSTM or GRU unit, and the states they give.

Contract with the MkDocs hook (hooks.py, directive ``::explorer <model>``):

    NAMES                      ("lstm", "gru")
    render(model, lang, up)    the explorer's HTML; ``up`` leads from the page to the site root
    cases(model)               the key cases and extremes, computed by the NumPy snippets

Contract with readers, scripts and tests (docs/assets/explorers.js fills it in):
an element ``.gate-explorer[data-model=lstm|gru]``; its controls are ``<input type="range">``
named after the quantity (``f_t i_t g_t o_t c_prev`` or ``z_t n_t h_prev r_t``, and ``N``, the
steps of the sequence mode); its results are ``<output>`` elements named ``c_t``, ``h_t``
(``n_t`` for the two GRU candidates, told apart by ``data-reset``) and ``c_N``/``h_N`` after N
steps, each with a ``data-key`` (its key in the cases) and a ``data-value`` holding the number
to full precision. The cases are embedded as JSON (``script.gate-explorer-cases``) and shown
as a static table, which is all a reader without JavaScript gets.

The explorer is one unit (hidden size 1): the gates are slider values, so no σ is needed.
The GRU candidate uses the fixed weights ``GRU_WEIGHTS``, shown on the page.
"""

import html
import json
import re

import numpy as np

from snippets import gru_numpy, lstm_numpy

NAMES = ("lstm", "gru")
LANGS = ("ko", "en")
STEPS_MAX = 100  # the N slider of the sequence mode

# name -> (min, max, step, default); every case below lies on this grid
SLIDERS = {
    "lstm": {"f_t": (0, 1, 0.01, 0.9), "i_t": (0, 1, 0.01, 0.2), "g_t": (-1, 1, 0.01, 0.3),
             "o_t": (0, 1, 0.01, 0.6), "c_prev": (-2, 2, 0.01, 0.5), "N": (1, STEPS_MAX, 1, 30)},
    "gru": {"z_t": (0, 1, 0.01, 0.5), "n_t": (-1, 1, 0.01, 0.8), "h_prev": (-1, 1, 0.01, 0.6),
            "r_t": (0, 1, 0.01, 0.5), "N": (1, STEPS_MAX, 1, 30)},
}
# The GRU candidate of one unit with a fixed input: n_t from r_t and h_{t-1} in both reset positions.
GRU_WEIGHTS = {"x_t": 1.0, "W_in": 0.5, "b_in": 0.1, "W_hn": 1.5, "b_hn": 0.6}
OUTPUTS = {"lstm": ("c_t", "h_t", "c_N", "h_N"), "gru": ("h_t", "n_t_after", "n_t_before", "h_N")}

# The four rows of the table on lstm/state-update (f_t, i_t), in its order.
LSTM_ROWS = (("keep_add", 1, 1), ("keep", 1, 0), ("replace", 0, 1), ("erase", 0, 0))

# (inputs, key?) -- key cases go into the static table; the rest are extremes the tests also set.
_LSTM_CASES = (
    ({"f_t": 1, "i_t": 1, "g_t": 0.3, "o_t": 1, "c_prev": 0.5, "N": 1}, True),
    ({"f_t": 1, "i_t": 0, "g_t": 0.8, "o_t": 0.5, "c_prev": -1, "N": 1}, True),
    ({"f_t": 0, "i_t": 1, "g_t": -0.9, "o_t": 1, "c_prev": 2, "N": 1}, True),
    ({"f_t": 0, "i_t": 0, "g_t": 0.6, "o_t": 0.7, "c_prev": 1.5, "N": 1}, True),
    ({"f_t": 0.9, "i_t": 0.2, "g_t": 0.3, "o_t": 0.6, "c_prev": 0.5, "N": 1}, True),
    ({"f_t": 0.9, "i_t": 0, "g_t": 0.5, "o_t": 1, "c_prev": 1, "N": 100}, True),
    ({"f_t": 0.9, "i_t": 0.1, "g_t": 1, "o_t": 1, "c_prev": -2, "N": 100}, True),
    ({"f_t": 1, "i_t": 1, "g_t": 1, "o_t": 1, "c_prev": 2, "N": 100}, False),
    ({"f_t": 1, "i_t": 1, "g_t": -1, "o_t": 1, "c_prev": -2, "N": 100}, False),
    ({"f_t": 0, "i_t": 0, "g_t": -1, "o_t": 0, "c_prev": -2, "N": 1}, False),
    ({"f_t": 0.37, "i_t": 0.81, "g_t": -0.44, "o_t": 0.93, "c_prev": 1.23, "N": 57}, False),
)
_GRU_CASES = (
    ({"z_t": 1, "n_t": 0.8, "h_prev": -0.4, "r_t": 0.5, "N": 1}, True),
    ({"z_t": 0, "n_t": 0.8, "h_prev": -0.4, "r_t": 0.5, "N": 1}, True),
    ({"z_t": 0.5, "n_t": 0.8, "h_prev": -0.4, "r_t": 0.5, "N": 1}, True),
    ({"z_t": 0.5, "n_t": 0.8, "h_prev": 0.6, "r_t": 0, "N": 1}, True),
    ({"z_t": 0.5, "n_t": 0.8, "h_prev": 0.6, "r_t": 1, "N": 1}, True),
    ({"z_t": 0.9, "n_t": 0, "h_prev": 1, "r_t": 1, "N": 100}, True),
    ({"z_t": 0.95, "n_t": 1, "h_prev": -1, "r_t": 0.3, "N": 100}, True),
    ({"z_t": 1, "n_t": -1, "h_prev": 1, "r_t": 1, "N": 100}, False),
    ({"z_t": 0, "n_t": -1, "h_prev": -1, "r_t": 0, "N": 100}, False),
    ({"z_t": 0.63, "n_t": -0.27, "h_prev": 0.88, "r_t": 0.19, "N": 73}, False),
)

WORDS = {
    "ko": {
        "lstm_title": "LSTM 게이트 탐색기", "gru_title": "GRU 게이트 탐색기",
        "f_t": "망각 게이트", "i_t": "입력 게이트", "g_t": "후보 셀 상태", "o_t": "출력 게이트",
        "c_prev": "이전 셀 상태", "c_t": "새 셀 상태", "h_t": "새 은닉 상태",
        "z_t": "업데이트 게이트", "n_t": "후보 은닉 상태", "h_prev": "이전 은닉 상태", "r_t": "리셋 게이트",
        "N": "단계 수", "c_N": "N단계 뒤의 셀 상태", "h_N": "N단계 뒤의 은닉 상태",
        "n_t_after": "후보(reset-after, PyTorch)", "n_t_before": "후보(reset-before, EMNLP 2014 판)",
        "gates": "게이트와 입력", "results": "결과",
        "case": "표에서 지금 위치", "nearest": "가장 가까운 행", "exact": "이 행과 정확히 같음",
        "keep_add": "기억을 유지하고 새 내용을 모두 더함", "keep": "기억을 그대로 유지함",
        "replace": "기억을 버리고 새 내용으로 바꿈", "erase": "기억을 지우고 아무것도 받지 않음",
        "meaning": "뜻",
        "sequence": "시퀀스 모드: 같은 값을 N단계 동안 유지합니다",
        "lstm_sequence_note": "c₀ = c_{t−1}에서 시작해 c_t = f_t c_{t−1} + i_t g_t를 N번 되풀이합니다. "
                              "점선은 처음 기억 가운데 남은 몫 c₀·fᵗ입니다.",
        "gru_sequence_note": "h₀ = h_{t−1}에서 시작해 h_t = (1 − z_t) n_t + z_t h_{t−1}을 N번 되풀이합니다. "
                             "점선은 처음 상태 가운데 남은 몫 h₀·zᵗ입니다.",
        "time": "시간 단계 t", "chart": "N단계 동안의 상태 변화",
        "weights": "두 가중치", "w_keep": "h_{t−1}에 곱하는 z_t", "w_take": "n_t에 곱하는 1 − z_t",
        "reset": "리셋 게이트와 후보", "fixed": "고정된 작은 가중치(은닉 크기 1)",
        "reset_note": "reset-after는 r_t를 (W_hn h_{t−1} + b_hn)에 곱하고, reset-before는 h_{t−1}에만 곱합니다. "
                      "그래서 r_t = 0이면 reset-after에서는 b_hn도 사라지고, reset-before에서는 남습니다.",
        "table": "NumPy로 계산한 주요 경우",
        "table_note": "아래 값은 사이트를 빌드할 때 snippets/의 NumPy 함수가 계산했습니다. 자바스크립트가 켜져 있으면 "
                      "각 행의 단추로 슬라이더를 그 경우에 맞출 수 있습니다.",
        "set": "이 값으로 맞추기", "noscript": "자바스크립트가 꺼져 있어 슬라이더 대신 아래 표만 보입니다.",
    },
    "en": {
        "lstm_title": "LSTM gate explorer", "gru_title": "GRU gate explorer",
        "f_t": "forget gate", "i_t": "input gate", "g_t": "candidate", "o_t": "output gate",
        "c_prev": "previous cell state", "c_t": "new cell state", "h_t": "new hidden state",
        "z_t": "update gate", "n_t": "candidate", "h_prev": "previous hidden state", "r_t": "reset gate",
        "N": "steps", "c_N": "cell state after N steps", "h_N": "hidden state after N steps",
        "n_t_after": "candidate (reset-after, PyTorch)", "n_t_before": "candidate (reset-before, EMNLP 2014 version)",
        "gates": "Gates and inputs", "results": "Results",
        "case": "Where you are in the table", "nearest": "closest row", "exact": "exactly this row",
        "keep_add": "keep the memory and add all of the new content", "keep": "keep the memory unchanged",
        "replace": "discard the memory and replace it with new content",
        "erase": "erase the memory and take in nothing", "meaning": "Meaning",
        "sequence": "Sequence mode: the same values held for N steps",
        "lstm_sequence_note": "Starting from c₀ = c_{t−1}, c_t = f_t c_{t−1} + i_t g_t is repeated N times. "
                              "The dashed line is what is left of the first memory, c₀·fᵗ.",
        "gru_sequence_note": "Starting from h₀ = h_{t−1}, h_t = (1 − z_t) n_t + z_t h_{t−1} is repeated N times. "
                             "The dashed line is what is left of the first state, h₀·zᵗ.",
        "time": "time step t", "chart": "The states over N steps",
        "weights": "The two weights", "w_keep": "z_t multiplies h_{t−1}", "w_take": "1 − z_t multiplies n_t",
        "reset": "Reset gate and candidate", "fixed": "Fixed small weights (hidden size 1)",
        "reset_note": "Reset-after multiplies (W_hn h_{t−1} + b_hn) by r_t; reset-before multiplies only h_{t−1}. "
                      "So with r_t = 0, reset-after loses b_hn as well, and reset-before keeps it.",
        "table": "Key cases, computed by NumPy",
        "table_note": "These values were computed by the NumPy functions of snippets/ when the site was built. "
                      "With JavaScript on, the button of each row sets the sliders to that case.",
        "set": "Set these values", "noscript": "JavaScript is off: the sliders are hidden and the table below remains.",
    },
}
SYMBOLS = {"f_t": "f_t", "i_t": "i_t", "g_t": "g_t", "o_t": "o_t", "c_prev": "c_{t−1}", "c_t": "c_t", "h_t": "h_t",
           "z_t": "z_t", "n_t": "n_t", "h_prev": "h_{t−1}", "r_t": "r_t", "N": "N", "c_N": "c_N", "h_N": "h_N",
           "n_t_after": "n_t", "n_t_before": "n_t"}


# ------------------------------------------------------------------------------ numbers

def _lstm_outputs(f_t, i_t, g_t, o_t, c_prev, N):
    """One step and N steps with the same gates, through the snippet functions."""
    f_t, i_t, g_t, o_t, c = (np.array([v], dtype=np.float64) for v in (f_t, i_t, g_t, o_t, c_prev))
    c_t = lstm_numpy.lstm_cell_state(f_t, c, i_t, g_t)
    h_t = lstm_numpy.lstm_hidden_state(o_t, c_t)
    for _ in range(N):
        c = lstm_numpy.lstm_cell_state(f_t, c, i_t, g_t)
    h_N = lstm_numpy.lstm_hidden_state(o_t, c)
    return {"c_t": c_t, "h_t": h_t, "c_N": c, "h_N": h_N}


def _gru_outputs(z_t, n_t, h_prev, r_t, N):
    w = GRU_WEIGHTS
    z_t, n_t, h, r_t = (np.array([v], dtype=np.float64) for v in (z_t, n_t, h_prev, r_t))
    Wx_n = np.array([w["W_in"] * w["x_t"] + w["b_in"]])  # (1,) input term W_in x_t + b_in
    Wh_n = np.array([w["W_hn"]]) * h + w["b_hn"]  # (1,) recurrent term W_hn h_{t-1} + b_hn
    n_after = gru_numpy.gru_candidate_reset_after(Wx_n, r_t, Wh_n)
    n_before = gru_numpy.gru_candidate_reset_before(Wx_n, r_t, h, np.array([[w["W_hn"]]]), np.array([w["b_hn"]]))
    h_t = gru_numpy.gru_hidden_state(z_t, n_t, h)
    for _ in range(N):
        h = gru_numpy.gru_hidden_state(z_t, n_t, h)
    return {"h_t": h_t, "n_t_after": n_after, "n_t_before": n_before, "h_N": h}


def outputs(model, inputs):
    """The explorer's results for one setting of its sliders, from the NumPy snippets: {key: float}."""
    _check_model(model)
    if set(inputs) != set(SLIDERS[model]):
        raise ValueError(f"inputs of the {model} explorer must be {sorted(SLIDERS[model])}, got {sorted(inputs)}")
    for name, value in inputs.items():
        low, high, _, _ = SLIDERS[model][name]
        if not low <= value <= high:
            raise ValueError(f"{name} = {value} lies outside the slider's range [{low}, {high}]")
    function = _lstm_outputs if model == "lstm" else _gru_outputs
    return {key: float(value[0]) for key, value in function(**inputs).items()}


def lstm_row(f_t, i_t):
    """The row of the state-update table nearest to (f_t, i_t), and whether it is that row exactly."""
    name, f, i = min(LSTM_ROWS, key=lambda row: (row[1] - f_t) ** 2 + (row[2] - i_t) ** 2)
    return name, (f, i) == (f_t, i_t)


def cases(model):
    """[{"inputs", "outputs", "key", "row"?}]: every case the page embeds, computed now."""
    _check_model(model)
    table = []
    for inputs, key in (_LSTM_CASES if model == "lstm" else _GRU_CASES):
        case = {"inputs": dict(inputs), "outputs": outputs(model, inputs), "key": key}
        if model == "lstm":
            case["row"] = lstm_row(inputs["f_t"], inputs["i_t"])[0]
        table.append(case)
    return table


def _check_model(model):
    if model not in NAMES:
        raise ValueError(f"unknown explorer {model!r}; book/explorers.py has: {', '.join(NAMES)}")


# --------------------------------------------------------------------------------- HTML

def _symbol(name):
    """f_t -> <var>f</var><sub>t</sub>; c_{t−1} -> <var>c</var><sub>t−1</sub>."""
    base, _, sub = SYMBOLS[name].partition("_")
    sub = sub.strip("{}")
    return f"<var>{base}</var>" + (f"<sub>{sub}</sub>" if sub else "")


MATH = re.compile(r"\b([a-zA-Z])_(\{[^}]*\}|[a-zA-Z0-9]+)")


def _math(text):
    """Symbols in a sentence as HTML: c_{t−1} -> <var>c</var><sub>t−1</sub>, W_hn -> <var>W</var><sub>hn</sub>."""
    return MATH.sub(lambda m: f"<var>{m.group(1)}</var><sub>{m.group(2).strip('{}')}</sub>", html.escape(text))


def _number(value):
    return f"{value:.4f}".replace("-", "−") if value != 0 else "0.0000"


def _slider(model, name, words):
    low, high, step, default = SLIDERS[model][name]
    ident = f"gx-{model}-{name}"
    return (f'<div class="gx-row"><label for="{ident}">{words[name]} {_symbol(name)}</label>'
            f'<input type="range" id="{ident}" name="{name}" min="{low}" max="{high}" step="{step}" '
            f'value="{default}"><span class="gx-val" aria-hidden="true">{default}</span>'
            f'<span class="gx-bar" aria-hidden="true" data-min="{low}" data-max="{high}"><span></span></span></div>')


def _output(model, key, words):
    name = "n_t" if key.startswith("n_t") else key
    reset = f' data-reset="{key.removeprefix("n_t_")}"' if name != key else ""
    ident = f"gx-{model}-out-{key}"
    inputs = " ".join(f"gx-{model}-{n}" for n in SLIDERS[model])
    return (f'<div class="gx-row gx-result"><label for="{ident}">{words[key]} {_symbol(key)}</label>'
            f'<output id="{ident}" name="{name}" data-key="{key}"{reset} for="{inputs}" aria-live="polite">'
            f'</output><span class="gx-bar gx-signed" aria-hidden="true"><span></span></span></div>')


def _cases_table(model, table, words):
    names = [n for n in SLIDERS[model]]
    keys = OUTPUTS[model]
    head = "".join(f"<th>{_symbol(n)}</th>" for n in names) + "".join(
        f'<th title="{html.escape(words[k])}">{_symbol(k)}' + (f' <small>({k.removeprefix("n_t_")})</small>'
                                                                if k.startswith("n_t_") else "") + "</th>"
        for k in keys)
    if model == "lstm":
        head += f"<th class=\"gx-meaning\">{words['meaning']}</th>"
    rows = []
    for index, case in enumerate(table):
        if not case["key"]:
            continue
        cells = "".join(f"<td>{case['inputs'][n]:g}</td>".replace("-", "−") for n in names)
        cells += "".join(f"<td>{_number(case['outputs'][k])}</td>" for k in keys)
        if model == "lstm":
            exact = lstm_row(case["inputs"]["f_t"], case["inputs"]["i_t"])[1]
            cells += f"<td class=\"gx-meaning\">{'' if exact else '≈ '}{words[case['row']]}</td>"
        rows.append(f'<tr data-case="{index}">{cells}</tr>')
    return (f'<div class="gx-static"><p class="gx-caption"><strong>{words["table"]}</strong>. {words["table_note"]}</p>'
            f'<div class="gx-scroll"><table class="gx-cases" data-set-label="{words["set"]}"><thead><tr>{head}</tr></thead><tbody>'
            + "".join(rows) + "</tbody></table></div></div>")


def _lstm_rows(words):
    rows = "".join(f'<tr data-row="{name}"><td>{f}</td><td>{i}</td><td>{words[name]}</td></tr>'
                   for name, f, i in LSTM_ROWS)
    return (f'<div class="gx-case"><p><span>{words["case"]}</span>: <output name="case" data-key="case" '
            f'aria-live="polite"></output></p><div class="gx-scroll"><table class="gx-rows"><thead><tr>'
            f'<th>{_symbol("f_t")}</th><th>{_symbol("i_t")}</th><th>{words["meaning"]}</th></tr></thead>'
            f'<tbody>{rows}</tbody></table></div></div>')


def _gru_parts(words):
    w = GRU_WEIGHTS
    weights = (f'<div class="gx-weights"><p>{words["weights"]}</p><div class="gx-split" aria-hidden="true">'
               f'<span class="gx-keep"></span><span class="gx-take"></span></div>'
               f'<p class="gx-legend"><span class="gx-swatch gx-keep"></span>{_math(words["w_keep"])} = '
               f'<span data-show="z"></span> · <span class="gx-swatch gx-take"></span>{_math(words["w_take"])} = '
               f'<span data-show="1-z"></span></p></div>')
    fixed = ", ".join(f"{k} = {v:g}" for k, v in w.items())
    reset = (f'<fieldset class="gx-reset"><legend>{words["reset"]}</legend>'
             f'<p class="gx-fixed">{words["fixed"]}: <code>{fixed}</code></p>'
             f'<p class="gx-formula"><code>after:  n_t = tanh(W_in x_t + b_in + r_t · (W_hn h_{{t−1}} + b_hn))</code><br>'
             f'<code>before: n_t = tanh(W_in x_t + b_in + W_hn (r_t · h_{{t−1}}) + b_hn)</code></p>'
             + _slider("gru", "r_t", words) + _output("gru", "n_t_after", words) + _output("gru", "n_t_before", words)
             + f'<p class="gx-note">{_math(words["reset_note"])}</p></fieldset>')
    return weights, reset


def render(model, lang, up=""):
    """The explorer for `model` in `lang`; `up` leads from the page to the site root (for the script)."""
    _check_model(model)
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; explorers have: {', '.join(LANGS)}")
    words = WORDS[lang]
    table = cases(model)
    data = {"model": model, "sliders": SLIDERS[model], "cases": table, "rows": LSTM_ROWS,
            "weights": GRU_WEIGHTS, "words": {k: words[k] for k in ("exact", "nearest", "keep_add", "keep", "replace",
                                                                    "erase", "time")}}
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    if model == "lstm":
        gates = "".join(_slider(model, n, words) for n in ("f_t", "i_t", "g_t", "o_t", "c_prev"))
        results = _output(model, "c_t", words) + _output(model, "h_t", words)
        extra, reset = _lstm_rows(words), ""
    else:
        gates = "".join(_slider(model, n, words) for n in ("z_t", "n_t", "h_prev"))
        results = _output(model, "h_t", words)
        extra, reset = _gru_parts(words)
    keys = ("c_N", "h_N") if model == "lstm" else ("h_N",)
    sequence = (f'<fieldset class="gx-sequence"><legend>{words["sequence"]}</legend>'
                + _slider(model, "N", words) + "".join(_output(model, k, words) for k in keys)
                + f'<svg class="gx-chart" viewBox="0 0 420 190" role="img" aria-label="{words["chart"]}"></svg>'
                f'<p class="gx-note">{_math(words[model + "_sequence_note"])}</p></fieldset>')
    # a <section>, which never nests here: Material's search parser would end data-search-exclude
    # at the first closing tag of the same name (a <div> would let the rest into the index)
    return (f'<section class="gate-explorer" data-model="{model}" id="explorer-{model}" lang="{lang}" '
            f'aria-label="{words[model + "_title"]}" data-search-exclude>'
            f'<p class="gx-title"><strong>{words[model + "_title"]}</strong></p>'
            f'<div class="gx-live" hidden>'
            f'<fieldset><legend>{words["gates"]}</legend>{gates}</fieldset>'
            f'<fieldset><legend>{words["results"]}</legend>{results}{extra}</fieldset>'
            f'{reset}{sequence}</div>'
            f'<noscript><p class="gx-note">{words["noscript"]}</p></noscript>'
            + _cases_table(model, table, words)
            + f'<script type="application/json" class="gate-explorer-cases">{payload}</script>'
            f'<link rel="stylesheet" href="{up}assets/explorers.css">'
            f'<script src="{up}assets/explorers.js" defer></script></section>\n')
