"""The adding-problem chapter: committed results reproduce, the text says what the data say,
and stale results fail the build.

book/results/adding.json is computed by `make experiments` (experiments/adding.py); the build
only reads it (book/experiment.py). These tests
  * check the experiment's machinery against independent references: the book's backward
    functions (and the IRNN's) against autograd, clipping and Adam against torch.optim, the
    measurements against finite differences;
  * retrain parts of the grid and compare them with the file: every model at the shortest length
    (the whole budget, and its measurements), and a prefix of two models at T = 40;
  * recompute every sentence of the chapter from the raw cells, independently of book/experiment.py;
  * check the staleness rule: a refactor keeps the results valid, a changed number does not, and a
    stale file fails the real strict build with a message naming `make experiments`.
"""

import json
import math
import re
import shutil

import numpy as np
import pytest
import torch

from book import experiment
from experiments import adding

from .sitebuild import ROOT, reduce_docs, shared_build
from .test_build_guards import assert_stops_at

RESULTS = json.loads(experiment.RESULTS.read_text(encoding="utf-8"))
SETTINGS = RESULTS["settings"]
PAGES = {lang: ROOT / f"docs/experiments/adding-problem.{lang}.md" for lang in ("ko", "en")}


@pytest.fixture
def deterministic():
    """The experiment's settings (one thread, deterministic algorithms), restored afterwards."""
    threads, strict = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    adding.configure_determinism()
    yield
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(strict)


def _cell(model, T, seed):
    return next(c for c in RESULTS["cells"] if (c["model"], c["T"], c["seed"]) == (model, T, seed))


# ------------------------------------------------------------------------ the machinery, checked

def test_the_data_follow_the_task():
    x, y, marks = adding.adding_batch(20, 256, np.random.default_rng(0))
    assert x.shape == (20, 256, 2) and y.shape == (256,)
    assert np.all(x[..., 1].sum(0) == 2)                                 # exactly two markers
    assert np.all(marks[:, 0] < 10) and np.all(marks[:, 1] >= 10)        # one in each half
    np.testing.assert_array_equal(y, (x[..., 0] * x[..., 1]).sum(0))     # the target is their sum
    with pytest.raises(ValueError, match="T must be at least 2"):
        adding.adding_batch(1, 4, np.random.default_rng(0))


def test_the_reference_levels_are_the_variances():
    x, y, marks = adding.adding_batch(50, 200_000, np.random.default_rng(1))
    baseline, second = adding.reference_levels(y, x, marks)
    assert baseline == pytest.approx(1 / 6, abs=2e-3) and second == pytest.approx(1 / 12, abs=1e-3)
    for T in SETTINGS["lengths"]:
        (xv, yv, mv), (xt, yt, mt) = adding.held_out(T, SETTINGS)
        levels = RESULTS["levels"][str(T)]
        assert levels["val_baseline"] == pytest.approx(adding.reference_levels(yv, xv, mv)[0], abs=1e-15)
        assert levels["test_second_only"] == pytest.approx(adding.reference_levels(yt, xt, mt)[1], abs=1e-15)


def test_the_initialisations():
    H = 5
    lstm = adding.init_parameters("lstm", H, np.random.default_rng(0))
    fb1 = adding.init_parameters("lstm_fb1", H, np.random.default_rng(0))
    forget = slice(H, 2 * H)
    np.testing.assert_array_equal((fb1["bias_ih"] + fb1["bias_hh"])[forget], np.ones(H))
    np.testing.assert_array_equal(np.delete(fb1["bias_ih"], np.r_[forget]), np.delete(lstm["bias_ih"], np.r_[forget]))
    irnn = adding.init_parameters("irnn", H, np.random.default_rng(0))
    np.testing.assert_array_equal(irnn["weight_hh"], np.eye(H))
    np.testing.assert_array_equal(irnn["bias_hh"], np.zeros(H))
    with pytest.raises(ValueError, match="model must be one of"):
        adding.init_parameters("transformer", H, np.random.default_rng(0))


def _autograd_loss(model, p, x, y):
    """The same model in torch, with autograd (the reference for the book's backward)."""
    p = {k: torch.tensor(v, requires_grad=True) for k, v in p.items()}
    prediction, _, _ = adding.replay(model, p, torch.tensor(x))
    torch.mean((prediction - torch.tensor(y)) ** 2).backward()
    return {k: v.grad.numpy() for k, v in p.items()}


