"""Device and dtype promises that bite on a machine without a GPU.

The PyTorch snippets run on the `meta` device: tensors with shapes and dtypes but no data, so
any copy to the host raises and any tensor made without `device=` lands on the CPU, where
mixing it with meta tensors raises or shows in the result's device. Every returned array or
tensor is checked for its dtype and device, the final states included. States of the wrong
dtype, type or device raise the errors the docstrings promise.
"""

import numpy as np
import pytest
import torch

from .models import MODELS, TORCH_DTYPES, converter, module, n_states, parameters, states_tuple
from .test_formulas import IDS, function, random_arguments

D, H, B, T = 3, 4, 2, 5
DEVICES = ["meta", "cpu", pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(),
                                                                         reason="no CUDA device on this machine"))]
VARIANTS = [("rnn", {}), ("lstm", {}), ("gru", {}), ("gru", {"reset_after": False})]
VARIANT_IDS = ["rnn", "lstm", "gru", "gru-reset_before"]
BATCHES = {"batched": (B,), "unbatched": ()}


def returned(name, result, sequence):
    """Every array or tensor a call returns: (h,), (h, c), (y, h) or (y, h, c)."""
    if sequence:
        y, last = result
        return (y, *states_tuple(name, last))
    return states_tuple(name, result)


def tensors_on(device, dtype):
    """NumPy float64 values -> tensors on `device`; on meta only the shape and dtype survive."""
    def convert(values):
        return torch.as_tensor(np.asarray(values), dtype=TORCH_DTYPES[dtype]).to(device)
    return convert


@pytest.mark.parametrize("with_states", [True, False], ids=["states", "None-states"])
@pytest.mark.parametrize("batch", BATCHES.values(), ids=BATCHES.keys())
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("sequence", [False, True], ids=["cell", "sequence"])
@pytest.mark.parametrize("name,options", VARIANTS, ids=VARIANT_IDS)
def test_torch_cells_and_sequences_follow_the_device_and_dtype_of_x(name, options, sequence, device, dtype,
                                                                     batch, with_states):
    convert = tensors_on(device, dtype)
    rng = np.random.default_rng(0)
    x = convert(rng.normal(size=((T,) if sequence else ()) + batch + (D,)))
    states = [convert(rng.normal(size=batch + (H,))) if with_states else None for _ in range(n_states(name))]
    fn = getattr(module(name, "torch"), name if sequence else f"{name}_cell")
    outputs = returned(name, fn(x, *states, *parameters(name, D, H, convert), **options), sequence)
    assert len(outputs) == n_states(name) + sequence
    for output in outputs:
        assert isinstance(output, torch.Tensor)
        assert output.device.type == device and output.dtype == TORCH_DTYPES[dtype]
        assert tuple(output.shape[-1:]) == (H,)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("formula_id", IDS)
def test_torch_formulas_run_on_the_meta_device(formula_id, dtype):
    arguments = random_arguments(formula_id, np.random.default_rng(0))
    result = function(formula_id, "torch")(**{k: tensors_on("meta", dtype)(v) for k, v in arguments.items()})
    assert result.device.type == "meta" and result.dtype == TORCH_DTYPES[dtype]
    assert tuple(result.shape) == function(formula_id, "numpy")(**arguments).shape


@pytest.mark.parametrize("with_states", [True, False], ids=["states", "None-states"])
@pytest.mark.parametrize("batch", BATCHES.values(), ids=BATCHES.keys())
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("sequence", [False, True], ids=["cell", "sequence"])
@pytest.mark.parametrize("name,options", VARIANTS, ids=VARIANT_IDS)
def test_numpy_returns_x_dtype_for_every_array_states_included(name, options, sequence, dtype, batch, with_states):
    convert = converter("numpy", dtype)
    rng = np.random.default_rng(1)
    x = convert(rng.normal(size=((T,) if sequence else ()) + batch + (D,)))
    states = [convert(rng.normal(size=batch + (H,))) if with_states else None for _ in range(n_states(name))]
    fn = getattr(module(name, "numpy"), name if sequence else f"{name}_cell")
    outputs = returned(name, fn(x, *states, *parameters(name, D, H, convert), **options), sequence)
    assert len(outputs) == n_states(name) + sequence
    for output in outputs:
        assert isinstance(output, np.ndarray) and output.dtype == np.dtype(dtype)
        assert output.shape == (((T,) if sequence and output is outputs[0] else ()) + batch + (H,))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("formula_id", IDS)
