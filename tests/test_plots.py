"""book/plots.py: inline-ready, deterministic SVGs whose numbers come from snippets/."""

import hashlib
import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import torch

from book import catalogue, plots

ROOT = Path(__file__).resolve().parents[1]
SVG_NS = "{http://www.w3.org/2000/svg}"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
CASES = [(name, lang) for name in plots.NAMES for lang in plots.LANGS]
MAX_BYTES = 40_000


def svg_problems(svg, name, lang):
    """Everything wrong with an SVG for inline use on a page of the book (empty list: fine)."""
    problems = []
    if not svg.startswith("<svg"):
        problems.append("does not start with <svg (XML declaration or DOCTYPE left?)")
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as error:
        return problems + [f"not well-formed XML: {error}"]
    if root.tag != SVG_NS + "svg":
        problems.append(f"root is {root.tag}")
    if root.get("role") != "img":
        problems.append("root lacks role=img")
    if "plot" not in (root.get("class") or "").split():
        problems.append("root lacks class=plot")
    expected = plots.title(name, lang)
    if root.get("aria-label") != expected:
        problems.append(f"aria-label is {root.get('aria-label')!r}")
    if len(root) == 0 or root[0].tag != SVG_NS + "title" or root[0].text != expected:
        problems.append("first child is not <title> with the title text")
    for attribute in ("width", "height"):
        if attribute in root.attrib:
            problems.append(f"root has a {attribute} attribute")
    if "viewBox" not in root.attrib:
        problems.append("root has no viewBox")
    if len(svg.encode("utf-8")) > MAX_BYTES:
        problems.append(f"{len(svg.encode('utf-8'))} bytes > {MAX_BYTES}")
    if re.search(r"#0[0-9a-f]0[0-9a-f]0[0-9a-f]\b", svg, re.IGNORECASE):
        problems.append("a sentinel colour (#010101-style) is left")
    if "currentColor" not in svg:
        problems.append("no currentColor: text and axes would not follow the theme")
    if re.search(r"fill:\s*#fff(fff)?\b", svg, re.IGNORECASE):
        problems.append("a white background is painted")
    if "<path" in svg and "<text" not in svg:
        problems.append("text drawn as paths (svg.fonttype must be 'none')")
    texts = " ".join("".join(t.itertext()) for t in root.iter(SVG_NS + "text"))
    if lang == "ko" and not HANGUL.search(texts):
        problems.append("no Hangul in the <text> elements of a ko plot")
    if lang == "en" and HANGUL.search(svg):
        problems.append("Hangul in an en plot")
    ids = [element.get("id") for element in root.iter() if element.get("id") is not None]
    prefix = f"plot-{name}-"
    problems += [f"id {i!r} lacks the prefix {prefix!r}" for i in ids if not i.startswith(prefix)]
    if len(ids) != len(set(ids)):
        problems.append("duplicate ids")
    references = re.findall(r"url\(#([^)]+)\)", svg) + re.findall(r'href="#([^"]+)"', svg)
    problems += [f"reference to missing id {r!r}" for r in references if r not in set(ids)]
    return problems


@pytest.mark.parametrize("name,lang", CASES)
def test_render_is_inline_ready(name, lang):
    assert svg_problems(plots.render(name, lang), name, lang) == []


@pytest.mark.parametrize("name,lang", CASES)
def test_render_is_deterministic_within_a_process(name, lang):
    first, second = plots._svg(name, lang), plots._svg(name, lang)  # uncached builds
    assert first == second
    assert plots.render(name, lang) == first


def test_render_is_deterministic_across_processes():
    code = ("import hashlib; from book import plots; print(hashlib.sha256(''.join("
            "plots.render(n, l) for n in plots.NAMES for l in plots.LANGS).encode()).hexdigest())")
    other = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.strip()
    here = hashlib.sha256("".join(plots.render(n, l) for n, l in CASES).encode()).hexdigest()
    assert other == here


def test_the_checker_can_fail():
    """svg_problems is not vacuous: raw matplotlib output and small breakages are caught."""
    from matplotlib.figure import Figure
    import io

    figure = Figure(figsize=(2, 2))
    figure.add_subplot().plot([0, 1], [0, 1], color="#010101")
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    raw = buffer.getvalue()
    problems = " | ".join(svg_problems(raw, "activations", "en"))
    for expected in ("XML declaration", "role=img", "width", "sentinel", "currentColor", "prefix",
                     "white background"):
        assert expected in problems, expected

    good = plots.render("activations", "ko")
    id_ = re.search(r'id="([^"]+)"', good).group(1)
    broken = {
        "missing id": good.replace(f'id="{id_}"', 'id="plot-activations-other"'),
        "Hangul": re.sub(r"(<text[^>]*>)[^<]*", r"\1x", good),  # keeps the Hangul <title>
        "title": good.replace("<title>", "<desc>", 1).replace("</title>", "</desc>", 1),
        "bytes": good.replace("</svg>", "<!--" + "x" * MAX_BYTES + "--></svg>"),
    }
    for what, svg in broken.items():
        assert svg != good, what
        assert svg_problems(svg, "activations", "ko"), what


