"""The adding-problem chapter: committed results reproduce, the text says what the data say,
and stale results fail the build.

book/results/adding.json is computed by `make experiments` (experiments/adding.py); the build
only reads it (book/experiment.py). These tests
  * retrain one cell of the grid (the shortest length, seed 0) and compare it with the file,
  * recompute every sentence of the chapter from the raw cells, independently of book/experiment.py,
  * check the digest: it ignores comments and docstrings but not code, and a stale file fails the
    real strict build with a message naming `make experiments` (a planted fault).
"""

import importlib.util
import json
import re
import shutil
import statistics
from pathlib import Path

import numpy as np
import pytest
import torch

from book import experiment
from experiments import adding

from .sitebuild import ROOT, reduce_docs, shared_build
from .test_build_guards import assert_stops_at

RESULTS = json.loads(experiment.RESULTS.read_text(encoding="utf-8"))
PERCENTS = {"solved_pct": f"{RESULTS['settings']['solved_fraction'] * 100:g}%",
            "failed_pct": f"{RESULTS['settings']['failed_fraction'] * 100:g}%"}
PAGES = {lang: ROOT / f"docs/experiments/adding-problem.{lang}.md" for lang in ("ko", "en")}


# ------------------------------------------------------------------------- reproduction (CI)

@pytest.fixture
def deterministic():
    """The experiment's settings (one thread, deterministic algorithms), restored afterwards."""
    threads, strict = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    adding.configure_determinism()
    yield
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(strict)


@pytest.mark.parametrize("model", adding.MODELS)
def test_one_cell_of_the_grid_reproduces_the_committed_numbers(model, deterministic):
    """Retrain (model, shortest T, seed 0) with the committed settings: same curve, same test MSE."""
    assert RESULTS["device"].startswith("cpu"), "the committed results must come from the CPU (make experiments)"
    T, seed = RESULTS["settings"]["lengths"][0], RESULTS["settings"]["seeds"][0]
    committed = next(c for c in RESULTS["cells"] if (c["model"], c["T"], c["seed"]) == (model, T, seed))
    cell, _, _ = adding.train_cell(model, T, seed, RESULTS["settings"])
    # float64 on one thread: bit-identical on this machine; another CPU may round a sum differently,
    # so allow a relative 1e-6 (far below the 4 digits the page shows).
    np.testing.assert_allclose(cell["curve"]["mse"], committed["curve"]["mse"], rtol=1e-6, atol=1e-12)
    assert cell["curve"]["step"] == committed["curve"]["step"]
    assert cell["test_mse"] == pytest.approx(committed["test_mse"], rel=1e-6, abs=1e-12)


def test_the_baseline_is_computed_from_the_test_sets():
    for T in RESULTS["settings"]["lengths"]:
        assert RESULTS["baseline"][str(T)] == pytest.approx(adding.baseline_mse(T, RESULTS["settings"]), abs=1e-15)
        assert abs(RESULTS["baseline"][str(T)] - 1 / 6) < 0.02  # Var(u1 + u2) = 1/6, within sampling error


def test_the_data_follow_the_task():
    generator = torch.Generator().manual_seed(0)
    x, y, marks = adding.adding_batch(20, 256, generator, torch.float64)
    assert x.shape == (20, 256, 2) and y.shape == (256,)
    assert torch.all(x[..., 1].sum(0) == 2)                          # exactly two markers
    assert torch.all(marks[:, 0] < 10) and torch.all(marks[:, 1] >= 10)  # one in each half
    assert torch.equal(y, (x[..., 0] * x[..., 1]).sum(0))               # the target is their sum
    with pytest.raises(ValueError, match="T must be at least 2"):
        adding.adding_batch(1, 4, generator)


def test_the_forget_bias_sums_to_one_only_in_lstm_fb1():
    H = 5
    for model in ("lstm", "lstm_fb1"):
        p = adding.init_parameters(model, H, torch.Generator().manual_seed(3))
        forget = p["bias_ih"][H:2 * H] + p["bias_hh"][H:2 * H]
        assert torch.allclose(forget, torch.ones(H, dtype=forget.dtype)) == (model == "lstm_fb1")
    with pytest.raises(ValueError, match="model must be one of"):
        adding.init_parameters("transformer", H, torch.Generator())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
