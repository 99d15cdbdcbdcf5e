"""The speed chapter at build time: what it counts and times now, and what it READS from a GPU run.

Directive (hooks.py): ``::speed <what>``, where <what> is
    ops        compute operations per time step of the plain snippets `rnn`, `lstm`, `gru`, counted now
               by running them under a dispatch mode (each one is a kernel launch on a GPU)
    cpu        the plain snippets against torch.nn on this build machine's CPU, timed now (forward, and
               forward + backward), as ratios measured in this one run
    gpu        the GPU table of book/results/gpu-speed.json, written by benchmarks/gpu_speed.py on a
               CUDA machine; a notice saying how to produce it while there is none
    gpu_provenance  what that file was computed from (command, device, versions, date, digest)

Stale results fail the build: the digest that benchmarks/gpu_speed.py's `provenance()` computes
from the code now must equal the one recorded in the file. A file whose ratios do not follow
from its own milliseconds (edited by hand) fails too. Rerun `bash benchmarks/device_check.sh` on
a GPU machine, or delete the file (the chapter then says that nothing was measured).
"""

import html
import importlib.util
import json
import platform
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "book" / "results" / "gpu-speed.json"
BENCHMARK = ROOT / "benchmarks" / "gpu_speed.py"
COMMAND = "bash benchmarks/device_check.sh"
MODELS = ("rnn", "lstm", "gru")
VARIANTS = ("cudnn", "plain", "graphed", "compiled_step", "graphed_compiled_step", "compiled")
PASSES = ("forward", "training")
TARGETS = {"forward": 1.0, "training": 2.0}  # issue #13: at most these multiples of cuDNN
CPU_CASE = {"T": 50, "B": 8, "D": 32, "H": 64}  # small: the build stays fast, and per-op overhead shows
NN = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}

LABELS = {
    "ko": {
        "model": "모델", "variant": "방식", "forward": "순전파", "training": "순전파 + 역전파",
        "ratio": "cuDNN 대비", "ratio_cpu": "`torch.nn` 대비", "setup": "준비 시간", "case": "크기",
        "ops": "한 단계의 연산 수", "kernels": "T = 100일 때 커널 실행 횟수",
        "cudnn": "cuDNN (`nn.{nn}`)", "nn_cpu": "`nn.{nn}` (oneDNN)", "plain": "이 책의 스니펫(`{m}`)",
        "graphed": "CUDA 그래프(`{m}_graphed`)", "compiled_step": "한 단계 컴파일(`{m}_compiled()`)",
        "graphed_compiled_step": "컴파일한 단계를 CUDA 그래프로 (`{m}_graphed(…, {m}_function={m}_compiled())`)",
        "compiled": "루프 전체 컴파일(`{m}_compiled(whole_loop=True)`)",
        "met": "달성", "missed": "미달", "skipped": "건너뛴 측정", "none": "—", "seconds": "{s:.1f}초",
        "cpu_caption": "이 페이지를 빌드할 때 잰 값입니다: {cpu}의 스레드 하나, PyTorch {torch}, "
                       "T = {T}, B = {B}, D = {D}, H = {H}, float32. {repeat}번 잰 CPU 시간 중 가장 짧은 값입니다. "
                       "빌드 기계가 바쁘면 값이 흔들리므로 절대 시간보다 비율을 보세요.",
        "gpu_caption": "측정: {device}, PyTorch {torch}, CUDA {cuda}, cuDNN {cudnn}, {date}. float32, TF32 끔, "
                       "{repeat}번 잰 것 중 가장 빠른 값이고, 비율은 같은 실행에서 잰 cuDNN 시간에 대한 값입니다.",
        "missing": "!!! note \"아직 GPU에서 잰 값이 없습니다\"\n\n    이 표는 `{results}` 파일에서 읽습니다. "
                   "CUDA가 있는 기계에서 저장소 루트에서 `{command}`를 실행하면 이 파일이 만들어지고, 그 파일을 "
                   "커밋하면 이 자리에 측정 표가 나타납니다. 값은 손으로 적지 않습니다.\n",
    },
    "en": {
        "model": "model", "variant": "variant", "forward": "forward", "training": "forward + backward",
        "ratio": "× cuDNN", "ratio_cpu": "× `torch.nn`", "setup": "setup", "case": "size",
        "ops": "compute ops per step", "kernels": "kernel launches at T = 100",
        "cudnn": "cuDNN (`nn.{nn}`)", "nn_cpu": "`nn.{nn}` (oneDNN)", "plain": "the book's snippet (`{m}`)",
        "graphed": "CUDA graph (`{m}_graphed`)", "compiled_step": "compiled step (`{m}_compiled()`)",
        "graphed_compiled_step": "compiled step in a CUDA graph (`{m}_graphed(…, {m}_function={m}_compiled())`)",
        "compiled": "whole loop compiled (`{m}_compiled(whole_loop=True)`)",
        "met": "met", "missed": "missed", "skipped": "Not measured", "none": "—", "seconds": "{s:.1f} s",
        "cpu_caption": "Measured when this page was built: one thread of {cpu}, PyTorch {torch}, "
                       "T = {T}, B = {B}, D = {D}, H = {H}, float32, the shortest CPU time of {repeat} runs. "
                       "A busy build machine makes these figures jitter: read the ratios, not the absolute times.",
        "gpu_caption": "Measured on {device}, PyTorch {torch}, CUDA {cuda}, cuDNN {cudnn}, {date}. float32, "
                       "TF32 off, best of {repeat}; each ratio is to cuDNN's time measured in the same run.",
        "missing": "!!! note \"Not measured on a GPU yet\"\n\n    This table is read from `{results}`. Running "
                   "`{command}` from the repository root on a machine with CUDA writes that file; once it is "
                   "committed, the measured table appears here. No figure is typed by hand.\n",
    },
}


