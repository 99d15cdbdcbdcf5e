"""How close do the PyTorch snippets get to cuDNN on a GPU? Plain, CUDA graphs, torch.compile.

For lstm, gru and rnn, two cases (small: T=100 B=32 D=128 H=256; large: T=256 B=128 D=H=1024),
two passes (forward; training = forward + backward of y.sum() to every weight), float32, TF32 off,
synchronised timing. Variants:
  cudnn          torch.nn.LSTM / GRU / RNN (cuDNN on a GPU), the reference of every ratio
  plain          the snippet's lstm / gru / rnn
  graphed        <model>_graphed: the plain loop captured in CUDA graphs and replayed
  compiled_step  <model>_compiled(whole_loop=False): torch.compile of the step function only
  compiled       <model>_compiled(whole_loop=True): torch.compile of the whole loop
                 (on CUDA mode="reduce-overhead": the unrolled loop replayed as a CUDA graph)
  graphed_compiled_step  <model>_graphed(..., <model>_function=<model>_compiled()): the loop over
                 compiled (fused) steps captured in CUDA graphs; measured in the worker of
                 compiled_step, after it, so its setup_s is mostly capture (the step is compiled)
Each row: best of --repeat and median (ms), ratio = ms / ms of cudnn (same model, case, pass, this
run), setup_s (capture or compile seconds: the first call), peak_mib (peak CUDA memory allocated
while the variant ran, above the inputs and weights all variants share), max_abs_diff (largest
|variant - plain| over y, h_n (, c_n) and, for training, the weight gradients).
The compiled variants run in worker processes with a time limit (compiling the whole loop unrolls
T steps and can take minutes): a variant over its limit, or over the --budget-s of the whole run,
is recorded with "skipped": reason and no figures, never waited for.

Usage: python benchmarks/gpu_speed.py --device cuda          (writes book/results/gpu-speed.json)
       python benchmarks/gpu_speed.py --quick --out PATH     (CPU, tiny shapes, aot_eager: a smoke test)
"""

import argparse
import datetime
import gc
import hashlib
import json
import platform
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from book.digest import file_digest, function_digest  # noqa: E402
from snippets import gru_torch, lstm_torch, rnn_torch  # noqa: E402

RESULTS = ROOT / "book" / "results" / "gpu-speed.json"
CASES = {"small": {"T": 100, "B": 32, "D": 128, "H": 256}, "large": {"T": 256, "B": 128, "D": 1024, "H": 1024}}
QUICK_CASES = {"small": {"T": 4, "B": 2, "D": 3, "H": 5}, "large": {"T": 6, "B": 3, "D": 4, "H": 6}}
MODELS = {"lstm": (torch.nn.LSTM, lstm_torch), "gru": (torch.nn.GRU, gru_torch), "rnn": (torch.nn.RNN, rnn_torch)}
WHOLE_LOOP = {"compiled_step": False, "graphed_compiled_step": False, "compiled": True}  # variant -> whole_loop
WORKERS = {"step": ("compiled_step", "graphed_compiled_step"), "whole": ("compiled",)}  # one process each
PASSES = ("forward", "training")
WORKER_LIMIT_S = {"step": 150, "whole": 150}  # per worker: its variants, both passes, one model and case
MIN_WORKER_S = 30  # a worker with less time than this left in the budget is not started


def provenance():
    """What the figures are computed from: the snippet functions the variants run and this script.

    Importable without CUDA (book/speed.py compares the digest with the recorded one)."""
    snippets = {}
    for name, (_, snippet) in MODELS.items():
        digest, functions = function_digest([name, f"{name}_graphed", f"{name}_compiled"], snippet)
        snippets[f"snippets/{Path(snippet.__file__).name}"] = {"functions": functions, "sha256": digest}
    code = file_digest(__file__)
    combined = hashlib.sha256(json.dumps({"snippets": snippets, "benchmark": code, "cases": CASES},
                                         sort_keys=True).encode()).hexdigest()
    return {"digest": combined[:16], "snippets": snippets,
            "benchmark": {"file": "benchmarks/gpu_speed.py", "sha256": code}}


