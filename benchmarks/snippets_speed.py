"""How fast is the NumPy reference next to torch.nn on this CPU?

Prints the time of snippets' NumPy `lstm`/`gru` (and the PyTorch snippets) as a ratio to
torch.nn.LSTM / nn.GRU forward, all measured in this one run, float32, no autograd.
Issue #2 aims for NumPy <= 1.25x. Usage: python benchmarks/snippets_speed.py [--repeat N]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from snippets import gru_numpy, gru_torch, lstm_numpy, lstm_torch  # noqa: E402

T, B, D, H = 100, 32, 128, 256


def best_of(fn, repeat):
    fn()  # warm-up: allocator, thread pools, oneDNN primitive cache
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    torch.manual_seed(0)
    print(f"T={T} B={B} D={D} H={H} float32, torch {torch.__version__}, numpy {np.__version__}, "
          f"torch threads {torch.get_num_threads()}, best of {args.repeat} (median in brackets)")
    for name, module, np_fn, torch_fn in (("lstm", torch.nn.LSTM, lstm_numpy.lstm, lstm_torch.lstm),
                                          ("gru", torch.nn.GRU, gru_numpy.gru, gru_torch.gru)):
        layer = module(D, H)
        x = torch.randn(T, B, D)
        params = [layer.weight_ih_l0, layer.weight_hh_l0, layer.bias_ih_l0, layer.bias_hh_l0]
        params_np = [p.detach().numpy() for p in params]
        states = (None, None) if name == "lstm" else (None,)
        with torch.no_grad():
            ref, ref_med = best_of(lambda: layer(x), args.repeat)
            ours_np, np_med = best_of(lambda: np_fn(x.numpy(), *states, *params_np), args.repeat)
            ours_t, t_med = best_of(lambda: torch_fn(x, *states, *params), args.repeat)
        print(f"{name}: torch.nn {ref * 1e3:7.2f} ms [{ref_med * 1e3:.2f}] | "
              f"snippets numpy {ours_np * 1e3:7.2f} ms [{np_med * 1e3:.2f}] = {ours_np / ref:.2f}x | "
              f"snippets torch {ours_t * 1e3:7.2f} ms [{t_med * 1e3:.2f}] = {ours_t / ref:.2f}x")


if __name__ == "__main__":
    main()
