"""The book's plots: every curve is computed by the tested formula code in snippets/.

Contract with the MkDocs hook (hooks.py, directive ``::plot <name>``):

    NAMES                  the plot names
    data(name) -> dict     the numbers behind a plot (NumPy arrays, floats), deterministic
    render(name, lang)     an inline-ready ``<svg ...>...</svg>`` string, lang "ko" or "en"
    title(name, lang)      the alt text / caption in that language
    description(name, lang) what the plot shows, with its numbers (its <desc>)

The SVG goes straight into an HTML page with a light and a dark mode, so it is post-processed:
text stays text (``svg.fonttype = 'none'``, generic ``sans-serif`` so the page's fonts render
Korean); text, axes, ticks and grid are drawn in the sentinel colour ``INK`` and rewritten to
``currentColor``; backgrounds are transparent; every ``id`` (and every ``url(#...)`` and
``href="#..."`` that points at one) gets the page-unique prefix ``plot-<name>-``; the root loses
width/height (the viewBox stays) and gains ``class="plot"``, ``role="img"``, ``aria-label``, a
``<title>`` and a ``<desc>``. Lines differ in marker or dash pattern, not only in colour.
Output is byte-for-byte deterministic: fixed seeds, fixed ``svg.hashsalt``, no
metadata or dates, and layout measured only with matplotlib's bundled DejaVu Sans (Hangul is
measured approximately, so legends are frameless and placed where they have room).

Figures are built with ``matplotlib.figure.Figure`` (Agg canvas, no pyplot global state).
"""

import copy
import html
import io
import re
import warnings
from functools import lru_cache

import matplotlib
import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from snippets import gru_torch, lstm_numpy, lstm_torch, rnn_torch

NAMES = ("activations", "lstm_gates_over_time", "gradient_norms")
LANGS = ("ko", "en")

INK = "#010101"  # sentinel for theme-following colours: rewritten to currentColor
# Data colours readable on white and on the dark page (#1e2129): contrast >= 3.4 on both.
BLUE, ORANGE, GREEN, PURPLE, RED, TEAL = ("#3a86c8", "#d9782f", "#3a9d5d", "#a06bd0",
                                          "#d95f5f", "#2a9d8f")

RC = {
    "svg.fonttype": "none",          # <text> elements, not glyph paths
    "svg.hashsalt": "lstm-gru-book",  # deterministic clip-path / marker ids
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],  # bundled with matplotlib: same layout on every machine
    "font.size": 10,
    "axes.unicode_minus": True,
    "text.color": INK,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "grid.color": INK,
    "grid.alpha": 0.15,
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.facecolor": "none",
    "figure.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.edgecolor": "none",
    "legend.frameon": False,
    "legend.fontsize": 9,
    "path.simplify": True,
    "path.simplify_threshold": 0.2,
    "lines.linewidth": 1.8,
}

# ---------------------------------------------------------------------------------------------
# Text in both languages
# ---------------------------------------------------------------------------------------------

TITLES = {
    "activations": {
        "ko": "시그모이드 σ(x)와 tanh(x): 게이트는 0 ~ 1 사이, 값은 -1 ~ 1 사이",
        "en": "Sigmoid σ(x) and tanh(x): gates lie between 0 and 1, values between -1 and 1",
    },
    "lstm_gates_over_time": {
        "ko": "손으로 고른 가중치의 LSTM(H = 1): 입력 게이트가 열려 값을 쓰고, 망각 게이트가 "
              "셀 상태를 붙잡고, 출력 게이트가 값을 내보낸 다음 망각 게이트가 셀 상태를 지웁니다",
        "en": "A hand-wired LSTM (H = 1): the input gate opens to write a value, the forget gate "
              "holds it in the cell state, the output gate reveals it, then the forget gate erases it",
    },
    "gradient_norms": {
        "ko": "PyTorch 기본 초기화에서 잰 기울기 크기 ‖∂h_T/∂h_t‖: 거슬러 간 단계 수 T − t에 "
              "따라 tanh RNN, LSTM, GRU 비교(로그 눈금)",
        "en": "Gradient size ‖∂h_T/∂h_t‖ measured at PyTorch's default initialisation against the "
              "number of steps back T − t: tanh RNN, LSTM and GRU (log scale)",
    },
}

