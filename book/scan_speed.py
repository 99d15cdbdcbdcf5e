"""The scan-speed table of the minGRU/minLSTM chapter, READ from book/results/scan-speed.json.

Directive (hooks.py): ``::scan_speed <what>``, where <what> is
    table       forward and forward + backward times of nn.GRU, mingru (loop) and mingru_parallel
                (doubling scan, log-space scan) for each T, with the ratios of one run
    provenance  what the file was computed from (command, device, versions, date, digest)

benchmarks/scan_speed.py writes the file (about a minute on one CPU thread). A file whose recorded
digest is not the one `provenance()` computes from the code now is stale and fails the build:
rerun the benchmark and commit the file, or delete it (the chapter then says nothing was measured).
"""

import html
import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "book" / "results" / "scan-speed.json"
BENCHMARK = ROOT / "benchmarks" / "scan_speed.py"
COMMAND = "python benchmarks/scan_speed.py"
VARIANTS = ("nn_gru", "loop", "parallel", "parallel_log")
PASSES = ("forward", "training")

LABELS = {
    "ko": {
        "forward": "순전파", "training": "순전파 + 역전파",
        "nn_gru": "`nn.GRU`", "loop": "루프", "parallel": "스캔", "parallel_log": "로그 공간 스캔",
        "loop_ratio": "루프 ÷ 스캔", "gru_ratio": "`nn.GRU` ÷ 스캔",
        "caption": "측정: {device}의 스레드 하나, PyTorch {torch}, Python {python}, {date}. B = {B}, D = H = {H}, float32, "
                   "{repeat}번 잰 CPU 시간 중 가장 짧은 값(ms)입니다. 루프는 mingru, 스캔은 mingru_parallel"
                   "(log_space=False, 재귀 배가), 로그 공간 스캔은 mingru_parallel(log_space=True)이고, "
                   "비율은 같은 실행의 시간끼리 나눈 값입니다.",
        "missing": "!!! note \"아직 잰 값이 없습니다\"\n\n    이 표는 `{results}` 파일에서 읽습니다. 저장소 루트에서 "
                   "`{command}`를 실행하면 이 파일이 만들어지고, 커밋하면 이 자리에 표가 나타납니다.\n",
        "keys": ("명령", "다이제스트", "장치", "날짜"),
    },
    "en": {
        "forward": "forward", "training": "forward + backward",
        "nn_gru": "`nn.GRU`", "loop": "loop", "parallel": "scan", "parallel_log": "log-space scan",
        "loop_ratio": "loop ÷ scan", "gru_ratio": "`nn.GRU` ÷ scan",
        "caption": "Measured on one thread of {device}, PyTorch {torch}, Python {python}, {date}. B = {B}, D = H = {H}, float32, "
                   "the shortest CPU time (ms) of {repeat} runs. The loop is mingru, the scan mingru_parallel "
                   "(log_space=False, recursive doubling), the log-space scan mingru_parallel(log_space=True); "
                   "each ratio divides two times of the same run.",
        "missing": "!!! note \"Not measured yet\"\n\n    This table is read from `{results}`. Running `{command}` "
                   "from the repository root writes that file; once it is committed, the table appears here.\n",
        "keys": ("command", "digest", "device", "date"),
    },
}


class StaleResults(ValueError):
    """The results file was computed from other code, or lacks a figure."""


def benchmark_module():
    """benchmarks/scan_speed.py as the code is now (loaded by path; importing it measures nothing)."""
    spec = importlib.util.spec_from_file_location("_scan_speed_benchmark", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _benchmark_provenance():
    return benchmark_module().provenance()


def check_results(results, now=None):
    """Raise StaleResults when `results` was computed from other code or misses a row."""
    now = now if now is not None else _benchmark_provenance()
    recorded = results.get("provenance", {}).get("digest")
    if recorded != now["digest"]:
        raise StaleResults(f"{RESULTS.name} is stale: recorded digest {recorded}, but the code now has "
                           f"{now['digest']}; run `{COMMAND}` and commit the new file, or delete it")
    have = {(r["T"], r["pass"], r["variant"]) for r in results["rows"]}
    for T in results["lengths"]:
        for kind in PASSES:
            for variant in VARIANTS:
                if (T, kind, variant) not in have:
                    raise StaleResults(f"{RESULTS.name} is stale: no time for T = {T}, {kind}, {variant}")


def load(path=None):
    """The results checked against the code, or None while there is no file."""
    path = Path(path or RESULTS)
    if not path.exists():
        return None
    results = json.loads(path.read_text(encoding="utf-8"))
    check_results(results)
    return results


def ratios(results):
    """{(T, pass): (loop ÷ scan, nn.GRU ÷ scan)}, the scan being mingru_parallel(log_space=False)."""
    ms = {(r["T"], r["pass"], r["variant"]): r["ms"] for r in results["rows"]}
    return {(T, kind): (ms[T, kind, "loop"] / ms[T, kind, "parallel"], ms[T, kind, "nn_gru"] / ms[T, kind, "parallel"])
            for T in results["lengths"] for kind in PASSES}


def table(lang, results):
    L = LABELS[lang]
    if results is None:
        return L["missing"].format(results="book/results/scan-speed.json", command=COMMAND)
    ms = {(r["T"], r["pass"], r["variant"]): r["ms"] for r in results["rows"]}
    speedup = ratios(results)
    out = []
    for kind in PASSES:
        out.append(f"**{L[kind]}**\n")
        out.append("| T | " + " | ".join(L[v] for v in VARIANTS) + f" | {L['loop_ratio']} | {L['gru_ratio']} |")
        out.append("|---:|" + "---:|" * (len(VARIANTS) + 2))
        for T in results["lengths"]:
            cells = [f"{ms[T, kind, v]:.2f}" for v in VARIANTS]
            loop, gru = speedup[T, kind]
            out.append(f"| {T} | " + " | ".join(cells) + f" | {loop:.1f}× | {gru:.1f}× |")
        out.append("")
    caption = L["caption"].format(B=results["shape"]["B"], H=results["shape"]["H"],
                                  **{k: results[k] for k in ("device", "torch", "python", "date", "repeat")})
    return ('<figure class="speed-table" markdown>\n\n' + "\n".join(out)
            + f"\n<figcaption>{html.escape(caption)}</figcaption>\n</figure>\n")


def provenance(lang, results):
    if results is None:
        return ""
    values = (f"`{results['command']}`", f"`{results['provenance']['digest']}`", results["device"], results["date"])
    return "| | |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in zip(LABELS[lang]["keys"], values)) + "\n"


_memo = {}  # per content of the files the result depends on: ko and en share one check


def _files_key(*paths):
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) if p.exists() else (str(p),) for p in paths)


def directive(what, lang, path=None):
    """The Markdown for ``::scan_speed <what>``; stale results or a wrong <what> raise ValueError."""
    if what not in ("table", "provenance"):
        raise ValueError(f"::scan_speed {what}: expected table or provenance")
    path = Path(path or RESULTS)
    key = _files_key(path, BENCHMARK, ROOT / "snippets" / "minrnn_torch.py")
    if key not in _memo:
        _memo.clear()
        _memo[key] = load(path)
    return (table if what == "table" else provenance)(lang, _memo[key])
