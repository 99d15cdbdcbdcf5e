"""The converters of the porting page: Keras 3 (its torch backend, the real layers) and CS231n.

Keras: random weights drawn in Keras's own format (layer.get_weights() shapes), converted with
*_from_keras and run through the book's lstm / gru / rnn, must give Keras's outputs and final
states; and weights drawn in torch.nn's layout, converted with *_to_keras and loaded with
layer.set_weights, must give the book's. float64 within 1e-10, float32 within 1e-5, NumPy and
PyTorch snippets. CS231n: the expected values published in the assignment's notebooks
(RNN_Captioning, LSTM_Captioning), met through *_from_cs231n.
"""

import functools
import os

import numpy as np
import pytest
import torch

from snippets import gru_numpy, gru_torch, lstm_numpy, lstm_torch, rnn_numpy, rnn_torch


SNIPPETS = {"numpy": {"lstm": lstm_numpy, "gru": gru_numpy, "rnn": rnn_numpy},
            "torch": {"lstm": lstm_torch, "gru": gru_torch, "rnn": rnn_torch}}
LAYERS = {  # id: (model, Keras layer, its options, book call options)
    "lstm": ("lstm", "LSTM", {}, {}),
    "gru-reset_after": ("gru", "GRU", {"reset_after": True}, {"reset_after": True}),
    "gru-reset_before": ("gru", "GRU", {"reset_after": False}, {"reset_after": False}),
    "rnn": ("rnn", "SimpleRNN", {}, {}),
}
TOLERANCE = {"float64": 1e-10, "float32": 1e-5}
# Keras 3.15 converts its torch tensors with np.array(x), which NumPy 2 warns about; not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


@functools.cache
def import_keras():
    """Keras on its torch backend (no other framework needed), imported when a test first needs it:
    collecting this file costs nothing on the workers that run none of these tests."""
    os.environ["KERAS_BACKEND"] = "torch"  # before the first import of keras
    return pytest.importorskip("keras")


@pytest.fixture
def keras(monkeypatch):
    """Keras, with its float64 kept float64. Keras 3 follows JAX's default type promotion on its
    torch backend: keras.ops.matmul of two float64 tensors returns float32
    (keras/src/backend/common/dtypes.py, BIT64_TO_BIT32_DTYPE), so a float64 SimpleRNN or
    reset-before GRU is only float32-accurate (errors near 4e-8). The layers' code is unchanged;
    this lets their float64 arithmetic stay float64."""
    module = import_keras()
    from keras.src.backend.common import dtypes

    monkeypatch.setitem(dtypes.BIT64_TO_BIT32_DTYPE, "float64", "float64")
    return module


B, T, D, H = 3, 7, 4, 5


def keras_layer(keras, layer_id, dtype):
    model, name, options, _ = LAYERS[layer_id]
    layer = getattr(keras.layers, name)(H, return_sequences=True, return_state=True, dtype=dtype, **options)
    layer.build((B, T, D))
    return layer


def keras_run(keras, layer, x, states):
    """Keras's outputs (B, T, H) and final states, as NumPy arrays."""
    states = [keras.ops.convert_to_tensor(s, dtype=s.dtype) for s in states]  # else float32 (floatx)
    out = layer(keras.ops.convert_to_tensor(x, dtype=x.dtype), initial_state=states if len(states) > 1 else states[0],
                training=False)
    return [keras.ops.convert_to_numpy(o) for o in out]


def book_run(layer_id, framework, x, states, params):
    """The book's function on the same batch-first x: outputs (B, T, H) and final states."""
    model, _, _, call = LAYERS[layer_id]
    function = getattr(SNIPPETS[framework][model], model)
    if framework == "torch":
        x, states = torch.from_numpy(x), [torch.from_numpy(s) for s in states]
        params = {k: v if isinstance(v, torch.Tensor) else torch.from_numpy(v) for k, v in params.items()}
    y, final = function(x.swapaxes(0, 1), *states, **params, **call)  # the book is time-major
    final = final if isinstance(final, tuple) else (final,)
    out = [y.swapaxes(0, 1)] + list(final)
    return [o.numpy() if isinstance(o, torch.Tensor) else o for o in out]