LABELS = {
    "ko": {
        "sigmoid": "σ(x): 게이트, 0 ~ 1",
        "tanh": "tanh(x): 값, −1 ~ 1",
        "one": "1: 게이트 열림(σ), tanh의 상한",
        "zero": "0: 게이트 닫힘(σ)",
        "minus_one": "−1: tanh의 하한",
        "i": "i: 입력 게이트",
        "f": "f: 망각 게이트",
        "o": "o: 출력 게이트",
        "g": "g: 후보 셀 상태",
        "c": "c: 셀 상태",
        "h": "h: 은닉 상태",
        "x1": "x₁: 쓰기 신호",
        "x2": "x₂: 읽기 신호",
        "gates": "게이트",
        "states": "값과 상태",
        "time": "시간 단계 t",
        "write": "쓰기",
        "read": "읽기",
        "erase": "지우기",
        "rnn": "tanh RNN",
        "lstm_default_init": "LSTM(PyTorch 기본 초기화)",
        "lstm_forget_bias_1": "LSTM(망각 게이트 편향 합 = 1)",
        "gru": "GRU",
        "per_step": "단계당 ×{:.2f}",
        "steps_back": "거슬러 간 단계 수 T − t",
        "fit": "감쇠율을 맞춘 구간({} ~ {})",
        "norm": "‖∂h_T / ∂h_t‖ (프로베니우스 노름)",
    },
    "en": {
        "sigmoid": "σ(x): gate, 0 to 1",
        "tanh": "tanh(x): value, −1 to 1",
        "one": "1: gate open (σ), tanh's upper bound",
        "zero": "0: gate closed (σ)",
        "minus_one": "−1: tanh's lower bound",
        "i": "i: input gate",
        "f": "f: forget gate",
        "o": "o: output gate",
        "g": "g: candidate cell state",
        "c": "c: cell state",
        "h": "h: hidden state",
        "x1": "x₁: write signal",
        "x2": "x₂: read signal",
        "gates": "gates",
        "states": "values and states",
        "time": "time step t",
        "write": "write",
        "read": "read",
        "erase": "erase",
        "rnn": "tanh RNN",
        "lstm_default_init": "LSTM (PyTorch default init)",
        "lstm_forget_bias_1": "LSTM (forget-gate bias sum = 1)",
        "gru": "GRU",
        "per_step": "×{:.2f} per step",
        "steps_back": "steps back T − t",
        "fit": "range of the rate fit ({} to {})",
        "norm": "‖∂h_T / ∂h_t‖ (Frobenius norm)",
    },
}


def _check(name, lang=None):
    if name not in NAMES:
        raise ValueError(f"unknown plot {name!r}; valid names: {', '.join(NAMES)}")
    if lang is not None and lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; valid languages: {', '.join(LANGS)}")


def title(name, lang):
    """The plot's alt text and caption in lang ("ko" or "en")."""
    _check(name, lang)
    return TITLES[name][lang]