def test_korean_labels_use_the_glossary_terms():
    avoid = catalogue.avoided_terms()
    assert avoid
    text = "".join(plots.render(name, "ko") for name in plots.NAMES)
    assert [term for term in avoid if term in text] == []
    for term in ("망각 게이트", "입력 게이트", "출력 게이트", "셀 상태", "은닉 상태", "후보 셀 상태",
                 "시간 단계"):
        assert term in text, term


@pytest.mark.parametrize("call", [lambda: plots.data("nope"), lambda: plots.render("nope", "ko"),
                                  lambda: plots.render("activations", "de"),
                                  lambda: plots.title("activations", "fr")])
def test_unknown_names_and_languages_are_rejected(call):
    with pytest.raises(ValueError, match="valid"):
        call()


def test_data_is_a_copy():
    d = plots.data("activations")
    d["x"][:] = 0
    assert plots.data("activations")["x"][0] == -6


# --- the numbers behind the pictures ---------------------------------------------------------

def test_activations_data():
    d = plots.data("activations")
    assert d["x"][0] == -6 and d["x"][-1] == 6
    assert np.all((d["sigmoid"] >= 0) & (d["sigmoid"] <= 1))
    assert np.all((d["tanh"] >= -1) & (d["tanh"] <= 1))
    assert d["sigmoid"][np.flatnonzero(d["x"] == 0)[0]] == 0.5
    # written again with the math module, not with the snippet function that made the curve
    np.testing.assert_allclose(d["sigmoid"], [1 / (1 + math.exp(-v)) for v in d["x"]], rtol=0, atol=1e-15)
    np.testing.assert_allclose(d["tanh"], [math.tanh(v) for v in d["x"]], rtol=0, atol=1e-15)
    assert np.all(np.diff(d["sigmoid"]) > 0) and np.all(np.diff(d["tanh"]) > 0)


def test_lstm_gates_follow_the_formulas():
    d = plots.data("lstm_gates_over_time")
    T = len(d["t"])
    for gate in "ifo":
        assert np.all((d[gate] > 0) & (d[gate] < 1)), gate
    assert np.all(np.abs(d["g"]) < 1)
    c_prev, h_prev = d["c0"], d["h0"]
    for t in range(T):
        c = d["f"][t] * c_prev + d["i"][t] * d["g"][t]      # c_t = f c_{t-1} + i g
        assert abs(c - d["c"][t]) < 1e-12, t
        assert abs(d["o"][t] * np.tanh(c) - d["h"][t]) < 1e-12, t  # h_t = o tanh(c_t)
        # the gates themselves from the recorded weights and the previous h
        pre = d["weight_ih"] @ d["x"][t] + d["bias_ih"] + d["weight_hh"][:, 0] * h_prev + d["bias_hh"]
        sigma = [1 / (1 + math.exp(-v)) for v in pre]
        np.testing.assert_allclose([d["i"][t], d["f"][t], d["g"][t], d["o"][t]],
                                   [sigma[0], sigma[1], math.tanh(pre[2]), sigma[3]], rtol=0, atol=1e-12)
        c_prev, h_prev = d["c"][t], d["h"][t]
    # the whole sequence agrees with torch.nn.LSTM given the recorded weights
    layer = torch.nn.LSTM(2, 1).double()
    with torch.no_grad():
        for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(layer, f"{k}_l0").copy_(torch.from_numpy(d[k]))
        y, (h_n, c_n) = layer(torch.from_numpy(d["x"])[:, None, :])
    np.testing.assert_allclose(y.numpy()[:, 0, 0], d["h"], rtol=0, atol=1e-12)
    assert abs(float(c_n[0, 0, 0]) - d["c"][-1]) < 1e-12


def test_lstm_gates_tell_the_story():
    """Write opens i, the hold keeps c (f near 1), read opens o, and the step after erases c."""
    d = plots.data("lstm_gates_over_time")
    (write,), (read,) = d["write_steps"], d["read_steps"]
    w, r = write - 1, read - 1  # 0-based indices
    assert d["i"][w] > 0.9 and np.delete(d["i"], w).max() < 0.1
    assert d["o"][r] > 0.9 and np.delete(d["o"], r).max() < 0.1
    assert d["f"][w:r + 1].min() > 0.95 and d["f"][r + 1] < 0.1
    assert d["c"][r] > 0.7 and d["c"][r + 1] < 0.05
    assert d["h"][r] > 0.5 and np.abs(np.delete(d["h"], r)).max() < 0.05


