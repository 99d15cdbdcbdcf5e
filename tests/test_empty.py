"""Empty sequences (T = 0) and empty batches (B = 0), in NumPy and PyTorch.

A sequence of no steps returns an empty y of shape (0, B, H) and, having taken no step, its
initial states unchanged (zeros for None); an empty batch returns empty outputs of the right
shapes. Dtypes follow x in every case, states included.
"""

import numpy as np
import pytest
import torch

from .models import FRAMEWORKS, MODELS, converter, module, n_states, parameters, states_tuple

D, H = 3, 2
BATCHES = {"batched": (2,), "unbatched": ()}
# (framework, device) pairs: NumPy on the host; PyTorch on every device the machine has
PLACES = [
    pytest.param("numpy", "cpu", id="numpy"),
    pytest.param("torch", "cpu", id="torch-cpu"),
    pytest.param("torch", "cuda", id="torch-cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(),
                                                                          reason="no CUDA device on this machine")),
]
VARIANTS = [("rnn", {}), ("lstm", {}), ("gru", {}), ("gru", {"reset_after": False})]
VARIANT_IDS = ["rnn", "lstm", "gru", "gru-reset_before"]


def to_numpy(value):
    return value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else value


def dtype_name(value):
    return str(value.dtype).removeprefix("torch.")


def device_of(value):
    return value.device.type if isinstance(value, torch.Tensor) else "cpu"


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("batch", BATCHES.values(), ids=BATCHES.keys())
@pytest.mark.parametrize("framework,device", PLACES)
@pytest.mark.parametrize("name,options", VARIANTS, ids=VARIANT_IDS)
def test_an_empty_sequence_returns_the_initial_states(name, options, framework, device, batch, dtype):
    convert = converter(framework, dtype, device)
    params = parameters(name, D, H, convert)
    rng = np.random.default_rng(1)
    x = convert(np.zeros((0, *batch, D)))
    initial = [convert(rng.normal(size=(*batch, H))) for _ in range(n_states(name))]
    y, last = getattr(module(name, framework), name)(x, *initial, *params, **options)
    assert tuple(y.shape) == (0, *batch, H) and dtype_name(y) == dtype and device_of(y) == device
    last = states_tuple(name, last)
    assert len(last) == len(initial)
    for final, start in zip(last, initial):
        assert dtype_name(final) == dtype and device_of(final) == device
        np.testing.assert_array_equal(to_numpy(final), to_numpy(start))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("framework,device", PLACES)
@pytest.mark.parametrize("name,options", VARIANTS, ids=VARIANT_IDS)
def test_an_empty_sequence_without_states_returns_zero_states(name, options, framework, device, dtype):
    convert = converter(framework, dtype, device)
    x = convert(np.zeros((0, 2, D)))
    y, last = getattr(module(name, framework), name)(x, *[None] * n_states(name),
                                                     *parameters(name, D, H, convert), **options)
    assert tuple(y.shape) == (0, 2, H) and dtype_name(y) == dtype
    for final in states_tuple(name, last):
        assert tuple(final.shape) == (2, H) and dtype_name(final) == dtype and device_of(final) == device
        np.testing.assert_array_equal(to_numpy(final), np.zeros((2, H)))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("framework,device", PLACES)
@pytest.mark.parametrize("name,options", VARIANTS, ids=VARIANT_IDS)
def test_an_empty_batch_gives_empty_outputs(name, options, framework, device, dtype):
    convert = converter(framework, dtype, device)
    params = parameters(name, D, H, convert)
    T = 4
    for initial in ([None] * n_states(name), [convert(np.zeros((0, H)))] * n_states(name)):
        y, last = getattr(module(name, framework), name)(convert(np.zeros((T, 0, D))), *initial, *params,
                                                         **options)
        assert tuple(y.shape) == (T, 0, H) and dtype_name(y) == dtype and device_of(y) == device
        for final in states_tuple(name, last):
            assert tuple(final.shape) == (0, H) and dtype_name(final) == dtype and device_of(final) == device
        out = getattr(module(name, framework), f"{name}_cell")(convert(np.zeros((0, D))), *initial, *params,
                                                               **options)
        for final in states_tuple(name, out):
            assert tuple(final.shape) == (0, H) and dtype_name(final) == dtype and device_of(final) == device


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_an_empty_sequence_then_a_step_equals_the_step(name, framework):
    """Splitting a sequence at T = 0 changes nothing: the empty part hands its state on."""
    convert = converter(framework)
    params = parameters(name, D, H, convert, seed=4)
    rng = np.random.default_rng(5)
    x = convert(rng.normal(size=(3, 2, D)))
    initial = [convert(rng.normal(size=(2, H))) for _ in range(n_states(name))]
    fn = getattr(module(name, framework), name)
    _, after_empty = fn(x[:0], *initial, *params)
    y_split, _ = fn(x, *states_tuple(name, after_empty), *params)
    y_whole, _ = fn(x, *initial, *params)
    np.testing.assert_array_equal(to_numpy(y_split), to_numpy(y_whole))