def description(name, lang):
    """What the plot shows, in words and with its numbers: its text alternative (<desc>)."""
    _check(name, lang)
    d = _data(name)
    if name == "activations":
        lo, hi = (f"{v:g}".replace("-", "−") for v in (d["x"][0], d["x"][-1]))
        return {"ko": f"가로축 x는 {lo}부터 {hi}까지입니다. 시그모이드 σ(x)는 0에서 1로 올라가며 "
                      "x = 0에서 0.5를 지나고, tanh(x)는 −1에서 1로 올라가며 x = 0에서 0을 지납니다. "
                      "점선은 1, 0, −1을 표시합니다.",
                "en": f"x runs from {lo} to {hi}. The sigmoid σ(x) rises from 0 to 1 and passes "
                      "0.5 at x = 0; tanh(x) rises from −1 to 1 and passes 0 at x = 0. Dashed lines mark 1, 0 "
                      "and −1."}[lang]
    if name == "lstm_gates_over_time":
        write, read = int(d["write_steps"][0]), int(d["read_steps"][0])
        erase = int(d["read_steps"][-1]) + 1
        at = {step: step - int(d["t"][0]) for step in (write, read, erase)}
        v = {"T": int(d["t"][-1]), "w": write, "r": read, "e": erase,
             "i": d["i"][at[write]], "c_w": d["c"][at[write]], "f": d["f"][at[write]], "c_r": d["c"][at[read]],
             "o": d["o"][at[read]], "h": d["h"][at[read]], "f_e": d["f"][at[erase]], "c_e": d["c"][at[erase]]}
        return {"ko": "위 칸은 시간 단계 1~{T}의 게이트 i(원), f(네모), o(세모)이고, 아래 칸은 쓰기·읽기 신호 x₁, "
                      "x₂와 후보 셀 상태 g, 셀 상태 c, 은닉 상태 h입니다. {w}단계에서 입력 게이트가 열리고"
                      "(i = {i:.2f}) c에 값이 쓰입니다(c = {c_w:.2f}). f가 높게 유지되는 동안(f = {f:.2f}) c는 "
                      "{r}단계까지 천천히 줄어들고(c = {c_r:.2f}), {r}단계에서 출력 게이트가 열리면(o = {o:.2f}) "
                      "h에 그 값이 드러납니다(h = {h:.2f}). {e}단계에서 망각 게이트가 닫히면(f = {f_e:.2f}) c가 "
                      "떨어집니다(c = {c_e:.2f}).",
                "en": "Top panel: the gates i (circles), f (squares) and o (triangles) at time steps 1 to {T}; "
                      "bottom panel: the write and read signals x₁ and x₂, the candidate g, the cell state c and "
                      "the hidden state h. At step {w} the input gate opens (i = {i:.2f}) and c becomes {c_w:.2f}; "
                      "while f stays at {f:.2f}, c fades only slowly, to {c_r:.2f} at step {r}, where the output "
                      "gate opens (o = {o:.2f}) and h shows {h:.2f}; at step {e} the forget gate closes "
                      "(f = {f_e:.2f}) and c drops to {c_e:.2f}."}[lang].format(**v)
    rates = d["decay_per_step"]
    slowest = max(rates, key=rates.get)
    L = LABELS[lang]
    lo, hi = d["fit_range"]
    if lang == "ko":
        each = ", ".join(f"{L[m]} ×{rates[m]:.2f}" for m in d["models"])
        return (f"기울기 크기를 거슬러 간 단계 수 T − t(0~{int(d['steps_back'][-1])})에 따라 로그 눈금으로 그린 "
                f"곡선입니다. 한 단계마다 크기에 곱해지는 비율은 {each}입니다({lo}~{hi}단계에서 맞춘 값). "
                f"기울기를 가장 오래 유지하는 것은 {L[slowest]}입니다.")
    each = ", ".join(f"×{rates[m]:.2f} for the {L[m]}" for m in d["models"])
    return (f"Log-scale curves of the gradient size against the number of steps back T − t, from 0 to "
            f"{int(d['steps_back'][-1])}. Per step the size shrinks by {each} (fitted over {lo} to {hi} steps back): "
            f"the {L[slowest]} keeps its gradient longest.")


# ---------------------------------------------------------------------------------------------
# Data: every number comes from the snippet functions
# ---------------------------------------------------------------------------------------------

def data(name):
    """The numbers behind plot `name` (a fresh copy; the computation is cached)."""
    _check(name)
    return copy.deepcopy(_data(name))


@lru_cache(maxsize=None)
def _data(name):
    return {"activations": _activations_data,
            "lstm_gates_over_time": _lstm_gates_data,
            "gradient_norms": _gradient_norms_data}[name]()


def _activations_data():
    """σ and tanh from snippets/lstm_numpy.py.

    returns {"x": (N,), "sigmoid": (N,), "tanh": (N,)} with N = 241 points on [-6, 6].
    """
    x = np.linspace(-6.0, 6.0, 241)
    return {"x": x, "sigmoid": lstm_numpy.sigmoid(x), "tanh": lstm_numpy.tanh(x)}


# Hand-wired LSTM, H = 1, D = 2 (torch.nn.LSTM layout, row blocks i, f, g, o).
# Input x_t = (x1, x2): x1 = 1 is a "write" pulse, x2 = 1 a "read" pulse; otherwise 0.
#   i = σ(8 x1 - 4):            ≈ 0.02 idle, ≈ 0.98 on the write pulse
#   f = σ(4 - 12 h_{t-1}):      ≈ 0.98 while h is small (hold); closes the step after a read,
#                               because the read makes h_{t-1} large (read once, then erase)
#   g = tanh(2 x1):             ≈ 0.96 on the write pulse, 0 otherwise (the value written)
#   o = σ(8 x2 - 4):            ≈ 0.02 idle, ≈ 0.98 on the read pulse
GATES_T = 20
GATES_WRITE = (4,)   # time steps t (1-based) of the write pulse
GATES_READ = (13,)   # time steps of the read pulse
GATES_WEIGHT_IH = ((8.0, 0.0),    # i
                   (0.0, 0.0),    # f
                   (2.0, 0.0),    # g
                   (0.0, 8.0))    # o
