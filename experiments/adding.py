"""The adding problem, trained with the book's own forward and backward functions.

Task (Hochreiter & Schmidhuber 1997, in the form of Le et al. 2015 and Arjovsky et al. 2016):
each input is a sequence of T pairs (u_t, m_t); u_t ~ U(0, 1) and the marker m_t is 1 at two
positions (one in the first half, one in the second half) and 0 elsewhere. The target is the sum
u_1 + u_2 of the two marked numbers. Always predicting 1 scores MSE = Var(u_1 + u_2) = 1/6; using
the second number alone (predicting u_2 + 1/2) scores Var(u_1) = 1/12, half of that.

Models (a linear read-out of the last hidden state on top of each):
    rnn          tanh RNN, PyTorch's default initialisation U(-1/sqrt(H), 1/sqrt(H))
    irnn         ReLU RNN with weight_hh = identity and zero recurrent bias (Le et al. 2015)
    lstm         LSTM, PyTorch's default initialisation
    lstm_fb1     LSTM whose forget block of bias_ih + bias_hh sums to 1 (Gers et al. 2000)
    gru          GRU (reset-after, like torch.nn.GRU), default initialisation

Training runs the book's snippets: the forward `rnn`/`lstm`/`gru` and the derived backward
`rnn_backward`/`lstm_backward`/`gru_backward` (NumPy on the CPU, their torch twins on a GPU), with
gradient clipping and Adam written out below, in float64. Each seed is its own model with its own
initial weights and training stream; `--jobs 2` trains two at once, one process and one thread each.

After training, each model is measured on the whole test set
with autograd through the book's torch formula functions: the sensitivity of the prediction to
each marked number, the gradient norm with respect to every hidden state, and the gates of the
units that carry the first number (chosen by their contribution to the sensitivity).

Usage (from the repository root; `make experiments` runs the first line):
    python -m experiments.adding                      # the whole grid -> book/results/adding.json
    python -m experiments.adding --device cuda        # on a GPU -> book/results/adding-cuda.json
    python -m experiments.adding --cell lstm 40       # every seed of one cell, printed, no file written
"""

import os
import sys

if __name__ == "__main__":  # one BLAS thread, set before NumPy starts its thread pool
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import datetime
import hashlib
import json
import math
import multiprocessing
import platform
import statistics
import subprocess
import time
from pathlib import Path

import numpy as np
import torch

from book.digest import file_digest
from snippets import gru_numpy, gru_torch, lstm_numpy, lstm_torch, rnn_numpy, rnn_torch

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "book" / "results" / "adding.json"
COMMAND = "make experiments"

MODELS = ("rnn", "irnn", "lstm", "lstm_fb1", "gru")
GATED = ("lstm", "lstm_fb1", "gru")
SETTINGS = {
    "lengths": [10, 20, 40, 80, 160],    # T
    "steps": [1500, 1500, 2000, 3000, 4000],  # training budget per length, the same for every model
    "seeds": [0, 1, 2, 3, 4],
    "hidden_size": 16,                   # H
    "batch_size": 64,
    "learning_rate": 0.01,               # Adam
    "clip_norm": 1.0,                    # gradient clipping, global norm of each model's gradients
    "eval_every": 50,                    # a learning-curve point every so many steps
    "eval_size": 256,                    # validation sequences (learning curves, escape step)
    "test_size": 1000,                   # test sequences (final MSE, sensitivities, gradients, gates)
    "dtype": "float64",                  # training and measuring: another CPU rounds alike
    "escape_fraction": 0.5,              # escape: validation MSE below this fraction of its baseline
    "solved_fraction": 0.1,              # solved: final test MSE below this fraction of its baseline
    "carrier_share": 0.5,                # carriers: fewest units holding this share of |dy/du_1|
}
D = 2  # input features (u_t, m_t)
BLOCKS = {"rnn": 1, "irnn": 1, "lstm": 4, "lstm_fb1": 4, "gru": 3}
NUMPY = {"rnn": rnn_numpy, "irnn": rnn_numpy, "lstm": lstm_numpy, "lstm_fb1": lstm_numpy, "gru": gru_numpy}
TORCH = {"rnn": rnn_torch, "irnn": rnn_torch, "lstm": lstm_torch, "lstm_fb1": lstm_torch, "gru": gru_torch}


