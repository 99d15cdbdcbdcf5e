"""The speed chapter (book/speed.py, docs/speed.*.md): what it counts and times at build time, and
the GPU results it reads, which must come from the code as it is now and not be edited by hand."""

import copy
import json
import re
from types import SimpleNamespace

import pytest
import torch
from mkdocs.exceptions import PluginError

import hooks
from book import speed
from book.guards import guard

DIGEST = "0123456789abcdef"


def results(**changes):
    """A well-formed results file in the schema benchmarks/gpu_speed.py writes."""
    rows = []
    for model, cudnn_ms, plain_ms, graphed_ms in (("lstm", 2.0, 20.0, 1.8), ("gru", 2.0, 17.0, 2.6)):
        for kind, scale in (("forward", 1.0), ("training", 3.0)):
            for variant, ms, setup in (("cudnn", cudnn_ms, 0.0), ("plain", plain_ms, 0.0),
                                       ("graphed", graphed_ms, 0.4)):
                rows.append({"model": model, "case": "small", "pass": kind, "variant": variant,
                             "ms": ms * scale, "median_ms": ms * scale * 1.01, "ratio": ms / cudnn_ms,
                             "setup_s": setup, "peak_mib": 10.0, "max_abs_diff": 0.0})
    data = {"benchmark": "gpu-speed", "command": "python benchmarks/gpu_speed.py --device cuda",
            "date": "2026-11-28T05:00:00+00:00", "device": "NVIDIA H100 80GB HBM3", "torch": "2.13.0+cu128",
            "cuda": "12.8", "cudnn": 91002, "python": "3.11.7", "dtype": "float32", "tf32": False, "repeat": 30,
            "provenance": {"digest": DIGEST}, "cases": {"small": {"T": 100, "B": 32, "D": 128, "H": 256}},
            "rows": rows}
    data.update(changes)
    return data


@pytest.fixture
def results_file(tmp_path, monkeypatch):
    """Write results to a temporary book/results/gpu-speed.json whose digest matches the code."""
    monkeypatch.setattr(speed, "_benchmark_provenance", lambda: {"digest": DIGEST})
    path = tmp_path / "gpu-speed.json"
    monkeypatch.setattr(speed, "RESULTS", path)

    def write(data):
        path.write_text(json.dumps(data), encoding="utf-8")
        return path

    return write


def speed_page(what, lang="en"):
    page = SimpleNamespace(file=SimpleNamespace(src_uri=f"speed.{lang}.md"), url="speed/")
    config = SimpleNamespace(plugins={"i18n": SimpleNamespace(current_language=lang)})
    return hooks.on_page_markdown(f"# t\n\n::speed {what}\n", page, config, None)


# ---------------------------------------------------------------------------- ops per step

def test_the_counter_tells_views_from_computations():
    x = torch.ones(2, 3)
    ops = speed.count_ops(lambda: (x.T.contiguous() + 1).view(-1).sum())
    assert [name for name, view in ops if not view] == ["clone", "add", "sum"]
    assert {name for name, view in ops if view} == {"permute", "view"}  # x.T dispatches as permute


# Derived from the formulas, not from the code: the recurrent product and its bias, then per gate
# the sum of input and recurrent term and its activation, then the state update.
EXPECTED_STEP = {
    "rnn": {"mm": 1, "add": 2, "tanh": 1},                      # h W_hh^T + b_hh + Wx, tanh
    "lstm": {"mm": 1, "add": 1 + 4 + 1, "sigmoid": 3, "tanh": 2, "mul": 3},  # 4 gates; c = f c + i g; h = o tanh c
    "gru": {"mm": 1, "add": 1 + 3 + 1, "sigmoid": 2, "tanh": 1, "mul": 3, "rsub": 1},  # r, z, n; (1-z) n + z h
}


@pytest.mark.parametrize("model", speed.MODELS)
def test_ops_per_step_follow_from_the_formulas(model):
    ops = speed.ops_per_step(model)
    counts = {name: ops.count(name) for name in set(ops)}
    assert counts == EXPECTED_STEP[model]


def test_the_ops_table_lists_every_model_with_its_count():
    table = speed.ops_table("ko")
    for model, expected in EXPECTED_STEP.items():
        n = sum(expected.values())
        assert re.search(rf"\| `{model}` \| {n}: .* \| {100 * n} \|", table), table


# ------------------------------------------------------------------------------------ CPU

def test_cpu_timings_measure_both_variants_and_passes_and_restore_threads():
    threads = torch.get_num_threads()
    tiny = {"T": 3, "B": 2, "D": 3, "H": 4}
    timings = speed.cpu_timings(tiny, repeat=1)
    assert torch.get_num_threads() == threads
    assert set(timings) == {(m, p) for m in speed.MODELS for p in speed.PASSES}
    assert all(set(v) == {"nn", "plain"} and min(v.values()) >= 0 for v in timings.values())
    table = speed.cpu_table("en", timings, tiny, repeat=1)
    for (model, kind), pair in timings.items():
        assert f"{pair['nn'] * 1e3:.2f} ms" in table
        assert f"{pair['plain'] / pair['nn']:.2f}×" in table if pair["nn"] else True
    assert "T = 3, B = 2, D = 3, H = 4" in table and "PyTorch " + torch.__version__ in table