GATES_WEIGHT_HH = ((0.0,), (-12.0,), (0.0,), (0.0,))
GATES_BIAS_IH = (-4.0, 4.0, 0.0, -4.0)
GATES_BIAS_HH = (0.0, 0.0, 0.0, 0.0)


def _lstm_gates_data():
    """Step one hand-wired LSTM (H = 1, D = 2) with the per-formula functions of lstm_torch.

    returns {"t": (T,) steps 1..T, "x": (T, 2) inputs, "i", "f", "g", "o", "c", "h": (T,) each,
             "c0", "h0": floats (zeros), "weight_ih" (4, 2), "weight_hh" (4, 1),
             "bias_ih", "bias_hh" (4,), "write_steps", "read_steps": tuples of t}
    The weights are constants (documented above), so no random seed is involved.
    """
    dtype = torch.float64
    weight_ih = torch.tensor(GATES_WEIGHT_IH, dtype=dtype)
    weight_hh = torch.tensor(GATES_WEIGHT_HH, dtype=dtype)
    bias_ih = torch.tensor(GATES_BIAS_IH, dtype=dtype)
    bias_hh = torch.tensor(GATES_BIAS_HH, dtype=dtype)
    x = torch.zeros(GATES_T, 1, 2, dtype=dtype)  # (T, B=1, D=2)
    for t in GATES_WRITE:
        x[t - 1, 0, 0] = 1.0
    for t in GATES_READ:
        x[t - 1, 0, 1] = 1.0

    h = torch.zeros(1, 1, dtype=dtype)  # (B, H)
    c = torch.zeros(1, 1, dtype=dtype)
    record = {k: [] for k in "ifgoch"}
    with torch.no_grad():
        for t in range(GATES_T):
            Wx = x[t] @ weight_ih.T + bias_ih  # (B, 4H) input terms
            Wh = h @ weight_hh.T + bias_hh     # (B, 4H) recurrent terms
            Wx_i, Wx_f, Wx_g, Wx_o = Wx.chunk(lstm_torch.BLOCKS, dim=-1)
            Wh_i, Wh_f, Wh_g, Wh_o = Wh.chunk(lstm_torch.BLOCKS, dim=-1)
            i_t = lstm_torch.lstm_input_gate(Wx_i, Wh_i)
            f_t = lstm_torch.lstm_forget_gate(Wx_f, Wh_f)
            g_t = lstm_torch.lstm_candidate(Wx_g, Wh_g)
            o_t = lstm_torch.lstm_output_gate(Wx_o, Wh_o)
            c = lstm_torch.lstm_cell_state(f_t, c, i_t, g_t)
            h = lstm_torch.lstm_hidden_state(o_t, c)
            for key, value in zip("ifgoch", (i_t, f_t, g_t, o_t, c, h)):
                record[key].append(float(value[0, 0]))
    out = {key: np.array(values) for key, values in record.items()}
    out.update(t=np.arange(1, GATES_T + 1), x=x[:, 0, :].numpy().copy(), c0=0.0, h0=0.0,
               weight_ih=weight_ih.numpy().copy(), weight_hh=weight_hh.numpy().copy(),
               bias_ih=bias_ih.numpy().copy(), bias_hh=bias_hh.numpy().copy(),
               write_steps=GATES_WRITE, read_steps=GATES_READ)
    return out


GRAD_MODELS = ("rnn", "lstm_default_init", "lstm_forget_bias_1", "gru")
GRAD_T, GRAD_B, GRAD_D, GRAD_H = 60, 16, 8, 32
GRAD_SEEDS = (0, 1, 2)
GRAD_FIT = (5, 40)  # range of T - t for the geometric fit


