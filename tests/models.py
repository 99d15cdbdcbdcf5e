"""The three models as the tests call them: module per framework, gate blocks, states.

`arrays(...)` makes random parameters and inputs in either framework, any dtype and device,
so a test can say what it checks instead of how it builds its arguments.
"""

import numpy as np
import torch

from snippets import gru_numpy, gru_torch, lstm_numpy, lstm_torch, rnn_numpy, rnn_torch

MODELS = {  # name: (row blocks, {framework: module}, number of states)
    "rnn": (1, {"numpy": rnn_numpy, "torch": rnn_torch}, 1),
    "lstm": (4, {"numpy": lstm_numpy, "torch": lstm_torch}, 2),
    "gru": (3, {"numpy": gru_numpy, "torch": gru_torch}, 1),
}
FRAMEWORKS = ("numpy", "torch")
NUMPY_DTYPES = {"float32": np.float32, "float64": np.float64}
TORCH_DTYPES = {"float32": torch.float32, "float64": torch.float64}


def module(name, framework):
    return MODELS[name][1][framework]


def n_states(name):
    return MODELS[name][2]


def converter(framework, dtype="float64", device="cpu"):
    """NumPy array -> an array or tensor of the framework, dtype and device."""
    if framework == "numpy":
        return lambda a: np.asarray(a, dtype=NUMPY_DTYPES[dtype])
    return lambda a: torch.as_tensor(np.asarray(a), dtype=TORCH_DTYPES[dtype]).to(device)


def parameters(name, D, H, convert, seed=0):
    """weight_ih, weight_hh, bias_ih, bias_hh in torch.nn's layout, random and non-zero."""
    blocks = MODELS[name][0]
    rng = np.random.default_rng(seed)
    shapes = ((blocks * H, D), (blocks * H, H), (blocks * H,), (blocks * H,))
    return [convert(rng.normal(scale=0.5, size=s)) for s in shapes]


def states_tuple(name, result):
    """The final states of a cell or sequence call as a tuple: (h,) or (h, c)."""
    return tuple(result) if n_states(name) == 2 else (result,)
