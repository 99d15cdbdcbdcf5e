"""The gate explorers (book/explorers.py, docs/assets/explorers.js) compute what the snippets compute.

Pure Python: the cases embedded in the page equal the NumPy snippets' results, recomputed here,
and cover the sliders' extremes. In Chromium: every embedded case, set through the sliders
(value + `input` event), gives `data-value`s within 1e-12 of NumPy; the keyboard moves a slider;
dark mode, a 375 px screen and a reader without JavaScript all get a usable explorer; no console
errors. Screenshots go to test-artifacts/explorers/ (not committed).
"""

import json
import re
from types import SimpleNamespace

import numpy as np
import pytest

from book import explorers
from snippets import gru_numpy, lstm_numpy

from .browser import page_url
from .sitebuild import ROOT

PAGES = {"lstm": "lstm/state-update", "gru": "gru/update-gate"}
SHOTS = ROOT / "test-artifacts" / "explorers"
TOLERANCE = 1e-12
CASES_JSON = re.compile(r'<script type="application/json" class="gate-explorer-cases">(.*?)</script>', re.DOTALL)


def browser_test(function):
    """Marks of the browser tests (tests/test_browser.py)."""
    return pytest.mark.browser(function)


# ------------------------------------------------------------------------ pure Python

def numpy_reference(model, inputs):
    """The explorer's results, written out here from the snippet functions (not via book/explorers)."""
    a = {k: np.array([float(v)]) for k, v in inputs.items() if k != "N"}
    if model == "lstm":
        c_t = lstm_numpy.lstm_cell_state(a["f_t"], a["c_prev"], a["i_t"], a["g_t"])
        c = a["c_prev"]
        for _ in range(int(inputs["N"])):
            c = lstm_numpy.lstm_cell_state(a["f_t"], c, a["i_t"], a["g_t"])
        results = {"c_t": c_t, "h_t": lstm_numpy.lstm_hidden_state(a["o_t"], c_t),
                   "c_N": c, "h_N": lstm_numpy.lstm_hidden_state(a["o_t"], c)}
    else:
        w = {k: np.array([v]) for k, v in explorers.GRU_WEIGHTS.items()}
        Wx_n = w["W_in"] * w["x_t"] + w["b_in"]
        h = a["h_prev"]
        for _ in range(int(inputs["N"])):
            h = gru_numpy.gru_hidden_state(a["z_t"], a["n_t"], h)
        results = {
            "h_t": gru_numpy.gru_hidden_state(a["z_t"], a["n_t"], a["h_prev"]),
            "n_t_after": gru_numpy.gru_candidate_reset_after(Wx_n, a["r_t"], w["W_hn"] * a["h_prev"] + w["b_hn"]),
            "n_t_before": gru_numpy.gru_candidate_reset_before(Wx_n, a["r_t"], a["h_prev"], w["W_hn"][None, :],
                                                               w["b_hn"]),
            "h_N": h,
        }
    return {k: float(v[0]) for k, v in results.items()}


def embedded(model, lang):
    return json.loads(CASES_JSON.search(explorers.render(model, lang)).group(1).replace("<\\/", "</"))


@pytest.mark.parametrize("lang", explorers.LANGS)
@pytest.mark.parametrize("model", explorers.NAMES)
def test_embedded_cases_equal_the_snippets(model, lang):
    data = embedded(model, lang)
    assert data["model"] == model and len(data["cases"]) >= 8
    for case in data["cases"]:
        assert case["outputs"] == numpy_reference(model, case["inputs"]), case


def test_sequence_mode_forgets_by_the_power_of_the_gate():
    """f = 0.9, i = 0 for 100 steps leaves 0.9^100 of c_prev; z = 0.9 with n = 0 the same for h."""
    lstm_case = explorers.outputs("lstm", {"f_t": 0.9, "i_t": 0, "g_t": 0.5, "o_t": 1, "c_prev": 1, "N": 100})
    assert lstm_case["c_N"] == pytest.approx(0.9 ** 100, rel=1e-13)
    assert lstm_case["h_N"] == pytest.approx(np.tanh(0.9 ** 100), rel=1e-13)
    gru_case = explorers.outputs("gru", {"z_t": 0.95, "n_t": 1, "h_prev": -1, "r_t": 0.3, "N": 100})
    assert gru_case["h_N"] == pytest.approx(0.95 ** 100 * -1 + (1 - 0.95 ** 100) * 1, rel=1e-13)
    assert [c for c in explorers.cases("lstm") if c["inputs"]["N"] == 100 and c["inputs"]["f_t"] == 0.9]


