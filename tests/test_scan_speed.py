"""The scan-speed table (book/scan_speed.py, benchmarks/scan_speed.py): read from a results file that
must come from the code as it is now."""

import json
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

import hooks
from book import scan_speed
from book.guards import guard

from .conftest import as_numpy  # noqa: F401  (same fixtures module as the other tests)


def page(what, lang="en"):
    page = SimpleNamespace(file=SimpleNamespace(src_uri=f"modern/minrnn.{lang}.md"), url="modern/minrnn/")
    config = SimpleNamespace(plugins={"i18n": SimpleNamespace(current_language=lang)})
    return hooks.on_page_markdown(f"# t\n\n::scan_speed {what}\n", page, config, None)


@pytest.fixture
def quick_results(tmp_path, monkeypatch):
    """A real run of the benchmark on tiny lengths, written where the book reads its results."""
    path = tmp_path / "scan-speed.json"
    out = subprocess.run([sys.executable, "benchmarks/scan_speed.py", "--quick", "--repeat", "1", "--out", str(path)],
                         cwd=scan_speed.ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    monkeypatch.setattr(scan_speed, "RESULTS", path)
    scan_speed._memo.clear()
    yield path
    scan_speed._memo.clear()


def test_a_fresh_run_is_accepted_and_its_ratios_are_its_own(quick_results):
    results = json.loads(quick_results.read_text(encoding="utf-8"))
    text = page("table")
    ms = {(r["T"], r["pass"], r["variant"]): r["ms"] for r in results["rows"]}
    loop, gru = scan_speed.ratios(results)[8, "training"]
    assert loop == ms[8, "training", "loop"] / ms[8, "training", "parallel"]
    assert f"| {loop:.1f}× | {gru:.1f}× |" in text
    assert results["provenance"]["digest"] in page("provenance")


@pytest.mark.guard("stale_scan_results")
def test_results_from_other_code_fail_the_build(quick_results):
    data = json.loads(quick_results.read_text(encoding="utf-8"))
    data["provenance"]["digest"] = "ffffffffffffffff"
    quick_results.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(PluginError, match=re.escape(guard("stale_scan_results").text)) as error:
        page("table")
    assert "python benchmarks/scan_speed.py" in str(error.value)


def test_a_missing_row_fails_the_build(quick_results):
    data = json.loads(quick_results.read_text(encoding="utf-8"))
    data["rows"] = data["rows"][1:]
    quick_results.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(PluginError, match="no time for T = 4, forward, nn_gru"):
        page("table", "ko")


def test_no_file_says_how_to_make_one(tmp_path, monkeypatch):
    monkeypatch.setattr(scan_speed, "RESULTS", tmp_path / "none.json")
    scan_speed._memo.clear()
    assert "python benchmarks/scan_speed.py" in page("table", "ko") and page("provenance") == "# t\n\n\n"
    scan_speed._memo.clear()


def test_the_committed_results_match_the_code():
    """book/results/scan-speed.json is what the chapter shows: it must not be stale."""
    scan_speed.check_results(json.loads(scan_speed.RESULTS.read_text(encoding="utf-8")))