class StaleResults(ValueError):
    """The results file does not match the code it claims to come from, or contradicts itself."""


# ------------------------------------------------------------------------- ops per time step

def _snippet(model):
    return importlib.import_module(f"snippets.{model}_torch")


def _parameters(model, D, H, generator):
    blocks = {"rnn": 1, "lstm": 4, "gru": 3}[model]
    import torch

    return [torch.randn(blocks * H, D, generator=generator), torch.randn(blocks * H, H, generator=generator),
            torch.randn(blocks * H, generator=generator), torch.randn(blocks * H, generator=generator)]


def _plain(model, x, params):
    states = (None, None) if model == "lstm" else (None,)
    return getattr(_snippet(model), model)(x, *states, *params)


def count_ops(fn):
    """[(op name, is_view)] of every ATen operation `fn()` dispatches. A view (split, transpose,
    detach) only relabels memory; every other operation computes, which on a GPU means a kernel."""
    from torch.utils._python_dispatch import TorchDispatchMode

    class Recorder(TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.ops = []

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            is_view = any(ret.alias_info is not None for ret in func._schema.returns)
            self.ops.append((func.overloadpacket.__name__, is_view))
            return func(*args, **(kwargs or {}))

    with Recorder() as recorder:
        fn()
    return recorder.ops


def ops_per_step(model):
    """The compute operations one more time step adds to the plain snippet (T = 3 minus T = 2), in order."""
    import torch

    generator = torch.Generator().manual_seed(0)
    params = _parameters(model, 3, 4, generator)
    x = torch.randn(3, 2, 3, generator=generator)
    with torch.no_grad():
        longer = [name for name, view in count_ops(lambda: _plain(model, x, params)) if not view]
        shorter = [name for name, view in count_ops(lambda: _plain(model, x[:2], params)) if not view]
    # the extra step's operations sit just before the final stack of the outputs
    if longer[-1] != shorter[-1] or len(longer) <= len(shorter):
        raise ValueError(f"{model}: cannot tell the operations of one step apart ({shorter} vs {longer})")
    start = len(shorter) - 1
    return longer[start:len(longer) - 1]


def ops_table(lang, steps=None):
    """The table of ops per step; `steps` ({model: ops_per_step(model)}) is counted now if not given."""
    L = LABELS[lang]
    steps = steps or {model: ops_per_step(model) for model in MODELS}
    rows = [f"| {L['model']} | {L['ops']} | {L['kernels']} |", "|---|---|---|"]
    for model in MODELS:
        ops = steps[model]
        counts = {}
        for name in ops:
            counts[name] = counts.get(name, 0) + 1
        listing = ", ".join(f"`{name}` × {n}" if n > 1 else f"`{name}`" for name, n in counts.items())
        rows.append(f"| `{model}` | {len(ops)}: {listing} | {100 * len(ops)} |")
    return "\n".join(rows) + "\n"


# ---------------------------------------------------------------------------------- CPU timing

def _best_of(fn, repeat):
    """Best CPU time of `fn()` over `repeat` runs, on one thread: CPU time, unlike wall time, does
    not count what other processes of a busy build machine take."""
    fn()  # warm-up: allocator, oneDNN primitive cache
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def cpu_timings(case=CPU_CASE, repeat=3):
    """{(model, pass): {"nn": seconds, "plain": seconds}} on this CPU, measured now."""
    import torch

    T, B, D, H = case["T"], case["B"], case["D"], case["H"]
    generator = torch.Generator().manual_seed(0)
    timings = {}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        _time_models(timings, T, B, D, H, generator, repeat)
    finally:
        torch.set_num_threads(threads)
    return timings


def _time_models(timings, T, B, D, H, generator, repeat):
    import torch

    for model in MODELS:
        torch.manual_seed(0)
        layer = getattr(torch.nn, NN[model])(D, H)
        params = [layer.weight_ih_l0, layer.weight_hh_l0, layer.bias_ih_l0, layer.bias_hh_l0]
        x = torch.randn(T, B, D, generator=generator)

        def train(forward):
            forward()[0].sum().backward()

        for variant, forward in (("nn", lambda: layer(x)), ("plain", lambda: _plain(model, x, params))):
            with torch.no_grad():
                timings.setdefault((model, "forward"), {})[variant] = _best_of(forward, repeat)
            timings.setdefault((model, "training"), {})[variant] = _best_of(lambda: train(forward), repeat)
        layer.zero_grad(set_to_none=True)


def _cpu_name():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_table(lang, timings, case=CPU_CASE, repeat=3):
    import torch

    L = LABELS[lang]
    head = (f"| {L['model']} | {L['variant']} | {L['forward']} | {L['ratio_cpu']} | {L['training']} "
            f"| {L['ratio_cpu']} |\n"
            f"|---|---|---:|---:|---:|---:|\n")
    rows = []
    for model in MODELS:
        for variant in ("nn", "plain"):
            cells = []
            for kind in PASSES:
                seconds = timings[(model, kind)][variant]
                ratio = seconds / timings[(model, kind)]["nn"]
                cells += [f"{seconds * 1e3:.2f} ms", f"{ratio:.2f}×"]
            label = (L["nn_cpu"] if variant == "nn" else L["plain"]).format(nn=NN[model], m=model)
            rows.append(f"| `{model}` | {label} | " + " | ".join(cells) + " |")
    caption = L["cpu_caption"].format(cpu=_cpu_name(), torch=torch.__version__,
                                      repeat=repeat, **case)
    # out of the search index: times that change with every build are no words to find
    return (f'<figure class="speed-table" data-search-exclude markdown>\n\n{head}' + "\n".join(rows)
            + f"\n\n<figcaption>{html.escape(caption)}</figcaption>\n</figure>\n")


# ------------------------------------------------------------------------------ GPU results

def benchmark_module():
    """benchmarks/gpu_speed.py as the code is now (loaded by path; importing it never runs CUDA)."""
    spec = importlib.util.spec_from_file_location("_gpu_speed_benchmark", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _benchmark_provenance():
    return benchmark_module().provenance()


def check_results(results, now=None):
    """Raise StaleResults when `results` was computed from other code or its ratios are not its own."""
    now = now if now is not None else _benchmark_provenance()
    recorded = results.get("provenance", {}).get("digest")
    if recorded != now["digest"]:
        raise StaleResults(f"{RESULTS.name} is stale: computed from digest {recorded}, but the code now has "
                           f"{now['digest']}; run `{COMMAND}` on a GPU machine and commit the new file, or "
                           f"delete it")
    cudnn = {(r["model"], r["case"], r["pass"]): r["ms"] for r in results["rows"] if r["variant"] == "cudnn"}
    for row in results["rows"]:
        key = (row["model"], row["case"], row["pass"])
        if key not in cudnn:
            raise StaleResults(f"{RESULTS.name}: no cudnn row for {key}")
        if row.get("ms") is not None and abs(row["ratio"] - row["ms"] / cudnn[key]) > 1e-6 * max(1, row["ratio"]):
            raise StaleResults(f"{RESULTS.name}: the ratio {row['ratio']} of {key} {row['variant']} does not follow "
                               f"from its {row['ms']} ms and cuDNN's {cudnn[key]} ms (edited by hand?)")


def load_gpu(path=None):
    """The GPU results checked against the code, or None while there is no file."""
    path = Path(path or RESULTS)
    if not path.exists():
        return None
    results = json.loads(path.read_text(encoding="utf-8"))
    check_results(results)
    return results


def gpu_table(lang, results):
    L = LABELS[lang]
    if results is None:
        return L["missing"].format(results="book/results/gpu-speed.json", command=COMMAND)
    by_key = {(r["model"], r["case"], r["pass"], r["variant"]): r for r in results["rows"]}
    variants = [v for v in VARIANTS if any(k[3] == v for k in by_key)]
    variants += sorted({k[3] for k in by_key} - set(variants))
    out, skipped = [], []
    for case, shape in results["cases"].items():
        size = ", ".join(f"{k} = {v}" for k, v in shape.items())
        out.append(f"**{L['case']}: {size}**\n")
        out.append(f"| {L['model']} | {L['variant']} | {L['forward']} | {L['ratio']} | {L['training']} "
                   f"| {L['ratio']} | {L['setup']} |\n|---|---|---:|---:|---:|---:|---:|")
        for model in [m for m in MODELS if any(k[0] == m and k[1] == case for k in by_key)]:
            for variant in variants:
                cells, setup = [], 0.0
                for kind in PASSES:
                    row = by_key.get((model, case, kind, variant))
                    if row is None or row.get("ms") is None:
                        cells += [L["none"], L["none"]]
                        if row is not None:
                            skipped.append(f"`{model}`, {case}, {L[kind]}, `{variant}`: {row.get('skipped', '?')}")
                        continue
                    mark = "" if variant == "cudnn" else (
                        f" ({L['met'] if row['ratio'] <= TARGETS[kind] else L['missed']})")
                    cells += [f"{row['ms']:.2f} ms", f"{row['ratio']:.2f}×{mark}"]
                    setup = max(setup, row.get("setup_s") or 0.0)
                label = L.get(variant, f"`{variant}`").format(nn=NN[model], m=model)
                shown_setup = L["seconds"].format(s=setup) if setup else L["none"]
                out.append(f"| `{model}` | {label} | " + " | ".join(cells) + f" | {shown_setup} |")
        out.append("")
    if skipped:
        out.append(f"{L['skipped']}: " + "; ".join(skipped) + ".\n")
    out.append(L["gpu_caption"].format(**{k: results.get(k, "?") for k in
                                          ("device", "torch", "cuda", "cudnn", "date", "repeat")}) + "\n")
    return "\n".join(out)


def gpu_provenance(lang, results):
    if results is None:
        return ""
    keys = {"ko": ("명령", "다이제스트", "장치", "날짜"), "en": ("command", "digest", "device", "date")}[lang]
    values = (f"`{results['command']}`", f"`{results['provenance']['digest']}`", results["device"], results["date"])
    return "| | |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in zip(keys, values)) + "\n"


# ---------------------------------------------------------------------------------- directive

_memo = {}  # per content of the files each result depends on: a prose edit under `mkdocs serve`
#            re-counts, re-times and re-reads nothing, and ko and en share one result


def _files_key(*paths):
    return tuple((str(path), path.stat().st_mtime_ns, path.stat().st_size) if path.exists() else (str(path),)
                 for path in paths)


def _snippets_key():
    return _files_key(*sorted((ROOT / "snippets").glob("*_torch.py")))


def directive(what, lang, path=None):
    """The Markdown for ``::speed <what>``; stale results or a wrong <what> raise ValueError."""
    if what == "ops":
        key = ("ops", _snippets_key())
        if key not in _memo:
            _memo[key] = {model: ops_per_step(model) for model in MODELS}
        return ops_table(lang, _memo[key])
    if what == "cpu":
        key = ("cpu", _snippets_key())
        if key not in _memo:
            for stale in [k for k in _memo if k[0] == "cpu"]:
                del _memo[stale]
            _memo[key] = cpu_timings()
        return cpu_table(lang, _memo[key])
    if what in ("gpu", "gpu_provenance"):
        path = Path(path or RESULTS)  # the provenance reads the benchmark and the snippets it runs
        key = ("gpu", _files_key(path, BENCHMARK), _snippets_key())
        if key not in _memo:
            for stale in [k for k in _memo if k[0] == "gpu"]:
                del _memo[stale]
            _memo[key] = load_gpu(path)
        render = gpu_table if what == "gpu" else gpu_provenance
        return render(lang, _memo[key])
    raise ValueError(f"::speed {what}: expected ops, cpu, gpu or gpu_provenance")