def test_gradient_norms():
    d = plots.data("gradient_norms")
    norms, decay = d["norms"], d["decay_per_step"]
    assert set(norms) == set(decay) == {"rnn", "lstm_default_init", "lstm_forget_bias_1", "gru"}
    for model, curve in norms.items():
        assert curve.shape == (d["T"] + 1,), model
        assert np.all(np.isfinite(curve)) and np.all(curve > 0), model
        assert curve[0] == pytest.approx(np.sqrt(d["H"]), rel=1e-6), model  # ‖I‖_F at T - t = 0
        assert 0 < decay[model] < 1, model
    assert decay["rnn"] < decay["lstm_forget_bias_1"]
    assert norms["lstm_forget_bias_1"][40] > 10 * norms["rnn"][40]
    assert d["check_max_abs_diff"] < 1e-5  # h_T stepped by the snippets == torch.nn's h_n (float32)
    assert "Frobenius" in d["method"]


def _nn_cell(kind, weight_ih, weight_hh, bias_ih, bias_hh):
    H, D = weight_hh.shape[1], weight_ih.shape[1]
    cell = {"rnn": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell}[kind](D, H).double()
    with torch.no_grad():
        for p, value in zip((cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh),
                            (weight_ih, weight_hh, bias_ih, bias_hh)):
            p.copy_(value)
    return cell


@pytest.mark.parametrize("kind,blocks", [("rnn", 1), ("lstm", 4), ("gru", 3)])
def test_jacobian_norms_match_autograd_through_torch_nn(kind, blocks):
    """The gradient-norm curve's method on a small case, against torch.autograd.functional.jacobian
    of h_T with respect to h_t through torch.nn's cells (for the LSTM, c_t held fixed)."""
    T, B, D, H = 4, 2, 3, 3
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(T, B, D, generator=generator, dtype=torch.float64)
    params = [torch.randn(*s, generator=generator, dtype=torch.float64) * 0.7
              for s in ((blocks * H, D), (blocks * H, H), (blocks * H,), (blocks * H,))]
    norms, diff = plots._jacobian_norms(kind, x, *params)
    assert diff < 1e-12
    cell = _nn_cell(kind, *params)
    states = [(torch.zeros(B, H, dtype=torch.float64), torch.zeros(B, H, dtype=torch.float64))]
    with torch.no_grad():
        for t in range(T):
            h, c = states[-1]
            states.append(cell(x[t], (h, c)) if kind == "lstm" else (cell(x[t], h), c))

    expected = []
    for t in range(T + 1):
        def h_T_from(h_t, t=t):
            h, c = h_t, states[t][1]
            for s in range(t, T):
                h, c = cell(x[s], (h, c)) if kind == "lstm" else (cell(x[s], h), c)
            return h
        jac = torch.autograd.functional.jacobian(h_T_from, states[t][0])  # (B, H, B, H)
        per_sequence = [torch.linalg.matrix_norm(jac[b, :, b, :]) for b in range(B)]
        expected.append(float(torch.stack(per_sequence).mean()))
    np.testing.assert_allclose(norms, expected[::-1], rtol=1e-10, atol=0)  # norms are indexed by T - t


def test_gradient_norm_labels_say_what_was_measured():
    """The default-initialised LSTM keeps PyTorch's uniform draw: its forget-gate biases are
    neither 0 nor 1, so the legend names the initialisation, and the other LSTM the bias sum."""
    torch.manual_seed(plots.GRAD_SEEDS[0])
    torch.nn.RNN(plots.GRAD_D, plots.GRAD_H)  # the order of creation in _gradient_norms_data
    layer = torch.nn.LSTM(plots.GRAD_D, plots.GRAD_H)
    H = plots.GRAD_H
    forget_sum = (layer.bias_ih_l0 + layer.bias_hh_l0)[H:2 * H].detach()
    assert forget_sum.abs().max() > 0.05 and not torch.allclose(forget_sum, torch.ones(H))
    labels = {lang: plots.LABELS[lang] for lang in plots.LANGS}
    assert "기본 초기화" in labels["ko"]["lstm_default_init"]
    assert "default init" in labels["en"]["lstm_default_init"]
    assert "합 = 1" in labels["ko"]["lstm_forget_bias_1"] and "sum = 1" in labels["en"]["lstm_forget_bias_1"]
    for lang in plots.LANGS:
        svg = plots.render("gradient_norms", lang)
        assert labels[lang]["lstm_default_init"] in svg
        assert "편향 0" not in svg and "bias 0" not in svg
