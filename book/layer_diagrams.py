"""The diagram of docs/modules: a stacked, bidirectional RNN as layers x directions x time,
marking the cells that `output` and `h_n` (and `c_n`) take.

Same contract as book/diagrams.py (NAMES, LANGS, render, title) and the same canvas, so
it is inline SVG with dg-* classes only, real text in the page's language and prefixed ids.
hooks.py's ``::diagram`` looks names up here first.
"""

from book.diagrams import LANGS, _Canvas

NAMES = ("layers_states",)
LAYERS, STEPS = 2, 4  # drawn: 2 layers, 2 directions, 4 time steps
COLUMNS = (250, 340, 430, 520)  # x of the cells of each time step
CELL_W, CELL_H = 64, 30

WORDS = {
    "ko": {"layer": "층", "forward": "정방향", "reverse": "역방향", "input": "입력", "time": "시간",
           "output": "output: 마지막 층의 모든 단계, 두 방향을 이어 붙임",
           "h_n": "층·방향마다 마지막으로 계산한 단계"},
    "en": {"layer": "layer", "forward": "forward", "reverse": "reverse", "input": "input", "time": "time",
           "output": "output: every step of the last layer, both directions side by side",
           "h_n": "the step each layer and direction computed last"},
}
TITLES = {"layers_states": ("두 층, 양방향 RNN에서 output과 h_n이 가져가는 칸",
                            "Which cells output and h_n take in a two-layer bidirectional RNN")}
DESCRIPTIONS = {"layers_states": (
    "두 층, 두 방향, 네 시간 단계의 셀을 격자로 그린 그림입니다. 정방향 행은 왼쪽에서 오른쪽으로, 역방향 행은 "
    "오른쪽에서 왼쪽으로 진행합니다. 마지막 층의 여덟 칸이 output에 들어가며, 시간 단계마다 두 방향의 값을 "
    "이어 붙입니다. h_n의 행 k는 층과 방향마다 마지막으로 계산한 칸입니다. 정방향은 마지막 단계, 역방향은 첫 "
    "단계이고, 순서는 층 0 정방향, 층 0 역방향, 층 1 정방향, 층 1 역방향입니다.",
    "A grid of cells: two layers, two directions, four time steps. Forward rows run left to right, reverse "
    "rows right to left. The eight cells of the last layer make up output, both directions side by side at "
    "each time step. Row k of h_n is the cell each layer and direction computed last: the last step going "
    "forward, the first step going in reverse, in the order layer 0 forward, layer 0 reverse, layer 1 "
    "forward, layer 1 reverse.")}


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


def row_y(layer, direction):
    """y of a row: layer 0 at the bottom, each layer's reverse row above its forward row."""
    return 292 - 118 * layer - 46 * direction


def h_n_step(direction):
    """The time step whose state a direction leaves in h_n: the last going forward, the first in reverse."""
    return STEPS - 1 if direction == 0 else 0


def _draw(name, lang):
    _check(name, lang)
    i = LANGS.index(lang)
    c = _Canvas(name, lang, 640, 440, highlight={"h_n"}, texts=(TITLES[name][i], DESCRIPTIONS[name][i]))
    W = WORDS[lang]
    for x in COLUMNS:  # data flows up each time step's column: input, layer 0, layer 1, output
        c.line(f"M{x} 336V46", cls="dg-l dg-axis")
    for t, x in enumerate(COLUMNS):
        c.text(x, 358, f"x_{t + 1}", "m")
        c.text(x, 32, f"output[{t}]", "t")
    c.text(110, 358, W["input"], "t", anchor="end")
    for layer in range(LAYERS):
        for direction in range(2):
            y = row_y(layer, direction)
            k = 2 * layer + direction
            c.text(150, y + 5, f"{W['layer']} {layer} · {W['reverse' if direction else 'forward']}", "t", anchor="end")
            step = 1 if direction == 0 else -1
            for t, x in enumerate(COLUMNS):
                is_last_layer, is_final = layer == LAYERS - 1, t == h_n_step(direction)
                cls = "dg-box " + ("dg-sig" if is_last_layer else "dg-tanh")
                c.rect(x, y, CELL_W, CELL_H, cls, "h_n" if is_final else None)
                if is_final:
                    c.text(x, y + 6, f"h_n[{k}]", "m", "h_n")
                nxt = t + step
                if 0 <= nxt < STEPS:  # the recurrent state moves on to the next step of this direction
                    x0, x1 = x + step * CELL_W / 2, COLUMNS[nxt] - step * (CELL_W / 2 + 2)
                    c.line(f"M{x0} {y}H{x1}")
    c.line("M218 376H560", cls="dg-l dg-axis")
    c.text(568, 380, W["time"], "t", anchor="start")
    # legend
    c.rect(40, 398, 26, 16, "dg-box dg-sig")
    c.text(62, 403, W["output"], "n", anchor="start")
    c.rect(40, 420, 26, 16, "dg-box dg-tanh", "h_n")
    c.text(62, 426, "h_n, c_n", "m", "h_n", anchor="start")
    c.text(124, 425, W["h_n"], "n", anchor="start")
    return c

