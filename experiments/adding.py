"""The adding problem, trained with the book's own snippets: plain RNN vs LSTM vs GRU.

Task (Hochreiter & Schmidhuber 1997, in the form of Le et al. 2015 and Arjovsky et al. 2016):
each input is a sequence of T pairs (u_t, m_t); u_t ~ U(0, 1) and the marker m_t is 1 at two
positions (one in the first half, one in the second half) and 0 elsewhere. The target is the sum
of the two marked numbers. Always predicting 1 (the mean of the sum) scores MSE = Var(u_1 + u_2)
= 1/6 ≈ 0.167: a model that does not remember the first marked number cannot do much better.

Models: the recurrences `rnn`, `lstm`, `gru` of snippets/*_torch.py (autograd runs through them)
and a linear read-out of the last hidden state. Four of them:
    rnn          tanh RNN, PyTorch's default initialisation
    lstm         LSTM, PyTorch's default initialisation (all U(-1/sqrt(H), 1/sqrt(H)))
    lstm_fb1     LSTM whose forget block of bias_ih + bias_hh sums to 1 (Gers et al. 2000)
    gru          GRU (reset after, like torch.nn.GRU), default initialisation

Usage (from the repository root; `make experiments` runs the first line):
    python -m experiments.adding                      # the whole grid -> book/results/adding.json
    python -m experiments.adding --device cuda        # the same grid on a GPU -> book/results/adding-cuda.json
    python -m experiments.adding --cell lstm 10 0     # one cell, printed (no file written)

Everything is deterministic on the CPU: one thread, deterministic algorithms, the data and the
initial weights drawn from seeded generators on the CPU (so a GPU run sees the same data).
"""

import argparse
import ast
import datetime
import hashlib
import inspect
import json
import math
import multiprocessing
import os
import platform
import sys
import time
from pathlib import Path

import torch

from snippets import gru_torch, lstm_torch, rnn_torch

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "book" / "results" / "adding.json"
COMMAND = "make experiments"

MODELS = ("rnn", "lstm", "lstm_fb1", "gru")
SETTINGS = {
    "lengths": [10, 20, 40],     # T: the RNN should manage the shortest and fail on the longest
    "seeds": [0, 1, 2],
    "hidden_size": 16,           # H
    "batch_size": 64,
    "steps": 1000,               # Adam updates, each on a fresh batch
    "learning_rate": 0.01,
    "clip_norm": 1.0,            # gradient clipping (global norm)
    "eval_every": 50,            # a learning-curve point every so many steps
    "eval_size": 200,            # held-out sequences for the learning curve
    "test_size": 1000,           # held-out sequences for the final test MSE and the baseline
    "dtype": "float64",          # float64: another CPU reproduces the numbers closely
    "solved_fraction": 0.1,      # "learned": final test MSE below this fraction of the baseline
    "failed_fraction": 0.5,      # "failed": final test MSE above this fraction of the baseline
}
# The snippet functions the models call; the digest covers their code (not docstrings or comments)
# and that of the formula functions they call.
SNIPPET_ENTRIES = {rnn_torch: "rnn", lstm_torch: "lstm", gru_torch: "gru"}


# --------------------------------------------------------------------------------------- data