def _gradient_norms_data():
    """Measured ‖∂h_T/∂h_t‖ for a tanh RNN, two LSTMs and a GRU at PyTorch's default init.

    For each seed in GRAD_SEEDS: torch.manual_seed(seed), then torch.nn.RNN, torch.nn.LSTM and
    torch.nn.GRU (D = 8, H = 32) are created in that order and their parameters (uniform on
    [-1/√H, 1/√H]) taken as they are, in float32; inputs x: (T = 60, B = 16, D) ~ N(0, 1)
    from a generator seeded with the same seed, shared by all models. LSTM "default_init"
    keeps every bias as drawn (so the forget gate's effective bias b_if + b_hf is a sum of two
    uniform draws, not 0 and not 1); "forget_bias_1" passes a copy of the same biases through the
    snippet's lstm_forget_bias_one (bias_ih's forget block 1, bias_hh's 0: their sum is 1).

    Method (exact, not an estimate): the states h_0 (zeros, a leaf), h_1, ..., h_T are stepped
    with the snippets' *_step functions (rnn_step, lstm_step, gru_step), keeping each h_t in the
    autograd graph (retain_grad). The batch is repeated H times, copy k backpropagating the
    k-th unit of h_T, so one backward pass yields every row of the Jacobian ∂h_T/∂h_t for all t.
    For the LSTM the derivative is taken with respect to h_t alone (c_t is not perturbed): it
    runs through everything after step t, i.e. the later gates, candidates and c_{t+1}, ....
    The plotted value is the Frobenius norm, averaged (arithmetic mean) over the 16 sequences
    and the seeds. At T - t = 0 it is ‖I‖_F = √H. float32 is enough: the norms reach ~1e-16,
    far above float32's ~1e-38 range limit, and the same inputs in float64 give norms within
    1e-7 relative (checked once by hand); float64 would triple the time of data().

    returns {"steps_back": (T+1,) = 0..T,
             "norms": {model: (T+1,)}  indexed by T - t,
             "decay_per_step": {model: float}  exp(slope) of a least-squares line through
                                               log norms over T - t in GRAD_FIT,
             "method", "models", "T", "B", "D", "H", "seeds", "fit_range",
             "check_max_abs_diff": float, max |h_T stepped here - h_n of torch.nn.RNN/LSTM/GRU
                                   with the same parameters| over all runs}
    """
    T, B, D, H = GRAD_T, GRAD_B, GRAD_D, GRAD_H
    dtype = torch.float32  # torch.nn's dtype; 3x faster here than float64 (see docstring)
    sums = {model: np.zeros(T + 1) for model in GRAD_MODELS}
    check = 0.0
    for seed in GRAD_SEEDS:
        torch.manual_seed(seed)
        modules = {"rnn": torch.nn.RNN(D, H), "lstm": torch.nn.LSTM(D, H),
                   "gru": torch.nn.GRU(D, H)}
        params = {kind: [getattr(module, f"{p}_l0").detach().to(dtype).clone()
                         for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
                  for kind, module in modules.items()}
        lstm_1 = [p.clone() for p in params["lstm"]]
        lstm_torch.lstm_forget_bias_one(lstm_1[2], lstm_1[3])  # b_if + b_hf = 1, other blocks as drawn
        runs = {"rnn": ("rnn", params["rnn"]), "lstm_default_init": ("lstm", params["lstm"]),
                "lstm_forget_bias_1": ("lstm", lstm_1), "gru": ("gru", params["gru"])}
        generator = torch.Generator().manual_seed(seed)
        x = torch.randn(T, B, D, generator=generator, dtype=dtype)
        for model, (kind, weights) in runs.items():
            norms, diff = _jacobian_norms(kind, x, *weights)
            sums[model] += norms
            check = max(check, diff)
    norms = {model: total / len(GRAD_SEEDS) for model, total in sums.items()}
    steps_back = np.arange(T + 1)
    lo, hi = GRAD_FIT
    fit = (steps_back >= lo) & (steps_back <= hi)
    decay = {model: float(np.exp(np.polyfit(steps_back[fit], np.log(curve[fit]), 1)[0]))
             for model, curve in norms.items()}
    return {"steps_back": steps_back, "norms": norms, "decay_per_step": decay,
            "method": "exact Jacobian dh_T/dh_t by autograd (batch repeated H times, one "
                      "one-hot output unit per copy), float32, Frobenius norm, arithmetic mean over "
                      f"{B} sequences x {len(GRAD_SEEDS)} seeds; decay_per_step = exp(slope of "
                      f"least-squares fit of log norm over T-t in [{lo}, {hi}])",
            "models": GRAD_MODELS, "T": T, "B": B, "D": D, "H": H, "seeds": GRAD_SEEDS,
            "fit_range": GRAD_FIT, "check_max_abs_diff": check}


def _jacobian_norms(kind, x, weight_ih, weight_hh, bias_ih, bias_hh):
    """‖∂h_T/∂h_t‖_F for t = T..0, averaged over the batch.

    kind: "rnn", "lstm" or "gru";  x: (T, B, D);  parameters in the torch.nn layout
    returns (norms: (T+1,) NumPy array indexed by T - t,
             max |h_T - h_n of torch.nn's RNN, LSTM or GRU with these parameters|)
    """
    T, B, _ = x.shape
    H = weight_hh.shape[1]
    x_rep = x.repeat_interleave(H, dim=1)        # (T, B*H, D): row b*H + k = sequence b, unit k
    Wx_all = x_rep @ weight_ih.T + bias_ih       # (T, B*H, blocks*H) input terms
    h = torch.zeros(B * H, H, dtype=x.dtype, requires_grad=True)  # h_0, a leaf
    c = torch.zeros(B * H, H, dtype=x.dtype)
    states = [h]
    for t in range(T):
        if kind == "rnn":
            h = rnn_torch.rnn_step(Wx_all[t], h, weight_hh.T, bias_hh)
        elif kind == "lstm":
            h, c = lstm_torch.lstm_step(Wx_all[t], h, c, weight_hh.T, bias_hh)
        else:
            h = gru_torch.gru_step(Wx_all[t], h, weight_hh.T, bias_hh)
        h.retain_grad()
        states.append(h)
    pick = torch.eye(H, dtype=x.dtype).repeat(B, 1)  # (B*H, H): copy k selects unit k
    (h * pick).sum().backward()
    # states[t].grad[b*H + k, j] = ∂h_T[b, k] / ∂h_t[b, j]
    jac = torch.stack([s.grad for s in states]).reshape(T + 1, B, H, H)
    norms = torch.linalg.matrix_norm(jac).mean(dim=1).flip(0)  # (T+1,) indexed by T - t

    # h_T once more by torch.nn (cuDNN's formulas, no code in common with the snippets)
    layer = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind](x.shape[-1], H).to(x.dtype)
    with torch.no_grad():
        for name, value in zip(("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"),
                               (weight_ih, weight_hh, bias_ih, bias_hh)):
            getattr(layer, name).copy_(value)
        _, last = layer(x)
        h_n = (last[0] if kind == "lstm" else last)[0]  # (B, H): layer 0 of h_n
        diff = float((h.detach()[::H] - h_n).abs().max())
    return norms.numpy().copy(), diff


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------