def test_the_candidate_forms_differ_by_the_bias_under_the_reset():
    """r = 1: the two forms agree; r = 0: reset after loses b_hn, reset before keeps it (fixed weights)."""
    w = explorers.GRU_WEIGHTS
    one = explorers.outputs("gru", {"z_t": 0.5, "n_t": 0, "h_prev": 0.6, "r_t": 1, "N": 1})
    assert one["n_t_after"] == pytest.approx(one["n_t_before"], abs=1e-15)
    zero = explorers.outputs("gru", {"z_t": 0.5, "n_t": 0, "h_prev": 0.6, "r_t": 0, "N": 1})
    assert zero["n_t_after"] == pytest.approx(np.tanh(w["W_in"] * w["x_t"] + w["b_in"]), abs=1e-15)
    assert zero["n_t_before"] == pytest.approx(np.tanh(w["W_in"] * w["x_t"] + w["b_in"] + w["b_hn"]), abs=1e-15)


@pytest.mark.parametrize("model", explorers.NAMES)
def test_cases_reach_every_bound_and_lie_on_the_slider_grid(model):
    cases = [c["inputs"] for c in explorers.cases(model)]
    for name, (low, high, step, default) in explorers.SLIDERS[model].items():
        values = {case[name] for case in cases}
        assert low in values and high in values, (name, sorted(values))
        for value in values | {default}:
            assert abs(round((value - low) / step) * step + low - value) < 1e-9, (name, value)


def test_lstm_cases_name_every_row_of_the_page_table():
    rows = {case["row"] for case in explorers.cases("lstm") if case["key"]}
    assert rows == {name for name, _, _ in explorers.LSTM_ROWS}
    assert explorers.lstm_row(1, 0) == ("keep", True)
    assert explorers.lstm_row(0.9, 0.2) == ("keep", False)
    assert explorers.lstm_row(0.2, 0.8) == ("replace", False)


@pytest.mark.parametrize("model", explorers.NAMES)
def test_static_table_prints_the_key_cases(model):
    page = explorers.render(model, "en")
    rows = re.findall(r'<tr data-case="(\d+)">(.*?)</tr>', page)
    cases = explorers.cases(model)
    assert [int(i) for i, _ in rows] == [i for i, c in enumerate(cases) if c["key"]]
    for index, cells in rows:
        printed = re.findall(r"<td>(−?[\d.]+)</td>", cells)
        wanted = [f"{v:g}" for v in cases[int(index)]["inputs"].values()]
        wanted += [f"{v:.4f}".replace("-", "−") if v else "0.0000" for v in cases[int(index)]["outputs"].values()]
        assert printed == [w.replace("-", "−") for w in wanted], (printed, wanted)


def test_the_explorer_stays_out_of_the_search_index():
    """Its labels and numbers are no prose to search; the exclusion must cover the whole element."""
    from material.plugins.search.plugin import Parser

    for model in explorers.NAMES:
        parser = Parser()
        parser.feed(f"<h2 id='explorer'>Try</h2><p>before</p>{explorers.render(model, 'en')}<p>after</p>")
        parser.close()
        text = " ".join("".join(section.text) for section in parser.data)
        assert "before" in text and "after" in text, text
        assert "explorer" not in text and "NumPy" not in text and "0.5" not in text, text


def test_bad_input_is_refused_with_a_message():
    with pytest.raises(ValueError, match="unknown explorer 'rnn'"):
        explorers.render("rnn", "ko")
    with pytest.raises(ValueError, match="unknown language 'de'"):
        explorers.render("lstm", "de")
    with pytest.raises(ValueError, match=r"f_t = 1.5 lies outside the slider's range \[0, 1\]"):
        explorers.outputs("lstm", {"f_t": 1.5, "i_t": 0, "g_t": 0, "o_t": 0, "c_prev": 0, "N": 1})
    with pytest.raises(ValueError, match="inputs of the gru explorer"):
        explorers.outputs("gru", {"z_t": 0.5})