def adding_batch(T, batch_size, generator, dtype=torch.float32):
    """A batch of the adding problem, drawn on the CPU from `generator`.

    returns x: (T, B, 2) with features (u_t, m_t), y: (B,) the sum of the two marked u_t,
    and marks: (B, 2) the two marked time steps (first half, second half).
    """
    if T < 2:
        raise ValueError(f"T must be at least 2 (two marked positions), got T={T}")
    u = torch.rand(T, batch_size, generator=generator, dtype=torch.float64)
    first = torch.randint(0, T // 2, (batch_size,), generator=generator)
    second = torch.randint(T // 2, T, (batch_size,), generator=generator)
    m = torch.zeros(T, batch_size, dtype=torch.float64)
    columns = torch.arange(batch_size)
    m[first, columns] = 1.0
    m[second, columns] = 1.0
    y = u[first, columns] + u[second, columns]
    x = torch.stack([u, m], dim=-1)
    return x.to(dtype), y.to(dtype), torch.stack([first, second], dim=1)


# ------------------------------------------------------------------------------------- models

BLOCKS = {"rnn": 1, "lstm": 4, "lstm_fb1": 4, "gru": 3}


def init_parameters(model, H, generator, D=2):
    """Parameters in the torch.nn layout with PyTorch's default init U(-1/sqrt(H), 1/sqrt(H)),
    plus a linear read-out (1, H) initialised like torch.nn.Linear. lstm_fb1 sets the forget
    block (rows H..2H) of bias_ih to 1 and of bias_hh to 0: the two sum to 1."""
    if model not in BLOCKS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    k = 1 / math.sqrt(H)
    rows = BLOCKS[model] * H

    def uniform(*shape):
        return (torch.rand(*shape, generator=generator, dtype=torch.float64) * 2 - 1) * k

    p = {"weight_ih": uniform(rows, D), "weight_hh": uniform(rows, H),
         "bias_ih": uniform(rows), "bias_hh": uniform(rows),
         "weight_out": uniform(1, H), "bias_out": uniform(1)}
    if model == "lstm_fb1":
        p["bias_ih"][H:2 * H] = 1.0
        p["bias_hh"][H:2 * H] = 0.0
    return p


def run_model(model, p, x, trace=False):
    """Prediction (B,) for x: (T, B, 2); with trace=True also the gates over time."""
    weights = (p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"])
    if model == "rnn":
        y, h = rnn_torch.rnn(x, None, *weights)
    elif model in ("lstm", "lstm_fb1"):
        y, (h, c) = lstm_torch.lstm(x, None, None, *weights)
    else:
        y, h = gru_torch.gru(x, None, *weights)
    prediction = (h @ p["weight_out"].T + p["bias_out"])[..., 0]
    if not trace:
        return prediction
    return prediction, gate_trace(model, p, x)


def gate_trace(model, p, x):
    """Replay the recurrence step by step with the snippets' gate functions and record them.

    x: (T, 1, 2), one sequence. LSTM: i, f, c (T, H); GRU: z, h (T, H); RNN: h (T, H).
    """
    H = p["weight_hh"].shape[1]
    Wx_all = x @ p["weight_ih"].T + p["bias_ih"]
    h = x.new_zeros(x.shape[1], H)
    c = x.new_zeros(x.shape[1], H)
    out = {}
    record = out.setdefault
    for t in range(x.shape[0]):
        Wh = h @ p["weight_hh"].T + p["bias_hh"]
        if model == "rnn":
            h = rnn_torch.rnn_hidden_state(Wx_all[t], Wh)
        elif model in ("lstm", "lstm_fb1"):
            Wx_i, Wx_f, Wx_g, Wx_o = Wx_all[t].chunk(4, dim=-1)
            Wh_i, Wh_f, Wh_g, Wh_o = Wh.chunk(4, dim=-1)
            i_t = lstm_torch.lstm_input_gate(Wx_i, Wh_i)
            f_t = lstm_torch.lstm_forget_gate(Wx_f, Wh_f)
            g_t = lstm_torch.lstm_candidate(Wx_g, Wh_g)
            o_t = lstm_torch.lstm_output_gate(Wx_o, Wh_o)
            c = lstm_torch.lstm_cell_state(f_t, c, i_t, g_t)
            h = lstm_torch.lstm_hidden_state(o_t, c)
            record("i", []).append(i_t[0])
            record("f", []).append(f_t[0])
            record("c", []).append(c[0])
        else:
            Wx_r, Wx_z, Wx_n = Wx_all[t].chunk(3, dim=-1)
            Wh_r, Wh_z, Wh_n = Wh.chunk(3, dim=-1)
            r_t = gru_torch.gru_reset_gate(Wx_r, Wh_r)
            z_t = gru_torch.gru_update_gate(Wx_z, Wh_z)
            n_t = gru_torch.gru_candidate_reset_after(Wx_n, r_t, Wh_n)
            h = gru_torch.gru_hidden_state(z_t, n_t, h)
            record("z", []).append(z_t[0])
        record("h", []).append(h[0])
    return {name: torch.stack(values) for name, values in out.items()}


# ----------------------------------------------------------------------------------- training

def train_cell(model, T, seed, settings=SETTINGS, device="cpu"):
    """Train one model on one length with one seed; return its learning curve and test MSE."""
    dtype = getattr(torch, settings["dtype"])
    H, B = settings["hidden_size"], settings["batch_size"]
    # Separate generators: the training stream, the held-out sets and the initial weights
    # are the same for every model at a given (T, seed), so the models see the same data.
    init_gen = torch.Generator().manual_seed(1000 * seed + 1)
    train_gen = torch.Generator().manual_seed(1000 * seed + 2 + T)
    held_gen = torch.Generator().manual_seed(10_000 + T)  # held-out sets: the same for every seed
    p = {k: v.to(device=device, dtype=dtype).requires_grad_() for k, v in
         init_parameters(model, H, init_gen).items()}
    x_eval, y_eval, _ = adding_batch(T, settings["eval_size"], held_gen, dtype)
    x_test, y_test, marks_test = adding_batch(T, settings["test_size"], held_gen, dtype)
    x_eval, y_eval, x_test, y_test = (a.to(device) for a in (x_eval, y_eval, x_test, y_test))
    optimizer = torch.optim.Adam(p.values(), lr=settings["learning_rate"])

    def evaluate(x, y):
        with torch.no_grad():
            return float(torch.mean((run_model(model, p, x) - y) ** 2))

    curve_steps, curve_mse = [0], [evaluate(x_eval, y_eval)]
    for step in range(1, settings["steps"] + 1):
        x, y, _ = adding_batch(T, B, train_gen, dtype)
        loss = torch.mean((run_model(model, p, x.to(device)) - y.to(device)) ** 2)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(p.values(), settings["clip_norm"])
        optimizer.step()
        if step % settings["eval_every"] == 0:
            curve_steps.append(step)
            curve_mse.append(evaluate(x_eval, y_eval))
    return {"model": model, "T": T, "seed": seed, "test_mse": evaluate(x_test, y_test),
            "curve": {"step": curve_steps, "mse": curve_mse}}, p, (x_test, y_test, marks_test)


def baseline_mse(T, settings=SETTINGS):
    """MSE of always predicting 1 on the test set of length T (Var(u_1 + u_2) = 1/6 in theory)."""
    held_gen = torch.Generator().manual_seed(10_000 + T)
    adding_batch(T, settings["eval_size"], held_gen)
    _, y_test, _ = adding_batch(T, settings["test_size"], held_gen, torch.float64)
    return float(torch.mean((y_test - 1.0) ** 2))


def trace_sequence(model, p, test):
    """The gates of the trained model on the first test sequence, as lists, with its marks."""
    x_test, y_test, marks = test
    x = x_test[:, :1]
    with torch.no_grad():
        prediction, gates = run_model(model, p, x, trace=True)
    return {"model": model, "T": int(x.shape[0]), "u": x[:, 0, 0].cpu().tolist(),
            "marks": marks[0].tolist(), "target": float(y_test[0]), "prediction": float(prediction[0]),
            "gates": {k: v.cpu().T.tolist() for k, v in gates.items()}}  # each: H lists of T values


# ------------------------------------------------------------------------------------ digests

def _code_digest_of(function_names, module):
    """The code of the named functions and of every public module-level function they reach (the
    snippet sections the models run), without docstrings or comments: such an edit changes no
    number, so it does not count. The private input checks (`_check_*`, `_state_or_zeros`) only
    raise or make zero states; a change there that did change a number would fail the CI
    reproduction test (tests/test_experiment.py) instead."""
    tree = ast.parse(inspect.getsource(module))
    functions = {node.name: node for node in tree.body
                 if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")}
    todo, seen = list(function_names), []
    while todo:
        name = todo.pop()
        if name in seen or name not in functions:
            continue
        seen.append(name)
        todo += [n.id for n in ast.walk(functions[name]) if isinstance(n, ast.Name) and n.id in functions]
    parts = []
    for name in sorted(seen):
        node = functions[name]
        if ast.get_docstring(node) is not None:
            node.body = node.body[1:]
        parts.append(ast.unparse(node))  # normalised source: no comments, stable across Python versions
    return hashlib.sha256("\n".join(parts).encode()).hexdigest(), sorted(seen)


def _module_digest(path):
    """This file's code without docstrings or comments (its normalised source)."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and ast.get_docstring(node) is not None:
            node.body = node.body[1:]
    return hashlib.sha256(ast.unparse(tree).encode()).hexdigest()


def provenance(settings=SETTINGS):
    """What the results are computed from: one digest over snippets, experiment code, settings."""
    snippets = {}
    for module, entry in SNIPPET_ENTRIES.items():
        digest, functions = _code_digest_of([entry], module)
        snippets[f"snippets/{Path(module.__file__).name}"] = {"functions": functions, "sha256": digest}
    code = _module_digest(__file__)
    combined = hashlib.sha256(json.dumps({"snippets": snippets, "experiment": code, "settings": settings},
                                         sort_keys=True).encode()).hexdigest()
    return {"digest": combined[:16], "snippets": snippets,
            "experiment": {"file": "experiments/adding.py", "sha256": code}}


def configure_determinism():
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS (before CUDA starts)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False


# ---------------------------------------------------------------------------------------- run

def _cell_job(job):
    """One cell in its own (worker) process: (cell, gate trace or None)."""
    model, T, seed, settings, device, trace = job
    configure_determinism()
    t0, cpu0 = time.perf_counter(), time.process_time()
    cell, p, test = train_cell(model, T, seed, settings, device)
    cell["seconds"] = round(time.perf_counter() - t0, 2)
    cell["cpu_seconds"] = round(time.process_time() - cpu0, 2)
    return cell, (trace_sequence(model, p, test) if trace else None)


def run_grid(device="cpu", settings=SETTINGS, log=print, jobs=1):
    """Every (model, T, seed) cell, the baselines and the gate traces; returns the results dict.

    jobs > 1 trains that many cells at once, each in its own single-threaded process: the cells
    are independent and deterministic, so the numbers are the same as with jobs=1.
    """
    configure_determinism()
    started = time.perf_counter()
    longest = max(settings["lengths"])
    work = [(model, T, seed, settings, device,
             T == longest and seed == settings["seeds"][0] and model in ("lstm_fb1", "lstm", "gru"))
            for T in settings["lengths"] for model in MODELS for seed in settings["seeds"]]
    cells, traces = [], {}

    def collect(done):
        cell, trace = done
        cells.append(cell)
        log(f"{cell['model']:9s} T={cell['T']:<4d} seed={cell['seed']}  test MSE {cell['test_mse']:.5f}  "
            f"({cell['seconds']} s, CPU {cell['cpu_seconds']} s)")
        if trace:
            traces[cell["model"]] = trace

    if jobs > 1 and torch.device(device).type == "cpu":
        with multiprocessing.get_context("spawn").Pool(jobs) as pool:
            for done in pool.imap(_cell_job, work):
                collect(done)
    else:
        for job in work:
            collect(_cell_job(job))
    return {
        "experiment": "adding",
        "command": COMMAND,
        "provenance": provenance(settings),
        "settings": settings,
        "models": list(MODELS),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "device": device_name(device),
        "threads": torch.get_num_threads(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "wall_seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(sum(c["cpu_seconds"] for c in cells), 1),  # below wall time on a shared machine
        "jobs": jobs,
        "baseline": {str(T): baseline_mse(T, settings) for T in settings["lengths"]},
        "cells": cells,
        "traces": traces,
    }


def device_name(device):
    device = torch.device(device)
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({platform.machine()})"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    parser.add_argument("--output", type=Path, help="where the results go (JSON); default "
                        "book/results/adding.json on the CPU (the file the book shows and CI checks), "
                        "book/results/adding-cuda.json on a GPU")
    parser.add_argument("--jobs", type=int, default=1, help="cells trained at once on the CPU (default 1)")
    parser.add_argument("--cell", nargs=3, metavar=("MODEL", "T", "SEED"), help="train one cell and print it")
    args = parser.parse_args(argv)
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        parser.error("--device cuda: PyTorch sees no CUDA device here")
    if args.cell:
        configure_determinism()
        model, T, seed = args.cell[0], int(args.cell[1]), int(args.cell[2])
        t0 = time.perf_counter()
        cell, _, _ = train_cell(model, T, seed, device=args.device)
        print(f"{model} T={T} seed={seed}: test MSE {cell['test_mse']:.6f}, baseline {baseline_mse(T):.4f}, "
              f"{time.perf_counter() - t0:.1f} s")
        return
    results = run_grid(args.device, jobs=args.jobs)
    if args.output is None:
        args.output = RESULTS if torch.device(args.device).type == "cpu" else RESULTS.with_name("adding-cuda.json")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output} "
          f"in {results['wall_seconds']} s on {results['device']}")


if __name__ == "__main__":
    sys.exit(main())
