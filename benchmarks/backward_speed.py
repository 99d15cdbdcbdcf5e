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


def best_of(fn, repeat, sync=lambda: None):
    fn()  # warm-up: allocator, thread pools, oneDNN primitive cache, cuDNN plans
    sync()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


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
          f"{where}, best of {args.repeat} (median in brackets)")
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

        ref, ref_med = best_of(autograd, args.repeat, sync)
        with torch.no_grad():
            detached = [p.detach() for p in params]
            ours_t, t_med = best_of(lambda: torch_fn(x.detach(), *states, *detached, dy), args.repeat, sync)
        label = "cuDNN" if device.type == "cuda" else "torch.nn"
        row = f"{name}: {label} autograd {ref * 1e3:7.2f} ms [{ref_med * 1e3:.2f}]"
        if device.type == "cpu":
            x_np, dy_np = x.detach().numpy(), dy.numpy()
            params_np = [p.detach().numpy() for p in params]
            ours_np, np_med = best_of(lambda: np_fn(x_np, *states, *params_np, dy_np), args.repeat)
            row += f" | snippets numpy {ours_np * 1e3:7.2f} ms [{np_med * 1e3:.2f}] = {ours_np / ref:.2f}x"
        print(row + f" | snippets torch explicit {ours_t * 1e3:7.2f} ms [{t_med * 1e3:.2f}] = {ours_t / ref:.2f}x")


if __name__ == "__main__":
    main()
