"""How fast is the book's backward pass next to torch autograd?

Forward + backward of the snippets' NumPy `lstm_backward` / `gru_backward` (they run their own
forward) as ratios to torch.nn.LSTM / nn.GRU forward + loss.backward() through autograd, all
measured in this one run, float32 (T=100, B=32, D=128, H=256). Issue #9 aims for NumPy <= 2x on
the CPU. The PyTorch explicit backward (`lstm_backward` of snippets/*_torch.py, no autograd) is
timed too; with --device cuda its rows run on the GPU against cuDNN forward + backward (TF32 off,
synchronised timing) and the NumPy rows are left out.
Usage: python benchmarks/backward_speed.py [--repeat N] [--device cpu|cuda]
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


def interleaved(fns, repeat, sync=lambda: None):
    """Time each function once per round, in turn, for `repeat` rounds (after one warm-up each).

    On a busy machine the load changes from second to second; timing the candidates side by side
    and taking the median of the per-round ratios to the first keeps the ratio honest.
    returns [(best time, median ratio to fns[0])] per function
    """
    for fn in fns:  # warm-up: allocator, thread pools, oneDNN primitive cache, cuDNN plans
        fn()
    sync()
    rounds = []
    for _ in range(repeat):
        times = []
        for fn in fns:
            start = time.perf_counter()
            fn()
            sync()
            times.append(time.perf_counter() - start)
        rounds.append(times)
    return [(min(r[k] for r in rounds), statistics.median(r[k] / r[0] for r in rounds)) for k in range(len(fns))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu, {torch.get_num_threads()} threads"
    torch.manual_seed(0)
    print(f"forward + backward, T={T} B={B} D={D} H={H} float32, torch {torch.__version__}, numpy {np.__version__}, "
          f"{where}, best times of {args.repeat} interleaved rounds, ratios are medians of the per-round ratios")
    for name, module, np_fn, torch_fn in (("lstm", torch.nn.LSTM, lstm_numpy.lstm_backward, lstm_torch.lstm_backward),
                                          ("gru", torch.nn.GRU, gru_numpy.gru_backward, gru_torch.gru_backward)):
        layer = module(D, H).to(device)
        x = torch.randn(T, B, D, device=device, requires_grad=True)
        dy = torch.randn(T, B, H, device=device)
        params = [layer.weight_ih_l0, layer.weight_hh_l0, layer.bias_ih_l0, layer.bias_hh_l0]
        states = (None, None) if name == "lstm" else (None,)

        def autograd():
            layer.zero_grad(set_to_none=True)
            x.grad = None
            y, _ = layer(x)
            y.backward(dy)

        detached = [p.detach() for p in params]
        fns = [autograd, lambda: torch.no_grad()(torch_fn)(x.detach(), *states, *detached, dy)]
        if device.type == "cpu":
            x_np, dy_np = x.detach().numpy(), dy.numpy()
            params_np = [p.detach().numpy() for p in params]
            fns.append(lambda: np_fn(x_np, *states, *params_np, dy_np))
        (ref, _), (ours_t, ratio_t), *numpy_row = interleaved(fns, args.repeat, sync)
        label = "cuDNN" if device.type == "cuda" else "torch.nn"
        row = f"{name}: {label} autograd {ref * 1e3:7.2f} ms"
        if numpy_row:
            ours_np, ratio_np = numpy_row[0]
            row += f" | snippets numpy {ours_np * 1e3:7.2f} ms, ratio {ratio_np:.2f}x"
        print(row + f" | snippets torch explicit {ours_t * 1e3:7.2f} ms, ratio {ratio_t:.2f}x")


if __name__ == "__main__":
    main()