def test_the_directive_refuses_an_unknown_explorer():
    import hooks
    from mkdocs.exceptions import PluginError

    page = SimpleNamespace(url="lstm/state-update/")
    assert 'data-model="lstm"' in hooks._explorer("lstm", "ko", page)
    assert 'src="../../assets/explorers.js"' in hooks._explorer("lstm", "ko", page)
    with pytest.raises(PluginError, match="unknown explorer 'lsmt'"):
        hooks._explorer("lsmt", "ko", page)


# ---------------------------------------------------------------------------- browser

@pytest.fixture
def context_of(browser, server):
    """new(**options) opens a page in a fresh context that records console errors and foreign requests."""
    contexts = []

    def new(**options):
        context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **options})
        contexts.append(context)
        page = context.new_page()
        page.errors, page.foreign = [], []
        page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.on("request", lambda r: page.foreign.append(r.url)
                if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
        return page

    yield new
    for context in contexts:
        context.close()


def open_explorer(context_of, server, model, lang, **options):
    page = context_of(**options)
    response = page.goto(server + page_url(PAGES[model], lang), wait_until="networkidle")
    assert response.ok, response.status
    root = page.locator(f".gate-explorer[data-model='{model}']")
    assert root.count() == 1
    return page, root


SET_SLIDERS = """(root, values) => {
    for (const [name, value] of Object.entries(values)) {
        const input = root.querySelector(`input[type=range][name="${name}"]`);
        input.value = String(value);
        input.dispatchEvent(new Event('input', {bubbles: true}));
    }
    const read = {};
    root.querySelectorAll('input[type=range]').forEach(i => { read[i.name] = i.value; });
    const out = {};
    root.querySelectorAll('output[data-key]').forEach(o => { out[o.dataset.key] = [o.dataset.value, o.textContent]; });
    return [read, out];
}"""


def set_sliders(root, values):
    read, out = root.evaluate(SET_SLIDERS, values)
    return {k: float(v) for k, v in read.items()}, out


def shoot(page, root, name):
    """A screenshot of the explorer alone; Material's fixed header would cover part of it."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.querySelector('.md-header').style.visibility = 'hidden'")
    root.screenshot(path=str(SHOTS / name))
    page.evaluate("document.querySelector('.md-header').style.visibility = ''")


def shown(text):
    """The output's text as a number; it must carry at least 3 decimals."""
    assert re.fullmatch(r"−?\d+\.\d{3,}", text), text
    return float(text.replace("−", "-"))


@browser_test
@pytest.mark.parametrize("lang", explorers.LANGS)
@pytest.mark.parametrize("model", explorers.NAMES)
def test_every_embedded_case_agrees_with_numpy(context_of, server, model, lang):
    page, root = open_explorer(context_of, server, model, lang)
    data = json.loads(root.locator("script.gate-explorer-cases").text_content())
    assert len(data["cases"]) == len(explorers.cases(model))
    worst = 0.0
    for case in data["cases"]:
        inputs, out = set_sliders(root, case["inputs"])
        assert inputs == {k: float(v) for k, v in case["inputs"].items()}, (inputs, case["inputs"])
        expected = numpy_reference(model, inputs)
        for key, value in expected.items():
            got, text = out[key]
            worst = max(worst, abs(float(got) - value))
            assert abs(float(got) - value) <= TOLERANCE, (key, case, got, value)
            assert abs(shown(text) - value) <= 5e-5 * max(1, abs(value)), (key, text, value)
        if model == "lstm":
            assert out["case"][0] == case["row"], (case, out["case"])
    assert worst <= TOLERANCE
    assert page.errors == [] and page.foreign == [], (page.errors, page.foreign)


@browser_test
@pytest.mark.parametrize("lang", explorers.LANGS)
@pytest.mark.parametrize("model,name", [("lstm", "f_t"), ("gru", "z_t"), ("gru", "r_t")])
def test_keyboard_moves_a_slider_and_the_results_follow(context_of, server, model, name, lang):
    page, root = open_explorer(context_of, server, model, lang)
    words = explorers.WORDS[lang]
    for slider in explorers.SLIDERS[model]:  # every control has an accessible name from its label
        assert page.get_by_role("slider", name=words[slider], exact=False).count() >= 1, slider
    before, out_before = set_sliders(root, {})
    slider = page.get_by_role("slider", name=words[name], exact=False).first
    slider.focus()
    slider.press("ArrowRight")
    after, out_after = set_sliders(root, {})
    step = explorers.SLIDERS[model][name][2]
    assert after[name] == pytest.approx(before[name] + step, abs=1e-12)
    result = {"f_t": "c_t", "z_t": "h_t", "r_t": "n_t_after"}[name]  # each moves at the default values
    assert out_after[result][0] != out_before[result][0]
    assert abs(float(out_after[result][0]) - numpy_reference(model, after)[result]) <= TOLERANCE
    page.keyboard.press("Tab")  # the next control takes the focus
    assert page.evaluate("document.activeElement.tagName") in {"INPUT", "BUTTON"}
    assert page.errors == []


@browser_test
@pytest.mark.parametrize("lang", explorers.LANGS)
@pytest.mark.parametrize("model", explorers.NAMES)
def test_screenshots_light_and_dark(context_of, server, model, lang):
    page, root = open_explorer(context_of, server, model, lang)
    set_sliders(root, {"N": 60})
    shoot(page, root, f"{model}-{lang}.png")
    page.locator("form[data-md-component='palette'] label:visible").first.click()
    page.wait_for_timeout(300)
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
    shoot(page, root, f"{model}-{lang}-dark.png")
    contrasts = root.evaluate("""root => {
        const rgb = c => (c.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
        const lum = ([r, g, b]) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
                                     return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
        const bg = lum(rgb(getComputedStyle(root).backgroundColor));
        return [...root.querySelectorAll('label, output, legend, td')].map(e => {
            const l = lum(rgb(getComputedStyle(e).color));
            return (Math.max(l, bg) + 0.05) / (Math.min(l, bg) + 0.05); });
    }""")
    assert contrasts and min(contrasts) >= 4.5, min(contrasts)
    assert root.locator("svg.gx-chart polyline").count() >= 2
    assert (SHOTS / f"{model}-{lang}.png").stat().st_size > 10_000
    assert page.errors == []


@browser_test
@pytest.mark.parametrize("lang", explorers.LANGS)
@pytest.mark.parametrize("model", explorers.NAMES)
def test_phone_width_has_no_horizontal_overflow(context_of, server, model, lang):
    page, root = open_explorer(context_of, server, model, lang, viewport={"width": 375, "height": 800})
    root.scroll_into_view_if_needed()
    widths = page.evaluate("""() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,
        ...[...document.querySelectorAll('.gate-explorer input, .gate-explorer output, .gate-explorer svg')]
            .map(e => e.getBoundingClientRect().right)]""")
    scroll, client, *rights = widths
    assert scroll <= client == 375, widths[:2]
    assert max(rights) <= 375, max(rights)
    shoot(page, root, f"{model}-{lang}-375px.png")
    assert page.errors == []


@browser_test
@pytest.mark.parametrize("model", explorers.NAMES)
def test_without_javascript_the_static_table_remains(context_of, server, model):
    page, root = open_explorer(context_of, server, model, "ko", java_script_enabled=False)
    assert root.locator(".gx-live").is_hidden()
    table = root.locator("table.gx-cases")
    assert table.is_visible()
    key_cases = [c for c in explorers.cases(model) if c["key"]]
    assert table.locator("tbody tr").count() == len(key_cases)
    first = key_cases[0]["outputs"]
    key = "c_t" if model == "lstm" else "h_t"
    assert f"{first[key]:.4f}".replace("-", "−") in table.locator("tbody tr").first.inner_text()
    assert root.locator("noscript").count() == 1
    assert page.errors == []


@browser_test
def test_a_row_button_sets_the_sliders_to_its_case(context_of, server):
    page, root = open_explorer(context_of, server, "lstm", "ko")
    case = next(c for c in explorers.cases("lstm") if c["key"] and c["row"] == "erase")
    index = explorers.cases("lstm").index(case)
    root.locator(f"tr[data-case='{index}'] button").click()
    inputs, out = set_sliders(root, {})
    assert inputs == {k: float(v) for k, v in case["inputs"].items()}
    assert out["case"][0] == "erase" and out["c_t"][0] == "0"
    assert page.errors == []