# ------------------------------------------------------------------------------------ GPU

def test_without_a_results_file_the_chapter_says_how_to_make_one(tmp_path, monkeypatch):
    monkeypatch.setattr(speed, "RESULTS", tmp_path / "none.json")
    for lang in ("ko", "en"):
        text = speed_page("gpu", lang)
        assert "bash benchmarks/device_check.sh" in text and "book/results/gpu-speed.json" in text
        assert "| " not in text  # no table, no figure
    assert speed_page("gpu_provenance") .strip() == "# t"


def test_the_table_shows_the_file_and_judges_each_ratio_against_its_target(results_file):
    data = results()
    results_file(data)
    text = speed_page("gpu")
    assert "NVIDIA H100 80GB HBM3" in text and "2.13.0+cu128" in text and "2026-11-28" in text
    row = re.search(r"\| `lstm` \| CUDA graph \(`lstm_graphed`\) \| (.*) \|$", text, re.MULTILINE).group(1)
    assert row.split(" | ") == ["1.80 ms", "0.90× (met)", "5.40 ms", "0.90× (met)", "0.4 s"]
    row = re.search(r"\| `gru` \| CUDA graph \(`gru_graphed`\) \| (.*) \|$", text, re.MULTILINE).group(1)
    assert row.split(" | ")[1] == "1.30× (missed)"  # forward target 1.0x
    assert row.split(" | ")[3] == "1.30× (met)"     # training target 2x
    assert "`python benchmarks/gpu_speed.py --device cuda`" in speed_page("gpu_provenance")


@pytest.mark.guard("stale_gpu_results")
def test_results_from_other_code_fail_the_build(results_file):
    results_file(results(provenance={"digest": "ffffffffffffffff"}))
    with pytest.raises(PluginError, match=re.escape(guard("stale_gpu_results").text)) as error:
        speed_page("gpu")
    assert "bash benchmarks/device_check.sh" in str(error.value) and "ffffffffffffffff" in str(error.value)


@pytest.mark.guard("gpu_results_edited_by_hand")
def test_a_ratio_that_does_not_follow_from_the_times_fails_the_build(results_file):
    data = results()
    edited = copy.deepcopy(data)
    edited["rows"][2]["ratio"] = 0.5  # lstm graphed forward: 1.8 ms / 2.0 ms is 0.9, not 0.5
    results_file(edited)
    with pytest.raises(PluginError, match=re.escape(guard("gpu_results_edited_by_hand").text)):
        speed_page("gpu")
    results_file(data)  # the control
    assert "0.90×" in speed_page("gpu")


def test_an_unknown_what_fails():
    with pytest.raises(PluginError, match="expected ops, cpu, gpu or gpu_provenance"):
        speed_page("fastest")


def test_the_real_provenance_is_computed_without_cuda():
    now = speed._benchmark_provenance()
    assert re.fullmatch(r"[0-9a-f]{16}", now["digest"])
    assert speed._benchmark_provenance()["digest"] == now["digest"]


def test_a_committed_results_file_is_fresh():
    """While book/results/gpu-speed.json exists, it matches the code (the build checks it too)."""
    if not speed.RESULTS.exists():
        pytest.skip("no GPU results committed yet: run bash benchmarks/device_check.sh on a CUDA machine")
    speed.check_results(json.loads(speed.RESULTS.read_text(encoding="utf-8")))


def test_what_the_benchmark_writes_is_what_the_chapter_reads(tmp_path):
    """End to end on the CPU: benchmarks/gpu_speed.py --quick writes a file; the chapter accepts it
    as fresh and shows every measured row and every skipped one with its reason."""
    out = tmp_path / "gpu-speed.json"
    speed.benchmark_module().main(["--quick", "--models", "rnn", "--budget-s", "0", "--out", str(out)])
    data = speed.load_gpu(out)  # fresh: its digest is the code's
    text = speed.gpu_table("en", data)
    for row in data["rows"]:
        if row["ms"] is None:
            assert f"`{row['variant']}`: {row['skipped']}" in text
        else:
            assert f"{row['ms']:.2f} ms" in text and f"{row['ratio']:.2f}×" in text
    assert data["device"] in text


def test_cpu_timings_are_measured_again_after_a_snippet_edit(monkeypatch):
    calls = []
    monkeypatch.setattr(speed, "cpu_timings", lambda: calls.append(1) or {
        (m, p): {"nn": 1e-3, "plain": 2e-3} for m in speed.MODELS for p in speed.PASSES})
    monkeypatch.setattr(speed, "_memo", {})
    keys = iter([("a",), ("a",), ("b",)])  # the snippet files unchanged, unchanged, edited
    monkeypatch.setattr(speed, "_snippets_key", lambda: next(keys))
    for _ in range(3):
        assert "2.00×" in speed.directive("cpu", "en")
    assert len(calls) == 2  # the second call reused the first timing; the edit timed again
