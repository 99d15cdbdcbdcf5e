"""Plots of the backward pass, computed at build time by the book's own backward code
(rnn_backward, lstm_backward, gru_backward and the step functions of snippets/*_numpy.py).

Same contract with the MkDocs hook as book/plots.py (``::plot <name>``): NAMES, data(name),
render(name, lang), title(name, lang); same SVG post-processing, colours and determinism.
"""

import copy
import io
import warnings
from functools import lru_cache

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from book.plots import BLUE, GREEN, INK, LANGS, ORANGE, RC, RED, _log_tick, _postprocess
from snippets import gru_numpy, lstm_numpy, rnn_numpy

NAMES = ("backward_gradient_norms", "direct_path_share")

TITLES = {
    "backward_gradient_norms": {
        "ko": "한 시퀀스에서 이 책의 역전파로 잰 ‖∂L/∂h_t‖: 손실은 마지막 은닉 상태 h_T에만 있고, "
              "기본 RNN, LSTM, GRU를 PyTorch 기본 초기화로 비교합니다(로그 눈금)",
        "en": "‖∂L/∂h_t‖ on one sequence, measured with the book's own backward: the loss sits on the "
              "last hidden state h_T only; plain RNN, LSTM and GRU at PyTorch's default initialisation (log scale)",
    },
    "direct_path_share": {
        "ko": "직접 경로만 따른 기울기와 실제 기울기: LSTM은 ∂L/∂c_t와 f의 곱, GRU는 ∂L/∂h_t와 z의 곱"
              "(로그 눈금)",
        "en": "The gradient along the direct path alone against the whole gradient: the LSTM's ∂L/∂c_t "
              "against the product of f, the GRU's ∂L/∂h_t against the product of z (log scale)",
    },
}

LABELS = {
    "ko": {"rnn": "기본 RNN: ‖∂L/∂h_t‖", "lstm": "LSTM: ‖∂L/∂h_t‖", "lstm_c": "LSTM: ‖∂L/∂c_t‖",
           "gru": "GRU: ‖∂L/∂h_t‖", "time": "시간 단계 t(손실은 t = {}에)", "norm": "기울기의 노름",
           "full": "실제 기울기(역전파 전체)", "direct_lstm": "직접 경로만: f의 곱",
           "direct_gru": "직접 경로만: z의 곱", "steps_back": "거슬러 간 단계 수 k",
           "lstm_title": "LSTM: ∂L/∂c_t, t = T − k", "gru_title": "GRU: ∂L/∂h_t, t = T − k",
           "note": "k = {}: 노름 비 {:.2f}, cos {:.2f}"},
    "en": {"rnn": "plain RNN: ‖∂L/∂h_t‖", "lstm": "LSTM: ‖∂L/∂h_t‖", "lstm_c": "LSTM: ‖∂L/∂c_t‖",
           "gru": "GRU: ‖∂L/∂h_t‖", "time": "time step t (the loss is at t = {})", "norm": "norm of the gradient",
           "full": "whole gradient (full backward)", "direct_lstm": "direct path only: product of f",
           "direct_gru": "direct path only: product of z", "steps_back": "steps back k",
           "lstm_title": "LSTM: ∂L/∂c_t, t = T − k", "gru_title": "GRU: ∂L/∂h_t, t = T − k",
           "note": "k = {}: norm ratio {:.2f}, cos {:.2f}"},
}

T, D, H = 60, 8, 32       # one sequence, batch of one
SEED = 0
NOTE_STEPS = 10           # the k at which the direct-path comparison is quoted


def _check(name, lang=None):
    if name not in NAMES:
        raise ValueError(f"unknown plot {name!r}; valid names: {', '.join(NAMES)}")
    if lang is not None and lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; valid languages: {', '.join(LANGS)}")


def title(name, lang):
    _check(name, lang)
    return TITLES[name][lang]


def data(name):
    """The numbers behind plot `name` (a fresh copy; the computation is cached)."""
    _check(name)
    return copy.deepcopy(_data(name))


@lru_cache(maxsize=None)
def _data(name):
    return {"backward_gradient_norms": _norms_data, "direct_path_share": _direct_data}[name]()


def _model(blocks, seed):
    """x: (T, 1, D) ~ N(0, 1) and parameters ~ U(-1/√H, 1/√H), PyTorch's default init (float64)."""
    rng = np.random.default_rng(seed)
    bound = 1 / np.sqrt(H)
    x = rng.normal(size=(T, 1, D))
    params = [rng.uniform(-bound, bound, size=s) for s in ((blocks * H, D), (blocks * H, H), (blocks * H,),
                                                          (blocks * H,))]
    return x, params, rng.normal(size=(1, H))