# ------------------------------------------------------------------------------------------ setup

def configure():
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False


def sync_for(device):
    return torch.cuda.synchronize if device.type == "cuda" else (lambda: None)


def problem(name, shape, device):
    """The torch.nn layer (its parameters are the weights every variant uses) and x, same seed everywhere."""
    torch.manual_seed(0)
    layer = MODELS[name][0](shape["D"], shape["H"]).to(device)
    x = torch.randn(shape["T"], shape["B"], shape["D"], device=device)
    weights = [layer.weight_ih_l0, layer.weight_hh_l0, layer.bias_ih_l0, layer.bias_hh_l0]
    return layer, x, weights


def n_states(name):
    return 2 if name == "lstm" else 1


def flat(name, result):
    """(y, h_n) or (y, (h_n, c_n)) -> [y, h_n(, c_n)]"""
    y, last = result
    return [y, *last] if name == "lstm" else [y, last]


def run_pass(name, call, weights, pass_name):
    """One forward (no autograd) or one training step; returns outputs and gradients as a list."""
    if pass_name == "forward":
        with torch.no_grad():
            return flat(name, call())
    outputs = flat(name, call())
    return outputs + list(torch.autograd.grad(outputs[0].sum(), weights))


def variant_call(name, variant, layer, x, weights, pass_name, backend):
    """A function of no arguments running `variant` once, and its setup seconds (capture or compile)."""
    snippet = MODELS[name][1]
    device, sync = x.device, sync_for(x.device)
    used = weights if pass_name == "training" else [w.detach() for w in weights]
    states = [None] * n_states(name)
    if variant == "cudnn":
        return (lambda: layer(x)), 0.0
    if variant == "plain":
        plain = getattr(snippet, name)
        return (lambda: plain(x, *states, *used)), 0.0
    if variant == "graphed":
        sync()
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # on the CPU (--quick) it says it falls back to the plain function
            replay = getattr(snippet, f"{name}_graphed")(x, *states, *used)
        sync()
        return (lambda: replay(x, *states, *used)), time.perf_counter() - start
    compiled = getattr(snippet, f"{name}_compiled")(whole_loop=WHOLE_LOOP[variant], backend=backend)
    if variant == "graphed_compiled_step":
        sync()
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            replay = getattr(snippet, f"{name}_graphed")(x, *states, *used, **{f"{name}_function": compiled})
        sync()
        return (lambda: replay(x, *states, *used)), time.perf_counter() - start

    def call():
        if device.type == "cuda":
            torch.compiler.cudagraph_mark_step_begin()  # a new iteration: earlier outputs may be overwritten
        return compiled(x, *states, *used)
    sync()
    start = time.perf_counter()
    run_pass(name, call, weights, pass_name)  # the first call compiles (forward, and backward for training)
    sync()
    return call, time.perf_counter() - start


def measure(name, variant, shape, pass_name, device, repeat, backend):
    """One row without its ratio: times, setup seconds, peak memory, difference to plain."""
    layer, x, weights = problem(name, shape, device)
    sync = sync_for(device)
    plain = getattr(MODELS[name][1], name)
    expected = [t.detach().clone() for t in run_pass(name, lambda: plain(x, *[None] * n_states(name), *weights),
                                                     weights, pass_name)]
    if device.type == "cuda":
        gc.collect()
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
    call, setup_s = variant_call(name, variant, layer, x, weights, pass_name, backend)
    for _ in range(2):  # warm-up: allocator, cuBLAS/cuDNN plans, CUDA graph trees recording
        run_pass(name, call, weights, pass_name)
    sync()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run_pass(name, call, weights, pass_name)
        sync()
        times.append(time.perf_counter() - start)
    got = [t.detach().clone() for t in run_pass(name, call, weights, pass_name)]
    diff = max(float((g.double() - e.double()).abs().max()) for g, e in zip(got, expected))
    peak_mib = (torch.cuda.max_memory_allocated(device) - base) / 2**20 if device.type == "cuda" else 0.0
    return {"model": name, "case": None, "pass": pass_name, "variant": variant,
            "ms": min(times) * 1e3, "median_ms": statistics.median(times) * 1e3,
            "setup_s": setup_s, "peak_mib": peak_mib, "max_abs_diff": diff}