def render(name, lang):
    """The plot as an inline-ready <svg> string (cached; see _svg for the uncached build)."""
    _check(name, lang)
    return _render_cached(name, lang)


@lru_cache(maxsize=None)
def _render_cached(name, lang):
    return _svg(name, lang)


def _svg(name, lang):
    """Build the figure, save it as SVG and post-process it for inline use (uncached)."""
    _check(name, lang)
    with matplotlib.rc_context(RC), warnings.catch_warnings():
        # DejaVu Sans has no Hangul: layout measures it approximately, the browser draws it.
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
        figure = {"activations": _draw_activations, "lstm_gates_over_time": _draw_lstm_gates,
                  "gradient_norms": _draw_gradient_norms}[name](_data(name), LABELS[lang])
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return _postprocess(buffer.getvalue(), name, title(name, lang), description(name, lang))


def _draw_activations(d, L):
    figure = Figure(figsize=(6.4, 3.6))
    ax = figure.add_subplot()
    for y, label, x_text, align in ((1, L["one"], -5.85, "left"), (0, L["zero"], 5.85, "right"),
                                    (-1, L["minus_one"], 5.85, "right")):
        ax.axhline(y, color=INK, linestyle=(0, (4, 3)), linewidth=0.8, alpha=0.55)
        ax.text(x_text, y + 0.05, label, ha=align, va="bottom", fontsize=8.5, alpha=0.85)
    ax.plot(d["x"], d["sigmoid"], color=BLUE, label=L["sigmoid"])
    ax.plot(d["x"], d["tanh"], color=ORANGE, label=L["tanh"])
    ax.set_xlim(-6, 6)
    ax.set_ylim(-1.3, 1.35)
    ax.set_yticks([-1, -0.5, 0, 0.5, 1])
    ax.set_xlabel("x")
    ax.grid(True)
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, 0.86), handlelength=1.8)
    figure.subplots_adjust(left=0.09, right=0.98, top=0.97, bottom=0.14)
    return figure


