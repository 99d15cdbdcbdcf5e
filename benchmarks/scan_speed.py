"""How much does the parallel scan save? minGRU by a scan against the same minGRU by a loop, and against nn.GRU.

For T = 64, 256, 1024, 4096 (B = 8, D = H = 64, float32, one CPU thread), two passes (forward under
no_grad; training = forward + backward of y.sum() to every weight), four variants:
  nn_gru         torch.nn.GRU(D, H): a full GRU, h_{t-1} inside its gates (oneDNN on a CPU)
  loop           snippets/minrnn_torch.py mingru: gates for all steps at once, then a loop over time
  parallel       mingru_parallel(log_space=False): the recursive-doubling scan, ceil(log2 T) rounds
  parallel_log   mingru_parallel(log_space=True): the log-space scan (cumsum and logcumsumexp)
Each row: the shortest CPU time (process time, so other processes on a busy machine do not count) of
--repeat runs, in ms. The page divides these times by each other: every ratio comes from one run.

Usage: python benchmarks/scan_speed.py              (writes book/results/scan-speed.json, ~1 minute)
       python benchmarks/scan_speed.py --quick --out PATH   (tiny T: a smoke test, seconds)
The book (book/scan_speed.py) refuses a results file whose recorded digest is not the code's now.
"""

import argparse
import datetime
import hashlib
import json
import platform
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from book.digest import file_digest, function_digest  # noqa: E402
from snippets import minrnn_torch  # noqa: E402

RESULTS = ROOT / "book" / "results" / "scan-speed.json"
COMMAND = "python benchmarks/scan_speed.py"
LENGTHS = (64, 256, 1024, 4096)
QUICK_LENGTHS = (4, 8)
SHAPE = {"B": 8, "D": 64, "H": 64}
VARIANTS = ("nn_gru", "loop", "parallel", "parallel_log")
PASSES = ("forward", "training")


def provenance():
    """What the figures are computed from: the snippet functions the variants run, this script, the sizes."""
    digest, functions = function_digest(["mingru", "mingru_parallel"], minrnn_torch)
    snippets = {"snippets/minrnn_torch.py": {"functions": functions, "sha256": digest}}
    code = file_digest(__file__)
    combined = hashlib.sha256(json.dumps({"snippets": snippets, "benchmark": code, "lengths": LENGTHS,
                                          "shape": SHAPE}, sort_keys=True).encode()).hexdigest()
    return {"digest": combined[:16], "snippets": snippets,
            "benchmark": {"file": "benchmarks/scan_speed.py", "sha256": code}}


def best_of(fn, repeat):
    fn()  # warm-up: allocator, oneDNN primitive cache
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def calls(T, generator):
    """{variant: a function returning y (T, B, H)} on shared inputs; the minGRU weights require grad."""
    B, D, H = SHAPE["B"], SHAPE["D"], SHAPE["H"]
    x = torch.randn(T, B, D, generator=generator)
    gru = torch.nn.GRU(D, H)
    weight_z, weight_h = (torch.randn(H, D, generator=generator) / D ** 0.5 for _ in range(2))
    bias_z, bias_h = torch.zeros(H), torch.zeros(H)
    params = [p.requires_grad_() for p in (weight_z, weight_h, bias_z, bias_h)]
    return {
        "nn_gru": lambda: gru(x)[0],
        "loop": lambda: minrnn_torch.mingru(x, None, *params)[0],
        "parallel": lambda: minrnn_torch.mingru_parallel(x, None, *params)[0],
        "parallel_log": lambda: minrnn_torch.mingru_parallel(x, None, *params, log_space=True)[0],
    }


def measure(lengths, repeat):
    generator = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    rows = []
    for T in lengths:
        for variant, forward in calls(T, generator).items():
            def train():
                forward().sum().backward()

            with torch.no_grad():
                seconds = best_of(forward, repeat)
            rows.append({"T": T, "pass": "forward", "variant": variant, "ms": round(seconds * 1e3, 4)})
            rows.append({"T": T, "pass": "training", "variant": variant,
                         "ms": round(best_of(train, repeat) * 1e3, 4)})
            print(f"T = {T:5d}  {variant:13s} forward {rows[-2]['ms']:9.2f} ms   training {rows[-1]['ms']:9.2f} ms",
                  flush=True)
    return rows


def cpu_name():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny lengths: a smoke test")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        rows = measure(QUICK_LENGTHS if args.quick else LENGTHS, args.repeat)
    finally:
        torch.set_num_threads(threads)
    result = {
        "command": COMMAND + (" --quick" if args.quick else ""),
        "provenance": provenance(),
        "device": cpu_name(), "threads": 1,
        "torch": torch.__version__, "python": platform.python_version(),
        "date": datetime.date.today().isoformat(), "repeat": args.repeat,
        "shape": SHAPE, "lengths": list(QUICK_LENGTHS if args.quick else LENGTHS), "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