# ------------------------------------------------------------------------------------------ workers

def worker(args):
    """--worker MODEL CASE GROUP: both passes of the variants of WORKERS[GROUP], one JSON row per line."""
    configure()
    name, case, group = args.worker
    shape = (QUICK_CASES if args.quick else CASES)[case]
    for variant in WORKERS[group]:
        for pass_name in PASSES:
            row = measure(name, variant, shape, pass_name, torch.device(args.device), args.repeat, args.backend)
            row["case"] = case
            print("ROW " + json.dumps(row), flush=True)


def in_worker(name, case, group, args, limit_s):
    """Rows of the compiled variants of a worker process, or rows saying why there are none."""
    command = [sys.executable, __file__, "--worker", name, case, group, "--device", args.device,
               "--repeat", str(args.repeat), "--backend", args.backend] + (["--quick"] if args.quick else [])
    rows, reason = {}, None
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=limit_s, cwd=ROOT)
        output = done.stdout
        if done.returncode != 0:
            reason = f"worker failed (exit {done.returncode}): " + (done.stderr.strip().splitlines() or ["?"])[-1]
    except subprocess.TimeoutExpired as expired:
        output = expired.stdout.decode() if isinstance(expired.stdout, bytes) else (expired.stdout or "")
        reason = f"compile and measurement over the {limit_s:.0f} s limit of its worker"
    for line in output.splitlines():
        if line.startswith("ROW "):
            row = json.loads(line[4:])
            rows[row["variant"], row["pass"]] = row
    return [rows.get((v, p)) or skipped(name, case, p, v, reason or "no result")
            for v in WORKERS[group] for p in PASSES]


def skipped(name, case, pass_name, variant, reason):
    return {"model": name, "case": case, "pass": pass_name, "variant": variant, "ms": None, "median_ms": None,
            "ratio": None, "setup_s": None, "peak_mib": None, "max_abs_diff": None, "skipped": reason}


