"""benchmarks/gpu_speed.py runs and writes its schema (book/speed.py reads it), here on the CPU.

Only a GPU gives the figures; these tests check the script a GPU run depends on: the --quick mode
(CPU, tiny shapes) writes where --out says, in the schema of book/results/gpu-speed.json, compiled
variants come from worker processes or are recorded as skipped with a reason, never waited for.
"""

import json
import subprocess
import sys

import pytest

from book import catalogue, speed

SCRIPT = catalogue.ROOT / "benchmarks" / "gpu_speed.py"
ROW_KEYS = {"model", "case", "pass", "variant", "ms", "median_ms", "ratio", "setup_s", "peak_mib", "max_abs_diff"}


@pytest.fixture(scope="module")
def gpu_speed():
    return speed.benchmark_module()  # as the build loads it


def test_quick_run_writes_the_schema_where_out_says(tmp_path, gpu_speed):
    """In-process variants measured; compiled ones skipped by a spent budget (no worker started)."""
    out = tmp_path / "speed.json"
    before = sorted((catalogue.ROOT / "book" / "results").iterdir())
    done = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--models", "lstm,gru", "--budget-s", "0",
                           "--out", str(out)], capture_output=True, text=True, cwd=catalogue.ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert sorted((catalogue.ROOT / "book" / "results").iterdir()) == before  # nothing written into the book
    result = json.loads(out.read_text(encoding="utf-8"))
    assert {"benchmark", "command", "date", "device", "torch", "cuda", "cudnn", "python", "dtype", "tf32", "repeat",
            "provenance", "cases", "rows"} <= set(result)
    assert result["benchmark"] == "gpu-speed" and result["tf32"] is False and result["dtype"] == "float32"
    assert result["command"] == f"python benchmarks/gpu_speed.py --quick --models lstm,gru --budget-s 0 --out {out}"
    assert result["provenance"] == gpu_speed.provenance()
    assert set(result["cases"]) == {"small", "large"}
    rows = result["rows"]
    assert {(r["model"], r["case"], r["pass"], r["variant"]) for r in rows} == {
        (m, c, p, v) for m in ("lstm", "gru") for c in ("small", "large") for p in ("forward", "training")
        for v in ("cudnn", "plain", "graphed", "compiled_step", "graphed_compiled_step", "compiled")}
    for row in rows:
        assert ROW_KEYS <= set(row)
        if row["variant"] in ("compiled_step", "graphed_compiled_step", "compiled"):
            assert row["skipped"] == "benchmark budget of 0 s spent" and row["ms"] is None
            continue
        assert "skipped" not in row and 0 < row["ms"] <= row["median_ms"]
        assert row["max_abs_diff"] < 1e-5  # float32, against the plain snippet
        assert row["ratio"] == pytest.approx(row["ms"] / next(
            r["ms"] for r in rows if r["variant"] == "cudnn" and
            (r["model"], r["case"], r["pass"]) == (row["model"], row["case"], row["pass"])))


def test_quick_mode_refuses_to_write_into_the_book():
    done = subprocess.run([sys.executable, str(SCRIPT), "--quick"], capture_output=True, text=True,
                          cwd=catalogue.ROOT, timeout=120)
    assert done.returncode != 0 and "--quick writes only where --out says" in done.stderr


def test_a_worker_measures_both_passes_of_its_compiled_variants(gpu_speed, capsys):
    gpu_speed.main(["--quick", "--worker", "rnn", "small", "step"])
    rows = [json.loads(line[4:]) for line in capsys.readouterr().out.splitlines() if line.startswith("ROW ")]
    assert [(r["variant"], r["pass"]) for r in rows] == [
        (v, p) for v in ("compiled_step", "graphed_compiled_step") for p in ("forward", "training")]
    for row in rows:
        assert row["setup_s"] > 0 and 0 < row["ms"] <= row["median_ms"] and row["max_abs_diff"] < 1e-5


def test_a_worker_over_its_limit_is_recorded_as_skipped(gpu_speed):
    class Args:
        device, repeat, backend, quick = "cpu", 3, "aot_eager", True
    rows = gpu_speed.in_worker("lstm", "small", "whole", Args, limit_s=1)
    assert [(r["variant"], r["pass"]) for r in rows] == [("compiled", "forward"), ("compiled", "training")]
    for row in rows:
        assert row["skipped"] == "compile and measurement over the 1 s limit of its worker" and row["ms"] is None