def data(layer_id, dtype, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((B, T, D)).astype(dtype)
    states = [rng.standard_normal((B, H)).astype(dtype) * 0.5
              for _ in range(2 if LAYERS[layer_id][0] == "lstm" else 1)]
    return rng, x, states


def max_error(ours, theirs):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
    return max(float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))) for a, b in zip(ours, theirs))


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("layer_id", LAYERS)
def test_from_keras_equals_the_keras_layer(keras, layer_id, dtype, framework):
    model, _, options, _ = LAYERS[layer_id]
    layer = keras_layer(keras, layer_id, dtype)
    rng, x, states = data(layer_id, dtype, seed=1)
    weights = [rng.uniform(-0.6, 0.6, w.shape).astype(dtype) for w in layer.get_weights()]  # Keras's format
    layer.set_weights(weights)
    if framework == "torch":
        weights = [torch.from_numpy(w) for w in weights]
    params = getattr(SNIPPETS[framework][model], f"{model}_from_keras")(*weights, **options)
    error = max_error(book_run(layer_id, framework, x, states, params), keras_run(keras, layer, x, states))
    assert error <= TOLERANCE[dtype], error


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("layer_id", LAYERS)
def test_to_keras_loads_into_the_keras_layer(keras, layer_id, dtype, framework):
    model, _, options, _ = LAYERS[layer_id]
    layer = keras_layer(keras, layer_id, dtype)
    rng, x, states = data(layer_id, dtype, seed=2)
    k = {"lstm": 4, "gru": 3, "rnn": 1}[model] * H
    params = {name: rng.uniform(-0.6, 0.6, shape).astype(dtype)  # torch.nn's layout, two distinct biases
              for name, shape in (("weight_ih", (k, D)), ("weight_hh", (k, H)), ("bias_ih", (k,)), ("bias_hh", (k,)))}
    given = {n: torch.from_numpy(v) for n, v in params.items()} if framework == "torch" else params
    converted = getattr(SNIPPETS[framework][model], f"{model}_to_keras")(**given, **options)
    layer.set_weights([np.asarray(w) for w in converted.values()])
    error = max_error(keras_run(keras, layer, x, states), book_run(layer_id, framework, x, states, params))
    assert error <= TOLERANCE[dtype], error


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("layer_id", LAYERS)
def test_keras_round_trip_is_exact(keras, layer_id, framework):
    model, _, options, _ = LAYERS[layer_id]
    module = SNIPPETS[framework][model]
    rng = np.random.default_rng(3)
    shapes = [w.shape for w in keras_layer(keras, layer_id, "float64").weights]
    weights = [rng.standard_normal(s) for s in shapes]
    if framework == "torch":
        weights = [torch.from_numpy(w) for w in weights]
    params = getattr(module, f"{model}_from_keras")(*weights, **options)
    assert set(params) == {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}
    back = getattr(module, f"{model}_to_keras")(**params, **options)
    assert list(back) == ["kernel", "recurrent_kernel", "bias"]
    for ours, theirs in zip(back.values(), weights):
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert np.array_equal(np.asarray(ours), np.asarray(theirs))


@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("model", ["lstm", "gru", "rnn"])
def test_from_keras_without_bias_gives_zero_biases(model, framework):
    module = SNIPPETS[framework][model]
    k = {"lstm": 4, "gru": 3, "rnn": 1}[model] * H
    kernel, recurrent = np.ones((D, k)), np.ones((H, k))
    if framework == "torch":
        kernel, recurrent = torch.from_numpy(kernel), torch.from_numpy(recurrent)
    params = getattr(module, f"{model}_from_keras")(kernel, recurrent)
    assert tuple(params["weight_ih"].shape) == (k, D) and not np.asarray(params["bias_hh"]).any()
    assert tuple(params["bias_ih"].shape) == (k,) and not np.asarray(params["bias_ih"]).any()


# CS231n assignment 3: inputs built with np.linspace and the expected values its notebooks print
# (LSTM_Captioning.ipynb, RNN_Captioning.ipynb). Their layout: x Wx with Wx (D, kH), one bias b.

def linspace(a, b, *shape):
    return np.linspace(a, b, num=int(np.prod(shape))).reshape(shape)