# ------------------------------------------------------------------------------------------ main

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="CPU, tiny shapes, aot_eager, 3 repeats (smoke test)")
    parser.add_argument("--out", type=Path, help=f"where to write the JSON (default {RESULTS.relative_to(ROOT)})")
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--budget-s", type=float, default=330,
                        help=f"seconds for the whole run: a compiled variant gets at most what is left (none under "
                             f"{MIN_WORKER_S} s)")
    parser.add_argument("--backend", default=None, help="torch.compile backend (default inductor; --quick aot_eager)")
    parser.add_argument("--worker", nargs=3, metavar=("MODEL", "CASE", "VARIANT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.device, args.repeat = "cpu", min(args.repeat, 3)
    args.backend = args.backend or ("aot_eager" if args.quick else "inductor")
    if args.worker:
        return worker(args)
    if args.quick and args.out is None:
        parser.error("--quick writes only where --out says (never into book/results)")
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda needs a CUDA device (use --quick for a CPU smoke test)")
    configure()
    models, cases = args.models.split(","), args.cases.split(",")
    shapes = QUICK_CASES if args.quick else CASES
    started = time.monotonic()
    rows = []
    for case in cases:
        for name in models:
            for pass_name in PASSES:
                for variant in ("cudnn", "plain", "graphed"):
                    row = measure(name, variant, shapes[case], pass_name, device, args.repeat, args.backend)
                    row["case"] = case
                    rows.append(row)
                    print(format_row(row), flush=True)
    out = args.out or RESULTS
    write(out, args, device, argv, shapes, cases, rows)  # a run cut short still leaves what it measured
    if device.type == "cuda":
        gc.collect()
        torch.cuda.empty_cache()  # the workers get the GPU's memory
    for name, case, group in worker_order(models, cases):
        left = args.budget_s - (time.monotonic() - started)
        if left < MIN_WORKER_S:
            found = [skipped(name, case, p, v, f"benchmark budget of {args.budget_s:.0f} s spent")
                     for v in WORKERS[group] for p in PASSES]
        else:
            found = in_worker(name, case, group, args, min(WORKER_LIMIT_S[group], left))
        rows += found
        for row in found:
            print(format_row(row), flush=True)
        write(out, args, device, argv, shapes, cases, rows)
    print_table(rows)
    print(f"wrote {out}")


def worker_order(models, cases):
    """Workers by what the figures are for: LSTM and GRU before RNN; the small case first, its step
    compile (quick, whatever T) and whole loop; then the large case's step; the large whole loop
    (256 unrolled steps, slowest to compile) last."""
    order = []
    for names in ([m for m in models if m != "rnn"], [m for m in models if m == "rnn"]):
        for case, groups in (("small", ("step", "whole")), ("large", ("step",)), ("large", ("whole",))):
            order += [(name, case, group) for name in names for group in groups if case in cases]
    return order


def write(out, args, device, argv, shapes, cases, rows):
    add_ratios(rows)
    result = header(args, device, argv) | {"cases": {c: shapes[c] for c in cases}, "rows": rows}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


def add_ratios(rows):
    reference = {(r["model"], r["case"], r["pass"]): r["ms"] for r in rows if r["variant"] == "cudnn"}
    for row in rows:
        ms, ref = row["ms"], reference.get((row["model"], row["case"], row["pass"]))
        row["ratio"] = ms / ref if ms is not None and ref else None


def header(args, device, argv):
    command = " ".join(["python", "benchmarks/gpu_speed.py"] + list(sys.argv[1:] if argv is None else argv))
    cuda = device.type == "cuda"
    where = torch.cuda.get_device_name(device) if cuda else f"cpu ({platform.processor() or platform.machine()})"
    return {"benchmark": "gpu-speed", "command": command,
            "date": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
            "device": where, "torch": torch.__version__, "cuda": torch.version.cuda,
            "cudnn": torch.backends.cudnn.version() if cuda else None,
            "python": platform.python_version(), "dtype": "float32", "tf32": False, "repeat": args.repeat,
            "provenance": provenance()}


def format_row(row):
    if row.get("skipped"):
        return f"{row['model']:5} {row['case']:6} {row['pass']:9} {row['variant']:21} skipped: {row['skipped']}"
    return (f"{row['model']:5} {row['case']:6} {row['pass']:9} {row['variant']:21} {row['ms']:9.3f} ms "
            f"[{row['median_ms']:.3f}]  setup {row['setup_s']:6.1f} s  peak {row['peak_mib']:8.1f} MiB  "
            f"max|diff| {row['max_abs_diff']:.1e}")


def print_table(rows):
    print(f"\n{'model':5} {'case':6} {'pass':9} {'variant':21} {'ms':>9} {'median':>9} {'x cudnn':>8} "
          f"{'setup s':>8} {'peak MiB':>9} {'max|diff|':>9}")
    for r in rows:
        if r.get("skipped"):
            print(f"{r['model']:5} {r['case']:6} {r['pass']:9} {r['variant']:21} skipped: {r['skipped']}")
            continue
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "-"
        print(f"{r['model']:5} {r['case']:6} {r['pass']:9} {r['variant']:21} {r['ms']:9.3f} {r['median_ms']:9.3f} "
              f"{ratio:>8} {r['setup_s']:8.1f} {r['peak_mib']:9.1f} {r['max_abs_diff']:9.1e}")


if __name__ == "__main__":
    main()