def test_a_short_training_run_on_cuda_matches_the_cpu(deterministic):
    settings = dict(adding.SETTINGS, steps=20, eval_every=10)
    for model in adding.MODELS:
        cpu, _, _ = adding.train_cell(model, 10, 0, settings, "cpu")
        cuda, _, _ = adding.train_cell(model, 10, 0, settings, "cuda")
        np.testing.assert_allclose(cuda["curve"]["mse"], cpu["curve"]["mse"], rtol=1e-6)


# ------------------------------------------------------------------------------ stale guard

def test_the_committed_results_match_the_code():
    experiment.check_fresh(RESULTS)  # raises StaleResults (naming `make experiments`) otherwise


def test_stale_results_name_the_command():
    stale = json.loads(json.dumps(RESULTS))
    stale["provenance"]["digest"] = "0" * 16
    stale["settings"]["steps"] += 1
    with pytest.raises(experiment.StaleResults, match=r"run `make experiments`.*") as error:
        experiment.check_fresh(stale)
    assert "SETTINGS" in str(error.value)


def _load_copy(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_digest_ignores_comments_and_docstrings_but_not_code(tmp_path):
    source = (ROOT / "snippets/lstm_torch.py").read_text(encoding="utf-8")
    reference, functions = adding._code_digest_of(["lstm"], adding.lstm_torch)
    assert "lstm_forget_gate" in functions and "_check_parameters" not in functions

    def digest_of(text, name):
        path = tmp_path / f"{name}.py"
        path.write_text(text, encoding="utf-8")
        return adding._code_digest_of(["lstm"], _load_copy(path, name))[0]

    cosmetic = source.replace('    """Forget gate  f_t', '    # a new comment\n    """Forget gate (reworded)  f_t')
    assert cosmetic != source and digest_of(cosmetic, "cosmetic") == reference
    changed = source.replace("    return sigmoid(Wx_f + Wh_f)", "    return sigmoid(Wx_f + Wh_f + 1)")
    assert changed != source and digest_of(changed, "changed") != reference
    unrelated = source + "\n\ndef lstm_backward(dy):\n    return dy\n"  # a new function the models never call
    assert digest_of(unrelated, "unrelated") == reference

    own = (ROOT / "experiments/adding.py").read_text(encoding="utf-8")
    (tmp_path / "a.py").write_text(own.replace('"""The adding problem', '# comment\n"""The adding problem, reworded'),
                                   encoding="utf-8")
    (tmp_path / "b.py").write_text(own.replace('"learning_rate": 0.01', '"learning_rate": 0.02'), encoding="utf-8")
    assert adding._module_digest(tmp_path / "a.py") == adding._module_digest(ROOT / "experiments/adding.py")
    assert adding._module_digest(tmp_path / "b.py") != adding._module_digest(ROOT / "experiments/adding.py")


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
    planted = text.replace("    return (1 - z_t) * n_t + z_t * h_prev", "    return (1 - z_t) * n_t + z_t * h_prev + 0")
    assert planted != text
    path.write_text(planted, encoding="utf-8")  # still correct math, but not the code the results came from
    assert_stops_at(project, tmp_path, "adding.json is stale", "snippets/gru_torch.py", "run `make experiments`")


# ----------------------------------------------------------------- the text against the data

def _page_claims(lang):
    return re.findall(r"^::experiment claim:(\w+)\s*$", PAGES[lang].read_text(encoding="utf-8"), re.MULTILINE)


def test_both_pages_make_every_claim_once_in_the_same_order():
    assert _page_claims("ko") == _page_claims("en")
    assert sorted(_page_claims("ko")) == sorted(experiment.CLAIMS)


def _independent_stats():
    """Mean, sd and seed counts per (model, T), computed here with NumPy from the raw cells."""
    settings = RESULTS["settings"]
    out = {}
    for model in RESULTS["models"]:
        for T in settings["lengths"]:
            v = np.array([c["test_mse"] for c in RESULTS["cells"] if (c["model"], c["T"]) == (model, T)])
            b = RESULTS["baseline"][str(T)]
            assert len(v) == len(settings["seeds"]) >= 3
            solved, failed = int(np.sum(v < settings["solved_fraction"] * b)), int(np.sum(v > settings["failed_fraction"] * b))
            out[model, T] = {"mean": float(v.mean()), "sd": float(v.std(ddof=1)), "n": len(v), "solved": solved,
                             "baseline": b,
                             "verdict": "solved" if solved == len(v) else "failed" if failed == len(v) else "mixed"}
    return out


def _independent_gates(model):
    trace = RESULTS["traces"][model]
    marks, T = trace["marks"], trace["T"]
    state = np.array(trace["gates"]["c" if model.startswith("lstm") else "h"])  # (H, T)
    padded = np.concatenate([np.zeros((state.shape[0], 1)), state], axis=1)
    unit = int(np.argmax(np.abs(padded[:, [m + 1 for m in marks]] - padded[:, marks]).sum(axis=1)))
    others = [t for t in range(T) if t not in marks]
    gates = {}
    for gate in ("i", "f", "z"):
        if gate in trace["gates"]:
            g = np.array(trace["gates"][gate][unit])
            gates[gate] = {"at": [float(g[m]) for m in marks], "median": float(np.median(g[others])),
                           "min_after": float(np.delete(g, marks)[marks[0]:].min())}  # after mark 1, marks left out
    return unit, marks, T, trace, gates


def _expected(name):
    """(variant, values) for a claim, from the raw data and the rules the chapter states."""
    s = _independent_stats()
    lengths = RESULTS["settings"]["lengths"]
    short, longest = lengths[0], lengths[-1]
    gated = [m for m in RESULTS["models"] if m != "rnn"]
    if name == "baseline":
        return "ok", {"T": ", ".join(map(str, lengths)), "theory": 1 / 6,
                      "b": ", ".join(f"{RESULTS['baseline'][str(T)]:.3f}" for T in lengths)}
    if name in ("rnn_short", "rnn_longest"):
        e = s["rnn", short if name == "rnn_short" else longest]
        return e["verdict"], {"T": short if name == "rnn_short" else longest, **PERCENTS,
                              **{k: e[k] for k in ("mean", "sd", "n", "solved", "baseline")}}
    if name == "rnn_by_length":
        return "ok", {"rows": [(T, s["rnn", T]["mean"], s["rnn", T]["solved"], s["rnn", T]["n"]) for T in lengths]}
    if name == "gated_longest":
        solved = [m for m in gated if s[m, longest]["verdict"] == "solved"]
        return ("all" if len(solved) == len(gated) else "some" if solved else "none"), {
            "T": longest, "solved": solved,
            "rows": [(m, s[m, longest]["mean"], s[m, longest]["solved"], s[m, longest]["n"]) for m in gated]}
    if name == "forget_bias":
        ratio = s["lstm", longest]["mean"] / s["lstm_fb1", longest]["mean"]
        return ("helps" if ratio > 2 else "hurts" if ratio < 0.5 else "similar"), {
            "T": longest, "default": s["lstm", longest]["mean"], "fb1": s["lstm_fb1", longest]["mean"], "ratio": ratio}
    if name == "breakthrough":
        limit = RESULTS["settings"]["failed_fraction"] * RESULTS["baseline"][str(longest)]
        rows = []
        for model in RESULTS["models"]:
            cells = [c for c in RESULTS["cells"] if (c["model"], c["T"]) == (model, longest)]
            rows.append((model, [next((st for st, m in zip(c["curve"]["step"], c["curve"]["mse"]) if m < limit), None)
                                 for c in cells]))
        return "ok", {"T": longest, "rows": rows, "steps": RESULTS["settings"]["steps"], **PERCENTS}
    if name in ("gates_lstm_input", "gates_lstm_forget", "gates_gru"):
        model, gate = {"gates_lstm_input": ("lstm_fb1", "i"), "gates_lstm_forget": ("lstm_fb1", "f"),
                       "gates_gru": ("gru", "z")}[name]
        unit, marks, T, _, gates = _independent_gates(model)
        g = gates[gate]
        variant = {"i": "opens" if min(g["at"]) > g["median"] + 0.2 else "no_clear_opening",
                   "f": "holds" if g["min_after"] > 0.9 else "leaks",
                   "z": "writes" if max(g["at"]) < g["median"] - 0.2 else "no_clear_writing"}[gate]
        return variant, {"unit": unit, "marks": marks, "T": T, **g}
    if name == "prediction":
        lstm, gru = RESULTS["traces"]["lstm_fb1"], RESULTS["traces"]["gru"]
        assert lstm["target"] == pytest.approx(sum(lstm["u"][m] for m in lstm["marks"]))
        return "ok", {"target": lstm["target"], "lstm": lstm["prediction"], "gru": gru["prediction"], "T": lstm["T"]}
    if name == "verdict":
        rnn_failed = s["rnn", longest]["verdict"] == "failed"
        any_gated = any(s[m, longest]["verdict"] == "solved" for m in gated)
        return ("supported" if rnn_failed and any_gated else "gated_failed" if rnn_failed else "not_shown"), {"T": longest}
    if name == "wall_time":
        assert RESULTS["cpu_seconds"] == pytest.approx(sum(c["cpu_seconds"] for c in RESULTS["cells"]), abs=0.1)
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


def test_the_table_shows_every_mean_and_spread():
    s = _independent_stats()
    for lang in ("ko", "en"):
        table = experiment.table(lang, RESULTS)
        for (model, T), e in s.items():
            assert f"{e['mean']:.4f} ± {e['sd']:.4f} ({e['solved']}/{e['n']})" in table
        for T in RESULTS["settings"]["lengths"]:
            assert f"{RESULTS['baseline'][str(T)]:.4f}" in table


def test_the_figures_have_labels_in_the_page_language():
    for name, words in (("curves", {"ko": "학습 단계", "en": "training step"}),
                        ("gates", {"ko": "입력 게이트", "en": "input gate"})):
        for lang in ("ko", "en"):
            svg = experiment.figure(name, lang, RESULTS)
            assert words[lang] in svg and words["en" if lang == "ko" else "ko"] not in svg
            assert "<svg" in svg and 'role="img"' in svg


def test_the_gate_trace_is_the_snippets_recurrence():
    """The replayed gates give the same hidden states as the snippet's `lstm` / `gru`."""
    p = adding.init_parameters("lstm_fb1", 4, torch.Generator().manual_seed(0))
    x, _, _ = adding.adding_batch(12, 1, torch.Generator().manual_seed(1), torch.float64)
    trace = adding.gate_trace("lstm_fb1", p, x)
    y, _ = adding.lstm_torch.lstm(x, None, None, p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"])
    torch.testing.assert_close(trace["h"], y[:, 0], rtol=0, atol=1e-15)
    p = adding.init_parameters("gru", 4, torch.Generator().manual_seed(0))
    trace = adding.gate_trace("gru", p, x)
    y, _ = adding.gru_torch.gru(x, None, p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"])
    torch.testing.assert_close(trace["h"], y[:, 0], rtol=0, atol=1e-15)


def test_unknown_requests_fail_clearly():
    with pytest.raises(ValueError, match="unknown claim 'nonsense'"):
        experiment.claim("nonsense", "ko", RESULTS)
    with pytest.raises(Exception, match="expected table, settings, provenance"):
        experiment.directive("tables", "ko")


def test_statistics_agree_with_the_module():
    s = experiment.stats(RESULTS)
    for key, e in _independent_stats().items():
        assert s[key]["mean"] == pytest.approx(e["mean"]) and s[key]["sd"] == pytest.approx(e["sd"])
        assert statistics.fmean([c["test_mse"] for c in RESULTS["cells"] if (c["model"], c["T"]) == key]) == \
            pytest.approx(e["mean"])


@pytest.mark.guard("missing_experiment_results")
def test_missing_results_fail_the_directive_naming_the_command():
    """The directive the build calls, pointed at a results file that is not there (a fresh
    clone that lost book/results/): a build error naming the command, not an empty page."""
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match=r"does not exist: run `make experiments`"):
        experiment.directive("table", "en", path=experiment.ROOT / "book" / "results" / "no-such.json")