CS231N_LSTM_STEP_H = [[0.24635157, 0.28610883, 0.32240467, 0.35525807, 0.38474904],
                      [0.49223563, 0.55611431, 0.61507696, 0.66844003, 0.7159181],
                      [0.56735664, 0.66310127, 0.74419266, 0.80889665, 0.858299]]
CS231N_LSTM_STEP_C = [[0.32986176, 0.39145139, 0.451556, 0.51014116, 0.56717407],
                      [0.66382255, 0.76674007, 0.87195994, 0.97902709, 1.08751345],
                      [0.74192008, 0.90592151, 1.07717006, 1.25120233, 1.42395676]]
CS231N_LSTM_H = [[[0.01764008, 0.01823233, 0.01882671, 0.0194232],
                  [0.11287491, 0.12146228, 0.13018446, 0.13902939],
                  [0.31358768, 0.33338627, 0.35304453, 0.37250975]],
                 [[0.45767879, 0.4761092, 0.4936887, 0.51041945],
                  [0.6704845, 0.69350089, 0.71486014, 0.7346449],
                  [0.81733511, 0.83677871, 0.85403753, 0.86935314]]]
CS231N_RNN_STEP_H = [[-0.58172089, -0.50182032, -0.41232771, -0.31410098],
                     [0.66854692, 0.79562378, 0.87755553, 0.92795967],
                     [0.97934501, 0.99144213, 0.99646691, 0.99854353]]
CS231N_RNN_H = [[[-0.42070749, -0.27279261, -0.11074945, 0.05740409, 0.22236251],
                 [-0.39525808, -0.22554661, -0.0409454, 0.14649412, 0.32397316],
                 [-0.42305111, -0.24223728, -0.04287027, 0.15997045, 0.35014525]],
                [[-0.55857474, -0.39065825, -0.19198182, 0.02378408, 0.23735671],
                 [-0.27150199, -0.07088804, 0.13562939, 0.33099728, 0.50158768],
                 [-0.51014825, -0.30524429, -0.06755202, 0.17806392, 0.40333043]]]
PRINTED = 1e-8  # the values are printed with 8 decimals


def as_framework(framework, *arrays):
    return [torch.from_numpy(a) for a in arrays] if framework == "torch" else list(arrays)


def as_array(a):
    return a.numpy() if isinstance(a, torch.Tensor) else a


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_cs231n_lstm_step_forward_values(framework):
    N, D_, H_ = 3, 4, 5
    x, prev_h, prev_c = linspace(-0.4, 1.2, N, D_), linspace(-0.3, 0.7, N, H_), linspace(-0.4, 0.9, N, H_)
    Wx, Wh, b = linspace(-2.1, 1.3, D_, 4 * H_), linspace(-0.7, 2.2, H_, 4 * H_), linspace(0.3, 0.7, 4 * H_)
    module = SNIPPETS[framework]["lstm"]
    params = module.lstm_from_cs231n(*as_framework(framework, Wx, Wh, b))
    next_h, next_c = module.lstm_cell(*as_framework(framework, x, prev_h, prev_c), **params)
    assert np.abs(as_array(next_h) - CS231N_LSTM_STEP_H).max() <= PRINTED
    assert np.abs(as_array(next_c) - CS231N_LSTM_STEP_C).max() <= PRINTED
    # the o/g swap is what the converter is for: without it the step is visibly wrong
    wrong = module.lstm_cell(*as_framework(framework, x, prev_h, prev_c),
                             *as_framework(framework, Wx.T.copy(), Wh.T.copy(), b, 0 * b))[0]
    assert np.abs(as_array(wrong) - CS231N_LSTM_STEP_H).max() > 0.01


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_cs231n_lstm_forward_values(framework):
    N, D_, H_, T_ = 2, 5, 4, 3
    x, h0 = linspace(-0.4, 0.6, N, T_, D_), linspace(-0.4, 0.8, N, H_)
    Wx, Wh, b = linspace(-0.2, 0.9, D_, 4 * H_), linspace(-0.3, 0.6, H_, 4 * H_), linspace(0.2, 0.7, 4 * H_)
    module = SNIPPETS[framework]["lstm"]
    params = module.lstm_from_cs231n(*as_framework(framework, Wx, Wh, b))
    x_t, h0_t = as_framework(framework, x.swapaxes(0, 1).copy(), h0)  # CS231n is batch-first, c0 = 0
    h, _ = module.lstm(x_t, h0_t, None, **params)
    assert np.abs(as_array(h).swapaxes(0, 1) - CS231N_LSTM_H).max() <= PRINTED


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_cs231n_rnn_values(framework):
    module = SNIPPETS[framework]["rnn"]
    N, D_, H_ = 3, 10, 4  # rnn_step_forward
    x, prev_h = linspace(-0.4, 0.7, N, D_), linspace(-0.2, 0.5, N, H_)
    Wx, Wh, b = linspace(-0.1, 0.9, D_, H_), linspace(-0.3, 0.7, H_, H_), linspace(-0.2, 0.4, H_)
    params = module.rnn_from_cs231n(*as_framework(framework, Wx, Wh, b))
    next_h = module.rnn_cell(*as_framework(framework, x, prev_h), **params)
    assert np.abs(as_array(next_h) - CS231N_RNN_STEP_H).max() <= PRINTED
    N, T_, D_, H_ = 2, 3, 4, 5  # rnn_forward
    x, h0 = linspace(-0.1, 0.3, N, T_, D_), linspace(-0.3, 0.1, N, H_)
    Wx, Wh, b = linspace(-0.2, 0.4, D_, H_), linspace(-0.4, 0.1, H_, H_), linspace(-0.7, 0.1, H_)
    params = module.rnn_from_cs231n(*as_framework(framework, Wx, Wh, b))
    h, _ = module.rnn(*as_framework(framework, x.swapaxes(0, 1).copy(), h0), **params)
    assert np.abs(as_array(h).swapaxes(0, 1) - CS231N_RNN_H).max() <= PRINTED