# --------------------------------------------------------------------------------------- data

def adding_batch(T, batch_size, rng):
    """A batch of the adding problem drawn from a numpy Generator (float64).

    returns x: (T, B, 2) with features (u_t, m_t), y: (B,) the sum of the two marked u_t,
    and marks: (B, 2) the two marked time steps (first half, second half).
    """
    if T < 2:
        raise ValueError(f"T must be at least 2 (two marked positions), got T={T}")
    u = rng.random((T, batch_size))
    first = rng.integers(0, T // 2, batch_size)
    second = rng.integers(T // 2, T, batch_size)
    columns = np.arange(batch_size)
    m = np.zeros((T, batch_size))
    m[first, columns] = 1.0
    m[second, columns] = 1.0
    return np.stack([u, m], axis=-1), u[first, columns] + u[second, columns], np.stack([first, second], axis=1)


def held_out(T, settings=SETTINGS):
    """The validation and test sets of length T: the same for every model and seed."""
    rng = np.random.default_rng([T, 10_000])
    return adding_batch(T, settings["eval_size"], rng), adding_batch(T, settings["test_size"], rng)


def reference_levels(y, x, marks):
    """MSE of predicting 1 (the baseline) and of predicting u_2 + 1/2 (the second number alone)."""
    u2 = x[marks[:, 1], np.arange(len(y)), 0]
    return float(np.mean((y - 1.0) ** 2)), float(np.mean((u2 + 0.5 - y) ** 2))


# ------------------------------------------------------------------------------------- models

def init_parameters(model, H, rng):
    """One seed's parameters in the torch.nn layout, plus a read-out (1, H) like nn.Linear.

    rnn, lstm, gru: PyTorch's default U(-1/sqrt(H), 1/sqrt(H)) for every weight and bias.
    lstm_fb1: the same draws, then the forget block of bias_ih = 1 and of bias_hh = 0 (sum 1).
    irnn: weight_hh = I, bias_hh = 0, the rest as PyTorch (Le et al. use a small input weight too).
    """
    if model not in BLOCKS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    k = 1 / math.sqrt(H)
    rows = BLOCKS[model] * H

    def uniform(*shape):
        return rng.uniform(-k, k, shape)

    p = {"weight_ih": uniform(rows, D), "weight_hh": uniform(rows, H), "bias_ih": uniform(rows),
         "bias_hh": uniform(rows), "weight_out": uniform(1, H), "bias_out": uniform(1)}
    if model == "lstm_fb1":
        p["bias_ih"][H:2 * H] = 1.0
        p["bias_hh"][H:2 * H] = 0.0
    if model == "irnn":
        p["weight_hh"] = np.eye(H)
        p["bias_hh"] = np.zeros(H)
    return p


def _to_numpy(v):
    return v.detach().cpu().numpy() if isinstance(v, torch.Tensor) else v


def predict(model, lib, p, x):
    """The book's forward: the prediction (B,) and the last hidden state h_n (B, H)."""
    weights = (p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"])
    if model in ("lstm", "lstm_fb1"):
        _, (h, _) = lib.lstm(x, None, None, *weights)
    elif model == "gru":
        _, h = lib.gru(x, None, *weights)
    elif model == "rnn":
        _, h = lib.rnn(x, None, *weights)
    else:
        h = irnn_forward(lib, x, *weights)[-1]
    return (h @ p["weight_out"].T + p["bias_out"])[:, 0], h


def recurrent_backward(model, lib, p, x, dh_n):
    """∂L/∂(recurrent weights) for L = Σ dh_n ⊙ h_n, through the book's backward functions."""
    weights = (p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"])
    dy = None  # no loss on the outputs y_t: only h_n is read out
    if model in ("lstm", "lstm_fb1"):
        return lib.lstm_backward(x, None, None, *weights, dy, dh_n=dh_n)
    if model == "gru":
        return lib.gru_backward(x, None, *weights, dy, dh_n=dh_n)
    if model == "rnn":
        return lib.rnn_backward(x, None, *weights, dy, dh_n=dh_n)
    return irnn_backward(lib, x, *weights, dh_n)


def irnn_forward(lib, x, weight_ih, weight_hh, bias_ih, bias_hh):
    """h_t = ReLU(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) from h_0 = 0: the states (T+1, B, H), h_0 first."""
    Wx_all = x @ weight_ih.T + bias_ih
    hs = [0 * Wx_all[0]]
    for t in range(x.shape[0]):
        hs.append(lib.rnn_hidden_state_relu(Wx_all[t], hs[-1] @ weight_hh.T + bias_hh))
    return hs


def irnn_backward(lib, x, weight_ih, weight_hh, bias_ih, bias_hh, dh_n):
    """BPTT for irnn_forward with the book's rnn_backward_hidden_state and linear_backward_weight;
    ReLU's derivative is 1 where h_t > 0 and 0 elsewhere."""
    hs = irnn_forward(lib, x, weight_ih, weight_hh, bias_ih, bias_hh)
    T, H = x.shape[0], weight_hh.shape[0]
    dh, da_all = dh_n, []
    for t in reversed(range(T)):
        da_t = dh * (hs[t + 1] > 0)
        da_all.append(da_t)
        dh = lib.rnn_backward_hidden_state(da_t, weight_hh)
    da = da_all[::-1]
    da_2d = _stack(da).reshape(-1, H)
    h_prev = _stack(hs[:-1]).reshape(-1, H)
    return {"weight_ih": lib.linear_backward_weight(da_2d, x.reshape(-1, x.shape[-1])),
            "weight_hh": lib.linear_backward_weight(da_2d, h_prev),
            "bias_ih": da_2d.sum(0), "bias_hh": da_2d.sum(0)}


def _stack(arrays):
    return torch.stack(arrays) if isinstance(arrays[0], torch.Tensor) else np.stack(arrays)


# ----------------------------------------------------------------------------------- training

def train_seed(model, T, seed, settings=SETTINGS, device="cpu", steps=None):
    """Train one model on one length with one seed; return (cell, trained and initial parameters).

    steps: stop early, after a prefix of the same run (the data and the updates do not depend on
    the budget). The parameters come back as NumPy float64 arrays.
    """
    H, B = settings["hidden_size"], settings["batch_size"]
    budget = settings["steps"][settings["lengths"].index(T)]
    steps = budget if steps is None else min(steps, budget)
    on_gpu = torch.device(device).type == "cuda"
    lib = (TORCH if on_gpu else NUMPY)[model]

    def put(a):
        if on_gpu:
            return torch.as_tensor(a, dtype=getattr(torch, settings["dtype"]), device=device)
        return np.asarray(a, dtype=settings["dtype"])

    # lstm and lstm_fb1 share their initial draws and their training stream
    init = init_parameters(model, H, np.random.default_rng([seed, 1]))
    stream = np.random.default_rng([seed, T, 2])
    p = {name: put(v) for name, v in init.items()}
    adam_m = {name: 0 * v for name, v in p.items()}
    adam_v = {name: 0 * v for name, v in p.items()}
    (x_val, y_val, marks_val), _ = held_out(T, settings)
    x_val, y_val = put(x_val), put(y_val)

    def validate():
        prediction, _ = predict(model, lib, p, x_val)
        return float(((prediction - y_val) ** 2).mean())

    curve_steps, curve = [0], [validate()]
    lr, beta1, beta2, eps = settings["learning_rate"], 0.9, 0.999, 1e-8
    for step in range(1, steps + 1):
        x, y, _ = adding_batch(T, B, stream)
        x, y = put(x), put(y)
        prediction, h = predict(model, lib, p, x)               # (B,), (B, H)
        dprediction = 2 * (prediction - y) / B                  # ∂L/∂ŷ for L = MSE
        grads = recurrent_backward(model, lib, p, x, dprediction[:, None] * p["weight_out"])
        grads = {name: grads[name] for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
        grads["weight_out"] = dprediction[None] @ h             # (1, H)
        grads["bias_out"] = dprediction.sum().reshape(1)
        # clipping by the global norm of all the model's gradients, as torch.nn.utils.clip_grad_norm_
        norm = float(sum((g * g).sum() for g in grads.values())) ** 0.5
        scale = min(1.0, settings["clip_norm"] / (norm + 1e-6))
        for name, g in grads.items():                           # Adam, as torch.optim.Adam
            g = g * scale
            adam_m[name] = beta1 * adam_m[name] + (1 - beta1) * g
            adam_v[name] = beta2 * adam_v[name] + (1 - beta2) * g * g
            m_hat, v_hat = adam_m[name] / (1 - beta1 ** step), adam_v[name] / (1 - beta2 ** step)
            p[name] = p[name] - lr * m_hat / (v_hat ** 0.5 + eps)
        if step % settings["eval_every"] == 0:
            curve_steps.append(step)
            curve.append(validate())
    val_baseline, _ = reference_levels(_to_numpy(y_val), _to_numpy(x_val), marks_val)
    limit = settings["escape_fraction"] * val_baseline
    escape = next((step for step, v in zip(curve_steps, curve) if v < limit), None)
    cell = {"model": model, "T": T, "seed": seed, "curve": {"step": curve_steps, "mse": [_sig(v, 6) for v in curve]},
            "escape_step": escape}
    trained = {name: np.asarray(_to_numpy(v), dtype=np.float64) for name, v in p.items()}
    return cell, trained, init


# ----------------------------------------------------------------------------------- measuring

def replay(model, p, x, keep_states=False):
    """The model step by step with the book's torch formula functions (float64 tensors).

    x: (T, B, 2). returns the prediction (B,), the hidden states [h_1, ..., h_T] (each (B, H),
    retaining their gradients when keep_states) and the gates {name: (T, B, H)} (LSTM i, f; GRU z).
    """
    Wx_all = x @ p["weight_ih"].T + p["bias_ih"]
    H = p["weight_hh"].shape[1]
    h = x.new_zeros(x.shape[1], H)
    c = x.new_zeros(x.shape[1], H)
    states, gates = [], {}
    for t in range(x.shape[0]):
        Wh = h @ p["weight_hh"].T + p["bias_hh"]
        if model == "rnn":
            h = rnn_torch.rnn_hidden_state(Wx_all[t], Wh)
        elif model == "irnn":
            h = rnn_torch.rnn_hidden_state_relu(Wx_all[t], Wh)
        elif model in ("lstm", "lstm_fb1"):
            Wx_i, Wx_f, Wx_g, Wx_o = Wx_all[t].chunk(4, dim=-1)
            Wh_i, Wh_f, Wh_g, Wh_o = Wh.chunk(4, dim=-1)
            i_t = lstm_torch.lstm_input_gate(Wx_i, Wh_i)
            f_t = lstm_torch.lstm_forget_gate(Wx_f, Wh_f)
            g_t = lstm_torch.lstm_candidate(Wx_g, Wh_g)
            o_t = lstm_torch.lstm_output_gate(Wx_o, Wh_o)
            c = lstm_torch.lstm_cell_state(f_t, c, i_t, g_t)
            h = lstm_torch.lstm_hidden_state(o_t, c)
            gates.setdefault("i", []).append(i_t.detach())
            gates.setdefault("f", []).append(f_t.detach())
        else:
            Wx_r, Wx_z, Wx_n = Wx_all[t].chunk(3, dim=-1)
            Wh_r, Wh_z, Wh_n = Wh.chunk(3, dim=-1)
            r_t = gru_torch.gru_reset_gate(Wx_r, Wh_r)
            z_t = gru_torch.gru_update_gate(Wx_z, Wh_z)
            n_t = gru_torch.gru_candidate_reset_after(Wx_n, r_t, Wh_n)
            h = gru_torch.gru_hidden_state(z_t, n_t, h)
            gates.setdefault("z", []).append(z_t.detach())
        if keep_states:
            h.retain_grad()
        states.append(h)
    prediction = (h @ p["weight_out"].T + p["bias_out"])[:, 0]
    return prediction, states, {name: torch.stack(values) for name, values in gates.items()}


def _sig(value, digits=4):
    """A float rounded to `digits` significant digits (keeps the results file small)."""
    return float(f"{value:.{digits}g}")


def quartiles(values):
    q = torch.quantile(values.reshape(-1), torch.tensor([0.25, 0.5, 0.75], dtype=values.dtype))
    return [_sig(float(v)) for v in q]


def measure(model, p, test, settings=SETTINGS, gates=True):
    """Sensitivities, the gradient-norm profile and the carriers' gates of one trained model.

    p: one seed's parameters (NumPy). test: (x, y, marks). All on the CPU in float64.
    """
    x_np, y_np, marks_np = test
    p = {name: torch.as_tensor(v, dtype=torch.float64) for name, v in p.items()}
    x = torch.as_tensor(x_np, dtype=torch.float64).requires_grad_()
    y = torch.as_tensor(y_np, dtype=torch.float64)
    marks = torch.as_tensor(marks_np)
    B, columns = x.shape[1], torch.arange(x.shape[1])
    prediction, states, gate_values = replay(model, p, x, keep_states=True)
    prediction.sum().backward()  # each prediction depends on its own sequence only: per-sequence gradients
    du = x.grad[..., 0]  # (T, B): ∂ŷ/∂u_t
    out = {"test_mse": float(((prediction.detach() - y) ** 2).mean()),
           "du1": _sig(float(du[marks[:, 0], columns].mean())), "du2": _sig(float(du[marks[:, 1], columns].mean())),
           "du1_quartiles": quartiles(du[marks[:, 0], columns]), "du2_quartiles": quartiles(du[marks[:, 1], columns]),
           # ‖∂ŷ/∂h_t‖ averaged over the test sequences, listed by distance from the end (T - t = 0, 1, ...)
           "grad_norm": [_sig(float(h.grad.norm(dim=1).mean())) for h in reversed(states)]}
    if not (gates and gate_values):
        return out
    # Which units carry u_1: ∂ŷ/∂u_1 = Σ_j w_j ∂h_T,j/∂u_1, the contributions from one forward-mode pass
    tangent = torch.zeros_like(x)
    tangent[marks[:, 0], columns, 0] = 1.0
    x_plain = x.detach()
    _, dh_T = torch.func.jvp(lambda xx: replay(model, p, xx)[1][-1], (x_plain,), (tangent,))
    contribution = (dh_T * p["weight_out"][0]).mean(0)  # (H,)
    order = torch.argsort(contribution.abs(), descending=True)
    share = torch.cumsum(contribution.abs()[order], 0) / contribution.abs().sum()
    count = int((share < settings["carrier_share"]).sum()) + 1
    carriers = order[:count]
    out["contribution"] = [_sig(float(v)) for v in contribution]
    out["carriers"] = carriers.tolist()
    out["gates"] = {name: gate_summary(values[:, :, carriers], marks_np) for name, values in gate_values.items()}
    return out


PLACES = ("first", "between", "second", "elsewhere")


def gate_places(T, marks):
    """(4, T, B) boolean: the first marked step, the steps between the marks, the second marked
    step, and the steps before the first or after the second."""
    t = np.arange(T)[:, None]
    first, second = marks[:, 0][None], marks[:, 1][None]
    return np.stack([t == first, (t > first) & (t < second), t == second, (t < first) | (t > second)])


def gate_values_at(values, marks):
    """{place: 1-D tensor} of a gate's values (T, B, K units) at each place."""
    where = torch.as_tensor(gate_places(values.shape[0], marks))
    return {place: values[where[k]].reshape(-1) for k, place in enumerate(PLACES)}


def gate_summary(values, marks):
    return {place: quartiles(v) for place, v in gate_values_at(values, marks).items()}


def pooled_gates(model, trained, test, carriers):
    """Gate quartiles at each place, pooled over the test sequences, the carriers and the seeds."""
    x = torch.as_tensor(test[0], dtype=torch.float64)
    pooled = {}
    for p, units in zip(trained, carriers):
        p = {name: torch.as_tensor(v, dtype=torch.float64) for name, v in p.items()}
        with torch.no_grad():
            _, _, gates = replay(model, p, x)
        for name, values in gates.items():
            for place, v in gate_values_at(values[:, :, units], test[2]).items():
                pooled.setdefault(name, {}).setdefault(place, []).append(v)
    return {name: {place: quartiles(torch.cat(vs)) for place, vs in places.items()} for name, places in pooled.items()}


# ------------------------------------------------------------------------------------ provenance

FINGERPRINT_SETTINGS = dict(SETTINGS, lengths=[6], steps=[3], seeds=[0, 1], hidden_size=3, batch_size=4,
                            eval_every=1, eval_size=4, test_size=8, solved_fraction=10.0)


def fingerprint():
    """What this code and the snippets compute for the experiment, on a tiny problem: a few
    training steps of every model at T = 6, H = 3, everything measured on them, the pooled gates
    and the reference levels. Any edit that changes a number the results depend on changes some
    of these; a refactor that does not (a renamed helper, a new check, a comment) leaves them,
    and the results valid."""
    settings = FINGERPRINT_SETTINGS
    _, test = held_out(6, settings)
    values = list(reference_levels(test[1], test[0], test[2]))
    for model in MODELS:
        runs = [run_seed(model, 6, seed, settings) for seed in settings["seeds"]]
        values += _numbers([{k: v for k, v in cell.items() if not k.endswith("seconds")} for cell, _ in runs])
        if model in GATED:
            values += _numbers(pooled_gates(model, [p for _, p in runs], test, [c["carriers"] for c, _ in runs]))
    return [float(f"{v:.9g}") for v in values]


def _numbers(value):
    """Every number in a nested structure, in a fixed order (None counts as -1)."""
    if isinstance(value, dict):
        return [n for key in sorted(value) for n in _numbers(value[key])]
    if isinstance(value, (list, tuple)):
        return [n for item in value for n in _numbers(item)]
    if value is None:
        return [-1.0]
    if isinstance(value, str):
        return []
    return [float(value)]


def provenance(settings=SETTINGS):
    """The experiment file's digest (a record) and the fingerprint (what the build checks)."""
    code = file_digest(__file__)
    digest = hashlib.sha256(json.dumps({"experiment": code, "settings": settings}, sort_keys=True).encode())
    return {"digest": digest.hexdigest()[:16], "experiment": {"file": "experiments/adding.py", "sha256": code},
            "fingerprint": fingerprint()}


def configure_determinism():
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS (before CUDA starts)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False


# ---------------------------------------------------------------------------------------- run

def run_seed(model, T, seed, settings=SETTINGS, device="cpu"):
    """Train one seed, then measure it, trained and at initialisation, on the test set."""
    t0, cpu0 = time.perf_counter(), time.process_time()
    cell, trained, init = train_seed(model, T, seed, settings, device)
    _, test = held_out(T, settings)
    cell.update(measure(model, trained, test, settings))
    cell["init"] = {k: v for k, v in measure(model, init, test, settings, gates=False).items()
                    if k in ("du1", "du2", "grad_norm")}
    cell["test_mse"] = _sig(cell["test_mse"], 6)
    cell["seconds"] = round(time.perf_counter() - t0, 1)
    cell["cpu_seconds"] = round(time.process_time() - cpu0, 1)
    return cell, trained


def _seed_job(job):
    model, T, seed, settings, device = job
    configure_determinism()
    return run_seed(model, T, seed, settings, device)


def run_grid(device="cpu", settings=SETTINGS, log=print, jobs=1):
    """Every (model, T, seed), the pooled gates, the reference levels and the provenance."""
    configure_determinism()
    started, cpu_started = time.perf_counter(), time.process_time()
    commit = _git_commit()  # the code the run starts from (the tree may move on while it runs)
    load = [os.getloadavg()[0]]  # the machine's load, sampled as cells finish: the wall time depends on it
    # the longest first, so that parallel workers finish close together
    work = [(model, T, seed, settings, device) for T in reversed(settings["lengths"]) for model in MODELS
            for seed in settings["seeds"]]
    cells, trained = [], {}

    def collect(done):
        cell, p = done
        cells.append(cell)
        trained[cell["model"], cell["T"], cell["seed"]] = p
        load.append(os.getloadavg()[0])
        log(f"[{len(cells):3d}/{len(work)}, {(time.perf_counter() - started) / 60:5.1f} min] {cell['model']:8s} "
            f"T={cell['T']:<4d} seed {cell['seed']}: test MSE {cell['test_mse']:.4f}, escape step "
            f"{cell['escape_step'] or '-'}, dy/du1 {cell['du1']:.2f}, dy/du2 {cell['du2']:.2f} ({cell['seconds']} s)")

    if jobs > 1 and torch.device(device).type == "cpu":
        with multiprocessing.get_context("spawn").Pool(jobs) as pool:
            for done in pool.imap_unordered(_seed_job, work):
                collect(done)
    else:
        for job in work:
            collect(run_seed(*job))
    cells.sort(key=lambda c: (settings["lengths"].index(c["T"]), MODELS.index(c["model"]), c["seed"]))
    pooled = {}  # the gates of the seeds that solved the task, pooled
    for T in settings["lengths"]:
        _, test = held_out(T, settings)
        baseline, _ = reference_levels(test[1], test[0], test[2])
        for model in GATED:
            seeds = [c for c in cells if c["model"] == model and c["T"] == T
                     and c["test_mse"] < settings["solved_fraction"] * baseline]
            if seeds:
                pooled[f"{model} {T}"] = {"seeds": [c["seed"] for c in seeds], "gates": pooled_gates(
                    model, [trained[model, T, c["seed"]] for c in seeds], test, [c["carriers"] for c in seeds])}
    levels = {}
    for T in settings["lengths"]:
        (xv, yv, mv), (xt, yt, mt) = held_out(T, settings)
        levels[str(T)] = dict(zip(("val_baseline", "val_second_only"), reference_levels(yv, xv, mv)))
        levels[str(T)].update(zip(("test_baseline", "test_second_only"), reference_levels(yt, xt, mt)))
    cpu = sum(c["cpu_seconds"] for c in cells) if jobs > 1 else time.process_time() - cpu_started
    return {
        "experiment": "adding",
        "command": COMMAND + (f" DEVICE={device}" if device != "cpu" else "") + (f" JOBS={jobs}" if jobs > 1 else ""),
        "git_commit": commit,
        "provenance": provenance(settings),
        "settings": settings,
        "models": list(MODELS),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "device": device_name(device),
        "jobs": jobs,
        "load_average": {"mean": round(statistics.fmean(load), 2), "max": round(max(load), 2)},
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "wall_seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(cpu, 1),
        "levels": levels,
        "cells": cells,
        "pooled_gates": pooled,
    }


def _git_commit():
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "experiments", "snippets"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
        return commit + ("+uncommitted" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def device_name(device):
    device = torch.device(device)
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({platform.machine()})"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    parser.add_argument("--output", type=Path, help="where the results go (JSON); default "
                        "book/results/adding.json on the CPU, book/results/adding-cuda.json on a GPU")
    parser.add_argument("--jobs", type=int, default=1, help="seeds trained at once on the CPU, one process "
                        "and one thread each (default 1; the numbers do not change)")
    parser.add_argument("--cell", nargs=2, metavar=("MODEL", "T"), help="train every seed of one cell and print it")
    args = parser.parse_args(argv)
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        parser.error("--device cuda: PyTorch sees no CUDA device here")
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    configure_determinism()
    if args.cell:
        model, T = args.cell[0], int(args.cell[1])
        if model not in MODELS or T not in SETTINGS["lengths"]:
            parser.error(f"--cell: MODEL is one of {', '.join(MODELS)}, T one of {SETTINGS['lengths']}")
        for seed in SETTINGS["seeds"]:
            cell, _ = run_seed(model, T, seed, device=args.device)
            print(f"seed {seed}: test MSE {cell['test_mse']:.5f}, escape step {cell['escape_step']}, "
                  f"dy/du1 {cell['du1']:.3f}, dy/du2 {cell['du2']:.3f} ({cell['seconds']} s)", flush=True)
        return
    results = run_grid(args.device, jobs=args.jobs, log=lambda line: print(line, flush=True))
    if args.output is None:
        args.output = RESULTS if torch.device(args.device).type == "cpu" else RESULTS.with_name("adding-cuda.json")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=None, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {args.output} in {results['wall_seconds'] / 60:.1f} min ({results['cpu_seconds'] / 60:.1f} min CPU) "
          f"on {results['device']}")


if __name__ == "__main__":
    sys.exit(main())