@pytest.mark.parametrize("model", adding.MODELS)
def test_the_training_gradients_are_autograds(model):
    """One step's gradients, as train_seed computes them with the book's backward functions."""
    p = adding.init_parameters(model, 4, np.random.default_rng(3))
    x, y, _ = adding.adding_batch(9, 6, np.random.default_rng(4))
    lib = adding.NUMPY[model]
    prediction, h = adding.predict(model, lib, p, x)
    dprediction = 2 * (prediction - y) / len(y)
    grads = adding.recurrent_backward(model, lib, p, x, dprediction[:, None] * p["weight_out"])
    expected = _autograd_loss(model, p, x, y)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        np.testing.assert_allclose(grads[name], expected[name], rtol=1e-9, atol=1e-13, err_msg=name)
    np.testing.assert_allclose(dprediction[None] @ h, expected["weight_out"], rtol=1e-9, atol=1e-13)


def test_clipping_and_adam_are_torch_optims():
    """train_seed (float64) against torch.nn.utils.clip_grad_norm_ + torch.optim.Adam on autograd."""
    settings = dict(SETTINGS, dtype="float64", clip_norm=0.05, lengths=[7], steps=[6], eval_every=3)
    model, T, seed = "gru", 7, 2
    _, trained, init = adding.train_seed(model, T, seed, settings)
    p = {k: torch.tensor(v, requires_grad=True) for k, v in init.items()}
    optimizer = torch.optim.Adam(p.values(), lr=settings["learning_rate"])
    stream = np.random.default_rng([seed, T, 2])
    for _ in range(6):
        x, y, _ = adding.adding_batch(T, settings["batch_size"], stream)
        prediction, _, _ = adding.replay(model, p, torch.tensor(x))
        loss = torch.mean((prediction - torch.tensor(y)) ** 2)
        optimizer.zero_grad()
        loss.backward()
        assert torch.nn.utils.clip_grad_norm_(p.values(), settings["clip_norm"]) > settings["clip_norm"]  # it clips
        optimizer.step()
    for name, value in p.items():
        np.testing.assert_allclose(trained[name], value.detach().numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


def test_the_replay_is_the_snippets_recurrence():
    x, _, _ = adding.adding_batch(12, 3, np.random.default_rng(1))
    for model, run in (("lstm_fb1", lambda p, x: adding.lstm_torch.lstm(x, None, None, *p)[0]),
                       ("gru", lambda p, x: adding.gru_torch.gru(x, None, *p)[0]),
                       ("rnn", lambda p, x: adding.rnn_torch.rnn(x, None, *p)[0])):
        p = {k: torch.tensor(v) for k, v in adding.init_parameters(model, 4, np.random.default_rng(0)).items()}
        _, states, _ = adding.replay(model, p, torch.tensor(x))
        weights = (p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"])
        torch.testing.assert_close(torch.stack(states), run(weights, torch.tensor(x)), rtol=0, atol=1e-15)


def test_the_measurements_are_what_they_say():
    """∂ŷ/∂u against central differences, the contributions add up to ∂ŷ/∂u₁, and at distance 0
    the gradient ∂ŷ/∂h_T is the read-out weight."""
    model = "lstm_fb1"
    p = adding.init_parameters(model, 4, np.random.default_rng(5))
    test = adding.adding_batch(11, 40, np.random.default_rng(6))
    out = adding.measure(model, p, test, SETTINGS)
    x, _, marks = test
    columns = np.arange(x.shape[1])
    pt = {k: torch.tensor(v) for k, v in p.items()}

    def predict(x):
        with torch.no_grad():
            return adding.replay(model, pt, torch.tensor(x))[0].numpy()

    for k, key in ((0, "du1"), (1, "du2")):
        up, down = x.copy(), x.copy()
        up[marks[:, k], columns, 0] += 1e-6
        down[marks[:, k], columns, 0] -= 1e-6
        assert out[key] == pytest.approx(float(np.mean((predict(up) - predict(down)) / 2e-6)), rel=1e-3, abs=1e-7)
    assert sum(out["contribution"]) == pytest.approx(out["du1"], rel=1e-3, abs=1e-6)
    assert out["grad_norm"][0] == pytest.approx(float(np.linalg.norm(p["weight_out"])), rel=1e-3)
    assert len(out["grad_norm"]) == 11 and set(out["gates"]) == {"i", "f"}
    share = np.abs(np.array(out["contribution"]))[out["carriers"]].sum() / np.abs(out["contribution"]).sum()
    assert share >= SETTINGS["carrier_share"] - 1e-3
    places = adding.gate_places(11, marks)
    assert np.all(places.sum(0) == 1)  # every step of every sequence is in exactly one place


# ------------------------------------------------------------------------- reproduction (CI)

@pytest.mark.parametrize("model", adding.MODELS)
def test_the_shortest_length_reproduces_the_committed_numbers(model, deterministic):
    """Retrain (model, shortest T, seed 0) with its whole budget and measure it: the same curve,
    escape step, test MSE and sensitivities as the file."""
    assert RESULTS["device"].startswith("cpu"), "the committed results must come from the CPU (make experiments)"
    T, seed = SETTINGS["lengths"][0], SETTINGS["seeds"][0]
    committed = _cell(model, T, seed)
    cell, _ = adding.run_seed(model, T, seed, SETTINGS)
    # float32 training on one thread: bit-identical on this machine; another CPU may round a sum
    # differently, so allow a relative 1e-4 (below the 3 to 4 digits the page shows)
    np.testing.assert_allclose(cell["curve"]["mse"], committed["curve"]["mse"], rtol=1e-4, atol=1e-7)
    assert cell["escape_step"] == committed["escape_step"]
    for key in ("test_mse", "du1", "du2"):
        assert cell[key] == pytest.approx(committed[key], rel=1e-3, abs=1e-6), key


@pytest.mark.parametrize("model", ["rnn", "lstm_fb1"])
def test_a_prefix_at_t40_reproduces_the_stored_curve(model, deterministic):
    """The long lengths are checked too: the first steps of (model, T = 40, seed 1)."""
    T, seed, steps = 40, SETTINGS["seeds"][1], 300
    assert T in SETTINGS["lengths"]
    committed = _cell(model, T, seed)["curve"]
    cell, _, _ = adding.train_seed(model, T, seed, SETTINGS, steps=steps)
    points = len(cell["curve"]["mse"])
    assert points == steps // SETTINGS["eval_every"] + 1
    assert cell["curve"]["step"] == committed["step"][:points]
    np.testing.assert_allclose(cell["curve"]["mse"], committed["mse"][:points], rtol=1e-4, atol=1e-7)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
def test_a_short_training_run_on_cuda_matches_the_cpu(deterministic):
    settings = dict(SETTINGS, dtype="float64", steps=[20] * len(SETTINGS["lengths"]), eval_every=10)
    for model in adding.MODELS:
        cpu, _, _ = adding.train_seed(model, 10, 0, settings, "cpu")
        cuda, _, _ = adding.train_seed(model, 10, 0, settings, "cuda")
        np.testing.assert_allclose(cuda["curve"]["mse"], cpu["curve"]["mse"], rtol=1e-6)


# ------------------------------------------------------------------------------ stale guard

def test_the_committed_results_match_the_code():
    experiment.check_fresh(RESULTS)  # raises StaleResults (naming `make experiments`) otherwise


def test_other_settings_are_stale_naming_the_setting():
    stale = json.loads(json.dumps(RESULTS))
    stale["settings"]["learning_rate"] *= 2
    with pytest.raises(experiment.StaleResults, match=r"changed: learning_rate\); run `make experiments`"):
        experiment.check_fresh(stale)


def test_a_refactor_keeps_the_results_but_a_changed_number_does_not(monkeypatch):
    """The fingerprint checks what the code computes, not how it is written."""
    from snippets import lstm_numpy

    original = lstm_numpy.lstm_forget_gate
    monkeypatch.setattr(lstm_numpy, "lstm_forget_gate", lambda Wx_f, Wh_f: original(Wx_f, Wh_f))
    experiment.check_fresh(RESULTS)  # same numbers: still fresh
    monkeypatch.setattr(lstm_numpy, "lstm_forget_gate", lambda Wx_f, Wh_f: original(Wx_f, Wh_f) * (1 - 1e-4))
    with pytest.raises(experiment.StaleResults, match=r"no longer computes the recorded fingerprint.*make experiments"):
        experiment.check_fresh(RESULTS)


def test_the_fingerprint_sees_the_measurements(monkeypatch):
    """A change in the analysis only (the torch gate functions used to read the gates) is seen."""
    from snippets import gru_torch

    original = gru_torch.gru_update_gate
    monkeypatch.setattr(gru_torch, "gru_update_gate", lambda Wx_z, Wh_z: original(Wx_z, Wh_z) ** 1.01)
    with pytest.raises(experiment.StaleResults, match="fingerprint"):
        experiment.check_fresh(RESULTS)


@pytest.fixture(scope="session")
def warm_project(tmp_path_factory):
    """The session's shared build, as in tests/test_build_guards.py (same name, same lock)."""
    return shared_build(tmp_path_factory, "site")[0]


@pytest.mark.faults
@pytest.mark.guard("stale_experiment_results")
def test_a_stale_results_file_fails_the_build(warm_project, tmp_path):
    """In a tree reduced to the chapter (the pages before it in the build order would cost most
    of a build): the build stops on it, see tests/test_build_guards.py::assert_stops_at."""
    project = tmp_path / "project"
    shutil.copytree(warm_project, project, symlinks=True, ignore=shutil.ignore_patterns("site"))
    reduce_docs(project, ["experiments/adding-problem"])
    path = project / "snippets/gru_torch.py"
    text = path.read_text(encoding="utf-8")
    planted = text.replace("    return (1 - z_t) * n_t + z_t * h_prev", "    return (1 - z_t) * n_t + z_t * h_prev * 0.999")
    assert planted != text
    path.write_text(planted, encoding="utf-8")  # the snippets now compute other numbers than the results'
    assert_stops_at(project, tmp_path, "adding.json is stale", "fingerprint", "run `make experiments`")


@pytest.mark.guard("missing_experiment_results")
def test_missing_results_fail_the_directive_naming_the_command():
    """The directive the build calls, pointed at a results file that is not there (a fresh
    clone that lost book/results/): a build error naming the command, not an empty page."""
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match=r"does not exist: run `make experiments`"):
        experiment.directive("table", "en", path=experiment.ROOT / "book" / "results" / "no-such.json")


def test_the_results_record_what_produced_them():
    for key in ("command", "git_commit", "torch", "numpy", "python", "device", "date", "wall_seconds",
                "cpu_seconds", "jobs", "load_average"):
        assert key in RESULTS, key
    assert RESULTS["command"].startswith("make experiments")
    assert re.fullmatch(r"[0-9a-f]{40}(\+uncommitted)?", RESULTS["git_commit"])
    assert len(RESULTS["cells"]) == len(adding.MODELS) * len(SETTINGS["lengths"]) * len(SETTINGS["seeds"])
    assert max(SETTINGS["lengths"]) >= 160 and len(SETTINGS["seeds"]) >= 5 and "irnn" in RESULTS["models"]


# ----------------------------------------------------------------- the text against the data

def _page_claims(lang):
    return re.findall(r"^::experiment claim:(\w+)\s*$", PAGES[lang].read_text(encoding="utf-8"), re.MULTILINE)


def test_both_pages_make_every_claim_once_in_the_same_order():
    assert _page_claims("ko") == _page_claims("en")
    assert sorted(_page_claims("ko")) == sorted(experiment.CLAIMS)


def _seeds(model, T):
    return [c for c in RESULTS["cells"] if (c["model"], c["T"]) == (model, T)]


def _solved(c):
    return c["test_mse"] < SETTINGS["solved_fraction"] * RESULTS["levels"][str(c["T"])]["test_baseline"]


def _median_escape(model, T):
    steps = np.array([np.inf if c["escape_step"] is None else c["escape_step"] for c in _seeds(model, T)], float)
    middle = float(np.sort(steps)[len(steps) // 2])  # 5 seeds: the third
    return None if math.isinf(middle) else int(middle)


def _escaped(model, T):
    return sum(c["escape_step"] is not None for c in _seeds(model, T))


def _expected(name):
    """(variant, values) for a claim, from the raw data and the rules the chapter states."""
    lengths, n = SETTINGS["lengths"], len(SETTINGS["seeds"])
    longest, models = lengths[-1], RESULTS["models"]
    budget = dict(zip(lengths, SETTINGS["steps"]))
    if name == "baseline":
        lv = RESULTS["levels"]
        return "ok", {"T": ", ".join(map(str, lengths)), "b": ", ".join(f"{lv[str(T)]['val_baseline']:.3f}" for T in lengths),
                      "second": ", ".join(f"{lv[str(T)]['val_second_only']:.3f}" for T in lengths)}
    if name == "escape_by_model":
        rows = []
        for m in models:
            prefix = [T for k, T in enumerate(lengths) if all(_escaped(m, T2) == n for T2 in lengths[:k + 1])]
            rows.append((m, prefix[-1] if prefix else None))
        return "ok", {"rows": rows, "n": n}
    if name == "growth":
        rows, compared = [], []
        for m in models:
            known = [(T, _median_escape(m, T)) for T in lengths if _median_escape(m, T) is not None]
            first, last = (known[0] if known else None), (known[-1] if len(known) > 1 else None)
            rows.append((m, first, last))
            if first and last:
                compared.append(last[1] > first[1])
        return ("none" if not compared else "grows" if all(compared) else "mixed"), {"rows": rows}
    if name == "plateau":
        limit = 0.75 * RESULTS["levels"][str(longest)]["val_baseline"]
        escaped = [c for c in RESULTS["cells"] if c["T"] == longest and c["escape_step"] is not None]
        straight = sum(min([m for s, m in zip(c["curve"]["step"], c["curve"]["mse"]) if 0 < s < c["escape_step"]],
                           default=np.inf) >= limit for c in escaped)
        k = len(escaped)
        return ("none" if not k else "straight" if 2 * straight > k else "pause"), {
            "T": longest, "k": k, "straight": straight, "pct": "75%"}
    if name == "rnn_limit":
        short = [T for T in lengths if _escaped("rnn", T) < n]
        if not short:
            return "none", {"T": longest, "steps": budget[longest]}
        return "limit", {"T": short[0], "k": _escaped("rnn", short[0]), "n": n, "steps": budget[short[0]],
                         "never": [T for T in lengths if _escaped("rnn", T) == 0]}
    if name == "irnn":
        k = _escaped("irnn", longest)
        return ("all" if k == n else "some" if k else "none"), {
            "T": longest, "k": k, "n": n, "solved": sum(map(_solved, _seeds("irnn", longest))),
            "rnn_k": _escaped("rnn", longest), "median": _median_escape("irnn", longest)}
    if name == "gated_longest":
        rows = [(m, sum(map(_solved, _seeds(m, longest))), _escaped(m, longest),
                 float(np.mean([c["test_mse"] for c in _seeds(m, longest)]))) for m in experiment.GATED]
        return ("most" if all(2 * r[1] > n for r in rows) else "not_most"), {
            "T": longest, "rows": rows, "n": n, "steps": budget[longest], "pct": f"{100 * SETTINGS['solved_fraction']:g}%"}
    if name == "forget_bias":
        def key(c):
            return np.inf if c["escape_step"] is None else c["escape_step"]
        earlier = later = 0
        for T in lengths:
            for a, b in zip(sorted(_seeds("lstm", T), key=lambda c: c["seed"]),
                            sorted(_seeds("lstm_fb1", T), key=lambda c: c["seed"])):
                earlier += key(b) < key(a)
                later += key(b) > key(a)
        pairs = [(a["escape_step"], b["escape_step"]) for a, b in zip(
            sorted(_seeds("lstm", longest), key=lambda c: c["seed"]), sorted(_seeds("lstm_fb1", longest), key=lambda c: c["seed"]))]
        variant = "earlier" if earlier > 2 * later else "later" if later > 2 * earlier else "mixed"
        return variant, {"earlier": earlier, "later": later, "total": len(lengths) * n, "T": longest, "pairs": pairs,
                         "steps": budget[longest]}
    if name == "sensitivity":
        every = [c for c in RESULTS["cells"] if c["T"] == longest]
        solved, stuck = [c for c in every if _solved(c)], [c for c in every if c["escape_step"] is None]
        values = {"T": longest, "n_solved": len(solved), "n_stuck": len(stuck)}
        for key, group, du in (("u1", solved, "du1"), ("u2", solved, "du2"), ("s1", stuck, "du1"), ("s2", stuck, "du2")):
            if group:
                values[key] = (min(c[du] for c in group), max(c[du] for c in group))
        return ("both" if solved and stuck else "solved_only" if solved else "stuck_only"), values
    if name in ("gradients_init", "gradients_trained"):
        rows = []
        for m in models:
            norms = [c["grad_norm"] if name.endswith("trained") else c["init"]["grad_norm"] for c in _seeds(m, longest)]
            rows.append((m, float(np.median([g[-1] / g[0] for g in norms]))))
        vanish = [m for m, r in rows if r < 1e-3]
        return ("some_vanish" if vanish else "none_vanish"), {"T": longest, "rows": rows, "vanish": vanish,
                                                              "distance": longest - 1}
    if name in ("gates_lstm_input", "gates_lstm_forget", "gates_gru"):
        model, gate = {"gates_lstm_input": ("lstm_fb1", "i"), "gates_lstm_forget": ("lstm_fb1", "f"),
                       "gates_gru": ("gru", "z")}[name]
        keys = [T for T in lengths if f"{model} {T}" in RESULTS["pooled_gates"]]
        if not keys:
            return "unsolved", {"model": model}
        pooled = RESULTS["pooled_gates"][f"{model} {keys[-1]}"]
        assert pooled["seeds"] == [c["seed"] for c in sorted(_seeds(model, keys[-1]), key=lambda c: c["seed"]) if _solved(c)]
        q = pooled["gates"][gate]
        values = {"model": model, "T": keys[-1], "k": len(pooled["seeds"]), "n": n, **q}
        variant = {"i": "opens" if min(q["first"][0], q["second"][0]) > q["elsewhere"][1] else "no_clear_opening",
                   "f": "holds" if q["between"][0] > 0.9 else "leaks",
                   "z": "writes" if max(q["first"][2], q["second"][2]) < q["between"][1] else "no_clear_writing"}[gate]
        return variant, values
    if name == "verdict":
        rnn_stuck = 2 * _escaped("rnn", longest) < n
        gated = all(2 * sum(map(_solved, _seeds(m, longest))) > n for m in ("lstm_fb1", "gru"))
        return ("supported" if rnn_stuck and gated else "gated_failed" if rnn_stuck else "not_shown"), {
            "T": longest, "steps": budget[longest], "irnn": _escaped("irnn", longest), "n": n}
    if name == "wall_time":
        return "ok", {"minutes": RESULTS["wall_seconds"] / 60, "cells": len(RESULTS["cells"]),
                      "cpu_minutes": RESULTS["cpu_seconds"] / 60, "jobs": RESULTS["jobs"], "device": RESULTS["device"]}
    raise AssertionError(f"no independent check for claim {name!r}: add one")


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("name", list(experiment.CLAIMS))
def test_each_sentence_says_what_the_data_say(name, lang):
    variant, values = _expected(name)
    template = experiment.CLAIMS[name][variant][lang]
    expected = template(values) if callable(template) else template.format(**values)
    assert experiment.claim(name, lang, RESULTS) == expected
    assert "](" not in expected, "a quartile in brackets before a parenthesis reads as a Markdown link"


def test_the_tables_show_every_cell():
    for lang in ("ko", "en"):
        table, escape = experiment.table(lang, RESULTS), experiment.escape_table(lang, RESULTS)
        for m in RESULTS["models"]:
            for T in SETTINGS["lengths"]:
                v = np.array([c["test_mse"] for c in _seeds(m, T)])
                assert f"{v.mean():.4f} ± {v.std(ddof=1):.4f} ({sum(map(_solved, _seeds(m, T)))}/{len(v)})" in table
                median = _median_escape(m, T)
                shown = str(median) if median is not None else f"> {dict(zip(SETTINGS['lengths'], SETTINGS['steps']))[T]}"
                assert f"{shown} ({_escaped(m, T)}/{len(v)})" in escape
        sensitivity = experiment.sensitivity_table(lang, RESULTS)
        assert sensitivity.count("|\n") == len(RESULTS["models"]) + 2


def test_the_figures_have_labels_in_the_page_language():
    for name, words in (("curves", {"ko": "학습 단계", "en": "training step"}),
                        ("escape", {"ko": "탈출 단계", "en": "escape step"}),
                        ("gradients", {"ko": "끝에서의 거리", "en": "distance from the end"})):
        for lang in ("ko", "en"):
            svg = experiment.figure(name, lang, RESULTS)
            assert words[lang] in svg and words["en" if lang == "ko" else "ko"] not in svg
            assert "<svg" in svg and 'role="img"' in svg


def test_korean_particles_follow_the_sound():
    assert experiment._topic("GRU") == "GRU는" and experiment._topic("기본 RNN") == "기본 RNN은"
    assert experiment._topic("LSTM(기본 초기화)") == "LSTM(기본 초기화)은"
    assert experiment._josa("160", "을", "를") == "을" and experiment._josa("20", "을", "를") == "을"  # 백육십, 이십
    assert experiment._josa("15", "을", "를") == "를" and experiment._josa("IRNN", "은", "는") == "은"  # 십오, 엔


def test_unknown_requests_fail_clearly():
    with pytest.raises(ValueError, match="unknown claim 'nonsense'"):
        experiment.claim("nonsense", "ko", RESULTS)
    with pytest.raises(Exception, match="expected table, escape_table"):
        experiment.directive("tables", "ko")