# Errors that point at the fix.

@pytest.mark.parametrize("framework", ["numpy", "torch"])
@pytest.mark.parametrize("model", ["lstm", "gru", "rnn"])
def test_transposed_weights_name_the_converters(model, framework):
    module = SNIPPETS[framework][model]
    k = {"lstm": 4, "gru": 3, "rnn": 1}[model]
    D_, H_ = 3, 2  # D != H, so the x W layout is told apart from torch.nn's even for the RNN
    x, Wx, Wh, b = as_framework(framework, np.ones((4, 2, D_)), np.ones((D_, k * H_)), np.ones((H_, k * H_)),
                                np.ones(k * H_))
    with pytest.raises(ValueError, match=rf"look transposed: .*convert them with {model}_from_keras"):
        getattr(module, model)(x, *([None] * (2 if model == "lstm" else 1)), Wx, Wh, b, b)
    if model != "gru":
        with pytest.raises(ValueError, match=f"{model}_from_cs231n"):
            getattr(module, f"{model}_cell")(x[0], *([None] * (2 if model == "lstm" else 1)), Wx, Wh, b, b)


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_converter_errors(framework):
    lstm, gru = SNIPPETS[framework]["lstm"], SNIPPETS[framework]["gru"]
    weight_ih, weight_hh, b3 = as_framework(framework, np.ones((4 * H, D)), np.ones((4 * H, H)), np.ones(3 * H))
    with pytest.raises(ValueError, match=r"recurrent_kernel has shape \(20, 5\), expected \(H, 4H\), the x W "
                                         r"layout: that is torch.nn's layout \(4H, H\), which needs no conversion"):
        lstm.lstm_from_keras(weight_ih, weight_hh)
    kernel, recurrent = as_framework(framework, np.ones((D, 3 * H)), np.ones((H, 3 * H)))
    with pytest.raises(ValueError, match=r"gru_from_keras\(reset_after=True\): bias has shape \(15,\), "
                                         r"expected \(2, 15\)"):
        gru.gru_from_keras(kernel, recurrent, b3)
    with pytest.raises(TypeError, match="reset_after must be True or False"):
        gru.gru_from_keras(kernel, recurrent, b3, reset_after="no")
    with pytest.raises(ValueError, match=r"kernel has shape \(4, 15\), expected \(D, 20\)"):
        lstm.lstm_from_keras(kernel, *as_framework(framework, np.ones((H, 4 * H))))
    with pytest.raises(TypeError, match="Wx must be"):
        lstm.lstm_from_cs231n([[1.0]], *as_framework(framework, np.ones((H, 4 * H)), np.ones(4 * H)))