def _draw_lstm_gates(d, L):
    figure = Figure(figsize=(7.2, 5.0))
    top, bottom = figure.subplots(2, 1, sharex=True)
    t = d["t"]
    for ax in (top, bottom):
        for steps in (d["write_steps"], d["read_steps"]):
            for s in steps:
                ax.axvspan(s - 0.5, s + 0.5, color=INK, alpha=0.07, linewidth=0)
        ax.grid(True, axis="y")
    erase = d["read_steps"][-1] + 1
    top.axvspan(erase - 0.5, erase + 0.5, color=INK, alpha=0.07, linewidth=0)
    for s, key, x, align in ((d["write_steps"][0], "write", 0, "center"),
                             (d["read_steps"][0], "read", 0.45, "right"),
                             (erase, "erase", -0.45, "left")):
        top.text(s + x, 1.08, L[key], ha=align, va="bottom", fontsize=8.5)
    top.tick_params(axis="x", bottom=False)

    style = dict(markersize=3.6, linewidth=1.6)  # markers tell the lines apart without colour
    top.plot(t, d["i"], color=BLUE, marker="o", label=L["i"], **style)
    top.plot(t, d["f"], color=ORANGE, marker="s", label=L["f"], **style)
    top.plot(t, d["o"], color=GREEN, marker="^", label=L["o"], **style)
    top.set_ylim(-0.05, 1.05)
    top.set_yticks([0, 0.5, 1])
    top.set_ylabel(L["gates"])
    top.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), handlelength=1.6)

    bottom.plot(t, d["x"][:, 0], color=INK, alpha=0.35, linewidth=1.0, linestyle=(0, (1, 1.5)),
                drawstyle="steps-mid", label=L["x1"])
    bottom.plot(t, d["x"][:, 1], color=INK, alpha=0.35, linewidth=1.0, linestyle=(0, (4, 2)),
                drawstyle="steps-mid", label=L["x2"])
    bottom.plot(t, d["g"], color=PURPLE, marker="o", label=L["g"], **style)
    bottom.plot(t, d["c"], color=RED, marker="s", label=L["c"], **style)
    bottom.plot(t, d["h"], color=TEAL, marker="^", label=L["h"], **style)
    bottom.set_ylim(-0.1, 1.1)
    bottom.set_yticks([0, 0.5, 1])
    bottom.set_ylabel(L["states"])
    bottom.set_xlabel(L["time"])
    bottom.set_xlim(0.5, t[-1] + 0.5)
    bottom.set_xticks(t)
    bottom.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), handlelength=1.6)
    figure.subplots_adjust(left=0.08, right=0.70, top=0.94, bottom=0.1, hspace=0.12)
    return figure


def _log_tick(value, _position):
    """10^k as plain text with Unicode superscripts (no mathtext, so it stays one <text>)."""
    exponent = int(round(np.log10(value)))
    digits = str(exponent).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return "1" if exponent == 0 else f"10{digits}"


def _draw_gradient_norms(d, L):
    figure = Figure(figsize=(7.2, 4.2))
    ax = figure.add_subplot()
    colors = {"rnn": RED, "lstm_default_init": ORANGE, "lstm_forget_bias_1": BLUE, "gru": GREEN}
    styles = {"rnn": "-", "lstm_default_init": (0, (5, 2)), "lstm_forget_bias_1": (0, (7, 1.5, 1.5, 1.5)),
              "gru": (0, (2, 1.5))}  # each line its own dash pattern: not told apart by colour alone
    k = d["steps_back"]
    lo, hi = d["fit_range"]
    ax.axvspan(lo, hi, color=INK, alpha=0.05, linewidth=0)
    ax.text((lo + hi) / 2, 0.985, L["fit"].format(lo, hi), transform=ax.get_xaxis_transform(),
            ha="center", va="top", fontsize=8.5, alpha=0.85)
    for model in d["models"]:
        label = f"{L[model]}: {L['per_step'].format(d['decay_per_step'][model])}"
        ax.plot(k, d["norms"][model], color=colors[model], linestyle=styles[model], label=label)
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, numticks=8))
    ax.yaxis.set_major_formatter(FuncFormatter(_log_tick))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlim(0, k[-1])
    ax.set_xlabel(L["steps_back"])
    ax.set_ylabel(L["norm"])
    ax.grid(True, which="major")
    ax.legend(loc="lower left", handlelength=2.2)
    figure.subplots_adjust(left=0.11, right=0.97, top=0.96, bottom=0.13)
    return figure