def test_numpy_formulas_keep_the_dtype(formula_id, dtype):
    arguments = {k: v.astype(dtype) for k, v in random_arguments(formula_id, np.random.default_rng(2)).items()}
    assert function(formula_id, "numpy")(**arguments).dtype == np.dtype(dtype)


def state_names(name, sequence):
    names = ["h0", "c0"] if sequence else ["h_prev", "c_prev"]
    return names[:n_states(name)]


def call_with_state(name, framework, sequence, which, state, convert):
    """Call the cell or sequence with a good x and good states except state number `which`."""
    rng = np.random.default_rng(3)
    x = convert(rng.normal(size=((T,) if sequence else ()) + (B, D)))
    states = [convert(rng.normal(size=(B, H))) for _ in range(n_states(name))]
    states[which] = state
    fn = getattr(module(name, framework), name if sequence else f"{name}_cell")
    return fn(x, *states, *parameters(name, D, H, convert))


CASES = [(name, sequence, which) for name in MODELS for sequence in (False, True) for which in range(n_states(name))]
CASE_IDS = [f"{name}-{state_names(name, sequence)[which]}" for name, sequence, which in CASES]


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("name,sequence,which", CASES, ids=CASE_IDS)
def test_a_state_of_another_dtype_is_rejected(name, sequence, which, framework):
    state_name = state_names(name, sequence)[which]
    wrong = converter(framework, "float32")(np.zeros((B, H)))
    with pytest.raises(ValueError, match=rf"^{state_name} has dtype .*float32 but x has dtype .*float64$"):
        call_with_state(name, framework, sequence, which, wrong, converter(framework, "float64"))
    integer = np.zeros((B, H), dtype=np.int64)
    integer = integer if framework == "numpy" else torch.from_numpy(integer)
    with pytest.raises(ValueError, match=rf"^{state_name} must hold floating-point numbers, got dtype .*int64$"):
        call_with_state(name, framework, sequence, which, integer, converter(framework, "float64"))


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("name,sequence,which", CASES, ids=CASE_IDS)
def test_a_state_of_another_type_is_rejected(name, sequence, which, framework):
    state_name = state_names(name, sequence)[which]
    expected = {"numpy": "numpy.ndarray", "torch": "torch.Tensor"}[framework]
    wrong = {"numpy": torch.zeros(B, H, dtype=torch.float64), "torch": np.zeros((B, H))}[framework]
    for state, type_name in ((wrong, type(wrong).__name__), ([[0.0] * H] * B, "list")):
        with pytest.raises(TypeError, match=rf"^{state_name} must be a {expected}, got {type_name}$"):
            call_with_state(name, framework, sequence, which, state, converter(framework))


@pytest.mark.parametrize("name,sequence,which", CASES, ids=CASE_IDS)
def test_a_state_on_another_device_is_rejected(name, sequence, which):
    """Bites without a GPU: a meta state beside CPU input (CUDA beside CPU where there is one)."""
    state_name = state_names(name, sequence)[which]
    for other in ["meta"] + (["cuda"] if torch.cuda.is_available() else []):
        state = torch.zeros(B, H, dtype=torch.float64, device=other)
        with pytest.raises(ValueError, match=rf"^{state_name} is on device {other}.* but x is on cpu$"):
            call_with_state(name, "torch", sequence, which, state, converter("torch"))