def _lstm_states(x, params):
    """h_t, c_t (t = 0..T) and each step's cache, by lstm_step_forward."""
    weight_ih, weight_hh, bias_ih, bias_hh = params
    h, c = np.zeros((1, H)), np.zeros((1, H))
    hs, cs, caches = [h], [c], []
    for t in range(T):
        h, c, cache = lstm_numpy.lstm_step_forward(x[t] @ weight_ih.T + bias_ih, h, c, weight_hh, bias_hh)
        hs.append(h), cs.append(c), caches.append(cache)
    return hs, cs, caches


def _gru_states(x, params):
    weight_ih, weight_hh, bias_ih, bias_hh = params
    h = np.zeros((1, H))
    hs, caches = [h], []
    for t in range(T):
        h, cache = gru_numpy.gru_step_forward(x[t] @ weight_ih.T + bias_ih, h, weight_hh, bias_hh)
        hs.append(h), caches.append(cache)
    return hs, caches


def _norms_data():
    """‖∂L/∂h_t‖ for t = 0..T with L = v · h_T: the backward of the suffix x[t:] started at h_t.

    returns {"t": (T+1,), "rnn", "lstm", "lstm_c", "gru": (T+1,) norms}
    """
    out = {"t": np.arange(T + 1)}
    x, params, v = _model(1, SEED)
    y, _ = rnn_numpy.rnn(x, None, *params)
    hs = [np.zeros((1, H)), *y]
    out["rnn"] = np.array([np.linalg.norm(rnn_numpy.rnn_backward(x[t:], hs[t], *params, np.zeros((T - t, 1, H)),
                                                                 v)["h0"]) for t in range(T + 1)])
    x, params, v = _model(4, SEED)
    hs, cs, caches = _lstm_states(x, params)
    grads = [lstm_numpy.lstm_backward(x[t:], hs[t], cs[t], *params, np.zeros((T - t, 1, H)), v)
             for t in range(T + 1)]
    out["lstm"] = np.array([np.linalg.norm(g["h0"]) for g in grads])
    out["lstm_c"] = np.array([np.linalg.norm(g["c0"]) for g in grads])
    # With no step left, c_T reaches L only through h_T = o_T ⊙ tanh(c_T): the cell-state formula
    o_T, c_T = caches[-1]["o_t"], caches[-1]["c_t"]
    out["lstm_c"][T] = np.linalg.norm(lstm_numpy.lstm_backward_cell_state(v, o_T, c_T, np.zeros_like(v)))
    x, params, v = _model(3, SEED)
    hs, _ = _gru_states(x, params)
    out["gru"] = np.array([np.linalg.norm(gru_numpy.gru_backward(x[t:], hs[t], *params, np.zeros((T - t, 1, H)),
                                                                 v)["h0"]) for t in range(T + 1)])
    return out


def _direct_data():
    """Whole gradient vs the direct path alone, k = 0..T steps back from a loss v · c_T (LSTM)
    or v · h_T (GRU): the direct path multiplies by f_t (LSTM) or z_t (GRU) and nothing else.

    returns {"k": (T+1,), "<model>_full", "<model>_direct": (T+1,) norms, "<model>_ratio",
    "<model>_cos": ‖direct‖/‖full‖ and the cosine at k = NOTE_STEPS} for model lstm, gru
    """
    out = {"k": np.arange(T + 1)}
    x, params, v = _model(4, SEED)
    hs, cs, caches = _lstm_states(x, params)
    full, direct, carried = [], [], v
    for k in range(T + 1):
        t = T - k
        full.append(lstm_numpy.lstm_backward(x[t:], hs[t], cs[t], *params, np.zeros((k, 1, H)), None, v)["c0"])
        direct.append(carried)
        if t:
            carried = lstm_numpy.lstm_backward_cell_carry(carried, caches[t - 1]["f_t"])  # f_t ⊙ δc_t
    _summarise(out, "lstm", full, direct)
    x, params, v = _model(3, SEED)
    hs, caches = _gru_states(x, params)
    full, direct, carried = [], [], v
    for k in range(T + 1):
        t = T - k
        full.append(gru_numpy.gru_backward(x[t:], hs[t], *params, np.zeros((k, 1, H)), v)["h0"])
        direct.append(carried)
        if t:
            carried = caches[t - 1]["z_t"] * carried  # z_t ⊙ δh_t, the first term of gru_backward_hidden_state
    _summarise(out, "gru", full, direct)
    return out


def _summarise(out, model, full, direct):
    out[f"{model}_full"] = np.array([np.linalg.norm(g) for g in full])
    out[f"{model}_direct"] = np.array([np.linalg.norm(g) for g in direct])
    f, d = full[NOTE_STEPS].ravel(), direct[NOTE_STEPS].ravel()
    out[f"{model}_ratio"] = float(np.linalg.norm(d) / np.linalg.norm(f))
    out[f"{model}_cos"] = float(f @ d / (np.linalg.norm(f) * np.linalg.norm(d)))


# ---------------------------------------------------------------------------------- render