_ID = re.compile(r'(\s)id="([^"]+)"')
_ATTRIBUTE = re.compile(r'\s(?:d|x|y|width|height|points|transform|viewBox)="[^"]*"')
_NUMBER = re.compile(r"-?\d+\.\d{3,}")
# A group of <use> elements (markers, ticks) that all carry the same style attribute.
_USES = re.compile(r'<g((?: clip-path="[^"]*")?)>((?:\s*<use [^>]*? style="[^"]*"/>)+)(\s*</g>)')
_USE_STYLE = re.compile(r' style="([^"]*)"/>')
_TEXT = re.compile(r"(<text [^>]*>)([^<]*_\w[^<]*)(</text>)")
_URL = re.compile(r"url\(#([^)]+)\)")
_HREF = re.compile(r'\b(xlink:href|href)="#([^"]+)"')


def _postprocess(svg, name, text, desc=None):
    """Raw matplotlib SVG -> inline-ready SVG (see the module docstring).

    Also shrinks it: ids nobody points at are dropped, coordinates are rounded to 0.01 pt.
    """
    svg = svg[svg.index("<svg"):]                                  # no XML declaration, DOCTYPE
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
    svg = svg.replace(INK, "currentColor")
    svg = re.sub(r"font-family: [^;\"]*", "font-family: sans-serif", svg)
    svg = re.sub(r' transform="rotate\(-0 [^"]*\)"', "", svg)   # no-op rotations
    svg = _ATTRIBUTE.sub(lambda m: _NUMBER.sub(lambda n: _round(n.group(0)), m.group(0)), svg)
    svg = _USES.sub(_hoist_style, svg)
    svg = _TEXT.sub(lambda m: m.group(1) + _subscripts(m.group(2)) + m.group(3), svg)
    # Referenced ids get short page-unique names (first letter + number); the others go.
    referenced = list(dict.fromkeys(_ID.findall(svg)))
    targets = set(_URL.findall(svg)) | {target for _, target in _HREF.findall(svg)}
    prefix = f"plot-{name}-"
    rename = {old: f"{prefix}{old[0]}{n}"
              for n, old in enumerate((r for _, r in referenced if r in targets), start=1)}
    svg = _ID.sub(lambda m: f'{m.group(1)}id="{rename[m.group(2)]}"' if m.group(2) in rename
                  else "", svg)
    svg = _URL.sub(lambda m: f"url(#{rename[m.group(1)]})", svg)
    svg = _HREF.sub(lambda m: f'{m.group(1)}="#{rename[m.group(2)]}"', svg)
    svg = re.sub(r"[ \t]+\n", "\n", svg)
    root_end = svg.index(">") + 1
    root = svg[:root_end]
    root = re.sub(r'\s(width|height)="[^"]*"', "", root)
    label = html.escape(text, quote=True)
    root = root[:-1] + f' class="plot" role="img" aria-label="{label}">'
    desc = f"<desc>{html.escape(desc, quote=False)}</desc>" if desc else ""  # the description (SVG-AAM)
    return f"{root}\n <title>{html.escape(text, quote=False)}</title>{desc}{svg[root_end:]}".rstrip() + "\n"


def _subscripts(text):
    """'‖∂h_T / ∂h_t‖' -> the same with T and t as SVG subscripts (tspans shifted by dy)."""
    pieces = re.split(r"_(\w)", text)
    out = pieces[0]
    for sub, after in zip(pieces[1::2], pieces[2::2]):
        out += f'<tspan dy="0.3em" font-size="70%">{sub}</tspan>'
        out += f'<tspan dy="-0.3em">{after}</tspan>' if after else ""
    return out


def _hoist_style(match):
    """Move the style shared by every <use> of a group onto the group (inherited, smaller)."""
    styles = set(_USE_STYLE.findall(match.group(2)))
    if len(styles) != 1:
        return match.group(0)
    uses = _USE_STYLE.sub("/>", match.group(2))
    return f'<g{match.group(1)} style="{styles.pop()}">{uses}{match.group(3)}'


def _round(number):
    """'164.241509' -> '164.24', '-0.5004' -> '-0.5', '-0.001' -> '0'."""
    value = round(float(number), 2)
    return f"{value:.2f}".rstrip("0").rstrip(".") if value else "0"