def render(name, lang):
    _check(name, lang)
    return _render_cached(name, lang)


@lru_cache(maxsize=None)
def _render_cached(name, lang):
    with matplotlib.rc_context(RC), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
        figure = {"backward_gradient_norms": _draw_norms,
                  "direct_path_share": _draw_direct}[name](_data(name), LABELS[lang])
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return _postprocess(buffer.getvalue(), name, title(name, lang), description(name, lang))


def description(name, lang):
    """What the plot shows, with its numbers: its text alternative (<desc>)."""
    _check(name, lang)
    d = _data(name)
    if name == "backward_gradient_norms":
        at = {m: (float(d[m][T]), float(d[m][0])) for m in ("rnn", "lstm", "gru")}
        parts = ", ".join(f"{m.upper()} {a:.2g} → {b:.2g}" for m, (a, b) in at.items())
        return {"ko": f"손실이 마지막 단계 T = {T}에만 걸린 한 시퀀스에서, 시간 단계 t마다 ‖∂L/∂h_t‖를 로그 눈금으로 "
                      f"그렸습니다. t = {T}에서 t = 0까지 거슬러 가며 바뀌는 값은 {parts}입니다.",
                "en": f"For one sequence with the loss at its last step T = {T}, ‖∂L/∂h_t‖ at every step t on a log "
                      f"scale. Going back from t = {T} to t = 0 it changes as {parts}."}[lang]
    ratios = {m: (d[f"{m}_ratio"], d[f"{m}_cos"]) for m in ("lstm", "gru")}
    parts = {"ko": ", ".join(f"{m.upper()} {r:.2f}배(코사인 {c:.2f})" for m, (r, c) in ratios.items()),
             "en": ", ".join(f"{m.upper()} {r:.2f} times (cosine {c:.2f})" for m, (r, c) in ratios.items())}[lang]
    return {"ko": f"k 단계 거슬러 갈 때 실제 기울기의 노름과 직접 경로(LSTM은 f, GRU는 z만 곱한 경로)만 따른 기울기의 "
                  f"노름을 k = 0부터 {T}까지 그렸습니다. k = {NOTE_STEPS}에서 직접 경로의 노름은 실제 기울기의 {parts}입니다.",
            "en": f"The norm of the whole gradient and of the direct path alone (multiplying by f for the LSTM, by z "
                  f"for the GRU) for k = 0 to {T} steps back. At k = {NOTE_STEPS} the direct path's norm is "
                  f"{parts} that of the whole gradient."}[lang]


def _log_axis(ax):
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, numticks=8))
    ax.yaxis.set_major_formatter(FuncFormatter(_log_tick))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.grid(True, which="major")


def _draw_norms(d, L):
    figure = Figure(figsize=(7.2, 4.2))
    ax = figure.add_subplot()
    ax.plot(d["t"], d["rnn"], color=RED, label=L["rnn"])
    ax.plot(d["t"], d["lstm"], color=BLUE, label=L["lstm"])
    ax.plot(d["t"], d["lstm_c"], color=BLUE, linestyle=(0, (4, 2)), label=L["lstm_c"])
    ax.plot(d["t"], d["gru"], color=GREEN, linestyle=(0, (2, 1.5)), label=L["gru"])
    _log_axis(ax)
    ax.set_xlim(0, d["t"][-1])
    ax.set_xlabel(L["time"].format(int(d["t"][-1])))
    ax.set_ylabel(L["norm"])
    ax.legend(loc="upper left", handlelength=2.2)
    figure.subplots_adjust(left=0.11, right=0.97, top=0.96, bottom=0.13)
    return figure


def _draw_direct(d, L):
    figure = Figure(figsize=(7.2, 4.0))
    axes = figure.subplots(1, 2, sharey=True)
    for ax, model in zip(axes, ("lstm", "gru")):
        ax.plot(d["k"], d[f"{model}_full"], color=BLUE if model == "lstm" else GREEN, label=L["full"])
        ax.plot(d["k"], d[f"{model}_direct"], color=ORANGE, linestyle=(0, (4, 2)), label=L[f"direct_{model}"])
        ax.axvline(NOTE_STEPS, color=INK, alpha=0.3, linewidth=0.8)
        ax.text(0.97, 0.97, L["note"].format(NOTE_STEPS, d[f"{model}_ratio"], d[f"{model}_cos"]),
                transform=ax.transAxes, ha="right", va="top", fontsize=8.5)
        _log_axis(ax)
        ax.set_xlim(0, d["k"][-1])
        ax.set_xlabel(L["steps_back"])
        ax.set_title(L[f"{model}_title"], fontsize=10)
        ax.legend(loc="lower left", handlelength=2.2, fontsize=8.5)
    axes[0].set_ylabel(L["norm"])
    figure.subplots_adjust(left=0.1, right=0.98, top=0.9, bottom=0.14, wspace=0.08)
    return figure
